package audit

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"zhifa/enforcement"
	"zhifa/fault"
	"zhifa/inspection"
)

// A figure of the annual report is counted over one source (a table with the joins that
// place its rows in a region) under a condition; the same source and condition list the
// rows it counts, so that every number can be traced.
//
// Placeholders in sources and conditions: $1 and $2 the year's first instant and the
// next year's (Asia/Shanghai), $3 the region prefix, $4 and $5 the year's first and last
// days, $6 the day the figures stand on (the year's last day, or today for the current
// year), $7 the inspection result codes that count as problems found.
type source struct {
	from   string // FROM … with joins
	rows   string // FROM for listing rows, when it needs more joins than counting
	region string // the condition placing a row in the region
	row    string // id, title, detail, date, link of a row, as text
	order  string // how rows are listed
}

var (
	srcAgencies = source{from: `agencies ag`, region: `ag.region_code LIKE $3 || '%'`,
		row:   `ag.id::text, ag.name, ag.region_code, to_char(ag.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/public/agencies/' || ag.id`,
		order: `ag.name`}
	srcOfficers = source{from: `officers o JOIN agencies ag ON ag.id = o.agency_id`, region: `ag.region_code LIKE $3 || '%'`,
		row:   `o.id::text, o.name, ag.name || ' · 证号 ' || o.cert_no, o.cert_valid_until::text, '/officers/' || o.id`,
		order: `ag.name, o.name`}
	// Inspectors are the officers given at least one of the year's checks.
	srcInspectors = source{from: `officers o JOIN agencies ag ON ag.id = o.agency_id
		JOIN (SELECT DISTINCT x.id FROM inspection_checks ck CROSS JOIN unnest(ck.inspector_ids) x(id) WHERE ` + drawnOfYear + `) ins ON ins.id = o.id`,
		region: `ag.region_code LIKE $3 || '%'`,
		row:    `o.id::text, o.name, ag.name || ' · 证号 ' || o.cert_no, o.cert_valid_until::text, '/officers/' || o.id`,
		order:  `ag.name, o.name`}
	srcUsers = source{from: `users u JOIN agencies ag ON ag.id = u.agency_id`, region: `ag.region_code LIKE $3 || '%'`,
		row:   `u.id::text, u.name, ag.name, to_char(u.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), ''`,
		order: `ag.name, u.name`}
	// kr is the check whose record a case is, if it is one: joined once here rather than
	// asked of every case in a condition (which ran a lookup per case, four times slower).
	srcCases = source{from: `cases c JOIN agencies ag ON ag.id = c.agency_id LEFT JOIN inspection_checks kr ON kr.case_id = c.id`, region: `ag.region_code LIKE $3 || '%'`,
		row:   `c.id::text, c.number, ag.name || ' · ' || c.cause, to_char(c.filed_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/cases/' || c.id`,
		order: `c.filed_at, c.number`}
	srcReviews = source{from: `reviews r JOIN agencies ag ON ag.id = r.agency_id`,
		rows: `reviews r JOIN cases c ON c.id = r.case_id JOIN agencies ag ON ag.id = r.agency_id`, region: `ag.region_code LIKE $3 || '%'`,
		row:   `r.id::text, c.number || ' 第 ' || r.round || ' 轮', ag.name || ' · ' || c.cause, to_char(r.submitted_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/reviews/' || r.id`,
		order: `r.submitted_at`}
	// dd holds each (start day, working days) pair's due date, counted on the calendar.
	srcDisclosures = source{from: `disclosures d JOIN agencies ag ON ag.id = d.agency_id
		LEFT JOIN unnest($8::date[], $9::int[], $10::date[]) dd(start_on, due_days, due_on) ON dd.start_on = d.start_on AND dd.due_days = d.due_days`,
		region: `ag.region_code LIKE $3 || '%'`,
		row:    `d.id::text, d.title, ag.name || ' · 应于 ' || dd.due_on || ' 前公示' || coalesce('，' || to_char(d.published_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD') || ' 公示', ''), d.start_on::text, coalesce('/cases/' || d.case_id, '/inspection/checks/' || d.check_id)`,
		order:  `d.start_on, d.title`}
	srcMatters = source{from: `inspection_matters m JOIN agencies ag ON ag.id = m.agency_id`, region: `ag.region_code LIKE $3 || '%'`,
		row:   `m.id::text, m.name, ag.name || ' · ' || m.method, to_char(m.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/public/matters'`,
		order: `ag.name, m.name`}
	srcTargets = source{from: `inspection_targets tg`, region: `tg.region_code LIKE $3 || '%'`,
		row:   `tg.code, tg.name, tg.type || ' · ' || tg.industry || ' · ' || tg.risk || ' 类', to_char(tg.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), ''`,
		order: `tg.code`}
	srcTasks = source{from: `inspection_tasks tk`, region: `tk.region_code LIKE $3 || '%'`,
		row:   `tk.id::text, tk.name, tk.state, to_char(tk.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/inspection/tasks/' || tk.id`,
		order: `tk.created_at`}
	srcDraws = source{from: `inspection_draws dr JOIN inspection_tasks tk ON tk.id = dr.task_id`, region: `tk.region_code LIKE $3 || '%'`,
		row:   `dr.id::text, tk.name, '抽中 ' || dr.selected_count || ' 户', to_char(dr.drawn_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/inspection/tasks/' || tk.id`,
		order: `dr.drawn_at`}
	// Every check of a firm: drawn, requested and approved, or joint; a joint check's
	// members are counted in it, once.
	srcChecks = source{from: `inspection_checks ck LEFT JOIN inspection_tasks tk ON tk.id = ck.task_id LEFT JOIN agencies ag ON ag.id = ck.agency_id
		LEFT JOIN inspection_targets tg ON tg.code = ck.target_code`,
		region: `coalesce(tk.region_code, ag.region_code, ck.region_code) LIKE $3 || '%'`,
		row: `ck.id::text, ck.target_code || ' ' || coalesce(tg.name, ''), CASE ck.origin WHEN 'draw' THEN tk.name WHEN 'joint' THEN '联合检查（综合查一次）'
			ELSE ag.name || ' · 计划外检查' END || coalesce(' · ' || ` + resultCase + `, ''), ck.drawn_on::text, '/inspection/checks/' || ck.id`,
		order: `ck.drawn_on, tk.name, ck.seq, ck.id`}
	// Each agency's checks of each firm this year that showed their code, against the
	// agency's accepted plan: a drawn check counts for each agency whose officers did it,
	// a joint check for each of its members' agencies (through the members).
	srcFirmCaps = source{from: `(SELECT x.agency_id, ck.target_code, count(*) AS n FROM inspection_checks ck
			CROSS JOIN LATERAL (SELECT ck.agency_id WHERE ck.agency_id IS NOT NULL
				UNION SELECT o.agency_id FROM officers o WHERE ck.origin = 'draw' AND o.id = ANY(ck.inspector_ids)) x(agency_id)
			WHERE ck.code_issued_at IS NOT NULL AND ck.state IN ('assigned', 'done', 'merged') AND ck.drawn_on BETWEEN $4 AND $5
			GROUP BY x.agency_id, ck.target_code) fc
		JOIN inspection_plans p ON p.agency_id = fc.agency_id AND p.year = extract(year FROM $4::date) AND p.state = 'accepted'
		JOIN agencies ag ON ag.id = fc.agency_id LEFT JOIN inspection_targets tg ON tg.code = fc.target_code`,
		region: `ag.region_code LIKE $3 || '%'`,
		row: `fc.target_code || ':' || fc.agency_id, fc.target_code || ' ' || coalesce(tg.name, ''),
			ag.name || ' · 本年检查 ' || fc.n || ' 次，上限 ' || p.yearly_cap || ' 次', '', ''`,
		order: `ag.name, fc.target_code`}
	srcRatings = source{from: `inspection_ratings r JOIN inspection_checks ck ON ck.id = r.check_id LEFT JOIN inspection_tasks tk ON tk.id = ck.task_id
		LEFT JOIN agencies ag ON ag.id = ck.agency_id`,
		region: `coalesce(tk.region_code, ag.region_code, ck.region_code) LIKE $3 || '%'`,
		row:    `ck.id::text, r.stars || ' 星', CASE WHEN r.clue_id IS NOT NULL THEN '已转为监督线索' ELSE '' END, to_char(r.rated_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/inspection/checks/' || ck.id`,
		order:  `r.rated_at`}
	srcOutcomes = source{from: `case_outcomes oc JOIN agencies ag ON ag.id = oc.agency_id`,
		rows: `case_outcomes oc JOIN cases c ON c.id = oc.case_id JOIN agencies ag ON ag.id = oc.agency_id`, region: `ag.region_code LIKE $3 || '%'`,
		row:   `oc.id::text, c.number, ag.name || ' · ' || oc.result, to_char(oc.decided_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/cases/' || c.id`,
		order: `oc.decided_at`}
	srcEvaluationFiles = source{from: `evaluation_files f JOIN evaluations e ON e.id = f.evaluation_id JOIN cases c ON c.id = f.case_id JOIN agencies ag ON ag.id = f.agency_id`,
		region: `ag.region_code LIKE $3 || '%'`,
		row:    `c.id::text, c.number, e.name || ' · ' || f.total || ' 分', to_char(f.scored_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/evaluations/' || f.evaluation_id || '/files/' || f.case_id`,
		order:  `f.scored_at`}
	srcClues = source{from: `supervision_clues cl`, region: `cl.region_code LIKE $3 || '%'`,
		row:   `cl.id::text, cl.number, ` + clueSourceCase + ` || ' · ' || ` + clueStateCase + `, to_char(cl.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/supervision/clues/' || cl.id`,
		order: `cl.created_at`}
	srcSupervisionMatters = source{from: `supervision_matters sm`, region: `sm.region_code LIKE $3 || '%'`,
		row:   `sm.id::text, sm.number, sm.title, to_char(sm.opened_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/supervision/matters/' || sm.id`,
		order: `sm.opened_at`}
	// A document's answer is counted once, by its first answer: on time or late.
	srcSupervisionDocuments = source{from: `supervision_documents sd JOIN supervision_matters sm ON sm.id = sd.matter_id
		JOIN agencies ag ON ag.id = sd.agency_id
		LEFT JOIN LATERAL (SELECT a.late, a.answered_at FROM supervision_answers a WHERE a.document_id = sd.id ORDER BY a.answered_at LIMIT 1) fa ON true`,
		region: `sm.region_code LIKE $3 || '%'`,
		row:    `sd.id::text, sd.number, ag.name || ' · ' || sd.due_date || ' 前答复', to_char(sd.issued_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/supervision/documents/' || sd.id`,
		order:  `sd.issued_at`}
	srcAlerts = source{from: `supervision_alerts al`, region: `al.region_code LIKE $3 || '%'`,
		row:   `al.id::text, al.title, ` + alertRuleCase + ` || ' · ' || ` + alertDetail(`$6::date`) + `, to_char(al.raised_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), coalesce(nullif(al.link, ''), '/supervision/alerts?kind=' || al.rule)`,
		order: `al.raised_at`}
	// An event counts once delivered to a destination of its feed: the figures the yearly
	// reports print as "上报双公示N条" and "推送监管行为数据N条".
	srcExchange = source{from: `outbox_events e JOIN agencies ag ON ag.id = e.agency_id`, region: `ag.region_code LIKE $3 || '%'`,
		row: `e.id::text, coalesce(e.payload->>'number', '') || coalesce(' ' || (e.payload->>'target'), ''), ` + topicCase + `,
			to_char(e.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/exchange/outbox?subject_id=' || e.subject_id`,
		order: `e.seq`}
	srcEvaluations = source{from: `evaluations e`, region: `e.region_code LIKE $3 || '%'`,
		row:   `e.id::text, e.name, e.period_from || ' 至 ' || e.period_to, to_char(e.created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/evaluations/' || e.id`,
		order: `e.created_at`}
)

