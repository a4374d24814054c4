package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"zhifa/enforcement"
	"zhifa/fault"
	"zhifa/inspection"
)

// The statistical return (行政执法统计年报): six tables an agency files each year, one row
// per agency and a total for the region, counted from the records with the annual
// report's sources and placeholders. Every row counted is attributed to exactly one
// agency, so the total is the sum of the agencies' rows, as the return adds them up.

// Return sources beyond the annual report's: each names its agency ag.
var (
	// A check counts for the agency that did it: a requested one for its agency, a drawn one
	// for its first inspector's, a member of a joint check for its own agency, with the joint
	// check's result. An officer's own check record (a case of kind inspection that is not a
	// check's record) counts as a check too, of its case's agency.
	srcReturnChecks = source{from: `(SELECT ck.id, coalesce(ck.agency_id, o1.agency_id) AS agency_id,
			CASE WHEN ck.joint_id IS NOT NULL THEN 'joint' WHEN ck.origin = 'request' AND ` + inspection.ExemptSQL("ck") + ` THEN 'exempt' ELSE ck.origin END AS way,
			coalesce(j.state, ck.state) AS state, coalesce(j.result, ck.result) AS result, coalesce(j.result_at, ck.result_at) AS done_at,
			coalesce(j.followup_id, ck.followup_id) AS followup_id, ck.target_code || ' ' || coalesce(tg.name, '') AS title,
			'/inspection/checks/' || coalesce(j.id, ck.id) AS link
		FROM inspection_checks ck LEFT JOIN inspection_checks j ON j.id = ck.joint_id
		LEFT JOIN officers o1 ON o1.id = ck.inspector_ids[1] LEFT JOIN inspection_targets tg ON tg.code = ck.target_code
		WHERE ck.origin <> 'joint'
		UNION ALL
		SELECT c.id, c.agency_id, 'record', 'done', NULL, c.filed_at, NULL, c.number || ' ' || c.cause, '/cases/' || c.id
		FROM cases c WHERE c.kind = 'inspection' AND NOT EXISTS (SELECT 1 FROM inspection_checks k WHERE k.case_id = c.id)) x
		JOIN agencies ag ON ag.id = x.agency_id`,
		region: `ag.region_code LIKE $3 || '%'`,
		row: `x.id::text, x.title, ag.name || ' · ' || ` + checkWayCase + ` || coalesce(' · ' || ` + strings.ReplaceAll(resultCase, "ck.", "x.") + `, ''),
			to_char(x.done_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), x.link`,
		order: `x.done_at, x.id`}
	// A reconsideration or suit counts for the agency whose case it is about.
	srcReturnOutcomes = source{from: `case_outcomes oc JOIN cases c ON c.id = oc.case_id JOIN agencies ag ON ag.id = c.agency_id`,
		region: `ag.region_code LIKE $3 || '%'`,
		row: `oc.id::text, c.number, ag.name || ' · ' || CASE oc.type WHEN 'reconsideration' THEN '行政复议' ELSE '行政诉讼' END || ' · ' || ` + outcomeResultCase + `,
			to_char(oc.decided_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD'), '/cases/' || c.id`,
		order: `oc.decided_at`}
)

// The ways a check is counted by, as the return's columns name them.
var checkWays = [][2]string{{"draw", "双随机抽查"}, {"request", "经批准的计划外检查"}, {"exempt", "依投诉举报、转办交办或复查"},
	{"joint", "联合检查（各部门分别计）"}, {"record", "其他现场检查记录"}}

var checkWayCase = func() string {
	c := "CASE x.way"
	for _, w := range checkWays {
		c += " WHEN '" + w[0] + "' THEN '" + w[1] + "'"
	}
	return c + " END"
}()

var outcomeResultCase = func() string {
	c := "CASE oc.result"
	for _, r := range enforcement.OutcomeResults {
		c += " WHEN '" + r + "' THEN '" + enforcement.OutcomeResultLabel(r) + "'"
	}
	return c + " END"
}()

