package app_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"zhifa/enforcement"
)

// allOK is a checklist with every item ok, except those named.
func checklist(failed ...string) map[string]any {
	out := map[string]any{}
	for _, k := range []string{"subject", "qualification", "authority", "facts", "evidence", "procedure", "law", "discretion", "documents", "criminal_transfer"} {
		ok := true
		for _, f := range failed {
			ok = ok && f != k
		}
		out[k] = map[string]any{"ok": ok, "note": ""}
	}
	return out
}

// notifiedCase files a case and brings it to the point where a decision can be drafted.
func (s *server) notifiedCase(f caseFixture) string {
	s.t.Helper()
	id := s.newCase(f)
	for _, to := range []string{"investigating", "notified"} {
		if r := s.move(f.tok, id, map[string]any{"to": to}); r.Status != 200 {
			s.t.Fatalf("move to %s = %d %s", to, r.Status, r.Body)
		}
	}
	return id
}

func fine(yuan int64) map[string]any {
	return map[string]any{"outcome": "penalty", "fine_amount": yuan * 100, "text": fmt.Sprintf("罚款人民币%d元", yuan)}
}

func TestLegalReviewRoundTrip(t *testing.T) {
	s := start(t)
	f := fixture(s)
	rev := s.login("reviewer1")
	id := s.notifiedCase(f)

	chk := s.call("POST", "/api/v1/cases/"+id+"/decision-check", f.tok, map[string]any{"decision": fine(20000)}).JSON()
	if chk["major"] != true || !strings.Contains(fmt.Sprint(chk["reasons"]), "10000 元") {
		t.Fatalf("decision check = %v", chk)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/decision-check", f.tok, map[string]any{"decision": fine(500)}); r.JSON()["major"] != false {
		t.Errorf("small fine checked as major: %s", r.Body)
	}
	decide := func(d map[string]any) response {
		return s.move(f.tok, id, map[string]any{"to": "decided", "decision": d, "statement_waived": true})
	}
	if r := decide(fine(20000)); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "须经法制审核通过") {
		t.Fatalf("deciding a major decision unreviewed = %d %s", r.Status, r.Body)
	}

	// Round 1: submitted, returned with an opinion; the case goes back to the handlers.
	r := s.call("POST", "/api/v1/cases/"+id+"/reviews", f.tok, map[string]any{"decision": fine(20000)})
	if r.Status != 201 || r.JSON()["state"] != "pending" || r.JSON()["due_at"] == "" || r.JSON()["round"] != float64(1) {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	r1 := r.JSON()["id"].(string)
	if st := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["state"]; st != "review" {
		t.Errorf("case state after submitting = %v", st)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/reviews", f.tok, map[string]any{"decision": fine(20000)}); r.Status != 409 {
		t.Errorf("second submission while pending = %d", r.Status)
	}
	queue := items(s.call("GET", "/api/v1/reviews?state=pending", rev, nil))
	found := false
	for _, q := range queue {
		found = found || q["id"] == r1
	}
	if !found {
		t.Errorf("the review is not in reviewer1's queue")
	}
	missing := checklist()
	delete(missing, "evidence")
	delete(missing, "law")
	if r := s.call("POST", "/api/v1/reviews/"+r1+"/decision", rev, map[string]any{"outcome": "approved", "checklist": missing, "opinion": "同意"}); r.Status != 422 || r.ErrorField() != "checklist" || !strings.Contains(r.ErrorMessage(), "证据是否确实充分") || !strings.Contains(r.ErrorMessage(), "适用法律依据是否准确") ||
		strings.Contains(r.ErrorMessage(), "evidence") {
		t.Errorf("checklist with items missing = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/reviews/"+r1+"/decision", rev, map[string]any{"outcome": "approved", "checklist": checklist("evidence"), "opinion": "同意"}); r.Status != 422 {
		t.Errorf("approval with an item not ok = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/reviews/"+r1+"/decision", rev, map[string]any{"outcome": "returned", "checklist": checklist("evidence"), "opinion": "证据不足，请补充现场检查笔录"}); r.Status != 200 || r.JSON()["state"] != "returned" {
		t.Fatalf("return = %d %s", r.Status, r.Body)
	}
	if st := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["state"]; st != "notified" {
		t.Errorf("case state after the return = %v", st)
	}

	// Round 2: resubmitted and approved; the handler decides the approved decision.
	r = s.call("POST", "/api/v1/cases/"+id+"/reviews", f.tok, map[string]any{"decision": fine(20000)})
	if r.Status != 201 || r.JSON()["round"] != float64(2) {
		t.Fatalf("resubmit = %d %s", r.Status, r.Body)
	}
	r2 := r.JSON()["id"].(string)
	if r := s.call("POST", "/api/v1/reviews/"+r2+"/decision", rev, map[string]any{"outcome": "approved", "checklist": checklist(), "opinion": "事实清楚，证据充分，同意"}); r.Status != 200 {
		t.Fatalf("approve = %d %s", r.Status, r.Body)
	}
	// A higher fine than approved loses the approval.
	if r := decide(fine(30000)); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "高于审核通过的") {
		t.Errorf("deciding a higher fine = %d %s", r.Status, r.Body)
	}
	withRevocation := fine(20000)
	withRevocation["license_revoked"] = true
	if r := decide(withRevocation); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "吊销许可证件") {
		t.Errorf("deciding a new sanction = %d %s", r.Status, r.Body)
	}
	if r := decide(fine(18000)); r.Status != 200 || r.JSON()["state"] != "decided" {
		t.Fatalf("deciding what was approved (a lower fine) = %d %s", r.Status, r.Body)
	}
	rounds := items(s.call("GET", "/api/v1/cases/"+id+"/reviews", f.tok, nil))
	if len(rounds) != 2 || rounds[0]["state"] != "returned" || rounds[1]["state"] != "approved" || rounds[0]["opinion"] == "" {
		t.Errorf("rounds = %v", rounds)
	}
	// Each step is in the chain, which is intact.
	var kinds []string
	for _, rec := range s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["records"].([]any) {
		if k := rec.(map[string]any)["kind"].(string); k != "document" { // the notice and the decision, frozen before their moves
			kinds = append(kinds, k)
		}
	}
	if got := strings.Join(kinds, ","); !strings.Contains(got, "transition,transition,transition,transition,review,transition") {
		t.Errorf("record kinds = %s", got)
	}
	if v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON(); v["ok"] != true {
		t.Errorf("verify = %v", v)
	}
	// A decided review cannot be decided again.
	if r := s.call("POST", "/api/v1/reviews/"+r2+"/decision", rev, map[string]any{"outcome": "rejected", "checklist": checklist(), "opinion": "x"}); r.Status != 409 {
		t.Errorf("deciding twice = %d", r.Status)
	}
}

