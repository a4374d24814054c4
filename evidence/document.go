package evidence

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// A document of a case is made from the newest version of its kind and stays on that
// version. While a draft, the case's officers fill it; the fields the kind sources from
// the case start filled.

// DocumentValue is one field of a document with its value.
type DocumentValue struct {
	DocumentField
	Value string `json:"value"`
}

// Document is one document of a case.
type Document struct {
	ID          uuid.UUID       `json:"id"`
	CaseID      uuid.UUID       `json:"case_id"`
	KindID      uuid.UUID       `json:"kind_id"`
	Kind        string          `json:"kind"`
	KindVersion int             `json:"kind_version"`
	Name        string          `json:"name"`
	State       string          `json:"state"`
	Fields      []DocumentValue `json:"fields"`
	Missing     []string        `json:"missing"` // required fields still empty, by key
	Signatures  []Signature     `json:"signatures"`
	Version     int             `json:"version"`            // 1, or 2 and on for corrections
	Replaces    *uuid.UUID      `json:"replaces,omitempty"` // the document a correction replaces
	ReplacedBy  *uuid.UUID      `json:"replaced_by,omitempty"`
	Frozen
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Frozen is what freezing gave a document: its number, the hash of its PDF, the agency
// key's signature of both and the chain record that holds them.
type Frozen struct {
	Number                   string     `json:"number,omitempty"`
	FrozenAt                 *time.Time `json:"frozen_at,omitempty"`
	SHA256                   string     `json:"sha256,omitempty"`
	Signature                string     `json:"signature,omitempty"`
	PublicKey                string     `json:"public_key,omitempty"`
	RecordID                 *uuid.UUID `json:"record_id,omitempty"`
	Size                     *int64     `json:"size,omitempty"`
	objectKey, objectVersion *string
}

// DocumentInput starts a document of a kind, with the values the officer gives (the
// others as the case fills them).
type DocumentInput struct {
	Kind   string            `json:"kind"`
	Fields map[string]string `json:"fields"`
	// Replaces names a frozen document of the case this one corrects: the new version
	// starts with its values and, once frozen, takes its number with the version.
	Replaces *uuid.UUID `json:"replaces"`
}

// CaseValues are the case's facts as document fields take them, by source.
func CaseValues(c enforcement.Case, today enforcement.Date) map[string]string {
	v := map[string]string{
		"agency.name": c.AgencyName, "case.number": c.Number, "case.cause": c.Cause, "case.location": c.Location,
		"case.legal_basis": c.LegalBasis, "case.occurred_at": c.OccurredAt.In(enforcement.Shanghai()).Format("2006年1月2日 15时04分"),
		"today": ChineseDate(today),
	}
	var parties, officers []string
	for _, p := range c.Parties {
		if p.Type == "org" && p.IDNumber != "" {
			parties = append(parties, p.Name+"（统一社会信用代码 "+p.IDNumber+"）")
		} else {
			parties = append(parties, p.Name)
		}
	}
	for _, o := range c.Handlers {
		officers = append(officers, o.Name+"（执法证号 "+o.CertNo+"）")
	}
	v["case.parties"], v["case.handlers"] = strings.Join(parties, "、"), strings.Join(officers, "、")
	if d := c.Decision; d != nil {
		v["decision.text"] = d.Text
		if d.FineAmount > 0 {
			v["decision.fine_amount"] = fmt.Sprintf("%d.%02d 元", d.FineAmount/100, d.FineAmount%100)
		}
	}
	return v
}

// DraftDocument starts a document of the case: one of its officers, a kind the
// catalogue has, values only for the kind's fields.
func (s *Service) DraftDocument(ctx context.Context, a enforcement.Actor, caseID uuid.UUID, in DocumentInput) (Document, error) {
	c, err := s.Cases.FindCase(ctx, a, caseID)
	if err != nil {
		return Document{}, err
	}
	if err := a.RequireHandler(c); err != nil {
		return Document{}, err
	}
	version := 1
	var base map[string]string
	if in.Replaces != nil {
		old, err := s.FindDocument(ctx, a, *in.Replaces)
		switch {
		case err != nil || old.CaseID != c.ID:
			return Document{}, fault.Field("replaces", "被更正的文书不属于本案")
		case old.State != "frozen":
			return Document{}, fault.Field("replaces", "只有定稿的文书需要更正；草稿可以直接修改")
		case old.ReplacedBy != nil:
			return Document{}, fault.New(fault.Conflict, "这份文书已有更正稿，请在更正稿上继续")
		}
		in.Kind, version, base = old.Kind, old.Version+1, map[string]string{}
		for _, f := range old.Fields {
			base[f.Key] = f.Value
		}
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT `+kindCols+` FROM document_kinds WHERE code = $1 ORDER BY version DESC LIMIT 1`, strings.TrimSpace(in.Kind))
	k, err := pgx.CollectExactlyOneRow(rows, scanKind)
	if err == pgx.ErrNoRows {
		return Document{}, fault.Field("kind", "没有这种文书：%s", in.Kind)
	}
	if err != nil {
		return Document{}, enforcement.DBError(err, "文书种类")
	}
	if !c.State.Open() {
		return Document{}, fault.New(fault.Conflict, "案件已%s，不能再制作文书", c.State.Label())
	}
	// A correction is made when the mistake is found; a new document at its own step.
	if in.Replaces == nil && len(k.Stages) > 0 && !slices.Contains(k.Stages, c.State) {
		var at []string
		for _, st := range k.Stages {
			at = append(at, st.Label())
		}
		return Document{}, fault.New(fault.Conflict, "案件现处于“%s”环节，%s在“%s”环节制作", c.State.Label(), k.Name, strings.Join(at, "”“"))
	}
	values, err := k.values(in.Fields, nil)
	if err != nil {
		return Document{}, err
	}
	filled := CaseValues(c, s.Cases.Today())
	for _, f := range k.Fields {
		if _, given := values[f.Key]; given {
			continue
		}
		if v, ok := base[f.Key]; ok {
			values[f.Key] = v
		} else if f.Source != "" {
			values[f.Key] = filled[f.Source]
		}
	}
	if err := s.printable(k, values); err != nil {
		return Document{}, err
	}
	raw, _ := json.Marshal(values)
	id, now := uuid.New(), s.Now()
	if _, err := s.Store.db.Exec(ctx, `INSERT INTO documents (id, case_id, kind_id, fields, created_by, created_at, updated_at, version, replaces)
		VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)`, id, c.ID, k.ID, raw, a.UserID, now, version, in.Replaces); err != nil {
		if fault.Is(enforcement.DBError(err, ""), fault.Conflict) {
			return Document{}, fault.New(fault.Conflict, "这份文书已有更正稿，请在更正稿上继续")
		}
		return Document{}, enforcement.DBError(err, "文书")
	}
	return s.FindDocument(ctx, a, id)
}

const documentCols = `d.id, d.case_id, k.id, k.code, k.version, k.name, k.fields, d.fields, d.state, d.created_at, d.updated_at,
	d.version, d.replaces, (SELECT n.id FROM documents n WHERE n.replaces = d.id AND n.state = 'frozen'), COALESCE(d.number, ''), d.frozen_at,
	COALESCE(d.sha256, ''), COALESCE(d.signature, ''), COALESCE(d.public_key, ''), d.record_id, d.size, d.object_key, d.object_version`

func scanDocument(row pgx.CollectableRow) (Document, error) {
	var d Document
	var kindFields, values []byte
	if err := row.Scan(&d.ID, &d.CaseID, &d.KindID, &d.Kind, &d.KindVersion, &d.Name, &kindFields, &values, &d.State, &d.CreatedAt, &d.UpdatedAt,
		&d.Version, &d.Replaces, &d.ReplacedBy, &d.Number, &d.FrozenAt, &d.SHA256, &d.Signature, &d.PublicKey, &d.RecordID, &d.Size,
		&d.objectKey, &d.objectVersion); err != nil {
		return d, err
	}
	var fields []DocumentField
	v := map[string]string{}
	if err := json.Unmarshal(kindFields, &fields); err != nil {
		return d, err
	}
	if err := json.Unmarshal(values, &v); err != nil {
		return d, err
	}
	d.Missing = []string{}
	for _, f := range fields {
		d.Fields = append(d.Fields, DocumentValue{DocumentField: f, Value: v[f.Key]})
		if f.Required && v[f.Key] == "" {
			d.Missing = append(d.Missing, f.Key)
		}
	}
	return d, nil
}

// FindDocument returns a document whose case the actor may read.
func (s *Service) FindDocument(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Document, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT `+documentCols+` FROM documents d JOIN document_kinds k ON k.id = d.kind_id WHERE d.id = $1`, id)
	d, err := pgx.CollectExactlyOneRow(rows, scanDocument)
	if err != nil {
		return Document{}, fault.HideAs(enforcement.DBError(err, "文书"), "文书不存在")
	}
	if _, err := s.Cases.CaseReadable(ctx, a, d.CaseID); err != nil {
		return Document{}, fault.HideAs(err, "文书不存在")
	}
	d.Signatures, _, err = s.signaturesOf(ctx, s.Store.db, d.ID, false)
	return d, err
}

