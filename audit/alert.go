package audit

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
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
	{"fine_outlier", "罚款金额明显偏高", "近 90 日作出的罚款，高于本单位近 12 个月罚款中位数加 3 倍绝对中位差（MAD，不足 1 元按 1 元计；本单位罚款少于 10 件时不比较）。"},
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
// with the columns ref, agency, region, title, detail and link. It runs inside
// PostgreSQL, and so does the comparison with the open alerts: a computation moves no
// rows to zhifa, however many a rule finds.
type alertQuery func(ctx context.Context, s *Service, cal *enforcement.Calendar, now time.Time) (string, []any, error)

var alertQueries = map[string]alertQuery{
	"decision_overdue":     decisionOverdue,
	"service_overdue":      serviceOverdue,
	"seizure_overdue":      seizureOverdue,
	"preservation_overdue": preservationOverdue,
	"disclosure_overdue":   disclosureOverdue,
	"review_overdue":       reviewOverdue,
	"cert_expiring":        certExpiring,
	"cert_invalid_acting":  certInvalidActing,
	"check_cap":            checkCap,
	"fine_outlier":         fineOutlier,
	"party_outside":        partyOutside,
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
func (s *Service) firstDay(ctx context.Context, q string, args ...any) (enforcement.Date, bool, error) {
	var d *enforcement.Date
	if err := s.db.QueryRow(ctx, q, args...).Scan(&d); err != nil || d == nil {
		return enforcement.Date{}, false, err
	}
	return *d, true, nil
}

const openBeforeDecision = `c.state IN ('filed', 'investigating', 'notified', 'hearing', 'review') AND c.decided_at IS NULL`

// decisionOverdue: 90 days from filing, moved to the next working day as the case's clocks
// move it.
func decisionOverdue(ctx context.Context, s *Service, cal *enforcement.Calendar, now time.Time) (string, []any, error) {
	today := enforcement.DateOf(now)
	first, ok, err := s.firstDay(ctx, `SELECT min((filed_at AT TIME ZONE 'Asia/Shanghai')::date) FROM cases c WHERE `+openBeforeDecision)
	if err != nil || !ok {
		return `SELECT NULL::text AS ref, NULL::uuid, '', '', '', '' WHERE false`, nil, err
	}
	days, dues := deadlines(first, today, func(d enforcement.Date) enforcement.Date { return cal.AddCalendarDays(d, 90) })
	return `SELECT ` + caseAlertCols + `, dd.day || ' 立案，应于 ' || dd.due || ' 前作出决定，已逾期 ' || ($3::date - dd.due) || ' 天' AS detail,
			'/cases/' || c.id AS link
		FROM cases c JOIN agencies ag ON ag.id = c.agency_id
		JOIN unnest($1::date[], $2::date[]) dd(day, due) ON dd.day = (c.filed_at AT TIME ZONE 'Asia/Shanghai')::date
		WHERE ` + openBeforeDecision + ` AND c.kind <> 'inspection' AND dd.due < $3::date`, []any{days, dues, today}, nil
}

func serviceOverdue(ctx context.Context, s *Service, cal *enforcement.Calendar, now time.Time) (string, []any, error) {
	today := enforcement.DateOf(now)
	first, ok, err := s.firstDay(ctx, `SELECT min((decided_at AT TIME ZONE 'Asia/Shanghai')::date) FROM cases WHERE state = 'decided' AND served_at IS NULL`)
	if err != nil || !ok {
		return `SELECT NULL::text AS ref, NULL::uuid, '', '', '', '' WHERE false`, nil, err
	}
	days, dues := deadlines(first, today, func(d enforcement.Date) enforcement.Date { return cal.AddWorkingDays(d, 7) })
	return `SELECT ` + caseAlertCols + `, dd.day || ' 作出决定，应于 ' || dd.due || ' 前送达，尚未登记送达' AS detail, '/cases/' || c.id AS link
		FROM cases c JOIN agencies ag ON ag.id = c.agency_id
		JOIN unnest($1::date[], $2::date[]) dd(day, due) ON dd.day = (c.decided_at AT TIME ZONE 'Asia/Shanghai')::date
		WHERE c.state = 'decided' AND c.served_at IS NULL AND dd.due < $3::date`, []any{days, dues, today}, nil
}

func seizureOverdue(ctx context.Context, s *Service, _ *enforcement.Calendar, now time.Time) (string, []any, error) {
	return `SELECT ` + caseAlertCols + `,
			'查封、扣押自 ' || to_char(m.taken_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') || ' 起已 ' ||
			(($1::date - (m.taken_at AT TIME ZONE 'Asia/Shanghai')::date)) || ' 日' ||
			CASE WHEN x.case_id IS NULL THEN '，未延长期限（上限 30 日）' ELSE '，已延长期限（上限 60 日）' END || '，尚未作出决定' AS detail,
			'/cases/' || c.id AS link
		FROM case_measures m JOIN cases c ON c.id = m.case_id JOIN agencies ag ON ag.id = c.agency_id
		LEFT JOIN case_measures x ON x.case_id = m.case_id AND x.code = 'seizure_extension'
		WHERE m.code = 'seizure' AND c.decided_at IS NULL AND c.state NOT IN ('closed', 'archived', 'withdrawn', 'transferred')
		AND (m.taken_at AT TIME ZONE 'Asia/Shanghai')::date < $1::date - CASE WHEN x.case_id IS NULL THEN 30 ELSE 60 END`, []any{enforcement.DateOf(now)}, nil
}

func preservationOverdue(ctx context.Context, s *Service, _ *enforcement.Calendar, now time.Time) (string, []any, error) {
	return `SELECT ` + caseAlertCols + `,
			'先行登记保存自 ' || to_char(m.taken_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') || ' 起已 ' ||
			(($1::date - (m.taken_at AT TIME ZONE 'Asia/Shanghai')::date)) || ' 日，尚未作出处理决定' AS detail, '/cases/' || c.id AS link
		FROM case_measures m JOIN cases c ON c.id = m.case_id JOIN agencies ag ON ag.id = c.agency_id
		WHERE m.code = 'preservation' AND c.decided_at IS NULL AND c.state NOT IN ('closed', 'archived', 'withdrawn', 'transferred')
		AND NOT EXISTS (SELECT 1 FROM case_measures x WHERE x.case_id = m.case_id AND x.code = 'preservation_decision')
		AND (m.taken_at AT TIME ZONE 'Asia/Shanghai')::date < $1::date - 7`, []any{enforcement.DateOf(now)}, nil
}

// disclosureOverdue: the working-day deadline of every (start day, working days) pair
// among the items still due, as the report counts them.
func disclosureOverdue(ctx context.Context, s *Service, cal *enforcement.Calendar, now time.Time) (string, []any, error) {
	today := enforcement.DateOf(now)
	rows, _ := s.db.Query(ctx, `SELECT DISTINCT start_on, due_days FROM disclosures WHERE state = 'due' AND withdraw_from IS NULL`)
	var starts, dues []enforcement.Date
	var days []int32
	var start enforcement.Date
	var n int32
	if _, err := pgx.ForEachRow(rows, []any{&start, &n}, func() error {
		starts, days, dues = append(starts, start), append(days, n), append(dues, cal.AddWorkingDays(start, int(n)))
		return nil
	}); err != nil {
		return "", nil, err
	}
	return `SELECT d.id::text AS ref, d.agency_id AS agency, ag.region_code AS region, d.title,
			'应于 ' || dd.due || ' 前公示，已逾期 ' || ($4::date - dd.due) || ' 天' AS detail,
			coalesce('/cases/' || d.case_id, '/inspection/checks/' || d.check_id) AS link
		FROM disclosures d JOIN agencies ag ON ag.id = d.agency_id
		JOIN unnest($1::date[], $2::int[], $3::date[]) dd(start_on, due_days, due) ON dd.start_on = d.start_on AND dd.due_days = d.due_days
		WHERE d.state = 'due' AND d.withdraw_from IS NULL AND dd.due < $4::date`, []any{starts, days, dues, today}, nil
}

func reviewOverdue(ctx context.Context, s *Service, _ *enforcement.Calendar, now time.Time) (string, []any, error) {
	return `SELECT r.id::text AS ref, r.agency_id AS agency, ag.region_code AS region, c.number || ' 第 ' || r.round || ' 轮审核' AS title,
			'应于 ' || r.due_on || ' 前审结，已超期 ' || ($1::date - r.due_on) || ' 天' AS detail, '/reviews/' || r.id AS link
		FROM reviews r JOIN cases c ON c.id = r.case_id JOIN agencies ag ON ag.id = r.agency_id
		WHERE r.state = 'pending' AND r.due_on < $1::date`, []any{enforcement.DateOf(now)}, nil
}

func certExpiring(ctx context.Context, s *Service, _ *enforcement.Calendar, now time.Time) (string, []any, error) {
	today := enforcement.DateOf(now)
	return `SELECT o.id::text AS ref, o.agency_id AS agency, ag.region_code AS region, o.name || '（证号 ' || o.cert_no || '）' AS title,
			'执法证有效期至 ' || o.cert_valid_until || '，剩 ' || (o.cert_valid_until - $1::date) || ' 天' AS detail, '/officers/' || o.id AS link
		FROM officers o JOIN agencies ag ON ag.id = o.agency_id
		WHERE o.status = 'active' AND o.cert_valid_until BETWEEN $1::date AND $2::date`, []any{today, today.AddDays(30)}, nil
}

func certInvalidActing(ctx context.Context, s *Service, _ *enforcement.Calendar, now time.Time) (string, []any, error) {
	return `SELECT c.id::text || ':' || o.id::text AS ref, c.agency_id AS agency, ag.region_code AS region, c.number || ' · ' || o.name AS title,
			o.name || ' 的执法证' || CASE WHEN o.status = 'suspended' THEN '已暂扣' WHEN o.status = 'revoked' THEN '已注销'
				ELSE '已于 ' || o.cert_valid_until || ' 过期' END || '，仍是本案承办人员' AS detail, '/cases/' || c.id AS link
		FROM cases c JOIN case_handlers h ON h.case_id = c.id JOIN officers o ON o.id = h.officer_id JOIN agencies ag ON ag.id = c.agency_id
		WHERE c.state IN ('filed', 'investigating', 'notified', 'hearing', 'review', 'decided', 'served', 'executed')
		AND (o.status <> 'active' OR o.cert_valid_until < $1::date)`, []any{enforcement.DateOf(now)}, nil
}

// checkCap counts each target's checks of the year against the smallest yearly cap among
// the tasks that checked it.
func checkCap(ctx context.Context, s *Service, _ *enforcement.Calendar, now time.Time) (string, []any, error) {
	return `SELECT ck.target_code || ':' || $1::int AS ref, NULL::uuid AS agency, min(tk.region_code) AS region,
			ck.target_code || ' ' || coalesce(min(tg.name), '') AS title,
			$1::int || ' 年已被抽查 ' || count(*) || ' 次，年度上限 ' || min(nullif(tk.yearly_cap, 0)) || ' 次' AS detail, '' AS link
		FROM inspection_checks ck JOIN inspection_tasks tk ON tk.id = ck.task_id LEFT JOIN inspection_targets tg ON tg.code = ck.target_code
		WHERE ck.state <> 'cancelled' AND ck.drawn_on BETWEEN make_date($1::int, 1, 1) AND make_date($1::int, 12, 31)
		GROUP BY ck.target_code HAVING count(*) > min(nullif(tk.yearly_cap, 0))`, []any{enforcement.DateOf(now).Year}, nil
}

// fineOutlier compares each recent fine with its agency's fines of the last 12 months by
// the median and the median absolute deviation: a robust yardstick that one huge fine
// does not move, and one a supervisor can recompute by hand from the listed fines.
func fineOutlier(ctx context.Context, s *Service, _ *enforcement.Calendar, now time.Time) (string, []any, error) {
	return `WITH f AS (
			SELECT c.agency_id, (c.decision->>'fine_amount')::bigint AS fine FROM cases c
			WHERE c.decided_at >= $1 AND c.decided_at < $2 AND (c.decision->>'fine_amount')::bigint > 0),
		m AS (SELECT agency_id, percentile_cont(0.5) WITHIN GROUP (ORDER BY fine) AS med FROM f GROUP BY agency_id HAVING count(*) >= 10),
		d AS (SELECT f.agency_id, greatest(percentile_cont(0.5) WITHIN GROUP (ORDER BY abs(f.fine - m.med)), 100) AS mad
			FROM f JOIN m USING (agency_id) GROUP BY f.agency_id)
		SELECT ` + caseAlertCols + `,
			'罚款 ' || ((c.decision->>'fine_amount')::bigint / 100.0)::numeric(20, 2) || ' 元；本单位近 12 个月罚款中位数 ' ||
			(m.med / 100)::numeric(20, 2) || ' 元，绝对中位差 ' || (d.mad / 100)::numeric(20, 2) || ' 元，高出中位数 ' ||
			round((((c.decision->>'fine_amount')::bigint - m.med) / d.mad)::numeric, 1) || ' 倍绝对中位差' AS detail,
			'/cases/' || c.id AS link
		FROM cases c JOIN m ON m.agency_id = c.agency_id JOIN d ON d.agency_id = c.agency_id JOIN agencies ag ON ag.id = c.agency_id
		WHERE c.decided_at >= $3 AND c.decided_at < $2 AND (c.decision->>'fine_amount')::bigint > m.med + 3 * d.mad`,
		[]any{now.AddDate(-1, 0, 0), now, now.AddDate(0, 0, -90)}, nil
}

// partyOutside compares the division code a party's ID number or credit code carries
// (its first four digits: province and city) with the agency's. A person's name is
// masked as the redaction engine masks it (surname and *).
func partyOutside(ctx context.Context, s *Service, _ *enforcement.Calendar, now time.Time) (string, []any, error) {
	return `SELECT DISTINCT ON (c.id) ` + caseAlertCols + `,
			'当事人 ' || CASE WHEN p.type = 'person' THEN left(p.name, 1) || '*' ELSE p.name END || ' 的证件所示地区代码 ' || x.code ||
			'，不在本单位所在地区 ' || substr(ag.region_code, 1, 4) AS detail, '/cases/' || c.id AS link
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
	Elapsed time.Duration `json:"elapsed"`
}

var alertSyncs sync.Mutex

// SyncAlerts computes every rule and raises and closes alerts to match, rule by rule in
// a transaction each. Concurrent calls wait for the one running and then run again, so a
// caller always sees the records as of its call.
func (s *Service) SyncAlerts(ctx context.Context) (AlertSync, error) {
	alertSyncs.Lock()
	defer alertSyncs.Unlock()
	start := time.Now()
	var res AlertSync
	cal, err := s.Cases.Store.Calendar(ctx)
	if err != nil {
		return res, err
	}
	now := s.Cases.Now()
	for _, rule := range AlertRules {
		q, args, err := alertQueries[rule.Code](ctx, s, cal, now)
		if err != nil {
			return res, enforcement.DBError(err, "预警")
		}
		raised, closed, open, err := s.applyAlerts(ctx, rule.Code, q, args, now)
		if err != nil {
			return res, enforcement.DBError(err, "预警")
		}
		res.Raised, res.Closed, res.Open = res.Raised+raised, res.Closed+closed, res.Open+open
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// applyAlerts makes the open alerts of a rule the rows its query finds: new rows raised,
// changed details brought up to date, alerts of rows no longer found closed. The rows go
// to a temporary table and are compared with the open alerts there, so a computation
// that finds what the last one found writes nothing.
func (s *Service) applyAlerts(ctx context.Context, rule, q string, args []any, now time.Time) (raised, closed, open int, err error) {
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// Replicas computing at once take turns per rule.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('zhifa-alerts:' || $1))`, rule); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE alert_rows ON COMMIT DROP AS SELECT * FROM (`+q+`) x(ref, agency, region, title, detail, link)`, args...); err != nil {
			return err
		}
		// Without statistics the planner takes the rows for a handful and compares them one
		// by one; with them it hashes both sides.
		if _, err := tx.Exec(ctx, `ANALYZE alert_rows`); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM alert_rows`).Scan(&open); err != nil {
			return err
		}
		// The differences as set operations, which PostgreSQL always hashes or sorts,
		// whatever it believes the tables hold.
		tag, err := tx.Exec(ctx, `UPDATE supervision_alerts al SET closed_at = $2
			FROM (SELECT ref_id FROM supervision_alerts WHERE rule = $1 AND closed_at IS NULL EXCEPT SELECT ref FROM alert_rows) gone
			WHERE al.rule = $1 AND al.closed_at IS NULL AND al.ref_id = gone.ref_id`, rule, now)
		if err != nil {
			return err
		}
		closed = int(tag.RowsAffected())
		if _, err := tx.Exec(ctx, `UPDATE supervision_alerts al SET title = r.title, detail = r.detail
			FROM (SELECT ref, title, detail FROM alert_rows EXCEPT SELECT ref_id, title, detail FROM supervision_alerts WHERE rule = $1 AND closed_at IS NULL) r
			WHERE al.rule = $1 AND al.closed_at IS NULL AND al.ref_id = r.ref`, rule); err != nil {
			return err
		}
		tag, err = tx.Exec(ctx, `INSERT INTO supervision_alerts (rule, ref_id, region_code, agency_id, title, detail, link, raised_at)
			SELECT $1, r.ref, r.region, r.agency, r.title, r.detail, r.link, $2 FROM alert_rows r
			JOIN (SELECT ref FROM alert_rows EXCEPT SELECT ref_id FROM supervision_alerts WHERE rule = $1 AND closed_at IS NULL) fresh ON fresh.ref = r.ref`, rule, now)
		if err != nil {
			return err
		}
		raised = int(tag.RowsAffected())
		if raised+closed > 1000 {
			// The next comparison plans with the table's new size, not with what it was.
			_, err = tx.Exec(ctx, `ANALYZE supervision_alerts`)
		}
		return err
	})
	return raised, closed, open, err
}

