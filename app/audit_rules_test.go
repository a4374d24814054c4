package app_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"zhifa/audit"
	"zhifa/enforcement"
)

// mustStatus fails the test unless a call answered the status wanted.
func mustStatus(t *testing.T, what string, r response, want int) response {
	t.Helper()
	if r.Status != want {
		t.Fatalf("%s = %d %s, want %d", what, r.Status, r.Body, want)
	}
	return r
}

// decidedOn is the day (Asia/Shanghai) the server recorded a case's decision, so that a
// test never computes "today" apart from the server and trips over midnight.
func decidedOn(t *testing.T, s *server, tok, caseID string) string {
	t.Helper()
	r := mustStatus(t, "GET case", s.call("GET", "/api/v1/cases/"+caseID, tok, nil), 200)
	at, ok := r.JSON()["decided_at"].(string)
	if !ok {
		t.Fatalf("case %s has no decision: %s", caseID, r.Body)
	}
	ts, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		t.Fatalf("decided_at %q: %v", at, err)
	}
	return ts.In(enforcement.Shanghai()).Format(time.DateOnly)
}

// dayBefore is the calendar day before a YYYY-MM-DD day.
func dayBefore(t *testing.T, day string) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		t.Fatal(err)
	}
	return d.AddDate(0, 0, -1).Format(time.DateOnly)
}

// decisionPeriod is the span of days the server decided the given cases on.
func decisionPeriod(t *testing.T, s *server, tok string, caseIDs ...string) (from, to string) {
	t.Helper()
	for _, id := range caseIDs {
		d := decidedOn(t, s, tok, id)
		if from == "" || d < from {
			from = d
		}
		if d > to {
			to = d
		}
	}
	return from, to
}

// officerName reads an officer's name.
func officerName(t *testing.T, s *server, tok, id string) string {
	t.Helper()
	return mustStatus(t, "GET officer", s.call("GET", "/api/v1/officers/"+id, tok, nil), 200).JSON()["name"].(string)
}

// workpaperFindings reads the pre-checks of a sampled file from its workpaper, by check code.
func workpaperFindings(t *testing.T, s *server, tok, evaluationID, caseID string) map[string]map[string]any {
	t.Helper()
	wp := mustStatus(t, "workpaper", s.call("GET", "/api/v1/evaluations/"+evaluationID+"/files/"+caseID, tok, nil), 200)
	list, _ := wp.JSON()["findings"].([]any)
	if len(list) != 9 {
		t.Fatalf("workpaper of %s lists %d pre-checks, want 9: %s", caseID, len(list), wp.Body)
	}
	out := map[string]map[string]any{}
	for _, x := range list {
		f := x.(map[string]any)
		out[f["check"].(string)] = f
	}
	return out
}