// CaseDocuments lists a case's documents, oldest first.
func (s *Service) CaseDocuments(ctx context.Context, a enforcement.Actor, caseID uuid.UUID) ([]Document, error) {
	if _, err := s.Cases.CaseReadable(ctx, a, caseID); err != nil {
		return nil, err
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT `+documentCols+` FROM documents d JOIN document_kinds k ON k.id = d.kind_id WHERE d.case_id = $1 ORDER BY d.created_at`, caseID)
	ds, err := pgx.CollectRows(rows, scanDocument)
	if err != nil {
		return nil, enforcement.DBError(err, "文书")
	}
	if ds == nil {
		ds = []Document{}
	}
	// Every document's signatures in one query, not one a document.
	byDoc := map[uuid.UUID][]Signature{}
	rows, _ = s.Store.db.Query(ctx, `SELECT g.document_id, `+strings.ReplaceAll("g."+signatureCols, ", ", ", g.")+`, NULL::bytea
		FROM document_signatures g JOIN documents d ON d.id = g.document_id WHERE d.case_id = $1 ORDER BY g.created_at, g.id`, caseID)
	if err := scanSignatures(rows, func(doc uuid.UUID, g Signature, _ string) { byDoc[doc] = append(byDoc[doc], g) }); err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].Signatures = byDoc[ds[i].ID]; ds[i].Signatures == nil {
			ds[i].Signatures = []Signature{}
		}
	}
	return ds, nil
}

// values checks the officer's values against the kind's fields.
func (k DocumentKind) values(given, before map[string]string) (map[string]string, error) {
	known := map[string]bool{}
	for _, f := range k.Fields {
		known[f.Key] = true
	}
	values := map[string]string{}
	for key, v := range given {
		if !known[key] {
			return nil, fault.Field("fields."+key, "%s没有“%s”这一项", k.Name, key)
		}
		if utf8.RuneCountInString(v) > 10000 {
			return nil, fault.Field("fields."+key, "每项不超过 10000 字")
		}
		values[key] = strings.TrimSpace(v)
	}
	for _, f := range k.Fields {
		// What is typed now is held to the form; a value kept as it was is not retyped.
		if v, ok := values[f.Key]; ok && (before == nil || before[f.Key] != v) {
			if err := checkWhen(f, v); err != nil {
				return nil, err
			}
		}
	}
	return values, nil
}

var (
	dateRe     = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日$`)
	dateTimeRe = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日(?:\s*(\d{1,2})时(?:(\d{1,2})分)?)?$`)
)

// checkWhen holds a date or a time on paper to the form the documents print, and to a
// day and an hour that exist: what a party reads as the date of a 笔录 is a date.
func checkWhen(f DocumentField, v string) error {
	if v == "" || (f.Type != "date" && f.Type != "datetime") {
		return nil
	}
	re, example := dateRe, "2026年12月2日"
	if f.Type == "datetime" {
		re, example = dateTimeRe, "2026年12月2日 9时30分"
	}
	m := re.FindStringSubmatch(v)
	bad := m == nil
	if !bad {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		bad = t.Year() != y || int(t.Month()) != mo || t.Day() != d || y < 2000
		if f.Type == "datetime" && len(m) > 4 && m[4] != "" {
			h, _ := strconv.Atoi(m[4])
			mi := 0
			if m[5] != "" {
				mi, _ = strconv.Atoi(m[5])
			}
			bad = bad || h > 23 || mi > 59
		}
	}
	if bad {
		return fault.Field("fields."+f.Key, "“%s”应写成如“%s”的%s", f.Label, example, map[string]string{"date": "日期", "datetime": "时间"}[f.Type])
	}
	return nil
}

// UpdateDraft changes values of a draft nobody has signed yet: a signature is of what
// was shown, so a signed draft keeps its values (start again, or freeze and correct).
func (s *Service) UpdateDraft(ctx context.Context, a enforcement.Actor, id uuid.UUID, fields map[string]string) (Document, error) {
	d, _, k, err := s.draftOfHandler(ctx, a, id)
	if err != nil {
		return d, err
	}
	values := map[string]string{}
	for _, f := range d.Fields {
		values[f.Key] = f.Value
	}
	given, err := k.values(fields, values)
	if err != nil {
		return d, err
	}
	for key, v := range given {
		values[key] = v
	}
	if err := s.printable(k, values); err != nil {
		return d, err
	}
	raw, _ := json.Marshal(values)
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		if err := lockDraft(ctx, tx, d); err != nil {
			return err
		}
		var signed bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM document_signatures WHERE document_id = $1)`, id).Scan(&signed); err != nil {
			return err
		}
		if signed {
			return fault.New(fault.Conflict, "已有人签名，文书内容不能再改；如需修改，请删除这份草稿重新制作")
		}
		_, err := tx.Exec(ctx, `UPDATE documents SET fields = $2, updated_at = $3 WHERE id = $1`, id, raw, s.Now())
		return err
	})
	if err != nil {
		return d, enforcement.DBError(err, "文书")
	}
	return s.FindDocument(ctx, a, id)
}

