package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"zhifa/enforcement"
)

// dataYear is the year (Asia/Shanghai) in which the demo county filed most of its cases,
// read from what the server stored: the demo is dated back from the day it was seeded, so
// early in January most of it lies in the year before.
func dataYear(t *testing.T, s *server) int {
	t.Helper()
	var y int
	if err := dbConn(t, s).QueryRow(context.Background(), `SELECT extract(year FROM filed_at AT TIME ZONE 'Asia/Shanghai')::int AS y
		FROM cases GROUP BY y ORDER BY count(*) DESC, y DESC LIMIT 1`).Scan(&y); err != nil {
		t.Fatal(err)
	}
	return y
}

// storedYear is the year (Asia/Shanghai) of a timestamp the server answered.
func storedYear(t *testing.T, what string, v any) int {
	t.Helper()
	at, ok := v.(string)
	ts, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil {
		t.Fatalf("%s: no time in %v (%v)", what, v, err)
	}
	return ts.In(enforcement.Shanghai()).Year()
}

// flatten turns the report's figures into "key" and "key.part" → value.
func flatten(t *testing.T, r response) map[string]float64 {
	t.Helper()
	if r.Status != 200 {
		t.Fatalf("report = %d %s", r.Status, r.Body)
	}
	out := map[string]float64{}
	for k, v := range r.JSON()["figures"].(map[string]any) {
		switch x := v.(type) {
		case float64:
			out[k] = x
		case map[string]any: // and the figure as the sum of its categories
			for p, n := range x {
				out[k+"."+p] = n.(float64)
				out[k] += n.(float64)
			}
		}
	}
	return out
}

