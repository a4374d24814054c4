package app

import (
	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
	"zhifa/fault"
)

func (a *App) agencyRoutes(r fiber.Router) {
	r.Get("/agencies", a.listAgencies)
	r.Post("/agencies", a.createAgency)
	r.Get("/agencies/:id", a.getAgency)
	r.Patch("/agencies/:id", a.patchAgency)
}

// PATCH /api/v1/agencies/{id} {phone}
func (a *App) patchAgency(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Phone *string `json:"phone"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	if in.Phone == nil {
		return fault.Field("phone", "请填写联系电话（phone）")
	}
	ag, err := a.enforcement.SetAgencyPhone(c.UserContext(), actor(c), id, *in.Phone)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(ag)
}

// GET /api/v1/agencies
func (a *App) listAgencies(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListAgencies(c.UserContext(), actor(c), enforcement.AgencyFilter{
		Q: c.Query("q"), Kind: enforcement.AgencyKind(c.Query("kind")), Page: p})
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/agencies
func (a *App) createAgency(c *fiber.Ctx) error {
	var in enforcement.AgencyInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	ag, err := a.enforcement.CreateAgency(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(ag)
}

// GET /api/v1/agencies/{id}
func (a *App) getAgency(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ag, err := a.enforcement.FindAgency(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ag)
}
