package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhifa/enforcement"
)

// Tests of the inspection rules a broken implementation would silently get wrong: which
// targets a frozen pool holds, how many each class draws, and what a draw's results lock.
// Expected values are worked out by hand in the comments, never asked of zhifa.

// ruleTarget is a target a test imports: its code number (targetCode), the filter fields
// it is picked by and its class.
type ruleTarget struct {
	n               int
	typ, industry   string
	risk            string
	name            string // for messages
	inWindow, inCap bool   // expected in the window task's pool, in the cap task's pool
}

// importRuleTargets loads targets through the API, as CSV.
func importRuleTargets(s *server, admin string, ts []ruleTarget) {
	s.t.Helper()
	var b strings.Builder
	b.WriteString("code,name,type,region_code,industry,risk\n")
	for _, tg := range ts {
		fmt.Fprintf(&b, "%s,青山县规则测试有限公司%d,%s,360799,%s,%s\n", targetCode(tg.n), tg.n, tg.typ, tg.industry, tg.risk)
	}
	r := s.send("POST", "/api/v1/inspection/targets", admin, "text/csv", strings.NewReader(b.String()))
	if r.Status != 200 || r.JSON()["created"] != float64(len(ts)) {
		s.t.Fatalf("import of %d targets = %d %s", len(ts), r.Status, r.Body)
	}
}

// poolListing reads a task's published pool listing: each stratum's size and take, and
// every code in it.
func poolListing(s *server, tok, taskID string) (strata map[string][2]int, codes map[string]bool) {
	s.t.Helper()
	r := s.call("GET", "/api/v1/inspection/tasks/"+taskID+"/pool", tok, nil)
	if r.Status != 200 {
		s.t.Fatalf("pool of %s = %d %s", taskID, r.Status, r.Body)
	}
	strata, codes = map[string][2]int{}, map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "stratum" {
			continue
		}
		size, _ := strconv.Atoi(f[2])
		take, _ := strconv.Atoi(f[3])
		strata[f[1]] = [2]int{size, take}
		for i := 0; i < size && sc.Scan(); i++ {
			codes[sc.Text()] = true
		}
	}
	return strata, codes
}

// createTask creates a task of the market bureau alone over the targets of a type (and
// an industry when given), edited by edit, and answers the task.
func (st inspectionSetup) createTask(s *server, name, typ, industry string, edit func(map[string]any)) map[string]any {
	s.t.Helper()
	r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task(name, func(m map[string]any) {
		m["agency_ids"] = []string{st.market}
		m["filter"] = map[string]any{"type": typ, "industry": industry}
		m["ratios"] = map[string]float64{"A": 1, "B": 1, "C": 1, "D": 1}
		m["exclude_inspected_within_days"], m["yearly_cap"] = 0, 0
		if edit != nil {
			edit(m)
		}
	}))
	if r.Status != 201 {
		s.t.Fatalf("create task %s = %d %s", name, r.Status, r.Body)
	}
	return r.JSON()
}

// shanghaiDay is the day a time the server wrote falls on, as the server counts days.
func shanghaiDay(t *testing.T, v any) enforcement.Date {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v))
	if err != nil {
		t.Fatalf("time %v: %v", v, err)
	}
	return enforcement.DateOf(at)
}

// A target checked within the exclusion window, or as often this year as the yearly cap
// allows, is not in a new task's frozen pool; one checked just outside the window, under
// the cap, or only by a cancelled draw, is. Checks of today come from real draws; older
// ones are rows with known dates. The expected pools are listed by hand per target.
func TestPoolExcludesRecentAndCappedTargets(t *testing.T) {
	// The dates are counted from the day of the server's first draw; if the day turns
	// before the tasks are frozen, the scenario runs again on the new day.
	for attempt := 1; !poolExclusionScenario(t); attempt++ {
		if attempt == 2 {
			t.Fatal("the day changed during two runs of the scenario")
		}
		t.Log("the day changed between the draws and the freezing; running again")
	}
}

