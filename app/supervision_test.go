package app_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zhifa/app"
)

// complaint sends a public complaint as the portal's page does: a fresh challenge, solved,
// then a multipart form with the fields and files.
func (s *server) complaint(fields map[string]string, files map[string][]byte) response {
	s.t.Helper()
	ch := s.public("/public/api/complaints/challenge").JSON()
	challenge := ch["challenge"].(string)
	nonce := app.SolveChallenge(challenge, int(ch["difficulty"].(float64)))
	return s.complaintWith(challenge, nonce, fields, files)
}

func (s *server) complaintWith(challenge, nonce string, fields map[string]string, files map[string][]byte) response {
	s.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	_ = w.WriteField("challenge", challenge)
	_ = w.WriteField("nonce", nonce)
	for name, b := range files {
		fw, _ := w.CreateFormFile("files", name)
		_, _ = fw.Write(b)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", s.URL+"/public/api/complaints", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	return s.do(req)
}

func easyWork(env map[string]string) { env["ZHIFA_COMPLAINT_WORK"] = "10" }

func (s *server) count(t *testing.T, q string) int {
	t.Helper()
	var n int
	s.query(t, q, &n)
	return n
}

// A citizen's complaint becomes a numbered clue with a deadline; the complainant follows
// it by tracking code; a refused complaint writes nothing; a supervisor closes it with a
// reply the complainant reads, and the internal reason stays internal.
func TestComplaintBecomesClue(t *testing.T) {
	s := start(t, easyWork)
	f := fixture(s)
	sup, officer := s.login("supervisor1"), s.login("officer1")
	if d := s.public("/public/api/complaints/challenge").JSON()["difficulty"]; d != 10.0 {
		t.Errorf("difficulty = %v", d)
	}
	fields := map[string]string{"agency_id": f.agency, "content": "执法人员在检查时要求商户购买指定的灭火器，否则罚款。", "concerning": "某中队",
		"occurred_on": "2026-11-20", "complainant": "王某", "contact": "13800000000"}
	// Refused: no content; a file that is not a photo, recording or PDF; no solved challenge.
	before := s.count(t, `SELECT count(*) FROM supervision_clues`)
	noContent := map[string]string{"agency_id": f.agency, "anonymous": "true"}
	if r := s.complaint(noContent, nil); r.Status != 422 || r.ErrorField() != "content" {
		t.Errorf("complaint without content = %d %s", r.Status, r.Body)
	}
	if r := s.complaint(fields, map[string][]byte{"说明.exe": []byte("MZ\x90\x00 not a picture")}); r.Status != 422 || r.ErrorField() != "files" ||
		!strings.Contains(r.ErrorMessage(), "说明.exe") || strings.Contains(r.ErrorMessage(), "invalid") || strings.Contains(r.ErrorMessage(), "(file)") {
		t.Errorf("complaint with an executable = %d %s", r.Status, r.Body)
	}
	if r := s.complaintWith("1.2.3", "0", fields, nil); r.Status != 422 || r.ErrorField() != "challenge" {
		t.Errorf("complaint with a forged challenge = %d %s", r.Status, r.Body)
	}
	// JSON works too, with the challenge in the body.
	ch0 := s.public("/public/api/complaints/challenge").JSON()["challenge"].(string)
	js := s.call("POST", "/public/api/complaints", "", map[string]any{"agency_id": f.agency, "content": "JSON 投诉", "anonymous": true,
		"challenge": ch0, "nonce": app.SolveChallenge(ch0, 10)})
	if js.Status != 201 || js.JSON()["tracking_code"] == nil {
		t.Errorf("JSON complaint = %d %s", js.Status, js.Body)
	}
	before++
	if after := s.count(t, `SELECT count(*) FROM supervision_clues`); after != before || s.count(t, `SELECT count(*) FROM supervision_clue_files`) != 0 {
		t.Fatalf("refused complaints left %d clues", after-before)
	}
	// Filed, with a photo.
	ch := s.public("/public/api/complaints/challenge").JSON()["challenge"].(string)
	nonce := app.SolveChallenge(ch, 10)
	r := s.complaintWith(ch, nonce, fields, map[string][]byte{"现场.jpg": jpegBytes(4000)})
	if r.Status != 201 {
		t.Fatalf("complaint = %d %s", r.Status, r.Body)
	}
	code, number := r.JSON()["tracking_code"].(string), r.JSON()["number"].(string)
	if !regexp.MustCompile(`^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$`).MatchString(code) || !strings.Contains(number, "监线〔2026〕") {
		t.Errorf("tracking code %q, number %q", code, number)
	}
	if again := s.complaintWith(ch, nonce, fields, nil); again.Status != 422 || !strings.Contains(again.ErrorMessage(), "已经用过") {
		t.Errorf("a challenge used twice = %d %s", again.Status, again.Body)
	}
	track := s.public("/public/api/complaints/" + url.PathEscape(code)).JSON()
	if track["number"] != number || track["state"] != "registered" || len(track["files"].([]any)) != 1 || strings.Contains(fmt.Sprint(track), "13800000000") {
		t.Errorf("tracking = %v", track)
	}
	if spaced := s.public("/public/api/complaints/" + url.PathEscape(strings.ToLower(strings.ReplaceAll(code, "-", " ")))); spaced.JSON()["number"] != number {
		t.Errorf("the code typed in lower case with spaces = %d", spaced.Status)
	}
	if r := s.public("/public/api/complaints/AAAA-BBBB-CCCC"); r.Status != 404 {
		t.Errorf("an unknown code = %d", r.Status)
	}
	// The supervisor's list and clue; officers see none of it.
	l := s.call("GET", "/api/v1/supervision/clues?source=public&state=registered", sup, nil)
	var id string
	for _, c := range items(l) {
		if c["number"] == number {
			id = c["id"].(string)
		}
	}
	if id == "" {
		t.Fatalf("the complaint is not among the supervisor's clues: %s", l.Body)
	}
	if r := s.call("GET", "/api/v1/supervision/clues", officer, nil); r.Status != 403 {
		t.Errorf("an officer listed clues: %d", r.Status)
	}
	if r := s.call("GET", "/api/v1/supervision/clues/"+id, officer, nil); r.Status != 404 {
		t.Errorf("an officer opened a clue: %d", r.Status)
	}
	cl := s.call("GET", "/api/v1/supervision/clues/"+id, sup, nil).JSON()
	if cl["complainant"] != "王某" || len(cl["files"].([]any)) != 1 || cl["decide_by"] == "" {
		t.Fatalf("clue = %v", cl)
	}
	fileID := cl["files"].([]any)[0].(map[string]any)["id"].(string)
	if got := s.call("GET", "/api/v1/supervision/clues/"+id+"/files/"+fileID, sup, nil); got.Status != 200 || !bytes.Equal(got.Body, jpegBytes(4000)) ||
		got.Header.Get("Content-Type") != "image/jpeg" {
		t.Errorf("the attachment as the supervisor downloads it = %d %s", got.Status, got.Header.Get("Content-Type"))
	}
	if got := s.call("GET", "/api/v1/supervision/clues/"+id+"/files/"+fileID, officer, nil); got.Status != 404 {
		t.Errorf("an officer downloaded a complaint's attachment: %d", got.Status)
	}
	// Closing a complaint needs a reply for the complainant.
	if r := s.call("POST", "/api/v1/supervision/clues/"+id+"/close", sup, map[string]any{"reason": "经核查，所涉为消防部门依法推荐"}); r.Status != 422 || r.ErrorField() != "public_reply" {
		t.Errorf("close without a reply = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/clues/"+id+"/close", sup, map[string]any{"reason": "内部核查记录：已调取执法记录仪",
		"public_reply": "经调阅执法记录，未发现强制购买行为，不予立项。"}); r.Status != 200 {
		t.Fatalf("close = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/clues/"+id+"/transfer", sup, map[string]any{"to": "县应急管理局", "reason": "x", "public_reply": "y"}); r.Status != 409 {
		t.Errorf("deciding a closed clue again = %d", r.Status)
	}
	track = s.public("/public/api/complaints/" + url.PathEscape(code)).JSON()
	events := fmt.Sprint(track["events"])
	if track["state"] != "closed" || track["reply"] != "经调阅执法记录，未发现强制购买行为，不予立项。" || strings.Contains(events, "内部核查记录") || strings.Contains(events, "周建华") {
		t.Errorf("tracking after closing = %v", track)
	}
	// The tracking page says the same in words.
	page := string(s.get(s.browser(), "/public/complaints/track?code="+url.QueryEscape(strings.ToLower(code))).Body)
	if !strings.Contains(page, number) || !strings.Contains(page, "不予立项") || strings.Count(page, "未发现强制购买行为") != 1 {
		t.Errorf("tracking page does not show the outcome, and its reply once")
	}
}

// Each address files a few complaints an hour, whatever work it does.
func TestComplaintsAreThrottled(t *testing.T) {
	s := start(t, easyWork)
	f := fixture(s)
	fields := map[string]string{"agency_id": f.agency, "content": "反映执法问题", "anonymous": "true"}
	before := s.count(t, `SELECT count(*) FROM supervision_clues WHERE source = 'public'`)
	// A citizen's mistakes do not use up the allowance: two refused attempts first.
	for range 2 {
		if r := s.complaint(map[string]string{"agency_id": f.agency, "anonymous": "true"}, nil); r.Status != 422 {
			t.Fatalf("empty complaint = %d", r.Status)
		}
	}
	for i := 1; i <= 6; i++ {
		r := s.complaint(fields, nil)
		switch {
		case i <= 5 && r.Status != 201:
			t.Fatalf("complaint %d = %d %s", i, r.Status, r.Body)
		case i == 6 && (r.Status != 429 || r.Header.Get("Retry-After") == ""):
			t.Errorf("complaint 6 within the hour = %d %s", r.Status, r.Body)
		}
	}
	if n := s.count(t, `SELECT count(*) FROM supervision_clues WHERE source = 'public'`) - before; n != 5 {
		t.Errorf("%d complaints registered, want 5", n)
	}
}

// 12345 tickets import line by line: a bad line is refused alone with its number, a
// ticket already registered is not registered twice.
func TestHotlineImport(t *testing.T) {
	s := start(t)
	sup := s.login("supervisor1")
	csv := "ticket_no,agency,content,occurred_on,complainant,contact\n" +
		"GD20261101001,青山县市场监督管理局,反映市场监管执法人员检查时态度粗暴,2026-11-01,李某,13900000000\n" +
		",青山县市场监督管理局,没有工单号的一行,,,\n" +
		"GD20261101003,不存在的局,单位不在名录中,,,\n" +
		"GD20261101004,,未指明单位的线索,,,\n"
	r := s.send("POST", "/api/v1/supervision/clues/import", sup, "text/csv", strings.NewReader(csv))
	res := r.JSON()
	if r.Status != 201 || len(res["created"].([]any)) != 2 || len(res["errors"].([]any)) != 2 {
		t.Fatalf("import = %d %s", r.Status, r.Body)
	}
	errs := fmt.Sprint(res["errors"])
	if !strings.Contains(errs, "第 3 行") || !strings.Contains(errs, "工单编号") || !strings.Contains(errs, "第 4 行") {
		t.Errorf("line errors = %s", errs)
	}
	again := s.send("POST", "/api/v1/supervision/clues/import", sup, "application/json",
		strings.NewReader(`[{"ticket_no":"GD20261101001","content":"重复转办"}]`)).JSON()
	if len(again["created"].([]any)) != 0 || fmt.Sprint(again["duplicates"]) != "[GD20261101001]" {
		t.Errorf("re-import = %v", again)
	}
	if r := s.send("POST", "/api/v1/supervision/clues/import", s.login("officer1"), "text/csv", strings.NewReader(csv)); r.Status != 403 {
		t.Errorf("an officer imported tickets: %d", r.Status)
	}
	l := items(s.call("GET", "/api/v1/supervision/clues?source=hotline&q=GD20261101001", sup, nil))
	if len(l) != 1 || l[0]["ticket_no"] != "GD20261101001" || l[0]["agency_name"] != "青山县市场监督管理局" {
		t.Errorf("imported clue = %v", l)
	}
}

// A supervisor's own clue, merged into another from the clue's page: a refused decision
// keeps what was typed above the form; the done one says so once.
func TestClueDecisionsOnThePage(t *testing.T) {
	s := start(t, easyWork)
	f := fixture(s)
	sup := s.login("supervisor1")
	mk := func(content string) map[string]any {
		r := s.call("POST", "/api/v1/supervision/clues", sup, map[string]any{"agency_id": f.agency, "content": content})
		if r.Status != 201 {
			t.Fatalf("clue = %d %s", r.Status, r.Body)
		}
		return r.JSON()
	}
	a, b := mk("日常检查发现该局对同一违法行为罚款标准不一"), mk("同一问题的另一次发现")
	if a["source"] != "supervisor" || a["state"] != "registered" {
		t.Errorf("clue = %v", a)
	}
	browser, csrf := webLogin(t, s, "supervisor1")
	path := "/supervision/clues/" + b["id"].(string)
	page := string(s.get(browser, path).Body)
	if !strings.Contains(page, b["number"].(string)) || !strings.Contains(page, "处理线索") || !strings.Contains(page, `value="close" checked`) ||
		!strings.Contains(page, `id="decide-submit">确定</button>`) || !strings.Contains(page, "办理经过") {
		t.Fatalf("clue page does not show the clue and its form")
	}
	once := onceOf(t, page)
	r := s.form(browser, path+"/decide", url.Values{"_csrf": {csrf}, "_once": {once}, "action": {"merge"}, "into": {"不存在的编号"}, "reason": {"同一问题"}})
	body := string(r.Body)
	if r.Status != 422 || !strings.Contains(body, "没有编号为“不存在的编号”的线索") || !strings.Contains(body, ">同一问题</textarea>") {
		t.Errorf("refused merge = %d: want the error and the typed reason kept", r.Status)
	}
	// Not into a clue already closed.
	closed := mk("已经不予立项的线索")
	if r := s.call("POST", "/api/v1/supervision/clues/"+closed["id"].(string)+"/close", sup, map[string]any{"reason": "不属于监督范围"}); r.Status != 200 {
		t.Fatalf("close = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/clues/"+b["id"].(string)+"/merge", sup, map[string]any{"into": closed["number"], "reason": "同一问题"}); r.Status != 422 || r.ErrorField() != "into" {
		t.Errorf("merging into a closed clue = %d %s", r.Status, r.Body)
	}
	r = s.form(browser, path+"/decide", url.Values{"_csrf": {csrf}, "_once": {onceOf(t, body)}, "action": {"merge"}, "into": {a["number"].(string)}, "reason": {"同一问题"}})
	if r.Status != 303 {
		t.Fatalf("merge = %d %s", r.Status, r.Body)
	}
	page = string(s.get(browser, path).Body)
	if !strings.Contains(page, "已合并") || !strings.Contains(page, a["number"].(string)) || strings.Count(page, "已合并") < 1 {
		t.Errorf("merged clue page does not say where it went")
	}
	if got := s.call("GET", "/api/v1/supervision/clues/"+b["id"].(string), sup, nil).JSON(); got["merged_number"] != a["number"] {
		t.Errorf("merged clue = %v", got)
	}
	list := string(s.get(browser, "/supervision/clues?state=registered&page_size=100").Body)
	if !strings.Contains(list, a["number"].(string)) || strings.Contains(list, b["number"].(string)+"</b>") {
		t.Errorf("the registered list does not show exactly the undecided clue")
	}
	// A complaint merged into another is answered by it: its complainant sees that one's
	// outcome and reply.
	cmp := s.complaint(map[string]string{"agency_id": f.agency, "content": "同一问题的群众投诉", "anonymous": "true"}, nil)
	code := cmp.JSON()["tracking_code"].(string)
	var cid string
	for _, c := range items(s.call("GET", "/api/v1/supervision/clues?source=public&q="+url.QueryEscape("同一问题的群众投诉"), sup, nil)) {
		cid = c["id"].(string)
	}
	if r := s.call("POST", "/api/v1/supervision/clues/"+cid+"/merge", sup, map[string]any{"into": a["number"], "reason": "同一问题"}); r.Status != 200 {
		t.Fatalf("merge complaint = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/clues/"+a["id"].(string)+"/transfer", sup, map[string]any{"to": "县人民政府", "reason": "须由政府协调",
		"public_reply": "已报县人民政府协调处理。"}); r.Status != 200 {
		t.Fatalf("transfer = %d %s", r.Status, r.Body)
	}
	tr := s.public("/public/api/complaints/" + url.PathEscape(code)).JSON()
	if tr["merged_number"] != a["number"] || tr["state"] != "transferred" || tr["reply"] != "已报县人民政府协调处理。" {
		t.Errorf("the merged complaint's tracking = %v", tr)
	}
}

func onceOf(t *testing.T, page string) string {
	t.Helper()
	m := onceRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no one-time key on the form")
	}
	return m[1]
}

// A citizen on a phone files a complaint through the page: the browser solves the
// challenge, the tracking code shows once, and the tracking page finds the complaint.
// A refused complaint shows its error above the form with everything typed kept.
func TestBrowserCitizenComplains(t *testing.T) {
	s := start(t, easyWork)
	f := fixture(s)
	ctx := browserContext(t)
	axe := loadAxe(t)
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "说明.txt"), []byte("plain text is not evidence"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "现场.jpg"), jpegBytes(3000), 0o644)
	content := "11月20日上午，执法人员检查时要求购买指定灭火器。"
	before := s.count(t, `SELECT count(*) FROM supervision_clues WHERE source = 'public'`)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+"/public/complaints/new"),
		chromedp.WaitVisible(chromedp.CSS(`#complaint-form`)),
		chromedp.SendKeys(chromedp.CSS(`#agency_q`), "市场监督"),
		chromedp.WaitVisible(chromedp.CSS(`.pick-option[data-id="`+f.agency+`"]`)),
		chromedp.Click(chromedp.CSS(`.pick-option[data-id="`+f.agency+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=agency] li[data-id="`+f.agency+`"]`)),
		chromedp.SendKeys(chromedp.CSS(`#content`), content),
		chromedp.Click(chromedp.CSS(`#anonymous`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{filepath.Join(dir, "说明.txt")}),
		chromedp.Click(chromedp.CSS(`#complaint-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#complaint-error`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/public/complaints/new")
	msg := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#complaint-error`))))
	kept := must(chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('content').value`)))
	if !strings.Contains(msg, "说明.txt") || kept != content {
		t.Errorf("refused complaint: error %q, content kept %q", msg, kept)
	}
	err = chromedp.Do(ctx,
		chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{filepath.Join(dir, "现场.jpg")}),
		chromedp.Click(chromedp.CSS(`#complaint-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=tracking-code]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	code := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=tracking-code]`))))
	width := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	if len(code) != 14 || width > 390 {
		t.Errorf("tracking code %q; page %d px wide", code, width)
	}
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			_ = os.WriteFile(dir+"/complaint-done.png", shot, 0o644)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#done-track`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=complaint-status]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	status := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=complaint-status]`))))
	if !strings.Contains(status, "待处理") || !strings.Contains(status, content) || !strings.Contains(status, "现场.jpg") {
		t.Errorf("tracking page says:\n%s", status)
	}
	if n := s.count(t, `SELECT count(*) FROM supervision_clues WHERE source = 'public'`) - before; n != 1 {
		t.Errorf("%d complaints registered, want 1", n)
	}
}

// BenchmarkComplaintWork is what one public complaint costs a sender at the default
// difficulty: a solved challenge (b.N of them, each fresh), beside one SHA-256 as the
// baseline. A script on one core files at most 1/(ns/op) complaints a second before the
// per-address limit; the page's browser solve is measured by TestComplaintWorkInBrowser.
func BenchmarkComplaintWork(b *testing.B) {
	const difficulty = 16
	for i := range b.N {
		app.SolveChallenge(fmt.Sprintf("%d.bench.challenge", i), difficulty)
	}
}

// The demo county has clues of every source, decided and waiting, one overdue, and the
// printed tracking code finds its complaint.
func TestDemoClues(t *testing.T) {
	s := start(t)
	sup := s.login("supervisor1")
	all := items(s.call("GET", "/api/v1/supervision/clues?page_size=50", sup, nil))
	sources, states := map[string]int{}, map[string]int{}
	for _, c := range all {
		sources[c["source"].(string)]++
		states[c["state"].(string)]++
	}
	// About 40 clues from every source, in every state.
	for _, k := range []string{"public", "hotline", "evaluation", "alert", "supervisor"} {
		if sources[k] == 0 {
			t.Errorf("no demo clue from %s: %v", k, sources)
		}
	}
	for _, k := range []string{"registered", "opened", "merged", "closed", "transferred"} {
		if states[k] == 0 {
			t.Errorf("no demo clue %s: %v", k, states)
		}
	}
	if n := len(all); n < 35 || n > 50 {
		t.Errorf("%d demo clues", n)
	}
	if overdue := total(s.call("GET", "/api/v1/supervision/clues?overdue=true", sup, nil)); overdue < 1 {
		t.Error("no demo clue is past its deadline")
	}
	// The supervisor's home lists the waiting clues, the overdue ones apart, as links.
	browser, _ := webLogin(t, s, "supervisor1")
	home := string(s.get(browser, "/").Body)
	if !strings.Contains(home, fmt.Sprintf("待决定的监督线索 %d 条", states["registered"])) || !strings.Contains(home, `href="/supervision/clues?overdue=true"`) {
		t.Errorf("the supervisor's home does not list the waiting clues")
	}
	track := s.public("/public/api/complaints/" + app.DemoTrackingCode).JSON()
	if track["state"] != "registered" || !strings.Contains(track["content"].(string), "三轮车") {
		t.Errorf("the printed demo code finds %v", track)
	}
}

// The supervisor at 1440×900 works the clue list: the overdue first, a complaint
// transferred from its page with the reply for the complainant; the message shows once.
func TestBrowserSupervisorClues(t *testing.T) {
	s := start(t)
	ctx := browserContext(t)
	axe := loadAxe(t)
	err := chromedp.Do(ctx, append(phoneLogin(s, "supervisor1", "/supervision/clues?overdue=true"),
		chromedp.EmulateViewport(1440, 900),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=clues]`)))...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/supervision/clues")
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=clues] a.item`)),
		chromedp.WaitVisible(chromedp.CSS(`#decide-submit`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, axe, "/supervision/clues/{id}")
	number := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`))))
	err = chromedp.Do(ctx, append([]chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`input[name=action][value=transfer]`)),
		chromedp.SendKeys(chromedp.CSS(`#to`), "县财政局"),
		chromedp.SendKeys(chromedp.CSS(`#reason`), "属财政部门职责"),
		chromedp.SendKeys(chromedp.CSS(`#public_reply`), "已转县财政局处理。"),
	}, submitAndLoad(`#decide-submit`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	page := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main`))))
	width := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	if !strings.Contains(page, "已转办") || strings.Count(page, "已转办") < 2 || !strings.Contains(page, "县财政局") || width > 1440 {
		t.Errorf("after transfer (%d px wide) the page says:\n%.500s", width, page)
	}
	if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`h1`))); err != nil {
		t.Fatal(err)
	}
	again := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=page-flash]').length`)))
	if again != 0 {
		t.Errorf("the message of %s shows again after a reload", number)
	}
}

// A file an evaluation rated 不合格 becomes a clue about its agency with one click, once;
// a file that passed cannot.
func TestFailingFileBecomesClue(t *testing.T) {
	s := start(t)
	sup := s.login("supervisor1")
	var failing, passing []string // evaluation ID, case ID
	for _, e := range items(s.call("GET", "/api/v1/evaluations?page_size=50", sup, nil)) {
		eid := e["id"].(string)
		for _, f := range items(s.call("GET", "/api/v1/evaluations/"+eid+"/files?page_size=200", sup, nil)) {
			switch f["rating"] {
			case "fail":
				failing = []string{eid, f["case_id"].(string)}
			case "pass", "excellent":
				passing = []string{eid, f["case_id"].(string)}
			}
		}
	}
	if failing == nil || passing == nil {
		t.Fatalf("the demo has no failing (%v) or passing (%v) file", failing, passing)
	}
	if r := s.call("POST", "/api/v1/evaluations/"+passing[0]+"/files/"+passing[1]+"/clue", sup, nil); r.Status != 409 {
		t.Errorf("a passing file as a clue = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/evaluations/"+failing[0]+"/files/"+failing[1]+"/clue", s.login("reviewer1"), nil); r.Status != 403 {
		t.Errorf("a reviewer turned a file into a clue: %d", r.Status)
	}
	browser, csrf := webLogin(t, s, "supervisor1")
	path := "/evaluations/" + failing[0] + "/files/" + failing[1]
	page := string(s.get(browser, path).Body)
	if !strings.Contains(page, `id="file-clue"`) {
		t.Fatal("the failing file's page offers no 转为监督线索")
	}
	r := s.form(browser, path+"/clue", url.Values{"_csrf": {csrf}, "_once": {onceOf(t, page)}})
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/supervision/clues/") {
		t.Fatalf("file to clue = %d %s", r.Status, r.Header.Get("Location"))
	}
	clue := string(s.get(browser, r.Header.Get("Location")).Body)
	if !strings.Contains(clue, "案卷评查发现") || !strings.Contains(clue, "评为不合格") || !strings.Contains(clue, `href="`+path+`"`) ||
		strings.Count(clue, "已转为监督线索") != 1 {
		t.Errorf("the clue from the file does not say where it came from, or its message shows other than once")
	}
	again := s.call("POST", "/api/v1/evaluations/"+failing[0]+"/files/"+failing[1]+"/clue", sup, nil)
	if again.Status != 409 || !strings.Contains(again.ErrorMessage(), "已转为监督线索") {
		t.Errorf("the same file twice = %d %s", again.Status, again.Body)
	}
	if passed := string(s.get(browser, "/evaluations/"+passing[0]+"/files/"+passing[1]).Body); strings.Contains(passed, `id="file-clue"`) {
		t.Error("a passing file's page offers 转为监督线索")
	}
}

// The supervisor registers a clue and imports 12345 tickets from the page: a refused clue
// keeps what was typed; the import reports each line.
func TestNewClueAndImportPages(t *testing.T) {
	s := start(t)
	f := fixture(s)
	browser, csrf := webLogin(t, s, "supervisor1")
	page := string(s.get(browser, "/supervision/clues/new").Body)
	if !strings.Contains(page, "登记监督线索") || !strings.Contains(page, "导入 12345 转办工单") {
		t.Fatal("the new-clue page lacks its forms")
	}
	r := s.form(browser, "/supervision/clues/new", url.Values{"_csrf": {csrf}, "_once": {onceOf(t, page)}, "agency_id": {f.agency},
		"concerning": {"某中队"}, "content": {""}})
	body := string(r.Body)
	if r.Status != 422 || !strings.Contains(body, "请写明反映的问题") || !strings.Contains(body, `value="某中队"`) || !strings.Contains(body, `data-id="`+f.agency+`"`) {
		t.Errorf("a clue without content = %d: want the error, the typed text and the chosen agency kept", r.Status)
	}
	r = s.form(browser, "/supervision/clues/new", url.Values{"_csrf": {csrf}, "_once": {onceOf(t, body)}, "agency_id": {f.agency},
		"concerning": {"某中队"}, "content": {"日常监督发现该中队多次未出示执法证件"}})
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/supervision/clues/") {
		t.Fatalf("new clue = %d %s", r.Status, r.Body)
	}
	if clue := string(s.get(browser, r.Header.Get("Location")).Body); !strings.Contains(clue, "已登记线索") || !strings.Contains(clue, "监督人员发现") {
		t.Error("the new clue's page does not say it was registered")
	}
	// The import, as a file upload from the page.
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("_csrf", csrf)
	_ = w.WriteField("_once", onceOf(t, string(s.get(browser, "/supervision/clues/new").Body)))
	fw, _ := w.CreateFormFile("tickets", "工单.csv")
	_, _ = fw.Write([]byte("\ufeffticket_no,agency,content\nGD9001,青山县市场监督管理局,页面导入的工单\n,青山县市场监督管理局,缺工单号\n"))
	_ = w.Close()
	req, _ := http.NewRequest("POST", s.URL+"/supervision/clues/import", &mp)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := browser.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	res := string(out)
	if resp.StatusCode != 200 || !strings.Contains(res, "新登记 1 条") || !strings.Contains(res, "有误未登记 1 行") || !strings.Contains(res, "第 3 行") {
		t.Errorf("import from the page = %d:\n%.600s", resp.StatusCode, mainOf(out))
	}
}
