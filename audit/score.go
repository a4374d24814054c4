package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Deduction is what an evaluator finds under one rubric item: points taken off with the
// problem found, or, for a veto item, whether it applies.
type Deduction struct {
	ItemCode  string   `json:"item_code"`
	Points    float64  `json:"points"`
	Veto      bool     `json:"veto,omitempty"`
	Note      string   `json:"note"`
	Suggested *float64 `json:"suggested_points,omitempty"` // what the pre-checks suggested
	ItemTitle string   `json:"item_title,omitempty"`
}

// Problem reports whether the deduction records a problem with the file.
func (d *Deduction) Problem() bool { return d.Points > 0 || d.Veto }

// ScoreInput is an evaluator's scoring of one file: an entry for every scored item (0
// when nothing is wrong) and, optionally, the veto items found.
type ScoreInput struct {
	CaseID     uuid.UUID   `json:"case_id"`
	Deductions []Deduction `json:"deductions"`
}

// Score is a file's score under the rubric version it was scored with.
type Score struct {
	EvaluationID  uuid.UUID   `json:"evaluation_id"`
	CaseID        uuid.UUID   `json:"case_id"`
	CaseNumber    string      `json:"case_number"`
	RubricID      uuid.UUID   `json:"rubric_id"`
	RubricVersion int         `json:"rubric_version"`
	Total         float64     `json:"total"`
	Form          float64     `json:"form"`    // points kept in the form group
	Content       float64     `json:"content"` // points kept in the content group
	Rating        Rating      `json:"rating"`
	RatingLabel   string      `json:"rating_label"`
	Vetoed        bool        `json:"vetoed"`
	Deductions    []Deduction `json:"deductions"`
	ScoredBy      uuid.UUID   `json:"scored_by"`
	ScoredAt      time.Time   `json:"scored_at"`
}

// tally computes the total and rating of deductions already checked against r.
func tally(r *Rubric, ds []Deduction) (total, form, content float64, vetoed bool) {
	form, content = r.GroupTotal(GroupForm), r.GroupTotal(GroupContent)
	for _, d := range ds {
		it, _ := r.Item(d.ItemCode)
		switch it.Group {
		case GroupForm:
			form -= d.Points
		case GroupContent:
			content -= d.Points
		case GroupVeto:
			vetoed = vetoed || d.Veto
		}
	}
	form, content = round1(form), round1(content)
	return round1(form + content), form, content, vetoed
}

// checkDeductions validates a scoring against the rubric and the pre-checks: known items,
// each once; points within the item's maximum in tenths; every scored item present; a
// note for each problem; and a note wherever the evaluator takes off less than a failed
// pre-check suggested.
func checkDeductions(r *Rubric, in []Deduction, findings []Finding) ([]Deduction, error) {
	seen := map[string]bool{}
	suggested := map[string]Finding{}
	for _, f := range findings {
		if f.Status == CheckFail && f.ItemCode != "" {
			suggested[f.ItemCode] = f
		}
	}
	out := make([]Deduction, 0, len(in))
	for i, d := range in {
		field := fmt.Sprintf("deductions[%d]", i)
		d.ItemCode, d.Note = strings.TrimSpace(d.ItemCode), strings.TrimSpace(d.Note)
		it, ok := r.Item(d.ItemCode)
		switch {
		case !ok:
			return nil, fault.Field(field+".item_code", "评查标准（%s 第 %d 版）中没有编号为“%s”的项目", r.Name, r.Version, d.ItemCode)
		case seen[d.ItemCode]:
			return nil, fault.Field(field+".item_code", "评查项目 %s 重复评分", d.ItemCode)
		case utf8.RuneCountInString(d.Note) > 1000:
			return nil, fault.Field(field+".note", "评查项目 %s 的说明不超过 1000 字", d.ItemCode)
		case it.Group == GroupVeto && d.Points != 0:
			return nil, fault.Field(field+".points", "否决项 %s（%s）不扣分，请用 veto 表示是否存在", d.ItemCode, it.Title)
		case it.Group != GroupVeto && d.Veto:
			return nil, fault.Field(field+".veto", "评查项目 %s 不是否决项", d.ItemCode)
		case d.Points < 0 || !tenths(d.Points):
			return nil, fault.Field(field+".points", "评查项目 %s 的扣分应为不小于 0 的数，最多一位小数", d.ItemCode)
		case d.Points > it.MaxPoints:
			return nil, fault.Field(field+".points", "评查项目 %s（%s）最多扣 %g 分，不能扣 %g 分", d.ItemCode, it.Title, it.MaxPoints, d.Points)
		case d.Problem() && d.Note == "":
			return nil, fault.Field(field+".note", "评查项目 %s（%s）扣分或认定否决须写明发现的问题", d.ItemCode, it.Title)
		}
		if f, ok := suggested[d.ItemCode]; ok {
			s := f.Suggested
			d.Suggested = &s
			if (f.Veto && !d.Veto || !f.Veto && d.Points < f.Suggested) && d.Note == "" {
				return nil, fault.Field(field+".note", "自动检查“%s”发现：%s；评查项目 %s 未按建议扣分，须说明理由", f.Title, f.Detail, d.ItemCode)
			}
		}
		seen[d.ItemCode] = true
		d.ItemTitle = it.Title
		out = append(out, d)
	}
	var missing []string
	for _, it := range r.Items {
		if it.Group != GroupVeto && !seen[it.Code] {
			missing = append(missing, it.Code)
		}
	}
	if len(missing) > 0 {
		return nil, fault.Field("deductions", "以下评查项目未评分：%s（无问题的项目扣 0 分）", strings.Join(missing, "、"))
	}
	for code, f := range suggested {
		if !seen[code] { // only veto items may be left out
			return nil, fault.Field("deductions", "自动检查“%s”发现：%s；请对否决项 %s 作出认定或说明理由", f.Title, f.Detail, code)
		}
	}
	return out, nil
}

