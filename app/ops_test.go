package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"zhifa/app"
	"zhifa/app/testenv"
)

func TestHealthAndReadiness(t *testing.T) {
	s := start(t)
	if r := s.call("GET", "/healthz", "", nil); r.Status != 200 {
		t.Errorf("healthz = %d", r.Status)
	}
	r := s.call("GET", "/readyz", "", nil)
	if r.Status != 200 {
		t.Errorf("readyz with every component up = %d %s", r.Status, r.Body)
	}
	if id := r.Header.Get("X-Request-Id"); len(id) < 8 {
		t.Errorf("no request ID header: %v", r.Header)
	}
	if r := s.call("DELETE", "/healthz", "", nil); r.Status != 405 {
		t.Errorf("DELETE /healthz = %d, want 405", r.Status)
	}
	if r := s.call("GET", "/api/v1/no-such-thing", s.login("admin"), nil); r.Status != 404 || r.ErrorCode() != "not_found" {
		t.Errorf("unknown API route = %d %s", r.Status, r.Body)
	}
}

// Each component is reached through a proxy the test cuts: readiness names it, logins
// answer 503 rather than 500, and everything recovers by itself when it returns.
func TestComponentOutages(t *testing.T) {
	pg := testenv.NewProxy(t, "127.0.0.1:5432")
	rd := testenv.NewProxy(t, "127.0.0.1:6379")
	mn := testenv.NewProxy(t, testenv.MinIOEndpoint())
	s := start(t, func(env map[string]string) {
		u, _ := url.Parse(env["ZHIFA_DATABASE_URL"])
		u.Host = pg.Addr()
		env["ZHIFA_DATABASE_URL"] = u.String()
		env["ZHIFA_REDIS_URL"] = "redis://" + rd.Addr() + "/0"
		env["ZHIFA_MINIO_ENDPOINT"] = mn.Addr()
	})
	tok := s.login("officer1")
	for _, c := range []struct {
		name  string
		proxy *testenv.Proxy
	}{{"postgres", pg}, {"redis", rd}, {"minio", mn}} {
		c.proxy.Cut()
		r := s.call("GET", "/readyz", "", nil)
		if r.Status != 503 || r.JSON()["component"] != c.name {
			t.Errorf("%s down: readyz = %d %s, want 503 naming it", c.name, r.Status, r.Body)
		}
		if c.name != "minio" {
			login := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "officer2", "password": app.DemoPassword})
			if login.Status != 503 || login.ErrorCode() != "unavailable" || !hasHan(login.ErrorMessage()) {
				t.Errorf("%s down: login = %d %s, want 503 unavailable", c.name, login.Status, login.Body)
			}
			if r := s.call("GET", "/api/v1/officers", tok, nil); r.Status != 503 {
				t.Errorf("%s down: officers = %d %s, want 503", c.name, r.Status, r.Body)
			}
		}
		c.proxy.Restore()
		deadline := time.Now().Add(15 * time.Second)
		for s.call("GET", "/readyz", "", nil).Status != 200 {
			if time.Now().After(deadline) {
				t.Fatalf("%s back: readyz did not recover", c.name)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if r := s.call("GET", "/api/v1/officers", tok, nil); r.Status != 200 {
			t.Errorf("%s back: officers = %d %s", c.name, r.Status, r.Body)
		}
	}
}

func TestMetrics(t *testing.T) {
	s := start(t)
	s.call("GET", "/healthz", "", nil)
	s.login("officer1")
	body := string(s.call("GET", "/metrics", "", nil).Body)
	for _, want := range []string{
		`zhifa_http_requests_total{method="GET",route="/healthz",status="200"}`,
		`zhifa_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"}`,
		`zhifa_http_request_duration_seconds_bucket{method="GET",route="/healthz"`,
		"zhifa_pg_pool_total_conns", "zhifa_redis_pool_total_conns",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	locked := start(t, func(env map[string]string) { env["ZHIFA_METRICS_TOKEN"] = "metrics-secret" })
	if r := locked.call("GET", "/metrics", "", nil); r.Status != 401 {
		t.Errorf("metrics without the token = %d, want 401", r.Status)
	}
	if r := locked.call("GET", "/metrics", "metrics-secret", nil); r.Status != 200 {
		t.Errorf("metrics with the token = %d", r.Status)
	}
}

// Every registered route must be described in the OpenAPI file.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	s := start(t)
	r := s.call("GET", "/api/v1/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json = %d, %v", r.Status, err)
	}
	cfg, _ := app.LoadConfig(testenv.Getenv(s.env))
	a, err := app.New(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	routes := a.Routes()
	if len(routes) < 20 {
		t.Fatalf("only %d routes registered", len(routes))
	}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		if _, ok := doc.Paths[path][strings.ToLower(method)]; !ok {
			t.Errorf("%s is registered but missing from app/openapi.json", rt)
		}
	}
}

