package audit

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

// Alerts (预警) are conditions in the records that a supervisor should look at: each rule
// is a query over the records that names the rows in the condition now. Computing them
// raises an alert for a row that entered the condition and closes the alert of a row that
// left it, so an alert lives exactly as long as its condition.

// AlertRule is one condition, explained.
type AlertRule struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Why   string `json:"why"` // the rule, in words a supervisor can check
}

// AlertRules lists every rule in the order pages show them.
var AlertRules = []AlertRule{
	{"decision_overdue", "立案满 90 日未作出决定", "案件立案满 90 日（按工作日历顺延）仍未作出行政执法决定，行政检查除外。"},
	{"service_overdue", "决定作出后逾期未送达", "决定作出后 7 个工作日内未登记送达。"},
	{"seizure_overdue", "查封、扣押超过期限", "查封、扣押自采取之日起超过 30 日未作出决定且未延长期限，或延长后超过 60 日（行政强制法第二十五条）。"},
	{"preservation_overdue", "先行登记保存逾期未处理", "证据先行登记保存后 7 日内未作出处理决定（行政处罚法第五十六条）。"},
	{"disclosure_overdue", "执法决定逾期未公示", "应公示的执法信息超过公示期限（工作日）仍未公示。"},
	{"review_overdue", "法制审核超期", "提请法制审核的重大执法决定超过审核期限仍未审结。"},
	{"cert_expiring", "执法证 30 日内到期", "在岗执法人员的执法证将在 30 日内到期。"},
	{"cert_invalid_acting", "执法证失效人员仍在办案", "承办未结案件的执法人员执法证已过期、暂扣或注销。"},
	{"check_cap", "检查对象年度受检超过上限", "同一检查对象本年度被抽查的次数超过所在抽查任务规定的年度上限。"},
	{"check_frequent", "企业 30 日内被多个部门反复检查", "近 30 日（含今天）同一企业被入企检查 3 次以上且涉及 2 个以上部门：以检查码首次出示为一次入企，联合检查（综合查一次）计一次。"},
	{"fine_outlier", "罚款金额明显偏高", "近 90 日作出的罚款，高于本单位近 12 个月罚款的中位数加 3 倍绝对中位差（MAD），或高于本市（地市）同一案由各单位近 12 个月罚款的中位数加 3 倍绝对中位差。MAD 不足 1 元按 1 元计；本单位罚款少于 10 件时不与本单位比较，同一案由罚款少于 10 件或来自不足 3 个单位时不与同行比较；比较基准每日零时后计算一次。"},
	{"party_outside", "当事人来自辖区外", "近 90 日立案的案件中，当事人的身份证号码或统一社会信用代码所示地区（地市一级）不在本单位辖区，可能涉及违规异地执法或趋利性执法。"},
}

// AlertRuleByCode finds a rule.
func AlertRuleByCode(code string) (AlertRule, bool) {
	i := slices.IndexFunc(AlertRules, func(r AlertRule) bool { return r.Code == code })
	if i < 0 {
		return AlertRule{}, false
	}
	return AlertRules[i], true
}

// Alert is one raised alert.
type Alert struct {
	ID         uuid.UUID  `json:"id"`
	RegionCode string     `json:"region_code"`
	Rule       string     `json:"rule"`
	RuleLabel  string     `json:"rule_label"`
	RefID      string     `json:"ref_id"`
	AgencyID   *uuid.UUID `json:"agency_id"`
	AgencyName string     `json:"agency_name"`
	Title      string     `json:"title"`
	Detail     string     `json:"detail"`
	Link       string     `json:"link"`
	RaisedAt   time.Time  `json:"raised_at"`
	ClosedAt   *time.Time `json:"closed_at"`
	ClueID     *uuid.UUID `json:"clue_id"`
	ClueNumber string     `json:"clue_number,omitempty"`
}

// alertQuery is what each rule runs: a query whose rows are in the rule's condition now,
// with the columns ref, agency, region, title, detail, link and due_on. It runs inside
// PostgreSQL, and so does the comparison with the open alerts: a computation moves no
// rows to zhifa, however many a rule finds. in restricts the query to the rows a
// computation looks at again (see alertDef.on); it is empty when the rule runs in full.
type alertQuery func(ctx context.Context, tx pgx.Tx, cal *enforcement.Calendar, now time.Time, in scope) (string, []any, error)

// scope restricts a rule's query to the rows in the temporary table alert_scope, by the
// column that holds the row's ID; the empty scope restricts nothing.
type scope bool

func (in scope) on(col string) string {
	if !in {
		return ""
	}
	return " AND " + col + " IN (SELECT id FROM alert_scope)"
}

// alertDef is how a rule is computed. Most rules are cheap at any size and run in full.
// The three whose rows can number hundreds of thousands are computed incrementally: on
// names the table whose changes (kept by triggers in supervision_alert_changes) can
// move a row in or out of the condition; crossed adds the rows whose deadline passed
// since the last computation's day. A rule that compares with the fines' yardsticks
// runs in full once after they are measured again (daily), over what changed otherwise.
type alertDef struct {
	query     alertQuery
	on        string
	crossed   func(ctx context.Context, tx pgx.Tx, cal *enforcement.Calendar, since, today enforcement.Date) (string, []any, error)
	yardstick bool
}

var alertDefs = map[string]alertDef{
	"decision_overdue":     {query: decisionOverdue, on: "case", crossed: crossedOn("filed_at", decisionDue)},
	"service_overdue":      {query: serviceOverdue, on: "case", crossed: crossedOn("decided_at", serviceDue)},
	"seizure_overdue":      {query: seizureOverdue},
	"preservation_overdue": {query: preservationOverdue},
	"disclosure_overdue":   {query: disclosureOverdue, on: "disclosure", crossed: disclosureCrossed},
	"review_overdue":       {query: reviewOverdue},
	"cert_expiring":        {query: certExpiring},
	"cert_invalid_acting":  {query: certInvalidActing},
	"check_cap":            {query: checkCap},
	"check_frequent":       {query: checkFrequent},
	"fine_outlier":         {query: fineOutlier, on: "case", crossed: finesLeaving, yardstick: true},
	"party_outside":        {query: partyOutside},
}

const caseAlertCols = `c.id::text AS ref, c.agency_id AS agency, ag.region_code AS region, c.number AS title`

