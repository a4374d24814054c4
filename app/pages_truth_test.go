package app_test

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
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
	if page.Status != 200 || !strings.Contains(body, ">完整<") || strings.Contains(body, "发现问题") || strings.Count(body, "✓ 哈希一致") != 3 {
		t.Errorf("intact chain page = %d: want 完整 and three records each checked", page.Status)
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
	if outsider := s.get(s.browser(), "/cases/"+id+"/verify"); outsider.Status != 303 {
		t.Errorf("the page without login = %d, want the login redirect", outsider.Status)
	}
}
