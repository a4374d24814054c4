package app_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zhifa/app"
)

// A supervisor opens a campaign in the browser, is given every file, scores them on a
// tablet-sized screen (a suggestion from the pre-checks prefilled, a deduction over the
// item's maximum refused with the form kept), closes the campaign and reads the summary.
func TestBrowserCampaignFromSampleToSummary(t *testing.T) {
	axe := loadAxe(t)
	s := start(t)
	f := fixture(s)
	// The period is the days the server decided the two files on.
	from, to := decisionPeriod(t, s, f.tok, s.decidedCase(f), s.decidedCase(f))
	sup := s.login("supervisor1")
	me := userID(s, sup)
	ctx := browserContext(t)
	// read runs one read action and fails the test on its error, so that no check passes
	// on a value that was never read.
	read := func(what string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("reading %s: %v (got %v)", what, err, v)
		}
	}
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(s.URL+"/login?next=/evaluations"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "supervisor1"),
		chromedp.SendKeys(chromedp.CSS(`#password`), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=evaluation-list]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=new-evaluation]`)),
		chromedp.WaitVisible(chromedp.CSS(`#open-evaluation`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/evaluations/new")
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#name`), "浏览器案卷评查"),
		chromedp.SetValue(chromedp.CSS(`#period_from`), from),
		chromedp.SetValue(chromedp.CSS(`#period_to`), to),
		// Agencies and evaluators are pick-lists that search the server as one types.
		chromedp.SendKeys(chromedp.CSS(`#agency_q`), "青山县市场监督管理局"),
		chromedp.Click(chromedp.CSS(`.pick-option[data-id="`+f.agency+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=agencies] li[data-id="`+f.agency+`"]`)),
		chromedp.SendKeys(chromedp.CSS(`#evaluator_q`), s.call("GET", "/api/v1/me", sup, nil).JSON()["name"].(string)),
		chromedp.Click(chromedp.CSS(`.pick-option[data-id="`+me+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=evaluators] li[data-id="`+me+`"]`)),
		chromedp.SetValue(chromedp.CSS(`#witness`), "体彩 26135 期 03 11 19 25 31"),
		chromedp.Click(chromedp.CSS(`#open-evaluation`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=file-table]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	files, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid=file-table] tbody a')].map(a => a.getAttribute('href'))`))
	read("the file table", files, err)
	if len(files) < 2 {
		t.Fatalf("the campaign sampled %d files, want the 2 decided today at least", len(files))
	}
	checkAxe(t, ctx, axe, "/evaluations/{id}")
	// Anyone can re-run the sample from the public page.
	verify, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`[data-testid=verify-link]`), "href"))
	read("the verify link", verify, err)
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+verify.Value), chromedp.WaitVisible(chromedp.CSS(`[data-testid=verdict]`))); err != nil {
		t.Fatal(err)
	}
	verdict, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=verdict] .verdict`)))
	read("the verdict", verdict, err)
	listed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=public-sample] tbody tr').length`))
	read("the public sample", listed, err)
	if verdict != "一致" || listed != len(files) {
		t.Errorf("public verification says %q and lists %d files of %d", verdict, listed, len(files))
	}
	checkAxe(t, ctx, axe, "/public/evaluations/{id}")
	// Scoring on a tablet.
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(1024, 768),
		chromedp.Navigate(s.URL+files[0]),
		chromedp.WaitVisible(chromedp.CSS(`#submit-score`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	suggested, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#points_C9`)))
	read("C9's points", suggested, err)
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	read("the page width", width, err)
	if suggested != "4" || width <= 0 || width > 1024 {
		t.Errorf("scoring page: C9 prefilled %q from the failed service check, page %d px wide", suggested, width)
	}
	checkAxe(t, ctx, axe, "/evaluations/{id}/files/{case_id}")
	// The form as it opened cannot be saved: the browser asks to confirm the items first.
	valid, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('form.score-form').checkValidity()`))
	read("the untouched form's validity", valid, err)
	if valid {
		t.Error("an untouched scoring form is valid: the pre-checks' suggestions would be saved as the score")
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#points_C2`), "20"),
		chromedp.SetValue(chromedp.CSS(`#note_C2`), "证据不足"),
		chromedp.Click(chromedp.CSS(`#reviewed`)),
		chromedp.Click(chromedp.CSS(`#submit-score`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=form-error]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=form-error]`)))
	read("the form error", msg, err)
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#note_C2`)))
	read("C2's note", kept, err)
	if !strings.Contains(msg, "最多扣 12 分") || kept != "证据不足" {
		t.Errorf("over the maximum: error %q, note kept %q", msg, kept)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#points_C2`), "2"),
		chromedp.Click(chromedp.CSS(`#reviewed`)),
		chromedp.Click(chromedp.CSS(`#submit-score`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=file-rating]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	rating, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=file-rating]`)))
	read("the rating", rating, err)
	if rating != "94 分 · 优秀" { // 100 − 4 (C9, prefilled) − 2 (C2)
		t.Errorf("first file rated %q, want 94 分 · 优秀", rating)
	}
	// The rest: a veto makes one 不合格, the others take the suggestions as they are.
	for i, href := range files[1:] {
		actions := []chromedp.Action[chromedp.Void]{chromedp.Navigate(s.URL + href), chromedp.WaitVisible(chromedp.CSS(`#submit-score`))}
		if i == 0 {
			actions = append(actions, chromedp.Click(chromedp.CSS(`input[name=veto_V8]`)),
				chromedp.SetValue(chromedp.CSS(`#note_V8`), "询问笔录仅一名执法人员签名"))
		}
		actions = append(actions, chromedp.Click(chromedp.CSS(`#reviewed`)), chromedp.Click(chromedp.CSS(`#submit-score`)),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid=file-rating]`)))
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(s.URL+strings.Split(files[0], "/files/")[0]),
		chromedp.WaitVisible(chromedp.CSS(`#close-evaluation`)),
		chromedp.Click(chromedp.CSS(`#close-evaluation`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=summary-lead]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	lead, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=summary-lead]`)))
	read("the summary", lead, err)
	fails, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=ratings] tbody tr:nth-child(3) td:nth-child(2)`)))
	read("the 不合格 count", fails, err)
	bars, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg rect').length`))
	read("the chart", bars, err)
	if !strings.Contains(lead, "已评查 "+strconv.Itoa(len(files))+" 份") || fails != "1" || bars != 3 {
		t.Errorf("summary: %q, %q 不合格, %d bars", lead, fails, bars)
	}
	if l := items(s.call("GET", "/api/v1/evaluations?page_size=5", sup, nil)); len(l) == 0 || l[0]["state"] != "closed" {
		t.Errorf("newest campaign after closing = %v, want it closed", l)
	}
}