// params names every placeholder's type once: PostgreSQL refuses a parameter that a
// query does not use, and each query uses only some.
const params = `(SELECT $1::timestamptz, $2::timestamptz, $3::text, $4::date, $5::date, $6::date, $7::text[],
	$8::date[], $9::int[], $10::date[]) AS params CROSS JOIN `

const (
	caseFiled   = `c.filed_at >= $1 AND c.filed_at < $2`
	caseDecided = `c.decided_at >= $1 AND c.decided_at < $2`
	caseClosed  = `c.closed_at >= $1 AND c.closed_at < $2`
	// A check of the year: approved (drawn checks are), not cancelled, not merged into a joint one.
	checksOfYear = `ck.state IN ('assigned', 'done') AND ck.drawn_on BETWEEN $4 AND $5`
	// The double-random section's checks: those a draw made.
	drawnOfYear = checksOfYear + ` AND ck.origin = 'draw'`
	// A check's record (a case of kind inspection) is not an enforcement case.
	caseEnforcement = caseFiled + ` AND kr.id IS NULL`
	ratingsOfYear   = `r.rated_at >= $1 AND r.rated_at < $2`
	// A disclosure item is due in the year its duty arose; one withdrawn before it was
	// ever published is no longer due.
	disclosureDue = `d.start_on BETWEEN $4 AND $5 AND NOT (d.state = 'withdrawn' AND d.published_at IS NULL)`
	publishedOn   = `(d.published_at AT TIME ZONE 'Asia/Shanghai')::date`
)

