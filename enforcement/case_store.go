package enforcement

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/fault"
)

// UseTimeline wires the full-process record into the case engine.
func (s *Store) UseTimeline(t Timeline) { s.timeline = t }

const caseCols = `c.id, c.agency_id, a.name, c.number, c.kind, c.cause, c.legal_basis, c.state, c.occurred_at, c.location,
	c.filed_at, c.notified_at, c.hearing_at, c.decided_at, c.served_at, c.closed_at, c.decision, c.statement_waived,
	c.end_reason, c.created_by, c.created_at, c.updated_at, c.measures, a.av_measures, c.public_interest, c.complex, c.serious, c.major_kinds,
	ARRAY(SELECT officer_id FROM case_handlers h WHERE h.case_id = c.id ORDER BY officer_id),
	(a.documents_from IS NOT NULL AND (c.filed_at AT TIME ZONE 'Asia/Shanghai')::date >= a.documents_from)`

func scanCase(row pgx.CollectableRow) (Case, error) {
	var c Case
	err := row.Scan(&c.ID, &c.AgencyID, &c.AgencyName, &c.Number, &c.Kind, &c.Cause, &c.LegalBasis, &c.State,
		&c.OccurredAt, &c.Location, &c.FiledAt, &c.NotifiedAt, &c.HearingAt, &c.DecidedAt, &c.ServedAt, &c.ClosedAt,
		&c.Decision, &c.StatementWaived, &c.EndReason, &c.CreatedBy, &c.CreatedAt, &c.UpdatedAt, &c.Measures, &c.agencyAV, &c.PublicInterest, &c.Complex, &c.Serious, &c.MajorKinds, &c.HandlerIDs, &c.DocumentsRequired)
	return c, err
}

// renderNumber fills an agency's case number pattern; {seq} stays for the sequence.
func renderNumber(pattern, short string, kind CaseKind, year int) string {
	return strings.NewReplacer("{short}", short, "{kind}", caseKinds[kind], "{year}", strconv.Itoa(year)).Replace(pattern)
}