// The printable annual report renders in Chromium with its charts; every number is a
// link to the rows it counts, and the screenshot is kept for a person to read.
func TestBrowserAnnualReportPrints(t *testing.T) {
	axe := loadAxe(t)
	s := start(t)
	year := strconv.Itoa(dataYear(t, s))
	ctx := browserContext(t)
	read := func(what string, v any, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("reading %s: %v (got %v)", what, err, v)
		}
	}
	// The supervisor's screen; the report opens on this year, styled by its stylesheet
	// (the CSP would block inline styles).
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(s.URL+"/login?next=/reports/annual"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "supervisor1"),
		chromedp.SendKeys(chromedp.CSS(`#password`), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=section-inspection]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	opened, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=report-title]`)))
	read("the title", opened, err)
	styled, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('table')).borderCollapse + ' ' + getComputedStyle(document.body).maxWidth`))
	read("the styles", styled, err)
	if this := strconv.Itoa(time.Now().In(cstZone).Year()); opened != this+" 年度行政执法工作统计" || styled != "collapse 960px" {
		t.Errorf("the report opens on %q (want %s), styles %q", opened, this, styled)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/reports/annual?year="+year), chromedp.WaitVisible(chromedp.CSS(`[data-testid=section-inspection]`))); err != nil {
		t.Fatal(err)
	}
	title, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=report-title]`)))
	read("the title", title, err)
	lead, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=section-inspection]`)))
	read("the inspection section", lead, err)
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('svg rect').length`))
	read("the charts", charts, err)
	links, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('a[data-figure]').length`))
	read("the figure links", links, err)
	if title != year+" 年度行政执法工作统计" || !strings.Contains(lead, "开展双随机抽查") || charts < 10 || links < 60 {
		t.Errorf("report: title %q, %q, %d bars, %d linked figures", title, lead, charts, links)
	}
	checkAxe(t, ctx, axe, "/reports/annual")
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil || len(shot) < 50_000 {
		t.Fatalf("screenshot: %v (%d bytes)", err, len(shot))
	}
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "annual-report.png"), shot, 0o644); err != nil {
			t.Errorf("keeping the screenshot: %v", err)
		}
	}
	// A figure's link lists what it counts.
	want, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`a[data-figure=draws]`)))
	read("the draws figure", want, err)
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[data-figure=draws]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=rows-total]`)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=rows-total]`)))
	read("the rows total", got, err)
	if got != want || want == "0" {
		t.Errorf("draws: the report says %q, its rows page %q", want, got)
	}
	checkAxe(t, ctx, axe, "/reports/annual/rows")
}