// returnCol is one column of a return table: counted (or summed) over a source.
type returnCol struct {
	key, label, group, unit string
	src                     *source
	cond, sum               string
}

// returnTable is one of the six tables.
type returnTable struct {
	key, title string
	cols       []returnCol
	notes      []string
}

const (
	// An enforcement case of the year, not a check's own record.
	caseOwnFiled   = caseFiled + ` AND kr.id IS NULL`
	caseOwnDecided = caseDecided + ` AND kr.id IS NULL`
	checkDone      = `x.state = 'done' AND x.done_at >= $1 AND x.done_at < $2`
	outcomeOfYear  = `oc.decided_at >= $1 AND oc.decided_at < $2 AND c.kind = 'penalty'`
	// What a reconsideration or suit corrects: the decision revoked, changed or found unlawful.
	outcomeCorrects = ` AND oc.result IN ('revoked', 'changed', 'confirmed_illegal')`
)

// categoryIs: the decision names category. hasAny: it names any of codes.
func categoryIs(code string) string { return `c.decision->'categories' @> '["` + code + `"]'` }

func hasAny(codes []string) string {
	return `EXISTS (SELECT 1 FROM jsonb_array_elements_text(c.decision->'categories') cat WHERE cat IN ('` + strings.Join(codes, "', '") + `'))`
}

// The return's penalty columns, in the printed table's order (not by weight).
var penaltyColumns = []string{"warning", "criticism", "fine", "confiscate_income", "confiscate_property", "suspend_license", "downgrade",
	"revoke_license", "restrict_business", "suspend_business", "close", "restrict_practice", "detention", "other_penalty"}

