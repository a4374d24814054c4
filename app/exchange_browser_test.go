package app_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// The exchange pages at an administrator's desktop (1440×900): destinations with their
// counts, the dead letters with the platform's refusal and a resend, and the new
// destination's form; no overflow, no serious accessibility problem.
func TestBrowserExchangePages(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	ok := newReceiver(t, exchangeSecret)
	refusing := newReceiver(t, exchangeSecret)
	refusing.set(func(arrival) int { return 422 })
	s.destination(admin, "江西省公共信用信息平台", ok.srv.URL, "credit", nil)
	s.destination(admin, "“互联网+监管”系统", refusing.srv.URL, "regulatory", nil)
	f := fixture(s)
	s.publishedCase(f)
	s.newCase(f)
	eventually(t, "dead letters", func() bool { return len(s.outbox(admin, "state=dead")) >= 2 })
	eventually(t, "the credit platform's receipt", func() bool { return len(s.outbox(admin, "state=sent")) >= 1 })
	ctx := browserContext(t)
	axe := loadAxe(t)
	for _, p := range []struct{ path, ready, name string }{
		{"/exchange", `[data-testid=destinations]`, "exchange"},
		{"/exchange/outbox?state=dead", `[data-testid=retry]`, "exchange-dead"},
		{"/exchange/outbox", `[data-testid=outbox]`, "exchange-outbox"},
		{"/exchange/destinations/new", `[data-testid=destination-form]`, "exchange-new"},
	} {
		steps := []chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(1440, 900), chromedp.Navigate(s.URL + p.path), chromedp.WaitVisible(chromedp.CSS(p.ready))}
		if p.name == "exchange" {
			// The login's redirect lands first: a navigation issued while it is on its way
			// aborts it.
			steps = append(append(phoneLogin(s, "admin", p.path), chromedp.WaitVisible(chromedp.CSS(p.ready))), steps...)
		}
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", p.path, err)
		}
		checkAxe(t, ctx, axe, p.path)
		if w := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))); w > 1440 {
			t.Errorf("%s is %d px wide at 1440", p.path, w)
		}
		shot(ctx, p.name)
	}
}
