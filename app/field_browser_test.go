package app_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// An officer's day on a phone: file a case with two parties, picking the second handler
// by typing part of a name (the pick-list searches the server and shows a chip); read the
// 下一步 block; attach a photo with its record in one step and have a wrong file refused
// with nothing written; be refused a decision and see why at the top with the typed text
// kept; decide, serve against a photographed 送达回证, record the execution and close.
func TestBrowserOfficerDay(t *testing.T) {
	s := start(t)
	f := fixture(s)
	other := s.call("GET", "/api/v1/officers/"+f.o2, f.tok, nil).JSON()["name"].(string)
	ctx := browserContext(t)
	axe := loadAxe(t)
	when := time.Now().Add(-time.Hour).In(cstZone).Format("2006-01-02T15:04")
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/cases/new"),
		chromedp.WaitVisible(chromedp.CSS(`#cause`)),
		chromedp.SendKeys(chromedp.CSS(`#cause`), "销售过期食品（两名当事人）"),
		chromedp.SendKeys(chromedp.CSS(`#legal_basis`), "《中华人民共和国食品安全法》第三十四条"),
		chromedp.SetValue(chromedp.CSS(`#occurred_at`), when),
		chromedp.SetValue(chromedp.CSS(`#party_type_0`), "person"),
		chromedp.SendKeys(chromedp.CSS(`#party_name_0`), "王小明"),
		chromedp.SendKeys(chromedp.CSS(`#party_id_number_0`), "11010519491231002X"),
		chromedp.SendKeys(chromedp.CSS(`#party_address_0`), "青山县城关镇红旗路8号"),
		chromedp.Click(chromedp.CSS(`#add-party`)),
		chromedp.WaitVisible(chromedp.CSS(`#party_name_1`)),
		chromedp.SetValue(chromedp.CSS(`#party_type_1`), "org"),
		chromedp.SendKeys(chromedp.CSS(`#party_name_1`), "青山县惠民食品有限公司"),
		chromedp.SendKeys(chromedp.CSS(`#party_id_number_1`), "91350100M000100Y43"),
		chromedp.SendKeys(chromedp.CSS(`#handler_q`), other),
		chromedp.WaitVisible(chromedp.CSS(`.pick-option`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	// The first row survived the round trip for the second.
	if v := must(chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#party_address_0`)))); v != "青山县城关镇红旗路8号" {
		t.Errorf("first party's address after adding a row = %q", v)
	}
	checkAxe(t, ctx, axe, "/cases/new")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.pick-option`)),
		chromedp.WaitVisible(chromedp.CSS(`ul.chips li:nth-child(2)`)),
	); err != nil {
		t.Fatal(err)
	}
	chips := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=handlers]`))))
	width := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	if !strings.Contains(chips, other) || width > 390 {
		t.Errorf("handler chips %q (want %s); page %d px wide", chips, other, width)
	}
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil { // 100: PNG
			_ = os.WriteFile(dir+"/case-new-officer.png", shot, 0o644)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#file-case`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=case-number]`)),
	); err != nil {
		t.Fatal(err)
	}
	page := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`))))
	if !strings.Contains(page, "王小明") || !strings.Contains(page, "青山县惠民食品有限公司") || !strings.Contains(page, other) {
		t.Errorf("the filed case page lacks a party or the picked handler:\n%.400s", page)
	}
	id := must(chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname.split('/')[2]`)))
	records := func() int { return len(s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["records"].([]any)) }
	state := func() string {
		return strings.TrimSpace(must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=case-state]`)))))
	}
	move := func(to string, fill ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		steps := append([]chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS(`#to`), to)}, fill...)
		if err := chromedp.Do(ctx, append(steps, submitAndLoad(`#move-submit`)...)...); err != nil {
			t.Fatalf("move to %s: %v", to, err)
		}
	}
	move("investigating")
	if next := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=next-steps]`)))); !strings.Contains(next, "作出决定期限") {
		t.Errorf("下一步 block: %q", next)
	}
	// A photo and its record in one step; then a "photo" that is not one, refused whole.
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/现场.jpg", jpegBytes(4000), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/伪造.jpg", []byte("这不是一张照片"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/送达回证.jpg", jpegBytes(5000), 0o644); err != nil {
		t.Fatal(err)
	}
	addPhoto := func(note, file string) {
		t.Helper()
		if err := chromedp.Do(ctx, append([]chromedp.Action[chromedp.Void]{
			chromedp.SetValue(chromedp.CSS(`#kind`), "photo"),
			chromedp.SendKeys(chromedp.CSS(`#note`), note),
			chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{dir + "/" + file}),
		}, submitAndLoad(`#record-submit`)...)...); err != nil {
			t.Fatalf("photo record %s: %v", file, err)
		}
	}
	addPhoto("现场检查：货架上的过期食品", "现场.jpg")
	before := records()
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#kind`), "photo"),
		chromedp.SendKeys(chromedp.CSS(`#note`), "伪造的照片"),
		chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{dir + "/伪造.jpg"}),
		chromedp.Click(chromedp.CSS(`#record-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=record-error]`)),
	); err != nil {
		t.Fatal(err)
	}
	if msg := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=record-error]`)))); !strings.Contains(msg, "伪造.jpg") || records() != before {
		t.Errorf("a wrong file: %q, records %d → %d", msg, before, records())
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/cases/"+id), chromedp.WaitVisible(chromedp.CSS(`#move-form`))); err != nil {
		t.Fatal(err)
	}
	s.documentsFor(f.tok, id, "notified", "penalty") // the 事先告知书, signed and frozen
	move("notified")
	// Within the statement period and not waived: refused, at the top, the draft kept.
	typed := "责令改正，并处罚款二百元"
	move("decided", chromedp.SetValue(chromedp.CSS(`#fine_yuan`), "200"), chromedp.SetValue(chromedp.CSS(`#decision_text`), typed))
	refusal := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=move-error]`))))
	kept := must(chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#decision_text`))))
	top := must(chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid=move-error]').getBoundingClientRect().top < document.querySelector('#to').getBoundingClientRect().top`)))
	if !strings.Contains(refusal, "陈述") || kept != typed || !top || state() != "已告知" {
		t.Errorf("refused decision: %q at the top %v, text kept %q, state %s", refusal, top, kept, state())
	}
	// A record saved from the refused page lands on the case, says so once, and does not
	// send the refused move again.
	if err := chromedp.Do(ctx, append([]chromedp.Action[chromedp.Void]{
		chromedp.SetValue(chromedp.CSS(`#kind`), "text"),
		chromedp.SendKeys(chromedp.CSS(`#note`), "当事人当场表示放弃陈述、申辩"),
	}, submitAndLoad(`#record-submit`)...)...); err != nil {
		t.Fatal(err)
	}
	path := must(chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)))
	saved := must(chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('[data-testid=record-saved]') || {}).textContent || ''`)))
	again := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=move-error]').length`)))
	if path != "/cases/"+id || !strings.Contains(saved, "已保存") || again != 0 || state() != "已告知" {
		t.Errorf("after saving a record on the refused page: at %s, message %q, %d move errors, state %s", path, saved, again, state())
	}
	s.documentsFor(f.tok, id, "decided", "penalty")
	move("decided", chromedp.Click(chromedp.CSS(`#decision-fields summary`)),
		chromedp.SetValue(chromedp.CSS(`#fine_yuan`), "200"), chromedp.SetValue(chromedp.CSS(`#decision_text`), typed),
		chromedp.Click(chromedp.CSS(`input[name=statement_waived]`)))
	if got := state(); got != "已决定" {
		why, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('[data-testid=move-error]') || {}).textContent || ''`))
		t.Fatalf("after deciding the case is %s: %s", got, why)
	}
	addPhoto("送达回证：王小明签收", "送达回证.jpg")
	proof := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#delivery_proof option:nth-child(2)').value`)))
	now := time.Now().In(cstZone)
	s.documentsFor(f.tok, id, "served", "") // the 送达回证 the party signed, frozen
	move("served", chromedp.SetValue(chromedp.CSS(`#delivery_method`), "direct"),
		chromedp.SetValue(chromedp.CSS(`#delivery_at`), now.Format("2006-01-02T15:04")),
		chromedp.SetValue(chromedp.CSS(`#delivery_proof`), proof))
	move("executed", chromedp.SetValue(chromedp.CSS(`#executed_on`), now.Format("2006-01-02")),
		chromedp.SendKeys(chromedp.CSS(`#execution`), "当事人已缴纳罚款 200 元"))
	move("closed", chromedp.SendKeys(chromedp.CSS(`#summary`), "当事人已履行处罚决定，予以结案"))
	timeline := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=timeline]`))))
	if got := state(); got != "已结案" || !strings.Contains(timeline, "直接送达") || !strings.Contains(timeline, "已缴纳罚款 200 元") ||
		!strings.Contains(timeline, "予以结案") || !strings.Contains(timeline, "入链为第") {
		t.Errorf("closed case is %s, timeline:\n%.800s", got, timeline)
	}
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(dir+"/case-closed-officer.png", shot, 0o644)
		}
	}
}

// submitAndLoad clicks a form's button and waits for the page the form leads to.
func submitAndLoad(button string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Evaluate[chromedp.Void](`document.body.dataset.left = '1'`),
		chromedp.Click(chromedp.CSS(button)),
		chromedp.WaitVisible(chromedp.CSS(`body:not([data-left]) main`)),
	}
}

// A reviewer at a 1024×768 screen decides from one page: the draft decision, the case's
// clocks and its record with photos beside the checklist; 全部合格 marks every item,
// each still recorded.
func TestBrowserReviewerDecidesFromOnePage(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.notifiedCase(f)
	if r := s.upload(f.tok, s.addRecord(f.tok, id, "photo"), "现场.jpg", jpegBytes(3000)); r.Status != 201 {
		t.Fatalf("photo = %d", r.Status)
	}
	rid := s.call("POST", "/api/v1/cases/"+id+"/reviews", f.tok, map[string]any{"decision": fine(20000)}).JSON()["id"].(string)
	ctx := browserContext(t)
	axe := loadAxe(t)
	err := chromedp.Do(ctx, append(phoneLogin(s, "reviewer1", "/reviews/"+rid),
		chromedp.EmulateViewport(1024, 768),
		chromedp.WaitVisible(chromedp.CSS(`#review-form`)),
		chromedp.WaitVisible(chromedp.CSS(`#all-ok`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	evidence := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=review-evidence]`))))
	clocks := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=review-clocks]`))))
	images := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=review-evidence] img').length`)))
	side := must(chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#review-form').getBoundingClientRect().left > document.querySelector('[data-testid=review-evidence]').getBoundingClientRect().right - 1`)))
	if !strings.Contains(evidence, "现场.jpg") || images != 1 || !strings.Contains(clocks, "作出决定期限") || !side {
		t.Errorf("review page: evidence %q (%d photos), clocks %q, checklist beside the evidence: %v", evidence, images, clocks, side)
	}
	checkAxe(t, ctx, axe, "/reviews/{id}")
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
			_ = os.WriteFile(dir+"/review-reviewer.png", shot, 0o644)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#all-ok`)),
		chromedp.SendKeys(chromedp.CSS(`#opinion`), "事实清楚，证据确凿，同意"),
		chromedp.Click(chromedp.CSS(`#review-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=checklist]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	rv := s.call("GET", "/api/v1/reviews/"+rid, f.tok, nil).JSON()
	items, _ := rv["checklist"].(map[string]any)
	if rv["state"] != "approved" || len(items) != 10 {
		t.Errorf("after 全部合格: state %v with %d items recorded, want approved with all 10", rv["state"], len(items))
	}
}

// An officer on a phone serves a decision by hand: the form asks how, when and to whom,
// offers the photographed 送达回证 as proof, and the case then says how it was served.
func TestBrowserOfficerServesDecisionOnPhone(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.notifiedCase(f)
	s.walkCase(f.tok, id, decideMove(fine(200)))
	proof := s.addRecord(f.tok, id, "document")
	s.documentsFor(f.tok, id, "served", "")
	ctx := browserContext(t)
	axe := loadAxe(t)
	when := time.Now().In(cstZone).Format("2006-01-02T15:04")
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/cases/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#move-form`)),
		chromedp.SetValue(chromedp.CSS(`#to`), "served"),
		chromedp.SetValue(chromedp.CSS(`#delivery_method`), "direct"),
		chromedp.SetValue(chromedp.CSS(`#delivery_at`), when),
		chromedp.SetValue(chromedp.CSS(`#delivery_proof`), proof),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/cases/{id} (service)")
	width := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	decisionForm := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#fine_yuan, #hearing_at').length`)))
	if width > 390 || decisionForm != 0 {
		t.Errorf("service form: page %d px wide; %d decision or hearing fields shown on a decided case", width, decisionForm)
	}
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(dir+"/case-serve-officer.png", shot, 0o644)
		}
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#move-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=page-flash]`)),
	); err != nil {
		t.Fatal(err)
	}
	page := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`))))
	if !strings.Contains(page, "已送达") || !strings.Contains(page, "直接送达") || !strings.Contains(page, "执行决定") {
		t.Errorf("after service the case page says:\n%.600s", page)
	}
	c := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()
	served, _ := time.Parse(time.RFC3339, c["served_at"].(string))
	if c["state"] != "served" || time.Since(served) > 2*time.Minute || time.Since(served) < 0 {
		t.Errorf("case after service: %v, served %v", c["state"], c["served_at"])
	}
}
