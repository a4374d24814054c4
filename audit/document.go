package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Requests for materials and the three supervision documents, what the supervised
// agency answers, and what the supervisors make of the answers.

// DocumentKindList is the three documents in the order pages offer them: code, label,
// the letter of their number.
var DocumentKindList = [][3]string{
	{"notice", "行政执法监督通知书", "通"},
	{"opinion", "行政执法监督意见书", "意"},
	{"decision", "行政执法监督决定书", "决"},
}

func documentKind(k string) (label, letter string, ok bool) {
	for _, d := range DocumentKindList {
		if d[0] == k {
			return d[1], d[2], true
		}
	}
	return "", "", false
}

// DecisionActions are what a supervision decision does to an enforcement act: code,
// label, and the case outcome it records (empty: none).
var DecisionActions = [][3]string{
	{"correct", "责令改正", ""},
	{"revoke", "撤销", "revoked"},
	{"change", "变更", "changed"},
	{"confirm_illegal", "确认违法", "confirmed_illegal"},
}

func decisionAction(code string) (label, result string, ok bool) {
	for _, d := range DecisionActions {
		if d[0] == code {
			return d[1], d[2], true
		}
	}
	return "", "", false
}

// AnswerFile is a file an agency sends with its answer, already stored in MinIO.
type AnswerFile = ClueFile

// Answer is what the agency replied, and the supervisors' verdict on it.
type Answer struct {
	ID          uuid.UUID    `json:"id"`
	Text        string       `json:"text"`
	AnsweredBy  string       `json:"answered_by"`
	AnsweredAt  time.Time    `json:"answered_at"`
	Late        bool         `json:"late"`
	Verdict     *string      `json:"verdict"`
	VerdictNote string       `json:"verdict_note"`
	VerdictAt   *time.Time   `json:"verdict_at"`
	Files       []AnswerFile `json:"files"`
}

// VerdictLabel is the supervisors' verdict on the answer as people read it, or "".
func (x Answer) VerdictLabel() string {
	if x.Verdict == nil {
		return ""
	}
	return map[string]string{"accepted": "验收通过", "returned": "退回重报"}[*x.Verdict]
}

// Request is materials asked of an agency (调取材料).
type Request struct {
	ID           uuid.UUID        `json:"id"`
	MatterID     uuid.UUID        `json:"matter_id"`
	MatterNumber string           `json:"matter_number"`
	MatterTitle  string           `json:"matter_title"`
	AgencyID     uuid.UUID        `json:"agency_id"`
	AgencyName   string           `json:"agency_name"`
	OfficerID    *uuid.UUID       `json:"officer_id"`
	OfficerName  string           `json:"officer_name"`
	Content      string           `json:"content"`
	DueDate      enforcement.Date `json:"due_date"`
	State        string           `json:"state"`
	CreatedBy    string           `json:"created_by"`
	CreatedAt    time.Time        `json:"created_at"`
	Answers      []Answer         `json:"answers"`
}

// Overdue reports a request still unanswered after its due date.
func (r Request) Overdue(today enforcement.Date) bool {
	return r.State == "pending" && today.After(r.DueDate)
}

// StateLabel is the request's state as people read it.
func (r Request) StateLabel() string {
	if r.State == "answered" {
		return "已答复"
	}
	return "待答复"
}

// Document is one of the three supervision documents.
type Document struct {
	ID           uuid.UUID        `json:"id"`
	MatterID     uuid.UUID        `json:"matter_id"`
	MatterNumber string           `json:"matter_number"`
	AgencyID     uuid.UUID        `json:"agency_id"`
	AgencyName   string           `json:"agency_name"`
	Issuer       string           `json:"issuer"` // the body in whose name it is issued
	Kind         string           `json:"kind"`
	Number       string           `json:"number"`
	Facts        string           `json:"facts"`
	Basis        string           `json:"basis"`
	Requirements string           `json:"requirements"`
	DueDate      enforcement.Date `json:"due_date"`
	CaseID       *uuid.UUID       `json:"case_id"`
	CaseNumber   string           `json:"case_number"`
	Action       *string          `json:"action"`
	PDFSHA256    string           `json:"pdf_sha256"`
	PDFSize      int64            `json:"pdf_size"`
	PDFKey       string           `json:"-"`
	PDFVersion   string           `json:"-"`
	IssuedBy     string           `json:"issued_by"`
	IssuedAt     time.Time        `json:"issued_at"`
	ReadAt       *time.Time       `json:"read_at"`
	ReadBy       string           `json:"read_by"`
	State        string           `json:"state"`
	Corrected    bool             `json:"corrected"`
	Answers      []Answer         `json:"answers"`
}

// KindLabel is the document's title.
func (d Document) KindLabel() string { l, _, _ := documentKind(d.Kind); return l }

// ActionLabel is what a decision does, as people read it.
func (d Document) ActionLabel() string {
	if d.Action == nil {
		return ""
	}
	l, _, _ := decisionAction(*d.Action)
	return l
}

// StateLabel is where the document stands.
func (d Document) StateLabel() string {
	return map[string]string{"issued": "待答复", "answered": "已答复待审核", "accepted": "已验收", "returned": "已退回重报"}[d.State]
}

