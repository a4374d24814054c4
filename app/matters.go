package app

import (
	"fmt"
	"mime/multipart"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

// Supervision matters: opened from clues or on a plan, worked by two or more supervisors,
// with requests for materials and the three documents the supervised agency answers.

func (a *App) matterRoutes(api fiber.Router) {
	api.Post("/supervision/clues/:id/open", a.openFromClue)
	api.Get("/supervision/matters", a.listSupervisionMatters)
	api.Post("/supervision/matters", a.createMatter)
	api.Get("/supervision/matters/:id", a.getMatter)
	api.Get("/supervision/matters/:id/verify", a.verifyMatter)
	api.Post("/supervision/matters/:id/requests", a.createRequest)
	api.Post("/supervision/matters/:id/documents", a.createDocument)
	api.Post("/supervision/matters/:id/notes", a.createNote)
	api.Post("/supervision/matters/:id/samples", a.drawMatterSample)
	api.Post("/supervision/matters/:id/conclude", a.concludeMatter)
	api.Get("/supervision/supervisors", a.listSupervisors)
	api.Get("/supervision/inbox", a.inbox)
	api.Get("/supervision/requests/:id", a.getRequest)
	api.Post("/supervision/requests/:id/answer", a.answerRequest)
	api.Get("/supervision/documents/:id", a.getDocument)
	api.Get("/supervision/documents/:id/pdf", a.documentPDF)
	api.Post("/supervision/documents/:id/answer", a.answerDocument)
	api.Post("/supervision/documents/:id/accept", a.judgeDocument("accepted"))
	api.Post("/supervision/documents/:id/return", a.judgeDocument("returned"))
	api.Get("/supervision/files/:id", a.answerFile)
	a.alertRoutes(api)
}

func (a *App) matterPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/supervision/matters", append(login, a.mattersPage)...)
	srv.Get("/supervision/matters/new", append(login, a.newMatterPage)...)
	srv.Post("/supervision/matters/new", append(write, a.newMatterSubmit)...)
	srv.Post("/supervision/clues/:id/open", append(write, a.openFromClueSubmit)...)
	srv.Get("/supervision/matters/:id", append(login, a.matterPage)...)
	srv.Post("/supervision/matters/:id/:action", append(write, a.matterActionSubmit)...)
	srv.Get("/supervision/matters/:id/cases/:case_id", append(login, a.readMatterCase)...)
	srv.Get("/supervision/inbox", append(login, a.inboxPage)...)
	srv.Get("/supervision/requests/:id", append(login, a.requestPage)...)
	srv.Post("/supervision/requests/:id/answer", append(write, a.answerRequestSubmit)...)
	srv.Get("/supervision/documents/:id", append(login, a.documentPage)...)
	srv.Post("/supervision/documents/:id/:action", append(write, a.documentActionSubmit)...)
	a.alertPageRoutes(srv, login, write)
}

