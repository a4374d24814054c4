package app

import (
	"github.com/gofiber/fiber/v2"

	"zhifa/inspection"
)

func (a *App) inspectionRoutes(api fiber.Router) {
	api.Get("/inspection/matters", a.listMatters)
	api.Post("/inspection/matters", a.addMatter)
}

func (a *App) matterFilter(c *fiber.Ctx) (inspection.MatterFilter, error) {
	var f inspection.MatterFilter
	var err error
	if f.Page, err = pageOf(c); err != nil {
		return f, err
	}
	f.AgencyID, err = uuidQuery(c, "agency_id")
	f.Q = c.Query("q")
	return f, err
}

// GET /api/v1/inspection/matters?agency_id=&q=
func (a *App) listMatters(c *fiber.Ctx) error {
	f, err := a.matterFilter(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.Matters(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/inspection/matters
func (a *App) addMatter(c *fiber.Ctx) error {
	var in inspection.MatterInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	m, err := a.inspection.AddMatter(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.Status(fiber.StatusCreated).JSON(m)
}

// GET /public/api/matters — the list is public.
func (a *App) publicMattersJSON(c *fiber.Ctx) error {
	return a.listMatters(c)
}

// GET /public/matters
func (a *App) publicMattersPage(c *fiber.Ctx) error {
	f, err := a.matterFilter(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.Matters(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.Render("public_matters", a.publicView(c, "随机抽查事项清单", fiber.Map{"List": l, "Q": f.Q, "Pager": pager(c, f.Page, l.Total)}))
}