// AwaitsAnswer reports a document the agency still has to answer.
func (d Document) AwaitsAnswer() bool { return d.State == "issued" || d.State == "returned" }

// Overdue reports a document whose answer has not come by its due date.
func (d Document) Overdue(today enforcement.Date) bool {
	return d.AwaitsAnswer() && today.After(d.DueDate)
}

// PDFURL is where its PDF is served.
func (d Document) PDFURL() string { return "/api/v1/supervision/documents/" + d.ID.String() + "/pdf" }

// RequestInput asks an agency for materials.
type RequestInput struct {
	AgencyID  *uuid.UUID `json:"agency_id"`
	OfficerID *uuid.UUID `json:"officer_id"`
	Content   string     `json:"content"`
	DueDate   string     `json:"due_date"`
}

func (s *Service) dueDate(v string, field string) (enforcement.Date, error) {
	d, err := enforcement.ParseDate(strings.TrimSpace(v))
	if err != nil {
		return d, fault.Field(field, "请填写期限（YYYY-MM-DD）")
	}
	if d.Before(s.Cases.Today()) {
		return d, fault.Field(field, "期限不能早于今天")
	}
	if d.After(s.Cases.Today().AddDays(366)) {
		return d, fault.Field(field, "期限不超过一年")
	}
	return d, nil
}

// addressee picks the agency a request or document goes to: the one given, which the
// matter must supervise, or the matter's only agency.
func addressee(m Matter, id *uuid.UUID) (Named, error) {
	if id == nil {
		if len(m.Agencies) == 1 {
			return m.Agencies[0], nil
		}
		return Named{}, fault.Field("agency_id", "请选择发往哪个被监督单位")
	}
	for _, a := range m.Agencies {
		if a.ID == *id {
			return a, nil
		}
	}
	return Named{}, fault.Field("agency_id", "所选单位不是本事项的被监督单位")
}

// RequestMaterials asks a supervised agency (or one of its officers) for materials.
func (s *Service) RequestMaterials(ctx context.Context, a enforcement.Actor, matterID uuid.UUID, in RequestInput) (Request, error) {
	m, err := s.assigned(ctx, a, matterID)
	if err != nil {
		return Request{}, err
	}
	ag, err := addressee(m, in.AgencyID)
	if err != nil {
		return Request{}, err
	}
	in.Content = strings.TrimSpace(in.Content)
	switch n := utf8.RuneCountInString(in.Content); {
	case n == 0:
		return Request{}, fault.Field("content", "请写明需要提供的材料")
	case n > 5000:
		return Request{}, fault.Field("content", "材料要求不超过 5000 字")
	}
	due, err := s.dueDate(in.DueDate, "due_date")
	if err != nil {
		return Request{}, err
	}
	officer := ""
	if in.OfficerID != nil {
		o, err := s.Cases.Store.FindOfficer(ctx, *in.OfficerID)
		if err != nil || o.AgencyID != ag.ID {
			return Request{}, fault.Field("officer_id", "所选执法人员不属于%s", ag.Name)
		}
		officer = o.Name
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	id := uuid.New()
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO supervision_requests (id, matter_id, agency_id, officer_id, content, due_date, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, m.ID, ag.ID, in.OfficerID, in.Content, due, a.UserID, now); err != nil {
			return err
		}
		to := ag.Name
		if officer != "" {
			to += officer
		}
		return s.matterRecord(ctx, tx, m.ID, m.State, "request", a, now, "向"+to+"调取材料，"+due.String()+" 前提供："+in.Content,
			map[string]any{"request_id": id.String(), "agency_id": ag.ID.String(), "due_date": due.String(), "content": in.Content})
	})
	if err != nil {
		return Request{}, enforcement.DBError(err, "调取材料")
	}
	return s.findRequest(ctx, id)
}

const requestCols = `r.id, r.matter_id, m.number, m.title, r.agency_id, ag.name, r.officer_id, coalesce(o.name, ''), r.content, r.due_date,
	r.state, u.name, r.created_at`

const requestFrom = ` FROM supervision_requests r JOIN supervision_matters m ON m.id = r.matter_id JOIN agencies ag ON ag.id = r.agency_id
	JOIN users u ON u.id = r.created_by LEFT JOIN officers o ON o.id = r.officer_id`

func (s *Service) requestsWhere(ctx context.Context, where string, args ...any) ([]Request, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+requestCols+requestFrom+` WHERE `+where+` ORDER BY r.created_at`, args...)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Request, error) {
		var r Request
		err := row.Scan(&r.ID, &r.MatterID, &r.MatterNumber, &r.MatterTitle, &r.AgencyID, &r.AgencyName, &r.OfficerID, &r.OfficerName,
			&r.Content, &r.DueDate, &r.State, &r.CreatedBy, &r.CreatedAt)
		r.Answers = []Answer{}
		return r, err
	})
	if err != nil {
		return nil, enforcement.DBError(err, "调取材料")
	}
	for i := range out {
		if out[i].Answers, err = s.answers(ctx, "request_id", out[i].ID); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []Request{}
	}
	return out, nil
}

