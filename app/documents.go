package app

import (
	"github.com/gofiber/fiber/v2"

	"zhifa/evidence"
	"zhifa/fault"
)

// Documents in the field (执法文书): the catalogue of kinds, as data.

func (a *App) documentRoutes(api fiber.Router) {
	api.Get("/document-kinds", a.listDocumentKinds)
	api.Post("/document-kinds", a.createDocumentKind)
	api.Post("/cases/:id/documents", a.draftDocument)
	api.Get("/cases/:id/documents", a.listCaseDocuments)
	api.Get("/documents/:id.pdf", a.caseDocumentPDF) // before :id, which would take "….pdf"
	api.Get("/documents/:id", a.getCaseDocument)
	api.Patch("/documents/:id", a.updateDraft)
	api.Delete("/documents/:id", a.discardDraft)
	api.Post("/documents/:id/signatures", a.signDocument)
	api.Post("/documents/:id/freeze", a.freezeDocument)
}

// publicDocumentRoutes: the keys and the format before the documents, whose path they
// would otherwise match.
func (a *App) publicDocumentRoutes(pub fiber.Router) {
	pub.Get("/api/documents/keys", a.publicDocumentKeys)
	pub.Get("/documents/spec.md", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
		return c.SendString(evidence.DocumentSpecification)
	})
	pub.Get("/api/documents/:id", a.publicDocumentJSON)
	pub.Get("/documents/:id", a.publicDocumentPage)
}

// PATCH /api/v1/documents/{id} {fields} — values of a draft nobody has signed.
func (a *App) updateDraft(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Fields map[string]string `json:"fields"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	d, err := a.evidence.UpdateDraft(c.UserContext(), actor(c), id, in.Fields)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// DELETE /api/v1/documents/{id} — a draft goes; a frozen document never does.
func (a *App) discardDraft(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := a.evidence.DiscardDraft(c.UserContext(), actor(c), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// POST /api/v1/documents/{id}/signatures {role, signer, officer_id, strokes | png} or
// the party's refusal {role: "party", refused: true, reason, record_id}.
func (a *App) signDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in evidence.SignatureInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	d, err := a.evidence.SignDocument(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(d)
}

// POST /api/v1/documents/{id}/freeze → {number, sha256, signature, pdf_url, …}
func (a *App) freezeDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.evidence.FreezeDocument(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(frozenView(d))
}

// frozenView is a document with the addresses of its PDF and its public check.
func frozenView(d evidence.Document) fiber.Map {
	return fiber.Map{"document": d, "id": d.ID, "number": d.Number, "sha256": d.SHA256, "signature": d.Signature, "public_key": d.PublicKey,
		"pdf_url": "/api/v1/documents/" + d.ID.String() + ".pdf", "verify_url": "/public/documents/" + d.ID.String()}
}

// GET /public/api/documents/keys — each agency's key that signs its documents.
func (a *App) publicDocumentKeys(c *fiber.Ctx) error {
	ks, err := a.evidence.PublicDocumentKeys(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"algorithm": "Ed25519", "format": evidence.DocumentFormat, "specification": "/public/documents/spec.md", "items": ks})
}

// GET /public/api/documents/{id} — whether a paper document is genuine.
func (a *App) publicDocumentJSON(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return fault.New(fault.NotFound, "本平台没有这份定稿的文书")
	}
	p, err := a.evidence.VerifyDocument(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(p)
}

// GET /public/documents/{id} — the page the QR code on every page of a document opens.
func (a *App) publicDocumentPage(c *fiber.Ctx) error {
	data := fiber.Map{}
	id, err := idParam(c, "id")
	if err == nil {
		var p evidence.PublicDocument
		p, err = a.evidence.VerifyDocument(c.UserContext(), id)
		data["P"] = p
	}
	if fault.Is(err, fault.NotFound) || fault.Is(err, fault.Invalid) {
		c.Status(fiber.StatusNotFound)
		data["Missing"] = true
	} else if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Render("public_document", a.publicView(c, "执法文书核验", data))
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