func TestLegalReviewRefusals(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin := s.login("admin")
	id := s.notifiedCase(f)
	rid := s.submitReview(f.tok, id, fine(50000))["id"].(string)
	decision := map[string]any{"outcome": "approved", "checklist": checklist(), "opinion": "同意"}

	// Not a reviewer; a handler who is also a qualified reviewer; a reviewer elsewhere.
	if r := s.call("POST", "/api/v1/reviews/"+rid+"/decision", f.tok, decision); r.Status != 403 {
		t.Errorf("officer deciding = %d", r.Status)
	}
	var spare string
	for _, o := range items(s.call("GET", "/api/v1/officers?status=active&page_size=50&agency_id="+f.agency, admin, nil)) {
		if o["id"] != f.o1 && o["id"] != f.o2 {
			spare = o["id"].(string)
			break
		}
	}
	if r := s.call("POST", "/api/v1/users", admin, map[string]any{"username": "handlerrev", "password": "correct-horse-9", "name": "兼任审核",
		"roles": []string{"officer", "reviewer"}, "agency_id": f.agency, "officer_id": spare, "legal_qualified": true}); r.Status != 201 {
		t.Fatalf("create user = %d %s", r.Status, r.Body)
	}
	in := f.input()
	in["handler_ids"] = []string{f.o1, spare}
	created := s.call("POST", "/api/v1/cases", f.tok, in)
	if created.Status != 201 {
		t.Fatalf("create = %d %s", created.Status, created.Body)
	}
	own := created.JSON()["id"].(string)
	s.walkCase(f.tok, own, moveTo("investigating"), moveTo("notified"))
	ownReview := s.submitReview(f.tok, own, fine(50000))["id"].(string)
	hr := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "handlerrev", "password": "correct-horse-9"}).JSON()["token"].(string)
	if r := s.call("POST", "/api/v1/reviews/"+ownReview+"/decision", hr, decision); r.Status != 403 || !strings.Contains(r.ErrorMessage(), "承办人员不能审核") {
		t.Errorf("handler reviewing own case = %d %s", r.Status, r.Body)
	}
	// A qualified reviewer of another department is outside the case's scope.
	forestry := agencyID(s, admin, "青山县林业局")
	if r := s.call("POST", "/api/v1/users", admin, map[string]any{"username": "forestrev", "password": "correct-horse-9", "name": "林业审核",
		"roles": []string{"reviewer"}, "agency_id": forestry, "legal_qualified": true}); r.Status != 201 {
		t.Fatalf("create forestry reviewer = %d %s", r.Status, r.Body)
	}
	fr := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "forestrev", "password": "correct-horse-9"}).JSON()["token"].(string)
	if r := s.call("POST", "/api/v1/reviews/"+ownReview+"/decision", fr, decision); r.Status != 404 || r.ErrorMessage() != "法制审核不存在" {
		t.Errorf("reviewer of another agency = %d %s", r.Status, r.Body)
	}
	for _, q := range items(s.call("GET", "/api/v1/reviews?state=pending", fr, nil)) {
		if q["agency_id"] != forestry {
			t.Errorf("the forestry reviewer's queue holds %v", q["case_number"])
		}
	}
	// The justice bureau's reviewer serves the whole county and may decide it.
	if r := s.call("GET", "/api/v1/reviews/"+ownReview, s.login("reviewer2"), nil); r.Status != 200 {
		t.Errorf("justice reviewer opening = %d", r.Status)
	}
	// Two reviewers at once: exactly one decision lands.
	toks := []string{s.login("reviewer1"), s.login("reviewer2")}
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range toks {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			codes[i] = s.call("POST", "/api/v1/reviews/"+rid+"/decision", toks[i], decision).Status
		}(i)
	}
	wg.Wait()
	if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
		t.Errorf("two reviewers at once answered %v, want one 200 and one 409", codes)
	}
	var n int
	conn := dbConn(t, s)
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM records WHERE case_id = $1 AND kind = 'review'`, id).Scan(&n); err != nil || n != 1 {
		t.Errorf("review records = %d, %v", n, err)
	}
	// A case whose review is pending cannot be moved on by hand; withdrawn, it leaves the
	// queue and its review can no longer be decided.
	if r := s.move(f.tok, own, map[string]any{"to": "investigating"}); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "尚未作出结论") {
		t.Errorf("moving a case under review = %d %s", r.Status, r.Body)
	}
	gone := s.notifiedCase(f)
	goneReview := s.submitReview(f.tok, gone, fine(50000))["id"].(string)
	if r := s.move(f.tok, gone, map[string]any{"to": "withdrawn", "reason": "当事人已死亡"}); r.Status != 200 {
		t.Errorf("withdrawing a case under review = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/reviews/"+goneReview+"/decision", s.login("reviewer2"), decision); r.Status != 409 {
		t.Errorf("deciding the review of a withdrawn case = %d", r.Status)
	}
	for _, q := range items(s.call("GET", "/api/v1/reviews?state=pending&page_size=200", s.login("reviewer2"), nil)) {
		if q["id"] == goneReview {
			t.Error("the withdrawn case is still in the queue")
		}
	}
	// A review on a case not awaiting review.
	idle := s.newCase(f)
	if r := s.call("POST", "/api/v1/cases/"+idle+"/reviews", f.tok, map[string]any{"decision": fine(50000)}); r.Status != 409 {
		t.Errorf("submitting a case just filed = %d", r.Status)
	}
	// A reviewer whose qualification is withdrawn loses the queue; a disabled one, the login.
	var rv1, rv2 string
	for _, u := range items(s.call("GET", "/api/v1/users?role=reviewer&page_size=200", admin, nil)) {
		switch u["username"] {
		case "reviewer1":
			rv1 = u["id"].(string)
		case "reviewer2":
			rv2 = u["id"].(string)
		}
	}
	if r := s.call("PATCH", "/api/v1/users/"+rv1, f.tok, map[string]any{"legal_qualified": false}); r.Status != 403 {
		t.Errorf("officer withdrawing a qualification = %d", r.Status)
	}
	if r := s.call("PATCH", "/api/v1/users/"+rv1, admin, map[string]any{"legal_qualified": false}); r.Status != 200 || r.JSON()["legal_qualified"] != false {
		t.Fatalf("withdraw qualification = %d %s", r.Status, r.Body)
	}
	if r := s.call("GET", "/api/v1/reviews?state=pending", toks[0], nil); r.Status != 403 {
		t.Errorf("queue of an unqualified reviewer = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/reviews/"+ownReview+"/decision", toks[0], decision); r.Status != 403 {
		t.Errorf("unqualified reviewer deciding = %d", r.Status)
	}
	// Extending: once, with a reason.
	rv := s.login("reviewer2")
	defer func() {
		if r := s.call("PATCH", "/api/v1/users/"+rv2, admin, map[string]any{"disabled": true}); r.Status != 200 {
			t.Errorf("disable = %d", r.Status)
		}
		if r := s.call("GET", "/api/v1/reviews?state=pending", rv, nil); r.Status != 401 {
			t.Errorf("queue of a disabled reviewer = %d", r.Status)
		}
	}()
	if r := s.call("POST", "/api/v1/reviews/"+ownReview+"/extend", rv, map[string]any{"reason": ""}); r.Status != 422 {
		t.Errorf("extend without reason = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/reviews/"+ownReview+"/extend", rv, map[string]any{"reason": "需征求公安机关意见"}); r.Status != 200 || r.JSON()["extension_reason"] == "" {
		t.Errorf("extend = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/reviews/"+ownReview+"/extend", rv, map[string]any{"reason": "再次延长"}); r.Status != 409 {
		t.Errorf("second extension = %d", r.Status)
	}
}

func TestMajorCriteriaAndCollectiveDiscussion(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin := s.login("admin")
	base := "/api/v1/agencies/" + f.agency + "/major-criteria"
	forestry := agencyID(s, admin, "青山县林业局")
	if r := s.call("GET", "/api/v1/agencies/"+forestry+"/major-criteria", admin, nil); r.Status != 200 || r.JSON()["version"] != float64(0) || r.JSON()["fine_person_min"] != float64(1_000_000) {
		t.Fatalf("default criteria = %d %s", r.Status, r.Body)
	}
	cur := s.call("GET", base, f.tok, nil).JSON()["version"].(float64)
	crit := map[string]any{"fine_person_min": 2_000_000, "fine_org_min": 5_000_000, "confiscation_min": 5_000_000, "license_revocation": true,
		"business_suspension": true, "hearing": true, "public_interest": true, "complex": true, "extra_kinds": []string{"涉及食品安全事故"}, "review_days": 5}
	if r := s.call("PUT", base, f.tok, crit); r.Status != 403 {
		t.Errorf("officer setting criteria = %d", r.Status)
	}
	if r := s.call("PUT", base, admin, crit); r.Status != 200 || r.JSON()["version"] != cur+1 {
		t.Fatalf("set criteria = %d %s", r.Status, r.Body)
	}
	crit["review_days"] = 0
	if r := s.call("PUT", base, admin, crit); r.Status != 422 || r.ErrorField() != "review_days" {
		t.Errorf("bad review days = %d", r.Status)
	}
	id := s.notifiedCase(f)
	check := func() map[string]any {
		return s.call("POST", "/api/v1/cases/"+id+"/decision-check", f.tok, map[string]any{"decision": fine(15000)}).JSON()
	}
	if c := check(); c["major"] != false || c["criteria_version"] != cur+1 {
		t.Errorf("1.5万 under a 2万 threshold = %v", c)
	}
	if r := s.call("PUT", "/api/v1/cases/"+id+"/flags", f.tok, map[string]any{"complex": true, "major_kinds": []string{"涉及食品安全事故"}}); r.Status != 200 {
		t.Fatalf("flags = %d %s", r.Status, r.Body)
	}
	if r := s.call("PUT", "/api/v1/cases/"+id+"/flags", f.tok, map[string]any{"major_kinds": []string{"自编情形"}}); r.Status != 422 {
		t.Errorf("unknown kind = %d", r.Status)
	}
	c := check()
	if c["major"] != true || c["needs_collective_discussion"] != true || !strings.Contains(fmt.Sprint(c["reasons"]), "涉及食品安全事故") {
		t.Fatalf("flagged case check = %v", c)
	}
	s.concludeReview(s.submitReview(f.tok, id, fine(15000))["id"].(string), "approved")
	decide := func() response {
		return s.move(f.tok, id, map[string]any{"to": "decided", "decision": fine(15000), "statement_waived": true})
	}
	if r := decide(); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "集体讨论") {
		t.Errorf("deciding a complex case without collective discussion = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "collective", "note": "同意罚款", "participants": []string{"局长甲", "副局长乙"}}); r.Status != 422 || r.ErrorField() != "participants" {
		t.Errorf("collective discussion with two = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "collective", "note": "经集体讨论，同意罚款一万五千元",
		"participants": []string{"局长甲", "副局长乙", "副局长丙"}}); r.Status != 201 {
		t.Fatalf("collective discussion = %d %s", r.Status, r.Body)
	}
	if r := decide(); r.Status != 200 {
		t.Errorf("decide after review and discussion = %d %s", r.Status, r.Body)
	}
}

func TestReviewPages(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.notifiedCase(f)
	b, csrf := webLogin(t, s, "officer1")
	page := "/cases/" + id
	draft := url.Values{"_csrf": {csrf}, "outcome": {"penalty"}, "fine_yuan": {"20000"}, "decision_text": {"罚款人民币二万元"}}
	check := url.Values{}
	for k, v := range draft {
		check[k] = v
	}
	check.Set("check", "1")
	if r := s.form(b, page+"/review", check); r.Status != 200 || !strings.Contains(string(r.Body), "属于重大执法决定") || !strings.Contains(string(r.Body), `value="20000"`) {
		t.Fatalf("decision check on the case page = %d", r.Status)
	}
	if r := s.form(b, page+"/review", draft); r.Status != 303 {
		t.Fatalf("submit from the case page = %d %s", r.Status, r.Body)
	}
	if body := string(s.get(b, page).Body); !strings.Contains(body, "待审核") || !strings.Contains(body, "法制审核") {
		t.Error("case page does not show the pending review")
	}
	// Marking the case as a serious violation from the page.
	if r := s.form(b, page+"/flags", url.Values{"_csrf": {csrf}, "serious": {"on"}, "major_kinds": {"涉及食品安全事故"}}); r.Status != 303 {
		t.Errorf("flags from the page = %d %s", r.Status, r.Body)
	}
	if cv := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON(); cv["serious"] != true || fmt.Sprint(cv["major_kinds"]) != "[涉及食品安全事故]" {
		t.Errorf("case flags = %v %v", cv["serious"], cv["major_kinds"])
	}
	rb, rcsrf := webLogin(t, s, "reviewer1")
	if home := string(s.get(rb, "/").Body); !strings.Contains(home, "待审核") || !strings.Contains(home, "已超期") {
		t.Error("the reviewer's home page does not show the queue and its overdue items")
	}
	rid := items(s.call("GET", "/api/v1/cases/"+id+"/reviews", f.tok, nil))[0]["id"].(string)
	queue := string(s.get(rb, "/reviews").Body)
	if !strings.Contains(queue, `href="/reviews/`+rid+`"`) || !strings.Contains(queue, `data-testid="overdue"`) {
		t.Fatal("queue page lacks the new review or the demo's overdue one")
	}
	form := url.Values{"_csrf": {rcsrf}, "outcome": {"approved"}, "opinion": {"同意"}, "item_subject": {"ok"}}
	if r := s.form(rb, "/reviews/"+rid, form); r.Status != 422 || !strings.Contains(string(r.Body), "审核清单缺少") || !strings.Contains(string(r.Body), `value="ok" id="ok_subject" checked`) {
		t.Errorf("incomplete checklist = %d", r.Status)
	}
	for _, k := range []string{"qualification", "authority", "facts", "evidence", "procedure", "law", "discretion", "documents", "criminal_transfer"} {
		form.Set("item_"+k, "ok")
	}
	form.Set("item_evidence", "no")
	form.Set("note_evidence", "缺少抽样检验报告")
	form.Set("outcome", "returned")
	// A refused form keeps the conclusion chosen, not the default 通过.
	form.Set("opinion", "")
	if r := s.form(rb, "/reviews/"+rid, form); r.Status != 422 || !strings.Contains(string(r.Body), `<option value="returned" selected>`) {
		t.Errorf("a return without an opinion = %d, the conclusion kept: %v", r.Status, strings.Contains(string(r.Body), `<option value="returned" selected>`))
	}
	form.Set("opinion", "请补充检验报告后再送审")
	if r := s.form(rb, "/reviews/"+rid, form); r.Status != 303 {
		t.Fatalf("return = %d %s", r.Status, r.Body)
	}
	if r := s.get(rb, "/reviews/"+rid+"/print"); r.Status != 200 || !strings.Contains(string(r.Body), "法制审核意见书") || !strings.Contains(string(r.Body), "缺少抽样检验报告") {
		t.Errorf("printed opinion = %d", r.Status)
	}
	if body := string(s.get(b, page).Body); !strings.Contains(body, "请补充检验报告后再送审") || !strings.Contains(body, "退回补正") {
		t.Error("the handler does not see the opinion on the case page")
	}
}

// TestReviewerRatios counts an agency of known size: reviewers are required at 5% of
// the officers with a valid certificate, rounded up.
func TestReviewerRatios(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin, sup := s.login("admin"), s.login("supervisor1")
	if r := s.call("GET", "/api/v1/reviewer-ratios", f.tok, nil); r.Status != 403 {
		t.Errorf("officer reading ratios = %d", r.Status)
	}
	first := "11360799" + "880000001"
	r := s.call("POST", "/api/v1/agencies", admin, map[string]any{"name": "青山县比例测试局", "short_name": "青比测",
		"code": first + string(enforcement.CreditCheckChar(first)), "region_code": "360799",
		"parent_id": agencyID(s, admin, "青山县人民政府"), "kind": "department"})
	if r.Status != 201 {
		t.Fatalf("agency = %d %s", r.Status, r.Body)
	}
	agency := r.JSON()["id"].(string)
	valid := time.Now().In(cstZone).AddDate(3, 0, 0).Format(time.DateOnly)
	officer := func(i int, until string) {
		t.Helper()
		if r := s.call("POST", "/api/v1/officers", admin, map[string]any{"agency_id": agency, "name": fmt.Sprintf("比例测试员%d", i),
			"cert_no": fmt.Sprintf("BL99%04d", i), "fields": []string{"比例测试"}, "cert_valid_until": until, "status": "active"}); r.Status != 201 {
			t.Fatalf("officer = %d %s", r.Status, r.Body)
		}
	}
	reviewer := func(name string, qualified bool) {
		t.Helper()
		if r := s.call("POST", "/api/v1/users", admin, map[string]any{"username": name, "password": "correct-horse-9", "name": name,
			"roles": []string{"reviewer"}, "agency_id": agency, "legal_qualified": qualified}); r.Status != 201 {
			t.Fatalf("reviewer = %d %s", r.Status, r.Body)
		}
	}
	row := func() map[string]any {
		t.Helper()
		for _, r := range items(s.call("GET", "/api/v1/reviewer-ratios", sup, nil)) {
			if r["agency_id"] == agency {
				return r
			}
		}
		t.Fatal("the new agency is not listed")
		return nil
	}
	// 20 valid officers and one whose certificate lapsed; one qualified reviewer and one
	// without the qualification.
	for i := 1; i <= 20; i++ {
		officer(i, valid)
	}
	officer(99, "2020-12-31")
	reviewer("bilishenhe1", true)
	reviewer("bilishenhe0", false)
	for _, c := range []struct {
		step                       string
		then                       func()
		officers, reviewers, needs float64
		below                      bool
	}{
		{"20 officers, 1 reviewer: 5% of 20 is 1", func() {}, 20, 1, 1, false},
		{"21 officers: 5% of 21 is 1.05, so 2", func() { officer(21, valid) }, 21, 1, 2, true},
		{"a second reviewer", func() { reviewer("bilishenhe2", true) }, 21, 2, 2, false},
	} {
		c.then()
		got := row()
		if got["officers"] != c.officers || got["reviewers"] != c.reviewers || got["required"] != c.needs || got["below"] != c.below {
			t.Errorf("%s: %v, want %v officers, %v reviewers, %v required, below %v", c.step, got, c.officers, c.reviewers, c.needs, c.below)
		}
	}
	rs := items(s.call("GET", "/api/v1/reviewer-ratios", sup, nil))
	for i := 1; i < len(rs); i++ {
		if rs[i-1]["below"] == false && rs[i]["below"] == true {
			t.Errorf("%v, below 5%%, is listed after %v", rs[i]["agency_name"], rs[i-1]["agency_name"])
		}
	}
	b, _ := webLogin(t, s, "supervisor1")
	if r := s.get(b, "/reviewers"); r.Status != 200 || !strings.Contains(string(r.Body), "青山县比例测试局") {
		t.Errorf("ratio page = %d", r.Status)
	}
}

func TestCriteriaPage(t *testing.T) {
	s := start(t)
	f := fixture(s)
	b, csrf := webLogin(t, s, "admin")
	page := "/agencies/" + f.agency + "/criteria"
	if r := s.get(b, page); r.Status != 200 || !strings.Contains(string(r.Body), "10000.00 元") {
		t.Fatalf("criteria page = %d", r.Status)
	}
	form := url.Values{"_csrf": {csrf}, "fine_person_min": {"20000"}, "fine_org_min": {"50000"}, "confiscation_min": {"50000"},
		"license_revocation": {"on"}, "hearing": {"on"}, "extra_kinds": {"涉及食品安全事故\r\n涉及校园周边"}, "review_days": {"7"}}
	if r := s.form(b, page, form); r.Status != 303 {
		t.Fatalf("save = %d %s", r.Status, r.Body)
	}
	m := s.call("GET", "/api/v1/agencies/"+f.agency+"/major-criteria", f.tok, nil).JSON()
	if m["fine_person_min"] != float64(2_000_000) || m["review_days"] != float64(7) || m["business_suspension"] != false || len(m["extra_kinds"].([]any)) != 2 {
		t.Errorf("criteria after the page = %v", m)
	}
	form.Set("fine_org_min", "-1")
	if r := s.form(b, page, form); r.Status != 422 {
		t.Errorf("negative amount = %d", r.Status)
	}
	ob, _ := webLogin(t, s, "officer1")
	if body := string(s.get(ob, page).Body); strings.Contains(body, "修订") || !strings.Contains(body, "20000.00 元") {
		t.Error("an officer sees the form, or not the catalogue")
	}
}