// deadlines maps each day from first to last to the deadline the calendar gives it, as two
// arrays for SQL to join: a few hundred days, however many rows.
func deadlines(first, last enforcement.Date, due func(enforcement.Date) enforcement.Date) (days, dues []enforcement.Date) {
	for d := first; !d.After(last); d = d.AddDays(1) {
		days, dues = append(days, d), append(dues, due(d))
	}
	return days, dues
}

// firstDay is the earliest day a query finds, or false when it finds none.
func firstDay(ctx context.Context, tx pgx.Tx, q string, args ...any) (enforcement.Date, bool, error) {
	var d *enforcement.Date
	if err := tx.QueryRow(ctx, q, args...).Scan(&d); err != nil || d == nil {
		return enforcement.Date{}, false, err
	}
	return *d, true, nil
}

const openBeforeDecision = `c.state IN ('filed', 'investigating', 'notified', 'hearing', 'review') AND c.decided_at IS NULL`

const noAlerts = `SELECT NULL::text AS ref, NULL::uuid, '', '', '', '', NULL::date WHERE false`

func decisionDue(cal *enforcement.Calendar) func(enforcement.Date) enforcement.Date {
	return func(d enforcement.Date) enforcement.Date { return cal.AddCalendarDays(d, 90) }
}

func serviceDue(cal *enforcement.Calendar) func(enforcement.Date) enforcement.Date {
	return func(d enforcement.Date) enforcement.Date { return cal.AddWorkingDays(d, 7) }
}

// decisionOverdue: 90 days from filing, moved to the next working day as the case's clocks
// move it. The detail names the deadline, not the days past it, so that it stays true
// from one day to the next; pages count the days from due_on.
func decisionOverdue(ctx context.Context, tx pgx.Tx, cal *enforcement.Calendar, now time.Time, in scope) (string, []any, error) {
	today := enforcement.DateOf(now)
	first, ok, err := firstDay(ctx, tx, `SELECT min((filed_at AT TIME ZONE 'Asia/Shanghai')::date) FROM cases c WHERE `+openBeforeDecision+in.on("c.id"))
	if err != nil || !ok {
		return noAlerts, nil, err
	}
	days, dues := deadlines(first, today, decisionDue(cal))
	return `SELECT ` + caseAlertCols + `, dd.day || ' 立案，应于 ' || dd.due || ' 前作出决定' AS detail,
			'/cases/' || c.id AS link, dd.due AS due_on
		FROM cases c JOIN agencies ag ON ag.id = c.agency_id
		JOIN unnest($1::date[], $2::date[]) dd(day, due) ON dd.day = (c.filed_at AT TIME ZONE 'Asia/Shanghai')::date
		WHERE ` + openBeforeDecision + ` AND c.kind <> 'inspection' AND dd.due < $3::date` + in.on("c.id"), []any{days, dues, today}, nil
}

// passedBetween is the days whose deadline falls in [since, today): the rows of those days
// entered the condition after the last computation. Deadlines never fall as the day
// grows, so the days are consecutive.
func passedBetween(since, today enforcement.Date, due func(enforcement.Date) enforcement.Date) (from, to time.Time, ok bool) {
	for d := since.AddDays(-400); d.Before(today); d = d.AddDays(1) {
		if x := due(d); !x.Before(since) && x.Before(today) {
			if !ok {
				from, ok = d.StartIn(), true
			}
			to = d.AddDays(1).StartIn()
		}
	}
	return from, to, ok
}

// crossedOn adds the cases whose column's day has a deadline that passed since the last
// computation's day.
func crossedOn(column string, due func(*enforcement.Calendar) func(enforcement.Date) enforcement.Date) func(context.Context, pgx.Tx, *enforcement.Calendar, enforcement.Date, enforcement.Date) (string, []any, error) {
	return func(_ context.Context, _ pgx.Tx, cal *enforcement.Calendar, since, today enforcement.Date) (string, []any, error) {
		from, to, ok := passedBetween(since, today, due(cal))
		if !ok {
			return "", nil, nil
		}
		return `SELECT id FROM cases WHERE ` + column + ` >= $1 AND ` + column + ` < $2`, []any{from, to}, nil
	}
}

// finesLeaving adds the fines that left the last 90 days since the last computation's day.
func finesLeaving(_ context.Context, _ pgx.Tx, _ *enforcement.Calendar, since, today enforcement.Date) (string, []any, error) {
	return `SELECT id FROM cases WHERE decided_at >= $1 AND decided_at < $2`, []any{since.AddDays(-90).StartIn(), today.AddDays(-90).StartIn()}, nil
}

func serviceOverdue(ctx context.Context, tx pgx.Tx, cal *enforcement.Calendar, now time.Time, in scope) (string, []any, error) {
	today := enforcement.DateOf(now)
	first, ok, err := firstDay(ctx, tx, `SELECT min((decided_at AT TIME ZONE 'Asia/Shanghai')::date) FROM cases c WHERE state = 'decided' AND served_at IS NULL`+decisionNotServed+in.on("c.id"))
	if err != nil || !ok {
		return noAlerts, nil, err
	}
	days, dues := deadlines(first, today, serviceDue(cal))
	return `SELECT ` + caseAlertCols + `, dd.day || ' 作出决定，应于 ' || dd.due || ' 前送达，尚未登记送达' AS detail, '/cases/' || c.id AS link,
			dd.due AS due_on
		FROM cases c JOIN agencies ag ON ag.id = c.agency_id
		JOIN unnest($1::date[], $2::date[]) dd(day, due) ON dd.day = (c.decided_at AT TIME ZONE 'Asia/Shanghai')::date
		WHERE c.state = 'decided' AND c.served_at IS NULL AND dd.due < $3::date` + decisionNotServed + in.on("c.id"), []any{days, dues, today}, nil
}

// decisionNotServed: no service of the case's 决定书 is recorded yet (a document service,
// before the case is moved to 已送达), which would have stopped the 7-day clock.
var decisionNotServed = ` AND NOT EXISTS (SELECT 1 ` + evidence.DecisionServices("c.id") + ` AND ` + evidence.DecisionServed + `)`

