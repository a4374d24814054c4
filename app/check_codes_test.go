package app_test

import (
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"zhifa/inspection"
)

// checkSeed is the test's key for inspection codes, so that it can sign codes the
// platform would (an expired one) and compare.
const checkSeed = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"

// A check outside a draw from request to the firm's scan, through the API: refused input
// writes nothing; the head approves; the officers' code verifies as 有效 with the officers
// and matter, is scanned once; a changed character is 伪造; a refused, cancelled,
// changed or past check's code says so and is never 有效; the key and the format are
// public.
func TestCheckOutsideADrawAndItsCode(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_CHECK_KEY"] = checkSeed })
	f := fixture(s)
	head := s.login("head1")
	var matter, firm, agencyName string
	s.query(t, `SELECT id::text FROM inspection_matters WHERE agency_id = '`+f.agency+`' ORDER BY name LIMIT 1`, &matter)
	s.query(t, `SELECT code FROM inspection_targets ORDER BY code LIMIT 1`, &firm)
	s.query(t, `SELECT name FROM agencies WHERE id = '`+f.agency+`'`, &agencyName)
	var headAgency string
	s.query(t, `SELECT agency_id::text FROM users WHERE username = 'head1'`, &headAgency)
	if headAgency != f.agency {
		t.Fatalf("head1 is not of officer1's agency")
	}
	today := time.Now().In(cstZone)
	req := map[string]any{"firm": firm, "matter_ids": []string{matter}, "reason": "complaint", "reason_note": "群众投诉该企业违规储存危险化学品。",
		"officer_ids": []string{f.o2}, "planned_on": today.Format("2006-01-02")}
	before := s.count(t, `SELECT count(*) FROM inspection_checks WHERE origin = 'request'`)
	for field, change := range map[string]map[string]any{
		"reason":      {"reason": "想去看看"},
		"reason_note": {"reason_note": " "},
		"firm":        {"firm": "91360799MA5005333X"},
		"planned_on":  {"planned_on": today.AddDate(0, 0, -1).Format("2006-01-02")},
		"officer_ids": {"officer_ids": []string{}},
		"matter_ids":  {"matter_ids": []string{uuid.NewString()}},
	} {
		body := map[string]any{}
		for k, v := range req {
			body[k] = v
		}
		for k, v := range change {
			body[k] = v
		}
		if r := s.call("POST", "/api/v1/inspection/checks", f.tok, body); r.Status != 422 || r.ErrorField() != field {
			t.Errorf("bad %s = %d %s", field, r.Status, r.Body)
		}
	}
	// A colleague whose certificate lapses before the planned day cannot go.
	s.exec(t, `UPDATE officers SET cert_valid_until = current_date WHERE id = '`+f.o2+`'`)
	if r := s.call("POST", "/api/v1/inspection/checks", f.tok, req); r.Status != 422 || r.ErrorField() != "officer_ids" || !strings.Contains(r.ErrorMessage(), "执法证") {
		t.Errorf("an officer with a lapsing certificate = %d %s", r.Status, r.Body)
	}
	s.exec(t, `UPDATE officers SET cert_valid_until = current_date + 365 WHERE id = '`+f.o2+`'`)
	if n := s.count(t, `SELECT count(*) FROM inspection_checks WHERE origin = 'request'`); n != before {
		t.Fatalf("refused requests wrote %d checks", n-before)
	}
	r := s.call("POST", "/api/v1/inspection/checks", f.tok, req)
	if r.Status != 201 || r.JSON()["state"] != "requested" || len(r.JSON()["inspector_ids"].([]any)) != 2 {
		t.Fatalf("request = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	if r := s.call("GET", "/api/v1/inspection/checks/"+id+"/code", f.tok, nil); r.Status != 409 {
		t.Errorf("a code before approval = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+id+"/approve", f.tok, nil); r.Status != 403 {
		t.Errorf("an officer approved a check: %d", r.Status)
	}
	queue := items(s.call("GET", "/api/v1/inspection/requests", head, nil))
	if len(queue) == 0 || queue[0]["id"] != id {
		t.Errorf("the head's queue does not put the request first: %v", queue)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+id+"/approve", head, nil); r.Status != 200 || r.JSON()["state"] != "assigned" {
		t.Fatalf("approve = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+id+"/approve", head, nil); r.Status != 409 {
		t.Errorf("approving twice = %d", r.Status)
	}
	cr := s.call("GET", "/api/v1/inspection/checks/"+id+"/code", f.tok, nil)
	if cr.Status != 200 {
		t.Fatalf("code = %d %s", cr.Status, cr.Body)
	}
	code := cr.JSON()["code"].(string)
	if !strings.HasSuffix(cr.JSON()["url"].(string), "/public/checks/"+code) || cr.JSON()["qr_png_url"] != "/api/v1/inspection/checks/"+id+"/code.png" {
		t.Errorf("code = %v", cr.JSON())
	}
	if png := s.call("GET", "/api/v1/inspection/checks/"+id+"/code.png", f.tok, nil); png.Status != 200 || !strings.HasPrefix(string(png.Body), "\x89PNG") {
		t.Errorf("QR = %d", png.Status)
	}
	// The firm's view: valid, with the officers, matter and agency; scanned once.
	p := s.public("/public/api/checks/" + code).JSON()
	if p["verdict"] != "valid" || p["verdict_label"] != "有效" || p["agency"] != agencyName || len(p["officers"].([]any)) != 2 ||
		len(p["matters"].([]any)) != 1 || p["scanned_at"] != nil || p["firm"] != firm {
		t.Errorf("public check = %v", p)
	}
	scan := s.send("POST", "/public/api/checks/"+code+"/scan", "", "", nil).JSON()
	first := scan["scanned_at"]
	if first == nil {
		t.Errorf("scan = %v", scan)
	}
	page := s.public("/public/checks/" + code)
	if page.Status != 200 || !strings.Contains(string(page.Body), "有效") || !strings.Contains(string(page.Body), agencyName) {
		t.Errorf("public page = %d", page.Status)
	}
	if again := s.public("/public/api/checks/" + code).JSON(); again["scanned_at"] != first {
		t.Errorf("the scan moved from %v to %v", first, again["scanned_at"])
	}
	// Verifiable by anyone with the published key.
	key := s.public("/public/api/checks/key").JSON()
	pub, _ := hex.DecodeString(key["public_key"].(string))
	if cl, err := inspection.VerifyCode(ed25519.PublicKey(pub), code); err != nil || cl.CheckID.String() != id || cl.Firm != firm {
		t.Errorf("the code does not verify with the published key: %v %v", cl, err)
	}
	if md := s.public("/public/checks/code.md"); md.Status != 200 || !strings.Contains(string(md.Body), "zhifa-check-code-1") {
		t.Errorf("the format is not published: %d", md.Status)
	}
	// A changed character: forged, on the page too, with nothing of the check.
	b := []byte(code)
	b[20] ^= 1
	if b[20] == '_' || b[20] == '-' {
		b[20] = 'A'
	}
	tampered := string(b)
	if p := s.public("/public/api/checks/" + url.PathEscape(tampered)).JSON(); p["verdict"] != "forged" || p["agency"] != nil {
		t.Errorf("tampered code = %v", p)
	}
	if page := s.public("/public/checks/" + url.PathEscape(tampered)); page.Status != 404 || !strings.Contains(string(page.Body), "伪造") || strings.Contains(string(page.Body), agencyName) {
		t.Errorf("tampered page = %d", page.Status)
	}
	verdict := func(c string) string { return s.public("/public/api/checks/" + c).JSON()["verdict"].(string) }
	// A replaced officer: the old code is superseded, the new one valid.
	var other string
	s.query(t, `SELECT id::text FROM officers WHERE agency_id = '`+f.agency+`' AND status = 'active' AND cert_valid_until > current_date + 30
		AND id NOT IN ('`+f.o1+`', '`+f.o2+`') LIMIT 1`, &other)
	s.exec(t, `UPDATE inspection_checks SET inspector_ids = ARRAY['`+f.o1+`', '`+other+`']::uuid[] WHERE id = '`+id+`'`)
	if v := verdict(code); v != "superseded" {
		t.Errorf("the code after an officer was replaced: %s", v)
	}
	fresh := s.call("GET", "/api/v1/inspection/checks/"+id+"/code", f.tok, nil).JSON()["code"].(string)
	if v := verdict(fresh); v != "valid" || fresh == code {
		t.Errorf("the new code: %s", v)
	}
	// Past its window: expired (signed here as the platform would, for the window the
	// check now has).
	// Days in Shanghai, as the window is: the database's current_date is a day behind after 16:00 UTC.
	s.exec(t, `UPDATE inspection_checks SET drawn_on = `+shanghaiToday+` - 20, planned_on = `+shanghaiToday+` - 20, due_on = `+shanghaiToday+` - 6 WHERE id = '`+id+`'`)
	seed, _ := hex.DecodeString(checkSeed)
	cl, _ := inspection.VerifyCode(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), fresh)
	cl.ValidFrom, cl.ValidTo = startOfDay(today.AddDate(0, 0, -20)), startOfDay(today.AddDate(0, 0, -5))
	past, err := inspection.SignCode(ed25519.NewKeyFromSeed(seed), cl)
	if err != nil {
		t.Fatal(err)
	}
	if v := verdict(past); v != "expired" {
		t.Errorf("a code past its window: %s", v)
	}
	// Refused or cancelled: never valid.
	s.exec(t, `UPDATE inspection_checks SET state = 'refused' WHERE id = '`+id+`'`)
	if v := verdict(past); v != "not_approved" {
		t.Errorf("a refused check's code: %s", v)
	}
	s.exec(t, `UPDATE inspection_checks SET state = 'cancelled' WHERE id = '`+id+`'`)
	if v := verdict(past); v != "cancelled" {
		t.Errorf("a cancelled check's code: %s", v)
	}
	// The head refuses another with a reason, which is required.
	r = s.call("POST", "/api/v1/inspection/checks", f.tok, req)
	other2 := r.JSON()["id"].(string)
	if r := s.call("POST", "/api/v1/inspection/checks/"+other2+"/refuse", head, map[string]any{}); r.Status != 422 || r.ErrorField() != "reason" {
		t.Errorf("a refusal without a reason = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/checks/"+other2+"/refuse", head, map[string]any{"reason": "已于上月检查，暂无新的线索。"}); r.Status != 200 || r.JSON()["state"] != "refused" {
		t.Errorf("refuse = %d %s", r.Status, r.Body)
	}
}

const shanghaiToday = `(now() AT TIME ZONE 'Asia/Shanghai')::date`

func startOfDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, cstZone)
}

// The first browser story: an officer shows an approved check's code on a
// 390×844 phone; the firm scans it (the QR decoded here) and its phone, not logged in,
// shows 有效 with the officers and the matter; a code with a changed character shows 伪造.
func TestBrowserCheckCode(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_CHECK_KEY"] = checkSeed })
	f := fixture(s)
	var matter, firm string
	s.query(t, `SELECT id::text FROM inspection_matters WHERE agency_id = '`+f.agency+`' ORDER BY name LIMIT 1`, &matter)
	s.query(t, `SELECT code FROM inspection_targets ORDER BY code LIMIT 1`, &firm)
	r := s.call("POST", "/api/v1/inspection/checks", f.tok, map[string]any{"firm": firm, "matter_ids": []string{matter}, "reason": "high_risk",
		"reason_note": "该企业上年度检查发现消防通道堵塞，风险等级上调。", "officer_ids": []string{f.o2}, "planned_on": time.Now().In(cstZone).Format("2006-01-02")})
	if r.Status != 201 {
		t.Fatalf("request = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	if r := s.call("POST", "/api/v1/inspection/checks/"+id+"/approve", s.login("head1"), nil); r.Status != 200 {
		t.Fatalf("approve = %d %s", r.Status, r.Body)
	}
	axe := loadAxe(t)
	officer := browserContext(t)
	err := chromedp.Do(officer, append(phoneLogin(s, "officer1", "/inspection/checks/"+id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=check-code] img`)),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid=code-qr]').naturalWidth > 0`),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, officer, axe, "/inspection/checks/{id} (code)")
	shot(officer, "check-code-390")
	svg := s.call("GET", "/api/v1/inspection/checks/"+id+"/code.svg", f.tok, nil)
	link := decodeQR(t, svgToImage(t, svg.Body))
	_, code, ok := strings.Cut(link, "/public/checks/")
	if !ok {
		t.Fatalf("the QR holds %q", link)
	}
	firmPhone := browserContext(t)
	err = chromedp.Do(firmPhone,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+"/public/checks/"+code),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=check-verdict]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	verdict := must(chromedp.Run(firmPhone, chromedp.Text(chromedp.CSS(`[data-testid=check-verdict] .verdict`))))
	officers := must(chromedp.Run(firmPhone, chromedp.Text(chromedp.CSS(`[data-testid=check-officers]`))))
	facts := must(chromedp.Run(firmPhone, chromedp.Text(chromedp.CSS(`[data-testid=check-facts]`))))
	if verdict != "有效" || !strings.Contains(officers, "李明") || !strings.Contains(officers, "王芳") || !strings.Contains(facts, "依据") {
		t.Errorf("the firm's phone: %q; officers %q; facts %q", verdict, officers, facts)
	}
	checkAxe(t, firmPhone, axe, "/public/checks/{code}")
	shot(firmPhone, "check-public-390")
	if n := s.count(t, `SELECT count(*) FROM inspection_checks WHERE id = '`+id+`' AND scanned_at IS NOT NULL`); n != 1 {
		t.Errorf("the firm's opening was not recorded as its scan")
	}
	b := []byte(code)
	b[30] = map[bool]byte{true: 'B', false: 'A'}[b[30] == 'A']
	err = chromedp.Do(firmPhone, chromedp.Navigate(s.URL+"/public/checks/"+string(b)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=check-verdict]`)))
	if err != nil {
		t.Fatal(err)
	}
	if v := must(chromedp.Run(firmPhone, chromedp.Text(chromedp.CSS(`[data-testid=check-verdict] .verdict`)))); v != "伪造" {
		t.Errorf("a changed code shows %q", v)
	}
	shot(firmPhone, "check-forged-390")

	// After the result the firm rates the check on the same page, once.
	if r := s.call("POST", "/api/v1/inspection/checks/"+id+"/result", f.tok, map[string]any{"result": "no_problem"}); r.Status != 200 {
		t.Fatalf("result = %d %s", r.Status, r.Body)
	}
	comment := "检查人员出示了检查码和证件，半小时完成。"
	err = chromedp.Do(firmPhone, chromedp.Navigate(s.URL+"/public/checks/"+code),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=rate]`)),
		chromedp.Click(chromedp.CSS(`input[name=stars][value="4"]`)),
		chromedp.SendKeys(chromedp.CSS(`#rating-comment`), comment),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, firmPhone, axe, "/public/checks/{code} (rating)")
	if err := chromedp.Do(firmPhone, submitAndLoad(`[data-testid=rate]`)...); err != nil {
		t.Fatal(err)
	}
	flash := must(chromedp.Run(firmPhone, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`))))
	given := must(chromedp.Run(firmPhone, chromedp.Text(chromedp.CSS(`[data-testid=rating-given]`))))
	if !strings.Contains(flash, "感谢") || !strings.Contains(given, "已于") || strings.Contains(given, comment) {
		t.Errorf("after rating: flash %q, rating %q", flash, given)
	}
	shot(firmPhone, "check-rated-390")
	if n := s.count(t, `SELECT count(*) FROM inspection_ratings WHERE check_id = '`+id+`' AND stars = 4 AND comment = '`+comment+`'`); n != 1 {
		t.Errorf("%d ratings stored", n)
	}
	// Back: the page as it stands, rated, with no form to send twice and the thanks gone.
	err = chromedp.Do(firmPhone, chromedp.NavigateBack(), chromedp.WaitVisible(chromedp.CSS(`[data-testid=rating-given]`)))
	if err != nil {
		t.Fatal(err)
	}
	if n := must(chromedp.Run(firmPhone, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=page-flash], [data-testid=rate]').length`))); n != 0 {
		t.Errorf("after going back, the thanks or the form is still there")
	}
	// Someone without the phone's key (an officer holding the code) is refused.
	other := s.send("POST", "/public/checks/"+code+"/rating", "", "application/x-www-form-urlencoded", strings.NewReader(url.Values{"stars": {"1"}}.Encode()))
	if other.Status != 403 || !strings.Contains(string(other.Body), "扫码") {
		t.Errorf("a rating without the firm's key = %d", other.Status)
	}
	// The firm's year, from the code it holds.
	err = chromedp.Do(firmPhone, chromedp.Click(chromedp.CSS(`[data-testid=firm-link]`)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=firm-checks]`)))
	if err != nil {
		t.Fatal(err)
	}
	year := must(chromedp.Run(firmPhone, chromedp.Text(chromedp.CSS(`[data-testid=firm-checks]`))))
	caps := must(chromedp.Run(firmPhone, chromedp.Text(chromedp.CSS(`[data-testid=firm-caps]`))))
	if !strings.Contains(year, "已评价") || !strings.Contains(caps, "市场监督管理局") {
		t.Errorf("the firm's view: %q; caps %q", year, caps)
	}
	checkAxe(t, firmPhone, axe, "/public/firms/{credit_code}")
	shot(firmPhone, "firm-view-390")
}

// The request and the approval in the browser: officer1 on a phone requests a check
// (a wrong credit code is refused at the top of the form with everything typed kept);
// head1 at 1024×768 refuses without a reason (refused at the top of that request's form),
// then approves; the officer's check page then shows the code.
func TestBrowserCheckRequestAndApproval(t *testing.T) {
	s := start(t)
	f := fixture(s)
	var firm, matter string
	s.query(t, `SELECT code FROM inspection_targets ORDER BY code OFFSET 3 LIMIT 1`, &firm)
	s.query(t, `SELECT id::text FROM inspection_matters WHERE agency_id = '`+f.agency+`' ORDER BY name LIMIT 1`, &matter)
	axe := loadAxe(t)
	phone := browserContext(t)
	note := "12345 转来投诉：该店后厨卫生状况差。"
	err := chromedp.Do(phone, append(phoneLogin(s, "officer1", "/inspection/checks"),
		chromedp.WaitVisible(chromedp.CSS(`#new-check`)),
		chromedp.Click(chromedp.CSS(`#new-check`)),
		chromedp.WaitVisible(chromedp.CSS(`#check-form`)),
		chromedp.SendKeys(chromedp.CSS(`#firm`), firm[:17]+map[bool]string{true: "1", false: "0"}[firm[17] == '0']),
		chromedp.Click(chromedp.CSS(`#check-form input[name=matter_ids][value="`+matter+`"]`)),
		chromedp.Click(chromedp.CSS(`#check-form input[name=reason][value=referral]`)),
		chromedp.SendKeys(chromedp.CSS(`#reason_note`), note),
		chromedp.SendKeys(chromedp.CSS(`#officer_q`), "王芳"),
		chromedp.WaitVisible(chromedp.CSS(`.pick-option[data-id="`+f.o2+`"]`)),
		chromedp.Click(chromedp.CSS(`.pick-option[data-id="`+f.o2+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=check-officers] li[data-id="`+f.o2+`"]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, phone, axe, "/inspection/checks/new")
	if err := chromedp.Do(phone, submitAndLoad(`#check-submit`)...); err != nil {
		t.Fatal(err)
	}
	msg := must(chromedp.Run(phone, chromedp.Text(chromedp.CSS(`#check-form [data-testid=form-error]`))))
	kept := must(chromedp.Run(phone, chromedp.Value(chromedp.CSS(`#reason_note`))))
	ticked := must(chromedp.Run(phone, chromedp.Evaluate[bool](`!!document.querySelector('[data-testid=check-officers] input[value="`+f.o2+`"]')`)))
	if !strings.Contains(msg, "统一社会信用代码") || kept != note || !ticked {
		t.Errorf("after a wrong code: %q, note kept %q, officer ticked %v", msg, kept, ticked)
	}
	shot(phone, "check-request-error-390")
	err = chromedp.Do(phone, append([]chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS(`#firm`), firm)}, submitAndLoad(`#check-submit`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	flash := must(chromedp.Run(phone, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`))))
	path := must(chromedp.Run(phone, chromedp.Evaluate[string](`location.pathname`)))
	if !strings.Contains(flash, "审批") || !strings.HasPrefix(path, "/inspection/checks/") {
		t.Fatalf("after the request: %q at %s", flash, path)
	}
	id := strings.TrimPrefix(path, "/inspection/checks/")

	head := browserContext(t)
	err = chromedp.Do(head, append(phoneLogin(s, "head1", "/inspection/requests"),
		chromedp.EmulateViewport(1024, 768),
		chromedp.WaitVisible(chromedp.CSS(`[data-id="`+id+`"] [data-testid=refuse]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, head, axe, "/inspection/requests")
	if err := chromedp.Do(head, submitAndLoad(`[data-id="`+id+`"] [data-testid=refuse]`)...); err != nil {
		t.Fatal(err)
	}
	if msg := must(chromedp.Run(head, chromedp.Text(chromedp.CSS(`[data-id="`+id+`"] [data-testid=form-error]`)))); !strings.Contains(msg, "理由") {
		t.Errorf("a refusal without a reason: %q", msg)
	}
	if err := chromedp.Do(head, submitAndLoad(`[data-id="`+id+`"] [data-testid=approve]`)...); err != nil {
		t.Fatal(err)
	}
	if flash := must(chromedp.Run(head, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`)))); !strings.Contains(flash, "已批准") {
		t.Errorf("after approving: %q", flash)
	}
	shot(head, "check-requests-1024")
	err = chromedp.Do(phone, chromedp.Navigate(s.URL+"/inspection/checks/"+id), chromedp.WaitVisible(chromedp.CSS(`[data-testid=check-code] img`)))
	if err != nil {
		t.Fatal(err)
	}
}

// A year's plan: written by the agency's head, filed (late after its deadline, flagged),
// returned with a reason, filed again, accepted by the justice bureau and then public; its
// yearly cap refuses a code for a firm already checked that often (409 with the count and
// the cap), while a complaint-driven check goes ahead with its ground recorded.
func TestInspectionPlanAndCap(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_CHECK_KEY"] = checkSeed })
	f := fixture(s)
	head, sup := s.login("head1"), s.login("supervisor1")
	var matter, firm string
	s.query(t, `SELECT id::text FROM inspection_matters WHERE agency_id = '`+f.agency+`' ORDER BY name LIMIT 1`, &matter)
	s.query(t, `SELECT code FROM inspection_targets ORDER BY code OFFSET 7 LIMIT 1`, &firm)
	year := time.Now().In(cstZone).Year()
	// The demo's plan for this year goes: the test writes its own.
	s.exec(t, `DELETE FROM inspection_plans WHERE agency_id = '`+f.agency+`'`)
	plan := map[string]any{"year": year, "matter_ids": []string{matter}, "methods": []string{"double_random", "key"}, "random_share": 80,
		"yearly_cap": 1, "period_from": fmt.Sprintf("%d-01-01", year), "period_to": fmt.Sprintf("%d-12-31", year), "note": "全年检查安排。"}
	if r := s.call("POST", "/api/v1/inspection/plans", f.tok, plan); r.Status != 403 {
		t.Errorf("an officer wrote the plan: %d", r.Status)
	}
	bad := map[string]any{}
	for k, v := range plan {
		bad[k] = v
	}
	bad["yearly_cap"] = 0
	if r := s.call("POST", "/api/v1/inspection/plans", head, bad); r.Status != 422 || r.ErrorField() != "yearly_cap" {
		t.Errorf("a cap of 0 = %d %s", r.Status, r.Body)
	}
	r := s.call("POST", "/api/v1/inspection/plans", head, plan)
	if r.Status != 201 || r.JSON()["state"] != "draft" {
		t.Fatalf("plan = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	if r := s.call("POST", "/api/v1/inspection/plans/"+id+"/accept", sup, nil); r.Status != 409 {
		t.Errorf("accepting a draft = %d", r.Status)
	}
	r = s.call("POST", "/api/v1/inspection/plans/"+id+"/file", head, nil)
	now := time.Now().In(cstZone)
	late := now.After(time.Date(year, 4, 1, 0, 0, 0, 0, cstZone)) // filed after 31 March
	if r.Status != 200 || r.JSON()["state"] != "filed" || r.JSON()["late"] != late {
		t.Errorf("file = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/plans/"+id+"/return", sup, map[string]any{}); r.Status != 422 || r.ErrorField() != "reason" {
		t.Errorf("a return without a reason = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/plans/"+id+"/return", sup, map[string]any{"reason": "双随机占比低于要求。"}); r.Status != 200 || r.JSON()["state"] != "returned" {
		t.Errorf("return = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/plans", head, plan); r.Status != 201 {
		t.Errorf("rewriting a returned plan = %d %s", r.Status, r.Body)
	}
	s.call("POST", "/api/v1/inspection/plans/"+id+"/file", head, nil)
	if r := s.call("POST", "/api/v1/inspection/plans/"+id+"/accept", sup, nil); r.Status != 200 || r.JSON()["state"] != "accepted" {
		t.Fatalf("accept = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/plans", head, plan); r.Status != 409 {
		t.Errorf("rewriting an accepted plan = %d", r.Status)
	}
	var published map[string]any
	for _, p := range items(s.public(fmt.Sprintf("/public/api/inspection/plans?year=%d&page_size=100", year))) {
		if p["id"] == id {
			published = p
		}
	}
	if published == nil || published["yearly_cap"].(float64) != 1 {
		t.Errorf("the accepted plan is not public: %v", published)
	}
	// The cap: one check of the firm this year; a second for high risk is refused, one
	// for a complaint goes ahead with its ground.
	request := func(reason string) string {
		r := s.call("POST", "/api/v1/inspection/checks", f.tok, map[string]any{"firm": firm, "matter_ids": []string{matter}, "reason": reason,
			"reason_note": "检查理由。", "officer_ids": []string{f.o2}, "planned_on": time.Now().In(cstZone).Format("2006-01-02")})
		if r.Status != 201 {
			t.Fatalf("request = %d %s", r.Status, r.Body)
		}
		cid := r.JSON()["id"].(string)
		if r := s.call("POST", "/api/v1/inspection/checks/"+cid+"/approve", head, nil); r.Status != 200 {
			t.Fatalf("approve = %d %s", r.Status, r.Body)
		}
		return cid
	}
	first := request("high_risk")
	if r := s.call("GET", "/api/v1/inspection/checks/"+first+"/code", f.tok, nil); r.Status != 200 {
		t.Fatalf("the first code = %d %s", r.Status, r.Body)
	}
	second := request("high_risk")
	r = s.call("GET", "/api/v1/inspection/checks/"+second+"/code", f.tok, nil)
	if r.Status != 409 || !strings.Contains(r.ErrorMessage(), "1 次") || !strings.Contains(r.ErrorMessage(), "上限 1 次") {
		t.Errorf("a second check over the cap = %d %s", r.Status, r.Body)
	}
	third := request("complaint")
	if r := s.call("GET", "/api/v1/inspection/checks/"+third+"/code", f.tok, nil); r.Status != 200 {
		t.Errorf("a complaint-driven check over the cap = %d %s", r.Status, r.Body)
	}
	var ground string
	s.query(t, `SELECT cap_exempt FROM inspection_checks WHERE id = '`+third+`'`, &ground)
	if !strings.Contains(ground, "投诉举报") || !strings.Contains(ground, "第 2 次") {
		t.Errorf("the exemption's ground = %q", ground)
	}
}

// The plan on the pages: head1 at 1024×768 writes next year's plan (a cap in words is
// refused at the top of the form with everything kept), saves and files it; supervisor1
// at 1440×900 returns it without a reason (refused at the top of that plan's form), then
// accepts it.
func TestBrowserInspectionPlan(t *testing.T) {
	s := start(t)
	var matter string
	s.query(t, `SELECT m.id::text FROM inspection_matters m JOIN users u ON u.agency_id = m.agency_id WHERE u.username = 'head1' ORDER BY m.name LIMIT 1`, &matter)
	next := time.Now().In(cstZone).Year() + 1
	axe := loadAxe(t)
	head := browserContext(t)
	note := "重点检查燃气、危化品经营企业。"
	// This year's plan is accepted (the demo's): its page says so, with no form.
	err := chromedp.Do(head, append(phoneLogin(s, "head1", "/inspection/plans"),
		chromedp.EmulateViewport(1024, 768),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-locked]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	if n := must(chromedp.Run(head, chromedp.Evaluate[int](`document.querySelectorAll('#plan-form').length`))); n != 0 {
		t.Errorf("an accepted plan's year offers the form")
	}
	err = chromedp.Do(head,
		chromedp.Navigate(s.URL+fmt.Sprintf("/inspection/plans?year=%d", next)),
		chromedp.WaitVisible(chromedp.CSS(`#plan-form`)),
		chromedp.SetValue(chromedp.CSS(`#plan-year`), fmt.Sprint(next)),
		chromedp.SetValue(chromedp.CSS(`#plan-cap`), "两次"),
		chromedp.SetValue(chromedp.CSS(`#plan-from`), fmt.Sprintf("%d-01-01", next)),
		chromedp.SetValue(chromedp.CSS(`#plan-to`), fmt.Sprintf("%d-12-31", next)),
		chromedp.Click(chromedp.CSS(`#plan-form input[name=matter_ids][value="`+matter+`"]`)),
		chromedp.SendKeys(chromedp.CSS(`#plan-note`), note),
	)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, head, axe, "/inspection/plans (head)")
	shot(head, "inspection-plan-form-1024")
	if err := chromedp.Do(head, submitAndLoad(`#plan-save`)...); err != nil {
		t.Fatal(err)
	}
	msg := must(chromedp.Run(head, chromedp.Text(chromedp.CSS(`#plan-form [data-testid=form-error]`))))
	kept := must(chromedp.Run(head, chromedp.Value(chromedp.CSS(`#plan-note`))))
	ticked := must(chromedp.Run(head, chromedp.Evaluate[bool](`document.querySelector('#plan-form input[name=matter_ids][value="`+matter+`"]').checked`)))
	if !strings.Contains(msg, "上限") || kept != note || !ticked {
		t.Errorf("a cap in words: %q, note kept %q, matter ticked %v", msg, kept, ticked)
	}
	err = chromedp.Do(head, append([]chromedp.Action[chromedp.Void]{chromedp.SetValue(chromedp.CSS(`#plan-cap`), "2")}, submitAndLoad(`#plan-save`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	if e := must(chromedp.Run(head, chromedp.Evaluate[string](`(document.querySelector('[data-testid=form-error]') || {}).textContent || ''`))); e != "" {
		t.Fatalf("saving the plan: %s", e)
	}
	if flash := must(chromedp.Run(head, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`)))); !strings.Contains(flash, "已保存") {
		t.Errorf("after saving: %q", flash)
	}
	if err := chromedp.Do(head, submitAndLoad(`[data-testid=plan-file]`)...); err != nil {
		t.Fatal(err)
	}
	if flash := must(chromedp.Run(head, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`)))); !strings.Contains(flash, "已报备") || strings.Contains(flash, "逾期") {
		t.Errorf("after filing next year's plan: %q", flash)
	}
	var id string
	s.query(t, fmt.Sprintf(`SELECT id::text FROM inspection_plans WHERE year = %d`, next), &id)
	sup := browserContext(t)
	err = chromedp.Do(sup, append(phoneLogin(s, "supervisor1", fmt.Sprintf("/inspection/plans?year=%d", next)),
		chromedp.EmulateViewport(1440, 900),
		chromedp.WaitVisible(chromedp.CSS(`[data-id="`+id+`"] [data-testid=plan-return]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, sup, axe, "/inspection/plans (supervisor)")
	if err := chromedp.Do(sup, submitAndLoad(`[data-id="`+id+`"] [data-testid=plan-return]`)...); err != nil {
		t.Fatal(err)
	}
	if msg := must(chromedp.Run(sup, chromedp.Text(chromedp.CSS(`[data-id="`+id+`"] [data-testid=form-error]`)))); !strings.Contains(msg, "理由") {
		t.Errorf("a return without a reason: %q", msg)
	}
	if err := chromedp.Do(sup, submitAndLoad(`[data-id="`+id+`"] [data-testid=plan-accept]`)...); err != nil {
		t.Fatal(err)
	}
	if flash := must(chromedp.Run(sup, chromedp.Text(chromedp.CSS(`[data-testid=page-flash]`)))); !strings.Contains(flash, "已审查通过") {
		t.Errorf("after accepting: %q", flash)
	}
	shot(sup, "inspection-plans-1440")
	if n := len(items(s.public(fmt.Sprintf("/public/api/inspection/plans?year=%d", next)))); n != 1 {
		t.Errorf("%d public plans for next year", n)
	}
	// The portal lists it, with its cap.
	portal := browserContext(t)
	err = chromedp.Do(portal, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+fmt.Sprintf("/public/inspection/plans?year=%d", next)), chromedp.WaitVisible(chromedp.CSS(`[data-testid=public-plans]`)))
	if err != nil {
		t.Fatal(err)
	}
	if text := must(chromedp.Run(portal, chromedp.Text(chromedp.CSS(`[data-testid=public-plans]`)))); !strings.Contains(text, "每年不超过 2 次") || !strings.Contains(text, note) {
		t.Errorf("the portal's plans: %q", text)
	}
	checkAxe(t, portal, axe, "/public/inspection/plans")
	shot(portal, "public-plans-390")
}
