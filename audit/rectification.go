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

// Rectification is a problem found in a file that its agency must put right (整改), with
// a due date and the record of how it was closed.
type Rectification struct {
	ID             uuid.UUID        `json:"id"`
	EvaluationID   uuid.UUID        `json:"evaluation_id"`
	EvaluationName string           `json:"evaluation_name"`
	CaseID         uuid.UUID        `json:"case_id"`
	CaseNumber     string           `json:"case_number"`
	AgencyID       uuid.UUID        `json:"agency_id"`
	AgencyName     string           `json:"agency_name"`
	ItemCode       string           `json:"item_code"`
	Problem        string           `json:"problem"`
	Requirement    string           `json:"requirement"`
	DueOn          enforcement.Date `json:"due_on"`
	State          string           `json:"state"` // open or closed
	Overdue        bool             `json:"overdue"`
	CreatedAt      time.Time        `json:"created_at"`
	ClosingNote    string           `json:"closing_note"`
	ClosedByName   string           `json:"closed_by_name"`
	ClosedAt       *time.Time       `json:"closed_at"`
}

// StateLabel is the item's state as pages show it.
func (r Rectification) StateLabel() string {
	switch {
	case r.State == "closed":
		return "已整改"
	case r.Overdue:
		return "逾期未整改"
	}
	return "整改中"
}

// RectificationInput turns a problem of a scored file into a rectification item.
type RectificationInput struct {
	CaseID      uuid.UUID `json:"case_id"`
	ItemCode    string    `json:"item_code"`
	Requirement string    `json:"requirement"`
	DueOn       string    `json:"due_on"`
}

// AddRectification records a rectification item for a problem an evaluator found.
func (s *Service) AddRectification(ctx context.Context, a enforcement.Actor, evaluationID uuid.UUID, in RectificationInput) (Rectification, error) {
	if err := a.Require(enforcement.RoleSupervisor, enforcement.RoleAdmin); err != nil {
		return Rectification{}, err
	}
	e, err := s.FindEvaluation(ctx, a, evaluationID)
	if err != nil {
		return Rectification{}, err
	}
	in.Requirement = strings.TrimSpace(in.Requirement)
	due, err := enforcement.ParseDate(in.DueOn)
	switch {
	case in.CaseID == uuid.Nil:
		return Rectification{}, fault.Field("case_id", "请填写案卷的案件 ID")
	case in.Requirement == "" || utf8.RuneCountInString(in.Requirement) > 1000:
		return Rectification{}, fault.Field("requirement", "请填写整改要求，不超过 1000 字")
	case err != nil:
		return Rectification{}, fault.Field("due_on", "整改期限应为 YYYY-MM-DD")
	case due.Before(s.Cases.Today()):
		return Rectification{}, fault.Field("due_on", "整改期限不能早于今天")
	}
	var agency uuid.UUID
	var note string
	var problem bool
	err = s.db.QueryRow(ctx, `SELECT f.agency_id, coalesce(d.note, ''), coalesce(d.points > 0 OR d.veto, false)
		FROM evaluation_files f LEFT JOIN evaluation_deductions d ON d.evaluation_id = f.evaluation_id AND d.case_id = f.case_id AND d.item_code = $3
		WHERE f.evaluation_id = $1 AND f.case_id = $2`, e.ID, in.CaseID, in.ItemCode).Scan(&agency, &note, &problem)
	if err == pgx.ErrNoRows {
		return Rectification{}, fault.Field("case_id", "该案卷不在评查活动“%s”的抽样案卷中", e.Name)
	}
	if err != nil {
		return Rectification{}, enforcement.DBError(err, "评查案卷")
	}
	if !problem {
		return Rectification{}, fault.Field("item_code", "该案卷在评查项目“%s”上没有扣分或否决，无需整改", in.ItemCode)
	}
	r, err := s.Rubric(ctx, e.RubricID)
	if err != nil {
		return Rectification{}, err
	}
	it, _ := r.Item(in.ItemCode)
	id := uuid.New()
	_, err = s.db.Exec(ctx, `INSERT INTO rectifications (id, evaluation_id, case_id, agency_id, item_code, problem, requirement, due_on, state, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'open', $9, $10)`,
		id, e.ID, in.CaseID, agency, in.ItemCode, it.Title+"："+note, in.Requirement, due, a.UserID, s.Cases.Now())
	if err != nil {
		return Rectification{}, enforcement.DBError(err, "整改事项")
	}
	return s.findRectification(ctx, id)
}

