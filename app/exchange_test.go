package app_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"zhifa/app"
	"zhifa/audit"
)

// receiver is a destination on loopback: it checks each request's signature, keeps
// every arrival (duplicates too) and what it accepted once per idempotency key, and
// answers as the test tells it.
type receiver struct {
	t      *testing.T
	secret string
	srv    *httptest.Server

	mu       sync.Mutex
	arrivals []arrival            // every request, in the order it came
	accepted []arrival            // each event once, in the order first accepted
	seen     map[string]bool      // idempotency keys accepted
	answer   func(a arrival) int  // the status to answer with; nil: 200
	hold     func(a arrival) bool // hold the answer until release is closed
	release  chan struct{}
}

type arrival struct {
	Key   string
	Topic string
	Body  map[string]any
	Raw   string
}

func newReceiver(t *testing.T, secret string) *receiver {
	rc := &receiver{t: t, secret: secret, seen: map[string]bool{}, release: make(chan struct{})}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(func() {
		rc.mu.Lock()
		select {
		case <-rc.release:
		default:
			close(rc.release)
		}
		rc.mu.Unlock()
		rc.srv.Close()
	})
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts := r.Header.Get("X-Zhifa-Timestamp")
	m := hmac.New(sha256.New, []byte(rc.secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	if rc.secret != "" && r.Header.Get("X-Zhifa-Signature") != "v1="+hex.EncodeToString(m.Sum(nil)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	a := arrival{Key: r.Header.Get("Idempotency-Key"), Topic: r.Header.Get("X-Zhifa-Event"), Raw: string(body)}
	if err := json.Unmarshal(body, &a.Body); err != nil || a.Key == "" || a.Body["event_id"] != a.Key {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.arrivals = append(rc.arrivals, a)
	answer, hold, release := rc.answer, rc.hold, rc.release
	rc.mu.Unlock()
	status := 200
	if answer != nil {
		status = answer(a)
	}
	if hold != nil && hold(a) {
		<-release
	}
	if status != 200 {
		w.WriteHeader(status)
		fmt.Fprint(w, `{"error":"缺少必填字段"}`)
		return
	}
	rc.mu.Lock()
	if !rc.seen[a.Key] {
		rc.seen[a.Key] = true
		rc.accepted = append(rc.accepted, a)
	}
	n := len(rc.accepted)
	rc.mu.Unlock()
	fmt.Fprintf(w, `{"receipt":"R%04d"}`, n)
}

func (rc *receiver) set(answer func(arrival) int) {
	rc.mu.Lock()
	rc.answer = answer
	rc.mu.Unlock()
}

func (rc *receiver) snapshot() (arrivals, accepted []arrival) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.arrivals), slices.Clone(rc.accepted)
}

// eventually waits up to 60 s, long enough for backoff and a loaded machine.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

const exchangeSecret = "test-secret-0123456789abcdef"

func (s *server) destination(tok, name, rawURL, format string, extra map[string]any) map[string]any {
	s.t.Helper()
	in := map[string]any{"name": name, "url": rawURL, "format": format, "auth": "hmac", "secret": exchangeSecret, "rate": 1000}
	for k, v := range extra {
		in[k] = v
	}
	r := s.call("POST", "/api/v1/exchange/destinations", tok, in)
	if r.Status != 201 {
		s.t.Fatalf("create destination = %d %s", r.Status, r.Body)
	}
	return r.JSON()
}

func (s *server) outbox(tok, query string) []map[string]any {
	s.t.Helper()
	r := s.call("GET", "/api/v1/exchange/outbox?page_size=200&"+query, tok, nil)
	if r.Status != 200 {
		s.t.Fatalf("outbox = %d %s", r.Status, r.Body)
	}
	return items(r)
}

// publishedCase decides the disclosure test's case (a person and a firm, personal data
// everywhere) and publishes its item; it returns the case and the item.
func (s *server) publishedCase(f caseFixture) (caseID, itemID string) {
	s.t.Helper()
	caseID = s.decidedCase(f)
	l := items(s.call("GET", "/api/v1/disclosures?state=due&case_id="+caseID, f.tok, nil))
	if len(l) != 1 {
		s.t.Fatalf("due items = %v", l)
	}
	itemID = l[0]["id"].(string)
	if r := s.call("POST", "/api/v1/disclosures/"+itemID+"/publish", f.tok, nil); r.Status != 200 {
		s.t.Fatalf("publish = %d %s", r.Status, r.Body)
	}
	return caseID, itemID
}

func TestExchangeDestinationsAreAdministered(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	for _, tok := range []string{s.login("officer1"), s.login("supervisor1")} {
		if r := s.call("GET", "/api/v1/exchange/destinations", tok, nil); r.Status != 403 {
			t.Errorf("a non-administrator listing destinations = %d", r.Status)
		}
	}
	bad := []struct {
		change map[string]any
		field  string
	}{
		{map[string]any{"url": "ftp://example.invalid/x"}, "url"},
		{map[string]any{"url": "https://user:pw@example.invalid/x"}, "url"},
		{map[string]any{"format": "fax"}, "format"},
		{map[string]any{"secret": ""}, "secret"},
		{map[string]any{"secret": "short"}, "secret"},
		{map[string]any{"auth": "mtls"}, "tls_cert_file"},
		{map[string]any{"auth": "mtls", "tls_cert_file": "/nonexistent.pem", "tls_key_file": "/nonexistent.key"}, "tls_cert_file"},
		{map[string]any{"rate": 0.5}, ""},
		{map[string]any{"rate": 20000}, "rate"},
		{map[string]any{"field_names": map[string]any{"没有这个字段": "x"}}, "field_names"},
		{map[string]any{"since": time.Now().Add(48 * time.Hour).Format(time.RFC3339)}, "since"},
	}
	for _, b := range bad {
		in := map[string]any{"name": "信用平台", "url": "https://credit.example.invalid/push", "format": "credit", "auth": "hmac", "secret": exchangeSecret}
		for k, v := range b.change {
			in[k] = v
		}
		r := s.call("POST", "/api/v1/exchange/destinations", admin, in)
		if r.Status != 422 || (b.field != "" && r.ErrorField() != b.field) {
			t.Errorf("%v = %d %s, want 422 naming %q", b.change, r.Status, r.Body, b.field)
		}
	}
	d := s.destination(admin, "省信用平台", "https://credit.example.invalid/push", "credit",
		map[string]any{"key_id": "qs-01", "field_names": map[string]any{"行政相对人名称": "XDR_MC"}})
	if d["secret_set"] != true || strings.Contains(fmt.Sprint(d), exchangeSecret) {
		t.Errorf("destination = %v: the secret must be set and never shown", d)
	}
	var sealed []byte
	s.query(t, `SELECT secret_sealed FROM exchange_destinations WHERE id = '`+d["id"].(string)+`'`, &sealed)
	if len(sealed) == 0 || strings.Contains(string(sealed), exchangeSecret) {
		t.Errorf("the secret is stored in the clear")
	}
	id := d["id"].(string)
	if r := s.call("PATCH", "/api/v1/exchange/destinations/"+id, admin, map[string]any{"format": "zhifa"}); r.Status != 422 || r.ErrorField() != "format" {
		t.Errorf("changing the format = %d %s", r.Status, r.Body)
	}
	r := s.call("PATCH", "/api/v1/exchange/destinations/"+id, admin, map[string]any{"paused": true, "rate": 20})
	if r.Status != 200 || r.JSON()["paused"] != true || r.JSON()["rate"] != float64(20) || r.JSON()["secret_set"] != true || r.JSON()["key_id"] != "qs-01" {
		t.Errorf("pause = %d %s", r.Status, r.Body)
	}
	if l := items(s.call("GET", "/api/v1/exchange/destinations", admin, nil)); len(l) != 1 || l[0]["name"] != "省信用平台" {
		t.Errorf("destinations = %v", l)
	}

	// A legal representative is an organisation's.
	f := fixture(s)
	in := f.input()
	in["parties"] = []map[string]any{{"type": "person", "name": "张三", "id_number": "11010519491231002X", "legal_rep": "张三"}}
	if r := s.call("POST", "/api/v1/cases", f.tok, in); r.Status != 422 || r.ErrorField() != "parties[0].legal_rep" {
		t.Errorf("a person's legal representative = %d %s", r.Status, r.Body)
	}

	// The page: a refused form keeps what was typed (but never the secret) and names the field.
	br, csrf := webLogin(t, s, "admin")
	page := s.get(br, "/exchange")
	if page.Status != 200 || !strings.Contains(string(page.Body), "省信用平台") || !strings.Contains(string(page.Body), "已暂停") {
		t.Fatalf("/exchange = %d", page.Status)
	}
	form := url.Values{"_csrf": {csrf}, "name": {"互联网+监管"}, "url": {"not a url"},
		"format": {"regulatory"}, "auth": {"hmac"}, "secret": {exchangeSecret}, "rate": {"30"}}
	res := s.form(br, "/exchange/destinations", form)
	if res.Status != 422 || !strings.Contains(string(res.Body), "接收地址应为完整的") || !strings.Contains(string(res.Body), `value="not a url"`) ||
		strings.Contains(string(res.Body), exchangeSecret) {
		t.Errorf("refused form = %d", res.Status)
	}
	form.Set("url", "https://jg.example.invalid/api")
	res = s.form(br, "/exchange/destinations", form)
	if res.Status != 303 {
		t.Fatalf("created by the form = %d %s", res.Status, res.Body)
	}
	if p := s.get(br, res.Header.Get("Location")); !strings.Contains(string(p.Body), "已新增接收方“互联网&#43;监管”") {
		t.Errorf("the new destination's page does not say it was made")
	}
	if p := s.get(br, "/exchange"); strings.Contains(string(p.Body), "已新增接收方") {
		t.Error("the message shows again on another page")
	}

	// The destination's own names of fields, one a line, through its page: a line that is
	// not a pair, or a field the format does not have, is refused with the text kept.
	made := res.Header.Get("Location")
	if p := string(s.get(br, made).Body); !strings.Contains(p, `id="field_names"`) || !strings.Contains(p, "监管对象名称") {
		t.Error("the destination's page offers no field names")
	}
	form = url.Values{"_csrf": {csrf}, "name": {"互联网+监管"}, "url": {"https://jg.example.invalid/api"}, "auth": {"hmac"}, "rate": {"30"},
		"field_names": {"监管对象名称=JGDX_MC\r\n\r\n实施日期"}}
	if res := s.form(br, made, form); res.Status != 422 || !strings.Contains(string(res.Body), "字段名称对照第 3 行") ||
		!strings.Contains(string(res.Body), "监管对象名称=JGDX_MC") {
		t.Errorf("a line without its name = %d %s", res.Status, res.Body)
	}
	form.Set("field_names", "违法事实=WFSS")
	if res := s.form(br, made, form); res.Status != 422 || !strings.Contains(string(res.Body), "违法事实 不是该格式的字段") || !strings.Contains(string(res.Body), "违法事实=WFSS") {
		t.Errorf("a field of another format = %d", res.Status)
	}
	form.Set("field_names", "监管对象名称 = JGDX_MC\n实施日期＝SSRQ\n")
	if res := s.form(br, made, form); res.Status != 303 {
		t.Fatalf("field names saved = %d %s", res.Status, res.Body)
	}
	did := strings.TrimPrefix(made, "/exchange/destinations/")
	if got := s.call("GET", "/api/v1/exchange/destinations/"+did, admin, nil).JSON()["field_names"]; fmt.Sprint(got) != "map[实施日期:SSRQ 监管对象名称:JGDX_MC]" {
		t.Errorf("field names = %v", got)
	}
	if p := string(s.get(br, made).Body); !strings.Contains(p, "监管对象名称=JGDX_MC\n实施日期=SSRQ") {
		t.Error("the page does not show the saved names in the format's order")
	}
}

// A decision published and then revoked reaches the credit platform once each, in order,
// the withdrawal naming the original; a case's 监管行为 reach 互联网+监管 in order; a
// duplicate answer counts once; the figures count what arrived.
func TestExchangeDeliversEachEventOnceInOrder(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_EXCHANGE_TIMEOUT"] = "300ms" })
	admin := s.login("admin")
	credit, jg := newReceiver(t, exchangeSecret), newReceiver(t, exchangeSecret)
	cd := s.destination(admin, "省信用平台", credit.srv.URL+"/credit", "credit", map[string]any{"field_names": map[string]any{"行政相对人名称": "XDR_MC"}})
	s.destination(admin, "互联网+监管", jg.srv.URL+"/jg", "regulatory", nil)

	// The first try of the first credit event is answered after the client gave up: the
	// platform receives it twice, and counts it once.
	var slowOnce sync.Once
	credit.hold = func(a arrival) bool {
		slow := false
		slowOnce.Do(func() { slow = true })
		if slow {
			time.Sleep(600 * time.Millisecond)
		}
		return false
	}
	f := fixture(s)
	caseID, itemID := s.publishedCase(f)
	// A platform set up after the publication never hears of its withdrawal.
	late := s.destination(admin, "后建的平台", credit.srv.URL+"/late", "credit", nil)
	decidedAt := time.Now().Format(time.RFC3339)
	if r := s.call("POST", "/api/v1/cases/"+caseID+"/outcomes", f.tok, map[string]any{"type": "reconsideration", "result": "revoked", "decided_at": decidedAt}); r.Status != 201 {
		t.Fatalf("outcome = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/disclosures/"+itemID+"/withdraw", f.tok, map[string]any{"reason": "复议机关撤销原处罚决定"}); r.Status != 200 {
		t.Fatalf("withdraw = %d %s", r.Status, r.Body)
	}
	if l := s.outbox(admin, "destination_id="+late["id"].(string)); len(l) != 0 {
		t.Errorf("the later platform got %v", l)
	}
	eventually(t, "the credit platform to accept the decision and its withdrawal", func() bool {
		_, acc := credit.snapshot()
		return len(acc) == 2
	})
	eventually(t, "互联网+监管 to accept the filing and the decision", func() bool {
		_, acc := jg.snapshot()
		return len(acc) >= 2
	})
	arrivals, acc := credit.snapshot()
	if acc[0].Topic != "credit.penalty" || acc[1].Topic != "credit.withdrawal" || acc[1].Body["refers_to"] != acc[0].Key {
		t.Errorf("credit events = %s then %s (refers to %v), want the decision then its withdrawal naming it", acc[0].Topic, acc[1].Topic, acc[1].Body["refers_to"])
	}
	if n := len(arrivals); n < 3 || arrivals[0].Key != arrivals[1].Key {
		t.Errorf("arrivals = %d, want the first one twice (answered too late the first time)", n)
	}
	noSecrets(t, "the credit platform's records", []byte(acc[0].Raw))
	recs := acc[0].Body["records"].([]any)
	first := recs[0].(map[string]any)
	if len(recs) != 2 || first["XDR_MC"] != "王*" || first["行政相对人类别"] != "自然人" || first["罚款金额（万元）"] != "0.150000" ||
		first["处罚类别"] != "罚款" || first["统一社会信用代码"] != "" || first["法定代表人"] != "" ||
		recs[1].(map[string]any)["统一社会信用代码"] != "91350100M000100Y43" || recs[1].(map[string]any)["法定代表人"] != "李建国" {
		t.Errorf("records = %v", recs)
	}
	if _, renamed := first["行政相对人名称"]; renamed {
		t.Error("the destination's own field name was not applied")
	}
	w := acc[1].Body["records"].([]any)[0].(map[string]any)
	if !strings.Contains(fmt.Sprint(w["撤回原因"]), "复议机关撤销原处罚决定") || !strings.Contains(fmt.Sprint(w["撤回原因"]), "行政复议") {
		t.Errorf("withdrawal = %v", w)
	}
	// 互联网+监管: this case's filing before its decision.
	_, jacc := jg.snapshot()
	var kinds []string
	for _, a := range jacc {
		if rec := a.Body["record"].(map[string]any); rec["监管行为编号"] == caseID {
			kinds = append(kinds, fmt.Sprint(rec["监管行为类型"]))
		}
	}
	if !slices.Equal(kinds, []string{"立案", "作出行政执法决定"}) {
		t.Errorf("the case's 监管行为 = %v, want its filing then its decision", kinds)
	}

	// Every delivery is sent with the platform's receipt; the item shows it.
	eventually(t, "the outbox to settle", func() bool {
		for _, d := range s.outbox(admin, "destination_id="+cd["id"].(string)) {
			if d["state"] != "sent" {
				return false
			}
		}
		return true
	})
	sent := s.outbox(admin, "destination_id="+cd["id"].(string))
	if len(sent) != 2 || !strings.HasPrefix(sent[0]["receipt"].(string), "R") {
		t.Errorf("credit deliveries = %v", sent)
	}
	item := s.call("GET", "/api/v1/disclosures/"+itemID, f.tok, nil).JSON()
	ex := item["exchange"].([]any)
	if len(ex) != 2 || !strings.HasPrefix(ex[0].(map[string]any)["confirmation"].(string), "已确认") {
		t.Errorf("the item's exchange = %v", ex)
	}
	br, _ := webLogin(t, s, "admin")
	// The list runs oldest first, so the page that holds this item is looked for.
	shown := false
	for page := 1; page <= 20 && !shown; page++ {
		body := string(s.get(br, fmt.Sprintf("/disclosures?state=withdrawn&page=%d", page)).Body)
		shown = strings.Contains(body, "省信用平台：已确认") // only this item was sent anywhere
		if !strings.Contains(body, "下一页") {
			break
		}
	}
	if !shown {
		t.Errorf("the disclosure page does not show the confirmation")
	}

	// The yearly figures count what arrived: this test's decision (its withdrawal is not a
	// new item) and every 监管行为 互联网+监管 confirmed; each links to its rows.
	eventually(t, "互联网+监管's deliveries to settle", func() bool {
		return len(s.outbox(admin, "state=pending")) == 0 && len(s.outbox(admin, "state=failed")) == 0
	})
	_, jacc = jg.snapshot()
	year := time.Now().In(cstZone).Year()
	fig := flatten(t, s.call("GET", fmt.Sprintf("/api/v1/reports/annual?year=%d", year), s.login("supervisor1"), nil))
	if fig["dual_disclosures_pushed"] != 1 || fig["regulatory_actions_pushed"] != float64(len(jacc)) {
		t.Errorf("figures: 双公示 %v, 监管行为 %v; want 1 and %d", fig["dual_disclosures_pushed"], fig["regulatory_actions_pushed"], len(jacc))
	}
	rows := s.call("GET", fmt.Sprintf("/api/v1/reports/annual/rows?year=%d&figure=dual_disclosures_pushed", year), s.login("supervisor1"), nil)
	if l := items(rows); len(l) != 1 || !strings.Contains(fmt.Sprint(l[0]), "/exchange/outbox?subject_id="+itemID) {
		t.Errorf("rows of the 双公示 figure = %s", rows.Body)
	}

	// The 双公示 file: the decision, pushed on time, withdrawn, persons redacted; and a
	// decision not yet published, listed as not sent.
	s.decidedCase(f)
	today := time.Now().In(cstZone).Format(time.DateOnly)
	x := s.call("GET", "/api/v1/exchange/dual-disclosure?from="+today+"&to="+today, admin, nil)
	pens, _ := x.JSON()["penalties"].([]any)
	if x.Status != 200 || len(pens) != 4 {
		t.Fatalf("dual disclosure = %d %s", x.Status, x.Body)
	}
	p0, p3 := pens[0].(map[string]any), pens[3].(map[string]any)
	if p0["push_state"] != "confirmed" || p0["late"] != false || p0["withdrawn"] != true {
		t.Errorf("row = %v", p0)
	}
	if p3["push_state"] != "unpublished" || p3["push_label"] != "尚未公示，未报送" || p3["values"].(map[string]any)["公示截止期"] != "" {
		t.Errorf("the unpublished decision's row = %v", p3)
	}
	if p := s.get(br, "/exchange/dual-disclosure?from="+today+"&to=2020-01-01&format=csv-license"); p.Status != 422 ||
		!strings.Contains(string(p.Body), "截止日期不能早于起始日期") || !strings.Contains(string(p.Body), `value="2020-01-01"`) ||
		!strings.Contains(string(p.Body), `value="csv-license" selected`) {
		t.Errorf("the file's form with a reversed period = %d", p.Status)
	}
	if p := s.get(br, "/exchange/dual-disclosure?from="+today+"&to="+today+"&format=csv-penalty"); p.Status != 200 ||
		!strings.Contains(string(p.Body), "尚未公示，未报送") {
		t.Errorf("the file from the page = %d", p.Status)
	}
	csv := s.call("GET", "/api/v1/exchange/dual-disclosure?format=csv&from="+today+"&to="+today, admin, nil)
	if csv.Status != 200 || !strings.HasPrefix(string(csv.Body), "\ufeff行政相对人名称,行政相对人类别,统一社会信用代码") ||
		!strings.Contains(string(csv.Body), "0.150000") || !strings.Contains(string(csv.Body), "已确认") {
		t.Errorf("csv = %d %s", csv.Status, csv.Body)
	}
	noSecrets(t, "the csv", csv.Body)
	if xl := s.call("GET", "/api/v1/exchange/dual-disclosure?format=xlsx", admin, nil); xl.Status != 200 || !strings.HasPrefix(string(xl.Body), "PK") {
		t.Errorf("xlsx = %d", xl.Status)
	}
	if r := s.call("GET", "/api/v1/exchange/dual-disclosure?from=2026-13-01", admin, nil); r.Status != 422 || r.ErrorField() != "from" {
		t.Errorf("a bad date = %d %s", r.Status, r.Body)
	}
}

// A penalty suspending or revoking a licence names it, and the name reaches the case page,
// the portal and the credit platform's 暂扣或吊销证照名称及编号, redacted as the portal
// redacts (a driving licence's number is its holder's ID number); a decision that
// suspends and revokes nothing names no licence.
func TestLicenceSuspendedOrRevokedIsNamed(t *testing.T) {
	s := start(t)
	f := fixture(s)
	in := f.input()
	in["parties"] = []map[string]any{{"type": "person", "name": "王小明", "id_number": "11010519491231002X"}}
	id := mustStatus(t, "case", s.call("POST", "/api/v1/cases", f.tok, in), 201).JSON()["id"].(string)
	s.walkCase(f.tok, id, moveTo("investigating"), moveTo("notified"))
	br, _ := webLogin(t, s, "officer1")
	if p := string(s.get(br, "/cases/"+id).Body); !strings.Contains(p, `id="license_ref"`) {
		t.Error("the penalty's decide form does not ask for the licence")
	}
	ref := "机动车驾驶证 11010519491231002X"
	d := map[string]any{"outcome": "penalty", "fine_amount": 50000, "categories": []string{"fine"}, "license_ref": ref, "text": "罚款五百元，暂扣驾驶证一个月"}
	if r := s.move(f.tok, id, map[string]any{"to": "decided", "decision": d, "statement_waived": true}); r.Status != 422 || r.ErrorField() != "decision.license_ref" {
		t.Errorf("a licence named without its suspension = %d %s", r.Status, r.Body)
	}
	d["categories"] = []string{"fine", "suspend_license"}
	if r := s.move(f.tok, id, map[string]any{"to": "decided", "decision": d, "statement_waived": true}); r.Status != 200 {
		t.Fatalf("decide = %d %s", r.Status, r.Body)
	}
	if got := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["decision"].(map[string]any)["license_ref"]; got != ref {
		t.Errorf("the decision's licence = %v", got)
	}
	if p := string(s.get(br, "/cases/"+id).Body); !strings.Contains(p, "暂扣或吊销的证照：") {
		t.Error("the case page does not name the licence")
	}
	l := items(s.call("GET", "/api/v1/disclosures?state=due&case_id="+id, f.tok, nil))
	if len(l) != 1 {
		t.Fatalf("due items = %v", l)
	}
	did := l[0]["id"].(string)
	mustStatus(t, "publish", s.call("POST", "/api/v1/disclosures/"+did+"/publish", f.tok, nil), 200)
	page := string(s.public("/public/decisions/" + did).Body)
	if !strings.Contains(page, "暂扣或吊销的证照") || !strings.Contains(page, "机动车驾驶证") || strings.Contains(page, "11010519491231002X") {
		t.Errorf("the portal's licence is missing or not redacted")
	}
	today := time.Now().In(cstZone).Format(time.DateOnly)
	x := s.call("GET", "/api/v1/exchange/dual-disclosure?from="+today+"&to="+today, s.login("admin"), nil)
	found := false
	for _, p := range x.JSON()["penalties"].([]any) {
		v := p.(map[string]any)["values"].(map[string]any)
		if v["决定书文号"] == s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["number"] {
			got, _ := v["暂扣或吊销证照名称及编号"].(string)
			found = strings.HasPrefix(got, "机动车驾驶证") && !strings.Contains(got, "11010519491231002X") && v["处罚类别"] == "罚款；暂扣许可证件"
			if !found {
				t.Errorf("the credit row = %v", v)
			}
		}
	}
	if !found && !t.Failed() {
		t.Errorf("no credit row for the decision: %s", x.Body)
	}
}

// A destination down for the whole test: every event waits, retried with backoff, none
// lost and none given up.
func TestExchangeKeepsEventsWhileDestinationIsDown(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	down := newReceiver(t, exchangeSecret)
	down.set(func(arrival) int { return 503 })
	d := s.destination(admin, "互联网+监管", down.srv.URL, "regulatory", nil)
	f := fixture(s)
	for range 3 {
		s.newCase(f)
	}
	eventually(t, "an attempt at each event", func() bool {
		arr, _ := down.snapshot()
		return len(arr) >= 3
	})
	l := s.outbox(admin, "destination_id="+d["id"].(string))
	if len(l) != 3 {
		t.Fatalf("deliveries = %d, want one per case filed", len(l))
	}
	for _, x := range l {
		if x["state"] != "failed" && x["state"] != "pending" {
			t.Errorf("delivery %v is %s while the destination is down", x["summary"], x["state"])
		}
	}
	if n := s.count(t, `SELECT count(*) FROM outbox_deliveries WHERE state IN ('dead', 'sent')`); n != 0 {
		t.Errorf("%d deliveries given up or sent while the destination is down", n)
	}
	failed := s.outbox(admin, "state=failed")
	if len(failed) == 0 || !strings.Contains(failed[0]["last_error"].(string), "503") || failed[0]["next_attempt_at"] == nil {
		t.Errorf("failed = %v", failed)
	}
}

// A row the destination refuses goes to the dead letters and holds back the later events
// of its case; after the fix, a resend from the page delivers both, in order.
func TestExchangeDeadLetterResend(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	rc := newReceiver(t, exchangeSecret)
	rc.set(func(a arrival) int {
		if a.Topic == "credit.penalty" {
			return 422
		}
		return 200
	})
	d := s.destination(admin, "省信用平台", rc.srv.URL, "credit", nil)
	f := fixture(s)
	caseID, itemID := s.publishedCase(f)
	if r := s.call("POST", "/api/v1/cases/"+caseID+"/outcomes", f.tok, map[string]any{"type": "litigation", "result": "revoked", "decided_at": time.Now().Format(time.RFC3339)}); r.Status != 201 {
		t.Fatalf("outcome = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/disclosures/"+itemID+"/withdraw", f.tok, map[string]any{"reason": "判决撤销"}); r.Status != 200 {
		t.Fatalf("withdraw = %d", r.Status)
	}
	eventually(t, "the refused decision to reach the dead letters", func() bool { return len(s.outbox(admin, "state=dead")) == 1 })
	dead := s.outbox(admin, "state=dead")[0]
	if dead["topic"] != "credit.penalty" || !strings.Contains(dead["last_error"].(string), "422") || dead["attempts"] != float64(1) {
		t.Errorf("dead = %v", dead)
	}
	time.Sleep(500 * time.Millisecond) // several rounds of the dispatcher
	pend := s.outbox(admin, "state=pending")
	if len(pend) != 1 || pend[0]["topic"] != "credit.withdrawal" || pend[0]["waiting"] != true {
		t.Errorf("the withdrawal = %v, want it waiting behind the refused decision", pend)
	}
	if arr, _ := rc.snapshot(); len(arr) != 1 {
		t.Errorf("arrivals = %d: the withdrawal went out before the decision", len(arr))
	}
	br, csrf := webLogin(t, s, "admin")
	page := s.get(br, "/exchange/outbox?state=dead")
	if !strings.Contains(string(page.Body), "接收方返回 422") || !strings.Contains(string(page.Body), "立即重发") {
		t.Errorf("the dead letters page = %s", page.Body)
	}
	ex := s.get(br, "/exchange")
	if !strings.Contains(string(ex.Body), `data-testid="dead-count">1<`) {
		t.Error("/exchange does not count the dead letter")
	}
	rc.set(nil) // fixed at the platform
	res := s.form(br, "/exchange/outbox/"+dead["id"].(string)+"/retry", url.Values{"_csrf": {csrf}, "back": {"/exchange/outbox?state=dead"}})
	if res.Status != 303 || res.Header.Get("Location") != "/exchange/outbox?state=dead" {
		t.Errorf("resend = %d %s", res.Status, res.Header.Get("Location"))
	} else if p := s.get(br, "/exchange/outbox?state=dead"); !strings.Contains(string(p.Body), "已重新排队") {
		t.Error("the resend's message is not on the page it returns to")
	}
	eventually(t, "both to arrive", func() bool { _, acc := rc.snapshot(); return len(acc) == 2 })
	_, acc := rc.snapshot()
	if acc[0].Topic != "credit.penalty" || acc[1].Topic != "credit.withdrawal" {
		t.Errorf("after the resend: %s, %s", acc[0].Topic, acc[1].Topic)
	}
	eventually(t, "all sent", func() bool { return len(s.outbox(admin, "state=sent&destination_id="+d["id"].(string))) == 2 })
	if r := s.call("POST", "/api/v1/exchange/outbox/"+dead["id"].(string)+"/retry", admin, nil); r.Status != 409 {
		t.Errorf("resending what arrived = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/exchange/outbox/"+dead["id"].(string)+"/retry", s.login("officer1"), nil); r.Status != 403 {
		t.Errorf("an officer resending = %d", r.Status)
	}
}

// Dead letters are resent together once the cause is fixed: every dead letter of the
// destination the list shows, each stream still in order, through the page and the API.
func TestExchangeDeadLettersResentTogether(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	rc := newReceiver(t, exchangeSecret)
	rc.set(func(arrival) int { return 422 })
	d := s.destination(admin, "省信用平台", rc.srv.URL, "credit", nil)
	other := s.destination(admin, "另一平台", rc.srv.URL, "credit", nil)
	f := fixture(s)
	s.publishedCase(f)
	s.publishedCase(f)
	eventually(t, "four dead letters", func() bool { return len(s.outbox(admin, "state=dead")) == 4 })
	br, csrf := webLogin(t, s, "admin")
	list := "/exchange/outbox?state=dead&destination_id=" + d["id"].(string)
	if p := string(s.get(br, list).Body); !strings.Contains(p, `data-testid="retry-all"`) || !strings.Contains(p, "全部重新发送（2 条）") {
		t.Errorf("the destination's dead letters offer no resend of all: %s", p)
	}
	if p := string(s.get(br, "/exchange/outbox?state=sent").Body); strings.Contains(p, `data-testid="retry-all"`) {
		t.Error("the list of sent events offers a resend of all")
	}
	rc.set(nil)
	res := s.form(br, "/exchange/outbox/retry-dead", url.Values{"_csrf": {csrf}, "destination_id": {d["id"].(string)}})
	if res.Status != 303 || res.Header.Get("Location") != list {
		t.Fatalf("resend all = %d %s", res.Status, res.Header.Get("Location"))
	}
	if p := string(s.get(br, list).Body); !strings.Contains(p, "已将 2 条失败事件重新排队") {
		t.Error("the resend's message is not on the list it returns to")
	}
	eventually(t, "the destination's two to be sent", func() bool {
		return len(s.outbox(admin, "state=sent&destination_id="+d["id"].(string))) == 2
	})
	if l := s.outbox(admin, "state=dead&destination_id="+other["id"].(string)); len(l) != 2 {
		t.Errorf("the other destination's dead letters = %d, want them left as they were", len(l))
	}
	if r := s.call("POST", "/api/v1/exchange/outbox/retry-dead", s.login("officer1"), nil); r.Status != 403 {
		t.Errorf("an officer resending all = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/exchange/outbox/retry-dead?destination_id=x", admin, nil); r.Status != 422 || !strings.Contains(string(r.Body), "接收方编号") {
		t.Errorf("a malformed destination = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/exchange/outbox/retry-dead", admin, nil); r.Status != 200 || r.JSON()["requeued"] != float64(2) {
		t.Errorf("resend all of every destination = %d %s", r.Status, r.Body)
	}
	eventually(t, "all four sent", func() bool { return len(s.outbox(admin, "state=sent")) == 4 })
	if r := s.call("POST", "/api/v1/exchange/outbox/retry-dead", admin, nil); r.Status != 200 || r.JSON()["requeued"] != float64(0) {
		t.Errorf("resend all with none dead = %d %s", r.Status, r.Body)
	}
}

// zhifa stopped while a request is out resends, after its restart, only what was not
// acknowledged: the held event once more under the same key, the rest never again.
func TestExchangeRestartResendsOnlyUnacknowledged(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	rc := newReceiver(t, exchangeSecret)
	var held sync.Once
	heldKey := make(chan string, 1)
	rc.hold = func(a arrival) bool {
		rc.mu.Lock()
		n := len(rc.arrivals)
		rc.mu.Unlock()
		hold := false
		if n == 3 {
			held.Do(func() { hold = true; heldKey <- a.Key })
		}
		return hold
	}
	s.destination(admin, "上级平台", rc.srv.URL, "zhifa", map[string]any{"rate": 1})
	f := fixture(s)
	for range 2 {
		s.newCase(f)
	}
	// One event a second (rate 1): the third case's filing is the third to go out.
	id := s.decidedCase(f)
	var key string
	select {
	case key = <-heldKey:
	case <-time.After(60 * time.Second):
		t.Fatal("the third event never arrived")
	}
	s.stop()
	close(rc.release)
	_, acc := rc.snapshot()
	again := serveEnv(t, s.env)
	eventually(t, "the rest to arrive after the restart", func() bool {
		var n int
		again.query(t, `SELECT count(*) FROM outbox_deliveries WHERE state <> 'sent'`, &n)
		return n == 0
	})
	arrivals, acc2 := rc.snapshot()
	count := map[string]int{}
	for _, a := range arrivals {
		count[a.Key]++
	}
	for _, a := range acc {
		if a.Key != key && count[a.Key] != 1 {
			t.Errorf("event %s (%s), acknowledged before the stop, arrived %d times", a.Key, a.Topic, count[a.Key])
		}
	}
	if count[key] != 2 {
		t.Errorf("the held event arrived %d times, want twice (before and after the restart)", count[key])
	}
	var events int
	again.query(t, `SELECT count(*) FROM outbox_deliveries`, &events)
	if len(acc2) != events {
		t.Errorf("accepted %d events of the %d queued", len(acc2), events)
	}
	// Each case's events in the order written.
	var order []string
	for _, a := range acc2 {
		if p := a.Body["payload"].(map[string]any); a.Body["stream"] == "case:"+id {
			order = append(order, a.Topic+":"+fmt.Sprint(p["kind"]))
		}
	}
	if len(order) < 2 || order[0] != "action.case_filed:case_filed" {
		t.Errorf("the decided case's events = %v", order)
	}
}

// The worked example of EXCHANGE.md §2, and the specification on the portal.
func TestExchangeSpecificationExample(t *testing.T) {
	body := `{"event_id":"0b7e4c1e-2d55-4a8e-9a57-3f1f0f6d2c11","operation":"add","records":[]}`
	sig := app.ExchangeSignature([]byte("example-secret-0123456789"), "1764662400", []byte(body))
	if sig != "608140dbbcd01f3e5fe75cc30a67eac6f39c7479edec814e1b12d48eed70674e" {
		t.Errorf("signature = %s", sig)
	}
	for _, want := range []string{body, "X-Zhifa-Signature: v1=" + sig, "`0.150000`", "`123.456789`"} {
		if !strings.Contains(audit.ExchangeSpecification, want) {
			t.Errorf("EXCHANGE.md lacks %q", want)
		}
	}
	s := start(t)
	if r := s.public("/public/exchange.md"); r.Status != 200 || string(r.Body) != audit.ExchangeSpecification {
		t.Errorf("/public/exchange.md = %d", r.Status)
	}
}

// The reference receiver (`zhifa receive`) accepts a signed event once, answers a repeat
// with the same receipt, and refuses a wrong signature, an old timestamp and /refuse.
func TestReferenceReceiver(t *testing.T) {
	secret := []byte("receiver-secret-0123456789")
	rv := httptest.NewServer(&app.Receiver{Secret: secret})
	defer rv.Close()
	body := []byte(`{"event_id":"5d0c6a43-2f63-4f0e-8b8e-6f9d1b0f7a21","operation":"add","records":[]}`)
	post := func(path string, at time.Time, sign []byte) (int, string) {
		ts := fmt.Sprint(at.Unix())
		req, _ := http.NewRequest("POST", rv.URL+path, strings.NewReader(string(body)))
		req.Header.Set("Idempotency-Key", "5d0c6a43-2f63-4f0e-8b8e-6f9d1b0f7a21")
		req.Header.Set("X-Zhifa-Event", "credit.penalty")
		req.Header.Set("X-Zhifa-Timestamp", ts)
		req.Header.Set("X-Zhifa-Signature", "v1="+app.ExchangeSignature(sign, ts, body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, first := post("/credit", time.Now(), secret)
	st2, again := post("/credit", time.Now(), secret)
	if st != 200 || st2 != 200 || first != again || !strings.Contains(first, `"receipt":"QS`) {
		t.Errorf("accepted = %d %s, repeated = %d %s", st, first, st2, again)
	}
	if st, _ := post("/credit", time.Now(), []byte("another-secret-0123456789")); st != 401 {
		t.Errorf("a wrong signature = %d", st)
	}
	if st, _ := post("/credit", time.Now().Add(-time.Hour), secret); st != 401 {
		t.Errorf("an hour-old timestamp = %d", st)
	}
	if st, b := post("/refuse", time.Now(), secret); st != 422 || !strings.Contains(b, "法定代表人") {
		t.Errorf("/refuse = %d %s", st, b)
	}
}

// A credit repair (信用修复): refused before the minimum period, recorded by the handler,
// decided by the agency's head or an administrator; a grant ends the publication on the
// portal and at the credit platform, after the original.
func TestCreditRepairEndsPublicationEarly(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	rc := newReceiver(t, exchangeSecret)
	s.destination(admin, "省信用平台", rc.srv.URL, "credit", nil)
	f := fixture(s)
	_, itemID := s.publishedCase(f)
	today := time.Now().In(cstZone).Format(time.DateOnly)
	req := map[string]any{"applicant": "青山县惠民食品有限公司", "reason": "已缴清罚款并完成整改，申请提前停止公示", "requested_on": today}
	if r := s.call("POST", "/api/v1/disclosures/"+itemID+"/repairs", f.tok, req); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "最短公示期") {
		t.Errorf("a repair in the first months = %d %s", r.Status, r.Body)
	}
	s.exec(t, `UPDATE disclosures SET published_at = published_at - interval '4 months' WHERE id = '`+itemID+`'`)
	if r := s.call("POST", "/api/v1/disclosures/"+itemID+"/repairs", f.tok, map[string]any{"applicant": "x", "reason": "", "requested_on": today}); r.Status != 422 || r.ErrorField() != "reason" {
		t.Errorf("a request without a reason = %d %s", r.Status, r.Body)
	}
	r := s.call("POST", "/api/v1/disclosures/"+itemID+"/repairs", f.tok, req)
	if r.Status != 201 {
		t.Fatalf("record = %d %s", r.Status, r.Body)
	}
	rid := r.JSON()["id"].(string)
	if r := s.call("POST", "/api/v1/disclosures/"+itemID+"/repairs", f.tok, req); r.Status != 409 {
		t.Errorf("a second open request = %d", r.Status)
	}
	decide := "/api/v1/disclosures/" + itemID + "/repairs/" + rid + "/decide"
	if r := s.call("POST", decide, f.tok, map[string]any{"grant": true}); r.Status != 403 {
		t.Errorf("the handler deciding = %d", r.Status)
	}
	if r := s.call("POST", decide, admin, map[string]any{"grant": false}); r.Status != 422 || r.ErrorField() != "note" {
		t.Errorf("a refusal without reasons = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", decide, s.login("head1"), map[string]any{"grant": true, "note": "已纠正失信行为"}); r.Status != 200 || r.JSON()["state"] != "granted" {
		t.Fatalf("the agency's head granting = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", decide, admin, map[string]any{"grant": true}); r.Status != 409 {
		t.Errorf("deciding twice = %d", r.Status)
	}
	if p := s.public("/public/api/decisions/" + itemID).JSON(); p["state"] != "expired" || p["content"] != nil {
		t.Errorf("the portal after the repair = %v", p)
	}
	eventually(t, "the decision and its end to reach the credit platform", func() bool { _, acc := rc.snapshot(); return len(acc) == 2 })
	_, acc := rc.snapshot()
	if acc[1].Topic != "credit.repair" || acc[1].Body["operation"] != "end" || acc[1].Body["refers_to"] != acc[0].Key {
		t.Errorf("the repair's event = %s %v", acc[1].Topic, acc[1].Body)
	}
	br, _ := webLogin(t, s, "admin")
	if p := s.get(br, "/disclosures/"+itemID+"/repair"); p.Status != 200 || !strings.Contains(string(p.Body), "准予修复") || !strings.Contains(string(p.Body), "已纠正失信行为") {
		t.Errorf("the repair page = %d", p.Status)
	}
}

// The monthly credit-risk classes come in bulk: each change is kept with its day and
// source; codes outside the directory are counted, bad rows named by line.
func TestRiskClassesBulkUpdate(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	if r := s.send("POST", "/api/v1/inspection/targets", admin, "text/csv", strings.NewReader(targetsCSV(1, 4))); r.Status != 200 {
		t.Fatalf("import = %d %s", r.Status, r.Body)
	}
	// Targets 1..4 are A, B, B, B (targetsCSV's spread).
	body := "统一社会信用代码,风险等级\n" + targetCode(1) + ",D\n" + targetCode(2) + ",B\n" + targetCode(3) + ",x\n" +
		targetCode(900) + ",B\n" + targetCode(4) + ",a\n" + targetCode(1) + ",B\n"
	q := "/api/v1/inspection/targets/risk-classes?effective_on=2026-12-01&source=" + url.QueryEscape("市场监管局2026年12月信用风险分类")
	if r := s.send("POST", q, s.login("officer1"), "text/csv", strings.NewReader(body)); r.Status != 403 {
		t.Errorf("an officer = %d", r.Status)
	}
	if r := s.send("POST", "/api/v1/inspection/targets/risk-classes?effective_on=2026-12-01", admin, "text/csv", strings.NewReader(body)); r.Status != 422 || r.ErrorField() != "source" {
		t.Errorf("without a source = %d %s", r.Status, r.Body)
	}
	r := s.send("POST", q, admin, "text/csv", strings.NewReader(body))
	m := r.JSON()
	if r.Status != 200 || m["changed"] != 2.0 || m["unchanged"] != 1.0 || m["unknown"] != 1.0 || len(m["rejected"].([]any)) != 2 {
		t.Fatalf("update = %d %s, want targets 1 and 4 changed, 2 unchanged, 900 unknown, lines 4 and 7 rejected", r.Status, r.Body)
	}
	if got := m["unknown_codes"].([]any); len(got) != 1 || got[0] != targetCode(900) {
		t.Errorf("unknown = %v", got)
	}
	h := items(s.call("GET", "/api/v1/inspection/targets/"+targetCode(1)+"/risk-classes", admin, nil))
	if len(h) != 1 || h[0]["from"] != "A" || h[0]["to"] != "D" || h[0]["effective_on"] != "2026-12-01" || h[0]["source"] != "市场监管局2026年12月信用风险分类" {
		t.Errorf("history of target 1 = %v", h)
	}
	// JSON works too; the directory's import also leaves its trace.
	js := `[{"code": "` + targetCode(2) + `", "risk": "A"}]`
	if r := s.send("POST", q, admin, "application/json", strings.NewReader(js)); r.Status != 200 || r.JSON()["changed"] != 1.0 {
		t.Errorf("JSON update = %d %s", r.Status, r.Body)
	}
	if r := s.send("POST", "/api/v1/inspection/targets", admin, "application/json", strings.NewReader(`[{"code": "`+targetCode(3)+
		`", "name": "青山县测试商贸有限公司3", "type": "企业", "region_code": "360799", "industry": "批发和零售业", "risk": "C"}]`)); r.Status != 200 {
		t.Fatalf("re-import = %d %s", r.Status, r.Body)
	}
	if h := items(s.call("GET", "/api/v1/inspection/targets/"+targetCode(3)+"/risk-classes", admin, nil)); len(h) != 1 || h[0]["source"] != "检查对象名录导入" {
		t.Errorf("history after an import = %v", h)
	}
	if r := s.call("GET", "/api/v1/inspection/targets/"+targetCode(900)+"/risk-classes", admin, nil); r.Status != 404 {
		t.Errorf("history of an unknown target = %d", r.Status)
	}
}

// A destination that authenticates zhifa by its client certificate (mutual TLS): the
// events arrive over TLS with the certificate, and a server that does not know the
// certificate's CA refuses the connection, which is retried, not lost.
func TestExchangeMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := newCA(t)
	caFile := writePEM(t, dir+"/ca.pem", "CERTIFICATE", ca.Raw)
	serverCert := leaf(t, ca, caKey, "receiver", x509.ExtKeyUsageServerAuth)
	clientDER, clientKey := leafDER(t, ca, caKey, "zhifa-qingshan", x509.ExtKeyUsageClientAuth)
	certFile := writePEM(t, dir+"/client.pem", "CERTIFICATE", clientDER)
	keyFile := writePEM(t, dir+"/client.key", "PRIVATE KEY", clientKey)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	rc := &receiver{t: t, seen: map[string]bool{}, release: make(chan struct{})}
	var clientCN string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) > 0 {
			rc.mu.Lock()
			clientCN = r.TLS.PeerCertificates[0].Subject.CommonName
			rc.mu.Unlock()
		}
		rc.serve(w, r)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
	srv.StartTLS()
	defer srv.Close()
	s := start(t)
	admin := s.login("admin")
	in := map[string]any{"name": "省信用平台", "url": srv.URL, "format": "regulatory", "auth": "mtls", "rate": 100,
		"tls_cert_file": certFile, "tls_key_file": keyFile, "tls_ca_file": caFile}
	if r := s.call("POST", "/api/v1/exchange/destinations", admin, map[string]any{"name": "x", "url": "http://127.0.0.1:1", "format": "regulatory",
		"auth": "mtls", "tls_cert_file": certFile, "tls_key_file": keyFile}); r.Status != 422 || r.ErrorField() != "url" {
		t.Errorf("mutual TLS over http = %d %s", r.Status, r.Body)
	}
	r := s.call("POST", "/api/v1/exchange/destinations", admin, in)
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	s.newCase(fixture(s))
	eventually(t, "the filing over mutual TLS", func() bool { _, acc := rc.snapshot(); return len(acc) == 1 })
	rc.mu.Lock()
	if clientCN != "zhifa-qingshan" {
		t.Errorf("client certificate = %q", clientCN)
	}
	rc.mu.Unlock()

	// Another CA at the receiver: the handshake fails, the event waits for a retry.
	other, _ := newCA(t)
	strict := x509.NewCertPool()
	strict.AddCert(other)
	srv2 := httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	srv2.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: strict}
	srv2.StartTLS()
	defer srv2.Close()
	in["name"], in["url"] = "不认证书的平台", srv2.URL
	d := s.call("POST", "/api/v1/exchange/destinations", admin, in).JSON()
	s.newCase(fixture(s))
	eventually(t, "a failed handshake", func() bool {
		l := s.outbox(admin, "state=failed&destination_id="+d["id"].(string))
		return len(l) == 1 && strings.Contains(l[0]["last_error"].(string), "连接失败")
	})
}

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "测试 CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	return ca, key
}

func leafDER(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, usage x509.ExtKeyUsage) ([]byte, []byte) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{usage}, KeyUsage: x509.KeyUsageDigitalSignature,
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pk, _ := x509.MarshalPKCS8PrivateKey(key)
	return der, pk
}

func leaf(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, usage x509.ExtKeyUsage) tls.Certificate {
	der, pk := leafDER(t, ca, caKey, cn, usage)
	c, err := tls.X509KeyPair(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writePEM(t *testing.T, path, kind string, der []byte) string {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
