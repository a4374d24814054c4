package app

import (
	"github.com/gofiber/fiber/v2"

	"zhifa/evidence"
)

// Documents in the field (执法文书): the catalogue of kinds, as data.

func (a *App) documentRoutes(api fiber.Router) {
	api.Get("/document-kinds", a.listDocumentKinds)
	api.Post("/document-kinds", a.createDocumentKind)
	api.Post("/cases/:id/documents", a.draftDocument)
	api.Get("/cases/:id/documents", a.listCaseDocuments)
	api.Get("/documents/:id.pdf", a.caseDocumentPDF) // before :id, which would take "….pdf"
	api.Get("/documents/:id", a.getCaseDocument)
}

// POST /api/v1/cases/{id}/documents {kind, fields} → the draft, filled from the case.
func (a *App) draftDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in evidence.DocumentInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	d, err := a.evidence.DraftDocument(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/documents/" + d.ID.String())
	return c.Status(fiber.StatusCreated).JSON(d)
}

// GET /api/v1/cases/{id}/documents
func (a *App) listCaseDocuments(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ds, err := a.evidence.CaseDocuments(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ds, "total": len(ds)})
}

// GET /api/v1/documents/{id}
func (a *App) getCaseDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.evidence.FindDocument(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
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

// GET /api/v1/documents/{id}.pdf — the document as it prints.
func (a *App) caseDocumentPDF(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	b, d, err := a.evidence.DocumentPDF(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="document-`+d.ID.String()+`.pdf"`)
	return c.Send(b)
}
