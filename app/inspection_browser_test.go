package app_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zhifa/app"
)

// A supervisor creates a task in the browser, sees its frozen pool and commitment, runs
// the draw as a ceremony with a witness number, prints the assignment list and follows
// the public verification, which re-runs the draw and agrees.
func TestBrowserSupervisorRunsDrawCeremony(t *testing.T) {
	axe := loadAxe(t)
	s := start(t)
	sup := s.login("supervisor1")
	market, urban := agencyID(s, sup, "青山县市场监督管理局"), agencyID(s, sup, "青山县城市管理局")
	var matter string
	for _, m := range items(s.call("GET", "/api/v1/inspection/matters?q="+url.QueryEscape("食品经营者监督检查"), sup, nil)) {
		matter = m["id"].(string)
	}
	if matter == "" {
		t.Fatal("demo matter 食品经营者监督检查 missing")
	}
	ctx := browserContext(t)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(s.URL+"/login?next=/inspection"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "supervisor1"),
		chromedp.SendKeys(chromedp.CSS(`#password`), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-list]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=new-task]`)),
		chromedp.WaitVisible(chromedp.CSS(`#create-task`)),
		// First a quota below the region's 3% floor: refused, nothing frozen, form kept.
		chromedp.SendKeys(chromedp.CSS(`#name`), "浏览器联合抽查"),
		// Matters and agencies are pick-lists that search the server as one types.
		chromedp.SendKeys(chromedp.CSS(`#matter_q`), "食品经营者监督检查"),
		chromedp.Click(chromedp.CSS(`.pick-option[data-id="`+matter+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=matters] li[data-id="`+matter+`"]`)),
		chromedp.SendKeys(chromedp.CSS(`#agency_q`), "青山县市场监督管理局"),
		chromedp.Click(chromedp.CSS(`.pick-option[data-id="`+market+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=agencies] li[data-id="`+market+`"]`)),
		chromedp.SendKeys(chromedp.CSS(`#agency_q`), "青山县城市管理局"),
		chromedp.Click(chromedp.CSS(`.pick-option[data-id="`+urban+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=agencies] li[data-id="`+urban+`"]`)),
		chromedp.SendKeys(chromedp.CSS(`#industry`), "餐饮服务"),
		chromedp.SetValue(chromedp.CSS(`#quota_A`), "1"),
		chromedp.SetValue(chromedp.CSS(`#quota_B`), "1"),
		chromedp.SetValue(chromedp.CSS(`#quota_C`), "1"),
		chromedp.SetValue(chromedp.CSS(`#quota_D`), "1"),
		chromedp.Click(chromedp.CSS(`#create-task`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=form-error]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=form-error]`)))
	kept, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#name`)))
	if !strings.Contains(msg, "比例") || kept != "浏览器联合抽查" {
		t.Errorf("below-floor task: error %q, name kept %q", msg, kept)
	}
	if n := len(items(s.call("GET", "/api/v1/inspection/tasks?state=frozen", sup, nil))); n != 1 {
		t.Errorf("a refused task froze something: %d frozen tasks, want the demo's 1", n)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#quota_A`), "10"),
		chromedp.SetValue(chromedp.CSS(`#quota_B`), "5"),
		chromedp.SetValue(chromedp.CSS(`#quota_C`), "3"),
		chromedp.SetValue(chromedp.CSS(`#quota_D`), "3"),
		chromedp.Click(chromedp.CSS(`#create-task`)),
		chromedp.WaitVisible(chromedp.CSS(`#run-draw`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	commitment, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=commitment]`)))
	poolHash, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=pool-hash]`)))
	if len(commitment) != 64 || len(poolHash) != 64 {
		t.Fatalf("frozen task shows commitment %q and pool hash %q", commitment, poolHash)
	}
	checkAxe(t, ctx, axe, "/inspection/tasks/{id} (frozen)")
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#witness`), "福彩3D 2026320期 4 9 1"),
		chromedp.Click(chromedp.CSS(`#run-draw`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=assignments]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	state, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=task-state]`)))
	count, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=selected-count]`)))
	resultHash, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=result-hash]`)))
	rows, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=assignments] tbody tr').length`))
	if state != "已抽取" || count == "" || count == "0" || rows == 0 || len(resultHash) != 64 {
		t.Fatalf("after the draw: state %q, %q selected, %d rows, result hash %q", state, count, rows, resultHash)
	}
	checkAxe(t, ctx, axe, "/inspection/tasks/{id} (drawn)")
	// The printable list opens in its own tab; here it is opened in place.
	href, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`[data-testid=print]`), "href"))
	verify, _ := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`[data-testid=verify-link]`), "href"))
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+href.Value), chromedp.WaitVisible(chromedp.CSS(`table`))); err != nil {
		t.Fatal(err)
	}
	printed, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('tbody tr').length`))
	if printed < rows {
		t.Errorf("print page lists %d targets, the task page %d", printed, rows)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+verify.Value), chromedp.WaitVisible(chromedp.CSS(`[data-testid=verdict]`))); err != nil {
		t.Fatal(err)
	}
	verdict, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=verdict] .verdict`)))
	if verdict != "一致" {
		t.Errorf("public verification says %q", verdict)
	}
	checkAxe(t, ctx, axe, "/public/draws/{id}/verify")
	// What the pages showed is what the public API publishes.
	var taskID string
	for _, tk := range items(s.call("GET", "/api/v1/inspection/tasks?state=drawn", sup, nil)) {
		if tk["name"] == "浏览器联合抽查" {
			taskID = tk["id"].(string)
		}
	}
	pub := s.public("/public/api/draws/" + taskID).JSON()
	d, _ := pub["draw"].(map[string]any)
	if d == nil || d["result_hash"] != resultHash || d["witness"] != "福彩3D 2026320期 4 9 1" || d["seed_commitment"] != commitment {
		t.Errorf("public draw = %v", pub)
	}
}