func (s *Service) findRequest(ctx context.Context, id uuid.UUID) (Request, error) {
	rs, err := s.requestsWhere(ctx, `r.id = $1`, id)
	if err != nil {
		return Request{}, err
	}
	if len(rs) == 0 {
		return Request{}, fault.New(fault.NotFound, "调取材料不存在")
	}
	return rs[0], nil
}

func (s *Service) answers(ctx context.Context, col string, id uuid.UUID) ([]Answer, error) {
	rows, _ := s.db.Query(ctx, `SELECT a.id, a.text, u.name, a.answered_at, a.late, a.verdict, a.verdict_note, a.verdict_at
		FROM supervision_answers a JOIN users u ON u.id = a.answered_by WHERE a.`+col+` = $1 ORDER BY a.answered_at`, id)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Answer, error) {
		var x Answer
		err := row.Scan(&x.ID, &x.Text, &x.AnsweredBy, &x.AnsweredAt, &x.Late, &x.Verdict, &x.VerdictNote, &x.VerdictAt)
		x.Files = []AnswerFile{}
		return x, err
	})
	if err != nil {
		return nil, enforcement.DBError(err, "答复")
	}
	for i := range out {
		rows, _ := s.db.Query(ctx, `SELECT id, filename, content_type, size, sha256, object_key, version_id FROM supervision_answer_files
			WHERE answer_id = $1 ORDER BY filename`, out[i].ID)
		fs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (AnswerFile, error) {
			var f AnswerFile
			return f, r.Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.ObjectKey, &f.VersionID)
		})
		if err != nil {
			return nil, enforcement.DBError(err, "答复")
		}
		if fs != nil {
			out[i].Files = fs
		}
	}
	if out == nil {
		out = []Answer{}
	}
	return out, nil
}

// DocumentInput is a document a supervisor issues.
type DocumentInput struct {
	Kind         string     `json:"kind"`
	AgencyID     *uuid.UUID `json:"agency_id"`
	Facts        string     `json:"facts"`
	Basis        string     `json:"basis"`
	Requirements string     `json:"requirements"`
	DueDate      string     `json:"due_date"`
	CaseID       *uuid.UUID `json:"case_id"` // a decision's enforcement act
	Action       string     `json:"action"`  // a decision: correct | revoke | change | confirm_illegal
}