func poolExclusionScenario(t *testing.T) bool {
	s := start(t)
	st := setupInspection(s)
	const typ = "规则测试企业"
	const window = 400 // days: longer than a year, so last year's checks all fall in it
	// Window task: exclude_inspected_within_days 400, no cap; out when checked on a day
	// after today − 400. Cap task: no window, yearly_cap 2; out with 2 or more checks
	// (of draws not cancelled) since 1 January. Both task: the two rules at once, so out
	// when either puts the target out; c12's two checks of last year count for neither.
	ts := []ruleTarget{
		{n: 30001, industry: "规则测试甲", name: "c01 checked today (real draw)", inWindow: false, inCap: true},
		{n: 30002, industry: "规则测试乙", name: "c02 checked today by a draw then cancelled", inWindow: true, inCap: true},
		{n: 30003, industry: "规则测试丙", name: "c03 checked 399 days ago", inWindow: false, inCap: true},
		{n: 30004, industry: "规则测试丙", name: "c04 checked 400 days ago", inWindow: true, inCap: true},
		{n: 30005, industry: "规则测试丙", name: "c05 checked 401 days ago", inWindow: true, inCap: true},
		{n: 30006, industry: "规则测试丙", name: "c06 never checked", inWindow: true, inCap: true},
		{n: 30007, industry: "规则测试甲", name: "c07 checked twice today (real draw + row)", inWindow: false, inCap: false},
		{n: 30008, industry: "规则测试甲", name: "c08 checked today (real draw) and on 31 December last year", inWindow: false, inCap: true},
		{n: 30009, industry: "规则测试丙", name: "c09 checked on 30 and 31 December last year", inWindow: false, inCap: true},
		{n: 30010, industry: "规则测试丙", name: "c10 checked three times today", inWindow: false, inCap: false},
		{n: 30011, industry: "规则测试丙", name: "c11 checked twice today, once by a cancelled draw", inWindow: false, inCap: true},
		{n: 30012, industry: "规则测试丙", name: "c12 checked twice 400 days ago", inWindow: true, inCap: true},
	}
	for i := range ts {
		ts[i].typ, ts[i].risk = typ, "B"
	}
	importRuleTargets(s, st.admin, ts)

	// Real draws: c01, c07, c08 drawn; c02 drawn and the draw cancelled.
	drawAll := func(name, industry string) map[string]any {
		task := st.createTask(s, name, typ, industry, nil)
		r := s.call("POST", "/api/v1/inspection/tasks/"+task["id"].(string)+"/draw", st.supervisor, map[string]any{"witness": "1"})
		if r.Status != 201 {
			t.Fatalf("draw %s = %d %s", name, r.Status, r.Body)
		}
		return r.JSON()
	}
	d1 := drawAll("规则测试·甲", "规则测试甲")
	if n := d1["selected_count"]; n != 3.0 {
		t.Fatalf("the draw over c01, c07 and c08 selected %v, want all 3", n)
	}
	d2 := drawAll("规则测试·乙", "规则测试乙")
	if r := s.call("POST", "/api/v1/inspection/draws/"+d2["id"].(string)+"/cancel", st.supervisor, map[string]any{"reason": "测试作废"}); r.Status != 200 {
		t.Fatalf("cancel = %d %s", r.Status, r.Body)
	}
	today := shanghaiDay(t, d1["drawn_at"])
	lastDec31 := enforcement.MustDate(today.Year-1, time.December, 31)
	rows := []struct {
		n     int
		on    enforcement.Date
		state string
	}{
		{30003, today.AddDays(-(window - 1)), "done"},
		{30004, today.AddDays(-window), "done"},
		{30005, today.AddDays(-(window + 1)), "assigned"},
		{30012, today.AddDays(-window), "done"}, {30012, today.AddDays(-window), "done"},
		{30007, today, "assigned"},
		{30008, lastDec31, "done"},
		{30009, lastDec31.AddDays(-1), "done"},
		{30009, lastDec31, "done"},
		{30010, today, "assigned"}, {30010, today, "assigned"}, {30010, today, "done"},
		{30011, today, "assigned"}, {30011, today, "cancelled"},
	}
	conn := dbConn(t, s)
	drawID, taskID := uuid.New(), uuid.New() // a draw of another task, as far as pools care
	for i, r := range rows {
		if _, err := conn.Exec(context.Background(), `INSERT INTO inspection_checks (id, draw_id, task_id, seq, target_code, inspector_ids, drawn_on, state)
			VALUES ($1, $2, $3, $4, $5, '{}', $6::date, $7)`, uuid.New(), drawID, taskID, i+1, targetCode(r.n), r.on.String(), r.state); err != nil {
			t.Fatal(err)
		}
	}

	windowTask := st.createTask(s, "规则测试·排除期", typ, "", func(m map[string]any) { m["exclude_inspected_within_days"] = window })
	capTask := st.createTask(s, "规则测试·年度上限", typ, "", func(m map[string]any) { m["yearly_cap"] = 2 })
	bothTask := st.createTask(s, "规则测试·排除期与年度上限", typ, "", func(m map[string]any) {
		m["exclude_inspected_within_days"], m["yearly_cap"] = window, 2
	})
	for _, task := range []map[string]any{windowTask, capTask, bothTask} {
		if day := shanghaiDay(t, task["created_at"]); day != today {
			return false
		}
	}
	for _, c := range []struct {
		task map[string]any
		in   func(ruleTarget) bool
	}{
		{windowTask, func(tg ruleTarget) bool { return tg.inWindow }},
		{capTask, func(tg ruleTarget) bool { return tg.inCap }},
		{bothTask, func(tg ruleTarget) bool { return tg.inWindow && tg.inCap }},
	} {
		_, codes := poolListing(s, st.supervisor, c.task["id"].(string))
		want := 0
		for _, tg := range ts {
			if c.in(tg) {
				want++
			}
			if got := codes[targetCode(tg.n)]; got != c.in(tg) {
				t.Errorf("%s (today %s): %s is in the pool: %v, want %v", c.task["name"], today, tg.name, got, c.in(tg))
			}
		}
		if len(codes) != want || c.task["pool_size"] != float64(want) {
			t.Errorf("%s: pool of %d codes, pool_size %v, want %d", c.task["name"], len(codes), c.task["pool_size"], want)
		}
	}
	return true
}

