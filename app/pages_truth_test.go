package app_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"zhifa/app"
	"zhifa/app/testenv"
	"zhifa/evidence"
)

// Issue "field-ready pages": what a page says is true at the moment of acting.

// A message shows once, on the page its action redirects to, and nowhere else: not on
// the next page, not on another case, not on a page where the next step was refused.
func TestFlashShowsOnceWhereItLands(t *testing.T) {
	s := start(t)
	f := fixture(s)
	a, b := s.newCase(f), s.newCase(f)
	browser, csrf := webLogin(t, s, "officer1")
	r := s.form(browser, "/cases/"+a+"/move", url.Values{"_csrf": {csrf}, "to": {"investigating"}})
	if r.Status != 303 || r.Header.Get("Location") != "/cases/"+a {
		t.Fatalf("move = %d to %q", r.Status, r.Header.Get("Location"))
	}
	const said = "案件已转为"
	// Another case first: the message is not for it, and is gone afterwards.
	if page := string(s.get(browser, "/cases/"+b).Body); strings.Contains(page, said) {
		t.Error("the message of case A shows on case B")
	}
	if page := string(s.get(browser, "/cases/"+a).Body); strings.Contains(page, said) {
		t.Error("the message shows after another page was opened in between")
	}
	// Where it lands, once.
	s.documentsFor(f.tok, a, "notified", "penalty")
	s.form(browser, "/cases/"+a+"/move", url.Values{"_csrf": {csrf}, "to": {"notified"}})
	if page := string(s.get(browser, "/cases/"+a).Body); !strings.Contains(page, said) {
		t.Error("the message does not show on the page its action redirected to")
	}
	if page := string(s.get(browser, "/cases/"+a).Body); strings.Contains(page, said) {
		t.Error("the message shows a second time")
	}
	// A refused step shows its refusal, never the last success.
	s.form(browser, "/cases/"+b+"/move", url.Values{"_csrf": {csrf}, "to": {"investigating"}})
	refused := s.form(browser, "/cases/"+b+"/move", url.Values{"_csrf": {csrf}, "to": {"closed"}})
	if refused.Status < 400 || strings.Contains(string(refused.Body), said) {
		t.Errorf("a refused move = %d and shows the earlier success: %v", refused.Status, strings.Contains(string(refused.Body), said))
	}
}

// No placeholder reaches a screen: a deadline that does not run yet is not shown as
// 0000-00-00, on the case page or its printable summary, for a case or an inspection record.
func TestNoPlaceholderDates(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	browser, _ := webLogin(t, s, "officer1")
	pages := []string{"/cases/" + id, "/cases/" + id + "/print"}
	if l := items(s.call("GET", "/api/v1/cases?kind=inspection&page_size=1", f.tok, nil)); len(l) == 1 {
		pages = append(pages, "/cases/"+l[0]["id"].(string))
	}
	for _, p := range pages {
		r := s.get(browser, p)
		if r.Status != 200 || strings.Contains(string(r.Body), "0000-00-00") {
			t.Errorf("%s = %d, shows 0000-00-00: %v", p, r.Status, strings.Contains(string(r.Body), "0000-00-00"))
		}
	}
}

// The login page leads the public to the portal, and a locked account is told how long
// to wait, in minutes.
func TestLoginPageSaysWhereAndHowLong(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_LOGIN_MAX_FAILS"] = "1" })
	c := s.browser()
	page := s.get(c, "/login")
	if !strings.Contains(string(page.Body), `href="/public/"`) {
		t.Error("the login page does not link to the public portal")
	}
	token := string(csrfRe.FindSubmatch(page.Body)[1])
	for range 2 {
		page = s.form(c, "/login", url.Values{"_csrf": {token}, "username": {"officer1"}, "password": {"wrong-guess"}})
	}
	if page.Status != 429 || !strings.Contains(string(page.Body), "请于 15 分钟后再试") || page.Header.Get("Retry-After") == "" {
		t.Errorf("locked login page = %d (Retry-After %q), want 429 saying to wait 15 分钟: %s", page.Status, page.Header.Get("Retry-After"), firstMatch(string(page.Body), `role="alert"[^<]*<`))
	}
}

