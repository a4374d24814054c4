package app

import (
	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
)

func (a *App) officerRoutes(r fiber.Router) {
	r.Get("/officers", a.listOfficers)
	r.Post("/officers", a.createOfficer)
	r.Get("/officers/:id", a.getOfficer)
	r.Patch("/officers/:id", a.patchOfficer)
}

func (a *App) officerFilter(c *fiber.Ctx) (enforcement.OfficerFilter, error) {
	p, err := pageOf(c)
	if err != nil {
		return enforcement.OfficerFilter{}, err
	}
	agency, err := uuidQuery(c, "agency_id")
	return enforcement.OfficerFilter{AgencyID: agency, Q: c.Query("q"),
		Status: enforcement.OfficerStatus(c.Query("status")), Page: p}, err
}

// GET /api/v1/officers
func (a *App) listOfficers(c *fiber.Ctx) error {
	f, err := a.officerFilter(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListOfficers(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/officers
func (a *App) createOfficer(c *fiber.Ctx) error {
	var in enforcement.OfficerInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	o, err := a.enforcement.CreateOfficer(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}

// GET /api/v1/officers/{id}
func (a *App) getOfficer(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	o, err := a.enforcement.FindOfficer(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(o)
}

// PATCH /api/v1/officers/{id}
func (a *App) patchOfficer(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var p enforcement.OfficerPatch
	if err := parseBody(c, &p); err != nil {
		return err
	}
	o, err := a.enforcement.UpdateOfficer(c.UserContext(), actor(c), id, p)
	if err != nil {
		return err
	}
	return c.JSON(o)
}