// Each class draws ceil(size × ratio) computed exactly: floating point would make
// 100 × 0.07 = 7.000000000000001 and 200 × 0.14 = 28.000000000000004, and ceil of those
// 8 and 29; an epsilon would make 10 × 0.10000000001 = 1.0000000001 round down to 1. The
// region's floor counts the same way. Expected counts worked out by hand.
func TestDrawCountsRoundExactly(t *testing.T) {
	s := start(t)
	st := setupInspection(s)
	var ts []ruleTarget
	n := 10001
	for _, class := range []struct {
		risk string
		size int
	}{{"A", 100}, {"B", 200}, {"C", 100}, {"D", 10}} {
		for range class.size {
			ts = append(ts, ruleTarget{n: n, typ: "取整测试企业", industry: "批发和零售业", risk: class.risk})
			n++
		}
	}
	for i := range 100 {
		ts = append(ts, ruleTarget{n: 20001 + i, typ: "保底测试企业", industry: "批发和零售业", risk: "A"})
	}
	importRuleTargets(s, st.admin, ts)
	riskOf := map[string]string{}
	for _, tg := range ts {
		riskOf[targetCode(tg.n)] = tg.risk
	}

	const (
		takeA = 7  // 100 × 0.07 = 7 (float64: 7.000000000000001)
		takeB = 28 // 200 × 0.14 = 28 (float64: 28.000000000000004)
		takeC = 29 // 100 × 0.29 = 29 (float64: 28.999999999999996)
		takeD = 2  // 10 × 0.10000000001 = 1.0000000001, up to 2
	)
	task := st.createTask(s, "取整测试", "取整测试企业", "", func(m map[string]any) {
		m["agency_ids"] = []string{st.market, st.urban}
		m["ratios"] = map[string]float64{"A": 0.07, "B": 0.14, "C": 0.29, "D": 0.10000000001}
	})
	want := map[string][2]int{"A": {100, takeA}, "B": {200, takeB}, "C": {100, takeC}, "D": {10, takeD}}
	got := map[string][2]int{}
	for _, x := range task["strata"].([]any) {
		m := x.(map[string]any)
		got[m["risk"].(string)] = [2]int{int(m["size"].(float64)), int(m["take"].(float64))}
	}
	listed, _ := poolListing(s, st.supervisor, task["id"].(string))
	for _, r := range []string{"A", "B", "C", "D"} {
		if got[r] != want[r] || listed[r] != want[r] {
			t.Errorf("class %s: task says size and take %v, listing %v, want %v", r, got[r], listed[r], want[r])
		}
	}
	r := s.call("POST", "/api/v1/inspection/tasks/"+task["id"].(string)+"/draw", st.supervisor, map[string]any{"witness": "0.07"})
	if r.Status != 201 {
		t.Fatalf("draw = %d %s", r.Status, r.Body)
	}
	drawn := map[string]int{}
	for _, x := range r.JSON()["selected"].([]any) {
		drawn[riskOf[x.(map[string]any)["target_code"].(string)]]++
	}
	if w := map[string]int{"A": takeA, "B": takeB, "C": takeC, "D": takeD}; !maps.Equal(drawn, w) {
		t.Errorf("the draw selected %v per class, want %v", drawn, w)
	}

	// A floor of 7%: 100 targets need at least 7 (float64: 7.000000000000001).
	if r := s.call("PUT", "/api/v1/inspection/floor", st.admin, map[string]any{"ratio": 0.07}); r.Status != 200 {
		t.Fatalf("set floor = %d %s", r.Status, r.Body)
	}
	if f := s.call("GET", "/api/v1/inspection/floor", st.supervisor, nil).JSON(); f["ratio"] != 0.07 {
		t.Fatalf("the supervisor's floor = %v, want the admin's 0.07", f)
	}
	for _, c := range []struct {
		name  string
		quota map[string]any
		take  int // 0: refused
	}{
		{"7 of 100 by count", map[string]any{"counts": map[string]int{"A": 7}}, 7},
		{"6 of 100 by count", map[string]any{"counts": map[string]int{"A": 6}}, 0},
		{"7% of 100", map[string]any{"ratios": map[string]float64{"A": 0.07}}, 7},
		{"6% of 100", map[string]any{"ratios": map[string]float64{"A": 0.06}}, 0},
	} {
		r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task("保底测试 "+c.name, func(m map[string]any) {
			m["agency_ids"] = []string{st.market}
			m["filter"] = map[string]any{"type": "保底测试企业"}
			delete(m, "ratios")
			for k, v := range c.quota {
				m[k] = v
			}
		}))
		switch {
		case c.take > 0 && r.Status != 201:
			t.Errorf("%s under a 7%% floor = %d %s, want 201 taking %d", c.name, r.Status, r.Body, c.take)
		case c.take > 0 && r.JSON()["strata"].([]any)[0].(map[string]any)["take"] != float64(c.take):
			t.Errorf("%s under a 7%% floor: strata %v, want A taking %d", c.name, r.JSON()["strata"], c.take)
		case c.take == 0 && (r.Status != 422 || r.ErrorField() != "ratios" || !strings.Contains(r.ErrorMessage(), "至少 7 个")):
			t.Errorf("%s under a 7%% floor = %d %s, want 422 on ratios naming at least 7", c.name, r.Status, r.Body)
		}
	}
}

