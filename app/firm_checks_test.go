package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// jointFixture is two agencies planning to check one firm: market regulation (officer1,
// head1) and emergency management (officer3, head2).
type jointFixture struct {
	f                   caseFixture
	head1, head2, o3tok string
	o3, o3mate          string
	matter1, matter2    string
	agency1, agency2    string
	firm                string
}

func newJointFixture(t *testing.T, s *server, offset int) jointFixture {
	t.Helper()
	j := jointFixture{f: fixture(s), head1: s.login("head1"), head2: s.login("head2"), o3tok: s.login("officer3")}
	me := s.call("GET", "/api/v1/me", j.o3tok, nil).JSON()
	j.o3, j.agency1, j.agency2 = me["officer_id"].(string), j.f.agency, me["agency_id"].(string)
	s.query(t, `SELECT id::text FROM officers WHERE agency_id = '`+j.agency2+`' AND status = 'active' AND cert_valid_until > current_date + 60
		AND id <> '`+j.o3+`' ORDER BY cert_no LIMIT 1`, &j.o3mate)
	s.query(t, `SELECT id::text FROM inspection_matters WHERE agency_id = '`+j.agency1+`' ORDER BY name LIMIT 1`, &j.matter1)
	s.query(t, `SELECT id::text FROM inspection_matters WHERE agency_id = '`+j.agency2+`' ORDER BY name LIMIT 1`, &j.matter2)
	// A firm no demo check has visited this year.
	s.query(t, `SELECT code FROM inspection_targets tg WHERE NOT EXISTS (SELECT 1 FROM inspection_checks c WHERE c.target_code = tg.code)
		ORDER BY code OFFSET `+fmt.Sprint(offset)+` LIMIT 1`, &j.firm)
	return j
}

// proposals lists the proposals of the fixture's firm a head sees (the demo has its own).
func (j jointFixture) proposals(s *server, tok, query string) []map[string]any {
	var out []map[string]any
	for _, p := range items(s.call("GET", "/api/v1/inspection/joint-proposals?page_size=100"+query, tok, nil)) {
		if p["target_code"] == j.firm {
			out = append(out, p)
		}
	}
	return out
}

