package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"zhifa/app"
	"zhifa/app/testenv"
	"zhifa/enforcement"
)

// targetCode builds a valid unified social credit code in the demo county.
func targetCode(n int) string {
	first := fmt.Sprintf("9136079%010d", n)
	return first + string(enforcement.CreditCheckChar(first))
}

// targetsCSV lists n targets, risk classes spread 10% A, 25% B, 40% C, 25% D.
func targetsCSV(from, n int) string {
	var b strings.Builder
	b.WriteString("code,name,type,region_code,industry,risk\n")
	for i := from; i < from+n; i++ {
		risk := "C"
		switch x := i % 20; {
		case x < 2:
			risk = "A"
		case x < 7:
			risk = "B"
		case x >= 15:
			risk = "D"
		}
		fmt.Fprintf(&b, "%s,青山县测试商贸有限公司%d,企业,360799,批发和零售业,%s\n", targetCode(i), i, risk)
	}
	return b.String()
}

func TestTargetImport(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	demo := total(s.call("GET", "/api/v1/inspection/targets", admin, nil))
	bad := targetCode(7)
	bad = bad[:17] + map[bool]string{true: "1", false: "0"}[bad[17] == '0']
	body := targetsCSV(1, 5) + // lines 2-6
		bad + ",坏代码公司,企业,360799,制造业,A\n" + // line 7
		targetCode(8) + ",未知等级公司,企业,360799,制造业,E\n" + // line 8
		targetCode(2) + ",重复公司,企业,360799,制造业,B\n" + // line 9
		targetCode(9) + ",外县公司,企业,360101,制造业,B\n" + // line 10
		targetCode(10) + ",少一列\n" // line 11
	if r := s.send("POST", "/api/v1/inspection/targets", s.login("officer1"), "text/csv", strings.NewReader(body)); r.Status != 403 {
		t.Errorf("officer importing = %d", r.Status)
	}
	r := s.send("POST", "/api/v1/inspection/targets", admin, "text/csv", strings.NewReader(body))
	if r.Status != 200 {
		t.Fatalf("import = %d %s", r.Status, r.Body)
	}
	res := r.JSON()
	rej, _ := res["rejected"].([]any)
	lines := map[int]string{}
	for _, x := range rej {
		m := x.(map[string]any)
		lines[int(m["line"].(float64))] = m["error"].(string)
	}
	if res["created"] != 5.0 || len(rej) != 5 {
		t.Fatalf("import answered %s, want 5 created and 5 rejected", r.Body)
	}
	for line, want := range map[int]string{7: "code", 8: "risk", 9: "第 3 行重复", 10: "region_code", 11: "列数"} {
		if !strings.Contains(lines[line], want) {
			t.Errorf("line %d rejected with %q, want it to mention %q", line, lines[line], want)
		}
	}
	// JSON: line numbers are the element's line; a changed row updates, an unchanged one stays.
	js := `[
  {"code": "` + targetCode(1) + `", "name": "改名后的公司", "type": "企业", "region_code": "360799", "industry": "制造业", "risk": "A"},
  {"code": "` + targetCode(2) + `", "name": "青山县测试商贸有限公司2", "type": "企业", "region_code": "360799", "industry": "批发和零售业", "risk": "B"},
  {"code": "123", "name": "x", "type": "企业", "region_code": "360799", "risk": "A"}
]`
	r = s.send("POST", "/api/v1/inspection/targets", admin, "application/json", strings.NewReader(js))
	if m := r.JSON(); r.Status != 200 || m["updated"] != 1.0 || m["unchanged"] != 1.0 || m["created"] != 0.0 {
		t.Fatalf("JSON import = %d %s", r.Status, r.Body)
	}
	if rej := r.JSON()["rejected"].([]any); len(rej) != 1 || rej[0].(map[string]any)["line"] != 4.0 {
		t.Errorf("JSON rejection = %v, want line 4", rej)
	}
	// A body that cannot be parsed loads nothing.
	broken := `[{"code": "` + targetCode(50) + `", "name": "新公司", "type": "企业", "region_code": "360799", "risk": "A"},` + "\n" + `{"code": `
	r = s.send("POST", "/api/v1/inspection/targets", admin, "application/json", strings.NewReader(broken))
	if r.Status != 422 || r.ErrorField() != "body" || !strings.Contains(r.ErrorMessage(), "第 2 行") {
		t.Errorf("broken JSON = %d %s", r.Status, r.Body)
	}
	if n := total(s.call("GET", "/api/v1/inspection/targets", admin, nil)); n != demo+5 {
		t.Errorf("directory holds %d targets, want the demo's %d and the file's 5", n, demo)
	}
	if got := items(s.call("GET", "/api/v1/inspection/targets?q="+targetCode(1), admin, nil)); len(got) != 1 || got[0]["name"] != "改名后的公司" {
		t.Errorf("target 1 = %v", got)
	}
}

