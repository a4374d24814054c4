package app

import (
	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
)

func (a *App) disclosureRoutes(r fiber.Router) {
	r.Get("/disclosures", a.listDisclosures)
	r.Get("/disclosures/:id", a.getDisclosure)
	r.Post("/disclosures/:id/publish", a.publishDisclosure)
	r.Post("/disclosures/:id/withdraw", a.withdrawDisclosure)
}

// GET /api/v1/disclosures?state=due|overdue|published|withdrawn|expired|withdrawal_due&case_id=&agency_id=
func (a *App) listDisclosures(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := enforcement.DisclosureFilter{State: c.Query("state"), Page: p}
	if f.CaseID, err = uuidQuery(c, "case_id"); err != nil {
		return err
	}
	if f.AgencyID, err = uuidQuery(c, "agency_id"); err != nil {
		return err
	}
	l, err := a.enforcement.ListDisclosures(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /api/v1/disclosures/{id}
func (a *App) getDisclosure(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.enforcement.FindDisclosure(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// POST /api/v1/disclosures/{id}/publish
func (a *App) publishDisclosure(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.enforcement.PublishDisclosure(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(d)
}

// POST /api/v1/disclosures/{id}/withdraw {reason}
func (a *App) withdrawDisclosure(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	d, err := a.enforcement.WithdrawDisclosure(c.UserContext(), actor(c), id, in.Reason)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(d)
}