// part is one key of a figure that counts by category.
type part struct{ key, label, cond string }

// exchangeOfYear: events of the year on topic that reached a destination of format.
func exchangeOfYear(topic, format string) string {
	return `e.occurred_at >= $1 AND e.occurred_at < $2 AND ` + topic + ` AND EXISTS (SELECT 1 FROM outbox_deliveries od
		JOIN exchange_destinations dst ON dst.id = od.destination_id WHERE od.event_seq = e.seq AND od.state = 'sent' AND dst.format = '` + format + `')`
}

// topicCase labels an event's topic in SQL, for its row.
var topicCase = func() string {
	c := "CASE e.topic"
	keys := slices.Sorted(maps.Keys(topicLabels))
	for _, k := range keys {
		c += " WHEN '" + k + "' THEN '" + topicLabels[k] + "'"
	}
	return c + " END"
}()

// figureDef says what a figure counts.
type figureDef struct {
	key, label, unit, section string
	src                       *source
	cond                      string
	sum                       string // summed instead of counted, when set
	median                    string // its median (rounded) instead of a count, when set
	parts                     []part // counted by category, when set
}

// Sections of the report, in print order.
var sections = []string{"执法主体与人员", "行政执法案件", "重大执法决定法制审核", "行政执法公示", "双随机、一公开监管", "行政复议与行政诉讼", "行政执法案卷评查", "行政执法监督", "数据共享"}

// clueSourceCase and clueStateCase label a clue's source and state in SQL, for its row.
var clueSourceCase, clueStateCase = func() (string, string) {
	src, st := "CASE cl.source", "CASE cl.state"
	for _, k := range []string{"public", "hotline", "evaluation", "alert", "supervisor", "rating"} {
		src += " WHEN '" + k + "' THEN '" + ClueSources[k] + "'"
	}
	for _, x := range ClueStateList {
		st += " WHEN '" + x[0] + "' THEN '" + x[1] + "'"
	}
	return src + " END", st + " END"
}()

func clueParts() (sources, outcomes []part) {
	for _, k := range []string{"public", "hotline", "evaluation", "alert", "supervisor", "rating"} {
		sources = append(sources, part{k, ClueSources[k], `cl.source = '` + k + `'`})
	}
	for _, x := range ClueStateList {
		outcomes = append(outcomes, part{x[0], x[1], `cl.state = '` + x[0] + `'`})
	}
	return
}