func seizureOverdue(ctx context.Context, tx pgx.Tx, _ *enforcement.Calendar, now time.Time, _ scope) (string, []any, error) {
	return `SELECT ` + caseAlertCols + `,
			'查封、扣押自 ' || to_char(m.taken_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') || ' 起已 ' ||
			(($1::date - (m.taken_at AT TIME ZONE 'Asia/Shanghai')::date)) || ' 日' ||
			CASE WHEN x.case_id IS NULL THEN '，未延长期限（上限 30 日）' ELSE '，已延长期限（上限 60 日）' END || '，尚未作出决定' AS detail,
			'/cases/' || c.id AS link, NULL::date AS due_on
		FROM case_measures m JOIN cases c ON c.id = m.case_id JOIN agencies ag ON ag.id = c.agency_id
		LEFT JOIN case_measures x ON x.case_id = m.case_id AND x.code = 'seizure_extension'
		WHERE m.code = 'seizure' AND c.decided_at IS NULL AND c.state NOT IN ('closed', 'archived', 'withdrawn', 'transferred')
		AND (m.taken_at AT TIME ZONE 'Asia/Shanghai')::date < $1::date - CASE WHEN x.case_id IS NULL THEN 30 ELSE 60 END`, []any{enforcement.DateOf(now)}, nil
}

func preservationOverdue(ctx context.Context, tx pgx.Tx, _ *enforcement.Calendar, now time.Time, _ scope) (string, []any, error) {
	return `SELECT ` + caseAlertCols + `,
			'先行登记保存自 ' || to_char(m.taken_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') || ' 起已 ' ||
			(($1::date - (m.taken_at AT TIME ZONE 'Asia/Shanghai')::date)) || ' 日，尚未作出处理决定' AS detail, '/cases/' || c.id AS link,
			NULL::date AS due_on
		FROM case_measures m JOIN cases c ON c.id = m.case_id JOIN agencies ag ON ag.id = c.agency_id
		WHERE m.code = 'preservation' AND c.decided_at IS NULL AND c.state NOT IN ('closed', 'archived', 'withdrawn', 'transferred')
		AND NOT EXISTS (SELECT 1 FROM case_measures x WHERE x.case_id = m.case_id AND x.code = 'preservation_decision')
		AND (m.taken_at AT TIME ZONE 'Asia/Shanghai')::date < $1::date - 7`, []any{enforcement.DateOf(now)}, nil
}

// disclosureDeadlines is the working-day deadline of every (start day, working days)
// pair among the items still due, as the report counts them.
func disclosureDeadlines(ctx context.Context, tx pgx.Tx, cal *enforcement.Calendar, in scope) (starts []enforcement.Date, days []int32, dues []enforcement.Date, err error) {
	rows, _ := tx.Query(ctx, `SELECT DISTINCT start_on, due_days FROM disclosures WHERE state = 'due' AND withdraw_from IS NULL`+in.on("id"))
	var start enforcement.Date
	var n int32
	_, err = pgx.ForEachRow(rows, []any{&start, &n}, func() error {
		starts, days, dues = append(starts, start), append(days, n), append(dues, cal.AddWorkingDays(start, int(n)))
		return nil
	})
	return starts, days, dues, err
}

func disclosureOverdue(ctx context.Context, tx pgx.Tx, cal *enforcement.Calendar, now time.Time, in scope) (string, []any, error) {
	starts, days, dues, err := disclosureDeadlines(ctx, tx, cal, in)
	if err != nil {
		return "", nil, err
	}
	return `SELECT d.id::text AS ref, d.agency_id AS agency, ag.region_code AS region, d.title,
			'应于 ' || dd.due || ' 前公示' AS detail,
			coalesce('/cases/' || d.case_id, '/inspection/checks/' || d.check_id) AS link, dd.due AS due_on
		FROM disclosures d JOIN agencies ag ON ag.id = d.agency_id
		JOIN unnest($1::date[], $2::int[], $3::date[]) dd(start_on, due_days, due) ON dd.start_on = d.start_on AND dd.due_days = d.due_days
		WHERE d.state = 'due' AND d.withdraw_from IS NULL AND dd.due < $4::date` + in.on("d.id"), []any{starts, days, dues, enforcement.DateOf(now)}, nil
}

func disclosureCrossed(ctx context.Context, tx pgx.Tx, cal *enforcement.Calendar, since, today enforcement.Date) (string, []any, error) {
	starts, days, dues, err := disclosureDeadlines(ctx, tx, cal, false)
	if err != nil {
		return "", nil, err
	}
	var ps []enforcement.Date
	var ns []int32
	for i, due := range dues {
		if !due.Before(since) && due.Before(today) {
			ps, ns = append(ps, starts[i]), append(ns, days[i])
		}
	}
	if len(ps) == 0 {
		return "", nil, nil
	}
	return `SELECT d.id FROM disclosures d JOIN unnest($1::date[], $2::int[]) p(start_on, due_days) ON p.start_on = d.start_on AND p.due_days = d.due_days
		WHERE d.state = 'due' AND d.withdraw_from IS NULL`, []any{ps, ns}, nil
}

func reviewOverdue(ctx context.Context, tx pgx.Tx, _ *enforcement.Calendar, now time.Time, _ scope) (string, []any, error) {
	return `SELECT r.id::text AS ref, r.agency_id AS agency, ag.region_code AS region, c.number || ' 第 ' || r.round || ' 轮审核' AS title,
			'应于 ' || r.due_on || ' 前审结，已超期 ' || ($1::date - r.due_on) || ' 天' AS detail, '/reviews/' || r.id AS link,
			NULL::date AS due_on
		FROM reviews r JOIN cases c ON c.id = r.case_id JOIN agencies ag ON ag.id = r.agency_id
		WHERE r.state = 'pending' AND r.due_on < $1::date`, []any{enforcement.DateOf(now)}, nil
}

func certExpiring(ctx context.Context, tx pgx.Tx, _ *enforcement.Calendar, now time.Time, _ scope) (string, []any, error) {
	today := enforcement.DateOf(now)
	return `SELECT o.id::text AS ref, o.agency_id AS agency, ag.region_code AS region, o.name || '（证号 ' || o.cert_no || '）' AS title,
			'执法证有效期至 ' || o.cert_valid_until || '，剩 ' || (o.cert_valid_until - $1::date) || ' 天' AS detail, '/officers/' || o.id AS link,
			NULL::date AS due_on
		FROM officers o JOIN agencies ag ON ag.id = o.agency_id
		WHERE o.status = 'active' AND o.cert_valid_until BETWEEN $1::date AND $2::date`, []any{today, today.AddDays(30)}, nil
}