// DiscardDraft deletes a draft and its signatures; a frozen document stays for good.
func (s *Service) DiscardDraft(ctx context.Context, a enforcement.Actor, id uuid.UUID) error {
	if _, _, _, err := s.draftOfHandler(ctx, a, id); err != nil {
		return err
	}
	_, err := s.Store.db.Exec(ctx, `DELETE FROM documents WHERE id = $1 AND state = 'draft'`, id)
	return enforcement.DBError(err, "文书")
}

// lockDraft locks a draft's row for a change and makes sure it is still the draft that
// was read: a change committed in between (values, a freeze) is refused, not overwritten.
func lockDraft(ctx context.Context, tx pgx.Tx, d Document) error {
	var state string
	var updated time.Time
	if err := tx.QueryRow(ctx, `SELECT state, updated_at FROM documents WHERE id = $1 FOR UPDATE`, d.ID).Scan(&state, &updated); err != nil {
		return err
	}
	switch {
	case state != "draft":
		return fault.New(fault.Conflict, "文书已定稿，不能修改；如有错误，请制作更正稿")
	case !updated.Equal(d.UpdatedAt):
		return fault.New(fault.Conflict, "文书内容刚被修改，请重新打开后再操作")
	}
	return nil
}

// printable refuses, as it is typed, a character neither face can set: once someone has
// signed, the values can no longer change, and the draft could never be frozen. Without
// the faces installed the check waits for the freeze, which needs them anyway.
func (s *Service) printable(k DocumentKind, values map[string]string) error {
	f, err := LoadFonts(s.DocumentFont, s.DocumentFallbackFont)
	if err != nil {
		return nil
	}
	var d Document
	for _, fd := range k.Fields {
		d.Fields = append(d.Fields, DocumentValue{DocumentField: fd, Value: values[fd.Key]})
	}
	return glyphsOf(f, d)
}
