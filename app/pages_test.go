package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"zhifa/app"
	"zhifa/enforcement"
)

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// webLogin signs a demo account in through the login form and returns its browser and
// the session's CSRF token for later forms.
func webLogin(t *testing.T, s *server, username string) (*http.Client, string) {
	t.Helper()
	c := s.browser()
	login := csrfRe.FindSubmatch(s.get(c, "/login").Body)
	r := s.form(c, "/login", url.Values{"_csrf": {string(login[1])}, "username": {username}, "password": {app.DemoPassword}})
	if r.Status != 303 {
		t.Fatalf("web login %s = %d", username, r.Status)
	}
	tok := csrfRe.FindSubmatch(s.get(c, "/").Body)
	if tok == nil {
		t.Fatalf("no CSRF token on the home page of %s", username)
	}
	return c, string(tok[1])
}

func TestPagesPerRole(t *testing.T) {
	s := start(t)
	for _, c := range []struct {
		user       string
		open, deny []string
		home       string
	}{
		{"officer1", []string{"/", "/officers", "/calendar", "/calendar/2025"}, []string{"/users", "/activity", "/document-kinds"}, "我的执法证"},
		{"reviewer1", []string{"/", "/officers"}, []string{"/activity"}, "法制审核"},
		{"supervisor1", []string{"/", "/agencies", "/officers?status=expired", "/users", "/activity"}, nil, "本辖区待督办"},
		{"admin", []string{"/", "/agencies", "/users", "/activity", "/calendar/2026", "/document-kinds", "/document-kinds/inspection_record"}, nil, "本辖区待督办"},
	} {
		b, _ := webLogin(t, s, c.user)
		if r := s.get(b, "/"); !strings.Contains(string(r.Body), c.home) {
			t.Errorf("home of %s lacks %q", c.user, c.home)
		}
		for _, p := range c.open {
			if r := s.get(b, p); r.Status != 200 {
				t.Errorf("%s opens %s = %d", c.user, p, r.Status)
			}
		}
		for _, p := range c.deny {
			if r := s.get(b, p); r.Status != 403 || !strings.Contains(string(r.Body), "无权") {
				t.Errorf("%s opens %s = %d, want the 403 page", c.user, p, r.Status)
			}
		}
	}
	if r := s.get(s.browser(), "/no-such-page"); r.Status != 404 || !strings.Contains(string(r.Body), "找不到该页面") {
		t.Errorf("unknown page = %d", r.Status)
	}
}

func TestAdminForms(t *testing.T) {
	s := start(t)
	b, csrf := webLogin(t, s, "admin")
	// Calendar: a bad line is shown back with the error; a good one is saved.
	r := s.form(b, "/calendar/2027", url.Values{"_csrf": {csrf}, "source": {"测试"}, "holidays": {"2027/01/01 元旦"}})
	if r.Status != 422 || !strings.Contains(string(r.Body), "第 1 行") {
		t.Errorf("bad calendar line = %d", r.Status)
	}
	r = s.form(b, "/calendar/2027", url.Values{"_csrf": {csrf}, "source": {"国务院办公厅通知"},
		"holidays": {"2027-01-01 元旦\n2027-02-06 春节"}, "workdays": {"2027-02-13 春节调休上班"}})
	if r.Status != 303 {
		t.Fatalf("calendar form = %d %s", r.Status, r.Body)
	}
	if page := s.get(b, "/calendar/2027"); !strings.Contains(string(page.Body), "2027-02-13 春节调休上班") ||
		!strings.Contains(string(page.Body), "已保存 2027 年工作日历") {
		t.Error("saved calendar or its flash message not shown")
	}
	// Officer: restoring a lapsed certificate without a new date shows the rule.
	admin := s.login("admin")
	lapsed := items(s.call("GET", "/api/v1/officers?status=expired", admin, nil))[0]["id"].(string)
	r = s.form(b, "/officers/"+lapsed, url.Values{"_csrf": {csrf}, "status": {"active"}, "cert_valid_until": {""}})
	if r.Status != 422 || !strings.Contains(string(r.Body), "设为有效须同时填写新的有效期") {
		t.Errorf("restoring a lapsed card by form = %d", r.Status)
	}
	r = s.form(b, "/officers/"+lapsed, url.Values{"_csrf": {csrf}, "status": {"active"}, "cert_valid_until": {time.Now().AddDate(3, 0, 0).Format(time.DateOnly)}})
	if r.Status != 303 {
		t.Errorf("restoring with a date = %d %s", r.Status, r.Body)
	}
	if o := s.call("GET", "/api/v1/officers/"+lapsed, admin, nil).JSON(); o["status"] != "active" {
		t.Errorf("officer after the form = %v", o["status"])
	}
	// Users: the form creates an account that can sign in.
	market := agencyID(s, admin, "青山县市场监督管理局")
	r = s.form(b, "/users", url.Values{"_csrf": {csrf}, "username": {"fzsh01"}, "name": {"刘洋"}, "password": {"fzsh-pass-01"},
		"agency_id": {market}, "roles": {"reviewer"}, "legal_qualified": {"on"}})
	if r.Status != 303 {
		t.Fatalf("user form = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "fzsh01", "password": "fzsh-pass-01"}); r.Status != 200 ||
		r.JSON()["user"].(map[string]any)["legal_qualified"] != true {
		t.Errorf("user made by the form: %d %s", r.Status, r.Body)
	}
	r = s.form(b, "/users", url.Values{"_csrf": {csrf}, "username": {"fzsh02"}, "name": {"刘洋"}, "password": {"short"},
		"agency_id": {market}, "roles": {"reviewer"}})
	if r.Status != 422 || !strings.Contains(string(r.Body), "密码至少") {
		t.Errorf("weak password by form = %d", r.Status)
	}
	// An officer's browser cannot post the admin forms even with its own token.
	ob, ocsrf := webLogin(t, s, "officer1")
	if r := s.form(ob, "/calendar/2027", url.Values{"_csrf": {ocsrf}, "holidays": {""}}); r.Status != 403 {
		t.Errorf("officer posts the calendar form = %d, want 403", r.Status)
	}
}

// An administrator is told on the home page which years' holidays deadlines already reach
// but nobody has entered; entering the year removes the notice.
func TestHomeTellsAdminsOfMissingCalendarYears(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	year := time.Now().In(enforcement.Shanghai()).Year()
	cal := s.call("GET", fmt.Sprintf("/api/v1/calendar/%d", year), admin, nil).JSON()
	if _, err := dbConn(t, s).Exec(context.Background(), `DELETE FROM calendar_years WHERE year = $1`, year); err != nil {
		t.Fatal(err)
	}
	c, _ := webLogin(t, s, "admin")
	notice := regexp.MustCompile(`data-testid="home-calendar">[^<]*`)
	home := string(notice.Find(s.get(c, "/").Body))
	if !strings.Contains(home, fmt.Sprint(year)) {
		t.Fatalf("home page notice = %q, want the year %d", home, year)
	}
	if oc, _ := webLogin(t, s, "officer1"); notice.Match(s.get(oc, "/").Body) {
		t.Errorf("an officer, who cannot enter the calendar, is shown the notice")
	}
	if r := s.call("PUT", fmt.Sprintf("/api/v1/calendar/%d", year), admin, cal); r.Status != 200 {
		t.Fatalf("calendar = %d %s", r.Status, r.Body)
	}
	if home := string(notice.Find(s.get(c, "/").Body)); strings.Contains(home, fmt.Sprint(year)) {
		t.Errorf("after entering %d the notice still says %q", year, home)
	}
}