func certInvalidActing(ctx context.Context, tx pgx.Tx, _ *enforcement.Calendar, now time.Time, _ scope) (string, []any, error) {
	return `SELECT c.id::text || ':' || o.id::text AS ref, c.agency_id AS agency, ag.region_code AS region, c.number || ' · ' || o.name AS title,
			o.name || ' 的执法证' || CASE WHEN o.status = 'suspended' THEN '已暂扣' WHEN o.status = 'revoked' THEN '已注销'
				ELSE '已于 ' || o.cert_valid_until || ' 过期' END || '，仍是本案承办人员' AS detail, '/cases/' || c.id AS link,
			NULL::date AS due_on
		FROM cases c JOIN case_handlers h ON h.case_id = c.id JOIN officers o ON o.id = h.officer_id JOIN agencies ag ON ag.id = c.agency_id
		WHERE c.state IN ('filed', 'investigating', 'notified', 'hearing', 'review', 'decided', 'served', 'executed')
		AND (o.status <> 'active' OR o.cert_valid_until < $1::date)`, []any{enforcement.DateOf(now)}, nil
}

// checkCap counts each target's checks of the year against the smallest yearly cap among
// the tasks that checked it.
func checkCap(ctx context.Context, tx pgx.Tx, _ *enforcement.Calendar, now time.Time, _ scope) (string, []any, error) {
	return `SELECT ck.target_code || ':' || $1::int AS ref, NULL::uuid AS agency, min(tk.region_code) AS region,
			ck.target_code || ' ' || coalesce(min(tg.name), '') AS title,
			$1::int || ' 年已被抽查 ' || count(*) || ' 次，年度上限 ' || min(nullif(tk.yearly_cap, 0)) || ' 次' AS detail, '' AS link,
			NULL::date AS due_on
		FROM inspection_checks ck JOIN inspection_tasks tk ON tk.id = ck.task_id LEFT JOIN inspection_targets tg ON tg.code = ck.target_code
		WHERE ck.state <> 'cancelled' AND ck.drawn_on BETWEEN make_date($1::int, 1, 1) AND make_date($1::int, 12, 31)
		GROUP BY ck.target_code HAVING count(*) > min(nullif(tk.yearly_cap, 0))`, []any{enforcement.DateOf(now).Year}, nil
}

// FrequentDays, FrequentVisits and FrequentAgencies are the frequency alert's window and thresholds.
const FrequentDays, FrequentVisits, FrequentAgencies = 30, 3, 2

// checkFrequent finds the firms visited often by several agencies lately: each check whose
// code was first shown in the window is a visit (a joint check is one), found by the
// partial index of such checks; the agencies are its officers'.
func checkFrequent(ctx context.Context, tx pgx.Tx, _ *enforcement.Calendar, now time.Time, _ scope) (string, []any, error) {
	since := enforcement.DateOf(now).AddDays(-(FrequentDays - 1)).StartIn()
	return `WITH v AS (
			SELECT c.id, c.target_code, coalesce(t.region_code, ag.region_code, c.region_code) AS region, c.inspector_ids
			FROM inspection_checks c LEFT JOIN inspection_tasks t ON t.id = c.task_id LEFT JOIN agencies ag ON ag.id = c.agency_id
			WHERE c.code_issued_at >= $1 AND c.state IN ('assigned', 'done'))
		SELECT 'firm:' || v.target_code AS ref, NULL::uuid AS agency, min(v.region) AS region,
			v.target_code || ' ' || coalesce(min(tg.name), '') AS title,
			'近 ` + fmt.Sprint(FrequentDays) + ` 日被 ' || count(DISTINCT o.agency_id) || ' 个部门分 ' || count(DISTINCT v.id) || ' 次入企检查' AS detail,
			'' AS link, NULL::date AS due_on
		FROM v JOIN officers o ON o.id = ANY(v.inspector_ids) LEFT JOIN inspection_targets tg ON tg.code = v.target_code
		GROUP BY v.target_code HAVING count(DISTINCT v.id) >= $2 AND count(DISTINCT o.agency_id) >= $3`,
		[]any{since, FrequentVisits, FrequentAgencies}, nil
}

// MeasureFineYardsticks measures the fines of the twelve months before today, once a
// day (the background job calls it; a later call the same day does nothing): for each
// agency its own (at least 10 fines), and for each cause in each city (地市) the fines of
// all its agencies (at least 10 fines from at least 3 agencies), each by the median and
// the median absolute deviation. A robust yardstick that one huge fine does not move,
// and one a supervisor can recompute by hand from the listed fines. It takes seconds on
// a province, so no page waits for it; the alerts compare with the last measured.
func (s *Service) MeasureFineYardsticks(ctx context.Context) (bool, error) {
	conn, err := s.alertLock(ctx)
	if err != nil {
		return false, enforcement.DBError(err, "预警")
	}
	defer s.alertUnlock(ctx, conn)
	measured, err := measureYardsticks(ctx, conn.Conn(), s.Cases.Today())
	return measured, enforcement.DBError(err, "预警")
}

