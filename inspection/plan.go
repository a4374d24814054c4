package inspection

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

// An annual inspection plan (年度检查计划) is an agency's year of checks of enterprises:
// its matters, methods, the share drawn at random and the yearly cap on checks of one
// firm. The agency files it with the justice bureau, which accepts or returns it; an
// accepted plan is public and its cap binds the agency's checks.

// PlanMethods are the methods a plan names: code and label.
var PlanMethods = [][2]string{{"double_random", "双随机抽查"}, {"key", "重点检查"}, {"special", "专项检查"}}

// PlanStates label a plan's states.
var PlanStates = map[string]string{"draft": "草稿", "filed": "已报备", "accepted": "已通过", "returned": "已退回"}

// PlanFilingDue is the day of the year by which a plan is filed (month and day), unless
// the service is told otherwise.
const PlanFilingDue = "03-31"

// Plan is one agency's plan for a year.
type Plan struct {
	ID           uuid.UUID        `json:"id"`
	AgencyID     uuid.UUID        `json:"agency_id"`
	AgencyName   string           `json:"agency_name"`
	Year         int              `json:"year"`
	MatterIDs    []uuid.UUID      `json:"matter_ids"`
	Matters      []string         `json:"matters"`
	Methods      []string         `json:"methods"`
	RandomShare  int              `json:"random_share"` // per cent of the checks drawn at random
	YearlyCap    int              `json:"yearly_cap"`   // checks of one firm in the year
	PeriodFrom   enforcement.Date `json:"period_from"`
	PeriodTo     enforcement.Date `json:"period_to"`
	Note         string           `json:"note"`
	State        string           `json:"state"`
	FiledAt      *time.Time       `json:"filed_at"`
	FilingDue    enforcement.Date `json:"filing_due"`
	Late         bool             `json:"late"` // filed after its deadline
	ReviewedAt   *time.Time       `json:"reviewed_at"`
	ReturnReason string           `json:"return_reason"`
	CreatedAt    time.Time        `json:"created_at"`
}

// StateLabel is the plan's state as pages show it.
func (p Plan) StateLabel() string { return PlanStates[p.State] }

// MethodLabels names the plan's methods.
func (p Plan) MethodLabels() string {
	var out []string
	for _, m := range PlanMethods {
		if slices.Contains(p.Methods, m[0]) {
			out = append(out, m[1])
		}
	}
	return strings.Join(out, "、")
}

// PlanInput is what an agency writes in its plan.
type PlanInput struct {
	Year        int         `json:"year"`
	MatterIDs   []uuid.UUID `json:"matter_ids"`
	Methods     []string    `json:"methods"`
	RandomShare int         `json:"random_share"`
	YearlyCap   int         `json:"yearly_cap"`
	PeriodFrom  string      `json:"period_from"`
	PeriodTo    string      `json:"period_to"`
	Note        string      `json:"note"`
}

const planCols = `p.id, p.agency_id, ag.name, p.year, p.matter_ids,
	ARRAY(SELECT m.name FROM inspection_matters m WHERE m.id = ANY(p.matter_ids) ORDER BY m.name),
	p.methods, p.random_share, p.yearly_cap, p.period_from, p.period_to, p.note, p.state, p.filed_at, p.filing_due,
	p.filed_at IS NOT NULL AND (p.filed_at AT TIME ZONE 'Asia/Shanghai')::date > p.filing_due, p.reviewed_at, p.return_reason, p.created_at`

const planFrom = `inspection_plans p JOIN agencies ag ON ag.id = p.agency_id`

func scanPlan(row pgx.CollectableRow) (Plan, error) {
	var p Plan
	err := row.Scan(&p.ID, &p.AgencyID, &p.AgencyName, &p.Year, &p.MatterIDs, &p.Matters, &p.Methods, &p.RandomShare, &p.YearlyCap,
		&p.PeriodFrom, &p.PeriodTo, &p.Note, &p.State, &p.FiledAt, &p.FilingDue, &p.Late, &p.ReviewedAt, &p.ReturnReason, &p.CreatedAt)
	return p, err
}