// CreateCase files a case and gives it the next number of its agency's sequence. The
// sequence row is incremented in the same transaction, so numbers are never skipped
// (a failed filing rolls its increment back) nor given twice (the row lock queues
// concurrent filings). The filing's own record opens the case's chain.
func (s *Store) CreateCase(ctx context.Context, in CaseInput, by Actor, now time.Time) (Case, error) {
	id := uuid.New()
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var pattern, short string
		if err := tx.QueryRow(ctx, `SELECT case_number_pattern, short_name FROM agencies WHERE id = $1`, in.AgencyID).Scan(&pattern, &short); err != nil {
			return err
		}
		year := DateOf(now).Year
		prefix := renderNumber(pattern, short, in.Kind, year)
		var seq int
		if err := tx.QueryRow(ctx, `INSERT INTO case_sequences (agency_id, prefix, year, last) VALUES ($1, $2, $3, 1)
			ON CONFLICT (agency_id, prefix, year) DO UPDATE SET last = case_sequences.last + 1 RETURNING last`,
			in.AgencyID, prefix, year).Scan(&seq); err != nil {
			return err
		}
		number := strings.ReplaceAll(prefix, "{seq}", strconv.Itoa(seq))
		if _, err := tx.Exec(ctx, `INSERT INTO cases (id, agency_id, number, kind, cause, legal_basis, state, occurred_at, location, filed_at, created_by, measures)
			VALUES ($1, $2, $3, $4, $5, $6, 'filed', $7, $8, $9, $10, $11)`,
			id, in.AgencyID, number, in.Kind, in.Cause, in.LegalBasis, in.OccurredAt, in.Location, now, by.UserID, nonNil(in.Measures)); err != nil {
			return err
		}
		for i, p := range in.Parties {
			if _, err := tx.Exec(ctx, `INSERT INTO case_parties (case_id, position, type, name, id_number, address, phone, legal_rep)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, i, p.Type, p.Name, p.IDNumber, p.Address, p.Phone, p.LegalRep); err != nil {
				return err
			}
		}
		for _, h := range uniqueIDs(in.HandlerIDs) {
			if _, err := tx.Exec(ctx, `INSERT INTO case_handlers (case_id, officer_id) VALUES ($1, $2)`, id, h); err != nil {
				return err
			}
		}
		filed := Case{ID: id, AgencyID: in.AgencyID, Number: number, Kind: in.Kind, Cause: in.Cause, Parties: in.Parties}
		if err := caseActionTx(ctx, tx, &filed, TopicActionFiled, now); err != nil {
			return err
		}
		return s.record(ctx, tx, TimelineEntry{CaseID: id, Stage: Filed, Kind: "transition", OccurredAt: now,
			Note: "立案：" + in.Cause, Data: map[string]any{"to": Filed, "number": number}, AuthorID: &by.UserID, AuthorName: by.Name})
	})
	if err != nil {
		return Case{}, DBError(err, "案件")
	}
	return s.FindCase(ctx, id)
}

func (s *Store) record(ctx context.Context, tx pgx.Tx, e TimelineEntry) error {
	if s.timeline == nil {
		return fault.New(fault.Internal, "全过程记录未接入")
	}
	return s.timeline.AppendEntryTx(ctx, tx, e)
}

// avGate refuses to move a case on from a stage in which a measure needing an
// audio-video record was carried out without one. Withdrawal and transfer end the case
// and are not held up. It reads inside the transaction that holds the case row, so a
// file being attached concurrently is either seen or waited for.
func (s *Store) avGate(ctx context.Context, tx pgx.Tx, c *Case, from State) error {
	if c.State == from || c.State == Withdrawn || c.State == Transferred {
		return nil
	}
	need := c.AVRequired(from)
	if len(need) == 0 {
		return nil
	}
	ok, err := s.timeline.HasAudioVideo(ctx, tx, c.ID, from)
	if err != nil || ok {
		return err
	}
	return avGateMessage(from, need)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func uniqueIDs(ids []uuid.UUID) []uuid.UUID {
	seen := map[uuid.UUID]bool{}
	var out []uuid.UUID
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// FindCase returns a case with its parties.
func (s *Store) FindCase(ctx context.Context, id uuid.UUID) (Case, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+caseCols+` FROM cases c JOIN agencies a ON a.id = c.agency_id WHERE c.id = $1`, id)
	c, err := pgx.CollectExactlyOneRow(rows, scanCase)
	if err != nil {
		return c, DBError(err, "案件")
	}
	rows, _ = s.db.Query(ctx, `SELECT type, name, id_number, address, phone, legal_rep FROM case_parties WHERE case_id = $1 ORDER BY position`, id)
	c.Parties, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Party])
	return c, DBError(err, "当事人")
}

// CaseFilter narrows a list of cases.
type CaseFilter struct {
	Scope     Scope
	AgencyID  *uuid.UUID
	State     State
	Kind      CaseKind
	From, To  *time.Time
	Q         string
	OfficerID *uuid.UUID // cases the officer handles
	Open      bool       // only cases still being worked
	Page      Page
}

// ListCases lists cases in a scope, newest filing first.
func (s *Store) ListCases(ctx context.Context, f CaseFilter) (List[Case], error) {
	var args []any
	where := []string{scopeSQL(f.Scope, "a", &args)}
	if f.AgencyID != nil {
		where = append(where, "c.agency_id = "+arg(&args, *f.AgencyID))
	}
	if f.State != "" {
		where = append(where, "c.state = "+arg(&args, f.State))
	}
	if f.Kind != "" {
		where = append(where, "c.kind = "+arg(&args, f.Kind))
	}
	if f.From != nil {
		where = append(where, "c.filed_at >= "+arg(&args, *f.From))
	}
	if f.To != nil {
		where = append(where, "c.filed_at < "+arg(&args, *f.To))
	}
	if f.OfficerID != nil {
		where = append(where, "EXISTS (SELECT 1 FROM case_handlers h WHERE h.case_id = c.id AND h.officer_id = "+arg(&args, *f.OfficerID)+")")
	}
	if f.Open {
		where = append(where, "c.state NOT IN ('closed', 'archived', 'withdrawn', 'transferred')")
	}
	if f.Q != "" {
		p := arg(&args, "%"+f.Q+"%")
		where = append(where, "(c.number ILIKE "+p+" OR c.cause ILIKE "+p+
			" OR EXISTS (SELECT 1 FROM case_parties p WHERE p.case_id = c.id AND p.name ILIKE "+p+"))")
	}
	return ListPage(ctx, s.db, Query{Select: caseCols, From: "cases c JOIN agencies a ON a.id = c.agency_id",
		Where: where, Order: "c.filed_at DESC, c.number", Args: args}, f.Page, scanCase)
}

// UpdateCase locks a case, lets fn change it and name the record the change leaves, and
// writes both in one transaction.
func (s *Store) UpdateCase(ctx context.Context, id uuid.UUID, fn func(*Case) (*TimelineEntry, error)) (Case, error) {
	return s.UpdateCaseTx(ctx, id, func(_ pgx.Tx, c *Case) (*TimelineEntry, error) { return fn(c) })
}

// UpdateCaseTx is UpdateCase for changes that write other rows (a review) in the same
// transaction, while the case row is locked.
func (s *Store) UpdateCaseTx(ctx context.Context, id uuid.UUID, fn func(pgx.Tx, *Case) (*TimelineEntry, error)) (Case, error) {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+caseCols+` FROM cases c JOIN agencies a ON a.id = c.agency_id WHERE c.id = $1 FOR UPDATE OF c`, id)
		c, err := pgx.CollectExactlyOneRow(rows, scanCase)
		if err != nil {
			return err
		}
		// The rules a change checks (major decisions) look at who the parties are.
		rows, _ = tx.Query(ctx, `SELECT type, name, id_number, address, phone, legal_rep FROM case_parties WHERE case_id = $1 ORDER BY position`, id)
		if c.Parties, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Party]); err != nil {
			return err
		}
		from := c.State
		entry, err := fn(tx, &c)
		if err != nil {
			return err
		}
		if err := s.avGate(ctx, tx, &c, from); err != nil {
			return err
		}
		if err := s.docGate(ctx, tx, &c, from); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET state = $2, notified_at = $3, hearing_at = $4, decided_at = $5, served_at = $6,
			closed_at = $7, decision = $8, statement_waived = $9, end_reason = $10, measures = $11, public_interest = $12,
			complex = $13, major_kinds = $14, serious = $15, updated_at = now() WHERE id = $1`,
			id, c.State, c.NotifiedAt, c.HearingAt, c.DecidedAt, c.ServedAt, c.ClosedAt, c.Decision, c.StatementWaived, c.EndReason,
			nonNil(c.Measures), c.PublicInterest, c.Complex, nonNil(c.MajorKinds), c.Serious); err != nil {
			return err
		}
		// A measure's time runs from its record (the supervision alerts read it).
		at := time.Now()
		if entry != nil {
			at = entry.OccurredAt
		}
		if _, err := tx.Exec(ctx, `INSERT INTO case_measures (case_id, code, taken_at) SELECT $1, m, $2 FROM unnest($3::text[]) m
			ON CONFLICT DO NOTHING`, id, at, nonNil(c.Measures)); err != nil {
			return err
		}
		if entry != nil {
			entry.CaseID = id
			return s.record(ctx, tx, *entry)
		}
		return nil
	})
	if err != nil {
		return Case{}, DBError(err, "案件")
	}
	return s.FindCase(ctx, id)
}