func measureYardsticks(ctx context.Context, conn *pgx.Conn, day enforcement.Date) (measured bool, err error) {
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var done bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM supervision_alert_state WHERE yardsticks_on = $1)`, day).Scan(&done); err != nil || done {
			return err
		}
		measured = true
		return fineYardsticks(ctx, tx, day)
	})
	return measured, err
}

func fineYardsticks(ctx context.Context, tx pgx.Tx, day enforcement.Date) error {
	today := day.StartIn()
	if _, err := tx.Exec(ctx, `INSERT INTO supervision_alert_state (synced_on, calendar, yardsticks_on) VALUES ($1, '', $1)
		ON CONFLICT (id) DO UPDATE SET yardsticks_on = EXCLUDED.yardsticks_on`, day); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM supervision_fine_yardsticks`); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO supervision_fine_yardsticks (scope, key, median, mad, fines, agencies)
		WITH f AS MATERIALIZED (
			SELECT c.agency_id::text AS agency, substr(ag.region_code, 1, 4) || ':' || c.cause AS cause, (c.decision->>'fine_amount')::bigint AS fine
			FROM cases c JOIN agencies ag ON ag.id = c.agency_id
			WHERE c.decided_at >= $1 AND c.decided_at < $2 AND (c.decision->>'fine_amount')::bigint > 0),
		ma AS (SELECT agency AS key, percentile_cont(0.5) WITHIN GROUP (ORDER BY fine) AS med, count(*) AS n, 1 AS ags
			FROM f GROUP BY agency HAVING count(*) >= 10),
		mc AS (SELECT cause AS key, percentile_cont(0.5) WITHIN GROUP (ORDER BY fine) AS med, count(*) AS n, count(DISTINCT agency) AS ags
			FROM f GROUP BY cause HAVING count(*) >= 10 AND count(DISTINCT agency) >= 3)
		SELECT 'agency', ma.key, ma.med, greatest(percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(f.fine - ma.med)), 100), ma.n, ma.ags
			FROM f JOIN ma ON ma.key = f.agency GROUP BY ma.key, ma.med, ma.n, ma.ags
		UNION ALL
		SELECT 'cause', mc.key, mc.med, greatest(percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(f.fine - mc.med)), 100), mc.n, mc.ags
			FROM f JOIN mc ON mc.key = f.cause GROUP BY mc.key, mc.med, mc.n, mc.ags`, today.AddDate(-1, 0, 0), today)
	return err
}

// fineOutlier compares each fine of the last 90 days with the day's yardsticks: its
// agency's own and, for its cause, its city's agencies' (MAD under 1 yuan counts as 1).
func fineOutlier(ctx context.Context, tx pgx.Tx, _ *enforcement.Calendar, now time.Time, in scope) (string, []any, error) {
	const yuan = `(%s / 100.0)::numeric(20, 2)`
	amount := func(v string) string { return strings.ReplaceAll(yuan, "%s", v) }
	return `SELECT ` + caseAlertCols + `,
			'罚款 ' || ` + amount("x.fine") + ` || ' 元' ||
			CASE WHEN x.fine > ya.median + 3 * ya.mad THEN '；本单位近 12 个月罚款 ' || ya.fines || ' 件，中位数 ' || ` + amount("ya.median") +
			` || ' 元，绝对中位差 ' || ` + amount("ya.mad") + ` || ' 元，高出中位数 ' || round(((x.fine - ya.median) / ya.mad)::numeric, 1) || ' 倍绝对中位差' ELSE '' END ||
			CASE WHEN x.fine > yc.median + 3 * yc.mad THEN '；同一案由在本市 ' || yc.agencies || ' 个单位近 12 个月罚款 ' || yc.fines || ' 件，中位数 ' || ` + amount("yc.median") +
			` || ' 元，绝对中位差 ' || ` + amount("yc.mad") + ` || ' 元，高出中位数 ' || round(((x.fine - yc.median) / yc.mad)::numeric, 1) || ' 倍绝对中位差' ELSE '' END AS detail,
			'/cases/' || c.id AS link, NULL::date AS due_on
		FROM cases c JOIN agencies ag ON ag.id = c.agency_id
		CROSS JOIN LATERAL (SELECT (c.decision->>'fine_amount')::bigint AS fine) x
		LEFT JOIN supervision_fine_yardsticks ya ON ya.scope = 'agency' AND ya.key = c.agency_id::text
		LEFT JOIN supervision_fine_yardsticks yc ON yc.scope = 'cause' AND yc.key = substr(ag.region_code, 1, 4) || ':' || c.cause
		WHERE c.decided_at >= $1 AND x.fine > 0 AND (x.fine > ya.median + 3 * ya.mad OR x.fine > yc.median + 3 * yc.mad)` + in.on("c.id"),
		[]any{enforcement.DateOf(now).AddDays(-90).StartIn()}, nil
}

// partyOutside compares the division code a party's ID number or credit code carries
// (its first four digits: province and city) with the agency's. A person's name is
// masked as the redaction engine masks it (surname and *).
func partyOutside(ctx context.Context, tx pgx.Tx, _ *enforcement.Calendar, now time.Time, _ scope) (string, []any, error) {
	return `SELECT DISTINCT ON (c.id) ` + caseAlertCols + `,
			'当事人 ' || CASE WHEN p.type = 'person' THEN left(p.name, 1) || '*' ELSE p.name END || ' 的证件所示地区代码 ' || x.code ||
			'，不在本单位所在地区 ' || substr(ag.region_code, 1, 4) AS detail, '/cases/' || c.id AS link, NULL::date AS due_on
		FROM cases c JOIN agencies ag ON ag.id = c.agency_id JOIN case_parties p ON p.case_id = c.id
		CROSS JOIN LATERAL (SELECT CASE WHEN p.type = 'person' THEN substr(p.id_number, 1, 4) ELSE substr(p.id_number, 3, 4) END AS code) x
		WHERE c.filed_at >= $1 AND length(p.id_number) = 18 AND x.code ~ '^[0-9]{4}$' AND x.code <> substr(ag.region_code, 1, 4)
		ORDER BY c.id, p.position`, []any{now.AddDate(0, 0, -90)}, nil
}

// AlertSync is what one computation did.
type AlertSync struct {
	Raised  int           `json:"raised"`
	Closed  int           `json:"closed"`
	Open    int           `json:"open"`
	Full    bool          `json:"full"` // every rule over every row, not only what changed
	At      time.Time     `json:"at"`   // the time it computed as of: what it raised, it raised at this time
	Elapsed time.Duration `json:"elapsed"`
	// Rules is each rule's share, for the benchmark and the log.
	Rules map[string]time.Duration `json:"-"`
}

var alertSyncs sync.Mutex

// SyncAlerts raises and closes alerts to match the records. The first computation, and
// any after the working calendar changed (deadlines move with it), runs every rule over
// every row, a transaction per rule. After that a computation runs in one transaction:
// the incremental rules look again only at the rows changed since (taken from the
// change queue in the same transaction, so a failed computation loses nothing) and, on
// a new day, at the rows whose deadline passed; the other rules run in full. Concurrent
// calls, in this process or another replica, wait for the one running and then run
// again, so a caller always sees the records as of its call.
func (s *Service) SyncAlerts(ctx context.Context) (AlertSync, error) {
	alertSyncs.Lock()
	defer alertSyncs.Unlock()
	start := time.Now()
	res := AlertSync{Rules: map[string]time.Duration{}}
	conn, err := s.alertLock(ctx)
	if err != nil {
		return res, enforcement.DBError(err, "预警")
	}
	defer s.alertUnlock(ctx, conn)
	now := s.Cases.Now()
	today := enforcement.DateOf(now)
	res.At = now
	// Yardsticks never measured (a new installation) are measured now; after that the
	// background job measures them daily.
	var measured *enforcement.Date
	if err := conn.QueryRow(ctx, `SELECT (SELECT yardsticks_on FROM supervision_alert_state)`).Scan(&measured); err != nil {
		return res, enforcement.DBError(err, "预警")
	}
	if measured == nil {
		if _, err := measureYardsticks(ctx, conn.Conn(), today); err != nil {
			return res, enforcement.DBError(err, "预警")
		}
	}
	var st alertState
	// The fingerprint is never empty, so the state a first measure of yardsticks leaves
	// (calendar '') never passes for a computation.
	err = conn.QueryRow(ctx, `SELECT 'md5:' || coalesce(md5(string_agg(day || kind, ',' ORDER BY day)), ''),
		(SELECT synced_on FROM supervision_alert_state), coalesce((SELECT calendar FROM supervision_alert_state), ''),
		(SELECT yardsticks_on FROM supervision_alert_state), (SELECT fines_on FROM supervision_alert_state) FROM calendar_days`).
		Scan(&st.fingerprint, &st.since, &st.counted, &st.yardsticks, &st.fines)
	if err != nil {
		return res, enforcement.DBError(err, "预警")
	}
	// The calendar is read after its fingerprint: a change in between makes the next
	// computation a full one, never the other way round.
	cal, err := s.Cases.Store.Calendar(ctx)
	if err != nil {
		return res, err
	}
	// A clock set back (the demo's history is written in the past) counts afresh too.
	res.Full = st.since == nil || st.counted != st.fingerprint || st.since.After(today)
	if res.Full {
		err = s.syncFull(ctx, conn.Conn(), cal, now, st, &res)
	} else {
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return s.syncChanges(ctx, tx, cal, now, st, &res) })
	}
	if err != nil {
		return res, enforcement.DBError(err, "预警")
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM supervision_alerts WHERE closed_at IS NULL`).Scan(&res.Open); err != nil {
		return res, enforcement.DBError(err, "预警")
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// alertLock takes the lock every computation holds, on a connection of its own; other
// replicas wait for it.
func (s *Service) alertLock(ctx context.Context) (*pgxpool.Conn, error) {
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(hashtext('zhifa-alerts'))`); err != nil {
		conn.Release()
		return nil, err
	}
	return conn, nil
}

func (s *Service) alertUnlock(ctx context.Context, conn *pgxpool.Conn) {
	if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('zhifa-alerts'))`); err != nil {
		// A connection that cannot say so is closed, which releases the lock.
		conn.Conn().Close(context.WithoutCancel(ctx))
	}
	conn.Release()
}

