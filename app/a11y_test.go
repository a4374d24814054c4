package app_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"zhifa/app/localdev"
)

// axeViolation is what axe-core reports for one rule a page breaks.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  int    `json:"nodes"`
}

// TestBrowserPortalAccessibility runs axe-core (WCAG 2 A and AA rules) on the public
// pages, then on an officer's pages, at a phone's size and fails on any serious or
// critical violation.
func TestBrowserPortalAccessibility(t *testing.T) {
	axe := loadAxe(t)
	s := start(t)
	f := fixture(s)
	id := s.decidedCase(f)
	did := items(s.call("GET", "/api/v1/disclosures?case_id="+id, f.tok, nil))[0]["id"].(string)
	if r := s.call("POST", "/api/v1/disclosures/"+did+"/publish", f.tok, nil); r.Status != 200 {
		t.Fatalf("publish before the scan = %d %s: the decision page would be scanned as a 404", r.Status, r.Body)
	}
	// Inspection pages: a drawn demo task on the portal, and a check of officer1's.
	var drawn string
	for _, d := range items(s.public("/public/api/draws?page_size=50")) {
		if d["state"] == "drawn" {
			drawn = d["id"].(string)
		}
	}
	checks := items(s.call("GET", "/api/v1/inspection/checks?mine=true&state=assigned", s.login("officer1"), nil))
	if drawn == "" || len(checks) == 0 {
		t.Fatalf("demo inspections missing: drawn task %q, %d checks of officer1", drawn, len(checks))
	}
	pages := []string{"/public/", "/public/decisions/" + did, certURL(t, s, f.o1), "/public/agencies", "/public/agencies/" + f.agency,
		"/public/officers", "/public/matters", "/public/draws", "/public/draws/" + drawn, "/public/results", "/public/evaluations", "/public/statistical-return", "/public/log", "/public/complaints/new", "/public/complaints/track?code=AAAA-BBBB-CCCC", "/login"}
	ctx := browserContext(t)
	// The officer's pages come after signing in, on the way through the same browser.
	pages = append(pages, "LOGIN", "/", "/cases", "/cases/"+id, "/cases/"+id+"/verify", "/cases/new", "/disclosures", "/officers/"+f.o1+"/card")
	pages = append(pages, "/inspection/checks", "/inspection/checks/"+checks[0]["id"].(string), "/rectifications")
	for _, p := range pages {
		if p == "LOGIN" {
			if err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=stats]`)))...); err != nil {
				t.Fatal(err)
			}
			continue
		}
		err := chromedp.Do(ctx,
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
			chromedp.Navigate(s.URL+p),
			chromedp.WaitReady(chromedp.CSS(`main`)),
		)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		checkAxe(t, ctx, axe, p)
	}
}

// checkAxe runs axe-core (WCAG 2 A and AA) on the page the browser shows and fails the
// test on any serious or critical violation.
func checkAxe(t *testing.T, ctx context.Context, axe []byte, page string) {
	t.Helper()
	const run = `axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa']}}).then(r =>
		JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length}))))`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+";true")); err != nil {
		t.Fatalf("load axe on %s: %v", page, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: %s (%s, %d elements): %s", strings.SplitN(page, "?", 2)[0], v.ID, v.Impact, v.Nodes, v.Help)
		}
	}
}

// loadAxe reads axe-core as deploy/browser.sh installs it.
func loadAxe(t *testing.T) []byte {
	t.Helper()
	axe, err := os.ReadFile(filepath.Join(localdev.CacheDir(os.Getenv), "axe", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		if os.Getenv("ZHIFA_REQUIRE_BROWSER") != "" {
			t.Fatalf("axe-core is not installed (deploy/browser.sh installs it): %v", err)
		}
		t.Skip("axe-core is not installed; run deploy/browser.sh")
	}
	return axe
}