func TestActivityLog(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "officer1", "password": "wrong-pass"})
	s.call("PUT", "/api/v1/calendar/2027", admin, map[string]any{"source": "测试", "holidays": []map[string]string{{"date": "2027-01-01", "name": "元旦"}}})
	r := s.call("GET", "/api/v1/activity?page_size=50", admin, nil)
	var found, failed, login bool
	for _, e := range items(r) {
		switch {
		case e["path"] == "/api/v1/calendar/2027" && e["username"] == "admin" && e["status"] == float64(200) && e["ip"] != "":
			found = true
		case e["path"] == "/api/v1/auth/login" && e["username"] == "officer1" && e["status"] == float64(401):
			failed = true
		case e["path"] == "/api/v1/auth/login" && e["username"] == "admin" && e["status"] == float64(200):
			login = true
		}
	}
	if !found || !failed || !login {
		t.Errorf("activity log lacks the calendar change (%v), the failed login (%v) or the login (%v): %s", found, failed, login, r.Body)
	}
	if r := s.call("GET", "/api/v1/activity?username=admin&q=calendar", admin, nil); total(r) != 1 {
		t.Errorf("search by user and path = %d entries, want 1", total(r))
	}
	if r := s.call("GET", "/api/v1/activity?from=2020-13-01", admin, nil); r.Status != 422 || r.ErrorField() != "from" {
		t.Errorf("bad date = %d %s", r.Status, r.Body)
	}
}

func TestCalendarAPI(t *testing.T) {
	s := start(t)
	admin, officer := s.login("admin"), s.login("officer1")
	r := s.call("GET", "/api/v1/calendar/2026", officer, nil)
	var y struct {
		Source   string `json:"source"`
		Holidays []struct {
			Date, Name string
		} `json:"holidays"`
		Workdays []struct{ Date, Name string } `json:"workdays"`
	}
	_ = json.Unmarshal(r.Body, &y)
	if r.Status != 200 || len(y.Holidays) != 33 || len(y.Workdays) != 6 || !strings.Contains(y.Source, "国务院办公厅") {
		t.Fatalf("2026 calendar = %d, %d holidays, %d workdays, %q", r.Status, len(y.Holidays), len(y.Workdays), y.Source)
	}
	put := map[string]any{"source": "国务院办公厅关于2027年部分节假日安排的通知",
		"holidays": []map[string]string{{"date": "2027-01-01", "name": "元旦"}},
		"workdays": []map[string]string{{"date": "2027-02-06", "name": "春节调休上班"}}}
	if r := s.call("PUT", "/api/v1/calendar/2027", admin, put); r.Status != 200 {
		t.Fatalf("put 2027 = %d %s", r.Status, r.Body)
	}
	if r := s.call("GET", "/api/v1/calendar/2027", officer, nil); !strings.Contains(string(r.Body), "2027-02-06") {
		t.Errorf("2027 after put = %s", r.Body)
	}
	put["workdays"] = []map[string]string{{"date": "2027-02-08", "name": "周一"}}
	if r := s.call("PUT", "/api/v1/calendar/2027", admin, put); r.Status != 422 || r.ErrorField() != "workdays" {
		t.Errorf("make-up workday on a Monday = %d %s, want 422 on workdays", r.Status, r.Body)
	}
	put["holidays"] = []map[string]string{{"date": "2027/01/01", "name": "元旦"}}
	if r := s.call("PUT", "/api/v1/calendar/2027", admin, put); r.Status != 422 {
		t.Errorf("malformed date = %d %s, want 422", r.Status, r.Body)
	}
	if r := s.call("GET", "/api/v1/calendar/1900", officer, nil); r.Status != 422 || r.ErrorField() != "year" {
		t.Errorf("year 1900 = %d %s", r.Status, r.Body)
	}
}

func TestServeRefusesOutdatedSchema(t *testing.T) {
	env := map[string]string{"ZHIFA_ENV": "test", "ZHIFA_DATABASE_URL": testenv.Database(t, ""), "ZHIFA_REDIS_PREFIX": testenv.RedisPrefix(t)}
	cfg, _ := app.LoadConfig(testenv.Getenv(env))
	a, err := app.New(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.CheckSchema(context.Background()); err != nil {
		t.Errorf("a migrated database was refused: %v", err)
	}
	name := "zt_" + testenv.Suffix()
	if err := createEmpty(name); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = testenv.DropDatabase(context.Background(), name) }()
	env["ZHIFA_DATABASE_URL"] = testenv.DatabaseURL(name)
	err = app.Run(context.Background(), []string{"serve"}, testenv.Getenv(env), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "zhifa migrate") {
		t.Errorf("serve on an empty database: %v, want a refusal that says to migrate", err)
	}
}

func createEmpty(name string) error {
	return testenv.CreateDatabase(context.Background(), name, "template0")
}

func TestSeedRefusedInProduction(t *testing.T) {
	env := map[string]string{"ZHIFA_ENV": "production", "ZHIFA_DATABASE_URL": testenv.Database(t, ""),
		"ZHIFA_MINIO_SECRET_KEY": "x", "ZHIFA_REDIS_PREFIX": testenv.RedisPrefix(t)}
	err := app.Run(context.Background(), []string{"seed"}, testenv.Getenv(env), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "production") {
		t.Errorf("seed in production: %v, want a refusal", err)
	}
}