// alertState is what the last computation left: its day, the calendar it counted with,
// the yardsticks' day and the yardsticks' day the fines were last compared with in full.
type alertState struct {
	fingerprint, counted string
	since                *enforcement.Date
	yardsticks, fines    *enforcement.Date
}

// fullFines says whether the fines' rule must run in full: the yardsticks were measured
// again since it last did.
func (st alertState) fullFines() bool {
	return st.fines == nil || st.yardsticks == nil || *st.fines != *st.yardsticks
}

// syncFull runs every rule over every row. The change queue is emptied first: what it
// held is in the records every rule now reads, and what enters it meanwhile is looked at
// again next time.
func (s *Service) syncFull(ctx context.Context, conn *pgx.Conn, cal *enforcement.Calendar, now time.Time, st alertState, res *AlertSync) error {
	// Until every rule has run, the state says a full computation is due: one that fails
	// halfway is retried in full, not continued from a queue it emptied.
	if _, err := conn.Exec(ctx, `UPDATE supervision_alert_state SET calendar = ''`); err != nil {
		return err
	}
	// A write still uncommitted keeps its queued rows, looked at again next time.
	if _, err := conn.Exec(ctx, `DELETE FROM supervision_alert_changes`); err != nil {
		return err
	}
	for _, rule := range AlertRules {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return s.syncRule(ctx, tx, rule.Code, cal, now, false, res) })
		if err != nil {
			return err
		}
	}
	_, err := conn.Exec(ctx, `INSERT INTO supervision_alert_state (synced_on, calendar, yardsticks_on, fines_on) VALUES ($1, $2, $3, $3)
		ON CONFLICT (id) DO UPDATE SET synced_on = EXCLUDED.synced_on, calendar = EXCLUDED.calendar, fines_on = EXCLUDED.fines_on`,
		enforcement.DateOf(now), st.fingerprint, st.yardsticks)
	return err
}

