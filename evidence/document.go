package evidence

import (
	"context"
	"encoding/json"
	"fmt"
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
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

// DocumentInput starts a document of a kind, with the values the officer gives (the
// others as the case fills them).
type DocumentInput struct {
	Kind   string            `json:"kind"`
	Fields map[string]string `json:"fields"`
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
	rows, _ := s.Store.db.Query(ctx, `SELECT `+kindCols+` FROM document_kinds WHERE code = $1 ORDER BY version DESC LIMIT 1`, strings.TrimSpace(in.Kind))
	k, err := pgx.CollectExactlyOneRow(rows, scanKind)
	if err == pgx.ErrNoRows {
		return Document{}, fault.Field("kind", "没有这种文书：%s", in.Kind)
	}
	if err != nil {
		return Document{}, enforcement.DBError(err, "文书种类")
	}
	values := map[string]string{}
	known := map[string]bool{}
	for _, f := range k.Fields {
		known[f.Key] = true
	}
	for key, v := range in.Fields {
		if !known[key] {
			return Document{}, fault.Field("fields."+key, "%s没有“%s”这一项", k.Name, key)
		}
		if utf8.RuneCountInString(v) > 10000 {
			return Document{}, fault.Field("fields."+key, "每项不超过 10000 字")
		}
		values[key] = strings.TrimSpace(v)
	}
	filled := CaseValues(c, s.Cases.Today())
	for _, f := range k.Fields {
		if _, given := values[f.Key]; !given && f.Source != "" {
			values[f.Key] = filled[f.Source]
		}
	}
	raw, _ := json.Marshal(values)
	id, now := uuid.New(), s.Now()
	if _, err := s.Store.db.Exec(ctx, `INSERT INTO documents (id, case_id, kind_id, fields, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
		id, c.ID, k.ID, raw, a.UserID, now); err != nil {
		return Document{}, enforcement.DBError(err, "文书")
	}
	return s.FindDocument(ctx, a, id)
}

const documentCols = `d.id, d.case_id, k.id, k.code, k.version, k.name, k.fields, d.fields, d.state, d.created_at, d.updated_at`

func scanDocument(row pgx.CollectableRow) (Document, error) {
	var d Document
	var kindFields, values []byte
	if err := row.Scan(&d.ID, &d.CaseID, &d.KindID, &d.Kind, &d.KindVersion, &d.Name, &kindFields, &values, &d.State, &d.CreatedAt, &d.UpdatedAt); err != nil {
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
	return d, nil
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
	return ds, nil
}
