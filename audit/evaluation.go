package audit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
	"zhifa/inspection"
)

// Evaluation is a campaign (评查活动): which files it covers, the sample drawn, the rubric,
// and what anyone needs to re-run the sample.
type Evaluation struct {
	ID            uuid.UUID        `json:"id"`
	RegionCode    string           `json:"region_code"`
	Name          string           `json:"name"`
	PeriodFrom    enforcement.Date `json:"period_from"`
	PeriodTo      enforcement.Date `json:"period_to"`
	CaseKinds     []string         `json:"case_kinds"`
	AgencyIDs     []uuid.UUID      `json:"agency_ids"`
	SampleSize    *int             `json:"sample_size"`
	SampleRatio   *float64         `json:"sample_ratio"`
	RubricID      uuid.UUID        `json:"rubric_id"`
	RubricName    string           `json:"rubric_name"`
	RubricVersion int              `json:"rubric_version"`
	Algorithm     string           `json:"algorithm"`
	PoolHash      string           `json:"pool_hash"`
	PoolSize      int              `json:"pool_size"`
	Commitment    string           `json:"commitment"`
	Secret        string           `json:"secret"`
	Witness       string           `json:"witness"`
	Seed          string           `json:"seed"`
	ResultHash    string           `json:"result_hash"`
	State         string           `json:"state"` // open or closed
	EvaluatorIDs  []uuid.UUID      `json:"evaluator_ids"`
	Files         int              `json:"files"`
	Scored        int              `json:"scored"`
	CreatedAt     time.Time        `json:"created_at"`
	ClosedAt      *time.Time       `json:"closed_at"`
	Sample        []File           `json:"sample,omitempty"`
}

// StateLabel is the campaign's state as pages show it.
func (e Evaluation) StateLabel() string {
	if e.State == "closed" {
		return "已结束"
	}
	return "评查中"
}

// File is a sampled case file, its evaluator and, once scored, its score.
type File struct {
	EvaluationID  uuid.UUID  `json:"evaluation_id"`
	Seq           int        `json:"seq"`
	CaseID        uuid.UUID  `json:"case_id"`
	CaseNumber    string     `json:"case_number"`
	CaseCause     string     `json:"case_cause"`
	CaseKind      string     `json:"case_kind"`
	AgencyID      uuid.UUID  `json:"agency_id"`
	AgencyName    string     `json:"agency_name"`
	EvaluatorID   uuid.UUID  `json:"evaluator_id"`
	EvaluatorName string     `json:"evaluator_name"`
	Total         *float64   `json:"total"`
	Rating        *Rating    `json:"rating"`
	Vetoed        bool       `json:"vetoed"`
	ScoredAt      *time.Time `json:"scored_at"`
}

// RatingLabel is the file's rating as pages show it, or 待评查.
func (f File) RatingLabel() string {
	if f.Rating == nil {
		return "待评查"
	}
	return f.Rating.Label()
}

// EvaluationInput opens a campaign. The period is a year or explicit dates; the sample
// is a number of files per agency or a ratio of each agency's files.
type EvaluationInput struct {
	Name         string      `json:"name"`
	Year         int         `json:"year"`
	PeriodFrom   string      `json:"period_from"`
	PeriodTo     string      `json:"period_to"`
	AgencyIDs    []uuid.UUID `json:"agency_ids"`
	CaseKinds    []string    `json:"case_kinds"`
	SampleSize   int         `json:"sample_size"`
	SampleRatio  float64     `json:"sample_ratio"`
	RubricID     *uuid.UUID  `json:"rubric_id"`
	EvaluatorIDs []uuid.UUID `json:"evaluator_ids"`
	Witness      string      `json:"witness"`
}