// An officer on a phone opens a drawn check, starts its record, enters a problem found
// and opens a case from it.
func TestBrowserOfficerEntersCheckResultOnPhone(t *testing.T) {
	s := start(t)
	tok := s.login("officer1")
	checks := items(s.call("GET", "/api/v1/inspection/checks?mine=true&state=assigned", tok, nil))
	if len(checks) == 0 {
		t.Fatal("officer1 has no demo checks")
	}
	id := checks[0]["id"].(string)
	ctx := browserContext(t)
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/inspection/checks"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=check-list]`)),
		chromedp.Click(chromedp.CSS(`a[href="/inspection/checks/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#start-record`)),
		chromedp.Click(chromedp.CSS(`#start-record`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=timeline]`)),
		chromedp.Navigate(s.URL+"/inspection/checks/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#submit-result`)),
		// A problem without findings is refused with the field named.
		chromedp.Click(chromedp.CSS(`input[name=result][value=corrected]`)),
		chromedp.Click(chromedp.CSS(`#submit-result`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=form-error]`)),
		chromedp.SendKeys(chromedp.CSS(`#findings`), "冷藏柜温度记录缺失，已责令当场改正。"),
		chromedp.Click(chromedp.CSS(`#submit-result`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=result]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	result := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=result]`))))
	width := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	if result != "发现问题已责令改正" || width > 390 {
		t.Errorf("result shown %q, page %d px wide", result, width)
	}
	// 立案处理 shows the draft case first; nothing is filed until it is confirmed.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#followup`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=followup-draft]`))); err != nil {
		t.Fatal(err)
	}
	draft := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=followup-draft]`))))
	if ck := s.call("GET", "/api/v1/inspection/checks/"+id, tok, nil).JSON(); ck["followup_case_id"] != nil || !strings.Contains(draft, "当事人") {
		t.Fatalf("before confirming: check %v, draft %q", ck["followup_case_id"], draft)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#confirm-followup`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=case-check]`))); err != nil {
		t.Fatal(err)
	}
	ck := s.call("GET", "/api/v1/inspection/checks/"+id, tok, nil).JSON()
	if ck["state"] != "done" || ck["result"] != "corrected" || ck["case_id"] == nil || ck["followup_case_id"] == nil {
		t.Errorf("check after the phone = %v", ck)
	}
	ds := items(s.call("GET", "/api/v1/disclosures?case_id="+ck["case_id"].(string), s.login("admin"), nil))
	if len(ds) != 1 || ds[0]["kind"] != "inspection_result" || ds[0]["check_id"] != id {
		t.Errorf("disclosure items of the check's record = %v, want its one result", ds)
	}
}