// drawnChecks creates and draws a task of the market bureau and gives its first n checks
// to officer1 and officer2; it answers the draw's ID and those checks' IDs.
func drawnChecks(t *testing.T, s *server, st inspectionSetup, name string, n int) (drawID string, checks []string) {
	t.Helper()
	r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task(name, func(m map[string]any) { m["agency_ids"] = []string{st.market} }))
	if r.Status != 201 {
		s.t.Fatalf("create %s = %d %s", name, r.Status, r.Body)
	}
	taskID := r.JSON()["id"].(string)
	r = s.call("POST", "/api/v1/inspection/tasks/"+taskID+"/draw", st.supervisor, map[string]any{"witness": name})
	if r.Status != 201 {
		s.t.Fatalf("draw %s = %d %s", name, r.Status, r.Body)
	}
	drawID = r.JSON()["id"].(string)
	o1 := s.call("GET", "/api/v1/me", s.login("officer1"), nil).JSON()["officer_id"].(string)
	o2 := s.call("GET", "/api/v1/me", s.login("officer2"), nil).JSON()["officer_id"].(string)
	rows, err := dbConn(t, s).Query(context.Background(), `UPDATE inspection_checks SET inspector_ids = ARRAY[$1::uuid, $2::uuid]
		WHERE draw_id = $3 AND seq <= $4 RETURNING id::text, seq`, o1, o2, drawID, n)
	if err != nil {
		s.t.Fatal(err)
	}
	bySeq := map[int]string{}
	for rows.Next() {
		var id string
		var seq int
		if err := rows.Scan(&id, &seq); err != nil {
			s.t.Fatal(err)
		}
		bySeq[seq] = id
	}
	if rows.Err() != nil || len(bySeq) != n {
		s.t.Fatalf("gave %d checks to officer1, want %d (%v)", len(bySeq), n, rows.Err())
	}
	for i := 1; i <= n; i++ {
		checks = append(checks, bySeq[i])
	}
	return drawID, checks
}

