package app_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// shot saves a screenshot of the page when ZHIFA_SCREENSHOTS names a folder.
func shot(ctx context.Context, name string) {
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		if b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(dir+"/"+name+".png", b, 0o644)
		}
	}
}

// The whole story in the browser, each person at the size they hold: a citizen
// files a complaint on a phone and gets a tracking code; supervisor1 opens a matter from it
// on a desktop, asks for materials; the agency's head answers at 1024×768; supervisor1
// issues a 通知书; the head answers it late; supervisor1 accepts and concludes; the
// citizen's page shows the outcome; and the annual report's supervision figures move by
// exactly what happened.
func TestBrowserSupervisionMatter(t *testing.T) {
	s := start(t, easyWork)
	f := fixture(s)
	sup := s.login("supervisor1")
	var year int
	s.query(t, `SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')::int`, &year)
	report := func() map[string]float64 {
		return flatten(t, s.call("GET", fmt.Sprintf("/api/v1/reports/annual?year=%d", year), sup, nil))
	}
	before := report()
	axe := loadAxe(t)

	// The citizen, on a phone.
	citizen := browserContext(t)
	content := "12月1日上午，执法人员在我店检查时要求购买其指定的灭火器，否则罚款。"
	err := chromedp.Do(citizen,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+"/public/complaints/new"),
		chromedp.WaitVisible(chromedp.CSS(`#complaint-form`)),
		chromedp.SendKeys(chromedp.CSS(`#agency_q`), "市场监督"),
		chromedp.WaitVisible(chromedp.CSS(`.pick-option[data-id="`+f.agency+`"]`)),
		chromedp.Click(chromedp.CSS(`.pick-option[data-id="`+f.agency+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=agency] li[data-id="`+f.agency+`"]`)),
		chromedp.SendKeys(chromedp.CSS(`#content`), content),
		chromedp.Click(chromedp.CSS(`#anonymous`)),
		chromedp.Click(chromedp.CSS(`#complaint-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=tracking-code]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	code := must(chromedp.Run(citizen, chromedp.Text(chromedp.CSS(`[data-testid=tracking-code]`))))
	var clueID string
	s.query(t, `SELECT id::text FROM supervision_clues WHERE content = '`+content+`'`, &clueID)

	// supervisor1 opens a matter from it with supervisor2, at a desktop.
	desk := browserContext(t)
	err = chromedp.Do(desk, append(phoneLogin(s, "supervisor1", "/supervision/clues/"+clueID),
		chromedp.EmulateViewport(1440, 900),
		chromedp.WaitVisible(chromedp.CSS(`#open-form`)),
		chromedp.Click(chromedp.CSS(`#open-form input[name=supervisor_ids][value="`+s.userID("supervisor2")+`"]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, desk, axe, "/supervision/clues/{id}")
	if err := chromedp.Do(desk, submitAndLoad(`#open-submit`)...); err != nil {
		t.Fatal(err)
	}
	flash := must(chromedp.Run(desk, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`))))
	matterURL := must(chromedp.Run(desk, chromedp.Evaluate[string](`location.pathname`)))
	if !strings.Contains(flash, "已立项") || !strings.HasPrefix(matterURL, "/supervision/matters/") {
		t.Fatalf("after opening: %q at %s", flash, matterURL)
	}
	checkAxe(t, desk, axe, "/supervision/matters/{id}")
	err = chromedp.Do(desk, append([]chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.CSS(`#request-content`), "请提供 12 月 1 日检查的执法记录仪视频和检查记录。"),
	}, submitAndLoad(`#request-submit`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	if flash := must(chromedp.Run(desk, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`)))); !strings.Contains(flash, "调取材料") {
		t.Errorf("after the request: %q", flash)
	}

	// The agency's head answers at 1024×768, from the inbox (the demo's year is in it too).
	var reqID string
	s.query(t, `SELECT id::text FROM supervision_requests WHERE content LIKE '请提供 12 月 1 日检查%'`, &reqID)
	head := browserContext(t)
	err = chromedp.Do(head, append(phoneLogin(s, "head1", "/"),
		chromedp.EmulateViewport(1024, 768),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=home-supervision]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=home-supervision] a`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=inbox-requests] a[href="/supervision/requests/`+reqID+`"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=inbox-requests] a[href="/supervision/requests/`+reqID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#answer-form`)),
		chromedp.SendKeys(chromedp.CSS(`#answer-text`), "已提供执法记录仪视频 2 段、检查记录 1 份。"),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, head, axe, "/supervision/requests/{id}")
	if err := chromedp.Do(head, submitAndLoad(`#answer-submit`)...); err != nil {
		t.Fatal(err)
	}
	if st := must(chromedp.Run(head, chromedp.Text(chromedp.CSS(`[data-testid=request-state]`)))); st != "已答复" {
		t.Errorf("request after the answer: %q", st)
	}

	// supervisor1 issues a 通知书 and lands on it.
	err = chromedp.Do(desk, append([]chromedp.Action[chromedp.Void]{
		chromedp.Navigate(s.URL + matterURL),
		chromedp.WaitVisible(chromedp.CSS(`#document-form`)),
		chromedp.SendKeys(chromedp.CSS(`#facts`), "该局执法人员在 12 月 1 日的检查中要求商户购买指定灭火器。"),
		chromedp.SendKeys(chromedp.CSS(`#basis`), "《行政执法监督条例》的有关规定"),
		chromedp.SendKeys(chromedp.CSS(`#requirements`), "立即纠正指定购买行为，并对相关执法人员进行批评教育。"),
	}, submitAndLoad(`#document-submit`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	number := must(chromedp.Run(desk, chromedp.Text(chromedp.CSS(`[data-testid=document-number]`))))
	docURL := must(chromedp.Run(desk, chromedp.Evaluate[string](`location.pathname`)))
	if !strings.Contains(number, "监通〔") {
		t.Fatalf("document number %q", number)
	}
	checkAxe(t, desk, axe, "/supervision/documents/{id}")
	shot(desk, "supervision-document-1440")

	// Time passes: the answer is due yesterday. The head's home page shows it overdue.
	s.exec(t, `UPDATE supervision_documents SET due_date = current_date - 1 WHERE number = '`+number+`'`)
	err = chromedp.Do(head,
		chromedp.Navigate(s.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=home-supervision]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if home := must(chromedp.Run(head, chromedp.Text(chromedp.CSS(`[data-testid=home-supervision]`)))); !strings.Contains(home, "已逾期") {
		t.Errorf("head's home does not escalate the overdue notice: %q", home)
	}
	err = chromedp.Do(head, append([]chromedp.Action[chromedp.Void]{
		chromedp.Navigate(s.URL + docURL),
		chromedp.WaitVisible(chromedp.CSS(`#answer-form`)),
		chromedp.SendKeys(chromedp.CSS(`#answer-text`), "已纠正，已对相关执法人员批评教育，并退还商户购买款。"),
	}, submitAndLoad(`#answer-submit`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	shot(head, "supervision-document-answered-1024")
	if answers := must(chromedp.Run(head, chromedp.Text(chromedp.CSS(`[data-testid=document-answers]`)))); !strings.Contains(answers, "逾期答复") {
		t.Errorf("the late answer is not marked late: %q", answers)
	}

	// supervisor1 accepts, then concludes the matter.
	conclusion := "经查，该局执法人员存在指定购买行为，已责令纠正并退还款项。"
	err = chromedp.Do(desk, append([]chromedp.Action[chromedp.Void]{
		chromedp.Navigate(s.URL + docURL),
		chromedp.WaitVisible(chromedp.CSS(`#accept-form`)),
	}, submitAndLoad(`#accept-submit`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	if st := must(chromedp.Run(desk, chromedp.Text(chromedp.CSS(`[data-testid=document-state]`)))); st != "已验收" {
		t.Errorf("document after acceptance: %q", st)
	}
	err = chromedp.Do(desk, append([]chromedp.Action[chromedp.Void]{
		chromedp.Navigate(s.URL + matterURL),
		chromedp.WaitVisible(chromedp.CSS(`#conclude-form`)),
		chromedp.SendKeys(chromedp.CSS(`#conclusion`), conclusion),
	}, submitAndLoad(`#conclude-submit`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	if st := must(chromedp.Run(desk, chromedp.Text(chromedp.CSS(`[data-testid=matter-state]`)))); !strings.Contains(st, "已办结") {
		t.Errorf("matter after concluding: %q", st)
	}
	shot(desk, "supervision-matter-1440")
	width := must(chromedp.Run(desk, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	if width > 1440 {
		t.Errorf("the matter page is %d px wide", width)
	}
	if rows := must(chromedp.Run(desk, chromedp.Evaluate[int](`new Set([...document.querySelectorAll('nav.main a')].map(a => a.offsetTop)).size`))); rows != 1 {
		t.Errorf("the supervisor's navigation takes %d rows at 1440", rows)
	}

	// The other supervision pages pass the accessibility check at their users' sizes.
	for _, p := range []string{"/supervision/matters", "/supervision/matters/new", "/supervision/alerts"} {
		if err := chromedp.Do(desk, chromedp.Navigate(s.URL+p), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
			t.Fatal(err)
		}
		checkAxe(t, desk, axe, p)
		shot(desk, strings.ReplaceAll(strings.Trim(p, "/"), "/", "-")+"-1440")
	}
	if err := chromedp.Do(head, chromedp.Navigate(s.URL+"/supervision/inbox"), chromedp.WaitVisible(chromedp.CSS(`main h1`))); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, head, axe, "/supervision/inbox")
	shot(head, "supervision-inbox-1024")

	// The citizen's page shows the outcome.
	err = chromedp.Do(citizen,
		chromedp.Navigate(s.URL+"/public/complaints/track?code="+code),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=complaint-status]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	status := must(chromedp.Run(citizen, chromedp.Text(chromedp.CSS(`[data-testid=complaint-status]`))))
	if !strings.Contains(status, conclusion) || strings.Contains(status, "周建华") {
		t.Errorf("the citizen's page says:\n%s", status)
	}
	if badge := must(chromedp.Run(citizen, chromedp.Text(chromedp.CSS(`[data-testid=complaint-state]`)))); badge != "已办结" {
		t.Errorf("the complaint's state on the citizen's page after the conclusion: %q", badge)
	}
	shot(citizen, "complaint-outcome-390")

	// The report moved by exactly this.
	after := report()
	want := map[string]float64{"clues": 1, "clues_by_source.public": 1, "clues_by_outcome.opened": 1, "supervision_matters": 1,
		"supervision_matters_by_kind.daily": 1, "supervision_matters_concluded": 1, "supervision_documents": 1,
		"supervision_documents_by_kind.notice": 1, "supervision_answers_on_time": 0, "supervision_answers_late": 1, "supervision_corrections": 1}
	for k, w := range want {
		if got := after[k] - before[k]; got != w {
			t.Errorf("%s moved by %v, want %v", k, got, w)
		}
	}
}

// A special campaign's sample in the browser, at a supervisor's desktop: a size that is
// not a number is refused at the top of the sample form with what was typed kept and
// nothing drawn; a size of 2 draws 2 files of each agency, says so where the form lands,
// lists them with their evaluators, and opens a sampled file through the matter.
func TestBrowserMatterSample(t *testing.T) {
	s := start(t)
	sup := s.login("supervisor1")
	var agencies []string
	s.query(t, `SELECT array_agg(id::text) FROM (SELECT id FROM agencies WHERE kind <> 'justice' AND EXISTS (SELECT 1 FROM cases c
		WHERE c.agency_id = agencies.id AND c.kind = 'penalty' AND c.decided_at > now() - interval '1 year') ORDER BY name LIMIT 2) a`, &agencies)
	r := s.call("POST", "/api/v1/supervision/matters", sup, map[string]any{"kind": "special", "title": "涉企行政处罚专项监督",
		"plan": "抽查办结的行政处罚案卷。", "agency_ids": agencies, "supervisor_ids": []string{s.userID("supervisor2")}})
	if r.Status != 201 {
		t.Fatalf("special matter = %d %s", r.Status, r.Body)
	}
	mid := r.JSON()["id"].(string)
	axe := loadAxe(t)
	desk := browserContext(t)
	err := chromedp.Do(desk, append(phoneLogin(s, "supervisor1", "/supervision/matters/"+mid),
		chromedp.EmulateViewport(1440, 900),
		chromedp.WaitVisible(chromedp.CSS(`#sample-form`)),
		chromedp.SetValue(chromedp.CSS(`#sample-size`), "两份"),
		chromedp.SendKeys(chromedp.CSS(`#sample-witness`), "2026156"),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, desk, axe, "/supervision/matters/{id} (special)")
	if err := chromedp.Do(desk, submitAndLoad(`#sample-submit`)...); err != nil {
		t.Fatal(err)
	}
	msg := must(chromedp.Run(desk, chromedp.Text(chromedp.CSS(`#sample-form [data-testid=form-error]`))))
	witness := must(chromedp.Run(desk, chromedp.Value(chromedp.CSS(`#sample-witness`))))
	if !strings.Contains(msg, "份数") || witness != "2026156" || s.count(t, `SELECT count(*) FROM supervision_matter_links WHERE kind = 'evaluation' AND matter_id = '`+mid+`'`) != 0 {
		t.Errorf("a size in words: error %q, witness kept %q", msg, witness)
	}
	err = chromedp.Do(desk, append([]chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS(`#sample-size`), "2")}, submitAndLoad(`#sample-submit`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	flash := must(chromedp.Run(desk, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`))))
	files := must(chromedp.Run(desk, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=matter-sample] li').length`)))
	if !strings.Contains(flash, "抽取 4 份") || files != 4 {
		t.Errorf("after the draw: %q, %d files listed", flash, files)
	}
	shot(desk, "matter-sample-1440")
	if err := chromedp.Do(desk, submitAndLoad(`[data-testid=matter-sample] li a[href*="/cases/"]`)...); err != nil {
		t.Fatal(err)
	}
	if path := must(chromedp.Run(desk, chromedp.Evaluate[string](`location.pathname`))); !strings.HasPrefix(path, "/cases/") {
		t.Errorf("the sampled file opened at %s", path)
	}
	// The home page tells of alerts new since supervisor1 last looked; the alerts page
	// says how many of each rule are new, and opening it makes them seen.
	err = chromedp.Do(desk, chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=home-alert]`)))
	if err != nil {
		t.Fatal(err)
	}
	if home := must(chromedp.Run(desk, chromedp.Text(chromedp.CSS(`[data-testid=home-alert]`)))); !strings.Contains(home, "新增") {
		t.Errorf("the home page's first alert line: %q", home)
	}
	shot(desk, "supervisor-home-1440")
	err = chromedp.Do(desk, chromedp.Navigate(s.URL+"/supervision/alerts"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=alert-counts]`)))
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, desk, axe, "/supervision/alerts")
	shot(desk, "supervision-alerts-1440")
	err = chromedp.Do(desk, chromedp.Navigate(s.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=home-actions], main`)))
	if err != nil {
		t.Fatal(err)
	}
	if n := must(chromedp.Run(desk, chromedp.Evaluate[int](`[...document.querySelectorAll('[data-testid=home-alert]')].filter(e => e.textContent.includes('新增')).length`))); n != 0 {
		t.Errorf("%d alert lines still say 新增 after the alerts page was opened", n)
	}
}