// filingDue is the deadline of a year's plans.
func (s *Service) filingDue(year int) enforcement.Date {
	d, err := enforcement.ParseDate(fmt.Sprintf("%d-%s", year, s.planDue()))
	if err != nil {
		d, _ = enforcement.ParseDate(fmt.Sprintf("%d-%s", year, PlanFilingDue))
	}
	return d
}

// ValidMonthDay says whether md is a month and day, MM-DD, of some year (02-29 is).
func ValidMonthDay(md string) bool {
	_, err := enforcement.ParseDate("2000-" + md)
	return len(md) == 5 && err == nil
}

func (s *Service) planDue() string {
	if s.PlanDue != "" {
		return s.PlanDue
	}
	return PlanFilingDue
}

// SavePlan writes the agency's plan for a year, while it is a draft or was returned: the
// agency's head or an administrator of the agency.
func (s *Service) SavePlan(ctx context.Context, a enforcement.Actor, in PlanInput) (Plan, error) {
	if !a.Has(enforcement.RoleHead) && !a.Has(enforcement.RoleAdmin) {
		return Plan{}, fault.New(fault.Forbidden, "只有本单位负责人或管理员可以编制检查计划")
	}
	in.Note = strings.TrimSpace(in.Note)
	switch {
	case in.Year < 2000 || in.Year > 2100:
		return Plan{}, fault.Field("year", "请填写计划年度，如 2027")
	case len(in.MatterIDs) == 0:
		return Plan{}, fault.Field("matter_ids", "请选择至少一个检查事项")
	case len(in.Methods) == 0:
		return Plan{}, fault.Field("methods", "请选择检查方式")
	case in.RandomShare < 0 || in.RandomShare > 100:
		return Plan{}, fault.Field("random_share", "双随机抽查占比应在 0 到 100 之间")
	case in.YearlyCap < 1 || in.YearlyCap > 52:
		return Plan{}, fault.Field("yearly_cap", "同一企业年度检查次数上限应在 1 到 52 次之间")
	case utf8.RuneCountInString(in.Note) > 5000:
		return Plan{}, fault.Field("note", "说明不超过 5000 字")
	}
	for _, m := range in.Methods {
		if !slices.ContainsFunc(PlanMethods, func(x [2]string) bool { return x[0] == m }) {
			return Plan{}, fault.Field("methods", "检查方式“%s”无效", m)
		}
	}
	from, err := enforcement.ParseDate(in.PeriodFrom)
	if err != nil || from.Year != in.Year {
		return Plan{}, fault.Field("period_from", "计划起始日期应为 YYYY-MM-DD，在计划年度内")
	}
	to, err := enforcement.ParseDate(in.PeriodTo)
	if err != nil || to.Year != in.Year || to.Before(from) {
		return Plan{}, fault.Field("period_to", "计划截止日期应为 YYYY-MM-DD，在计划年度内，不早于起始日期")
	}
	var n int
	if err := s.Store.db.QueryRow(ctx, `SELECT count(DISTINCT id) FROM inspection_matters WHERE id = ANY($1) AND agency_id = $2`, in.MatterIDs, a.AgencyID).Scan(&n); err != nil {
		return Plan{}, enforcement.DBError(err, "检查事项")
	}
	if n != len(uniqueIDs(in.MatterIDs)) {
		return Plan{}, fault.Field("matter_ids", "检查事项应为本单位检查事项清单中的事项")
	}
	id := uuid.New()
	tag, err := s.Store.db.Exec(ctx, `INSERT INTO inspection_plans (id, agency_id, year, matter_ids, methods, random_share, yearly_cap,
		period_from, period_to, note, filing_due, created_by, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (agency_id, year) DO UPDATE SET matter_ids = EXCLUDED.matter_ids, methods = EXCLUDED.methods,
			random_share = EXCLUDED.random_share, yearly_cap = EXCLUDED.yearly_cap, period_from = EXCLUDED.period_from,
			period_to = EXCLUDED.period_to, note = EXCLUDED.note
		WHERE inspection_plans.state IN ('draft', 'returned')`,
		id, a.AgencyID, in.Year, in.MatterIDs, in.Methods, in.RandomShare, in.YearlyCap, from, to, in.Note, s.filingDue(in.Year), a.UserID, s.Cases.Now())
	if err != nil {
		return Plan{}, enforcement.DBError(err, "检查计划")
	}
	if tag.RowsAffected() == 0 {
		return Plan{}, fault.New(fault.Conflict, "%d 年度检查计划已报备，不能再修改", in.Year)
	}
	return s.planWhere(ctx, `p.agency_id = $1 AND p.year = $2`, a.AgencyID, in.Year)
}