// The annual report opens on the current year.
func TestAnnualReportOpensOnThisYear(t *testing.T) {
	s := start(t)
	b, _ := webLogin(t, s, "supervisor1")
	year := s.call("GET", "/api/v1/reports/annual", s.login("supervisor1"), nil).JSON()["year"]
	page := string(s.get(b, "/reports/annual").Body)
	if y, ok := year.(float64); !ok || !strings.Contains(page, strconv.Itoa(int(y))+" 年度") || int(y) < time.Now().Year() {
		t.Errorf("the report opens on %v; page title %q", year, firstMatch(page, `<h1>[^<]*`))
	}
	// A year that has not begun is not offered.
	if strings.Contains(page, "下一年度") || !strings.Contains(page, "上一年度") {
		t.Error("the current year's report offers the next year, or not the last")
	}
}

func firstMatch(s, re string) string { return regexp.MustCompile(re).FindString(s) }

// The chain check a person opens is a page that says 完整 or 发现问题 in words, each
// record and file with its finding; the JSON stays at the API address.
func TestVerifyPageSaysItInWords(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	for _, note := range []string{"第一次询问", "第二次询问"} {
		s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "text", "note": note})
	}
	browser, _ := webLogin(t, s, "officer1")
	casePage := string(s.get(browser, "/cases/"+id).Body)
	if !strings.Contains(casePage, `href="/cases/`+id+`/verify"`) || strings.Contains(casePage, `href="/api/v1/cases/`+id+`/verify"`) {
		t.Error("the case page's 校验哈希链 link does not open the page")
	}
	page := s.get(browser, "/cases/"+id+"/verify")
	body := string(page.Body)
	if page.Status != 200 || !strings.Contains(body, ">完整<") || strings.Contains(body, "发现问题") || strings.Count(body, "✓ 摘要一致") != 3 ||
		strings.Count(body, "<code class=\"muted\">SM3 ") != 3 || !strings.Contains(body, "（第 3 条）的哈希已记入") || !strings.Contains(body, "有效的包含证明") {
		t.Errorf("intact chain page = %d: want 完整, three records each checked with both digests, and the head in the log", page.Status)
	}
	conn := dbConn(t, s)
	for _, q := range []string{`ALTER TABLE records DISABLE TRIGGER records_append_only`,
		`UPDATE records SET note = '改过的笔录' WHERE case_id = $1 AND seq = 2`, `ALTER TABLE records ENABLE TRIGGER records_append_only`} {
		args := []any{}
		if strings.Contains(q, "$1") {
			args = append(args, id)
		}
		if _, err := conn.Exec(context.Background(), q, args...); err != nil {
			t.Fatal(err)
		}
	}
	body = string(s.get(browser, "/cases/"+id+"/verify").Body)
	if !strings.Contains(body, ">发现问题<") || !strings.Contains(body, "第 2 条记录的内容与其哈希不符") || strings.Contains(body, ">完整<") {
		t.Errorf("tampered chain page does not say 发现问题 naming record 2:\n%s", mainOf([]byte(body)))
	}
	// The whole chain rewritten consistently, head included: only the log still knows.
	var recs []evidence.Record
	rows, _ := conn.Query(context.Background(), `SELECT id, case_id, seq, stage, kind, note, data, occurred_at, author_id, author_name, created_at
		FROM records WHERE case_id = $1 ORDER BY seq`, id)
	for rows.Next() {
		var r evidence.Record
		var data string
		if err := rows.Scan(&r.ID, &r.CaseID, &r.Seq, &r.Stage, &r.Kind, &r.Note, &data, &r.OccurredAt, &r.AuthorID, &r.AuthorName, &r.CreatedAt); err != nil {
			t.Fatal(err)
		}
		r.Data, r.Canon = []byte(data), evidence.CanonV2
		if n := len(recs); n > 0 {
			r.PrevHash, r.PrevSM3 = recs[n-1].Hash, recs[n-1].SM3
		}
		r.Hash, r.SM3, _ = r.Digests()
		recs = append(recs, r)
	}
	rows.Close()
	ctx := context.Background()
	_, _ = conn.Exec(ctx, `ALTER TABLE records DISABLE TRIGGER records_append_only`)
	for _, r := range recs {
		if _, err := conn.Exec(ctx, `UPDATE records SET hash = $2, sm3 = $3, prev_hash = $4, prev_sm3 = $5 WHERE id = $1`, r.ID, r.Hash, r.SM3, r.PrevHash, r.PrevSM3); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = conn.Exec(ctx, `ALTER TABLE records ENABLE TRIGGER records_append_only`)
	last := recs[len(recs)-1]
	if _, err := conn.Exec(ctx, `UPDATE cases SET head_hash = $2, head_sm3 = $3 WHERE id = $1`, id, last.Hash, last.SM3); err != nil {
		t.Fatal(err)
	}
	// Consistent in itself: the chain check alone finds nothing; the log finds records 2 and 3.
	v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON()
	problems, _ := v["problems"].([]any)
	for _, p := range problems {
		if p.(map[string]any)["code"] != "log_mismatch" {
			t.Fatalf("the rewrite was not consistent: %v", v)
		}
	}
	if v["ok"] != false || len(problems) != 2 {
		t.Errorf("verify after a consistent rewrite of records 2 and 3: %v", v)
	}
	body = string(s.get(browser, "/cases/"+id+"/verify").Body)
	if !strings.Contains(body, ">发现问题<") || !strings.Contains(body, "第 2 条记录的哈希") || !strings.Contains(body, "与公开日志记载的") || strings.Contains(body, ">完整<") {
		t.Errorf("a chain rewritten with its head does not show as 发现问题 by the log:\n%s", mainOf([]byte(body)))
	}
	var out bytes.Buffer
	if err := app.Run(ctx, []string{"verify", "--case", id}, testenv.Getenv(s.env), &out); err == nil ||
		!strings.Contains(out.String(), "记录在入日志后被改写") || !strings.Contains(out.String(), "1 个案件有问题") {
		t.Errorf("zhifa verify on the rewritten chain: %v\n%s", err, out.String())
	}
	// Truncated: the last record removed and the head set back to the one before.
	other := s.newCase(f)
	s.call("POST", "/api/v1/cases/"+other+"/records", f.tok, map[string]any{"kind": "text", "note": "将被删除的笔录"})
	s.get(browser, "/cases/"+other+"/verify") // the heads enter the log
	var n int
	var prev, prevSM3 string
	_ = conn.QueryRow(ctx, `SELECT max(seq) FROM records WHERE case_id = $1`, other).Scan(&n)
	_ = conn.QueryRow(ctx, `SELECT hash, sm3 FROM records WHERE case_id = $1 AND seq = $2`, other, n-1).Scan(&prev, &prevSM3)
	for _, q := range []string{`ALTER TABLE records DISABLE TRIGGER records_append_only`,
		`DELETE FROM records WHERE case_id = $1 AND seq = $2`, `ALTER TABLE records ENABLE TRIGGER records_append_only`} {
		args := []any{}
		if strings.Contains(q, "$1") {
			args = append(args, other, n)
		}
		if _, err := conn.Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `UPDATE cases SET head_seq = $2, head_hash = $3, head_sm3 = $4 WHERE id = $1`, other, n-1, prev, prevSM3); err != nil {
		t.Fatal(err)
	}
	body = string(s.get(browser, "/cases/"+other+"/verify").Body)
	if !strings.Contains(body, ">发现问题<") || !strings.Contains(body, fmt.Sprintf("公开日志记载本案有第 %d 条记录", n)) {
		t.Errorf("a truncated chain does not show as 发现问题:\n%s", mainOf([]byte(body)))
	}
	if outsider := s.get(s.browser(), "/cases/"+id+"/verify"); outsider.Status != 303 {
		t.Errorf("the page without login = %d, want the login redirect", outsider.Status)
	}
}