// TestAnnualReportCountsWhatTheAPIDid builds a dataset of known numbers through the API
// and checks that every figure of the year moved by exactly that much, and nothing else.
func TestAnnualReportCountsWhatTheAPIDid(t *testing.T) {
	s := start(t)
	admin, sup := s.login("admin"), s.login("supervisor1")
	// The year the data below will be stored in, by the database's clock; checked against
	// what was stored at the end, since a run across New Year splits the figures.
	conn := dbConn(t, s)
	var year int
	if err := conn.QueryRow(context.Background(), `SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int`).Scan(&year); err != nil {
		t.Fatal(err)
	}
	report := func() map[string]float64 {
		return flatten(t, s.call("GET", fmt.Sprintf("/api/v1/reports/annual?year=%d", year), sup, nil))
	}
	before := report()
	want := map[string]float64{}
	county := agencyID(s, admin, "青山县人民政府")

	// A new agency with two inspectors of a field nobody else has, each with an account.
	first := "11360799" + "990000001"
	r := s.call("POST", "/api/v1/agencies", admin, map[string]any{"name": "青山县统计测试局", "short_name": "青统测", "code": first + string(enforcement.CreditCheckChar(first)),
		"region_code": "360799", "parent_id": county, "kind": "department"})
	if r.Status != 201 {
		t.Fatalf("agency = %d %s", r.Status, r.Body)
	}
	agency := r.JSON()["id"].(string)
	want["agencies"] = 1
	var tokens []string
	for i := range 2 {
		r := s.call("POST", "/api/v1/officers", admin, map[string]any{"agency_id": agency, "name": fmt.Sprintf("统计测试员%d", i+1),
			"cert_no": fmt.Sprintf("TJ99000%d", i+1), "fields": []string{"统计测试"}, "cert_valid_until": time.Now().AddDate(3, 0, 0).Format(time.DateOnly), "status": "active"})
		if r.Status != 201 {
			t.Fatalf("officer = %d %s", r.Status, r.Body)
		}
		id := r.JSON()["id"].(string)
		u := fmt.Sprintf("tjcs%d", i+1)
		if r := s.call("POST", "/api/v1/users", admin, map[string]any{"username": u, "password": "统计测试口令2026!", "name": fmt.Sprintf("统计测试员%d", i+1),
			"roles": []string{"officer"}, "agency_id": agency, "officer_id": id}); r.Status != 201 {
			t.Fatalf("user = %d %s", r.Status, r.Body)
		}
		r = mustStatus(t, "login "+u, s.call("POST", "/api/v1/auth/login", "", map[string]any{"username": u, "password": "统计测试口令2026!"}), 200)
		tokens = append(tokens, r.JSON()["token"].(string))
	}
	want["officers"] = 2
	if r := s.call("POST", "/api/v1/users", admin, map[string]any{"username": "tjshenhe", "password": "统计测试口令2026!", "name": "统计审核员",
		"roles": []string{"reviewer"}, "agency_id": agency, "legal_qualified": true}); r.Status != 201 {
		t.Fatalf("reviewer = %d %s", r.Status, r.Body)
	}
	want["reviewers"] = 1

	// Cases: two small fines decided, one of them published; a coercion withdrawn; a
	// case transferred; a major fine reviewed twice (returned, then approved) and decided.
	f := fixture(s)
	a, b := s.decidedCase(f), s.decidedCase(f)
	dl := items(s.call("GET", "/api/v1/disclosures?case_id="+a, f.tok, nil))
	if len(dl) != 1 {
		t.Fatalf("decision of %s has %d disclosure items, want 1", a, len(dl))
	}
	if r := s.call("POST", "/api/v1/disclosures/"+dl[0]["id"].(string)+"/publish", f.tok, nil); r.Status != 200 {
		t.Fatalf("publish = %d %s", r.Status, r.Body)
	}
	in := f.input()
	in["kind"] = "coercion"
	w := mustStatus(t, "coercion case", s.call("POST", "/api/v1/cases", f.tok, in), 201).JSON()["id"].(string)
	mustStatus(t, "coercion to investigating", s.move(f.tok, w, map[string]any{"to": "investigating"}), 200)
	if r := s.move(f.tok, w, map[string]any{"to": "withdrawn", "reason": "违法事实不能成立"}); r.Status != 200 {
		t.Fatalf("withdraw = %d %s", r.Status, r.Body)
	}
	tr := s.newCase(f)
	if r := s.move(f.tok, tr, map[string]any{"to": "transferred", "reason": "涉嫌生产销售伪劣产品罪"}); r.Status != 200 {
		t.Fatalf("transfer = %d %s", r.Status, r.Body)
	}
	major := s.notifiedCase(f)
	rev := s.login("reviewer1")
	r1 := mustStatus(t, "review 1", s.call("POST", "/api/v1/cases/"+major+"/reviews", f.tok, map[string]any{"decision": fine(20000)}), 201).JSON()["id"].(string)
	mustStatus(t, "return review 1", s.call("POST", "/api/v1/reviews/"+r1+"/decision", rev, map[string]any{"outcome": "returned", "checklist": checklist("evidence"), "opinion": "补充证据"}), 200)
	r2 := mustStatus(t, "review 2", s.call("POST", "/api/v1/cases/"+major+"/reviews", f.tok, map[string]any{"decision": fine(20000)}), 201).JSON()["id"].(string)
	mustStatus(t, "approve review 2", s.call("POST", "/api/v1/reviews/"+r2+"/decision", rev, map[string]any{"outcome": "approved", "checklist": checklist(), "opinion": "同意"}), 200)
	if r := s.move(f.tok, major, map[string]any{"to": "decided", "decision": fine(20000), "statement_waived": true}); r.Status != 200 {
		t.Fatalf("major decision = %d %s", r.Status, r.Body)
	}
	want["cases_total"], want["cases_by_kind.penalty"], want["cases_by_kind.coercion"] = 5, 4, 1
	want["cases_decided"], want["cases_by_outcome.penalty"] = 3, 3
	want["cases_by_outcome.withdrawn"], want["cases_by_outcome.transferred"], want["transfers"] = 1, 1, 1
	want["fines_total"] = 150000 + 150000 + 2000000 // 1,500 + 1,500 + 20,000 yuan, in fen
	want["reviews_total"], want["reviews_by_outcome.returned"], want["reviews_by_outcome.approved"] = 2, 1, 1
	// Each decision is due for publication: one published on time, two within their time.
	want["disclosures_due"], want["disclosures_on_time"], want["disclosures_pending"] = 3, 1, 2

	// Reconsideration and litigation, dated the moment the server recorded the decision,
	// which lies in the report's year however the test's clock reads.
	decidedAt := func(id string) any {
		return mustStatus(t, "GET case", s.call("GET", "/api/v1/cases/"+id, f.tok, nil), 200).JSON()["decided_at"]
	}
	mustStatus(t, "reconsideration", s.call("POST", "/api/v1/cases/"+a+"/outcomes", f.tok, map[string]any{"type": "reconsideration", "result": "upheld", "decided_at": decidedAt(a)}), 201)
	mustStatus(t, "litigation", s.call("POST", "/api/v1/cases/"+b+"/outcomes", f.tok, map[string]any{"type": "litigation", "result": "changed", "decided_at": decidedAt(b)}), 201)
	want["reconsiderations.upheld"], want["litigations.changed"] = 1, 1

	// Inspection: a matter, 400 targets, a task drawn for the new agency's two
	// inspectors, two results (one a problem), one published.
	if r := s.send("POST", "/api/v1/inspection/targets", admin, "text/csv", strings.NewReader(targetsCSV(500001, 400))); r.JSON()["created"] != 400.0 {
		t.Fatalf("import = %d %s", r.Status, r.Body)
	}
	m := s.call("POST", "/api/v1/inspection/matters", admin, map[string]any{"agency_id": agency, "name": "统计测试抽查事项",
		"legal_basis": "《企业信息公示暂行条例》第十四条", "method": "书面检查", "target_type": "企业"})
	if m.Status != 201 {
		t.Fatalf("matter = %d %s", m.Status, m.Body)
	}
	task := s.call("POST", "/api/v1/inspection/tasks", sup, map[string]any{"name": "统计测试抽查", "matter_ids": []string{m.JSON()["id"].(string)},
		"agency_ids": []string{agency}, "filter": map[string]any{"type": "企业", "industry": "批发和零售业"}, "ratios": map[string]float64{"A": 0.03, "B": 0.03, "C": 0.03, "D": 0.03},
		"inspectors_per_target": 2, "inspector_field": "统计测试", "due_date": time.Now().AddDate(0, 1, 0).Format(time.DateOnly)})
	if task.Status != 201 {
		t.Fatalf("task = %d %s", task.Status, task.Body)
	}
	tid := task.JSON()["id"].(string)
	d := s.call("POST", "/api/v1/inspection/tasks/"+tid+"/draw", sup, map[string]any{"witness": "统计"})
	if d.Status != 201 && d.Status != 200 {
		t.Fatalf("draw = %d %s", d.Status, d.Body)
	}
	selected, _ := d.JSON()["selected_count"].(float64)
	// The checks the draw created, counted in the database rather than read from the report.
	var created int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM inspection_checks WHERE task_id = $1`, tid).Scan(&created); err != nil {
		t.Fatal(err)
	}
	if selected == 0 || float64(created) != selected {
		t.Fatalf("the draw selected %v targets and created %d checks", selected, created)
	}
	want["inspection_matters"], want["inspection_targets"], want["inspectors"] = 1, 400, 2
	want["inspection_tasks"], want["draws"], want["checks"] = 1, 1, selected
	want["checks_by_kind"], want["checks_by_kind.double_random"] = selected, selected
	checks := items(s.call("GET", "/api/v1/inspection/checks?mine=true&state=assigned&page_size=2", tokens[0], nil))
	if len(checks) != 2 {
		t.Fatalf("the first inspector has %d assigned checks, want 2 listed", len(checks))
	}
	for i, result := range []string{"corrected", "no_problem"} {
		if r := s.call("POST", "/api/v1/inspection/checks/"+checks[i]["id"].(string)+"/result", tokens[0],
			map[string]any{"result": result, "findings": "台账不全，已责令改正"}); r.Status != 200 {
			t.Fatalf("result = %d %s", r.Status, r.Body)
		}
	}
	want["checks_done"], want["checks_with_problems"] = 2, 1
	// Neither check showed the firm a code that it scanned.
	want["checks_unscanned"] = 2
	// Each result is kept in a check record, a case of kind inspection (行政检查), which is
	// not an enforcement case.
	want["check_records"] = 2
	ids := items(s.call("GET", "/api/v1/disclosures?kind=inspection_result&state=due&page_size=100", admin, nil))
	published := 0
	for _, it := range ids {
		if it["check_id"] == checks[0]["id"] {
			mustStatus(t, "publish result", s.call("POST", "/api/v1/disclosures/"+it["id"].(string)+"/publish", admin, nil), 200)
			published++
		}
	}
	if published != 1 {
		t.Fatalf("published %d items for the first check's result, want 1 (of %d due)", published, len(ids))
	}
	want["results_published"] = 1
	want["disclosures_due"] += 2
	want["disclosures_on_time"]++
	want["disclosures_pending"]++

	// An evaluation of today's files, one scored 不合格 by a veto.
	cp := openCampaign(t, s)
	fa := cp.file(t, cp.mine[0])
	ds := append(zeroScores(map[string]float64{"C9": 4}, map[string]string{"C9": "未送达"}), map[string]any{"item_code": "V1", "veto": true, "note": "主体不适格"})
	if r := s.call("POST", "/api/v1/evaluations/"+cp.id+"/scores", cp.tokenOf(s, fa), map[string]any{"case_id": fa["case_id"], "deductions": ds}); r.Status != 200 {
		t.Fatalf("score = %d %s", r.Status, r.Body)
	}
	// openCampaign decided three more small fines, one of them now scored.
	want["cases_total"] += 3
	want["cases_by_kind.penalty"] += 3
	want["cases_decided"] += 3
	want["cases_by_outcome.penalty"] += 3
	want["fines_total"] += 3 * 150000
	want["disclosures_due"] += 3
	want["disclosures_pending"] += 3
	want["evaluations"], want["evaluation_files"], want["evaluations_by_rating.fail"] = 1, 1, 1

	// Everything above must lie in one year for the deltas to hold; the harness starts no
	// test in the last minutes of a day, so this fails only if the test ran for longer.
	for what, at := range map[string]any{"the first case's filing": mustStatus(t, "GET case", s.call("GET", "/api/v1/cases/"+a, f.tok, nil), 200).JSON()["filed_at"],
		"the last decision": decidedAt(cp.mine[len(cp.mine)-1])} {
		if y := storedYear(t, what, at); y != year {
			t.Fatalf("%s is dated %d, the report year %d: the test ran across New Year and the figures split", what, y, year)
		}
	}
	after := report()
	// Sums of categories move with their parts.
	for _, sum := range []string{"cases_by_outcome", "reviews_by_outcome", "reconsiderations", "litigations", "evaluations_by_rating", "cases_by_kind"} {
		for k, v := range want {
			if strings.HasPrefix(k, sum+".") {
				want[sum] += v
			}
		}
	}
	for k, v := range after {
		if k == "reviewer_share" {
			continue
		}
		if got := v - before[k]; got != want[k] {
			t.Errorf("%s moved by %v, want %v", k, got, want[k])
		}
	}
	for k := range want {
		if _, ok := after[k]; !ok {
			t.Errorf("figure %s missing from the report", k)
		}
	}

	// Each figure lists the rows it counts.
	// Each figure lists the rows it counts: the demo's count before, plus what the test did.
	for _, fig := range []string{"cases_total", "transfers", "checks_with_problems", "disclosures_on_time", "inspectors", "evaluations_by_rating"} {
		rows := mustStatus(t, "rows of "+fig, s.call("GET", fmt.Sprintf("/api/v1/reports/annual/rows?year=%d&figure=%s&page_size=1", year, fig), sup, nil), 200)
		if n := before[fig] + want[fig]; float64(total(rows)) != n {
			t.Errorf("rows of %s: %d, want %v (%s)", fig, total(rows), n, rows.Body)
		}
	}
	rows := mustStatus(t, "withdrawn rows", s.call("GET", fmt.Sprintf("/api/v1/reports/annual/rows?year=%d&figure=cases_by_outcome&key=withdrawn", year), sup, nil), 200)
	if n := before["cases_by_outcome.withdrawn"] + want["cases_by_outcome.withdrawn"]; float64(total(rows)) != n {
		t.Errorf("withdrawn rows: %d, want %v (%s)", total(rows), n, rows.Body)
	}
}

func TestAnnualReportFormatsAndRefusals(t *testing.T) {
	s := start(t)
	sup := s.login("supervisor1")
	// A year with no data: every figure zero, not an error.
	empty := flatten(t, s.call("GET", "/api/v1/reports/annual?year=2001", sup, nil))
	if len(empty) < 20 {
		t.Errorf("2001 lists %d figures: %v", len(empty), empty)
	}
	for k, v := range empty {
		if v != 0 {
			t.Errorf("2001: %s = %v", k, v)
		}
	}
	year := dataYear(t, s)
	fig := flatten(t, s.call("GET", fmt.Sprintf("/api/v1/reports/annual?year=%d", year), sup, nil))
	for _, k := range []string{"agencies", "officers", "cases_total", "checks", "draws", "results_published", "inspection_targets"} {
		if fig[k] == 0 {
			t.Errorf("the demo county's %s is 0", k)
		}
	}
	c := mustStatus(t, "csv report", s.call("GET", fmt.Sprintf("/api/v1/reports/annual?year=%d&format=csv", year), sup, nil), 200)
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(c.Body, []byte("\ufeff")))).ReadAll()
	if err != nil || c.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
		t.Fatalf("csv: %v %s", err, c.Header.Get("Content-Type"))
	}
	var casesRow, finesRow []string
	for _, rec := range recs {
		if len(rec) > 7 && rec[4] == "cases_total" {
			casesRow = rec
		}
		if len(rec) > 7 && rec[4] == "fines_total" {
			finesRow = rec
		}
	}
	if casesRow == nil || casesRow[6] != strconv.Itoa(int(fig["cases_total"])) {
		t.Errorf("csv cases_total row = %v, json %v", casesRow, fig["cases_total"])
	}
	// Amounts reach people in 元 (the JSON keeps exact fen).
	if f := int64(fig["fines_total"]); f == 0 || finesRow == nil || finesRow[6] != fmt.Sprintf("%d.%02d", f/100, f%100) || finesRow[7] != "元" {
		t.Errorf("csv fines_total row = %v, json %d fen", finesRow, f)
	}
	x := s.call("GET", fmt.Sprintf("/api/v1/reports/annual?year=%d&format=xlsx", year), sup, nil)
	book, err := excelize.OpenReader(bytes.NewReader(x.Body))
	if err != nil {
		t.Fatalf("xlsx: %v", err)
	}
	sheets := book.GetSheetList()
	if len(sheets) != 10 || sheets[0] != "总览" || sheets[8] != "行政执法监督" || sheets[9] != "数据共享" || sheets[5] != "双随机、一公开监管" {
		t.Errorf("xlsx sheets = %v", sheets)
	}
	rows, err := book.GetRows("双随机、一公开监管")
	if err != nil {
		t.Fatalf("xlsx rows: %v", err)
	}
	var draws string
	for _, r := range rows {
		if len(r) > 4 && r[4] == "draws" {
			draws = r[2]
		}
	}
	if draws == "" || draws != strconv.Itoa(int(fig["draws"])) {
		t.Errorf("xlsx draws = %q, json %v", draws, fig["draws"])
	}
	h := s.call("GET", fmt.Sprintf("/api/v1/reports/annual?year=%d&format=html", year), sup, nil)
	if !strings.Contains(string(h.Body), "开展双随机抽查") || !strings.Contains(string(h.Body), "<svg") {
		t.Errorf("html report lacks its wording or charts")
	}
	if strings.Contains(string(h.Body), "<td>分</td>") || !strings.Contains(string(h.Body), "<td>万元</td>") {
		t.Error("the report's table shows an amount in 分")
	}
	// The on-time rate counts the items whose deadline has come, as the statistics page does.
	if on, late := fig["disclosures_on_time"], fig["disclosures_late"]; on+late > 0 {
		rate := fmt.Sprintf("按时公示率%.1f%%", on*100/(on+late))
		if !strings.Contains(string(h.Body), rate) {
			t.Errorf("the report does not say %s", rate)
		}
	}
	for _, bad := range []struct {
		path  string
		code  int
		field string
	}{
		{"/api/v1/reports/annual?year=1999", 422, "year"},
		{"/api/v1/reports/annual?format=pdf", 422, "format"},
		{"/api/v1/reports/annual?region_code=110101", 403, ""},
		{"/api/v1/reports/annual/rows?figure=nothing", 422, "figure"},
		{"/api/v1/reports/annual/rows?figure=cases_by_kind&key=parking", 422, "key"},
	} {
		if r := s.call("GET", bad.path, sup, nil); r.Status != bad.code || r.ErrorField() != bad.field {
			t.Errorf("%s = %d %s", bad.path, r.Status, r.Body)
		}
	}
	if r := s.call("GET", "/api/v1/reports/annual", s.login("officer1"), nil); r.Status != 403 {
		t.Errorf("officer's report = %d", r.Status)
	}
}
