package app_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"zhifa/app"
	"zhifa/app/testenv"
)

// browserContext starts Debian's Chromium headless at a phone's size (390×844). Without
// Chromium the test is skipped, unless ZHIFA_REQUIRE_BROWSER is set, as make test does.
func browserContext(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("ZHIFA_REQUIRE_BROWSER") != "" {
			t.Fatal("chromium is not installed (deploy/browser.sh installs it)")
		}
		t.Skip("chromium is not installed; run deploy/browser.sh")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTime(); cancelCtx(); cancelAlloc() })
	return ctx
}

// phoneLogin signs a demo account in on a phone-sized screen and follows next.
func phoneLogin(s *server, username, next string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
		chromedp.Navigate(s.URL + "/login?next=" + next),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), username),
		chromedp.SendKeys(chromedp.CSS(`#password`), app.DemoPassword),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		// The login's redirect lands before anything else: a navigation issued while it is
		// on its way aborts it (net::ERR_ABORTED).
		chromedp.WaitNotPresent(chromedp.CSS(`#login-submit`)),
	}
}

func TestBrowserLoginOnPhone(t *testing.T) {
	s := start(t)
	ctx := browserContext(t)
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=stats]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string {
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	who, agency, cert := text(`[data-testid=who]`), text(`[data-testid=home-agency]`), text(`[data-testid=cert-status]`)
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(who, "李明") || !strings.Contains(who, "执法人员") {
		t.Errorf("header shows %q, want the officer's name and role", who)
	}
	if !strings.Contains(agency, "青山县市场监督管理局") || cert != "有效" {
		t.Errorf("home shows agency %q and certificate %q", agency, cert)
	}
	if width > 390 {
		t.Errorf("page is %d px wide on a 390 px screen: it scrolls sideways", width)
	}
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(dir+"/home-officer.png", shot, 0o644)
	}
	// A wrong password shows the error on the page, in Chinese.
	err = chromedp.Do(ctx,
		chromedp.Navigate(s.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`#username`), "officer2"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "wrong-pass"),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-error]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg := text(`[data-testid=login-error]`); msg != "用户名或密码错误" {
		t.Errorf("wrong password shows %q", msg)
	}
}

