package audit

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Typical cases (典型案例): a concluded matter published to the portal with the problem,
// the documents' gist and the outcome, every text through the one redaction engine with
// the parties of its cases and its complainants as the names to hide.

// PublishInput is what a supervisor writes for the public.
type PublishInput struct {
	Title string `json:"public_title"`
	Text  string `json:"public_text"`
}

// TypicalCase is a published matter as the public reads it.
type TypicalCase struct {
	ID          uuid.UUID         `json:"id"`
	Number      string            `json:"number"`
	Kind        string            `json:"kind"`
	KindLabel   string            `json:"kind_label"`
	Title       string            `json:"title"`
	Agencies    []string          `json:"agencies"`
	Problem     string            `json:"problem"`
	Documents   []TypicalDocument `json:"documents"`
	Outcome     string            `json:"outcome"`
	ConcludedAt *time.Time        `json:"concluded_at"`
	PublishedAt time.Time         `json:"published_at"`
}

// TypicalDocument is a document's gist in a typical case.
type TypicalDocument struct {
	Kind      string `json:"kind"`
	KindLabel string `json:"kind_label"`
	Number    string `json:"number"`
	Gist      string `json:"gist"`
	Answered  string `json:"answered"` // on time, late, or not answered
}

// redactionFor builds the redaction of a matter: its cases' parties and its clues'
// complainants.
func (s *Service) redactionFor(ctx context.Context, m Matter) (*enforcement.Redaction, error) {
	var parties []enforcement.Party
	for _, l := range m.Links {
		switch l.Kind {
		case "case":
			c, err := s.Cases.Store.FindCase(ctx, l.RefID)
			if err != nil {
				return nil, err
			}
			parties = append(parties, c.Parties...)
		case "clue":
			var name, contact string
			if err := s.db.QueryRow(ctx, `SELECT complainant, contact FROM supervision_clues WHERE id = $1`, l.RefID).Scan(&name, &contact); err != nil {
				return nil, enforcement.DBError(err, "线索")
			}
			if name != "" {
				parties = append(parties, enforcement.Party{Type: "person", Name: name, Phone: contact})
			}
		}
	}
	return enforcement.NewRedaction(parties), nil
}

// PublishMatter publishes a concluded matter as a typical case.
func (s *Service) PublishMatter(ctx context.Context, a enforcement.Actor, id uuid.UUID, in PublishInput) (TypicalCase, error) {
	m, err := s.FindMatter(ctx, a, id)
	if err != nil {
		return TypicalCase{}, err
	}
	if !m.AssignedTo(a.UserID) {
		return TypicalCase{}, fault.New(fault.Forbidden, "只有本事项的监督人员可以发布典型案例")
	}
	if m.State != "concluded" {
		return TypicalCase{}, fault.New(fault.Conflict, "监督事项办结后才能发布为典型案例")
	}
	if m.PublishedAt != nil {
		return TypicalCase{}, fault.New(fault.Conflict, "监督事项 %s 已发布为典型案例", m.Number)
	}
	in.Title, in.Text = strings.TrimSpace(in.Title), strings.TrimSpace(in.Text)
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		return TypicalCase{}, fault.Field("public_title", "请填写典型案例标题")
	case n > 100:
		return TypicalCase{}, fault.Field("public_title", "典型案例标题不超过 100 字")
	}
	switch n := utf8.RuneCountInString(in.Text); {
	case n == 0:
		return TypicalCase{}, fault.Field("public_text", "请写明发现的问题（将去除个人信息后公开）")
	case n > 5000:
		return TypicalCase{}, fault.Field("public_text", "典型案例正文不超过 5000 字")
	}
	r, err := s.redactionFor(ctx, m)
	if err != nil {
		return TypicalCase{}, err
	}
	title, text := r.Text(in.Title), r.Text(in.Text)
	now := s.Cases.Now().UTC().Truncate(time.Microsecond)
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE supervision_matters SET published_at = $2, public_title = $3, public_text = $4
			WHERE id = $1 AND published_at IS NULL`, m.ID, now, title, text)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fault.New(fault.Conflict, "监督事项 %s 已发布为典型案例", m.Number)
		}
		return s.matterRecord(ctx, tx, m.ID, m.State, "published", a, now, "发布为典型案例："+title,
			map[string]any{"public_title": title, "public_text": text})
	})
	if err != nil {
		return TypicalCase{}, enforcement.DBError(err, "典型案例")
	}
	return s.TypicalCase(ctx, m.ID)
}

// TypicalCases lists the published typical cases, newest first.
func (s *Service) TypicalCases(ctx context.Context, p enforcement.Page) (enforcement.List[TypicalCase], error) {
	out := enforcement.List[TypicalCase]{Items: []TypicalCase{}}
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM supervision_matters WHERE published_at IS NOT NULL`).Scan(&out.Total); err != nil {
		return out, enforcement.DBError(err, "典型案例")
	}
	rows, _ := s.db.Query(ctx, `SELECT id FROM supervision_matters WHERE published_at IS NOT NULL ORDER BY published_at DESC, number
		LIMIT $1 OFFSET $2`, p.Size, p.Offset())
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return out, enforcement.DBError(err, "典型案例")
	}
	for _, id := range ids {
		t, err := s.TypicalCase(ctx, id)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, t)
	}
	return out, nil
}

// TypicalCase is one published matter; an unpublished one does not exist for the public.
func (s *Service) TypicalCase(ctx context.Context, id uuid.UUID) (TypicalCase, error) {
	m, err := s.matterByID(ctx, id)
	if err != nil || m.PublishedAt == nil {
		return TypicalCase{}, fault.New(fault.NotFound, "典型案例不存在")
	}
	if err := s.matterDetails(ctx, &m); err != nil {
		return TypicalCase{}, err
	}
	r, err := s.redactionFor(ctx, m)
	if err != nil {
		return TypicalCase{}, err
	}
	t := TypicalCase{ID: m.ID, Number: m.Number, Kind: m.Kind, KindLabel: m.KindLabel(), Title: m.PublicTitle, Problem: m.PublicText,
		Outcome: r.Text(m.Conclusion), ConcludedAt: m.ConcludedAt, PublishedAt: *m.PublishedAt, Agencies: []string{}, Documents: []TypicalDocument{}}
	for _, ag := range m.Agencies {
		t.Agencies = append(t.Agencies, ag.Name)
	}
	for _, d := range m.Documents {
		answered := "未答复"
		for _, x := range d.Answers {
			answered = "按期答复"
			if x.Late {
				answered = "逾期答复"
			}
			break
		}
		t.Documents = append(t.Documents, TypicalDocument{Kind: d.Kind, KindLabel: d.KindLabel(), Number: d.Number, Gist: r.Text(d.Requirements), Answered: answered})
	}
	return t, nil
}