// syncChanges runs the incremental rules over what changed since the last computation
// (and, on a new day, over the rows whose deadline passed since its day; the fines' rule
// in full after new yardsticks), the others in full, in the transaction that takes the
// changes from the queue.
func (s *Service) syncChanges(ctx context.Context, tx pgx.Tx, cal *enforcement.Calendar, now time.Time, st alertState, res *AlertSync) error {
	today, since := enforcement.DateOf(now), *st.since
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE alert_changed ON COMMIT DROP AS
		WITH d AS (DELETE FROM supervision_alert_changes RETURNING tbl, id) SELECT DISTINCT tbl, id FROM d`); err != nil {
		return err
	}
	newDay := since.Before(today)
	for _, rule := range AlertRules {
		def := alertDefs[rule.Code]
		scoped := def.on != "" && !(def.yardstick && st.fullFines())
		if scoped {
			if _, err := tx.Exec(ctx, `CREATE TEMP TABLE alert_scope ON COMMIT DROP AS SELECT id FROM alert_changed WHERE tbl = $1`, def.on); err != nil {
				return err
			}
			if newDay && def.crossed != nil {
				q, args, err := def.crossed(ctx, tx, cal, since, today)
				if err != nil {
					return err
				}
				if q != "" {
					if _, err := tx.Exec(ctx, `INSERT INTO alert_scope `+q, args...); err != nil {
						return err
					}
				}
			}
			if _, err := tx.Exec(ctx, `ANALYZE alert_scope`); err != nil {
				return err
			}
		}
		if err := s.syncRule(ctx, tx, rule.Code, cal, now, scoped, res); err != nil {
			return err
		}
		if scoped {
			if _, err := tx.Exec(ctx, `DROP TABLE alert_scope`); err != nil {
				return err
			}
		}
	}
	_, err := tx.Exec(ctx, `UPDATE supervision_alert_state SET synced_on = $1, calendar = $2, fines_on = yardsticks_on`, today, st.fingerprint)
	return err
}

// syncRule computes one rule, in full or over alert_scope, and applies it.
func (s *Service) syncRule(ctx context.Context, tx pgx.Tx, rule string, cal *enforcement.Calendar, now time.Time, scoped bool, res *AlertSync) error {
	start := time.Now()
	def := alertDefs[rule]
	q, args, err := def.query(ctx, tx, cal, now, scope(scoped))
	if err != nil {
		return err
	}
	raised, closed, err := applyAlerts(ctx, tx, rule, q, args, now, scoped)
	if err != nil {
		return err
	}
	res.Raised, res.Closed = res.Raised+raised, res.Closed+closed
	res.Rules[rule] = time.Since(start)
	return nil
}

// applyAlerts makes the open alerts of a rule (of the rows in alert_scope, when scoped)
// the rows its query finds: new rows raised, changed details brought up to date, alerts
// of rows no longer found closed. The rows go to a temporary table and are compared with
// the open alerts there, so a computation that finds what the last one found writes
// nothing.
func applyAlerts(ctx context.Context, tx pgx.Tx, rule, q string, args []any, now time.Time, scoped bool) (raised, closed int, err error) {
	open := `(SELECT ref_id, title, detail, due_on FROM supervision_alerts WHERE rule = $1 AND closed_at IS NULL`
	if scoped {
		open += ` AND ref_id IN (SELECT id::text FROM alert_scope)`
	}
	open += `)`
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE alert_rows AS SELECT * FROM (`+q+`) x(ref, agency, region, title, detail, link, due_on)`, args...); err != nil {
		return 0, 0, err
	}
	// Without statistics the planner takes the rows for a handful and compares them one
	// by one; with them it hashes both sides.
	if _, err := tx.Exec(ctx, `ANALYZE alert_rows`); err != nil {
		return 0, 0, err
	}
	// The differences as set operations, which PostgreSQL always hashes or sorts,
	// whatever it believes the tables hold.
	tag, err := tx.Exec(ctx, `UPDATE supervision_alerts al SET closed_at = $2
		FROM (SELECT ref_id FROM `+open+` o EXCEPT SELECT ref FROM alert_rows) gone
		WHERE al.rule = $1 AND al.closed_at IS NULL AND al.ref_id = gone.ref_id`, rule, now)
	if err != nil {
		return 0, 0, err
	}
	closed = int(tag.RowsAffected())
	if _, err := tx.Exec(ctx, `UPDATE supervision_alerts al SET title = r.title, detail = r.detail, due_on = r.due_on
		FROM (SELECT ref, title, detail, due_on FROM alert_rows EXCEPT SELECT ref_id, title, detail, due_on FROM `+open+` o) r
		WHERE al.rule = $1 AND al.closed_at IS NULL AND al.ref_id = r.ref`, rule); err != nil {
		return 0, 0, err
	}
	tag, err = tx.Exec(ctx, `INSERT INTO supervision_alerts (rule, ref_id, region_code, agency_id, title, detail, link, due_on, raised_at)
		SELECT $1, r.ref, r.region, r.agency, r.title, r.detail, r.link, r.due_on, $2 FROM alert_rows r
		JOIN (SELECT ref FROM alert_rows EXCEPT SELECT ref_id FROM `+open+` o) fresh ON fresh.ref = r.ref`, rule, now)
	if err != nil {
		return 0, 0, err
	}
	raised = int(tag.RowsAffected())
	if _, err := tx.Exec(ctx, `DROP TABLE alert_rows`); err != nil {
		return 0, 0, err
	}
	if raised+closed > 1000 {
		// The next comparison plans with the table's new size, not with what it was.
		_, err = tx.Exec(ctx, `ANALYZE supervision_alerts`)
	}
	return raised, closed, err
}

// AlertFilter selects alerts in a supervisor's region.
type AlertFilter struct {
	Kind     string // a rule's code
	State    string // open (default), closed or all
	AgencyID *uuid.UUID
	Page     enforcement.Page
}

// alertDetail is an alert's detail as read on the day the SQL today gives: a deadline's
// alert counts the days past it, up to its closing.
func alertDetail(today string) string {
	day := `coalesce((al.closed_at AT TIME ZONE 'Asia/Shanghai')::date, ` + today + `)`
	return `al.detail || CASE WHEN al.due_on IS NULL OR ` + day + ` <= al.due_on THEN '' ELSE '，已逾期 ' || (` + day + ` - al.due_on) || ' 天' END`
}

// Alerts lists the region's alerts, the newest first.
func (s *Service) Alerts(ctx context.Context, a enforcement.Actor, f AlertFilter) (enforcement.List[Alert], error) {
	out := enforcement.List[Alert]{Items: []Alert{}}
	if err := s.requireSupervisor(a); err != nil {
		return out, err
	}
	where, args := []string{"(al.region_code LIKE $1 || '%')"}, []any{enforcement.RegionPrefix(a.RegionCode)}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.Kind != "" {
		if _, ok := AlertRuleByCode(f.Kind); !ok {
			return out, fault.Field("kind", "没有“%s”这类预警", f.Kind)
		}
		add("al.rule = ?", f.Kind)
	}
	switch f.State {
	case "", "open":
		where = append(where, "al.closed_at IS NULL")
	case "closed":
		where = append(where, "al.closed_at IS NOT NULL")
	case "all":
	default:
		return out, fault.Field("state", "状态应为 open、closed 或 all")
	}
	if f.AgencyID != nil {
		add("al.agency_id = ?", *f.AgencyID)
	}
	w := " WHERE " + strings.Join(where, " AND ")
	from := ` FROM supervision_alerts al LEFT JOIN agencies ag ON ag.id = al.agency_id LEFT JOIN supervision_clues cl ON cl.id = al.clue_id`
	if err := s.db.QueryRow(ctx, `SELECT count(*)`+from+w, args...).Scan(&out.Total); err != nil {
		return out, enforcement.DBError(err, "预警")
	}
	today := "$" + strconv.Itoa(len(args)+1) + "::date"
	rows, _ := s.db.Query(ctx, `SELECT al.id, al.region_code, al.rule, al.ref_id, al.agency_id, coalesce(ag.name, ''), al.title, `+alertDetail(today)+`, al.link,
		al.raised_at, al.closed_at, al.clue_id, coalesce(cl.number, '')`+from+w+` ORDER BY al.raised_at DESC, al.rule, al.title
		LIMIT `+strconv.Itoa(f.Page.Size)+` OFFSET `+strconv.Itoa(f.Page.Offset()), append(args, s.Cases.Today())...)
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Alert, error) {
		var x Alert
		err := r.Scan(&x.ID, &x.RegionCode, &x.Rule, &x.RefID, &x.AgencyID, &x.AgencyName, &x.Title, &x.Detail, &x.Link,
			&x.RaisedAt, &x.ClosedAt, &x.ClueID, &x.ClueNumber)
		rule, _ := AlertRuleByCode(x.Rule)
		x.RuleLabel = rule.Label
		return x, err
	})
	if err != nil {
		return out, enforcement.DBError(err, "预警")
	}
	if items != nil {
		out.Items = items
	}
	return out, nil
}