var returnTables = func() []returnTable {
	const decided = caseOwnDecided + ` AND c.kind = `
	license := returnTable{key: "license", title: "行政许可实施情况统计表", cols: []returnCol{
		{key: "applied", label: "申请数量", group: "行政许可实施数量", cond: caseOwnFiled + ` AND c.kind = 'license'`},
		{key: "accepted", label: "受理数量", group: "行政许可实施数量", cond: caseOwnFiled + ` AND c.kind = 'license'`},
		{key: "granted", label: "许可数量", group: "行政许可实施数量", cond: decided + `'license' AND ` + categoryIs("grant")},
		{key: "refused", label: "不予许可数量", group: "行政许可实施数量", cond: decided + `'license' AND ` + categoryIs("refuse")},
		{key: "revoked", label: "撤销许可数量", cond: decided + `'license' AND ` + categoryIs("revoke")},
	}, notes: []string{
		"统计范围为统计年度 1 月 1 日至 12 月 31 日。",
		"本平台在受理许可申请时立案，申请数量与受理数量均按当年立案的许可案件计。",
		"许可数量、不予许可数量、撤销许可数量按当年作出的许可决定所选的决定种类计；准予变更、延续的计入许可数量，不予变更、延续的计入不予许可数量。",
	}}
	penalty := returnTable{key: "penalty", title: "行政处罚实施情况统计表", cols: []returnCol{
		{key: "filed", label: "立案数量", group: "行政处罚实施情况", cond: caseOwnFiled + ` AND c.kind = 'penalty'`},
		{key: "closed", label: "结案数量", group: "行政处罚实施情况", cond: caseClosed + ` AND kr.id IS NULL AND c.kind = 'penalty' AND c.state IN ('closed', 'archived')`},
	}, notes: []string{
		"统计范围为统计年度 1 月 1 日至 12 月 31 日；行政处罚决定数量按当年作出的处罚决定计，包括其后经行政复议或者行政诉讼被撤销的决定。",
		"一份决定只处一种处罚的，计入该种类；并处两种以上的，计一宗，计入其中最重的种类；并处明确种类和其他行政处罚的，计入明确种类。从轻到重：警告，通报批评，罚款，没收违法所得、没收非法财物，暂扣许可证件，降低资质等级，限制开展生产经营活动，责令停产停业，责令关闭、限制从业，吊销许可证件，行政拘留。",
		"罚没金额为决定书确定的罚款和没收金额之和，以万元计；不能确定金额的没收不计入。",
		"被行政复议、被行政诉讼数量按当年登记的复议、诉讼结果计；纠错、败诉指决定被撤销、变更或者确认违法。",
	}}
	for _, code := range penaltyColumns {
		penalty.cols = append(penalty.cols, returnCol{key: code, label: enforcement.CategoryLabel("penalty", code), group: "行政处罚决定数量（按最重的处罚种类）",
			cond: decided + `'penalty' AND c.decision->>'outcome' = 'penalty' AND c.decision->'categories'->>-1 = '` + code + `'`})
	}
	penalty.cols = append(penalty.cols,
		returnCol{key: "decided", label: "合计", group: "行政处罚决定数量（按最重的处罚种类）", cond: decided + `'penalty' AND c.decision->>'outcome' = 'penalty'`},
		returnCol{key: "amount", label: "罚没金额", unit: "分", cond: decided + `'penalty' AND c.decision->>'outcome' = 'penalty'`,
			sum: `coalesce((c.decision->>'fine_amount')::bigint, 0) + coalesce((c.decision->>'confiscation_amount')::bigint, 0)`},
		returnCol{key: "no_penalty", label: "不予处罚案件数量", cond: decided + `'penalty' AND c.decision->>'outcome' = 'no_penalty'`},
		returnCol{key: "reconsidered", label: "被行政复议数量", group: "被复议应诉数量", src: &srcReturnOutcomes, cond: outcomeOfYear + ` AND oc.type = 'reconsideration'`},
		returnCol{key: "reconsideration_corrected", label: "被行政复议纠错数量", group: "被复议应诉数量", src: &srcReturnOutcomes,
			cond: outcomeOfYear + ` AND oc.type = 'reconsideration'` + outcomeCorrects},
		returnCol{key: "sued", label: "被行政诉讼数量", group: "被复议应诉数量", src: &srcReturnOutcomes, cond: outcomeOfYear + ` AND oc.type = 'litigation'`},
		returnCol{key: "suit_lost", label: "行政诉讼败诉数量", group: "被复议应诉数量", src: &srcReturnOutcomes,
			cond: outcomeOfYear + ` AND oc.type = 'litigation'` + outcomeCorrects},
		returnCol{key: "transferred", label: "移送司法机关数量", cond: caseClosed + ` AND kr.id IS NULL AND c.kind = 'penalty' AND c.state = 'transferred'`},
	)
	coercion := returnTable{key: "coercion", title: "行政强制实施情况统计表", notes: []string{
		"统计范围为统计年度 1 月 1 日至 12 月 31 日期间作出的行政强制决定，按决定所选的措施或者执行方式计。",
		"一份决定采取几种措施或者执行方式的，分别计入各种；小计按决定计一次。",
	}}
	for _, group := range []string{"行政强制措施", "行政强制执行"} {
		var codes []string
		for _, cat := range enforcement.CoercionCategories {
			if cat.Group == group {
				codes = append(codes, cat.Code)
				coercion.cols = append(coercion.cols, returnCol{key: cat.Code, label: cat.Label, group: group + "实施数量", cond: decided + `'coercion' AND ` + categoryIs(cat.Code)})
			}
		}
		coercion.cols = append(coercion.cols, returnCol{key: map[string]string{"行政强制措施": "measures", "行政强制执行": "executions"}[group], label: "小计",
			group: group + "实施数量", cond: decided + `'coercion' AND ` + hasAny(codes)})
	}
	coercion.cols = append(coercion.cols, returnCol{key: "court", label: "申请法院强制执行数量", cond: decided + `'coercion' AND ` + categoryIs("court")})
	levy := returnTable{key: "levy", title: "行政征收实施情况统计表", cols: []returnCol{
		{key: "decided", label: "行政征收次数", cond: decided + `'levy'`}},
		notes: []string{"统计范围为统计年度 1 月 1 日至 12 月 31 日期间作出的行政征收决定。"}}
	requisition := returnTable{key: "requisition", title: "行政征用实施情况统计表", cols: []returnCol{
		{key: "decided", label: "行政征用次数", cond: decided + `'requisition'`}},
		notes: []string{"统计范围为统计年度 1 月 1 日至 12 月 31 日期间作出的行政征用决定。"}}
	checks := returnTable{key: "inspection", title: "行政检查实施情况统计表", cols: []returnCol{
		{key: "done", label: "合计", group: "行政检查次数", src: &srcReturnChecks, cond: checkDone}}, notes: []string{
		"统计范围为统计年度 1 月 1 日至 12 月 31 日期间录入检查结果的检查。检查一个检查对象、留有完整检查记录的，计检查一次；检查的执法记录不计入行政处罚等案件。",
		"抽查检查计入抽查人员中第一人所在部门；联合检查（综合查一次）计入参加的各部门，各计一次。",
		"其他现场检查记录，指执法人员以行政检查类案件登记的、不属于抽查或者计划外检查的现场检查。",
	}}
	for _, w := range checkWays {
		checks.cols = append(checks.cols, returnCol{key: w[0], label: w[1], group: "行政检查次数", src: &srcReturnChecks, cond: checkDone + ` AND x.way = '` + w[0] + `'`})
	}
	checks.cols = append(checks.cols,
		returnCol{key: "problems", label: "发现问题", src: &srcReturnChecks, cond: checkDone + ` AND x.result = ANY($7)`},
		returnCol{key: "followups", label: "发现问题后立案", src: &srcReturnChecks, cond: checkDone + ` AND x.followup_id IS NOT NULL`})
	out := []returnTable{license, penalty, coercion, levy, requisition, checks}
	for t := range out {
		for i := range out[t].cols {
			if out[t].cols[i].src == nil {
				out[t].cols[i].src = &srcCases
			}
			if out[t].cols[i].unit == "" {
				out[t].cols[i].unit = "宗"
			}
		}
	}
	return out
}()

