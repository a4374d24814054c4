package enforcement

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/fault"
)

const criteriaCols = `agency_id, version, fine_person_min, fine_org_min, confiscation_min, license_revocation,
	business_suspension, hearing, public_interest, complex, extra_kinds, review_days, created_at`

func scanCriteria(row pgx.CollectableRow) (MajorCriteria, error) {
	var m MajorCriteria
	err := row.Scan(&m.AgencyID, &m.Version, &m.FinePersonMin, &m.FineOrgMin, &m.ConfiscationMin, &m.LicenseRevocation,
		&m.BusinessSuspension, &m.Hearing, &m.PublicInterest, &m.Complex, &m.ExtraKinds, &m.ReviewDays, &m.CreatedAt)
	return m, err
}

// Criteria returns an agency's current catalogue, or the default (version 0) when it has
// none of its own. q may be a transaction.
func (s *Store) criteria(ctx context.Context, q pgx.Tx, agencyID uuid.UUID) (MajorCriteria, error) {
	var rows pgx.Rows
	const sql = `SELECT ` + criteriaCols + ` FROM major_criteria WHERE agency_id = $1 ORDER BY version DESC LIMIT 1`
	if q != nil {
		rows, _ = q.Query(ctx, sql, agencyID)
	} else {
		rows, _ = s.db.Query(ctx, sql, agencyID)
	}
	ms, err := pgx.CollectRows(rows, scanCriteria)
	if err != nil {
		return MajorCriteria{}, DBError(err, "重大执法决定标准")
	}
	if len(ms) == 0 {
		return DefaultCriteria(agencyID), nil
	}
	return ms[0], nil
}

// Criteria returns an agency's current catalogue.
func (s *Store) Criteria(ctx context.Context, agencyID uuid.UUID) (MajorCriteria, error) {
	return s.criteria(ctx, nil, agencyID)
}

// CriteriaAt returns the catalogue that was in force at a moment (the default before the
// agency had one): a decision is judged by the version it was made under.
func (s *Store) CriteriaAt(ctx context.Context, agencyID uuid.UUID, at time.Time) (MajorCriteria, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+criteriaCols+` FROM major_criteria WHERE agency_id = $1 AND created_at <= $2
		ORDER BY version DESC LIMIT 1`, agencyID, at)
	ms, err := pgx.CollectRows(rows, scanCriteria)
	if err != nil {
		return MajorCriteria{}, DBError(err, "重大执法决定标准")
	}
	if len(ms) == 0 {
		return DefaultCriteria(agencyID), nil
	}
	return ms[0], nil
}

// AddCriteria stores a new version of an agency's catalogue; earlier versions stay, so a
// review can say which one it was judged against.
func (s *Store) AddCriteria(ctx context.Context, m MajorCriteria, by uuid.UUID) (MajorCriteria, error) {
	rows, _ := s.db.Query(ctx, `INSERT INTO major_criteria (agency_id, version, fine_person_min, fine_org_min, confiscation_min,
		license_revocation, business_suspension, hearing, public_interest, complex, extra_kinds, review_days, changed_by)
		SELECT $1, COALESCE(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM major_criteria WHERE agency_id = $1
		RETURNING `+criteriaCols,
		m.AgencyID, m.FinePersonMin, m.FineOrgMin, m.ConfiscationMin, m.LicenseRevocation, m.BusinessSuspension, m.Hearing,
		m.PublicInterest, m.Complex, m.ExtraKinds, m.ReviewDays, by)
	out, err := pgx.CollectExactlyOneRow(rows, scanCriteria)
	if err != nil {
		// Two administrators saving at once: the second may retry.
		return out, DBError(err, "重大执法决定标准")
	}
	return out, nil
}

const reviewCols = `r.id, r.case_id, c.number, c.cause, c.agency_id, a.name, r.round, r.state, r.decision, r.major_reasons,
	r.criteria_version, r.from_state, r.submitted_by, r.submitted_name, r.submitted_at, r.due_on, r.extension_reason,
	r.reviewer_id, r.reviewer_name, r.decided_at, r.checklist, r.opinion`