// IssueDocument numbers a document by the bureau's pattern, renders it as an A4 PDF,
// stores the PDF in MinIO with its SHA-256 and delivers it to the agency. A decision that
// revokes, changes or finds unlawful an enforcement decision records that outcome on the
// case, which takes its disclosure down, in the same transaction.
func (s *Service) IssueDocument(ctx context.Context, a enforcement.Actor, matterID uuid.UUID, in DocumentInput) (Document, error) {
	m, err := s.assigned(ctx, a, matterID)
	if err != nil {
		return Document{}, err
	}
	label, letter, ok := documentKind(in.Kind)
	if !ok {
		return Document{}, fault.Field("kind", "文书种类应为 notice（通知书）、opinion（意见书）或 decision（决定书）")
	}
	ag, err := addressee(m, in.AgencyID)
	if err != nil {
		return Document{}, err
	}
	in.Facts, in.Basis, in.Requirements = strings.TrimSpace(in.Facts), strings.TrimSpace(in.Basis), strings.TrimSpace(in.Requirements)
	for _, f := range []struct{ name, v, label string }{{"facts", in.Facts, "查明的事实"}, {"basis", in.Basis, "依据"}, {"requirements", in.Requirements, "要求"}} {
		switch n := utf8.RuneCountInString(f.v); {
		case n == 0:
			return Document{}, fault.Field(f.name, "请填写%s", f.label)
		case n > 5000:
			return Document{}, fault.Field(f.name, "%s不超过 5000 字", f.label)
		}
	}
	due, err := s.dueDate(in.DueDate, "due_date")
	if err != nil {
		return Document{}, err
	}
	d := Document{ID: uuid.New(), MatterID: m.ID, MatterNumber: m.Number, AgencyID: ag.ID, AgencyName: ag.Name, Kind: in.Kind,
		Facts: in.Facts, Basis: in.Basis, Requirements: in.Requirements, DueDate: due, IssuedBy: a.Name, State: "issued", Answers: []Answer{}}
	var c *enforcement.Case
	var result string
	if in.Kind == "decision" {
		actLabel, res, ok := decisionAction(in.Action)
		if !ok {
			return Document{}, fault.Field("action", "决定内容应为 correct（责令改正）、revoke（撤销）、change（变更）或 confirm_illegal（确认违法）")
		}
		if in.CaseID == nil && res != "" {
			return Document{}, fault.Field("case_id", "%s须指明所涉的行政执法决定（案件）", actLabel)
		}
		if in.CaseID != nil {
			linked := slices.ContainsFunc(m.Links, func(l MatterLink) bool { return l.Kind == "case" && l.RefID == *in.CaseID })
			cs, err := s.Cases.Store.FindCase(ctx, *in.CaseID)
			if err != nil || !linked || cs.AgencyID != ag.ID {
				return Document{}, fault.Field("case_id", "所涉案件应是本事项关联的、%s的案件", ag.Name)
			}
			if res != "" {
				if err := cs.CheckOutcome(enforcement.OutcomeInput{Type: "reconsideration", Result: res, DecidedAt: s.Cases.Now()}, s.Cases.Now()); err != nil {
					return Document{}, fault.Field("case_id", "案件 %s 尚未作出行政执法决定，不能%s", cs.Number, actLabel)
				}
			}
			c, d.CaseID, d.CaseNumber = &cs, in.CaseID, cs.Number
		}
		d.Action, result = &in.Action, res
	} else if in.CaseID != nil || in.Action != "" {
		return Document{}, fault.Field("action", "只有决定书可以撤销、变更或确认违法")
	}
	fonts, err := s.documentFonts()
	if err != nil {
		return Document{}, err
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	d.IssuedAt = now
	var stored bool
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// The matter's row orders its documents: their events leave in the order issued.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM supervision_matters WHERE id = $1 FOR UPDATE`, m.ID); err != nil {
			return err
		}
		var err error
		if d.Number, err = clueNumber(ctx, tx, m.RegionCode, enforcement.DateOf(now).Year, "监"+letter); err != nil {
			return err
		}
		var issuerID uuid.UUID
		if issuerID, d.Issuer, err = s.issuer(ctx, tx, m.RegionCode, in.Kind); err != nil {
			return err
		}
		pdf, err := renderDocument(fonts, d, label)
		if err != nil {
			return fault.Wrap(err, fault.Internal, "文书 PDF 生成失败")
		}
		sum := sha256.Sum256(pdf)
		d.PDFSHA256, d.PDFSize = hex.EncodeToString(sum[:]), int64(len(pdf))
		d.PDFKey = "supervision/" + enforcement.DateOf(now).String() + "/" + d.ID.String() + ".pdf"
		if d.PDFVersion, err = s.Evidence.Objects.Put(ctx, d.PDFKey, bytes.NewReader(pdf), d.PDFSize, "application/pdf"); err != nil {
			return err
		}
		stored = true
		if _, err := tx.Exec(ctx, `INSERT INTO supervision_documents (id, matter_id, agency_id, kind, number, facts, basis, requirements,
			due_date, case_id, action, pdf_key, pdf_version, pdf_sha256, pdf_size, issued_by, issued_at, issuer)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
			d.ID, m.ID, ag.ID, d.Kind, d.Number, d.Facts, d.Basis, d.Requirements, d.DueDate, d.CaseID, d.Action,
			d.PDFKey, d.PDFVersion, d.PDFSHA256, d.PDFSize, a.UserID, now, d.Issuer); err != nil {
			return err
		}
		note := "制发" + label + " " + d.Number + "，送达" + ag.Name + "，" + due.String() + " 前答复"
		if c != nil && result != "" {
			_, err := s.Cases.Store.AddOutcomeTx(ctx, tx, enforcement.Outcome{CaseID: c.ID, Type: "supervision", Result: result,
				DecidedAt: now, Note: label + " " + d.Number}, a, c.State)
			if err != nil {
				return err
			}
			note += "；案件 " + c.Number + " 的决定被" + enforcement.OutcomeResultLabel(result)
		}
		if err := s.enqueueDocumentTx(ctx, tx, m, d, issuerID, label, ag.Name, now); err != nil {
			return err
		}
		if err := s.matterRecord(ctx, tx, m.ID, m.State, "document", a, now, note, map[string]any{"document_id": d.ID.String(),
			"kind": d.Kind, "number": d.Number, "agency_id": ag.ID.String(), "due_date": due.String(), "pdf_sha256": d.PDFSHA256,
			"pdf_size": d.PDFSize, "pdf_object_key": d.PDFKey, "pdf_version_id": d.PDFVersion}); err != nil {
			return err
		}
		return s.tellComplainants(ctx, tx, m, now, a, "已向"+ag.Name+"制发"+label+"（"+d.Number+"）")
	})
	if err != nil {
		if stored {
			s.removeObject(d.PDFKey, d.PDFVersion)
		}
		return Document{}, enforcement.DBError(err, "监督文书")
	}
	return s.findDocument(ctx, d.ID)
}

func (s *Service) removeObject(key, version string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = s.Evidence.Objects.Remove(ctx, key, version)
}

// enqueueDocumentTx writes the document as a 监管行为 of the body that issues it.
func (s *Service) enqueueDocumentTx(ctx context.Context, tx pgx.Tx, m Matter, d Document, issuerID uuid.UUID, label, addressee string, now time.Time) error {
	act := enforcement.Action{Kind: "supervision_document", SubjectID: d.ID, Number: d.Number, Matter: label, Target: addressee,
		On: enforcement.DateOf(now), Officers: []string{d.IssuedBy}, Result: "要求 " + d.DueDate.String() + " 前答复",
		Detail: enforcement.NewRedaction(nil).Text(d.Requirements)}
	if d.CaseNumber != "" {
		act.Detail = "所涉案件 " + d.CaseNumber + "；" + act.Detail
	}
	return enforcement.EnqueueActionTx(ctx, tx, enforcement.TopicActionDocument, "matter:"+m.ID.String(), issuerID, now, act)
}

// issuer is the body a document is issued in the name of: the county government for a
// decision (a decision of the government), its justice bureau for the others.
func (s *Service) issuer(ctx context.Context, tx pgx.Tx, region, kind string) (uuid.UUID, string, error) {
	k := "justice"
	if kind == "decision" {
		k = "government"
	}
	var id uuid.UUID
	var name string
	err := tx.QueryRow(ctx, `SELECT id, name FROM agencies WHERE region_code = $1 AND kind = $2 ORDER BY name LIMIT 1`, region, k).Scan(&id, &name)
	if err == pgx.ErrNoRows {
		err = tx.QueryRow(ctx, `SELECT id, name FROM agencies WHERE region_code = $1 AND kind = 'justice' ORDER BY name LIMIT 1`, region).Scan(&id, &name)
	}
	if err == pgx.ErrNoRows {
		return id, "", fault.New(fault.Conflict, "本辖区没有登记司法行政机关，不能制发监督文书")
	}
	return id, name, err
}

// tellComplainants adds a public step to each complaint the matter came from.
func (s *Service) tellComplainants(ctx context.Context, tx pgx.Tx, m Matter, at time.Time, a enforcement.Actor, note string) error {
	for _, l := range m.Links {
		if l.Kind != "clue" {
			continue
		}
		if err := addClueEvent(ctx, tx, l.RefID, at, "progress", note, true, &a.UserID, a.Name); err != nil {
			return err
		}
	}
	return nil
}

const documentCols = `d.id, d.matter_id, m.number, d.agency_id, ag.name, d.issuer, d.kind, d.number, d.facts, d.basis, d.requirements, d.due_date,
	d.case_id, coalesce(c.number, ''), d.action, d.pdf_sha256, d.pdf_size, d.pdf_key, d.pdf_version, u.name, d.issued_at, d.read_at,
	coalesce(r.name, ''), d.state, d.corrected`

const documentFrom = ` FROM supervision_documents d JOIN supervision_matters m ON m.id = d.matter_id JOIN agencies ag ON ag.id = d.agency_id
	JOIN users u ON u.id = d.issued_by LEFT JOIN users r ON r.id = d.read_by LEFT JOIN cases c ON c.id = d.case_id`

func (s *Service) documentsWhere(ctx context.Context, where string, args ...any) ([]Document, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+documentCols+documentFrom+` WHERE `+where+` ORDER BY d.issued_at`, args...)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Document, error) {
		var d Document
		err := row.Scan(&d.ID, &d.MatterID, &d.MatterNumber, &d.AgencyID, &d.AgencyName, &d.Issuer, &d.Kind, &d.Number, &d.Facts, &d.Basis,
			&d.Requirements, &d.DueDate, &d.CaseID, &d.CaseNumber, &d.Action, &d.PDFSHA256, &d.PDFSize, &d.PDFKey, &d.PDFVersion,
			&d.IssuedBy, &d.IssuedAt, &d.ReadAt, &d.ReadBy, &d.State, &d.Corrected)
		d.Answers = []Answer{}
		return d, err
	})
	if err != nil {
		return nil, enforcement.DBError(err, "监督文书")
	}
	for i := range out {
		if out[i].Answers, err = s.answers(ctx, "document_id", out[i].ID); err != nil {
			return nil, err
		}
	}
	if out == nil {
		out = []Document{}
	}
	return out, nil
}

func (s *Service) findDocument(ctx context.Context, id uuid.UUID) (Document, error) {
	ds, err := s.documentsWhere(ctx, `d.id = $1`, id)
	if err != nil {
		return Document{}, err
	}
	if len(ds) == 0 {
		return Document{}, fault.New(fault.NotFound, "监督文书不存在")
	}
	return ds[0], nil
}

// agencyUser reports whether the actor receives what is addressed to the agency: its
// head and its legal staff (reviewers).
func agencyUser(a enforcement.Actor, agency uuid.UUID) bool {
	return a.AgencyID == agency && (a.Has(enforcement.RoleHead) || a.Has(enforcement.RoleReviewer))
}

// FindDocument returns a document to a supervisor of its region or to its addressee. The
// addressee's first opening is its read receipt, recorded in the matter's chain.
func (s *Service) FindDocument(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Document, error) {
	d, err := s.findDocument(ctx, id)
	if err != nil {
		return d, err
	}
	if agencyUser(a, d.AgencyID) {
		if d.ReadAt == nil {
			if err := s.markRead(ctx, a, d); err != nil {
				return d, err
			}
			return s.findDocument(ctx, id)
		}
		return d, nil
	}
	if _, err := s.FindMatter(ctx, a, d.MatterID); err != nil {
		return Document{}, fault.New(fault.NotFound, "监督文书不存在")
	}
	return d, nil
}

func (s *Service) markRead(ctx context.Context, a enforcement.Actor, d Document) error {
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE supervision_documents SET read_at = $2, read_by = $3 WHERE id = $1 AND read_at IS NULL`, d.ID, now, a.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM supervision_matters WHERE id = $1`, d.MatterID).Scan(&state); err != nil {
			return err
		}
		return s.matterRecord(ctx, tx, d.MatterID, state, "read", a, now, d.AgencyName+" "+a.Name+" 签收"+d.KindLabel()+" "+d.Number,
			map[string]any{"document_id": d.ID.String()})
	})
	return enforcement.DBError(err, "监督文书")
}

// FindRequest returns a request to a supervisor of its region or to its addressee.
func (s *Service) FindRequest(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Request, error) {
	r, err := s.findRequest(ctx, id)
	if err != nil {
		return r, err
	}
	if requestAddressee(a, r) {
		return r, nil
	}
	if _, err := s.FindMatter(ctx, a, r.MatterID); err != nil {
		return Request{}, fault.New(fault.NotFound, "调取材料不存在")
	}
	return r, nil
}

// requestAddressee: the agency's head and legal staff, or the officer asked in person.
func requestAddressee(a enforcement.Actor, r Request) bool {
	if agencyUser(a, r.AgencyID) {
		return true
	}
	return r.OfficerID != nil && a.OfficerID != nil && *a.OfficerID == *r.OfficerID
}

// AnswerInput is an agency's answer.
type AnswerInput struct {
	Text  string       `json:"text"`
	Files []AnswerFile `json:"-"`
}

func (in *AnswerInput) validate() error {
	in.Text = strings.TrimSpace(in.Text)
	switch n := utf8.RuneCountInString(in.Text); {
	case n == 0:
		return fault.Field("text", "请写明答复内容（提供了哪些材料、做了哪些整改）")
	case n > 20000:
		return fault.Field("text", "答复内容不超过 20000 字")
	}
	return nil
}

func (s *Service) insertAnswer(ctx context.Context, tx pgx.Tx, col string, parent uuid.UUID, a enforcement.Actor, in AnswerInput, now time.Time, late bool) (uuid.UUID, error) {
	id := uuid.New()
	if _, err := tx.Exec(ctx, `INSERT INTO supervision_answers (id, `+col+`, text, answered_by, answered_at, late) VALUES ($1, $2, $3, $4, $5, $6)`,
		id, parent, in.Text, a.UserID, now, late); err != nil {
		return id, err
	}
	for _, f := range in.Files {
		if _, err := tx.Exec(ctx, `INSERT INTO supervision_answer_files (id, answer_id, object_key, version_id, filename, content_type, size, sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, f.ID, id, f.ObjectKey, f.VersionID, f.Filename, f.ContentType, f.Size, f.SHA256); err != nil {
			return id, err
		}
	}
	return id, nil
}