// A draw whose checks have results cannot be cancelled, even when the result is entered
// while the cancellation runs; a draw without results can.
func TestCancelRefusedOnceResultsExist(t *testing.T) {
	s := start(t)
	st := setupInspection(s)
	officer := s.login("officer1")
	withResult, checks := drawnChecks(t, s, st, "作废测试·已有结果", 1)
	if r := s.call("POST", "/api/v1/inspection/checks/"+checks[0]+"/result", officer, map[string]any{"result": "未发现问题"}); r.Status != 200 {
		t.Fatalf("result = %d %s", r.Status, r.Body)
	}
	r := s.call("POST", "/api/v1/inspection/draws/"+withResult+"/cancel", st.supervisor, map[string]any{"reason": "事项有误"})
	if r.Status != 409 || r.ErrorCode() != "conflict" || !strings.Contains(r.ErrorMessage(), "已有 1 项检查录入了结果") {
		t.Errorf("cancel after a result = %d %s, want 409 naming the 1 result", r.Status, r.Body)
	}
	conn := dbConn(t, s)
	drawState := func(id string) (draw string, checks map[string]int) {
		checks = map[string]int{}
		if err := conn.QueryRow(context.Background(), `SELECT state FROM inspection_draws WHERE id = $1`, id).Scan(&draw); err != nil {
			t.Fatal(err)
		}
		rows, _ := conn.Query(context.Background(), `SELECT state, count(*)::int FROM inspection_checks WHERE draw_id = $1 GROUP BY state`, id)
		for rows.Next() {
			var state string
			var n int
			if err := rows.Scan(&state, &n); err != nil {
				t.Fatal(err)
			}
			checks[state] = n
		}
		return draw, checks
	}
	// 400 targets drawn at A 20 + B 10 + C 8 + D 3 = 41 (TestDrawIsPublicVerifiableAndOnce).
	if d, c := drawState(withResult); d != "valid" || c["done"] != 1 || c["assigned"] != 40 || c["cancelled"] != 0 {
		t.Errorf("after the refused cancel the draw is %s with checks %v, want valid with 1 done and 40 assigned", d, c)
	}

	// A result committed while the cancellation waits on its check's row: the transaction
	// below holds the row as the result's own does, the cancellation starts and waits for
	// it, the result commits, and the cancellation must then see it and refuse.
	racing, checks := drawnChecks(t, s, st, "作废测试·同时录入", 1)
	tx, err := conn.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(context.Background(), `SELECT state FROM inspection_checks WHERE id = $1 FOR UPDATE`, checks[0]); err != nil {
		t.Fatal(err)
	}
	cancelled := make(chan int, 1)
	go func() {
		body, _ := json.Marshal(map[string]any{"reason": "事项有误"})
		req, _ := http.NewRequest("POST", s.URL+"/api/v1/inspection/draws/"+racing+"/cancel", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+st.supervisor)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancelled <- 0
			return
		}
		resp.Body.Close()
		cancelled <- resp.StatusCode
	}()
	watch := dbConn(t, s)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		if err := watch.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cancellation never waited for the check being entered")
		}
	}
	if _, err := tx.Exec(context.Background(), `UPDATE inspection_checks SET state = 'done', result = 'no_problem', result_at = now() WHERE id = $1`, checks[0]); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if status := <-cancelled; status != 409 {
		t.Errorf("cancel racing a result = %d, want 409", status)
	}
	if d, c := drawState(racing); d != "valid" || c["done"] != 1 || c["cancelled"] != 0 {
		t.Errorf("after the race the draw is %s with checks %v, want valid with the result kept", d, c)
	}

	control, _ := drawnChecks(t, s, st, "作废测试·无结果", 0)
	if r := s.call("POST", "/api/v1/inspection/draws/"+control+"/cancel", st.supervisor, map[string]any{"reason": "事项有误"}); r.Status != 200 {
		t.Errorf("cancel of a draw without results = %d %s, want 200", r.Status, r.Body)
	}
	if d, c := drawState(control); d != "cancelled" || len(c) != 1 || c["cancelled"] == 0 {
		t.Errorf("the cancelled draw is %s with checks %v, want every check cancelled", d, c)
	}
}