// AlertFilter selects alerts in a supervisor's region.
type AlertFilter struct {
	Kind     string // a rule's code
	State    string // open (default), closed or all
	AgencyID *uuid.UUID
	Page     enforcement.Page
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
	rows, _ := s.db.Query(ctx, `SELECT al.id, al.region_code, al.rule, al.ref_id, al.agency_id, coalesce(ag.name, ''), al.title, al.detail, al.link,
		al.raised_at, al.closed_at, al.clue_id, coalesce(cl.number, '')`+from+w+` ORDER BY al.raised_at DESC, al.rule, al.title
		LIMIT `+strconv.Itoa(f.Page.Size)+` OFFSET `+strconv.Itoa(f.Page.Offset()), args...)
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
	Notify bool `json:"notify"` // the viewer chose to see it on their home page
}

// AlertCounts counts the region's open alerts rule by rule, with the viewer's choices.
func (s *Service) AlertCounts(ctx context.Context, a enforcement.Actor) ([]AlertCount, error) {
	if err := s.requireSupervisor(a); err != nil {
		return nil, err
	}
	rows, _ := s.db.Query(ctx, `SELECT rule, count(*) FROM supervision_alerts WHERE closed_at IS NULL AND region_code LIKE $1 || '%' GROUP BY rule`,
		enforcement.RegionPrefix(a.RegionCode))
	n := map[string]int{}
	var rule string
	var c int
	if _, err := pgx.ForEachRow(rows, []any{&rule, &c}, func() error { n[rule] = c; return nil }); err != nil {
		return nil, enforcement.DBError(err, "预警")
	}
	chosen, err := s.AlertPrefs(ctx, a)
	if err != nil {
		return nil, err
	}
	out := []AlertCount{}
	for _, r := range AlertRules {
		out = append(out, AlertCount{r, n[r.Code], slices.Contains(chosen, r.Code)})
	}
	return out, nil
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
	err := s.db.QueryRow(ctx, `SELECT rule, region_code, agency_id, title, detail, clue_id FROM supervision_alerts WHERE id = $1`, id).
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