func TestConfig(t *testing.T) {
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	cfg, err := app.LoadConfig(get(map[string]string{"HOME": t.TempDir()}))
	if err != nil || cfg.Listen != ":8080" || cfg.MinIOBucket == "" || cfg.SessionLifetime != 12*time.Hour {
		t.Fatalf("defaults = %+v, %v", cfg, err)
	}
	secret := t.TempDir() + "/db"
	_ = os.WriteFile(secret, []byte("postgres://zhifa:hunter2@db.internal/zhifa\n"), 0o600)
	cfg, err = app.LoadConfig(get(map[string]string{"ZHIFA_DATABASE_URL_FILE": secret, "ZHIFA_MINIO_SECRET_KEY": "m1n10-s3cret"}))
	if err != nil || !strings.Contains(cfg.DatabaseURL, "hunter2") {
		t.Fatalf("_FILE secret not read: %v", err)
	}
	masked, _ := json.Marshal(fieldsOf(cfg))
	if strings.Contains(string(masked), "hunter2") || strings.Contains(string(masked), "m1n10-s3cret") {
		t.Errorf("masked configuration shows a secret: %s", masked)
	}
	// Production needs the log's key like every other secret, and the key never shows.
	prod := map[string]string{"ZHIFA_ENV": "production", "HOME": t.TempDir(), "ZHIFA_QR_KEY": strings.Repeat("q", 32),
		"ZHIFA_MINIO_SECRET_KEY": "m1n10-s3cret", "ZHIFA_PUBLIC_URL": "https://zhifa.example.gov.cn"}
	if _, err := app.LoadConfig(get(prod)); err == nil || !strings.Contains(err.Error(), "ZHIFA_LOG_KEY") {
		t.Errorf("production without ZHIFA_LOG_KEY: %v", err)
	}
	prod["ZHIFA_LOG_KEY"] = strings.Repeat("ab", 32)
	if _, err := app.LoadConfig(get(prod)); err == nil || !strings.Contains(err.Error(), "ZHIFA_CHECK_KEY") {
		t.Errorf("production without ZHIFA_CHECK_KEY: %v", err)
	}
	prod["ZHIFA_CHECK_KEY"] = strings.Repeat("cd", 32)
	if _, err := app.LoadConfig(get(prod)); err == nil || !strings.Contains(err.Error(), "ZHIFA_DOCUMENT_KEY") {
		t.Errorf("production without ZHIFA_DOCUMENT_KEY: %v", err)
	}
	prod["ZHIFA_DOCUMENT_KEY"] = strings.Repeat("ef", 32)
	if _, err := app.LoadConfig(get(prod)); err == nil || !strings.Contains(err.Error(), "ZHIFA_EXCHANGE_KEY") {
		t.Errorf("production without ZHIFA_EXCHANGE_KEY: %v", err)
	}
	prod["ZHIFA_EXCHANGE_KEY"] = strings.Repeat("12", 32)
	if _, err := app.LoadConfig(get(prod)); err == nil || !strings.Contains(err.Error(), "ZHIFA_LOG_ORIGIN") {
		t.Errorf("production without ZHIFA_LOG_ORIGIN: %v", err)
	}
	prod["ZHIFA_LOG_ORIGIN"] = "zhifa.example.gov.cn/zhifa-log"
	cfg, err = app.LoadConfig(get(prod))
	if err != nil || cfg.LogOrigin != "zhifa.example.gov.cn/zhifa-log" {
		t.Errorf("production with a log key: origin %q, %v", cfg.LogOrigin, err)
	}
	if masked, _ := json.Marshal(fieldsOf(cfg)); strings.Contains(string(masked), strings.Repeat("ab", 32)) || strings.Contains(string(masked), strings.Repeat("cd", 32)) ||
		strings.Contains(string(masked), strings.Repeat("ef", 32)) || strings.Contains(string(masked), strings.Repeat("12", 32)) {
		t.Errorf("masked configuration shows the log key or the check key: %s", masked)
	}
	for _, bad := range []map[string]string{
		{"ZHIFA_ENV": "staging"}, {"ZHIFA_SESSION_LIFETIME": "soon"}, {"ZHIFA_BODY_LIMIT": "12"},
		{"ZHIFA_ENV": "production", "HOME": t.TempDir()}, {"ZHIFA_LOG_LEVEL": "loud"}, {"ZHIFA_LOG_ORIGIN": "a+b"}, {"ZHIFA_LOG_KEY": "not-hex"},
		{"ZHIFA_CHECK_KEY": "not-hex"}, {"ZHIFA_DOCUMENT_KEY": "not-hex"},
	} {
		if _, err := app.LoadConfig(get(bad)); err == nil {
			t.Errorf("configuration %v accepted", bad)
		}
	}
}

func fieldsOf(cfg app.Config) map[string]any {
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range cfg.Masked() {
		f.AddTo(enc)
	}
	return enc.Fields
}