// The filing form takes several parties, each with address and phone; asking for another
// row, or being refused, gives back everything typed.
func TestFilingFormTakesSeveralParties(t *testing.T) {
	s := start(t)
	f := fixture(s)
	b, csrf := webLogin(t, s, "officer1")
	form := url.Values{"_csrf": {csrf}, "kind": {"penalty"}, "cause": {"多当事人测试案由"}, "legal_basis": {"《食品安全法》第三十四条"},
		"occurred_at": {"2026-11-20T10:00"}, "handler_ids": {f.o1, f.o2},
		"party_type": {"person", "org"}, "party_name": {"王小明", "青山县惠民食品有限公司"},
		"party_id_number": {"11010519491231002X", "91350100M000100Y43"}, "party_address": {"青山县城关镇红旗路8号", "青山县工业园1号"},
		"party_phone": {"13912345678", ""}}
	// Another row: nothing filed, everything kept, one more empty row.
	form.Set("action", "add_party")
	more := s.form(b, "/cases/new", form)
	body := string(more.Body)
	if more.Status != 200 || strings.Count(body, `data-testid="party"`) != 3 || !strings.Contains(body, `value="青山县工业园1号"`) ||
		!strings.Contains(body, `value="多当事人测试案由"`) {
		t.Errorf("another party row = %d with %d rows, typed values kept: %v", more.Status, strings.Count(body, `data-testid="party"`),
			strings.Contains(body, `value="青山县工业园1号"`))
	}
	// A refusal names the row and keeps every row and the handlers.
	form.Del("action")
	form["party_id_number"] = []string{"11010519491231002X", "91350100M000100Y4X", ""}
	form["party_type"], form["party_name"] = append(form["party_type"], "person"), append(form["party_name"], "")
	form["party_address"], form["party_phone"] = append(form["party_address"], ""), append(form["party_phone"], "")
	refused := s.form(b, "/cases/new", form)
	body = string(refused.Body)
	if refused.Status != 422 || !strings.Contains(body, `id="party_id_number_1" name="party_id_number" value="91350100M000100Y4X" autocapitalize="characters" aria-invalid="true"`) ||
		!strings.Contains(body, `value="王小明"`) || !strings.Contains(body, `name="handler_ids" value="`+f.o2+`"`) ||
		strings.Index(body, `data-testid="form-error"`) > strings.Index(body, `<form method="post" action="/cases/new"`) {
		t.Errorf("refused filing = %d: want 422 with the error above the form, row 2's code marked and everything kept", refused.Status)
	}
	form["party_id_number"] = []string{"11010519491231002X", "91350100M000100Y43", ""}
	filed := s.form(b, "/cases/new", form)
	if filed.Status != 303 {
		t.Fatalf("filing = %d %s", filed.Status, truncated(filed.Body))
	}
	id := strings.TrimPrefix(filed.Header.Get("Location"), "/cases/")
	ps, _ := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["parties"].([]any)
	if len(ps) != 2 || ps[0].(map[string]any)["address"] != "青山县城关镇红旗路8号" || ps[1].(map[string]any)["type"] != "org" {
		t.Errorf("parties filed = %v, want the person with an address and the organisation", ps)
	}
}

