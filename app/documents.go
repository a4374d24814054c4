package app

import (
	"github.com/gofiber/fiber/v2"

	"zhifa/evidence"
)

// Documents in the field (执法文书): the catalogue of kinds, as data.

func (a *App) documentRoutes(api fiber.Router) {
	api.Get("/document-kinds", a.listDocumentKinds)
	api.Post("/document-kinds", a.createDocumentKind)
}

// GET /api/v1/document-kinds?all=true — the newest version of every kind (every version
// with all), for anyone signed in: officers fill them.
func (a *App) listDocumentKinds(c *fiber.Ctx) error {
	ks, err := a.evidence.DocumentKinds(c.UserContext(), c.QueryBool("all"))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ks, "total": len(ks)})
}

// POST /api/v1/document-kinds — an administrator's next version of a kind (or a new kind).
func (a *App) createDocumentKind(c *fiber.Ctx) error {
	var in evidence.DocumentKindInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	k, err := a.evidence.CreateDocumentKind(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(k)
}
