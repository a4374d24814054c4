package audit

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

// Workpaper is everything the scoring page shows of one file: the case as recorded, its
// full-process record, the pre-checks with their suggestions, the rubric and the score
// so far.
type Workpaper struct {
	Evaluation Evaluation        `json:"evaluation"`
	File       File              `json:"file"`
	Case       enforcement.Case  `json:"case"`
	Records    []evidence.Record `json:"records"`
	Findings   []Finding         `json:"findings"`
	Rubric     Rubric            `json:"rubric"`
	Score      *Score            `json:"score"`
	MayScore   bool              `json:"may_score"`
	// MayOpenCase says whether the viewer can open the case itself (its page, files and
	// videos): within their scope, or as its evaluator while the campaign is open.
	MayOpenCase bool `json:"may_open_case"`
}

// EvaluatorReads is the case read grant of case-file evaluation: the evaluator a file is
// given to reads its case, files and videos while the campaign is open, whatever their
// own agency; they change nothing, and the grant ends when the campaign closes.
func (s *Service) EvaluatorReads(ctx context.Context, a enforcement.Actor, caseID uuid.UUID) (bool, error) {
	var ok bool
	err := s.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM evaluation_files f JOIN evaluations e ON e.id = f.evaluation_id
		WHERE f.case_id = $1 AND f.evaluator_id = $2 AND e.state = 'open')`, caseID, a.UserID).Scan(&ok)
	return ok, err
}

// Workpaper loads a file for its evaluator, or for a supervisor of the campaign's region.
func (s *Service) Workpaper(ctx context.Context, a enforcement.Actor, evaluationID, caseID uuid.UUID) (Workpaper, error) {
	e, err := s.FindEvaluation(ctx, a, evaluationID)
	if err != nil {
		return Workpaper{}, err
	}
	w := Workpaper{Evaluation: e}
	if _, err := s.scorable(ctx, a, &e, caseID); err == nil {
		w.MayScore = e.State == "open"
	} else if !(a.Has(enforcement.RoleSupervisor) || a.Has(enforcement.RoleAdmin)) {
		return w, err
	}
	rows, _ := s.db.Query(ctx, `SELECT `+fileCols+` FROM `+fileFrom+` WHERE f.evaluation_id = $1 AND f.case_id = $2`, evaluationID, caseID)
	if w.File, err = pgx.CollectExactlyOneRow(rows, scanFile); err != nil {
		return w, enforcement.DBError(err, "评查案卷")
	}
	if w.Case, err = s.Cases.Store.FindCase(ctx, caseID); err != nil {
		return w, err
	}
	if w.Records, err = s.Evidence.Store.List(ctx, caseID); err != nil {
		return w, err
	}
	if w.Rubric, err = s.Rubric(ctx, e.RubricID); err != nil {
		return w, err
	}
	if w.Findings, err = s.Precheck(ctx, caseID, &w.Rubric); err != nil {
		return w, err
	}
	if w.Score, err = s.FileScore(ctx, evaluationID, caseID); err != nil {
		return w, err
	}
	err = s.Cases.MayRead(ctx, a, w.Case)
	if w.MayOpenCase = err == nil; fault.IsHidden(err) {
		err = nil
	}
	return w, err
}

// PublicView is a campaign as the public reads it.
type PublicView struct {
	Evaluation
	Sample []PublicFile `json:"sample"`
}

// PublicFile is a sampled file as the public sees it: enough to match the sample against
// a re-run, and nothing of the case's content.
type PublicFile struct {
	Seq         int       `json:"seq"`
	CaseNumber  string    `json:"case_number"`
	AgencyName  string    `json:"agency_name"`
	EvaluatorID uuid.UUID `json:"evaluator_id"`
}

// PublicSample lists a campaign's sampled files in sequence order.
func (s *Service) PublicSample(ctx context.Context, id uuid.UUID) ([]PublicFile, error) {
	rows, _ := s.db.Query(ctx, `SELECT f.seq, c.number, ag.name, f.evaluator_id FROM evaluation_files f
		JOIN cases c ON c.id = f.case_id JOIN agencies ag ON ag.id = f.agency_id WHERE f.evaluation_id = $1 ORDER BY f.seq`, id)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (PublicFile, error) {
		var f PublicFile
		err := row.Scan(&f.Seq, &f.CaseNumber, &f.AgencyName, &f.EvaluatorID)
		return f, err
	})
}

// PoolListing returns a campaign's pool listing as published.
func (s *Service) PoolListing(ctx context.Context, id uuid.UUID) (string, error) {
	var listing string
	err := s.db.QueryRow(ctx, `SELECT pool_listing FROM evaluations WHERE id = $1`, id).Scan(&listing)
	return listing, enforcement.DBError(err, "评查活动")
}

// PublicEvaluations lists every campaign, newest first: none is ever removed, so a sample
// fished for by opening campaign after campaign would show here.
func (s *Service) PublicEvaluations(ctx context.Context, p enforcement.Page) (enforcement.List[Evaluation], error) {
	return enforcement.ListPage(ctx, s.db, enforcement.Query{Select: evaluationCols, From: evaluationFrom, Order: "e.created_at DESC"}, p, scanEvaluation)
}
