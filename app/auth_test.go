package app_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"zhifa/app"
)

var demoAccounts = []struct {
	username, role, agency string
}{
	{"admin", "admin", "青山县司法局"},
	{"officer1", "officer", "青山县市场监督管理局"},
	{"officer2", "officer", "青山县市场监督管理局"},
	{"reviewer1", "reviewer", "青山县市场监督管理局"},
	{"reviewer2", "reviewer", "青山县司法局"},
	{"supervisor1", "supervisor", "青山县司法局"},
}

func TestDemoAccountsLogIn(t *testing.T) {
	s := start(t)
	for _, acc := range demoAccounts {
		r := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": acc.username, "password": app.DemoPassword})
		if r.Status != 200 {
			t.Fatalf("login %s = %d %s", acc.username, r.Status, r.Body)
		}
		session := ""
		for _, ck := range r.Header.Values("Set-Cookie") {
			if strings.HasPrefix(ck, "zhifa_session=") {
				session = ck
			}
		}
		if !strings.Contains(session, "HttpOnly") || !strings.Contains(session, "SameSite=Lax") {
			t.Errorf("session cookie of %s lacks HttpOnly or SameSite: %q", acc.username, session)
		}
		tok, _ := r.JSON()["token"].(string)
		me := s.call("GET", "/api/v1/me", tok, nil).JSON()
		roles, _ := me["roles"].([]any)
		if me["username"] != acc.username || len(roles) != 1 || roles[0] != acc.role || me["agency_name"] != acc.agency {
			t.Errorf("me of %s = %v", acc.username, me)
		}
		if _, ok := me["officer_id"]; !ok {
			t.Errorf("me of %s has no officer_id key", acc.username)
		}
		if (acc.role == "officer") == (me["officer_id"] == nil) {
			t.Errorf("officer_id of %s = %v", acc.username, me["officer_id"])
		}
	}
}

func TestLoginRefusals(t *testing.T) {
	s := start(t)
	wrong := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "officer1", "password": "nope-nope"})
	unknown := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "nobody", "password": "nope-nope"})
	if wrong.Status != 401 || unknown.Status != 401 || string(wrong.Body) != string(unknown.Body) {
		t.Errorf("wrong password %d %s / unknown user %d %s: want the same 401", wrong.Status, wrong.Body, unknown.Status, unknown.Body)
	}
	missing := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "officer1"})
	if missing.Status != 422 || missing.ErrorField() != "password" || !hasHan(missing.ErrorMessage()) {
		t.Errorf("missing password = %d %s, want 422 naming password in Chinese", missing.Status, missing.Body)
	}
	bad := s.call("POST", "/api/v1/auth/login", "", "{not json")
	if bad.Status != 400 || bad.ErrorCode() != "invalid" {
		t.Errorf("malformed body = %d %s, want 400 invalid", bad.Status, bad.Body)
	}
	typed := s.call("POST", "/api/v1/auth/login", "", `{"username": 5, "password": "x"}`)
	if typed.Status != 422 || typed.ErrorField() != "username" {
		t.Errorf("wrong type = %d %s, want 422 naming username", typed.Status, typed.Body)
	}
	if r := s.call("GET", "/api/v1/me", "", nil); r.Status != 401 || r.ErrorCode() != "unauthorized" {
		t.Errorf("me without login = %d %s", r.Status, r.Body)
	}
	if r := s.call("GET", "/api/v1/me", "forged-token", nil); r.Status != 401 {
		t.Errorf("me with a forged token = %d", r.Status)
	}
}

var han = regexp.MustCompile(`\p{Han}`)

func hasHan(s string) bool { return han.MatchString(s) }

