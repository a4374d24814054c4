package app_test

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"zhifa/app"
)

// alertsOf lists the open alerts of a rule, computing them first as the list does.
func (s *server) alertsOf(tok, rule string) []map[string]any {
	s.t.Helper()
	r := s.call("GET", "/api/v1/supervision/alerts?page_size=200&kind="+rule, tok, nil)
	if r.Status != 200 {
		s.t.Fatalf("alerts = %d %s", r.Status, r.Body)
	}
	return items(r)
}

func alertFor(list []map[string]any, ref string) map[string]any {
	for _, a := range list {
		if strings.HasPrefix(a["ref_id"].(string), ref) {
			return a
		}
	}
	return nil
}

// An alert is raised when its condition begins, names its rule and row, becomes a clue
// once, and closes itself when the condition ends: a seizure past 30 days is overdue
// until its extension is recorded.
func TestSupervisionAlerts(t *testing.T) {
	s := start(t)
	f := fixture(s)
	sup := s.login("supervisor1")
	if r := s.call("GET", "/api/v1/supervision/alerts", f.tok, nil); r.Status != 403 {
		t.Errorf("an officer listed alerts: %d", r.Status)
	}
	id := s.newCase(f)
	if r := s.call("POST", "/api/v1/cases/"+id+"/measures", f.tok, map[string]any{"measure": "seizure", "reason": "扣押过期食品"}); r.Status != 201 {
		t.Fatalf("seizure = %d %s", r.Status, r.Body)
	}
	if a := alertFor(s.alertsOf(sup, "seizure_overdue"), id); a != nil {
		t.Errorf("a seizure of today raised %v", a)
	}
	// Forty days pass.
	s.exec(t, `UPDATE case_measures SET taken_at = taken_at - interval '40 days' WHERE case_id = '`+id+`'`)
	a := alertFor(s.alertsOf(sup, "seizure_overdue"), id)
	if a == nil || a["rule_label"] != "查封、扣押超过期限" || !strings.Contains(a["detail"].(string), "已 40 日") || a["link"] != "/cases/"+id {
		t.Fatalf("overdue seizure alert = %v", a)
	}
	// It is new to supervisor1 until they open its list; their home page says so.
	ruleCount := func(code string) map[string]any {
		for _, n := range items(s.call("GET", "/api/v1/supervision/alerts/rules", sup, nil)) {
			if n["code"] == code {
				return n
			}
		}
		return nil
	}
	if n := ruleCount("seizure_overdue"); n["new"].(float64) < 1 || n["new"].(float64) > n["open"].(float64) {
		t.Errorf("seizure alerts before supervisor1 looked = %v", n)
	}
	web, _ := webLogin(t, s, "supervisor1")
	if home := string(s.get(web, "/").Body); !strings.Contains(home, "查封、扣押超过期限") || !strings.Contains(home, "新增") {
		t.Errorf("the home page does not tell of the new seizure alert")
	}
	if page := string(s.get(web, "/supervision/alerts?kind=seizure_overdue").Body); !strings.Contains(page, "已 40 日") {
		t.Errorf("the alerts page does not list the seizure")
	}
	if n := ruleCount("seizure_overdue"); n["new"].(float64) != 0 {
		t.Errorf("seizure alerts after supervisor1 looked = %v", n)
	}
	// It becomes a clue, once.
	r := s.call("POST", "/api/v1/supervision/alerts/"+a["id"].(string)+"/clue", sup, nil)
	if r.Status != 201 || r.JSON()["source"] != "alert" || !strings.Contains(r.JSON()["content"].(string), "查封、扣押超过期限") {
		t.Fatalf("alert to clue = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/alerts/"+a["id"].(string)+"/clue", sup, nil); r.Status != 409 {
		t.Errorf("the same alert twice = %d", r.Status)
	}
	// The extension ends the condition: the alert closes by itself.
	if r := s.call("POST", "/api/v1/cases/"+id+"/measures", f.tok, map[string]any{"measure": "seizure_extension", "reason": "情况复杂，经负责人批准延长"}); r.Status != 201 {
		t.Fatalf("extension = %d %s", r.Status, r.Body)
	}
	if a := alertFor(s.alertsOf(sup, "seizure_overdue"), id); a != nil {
		t.Errorf("the alert stays open after the extension: %v", a)
	}
	closed := items(s.call("GET", "/api/v1/supervision/alerts?state=closed&kind=seizure_overdue", sup, nil))
	if c := alertFor(closed, id); c == nil || c["closed_at"] == nil || c["clue_number"] == "" {
		t.Errorf("closed alert = %v", c)
	}
	// Preferences: a rule that does not exist is refused; the chosen ones are kept.
	if r := s.call("PUT", "/api/v1/supervision/alerts/preferences", sup, map[string]any{"rules": []string{"nonsense"}}); r.Status != 422 {
		t.Errorf("unknown rule = %d", r.Status)
	}
	if r := s.call("PUT", "/api/v1/supervision/alerts/preferences", sup, map[string]any{"rules": []string{"seizure_overdue"}}); r.Status != 200 {
		t.Errorf("preferences = %d %s", r.Status, r.Body)
	}
	for _, n := range items(s.call("GET", "/api/v1/supervision/alerts/rules", sup, nil)) {
		if want := n["code"] == "seizure_overdue"; n["notify"] != want {
			t.Errorf("rule %v notify = %v", n["code"], n["notify"])
		}
	}
}

// The demo county's records trigger alerts of every rule.
func TestDemoAlertsOfEveryRule(t *testing.T) {
	s := start(t)
	sup := s.login("supervisor1")
	rules := items(s.call("GET", "/api/v1/supervision/alerts/rules", sup, nil))
	s.alertsOf(sup, "")
	rules = items(s.call("GET", "/api/v1/supervision/alerts/rules", sup, nil))
	var none []string
	for _, r := range rules {
		if r["open"].(float64) == 0 {
			none = append(none, fmt.Sprint(r["code"]))
		}
	}
	if len(none) > 0 {
		t.Errorf("no open alert of %v in the demo", none)
	}
	// A deadline's alert keeps its due day and reads the days past it as of today.
	late := s.alertsOf(sup, "decision_overdue")
	if len(late) == 0 || !regexp.MustCompile(`立案，应于 \d{4}-\d{2}-\d{2} 前作出决定，已逾期 \d+ 天$`).MatchString(late[0]["detail"].(string)) {
		t.Errorf("a decision's alert reads %v", late)
	}
}

// BenchmarkSupervisorHome renders supervisor1's home page, with its alerts, clues and
// supervision work, on the demo county, one request at a time (target < 200 ms), beside
// /healthz on the same server as the baseline.
func BenchmarkSupervisorHome(b *testing.B) {
	s := start(b)
	c := s.browser()
	login := csrfRe.FindSubmatch(s.get(c, "/login").Body)
	if r := s.form(c, "/login", url.Values{"_csrf": {string(login[1])}, "username": {"supervisor1"}, "password": {app.DemoPassword}}); r.Status != 303 {
		b.Fatalf("login = %d", r.Status)
	}
	if r := s.get(c, "/supervision/alerts"); r.Status != 200 { // computed once, as every five minutes
		b.Fatalf("alerts = %d", r.Status)
	}
	timed := func(path string, n int) (mean, p99 time.Duration) {
		var ds []time.Duration
		for range n {
			t := time.Now()
			if r := s.get(c, path); r.Status != 200 {
				b.Fatalf("%s = %d", path, r.Status)
			}
			ds = append(ds, time.Since(t))
		}
		slices.Sort(ds)
		var sum time.Duration
		for _, d := range ds {
			sum += d
		}
		return sum / time.Duration(n), ds[n*99/100]
	}
	home, homeP99 := timed("/", 200)
	health, healthP99 := timed("/healthz", 200)
	b.Logf("supervisor's home: mean %.1f ms, p99 %.1f ms (target < 200 ms); /healthz mean %.2f ms, p99 %.2f ms; ratio of means %.0f",
		ms(home), ms(homeP99), ms(health), ms(healthP99), float64(home)/float64(health))
	for b.Loop() {
		s.get(c, "/")
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