// evaluationFile is what scoring needs to know of a sampled file.
type evaluationFile struct {
	agencyID, evaluatorID uuid.UUID
	number                string
	handled               bool
}

// scorable loads a file of a campaign and refuses an actor who may not score it: a file
// outside the (public) sample is invalid input; another evaluator's file answers as
// absent; the evaluator's own agency's file or a case they handled is forbidden.
func (s *Service) scorable(ctx context.Context, a enforcement.Actor, e *Evaluation, caseID uuid.UUID) (evaluationFile, error) {
	var f evaluationFile
	var officer *uuid.UUID
	if a.OfficerID != nil {
		officer = a.OfficerID
	}
	err := s.db.QueryRow(ctx, `SELECT f.agency_id, f.evaluator_id, c.number,
			EXISTS (SELECT 1 FROM case_handlers h WHERE h.case_id = f.case_id AND h.officer_id = $3)
		FROM evaluation_files f JOIN cases c ON c.id = f.case_id
		WHERE f.evaluation_id = $1 AND f.case_id = $2`, e.ID, caseID, officer).
		Scan(&f.agencyID, &f.evaluatorID, &f.number, &f.handled)
	switch {
	case err == pgx.ErrNoRows:
		return f, fault.Field("case_id", "案件 %s 不在评查活动“%s”的抽样案卷中", caseID, e.Name)
	case err != nil:
		return f, enforcement.DBError(err, "评查案卷")
	case f.evaluatorID != a.UserID:
		// Another evaluator's file: nothing is said of whose it is.
		return f, fault.Hidden("您的评查任务中没有该案卷")
	case f.agencyID == a.AgencyID:
		return f, fault.New(fault.Forbidden, "评查人员不能评查本单位的案卷（%s）", f.number)
	case f.handled:
		return f, fault.New(fault.Forbidden, "评查人员不能评查本人承办的案卷（%s）", f.number)
	}
	return f, nil
}