// validate checks the input alone and answers the period.
func (in *EvaluationInput) validate() (enforcement.Date, enforcement.Date, error) {
	var from, to enforcement.Date
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		return from, to, fault.Field("name", "请填写评查活动名称，不超过 100 字")
	}
	switch {
	case in.PeriodFrom != "" || in.PeriodTo != "":
		var err error
		if from, err = enforcement.ParseDate(in.PeriodFrom); err != nil {
			return from, to, fault.Field("period_from", "评查期间起始日期应为 YYYY-MM-DD")
		}
		if to, err = enforcement.ParseDate(in.PeriodTo); err != nil {
			return from, to, fault.Field("period_to", "评查期间截止日期应为 YYYY-MM-DD")
		}
		if to.Before(from) {
			return from, to, fault.Field("period_to", "评查期间截止日期不能早于起始日期")
		}
	case in.Year >= 2000 && in.Year <= 2100:
		from, to = enforcement.MustDate(in.Year, time.January, 1), enforcement.MustDate(in.Year, time.December, 31)
	default:
		return from, to, fault.Field("year", "请填写评查年度（如 2026），或评查期间 period_from 与 period_to")
	}
	if len(in.AgencyIDs) == 0 {
		return from, to, fault.Field("agency_ids", "请选择至少一个被评查单位")
	}
	slices.SortFunc(in.AgencyIDs, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	in.AgencyIDs = slices.Compact(in.AgencyIDs)
	if len(in.CaseKinds) == 0 {
		for _, k := range enforcement.CaseKinds {
			if k != "inspection" {
				in.CaseKinds = append(in.CaseKinds, string(k))
			}
		}
	}
	for _, k := range in.CaseKinds {
		if !slices.Contains(enforcement.CaseKinds, enforcement.CaseKind(k)) {
			return from, to, fault.Field("case_kinds", "案件类别“%s”无效", k)
		}
	}
	slices.Sort(in.CaseKinds)
	in.CaseKinds = slices.Compact(in.CaseKinds)
	switch {
	case in.SampleSize > 0 && in.SampleRatio > 0:
		return from, to, fault.Field("sample_size", "抽样数量和抽样比例只能填写一个")
	case in.SampleSize < 0 || in.SampleSize > 10000:
		return from, to, fault.Field("sample_size", "每个单位的抽样数量应在 1 到 10000 之间")
	case in.SampleRatio < 0 || in.SampleRatio > 1 || math.IsNaN(in.SampleRatio):
		return from, to, fault.Field("sample_ratio", "抽样比例应大于 0、不超过 1（如 0.1 表示 10%%）")
	case in.SampleSize == 0 && in.SampleRatio == 0:
		return from, to, fault.Field("sample_size", "请填写每个单位的抽样数量（sample_size）或抽样比例（sample_ratio）")
	}
	if len(in.EvaluatorIDs) == 0 {
		return from, to, fault.Field("evaluator_ids", "请选择至少一名评查人员")
	}
	slices.SortFunc(in.EvaluatorIDs, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	in.EvaluatorIDs = slices.Compact(in.EvaluatorIDs)
	if utf8.RuneCountInString(in.Witness) > 200 {
		return from, to, fault.Field("witness", "现场见证输入不超过 200 字")
	}
	return from, to, nil
}

// take is how many files the sample takes from a stratum of n.
func (in *EvaluationInput) take(n int) int {
	if in.SampleRatio > 0 {
		return int(math.Ceil(float64(n)*in.SampleRatio - 1e-9))
	}
	return min(n, in.SampleSize)
}

// poolCases is the SQL condition on cases c for a campaign: the agencies' concluded files
// of the kinds, concluded (decided, or withdrawn or transferred) within the period.
const poolCases = `c.agency_id = ANY($1) AND c.kind = ANY($2)
	AND (c.decided_at IS NOT NULL OR c.state IN ('withdrawn', 'transferred'))
	AND (coalesce(c.decided_at, c.closed_at) AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $3 AND $4`

// CreateEvaluation opens a campaign: it freezes the pool of files, draws the sample with
// the lottery and assigns evaluators, all in one transaction.
func (s *Service) CreateEvaluation(ctx context.Context, a enforcement.Actor, in EvaluationInput) (Evaluation, error) {
	return s.createEvaluation(ctx, a, in, nil)
}

// createEvaluation opens a campaign and, when then is given, does more in its
// transaction: a matter's sample is linked and recorded with the campaign or not at all.
func (s *Service) createEvaluation(ctx context.Context, a enforcement.Actor, in EvaluationInput, then func(pgx.Tx, *Evaluation) error) (Evaluation, error) {
	if err := a.Require(enforcement.RoleSupervisor, enforcement.RoleAdmin); err != nil {
		return Evaluation{}, err
	}
	from, to, err := in.validate()
	if err != nil {
		return Evaluation{}, err
	}
	var r Rubric
	if in.RubricID != nil {
		r, err = s.Rubric(ctx, *in.RubricID)
	} else {
		r, err = s.LatestRubric(ctx, "")
	}
	if fault.KindOf(err) == fault.NotFound {
		return Evaluation{}, fault.Field("rubric_id", "评查标准不存在")
	}
	if err != nil {
		return Evaluation{}, err
	}
	names := map[uuid.UUID]string{}
	for _, id := range in.AgencyIDs {
		ag, err := s.Cases.FindAgency(ctx, a, id)
		if err != nil {
			return Evaluation{}, fault.Field("agency_ids", "被评查单位 %s 不存在或不在本地区", id)
		}
		names[id] = ag.Name
	}
	p := &Pool{EvaluationID: uuid.New()}
	if p.Evaluators, err = s.evaluators(ctx, a, in.EvaluatorIDs); err != nil {
		return Evaluation{}, err
	}

	type pooled struct {
		ID     uuid.UUID
		Number string
		Agency uuid.UUID
	}
	rows, _ := s.db.Query(ctx, `SELECT c.id, c.number, c.agency_id FROM cases c WHERE `+poolCases, in.AgencyIDs, in.CaseKinds, from, to)
	files, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pooled])
	if err != nil {
		return Evaluation{}, enforcement.DBError(err, "案件")
	}
	caseOf := make(map[string]uuid.UUID, len(files))
	byAgency := map[uuid.UUID][]string{}
	for _, f := range files {
		caseOf[f.Number] = f.ID
		byAgency[f.Agency] = append(byAgency[f.Agency], f.Number)
	}
	for _, id := range in.AgencyIDs {
		p.Strata = append(p.Strata, Stratum{AgencyID: id, Numbers: byAgency[id]})
	}
	rows, _ = s.db.Query(ctx, `SELECT u.id, c.number FROM users u JOIN case_handlers h ON h.officer_id = u.officer_id
		JOIN cases c ON c.id = h.case_id WHERE u.id = ANY($5) AND `+poolCases, in.AgencyIDs, in.CaseKinds, from, to, in.EvaluatorIDs)
	if p.Handled, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Handled]); err != nil {
		return Evaluation{}, enforcement.DBError(err, "承办人员")
	}
	p.sort()
	total := 0
	for i := range p.Strata {
		st := &p.Strata[i]
		st.Take = in.take(st.Size)
		total += st.Take
		if st.Take > 0 && !slices.ContainsFunc(p.Evaluators, func(e Evaluator) bool { return e.AgencyID != st.AgencyID }) {
			return Evaluation{}, fault.Field("evaluator_ids", "评查人员都来自%s，不能评查本单位的案卷，请增加其他单位的评查人员", names[st.AgencyID])
		}
	}
	if total == 0 {
		return Evaluation{}, fault.Field("agency_ids", "所选单位在 %s 至 %s 没有办结的%s案件，无卷可评", from, to, KindLabels(in.CaseKinds))
	}

	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return Evaluation{}, err
	}
	p.Commitment = inspection.Commit(secret)
	seed := inspection.Seed(secret, in.Witness)
	picks, err := Sample(seed, p)
	if errors.Is(err, ErrNoEvaluator) {
		number := strings.TrimPrefix(err.Error(), ErrNoEvaluator.Error()+": ")
		return Evaluation{}, fault.Field("evaluator_ids", "抽中的案卷 %s 没有可分配的评查人员（评查人员不能评查本单位或本人承办的案卷），请增加评查人员", number)
	}
	if err != nil {
		return Evaluation{}, err
	}
	listing, poolHash := p.Listing()
	e := Evaluation{ID: p.EvaluationID, RegionCode: a.RegionCode, Name: in.Name, PeriodFrom: from, PeriodTo: to,
		CaseKinds: in.CaseKinds, AgencyIDs: in.AgencyIDs, RubricID: r.ID, RubricName: r.Name, RubricVersion: r.Version,
		Algorithm: SampleAlgorithm, PoolHash: poolHash, PoolSize: p.Size(), Commitment: p.Commitment,
		Secret: hex.EncodeToString(secret), Witness: in.Witness, Seed: hex.EncodeToString(seed),
		ResultHash: ResultHash(p, picks), State: "open", EvaluatorIDs: in.EvaluatorIDs, Files: len(picks), CreatedAt: s.Cases.Now()}
	if in.SampleSize > 0 {
		e.SampleSize = &in.SampleSize
	} else {
		e.SampleRatio = &in.SampleRatio
	}
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO evaluations (id, region_code, name, period_from, period_to, case_kinds, agency_ids,
			sample_size, sample_ratio, rubric_id, algorithm, pool_listing, pool_hash, pool_size, secret, commitment, witness, seed,
			result_hash, state, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 'open', $20, $21)`,
			e.ID, e.RegionCode, e.Name, from, to, e.CaseKinds, e.AgencyIDs, e.SampleSize, e.SampleRatio, r.ID, e.Algorithm,
			listing, e.PoolHash, e.PoolSize, secret, e.Commitment, e.Witness, e.Seed, e.ResultHash, a.UserID, e.CreatedAt); err != nil {
			return err
		}
		evs := make([][]any, len(in.EvaluatorIDs))
		for i, id := range in.EvaluatorIDs {
			evs[i] = []any{e.ID, id}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"evaluation_evaluators"}, []string{"evaluation_id", "user_id"}, pgx.CopyFromRows(evs)); err != nil {
			return err
		}
		fs := make([][]any, len(picks))
		for i, pk := range picks {
			fs[i] = []any{e.ID, i + 1, caseOf[pk.Number], pk.AgencyID, p.Evaluators[pk.Evaluator].UserID}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"evaluation_files"}, []string{"evaluation_id", "seq", "case_id", "agency_id", "evaluator_id"}, pgx.CopyFromRows(fs)); err != nil {
			return err
		}
		if then != nil {
			return then(tx, &e)
		}
		return nil
	})
	if err != nil {
		return Evaluation{}, enforcement.DBError(err, "评查活动")
	}
	e.Sample, err = s.files(ctx, FileFilter{EvaluationID: e.ID, Page: enforcement.Page{Number: 1, Size: 10000}})
	return e, err
}

// evaluators loads the chosen evaluators: enabled users of the region who review or
// supervise.
func (s *Service) evaluators(ctx context.Context, a enforcement.Actor, ids []uuid.UUID) ([]Evaluator, error) {
	type user struct {
		ID       uuid.UUID
		Agency   uuid.UUID
		Name     string
		Region   string
		Roles    []string
		Disabled *time.Time
	}
	rows, _ := s.db.Query(ctx, `SELECT u.id, u.agency_id, u.name, ag.region_code, u.roles, u.disabled_at
		FROM users u JOIN agencies ag ON ag.id = u.agency_id WHERE u.id = ANY($1)`, ids)
	us, err := pgx.CollectRows(rows, pgx.RowToStructByPos[user])
	if err != nil {
		return nil, enforcement.DBError(err, "用户")
	}
	found := map[uuid.UUID]user{}
	for _, u := range us {
		found[u.ID] = u
	}
	out := make([]Evaluator, 0, len(ids))
	for _, id := range ids {
		u, ok := found[id]
		switch {
		case !ok || !strings.HasPrefix(u.Region, enforcement.RegionPrefix(a.RegionCode)):
			return nil, fault.Field("evaluator_ids", "评查人员 %s 不存在或不在本地区", id)
		case u.Disabled != nil:
			return nil, fault.Field("evaluator_ids", "评查人员 %s 的账号已停用", u.Name)
		case !slices.Contains(u.Roles, string(enforcement.RoleReviewer)) && !slices.Contains(u.Roles, string(enforcement.RoleSupervisor)):
			return nil, fault.Field("evaluator_ids", "%s 不是法制审核或执法监督人员，不能担任评查人员", u.Name)
		}
		out = append(out, Evaluator{UserID: id, AgencyID: u.Agency})
	}
	return out, nil
}

// KindLabels names case kinds as people read them, joined with 、.
func KindLabels(kinds []string) string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = enforcement.CaseKind(k).Label()
	}
	return strings.Join(out, "、")
}

const evaluationCols = `e.id, e.region_code, e.name, e.period_from, e.period_to, e.case_kinds, e.agency_ids, e.sample_size,
	e.sample_ratio::float8, e.rubric_id, r.name, r.version, e.algorithm, e.pool_hash, e.pool_size, e.commitment, e.secret, e.witness,
	e.seed, e.result_hash, e.state, ARRAY(SELECT user_id FROM evaluation_evaluators v WHERE v.evaluation_id = e.id ORDER BY user_id::text),
	(SELECT count(*) FROM evaluation_files f WHERE f.evaluation_id = e.id),
	(SELECT count(*) FROM evaluation_files f WHERE f.evaluation_id = e.id AND f.scored_at IS NOT NULL), e.created_at, e.closed_at`

const evaluationFrom = `evaluations e JOIN rubrics r ON r.id = e.rubric_id`

func scanEvaluation(row pgx.CollectableRow) (Evaluation, error) {
	var e Evaluation
	var secret []byte
	err := row.Scan(&e.ID, &e.RegionCode, &e.Name, &e.PeriodFrom, &e.PeriodTo, &e.CaseKinds, &e.AgencyIDs, &e.SampleSize,
		&e.SampleRatio, &e.RubricID, &e.RubricName, &e.RubricVersion, &e.Algorithm, &e.PoolHash, &e.PoolSize, &e.Commitment,
		&secret, &e.Witness, &e.Seed, &e.ResultHash, &e.State, &e.EvaluatorIDs, &e.Files, &e.Scored, &e.CreatedAt, &e.ClosedAt)
	e.Secret = hex.EncodeToString(secret) // revealed with the sample, drawn when the campaign opened
	return e, err
}

// FindEvaluation returns a campaign of the actor's region. Evaluators assigned to it may
// read it wherever they are.
func (s *Service) FindEvaluation(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Evaluation, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+evaluationCols+` FROM `+evaluationFrom+` WHERE e.id = $1
		AND (e.region_code LIKE $2 || '%' OR EXISTS (SELECT 1 FROM evaluation_evaluators v WHERE v.evaluation_id = e.id AND v.user_id = $3))`,
		id, enforcement.RegionPrefix(a.RegionCode), a.UserID)
	e, err := pgx.CollectExactlyOneRow(rows, scanEvaluation)
	return e, enforcement.DBError(err, "评查活动")
}

// PublicEvaluation returns a campaign for anyone: its rules, pool hash and sample are
// public so that the choice of files can be checked.
func (s *Service) PublicEvaluation(ctx context.Context, id uuid.UUID) (Evaluation, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+evaluationCols+` FROM `+evaluationFrom+` WHERE e.id = $1`, id)
	e, err := pgx.CollectExactlyOneRow(rows, scanEvaluation)
	return e, enforcement.DBError(err, "评查活动")
}

// Evaluations lists the campaigns the actor may see: supervisors and admins their
// region's, evaluators those they are assigned to.
func (s *Service) Evaluations(ctx context.Context, a enforcement.Actor, p enforcement.Page) (enforcement.List[Evaluation], error) {
	q := enforcement.Query{Select: evaluationCols, From: evaluationFrom, Order: "e.created_at DESC"}
	if a.Has(enforcement.RoleSupervisor) || a.Has(enforcement.RoleAdmin) {
		q.And("e.region_code LIKE ? || '%'", enforcement.RegionPrefix(a.RegionCode))
	} else {
		q.And("EXISTS (SELECT 1 FROM evaluation_evaluators v WHERE v.evaluation_id = e.id AND v.user_id = ?)", a.UserID)
	}
	return enforcement.ListPage(ctx, s.db, q, p, scanEvaluation)
}

// FileFilter narrows a campaign's files.
type FileFilter struct {
	EvaluationID uuid.UUID
	EvaluatorID  *uuid.UUID
	AgencyID     *uuid.UUID
	Scored       *bool
	Page         enforcement.Page
}

const fileCols = `f.evaluation_id, f.seq, f.case_id, c.number, c.cause, c.kind, f.agency_id, ag.name, f.evaluator_id, u.name,
	f.total::float8, f.rating, f.vetoed, f.scored_at`

const fileFrom = `evaluation_files f JOIN cases c ON c.id = f.case_id JOIN agencies ag ON ag.id = f.agency_id JOIN users u ON u.id = f.evaluator_id`

func scanFile(row pgx.CollectableRow) (File, error) {
	var f File
	err := row.Scan(&f.EvaluationID, &f.Seq, &f.CaseID, &f.CaseNumber, &f.CaseCause, &f.CaseKind, &f.AgencyID, &f.AgencyName,
		&f.EvaluatorID, &f.EvaluatorName, &f.Total, &f.Rating, &f.Vetoed, &f.ScoredAt)
	return f, err
}

func (s *Service) files(ctx context.Context, f FileFilter) ([]File, error) {
	l, err := s.fileList(ctx, f)
	return l.Items, err
}

func (s *Service) fileList(ctx context.Context, f FileFilter) (enforcement.List[File], error) {
	q := enforcement.Query{Select: fileCols, From: fileFrom, Order: "f.seq"}
	q.And("f.evaluation_id = ?", f.EvaluationID)
	if f.EvaluatorID != nil {
		q.And("f.evaluator_id = ?", *f.EvaluatorID)
	}
	if f.AgencyID != nil {
		q.And("f.agency_id = ?", *f.AgencyID)
	}
	if f.Scored != nil {
		q.And("(f.scored_at IS NOT NULL) = ?", *f.Scored)
	}
	return enforcement.ListPage(ctx, s.db, q, f.Page, scanFile)
}

// Files lists a campaign's files for someone who may see the campaign.
func (s *Service) Files(ctx context.Context, a enforcement.Actor, f FileFilter) (enforcement.List[File], error) {
	if _, err := s.FindEvaluation(ctx, a, f.EvaluationID); err != nil {
		return enforcement.List[File]{}, err
	}
	return s.fileList(ctx, f)
}

// CloseEvaluation ends a campaign once every file is scored; scores are then final.
func (s *Service) CloseEvaluation(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Evaluation, error) {
	if err := a.Require(enforcement.RoleSupervisor, enforcement.RoleAdmin); err != nil {
		return Evaluation{}, err
	}
	e, err := s.FindEvaluation(ctx, a, id)
	if err != nil {
		return e, err
	}
	if !strings.HasPrefix(e.RegionCode, enforcement.RegionPrefix(a.RegionCode)) {
		return e, fault.New(fault.Forbidden, "只有本地区的执法监督人员可以结束评查活动")
	}
	if e.State == "closed" {
		return e, fault.New(fault.Conflict, "评查活动已经结束")
	}
	if e.Scored < e.Files {
		return e, fault.New(fault.Conflict, "还有 %d 份案卷未评查，不能结束评查活动", e.Files-e.Scored)
	}
	if _, err := s.db.Exec(ctx, `UPDATE evaluations SET state = 'closed', closed_at = $2 WHERE id = $1 AND state = 'open'`, id, s.Cases.Now()); err != nil {
		return e, enforcement.DBError(err, "评查活动")
	}
	return s.FindEvaluation(ctx, a, id)
}

// SampleCheck is the re-run of a campaign's sample from its published listing.
type SampleCheck struct {
	OK         bool     `json:"ok"`
	Algorithm  string   `json:"algorithm"`
	PoolHash   string   `json:"pool_hash"`
	ResultHash string   `json:"result_hash"`
	Checks     []string `json:"checks"`
	Problems   []string `json:"problems"`
}

// VerifySample re-runs a campaign's sample from the stored listing, secret and witness
// and compares it with the files recorded.
func (s *Service) VerifySample(ctx context.Context, id uuid.UUID) (SampleCheck, error) {
	e, err := s.PublicEvaluation(ctx, id)
	if err != nil {
		return SampleCheck{}, err
	}
	var listing string
	if err := s.db.QueryRow(ctx, `SELECT pool_listing FROM evaluations WHERE id = $1`, id).Scan(&listing); err != nil {
		return SampleCheck{}, enforcement.DBError(err, "评查活动")
	}
	rows, _ := s.db.Query(ctx, `SELECT f.seq, c.number, f.evaluator_id FROM evaluation_files f JOIN cases c ON c.id = f.case_id
		WHERE f.evaluation_id = $1 ORDER BY f.seq`, id)
	var stored strings.Builder
	var seq int
	var number string
	var ev uuid.UUID
	if _, err := pgx.ForEachRow(rows, []any{&seq, &number, &ev}, func() error {
		fmt.Fprintf(&stored, "%d %s %s\n", seq, number, ev)
		return nil
	}); err != nil {
		return SampleCheck{}, enforcement.DBError(err, "评查案卷")
	}
	return CheckSample(&e, listing, stored.String()), nil
}

// CheckSample compares a campaign's published values with a re-run over its listing;
// stored is the result listing of the files recorded.
func CheckSample(e *Evaluation, listing, stored string) SampleCheck {
	v := SampleCheck{Algorithm: SampleAlgorithm, Checks: []string{}, Problems: []string{}}
	check := func(ok bool, good, bad string) {
		if ok {
			v.Checks = append(v.Checks, good)
		} else {
			v.Problems = append(v.Problems, bad)
		}
	}
	p, err := ParseListing(listing)
	if err != nil {
		v.Problems = append(v.Problems, "案卷清单格式不正确："+err.Error())
		return v
	}
	_, hash := p.Listing()
	v.PoolHash = hash
	check(hash == e.PoolHash, "案卷清单的哈希与公布的一致", "案卷清单的哈希 "+hash+" 与公布的 "+e.PoolHash+" 不一致")
	secret, err := hex.DecodeString(e.Secret)
	check(err == nil && inspection.Commit(secret) == e.Commitment && p.Commitment == e.Commitment,
		"公布的密钥与事先承诺的哈希一致", "密钥与承诺值不一致")
	seed := inspection.Seed(secret, e.Witness)
	check(hex.EncodeToString(seed) == e.Seed, "由密钥和见证输入算出的种子与公布的一致", "种子与公布的不一致")
	picks, err := Sample(seed, p)
	if err != nil {
		v.Problems = append(v.Problems, "按清单重新抽取失败："+err.Error())
		return v
	}
	var b strings.Builder
	_ = WriteResult(&b, p, picks)
	v.ResultHash = ResultHash(p, picks)
	check(v.ResultHash == e.ResultHash, "重新抽取的结果哈希与公布的一致", "重新抽取的结果哈希 "+v.ResultHash+" 与公布的 "+e.ResultHash+" 不一致")
	check(b.String() == stored, "重新抽取的案卷和评查人员与登记的逐条一致", "登记的抽中案卷或评查人员与重新抽取的结果不一致")
	v.OK = len(v.Problems) == 0
	return v
}

// Candidate is a user who may be chosen as an evaluator.
type Candidate struct {
	ID         uuid.UUID `json:"id"`
	Name       string    `json:"name"`
	AgencyName string    `json:"agency_name"`
	Supervisor bool      `json:"supervisor"`
}

// Candidates lists the region's enabled reviewers and supervisors whose name or agency
// holds q (all when q is empty), the justice bureau's first, for the new-campaign form.
func (s *Service) Candidates(ctx context.Context, a enforcement.Actor, q string) ([]Candidate, error) {
	rows, _ := s.db.Query(ctx, `SELECT u.id, u.name, ag.name, 'supervisor' = ANY(u.roles) FROM users u JOIN agencies ag ON ag.id = u.agency_id
		WHERE u.disabled_at IS NULL AND (u.roles && ARRAY['reviewer', 'supervisor']) AND ag.region_code LIKE $1 || '%'
			AND ($2 = '' OR u.name ILIKE '%' || $2 || '%' OR ag.name ILIKE '%' || $2 || '%')
		ORDER BY ag.kind <> 'justice', ag.name, u.name`, enforcement.RegionPrefix(a.RegionCode), strings.TrimSpace(q))
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Candidate])
	return cs, enforcement.DBError(err, "评查人员")
}