// CloseRectification records how the agency put a problem right.
func (s *Service) CloseRectification(ctx context.Context, a enforcement.Actor, id uuid.UUID, note string) (Rectification, error) {
	r, err := s.FindRectification(ctx, a, id)
	if err != nil {
		return r, err
	}
	note = strings.TrimSpace(note)
	if note == "" || utf8.RuneCountInString(note) > 2000 {
		return r, fault.Field("note", "请填写整改情况，不超过 2000 字")
	}
	if r.State == "closed" {
		return r, fault.New(fault.Conflict, "该整改事项已于 %s 办结", enforcement.DateOf(*r.ClosedAt))
	}
	if _, err := s.db.Exec(ctx, `UPDATE rectifications SET state = 'closed', closing_note = $2, closed_by = $3, closed_at = $4
		WHERE id = $1 AND state = 'open'`, id, note, a.UserID, s.Cases.Now()); err != nil {
		return r, enforcement.DBError(err, "整改事项")
	}
	return s.findRectification(ctx, id)
}

const rectificationCols = `r.id, r.evaluation_id, e.name, r.case_id, c.number, r.agency_id, ag.name, r.item_code, r.problem, r.requirement,
	r.due_on, r.state, r.created_at, r.closing_note, coalesce(u.name, ''), r.closed_at`

const rectificationFrom = `rectifications r JOIN evaluations e ON e.id = r.evaluation_id JOIN cases c ON c.id = r.case_id
	JOIN agencies ag ON ag.id = r.agency_id LEFT JOIN users u ON u.id = r.closed_by`

func (s *Service) scanRectification(row pgx.CollectableRow) (Rectification, error) {
	var r Rectification
	err := row.Scan(&r.ID, &r.EvaluationID, &r.EvaluationName, &r.CaseID, &r.CaseNumber, &r.AgencyID, &r.AgencyName, &r.ItemCode,
		&r.Problem, &r.Requirement, &r.DueOn, &r.State, &r.CreatedAt, &r.ClosingNote, &r.ClosedByName, &r.ClosedAt)
	r.Overdue = r.State == "open" && s.Cases.Today().After(r.DueOn)
	return r, err
}

func (s *Service) findRectification(ctx context.Context, id uuid.UUID) (Rectification, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+rectificationCols+` FROM `+rectificationFrom+` WHERE r.id = $1`, id)
	r, err := pgx.CollectExactlyOneRow(rows, s.scanRectification)
	return r, enforcement.DBError(err, "整改事项")
}

// FindRectification returns an item the actor may see: their agency's, or their
// region's for supervisors.
func (s *Service) FindRectification(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Rectification, error) {
	r, err := s.findRectification(ctx, id)
	if err != nil {
		return r, err
	}
	ag, err := s.Cases.FindAgency(ctx, a, r.AgencyID)
	if err != nil || !a.Scope().Covers(ag) {
		return Rectification{}, fault.New(fault.NotFound, "整改事项不存在")
	}
	return r, nil
}

// RectificationFilter narrows the list of rectification items.
type RectificationFilter struct {
	EvaluationID *uuid.UUID
	AgencyID     *uuid.UUID
	State        string
	Page         enforcement.Page
}

// Rectifications lists the items in the actor's scope, the earliest due first.
func (s *Service) Rectifications(ctx context.Context, a enforcement.Actor, f RectificationFilter) (enforcement.List[Rectification], error) {
	q := enforcement.Query{Select: rectificationCols, From: rectificationFrom, Order: "r.state DESC, r.due_on, c.number"}
	if sc := a.Scope(); sc.RegionPrefix != "" {
		q.And("ag.region_code LIKE ? || '%'", sc.RegionPrefix)
	} else {
		q.And("r.agency_id = ?", sc.AgencyID)
	}
	if f.EvaluationID != nil {
		q.And("r.evaluation_id = ?", *f.EvaluationID)
	}
	if f.AgencyID != nil {
		q.And("r.agency_id = ?", *f.AgencyID)
	}
	switch f.State {
	case "", "all":
	case "open", "closed":
		q.And("r.state = ?", f.State)
	case "overdue":
		q.And("r.state = 'open' AND r.due_on < ?", s.Cases.Today())
	default:
		return enforcement.List[Rectification]{}, fault.Field("state", "整改状态应为 open、closed 或 overdue")
	}
	return enforcement.ListPage(ctx, s.db, q, f.Page, s.scanRectification)
}
