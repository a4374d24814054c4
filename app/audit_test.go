package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"zhifa/audit"
)

// zeroScores is a scoring with 0 off every scored item of the default rubric, edited by
// the given item → points.
func zeroScores(edit map[string]float64, notes map[string]string) []map[string]any {
	var out []map[string]any
	for _, it := range audit.DefaultRubric().Items {
		if it.Group == audit.GroupVeto {
			continue
		}
		out = append(out, map[string]any{"item_code": it.Code, "points": edit[it.Code], "note": notes[it.Code]})
	}
	return out
}

func userID(s *server, tok string) string {
	return s.call("GET", "/api/v1/me", tok, nil).JSON()["id"].(string)
}

// campaign is an open campaign over the market bureau's files concluded today, every one
// sampled, with the justice bureau's reviewer and supervisor and the bureau's own reviewer
// as evaluators.
type campaign struct {
	id, sup, rev1, rev2 string
	from, to            string // the period, as the server dated the decisions
	files               []map[string]any
	mine                []string // the cases this test decided
}

func openCampaign(t *testing.T, s *server) campaign {
	t.Helper()
	f := fixture(s)
	var cp campaign
	for range 3 {
		cp.mine = append(cp.mine, s.decidedCase(f))
	}
	cp.sup, cp.rev1, cp.rev2 = s.login("supervisor1"), s.login("reviewer1"), s.login("reviewer2")
	// The days the server decided them on, which midnight may have split.
	cp.from, cp.to = decisionPeriod(t, s, f.tok, cp.mine...)
	r := s.call("POST", "/api/v1/evaluations", cp.sup, map[string]any{"name": "本日行政处罚案卷评查", "period_from": cp.from, "period_to": cp.to,
		"agency_ids": []string{f.agency}, "case_kinds": []string{"penalty"}, "sample_ratio": 1.0, "witness": "双色球 2026135",
		"evaluator_ids": []string{userID(s, cp.sup), userID(s, cp.rev1), userID(s, cp.rev2)}})
	if r.Status != 201 {
		t.Fatalf("open campaign = %d %s", r.Status, r.Body)
	}
	m := r.JSON()
	cp.id = m["id"].(string)
	for _, x := range m["sample"].([]any) {
		cp.files = append(cp.files, x.(map[string]any))
	}
	return cp
}

// file returns the sampled file of a case.
func (cp campaign) file(t *testing.T, caseID string) map[string]any {
	t.Helper()
	for _, f := range cp.files {
		if f["case_id"] == caseID {
			return f
		}
	}
	t.Fatalf("case %s is not in the sample", caseID)
	return nil
}

// tokenOf is the token of the evaluator a file was given to.
func (cp campaign) tokenOf(s *server, f map[string]any) string {
	for _, tok := range []string{cp.sup, cp.rev2} {
		if userID(s, tok) == f["evaluator_id"] {
			return tok
		}
	}
	s.t.Fatalf("file %v went to an evaluator outside the justice bureau", f["case_number"])
	return ""
}