// inspectionSetup imports 400 targets and a matter for the market bureau and returns
// what tasks need.
type inspectionSetup struct {
	admin, supervisor, market, urban, matter string
}

func setupInspection(s *server) inspectionSetup {
	s.t.Helper()
	var st inspectionSetup
	st.admin, st.supervisor = s.login("admin"), s.login("supervisor1")
	if r := s.send("POST", "/api/v1/inspection/targets", st.admin, "text/csv", strings.NewReader(targetsCSV(1, 400))); r.Status != 200 || r.JSON()["created"] != 400.0 {
		s.t.Fatalf("import = %d %s", r.Status, r.Body)
	}
	st.market, st.urban = agencyID(s, st.admin, "青山县市场监督管理局"), agencyID(s, st.admin, "青山县城市管理局")
	r := s.call("POST", "/api/v1/inspection/matters", st.admin, map[string]any{"agency_id": st.market, "name": "企业年度报告公示信息抽查（测试）",
		"legal_basis": "《企业信息公示暂行条例》第十四条", "method": "书面检查、实地核查", "target_type": "企业"})
	if r.Status != 201 {
		s.t.Fatalf("matter = %d %s", r.Status, r.Body)
	}
	st.matter = r.JSON()["id"].(string)
	return st
}

func (st inspectionSetup) task(name string, edit ...func(map[string]any)) map[string]any {
	in := map[string]any{"name": name, "matter_ids": []string{st.matter}, "agency_ids": []string{st.market, st.urban},
		"filter": map[string]any{"type": "企业", "industry": "批发和零售业"}, "ratios": map[string]float64{"A": 0.5, "B": 0.1, "C": 0.05, "D": 0.03},
		"inspectors_per_target": 2, "exclude_inspected_within_days": 180, "yearly_cap": 2, "due_date": time.Now().AddDate(0, 1, 0).Format(time.DateOnly)}
	for _, e := range edit {
		e(in)
	}
	return in
}

// frozenRows counts what freezing writes: tasks and pool chunks.
func frozenRows(t *testing.T, s *server) int {
	var n int
	if err := dbConn(t, s).QueryRow(context.Background(), `SELECT (SELECT count(*) FROM inspection_tasks) + (SELECT count(*) FROM inspection_pool_chunks)`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTaskRefusalsFreezeNothing(t *testing.T) {
	s := start(t)
	st := setupInspection(s)
	before := frozenRows(t, s)
	for _, c := range []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"one inspector per target", func(m map[string]any) { m["inspectors_per_target"] = 1 }, "inspectors_per_target"},
		{"below the floor", func(m map[string]any) { m["ratios"] = map[string]float64{"A": 0.01} }, "ratios"},
		{"unknown class", func(m map[string]any) { m["ratios"] = map[string]float64{"E": 0.5} }, "ratios"},
		{"more than the pool", func(m map[string]any) {
			delete(m, "ratios")
			m["counts"] = map[string]int{"A": 41}
		}, "counts"},
		{"no inspector with the field", func(m map[string]any) { m["inspector_field"] = "航天器检查" }, "agency_ids"},
		{"no target matches", func(m map[string]any) {
			m["filter"] = map[string]any{"type": "个体工商户", "industry": "批发和零售业"}
		}, "filter"},
		{"a matter of another agency", func(m map[string]any) { m["agency_ids"] = []string{st.urban} }, "matter_ids"},
		{"past due date", func(m map[string]any) { m["due_date"] = "2020-01-01" }, "due_date"},
	} {
		r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task(c.name, c.edit))
		if r.Status != 422 || r.ErrorField() != c.field {
			t.Errorf("%s: %d %s, want 422 on %s", c.name, r.Status, r.Body, c.field)
		}
	}
	if r := s.call("POST", "/api/v1/inspection/tasks", s.login("officer1"), st.task("x")); r.Status != 403 {
		t.Errorf("officer creating a task = %d", r.Status)
	}
	if n := frozenRows(t, s); n != before {
		t.Errorf("refused tasks left %d rows (the demo had %d)", n, before)
	}
}