// A result cites records of its own check only; it names each record once.
func TestResultCitesOnlyItsOwnRecords(t *testing.T) {
	s := start(t)
	st := setupInspection(s)
	officer := s.login("officer1")
	_, checks := drawnChecks(t, s, st, "引用记录测试", 2)
	caseOf := func(check string) string {
		r := s.call("POST", "/api/v1/inspection/checks/"+check+"/record", officer, nil)
		id, _ := r.JSON()["case_id"].(string)
		if r.Status != 200 || id == "" {
			t.Fatalf("open record = %d %s", r.Status, r.Body)
		}
		return id
	}
	record := func(caseID, note string) string {
		r := s.call("POST", "/api/v1/cases/"+caseID+"/records", officer, map[string]any{"kind": "onsite", "note": note,
			"occurred_at": time.Now().Add(-time.Minute).Format(time.RFC3339)})
		if r.Status != 201 {
			t.Fatalf("record = %d %s", r.Status, r.Body)
		}
		return r.JSON()["id"].(string)
	}
	caseA, caseB := caseOf(checks[0]), caseOf(checks[1])
	a1, a2 := record(caseA, "现场核查经营场所"), record(caseA, "查阅年度报告")
	b1 := record(caseB, "另一项检查的现场记录")
	for _, c := range []struct {
		name string
		ids  []string
	}{
		{"another check's record", []string{b1}},
		{"its own and another check's", []string{a1, b1}},
		{"a record that does not exist", []string{a1, uuid.NewString()}},
	} {
		r := s.call("POST", "/api/v1/inspection/checks/"+checks[0]+"/result", officer, map[string]any{"result": "未发现问题", "record_ids": c.ids})
		if r.Status != 422 || r.ErrorField() != "record_ids" {
			t.Errorf("result citing %s = %d %s, want 422 on record_ids", c.name, r.Status, r.Body)
		}
	}
	if ck := s.call("GET", "/api/v1/inspection/checks/"+checks[0], officer, nil).JSON(); ck["state"] != "assigned" || ck["result"] != nil {
		t.Errorf("after refused results the check is %v with result %v, want assigned without one", ck["state"], ck["result"])
	}
	if ds := items(s.call("GET", "/api/v1/disclosures?case_id="+caseA, st.admin, nil)); len(ds) != 0 {
		t.Errorf("refused results left disclosure items %v", ds)
	}
	// A record cited twice is stored once, whether the two are side by side or not.
	b2 := record(caseB, "询问笔录")
	for _, c := range []struct {
		check     string
		ids, want []string
	}{
		{checks[0], []string{a2, a1, a1}, []string{a2, a1}},
		{checks[1], []string{b1, b2, b1}, []string{b1, b2}},
	} {
		r := s.call("POST", "/api/v1/inspection/checks/"+c.check+"/result", officer, map[string]any{"result": "未发现问题", "record_ids": c.ids})
		if r.Status != 200 {
			t.Errorf("result citing its own records %v = %d %s", c.ids, r.Status, r.Body)
			continue
		}
		got, _ := json.Marshal(r.JSON()["record_ids"])
		if want, _ := json.Marshal(c.want); !bytes.Equal(got, want) {
			t.Errorf("citing %v stored record_ids %s, want %s (each once, in the order cited)", c.ids, got, want)
		}
	}
}

