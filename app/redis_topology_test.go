package app_test

import (
	"net/url"
	"testing"
	"time"

	"zhifa/app/testenv"
)

// redisWorkout runs everything zhifa keeps in Redis through a server: logins (the account
// and address gates, a known device), a failed password, an account locked, sessions
// ended by logout and by disabling the account, the portal's rate limit and cache, an
// idempotent create, and a draw (the pool's build under MULTI with its RENAMEs, its reads
// and its drop). On a Cluster each would fail with CROSSSLOT if its keys spanned slots.
func redisWorkout(t *testing.T, s *server) inspectionSetup {
	t.Helper()
	admin := s.login("admin")
	br, csrf := webLogin(t, s, "officer1")
	if p := s.get(br, "/cases"); p.Status != 200 {
		t.Fatalf("a page behind the web login = %d", p.Status)
	}
	if r := s.form(br, "/logout", url.Values{"_csrf": {csrf}}); r.Status != 303 {
		t.Errorf("logout = %d", r.Status)
	}
	if p := s.get(br, "/cases"); p.Status != 303 && p.Status != 302 {
		t.Errorf("a page after logout = %d, want a redirect to the login", p.Status)
	}
	bad := map[string]any{"username": "no-such-officer", "password": "wrong-password"}
	for i := range 5 {
		if r := s.call("POST", "/api/v1/auth/login", "", bad); r.Status != 401 {
			t.Fatalf("wrong password %d = %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := s.call("POST", "/api/v1/auth/login", "", bad); r.Status != 429 {
		t.Errorf("the sixth wrong password = %d, want the account locked", r.Status)
	}
	var rv2 string
	for _, u := range items(s.call("GET", "/api/v1/users?role=reviewer&page_size=200", admin, nil)) {
		if u["username"] == "reviewer2" {
			rv2 = u["id"].(string)
		}
	}
	rv := s.login("reviewer2")
	s.login("reviewer2")
	if r := s.call("PATCH", "/api/v1/users/"+rv2, admin, map[string]any{"disabled": true}); r.Status != 200 {
		t.Fatalf("disable = %d %s", r.Status, r.Body)
	}
	if r := s.call("GET", "/api/v1/me", rv, nil); r.Status != 401 {
		t.Errorf("a disabled account's session = %d", r.Status)
	}
	for range 2 {
		if r := s.public("/public/"); r.Status != 200 {
			t.Fatalf("the portal = %d", r.Status)
		}
	}
	f := fixture(s)
	in := f.input()
	first := s.postOnce(f.tok, "/api/v1/cases", "redis-workout-1", in)
	again := s.postOnce(f.tok, "/api/v1/cases", "redis-workout-1", in)
	if first.Status != 201 || again.Status != 201 || first.JSON()["id"] != again.JSON()["id"] {
		t.Errorf("an idempotent create = %d, %d", first.Status, again.Status)
	}
	st := setupInspection(s)
	r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task("集群测试", func(m map[string]any) { m["agency_ids"] = []string{st.market} }))
	if r.Status != 201 {
		t.Fatalf("create task = %d %s", r.Status, r.Body)
	}
	d := s.call("POST", "/api/v1/inspection/tasks/"+r.JSON()["id"].(string)+"/draw", st.supervisor, map[string]any{"witness": "1"})
	if d.Status != 201 {
		t.Fatalf("draw = %d %s", d.Status, d.Body)
	}
	if v := s.public("/public/api/draws/" + d.JSON()["id"].(string) + "/verify").JSON(); v["ok"] != true {
		t.Errorf("verify = %v", v)
	}
	return st
}

// drawThroughFailover kills the Redis master holding a task's pool just before its draw:
// the draw either succeeds and verifies, or fails with 503 leaving no draw, and within
// 10 s of the kill a draw succeeds, verifies, and is the task's only one.
func drawThroughFailover(t *testing.T, s *server, st inspectionSetup, kill func(task string)) {
	t.Helper()
	r := s.call("POST", "/api/v1/inspection/tasks", st.supervisor, st.task("故障切换测试", func(m map[string]any) { m["agency_ids"] = []string{st.market} }))
	if r.Status != 201 {
		t.Fatalf("create task = %d %s", r.Status, r.Body)
	}
	task := r.JSON()["id"].(string)
	killed := time.Now()
	kill(task)
	var drawID string
	for drawID == "" {
		d := s.call("POST", "/api/v1/inspection/tasks/"+task+"/draw", st.supervisor, map[string]any{"witness": "2"})
		switch {
		case d.Status == 201:
			drawID = d.JSON()["id"].(string)
		case d.Status == 503 || d.Status == 401:
			// Redis is failing over (a session on the lost master reads as none); nothing
			// may have been drawn.
			var n int
			s.query(t, `SELECT count(*) FROM inspection_draws WHERE task_id = '`+task+`'`, &n)
			if n != 0 {
				t.Fatalf("a failed draw left %d draws", n)
			}
			if time.Since(killed) > 10*time.Second {
				t.Fatalf("no draw 10 s after the master was killed: %d %s", d.Status, d.Body)
			}
			if d.Status == 401 {
				st.supervisor = s.login("supervisor1")
			}
			time.Sleep(200 * time.Millisecond)
		default:
			t.Fatalf("draw during the failover = %d %s", d.Status, d.Body)
		}
	}
	t.Logf("drawn %.1f s after the master was killed", time.Since(killed).Seconds())
	if v := s.public("/public/api/draws/" + drawID + "/verify").JSON(); v["ok"] != true {
		t.Errorf("verify after the failover = %v", v)
	}
	var n int
	s.query(t, `SELECT count(*) FROM inspection_draws WHERE task_id = '`+task+`'`, &n)
	if n != 1 {
		t.Errorf("the task has %d draws", n)
	}
}

// On a Redis Cluster (three masters with a replica each, on loopback) everything works,
// and killing the master that holds a task's pool mid-way yields the task's one verified
// draw within 10 s.
func TestRedisCluster(t *testing.T) {
	u, nodes := testenv.RedisCluster(t)
	s := start(t, func(env map[string]string) {
		env["ZHIFA_REDIS_MODE"], env["ZHIFA_REDIS_URL"] = "cluster", u
	})
	st := redisWorkout(t, s)
	drawThroughFailover(t, s, st, func(task string) {
		testenv.MasterOf(t, nodes, s.env["ZHIFA_REDIS_PREFIX"]+"insp:pool:{"+task+"}:meta").Kill()
	})
}

// With Sentinel watching a master and its replica, everything works, and the master
// killed before a draw is replaced within 10 s.
func TestRedisSentinel(t *testing.T) {
	u, master, _ := testenv.RedisSentinel(t)
	s := start(t, func(env map[string]string) {
		env["ZHIFA_REDIS_MODE"], env["ZHIFA_REDIS_URL"] = "sentinel", u
	})
	st := redisWorkout(t, s)
	drawThroughFailover(t, s, st, func(string) { master.Kill() })
}