func (s *Service) planWhere(ctx context.Context, cond string, args ...any) (Plan, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT `+planCols+` FROM `+planFrom+` WHERE `+cond, args...)
	p, err := pgx.CollectExactlyOneRow(rows, scanPlan)
	return p, enforcement.DBError(err, "检查计划")
}

// FindPlan returns a plan its agency or the region's supervisors may see.
func (s *Service) FindPlan(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Plan, error) {
	p, err := s.planWhere(ctx, `p.id = $1 AND (p.agency_id = $2 OR ($3 AND ag.region_code LIKE $4 || '%'))`,
		id, a.AgencyID, a.Has(enforcement.RoleSupervisor), enforcement.RegionPrefix(a.RegionCode))
	if fault.KindOf(err) == fault.NotFound {
		return p, fault.Hidden("检查计划不存在")
	}
	return p, err
}

// PlanMove files, accepts or returns a plan: the agency files it (head or administrator),
// the region's supervisors accept it or return it with a reason.
func (s *Service) PlanMove(ctx context.Context, a enforcement.Actor, id uuid.UUID, move, reason string) (Plan, error) {
	p, err := s.FindPlan(ctx, a, id)
	if err != nil {
		return p, err
	}
	reason = strings.TrimSpace(reason)
	now := s.Cases.Now()
	var q string
	args := []any{id, a.UserID, now}
	switch move {
	case "file":
		if p.AgencyID != a.AgencyID || !(a.Has(enforcement.RoleHead) || a.Has(enforcement.RoleAdmin)) {
			return p, fault.New(fault.Forbidden, "只有本单位负责人或管理员可以报备检查计划")
		}
		q = `UPDATE inspection_plans SET state = 'filed', filed_at = $3 WHERE id = $1 AND state IN ('draft', 'returned') AND $2::uuid IS NOT NULL`
	case "accept", "return":
		if !a.Has(enforcement.RoleSupervisor) {
			return p, fault.New(fault.Forbidden, "只有司法行政部门的执法监督人员可以审查检查计划")
		}
		if move == "return" && (reason == "" || utf8.RuneCountInString(reason) > 1000) {
			return p, fault.Field("reason", "请写明退回的理由，不超过 1000 字")
		}
		state := map[string]string{"accept": "accepted", "return": "returned"}[move]
		q = `UPDATE inspection_plans SET state = '` + state + `', reviewed_by = $2, reviewed_at = $3, return_reason = $4 WHERE id = $1 AND state = 'filed'`
		args = append(args, reason)
	default:
		return p, fault.New(fault.NotFound, "页面不存在")
	}
	tag, err := s.Store.db.Exec(ctx, q, args...)
	if err != nil {
		return p, enforcement.DBError(err, "检查计划")
	}
	if tag.RowsAffected() != 1 {
		return p, fault.New(fault.Conflict, "检查计划%s，不能这样处理", p.StateLabel())
	}
	return s.FindPlan(ctx, a, id)
}

// Plans lists the plans of a year the actor may see: the region's for supervisors, the
// agency's own for others; accepted ones for anyone (public).
func (s *Service) Plans(ctx context.Context, a *enforcement.Actor, year int, p enforcement.Page) (enforcement.List[Plan], error) {
	q := enforcement.Query{Select: planCols, From: planFrom, Order: "ag.name"}
	if year != 0 {
		q.And("p.year = ?", year)
	}
	switch {
	case a == nil:
		q.Where = append(q.Where, "p.state = 'accepted'")
	case a.Has(enforcement.RoleSupervisor):
		q.And("ag.region_code LIKE ? || '%'", enforcement.RegionPrefix(a.RegionCode))
	default:
		q.And("p.agency_id = ?", a.AgencyID)
	}
	return enforcement.ListPage(ctx, s.Store.db, q, p, scanPlan)
}

// ExemptSQL is capExempt's test in SQL, over the check aliased k: ordered from above,
// complaint-driven, referred, or a follow-up.
func ExemptSQL(k string) string {
	return "(" + k + ".ordered_by <> '' OR " + k + ".reason IN ('complaint', 'referral', 'followup'))"
}

// capExempt is the ground on which a check may exceed its agency's yearly cap, or "".
func capExempt(c Check) string {
	switch {
	case c.OrderedBy != "":
		return "上级交办（" + c.OrderedBy + "）"
	case c.Reason == nil:
		return ""
	case *c.Reason == "complaint":
		return "投诉举报"
	case *c.Reason == "referral":
		return "转办交办"
	case *c.Reason == "followup":
		return "对此前发现问题的复查"
	}
	return ""
}

// checkCap refuses a requested check's first code when the firm has had the agency's
// yearly cap of checks this year, unless the check is exempt, whose ground it records. A
// check counts once its code has been shown (drawn or requested: no check of a firm goes
// ahead without one); one lookup in the partial index of such checks by firm and day.
func (s *Service) checkCap(ctx context.Context, c Check) error {
	if c.Origin == "joint" && c.CodeIssuedAt == nil {
		// One visit, and each member agency's check of the firm: each within its cap.
		rows, _ := s.Store.db.Query(ctx, `SELECT `+checkCols+` FROM `+checkFrom+` WHERE c.joint_id = $1`, c.ID)
		members, err := pgx.CollectRows(rows, scanCheck)
		if err != nil {
			return enforcement.DBError(err, "检查")
		}
		for _, m := range members {
			if err := s.checkCap(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}
	if c.Origin != "request" || c.AgencyID == nil || c.CodeIssuedAt != nil {
		return nil
	}
	year := c.DrawnOn.Year
	var limit int
	err := s.Store.db.QueryRow(ctx, `SELECT yearly_cap FROM inspection_plans WHERE agency_id = $1 AND year = $2 AND state = 'accepted'`, *c.AgencyID, year).Scan(&limit)
	if err == pgx.ErrNoRows {
		return nil // no accepted plan, no cap to hold to
	}
	if err != nil {
		return enforcement.DBError(err, "检查计划")
	}
	var n int
	if err := s.Store.db.QueryRow(ctx, `SELECT count(*) FROM inspection_checks k
		WHERE k.target_code = $1 AND k.drawn_on BETWEEN make_date($2, 1, 1) AND make_date($2, 12, 31) AND k.id <> $3
		AND k.state IN ('assigned', 'done', 'merged') AND k.code_issued_at IS NOT NULL
		AND (k.agency_id = $4 OR (k.origin = 'draw' AND k.inspector_ids && ARRAY(SELECT id FROM officers WHERE agency_id = $4)))`,
		c.TargetCode, year, c.ID, *c.AgencyID).Scan(&n); err != nil {
		return enforcement.DBError(err, "检查")
	}
	if n < limit {
		return nil
	}
	ground := capExempt(c)
	if ground == "" {
		return fault.New(fault.Conflict, "%s %d 年已被本单位检查 %d 次，达到年度检查计划规定的上限 %d 次；投诉举报、转办交办、上级交办或问题复查以外的检查不能再进行",
			c.TargetName, year, n, limit)
	}
	_, err = s.Store.db.Exec(ctx, `UPDATE inspection_checks SET cap_exempt = $2 WHERE id = $1`, c.ID,
		fmt.Sprintf("%s（本年度第 %d 次，上限 %d 次）", ground, n+1, limit))
	return enforcement.DBError(err, "检查")
}