// The case page opens with what comes next: the statement period after notice with its
// date and days left, the decision deadline, and once decided the decision itself and the
// service deadline. A refused move shows why at the top of the move form, with the fine
// and the decision text as typed.
func TestCasePageSaysWhatComesNext(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	b, csrf := webLogin(t, s, "officer1")
	page := string(s.get(b, "/cases/"+id).Body)
	if !strings.Contains(page, `data-testid="next-steps"`) || !strings.Contains(page, `data-testid="step-decide"`) || !strings.Contains(page, "还剩") {
		t.Errorf("a filed case's page lacks its 下一步 block with the decision deadline")
	}
	s.move(f.tok, id, map[string]any{"to": "investigating"})
	s.move(f.tok, id, map[string]any{"to": "notified"})
	by := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["clocks"].(map[string]any)["hearing_request_by"].(string)
	page = string(s.get(b, "/cases/"+id).Body)
	if step := firstMatch(page, `data-testid="step-statement">[^<]*`); !strings.Contains(step, by) || !strings.Contains(page, "个工作日") {
		t.Errorf("the statement period step = %q, want its date %s and the working days left", step, by)
	}
	// Deciding inside the statement period is refused; what was typed stays, at the top.
	r := s.form(b, "/cases/"+id+"/move", url.Values{"_csrf": {csrf}, "to": {"decided"}, "outcome": {"penalty"},
		"fine_yuan": {"1500.50"}, "decision_text": {"罚款一千五百元五角"}})
	body := string(r.Body)
	form := body[strings.Index(body, `id="move-form"`):]
	if r.Status != 409 || !strings.HasPrefix(form[strings.Index(form, ">")+1:], "\n    <div class=\"error\"") || !strings.Contains(form, "陈述、申辩") ||
		!strings.Contains(form, `value="1500.50"`) || !strings.Contains(form, "罚款一千五百元五角</textarea>") || !strings.Contains(form, "autofocus") {
		t.Errorf("refused move = %d: want 409 with the reason at the top of the move form and the fine and text kept", r.Status)
	}
	if strings.Index(body, `id="move-form"`) > strings.Index(body, `data-testid="timeline"`) {
		t.Error("the move form comes after the whole record, far down the page")
	}
	if r := s.move(f.tok, id, map[string]any{"to": "decided", "statement_waived": true,
		"decision": map[string]any{"outcome": "penalty", "fine_amount": 150050, "text": "罚款一千五百元五角"}}); r.Status != 200 {
		t.Fatalf("decide = %d %s", r.Status, r.Body)
	}
	page = string(s.get(b, "/cases/"+id).Body)
	decision := firstMatch(page, `data-testid="decision">(?s:.*?)</div>`)
	if !strings.Contains(decision, "罚款 1500.50 元") || !strings.Contains(decision, "罚款一千五百元五角") || !strings.Contains(page, `data-testid="step-serve"`) {
		t.Errorf("after the decision the page shows %q and a service step: %v", decision, strings.Contains(page, `data-testid="step-serve"`))
	}
}

