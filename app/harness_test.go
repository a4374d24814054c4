package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"zhifa/app"
	"zhifa/app/testenv"
)

// seeded is a database holding the demo county, made once per test run; each test
// gets its own copy of it.
var seeded string

// templateEnv hands a seeded template's name to fuzzing's worker processes, and to every
// target of make fuzz, which seeds one for them all.
const (
	templateEnv     = "ZHIFA_TEST_SEEDED_TEMPLATE"
	seedOnlyEnv     = "ZHIFA_TEST_SEED_ONLY"
	dropTemplateEnv = "ZHIFA_TEST_DROP_TEMPLATE"
)

func TestMain(m *testing.M) {
	os.Exit(func() int {
		ctx := context.Background()
		// Fuzzing runs this binary again as worker processes, which inherit the
		// environment: they use the template the coordinator seeded instead of seeding
		// the demo county again each (which took most of a short -fuzztime).
		if name := os.Getenv(templateEnv); name != "" {
			seeded = name
			return m.Run()
		}
		// make fuzz seeds one template for all its targets (seedOnlyEnv) and drops it
		// when they are done (dropTemplateEnv), instead of one seed a target.
		if name := os.Getenv(dropTemplateEnv); name != "" {
			if err := testenv.DropDatabase(ctx, name); err != nil {
				fmt.Fprintln(os.Stderr, "drop template:", err)
				return 1
			}
			return 0
		}
		keep := os.Getenv(seedOnlyEnv)
		seeded = "zt_tpl_" + testenv.Suffix()
		if keep != "" {
			seeded = keep
		}
		if err := testenv.CreateDatabase(ctx, seeded, ""); err != nil {
			fmt.Fprintln(os.Stderr, "template database:", err)
			return 1
		}
		if keep == "" {
			defer func() { _ = testenv.DropDatabase(ctx, seeded) }()
		}
		// The demo's supervision documents are PDFs in MinIO: the seed writes them to a
		// bucket of its own, removed with the template (each test has its own bucket).
		bucket := "zt-tpl-" + testenv.Suffix()
		defer func() { _ = testenv.RemoveBucket(bucket) }()
		cfg, err := app.LoadConfig(testenv.Getenv(map[string]string{
			"ZHIFA_ENV": "test", "ZHIFA_DATABASE_URL": testenv.DatabaseURL(seeded), "ZHIFA_MINIO_BUCKET": bucket}))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		a, err := app.New(ctx, cfg, zap.NewNop())
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		err = a.Seed(ctx, io.Discard)
		a.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, "seed:", err)
			return 1
		}
		if keep != "" {
			return 0
		}
		os.Setenv(templateEnv, seeded)
		return m.Run()
	}())
}

// server is a real zhifa on a free port, over a database, key prefix and bucket of
// the test's own.
type server struct {
	t    testing.TB
	URL  string
	env  map[string]string
	stop func() // ends the process now (it ends with the test anyway)
}

// start runs zhifa with the demo county loaded; change edits its environment first.
func start(t testing.TB, change ...func(env map[string]string)) *server {
	t.Helper()
	clearOfMidnight(t)
	env := testenv.Env(t, seeded)
	for _, c := range change {
		c(env)
	}
	return serveEnv(t, env)
}

// serveEnv runs zhifa over an environment made before: a second process on the same
// database, key prefix and bucket, as after a restart.
func serveEnv(t testing.TB, env map[string]string) *server {
	t.Helper()
	cfg, err := app.LoadConfig(testenv.Getenv(env))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, zaptest.NewLogger(t, zaptest.Level(zap.WarnLevel)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.EnsureBucket(ctx); err != nil && !strings.Contains(env["ZHIFA_MINIO_ENDPOINT"], "127.0.0.1:9000") {
		t.Logf("bucket: %v", err)
	} else if err != nil {
		t.Fatal(err)
	}
	addr, err := a.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("serve: %v", err)
			}
			a.Close()
		})
	}
	t.Cleanup(stop)
	return &server{t: t, URL: "http://" + addr, env: env, stop: stop}
}

// midnightMargin is longer than any one test takes.
const midnightMargin = 3 * time.Minute

// clearOfMidnight holds a test that would start in the last minutes of a day in
// Asia/Shanghai until the new day has begun. Tests compute "today" and "this year" beside
// the server, which computes them too; a day (or a year) that turns between the two would
// fail a test for nothing. Waiting is rare and short, and says so.
func clearOfMidnight(t testing.TB) {
	now := time.Now().In(shanghai)
	next := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, shanghai)
	if left := next.Sub(now); left < midnightMargin {
		t.Logf("waiting %s for midnight in Asia/Shanghai to pass before starting", left.Round(time.Second))
		time.Sleep(left + time.Second)
	}
}

var shanghai = time.FixedZone("CST", 8*3600)

// response is what a call answered.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r response) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

// ErrorCode and ErrorField read the API error body.
func (r response) ErrorCode() string {
	e, _ := r.JSON()["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}
func (r response) ErrorField() string {
	e, _ := r.JSON()["error"].(map[string]any)
	s, _ := e["field"].(string)
	return s
}
func (r response) ErrorMessage() string {
	e, _ := r.JSON()["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// call sends a request with a bearer token (when given) and a JSON body (when not nil).
func (s *server) call(method, path, token string, body any) response {
	s.t.Helper()
	if body == nil {
		return s.send(method, path, token, "", nil)
	}
	var rd io.Reader
	if raw, ok := body.(string); ok {
		rd = strings.NewReader(raw)
	} else {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	return s.send(method, path, token, "application/json", rd)
}

// send sends a body of the given type (none when empty) with a bearer token (when given).
func (s *server) send(method, path, token, contentType string, body io.Reader) response {
	s.t.Helper()
	req, _ := http.NewRequest(method, s.URL+path, body)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

// login signs a demo account in through the API and returns its token.
func (s *server) login(username string) string {
	s.t.Helper()
	r := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": username, "password": app.DemoPassword})
	if r.Status != 200 {
		s.t.Fatalf("login %s: %d %s", username, r.Status, r.Body)
	}
	tok, _ := r.JSON()["token"].(string)
	return tok
}

// browser is an HTTP client with a cookie jar, as a web page user has.
func (s *server) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *server) form(c *http.Client, path string, v url.Values) response {
	s.t.Helper()
	resp, err := c.PostForm(s.URL+path, v)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func (s *server) get(c *http.Client, path string) response {
	s.t.Helper()
	resp, err := c.Get(s.URL + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

func items(r response) []map[string]any {
	var l struct {
		Items []map[string]any `json:"items"`
		Total int              `json:"total"`
	}
	_ = json.Unmarshal(r.Body, &l)
	return l.Items
}

func total(r response) int {
	n, _ := r.JSON()["total"].(float64)
	return int(n)
}
