package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var onceRe = regexp.MustCompile(`name="_once" value="([^"]+)"`)

// postOnce sends a JSON body with an Idempotency-Key.
func (s *server) postOnce(tok, path, key string, body any) response {
	s.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", s.URL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Idempotency-Key", key)
	return s.do(req)
}

// A create is idempotent: the same key and body answer the first result (status and
// body), another body under the same key is refused, and only one case — one official
// number — is made. Without a key, each request is its own.
func TestCreatesAreIdempotent(t *testing.T) {
	s := start(t)
	f := fixture(s)
	count := func() (n int) {
		if err := dbConn(t, s).QueryRow(context.Background(), `SELECT count(*) FROM cases`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	// One body for both: input() stamps the time, and a second boundary between two calls
	// would make them different requests.
	in := f.input()
	first := s.postOnce(f.tok, "/api/v1/cases", "file-1", in)
	again := s.postOnce(f.tok, "/api/v1/cases", "file-1", in)
	if first.Status != 201 || again.Status != 201 || !bytes.Equal(first.Body, again.Body) || again.Header.Get("Idempotent-Replay") != "true" {
		t.Fatalf("a repeat answered %d %s, first %d %s: want the same 201 and body", again.Status, truncated(again.Body), first.Status, truncated(first.Body))
	}
	other := f.input()
	other["cause"] = "另一案由"
	if r := s.postOnce(f.tok, "/api/v1/cases", "file-1", other); r.Status != 409 || r.ErrorField() != "Idempotency-Key" {
		t.Errorf("another body under a used key = %d %s, want 409", r.Status, r.Body)
	}
	if n := count(); n != before+1 {
		t.Errorf("%d cases made, want 1", n-before)
	}
	// The key belongs to its user: another officer's request with the same key is theirs.
	o2 := s.login("officer2")
	theirs := s.postOnce(o2, "/api/v1/cases", "file-1", f.input())
	if theirs.Status != 201 || theirs.JSON()["id"] == first.JSON()["id"] {
		t.Errorf("another user's same key = %d %s, want a case of their own", theirs.Status, theirs.Body)
	}
	// A refusal keeps nothing: the corrected request under the same key goes through.
	bad := f.input()
	bad["handler_ids"] = []string{f.o1}
	if r := s.postOnce(f.tok, "/api/v1/cases", "file-2", bad); r.Status != 422 {
		t.Fatalf("one handler = %d", r.Status)
	}
	third := s.postOnce(f.tok, "/api/v1/cases", "file-2", f.input())
	if third.Status != 201 {
		t.Fatalf("corrected request under the key of a refused one = %d %s, want 201", third.Status, third.Body)
	}
	// No number was spent on the repeat, the refusal or the conflict: the three cases made
	// have consecutive numbers.
	seq := func(r response) int {
		m := regexp.MustCompile(`〕(\d+)号`).FindStringSubmatch(r.JSON()["number"].(string))
		n, _ := strconv.Atoi(m[1])
		return n
	}
	if a, b, c := seq(first), seq(theirs), seq(third); b != a+1 || c != a+2 {
		t.Errorf("case numbers %d, %d, %d: want three consecutive numbers", a, b, c)
	}
	if r := s.postOnce(f.tok, "/api/v1/cases", strings.Repeat("x", 200), f.input()); r.Status != 422 {
		t.Errorf("a 200-character key = %d, want 422", r.Status)
	}
}

// Back and submit on the filing page makes nothing twice: the form's one-time key
// replays the first answer, to the case already filed.
func TestFilingFormTwiceFilesOnce(t *testing.T) {
	s := start(t)
	f := fixture(s)
	b, csrf := webLogin(t, s, "officer1")
	page := s.get(b, "/cases/new")
	once := onceRe.FindSubmatch(page.Body)
	if once == nil {
		t.Fatal("the filing form carries no one-time key")
	}
	form := url.Values{"_csrf": {csrf}, "_once": {string(once[1])}, "kind": {"penalty"}, "cause": {"重复提交测试案由"},
		"legal_basis": {"《中华人民共和国食品安全法》第三十四条"}, "party_type": {"person"}, "party_name": {"张三"},
		"party_id_number": {"11010519491231002X"}, "handler_ids": {f.o1, f.o2}, "occurred_at": {"2026-11-20T10:00"}}
	first := s.form(b, "/cases/new", form)
	second := s.form(b, "/cases/new", form)
	if first.Status != 303 || second.Status != 303 || first.Header.Get("Location") != second.Header.Get("Location") {
		t.Fatalf("filing twice = %d → %q, then %d → %q; want both to the same case", first.Status, first.Header.Get("Location"),
			second.Status, second.Header.Get("Location"))
	}
	if n := total(s.call("GET", "/api/v1/cases?q="+url.QueryEscape("重复提交测试案由"), f.tok, nil)); n != 1 {
		t.Errorf("%d cases filed, want 1", n)
	}
	if landed := string(s.get(b, second.Header.Get("Location")).Body); !strings.Contains(landed, "该表单已经提交过") {
		t.Error("the page after a repeated submission does not say it was not filed again")
	}
	// Back, another cause, submit: refused in the officer's words, not the API's.
	form.Set("cause", "另一案由")
	if r := s.form(b, "/cases/new", form); r.Status != 409 || !strings.Contains(string(r.Body), "请刷新页面") || strings.Contains(string(r.Body), "幂等键") {
		t.Errorf("the same form with other contents = %d\n%.600s", r.Status, r.Body)
	}
}