// ReturnColumn is a column of a return table. Amounts are in fen (unit "分").
type ReturnColumn struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Group string `json:"group,omitempty"`
	Unit  string `json:"unit"`
}

// ReturnRow is one agency's row of a table.
type ReturnRow struct {
	AgencyID uuid.UUID `json:"agency_id"`
	Agency   string    `json:"agency"`
	Values   []int64   `json:"values"`
}

// ReturnTable is one table of the return: its columns, the agencies' rows and the total.
type ReturnTable struct {
	Key     string         `json:"key"`
	Title   string         `json:"title"`
	Columns []ReturnColumn `json:"columns"`
	Rows    []ReturnRow    `json:"rows"`
	Total   []int64        `json:"total"`
	Notes   []string       `json:"notes"`
}

// StatReturn is a region's statistical return for a year.
type StatReturn struct {
	Year        int           `json:"year"`
	RegionCode  string        `json:"region_code"`
	AsOf        string        `json:"as_of"`
	GeneratedAt time.Time     `json:"generated_at"`
	Tables      []ReturnTable `json:"tables"`
}

// StatisticalReturn counts a region's return for a year, for supervisors and admins.
func (s *Service) StatisticalReturn(ctx context.Context, a enforcement.Actor, year int, regionCode string) (StatReturn, error) {
	code, err := ReportRegion(a, regionCode)
	if err != nil {
		return StatReturn{}, err
	}
	return s.statReturn(ctx, year, code)
}

