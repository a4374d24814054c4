package app

import (
	"encoding/json"

	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

func (a *App) recordRoutes(r fiber.Router) {
	r.Get("/cases/:id/records", a.listRecords)
	r.Post("/cases/:id/records", a.addRecord)
	r.Get("/cases/:id/verify", a.verifyCase)
	r.Get("/records/:id", a.getRecord)
	// Records are never edited or removed; say so rather than 404.
	for _, m := range []string{fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete} {
		r.Add(m, "/records/:id", refuseRecordChange)
	}
}

func refuseRecordChange(*fiber.Ctx) error {
	return &fault.Error{Kind: methodNotAllowed, Message: "全过程记录只能追加，不能修改或删除；如需更正，请新增一条更正记录"}
}

// historyOf reads the state moves out of a case's records.
func historyOf(recs []evidence.Record) []historyItem {
	out := []historyItem{}
	for _, r := range recs {
		if r.Kind != "transition" {
			continue
		}
		var d struct {
			From enforcement.State `json:"from"`
			To   enforcement.State `json:"to"`
		}
		_ = json.Unmarshal(r.Data, &d)
		out = append(out, historyItem{From: d.From, To: d.To, At: r.OccurredAt, By: r.AuthorName, Note: r.Note})
	}
	return out
}

// GET /api/v1/cases/{id}/records
func (a *App) listRecords(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	recs, err := a.evidence.Records(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(enforcement.List[evidence.Record]{Items: recs, Total: len(recs)})
}

// POST /api/v1/cases/{id}/records
func (a *App) addRecord(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in evidence.RecordInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	r, err := a.evidence.AddRecord(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// GET /api/v1/records/{id}
func (a *App) getRecord(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := a.evidence.FindRecord(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// GET /api/v1/cases/{id}/verify
func (a *App) verifyCase(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v, err := a.evidence.Verify(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}