func TestEvaluationSampleScoringAndSummary(t *testing.T) {
	s := start(t)
	cp := openCampaign(t, s)
	conn := dbConn(t, s)
	// The pool as SAMPLE.md §2 defines it: the bureau's penalty files decided, withdrawn or
	// transferred on a day of the period.
	var pooled int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM cases c JOIN users u ON u.agency_id = c.agency_id
		WHERE u.username = 'officer1' AND c.kind = 'penalty' AND CASE
			WHEN c.decided_at IS NOT NULL THEN (c.decided_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $1::date AND $2::date
			WHEN c.state IN ('withdrawn', 'transferred') THEN (c.closed_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $1::date AND $2::date
			ELSE false END`, cp.from, cp.to).Scan(&pooled); err != nil {
		t.Fatal(err)
	}
	if len(cp.files) != pooled || pooled < len(cp.mine) {
		t.Fatalf("ratio 1 sampled %d files of %d, want all of them and at least the %d decided here", len(cp.files), pooled, len(cp.mine))
	}
	// Nobody scores a file of their own agency: every file went to the justice bureau.
	rev1 := userID(s, cp.rev1)
	for _, f := range cp.files {
		if f["evaluator_id"] == rev1 {
			t.Fatalf("file %v assigned to its own agency's reviewer", f["case_number"])
		}
	}

	a, b, c := cp.file(t, cp.mine[0]), cp.file(t, cp.mine[1]), cp.file(t, cp.mine[2])
	score := func(tok string, f map[string]any, ds []map[string]any) response {
		return s.call("POST", "/api/v1/evaluations/"+cp.id+"/scores", tok, map[string]any{"case_id": f["case_id"], "deductions": ds})
	}
	// Refusals, each before anything is stored.
	// A file given to someone else answers as absent and names nobody.
	if r := score(cp.rev1, a, zeroScores(nil, nil)); r.Status != 404 || strings.Contains(r.ErrorMessage(), a["case_number"].(string)) {
		t.Fatalf("own agency's file, given to another evaluator = %d %s, want 404 naming nothing", r.Status, r.Body)
	}
	other := cp.sup
	if cp.tokenOf(s, a) == cp.sup {
		other = cp.rev2
	}
	if r := score(other, a, zeroScores(nil, nil)); r.Status != 404 || strings.Contains(r.ErrorMessage(), a["case_number"].(string)) {
		t.Fatalf("another evaluator's file = %d %s, want 404 naming nothing", r.Status, r.Body)
	}
	outside := s.newCase(fixture(s))
	if r := score(cp.tokenOf(s, a), map[string]any{"case_id": outside}, zeroScores(nil, nil)); r.Status != 422 || r.ErrorField() != "case_id" {
		t.Fatalf("file outside the sample = %d %s, want 422 on case_id", r.Status, r.Body)
	}
	tokA, tokB, tokC := cp.tokenOf(s, a), cp.tokenOf(s, b), cp.tokenOf(s, c)
	if r := score(tokB, b, zeroScores(map[string]float64{"C2": 15}, map[string]string{"C2": "证据不足"})); r.Status != 422 ||
		!strings.Contains(r.ErrorMessage(), "最多扣 12 分") {
		t.Fatalf("over the item's maximum = %d %s", r.Status, r.Body)
	}
	if r := score(tokB, b, zeroScores(nil, nil)[:5]); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "未评分") {
		t.Fatalf("items missing = %d %s", r.Status, r.Body)
	}
	// The pre-checks found no service record: zero off C9 without a word is refused.
	wp := s.call("GET", "/api/v1/evaluations/"+cp.id+"/files/"+cp.mine[0], tokA, nil)
	if wp.Status != 200 {
		t.Fatalf("workpaper = %d %s", wp.Status, wp.Body)
	}
	var serve map[string]any
	for _, x := range wp.JSON()["findings"].([]any) {
		if f := x.(map[string]any); f["check"] == audit.CheckServeDeadline {
			serve = f
		}
	}
	if serve["status"] != "fail" || serve["item_code"] != "C9" || serve["suggested_points"] != 4.0 {
		t.Fatalf("service pre-check = %v", serve)
	}
	if r := score(tokA, a, zeroScores(nil, nil)); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "须说明理由") {
		t.Fatalf("overriding a failed pre-check silently = %d %s", r.Status, r.Body)
	}
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM evaluation_deductions WHERE evaluation_id = $1`, cp.id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("refused scores left %d deductions", n)
	}

	// Scores: 96 (excellent), a veto (fail whatever the points), 75 (pass).
	if pub := s.public("/public/api/evaluations/" + cp.id).JSON(); pub["scored"] != 0.0 { // now cached
		t.Fatalf("public campaign before scoring: scored %v", pub["scored"])
	}
	r := score(tokA, a, zeroScores(map[string]float64{"C9": 4}, map[string]string{"C9": "未见送达回证"}))
	if m := r.JSON(); r.Status != 200 || m["total"] != 96.0 || m["rating"] != "excellent" || m["rubric_version"] != 1.0 {
		t.Fatalf("score A = %d %s", r.Status, r.Body)
	}
	if pub := s.public("/public/api/evaluations/" + cp.id).JSON(); pub["scored"] != 1.0 {
		t.Errorf("public campaign after a score: scored %v (a stale cached answer?)", pub["scored"])
	}
	dsB := append(zeroScores(map[string]float64{"C9": 4, "F2": 1.5}, map[string]string{"C9": "未送达", "F2": "当事人地址不全"}),
		map[string]any{"item_code": "V4", "veto": true, "note": "关键违法事实仅有当事人陈述"})
	if r := score(tokB, b, dsB); r.JSON()["rating"] != "fail" || r.JSON()["vetoed"] != true || r.JSON()["total"] != 94.5 {
		t.Fatalf("score B = %d %s", r.Status, r.Body)
	}
	r = score(tokC, c, zeroScores(map[string]float64{"C9": 4, "C2": 12, "C5": 9}, map[string]string{"C9": "未送达", "C2": "证据未相互印证", "C5": "裁量理由缺失"}))
	if r.JSON()["total"] != 75.0 || r.JSON()["rating"] != "pass" {
		t.Fatalf("score C = %d %s", r.Status, r.Body)
	}

	// By hand: (96 + 94.5 + 75) / 3 = 88.5; C9 found in all three files, 3 × 4 points.
	sm := mustStatus(t, "summary", s.call("GET", "/api/v1/evaluations/"+cp.id+"/summary", cp.sup, nil), 200).JSON()
	by, _ := sm["by_rating"].(map[string]any)
	if sm["scored"] != 3.0 || by["excellent"] != 1.0 || by["pass"] != 1.0 || by["fail"] != 1.0 || sm["mean"] != 88.5 {
		t.Fatalf("summary = %v", sm)
	}
	problems, _ := sm["problems"].([]any)
	if len(problems) == 0 {
		t.Fatalf("summary lists no problems: %v", sm)
	}
	top := problems[0].(map[string]any)
	if top["code"] != "C9" || top["files"] != 3.0 || top["points"] != 12.0 {
		t.Fatalf("most frequent problem = %v", top)
	}
	// A: C9; B: C9, F2, V4; C: C9, C2, C5.
	if ag, _ := sm["agencies"].([]any); len(ag) != 1 || ag[0].(map[string]any)["problems"] != 7.0 {
		t.Fatalf("per agency = %v", ag)
	}

	// Rectification of a problem; the agency closes it.
	if r := s.call("POST", "/api/v1/evaluations/"+cp.id+"/rectifications", cp.sup, map[string]any{"case_id": cp.mine[0], "item_code": "C2",
		"requirement": "补充证据", "due_on": "2099-01-01"}); r.Status != 422 || r.ErrorField() != "item_code" {
		t.Fatalf("rectifying an item without a problem = %d %s", r.Status, r.Body)
	}
	r = s.call("POST", "/api/v1/evaluations/"+cp.id+"/rectifications", cp.sup, map[string]any{"case_id": cp.mine[0], "item_code": "C9",
		"requirement": "补正送达并完善送达回证", "due_on": "2099-01-01"})
	if r.Status != 201 || !strings.Contains(r.JSON()["problem"].(string), "未见送达回证") {
		t.Fatalf("rectification = %d %s", r.Status, r.Body)
	}
	rid := r.JSON()["id"].(string)
	officer := s.login("officer1")
	if l := s.call("GET", "/api/v1/rectifications?state=open", officer, nil); !slices.ContainsFunc(items(l), func(m map[string]any) bool { return m["id"] == rid }) {
		t.Fatalf("the agency does not see its rectification: %s", l.Body)
	}
	var stranger string
	if err := conn.QueryRow(context.Background(), `SELECT u.username FROM users u JOIN agencies ag ON ag.id = u.agency_id
		WHERE ag.kind = 'township' AND 'reviewer' = ANY(u.roles) ORDER BY u.username LIMIT 1`).Scan(&stranger); err != nil {
		t.Fatal(err)
	}
	if r := s.call("POST", "/api/v1/rectifications/"+rid+"/close", s.login(stranger), map[string]any{"note": "x"}); r.Status != 404 {
		t.Fatalf("another agency closing = %d %s, want 404", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/rectifications/"+rid+"/close", officer, map[string]any{"note": "已补正送达，回证归档"}); r.Status != 200 || r.JSON()["state"] != "closed" {
		t.Fatalf("close = %d %s", r.Status, r.Body)
	}
	sm = mustStatus(t, "summary", s.call("GET", "/api/v1/evaluations/"+cp.id+"/summary", cp.sup, nil), 200).JSON()
	if rc, _ := sm["rectifications"].(map[string]any); rc["closed"] != 1.0 || rc["open"] != 0.0 {
		t.Fatalf("rectifications in summary = %v", rc)
	}
}

func TestEvaluationSampleIsPubliclyVerifiable(t *testing.T) {
	s := start(t)
	cp := openCampaign(t, s)
	pub := s.public("/public/api/evaluations/" + cp.id)
	m := pub.JSON()
	sample, _ := m["sample"].([]any)
	secret, _ := m["secret"].(string)
	if pub.Status != 200 || m["algorithm"] != "zhifa-sample-1" || len(sample) != len(cp.files) || len(secret) != 64 {
		t.Fatalf("public campaign = %d %s", pub.Status, pub.Body)
	}
	noSecrets(t, "public campaign", pub.Body)
	// The public list in JSON names the campaign as the page does, without secrets.
	list := s.public("/public/api/evaluations?page_size=50")
	found := false
	for _, e := range items(list) {
		found = found || e["id"] == cp.id
	}
	if list.Status != 200 || !found || total(list) < 1 {
		t.Errorf("public campaign list = %d %s", list.Status, list.Body)
	}
	noSecrets(t, "public campaign list", list.Body)
	pool := mustStatus(t, "pool listing", s.public("/public/api/evaluations/"+cp.id+"/pool"), 200)
	v := s.public("/public/api/evaluations/" + cp.id + "/verify").JSON()
	if v["ok"] != true {
		t.Fatalf("verify = %v", v)
	}
	// A re-run from the public material alone, by rerunSample rather than the audit
	// package, gives every published value.
	var stored strings.Builder
	for _, x := range sample {
		f := x.(map[string]any)
		fmt.Fprintf(&stored, "%.0f %s %s\n", f["seq"], f["case_number"], f["evaluator_id"])
	}
	witness, _ := m["witness"].(string)
	seed, size, result := rerunSample(t, string(pool.Body), secret, witness)
	secretBytes, _ := hex.DecodeString(secret)
	for _, c := range []struct{ what, got, want string }{
		{"pool hash", sha256Hex(pool.Body), fmt.Sprint(m["pool_hash"])},
		{"commitment", sha256Hex(secretBytes), fmt.Sprint(m["commitment"])},
		{"seed", seed, fmt.Sprint(m["seed"])},
		{"result listing", result, stored.String()},
		{"result hash", sha256Hex([]byte(result)), fmt.Sprint(m["result_hash"])},
	} {
		if c.got != c.want {
			t.Errorf("re-run from the public material: %s %q, published %q", c.what, c.got, c.want)
		}
	}
	if size != len(cp.files) {
		t.Errorf("the pool listing holds %d files; ratio 1 sampled %d", size, len(cp.files))
	}
	// Moving a file to another evaluator behind the lottery's back is caught.
	conn := dbConn(t, s)
	if _, err := conn.Exec(context.Background(), `UPDATE evaluation_files SET evaluator_id = (SELECT id FROM users WHERE username = 'reviewer1')
		WHERE evaluation_id = $1 AND seq = 1`, cp.id); err != nil {
		t.Fatal(err)
	}
	if v := s.public("/public/api/evaluations/" + cp.id + "/verify").JSON(); v["ok"] != false {
		t.Fatalf("verify after tampering = %v", v)
	}
	if page := string(s.public("/public/evaluations/" + cp.id).Body); !strings.Contains(page, "不一致") {
		t.Fatalf("the public page does not report the tampering")
	}
}

func TestEvaluationRefusals(t *testing.T) {
	s := start(t)
	sup := s.login("supervisor1")
	f := fixture(s)
	me := userID(s, sup)
	// A period that holds a file, as the server dated its decision: only the refusal asked
	// for may stop the campaign.
	day := decidedOn(t, s, f.tok, s.decidedCase(f))
	base := func(edit func(m map[string]any)) response {
		m := map[string]any{"name": "评查", "period_from": day, "period_to": day, "agency_ids": []string{f.agency}, "sample_size": 2, "evaluator_ids": []string{me}}
		edit(m)
		return s.call("POST", "/api/v1/evaluations", sup, m)
	}
	conn := dbConn(t, s)
	campaigns := func() int {
		var n int
		if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM evaluations`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	demo := campaigns()
	cases := []struct {
		name, field string
		edit        func(m map[string]any)
	}{
		{"no sample", "sample_size", func(m map[string]any) { delete(m, "sample_size") }},
		{"both sample kinds", "sample_size", func(m map[string]any) { m["sample_ratio"] = 0.1 }},
		{"ratio above 1", "sample_ratio", func(m map[string]any) { delete(m, "sample_size"); m["sample_ratio"] = 1.5 }},
		{"no evaluators", "evaluator_ids", func(m map[string]any) { m["evaluator_ids"] = []string{} }},
		{"officer as evaluator", "evaluator_ids", func(m map[string]any) { m["evaluator_ids"] = []string{userID(s, f.tok)} }},
		{"only the agency's own evaluator", "evaluator_ids", func(m map[string]any) { m["evaluator_ids"] = []string{userID(s, s.login("reviewer1"))} }},
		{"unknown kind", "case_kinds", func(m map[string]any) { m["case_kinds"] = []string{"parking"} }},
		{"no files in the period", "agency_ids", func(m map[string]any) { delete(m, "period_from"); delete(m, "period_to"); m["year"] = 2001 }},
	}
	for _, c := range cases {
		if r := base(c.edit); r.Status != 422 || r.ErrorField() != c.field || !hasHan(r.ErrorMessage()) {
			t.Errorf("%s = %d %s, want 422 on %s", c.name, r.Status, r.Body, c.field)
		}
	}
	if r := s.call("POST", "/api/v1/evaluations", f.tok, map[string]any{}); r.Status != 403 {
		t.Errorf("officer opening a campaign = %d", r.Status)
	}
	if n := campaigns() - demo; n != 0 {
		t.Fatalf("refused campaigns left %d rows", n)
	}
	// Rubrics: 100 points, veto items without points; a new version keeps the old.
	bad := audit.DefaultRubric()
	bad.Items[8].MaxPoints = 5 // F1, 4 points: 20 + 80 + 1
	if r := s.call("POST", "/api/v1/rubrics", sup, bad); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "101") {
		t.Errorf("rubric of 101 points = %d %s", r.Status, r.Body)
	}
	r := s.call("POST", "/api/v1/rubrics", sup, audit.DefaultRubric())
	if r.Status != 201 || r.JSON()["version"] != 2.0 {
		t.Fatalf("second version = %d %s", r.Status, r.Body)
	}
	if l := s.call("GET", "/api/v1/rubrics", sup, nil); total(l) != 2 {
		t.Fatalf("rubric versions = %s", l.Body)
	}
}

// A department's reviewer evaluating another department's file reads the whole case —
// page, records, photos — while the campaign is open, changes nothing, and loses the
// access when the campaign closes; files outside their sample stay closed to them.
func TestEvaluatorReadsTheFileWhileTheCampaignIsOpen(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.decidedCase(f)
	rec := s.addRecord(f.tok, id, "photo")
	photo := jpegBytes(20_000)
	up := s.upload(f.tok, rec, "现场.jpg", photo)
	if up.Status != 201 {
		t.Fatalf("upload = %d %s", up.Status, up.Body)
	}
	media := up.JSON()["id"].(string)
	conn := dbConn(t, s)
	var username string
	if err := conn.QueryRow(context.Background(), `SELECT u.username FROM users u JOIN agencies ag ON ag.id = u.agency_id
		WHERE ag.kind = 'township' AND 'reviewer' = ANY(u.roles) ORDER BY u.username LIMIT 1`).Scan(&username); err != nil {
		t.Fatal(err)
	}
	rev := s.login(username)
	reads := map[string]string{"case": "/api/v1/cases/" + id, "records": "/api/v1/cases/" + id + "/records",
		"media": "/api/v1/media/" + media, "verify": "/api/v1/cases/" + id + "/verify"}
	expect := func(when string, want int) {
		t.Helper()
		for what, path := range reads {
			if r := s.call("GET", path, rev, nil); r.Status != want {
				t.Errorf("%s: GET %s = %d, want %d", when, what, r.Status, want)
			}
		}
	}
	expect("before the campaign", 404)

	sup := s.login("supervisor1")
	day := decidedOn(t, s, f.tok, id)
	r := s.call("POST", "/api/v1/evaluations", sup, map[string]any{"name": "交叉评查", "period_from": day, "period_to": day,
		"agency_ids": []string{f.agency}, "case_kinds": []string{"penalty"}, "sample_ratio": 1.0, "evaluator_ids": []string{userID(s, rev)}})
	if r.Status != 201 {
		t.Fatalf("open campaign = %d %s", r.Status, r.Body)
	}
	cid := r.JSON()["id"].(string)
	expect("while the campaign is open", 200)
	if wp := s.call("GET", "/api/v1/evaluations/"+cid+"/files/"+id, rev, nil); wp.JSON()["may_open_case"] != true {
		t.Errorf("workpaper may_open_case = %v", wp.JSON()["may_open_case"])
	}
	c, _ := webLogin(t, s, username)
	if p := s.get(c, "/cases/"+id); p.Status != 200 || !strings.Contains(string(p.Body), "/api/v1/media/"+media) {
		t.Errorf("case page for the evaluator = %d", p.Status)
	}
	// Reading is all the grant gives.
	if r := s.call("POST", "/api/v1/cases/"+id+"/records", rev, map[string]any{"kind": "note", "note": "评查意见"}); r.Status != 403 {
		t.Errorf("evaluator adding a record = %d %s", r.Status, r.Body)
	}
	if r := s.move(rev, id, map[string]any{"to": "closed"}); r.Status != 403 {
		t.Errorf("evaluator moving the case = %d %s", r.Status, r.Body)
	}
	if r := s.call("GET", "/api/v1/cases/"+s.newCase(f), rev, nil); r.Status != 404 {
		t.Errorf("a case outside the sample = %d", r.Status)
	}

	if _, err := conn.Exec(context.Background(), `UPDATE evaluations SET state = 'closed', closed_at = now() WHERE id = $1`, cid); err != nil {
		t.Fatal(err)
	}
	expect("after the campaign closed", 404)
	if wp := s.call("GET", "/api/v1/evaluations/"+cid+"/files/"+id, rev, nil); wp.Status != 200 || wp.JSON()["may_open_case"] != false {
		t.Errorf("closed workpaper = %d may_open_case %v", wp.Status, wp.JSON()["may_open_case"])
	}
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// rerunSample re-runs zhifa-sample-1 (audit/SAMPLE.md §3–5, LOTTERY.md §3–4) on a published
// pool listing, secret and witness input, written from the text without the audit or
// inspection packages, so that what the public sees is checked by other code than the
// code that drew it. It answers the seed in hex, the number of files in the pool and the
// result listing.
func rerunSample(t *testing.T, listing, secretHex, witness string) (seedHex string, size int, result string) {
	t.Helper()
	secret, err := hex.DecodeString(secretHex)
	if err != nil || len(secret) != 32 {
		t.Fatalf("secret %q is not 32 bytes in hex", secretHex)
	}
	seed := sha256.Sum256(slices.Concat([]byte("zhifa-lottery-1\x00"), secret, []byte{0}, []byte(witness)))
	uniform := func(label string) func(m uint64) uint64 {
		var block [32]byte
		var ctr uint64
		pos := 32
		return func(m uint64) uint64 {
			r := (^uint64(0)%m + 1) % m // 2^64 mod m
			for {
				if pos == 32 {
					block = sha256.Sum256(binary.BigEndian.AppendUint64(slices.Concat(seed[:], []byte(label), []byte{0}), ctr))
					ctr, pos = ctr+1, 0
				}
				x := binary.BigEndian.Uint64(block[pos:])
				pos += 8
				if r == 0 || x <= ^uint64(0)-r { // x < 2^64 − r
					return x % m
				}
			}
		}
	}

	lines := strings.Split(listing, "\n")
	if len(lines) < 7 || lines[0] != "zhifa-sample-1" || lines[len(lines)-2] != "end" || lines[len(lines)-1] != "" {
		t.Fatalf("pool listing is not a zhifa-sample-1 listing:\n%s", listing)
	}
	at := 3
	type pick struct{ number, agency string }
	var picks []pick
	for strings.HasPrefix(lines[at], "stratum ") {
		var agency string
		var n, take int
		if _, err := fmt.Sscanf(lines[at], "stratum %s %d %d", &agency, &n, &take); err != nil {
			t.Fatalf("listing line %d %q: %v", at+1, lines[at], err)
		}
		numbers := lines[at+1 : at+1+n]
		size += n
		at += 1 + n
		next := uniform("targets/" + agency)
		pos := make([]int, n)
		for i := range pos {
			pos[i] = i
		}
		for i := 0; i < take; i++ {
			j := i + int(next(uint64(n-i)))
			pos[i], pos[j] = pos[j], pos[i]
		}
		for _, p := range pos[:take] {
			picks = append(picks, pick{numbers[p], agency})
		}
	}
	var l int
	if _, err := fmt.Sscanf(lines[at], "evaluators %d", &l); err != nil {
		t.Fatalf("listing line %d %q: %v", at+1, lines[at], err)
	}
	evaluators := make([][]string, l) // user id, agency id
	for i := range evaluators {
		evaluators[i] = strings.Fields(lines[at+1+i])
	}
	at += 1 + l
	var h int
	if _, err := fmt.Sscanf(lines[at], "handled %d", &h); err != nil {
		t.Fatalf("listing line %d %q: %v", at+1, lines[at], err)
	}
	handled := map[string]bool{}
	for _, line := range lines[at+1 : at+1+h] {
		handled[line] = true
	}

	next := uniform("evaluators")
	order := make([]int, l)
	for i := range order {
		order[i] = i
	}
	for i := l - 1; i >= 1; i-- {
		j := int(next(uint64(i + 1)))
		order[i], order[j] = order[j], order[i]
	}
	load := make([]int, l)
	var b strings.Builder
	for seq, p := range picks {
		best := -1
		for _, e := range order {
			if evaluators[e][1] == p.agency || handled[evaluators[e][0]+" "+p.number] {
				continue
			}
			if best < 0 || load[e] < load[best] {
				best = e
			}
		}
		if best < 0 {
			t.Fatalf("re-run: no evaluator may score %s", p.number)
		}
		load[best]++
		fmt.Fprintf(&b, "%d %s %s\n", seq+1, p.number, evaluators[best][0])
	}
	return hex.EncodeToString(seed[:]), size, b.String()
}