// resultCase labels a check's result in SQL, for its row.
var resultCase = func() string {
	c := "CASE ck.result"
	for _, k := range inspection.ResultKinds {
		c += " WHEN '" + k.Code + "' THEN '" + k.Label + "'"
	}
	return c + " END"
}()

// alertRuleCase labels an alert's rule in SQL, for its row.
var alertRuleCase = func() string {
	c := "CASE al.rule"
	for _, r := range AlertRules {
		c += " WHEN '" + r.Code + "' THEN '" + r.Label + "'"
	}
	return c + " END"
}()

func alertParts() (out []part) {
	for _, r := range AlertRules {
		out = append(out, part{r.Code, r.Label, `al.rule = '` + r.Code + `'`})
	}
	return
}

func matterKindParts() (out []part) {
	for _, k := range MatterKindList {
		out = append(out, part{k[0], k[1], `sm.kind = '` + k[0] + `'`})
	}
	return
}

func documentKindParts() (out []part) {
	for _, k := range DocumentKindList {
		out = append(out, part{k[0], k[1], `sd.kind = '` + k[0] + `'`})
	}
	return
}

func outcomeParts() []part {
	var out []part
	for _, r := range enforcement.OutcomeResults {
		out = append(out, part{r, enforcement.OutcomeResultLabel(r), `oc.result = '` + r + `'`})
	}
	return out
}