// request asks for a check of the firm and has the agency's head approve it.
func (j jointFixture) request(t *testing.T, s *server, officerTok, mate, matter, head, reason string, inDays int) string {
	t.Helper()
	r := s.call("POST", "/api/v1/inspection/checks", officerTok, map[string]any{"firm": j.firm, "matter_ids": []string{matter}, "reason": reason,
		"reason_note": "检查理由。", "officer_ids": []string{mate}, "planned_on": time.Now().In(cstZone).AddDate(0, 0, inDays).Format("2006-01-02")})
	if r.Status != 201 {
		t.Fatalf("request = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	if r := s.call("POST", "/api/v1/inspection/checks/"+id+"/approve", head, nil); r.Status != 200 {
		t.Fatalf("approve = %d %s", r.Status, r.Body)
	}
	return id
}

// Two agencies' checks of one firm within 30 days are proposed as one visit, merged when
// both heads accept, shown as one code; the firm sees one visit counted for each agency,
// rates it after the result, and a low rating becomes a clue; the report counts it all.
func TestJointChecksRatingsAndTheFirmsView(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_CHECK_KEY"] = checkSeed })
	j := newJointFixture(t, s, 3)
	sup := s.login("supervisor1")
	year := time.Now().In(cstZone).Year()
	before := s.call("GET", fmt.Sprintf("/api/v1/reports/annual?year=%d", year), sup, nil).JSON()["figures"].(map[string]any)

	a := j.request(t, s, j.f.tok, j.f.o2, j.matter1, j.head1, "high_risk", 0)
	if l := j.proposals(s, j.head1, ""); len(l) != 0 {
		t.Fatalf("one agency's check was proposed for joining: %v", l)
	}
	// Its code shown before the merge: superseded after it.
	oldCode := s.call("GET", "/api/v1/inspection/checks/"+a+"/code", j.f.tok, nil).JSON()["code"].(string)
	b := j.request(t, s, j.o3tok, j.o3mate, j.matter2, j.head2, "special", 10)
	if r := s.call("GET", "/api/v1/inspection/joint-proposals", j.f.tok, nil); r.Status != 403 {
		t.Errorf("an officer read the proposals: %d", r.Status)
	}
	props := j.proposals(s, j.head1, "")
	if len(props) != 1 || props[0]["state"] != "proposed" || len(props[0]["checks"].([]any)) != 2 || props[0]["target_code"] != j.firm {
		t.Fatalf("proposals = %v", props)
	}
	pid := props[0]["id"].(string)
	if l := j.proposals(s, j.head2, ""); len(l) != 1 || l[0]["id"] != pid {
		t.Errorf("the other head's proposals = %v", l)
	}
	if r := s.call("POST", "/api/v1/inspection/joint-proposals/"+pid+"/decline", j.head1, map[string]any{}); r.Status != 422 || r.ErrorField() != "reason" {
		t.Errorf("declining without a reason = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/joint-proposals/"+pid+"/accept", j.head1, nil); r.Status != 200 || r.JSON()["state"] != "proposed" {
		t.Fatalf("the first acceptance = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/joint-proposals/"+pid+"/accept", j.head1, nil); r.Status != 409 {
		t.Errorf("accepting twice = %d", r.Status)
	}
	r := s.call("POST", "/api/v1/inspection/joint-proposals/"+pid+"/accept", j.head2, nil)
	if r.Status != 200 || r.JSON()["state"] != "merged" || r.JSON()["joint_check_id"] == nil {
		t.Fatalf("the last acceptance = %d %s", r.Status, r.Body)
	}
	joint := r.JSON()["joint_check_id"].(string)
	for _, m := range []string{a, b} {
		var state, into string
		s.query(t, `SELECT state, joint_id::text FROM inspection_checks WHERE id = '`+m+`'`, &state, &into)
		if state != "merged" || into != joint {
			t.Errorf("member %s: %s into %s", m, state, into)
		}
	}
	if v := s.public("/public/api/checks/" + oldCode).JSON(); v["verdict"] != "superseded" || !strings.Contains(v["reason"].(string), "联合检查") {
		t.Errorf("a member's code after the merge = %v", v)
	}
	if r := s.call("GET", "/api/v1/inspection/checks/"+a+"/code", j.f.tok, nil); r.Status != 409 {
		t.Errorf("a member's code after the merge = %d", r.Status)
	}
	// One code for the visit, whichever agency's officer shows it.
	code := s.call("GET", "/api/v1/inspection/checks/"+joint+"/code", j.f.tok, nil).JSON()["code"].(string)
	if c3 := s.call("GET", "/api/v1/inspection/checks/"+joint+"/code", j.o3tok, nil).JSON()["code"]; c3 != code {
		t.Errorf("the two agencies' officers show different codes")
	}
	v := s.public("/public/api/checks/" + code).JSON()
	if v["verdict"] != "valid" || len(v["officers"].([]any)) != 4 || len(v["matters"].([]any)) != 2 || !strings.Contains(v["agency"].(string), "、") {
		t.Errorf("the joint code = %v", v)
	}
	// The first scan gives the firm's key, which rating requires; a later one gives none.
	firmKey, _ := s.send("POST", "/public/api/checks/"+code+"/scan", "", "", nil).JSON()["firm_key"].(string)
	if firmKey == "" {
		t.Fatalf("the first scan gave no firm key")
	}
	if again := s.send("POST", "/public/api/checks/"+code+"/scan", "", "", nil).JSON(); again["firm_key"] != nil {
		t.Errorf("a second scan gave the firm's key again")
	}

	// The firm's view: one visit, counted once for each agency.
	if r := s.public("/public/api/firms/" + j.firm + "/checks"); r.Status != 403 {
		t.Errorf("the firm's view without a code = %d", r.Status)
	}
	var other string
	s.query(t, `SELECT code FROM inspection_targets WHERE code <> '`+j.firm+`' LIMIT 1`, &other)
	if r := s.public("/public/api/firms/" + other + "/checks?code=" + url.QueryEscape(code)); r.Status != 403 {
		t.Errorf("another firm's view with this firm's code = %d", r.Status)
	}
	fv := s.public("/public/api/firms/" + j.firm + "/checks?code=" + url.QueryEscape(code)).JSON()
	caps := fv["caps"].([]any)
	if checks := fv["checks"].([]any); len(checks) != 1 || len(caps) != 2 {
		t.Fatalf("the firm's view = %v", fv)
	}
	for _, c := range caps {
		if c.(map[string]any)["checks"].(float64) != 1 {
			t.Errorf("cap line = %v", c)
		}
	}

	// A rating waits for the result; then one, once.
	rate := func(c string, body map[string]any) response {
		if _, ok := body["firm_key"]; !ok {
			body["firm_key"] = firmKey
		}
		return s.call("POST", "/public/api/checks/"+c+"/rating", "", body)
	}
	if r := rate(code, map[string]any{"stars": 2, "comment": "检查人员态度生硬。"}); r.Status != 409 {
		t.Errorf("a rating before the result = %d %s", r.Status, r.Body)
	}
	// A reason of several lines and many characters still makes a record whose cause is one line.
	s.exec(t, `UPDATE inspection_checks SET reason_note = repeat('很长的理由。', 60) || E'\n第二行' WHERE id = '`+a+`'`)
	if r := s.call("POST", "/api/v1/inspection/checks/"+a+"/record", j.f.tok, nil); r.Status != 409 {
		t.Errorf("recording a merged member = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+joint+"/result", j.f.tok, map[string]any{"result": "no_problem"}); r.Status != 200 {
		t.Fatalf("result = %d %s", r.Status, r.Body)
	}
	if r := rate(code, map[string]any{"stars": 0}); r.Status != 422 || r.ErrorField() != "stars" {
		t.Errorf("0 stars = %d %s", r.Status, r.Body)
	}
	tampered := []byte(code)
	tampered[30] ^= 1
	if tampered[30] == '_' || tampered[30] == '-' {
		tampered[30] = 'A'
	}
	if r := rate(url.PathEscape(string(tampered)), map[string]any{"stars": 5}); r.Status != 403 {
		t.Errorf("a rating with a forged code = %d", r.Status)
	}
	if r := rate(oldCode, map[string]any{"stars": 5}); r.Status != 409 {
		t.Errorf("a rating with a merged member's code = %d", r.Status)
	}
	lowOf := func() float64 {
		sums := s.call("GET", "/api/v1/inspection/ratings", j.head1, nil).JSON()["summaries"].([]any)
		if len(sums) != 1 {
			t.Fatalf("head1 sees %d agencies' ratings", len(sums))
		}
		return sums[0].(map[string]any)["low"].(float64)
	}
	low := lowOf()
	// Whoever else holds the code (its officers show it) cannot rate in the firm's place.
	if r := rate(code, map[string]any{"stars": 5, "firm_key": ""}); r.Status != 403 {
		t.Errorf("a rating without the firm's key = %d %s", r.Status, r.Body)
	}
	if r := rate(code, map[string]any{"stars": 5, "firm_key": "AAAAAAAAAAAAAAAAAAAAAA"}); r.Status != 403 {
		t.Errorf("a rating with a wrong key = %d %s", r.Status, r.Body)
	}
	if r := rate(code, map[string]any{"stars": 2, "comment": "检查人员态度生硬。"}); r.Status != 201 {
		t.Fatalf("rating = %d %s", r.Status, r.Body)
	}
	// Neither the code's page nor the firm's view says how it was rated.
	if page := string(s.public("/public/checks/" + code).Body); strings.Contains(page, "态度生硬") || strings.Contains(page, "2 星") {
		t.Errorf("the code's page shows the rating")
	}
	if fv := string(s.public("/public/api/firms/" + j.firm + "/checks?code=" + url.QueryEscape(code)).Body); strings.Contains(fv, "stars") {
		t.Errorf("the firm's view shows the stars: %s", fv)
	}
	if r := rate(code, map[string]any{"stars": 5}); r.Status != 409 {
		t.Errorf("a second rating = %d", r.Status)
	}
	// The department sees counts; supervisors the comment, and make it a clue once.
	own := s.call("GET", "/api/v1/inspection/ratings", j.head1, nil)
	if own.Status != 200 || own.JSON()["ratings"] != nil || strings.Contains(string(own.Body), "态度生硬") {
		t.Errorf("the department's ratings = %d %s", own.Status, own.Body)
	}
	if got := lowOf(); got != low+1 {
		t.Errorf("the department's 1–2 star ratings went from %v to %v", low, got)
	}
	if r := s.call("GET", "/api/v1/inspection/ratings", j.f.tok, nil); r.Status != 403 {
		t.Errorf("an officer read the ratings: %d", r.Status)
	}
	if !strings.Contains(string(s.call("GET", "/api/v1/inspection/ratings?low=true", sup, nil).Body), "态度生硬") {
		t.Errorf("the supervisor does not read the comment")
	}
	if r := s.call("POST", "/api/v1/inspection/ratings/"+joint+"/clue", j.head1, nil); r.Status != 403 {
		t.Errorf("a head turned a rating into a clue: %d", r.Status)
	}
	cl := s.call("POST", "/api/v1/inspection/ratings/"+joint+"/clue", sup, nil)
	if cl.Status != 201 || cl.JSON()["source"] != "rating" || !strings.Contains(cl.JSON()["content"].(string), "2 星") ||
		strings.Contains(cl.JSON()["content"].(string), j.firm) {
		t.Errorf("clue = %d %s", cl.Status, cl.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/ratings/"+joint+"/clue", sup, nil); r.Status != 409 {
		t.Errorf("a second clue = %d", r.Status)
	}

	// The report: the joint visit, the visit it saved, the rating and its clue; the
	// check's record is not an enforcement case.
	after := s.call("GET", fmt.Sprintf("/api/v1/reports/annual?year=%d", year), sup, nil).JSON()["figures"].(map[string]any)
	num := func(m map[string]any, k string) float64 {
		key, part, ok := strings.Cut(k, ".")
		if !ok {
			return m[key].(float64)
		}
		return m[key].(map[string]any)[part].(float64)
	}
	for k, d := range map[string]float64{"cases_total": 0, "check_records": 1, "joint_checks": 1, "joint_visits_saved": 1, "checks_by_kind.joint": 1,
		"check_codes_issued": 1, "check_codes_scanned": 1, "check_ratings": 1, "check_ratings_low": 1, "check_ratings_clues": 1, "checks_by_kind.approved": 0} {
		if got := num(after, k) - num(before, k); got != d {
			t.Errorf("%s moved by %v, want %v", k, got, d)
		}
	}
	rows := s.call("GET", fmt.Sprintf("/api/v1/reports/annual/rows?year=%d&figure=joint_checks", year), sup, nil)
	if !strings.Contains(string(rows.Body), joint) {
		t.Errorf("the joint check is not among the rows it counts: %s", rows.Body)
	}
}

// A declined proposal leaves both checks as they were, and is not proposed again.
func TestJointProposalDeclined(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_CHECK_KEY"] = checkSeed })
	j := newJointFixture(t, s, 5)
	a := j.request(t, s, j.f.tok, j.f.o2, j.matter1, j.head1, "high_risk", 20)
	b := j.request(t, s, j.o3tok, j.o3mate, j.matter2, j.head2, "high_risk", 0)
	props := j.proposals(s, j.head2, "")
	if len(props) != 1 {
		t.Fatalf("proposals = %v", props)
	}
	pid := props[0]["id"].(string)
	r := s.call("POST", "/api/v1/inspection/joint-proposals/"+pid+"/decline", j.head2, map[string]any{"reason": "本局检查需带检测设备，时间无法调整。"})
	if r.Status != 200 || r.JSON()["state"] != "declined" || !strings.Contains(r.JSON()["closed_note"].(string), "时间无法调整") {
		t.Fatalf("decline = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/joint-proposals/"+pid+"/accept", j.head1, nil); r.Status != 409 {
		t.Errorf("accepting a declined proposal = %d", r.Status)
	}
	for _, id := range []string{a, b} {
		var state string
		s.query(t, `SELECT state FROM inspection_checks WHERE id = '`+id+`'`, &state)
		if state != "assigned" {
			t.Errorf("check %s is %s after a decline", id, state)
		}
	}
	// A reason of many lines and characters still opens a record, its cause one line of 200.
	s.exec(t, `UPDATE inspection_checks SET reason_note = repeat('很长的理由。', 60) || E'\n第二行' WHERE id = '`+a+`'`)
	rec := s.call("POST", "/api/v1/inspection/checks/"+a+"/record", j.f.tok, nil)
	if rec.Status != 200 || rec.JSON()["case_id"] == nil {
		t.Fatalf("record = %d %s", rec.Status, rec.Body)
	}
	var cause string
	s.query(t, `SELECT cause FROM cases WHERE id = '`+rec.JSON()["case_id"].(string)+`'`, &cause)
	if strings.ContainsAny(cause, "\n\r") || len([]rune(cause)) != 200 {
		t.Errorf("the record's cause = %q", cause)
	}
	// A check begun meanwhile: a later proposal with it lapses rather than merging.
	j.request(t, s, j.f.tok, j.f.o2, j.matter1, j.head1, "special", 15)
	props = j.proposals(s, j.head1, "&state=proposed")
	if len(props) != 1 {
		t.Fatalf("no proposal for the third check: %v", props)
	}
	pid = props[0]["id"].(string)
	s.call("POST", "/api/v1/inspection/joint-proposals/"+pid+"/accept", j.head1, nil)
	code := s.call("GET", "/api/v1/inspection/checks/"+b+"/code", j.o3tok, nil).JSON()["code"].(string)
	s.send("POST", "/public/api/checks/"+code+"/scan", "", "", nil)
	if r := s.call("POST", "/api/v1/inspection/joint-proposals/"+pid+"/accept", j.head2, nil); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "已经开始") {
		t.Errorf("merging a begun check = %d %s", r.Status, r.Body)
	}
	var state string
	s.query(t, `SELECT state FROM inspection_joint_proposals WHERE id = '`+pid+`'`, &state)
	if state != "lapsed" {
		t.Errorf("the proposal is %s", state)
	}
}

// The joint check and the cap in the browser: head1 at 1024×768 declines a proposal
// without a reason (refused at the top of its form), then accepts; head2 accepts and lands
// on the joint check; officer1's phone shows its one code. With the agency's cap at one,
// the next check of the firm shows, where its code would be, why it cannot be shown.
func TestBrowserJointCheckAndCap(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_CHECK_KEY"] = checkSeed })
	j := newJointFixture(t, s, 7)
	j.request(t, s, j.f.tok, j.f.o2, j.matter1, j.head1, "high_risk", 0)
	j.request(t, s, j.o3tok, j.o3mate, j.matter2, j.head2, "special", 6)
	props := j.proposals(s, j.head1, "")
	if len(props) != 1 {
		t.Fatalf("proposals = %v", props)
	}
	pid := props[0]["id"].(string)
	axe := loadAxe(t)
	card := `[data-id="` + pid + `"] `
	head1 := browserContext(t)
	err := chromedp.Do(head1, append(phoneLogin(s, "head1", "/inspection/joint"),
		chromedp.EmulateViewport(1024, 768),
		chromedp.WaitVisible(chromedp.CSS(card+`[data-testid=joint-decline]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, head1, axe, "/inspection/joint")
	if err := chromedp.Do(head1, submitAndLoad(card+`[data-testid=joint-decline]`)...); err != nil {
		t.Fatal(err)
	}
	if msg := must(chromedp.Run(head1, chromedp.Text(chromedp.CSS(card+`[data-testid=form-error]`)))); !strings.Contains(msg, "理由") {
		t.Errorf("declining without a reason: %q", msg)
	}
	if err := chromedp.Do(head1, submitAndLoad(card+`[data-testid=joint-accept]`)...); err != nil {
		t.Fatal(err)
	}
	if flash := must(chromedp.Run(head1, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`)))); !strings.Contains(flash, "等待其他单位") {
		t.Errorf("after accepting first: %q", flash)
	}
	shot(head1, "joint-proposals-1024")
	head2 := browserContext(t)
	err = chromedp.Do(head2, append(phoneLogin(s, "head2", "/inspection/joint"),
		chromedp.EmulateViewport(1024, 768),
		chromedp.WaitVisible(chromedp.CSS(card+`[data-testid=joint-accept]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(head2, submitAndLoad(card+`[data-testid=joint-accept]`)...); err != nil {
		t.Fatal(err)
	}
	flash := must(chromedp.Run(head2, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`))))
	path := must(chromedp.Run(head2, chromedp.Evaluate[string](`location.pathname`)))
	if !strings.Contains(flash, "联合检查") || !strings.HasPrefix(path, "/inspection/checks/") {
		t.Fatalf("after the last acceptance: %q at %s", flash, path)
	}
	joint := strings.TrimPrefix(path, "/inspection/checks/")
	shot(head2, "joint-check-1024")
	phone := browserContext(t)
	err = chromedp.Do(phone, append(phoneLogin(s, "officer1", "/inspection/checks/"+joint),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=check-code] img`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid=code-qr]').naturalWidth > 0`),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, phone, axe, "/inspection/checks/{id} (joint)")
	shot(phone, "joint-code-390")

	s.exec(t, `UPDATE inspection_plans SET yearly_cap = 1 WHERE agency_id = '`+j.agency1+`'`)
	over := j.request(t, s, j.f.tok, j.f.o2, j.matter1, j.head1, "high_risk", 1)
	err = chromedp.Do(phone, chromedp.Navigate(s.URL+"/inspection/checks/"+over), chromedp.WaitVisible(chromedp.CSS(`[data-testid=code-refused]`)))
	if err != nil {
		t.Fatal(err)
	}
	if msg := must(chromedp.Run(phone, chromedp.Text(chromedp.CSS(`[data-testid=code-refused]`)))); !strings.Contains(msg, "上限 1 次") {
		t.Errorf("the check over the cap: %q", msg)
	}
	if n := must(chromedp.Run(phone, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=code-qr]').length`))); n != 0 {
		t.Errorf("a QR code is shown for a check over the cap")
	}
	// Nor does the check begin: the page offers no start, and the start itself is refused.
	if n := must(chromedp.Run(phone, chromedp.Evaluate[int](`document.querySelectorAll('#start-record').length + (document.querySelector('[data-testid=start-refused]') ? 0 : 10)`))); n != 0 {
		t.Errorf("the check over the cap offers to begin (%d)", n)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+over+"/record", j.f.tok, nil); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "上限") {
		t.Errorf("beginning the check over the cap = %d %s", r.Status, r.Body)
	}
	shot(phone, "check-over-cap-390")
}