func TestDrawIsPublicVerifiableAndOnce(t *testing.T) {
	s := start(t)
	st := setupInspection(s)
	officer := s.login("officer1")
	me := s.call("GET", "/api/v1/me", officer, nil).JSON()
	// officer1 declares a conflict with target 3; the admin registers one for officer2.
	if r := s.call("POST", "/api/v1/inspection/conflicts", officer, map[string]any{"officer_id": me["officer_id"], "target_code": targetCode(3), "reason": "配偶任该公司监事"}); r.Status != 201 {
		t.Fatalf("declare conflict = %d %s", r.Status, r.Body)
	}
	o2 := s.call("GET", "/api/v1/me", s.login("officer2"), nil).JSON()["officer_id"]
	if r := s.call("POST", "/api/v1/inspection/conflicts", officer, map[string]any{"officer_id": o2, "target_code": targetCode(3), "reason": "x"}); r.Status != 403 {
		t.Errorf("officer declaring for a colleague = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/inspection/conflicts", st.admin, map[string]any{"officer_id": o2, "target_code": targetCode(1), "reason": "曾在该公司任职"}); r.Status != 201 {
		t.Fatalf("admin conflict = %d %s", r.Status, r.Body)
	}

	r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task("2026年第四季度企业公示信息联合抽查"))
	if r.Status != 201 {
		t.Fatalf("create task = %d %s", r.Status, r.Body)
	}
	task := r.JSON()
	id := task["id"].(string)
	commitment := task["seed_commitment"].(string)
	if len(commitment) != 64 || task["pool_size"] != 400.0 || task["state"] != "frozen" {
		t.Fatalf("task = %s", r.Body)
	}
	// Before the draw the portal shows the commitment and the pool hash, not the secret.
	pub := s.public("/public/api/draws/" + id)
	if pub.Status != 200 || !strings.Contains(string(pub.Body), commitment) || pub.JSON()["draw"] != nil || strings.Contains(string(pub.Body), `"secret"`) {
		t.Fatalf("public task before the draw = %d %s", pub.Status, pub.Body)
	}
	listing := s.public("/public/api/draws/" + id + "/pool")
	if sum := sha256.Sum256(listing.Body); hex.EncodeToString(sum[:]) != task["pool_hash"] {
		t.Fatalf("the pool listing does not hash to the published pool hash")
	}
	if r := s.call("POST", "/api/v1/inspection/tasks/"+id+"/draw", officer, map[string]any{}); r.Status != 403 {
		t.Errorf("officer drawing = %d", r.Status)
	}
	r = s.call("POST", "/api/v1/inspection/tasks/"+id+"/draw", st.supervisor, map[string]any{"witness": "福彩3D 2026320期 开奖号码 5 8 1"})
	if r.Status != 201 {
		t.Fatalf("draw = %d %s", r.Status, r.Body)
	}
	draw := r.JSON()
	drawID := draw["id"].(string)
	selected := draw["selected"].([]any)
	// targetsCSV(1, 400) puts i%20 in 0–1 in A, 2–6 in B, 7–14 in C and 15–19 in D: 40,
	// 100, 160 and 100 targets; the ratios take 40×0.5 = 20, 100×0.1 = 10, 160×0.05 = 8
	// and 100×0.03 = 3, 41 in all (at least the floor's 400×0.03 = 12).
	const want = 41
	wantStrata := `[{"risk":"A","size":40,"take":20},{"risk":"B","size":100,"take":10},{"risk":"C","size":160,"take":8},{"risk":"D","size":100,"take":3}]`
	if got, _ := json.Marshal(task["strata"]); string(got) != wantStrata {
		t.Errorf("strata = %s, want %s", got, wantStrata)
	}
	if len(selected) != want {
		t.Fatalf("selected %d targets, want %d", len(selected), want)
	}
	agencyOf := map[string]string{}
	for _, ag := range []string{st.market, st.urban} {
		for _, o := range items(s.call("GET", "/api/v1/inspection/inspectors?page_size=200&agency_id="+ag, st.admin, nil)) {
			agencyOf[o["officer_id"].(string)] = ag
		}
	}
	load := map[string]int{}
	for _, x := range selected {
		it := x.(map[string]any)
		ids := it["inspector_ids"].([]any)
		ags := map[string]bool{}
		for _, id := range ids {
			ags[agencyOf[id.(string)]] = true
			load[id.(string)]++
			if it["target_code"] == targetCode(3) && id == me["officer_id"] || it["target_code"] == targetCode(1) && id == o2 {
				t.Errorf("target %s drew %s despite a registered conflict", it["target_code"], id)
			}
		}
		if len(ids) != 2 || len(ags) != 2 {
			t.Errorf("target %s: inspectors %v from %d agencies, want 2 from 2", it["target_code"], ids, len(ags))
		}
	}
	// LOTTERY.md §5: at most ceil(p × k / L) + 1 targets each, with p = 2, k = 41 and L
	// the inspectors frozen.
	L := int(task["inspectors"].(float64))
	limit := (2*want+L-1)/L + 1
	for id, n := range load {
		if n > limit {
			t.Errorf("inspector %s got %d targets, want at most ceil(2×%d/%d)+1 = %d", id, n, want, L, limit)
		}
	}
	if r := s.call("POST", "/api/v1/inspection/tasks/"+id+"/draw", st.supervisor, map[string]any{"witness": "再来一次"}); r.Status != 409 {
		t.Errorf("second draw = %d %s", r.Status, r.Body)
	}
	// Anyone can re-run it: the secret is now public and the verification passes.
	v := s.public("/public/api/draws/" + drawID + "/verify").JSON()
	if v["ok"] != true {
		t.Fatalf("verify = %v", v)
	}
	if spec := s.public("/public/lottery.md"); spec.Status != 200 || !strings.Contains(string(spec.Body), "zhifa-lottery-1") {
		t.Errorf("the algorithm's specification is not public: %d", spec.Status)
	}
	// zhifa verify-draw, from the records and from the public downloads alone; the public
	// page shows the command with its own address.
	cfg, _ := app.LoadConfig(testenv.Getenv(s.env))
	if page := s.public("/public/draws/" + drawID); !strings.Contains(string(page.Body), "zhifa verify-draw --url "+cfg.PublicURL+"/public/draws/"+drawID+"<") {
		t.Errorf("the public page does not show the verify command with its address")
	}
	for _, args := range [][]string{{"verify-draw", drawID}, {"verify-draw", "--url", s.URL + "/public/api/draws/" + drawID},
		{"verify-draw", "--url", s.URL + "/public/draws/" + drawID}} {
		var out bytes.Buffer
		if err := app.Run(context.Background(), args, testenv.Getenv(s.env), &out); err != nil || !strings.Contains(out.String(), "复核通过") {
			t.Errorf("zhifa %v: %v\n%s", args, err, out.String())
		}
	}
	pub = s.public("/public/api/draws/" + drawID)
	d := pub.JSON()["draw"].(map[string]any)
	secret, _ := hex.DecodeString(d["secret"].(string))
	if sum := sha256.Sum256(secret); hex.EncodeToString(sum[:]) != commitment {
		t.Errorf("revealed secret does not match the commitment")
	}
	result := s.public("/public/api/draws/" + drawID + "/result")
	if sum := sha256.Sum256(result.Body); hex.EncodeToString(sum[:]) != d["result_hash"] || bytes.Count(result.Body, []byte("\n")) != want {
		t.Errorf("result listing does not hash to the result hash")
	}
	// A check changed behind zhifa's back is caught.
	conn := dbConn(t, s)
	if _, err := conn.Exec(context.Background(), `UPDATE inspection_checks SET target_code = $2 WHERE draw_id = $1 AND seq = 1`, drawID, targetCode(399)); err != nil {
		t.Fatal(err)
	}
	v = s.public("/public/api/draws/" + drawID + "/verify").JSON()
	if v["ok"] != false || v["stored_result_ok"] != false || v["result_ok"] != true {
		t.Errorf("verify after tampering = %v", v)
	}
	if _, err := conn.Exec(context.Background(), `UPDATE inspection_checks SET target_code = $2 WHERE draw_id = $1 AND seq = 1`, drawID, selected[0].(map[string]any)["target_code"]); err != nil {
		t.Fatal(err)
	}
	// Cancelling keeps the draw with its reason; a redraw is a new task referring to it.
	if r := s.call("POST", "/api/v1/inspection/draws/"+drawID+"/cancel", st.supervisor, map[string]any{"reason": ""}); r.Status != 422 || r.ErrorField() != "reason" {
		t.Errorf("cancel without reason = %d", r.Status)
	}
	r = s.call("POST", "/api/v1/inspection/draws/"+drawID+"/cancel", st.supervisor, map[string]any{"reason": "抽查事项适用范围有误"})
	if r.Status != 200 || r.JSON()["state"] != "cancelled" || r.JSON()["cancel_reason"] != "抽查事项适用范围有误" {
		t.Fatalf("cancel = %d %s", r.Status, r.Body)
	}
	if n := total(s.call("GET", "/api/v1/inspection/checks?task_id="+id, st.supervisor, nil)); n != 0 {
		t.Errorf("%d checks remain open after cancelling", n)
	}
	r = s.call("POST", "/api/v1/inspection/tasks/"+id+"/redraw", st.supervisor, nil)
	if r.Status != 201 || r.JSON()["redraw_of"] != id || r.JSON()["seed_commitment"] == commitment {
		t.Fatalf("redraw = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/tasks/"+id+"/redraw", st.supervisor, nil); r.Status != 409 {
		t.Errorf("second redraw of the same task = %d", r.Status)
	}
	if v := s.public("/public/api/draws/" + drawID).JSON()["draw"].(map[string]any); v["state"] != "cancelled" {
		t.Errorf("public cancelled draw = %v", v)
	}
}

func TestDrawRebuildsLostPools(t *testing.T) {
	s := start(t)
	st := setupInspection(s)
	create := func(name string) string {
		r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task(name, func(m map[string]any) { m["agency_ids"] = []string{st.market} }))
		if r.Status != 201 {
			t.Fatalf("create = %d %s", r.Status, r.Body)
		}
		return r.JSON()["id"].(string)
	}
	draw := func(id, why string) {
		r := s.call("POST", "/api/v1/inspection/tasks/"+id+"/draw", st.supervisor, map[string]any{"witness": "42"})
		if r.Status != 201 {
			t.Fatalf("draw after %s = %d %s", why, r.Status, r.Body)
		}
		if v := s.public("/public/api/draws/" + r.JSON()["id"].(string) + "/verify").JSON(); v["ok"] != true {
			t.Errorf("verify after %s = %v", why, v)
		}
	}
	flushed, reshaped := create("重建测试"), create("旧格式测试")
	opt, _ := redis.ParseURL(s.env["ZHIFA_REDIS_URL"])
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	poolKeys := func(id string) []string {
		keys, _ := rdb.Keys(ctx, s.env["ZHIFA_REDIS_PREFIX"]+"insp:pool:{"+id+"}:*").Result()
		if len(keys) < 2 {
			t.Fatalf("the frozen pool of %s was not copied to Redis: %v", id, keys)
		}
		return keys
	}
	// As after FLUSHALL or a restart: every key of the pool is gone.
	rdb.Del(ctx, poolKeys(flushed)...)
	draw(flushed, "a flush")
	// A stratum in another layout (18 bytes a code, as before codes were packed) and a
	// header that still matches: the copy is rebuilt, not read at the wrong offsets.
	for _, k := range poolKeys(reshaped) {
		if strings.HasSuffix(k, ":meta") {
			continue
		}
		n := rdb.StrLen(ctx, k).Val()
		rdb.Set(ctx, k, strings.Repeat("0", int(n/12*18)), time.Hour)
		break
	}
	draw(reshaped, "a stratum in another layout")
}