func fileData(fs []AnswerFile) []map[string]any {
	out := []map[string]any{}
	for _, f := range fs {
		out = append(out, map[string]any{"id": f.ID.String(), "filename": f.Filename, "sha256": f.SHA256, "size": f.Size,
			"object_key": f.ObjectKey, "version_id": f.VersionID})
	}
	return out
}

// matterOpenTx locks the matter and refuses a step once it is concluded.
func matterOpenTx(ctx context.Context, tx pgx.Tx, id uuid.UUID) error {
	var state, number string
	if err := tx.QueryRow(ctx, `SELECT state, number FROM supervision_matters WHERE id = $1 FOR UPDATE`, id).Scan(&state, &number); err != nil {
		return err
	}
	if state != "open" {
		return fault.New(fault.Conflict, "监督事项 %s 已办结，不再接受答复", number)
	}
	return nil
}

// AnswerRequest is the agency's answer to a request for materials.
func (s *Service) AnswerRequest(ctx context.Context, a enforcement.Actor, id uuid.UUID, in AnswerInput) (Request, error) {
	r, err := s.findRequest(ctx, id)
	if err != nil {
		return r, err
	}
	if !requestAddressee(a, r) {
		return Request{}, fault.New(fault.NotFound, "调取材料不存在")
	}
	if err := in.validate(); err != nil {
		return r, err
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	late := enforcement.DateOf(now).After(r.DueDate)
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := matterOpenTx(ctx, tx, r.MatterID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE supervision_requests SET state = 'answered' WHERE id = $1 AND state = 'pending'`, r.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fault.New(fault.Conflict, "该调取材料已答复")
		}
		aid, err := s.insertAnswer(ctx, tx, "request_id", r.ID, a, in, now, late)
		if err != nil {
			return err
		}
		note := r.AgencyName + " " + a.Name + " 答复调取材料"
		if late {
			note += "（逾期）"
		}
		return s.matterRecord(ctx, tx, r.MatterID, "open", "answer", a, now, note+"："+in.Text, map[string]any{"request_id": r.ID.String(),
			"answer_id": aid.String(), "late": late, "files": fileData(in.Files)})
	})
	if err != nil {
		return r, enforcement.DBError(err, "答复")
	}
	return s.findRequest(ctx, id)
}

// AnswerDocument is the agency's report of what it did about a document.
func (s *Service) AnswerDocument(ctx context.Context, a enforcement.Actor, id uuid.UUID, in AnswerInput) (Document, error) {
	d, err := s.findDocument(ctx, id)
	if err != nil {
		return d, err
	}
	if !agencyUser(a, d.AgencyID) {
		return Document{}, fault.New(fault.NotFound, "监督文书不存在")
	}
	if err := in.validate(); err != nil {
		return d, err
	}
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	late := enforcement.DateOf(now).After(d.DueDate)
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if err := matterOpenTx(ctx, tx, d.MatterID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE supervision_documents SET state = 'answered', read_at = coalesce(read_at, $2), read_by = coalesce(read_by, $3)
			WHERE id = $1 AND state IN ('issued', 'returned')`, d.ID, now, a.UserID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fault.New(fault.Conflict, "%s %s %s，不能再答复", d.KindLabel(), d.Number, d.StateLabel())
		}
		aid, err := s.insertAnswer(ctx, tx, "document_id", d.ID, a, in, now, late)
		if err != nil {
			return err
		}
		note := d.AgencyName + " " + a.Name + " 答复" + d.KindLabel() + " " + d.Number
		if late {
			note += "（逾期）"
		}
		return s.matterRecord(ctx, tx, d.MatterID, "open", "answer", a, now, note+"："+in.Text, map[string]any{"document_id": d.ID.String(),
			"answer_id": aid.String(), "late": late, "files": fileData(in.Files)})
	})
	if err != nil {
		return d, enforcement.DBError(err, "答复")
	}
	return s.findDocument(ctx, id)
}