// Outcome is the result of a reconsideration or litigation after the decision.
type Outcome struct {
	ID        uuid.UUID `json:"id"`
	CaseID    uuid.UUID `json:"case_id"`
	Type      string    `json:"type"`
	Result    string    `json:"result"`
	DecidedAt time.Time `json:"decided_at"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

// AddOutcome records an outcome and its record in one transaction.
func (s *Store) AddOutcome(ctx context.Context, o Outcome, by Actor, stage State) (Outcome, error) {
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var err error
		o, err = s.AddOutcomeTx(ctx, tx, o, by, stage)
		return err
	})
	return o, DBError(err, "复议诉讼结果")
}

// AddOutcomeTx records an outcome inside the caller's transaction: a supervision decision
// moves the case together with the document that decides it.
func (s *Store) AddOutcomeTx(ctx context.Context, tx pgx.Tx, o Outcome, by Actor, stage State) (Outcome, error) {
	o.ID = uuid.New()
	if err := tx.QueryRow(ctx, `INSERT INTO case_outcomes (id, case_id, type, result, decided_at, note, recorded_by, agency_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, (SELECT agency_id FROM cases WHERE id = $2)) RETURNING created_at`, o.ID, o.CaseID, o.Type, o.Result, o.DecidedAt, o.Note, by.UserID).Scan(&o.CreatedAt); err != nil {
		return o, err
	}
	// A decision revoked, changed or found unlawful comes down from the portal.
	switch o.Result {
	case "revoked", "changed", "confirmed_illegal":
		cause := outcomeLabel(o.Type) + OutcomeResultLabel(o.Result)
		if err := s.markWithdrawalTx(ctx, tx, o.CaseID, DateOf(o.DecidedAt), cause); err != nil {
			return o, err
		}
	}
	return o, s.record(ctx, tx, TimelineEntry{CaseID: o.CaseID, Stage: stage, Kind: "outcome", OccurredAt: o.DecidedAt,
		Note: outcomeLabel(o.Type) + "：" + OutcomeResultLabel(o.Result), Data: map[string]any{"type": o.Type, "result": o.Result, "outcome_id": o.ID},
		AuthorID: &by.UserID, AuthorName: by.Name})
}

// Outcomes lists a case's outcomes.
func (s *Store) Outcomes(ctx context.Context, caseID uuid.UUID) ([]Outcome, error) {
	rows, _ := s.db.Query(ctx, `SELECT id, case_id, type, result, decided_at, note, created_at FROM case_outcomes WHERE case_id = $1 ORDER BY decided_at`, caseID)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Outcome])
	if out == nil {
		out = []Outcome{}
	}
	return out, DBError(err, "复议诉讼结果")
}

func outcomeLabel(t string) string {
	return map[string]string{"reconsideration": "行政复议", "litigation": "行政诉讼", "supervision": "行政执法监督决定"}[t]
}

// OutcomeResults are the results a reconsideration or litigation can reach, in the order
// reports print them.
var OutcomeResults = []string{"upheld", "revoked", "changed", "confirmed_illegal", "terminated", "pending"}

// OutcomeResultLabel names a reconsideration or litigation result.
func OutcomeResultLabel(r string) string {
	return map[string]string{"upheld": "维持", "revoked": "撤销", "changed": "变更", "confirmed_illegal": "确认违法",
		"terminated": "终止", "pending": "尚未审结"}[r]
}

// CountCases counts every case.
func (s *Store) CountCases(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&n)
	return n, DBError(err, "案件")
}

// TypeLabel and ResultLabel are the outcome as people read it.
func (o Outcome) TypeLabel() string   { return outcomeLabel(o.Type) }
func (o Outcome) ResultLabel() string { return OutcomeResultLabel(o.Result) }