// AlertCount is the open alerts of one rule in a region.
type AlertCount struct {
	AlertRule
	Open   int  `json:"open"`
	New    int  `json:"new"`    // open, and raised since the viewer last looked at the rule's alerts
	Notify bool `json:"notify"` // the viewer chose to be told of it on their home page
}

// AlertCounts counts the region's open alerts rule by rule, with the viewer's choices.
func (s *Service) AlertCounts(ctx context.Context, a enforcement.Actor) ([]AlertCount, error) {
	if err := s.requireSupervisor(a); err != nil {
		return nil, err
	}
	rows, _ := s.db.Query(ctx, `SELECT al.rule, count(*), count(*) FILTER (WHERE seen.seen_at IS NULL OR al.raised_at > seen.seen_at)
		FROM supervision_alerts al LEFT JOIN supervision_alert_seen seen ON seen.user_id = $2 AND seen.rule = al.rule
		WHERE al.closed_at IS NULL AND al.region_code LIKE $1 || '%' GROUP BY al.rule`,
		enforcement.RegionPrefix(a.RegionCode), a.UserID)
	n, fresh := map[string]int{}, map[string]int{}
	var rule string
	var c, f int
	if _, err := pgx.ForEachRow(rows, []any{&rule, &c, &f}, func() error { n[rule], fresh[rule] = c, f; return nil }); err != nil {
		return nil, enforcement.DBError(err, "预警")
	}
	chosen, err := s.AlertPrefs(ctx, a)
	if err != nil {
		return nil, err
	}
	out := []AlertCount{}
	for _, r := range AlertRules {
		out = append(out, AlertCount{r, n[r.Code], fresh[r.Code], slices.Contains(chosen, r.Code)})
	}
	return out, nil
}

// SeenAlerts notes that the supervisor has looked at a rule's alerts (every rule's when
// rule is empty) as computed at the time at: those raised until then are no longer new
// to them, those a later computation raises are.
func (s *Service) SeenAlerts(ctx context.Context, a enforcement.Actor, rule string, at time.Time) error {
	if err := s.requireSupervisor(a); err != nil {
		return err
	}
	var rules []string
	for _, r := range AlertRules {
		if rule == "" || r.Code == rule {
			rules = append(rules, r.Code)
		}
	}
	_, err := s.db.Exec(ctx, `INSERT INTO supervision_alert_seen (user_id, rule, seen_at) SELECT $1, r, $3 FROM unnest($2::text[]) r
		ON CONFLICT (user_id, rule) DO UPDATE SET seen_at = greatest(supervision_alert_seen.seen_at, EXCLUDED.seen_at)`, a.UserID, rules, at)
	return enforcement.DBError(err, "预警")
}

// AlertPrefs are the rules the supervisor wants on their home page; every rule unless
// they chose.
func (s *Service) AlertPrefs(ctx context.Context, a enforcement.Actor) ([]string, error) {
	var rules []string
	err := s.db.QueryRow(ctx, `SELECT rules FROM supervision_alert_prefs WHERE user_id = $1`, a.UserID).Scan(&rules)
	if err == pgx.ErrNoRows {
		for _, r := range AlertRules {
			rules = append(rules, r.Code)
		}
		return rules, nil
	}
	return rules, enforcement.DBError(err, "预警设置")
}

// SetAlertPrefs keeps the rules a supervisor wants to be notified of.
func (s *Service) SetAlertPrefs(ctx context.Context, a enforcement.Actor, rules []string) ([]string, error) {
	if err := s.requireSupervisor(a); err != nil {
		return nil, err
	}
	keep := []string{}
	for _, r := range rules {
		if _, ok := AlertRuleByCode(r); !ok {
			return nil, fault.Field("rules", "没有“%s”这类预警", r)
		}
		if !slices.Contains(keep, r) {
			keep = append(keep, r)
		}
	}
	_, err := s.db.Exec(ctx, `INSERT INTO supervision_alert_prefs (user_id, rules) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET rules = EXCLUDED.rules`, a.UserID, keep)
	return keep, enforcement.DBError(err, "预警设置")
}

// ClueFromAlert registers an open alert as a clue about its agency, once.
func (s *Service) ClueFromAlert(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Clue, error) {
	if err := s.requireSupervisor(a); err != nil {
		return Clue{}, err
	}
	var al Alert
	err := s.db.QueryRow(ctx, `SELECT rule, region_code, agency_id, title, `+alertDetail("$2::date")+`, clue_id FROM supervision_alerts al WHERE id = $1`, id, s.Cases.Today()).
		Scan(&al.Rule, &al.RegionCode, &al.AgencyID, &al.Title, &al.Detail, &al.ClueID)
	if err == pgx.ErrNoRows || (err == nil && !strings.HasPrefix(al.RegionCode, enforcement.RegionPrefix(a.RegionCode))) {
		return Clue{}, fault.New(fault.NotFound, "预警不存在")
	}
	if err != nil {
		return Clue{}, enforcement.DBError(err, "预警")
	}
	if al.ClueID != nil {
		c, err := s.FindClue(ctx, a, *al.ClueID)
		if err != nil {
			return c, err
		}
		return c, fault.New(fault.Conflict, "该预警已转为监督线索 %s", c.Number)
	}
	rule, _ := AlertRuleByCode(al.Rule)
	c, err := s.registerClue(ctx, ClueInput{Source: "alert", AgencyID: al.AgencyID, Concerning: al.Title,
		Content: "执法监督预警“" + rule.Label + "”：" + al.Title + "，" + al.Detail + "。规则：" + rule.Why, SourceRef: "alert:" + id.String()},
		a.RegionCode, &a, nil, nil)
	if err != nil {
		return c, err
	}
	if _, err := s.db.Exec(ctx, `UPDATE supervision_alerts SET clue_id = $2 WHERE id = $1 AND clue_id IS NULL`, id, c.ID); err != nil {
		return c, enforcement.DBError(err, "预警")
	}
	return s.FindClue(ctx, a, c.ID)
}