// Errors people read name things by their Chinese titles, never by the API's English
// keys: a partial review checklist names the items missing, an unknown value its choices.
func TestErrorsNameThingsInChinese(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.notifiedCase(f)
	rid := s.call("POST", "/api/v1/cases/"+id+"/reviews", f.tok, map[string]any{"decision": fine(50000)}).JSON()["id"].(string)
	rev := s.login("reviewer2")
	partial := map[string]any{"outcome": "approved", "opinion": "同意", "checklist": map[string]any{"subject": map[string]any{"ok": true}}}
	english := regexp.MustCompile(`[A-Za-z]{3,}`)
	for what, r := range map[string]response{
		"partial checklist": s.call("POST", "/api/v1/reviews/"+rid+"/decision", rev, partial),
		"unknown outcome":   s.call("POST", "/api/v1/reviews/"+rid+"/decision", rev, map[string]any{"outcome": "maybe"}),
		"unknown party type": s.call("POST", "/api/v1/cases", f.tok, func() map[string]any {
			in := f.input()
			in["parties"] = []map[string]any{{"type": "robot", "name": "甲"}}
			return in
		}()),
		"unknown decision outcome": s.move(f.tok, s.notifiedCase(f), map[string]any{"to": "decided", "statement_waived": true,
			"decision": map[string]any{"outcome": "fine"}}),
	} {
		if r.Status != 422 || english.MatchString(r.ErrorMessage()) || !hasHan(r.ErrorMessage()) {
			t.Errorf("%s = %d %q: want 422 in Chinese only", what, r.Status, r.ErrorMessage())
		}
	}
}

// A scoring form sent as it opened is not a score: the evaluator confirms the items.
func TestUntouchedScoringFormIsRefused(t *testing.T) {
	s := start(t)
	cp := openCampaign(t, s)
	f := cp.file(t, cp.mine[0])
	tok := cp.tokenOf(s, f)
	var username string
	for _, u := range []string{"supervisor1", "reviewer2"} {
		if s.login(u) == tok || userID(s, s.login(u)) == userID(s, tok) {
			username = u
		}
	}
	b, csrf := webLogin(t, s, username)
	path := "/evaluations/" + cp.id + "/files/" + f["case_id"].(string)
	// The form exactly as it opened: the pre-checks' suggestions in place.
	asOpened := url.Values{"_csrf": {csrf}}
	page := s.get(b, path).Body
	for _, m := range regexp.MustCompile(`name="((?:points|note)_[A-Z0-9]+)"[^>]*value="([^"]*)"`).FindAllSubmatch(page, -1) {
		asOpened.Set(string(m[1]), html.UnescapeString(string(m[2])))
	}
	for _, m := range regexp.MustCompile(`name="(veto_[A-Z0-9]+)" value="1" checked`).FindAllSubmatch(page, -1) {
		asOpened.Set(string(m[1]), "1")
	}
	if len(asOpened) < 10 {
		t.Fatalf("the scoring form shows %d fields", len(asOpened))
	}
	r := s.form(b, path, asOpened)
	if r.Status != 422 || !strings.Contains(string(r.Body), "已逐项核查") {
		t.Errorf("untouched scoring form = %d, want 422 asking to confirm each item", r.Status)
	}
	if sc := s.call("GET", "/api/v1/evaluations/"+cp.id+"/files/"+f["case_id"].(string), tok, nil).JSON()["score"]; sc != nil {
		t.Errorf("a score was saved: %v", sc)
	}
	asOpened.Set("reviewed", "1")
	if r := s.form(b, path, asOpened); r.Status != 303 {
		t.Errorf("confirmed scoring form = %d, want 303", r.Status)
	}
}

