package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

// Supervision of enforcement (行政执法监督): clues from the public, the 12345 hotline and
// supervisors, decided within a deadline.

func (a *App) publicSupervisionRoutes(pub fiber.Router) {
	pub.Get("/api/complaints/challenge", a.complaintChallenge)
	pub.Post("/api/complaints", a.submitComplaint)
	pub.Get("/api/complaints/:code", a.trackComplaint)
	pub.Get("/complaints/new", a.complaintPage)
	pub.Get("/complaints/track", a.trackPage)
	pub.Get("/api/supervision/cases", a.publicTypicalCases)
	pub.Get("/api/supervision/cases/:id", a.publicTypicalCase)
	pub.Get("/supervision/cases", a.typicalCasesPage)
	pub.Get("/supervision/cases/:id", a.typicalCasePage)
}

func (a *App) supervisionRoutes(api fiber.Router) {
	api.Get("/supervision/clues", a.listClues)
	api.Post("/supervision/clues", a.createClue)
	api.Post("/supervision/clues/import", a.importClues)
	api.Get("/supervision/clues/:id", a.getClue)
	api.Get("/supervision/clues/:id/files/:file_id", a.clueFile)
	for _, action := range []string{"merge", "transfer", "close"} {
		api.Post("/supervision/clues/:id/"+action, a.decideClue(action))
	}
	a.matterRoutes(api)
}

func (a *App) supervisionPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/supervision/clues", append(login, a.cluesPage)...)
	srv.Get("/supervision/clues/new", append(login, a.newCluePage)...)
	srv.Post("/supervision/clues/new", append(write, a.newClueSubmit)...)
	srv.Post("/supervision/clues/import", append(write, a.importCluesSubmit)...)
	srv.Get("/supervision/clues/:id", append(login, a.cluePage)...)
	srv.Post("/supervision/clues/:id/decide", append(write, a.decideClueSubmit)...)
	a.matterPageRoutes(srv, login, write)
}

// complaintFileLimit and complaintFiles bound what a complaint may carry.
const (
	complaintFiles    = 5
	complaintFileSize = 3 << 20
)

// POST /public/api/complaints — a complaint from the public, as JSON or as a multipart
// form with its attachments in "files". It needs a solved challenge (proof of work) and
// passes the per-address limit; it answers the tracking code, shown only this once.
func (a *App) submitComplaint(c *fiber.Ctx) error {
	ctx := c.UserContext()
	var in audit.Complaint
	var files []*multipart.FileHeader
	if form, err := c.MultipartForm(); err == nil {
		get := func(k string) string {
			if v := form.Value[k]; len(v) > 0 {
				return v[0]
			}
			return ""
		}
		if id := get("agency_id"); id != "" {
			u, err := uuid.Parse(id)
			if err != nil {
				return fault.Field("agency_id", "所选执法单位不存在")
			}
			in.AgencyID = &u
		}
		in.Concerning, in.Content, in.OccurredOn = get("concerning"), get("content"), get("occurred_on")
		in.Complainant, in.Contact, in.Anonymous = get("complainant"), get("contact"), get("anonymous") == "true" || get("anonymous") == "on"
		c.Request().Header.Set("X-Challenge", get("challenge"))
		c.Request().Header.Set("X-Challenge-Nonce", get("nonce"))
		files = form.File["files"]
	} else {
		// JSON: the challenge and nonce as fields, or as X-Challenge and X-Challenge-Nonce.
		var body struct {
			audit.ClueInput
			Challenge string `json:"challenge"`
			Nonce     string `json:"nonce"`
		}
		if err := parseBody(c, &body); err != nil {
			return err
		}
		in.ClueInput = body.ClueInput
		if body.Challenge != "" {
			c.Request().Header.Set("X-Challenge", body.Challenge)
			c.Request().Header.Set("X-Challenge-Nonce", body.Nonce)
		}
	}
	if err := a.checkChallenge(c, c.Get("X-Challenge"), c.Get("X-Challenge-Nonce")); err != nil {
		return err
	}
	// The address's hourly allowance counts complaints registered, not attempts: a
	// citizen who picked the wrong file is not locked out by it.
	if err := a.complaintAllowance(c); err != nil {
		return err
	}
	stored, err := a.storeSmallFiles(ctx, files, "complaints", "投诉未提交", complaintFiles, complaintFileSize)
	if err != nil {
		return err
	}
	in.Files = stored
	cl, code, err := a.audit.SubmitComplaint(ctx, in)
	if err != nil {
		a.removeComplaintFiles(stored)
		return err
	}
	a.countComplaint(c)
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"tracking_code": audit.FormatTracking(code), "number": cl.Number,
		"decide_by": cl.DecideBy, "track_url": "/public/complaints/track"})
}