// TestPrecheckRules builds, for eight of the nine pre-checks of case-file evaluation, a file
// that passes and a file that fails, and reads what the scoring page reports on each: the
// finding, the rubric item and deduction it suggests, and the evidence in its words. Every
// expected value is worked out by hand from the rule (the default rubric's points, the
// 2026 working-day calendar of migration 002). Files are built through the API; the states
// the API refuses to produce are written into the test's own database after the campaign
// has frozen its sample, and each such write says why. A decision is judged major by the
// catalogue in force when it was made, not by one changed since.
//
// The service deadline has its own test (TestEvaluationSampleScoringAndSummary).
func TestPrecheckRules(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin, sup, rev := s.login("admin"), s.login("supervisor1"), s.login("reviewer1")
	conn := dbConn(t, s)
	ctx := context.Background()
	write := func(why, sql string, args ...any) {
		t.Helper()
		tag, err := conn.Exec(ctx, sql, args...)
		if err != nil || tag.RowsAffected() == 0 {
			t.Fatalf("%s: %v (%d rows)\n%s", why, err, tag.RowsAffected(), sql)
		}
	}
	move := func(id string, body map[string]any) {
		t.Helper()
		mustStatus(t, fmt.Sprintf("move %s to %v", id, body["to"]), s.move(f.tok, id, body), 200)
	}
	decideSmall := func(id string) {
		t.Helper()
		move(id, map[string]any{"to": "decided", "decision": fine(1500), "statement_waived": true})
	}

	// Officers and certificates. Two officers of the bureau only for this test, whose
	// certificates are valid today (any future day will do: only the decision date counts).
	future := time.Now().AddDate(2, 0, 0).Format(time.DateOnly)
	newOfficer := func(name, certNo string) string {
		t.Helper()
		r := mustStatus(t, "create officer "+name, s.call("POST", "/api/v1/officers", admin, map[string]any{"agency_id": f.agency, "name": name,
			"cert_no": certNo, "fields": []string{"市场监管"}, "cert_valid_until": future, "status": "active"}), 201)
		return r.JSON()["id"].(string)
	}
	certOnDay, certDayBefore := newOfficer("证件测试甲", "PC2026001"), newOfficer("证件测试乙", "PC2026002")
	withHandler := func(officer string) string {
		t.Helper()
		in := f.input()
		in["handler_ids"] = []string{f.o1, officer}
		id := mustStatus(t, "create case", s.call("POST", "/api/v1/cases", f.tok, in), 201).JSON()["id"].(string)
		move(id, map[string]any{"to": "investigating"})
		move(id, map[string]any{"to": "notified"})
		decideSmall(id)
		return id
	}

	plain := s.decidedCase(f) // two valid officers, nothing major, an intact chain
	oneOfficer := s.decidedCase(f)
	certValid, certLapsed := withHandler(certOnDay), withHandler(certDayBefore)
	inTime, late := s.decidedCase(f), s.decidedCase(f)

	// Legal review: a major fine of 20,000 yuan (the bureau's threshold for a person is
	// 10,000) reviewed and approved before the decision.
	reviewed := s.notifiedCase(f)
	rid := mustStatus(t, "submit review", s.call("POST", "/api/v1/cases/"+reviewed+"/reviews", f.tok, map[string]any{"decision": fine(20000)}), 201).JSON()["id"].(string)
	mustStatus(t, "approve review", s.call("POST", "/api/v1/reviews/"+rid+"/decision", rev, map[string]any{"outcome": "approved", "checklist": checklist(), "opinion": "同意"}), 200)
	move(reviewed, map[string]any{"to": "decided", "decision": fine(20000), "statement_waived": true})
	unreviewed := s.decidedCase(f)
	// A fine of 1,500 yuan, not major when decided; the bureau lowers its threshold later.
	beforeChange := s.decidedCase(f)

	// Collective discussion: a serious violation discussed before its decision.
	discussed := s.notifiedCase(f)
	mustStatus(t, "flag serious", s.call("PUT", "/api/v1/cases/"+discussed+"/flags", f.tok, map[string]any{"serious": true}), 200)
	mustStatus(t, "collective discussion", s.call("POST", "/api/v1/cases/"+discussed+"/records", f.tok, map[string]any{"kind": "collective",
		"note": "经集体讨论，同意罚款", "participants": []string{"局长甲", "副局长乙", "副局长丙"}}), 201)
	decideSmall(discussed)
	undiscussed := s.decidedCase(f)

	// Audio-video: a seizure filmed while investigating; and a seizure recorded only after
	// the decision, when the investigation that carried it out left no recording (the API
	// accepts a measure on any open case).
	in := f.input()
	in["measures"] = []string{"seizure"}
	filmed := mustStatus(t, "create case with a seizure", s.call("POST", "/api/v1/cases", f.tok, in), 201).JSON()["id"].(string)
	move(filmed, map[string]any{"to": "investigating"})
	mustStatus(t, "upload recording", s.upload(f.tok, s.addRecord(f.tok, filmed, "onsite"), "扣押.m4a", m4aBytes(5000)), 201)
	move(filmed, map[string]any{"to": "notified"})
	decideSmall(filmed)
	unfilmed := s.decidedCase(f)
	mustStatus(t, "seizure after the decision", s.call("POST", "/api/v1/cases/"+unfilmed+"/measures", f.tok, map[string]any{"measure": "seizure", "reason": "补登扣押"}), 201)

	// Disclosure: two decisions published now (their dates are moved below), one never.
	disclosure := func(caseID string) string {
		t.Helper()
		l := items(s.call("GET", "/api/v1/disclosures?case_id="+caseID, f.tok, nil))
		if len(l) != 1 {
			t.Fatalf("decision of %s has %d disclosure items, want 1", caseID, len(l))
		}
		return l[0]["id"].(string)
	}
	publishedOnTime, publishedLate, unpublished := s.decidedCase(f), s.decidedCase(f), s.decidedCase(f)
	for _, id := range []string{publishedOnTime, publishedLate} {
		mustStatus(t, "publish", s.call("POST", "/api/v1/disclosures/"+disclosure(id)+"/publish", f.tok, nil), 200)
	}
	disclosure(unpublished)

	tampered := s.decidedCase(f)

	// One campaign samples every file (ratio 1) over the days the server decided them on,
	// all for the justice bureau's supervisor.
	all := []string{plain, oneOfficer, certValid, certLapsed, inTime, late, reviewed, unreviewed, beforeChange, discussed, undiscussed,
		filmed, unfilmed, publishedOnTime, publishedLate, unpublished, tampered}
	from, to := decisionPeriod(t, s, f.tok, all...)
	r := mustStatus(t, "open campaign", s.call("POST", "/api/v1/evaluations", sup, map[string]any{"name": "自动检查规则评查", "period_from": from, "period_to": to,
		"agency_ids": []string{f.agency}, "case_kinds": []string{"penalty"}, "sample_ratio": 1.0, "evaluator_ids": []string{userID(s, sup)}}), 201)
	campaign := r.JSON()["id"].(string)
	var sampled []string
	for _, x := range r.JSON()["sample"].([]any) {
		sampled = append(sampled, x.(map[string]any)["case_id"].(string))
	}
	for _, id := range all {
		if !slices.Contains(sampled, id) {
			t.Fatalf("case %s is not in the sample of %d files", id, len(sampled))
		}
	}

	// States the API refuses, written straight into the test's database.
	// Every case is filed with two officers or more: the API refuses one.
	write("one officer", `DELETE FROM case_handlers WHERE case_id = $1 AND officer_id = $2`, oneOfficer, f.o2)
	// An active certificate with a past date is refused by the API ("active" never means
	// a lapsed card), so the lapse is written: valid through the decision day itself, and
	// lapsed the day before it.
	dayCert, dayLapsed := decidedOn(t, s, f.tok, certValid), decidedOn(t, s, f.tok, certLapsed)
	write("certificate valid on the day", `UPDATE officers SET cert_valid_until = $2 WHERE id = $1`, certOnDay, dayCert)
	write("certificate lapsed the day before", `UPDATE officers SET cert_valid_until = $2 WHERE id = $1`, certDayBefore, dayBefore(t, dayLapsed))
	// Time cannot pass in a test: filing and decision are moved to known days. Filed on
	// Monday 2026-03-02, the 90th day is Sunday 2026-05-31, so the period runs to the next
	// working day, Monday 2026-06-01 (no holiday falls on either in 2026).
	write("decided on the last day", `UPDATE cases SET filed_at = '2026-03-02 09:00+08', decided_at = '2026-06-01 10:00+08' WHERE id = $1`, inTime)
	write("decided a day late", `UPDATE cases SET filed_at = '2026-03-02 09:00+08', decided_at = '2026-06-02 10:00+08' WHERE id = $1`, late)
	// The API decides nothing major without an approved review: the small fine becomes a
	// major one afterwards.
	write("major decision unreviewed", `UPDATE cases SET decision = jsonb_set(decision, '{fine_amount}', '2000000') WHERE id = $1`, unreviewed)
	// Flags cannot change after a decision, and a flagged case cannot be decided without a
	// discussion.
	write("serious, undiscussed", `UPDATE cases SET serious = true WHERE id = $1`, undiscussed)
	// Publication happens now: the decisions move to Monday 2026-06-01, whose 7 working days
	// end on Wednesday 2026-06-10 (06-02 to 06-05, then 06-08, 06-09, 06-10).
	for _, c := range []struct {
		id        string
		published any
	}{{publishedOnTime, "2026-06-10 16:00+08"}, {publishedLate, "2026-06-11 09:00+08"}, {unpublished, nil}} {
		write("decision day", `UPDATE cases SET decided_at = '2026-06-01 10:00+08' WHERE id = $1`, c.id)
		write("publication day", `UPDATE disclosures SET start_on = '2026-06-01', decided_on = '2026-06-01', published_at = $2::timestamptz
			WHERE case_id = $1 AND kind = 'decision'`, c.id, c.published)
	}
	// Records are append-only: the tamperer switches the trigger off, as in TestVerifyCatchesTampering.
	for _, q := range []string{`ALTER TABLE records DISABLE TRIGGER records_append_only`,
		`UPDATE records SET note = '已改动' WHERE case_id = '` + tampered + `' AND seq = 2`,
		`ALTER TABLE records ENABLE TRIGGER records_append_only`} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	// Through the API: the bureau's catalogue now makes a fine of 1,000 yuan or more on a
	// person major. Files decided before judge by the catalogue they were decided under.
	crit := mustStatus(t, "criteria", s.call("GET", "/api/v1/agencies/"+f.agency+"/major-criteria", admin, nil), 200).JSON()
	crit["fine_person_min"] = 100000
	mustStatus(t, "lower the threshold", s.call("PUT", "/api/v1/agencies/"+f.agency+"/major-criteria", admin, crit), 200)

	o1, o2 := officerName(t, s, admin, f.o1), officerName(t, s, admin, f.o2)
	lapsedName := officerName(t, s, admin, certDayBefore)

	// item and suggested are the default rubric's: V8 and V2 are veto items (no points), C8
	// 6 points, C6 8, C7 4, C10 4, C11 4, F5 4.
	for _, c := range []struct {
		name, caseID, check, status, item string
		suggested                         float64
		veto                              bool
		detail                            []string // the evidence, in the finding's words
		exact                             bool     // detail[0] is the whole text
	}{
		{"two officers", plain, audit.CheckOfficers, "pass", "V8", 0, false, []string{"承办人员 2 人：", o1, o2}, false},
		{"one officer", oneOfficer, audit.CheckOfficers, "fail", "V8", 0, true, []string{"承办人员只有 1 人：" + o1}, true},
		{"certificate valid through the decision day", certValid, audit.CheckCertificates, "pass", "V2", 0, false,
			[]string{"承办人员在 " + dayCert + " 均持有效执法证件"}, true},
		{"certificate lapsed the day before the decision", certLapsed, audit.CheckCertificates, "fail", "V2", 0, true,
			[]string{lapsedName + "的执法证件在 " + dayLapsed + " 时已失效或被暂停"}, true},
		{"decided on the 90th day, moved past a Sunday", inTime, audit.CheckDecideDeadline, "pass", "C8", 0, false,
			[]string{"立案 2026-03-02，2026-06-01 作出决定（期限 2026-06-01）"}, true},
		{"decided a day after the period", late, audit.CheckDecideDeadline, "fail", "C8", 6, false,
			[]string{"立案 2026-03-02，2026-06-02 才作出决定，超过期限 2026-06-01"}, true},
		{"major decision reviewed and approved", reviewed, audit.CheckLegalReview, "pass", "C6", 0, false,
			[]string{"属于重大执法决定（对自然人罚款 20000 元", "），第 1 轮法制审核通过"}, false},
		{"major decision never reviewed", unreviewed, audit.CheckLegalReview, "fail", "C6", 8, false,
			[]string{"属于重大执法决定（对自然人罚款 20000 元", "），没有法制审核记录"}, false},
		{"small fine needs no review", plain, audit.CheckLegalReview, "na", "C6", 0, false, []string{"不属于重大执法决定"}, true},
		{"small fine, threshold lowered after the decision", beforeChange, audit.CheckLegalReview, "na", "C6", 0, false,
			[]string{"不属于重大执法决定"}, true},
		{"serious violation discussed", discussed, audit.CheckCollective, "pass", "C7", 0, false, []string{"有机关负责人集体讨论记录"}, true},
		{"serious violation not discussed", undiscussed, audit.CheckCollective, "fail", "C7", 4, false,
			[]string{"本案标注为情节复杂或重大违法行为，没有集体讨论记录"}, true},
		{"ordinary case needs no discussion", plain, audit.CheckCollective, "na", "C7", 0, false, []string{"本案未标注为情节复杂或重大违法行为"}, true},
		{"seizure recorded on sound", filmed, audit.CheckAV, "pass", "C10", 0, false, []string{"查封、扣押均有音像记录"}, true},
		{"seizure without a recording", unfilmed, audit.CheckAV, "fail", "C10", 4, false, []string{"缺少音像记录：查封、扣押（调查取证）"}, true},
		{"no measure needs a recording", plain, audit.CheckAV, "na", "C10", 0, false, []string{"本案没有须全程音像记录的执法环节"}, true},
		{"published on the 7th working day", publishedOnTime, audit.CheckDisclosure, "pass", "C11", 0, false,
			[]string{"2026-06-10 公示（期限 2026-06-10）"}, true},
		{"published on the 8th working day", publishedLate, audit.CheckDisclosure, "fail", "C11", 4, false,
			[]string{"2026-06-11 才公示，超过期限 2026-06-10"}, true},
		{"never published, past the deadline", unpublished, audit.CheckDisclosure, "fail", "C11", 4, false,
			[]string{"应于 2026-06-10 前公示，至今未公示"}, true},
		// A decided case holds four records: the filing and three moves.
		{"intact chain", plain, audit.CheckChain, "pass", "F5", 0, false, []string{"6 条记录，哈希链完整"}, true}, // 4 moves, the notice and the decision
		{"edited record", tampered, audit.CheckChain, "fail", "F5", 4, false,
			[]string{"哈希链校验发现 1 处问题：第 2 条记录的内容与其哈希不符"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := workpaperFindings(t, s, sup, campaign, c.caseID)[c.check]
			detail, _ := got["detail"].(string)
			suggested, _ := got["suggested_points"].(float64)
			veto, _ := got["veto"].(bool)
			if got["status"] != c.status || got["item_code"] != c.item || suggested != c.suggested || veto != c.veto {
				t.Errorf("%s: status %v, item %v, suggests %v (veto %v): %q; want %s, %s, %v (veto %v)",
					c.check, got["status"], got["item_code"], suggested, veto, detail, c.status, c.item, c.suggested, c.veto)
			}
			if c.exact && detail != c.detail[0] {
				t.Errorf("%s says %q, want %q", c.check, detail, c.detail[0])
			}
			for _, w := range c.detail {
				if !strings.Contains(detail, w) {
					t.Errorf("%s says %q, want it to contain %q", c.check, detail, w)
				}
			}
		})
	}
}