const reviewFrom = `reviews r JOIN cases c ON c.id = r.case_id JOIN agencies a ON a.id = c.agency_id`

func scanReview(row pgx.CollectableRow) (LegalReview, error) {
	var r LegalReview
	var reasons []byte
	var checklist []byte
	err := row.Scan(&r.ID, &r.CaseID, &r.CaseNumber, &r.CaseCause, &r.AgencyID, &r.AgencyName, &r.Round, &r.State, &r.Decision,
		&reasons, &r.CriteriaVersion, &r.FromState, &r.SubmittedBy, &r.SubmittedName, &r.SubmittedAt, &r.DueOn,
		&r.ExtensionReason, &r.ReviewerID, &r.ReviewerName, &r.DecidedAt, &checklist, &r.Opinion)
	if err != nil {
		return r, err
	}
	_ = json.Unmarshal(reasons, &r.MajorReasons)
	if len(checklist) > 0 {
		_ = json.Unmarshal(checklist, &r.Checklist)
	}
	return r, nil
}

// FindReview returns one review.
func (s *Store) FindReview(ctx context.Context, id uuid.UUID) (LegalReview, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+reviewCols+` FROM `+reviewFrom+` WHERE r.id = $1`, id)
	r, err := pgx.CollectExactlyOneRow(rows, scanReview)
	return r, DBError(err, "法制审核")
}

// CaseReviews lists a case's review rounds, oldest first.
func (s *Store) CaseReviews(ctx context.Context, caseID uuid.UUID) ([]LegalReview, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+reviewCols+` FROM `+reviewFrom+` WHERE r.case_id = $1 ORDER BY r.round`, caseID)
	rs, err := pgx.CollectRows(rows, scanReview)
	if rs == nil {
		rs = []LegalReview{}
	}
	return rs, DBError(err, "法制审核")
}

// ReviewFilter narrows the queue.
type ReviewFilter struct {
	Scope Scope
	State ReviewState
	Page  Page
}

// ListReviews lists reviews in a scope, the earliest due first.
func (s *Store) ListReviews(ctx context.Context, f ReviewFilter) (List[LegalReview], error) {
	var args []any
	where := []string{scopeSQL(f.Scope, "a", &args)}
	if f.State != "" {
		where = append(where, "r.state = "+arg(&args, f.State))
	}
	if f.State == ReviewPending {
		where = append(where, "c.state = 'review'") // a withdrawn or transferred case needs no review
	}
	return ListPage(ctx, s.db, Query{Select: reviewCols, From: reviewFrom, Where: where,
		Order: "r.due_on, r.submitted_at", Args: args}, f.Page, scanReview)
}

// lastReviewTx returns the latest round of a case's review, if any.
func (s *Store) lastReviewTx(ctx context.Context, tx pgx.Tx, caseID uuid.UUID) (*LegalReview, error) {
	rows, _ := tx.Query(ctx, `SELECT `+reviewCols+` FROM `+reviewFrom+` WHERE r.case_id = $1 ORDER BY r.round DESC LIMIT 1`, caseID)
	rs, err := pgx.CollectRows(rows, scanReview)
	if err != nil || len(rs) == 0 {
		return nil, DBError(err, "法制审核")
	}
	return &rs[0], nil
}

// insertReviewTx adds a round.
func (s *Store) insertReviewTx(ctx context.Context, tx pgx.Tx, r *LegalReview) error {
	reasons, _ := json.Marshal(r.MajorReasons)
	_, err := tx.Exec(ctx, `INSERT INTO reviews (id, case_id, round, state, decision, major_reasons, criteria_version, from_state,
		submitted_by, submitted_name, submitted_at, due_on, agency_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, (SELECT agency_id FROM cases WHERE id = $2))`,
		r.ID, r.CaseID, r.Round, r.State, r.Decision, reasons, r.CriteriaVersion, r.FromState, r.SubmittedBy, r.SubmittedName,
		r.SubmittedAt, r.DueOn)
	return DBError(err, "法制审核")
}

