package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"go.uber.org/zap"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

func (a *App) recordRoutes(r fiber.Router) {
	r.Get("/cases/:id/records", a.listRecords)
	r.Post("/cases/:id/records", a.addRecord)
	r.Get("/cases/:id/verify", a.verifyCase)
	a.logRoutes(r)
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

// recordWithMedia is a record as created with its files.
type recordWithMedia struct {
	evidence.Record
	Media []evidence.Media `json:"media"`
}

// POST /api/v1/cases/{id}/records — a record, as JSON (naming finished uploads in
// upload_ids) or as a multipart form with its files: either way the record and every file
// are written together or not at all.
func (a *App) addRecord(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if isStreaming(c) {
		return a.addRecordForm(c, id)
	}
	var in struct {
		evidence.RecordInput
		UploadIDs []uuid.UUID `json:"upload_ids"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	if len(in.UploadIDs) == 0 {
		r, err := a.evidence.AddRecord(c.UserContext(), actor(c), id, in.RecordInput)
		if err != nil {
			return err
		}
		return c.Status(fiber.StatusCreated).JSON(recordWithMedia{Record: r, Media: []evidence.Media{}})
	}
	r, ms, err := a.evidence.AddRecordWithFiles(c.UserContext(), actor(c), id, in.RecordInput, in.UploadIDs)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(recordWithMedia{Record: r, Media: ms})
}

// maxFormField bounds one text field of a record's multipart form.
const maxFormField = 64 << 10

// addRecordForm reads a multipart record as it arrives: its fields (through the input
// rule every string passes) and its files, each staged and checked as it lands. A file
// refused refuses the record: the files staged so far are dropped and nothing is written.
func (a *App) addRecordForm(c *fiber.Ctx, caseID uuid.UUID) error {
	ctx, act := c.UserContext(), actor(c)
	_, params, _ := mime.ParseMediaType(string(c.Request().Header.ContentType()))
	mr := multipart.NewReader(idleReader{r: c.Context().RequestBodyStream(), conn: c.Context().Conn()}, params["boundary"])
	fields := map[string][]string{}
	var staged []uuid.UUID
	drop := func() {
		for _, u := range staged {
			if err := a.evidence.AbortUpload(context.WithoutCancel(ctx), act, u); err != nil {
				a.log.Warn("a staged file of a refused record stays until it expires", zap.Error(err))
			}
		}
	}
	for n := 0; ; {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			drop()
			return &fault.Error{Kind: malformed, Message: "表单内容有误", Err: err}
		}
		if part.FileName() == "" {
			b, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err == nil && len(b) > maxFormField {
				err = fault.Field(part.FormName(), "%s 过长", fieldLabel(part.FormName()))
			}
			if err == nil {
				err = checkField(part.FormName(), string(b))
			}
			if err != nil {
				drop()
				return err
			}
			fields[part.FormName()] = append(fields[part.FormName()], string(b))
			continue
		}
		field := fmt.Sprintf("files[%d]", n)
		name := part.FileName()
		n++
		if err := enforcement.CheckText(field, "文件名", name, false); err != nil {
			drop()
			return err
		}
		up, err := a.evidence.StageFile(ctx, act, caseID, evidence.DirectUpload{Filename: name,
			Type: part.Header.Get("Content-Type"), Size: -1, Body: part})
		if err != nil {
			drop()
			fe, _, _ := classify(err)
			return &fault.Error{Kind: fe.Kind, Field: field, Message: "文件“" + evidence.CleanFilename(name) + "”：" + fe.Message, Err: err}
		}
		staged = append(staged, up.ID)
	}
	first := func(k string) string {
		if v := fields[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	in := evidence.RecordInput{Stage: enforcement.State(first("stage")), Kind: evidence.Kind(first("kind")), Note: first("note"),
		Participants: splitNames(strings.Join(fields["participants"], "、"))}
	if s := first("occurred_at"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			drop()
			return fault.Field("occurred_at", "发生时间应为 RFC 3339 时间")
		}
		in.OccurredAt = t
	}
	if s := first("corrects"); s != "" {
		u, err := uuid.Parse(s)
		if err != nil {
			drop()
			return fault.Field("corrects", "被更正的记录编号无效")
		}
		in.Corrects = &u
	}
	r, ms, err := a.evidence.AddRecordWithFiles(ctx, act, caseID, in, staged)
	if err != nil {
		drop()
		return err
	}
	if ms == nil {
		ms = []evidence.Media{}
	}
	return c.Status(fiber.StatusCreated).JSON(recordWithMedia{Record: r, Media: ms})
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