// GET /api/v1/supervision/matters?kind=&state=&agency_id=&mine=&q=
func (a *App) listSupervisionMatters(c *fiber.Ctx) error {
	f, err := matterFilterOf(c)
	if err != nil {
		return err
	}
	l, err := a.audit.Matters(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func matterFilterOf(c *fiber.Ctx) (audit.MatterFilter, error) {
	p, err := pageOf(c)
	f := audit.MatterFilter{Kind: c.Query("kind"), State: c.Query("state"), Mine: c.Query("mine") == "true", Query: c.Query("q"), Page: p}
	if v := c.Query("agency_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return f, fault.Field("agency_id", "执法单位编号无效")
		}
		f.AgencyID = &id
	}
	return f, err
}

// POST /api/v1/supervision/matters
func (a *App) createMatter(c *fiber.Ctx) error {
	var in audit.MatterInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	m, err := a.audit.OpenMatter(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/supervision/matters/" + m.ID.String())
	return c.Status(fiber.StatusCreated).JSON(m)
}

// POST /api/v1/supervision/clues/{id}/open — the clue becomes a matter.
func (a *App) openFromClue(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in audit.MatterInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	m, err := a.audit.OpenFromClue(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/supervision/matters/" + m.ID.String())
	return c.Status(fiber.StatusCreated).JSON(m)
}

// GET /api/v1/supervision/matters/{id}
func (a *App) getMatter(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := a.audit.FindMatter(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// GET /api/v1/supervision/matters/{id}/verify — the matter's chain recomputed.
func (a *App) verifyMatter(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v, err := a.audit.VerifyMatter(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// POST /api/v1/supervision/matters/{id}/requests
func (a *App) createRequest(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in audit.RequestInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	r, err := a.audit.RequestMaterials(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// POST /api/v1/supervision/matters/{id}/documents → {id, number, pdf_url, …}
func (a *App) createDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in audit.DocumentInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	d, err := a.audit.IssueDocument(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(documentJSON(d))
}

func documentJSON(d audit.Document) fiber.Map {
	return fiber.Map{"id": d.ID, "number": d.Number, "pdf_url": d.PDFURL(), "document": d}
}

// POST /api/v1/supervision/matters/{id}/notes — an interview, a site visit.
func (a *App) createNote(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in audit.NoteInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	m, err := a.audit.AddNote(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(m)
}

// POST /api/v1/supervision/matters/{id}/samples — case files drawn for the matter.
func (a *App) drawMatterSample(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in audit.MatterSampleInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	m, e, err := a.audit.DrawMatterSample(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"matter": m, "evaluation": e})
}

// POST /api/v1/supervision/matters/{id}/conclude {conclusion}
func (a *App) concludeMatter(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Conclusion string `json:"conclusion"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	m, err := a.audit.ConcludeMatter(c.UserContext(), actor(c), id, in.Conclusion)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// GET /api/v1/supervision/supervisors — whom a matter can be given to.
func (a *App) listSupervisors(c *fiber.Ctx) error {
	l, err := a.audit.Supervisors(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": l})
}

// GET /api/v1/supervision/inbox — what the signed-in agency user has been sent.
func (a *App) inbox(c *fiber.Ctx) error {
	in, err := a.audit.AgencyInbox(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(in)
}

// GET /api/v1/supervision/requests/{id}
func (a *App) getRequest(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := a.audit.FindRequest(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// GET /api/v1/supervision/documents/{id} — for the addressee, its read receipt.
func (a *App) getDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.audit.FindDocument(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// GET /api/v1/supervision/documents/{id}/pdf — the stored PDF, its SHA-256 in a header.
func (a *App) documentPDF(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.audit.FindDocument(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return a.sendStored(c, audit.ClueFile{Filename: d.Number + ".pdf", ContentType: "application/pdf", Size: d.PDFSize,
		SHA256: d.PDFSHA256, ObjectKey: d.PDFKey, VersionID: d.PDFVersion})
}

// answerInput reads an answer as JSON {text} or as a multipart form with "files".
func (a *App) answerInput(c *fiber.Ctx) (audit.AnswerInput, error) {
	var in audit.AnswerInput
	if form, err := c.MultipartForm(); err == nil {
		if v := form.Value["text"]; len(v) > 0 {
			in.Text = v[0]
		}
		if err := checkField("text", in.Text); err != nil {
			return in, err
		}
		files, err := a.storeSmallFiles(c.UserContext(), nonEmpty(form.File["files"]), "supervision-answers", "答复未提交", complaintFiles, complaintFileSize)
		in.Files = files
		return in, err
	}
	err := parseBody(c, &in)
	return in, err
}

// nonEmpty drops the empty part a file input sends when nothing was chosen.
func nonEmpty(fs []*multipart.FileHeader) []*multipart.FileHeader {
	var out []*multipart.FileHeader
	for _, f := range fs {
		if f.Filename != "" || f.Size > 0 {
			out = append(out, f)
		}
	}
	return out
}

// POST /api/v1/supervision/requests/{id}/answer
func (a *App) answerRequest(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in, err := a.answerInput(c)
	if err != nil {
		return err
	}
	r, err := a.audit.AnswerRequest(c.UserContext(), actor(c), id, in)
	if err != nil {
		a.removeComplaintFiles(in.Files)
		return err
	}
	return c.JSON(r)
}

// POST /api/v1/supervision/documents/{id}/answer
func (a *App) answerDocument(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in, err := a.answerInput(c)
	if err != nil {
		return err
	}
	d, err := a.audit.AnswerDocument(c.UserContext(), actor(c), id, in)
	if err != nil {
		a.removeComplaintFiles(in.Files)
		return err
	}
	return c.JSON(d)
}

// POST /api/v1/supervision/documents/{id}/accept|return {note}
func (a *App) judgeDocument(verdict string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		var in struct {
			Note string `json:"note"`
		}
		if err := parseBody(c, &in); err != nil {
			return err
		}
		d, err := a.audit.JudgeAnswer(c.UserContext(), actor(c), id, verdict, in.Note)
		if err != nil {
			return err
		}
		return c.JSON(d)
	}
}

// GET /api/v1/supervision/files/{id} — a file sent with an answer, to the supervisors of
// the region and the agency that sent it.
func (a *App) answerFile(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx, act := c.UserContext(), actor(c)
	f, err := a.audit.AnswerFileFor(ctx, act, id)
	if err != nil {
		return err
	}
	return a.sendStored(c, f)
}

// Pages.

func requireSupervisorPage(c *fiber.Ctx) error {
	if !actor(c).Has(enforcement.RoleSupervisor) {
		return fault.New(fault.NotFound, "页面不存在")
	}
	return nil
}

// GET /supervision/matters
func (a *App) mattersPage(c *fiber.Ctx) error {
	if err := requireSupervisorPage(c); err != nil {
		return err
	}
	f, err := matterFilterOf(c)
	if err != nil {
		return err
	}
	l, err := a.audit.Matters(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.Render("supervision_matters", a.view(c, "监督事项", fiber.Map{"List": l, "Filter": f, "Kinds": audit.MatterKindList,
		"Pager": pager(c, f.Page, l.Total)}))
}

// GET /supervision/matters/new
func (a *App) newMatterPage(c *fiber.Ctx) error {
	return a.renderNewMatter(c, fiber.Map{})
}

func (a *App) renderNewMatter(c *fiber.Ctx, data fiber.Map) error {
	if err := requireSupervisorPage(c); err != nil {
		return err
	}
	ctx, act := c.UserContext(), actor(c)
	sups, err := a.audit.Supervisors(ctx, act)
	if err != nil {
		return err
	}
	ags, err := a.enforcement.ListAgencies(ctx, act, enforcement.AgencyFilter{Page: enforcement.Page{Number: 1, Size: 500}})
	if err != nil {
		return err
	}
	if data["Typed"] == nil {
		data["Typed"] = map[string]string{"kind": "daily"}
	}
	if data["Chosen"] == nil {
		data["Chosen"] = map[string]bool{act.UserID.String(): true}
	}
	data["Supervisors"], data["Agencies"], data["Kinds"] = sups, ags.Items, audit.MatterKindList
	return c.Render("supervision_matter_new", a.view(c, "立项监督", data))
}

// matterForm reads the matter form: one agency for daily/key, any number for special.
func matterForm(c *fiber.Ctx) (audit.MatterInput, map[string]bool) {
	in := audit.MatterInput{Kind: c.FormValue("kind"), Title: c.FormValue("title"), Basis: c.FormValue("basis"), Plan: c.FormValue("plan"),
		CaseNumbers: strings.FieldsFunc(c.FormValue("case_numbers"), func(r rune) bool { return strings.ContainsRune("\r\n,，、 ", r) })}
	chosen := map[string]bool{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		id, err := uuid.Parse(string(v))
		if err != nil {
			return
		}
		switch string(k) {
		case "agency_ids":
			in.AgencyIDs = append(in.AgencyIDs, id)
			chosen[id.String()] = true
		case "supervisor_ids":
			in.SupervisorIDs = append(in.SupervisorIDs, id)
			chosen[id.String()] = true
		case "case_ids":
			in.CaseIDs = append(in.CaseIDs, id)
		}
	})
	return in, chosen
}

// POST /supervision/matters/new
func (a *App) newMatterSubmit(c *fiber.Ctx) error {
	in, chosen := matterForm(c)
	m, err := a.audit.OpenMatter(c.UserContext(), actor(c), in)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Chosen"] = typedForm(c), chosen
		return a.renderNewMatter(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/matters/"+m.ID.String(), "已立项："+m.Number+"（"+m.KindLabel()+"）")
}

// POST /supervision/clues/{id}/open — from the clue's page.
func (a *App) openFromClueSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in, _ := matterForm(c)
	m, err := a.audit.OpenFromClue(c.UserContext(), actor(c), id, in)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Action"], data["OpenError"] = typedForm(c), "open", true
		return a.renderClue(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/matters/"+m.ID.String(), "已立项："+m.Number+"（"+m.KindLabel()+"）")
}

// GET /supervision/matters/{id}
func (a *App) matterPage(c *fiber.Ctx) error {
	return a.renderMatter(c, fiber.Map{})
}

func (a *App) renderMatter(c *fiber.Ctx, data fiber.Map) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx, act := c.UserContext(), actor(c)
	m, err := a.audit.FindMatter(ctx, act, id)
	if err != nil {
		return err
	}
	if data["Typed"] == nil {
		data["Typed"] = map[string]string{}
	}
	if data["Form"] == nil {
		data["Form"] = ""
	}
	data["Matter"], data["Today"], data["Mine"] = m, a.enforcement.Today(), m.AssignedTo(act.UserID)
	data["DocumentKinds"], data["DecisionActions"] = audit.DocumentKindList, audit.DecisionActions
	data["DefaultDue"] = a.enforcement.Today().AddDays(15).String()
	// The sample form: the kinds ticked as typed, or penalties and coercion by default;
	// the period from New Year's Day to today.
	kinds := map[string]bool{"penalty": true, "coercion": true}
	if data["Form"] == "sample" {
		kinds = map[string]bool{}
		for _, v := range c.Request().PostArgs().PeekMulti("case_kinds") {
			kinds[string(v)] = true
		}
	}
	today := a.enforcement.Today()
	data["CaseKinds"], data["SampleKinds"] = enforcement.CaseKinds, kinds
	data["SampleFrom"], data["SampleTo"] = enforcement.MustDate(today.Year, time.January, 1).String(), today.String()
	return c.Render("supervision_matter", a.view(c, "监督事项 "+m.Number, data))
}

// POST /supervision/matters/{id}/request|document|note|conclude — the forms of the
// working file; an error shows at the top of the form that failed, with what was typed.
func (a *App) matterActionSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx, act := c.UserContext(), actor(c)
	action := c.Params("action")
	optionalID := func(k string) *uuid.UUID {
		if v, err := uuid.Parse(c.FormValue(k)); err == nil {
			return &v
		}
		return nil
	}
	var msg, to string
	switch action {
	case "request":
		var r audit.Request
		r, err = a.audit.RequestMaterials(ctx, act, id, audit.RequestInput{AgencyID: optionalID("agency_id"), Content: c.FormValue("content"), DueDate: c.FormValue("due_date")})
		msg = "已向" + r.AgencyName + "调取材料，" + r.DueDate.String() + " 前提供"
	case "document":
		var d audit.Document
		d, err = a.audit.IssueDocument(ctx, act, id, audit.DocumentInput{Kind: c.FormValue("kind"), AgencyID: optionalID("agency_id"),
			Facts: c.FormValue("facts"), Basis: c.FormValue("basis"), Requirements: c.FormValue("requirements"), DueDate: c.FormValue("due_date"),
			CaseID: optionalID("case_id"), Action: c.FormValue("action")})
		msg, to = "已制发"+d.KindLabel()+" "+d.Number+"，已送达"+d.AgencyName, "/supervision/documents/"+d.ID.String()
	case "note":
		_, err = a.audit.AddNote(ctx, act, id, audit.NoteInput{Kind: c.FormValue("kind"), Note: c.FormValue("note"), OccurredOn: c.FormValue("occurred_on")})
		msg = "已记录"
	case "sample":
		var e audit.Evaluation
		in := audit.MatterSampleInput{PeriodFrom: c.FormValue("period_from"), PeriodTo: c.FormValue("period_to"), Witness: c.FormValue("witness")}
		for _, v := range c.Request().PostArgs().PeekMulti("case_kinds") {
			in.CaseKinds = append(in.CaseKinds, string(v))
		}
		if in.SampleSize, err = strconv.Atoi(strings.TrimSpace(c.FormValue("sample_size"))); err != nil {
			err = fault.Field("sample_size", "每个单位抽取的份数应为整数")
		} else if _, e, err = a.audit.DrawMatterSample(ctx, act, id, in); err == nil {
			a.publicChanged(c)
		}
		msg = fmt.Sprintf("已从 %d 份案卷中抽取 %d 份，由本事项监督人员评查", e.PoolSize, e.Files)
	case "conclude":
		_, err = a.audit.ConcludeMatter(ctx, act, id, c.FormValue("conclusion"))
		msg = "监督事项已办结"
	case "publish":
		_, err = a.audit.PublishMatter(ctx, act, id, audit.PublishInput{Title: c.FormValue("public_title"), Text: c.FormValue("public_text")})
		msg = "已发布为典型案例"
	default:
		return fault.New(fault.NotFound, "页面不存在")
	}
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Form"] = typedForm(c), action
		return a.renderMatter(c, data)
	}
	if err != nil {
		return err
	}
	if to == "" {
		to = "/supervision/matters/" + id.String()
	}
	return redirectFlash(c, to, msg)
}

// GET /supervision/matters/{id}/cases/{case_id} — open a linked case file; the reading is
// recorded in the matter's chain first.
func (a *App) readMatterCase(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	caseID, err := idParam(c, "case_id")
	if err != nil {
		return err
	}
	if err := a.audit.ReadCase(c.UserContext(), actor(c), id, caseID); err != nil {
		return err
	}
	return c.Redirect("/cases/"+caseID.String(), fiber.StatusSeeOther)
}

// GET /supervision/inbox — an agency's requests and documents.
func (a *App) inboxPage(c *fiber.Ctx) error {
	in, err := a.audit.AgencyInbox(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.Render("supervision_inbox", a.view(c, "监督来文", fiber.Map{"Inbox": in, "Today": a.enforcement.Today()}))
}

// GET /supervision/requests/{id}
func (a *App) requestPage(c *fiber.Ctx) error {
	return a.renderRequest(c, fiber.Map{})
}

func (a *App) renderRequest(c *fiber.Ctx, data fiber.Map) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	act := actor(c)
	r, err := a.audit.FindRequest(c.UserContext(), act, id)
	if err != nil {
		return err
	}
	if data["Typed"] == nil {
		data["Typed"] = map[string]string{}
	}
	data["Request"], data["Today"] = r, a.enforcement.Today()
	data["MayAnswer"] = r.State == "pending" && !act.Has(enforcement.RoleSupervisor)
	return c.Render("supervision_request", a.view(c, "调取材料", data))
}

// POST /supervision/requests/{id}/answer
func (a *App) answerRequestSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in, err := a.answerInput(c)
	if err == nil {
		_, err = a.audit.AnswerRequest(c.UserContext(), actor(c), id, in)
		if err != nil {
			a.removeComplaintFiles(in.Files)
		}
	}
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"] = map[string]string{"text": c.FormValue("text")}
		return a.renderRequest(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/requests/"+id.String(), "已提交答复")
}

// GET /supervision/documents/{id} — the document as printed, with its answers; the
// addressee's first view is the read receipt.
func (a *App) documentPage(c *fiber.Ctx) error {
	return a.renderDocument(c, fiber.Map{})
}

func (a *App) renderDocument(c *fiber.Ctx, data fiber.Map) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	act := actor(c)
	d, err := a.audit.FindDocument(c.UserContext(), act, id)
	if err != nil {
		return err
	}
	if data["Typed"] == nil {
		data["Typed"] = map[string]string{}
	}
	if data["Form"] == nil {
		data["Form"] = ""
	}
	mine := false
	if act.Has(enforcement.RoleSupervisor) {
		if m, err := a.audit.FindMatter(c.UserContext(), act, d.MatterID); err == nil {
			mine = m.AssignedTo(act.UserID) && m.State == "open"
		}
	}
	data["Doc"], data["Today"], data["MayJudge"] = d, a.enforcement.Today(), mine && d.State == "answered"
	data["MayAnswer"] = d.AwaitsAnswer() && act.AgencyID == d.AgencyID && !act.Has(enforcement.RoleSupervisor)
	data["IssuedOn"] = evidence.ChineseDate(enforcement.DateOf(d.IssuedAt))
	return c.Render("supervision_document", a.view(c, d.KindLabel()+" "+d.Number, data))
}

// POST /supervision/documents/{id}/answer|accept|return
func (a *App) documentActionSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx, act := c.UserContext(), actor(c)
	action := c.Params("action")
	var msg string
	switch action {
	case "answer":
		var in audit.AnswerInput
		if in, err = a.answerInput(c); err == nil {
			if _, err = a.audit.AnswerDocument(ctx, act, id, in); err != nil {
				a.removeComplaintFiles(in.Files)
			}
		}
		msg = "已提交答复，等待监督机关审核"
	case "accept", "return":
		verdict := map[string]string{"accept": "accepted", "return": "returned"}[action]
		var d audit.Document
		d, err = a.audit.JudgeAnswer(ctx, act, id, verdict, c.FormValue("note"))
		msg = fmt.Sprintf("%s %s：%s", d.KindLabel(), d.Number, d.StateLabel())
	default:
		return fault.New(fault.NotFound, "页面不存在")
	}
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Form"] = map[string]string{"text": c.FormValue("text"), "note": c.FormValue("note")}, action
		return a.renderDocument(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/documents/"+id.String(), msg)
}

// GET /public/api/supervision/cases — the published typical cases.
func (a *App) publicTypicalCases(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.audit.TypicalCases(c.UserContext(), p)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /public/api/supervision/cases/{id}
func (a *App) publicTypicalCase(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	t, err := a.audit.TypicalCase(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// GET /public/supervision/cases
func (a *App) typicalCasesPage(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.audit.TypicalCases(c.UserContext(), p)
	if err != nil {
		return err
	}
	return c.Render("public_typical_cases", a.publicView(c, "行政执法监督典型案例", fiber.Map{"List": l, "Pager": pager(c, p, l.Total)}))
}

// GET /public/supervision/cases/{id}
func (a *App) typicalCasePage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	t, err := a.audit.TypicalCase(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Render("public_typical_case", a.publicView(c, t.Title, fiber.Map{"Case": t}))
}