func TestLoginRateLimit(t *testing.T) {
	s := start(t, func(env map[string]string) {
		env["ZHIFA_LOGIN_MAX_FAILS"] = "3"
		env["ZHIFA_LOGIN_IP_MAX_FAILS"] = "6"
		env["ZHIFA_LOGIN_IP_DELAY"] = "50ms"
	})
	try := func(user, pw string) int {
		return s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": user, "password": pw}).Status
	}
	for i := 0; i < 3; i++ {
		if st := try("officer1", "wrong-pass"); st != 401 {
			t.Fatalf("failure %d = %d, want 401", i+1, st)
		}
	}
	if st := try("officer1", app.DemoPassword); st != 429 {
		t.Errorf("after 3 failures the right password = %d, want 429 (per account)", st)
	}
	r := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "officer1", "password": app.DemoPassword})
	if r.Header.Get("Retry-After") == "" || r.ErrorCode() != "too_many" {
		t.Errorf("429 without Retry-After or code: %v %s", r.Header, r.Body)
	}
	// Another account is still open, and stays open after the address has failed too
	// often: an office shares one address, so the address is slowed, never refused.
	if st := try("officer2", app.DemoPassword); st != 200 {
		t.Errorf("another account = %d, want 200", st)
	}
	for i := 0; i < 3; i++ {
		try("someone"+string(rune('a'+i)), "wrong-pass")
	}
	if st := try("reviewer1", app.DemoPassword); st != 200 {
		t.Errorf("after 6 failures from one address, another account's password = %d, want 200", st)
	}
	if st := try("someoned", "wrong-pass"); st != 401 {
		t.Errorf("a wrong password from a slowed address = %d, want 401 (checked, after a wait)", st)
	}
}

func TestSessionsRevokeAndBearer(t *testing.T) {
	s := start(t)
	tok := s.login("officer1")
	other := s.login("officer1")
	if r := s.call("POST", "/api/v1/auth/logout", tok, nil); r.Status != 204 {
		t.Fatalf("logout = %d %s", r.Status, r.Body)
	}
	if r := s.call("GET", "/api/v1/me", tok, nil); r.Status != 401 {
		t.Errorf("a logged-out token still works: %d", r.Status)
	}
	if r := s.call("GET", "/api/v1/me", other, nil); r.Status != 200 {
		t.Errorf("logging out one session ended another: %d", r.Status)
	}
}

func TestWebLoginAndCSRF(t *testing.T) {
	s := start(t)
	c := s.browser()
	page := s.get(c, "/login")
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(page.Body)
	if page.Status != 200 || csrf == nil {
		t.Fatalf("login page = %d", page.Status)
	}
	if r := s.form(c, "/login", url.Values{"username": {"officer1"}, "password": {app.DemoPassword}}); r.Status != 403 {
		t.Errorf("login form without its token = %d, want 403", r.Status)
	}
	bad := s.form(c, "/login", url.Values{"_csrf": {string(csrf[1])}, "username": {"officer1"}, "password": {"wrong-pass"}})
	if bad.Status != 401 || !strings.Contains(string(bad.Body), "用户名或密码错误") {
		t.Errorf("wrong password on the page = %d", bad.Status)
	}
	ok := s.form(c, "/login", url.Values{"_csrf": {string(csrf[1])}, "username": {"officer1"}, "password": {app.DemoPassword}, "next": {"/officers"}})
	if ok.Status != 303 || ok.Header.Get("Location") != "/officers" {
		t.Fatalf("login = %d → %s", ok.Status, ok.Header.Get("Location"))
	}
	home := s.get(c, "/")
	if home.Status != 200 || !strings.Contains(string(home.Body), "李明") || !strings.Contains(string(home.Body), "我的执法证") {
		t.Fatalf("home page = %d", home.Status)
	}
	// A cookie-borne write without the session's token is refused, with it accepted.
	if r := s.form(c, "/logout", url.Values{}); r.Status != 403 {
		t.Errorf("logout without CSRF token = %d, want 403", r.Status)
	}
	tok := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(home.Body)
	if r := s.form(c, "/logout", url.Values{"_csrf": {string(tok[1])}}); r.Status != 303 {
		t.Errorf("logout with CSRF token = %d, want 303", r.Status)
	}
	if r := s.get(c, "/"); r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Errorf("home after logout = %d → %s, want a redirect to login", r.Status, r.Header.Get("Location"))
	}
	if r := s.form(c, "/login", url.Values{"_csrf": {string(csrf[1])}, "username": {"officer1"},
		"password": {app.DemoPassword}}); r.Status != 403 {
		t.Errorf("a login token reused after its login = %d, want 403", r.Status)
	}
	csrf = regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindSubmatch(s.get(c, "/login").Body)
	if r := s.form(c, "/login", url.Values{"_csrf": {string(csrf[1])}, "username": {"officer1"},
		"password": {app.DemoPassword}, "next": {"//evil.example"}}); r.Header.Get("Location") != "/" {
		t.Errorf("an off-site next was followed: %s", r.Header.Get("Location"))
	}
}