// decideReviewTx records a reviewer's decision on a pending round. Only one decision can
// land: the row is changed only while it is still pending.
func (s *Store) decideReviewTx(ctx context.Context, tx pgx.Tx, id uuid.UUID, d ReviewDecision, by Actor, at time.Time) error {
	checklist, _ := json.Marshal(d.checklistMap())
	tag, err := tx.Exec(ctx, `UPDATE reviews SET state = $2, checklist = $3, opinion = $4, reviewer_id = $5, reviewer_name = $6,
		decided_at = $7 WHERE id = $1 AND state = 'pending'`, id, d.Outcome, checklist, d.Opinion, by.UserID, by.Name, at)
	if err != nil {
		return DBError(err, "法制审核")
	}
	if tag.RowsAffected() == 0 {
		return fault.New(fault.Conflict, "该审核已由其他审核人员作出结论，请刷新后查看")
	}
	return nil
}

// ExtendReview moves a pending review's due date once, with the reason.
func (s *Store) ExtendReview(ctx context.Context, id uuid.UUID, due Date, reason string) error {
	tag, err := s.db.Exec(ctx, `UPDATE reviews SET due_on = $2, extension_reason = $3
		WHERE id = $1 AND state = 'pending' AND extension_reason = ''`, id, due, reason)
	if err != nil {
		return DBError(err, "法制审核")
	}
	if tag.RowsAffected() == 0 {
		return fault.New(fault.Conflict, "审核期限只能延长一次，且只能延长待审核的事项")
	}
	return nil
}

// ReviewerRatio is one agency's qualified reviewers against its officers (法制审核人员
// 原则上不少于本单位执法人员总数的 5%).
type ReviewerRatio struct {
	AgencyID   uuid.UUID `json:"agency_id"`
	AgencyName string    `json:"agency_name"`
	Officers   int       `json:"officers"`  // with a valid certificate today
	Reviewers  int       `json:"reviewers"` // active accounts with the role and the qualification
	Required   int       `json:"required"`  // 5% of officers, rounded up
	Ratio      float64   `json:"ratio"`
	Below      bool      `json:"below"`
}

// ReviewerRatios lists every agency in a scope that has officers, those below 5% first.
func (s *Store) ReviewerRatios(ctx context.Context, sc Scope, today Date) ([]ReviewerRatio, error) {
	var args []any
	cond := scopeSQL(sc, "a", &args)
	t := arg(&args, today)
	rows, _ := s.db.Query(ctx, `SELECT a.id, a.name,
		(SELECT count(*) FROM officers o WHERE o.agency_id = a.id AND o.status = 'active' AND o.cert_valid_until >= `+t+`),
		(SELECT count(*) FROM users u WHERE u.agency_id = a.id AND 'reviewer' = ANY (u.roles) AND u.legal_qualified AND u.disabled_at IS NULL)
		FROM agencies a WHERE `+cond+` ORDER BY a.region_code, a.name`, args...)
	out := []ReviewerRatio{}
	for rows.Next() {
		var r ReviewerRatio
		if err := rows.Scan(&r.AgencyID, &r.AgencyName, &r.Officers, &r.Reviewers); err != nil {
			rows.Close()
			return nil, DBError(err, "统计")
		}
		if r.Officers == 0 {
			continue
		}
		r.Required = (r.Officers*5 + 99) / 100
		r.Ratio = float64(r.Reviewers) / float64(r.Officers)
		r.Below = r.Reviewers < r.Required
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, DBError(err, "统计")
	}
	slices.SortStableFunc(out, func(x, y ReviewerRatio) int {
		if x.Below != y.Below {
			if x.Below {
				return -1
			}
			return 1
		}
		return 0
	})
	return out, nil
}

// BelowCount is how many of the agencies fall short of 5%.
func BelowCount(rs []ReviewerRatio) int {
	n := 0
	for _, r := range rs {
		if r.Below {
			n++
		}
	}
	return n
}