var figureDefs = func() []figureDef {
	var kinds, reviews, ratings []part
	clueSources, clueOutcomes := clueParts()
	const cluesOfYear, mattersOfYear, docsOfYear = `cl.created_at >= $1 AND cl.created_at < $2`, `sm.opened_at >= $1 AND sm.opened_at < $2`,
		`sd.issued_at >= $1 AND sd.issued_at < $2`
	for _, k := range enforcement.CaseKinds {
		kinds = append(kinds, part{string(k), k.Label(), `c.kind = '` + string(k) + `'`})
	}
	for _, st := range []enforcement.ReviewState{enforcement.ReviewApproved, enforcement.ReviewReturned, enforcement.ReviewRejected, enforcement.ReviewPending} {
		reviews = append(reviews, part{string(st), st.Label(), `r.state = '` + string(st) + `'`})
	}
	for _, r := range Ratings {
		ratings = append(ratings, part{string(r), r.Label(), `f.rating = '` + string(r) + `'`})
	}
	return []figureDef{
		{key: "agencies", label: "行政执法主体", unit: "个", section: sections[0], src: &srcAgencies, cond: `ag.created_at < $2`},
		{key: "officers", label: "持有效证件的执法人员", unit: "人", section: sections[0], src: &srcOfficers,
			cond: `o.created_at < $2 AND o.status = 'active' AND o.cert_valid_until >= $6`},
		{key: "reviewers", label: "法制审核人员", unit: "人", section: sections[0], src: &srcUsers,
			cond: `'reviewer' = ANY(u.roles) AND u.created_at < $2 AND (u.disabled_at IS NULL OR u.disabled_at >= $2)`},
		{key: "cases_total", label: "立案办理的行政执法案件", unit: "件", section: sections[1], src: &srcCases, cond: caseEnforcement},
		{key: "cases_by_kind", label: "按案件类别", unit: "件", section: sections[1], src: &srcCases, cond: caseEnforcement, parts: kinds},
		{key: "check_records", label: "行政检查记录（不计入案件）", unit: "件", section: sections[1], src: &srcCases,
			cond: caseFiled + ` AND kr.id IS NOT NULL`},
		{key: "cases_decided", label: "作出行政执法决定", unit: "件", section: sections[1], src: &srcCases, cond: caseDecided},
		{key: "cases_by_outcome", label: "按办理结果", unit: "件", section: sections[1], src: &srcCases, parts: []part{
			{"penalty", "给予行政处罚", caseDecided + ` AND c.decision->>'outcome' = 'penalty'`},
			{"no_penalty", "不予行政处罚", caseDecided + ` AND c.decision->>'outcome' = 'no_penalty'`},
			{"other", "其他决定", caseDecided + ` AND c.decision->>'outcome' = 'other'`},
			{"withdrawn", "撤销立案", caseClosed + ` AND c.state = 'withdrawn'`},
			{"transferred", "移送司法机关", caseClosed + ` AND c.state = 'transferred'`}}},
		{key: "fines_total", label: "罚款金额", unit: "分", section: sections[1], src: &srcCases, cond: caseDecided + ` AND (c.decision->>'fine_amount')::bigint > 0`,
			sum: `(c.decision->>'fine_amount')::bigint`},
		{key: "confiscations_total", label: "没收违法所得、非法财物金额", unit: "分", section: sections[1], src: &srcCases,
			cond: caseDecided + ` AND (c.decision->>'confiscation_amount')::bigint > 0`, sum: `(c.decision->>'confiscation_amount')::bigint`},
		{key: "transfers", label: "移送司法机关", unit: "件", section: sections[1], src: &srcCases, cond: caseClosed + ` AND c.state = 'transferred'`},
		{key: "reviews_total", label: "提请法制审核", unit: "件次", section: sections[2], src: &srcReviews, cond: `r.submitted_at >= $1 AND r.submitted_at < $2`},
		{key: "reviews_by_outcome", label: "按审核结论", unit: "件次", section: sections[2], src: &srcReviews, cond: `r.submitted_at >= $1 AND r.submitted_at < $2`, parts: reviews},
		{key: "disclosures_due", label: "应公示的执法信息", unit: "条", section: sections[3], src: &srcDisclosures, cond: disclosureDue},
		{key: "disclosures_on_time", label: "按时公示", unit: "条", section: sections[3], src: &srcDisclosures,
			cond: disclosureDue + ` AND d.published_at IS NOT NULL AND ` + publishedOn + ` <= dd.due_on`},
		{key: "disclosures_late", label: "逾期公示或逾期未公示", unit: "条", section: sections[3], src: &srcDisclosures,
			cond: disclosureDue + ` AND ((d.published_at IS NOT NULL AND ` + publishedOn + ` > dd.due_on) OR (d.published_at IS NULL AND dd.due_on < $6))`},
		{key: "disclosures_pending", label: "尚在公示期限内", unit: "条", section: sections[3], src: &srcDisclosures,
			cond: disclosureDue + ` AND d.published_at IS NULL AND dd.due_on >= $6`},
		{key: "inspection_matters", label: "随机抽查事项", unit: "项", section: sections[4], src: &srcMatters, cond: `m.created_at < $2`},
		{key: "inspection_targets", label: "检查对象名录", unit: "个", section: sections[4], src: &srcTargets, cond: `tg.created_at < $2`},
		{key: "inspectors", label: "参加抽查人员", unit: "人", section: sections[4], src: &srcInspectors, cond: `true`},
		{key: "inspection_tasks", label: "抽查任务", unit: "个", section: sections[4], src: &srcTasks, cond: `tk.created_at >= $1 AND tk.created_at < $2`},
		{key: "draws", label: "开展双随机抽查（抽取）", unit: "次", section: sections[4], src: &srcDraws, cond: `dr.state = 'valid' AND dr.drawn_at >= $1 AND dr.drawn_at < $2`},
		{key: "checks", label: "抽查检查对象", unit: "户次", section: sections[4], src: &srcChecks, cond: drawnOfYear},
		{key: "checks_done", label: "录入检查结果", unit: "户次", section: sections[4], src: &srcChecks, cond: drawnOfYear + ` AND ck.state = 'done'`},
		{key: "checks_with_problems", label: "发现问题", unit: "户次", section: sections[4], src: &srcChecks, cond: drawnOfYear + ` AND ck.result = ANY($7)`},
		{key: "checks_by_kind", label: "按检查方式", unit: "户次", section: sections[4], src: &srcChecks, cond: checksOfYear, parts: []part{
			{"double_random", "双随机抽查", `ck.origin = 'draw'`},
			{"approved", "经批准的计划外检查", `ck.origin = 'request' AND NOT ` + inspection.ExemptSQL("ck")},
			{"exempt", "依投诉、转办、交办或复查", `ck.origin = 'request' AND ` + inspection.ExemptSQL("ck")},
			{"joint", "联合检查", `ck.origin = 'joint'`}}},
		{key: "check_codes_issued", label: "出示检查码", unit: "户次", section: sections[4], src: &srcChecks, cond: checksOfYear + ` AND ck.code_issued_at IS NOT NULL`},
		{key: "check_codes_scanned", label: "企业扫码核验", unit: "户次", section: sections[4], src: &srcChecks, cond: checksOfYear + ` AND ck.scanned_at IS NOT NULL`},
		{key: "checks_unscanned", label: "已完成但企业未扫码", unit: "户次", section: sections[4], src: &srcChecks,
			cond: checksOfYear + ` AND ck.state = 'done' AND ck.scanned_at IS NULL`},
		{key: "firms_at_cap", label: "受检次数达到或超过部门年度上限（企业 × 部门）", unit: "个", section: sections[4], src: &srcFirmCaps, cond: `fc.n >= p.yearly_cap`},
		{key: "joint_checks", label: "联合检查（综合查一次）", unit: "次", section: sections[4], src: &srcChecks, cond: checksOfYear + ` AND ck.origin = 'joint'`},
		{key: "joint_visits_saved", label: "联合检查减少入企", unit: "次", section: sections[4], src: &srcChecks, cond: checksOfYear + ` AND ck.origin = 'joint'`,
			sum: `(SELECT count(*) FROM inspection_checks m WHERE m.joint_id = ck.id) - 1`},
		{key: "check_ratings", label: "企业评价", unit: "份", section: sections[4], src: &srcRatings, cond: ratingsOfYear},
		{key: "check_ratings_by_stars", label: "按评价星级", unit: "份", section: sections[4], src: &srcRatings, cond: ratingsOfYear, parts: []part{
			{"5", "5 星", `r.stars = 5`}, {"4", "4 星", `r.stars = 4`}, {"3", "3 星", `r.stars = 3`}, {"2", "2 星", `r.stars = 2`}, {"1", "1 星", `r.stars = 1`}}},
		{key: "check_ratings_low", label: "评 1–2 星", unit: "份", section: sections[4], src: &srcRatings, cond: ratingsOfYear + ` AND r.stars <= 2`},
		{key: "check_ratings_clues", label: "评价转为监督线索", unit: "份", section: sections[4], src: &srcRatings, cond: ratingsOfYear + ` AND r.clue_id IS NOT NULL`},
		{key: "results_published", label: "公示抽查结果", unit: "条", section: sections[4], src: &srcDisclosures,
			cond: `d.kind = 'inspection_result' AND d.published_at >= $1 AND d.published_at < $2`},
		{key: "reconsiderations", label: "行政复议", unit: "件", section: sections[5], src: &srcOutcomes,
			cond: `oc.type = 'reconsideration' AND oc.decided_at >= $1 AND oc.decided_at < $2`, parts: outcomeParts()},
		{key: "litigations", label: "行政诉讼", unit: "件", section: sections[5], src: &srcOutcomes,
			cond: `oc.type = 'litigation' AND oc.decided_at >= $1 AND oc.decided_at < $2`, parts: outcomeParts()},
		{key: "evaluations", label: "开展案卷评查", unit: "次", section: sections[6], src: &srcEvaluations, cond: `e.created_at >= $1 AND e.created_at < $2`},
		{key: "evaluation_files", label: "评查案卷", unit: "份", section: sections[6], src: &srcEvaluationFiles, cond: `f.scored_at >= $1 AND f.scored_at < $2`},
		{key: "evaluations_by_rating", label: "按评查等次", unit: "份", section: sections[6], src: &srcEvaluationFiles, cond: `f.scored_at >= $1 AND f.scored_at < $2`, parts: ratings},
		{key: "clues", label: "受理监督线索", unit: "条", section: sections[7], src: &srcClues, cond: cluesOfYear},
		{key: "clues_by_source", label: "按线索来源", unit: "条", section: sections[7], src: &srcClues, cond: cluesOfYear, parts: clueSources},
		{key: "clues_by_outcome", label: "按处理结果", unit: "条", section: sections[7], src: &srcClues, cond: cluesOfYear, parts: clueOutcomes},
		{key: "complaint_days_median", label: "群众投诉作出处理决定的用时（中位数）", unit: "天", section: sections[7], src: &srcClues,
			cond:   cluesOfYear + ` AND cl.source = 'public' AND cl.decided_at IS NOT NULL`,
			median: `extract(epoch FROM cl.decided_at - cl.created_at) / 86400`},
		{key: "supervision_matters", label: "立项监督事项", unit: "项", section: sections[7], src: &srcSupervisionMatters, cond: mattersOfYear},
		{key: "supervision_matters_by_kind", label: "按监督类型", unit: "项", section: sections[7], src: &srcSupervisionMatters, cond: mattersOfYear, parts: matterKindParts()},
		{key: "supervision_matters_concluded", label: "办结监督事项", unit: "项", section: sections[7], src: &srcSupervisionMatters,
			cond: `sm.concluded_at >= $1 AND sm.concluded_at < $2`},
		{key: "supervision_documents", label: "制发监督文书", unit: "份", section: sections[7], src: &srcSupervisionDocuments, cond: docsOfYear},
		{key: "supervision_documents_by_kind", label: "按文书种类", unit: "份", section: sections[7], src: &srcSupervisionDocuments, cond: docsOfYear, parts: documentKindParts()},
		{key: "supervision_answers_on_time", label: "按期答复", unit: "份", section: sections[7], src: &srcSupervisionDocuments, cond: docsOfYear + ` AND fa.late = false`},
		{key: "supervision_answers_late", label: "逾期答复或逾期未答复", unit: "份", section: sections[7], src: &srcSupervisionDocuments,
			cond: docsOfYear + ` AND (fa.late OR (fa.answered_at IS NULL AND sd.due_date < $6))`},
		{key: "alerts_raised", label: "发出预警", unit: "条", section: sections[7], src: &srcAlerts, cond: `al.raised_at >= $1 AND al.raised_at < $2`, parts: alertParts()},
		{key: "alerts_closed", label: "预警条件消失而关闭", unit: "条", section: sections[7], src: &srcAlerts, cond: `al.closed_at >= $1 AND al.closed_at < $2`},
		{key: "supervision_corrections", label: "纠正执法问题（答复经验收）", unit: "件", section: sections[7], src: &srcSupervisionDocuments,
			cond: docsOfYear + ` AND sd.corrected`},
		{key: "dual_disclosures_pushed", label: "报送信用平台的双公示信息", unit: "条", section: sections[8], src: &srcExchange,
			cond: exchangeOfYear(`e.topic IN ('credit.penalty', 'credit.license')`, "credit")},
		{key: "regulatory_actions_pushed", label: "推送“互联网+监管”的监管行为数据", unit: "条", section: sections[8], src: &srcExchange,
			cond: exchangeOfYear(`e.topic LIKE 'action.%'`, "regulatory")},
	}
}()