// clearScores takes nothing off any item and finds no veto, with a note on every line so
// that the scoring stands whatever the pre-checks suggested.
func clearScores() []map[string]any {
	var out []map[string]any
	for _, it := range audit.DefaultRubric().Items {
		out = append(out, map[string]any{"item_code": it.Code, "points": 0, "veto": false, "note": "已逐项核查，未发现问题"})
	}
	return out
}

// An evaluation closes only when every file is scored; its scores are then final. A veto
// needs the problem written down.
func TestEvaluationCloseFreezeAndVetoNote(t *testing.T) {
	s := start(t)
	cp := openCampaign(t, s)
	if len(cp.files) < 3 {
		t.Fatalf("the campaign sampled %d files, want at least the 3 decided for it", len(cp.files))
	}
	score := func(f map[string]any, ds []map[string]any) response {
		return s.call("POST", "/api/v1/evaluations/"+cp.id+"/scores", cp.tokenOf(s, f), map[string]any{"case_id": f["case_id"], "deductions": ds})
	}
	first := cp.file(t, cp.mine[0])

	// A veto without a word: refused on the veto's own line. zeroScores lists the 17 scored
	// items (F1–F5, C1–C12), so the veto appended after them is deductions[17]. C9 follows
	// the failed service pre-check, with its reason, so that nothing else is refused first.
	for _, note := range []string{"", "   "} {
		ds := append(zeroScores(map[string]float64{"C9": 4}, map[string]string{"C9": "未见送达回证"}),
			map[string]any{"item_code": "V4", "veto": true, "note": note})
		if r := score(first, ds); r.Status != 422 || r.ErrorField() != "deductions[17].note" || !strings.Contains(r.ErrorMessage(), "V4") {
			t.Errorf("veto V4 with note %q = %d %s, want 422 on deductions[17].note naming V4", note, r.Status, r.Body)
		}
	}
	if wp := s.call("GET", "/api/v1/evaluations/"+cp.id+"/files/"+cp.mine[0], cp.sup, nil); wp.Status != 200 || wp.JSON()["score"] != nil {
		t.Fatalf("after refused vetoes the file's score = %d %v, want 200 and none", wp.Status, wp.JSON()["score"])
	}

	// Every file scored but the last: the campaign stays open.
	for _, f := range cp.files[:len(cp.files)-1] {
		mustStatus(t, fmt.Sprintf("score %v", f["case_number"]), score(f, clearScores()), 200)
	}
	r := s.call("POST", "/api/v1/evaluations/"+cp.id+"/close", cp.sup, nil)
	if r.Status != 409 || !strings.Contains(r.ErrorMessage(), "还有 1 份案卷未评查") {
		t.Fatalf("closing with one file unscored = %d %s, want 409 saying 1 file is left", r.Status, r.Body)
	}
	if e := s.call("GET", "/api/v1/evaluations/"+cp.id, cp.sup, nil).JSON(); e["state"] != "open" || e["closed_at"] != nil {
		t.Fatalf("after a refused close the campaign is %v (closed_at %v), want open", e["state"], e["closed_at"])
	}

	last := cp.files[len(cp.files)-1]
	mustStatus(t, "score the last file", score(last, clearScores()), 200)
	r = mustStatus(t, "close", s.call("POST", "/api/v1/evaluations/"+cp.id+"/close", cp.sup, nil), 200)
	if r.JSON()["state"] != "closed" || r.JSON()["closed_at"] == nil {
		t.Fatalf("closed campaign = %s", r.Body)
	}

	// Scores are frozen: a rescore, even one that would be valid, is refused and changes nothing.
	conn := dbConn(t, s)
	var before string
	if err := conn.QueryRow(context.Background(), `SELECT string_agg(item_code || ':' || points || ':' || veto || ':' || note, ',' ORDER BY item_code)
		FROM evaluation_deductions WHERE evaluation_id = $1 AND case_id = $2`, cp.id, first["case_id"]).Scan(&before); err != nil {
		t.Fatal(err)
	}
	ds := append(zeroScores(map[string]float64{"C9": 4}, map[string]string{"C9": "未见送达回证"}),
		map[string]any{"item_code": "V4", "veto": true, "note": "关键证据缺失"})
	if r := score(first, ds); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "已经结束") {
		t.Errorf("rescore after closing = %d %s, want 409", r.Status, r.Body)
	}
	var after string
	if err := conn.QueryRow(context.Background(), `SELECT string_agg(item_code || ':' || points || ':' || veto || ':' || note, ',' ORDER BY item_code)
		FROM evaluation_deductions WHERE evaluation_id = $1 AND case_id = $2`, cp.id, first["case_id"]).Scan(&after); err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("the refused rescore changed the deductions:\n%s\nwas\n%s", after, before)
	}
	wp := mustStatus(t, "workpaper after closing", s.call("GET", "/api/v1/evaluations/"+cp.id+"/files/"+cp.mine[0], cp.sup, nil), 200).JSON()
	if sc, _ := wp["score"].(map[string]any); sc == nil || sc["total"] != 100.0 || sc["rating"] != "excellent" || sc["vetoed"] != false {
		t.Errorf("score after the refused rescore = %v, want 100, excellent, no veto", wp["score"])
	}
	if r := s.call("POST", "/api/v1/evaluations/"+cp.id+"/close", cp.sup, nil); r.Status != 409 {
		t.Errorf("closing twice = %d %s, want 409", r.Status, r.Body)
	}
}
