package app_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// returnCells reads one agency's row (or, for "", the region's total) of the return as
// "table.column" → value.
func returnCells(t *testing.T, r response, agency string) map[string]float64 {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("return = %d %s", r.Status, r.Body)
	}
	out := map[string]float64{}
	for _, tb := range r.JSON()["tables"].([]any) {
		tm := tb.(map[string]any)
		cols := tm["columns"].([]any)
		vals := tm["total"].([]any)
		if agency != "" {
			vals = nil
			for _, row := range tm["rows"].([]any) {
				if rm := row.(map[string]any); rm["agency_id"] == agency {
					vals = rm["values"].([]any)
				}
			}
			if vals == nil {
				t.Fatalf("table %s has no row for agency %s", tm["key"], agency)
			}
		}
		for i, c := range cols {
			out[tm["key"].(string)+"."+c.(map[string]any)["key"].(string)] = vals[i].(float64)
		}
	}
	return out
}

func TestStatisticalReturnCountsEachTable(t *testing.T) {
	s := start(t)
	clearOfMidnight(t)
	sup := s.login("supervisor1")
	f := fixture(s)
	var year int
	if err := dbConn(t, s).QueryRow(context.Background(), `SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int`).Scan(&year); err != nil {
		t.Fatal(err)
	}
	api := fmt.Sprintf("/api/v1/reports/statistical-return?year=%d", year)
	before, beforeTotal := returnCells(t, s.call("GET", api, sup, nil), f.agency), returnCells(t, s.call("GET", api, sup, nil), "")
	want := map[string]float64{}

	decide := func(kind string, d map[string]any) string {
		in := f.input()
		in["kind"] = kind
		id := mustStatus(t, kind+" case", s.call("POST", "/api/v1/cases", f.tok, in), 201).JSON()["id"].(string)
		for _, to := range []string{"investigating", "notified"} {
			mustStatus(t, kind+" to "+to, s.move(f.tok, id, map[string]any{"to": to}), 200)
		}
		mustStatus(t, kind+" decided", s.move(f.tok, id, map[string]any{"to": "decided", "decision": d, "statement_waived": true}), 200)
		return id
	}
	// Penalties: a fine with a 通报批评 counts under 罚款 (the heavier); a fine with a
	// confiscation and a licence suspended under 暂扣许可证件; a 不予处罚; a transfer.
	a := decide("penalty", map[string]any{"outcome": "penalty", "fine_amount": 150000, "categories": []string{"criticism"}, "text": "通报批评，并处罚款1500元"})
	decide("penalty", map[string]any{"outcome": "penalty", "fine_amount": 300000, "confiscation_amount": 100000, "categories": []string{"suspend_license"},
		"text": "没收违法所得1000元，罚款3000元，暂扣食品经营许可证一个月"})
	decide("penalty", map[string]any{"outcome": "no_penalty", "text": "违法行为轻微并及时改正，没有造成危害后果，不予行政处罚"})
	tr := s.newCase(f)
	mustStatus(t, "transfer", s.move(f.tok, tr, map[string]any{"to": "transferred", "reason": "涉嫌生产销售伪劣产品罪"}), 200)
	want["penalty.filed"], want["penalty.fine"], want["penalty.suspend_license"], want["penalty.decided"] = 4, 1, 1, 2
	want["penalty.amount"], want["penalty.no_penalty"], want["penalty.transferred"] = 150000+300000+100000, 1, 1
	mustStatus(t, "reconsideration", s.call("POST", "/api/v1/cases/"+a+"/outcomes", f.tok, map[string]any{"type": "reconsideration", "result": "revoked",
		"decided_at": time.Now().Format(time.RFC3339)}), 201)
	want["penalty.reconsidered"], want["penalty.reconsideration_corrected"] = 1, 1

	// A decision's categories must be of its kind.
	bad := s.notifiedCase(f)
	if r := s.move(f.tok, bad, map[string]any{"to": "decided", "statement_waived": true,
		"decision": map[string]any{"outcome": "penalty", "fine_amount": 10000, "categories": []string{"grant"}, "text": "罚款100元"}}); r.Status != 422 || r.ErrorField() != "decision.categories" {
		t.Errorf("a penalty decided as a licence grant = %d %s", r.Status, r.Body)
	}
	if r := s.move(f.tok, bad, map[string]any{"to": "decided", "statement_waived": true,
		"decision": map[string]any{"outcome": "penalty", "categories": []string{"fine"}, "text": "罚款"}}); r.Status != 422 || r.ErrorField() != "decision.fine_amount" {
		t.Errorf("a fine with no amount = %d %s", r.Status, r.Body)
	}
	want["penalty.filed"]++

	// A licence refused; a coercion sealing and seizing, then applied to the court; a levy;
	// a requisition; each with its case filed.
	decide("license", map[string]any{"outcome": "other", "categories": []string{"refuse"}, "text": "申请材料不符合法定条件，不予许可"})
	want["license.applied"], want["license.accepted"], want["license.refused"] = 1, 1, 1
	decide("coercion", map[string]any{"outcome": "other", "categories": []string{"seal", "seize", "court"}, "text": "查封经营场所，扣押涉案物品，申请人民法院强制执行"})
	want["coercion.seal"], want["coercion.seize"], want["coercion.measures"], want["coercion.court"] = 1, 1, 1, 1
	decide("levy", map[string]any{"outcome": "other", "text": "征收城市道路占用费"})
	want["levy.decided"] = 1
	decide("requisition", map[string]any{"outcome": "other", "text": "抢险救灾征用挖掘机一台"})
	want["requisition.decided"] = 1
	if r := s.call("GET", "/api/v1/cases/"+a, f.tok, nil).JSON()["decision"].(map[string]any); fmt.Sprint(r["categories"]) != "[criticism fine]" {
		t.Errorf("the first decision's categories = %v, want the chosen one and the fine its amount says", r["categories"])
	}

	// Through the page: the decide form offers the kind's categories; a licence's one result
	// is a radio, a coercion's measures are boxes kept ticked when the form comes back.
	oc, csrf := webLogin(t, s, "officer1")
	lic := f.input()
	lic["kind"] = "license"
	lid := mustStatus(t, "licence case", s.call("POST", "/api/v1/cases", f.tok, lic), 201).JSON()["id"].(string)
	s.walkCase(f.tok, lid, moveTo("investigating"), moveTo("notified"))
	if body := string(s.get(oc, "/cases/"+lid).Body); !strings.Contains(body, `type="radio" name="category" value="revoke"`) || strings.Contains(body, `name="cat_fine"`) {
		t.Errorf("the licence's decide form lacks its results or offers a penalty's kinds")
	}
	r := s.form(oc, "/cases/"+lid+"/move", url.Values{"_csrf": {csrf}, "to": {"decided"}, "outcome": {"other"}, "category": {"grant"},
		"decision_text": {"准予许可"}, "statement_waived": {"on"}})
	if r.Status != 303 {
		t.Fatalf("decide a licence from the page = %d %s", r.Status, r.Body)
	}
	if body := string(s.get(oc, "/cases/"+lid).Body); !strings.Contains(body, "决定种类：准予许可") {
		t.Errorf("the licence's page does not say what was decided")
	}
	want["license.applied"]++
	want["license.accepted"]++
	want["license.granted"]++
	co := f.input()
	co["kind"] = "coercion"
	cid := mustStatus(t, "coercion case", s.call("POST", "/api/v1/cases", f.tok, co), 201).JSON()["id"].(string)
	s.walkCase(f.tok, cid, moveTo("investigating"), moveTo("notified"))
	r = s.form(oc, "/cases/"+cid+"/move", url.Values{"_csrf": {csrf}, "to": {"decided"}, "outcome": {"other"}, "cat_freeze": {"on"}, "cat_court": {"on"},
		"decision_text": {" "}, "statement_waived": {"on"}})
	if body := string(r.Body); r.Status != 422 || !strings.Contains(body, `name="cat_freeze" checked`) || !strings.Contains(body, `name="cat_court" checked`) ||
		strings.Contains(body, `name="cat_seal" checked`) {
		t.Errorf("a refused coercion decision = %d, its measures not kept as ticked", r.Status)
	}
	// The form lists each group's "other" last, the catalogue's order by weight aside.
	listed := func(body, a, b string) bool {
		i, j := strings.Index(body, a), strings.Index(body, b)
		return i >= 0 && j > i
	}
	if body := string(r.Body); !listed(body, `name="cat_freeze"`, `name="cat_other_measure"`) || !listed(body, `name="cat_other_measure"`, `name="cat_surcharge"`) ||
		!listed(body, `name="cat_substitute"`, `name="cat_other_execution"`) || !listed(body, `name="cat_other_execution"`, `name="cat_court"`) {
		t.Error("the coercion form does not list each group's own \"other\" at the group's end")
	}
	pen := mustStatus(t, "penalty case", s.call("POST", "/api/v1/cases", f.tok, f.input()), 201).JSON()["id"].(string)
	s.walkCase(f.tok, pen, moveTo("investigating"), moveTo("notified"))
	want["penalty.filed"]++
	if body := string(s.get(oc, "/cases/"+pen).Body); !listed(body, `name="cat_warning"`, `name="cat_detention"`) || !listed(body, `name="cat_detention"`, `name="cat_other_penalty"`) {
		t.Error("the penalty form does not list 警告 first and 其他行政处罚 last")
	}

	// Checks: an officer's own check record counts as a check; a requested check approved
	// on a complaint counts as one with its result, and its own record is not a case.
	in := f.input()
	in["kind"], in["cause"] = "inspection", "对农贸市场开展日常检查"
	mustStatus(t, "check record", s.call("POST", "/api/v1/cases", f.tok, in), 201)
	want["inspection.record"], want["inspection.done"] = 1, 1
	var matter, firm string
	s.query(t, `SELECT id::text FROM inspection_matters WHERE agency_id = '`+f.agency+`' ORDER BY name LIMIT 1`, &matter)
	s.query(t, `SELECT code FROM inspection_targets ORDER BY code LIMIT 1`, &firm)
	ck := mustStatus(t, "request check", s.call("POST", "/api/v1/inspection/checks", f.tok, map[string]any{"firm": firm, "matter_ids": []string{matter},
		"reason": "complaint", "reason_note": "群众投诉该企业违规储存危险化学品。", "officer_ids": []string{f.o2},
		"planned_on": time.Now().In(cstZone).Format(time.DateOnly)}), 201).JSON()["id"].(string)
	mustStatus(t, "approve check", s.call("POST", "/api/v1/inspection/checks/"+ck+"/approve", s.login("head1"), nil), 200)
	mustStatus(t, "check result", s.call("POST", "/api/v1/inspection/checks/"+ck+"/result", f.tok, map[string]any{"result": "corrected", "findings": "台账不全，已责令改正"}), 200)
	want["inspection.exempt"], want["inspection.problems"] = 1, 1
	want["inspection.done"]++

	after := returnCells(t, s.call("GET", api, sup, nil), f.agency)
	afterTotal := returnCells(t, s.call("GET", api, sup, nil), "")
	for k, v := range after {
		if got := v - before[k]; got != want[k] {
			t.Errorf("%s moved by %v, want %v", k, got, want[k])
		}
		// The region's total moves with the agency's row: every row counted belongs to one agency.
		if got := afterTotal[k] - beforeTotal[k]; got != want[k] {
			t.Errorf("the total of %s moved by %v, want %v", k, got, want[k])
		}
	}
	for k := range want {
		if _, ok := after[k]; !ok {
			t.Errorf("column %s missing from the return", k)
		}
	}
	// The penalty decisions' total is the sum of their categories.
	var sum float64
	for k, v := range afterTotal {
		if strings.HasPrefix(k, "penalty.") && k != "penalty.filed" && k != "penalty.closed" && k != "penalty.decided" && k != "penalty.amount" &&
			!strings.Contains(k, "reconsider") && k != "penalty.sued" && k != "penalty.suit_lost" && k != "penalty.no_penalty" && k != "penalty.transferred" {
			sum += v
		}
	}
	if sum != afterTotal["penalty.decided"] {
		t.Errorf("penalty categories add up to %v, the total says %v", sum, afterTotal["penalty.decided"])
	}

	// Each number lists its rows: for the agency and for the region.
	for _, cell := range []string{"penalty.fine", "penalty.filed", "coercion.seal", "inspection.done", "inspection.exempt", "license.refused"} {
		table, col, _ := strings.Cut(cell, ".")
		q := fmt.Sprintf("/api/v1/reports/statistical-return/rows?year=%d&table=%s&column=%s&page_size=1", year, table, col)
		if n := total(mustStatus(t, "rows "+cell, s.call("GET", q+"&agency_id="+f.agency, sup, nil), 200)); float64(n) != after[cell] {
			t.Errorf("the agency's rows of %s: %d, the cell says %v", cell, n, after[cell])
		}
		if n := total(mustStatus(t, "rows "+cell, s.call("GET", q, sup, nil), 200)); float64(n) != afterTotal[cell] {
			t.Errorf("the region's rows of %s: %d, the total says %v", cell, n, afterTotal[cell])
		}
	}
	if r := s.call("GET", fmt.Sprintf("/api/v1/reports/statistical-return/rows?year=%d&table=penalty&column=nothing", year), sup, nil); r.Status != 422 || r.ErrorField() != "column" {
		t.Errorf("rows of an unknown column = %d %s", r.Status, r.Body)
	}

	// The workbook: a sheet per table in the return's layout, the agency's row as counted.
	x := s.call("GET", api+"&format=xlsx", sup, nil)
	if x.Status != 200 {
		t.Fatalf("xlsx = %d %s", x.Status, x.Body)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(wb.GetSheetList(), ","); got != "表1 行政许可,表2 行政处罚,表3 行政强制,表4 行政征收,表5 行政征用,表6 行政检查" {
		t.Errorf("sheets = %s", got)
	}
	rows, _ := wb.GetRows("表2 行政处罚")
	var agencyName string
	s.query(t, `SELECT name FROM agencies WHERE id = '`+f.agency+`'`, &agencyName)
	if len(rows) < 6 || rows[0][0] != fmt.Sprintf("%d 年度行政处罚实施情况统计表", year) || rows[2][0] != "单位名称" || rows[3][4] != "通报批评" {
		t.Errorf("the penalty sheet's head = %v", rows[:min(len(rows), 4)])
	}
	found := false
	for _, row := range rows {
		if len(row) > 0 && row[0] == agencyName {
			found = true
			if row[1] != fmt.Sprint(after["penalty.filed"]) {
				t.Errorf("the workbook's 立案数量 for %s = %s, want %v", agencyName, row[1], after["penalty.filed"])
			}
		}
	}
	if !found {
		t.Errorf("the penalty sheet has no row for %s", agencyName)
	}
	wb.Close()

	// Only supervisors and admins pull the return; officers do not.
	if r := s.call("GET", api, f.tok, nil); r.Status != 403 {
		t.Errorf("an officer's return = %d", r.Status)
	}
	if r := s.call("GET", api+"&format=pdf", sup, nil); r.Status != 422 || r.ErrorField() != "format" {
		t.Errorf("format pdf = %d %s", r.Status, r.Body)
	}

	// The portal: a finished year for anyone, this year not before it ends.
	if r := s.public(fmt.Sprintf("/public/api/statistical-return?year=%d", year)); r.Status != 422 || r.ErrorField() != "year" {
		t.Errorf("this year's return on the portal = %d %s", r.Status, r.Body)
	}
	if r := s.public(fmt.Sprintf("/public/api/statistical-return?year=%d", year-1)); r.Status != 200 || r.JSON()["region_code"] != "360000" {
		t.Errorf("the portal's return is not the widest region's: %d %.200s", r.Status, r.Body)
	}
	last := s.public(fmt.Sprintf("/public/api/statistical-return?year=%d&region_code=360799", year-1))
	internal := s.call("GET", fmt.Sprintf("/api/v1/reports/statistical-return?year=%d&region_code=360799", year-1), sup, nil)
	if pub, in := returnCells(t, last, ""), returnCells(t, internal, ""); fmt.Sprint(pub) != fmt.Sprint(in) {
		t.Errorf("the portal's %d return differs from the supervisor's:\n%v\n%v", year-1, pub, in)
	}

	// The page: every number links to its rows, and the link lists as many.
	c, _ := webLogin(t, s, "supervisor1")
	page := s.get(c, fmt.Sprintf("/reports/statistical-return?year=%d", year))
	body := string(page.Body)
	link := fmt.Sprintf(`/reports/statistical-return/rows?year=%d&amp;region_code=`, year)
	if page.Status != 200 || !strings.Contains(body, "表6 行政检查实施情况统计表") || !strings.Contains(body, link) ||
		!strings.Contains(body, `data-cell="penalty.amount"`) {
		t.Fatalf("return page = %d %s", page.Status, body[:min(len(body), 400)])
	}
	rowsPage := s.get(c, fmt.Sprintf("/reports/statistical-return/rows?year=%d&table=penalty&column=fine&agency_id=%s", year, f.agency))
	if rowsPage.Status != 200 || !strings.Contains(string(rowsPage.Body), agencyName+" · 行政处罚实施情况 · 行政处罚决定数量（按最重的处罚种类）：罚款") {
		t.Errorf("rows page = %d %s", rowsPage.Status, rowsPage.Body)
	}
	pubPage := s.public(fmt.Sprintf("/public/statistical-return?year=%d", year-1))
	if pubPage.Status != 200 || !strings.Contains(string(pubPage.Body), "表1 行政许可实施情况统计表") || strings.Contains(string(pubPage.Body), "/reports/statistical-return/rows") {
		t.Errorf("portal page = %d", pubPage.Status)
	}
}