// Part is one category of a figure.
type Part struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Value int64  `json:"value"`
}

// Figure is one number of the report, or its categories.
type Figure struct {
	Key     string `json:"key"`
	Label   string `json:"label"`
	Unit    string `json:"unit"`
	Section string `json:"section"`
	Value   int64  `json:"value"`
	Parts   []Part `json:"parts,omitempty"`
}

// Report is the annual figures of a region.
type Report struct {
	Year          int       `json:"year"`
	RegionCode    string    `json:"region_code"`
	AsOf          string    `json:"as_of"` // the day stock figures stand on
	GeneratedAt   time.Time `json:"generated_at"`
	Figures       []Figure  `json:"-"`
	ReviewerShare float64   `json:"-"` // reviewers as a percentage of officers
	RatingMean    float64   `json:"-"` // the firms' mean rating of checks, to one decimal
}

// Figure finds a figure by key.
func (r *Report) Figure(key string) Figure {
	for _, f := range r.Figures {
		if f.Key == key {
			return f
		}
	}
	return Figure{}
}

// Value is a figure's number, or a category's as "key.part".
func (r *Report) Value(key string) int64 {
	k, p, ok := strings.Cut(key, ".")
	f := r.Figure(k)
	if !ok {
		return f.Value
	}
	for _, pt := range f.Parts {
		if pt.Key == p {
			return pt.Value
		}
	}
	return 0
}