// storeSmallFiles checks every file (count, size, sniffed type) before storing any, then
// stores them under prefix; a refused file refuses them all, naming it and what was not
// done (refused).
func (a *App) storeSmallFiles(ctx context.Context, files []*multipart.FileHeader, prefix, refused string, maxFiles int, maxSize int64) ([]audit.ClueFile, error) {
	if len(files) > maxFiles {
		return nil, fault.Field("files", "附件不超过 %d 个", maxFiles)
	}
	type checked struct {
		body []byte
		f    audit.ClueFile
	}
	var ok []checked
	for _, fh := range files {
		name := evidence.CleanFilename(fh.Filename)
		if fh.Size > maxSize {
			return nil, fault.Field("files", "附件“%s”超过 %d MB，%s", name, maxSize>>20, refused)
		}
		rd, err := fh.Open()
		if err != nil {
			return nil, fault.Field("files", "附件“%s”无法读取，%s", name, refused)
		}
		body, err := io.ReadAll(io.LimitReader(rd, maxSize+1))
		rd.Close()
		if err != nil || len(body) == 0 {
			return nil, fault.Field("files", "附件“%s”为空或无法读取，%s", name, refused)
		}
		ct, err := evidence.Sniff(body[:min(len(body), evidence.SniffLen)])
		if err != nil {
			fe, _, _ := classify(err)
			return nil, fault.Field("files", "附件“%s”：%s，%s", name, fe.Message, refused)
		}
		ok = append(ok, checked{body, audit.ClueFile{ID: uuid.New(), Filename: name, ContentType: ct, Size: int64(len(body)), SHA256: digestHex(body)}})
	}
	var stored []audit.ClueFile
	for i := range ok {
		f := &ok[i].f
		f.ObjectKey = prefix + "/" + time.Now().UTC().Format("2006/01/02") + "/" + f.ID.String()
		v, err := a.evidence.Objects.Put(ctx, f.ObjectKey, bytes.NewReader(ok[i].body), f.Size, f.ContentType)
		if err != nil {
			a.removeComplaintFiles(stored)
			return nil, err
		}
		f.VersionID = v
		stored = append(stored, *f)
	}
	return stored, nil
}

func (a *App) removeComplaintFiles(fs []audit.ClueFile) {
	ctx, cancel := contextFor(time.Minute)
	defer cancel()
	for _, f := range fs {
		_ = a.evidence.Objects.Remove(ctx, f.ObjectKey, f.VersionID)
	}
}

// GET /public/api/complaints/{tracking_code} — the complaint as its complainant follows it.
func (a *App) trackComplaint(c *fiber.Ctx) error {
	if err := a.complaintLimit(c); err != nil {
		return err
	}
	code, err := url.PathUnescape(c.Params("code"))
	if err != nil {
		return fault.New(fault.NotFound, "没有这个查询码对应的投诉，请核对后重新输入")
	}
	p, err := a.audit.ComplaintByTracking(c.UserContext(), code)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.JSON(p)
}

// GET /public/complaints/new — the complaint form.
func (a *App) complaintPage(c *fiber.Ctx) error {
	return c.Render("public_complaint", a.publicView(c, "投诉举报执法问题", fiber.Map{"MaxFiles": complaintFiles,
		"MaxMB": a.cfg.BodyLimit >> 20}))
}