// An officer on a phone opens a case, attaches a video (sent to MinIO in parts), sees
// the file's hash and the record's, and moves the case on.
func TestBrowserOfficerAttachesVideoAndMovesCase(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	number := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["number"].(string)
	video := mp4Bytes(9 << 20) // two parts
	path := t.TempDir() + "/执法记录仪.mp4"
	if err := os.WriteFile(path, video, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t)
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/cases"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=case-list]`)),
		chromedp.Click(chromedp.CSS(`a[href="/cases/`+id+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=case-number]`)),
		chromedp.SetValue(chromedp.CSS(`#kind`), "video"),
		chromedp.SendKeys(chromedp.CSS(`#note`), "现场执法录像"),
		chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{path}),
		chromedp.Click(chromedp.CSS(`#record-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=record-saved]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=media-hash]`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(`[data-testid=case-number]`); got != number {
		t.Errorf("case page shows %q", got)
	}
	if got := text(`[data-testid=media-hash]`); got != sum(video) {
		t.Errorf("page shows file hash %q, want %s", got, sum(video))
	}
	recordHash := text(`[data-testid=record-hash]`)
	if len(recordHash) != 12 {
		t.Errorf("record hash shown as %q", recordHash)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if width > 390 {
		t.Errorf("case page is %d px wide on a 390 px screen", width)
	}
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(90)); err == nil {
		if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
			_ = os.WriteFile(dir+"/case-officer.png", shot, 0o644)
		}
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#to`), "investigating"),
		chromedp.Click(chromedp.CSS(`#move-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=page-flash]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(`[data-testid=case-state]`); got != "调查取证" {
		t.Errorf("state after the move: %q", got)
	}
	// What the page did is what the API and the chain say.
	cv := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()
	media := cv["media"].([]any)
	if len(media) != 1 || media[0].(map[string]any)["sha256"] != sum(video) || cv["state"] != "investigating" {
		t.Errorf("case after the browser: state %v, media %v", cv["state"], media)
	}
	if v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON(); v["ok"] != true {
		t.Errorf("verify = %v", v)
	}
}

// The phone's connection to MinIO drops in the middle of a video: the page waits, asks
// zhifa which parts arrived, sends only the rest, and the file is recorded whole.
func TestBrowserUploadSurvivesDroppedConnection(t *testing.T) {
	px := testenv.NewProxy(t, testenv.MinIOEndpoint())
	s := start(t, func(env map[string]string) { env["ZHIFA_MINIO_PUBLIC_URL"] = "http://" + px.Addr() })
	f := fixture(s)
	id := s.newCase(f)
	video := mp4Bytes(20 << 20) // three parts of 8 MiB
	path := t.TempDir() + "/录像.mp4"
	if err := os.WriteFile(path, video, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t)
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/cases/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#record-form`)),
		chromedp.SetValue(chromedp.CSS(`#kind`), "video"),
		chromedp.SetUploadFiles(chromedp.CSS(`#files`), []string{path}),
		chromedp.Click(chromedp.CSS(`#record-submit`)),
	)...)
	if err != nil {
		t.Fatal(err)
	}
	// Cut the line once the first part is through and the second under way, then bring
	// it back once the page says it is waiting to resume.
	select {
	case <-px.SentAtLeast(9 << 20):
	case <-time.After(60 * time.Second):
		t.Fatalf("only %d bytes reached MinIO in a minute", px.Sent())
	}
	px.Cut()
	if sent := px.Sent(); sent >= int64(len(video)) {
		t.Fatalf("the whole file (%d bytes) was through before the cut", sent)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.innerText.includes('等待网络后续传')`,
		chromedp.WithPollingInterval(50*time.Millisecond))); err != nil {
		t.Fatalf("the page never said it noticed the drop: %v", err)
	}
	px.Restore()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=media-hash]`))); err != nil {
		t.Fatal(err)
	}
	if got := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=media-hash]`)))); strings.TrimSpace(got) != sum(video) {
		t.Errorf("page shows %q, want %s", got, sum(video))
	}
	// Resent: at most the part that was cut (plus request headers), never the whole file.
	extra := px.Sent() - int64(len(video))
	t.Logf("bytes sent beyond the file after the drop: %d", extra)
	if extra > 8<<20+64<<10 {
		t.Errorf("%d bytes sent beyond the file: parts that had arrived were sent again", extra)
	}
	if v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON(); v["ok"] != true || v["media_checked"] != float64(1) {
		t.Errorf("verify = %v", v)
	}
}

// A reviewer on a phone opens the queue, approves a draft decision item by item, and the
// handler then decides the case.
func TestBrowserReviewerApprovesOnPhone(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.notifiedCase(f)
	r := s.call("POST", "/api/v1/cases/"+id+"/reviews", f.tok, map[string]any{"decision": fine(20000)})
	if r.Status != 201 {
		t.Fatalf("submit = %d %s", r.Status, r.Body)
	}
	rid := r.JSON()["id"].(string)
	ctx := browserContext(t)
	steps := append(phoneLogin(s, "reviewer1", "/reviews"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=review-queue]`)),
		chromedp.Click(chromedp.CSS(`a[href="/reviews/`+rid+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#review-form`)),
	)
	for _, k := range []string{"subject", "qualification", "authority", "facts", "evidence", "procedure", "law", "discretion", "documents", "criminal_transfer"} {
		steps = append(steps, chromedp.Click(chromedp.CSS(`#ok_`+k)))
	}
	steps = append(steps,
		chromedp.SetValue(chromedp.CSS(`#outcome`), "approved"),
		chromedp.SendKeys(chromedp.CSS(`#opinion`), "事实清楚，证据确凿，程序合法，同意"),
		chromedp.Click(chromedp.CSS(`#review-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=checklist]`)),
	)
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
	state, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=review-state]`)))
	if err != nil || strings.TrimSpace(state) != "审核通过" {
		t.Fatalf("review state on the page = %q, %v", state, err)
	}
	if width := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))); width > 390 {
		t.Errorf("review page is %d px wide", width)
	}
	if r := s.move(f.tok, id, map[string]any{"to": "decided", "decision": fine(20000), "statement_waived": true}); r.Status != 200 {
		t.Fatalf("handler decides after approval = %d %s", r.Status, r.Body)
	}
	rv := s.call("GET", "/api/v1/reviews/"+rid, f.tok, nil).JSON()
	if rv["state"] != "approved" || rv["reviewer_name"] != "陈静" || len(rv["checklist"].(map[string]any)) != 10 {
		t.Errorf("review after the page = %v", rv)
	}
}