// Map is the figures as API.md's JSON: numbers, and objects by category.
func (r *Report) Map() map[string]any {
	m := map[string]any{"reviewer_share": r.ReviewerShare, "check_ratings_mean": r.RatingMean}
	for _, f := range r.Figures {
		if f.Parts == nil {
			m[f.Key] = f.Value
			continue
		}
		parts := map[string]int64{}
		for _, p := range f.Parts {
			parts[p.Key] = p.Value
		}
		m[f.Key] = parts
	}
	return m
}

// Sections lists the figures section by section, for pages and exports.
func (r *Report) Sections() []ReportSection {
	var out []ReportSection
	for _, name := range sections {
		s := ReportSection{Name: name}
		for _, f := range r.Figures {
			if f.Section == name {
				s.Figures = append(s.Figures, f)
			}
		}
		out = append(out, s)
	}
	return out
}

// ReportSection is a section's figures.
type ReportSection struct {
	Name    string
	Figures []Figure
}

// reportArgs are the values of the placeholders for a year and region.
func (s *Service) reportArgs(ctx context.Context, year int, prefix string) ([]any, string, error) {
	loc := enforcement.Shanghai()
	from, to := time.Date(year, 1, 1, 0, 0, 0, 0, loc), time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
	first, last := enforcement.MustDate(year, time.January, 1), enforcement.MustDate(year, time.December, 31)
	asOf := last
	if today := s.Cases.Today(); today.Before(last) {
		asOf = today
	}
	var problems []string
	for _, k := range inspection.ResultKinds {
		if k.Problem {
			problems = append(problems, k.Code)
		}
	}
	starts, days, dues, err := s.disclosureDues(ctx, first, last)
	if err != nil {
		return nil, "", err
	}
	return []any{from, to, prefix, first, last, asOf, problems, starts, days, dues}, asOf.String(), nil
}

// disclosureDues counts, on the working-day calendar, the due date of every (start day,
// working days) pair among the year's disclosure items: a few hundred pairs, however
// many items.
func (s *Service) disclosureDues(ctx context.Context, first, last enforcement.Date) ([]enforcement.Date, []int32, []enforcement.Date, error) {
	cal, err := s.Cases.Store.Calendar(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	rows, _ := s.db.Query(ctx, `SELECT DISTINCT start_on, due_days FROM disclosures WHERE start_on BETWEEN $1 AND $2`, first, last)
	var starts, dues []enforcement.Date
	var days []int32
	var start enforcement.Date
	var n int32
	_, err = pgx.ForEachRow(rows, []any{&start, &n}, func() error {
		starts, days, dues = append(starts, start), append(days, n), append(dues, cal.AddWorkingDays(start, int(n)))
		return nil
	})
	return starts, days, dues, enforcement.DBError(err, "公示")
}

// ReportRegion checks the region asked for: the actor's own, or one within it.
func ReportRegion(a enforcement.Actor, code string) (string, error) {
	if err := a.Require(enforcement.RoleSupervisor, enforcement.RoleAdmin); err != nil {
		return "", err
	}
	if code == "" {
		code = a.RegionCode
	}
	if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
		return "", fault.Field("region_code", "区划代码应为 6 位数字")
	}
	if !strings.HasPrefix(enforcement.RegionPrefix(code), enforcement.RegionPrefix(a.RegionCode)) {
		return "", fault.New(fault.Forbidden, "只能统计本地区（%s）及其下辖地区的数据", a.RegionCode)
	}
	return code, nil
}

// AnnualReport counts a year's figures for a region. Each source is read once, with every
// figure over it computed in the same scan; sources are read concurrently.
func (s *Service) AnnualReport(ctx context.Context, a enforcement.Actor, year int, regionCode string) (Report, error) {
	code, err := ReportRegion(a, regionCode)
	if err != nil {
		return Report{}, err
	}
	if year < 2000 || year > 2100 {
		return Report{}, fault.Field("year", "请填写统计年度，如 2026")
	}
	args, asOf, err := s.reportArgs(ctx, year, enforcement.RegionPrefix(code))
	if err != nil {
		return Report{}, err
	}
	r := Report{Year: year, RegionCode: code, AsOf: asOf, GeneratedAt: s.Cases.Now(), Figures: make([]Figure, len(figureDefs))}
	bySource := map[*source][]int{}
	var order []*source
	for i, d := range figureDefs {
		if bySource[d.src] == nil {
			order = append(order, d.src)
		}
		bySource[d.src] = append(bySource[d.src], i)
	}
	// The case and disclosure scans take longest: they start first.
	slices.SortStableFunc(order, func(a, b *source) int { return heavy(b) - heavy(a) })
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2) // more at once only contend for the database's cores (measured: 2 fastest)
	for _, src := range order {
		idx := bySource[src]
		g.Go(func() error { return s.countSource(gctx, src, idx, args, r.Figures) })
	}
	if err := g.Wait(); err != nil {
		return Report{}, enforcement.DBError(err, "统计数据")
	}
	if officers := r.Value("officers"); officers > 0 {
		r.ReviewerShare = math.Round(float64(r.Value("reviewers"))*1000/float64(officers)) / 10
	}
	if n := r.Value("check_ratings"); n > 0 {
		var stars int64
		for _, p := range r.Figure("check_ratings_by_stars").Parts {
			k, _ := strconv.Atoi(p.Key)
			stars += int64(k) * p.Value
		}
		r.RatingMean = math.Round(float64(stars)*10/float64(n)) / 10
	}
	return r, nil
}