// Home pages are to-do lists: an officer's deadlines within three working days, each a
// link to its case; a reviewer's queue; a supervisor's overdue cases and disclosures and
// the agencies furthest behind, each a link to the list behind it.
func TestHomePagesAreToDoLists(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	s.move(f.tok, id, map[string]any{"to": "investigating"})
	s.move(f.tok, id, map[string]any{"to": "notified"}) // 5 working days to state a case: not yet within 3
	soon := s.notifiedCase(f)
	// A statement period two working days from its end: move the notice back in the record.
	if _, err := dbConn(t, s).Exec(context.Background(), `UPDATE cases SET notified_at = notified_at - interval '4 days' WHERE id = $1`, soon); err != nil {
		t.Fatal(err)
	}
	b, _ := webLogin(t, s, "officer1")
	home := string(s.get(b, "/").Body)
	agenda := firstMatch(home, `data-testid="agenda">(?s:.*?)</ul>`)
	if !strings.Contains(agenda, `href="/cases/`+soon+`"`) || !strings.Contains(agenda, "陈述、申辩") {
		t.Errorf("the officer's to-do list lacks the statement period ending soon:\n%s", agenda)
	}
	if strings.Contains(home, "执法证已过期</span>") {
		t.Error("the officer's home still shows the agency's counts")
	}
	rb, _ := webLogin(t, s, "reviewer2")
	if q := firstMatch(string(s.get(rb, "/").Body), `data-testid="queue">(?s:.*?)</ul>`); !strings.Contains(q, `href="/reviews/`) {
		t.Errorf("the reviewer's home lists no queue: %q", q)
	}
	sb, _ := webLogin(t, s, "supervisor1")
	shome := string(s.get(sb, "/").Body)
	for _, want := range []string{`data-testid="home-overdue-cases"`, `href="/cases/overdue"`, `href="/disclosures?state=overdue"`} {
		if !strings.Contains(shome, want) {
			t.Errorf("the supervisor's home lacks %s", want)
		}
	}
	if behind := firstMatch(shome, `data-testid="home-behind">(?s:.*?)</ul>`); behind != "" && !strings.Contains(behind, "agency_id=") {
		t.Errorf("the agencies behind do not link to their overdue items: %s", behind)
	}
	if agencies := string(s.get(sb, "/agencies").Body); !strings.Contains(agencies, `data-testid="region-stats"`) {
		t.Error("the counts and staffing figures are not on the agencies page")
	}
}

// Supervisors' figures drill down: each count of the disclosure timeliness table opens
// the items it counts, for that agency.
func TestDisclosureStatsDrillDown(t *testing.T) {
	s := start(t)
	sb, _ := webLogin(t, s, "supervisor1")
	page := string(s.get(sb, "/disclosures/stats").Body)
	links := regexp.MustCompile(`href="(/disclosures\?state=(on_time|late|overdue|withdrawn)&amp;agency_id=[0-9a-f-]{36})">([^<]*<span[^>]*>)?(\d+)`).FindAllStringSubmatch(page, -1)
	if len(links) < 4 {
		t.Fatalf("the timeliness table has %d drill-down links", len(links))
	}
	checked := 0
	for _, l := range links {
		n, _ := strconv.Atoi(l[4])
		if n == 0 || checked >= 6 {
			continue
		}
		checked++
		api := strings.Replace(html.UnescapeString(l[1]), "/disclosures?", "/api/v1/disclosures?", 1)
		if got := total(s.call("GET", api, s.login("supervisor1"), nil)); got != n {
			t.Errorf("%s counts %d, its rows are %d", l[1], n, got)
		}
	}
	if checked == 0 {
		t.Fatal("no non-zero figure to follow in the demo")
	}
}
