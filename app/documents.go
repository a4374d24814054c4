package app

import (
	"strings"
	"time"

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
	api.Get("/documents/:id/access-log", a.documentAccessLog)
	api.Patch("/documents/:id", a.updateDraft)
	api.Delete("/documents/:id", a.discardDraft)
	api.Post("/documents/:id/signatures", a.signDocument)
	api.Post("/documents/:id/freeze", a.freezeDocument)
	api.Post("/documents/:id/service", a.serveDocument)
	api.Get("/cases/:id/services", a.listDocumentServices)
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
	pub.Get("/service/:token", a.publicServicePage)
	pub.Post("/service/:token", a.publicServiceOpen)
	pub.Get("/service/:token/document.pdf", a.publicServicePDF)
}

// POST /api/v1/documents/{id}/service {method, at, to, receipt_id | evidence_ids | consent, …}
func (a *App) serveDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in evidence.ServiceInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	ds, err := a.evidence.ServeDocument(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // an electronic service's code is shown once
	return c.Status(fiber.StatusCreated).JSON(ds)
}

// GET /api/v1/cases/{id}/services
func (a *App) listDocumentServices(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	l, err := a.evidence.DocumentServices(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": l, "total": len(l)})
}

// serviceCookie keeps the code on the party's phone for the PDF, on the link's path only.
const serviceCookie = "zhifa_service"

// GET /public/service/{token} — the party's page: the code, then the document.
func (a *App) publicServicePage(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if code := c.Cookies(serviceCookie); code != "" {
		if sd, err := a.evidence.OpenServedDocument(c.UserContext(), c.Params("token"), code); err == nil {
			return a.renderServed(c, sd)
		}
	}
	return a.renderServiceCode(c, fiber.Map{})
}

// renderServiceCode asks for the code, saying who sent the link; a link that is no link
// gets the same page without a sender, as before: whether a link exists is not told.
func (a *App) renderServiceCode(c *fiber.Ctx, data fiber.Map) error {
	agency, doc, err := a.evidence.ServiceSender(c.UserContext(), c.Params("token"))
	if err != nil && !fault.Is(err, fault.NotFound) {
		return err
	}
	data["Token"], data["Sender"], data["DocumentName"] = c.Params("token"), agency, doc
	return c.Render("public_service", a.publicView(c, "电子送达", data))
}

// POST /public/service/{token} code=… — the first right code serves the document.
func (a *App) publicServiceOpen(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	code := strings.TrimSpace(c.FormValue("code"))
	sd, err := a.evidence.OpenServedDocument(c.UserContext(), c.Params("token"), code)
	if fault.Is(err, fault.Invalid) || fault.Is(err, fault.Forbidden) {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderServiceCode(c, fiber.Map{"Error": fault.MessageOf(err)})
	}
	if err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: serviceCookie, Value: code, Path: "/public/service/" + c.Params("token"), HTTPOnly: true,
		SameSite: fiber.CookieSameSiteStrictMode, Secure: a.cfg.Env == "production", Expires: time.Now().Add(24 * time.Hour)})
	return a.renderServed(c, sd)
}

func (a *App) renderServed(c *fiber.Ctx, sd evidence.ServedDocument) error {
	return c.Render("public_service", a.publicView(c, "电子送达", fiber.Map{"Token": c.Params("token"), "S": sd}))
}

// GET /public/service/{token}/document.pdf — the stored PDF, for the phone that opened it.
func (a *App) publicServicePDF(c *fiber.Ctx) error {
	b, sd, err := a.evidence.ServedPDF(c.UserContext(), c.Params("token"), c.Cookies(serviceCookie))
	d := sd.Document
	if fault.Is(err, fault.Invalid) {
		return c.Redirect("/public/service/"+c.Params("token"), fiber.StatusSeeOther)
	}
	if err != nil {
		return err
	}
	if err := a.evidence.LogDocumentAccess(c.UserContext(), evidence.DocumentAccess{DocumentID: d.ID,
		Who: sd.Service.Recipient, Via: "service", IP: clientIP(c), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300)}); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="document-`+d.ID.String()+`.pdf"`)
	return c.Send(b)
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

// GET /api/v1/documents/{id}/access-log — who opened the frozen PDF, newest first (the
// last 200).
func (a *App) documentAccessLog(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	l, err := a.evidence.DocumentAccessLog(c.UserContext(), actor(c), id, 200)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": l, "total": len(l)})
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
	if d.State == "frozen" { // a draft's preview is not the document yet
		uid := actor(c).UserID
		if err := a.evidence.LogDocumentAccess(c.UserContext(), evidence.DocumentAccess{DocumentID: d.ID, UserID: &uid,
			Who: actor(c).Name, Via: "platform", IP: clientIP(c), UserAgent: truncate(c.Get(fiber.HeaderUserAgent), 300)}); err != nil {
			return err
		}
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `inline; filename="document-`+d.ID.String()+`.pdf"`)
	return c.Send(b)
}