func heavy(s *source) int {
	switch s {
	case &srcCases:
		return 2
	case &srcDisclosures:
		return 1
	}
	return 0
}

// countSource computes the figures idx over one source in a single scan.
func (s *Service) countSource(ctx context.Context, src *source, idx []int, args []any, out []Figure) error {
	var aggs, either []string
	for _, i := range idx {
		d := figureDefs[i]
		if d.parts == nil {
			agg := "count(*) FILTER (WHERE " + d.cond + ")"
			if d.sum != "" {
				agg = "coalesce(sum(" + d.sum + ") FILTER (WHERE " + d.cond + "), 0)::bigint"
			}
			if d.median != "" {
				agg = "coalesce(round(percentile_cont(0.5) WITHIN GROUP (ORDER BY " + d.median + ") FILTER (WHERE " + d.cond + "))::bigint, 0)"
			}
			aggs = append(aggs, agg)
			either = append(either, "("+d.cond+")")
			continue
		}
		for _, p := range d.parts {
			cond := p.cond
			if d.cond != "" {
				cond = d.cond + " AND " + cond
			}
			aggs = append(aggs, "count(*) FILTER (WHERE "+cond+")")
			either = append(either, "("+cond+")")
		}
	}
	q := "SELECT " + strings.Join(aggs, ", ") + " FROM " + params + src.from + " WHERE " + src.region + " AND (" + strings.Join(either, " OR ") + ")"
	vals := make([]int64, len(aggs))
	dst := make([]any, len(aggs))
	for i := range vals {
		dst[i] = &vals[i]
	}
	if err := s.db.QueryRow(ctx, q, args...).Scan(dst...); err != nil {
		return fmt.Errorf("%s: %w", src.from, err)
	}
	at := 0
	for _, i := range idx {
		d := figureDefs[i]
		f := Figure{Key: d.key, Label: d.label, Unit: d.unit, Section: d.section}
		if d.parts == nil {
			f.Value = vals[at]
			at++
		} else {
			f.Parts = make([]Part, len(d.parts))
			for j, p := range d.parts {
				f.Parts[j] = Part{Key: p.key, Label: p.label, Value: vals[at]}
				f.Value += vals[at]
				at++
			}
		}
		out[i] = f
	}
	return nil
}

// Row is one record a figure counts.
type Row struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Date   string `json:"date"`
	Link   string `json:"link"`
}

// FigureLabel names a figure, or one of its categories, as the report prints it.
func FigureLabel(figure, key string) (string, bool) {
	for _, d := range figureDefs {
		if d.key != figure {
			continue
		}
		if key == "" {
			return d.label, true
		}
		for _, p := range d.parts {
			if p.key == key {
				return d.label + "：" + p.label, true
			}
		}
	}
	return "", false
}

// Rows lists what a figure, or one category of it, counts.
func (s *Service) Rows(ctx context.Context, a enforcement.Actor, year int, regionCode, figure, key string, p enforcement.Page) (enforcement.List[Row], error) {
	code, err := ReportRegion(a, regionCode)
	if err != nil {
		return enforcement.List[Row]{}, err
	}
	var def *figureDef
	for i := range figureDefs {
		if figureDefs[i].key == figure {
			def = &figureDefs[i]
		}
	}
	if def == nil {
		return enforcement.List[Row]{}, fault.Field("figure", "没有名为“%s”的统计项", figure)
	}
	cond := def.cond
	if key != "" {
		found := false
		for _, pt := range def.parts {
			if pt.key == key {
				found = true
				if cond != "" {
					cond += " AND "
				}
				cond += pt.cond
			}
		}
		if !found {
			return enforcement.List[Row]{}, fault.Field("key", "统计项“%s”没有分类“%s”", def.label, key)
		}
	} else if cond == "" { // a figure counted only by category: any of them
		var either []string
		for _, pt := range def.parts {
			either = append(either, "("+pt.cond+")")
		}
		cond = strings.Join(either, " OR ")
	}
	args, _, err := s.reportArgs(ctx, year, enforcement.RegionPrefix(code))
	if err != nil {
		return enforcement.List[Row]{}, err
	}
	// ListPage numbers its own placeholders after these.
	from := def.src.from
	if def.src.rows != "" {
		from = def.src.rows
	}
	q := enforcement.Query{Select: def.src.row, From: params + from, Where: []string{def.src.region, "(" + cond + ")"}, Order: def.src.order, Args: args}
	return enforcement.ListPage(ctx, s.db, q, p, func(row pgx.CollectableRow) (Row, error) {
		var r Row
		err := row.Scan(&r.ID, &r.Title, &r.Detail, &r.Date, &r.Link)
		return r, err
	})
}