// TestDrawWithRedisDown runs zhifa against Redis through a proxy the test cuts before the
// draw: the draw answers 503 and leaves nothing; then Redis returns having lost the pool's
// copy, as after a restart, and the draw rebuilds it from PostgreSQL, succeeds and
// verifies. (Through the server the session is read from Redis first; inspection's
// TestDrawWithRedisCut cuts the draw's own reads.)
func TestDrawWithRedisDown(t *testing.T) {
	var rd *testenv.Proxy
	s := start(t, func(env map[string]string) {
		u, err := url.Parse(env["ZHIFA_REDIS_URL"])
		if err != nil {
			t.Fatal(err)
		}
		rd = testenv.NewProxy(t, u.Host)
		u.Host = rd.Addr()
		env["ZHIFA_REDIS_URL"] = u.String()
	})
	st := setupInspection(s)
	r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task("故障测试", func(m map[string]any) { m["agency_ids"] = []string{st.market} }))
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	rd.Cut()
	r = s.call("POST", "/api/v1/inspection/tasks/"+id+"/draw", st.supervisor, map[string]any{"witness": "7"})
	if r.Status != 503 || r.ErrorCode() != "unavailable" {
		t.Fatalf("draw with Redis down = %d %s, want 503 unavailable", r.Status, r.Body)
	}
	var draws, checks int
	var state string
	conn := dbConn(t, s)
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM inspection_draws WHERE task_id = $1),
		(SELECT count(*) FROM inspection_checks WHERE task_id = $1), (SELECT state FROM inspection_tasks WHERE id = $1)`, id).Scan(&draws, &checks, &state); err != nil {
		t.Fatal(err)
	}
	if draws != 0 || checks != 0 || state != "frozen" {
		t.Fatalf("a failed draw left %d draws, %d checks and the task %s; want none, none and frozen", draws, checks, state)
	}
	// The pool's copy is lost while Redis is away, as after a restart without persistence.
	opt, _ := redis.ParseURL(testenv.RedisURL())
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	ctx := context.Background()
	keys, err := rdb.Keys(ctx, s.env["ZHIFA_REDIS_PREFIX"]+"insp:pool:{"+id+"}:*").Result()
	if err != nil || len(keys) < 2 {
		t.Fatalf("the frozen pool was not in Redis: %v %v", keys, err)
	}
	if err := rdb.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	rd.Restore()
	r = s.call("POST", "/api/v1/inspection/tasks/"+id+"/draw", st.supervisor, map[string]any{"witness": "7"})
	if r.Status != 201 {
		t.Fatalf("draw after Redis came back = %d %s", r.Status, r.Body)
	}
	if v := s.public("/public/api/draws/" + r.JSON()["id"].(string) + "/verify").JSON(); v["ok"] != true {
		t.Errorf("verify after the rebuild = %v", v)
	}
}

func TestCheckResultsAreDisclosed(t *testing.T) {
	s := start(t)
	st := setupInspection(s)
	r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task("结果测试", func(m map[string]any) { m["agency_ids"] = []string{st.market} }))
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	if r := s.call("POST", "/api/v1/inspection/tasks/"+id+"/draw", st.supervisor, nil); r.Status != 201 {
		t.Fatalf("draw = %d %s", r.Status, r.Body)
	}
	// Find a check of officer1's, or give one to officer1 and officer2 for the test.
	conn := dbConn(t, s)
	officer := s.login("officer1")
	o1 := s.call("GET", "/api/v1/me", officer, nil).JSON()["officer_id"].(string)
	o2 := s.call("GET", "/api/v1/me", s.login("officer2"), nil).JSON()["officer_id"].(string)
	if _, err := conn.Exec(context.Background(), `UPDATE inspection_checks SET inspector_ids = ARRAY[$1::uuid, $2::uuid] WHERE task_id = $3 AND seq IN (1, 2)`, o1, o2, id); err != nil {
		t.Fatal(err)
	}
	mine := items(s.call("GET", "/api/v1/inspection/checks?mine=true&task_id="+id, officer, nil))
	if len(mine) < 2 {
		t.Fatalf("officer1 has %d checks in the task, want at least 2", len(mine))
	}
	check := mine[0]["id"].(string)
	// A result need not cite a record.
	if r := s.call("POST", "/api/v1/inspection/checks/"+mine[len(mine)-1]["id"].(string)+"/result", officer, map[string]any{"result": "未发现问题"}); r.Status != 200 {
		t.Errorf("result without records = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+check+"/result", officer, map[string]any{"result": "查无此类"}); r.Status != 422 || r.ErrorField() != "result" {
		t.Errorf("unknown result = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+check+"/result", s.login("reviewer1"), map[string]any{"result": "未发现问题"}); r.Status != 404 {
		t.Errorf("someone not drawn entering the result = %d", r.Status)
	}
	r = s.call("POST", "/api/v1/inspection/checks/"+check+"/record", officer, nil)
	caseID, _ := r.JSON()["case_id"].(string)
	if r.Status != 200 || caseID == "" {
		t.Fatalf("open record = %d %s", r.Status, r.Body)
	}
	rec := s.call("POST", "/api/v1/cases/"+caseID+"/records", officer, map[string]any{"kind": "onsite", "note": "现场核查经营场所，未悬挂营业执照", "occurred_at": time.Now().Add(-2 * time.Hour).Format(time.RFC3339)})
	if rec.Status != 201 {
		t.Fatalf("record = %d %s", rec.Status, rec.Body)
	}
	r = s.call("POST", "/api/v1/inspection/checks/"+check+"/result", officer, map[string]any{"result": "发现问题已责令改正",
		"findings": "未在经营场所醒目位置悬挂营业执照，已责令当场改正。", "record_ids": []string{rec.JSON()["id"].(string)}})
	if r.Status != 200 || r.JSON()["state"] != "done" || r.JSON()["result_label"] != "发现问题已责令改正" {
		t.Fatalf("result = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+check+"/result", officer, map[string]any{"result": "未发现问题"}); r.Status != 409 {
		t.Errorf("second result = %d", r.Status)
	}
	// The result concludes the check's record: its case is closed, the result its last record.
	cv := s.call("GET", "/api/v1/cases/"+caseID, officer, nil).JSON()
	recs, _ := cv["records"].([]any)
	if cv["state"] != "closed" || len(recs) == 0 {
		t.Fatalf("check record after the result: state %v, %d records", cv["state"], len(recs))
	}
	if last := recs[len(recs)-1].(map[string]any); !strings.Contains(last["note"].(string), "检查结果：发现问题已责令改正") ||
		!strings.Contains(last["note"].(string), "检查记录办结") {
		t.Errorf("last record of the check = %v", last["note"])
	}
	if v := s.call("GET", "/api/v1/cases/"+caseID+"/verify", officer, nil).JSON(); v["ok"] != true {
		t.Errorf("chain after the result = %v", v)
	}
	due := items(s.call("GET", "/api/v1/disclosures?state=due&case_id="+caseID, st.admin, nil))
	if len(due) != 1 || due[0]["kind"] != "inspection_result" || due[0]["check_id"] != check {
		t.Fatalf("disclosure of the result = %v", due)
	}
	if r := s.call("POST", "/api/v1/disclosures/"+due[0]["id"].(string)+"/publish", st.admin, nil); r.Status != 200 {
		t.Fatalf("publish = %d %s", r.Status, r.Body)
	}
	if res := items(s.public("/public/api/results?q=" + url.QueryEscape("结果测试"))); len(res) != 1 {
		t.Errorf("public results = %v", res)
	}
	if res := items(s.public("/public/api/decisions")); len(res) > 0 && res[0]["kind"] == "inspection_result" {
		t.Errorf("an inspection result is listed among decisions")
	}
	r = s.call("POST", "/api/v1/inspection/checks/"+check+"/followup", officer, nil)
	if r.Status != 201 || r.JSON()["kind"] != "penalty" {
		t.Fatalf("follow-up case = %d %s", r.Status, r.Body)
	}
}

// The demo's past draws follow their tasks: a task is created, frozen and published
// before its draw, months ago for the past quarters, so no draw predates its commitment.
func TestDemoTasksPredateTheirDraws(t *testing.T) {
	s := start(t)
	conn := dbConn(t, s)
	var draws, backwards int
	var oldest time.Time
	if err := conn.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE d.drawn_at <= t.created_at),
		min(t.created_at) FROM inspection_draws d JOIN inspection_tasks t ON t.id = d.task_id`).Scan(&draws, &backwards, &oldest); err != nil {
		t.Fatal(err)
	}
	if draws < 3 || backwards != 0 || time.Since(oldest) < 200*24*time.Hour {
		t.Errorf("%d draws, %d drawn before their task was created; oldest task created %v", draws, backwards, oldest)
	}
}
