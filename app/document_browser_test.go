package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// drawSignature writes on the pad with a pressed pointer, as a finger does: down, a
// zigzag of moves, up.
func drawSignature(t *testing.T, ctx context.Context) {
	t.Helper()
	must(chromedp.Run(ctx, chromedp.ScrollIntoView(chromedp.CSS(`#sign-pad`))))
	r := must(chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.getElementById('sign-pad').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`)))
	x0, y0, w, h := r[0], r[1], r[2], r[3]
	acts := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x0+w*0.1, y0+h*0.5, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 16; i++ {
		y := y0 + h*0.3
		if i%2 == 0 {
			y = y0 + h*0.7
		}
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, x0+w*(0.1+0.05*float64(i)), y, chromedp.ButtonLeft))
	}
	acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, x0+w*0.9, y0+h*0.5, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	if err := chromedp.Do(ctx, acts...); err != nil {
		t.Fatal(err)
	}
}

// An officer on a 390×844 phone fills a 现场检查笔录, the party signs with a drawn stroke,
// two officers sign, the officer freezes it; the QR code on the PDF opens a public page
// that says genuine.
func TestBrowserOfficerSignsAndFreezesRecord(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	ctx := browserContext(t)
	axe := loadAxe(t)
	text := func(sel string) string { return must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))) }
	err := chromedp.Do(ctx, append(append(phoneLogin(s, "officer1", "/cases/"+id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=case-documents]`)),
		chromedp.SetValue(chromedp.CSS(`#doc-kind`), "inspection_record")),
		submitAndLoad(`[data-testid=document-draft]`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	if h := text(`[data-testid=document-name]`); h != "现场检查笔录" {
		t.Fatalf("the draft's page is headed %q", h)
	}
	err = chromedp.Do(ctx, append([]chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.CSS(`#f-present`), "李四"),
		chromedp.SendKeys(chromedp.CSS(`#f-started_at`), "2026年12月2日 9时30分"),
		chromedp.SendKeys(chromedp.CSS(`#f-ended_at`), "2026年12月2日 10时15分"),
		chromedp.SendKeys(chromedp.CSS(`#f-findings`), "现场发现过期食品 3 箱，已当场下架。")},
		submitAndLoad(`[data-testid=fields-save]`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	if page := text(`main`); !strings.Contains(page, "已保存文书内容") || !strings.Contains(page, "当事人签名（或登记当事人拒签）") {
		t.Fatalf("after saving:\n%.600s", page)
	}
	sign := func(role, name string, officer int) {
		t.Helper()
		acts := []chromedp.Action[chromedp.Void]{
			chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('sign-role'); s.value = '` + role + `'; s.dispatchEvent(new Event('change')); })()`)}
		if officer >= 0 {
			acts = append(acts, chromedp.Evaluate[chromedp.Void](`document.getElementById('sign-officer-id').selectedIndex = `+strconv.Itoa(officer)))
		} else {
			acts = append(acts, chromedp.SendKeys(chromedp.CSS(`#sign-signer`), name))
		}
		if err := chromedp.Do(ctx, acts...); err != nil {
			t.Fatal(err)
		}
		drawSignature(t, ctx)
		if err := chromedp.Do(ctx, submitAndLoad(`[data-testid=sign-submit]`)...); err != nil {
			t.Fatal(err)
		}
		if e := must(chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('[data-testid=sign-error]') || {}).textContent || ''`))); e != "" {
			t.Fatalf("signing as %s refused: %s", role, e)
		}
	}
	sign("party", "张三", -1)
	if got := text(`[data-testid=signatures]`); !strings.Contains(got, "张三") {
		t.Fatalf("the party's signature is not listed: %q", got)
	}
	shot(ctx, "document-signing-officer")
	checkAxe(t, ctx, axe, "/documents/{id} (signing)")
	sign("officer", "", 0)
	sign("officer", "", 1)
	if err := chromedp.Do(ctx, submitAndLoad(`[data-testid=freeze-submit]`)...); err != nil {
		t.Fatal(err)
	}
	number := text(`[data-testid=document-number]`)
	if page := text(`main`); !strings.Contains(page, "已定稿：") || !strings.HasSuffix(number, "（现场检查笔录之1）") {
		t.Fatalf("after freezing (number %q):\n%.600s", number, page)
	}
	shot(ctx, "document-frozen-officer")
	width := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)))
	if width > 390 {
		t.Errorf("the document page is %d px wide on a 390 px phone", width)
	}
	// The QR code printed on the PDF opens the public page, which says genuine.
	did := must(chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname.split('/')[2]`)))
	pdf := s.call("GET", "/api/v1/documents/"+did+".pdf", f.tok, nil)
	u := qrOfPDF(t, pdf.Body)
	_, path, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://"), "/")
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/"+path), chromedp.WaitVisible(chromedp.CSS(`[data-testid=document-verdict]`))); err != nil {
		t.Fatal(err)
	}
	if v := text(`[data-testid=document-verdict]`); !strings.Contains(v, "真实有效") || text(`[data-testid=document-number]`) != number {
		t.Errorf("the public page says %q", v)
	}
	shot(ctx, "document-public-check")
	checkAxe(t, ctx, axe, "/public/documents/{id}")
}