// ScoreFile records an evaluator's score of a sampled file, replacing an earlier one
// while the campaign is open.
func (s *Service) ScoreFile(ctx context.Context, a enforcement.Actor, evaluationID uuid.UUID, in ScoreInput) (Score, error) {
	e, err := s.FindEvaluation(ctx, a, evaluationID)
	if err != nil {
		return Score{}, err
	}
	if in.CaseID == uuid.Nil {
		return Score{}, fault.Field("case_id", "请填写所评查案卷的案件 ID")
	}
	f, err := s.scorable(ctx, a, &e, in.CaseID)
	if err != nil {
		return Score{}, err
	}
	if e.State == "closed" {
		return Score{}, fault.New(fault.Conflict, "评查活动“%s”已经结束，评分不能再修改", e.Name)
	}
	r, err := s.Rubric(ctx, e.RubricID)
	if err != nil {
		return Score{}, err
	}
	findings, err := s.Precheck(ctx, in.CaseID, &r)
	if err != nil {
		return Score{}, err
	}
	ds, err := checkDeductions(&r, in.Deductions, findings)
	if err != nil {
		return Score{}, err
	}
	sc := Score{EvaluationID: e.ID, CaseID: in.CaseID, CaseNumber: f.number, RubricID: r.ID, RubricVersion: r.Version,
		Deductions: ds, ScoredBy: a.UserID, ScoredAt: s.Cases.Now()}
	sc.Total, sc.Form, sc.Content, sc.Vetoed = tally(&r, ds)
	sc.Rating = r.Rate(sc.Total, sc.Vetoed)
	sc.RatingLabel = sc.Rating.Label()
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM evaluations WHERE id = $1 FOR SHARE`, e.ID).Scan(&state); err != nil {
			return err
		}
		if state != "open" {
			return fault.New(fault.Conflict, "评查活动“%s”已经结束，评分不能再修改", e.Name)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM evaluation_deductions WHERE evaluation_id = $1 AND case_id = $2`, e.ID, in.CaseID); err != nil {
			return err
		}
		rows := make([][]any, len(ds))
		for i, d := range ds {
			rows[i] = []any{e.ID, in.CaseID, d.ItemCode, d.Points, d.Veto, d.Note, d.Suggested}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"evaluation_deductions"},
			[]string{"evaluation_id", "case_id", "item_code", "points", "veto", "note", "suggested"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE evaluation_files SET rubric_id = $3, total = $4, rating = $5, vetoed = $6, scored_by = $7, scored_at = $8
			WHERE evaluation_id = $1 AND case_id = $2`, e.ID, in.CaseID, r.ID, sc.Total, sc.Rating, sc.Vetoed, a.UserID, sc.ScoredAt)
		return err
	})
	return sc, enforcement.DBError(err, "评分")
}

// FileScore returns a file's recorded score, or nil when it is not scored yet.
func (s *Service) FileScore(ctx context.Context, evaluationID, caseID uuid.UUID) (*Score, error) {
	sc := Score{EvaluationID: evaluationID, CaseID: caseID}
	var rubricID *uuid.UUID
	var scoredBy *uuid.UUID
	var scoredAt *time.Time
	var total *float64
	var rating *Rating
	err := s.db.QueryRow(ctx, `SELECT c.number, f.rubric_id, f.total::float8, f.rating, f.vetoed, f.scored_by, f.scored_at
		FROM evaluation_files f JOIN cases c ON c.id = f.case_id WHERE f.evaluation_id = $1 AND f.case_id = $2`, evaluationID, caseID).
		Scan(&sc.CaseNumber, &rubricID, &total, &rating, &sc.Vetoed, &scoredBy, &scoredAt)
	if err != nil {
		return nil, enforcement.DBError(err, "评查案卷")
	}
	if scoredAt == nil {
		return nil, nil
	}
	r, err := s.Rubric(ctx, *rubricID)
	if err != nil {
		return nil, err
	}
	sc.RubricID, sc.RubricVersion, sc.ScoredBy, sc.ScoredAt, sc.Rating = r.ID, r.Version, *scoredBy, *scoredAt, *rating
	sc.RatingLabel = sc.Rating.Label()
	rows, _ := s.db.Query(ctx, `SELECT item_code, points::float8, veto, note, suggested::float8 FROM evaluation_deductions
		WHERE evaluation_id = $1 AND case_id = $2`, evaluationID, caseID)
	ds, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Deduction, error) {
		var d Deduction
		err := row.Scan(&d.ItemCode, &d.Points, &d.Veto, &d.Note, &d.Suggested)
		return d, err
	})
	if err != nil {
		return nil, enforcement.DBError(err, "评分")
	}
	// In the rubric's order, as the scoring page shows them.
	slices.SortFunc(ds, func(a, b Deduction) int {
		return slices.IndexFunc(r.Items, func(it Item) bool { return it.Code == a.ItemCode }) -
			slices.IndexFunc(r.Items, func(it Item) bool { return it.Code == b.ItemCode })
	})
	for i := range ds {
		it, _ := r.Item(ds[i].ItemCode)
		ds[i].ItemTitle = it.Title
	}
	sc.Deductions = ds
	sc.Total, sc.Form, sc.Content, _ = tally(&r, ds)
	return &sc, nil
}