// PublicStatisticalReturn is a past year's return as the portal shows it: a year is
// published once it is over, so the return is up well before 31 January. The region is
// the one asked for, or the widest one zhifa holds.
func (s *Service) PublicStatisticalReturn(ctx context.Context, year int, regionCode string) (StatReturn, error) {
	if year >= s.Cases.Today().Year {
		return StatReturn{}, fault.Field("year", "%d 年度尚未结束，统计年报在次年 1 月 1 日起公开", year)
	}
	if regionCode == "" {
		err := s.db.QueryRow(ctx, `SELECT region_code FROM agencies ORDER BY length(rtrim(region_code, '0')), region_code LIMIT 1`).Scan(&regionCode)
		if err != nil {
			return StatReturn{}, enforcement.DBError(err, "执法主体")
		}
	}
	if len(regionCode) != 6 || strings.Trim(regionCode, "0123456789") != "" {
		return StatReturn{}, fault.Field("region_code", "区划代码应为 6 位数字")
	}
	return s.statReturn(ctx, year, regionCode)
}

func (s *Service) statReturn(ctx context.Context, year int, code string) (StatReturn, error) {
	if year < 2000 || year > 2100 {
		return StatReturn{}, fault.Field("year", "请填写统计年度，如 2026")
	}
	prefix := enforcement.RegionPrefix(code)
	args, asOf, err := s.reportArgs(ctx, year, prefix)
	if err != nil {
		return StatReturn{}, err
	}
	// Every agency of the region files a return, with 0 where it did nothing; the county
	// government itself only when it has something to report.
	type agency struct {
		id         uuid.UUID
		name, kind string
	}
	rows, _ := s.db.Query(ctx, `SELECT id, name, kind FROM agencies WHERE region_code LIKE $1 || '%' ORDER BY region_code, name`, prefix)
	agencies, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (agency, error) {
		var ag agency
		return ag, r.Scan(&ag.id, &ag.name, &ag.kind)
	})
	if err != nil {
		return StatReturn{}, enforcement.DBError(err, "执法主体")
	}
	// One grouped scan per source, all tables' columns over it at once.
	type colRef struct{ table, col int }
	bySource := map[*source][]colRef{}
	var order []*source
	for t, tb := range returnTables {
		for i, col := range tb.cols {
			if bySource[col.src] == nil {
				order = append(order, col.src)
			}
			bySource[col.src] = append(bySource[col.src], colRef{t, i})
		}
	}
	values := make([]map[uuid.UUID][]int64, len(returnTables)) // table → agency → column values
	for t, tb := range returnTables {
		values[t] = map[uuid.UUID][]int64{}
		for _, ag := range agencies {
			values[t][ag.id] = make([]int64, len(tb.cols))
		}
	}
	results := make([]map[uuid.UUID][]int64, len(order))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	for i, src := range order {
		refs := bySource[src]
		g.Go(func() error {
			var aggs, either []string
			for _, r := range refs {
				col := returnTables[r.table].cols[r.col]
				agg := "count(*) FILTER (WHERE " + col.cond + ")"
				if col.sum != "" {
					agg = "coalesce(sum(" + col.sum + ") FILTER (WHERE " + col.cond + "), 0)::bigint"
				}
				aggs, either = append(aggs, agg), append(either, "("+col.cond+")")
			}
			q := "SELECT ag.id, " + strings.Join(aggs, ", ") + " FROM " + params + src.from + " WHERE " + src.region +
				" AND (" + strings.Join(either, " OR ") + ") GROUP BY ag.id"
			rows, err := s.db.Query(gctx, q, args...)
			if err != nil {
				return fmt.Errorf("%s: %w", src.from, err)
			}
			defer rows.Close()
			got := map[uuid.UUID][]int64{}
			for rows.Next() {
				var id uuid.UUID
				vals := make([]int64, len(refs))
				dst := []any{&id}
				for j := range vals {
					dst = append(dst, &vals[j])
				}
				if err := rows.Scan(dst...); err != nil {
					return err
				}
				got[id] = vals
			}
			results[i] = got
			return rows.Err()
		})
	}
	if err := g.Wait(); err != nil {
		return StatReturn{}, enforcement.DBError(err, "统计数据")
	}
	for i, src := range order {
		for id, vals := range results[i] {
			for j, r := range bySource[src] {
				if values[r.table][id] == nil {
					values[r.table][id] = make([]int64, len(returnTables[r.table].cols))
				}
				values[r.table][id][r.col] = vals[j]
			}
		}
	}
	out := StatReturn{Year: year, RegionCode: code, AsOf: asOf, GeneratedAt: s.Cases.Now()}
	for t, tb := range returnTables {
		rt := ReturnTable{Key: tb.key, Title: tb.title, Notes: tb.notes, Total: make([]int64, len(tb.cols)), Rows: []ReturnRow{}}
		for _, col := range tb.cols {
			rt.Columns = append(rt.Columns, ReturnColumn{Key: col.key, Label: col.label, Group: col.group, Unit: col.unit})
		}
		for _, ag := range agencies {
			vals := values[t][ag.id]
			if ag.kind == "government" && !slices.ContainsFunc(vals, func(v int64) bool { return v != 0 }) {
				continue
			}
			rt.Rows = append(rt.Rows, ReturnRow{AgencyID: ag.id, Agency: ag.name, Values: vals})
			for j, v := range vals {
				rt.Total[j] += v
			}
		}
		out.Tables = append(out.Tables, rt)
	}
	return out, nil
}