// JudgeAnswer accepts or returns (with a reason) the agency's latest answer to a
// document. An accepted answer to a notice or a decision counts as a correction made.
func (s *Service) JudgeAnswer(ctx context.Context, a enforcement.Actor, id uuid.UUID, verdict, note string) (Document, error) {
	d, err := s.findDocument(ctx, id)
	if err != nil {
		return d, err
	}
	m, err := s.assigned(ctx, a, d.MatterID)
	if err != nil {
		return d, err
	}
	note = strings.TrimSpace(note)
	if verdict == "returned" && note == "" {
		return d, fault.Field("note", "退回须写明理由和需要补充、整改的内容")
	}
	if utf8.RuneCountInString(note) > 5000 {
		return d, fault.Field("note", "意见不超过 5000 字")
	}
	if d.State != "answered" || len(d.Answers) == 0 {
		return d, fault.New(fault.Conflict, "%s %s %s，没有待审核的答复", d.KindLabel(), d.Number, d.StateLabel())
	}
	last := d.Answers[len(d.Answers)-1]
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE supervision_documents SET state = $2, corrected = ($2 = 'accepted' AND kind <> 'opinion')
			WHERE id = $1 AND state = 'answered'`, d.ID, verdict)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fault.New(fault.Conflict, "该答复已被他人审核")
		}
		if _, err := tx.Exec(ctx, `UPDATE supervision_answers SET verdict = $2, verdict_note = $3, verdict_by = $4, verdict_at = $5 WHERE id = $1`,
			last.ID, verdict, note, a.UserID, now); err != nil {
			return err
		}
		word := map[string]string{"accepted": "验收通过", "returned": "退回重报"}[verdict]
		rec := d.KindLabel() + " " + d.Number + " 的答复" + word
		if note != "" {
			rec += "：" + note
		}
		if err := s.matterRecord(ctx, tx, d.MatterID, m.State, "verdict", a, now, rec, map[string]any{"document_id": d.ID.String(),
			"answer_id": last.ID.String(), "verdict": verdict}); err != nil {
			return err
		}
		if verdict == "accepted" {
			return s.tellComplainants(ctx, tx, m, now, a, d.AgencyName+"已就"+d.KindLabel()+"（"+d.Number+"）报告整改情况，经审核通过")
		}
		return nil
	})
	if err != nil {
		return d, enforcement.DBError(err, "答复")
	}
	return s.findDocument(ctx, id)
}

// Inbox is what a supervised agency has been sent: requests and documents.
type Inbox struct {
	Requests  []Request  `json:"requests"`
	Documents []Document `json:"documents"`
}

// AgencyInbox lists what is addressed to the actor: all of their agency's requests and
// documents for its head and legal staff; an officer, only what asks them in person.
func (s *Service) AgencyInbox(ctx context.Context, a enforcement.Actor) (Inbox, error) {
	var in Inbox
	var err error
	switch {
	case a.Has(enforcement.RoleHead) || a.Has(enforcement.RoleReviewer):
		if in.Requests, err = s.requestsWhere(ctx, `r.agency_id = $1`, a.AgencyID); err != nil {
			return in, err
		}
		if in.Documents, err = s.documentsWhere(ctx, `d.agency_id = $1`, a.AgencyID); err != nil {
			return in, err
		}
		// What still waits comes first, the nearest deadline first; then the newest.
		slices.SortStableFunc(in.Requests, func(x, y Request) int {
			return waitingFirst(x.State == "pending", y.State == "pending", x.DueDate, y.DueDate, x.CreatedAt, y.CreatedAt)
		})
		slices.SortStableFunc(in.Documents, func(x, y Document) int {
			return waitingFirst(x.AwaitsAnswer(), y.AwaitsAnswer(), x.DueDate, y.DueDate, x.IssuedAt, y.IssuedAt)
		})
		return in, nil
	case a.OfficerID != nil:
		in.Requests, err = s.requestsWhere(ctx, `r.officer_id = $1`, *a.OfficerID)
		in.Documents = []Document{}
		return in, err
	}
	return Inbox{Requests: []Request{}, Documents: []Document{}}, nil
}

func waitingFirst(xw, yw bool, xd, yd enforcement.Date, xt, yt time.Time) int {
	switch {
	case xw != yw:
		if xw {
			return -1
		}
		return 1
	case xw:
		return strings.Compare(xd.String(), yd.String())
	}
	return yt.Compare(xt)
}

// Waiting counts what waits for the actor in supervision: for a supervisor, the answers to
// judge and the overdue answers of their matters; for an agency, what it has to answer
// and how much of it is overdue.
type Waiting struct {
	ToAnswer   int `json:"to_answer"`
	Overdue    int `json:"overdue"`
	ToJudge    int `json:"to_judge"`
	Unanswered int `json:"unanswered"`
}

// WaitingFor counts the actor's supervision work for their home page.
func (s *Service) WaitingFor(ctx context.Context, a enforcement.Actor) (Waiting, error) {
	var w Waiting
	today := s.Cases.Today()
	var err error
	switch {
	case a.Has(enforcement.RoleSupervisor):
		err = s.db.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM supervision_documents d JOIN supervision_matter_supervisors x ON x.matter_id = d.matter_id
				WHERE x.user_id = $1 AND d.state = 'answered'),
			(SELECT count(*) FROM supervision_documents d JOIN supervision_matters m ON m.id = d.matter_id
				WHERE m.region_code LIKE $2 || '%' AND d.state IN ('issued', 'returned') AND d.due_date < $3)
			+ (SELECT count(*) FROM supervision_requests r JOIN supervision_matters m ON m.id = r.matter_id
				WHERE m.region_code LIKE $2 || '%' AND r.state = 'pending' AND r.due_date < $3)`,
			a.UserID, enforcement.RegionPrefix(a.RegionCode), today).Scan(&w.ToJudge, &w.Overdue)
	case a.Has(enforcement.RoleHead) || a.Has(enforcement.RoleReviewer):
		err = s.db.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM supervision_documents WHERE agency_id = $1 AND state IN ('issued', 'returned'))
			+ (SELECT count(*) FROM supervision_requests WHERE agency_id = $1 AND state = 'pending'),
			(SELECT count(*) FROM supervision_documents WHERE agency_id = $1 AND state IN ('issued', 'returned') AND due_date < $2)
			+ (SELECT count(*) FROM supervision_requests WHERE agency_id = $1 AND state = 'pending' AND due_date < $2)`,
			a.AgencyID, today).Scan(&w.ToAnswer, &w.Overdue)
	case a.OfficerID != nil:
		err = s.db.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE due_date < $2) FROM supervision_requests
			WHERE officer_id = $1 AND state = 'pending'`, *a.OfficerID, today).Scan(&w.ToAnswer, &w.Overdue)
	}
	return w, enforcement.DBError(err, "监督事项")
}