// GET /public/complaints/track?code= — where a complainant follows their complaint.
func (a *App) trackPage(c *fiber.Ctx) error {
	data := fiber.Map{"Code": c.Query("code")}
	if code := strings.TrimSpace(c.Query("code")); code != "" {
		if err := a.complaintLimit(c); err != nil {
			return err
		}
		p, err := a.audit.ComplaintByTracking(c.UserContext(), code)
		switch {
		case fault.KindOf(err) == fault.NotFound:
			data["Error"] = err.(*fault.Error).Message
			c.Status(fiber.StatusNotFound)
		case err != nil:
			return err
		default:
			data["Complaint"] = p
		}
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	return c.Render("public_complaint_track", a.publicView(c, "查询投诉办理进度", data))
}

// GET /api/v1/supervision/clues?state=&source=&overdue=&q=
func (a *App) listClues(c *fiber.Ctx) error {
	f, err := clueFilterOf(c)
	if err != nil {
		return err
	}
	l, err := a.audit.Clues(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

func clueFilterOf(c *fiber.Ctx) (audit.ClueFilter, error) {
	p, err := pageOf(c)
	return audit.ClueFilter{State: c.Query("state"), Source: c.Query("source"), Overdue: c.Query("overdue") == "true",
		Query: c.Query("q"), Page: p}, err
}

// POST /api/v1/supervision/clues — a supervisor registers a clue.
func (a *App) createClue(c *fiber.Ctx) error {
	var in audit.ClueInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	cl, err := a.audit.RegisterClue(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/supervision/clues/" + cl.ID.String())
	return c.Status(fiber.StatusCreated).JSON(cl)
}

// GET /api/v1/supervision/clues/{id}
func (a *App) getClue(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cl, err := a.audit.FindClue(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(cl)
}

// POST /api/v1/supervision/clues/{id}/merge|transfer|close
func (a *App) decideClue(action string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := idParam(c, "id")
		if err != nil {
			return err
		}
		var in audit.ClueDecision
		if err := parseBody(c, &in); err != nil {
			return err
		}
		cl, err := a.audit.DecideClue(c.UserContext(), actor(c), id, action, in)
		if err != nil {
			return err
		}
		return c.JSON(cl)
	}
}

// POST /api/v1/supervision/clues/import — 12345 tickets as JSON (an array, or
// {"tickets": [...]}) or CSV with a header row naming ticket_no, agency, content,
// occurred_on, complainant, contact. Each line stands alone.
func (a *App) importClues(c *fiber.Ctx) error {
	tickets, first, err := parseTickets(c.Get(fiber.HeaderContentType), c.Body())
	if err != nil {
		return err
	}
	res, err := a.audit.ImportHotline(c.UserContext(), actor(c), tickets, first)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if len(res.Created) > 0 {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(res)
}

// parseTickets reads an import body and the line number its first ticket is on.
func parseTickets(contentType string, body []byte) ([]audit.HotlineTicket, int, error) {
	if strings.HasPrefix(contentType, "text/csv") {
		r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff"))))
		r.FieldsPerRecord = -1
		rows, err := r.ReadAll()
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, 0, fault.Field("file", "CSV 第 %d 行格式有误", pe.Line)
			}
			return nil, 0, fault.Field("file", "CSV 格式有误")
		}
		if len(rows) < 2 {
			return nil, 0, fault.Field("file", "CSV 应有表头行和至少一行工单")
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[strings.TrimSpace(h)] = i
		}
		if _, ok := col["content"]; !ok {
			return nil, 0, fault.Field("file", "CSV 表头应包含 ticket_no、agency、content、occurred_on、complainant、contact")
		}
		get := func(row []string, k string) string {
			if i, ok := col[k]; ok && i < len(row) {
				return row[i]
			}
			return ""
		}
		var out []audit.HotlineTicket
		for _, row := range rows[1:] {
			out = append(out, audit.HotlineTicket{TicketNo: get(row, "ticket_no"), Agency: get(row, "agency"), Content: get(row, "content"),
				OccurredOn: get(row, "occurred_on"), Complainant: get(row, "complainant"), Contact: get(row, "contact")})
		}
		return out, 2, nil
	}
	var out []audit.HotlineTicket
	if err := json.Unmarshal(body, &out); err != nil {
		var wrapped struct {
			Tickets []audit.HotlineTicket `json:"tickets"`
		}
		if err2 := json.Unmarshal(body, &wrapped); err2 != nil {
			return nil, 0, fault.Field("tickets", "请求体应为工单数组，或 text/csv")
		}
		out = wrapped.Tickets
	}
	if len(out) == 0 {
		return nil, 0, fault.Field("tickets", "没有工单")
	}
	return out, 1, nil
}

// GET /supervision/clues — the region's clues, the undecided nearest their deadline first.
func (a *App) cluesPage(c *fiber.Ctx) error {
	act := actor(c)
	if !act.Has(enforcement.RoleSupervisor) {
		return fault.New(fault.NotFound, "页面不存在")
	}
	f, err := clueFilterOf(c)
	if err != nil {
		return err
	}
	l, err := a.audit.Clues(c.UserContext(), act, f)
	if err != nil {
		return err
	}
	return c.Render("supervision_clues", a.view(c, "监督线索", fiber.Map{"List": l, "Filter": f, "Today": a.enforcement.Today(),
		"Sources": audit.ClueSources, "States": audit.ClueStateList, "Pager": pager(c, f.Page, l.Total)}))
}

// GET /supervision/clues/{id}
func (a *App) cluePage(c *fiber.Ctx) error {
	return a.renderClue(c, nil)
}

func (a *App) renderClue(c *fiber.Ctx, data fiber.Map) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cl, err := a.audit.FindClue(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	if data == nil {
		data = fiber.Map{}
	}
	if data["Typed"] == nil {
		data["Typed"], data["Action"] = map[string]string{}, ""
	}
	data["Clue"], data["Today"] = cl, a.enforcement.Today()
	if cl.State == "registered" {
		if data["Supervisors"], err = a.audit.Supervisors(c.UserContext(), actor(c)); err != nil {
			return err
		}
		if cl.AgencyID == nil {
			ags, err := a.enforcement.ListAgencies(c.UserContext(), actor(c), enforcement.AgencyFilter{Page: enforcement.Page{Number: 1, Size: 500}})
			if err != nil {
				return err
			}
			data["Agencies"] = ags.Items
		}
	}
	return c.Render("supervision_clue", a.view(c, "线索 "+cl.Number, data))
}

// POST /supervision/clues/{id}/decide — merge, transfer or close, from the clue's page.
func (a *App) decideClueSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	action := c.FormValue("action")
	in := audit.ClueDecision{Into: c.FormValue("into"), To: c.FormValue("to"), Reason: c.FormValue("reason"), PublicReply: c.FormValue("public_reply")}
	cl, err := a.audit.DecideClue(c.UserContext(), actor(c), id, action, in)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Action"] = typedForm(c), action
		return a.renderClue(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/clues/"+id.String(), fmt.Sprintf("线索 %s %s", cl.Number, cl.StateLabel()))
}

func digestHex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// GET /api/v1/supervision/clues/{id}/files/{file_id} — a complaint's attachment, for the
// supervisors of its region.
func (a *App) clueFile(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	fid, err := idParam(c, "file_id")
	if err != nil {
		return err
	}
	cl, err := a.audit.FindClue(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	for _, f := range cl.Files {
		if f.ID != fid {
			continue
		}
		return a.sendStored(c, f)
	}
	return fault.New(fault.NotFound, "附件不存在")
}

// sendStored streams a small stored file (a complaint's attachment, an answer's file, a
// document's PDF) to its reader, private, with its SHA-256 in a header.
func (a *App) sendStored(c *fiber.Ctx, f audit.ClueFile) error {
	ctx, cancel := contextFor(0)
	rc, err := a.evidence.Objects.Open(ctx, f.ObjectKey, f.VersionID, 0, -1)
	if err != nil {
		cancel()
		return err
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Set("X-Content-SHA256", f.SHA256)
	c.Set(fiber.HeaderContentDisposition, "inline; filename*=UTF-8''"+url.PathEscape(f.Filename))
	return c.SendStream(&closingReader{r: rc, close: func() { rc.Close(); cancel() }}, int(f.Size))
}

// GET /supervision/clues/new — a supervisor's own clue, and the 12345 import.
func (a *App) newCluePage(c *fiber.Ctx) error {
	return a.renderNewClue(c, fiber.Map{})
}

func (a *App) renderNewClue(c *fiber.Ctx, data fiber.Map) error {
	if !actor(c).Has(enforcement.RoleSupervisor) {
		return fault.New(fault.NotFound, "页面不存在")
	}
	if data["Typed"] == nil {
		data["Typed"] = map[string]string{}
	}
	if data["Which"] == nil {
		data["Which"] = ""
	}
	return c.Render("supervision_clue_new", a.view(c, "登记监督线索", data))
}

// POST /supervision/clues/new
func (a *App) newClueSubmit(c *fiber.Ctx) error {
	in := audit.ClueInput{Concerning: c.FormValue("concerning"), Content: c.FormValue("content"), OccurredOn: c.FormValue("occurred_on")}
	var agency *enforcement.Agency
	if id := c.FormValue("agency_id"); id != "" {
		u, err := uuid.Parse(id)
		if err == nil {
			in.AgencyID = &u
			if ag, err := a.enforcement.Store.FindAgency(c.UserContext(), u); err == nil {
				agency = &ag
			}
		}
	}
	cl, err := a.audit.RegisterClue(c.UserContext(), actor(c), in)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Which"], data["Agency"] = typedForm(c), "own", agency
		return a.renderNewClue(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/clues/"+cl.ID.String(), "已登记线索 "+cl.Number+"，应于 "+cl.DecideBy.String()+" 前决定是否立项监督")
}

// POST /supervision/clues/import — a CSV of 12345 tickets from the page; the result, line
// by line, shows on the same page.
func (a *App) importCluesSubmit(c *fiber.Ctx) error {
	fail := func(msg string) error {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderNewClue(c, fiber.Map{"Error": msg, "Which": "import"})
	}
	fh, err := c.FormFile("tickets")
	if err != nil {
		return fail("请选择工单文件（CSV）")
	}
	rd, err := fh.Open()
	if err != nil {
		return fail("工单文件无法读取")
	}
	body, err := io.ReadAll(io.LimitReader(rd, int64(a.cfg.BodyLimit)))
	rd.Close()
	if err != nil {
		return fail("工单文件无法读取")
	}
	tickets, first, err := parseTickets("text/csv", body)
	if data, ok := formError(err); ok {
		return fail(data["Error"].(string))
	}
	res, err := a.audit.ImportHotline(c.UserContext(), actor(c), tickets, first)
	if err != nil {
		return err
	}
	return a.renderNewClue(c, fiber.Map{"Import": res, "Which": "import"})
}