// ReturnColumnLabel names a column of the return as its page prints it.
func ReturnColumnLabel(table, col string) (string, bool) {
	for _, tb := range returnTables {
		if tb.key != table {
			continue
		}
		for _, c := range tb.cols {
			if c.key == col {
				label := c.label
				if c.group != "" {
					label = c.group + "：" + c.label
				}
				return strings.TrimSuffix(tb.title, "统计表") + " · " + label, true
			}
		}
	}
	return "", false
}

// ReturnRows lists what a cell of the return counts: a column, for one agency of the
// region (named in the answer) or the whole region.
func (s *Service) ReturnRows(ctx context.Context, a enforcement.Actor, year int, regionCode string, agencyID *uuid.UUID, table, column string,
	p enforcement.Page) (enforcement.List[Row], string, error) {
	l, err := s.returnRows(ctx, a, year, regionCode, agencyID, table, column, p)
	if err != nil || agencyID == nil {
		return l, "", err
	}
	var name string
	err = s.db.QueryRow(ctx, `SELECT name FROM agencies WHERE id = $1`, *agencyID).Scan(&name)
	return l, name, enforcement.DBError(err, "执法主体")
}

func (s *Service) returnRows(ctx context.Context, a enforcement.Actor, year int, regionCode string, agencyID *uuid.UUID, table, column string,
	p enforcement.Page) (enforcement.List[Row], error) {
	code, err := ReportRegion(a, regionCode)
	if err != nil {
		return enforcement.List[Row]{}, err
	}
	var col *returnCol
	for t := range returnTables {
		if returnTables[t].key != table {
			continue
		}
		for i := range returnTables[t].cols {
			if returnTables[t].cols[i].key == column {
				col = &returnTables[t].cols[i]
			}
		}
	}
	if col == nil {
		return enforcement.List[Row]{}, fault.Field("column", "统计年报没有“%s.%s”这一栏", table, column)
	}
	args, _, err := s.reportArgs(ctx, year, enforcement.RegionPrefix(code))
	if err != nil {
		return enforcement.List[Row]{}, err
	}
	where := []string{col.src.region, "(" + col.cond + ")"}
	if agencyID != nil {
		args = append(args, *agencyID)
		where = append(where, fmt.Sprintf("ag.id = $%d", len(args)))
	}
	from := col.src.from
	if col.src.rows != "" {
		from = col.src.rows
	}
	q := enforcement.Query{Select: col.src.row, From: params + from, Where: where, Order: col.src.order, Args: args}
	return enforcement.ListPage(ctx, s.db, q, p, func(row pgx.CollectableRow) (Row, error) {
		var r Row
		err := row.Scan(&r.ID, &r.Title, &r.Detail, &r.Date, &r.Link)
		return r, err
	})
}