// A follow-up case needs a problem found in the check's result, and a check has one at
// most.
func TestFollowupNeedsAProblemAndHappensOnce(t *testing.T) {
	s := start(t)
	st := setupInspection(s)
	officer := s.login("officer1")
	_, checks := drawnChecks(t, s, st, "立案测试", 4)
	problem, clean, pending, tapped := checks[0], checks[1], checks[2], checks[3]
	for _, id := range []string{problem, tapped} {
		if r := s.call("POST", "/api/v1/inspection/checks/"+id+"/result", officer, map[string]any{"result": "发现问题待后续处理",
			"findings": "超范围经营，需立案调查。"}); r.Status != 200 {
			t.Fatalf("problem result = %d %s", r.Status, r.Body)
		}
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+clean+"/result", officer, map[string]any{"result": "未发现问题"}); r.Status != 200 {
		t.Fatalf("clean result = %d %s", r.Status, r.Body)
	}
	conn := dbConn(t, s)
	cases := func() int {
		var n int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM cases`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := cases()
	if r := s.call("POST", "/api/v1/inspection/checks/"+pending+"/followup", officer, nil); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "请先录入检查结果") {
		t.Errorf("follow-up of a check without a result = %d %s, want 409", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+clean+"/followup", officer, nil); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "未发现问题") {
		t.Errorf("follow-up of a check that found no problem = %d %s, want 409 naming its result", r.Status, r.Body)
	}
	if n := cases(); n != before {
		t.Errorf("refused follow-ups opened %d cases", n-before)
	}
	r := s.call("POST", "/api/v1/inspection/checks/"+problem+"/followup", officer, nil)
	if r.Status != 201 {
		t.Fatalf("follow-up of a problem = %d %s", r.Status, r.Body)
	}
	first := r.JSON()["id"]
	if r := s.call("POST", "/api/v1/inspection/checks/"+problem+"/followup", officer, nil); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "已由本项检查立案") {
		t.Errorf("second follow-up = %d %s, want 409", r.Status, r.Body)
	}
	if n := cases(); n != before+1 {
		t.Errorf("%d cases opened by follow-ups, want 1", n-before)
	}
	if ck := s.call("GET", "/api/v1/inspection/checks/"+problem, officer, nil).JSON(); ck["followup_case_id"] != first {
		t.Errorf("check's follow-up case = %v, want the first one %v", ck["followup_case_id"], first)
	}

	// Six requests at once, as a double tap on a slow phone sends them: one case.
	statuses := make(chan int, 6)
	for range 6 {
		go func() {
			req, _ := http.NewRequest("POST", s.URL+"/api/v1/inspection/checks/"+tapped+"/followup", nil)
			req.Header.Set("Authorization", "Bearer "+officer)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	got := map[int]int{}
	for range 6 {
		got[<-statuses]++
	}
	if got[201] != 1 || got[409] != 5 {
		t.Errorf("six follow-ups at once answered %v, want one 201 and five 409", got)
	}
	if n := cases(); n != before+2 {
		t.Errorf("%d cases opened by follow-ups of two checks, want 2", n-before)
	}
}
