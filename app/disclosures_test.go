package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// secrets are a natural person's data that must never reach a public response.
var secrets = []string{"王小明", "11010519491231002X", "13907971234", "解放路88号", "6222021234567890123", "13800138000", "360799198507150021"}

// decidedCase files a case whose party and every free-text field carry personal data,
// and decides a small (not major) fine.
func (s *server) decidedCase(f caseFixture) (caseID string) {
	s.t.Helper()
	in := f.input()
	in["cause"] = "王小明（电话13800138000）销售过期食品"
	in["legal_basis"] = "《食品安全法》第三十四条；当事人王小明身份证11010519491231002X"
	in["location"] = "解放路88号"
	in["parties"] = []map[string]any{
		{"type": "person", "name": "王小明", "id_number": "11010519491231002X", "address": "青山县城关镇解放路88号", "phone": "13907971234"},
		{"type": "org", "name": "青山县惠民食品有限公司", "id_number": "91350100M000100Y43", "legal_rep": "李建国"},
	}
	r := s.call("POST", "/api/v1/cases", f.tok, in)
	if r.Status != 201 {
		s.t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	s.walkCase(f.tok, id, moveTo("investigating"), moveTo("notified"))
	d := map[string]any{"outcome": "penalty", "fine_amount": 150000, "text": "对王小明（身份证号11010519491231002X，住青山县城关镇解放路88号，" +
		"电话13907971234，账户6222021234567890123）及青山县惠民食品有限公司罚款1500元。证人身份证号360799198507150021。"}
	if r := s.move(f.tok, id, map[string]any{"to": "decided", "decision": d, "statement_waived": true}); r.Status != 200 {
		s.t.Fatalf("decide = %d %s", r.Status, r.Body)
	}
	return id
}

func (s *server) public(path string) response {
	s.t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	return s.do(req)
}

func noSecrets(t *testing.T, where string, body []byte) {
	t.Helper()
	for _, sec := range secrets {
		if strings.Contains(string(body), sec) {
			t.Errorf("%s shows %q", where, sec)
		}
	}
}

func TestDisclosureLifecycleAndRedaction(t *testing.T) {
	s := start(t)
	f := fixture(s)
	// Working days from today: +3 +4 +5 +6 +7 +10 +11; the days between are off.
	w := s.workingDays(3, 4, 5, 6, 7, 10, 11)
	id := s.decidedCase(f)
	l := items(s.call("GET", "/api/v1/disclosures?state=due&case_id="+id, f.tok, nil))
	if len(l) != 1 || l[0]["due_days"] != float64(7) || l[0]["due_at"] != w[6] || l[0]["overdue"] != false {
		t.Fatalf("due item = %v, want one due in 7 working days, on %s", l, w[6])
	}
	did := l[0]["id"].(string)
	noSecrets(t, "the item's content", []byte(fmt.Sprint(l[0]["content"], l[0]["title"])))
	// Not yet published: the public does not see it.
	if r := s.public("/public/api/decisions/" + did); r.Status != 404 {
		t.Errorf("unpublished item = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/disclosures/"+did+"/publish", s.login("reviewer1"), nil); r.Status != 403 {
		t.Errorf("a reviewer publishing = %d", r.Status)
	}
	r := s.call("POST", "/api/v1/disclosures/"+did+"/publish", f.tok, nil)
	if r.Status != 200 || r.JSON()["state"] != "published" || r.JSON()["display_until"] == nil {
		t.Fatalf("publish = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/disclosures/"+did+"/publish", f.tok, nil); r.Status != 409 {
		t.Errorf("publishing twice = %d", r.Status)
	}
	number := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["number"].(string)
	for _, q := range []string{number, "惠民食品", "过期食品"} {
		r := s.public("/public/api/decisions?q=" + url.QueryEscape(q))
		found := false
		for _, it := range items(r) {
			found = found || it["id"] == did
		}
		if !found {
			t.Errorf("search %q does not find the decision", q)
		}
		noSecrets(t, "search "+q, r.Body)
	}
	// Searching by a person's name finds nothing: it is not searchable in public.
	if total(s.public("/public/api/decisions?q="+url.QueryEscape("王小明"))) != 0 {
		t.Error("a person's name is searchable")
	}
	detail := s.public("/public/api/decisions/" + did)
	noSecrets(t, "public JSON", detail.Body)
	if !strings.Contains(string(detail.Body), "王*") || !strings.Contains(string(detail.Body), "1101**********002X") || !strings.Contains(string(detail.Body), "青山县惠民食品有限公司") {
		t.Errorf("public JSON = %s", detail.Body)
	}
	for _, p := range []string{"/public/", "/public/?q=" + url.QueryEscape(number), "/public/decisions/" + did} {
		r := s.public(p)
		if r.Status != 200 {
			t.Errorf("%s = %d", p, r.Status)
		}
		noSecrets(t, p, r.Body)
	}
	// Agency and period narrow the search; "to" includes its day, the day the server
	// published it on (midnight may have passed since).
	publishedAt, err := time.Parse(time.RFC3339Nano, r.JSON()["published_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	today := publishedAt.In(cstZone).Format(time.DateOnly)
	for q, want := range map[string]bool{
		"agency_id=" + f.agency + "&from=" + today + "&to=" + today: true,
		"agency_id=" + agencyID(s, s.login("admin"), "青山县林业局"):      false,
		"to=2020-01-01": false,
	} {
		found := false
		for _, it := range items(s.public("/public/api/decisions?page_size=200&" + q)) {
			found = found || it["id"] == did
		}
		if found != want {
			t.Errorf("search %s finds the decision: %v", q, found)
		}
	}
	if r := s.public("/public/?agency_id=" + f.agency + "&to=" + today); r.Status != 200 || !strings.Contains(string(r.Body), did) {
		t.Errorf("portal page with agency and period = %d", r.Status)
	}
	// Cached: the second read comes from Redis.
	if r := s.public("/public/api/decisions/" + did); r.Header.Get("X-Cache") != "hit" {
		t.Error("second read was not cached")
	}

	// A court revokes the decision, dated the day it was made: a withdrawal falls due
	// within 3 working days.
	decidedAt := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["decided_at"].(string)
	if r := s.call("POST", "/api/v1/cases/"+id+"/outcomes", f.tok, map[string]any{"type": "litigation", "result": "revoked",
		"decided_at": decidedAt}); r.Status != 201 {
		t.Fatalf("outcome = %d %s", r.Status, r.Body)
	}
	wd := items(s.call("GET", "/api/v1/disclosures?state=withdrawal_due&case_id="+id, f.tok, nil))
	if len(wd) != 1 || wd[0]["id"] != did || wd[0]["withdraw_due_at"] != w[2] || wd[0]["withdraw_cause"] != "行政诉讼撤销" {
		t.Errorf("withdrawal due = %v, want the item, due %s (3rd working day), cause 行政诉讼撤销", wd, w[2])
	}
	if r := s.call("POST", "/api/v1/disclosures/"+did+"/withdraw", f.tok, map[string]any{"reason": ""}); r.Status != 422 {
		t.Errorf("withdraw without reason = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/disclosures/"+did+"/withdraw", f.tok, map[string]any{"reason": "该决定已被人民法院判决撤销"}); r.Status != 200 {
		t.Fatalf("withdraw = %d %s", r.Status, r.Body)
	}
	pub := s.public("/public/api/decisions/" + did).JSON()
	if pub["state"] != "withdrawn" || pub["withdraw_reason"] != "该决定已被人民法院判决撤销" || pub["content"] != nil {
		t.Errorf("withdrawn item in public = %v", pub)
	}
	page := s.public("/public/decisions/" + did)
	if page.Status != 200 || !strings.Contains(string(page.Body), "已撤回公示") || strings.Contains(string(page.Body), "罚款1500元") {
		t.Errorf("withdrawn page = %d", page.Status)
	}
	// An item past its display period answers with its state, not its content.
	other := s.decidedCase(f)
	oid := items(s.call("GET", "/api/v1/disclosures?case_id="+other, f.tok, nil))[0]["id"].(string)
	if r := s.call("POST", "/api/v1/disclosures/"+oid+"/publish", f.tok, nil); r.Status != 200 {
		t.Fatalf("publish = %d %s", r.Status, r.Body)
	}
	if _, err := dbConn(t, s).Exec(context.Background(), `UPDATE disclosures SET display_until = current_date - 1 WHERE id = $1`, oid); err != nil {
		t.Fatal(err)
	}
	if pub := s.public("/public/api/decisions/" + oid).JSON(); pub["state"] != "expired" || pub["content"] != nil {
		t.Errorf("expired item = %v", pub)
	}
	if body := string(s.public("/public/decisions/" + oid).Body); !strings.Contains(body, "公示期已满") || strings.Contains(body, "罚款1500元") {
		t.Error("expired page shows the old content")
	}
	// Each step is in the case's chain.
	kinds := ""
	for _, rec := range s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["records"].([]any) {
		kinds += rec.(map[string]any)["kind"].(string) + ","
	}
	if strings.Count(kinds, "disclosure") != 2 {
		t.Errorf("records: %s", kinds)
	}
}

func TestDisclosureDeadlineFollowsTheCalendar(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.decidedCase(f)
	due := func() string {
		return items(s.call("GET", "/api/v1/disclosures?case_id="+id, f.tok, nil))[0]["due_at"].(string)
	}
	before := due()
	// An extra holiday on the next working day moves the running deadline by one day.
	// The day is found from the item's start, so the test holds whatever today is.
	admin := s.login("admin")
	start, err := time.Parse(time.DateOnly, items(s.call("GET", "/api/v1/disclosures?case_id="+id, f.tok, nil))[0]["start_on"].(string))
	if err != nil {
		t.Fatal(err)
	}
	for d := start.AddDate(0, 0, 1); ; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
			continue
		}
		year := fmt.Sprint(d.Year())
		cal := s.call("GET", "/api/v1/calendar/"+year, admin, nil).JSON()
		holidays, _ := cal["holidays"].([]any)
		if slices.ContainsFunc(holidays, func(h any) bool { return h.(map[string]any)["date"] == d.Format(time.DateOnly) }) {
			continue
		}
		cal["holidays"] = append(holidays, map[string]any{"date": d.Format(time.DateOnly), "name": "测试假日"})
		if r := s.call("PUT", "/api/v1/calendar/"+year, admin, cal); r.Status != 200 {
			t.Fatalf("calendar = %d %s", r.Status, r.Body)
		}
		break
	}
	if after := due(); after <= before {
		t.Errorf("due %s before, %s after adding a holiday", before, after)
	}
}

func TestPublicRateLimit(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_PUBLIC_RATE"] = "5" })
	var last response
	for i := 0; i < 7; i++ {
		last = s.public("/public/api/decisions")
	}
	if last.Status != 429 || last.Header.Get("Retry-After") == "" || last.ErrorCode() != "too_many" {
		t.Errorf("seventh request in a minute = %d %s", last.Status, last.Body)
	}
	if r := s.call("GET", "/api/v1/me", s.login("officer1"), nil); r.Status != 200 {
		t.Errorf("officers are not limited with the portal: %d", r.Status)
	}
	s2 := start(t)
	if r := s2.public("/public/api/decisions?page=501"); r.Status != 422 || r.ErrorField() != "page" {
		t.Errorf("a page past the first 10,000 results = %d %s", r.Status, r.Body)
	}
	if r := s2.public("/public/api/decisions"); r.JSON()["total_capped"] != false || total(r) == 0 {
		t.Errorf("portal list = %s", r.Body[:min(200, len(r.Body))])
	}
}

// The portal on a phone: search a published decision and see the person's name masked.
func TestBrowserFindsPublishedDecision(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.decidedCase(f)
	did := items(s.call("GET", "/api/v1/disclosures?case_id="+id, f.tok, nil))[0]["id"].(string)
	if r := s.call("POST", "/api/v1/disclosures/"+did+"/publish", f.tok, nil); r.Status != 200 {
		t.Fatalf("publish = %d", r.Status)
	}
	number := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["number"].(string)
	ctx := browserContext(t)
	err := chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		chromedp.Navigate(s.URL+"/public/"),
		chromedp.WaitVisible(chromedp.CSS(`#q`)),
		chromedp.SendKeys(chromedp.CSS(`#q`), number),
		chromedp.Submit(chromedp.CSS(`#q`)),
		// The landing page lists the new decision too: wait for the results page itself
		// (its search field carries the number as an attribute; typing sets only the
		// property), or the click lands on a page that is going away.
		chromedp.WaitVisible(chromedp.CSS(`#q[value="`+number+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/public/decisions/`+did+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/public/decisions/`+did+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=public-parties]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Read through the page's own DOM: a node ID taken before the page settled can go stale.
	parties, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=public-parties]').innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(parties, "王*") || strings.Contains(parties, "王小明") || !strings.Contains(parties, "青山县惠民食品有限公司") {
		t.Errorf("parties on the portal: %q", parties)
	}
	html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`))
	if err != nil {
		t.Fatal(err)
	}
	noSecrets(t, "the portal page in the browser", []byte(html))
}

func TestDisclosureSupervisionAndPages(t *testing.T) {
	s := start(t)
	f := fixture(s)
	sup := s.login("supervisor1")
	st := items(s.call("GET", "/api/v1/disclosures/stats", sup, nil))
	if len(st) == 0 {
		t.Fatal("no stats")
	}
	for i := 1; i < len(st); i++ {
		if st[i]["on_time_rate"].(float64) < st[i-1]["on_time_rate"].(float64) {
			t.Fatal("stats not ordered by rate")
		}
	}
	for _, a := range st {
		if a["due"].(float64) != a["on_time"].(float64)+a["late"].(float64)+a["overdue"].(float64) {
			t.Errorf("counts do not add up: %v", a)
		}
	}
	if r := s.call("GET", "/api/v1/disclosures/stats", f.tok, nil); r.Status != 403 {
		t.Errorf("officer reading stats = %d", r.Status)
	}
	// The demo has overdue items; the home page of those responsible says so.
	b, csrf := webLogin(t, s, "admin")
	if home := string(s.get(b, "/").Body); !strings.Contains(home, "逾期未公示") {
		t.Error("admin's home page does not mark overdue disclosures")
	}
	if r := s.get(b, "/disclosures/stats"); r.Status != 200 || !strings.Contains(string(r.Body), "及时率") {
		t.Errorf("stats page = %d", r.Status)
	}
	// Publish from the page.
	id := s.decidedCase(f)
	did := items(s.call("GET", "/api/v1/disclosures?case_id="+id, f.tok, nil))[0]["id"].(string)
	if r := s.get(b, "/disclosures?state=due&page_size=200&agency_id="+f.agency); !strings.Contains(string(r.Body), "/disclosures/"+did+"/publish") {
		t.Error("due list lacks the new item")
	}
	if r := s.form(b, "/disclosures/"+did+"/publish", url.Values{"_csrf": {csrf}}); r.Status != 303 {
		t.Errorf("publish from the page = %d", r.Status)
	}
	if r := s.public("/public/api/decisions/" + did); r.JSON()["state"] != "published" {
		t.Errorf("public after the page = %s", r.Body)
	}
	// With automatic publication, a decision is on the portal the moment it is made.
	admin := s.login("admin")
	if r := s.call("PUT", "/api/v1/agencies/"+f.agency+"/auto-publish", admin, map[string]any{"auto_publish": true}); r.Status != 200 {
		t.Fatalf("auto publish = %d %s", r.Status, r.Body)
	}
	id2 := s.decidedCase(f)
	if d := items(s.call("GET", "/api/v1/disclosures?case_id="+id2, f.tok, nil))[0]; d["state"] != "published" {
		t.Errorf("auto-published item = %v", d["state"])
	}
}

func TestAgencyPublicProfileAndStandards(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin := s.login("admin")
	base := "/api/v1/agencies/" + f.agency
	prof := map[string]any{"powers": "负责市场主体登记、食品安全监督管理", "legal_basis": "《中华人民共和国食品安全法》",
		"procedures": "立案、调查取证、告知、决定、送达、执行", "remedies": "可依法申请行政复议或提起行政诉讼"}
	if r := s.call("PUT", base+"/profile", f.tok, prof); r.Status != 403 {
		t.Errorf("officer publishing = %d", r.Status)
	}
	if r := s.call("PUT", base+"/profile", admin, map[string]any{"powers": "x"}); r.Status != 422 || r.ErrorField() != "legal_basis" {
		t.Errorf("incomplete profile = %d %s", r.Status, r.Body)
	}
	s.call("PUT", base+"/profile", admin, prof)
	prof["remedies"] = "自收到决定书之日起六十日内申请行政复议，或六个月内提起行政诉讼"
	if r := s.call("PUT", base+"/profile", admin, prof); r.Status != 200 || r.JSON()["version"] != float64(2) {
		t.Fatalf("second version = %d %s", r.Status, r.Body)
	}
	v := s.call("GET", base+"/profile", f.tok, nil).JSON()
	if len(v["history"].([]any)) != 2 || !strings.Contains(fmt.Sprint(v["current"]), "六十日") {
		t.Errorf("profile = %v", v)
	}
	st := s.call("POST", base+"/discretion-standards", admin, map[string]any{"title": "食品安全违法行为裁量基准", "body": "初次违法且危害后果轻微的，可以不予处罚……", "effective_on": "2026-01-01"})
	if st.Status != 201 {
		t.Fatalf("standard = %d %s", st.Status, st.Body)
	}
	old := st.JSON()["id"].(string)
	if r := s.call("POST", base+"/discretion-standards", admin, map[string]any{"title": "食品安全违法行为裁量基准（2026年修订）", "body": "……", "effective_on": "2026-07-01", "replaces": old}); r.Status != 201 {
		t.Fatalf("new version = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", base+"/discretion-standards", admin, map[string]any{"title": "再改", "body": "……", "effective_on": "2026-08-01", "replaces": old}); r.Status != 409 {
		t.Errorf("replacing a replaced version = %d %s", r.Status, r.Body)
	}
	if all := items(s.call("GET", base+"/discretion-standards?all=true", f.tok, nil)); len(all) != 2 {
		t.Errorf("all versions = %d", len(all))
	}
	pub := s.public("/public/api/agencies/" + f.agency).JSON()
	if !strings.Contains(fmt.Sprint(pub["profile"]), "六十日") || len(pub["discretion_standards"].([]any)) != 1 {
		t.Errorf("public agency = %v", pub)
	}
	for _, p := range []string{"/public/agencies", "/public/agencies/" + f.agency, "/public/officers?q=" + url.QueryEscape("李明")} {
		if r := s.public(p); r.Status != 200 {
			t.Errorf("%s = %d", p, r.Status)
		}
	}
	if body := string(s.public("/public/agencies/" + f.agency).Body); !strings.Contains(body, "2026年修订") || strings.Contains(body, ">食品安全违法行为裁量基准（2026-01-01") {
		t.Error("public page does not show only the current standard")
	}
	b, _ := webLogin(t, s, "admin")
	if r := s.get(b, "/agencies/"+f.agency+"/public"); r.Status != 200 || !strings.Contains(string(r.Body), "历史版本（2）") {
		t.Errorf("maintenance page = %d", r.Status)
	}
}
