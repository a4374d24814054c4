package app

import (
	"encoding/json"
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

// PATCH /api/v1/agencies/{id} {phone, documents_from}
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
	// documents_from: a day, or null for not required; absent leaves it.
	var keys map[string]json.RawMessage
	_ = json.Unmarshal(c.Body(), &keys)
	var documentsFrom *json.RawMessage
	if v, ok := keys["documents_from"]; ok {
		documentsFrom = &v
	}
	if in.Phone == nil && documentsFrom == nil {
		return fault.Field("phone", "请填写联系电话（phone）或文书启用日期（documents_from）")
	}
	// Both values are read before either is written, so a bad one changes nothing.
	var from *enforcement.Date
	if documentsFrom != nil && string(*documentsFrom) != "null" {
		from = &enforcement.Date{}
		if err := json.Unmarshal(*documentsFrom, from); err != nil {
			return fault.Field("documents_from", "文书启用日期应为 YYYY-MM-DD，或 null 表示暂不启用")
		}
	}
	if in.Phone != nil {
		if _, err := enforcement.CheckAgencyPhone(*in.Phone); err != nil {
			return err
		}
	}
	var ag enforcement.Agency
	if in.Phone != nil {
		if ag, err = a.enforcement.SetAgencyPhone(c.UserContext(), actor(c), id, *in.Phone); err != nil {
			return err
		}
	}
	if documentsFrom != nil {
		if ag, err = a.enforcement.SetDocumentsFrom(c.UserContext(), actor(c), id, from); err != nil {
			return err
		}
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