// AnswerFileFor returns a file sent with an answer to a supervisor of the matter's region
// or to the agency that sent it.
func (s *Service) AnswerFileFor(ctx context.Context, a enforcement.Actor, id uuid.UUID) (AnswerFile, error) {
	var f AnswerFile
	var reqID, docID *uuid.UUID
	err := s.db.QueryRow(ctx, `SELECT f.id, f.filename, f.content_type, f.size, f.sha256, f.object_key, f.version_id, a.request_id, a.document_id
		FROM supervision_answer_files f JOIN supervision_answers a ON a.id = f.answer_id WHERE f.id = $1`, id).
		Scan(&f.ID, &f.Filename, &f.ContentType, &f.Size, &f.SHA256, &f.ObjectKey, &f.VersionID, &reqID, &docID)
	if err == pgx.ErrNoRows {
		return f, fault.New(fault.NotFound, "附件不存在")
	}
	if err != nil {
		return f, enforcement.DBError(err, "附件")
	}
	if reqID != nil {
		r, err := s.findRequest(ctx, *reqID)
		if err != nil {
			return f, err
		}
		if requestAddressee(a, r) {
			return f, nil
		}
		_, err = s.FindMatter(ctx, a, r.MatterID)
		return f, hide(err, "附件不存在")
	}
	d, err := s.findDocument(ctx, *docID)
	if err != nil {
		return f, err
	}
	if agencyUser(a, d.AgencyID) {
		return f, nil
	}
	_, err = s.FindMatter(ctx, a, d.MatterID)
	return f, hide(err, "附件不存在")
}

// hide turns any refusal into not found, so a file's existence is not told.
func hide(err error, msg string) error {
	if err != nil {
		return fault.New(fault.NotFound, "%s", msg)
	}
	return nil
}