// The officer serves a frozen 决定书 electronically from the phone: the page shows the link
// and code once; the party opens the link, types the code and reads the decision, and the
// service time is recorded.
func TestBrowserElectronicService(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	for _, m := range []map[string]any{{"to": "investigating"}, {"to": "notified"}, {"to": "decided", "statement_waived": true,
		"decision": map[string]any{"outcome": "penalty", "fine_amount": 500000, "text": "罚款 5000 元"}}} {
		if r := s.move(f.tok, id, m); r.Status != 200 {
			t.Fatalf("move to %s = %d %s", m["to"], r.Status, r.Body)
		}
	}
	var dec map[string]any
	for _, d := range items(s.call("GET", "/api/v1/cases/"+id+"/documents", f.tok, nil)) {
		if d["kind"] == "penalty_decision" {
			dec = d
		}
	}
	consent := s.addRecord(f.tok, id, "document")
	ctx := browserContext(t)
	text := func(sel string) string { return must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))) }
	err := chromedp.Do(ctx, append(append(phoneLogin(s, "officer1", "/documents/"+dec["id"].(string)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=service-form]`)),
		chromedp.SetValue(chromedp.CSS(`#serve-method`), "electronic"),
		chromedp.SetValue(chromedp.CSS(`#serve-consent`), consent)),
		submitAndLoad(`[data-testid=service-submit]`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	link, code := text(`[data-testid=service-link]`), text(`[data-testid=service-code]`)
	if !strings.Contains(link, "/public/service/") || len(code) != 6 {
		t.Fatalf("the page shows link %q and code %q", link, code)
	}
	shot(ctx, "document-service-link-officer")
	if w := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('img.qr').naturalWidth`))); w == 0 {
		t.Error("the service link's QR code does not show")
	}
	_, path, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(link, "https://"), "http://"), "/")
	err = chromedp.Do(ctx, append([]chromedp.Action[chromedp.Void]{
		chromedp.Navigate(s.URL + "/" + path),
		chromedp.WaitVisible(chromedp.CSS(`#service-code`)),
		chromedp.SendKeys(chromedp.CSS(`#service-code`), code)},
		submitAndLoad(`[data-testid=service-open]`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	if v := text(`[data-testid=service-verdict]`); !strings.Contains(v, "视为送达") || text(`[data-testid=served-number]`) != dec["number"] {
		t.Errorf("the party's page says %q", v)
	}
	shot(ctx, "document-service-party")
	l := items(s.call("GET", "/api/v1/cases/"+id+"/services", f.tok, nil))
	if len(l) != 1 || l[0]["served_at"] == nil {
		t.Errorf("the service after the party opened it: %v", l)
	}
	// The service is the delivery: the case page says so, and 已送达 takes its time and proof.
	err = chromedp.Do(ctx, append([]chromedp.Action[chromedp.Void]{
		chromedp.Navigate(s.URL + "/cases/" + id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=served-by-document]`)),
		chromedp.SetValue(chromedp.CSS(`#to`), "served")},
		submitAndLoad(`#move-submit`)...)...)
	if err != nil {
		t.Fatal(err)
	}
	shot(ctx, "case-served-by-document")
	if r := s.call("GET", "/api/v1/cases/"+id, f.tok, nil); r.JSON()["state"] != "served" || r.JSON()["served_at"] == nil {
		t.Fatalf("after 已送达 on the page the case is %v", r.JSON()["state"])
	} else {
		at, _ := time.Parse(time.RFC3339Nano, r.JSON()["served_at"].(string))
		want, _ := time.Parse(time.RFC3339Nano, l[0]["served_at"].(string))
		if d := at.Sub(want); d > time.Second || d < -time.Second {
			t.Errorf("the case was served at %v, the party opened the decision at %v", at, want)
		}
	}
}
