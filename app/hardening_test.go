package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhifa/app"
)

// Each test here closes one class of attack an outside probe found, through the running
// server: it fails if the class comes back, whatever string is tried next.

// Item 1: a redirect target is a path on this site or "/", and never a header of its own.
func TestLoginRedirectStaysOnSite(t *testing.T) {
	s := start(t)
	for next, want := range map[string]string{
		"/cases?state=filed":                  "/cases?state=filed",
		"/cases/abc":                          "/cases/abc",
		"/\r\nSet-Cookie: zhifa_session=evil": "/",
		"/%0D%0ASet-Cookie:%20x=y":            "/%0D%0ASet-Cookie:%20x=y",
		"/\t/evil.example":                    "/",
		"/ /evil.example":                     "/",
		"//evil.example":                      "/",
		"/\\evil.example":                     "/",
		"\\\\evil.example":                    "/",
		"https://evil.example/":               "/",
		"javascript:alert(1)":                 "/",
		"/\x00/evil.example":                  "/",
		"/\u202e/evil.example":                "/",
		"/%2F%2Fevil.example":                 "/",
		"evil.example":                        "/",
		"":                                    "/",
		"/" + strings.Repeat("a", 3000):       "/",
		"/\u3000/evil.example":                "/",
		"/cases?q=" + url.QueryEscape("食品"):   "/cases?q=%E9%A3%9F%E5%93%81",
	} {
		c := s.browser()
		page := s.get(c, "/login?next="+url.QueryEscape(next))
		if page.Status != 200 {
			t.Errorf("login page with next %q = %d", next, page.Status)
			continue
		}
		if page.Header.Get("Set-Cookie") != "" && strings.Contains(page.Header.Get("Set-Cookie"), "evil") {
			t.Errorf("next %q set a cookie: %s", next, page.Header.Get("Set-Cookie"))
		}
		m := nextFieldRe.FindSubmatch(page.Body)
		if m == nil || html.UnescapeString(string(m[1])) != want {
			t.Errorf("login form keeps next %q as %q, want %q", next, m, want)
		}
		token := csrfRe.FindSubmatch(page.Body)
		r := s.form(c, "/login", url.Values{"_csrf": {string(token[1])}, "username": {"officer1"},
			"password": {app.DemoPassword}, "next": {next}})
		if r.Status != 303 || r.Header.Get("Location") != want {
			t.Errorf("after login with next %q: %d Location %q, want 303 to %q", next, r.Status, r.Header.Get("Location"), want)
		}
		for k := range r.Header {
			if strings.EqualFold(k, "X-Injected") || strings.Contains(strings.ToLower(r.Header.Get("Set-Cookie")), "evil") {
				t.Errorf("next %q added header %s", next, k)
			}
		}
	}
	// Raw bytes on the wire, as a crafted form sends them: the login that redirects never
	// lets CR LF reach a header.
	c := s.browser()
	page := s.get(c, "/login")
	token := string(csrfRe.FindSubmatch(page.Body)[1])
	form := "_csrf=" + token + "&username=officer1&password=" + app.DemoPassword + "&next=/%0D%0AX-Injected:%20yes"
	raw := rawRequest(t, s, "POST /login HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: zhifa_login_csrf="+token+
		"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: "+strconv.Itoa(len(form))+"\r\n\r\n"+form)
	if !strings.HasPrefix(raw, "HTTP/1.1 303") || strings.Contains(raw, "\r\nX-Injected") || !strings.Contains(raw, "\r\nLocation: /\r\n") {
		t.Errorf("login with CR LF in next answered:\n%s", truncated([]byte(raw)))
	}
}

var nextFieldRe = regexp.MustCompile(`name="next" value="([^"]*)"`)

// rawRequest writes bytes as they are to the server and returns its whole answer.
func rawRequest(t *testing.T, s *server, req string) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(conn)
	return string(b)
}

// Item 2: no more than the account's limit of attempts ever reaches the password check in
// a window, however many arrive at once; an address that fails often slows down but
// never refuses a correct password for an account that is not itself locked.
func TestLoginLimiterHoldsUnderConcurrency(t *testing.T) {
	s := start(t, func(env map[string]string) {
		env["ZHIFA_LOGIN_IP_MAX_FAILS"] = "20"
		env["ZHIFA_LOGIN_IP_DELAY"] = "300ms"
		env["ZHIFA_REQUEST_TIMEOUT"] = "3s" // turns are handed out up to a third of it: 1 s
	})
	// reviewer1 signed in on this browser before; the server remembers the browser.
	desk := s.browser()
	if r := apiLogin(t, s, desk, "reviewer1", app.DemoPassword); r.Status != 200 {
		t.Fatalf("first login on the desk browser = %d", r.Status)
	}
	const parallel = 40
	statuses := make(chan response, parallel)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses <- s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "officer2", "password": "wrong-guess"})
		}()
	}
	close(start)
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for r := range statuses {
		count[r.Status]++
		if r.Status == 429 {
			ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
			if err != nil || ra < 800 || ra > 900 {
				t.Errorf("account 429 says Retry-After %q, want the rest of the 15-minute window", r.Header.Get("Retry-After"))
			}
		}
	}
	if count[401] != 5 || count[429] != parallel-5 {
		t.Fatalf("%d parallel wrong passwords answered %v, want exactly 5 checked (401) and the rest 429", parallel, count)
	}
	// The account is locked, even for its own password; others are not.
	if r := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "officer2", "password": app.DemoPassword}); r.Status != 429 {
		t.Errorf("locked account with its password = %d, want 429", r.Status)
	}
	// The address has now failed 5 times; 15 more wrong guesses on other accounts take it
	// past its limit of 20.
	for i := range 15 {
		if r := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": fmt.Sprintf("nobody%d", i), "password": "x-wrong-x"}); r.Status != 401 {
			t.Fatalf("wrong guess %d = %d", i, r.Status)
		}
	}
	// Past it, a colleague behind the same address still signs in, after a short wait.
	began := time.Now()
	r := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "officer1", "password": app.DemoPassword})
	if r.Status != 200 {
		t.Fatalf("correct password from a slowed address = %d %s, want 200", r.Status, r.Body)
	}
	if waited := time.Since(began); waited < 250*time.Millisecond {
		t.Errorf("a slowed address waited %v, want at least the 300 ms delay", waited)
	}
	// Its attempts take turns 300 ms apart, at most a second of them: of eight at once,
	// three are checked in turn and the rest are told when to come back.
	began = time.Now()
	turns := make(chan response, 8)
	for i := range 8 {
		go func() {
			turns <- s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": fmt.Sprintf("later%d", i), "password": "x-wrong-x"})
		}()
	}
	count = map[int]int{}
	for range 8 {
		r := <-turns
		count[r.Status]++
		if ra, _ := strconv.Atoi(r.Header.Get("Retry-After")); r.Status == 429 && (ra < 1 || !strings.Contains(r.ErrorMessage(), "网络地址")) {
			t.Errorf("a busy address's 429 = Retry-After %q %s", r.Header.Get("Retry-After"), r.Body)
		}
	}
	if count[401] != 3 || count[429] != 5 {
		t.Errorf("eight attempts at once from a slowed address = %v, want 3 checked in turn and 5 told to come back", count)
	}
	if took := time.Since(began); took < 800*time.Millisecond {
		t.Errorf("three turns took %v, want them 300 ms apart", took)
	}
	// The address is flooded, but the browser where reviewer1 signed in before goes
	// straight through: a known device takes no turn. Its sign-in without the flood is
	// the baseline (hashing the password is slow under -race on a busy machine).
	began = time.Now()
	if r := apiLogin(t, s, desk, "reviewer1", app.DemoPassword); r.Status != 200 {
		t.Fatalf("a known device = %d %s, want 200", r.Status, r.Body)
	}
	baseline := time.Since(began)
	var flood sync.WaitGroup
	defer flood.Wait()
	full := make(chan struct{}, 8)
	for range 8 {
		flood.Add(1)
		go func() {
			defer flood.Done()
			if resp, err := http.Post(s.URL+"/api/v1/auth/login", "application/json", strings.NewReader(`{"username":"flood","password":"x-wrong-x"}`)); err == nil {
				if resp.StatusCode == 429 {
					full <- struct{}{}
				}
				resp.Body.Close()
			}
		}()
	}
	select { // a flood attempt turned away: every turn is taken
	case <-full:
	case <-time.After(20 * time.Second):
		t.Fatal("eight attempts at once never filled the address's turns")
	}
	began = time.Now()
	if r := apiLogin(t, s, desk, "reviewer1", app.DemoPassword); r.Status != 200 {
		t.Errorf("a known device during a flood = %d %s, want 200", r.Status, r.Body)
	}
	if took := time.Since(began); took > baseline+250*time.Millisecond {
		t.Errorf("a known device waited %v behind the flood (%v without it): it took a turn", took, baseline)
	}
}

// apiLogin signs in through the API with a browser's cookie jar.
func apiLogin(t *testing.T, s *server, c *http.Client, username, password string) response {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := c.Post(s.URL+"/api/v1/auth/login", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, body}
}

// Item 5: each limiter says its own window in Retry-After.
func TestEachLimiterSaysItsOwnWindow(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_PUBLIC_RATE"] = "3" })
	var last response
	for range 12 { // a minute may turn during the loop and start the count again
		if last = s.public("/public/api/agencies"); last.Status == 429 {
			break
		}
	}
	ra, err := strconv.Atoi(last.Header.Get("Retry-After"))
	if last.Status != 429 || err != nil || ra < 1 || ra > 60 || last.ErrorCode() != "too_many" {
		t.Errorf("public limit = %d Retry-After %q %s, want 429 within the minute", last.Status, last.Header.Get("Retry-After"), last.Body)
	}
	for range 6 {
		last = s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "officer1", "password": "wrong-guess"})
	}
	ra, err = strconv.Atoi(last.Header.Get("Retry-After"))
	if last.Status != 429 || err != nil || ra < 800 || ra > 900 {
		t.Errorf("login limit = %d Retry-After %q, want 429 with the 15-minute window", last.Status, last.Header.Get("Retry-After"))
	}
}

// Items 3 and 9: NUL, control characters, invalid UTF-8 and invisible format characters
// are refused at the edge with the field named (422 in a body, 400 in the address),
// never a 500 and never stored; line breaks only in free text.
func TestUnsafeCharactersAreRefusedAtEveryEntry(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin := s.login("admin")
	for _, q := range []string{
		"/public/api/decisions?q=a%00b", "/public/api/officers?q=%00", "/public/api/agencies?q=a%00",
		"/public/api/results?q=%00", "/public/api/draws?q=%00", "/public/api/matters?q=%00",
		"/public/?q=a%00b", "/public/officers?q=%00", "/public/officers/%00", "/public/api/officers/A%00B",
		"/public/api/decisions?q=%E2%80%AEgnp", "/public/api/decisions?q=%FF%FE",
	} {
		r := s.public(q)
		if r.Status != 400 && r.Status != 404 {
			t.Errorf("GET %s = %d %s, want 400 (or 404 for a path that names nothing)", q, r.Status, truncated(r.Body))
		}
	}
	for _, q := range []string{"/api/v1/cases?q=%00", "/api/v1/cases?state=%00", "/api/v1/officers?q=a%00",
		"/api/v1/inspection/targets?q=%00", "/api/v1/disclosures?state=%E2%80%8B"} {
		if r := s.call("GET", q, f.tok, nil); r.Status != 400 || !hasHan(r.ErrorMessage()) || r.ErrorField() == "" {
			t.Errorf("GET %s = %d %s, want 400 naming the parameter", q, r.Status, r.Body)
		}
	}
	if r := s.call("POST", "/api/v1/auth/login", "", `{"username":"officer1\u0000","password":"demo1234"}`); r.Status != 422 || r.ErrorField() != "username" {
		t.Errorf("login with NUL = %d %s, want 422 naming username", r.Status, r.Body)
	}
	for field, edit := range map[string]func(map[string]any){
		"cause":            func(m map[string]any) { m["cause"] = "销售\u0000过期食品" },
		"parties[0].name":  func(m map[string]any) { m["parties"].([]map[string]any)[0]["name"] = "张\u0000三" },
		"location":         func(m map[string]any) { m["location"] = "解放路\u001b12号" },
		"legal_basis":      func(m map[string]any) { m["legal_basis"] = "第三十四条\u0000" },
		"cause ":           func(m map[string]any) { m["cause"] = "销售过期食品\u202e品食" },
		"parties[0].name ": func(m map[string]any) { m["parties"].([]map[string]any)[0]["name"] = "张\u200b三" },
		"cause  ":          func(m map[string]any) { m["cause"] = "销售\n过期食品" },
		"location ":        func(m map[string]any) { m["location"] = "\ufeff解放路12号" },
	} {
		in := f.input()
		edit(in)
		r := s.call("POST", "/api/v1/cases", f.tok, in)
		if want := strings.TrimSpace(field); r.Status != 422 || r.ErrorField() != want || !hasHan(r.ErrorMessage()) {
			t.Errorf("case with bad %q = %d %s, want 422 naming %s", field, r.Status, r.Body, want)
		}
	}
	// Invalid UTF-8 in a form (a JSON decoder would have replaced it).
	b, csrf := webLogin(t, s, "officer1")
	if r := s.form(b, "/cases/new", url.Values{"_csrf": {csrf}, "cause": {"销售\xff过期食品"}}); r.Status != 422 || !strings.Contains(string(r.Body), "UTF-8") {
		t.Errorf("form with invalid UTF-8 = %d, want 422 saying so", r.Status)
	}
	id := s.newCase(f)
	if r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "text", "note": "询问\u0000笔录"}); r.Status != 422 || r.ErrorField() != "note" {
		t.Errorf("record note with NUL = %d %s, want 422 naming note", r.Status, r.Body)
	}
	// A note is free text: its line breaks are kept.
	r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "text", "note": "第一行\r\n第二行\t完"})
	if r.Status != 201 || r.JSON()["note"] != "第一行\r\n第二行\t完" {
		t.Errorf("multi-line note = %d %s", r.Status, r.Body)
	}
	rec := r.JSON()["id"].(string)
	// A file named to read backwards is refused, in each way a file arrives.
	if r := s.upload(f.tok, rec, url.QueryEscape("photo\u202egnp.exe"), jpegBytes(2000)); r.Status != 400 && r.Status != 422 {
		t.Errorf("raw upload named with U+202E = %d %s, want refused", r.Status, r.Body)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "photo\u202egnp.exe")
	_, _ = fw.Write(jpegBytes(2000))
	_ = mw.Close()
	if r := s.send("POST", "/api/v1/records/"+rec+"/media", f.tok, mw.FormDataContentType(), &body); r.Status != 422 || r.ErrorField() != "filename" {
		t.Errorf("multipart upload named with U+202E = %d %s, want 422 naming filename", r.Status, r.Body)
	}
	body.Reset()
	mw = multipart.NewWriter(&body)
	_ = mw.WriteField("kind", "photo")
	_ = mw.WriteField("note", "现场照片")
	fw, _ = mw.CreateFormFile("files", "现场\u200b.jpg")
	_, _ = fw.Write(jpegBytes(2000))
	_ = mw.Close()
	if r := s.send("POST", "/api/v1/cases/"+id+"/records", f.tok, mw.FormDataContentType(), &body); r.Status != 422 || r.ErrorField() != "files[0]" {
		t.Errorf("record with a file named with U+200B = %d %s, want 422 naming the file name", r.Status, r.Body)
	}
	// Target import, both formats: the bad row is rejected with its line, the rest load.
	csv := "code,name,type,region_code,industry,risk\n" + targetCode(1) + ",青山县甲\x00公司,企业,360799,批发和零售业,A\n" +
		targetCode(2) + ",青山县乙公司,企业,360799,批发和零售业,B\n" + targetCode(3) + ",青山县\u202e丙公司,企业,360799,批发和零售业,C\n"
	r = s.send("POST", "/api/v1/inspection/targets", admin, "text/csv", strings.NewReader(csv))
	if rej := r.JSON()["rejected"]; r.Status != 200 || r.JSON()["created"] != 1.0 || len(rej.([]any)) != 2 {
		t.Errorf("CSV import with NUL and U+202E = %d %s, want 1 created and 2 rejected", r.Status, r.Body)
	}
	js := `[{"code":"` + targetCode(4) + `","name":"丁\u0000公司","type":"企业","region_code":"360799","industry":"x","risk":"A"},` +
		`{"code":"` + targetCode(5) + `","name":"戊公司","type":"企\u0007业","region_code":"360799","industry":"x","risk":"A"},` +
		`{"code":"` + targetCode(6) + `","name":"己公司","type":"企业","region_code":"360799","industry":"x","risk":"A"}]`
	r = s.send("POST", "/api/v1/inspection/targets", admin, "application/json", strings.NewReader(js))
	if rej := r.JSON()["rejected"]; r.Status != 200 || r.JSON()["created"] != 1.0 || len(rej.([]any)) != 2 {
		t.Errorf("JSON import with NUL and BEL = %d %s, want 1 created and 2 rejected", r.Status, r.Body)
	}
	// Nothing refused above was stored.
	var stored int
	if err := dbConn(t, s).QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM cases WHERE cause ~ '[\x01-\x1f\u200b\u202e\ufeff]')
		+ (SELECT count(*) FROM inspection_targets WHERE name ~ '[\x01-\x1f\u202e]')
		+ (SELECT count(*) FROM media WHERE filename ~ '[\u200b\u202e]')`).Scan(&stored); err != nil || stored != 0 {
		t.Errorf("refused text stored: %d (%v)", stored, err)
	}
}

func truncated(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

// Item 4: a request line or header block past its limit answers 414 or 431 with the
// usual error body and a request ID; ordinary long cookies and queries pass.
func TestOversizedRequestHeads(t *testing.T) {
	s := start(t)
	// The request goes out in one write on a connection of its own, and the answer is read
	// even when the server closes before reading the rest: an HTTP client still writing a
	// request the server has already refused reports the reset instead of the answer.
	send := func(path string, header map[string]string) response {
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		var raw bytes.Buffer
		if err := req.Write(&raw); err != nil {
			t.Fatal(err)
		}
		conn, err := net.Dial("tcp", req.URL.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, _ = conn.Write(raw.Bytes())
		_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), req)
		if err != nil {
			t.Fatalf("%s: %v", truncated([]byte(path)), err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return response{resp.StatusCode, resp.Header, b}
	}
	long := strings.Repeat("x", 6<<10)
	if r := send("/public/api/decisions?q="+strings.Repeat("食", 400), map[string]string{"Cookie": "a=" + long}); r.Status != 200 {
		t.Errorf("a 6 KiB cookie and a 3.6 KiB query = %d, want 200", r.Status)
	}
	for _, c := range []struct {
		name   string
		path   string
		header map[string]string
		want   int
	}{
		{"a 10 KiB query", "/public/api/decisions?q=" + strings.Repeat("a", 10<<10), nil, 414},
		{"a 20 KiB cookie", "/public/api/decisions", map[string]string{"Cookie": "a=" + strings.Repeat("x", 20<<10)}, 431},
		{"a 40 KiB header", "/api/v1/me", map[string]string{"X-Padding": strings.Repeat("x", 40<<10)}, 431},
		{"a 40 KiB query", "/api/v1/me?q=" + strings.Repeat("a", 40<<10), nil, 431},
	} {
		r := send(c.path, c.header)
		if r.Status != c.want || r.ErrorCode() != "too_large" || !hasHan(r.ErrorMessage()) || len(r.Header.Get("X-Request-ID")) < 8 {
			t.Errorf("%s = %d %q (request ID %q), want %d with the error body and an ID", c.name, r.Status, truncated(r.Body), r.Header.Get("X-Request-ID"), c.want)
		}
	}
}

// Item 7: a code whose signature fails is never shown as valid: the page says it cannot
// be verified, in red, and whom to call; the JSON says so too. An unknown number is 404.
func TestForgedCertificateCodeIsNotShownValid(t *testing.T) {
	s := start(t)
	f := fixture(s)
	path := certURL(t, s, f.o1)
	forged := path[:len(path)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(path, "A")]
	for _, p := range []string{forged, strings.Split(path, "?")[0] + "?s=not-a-signature", "/public/officers/FAKE-0001?s=" + path[strings.Index(path, "?s=")+3:]} {
		page := s.public(p)
		body := string(page.Body)
		main := body[strings.Index(body, "<main"):]
		if page.Status >= 500 || !strings.Contains(main, "无法核验") || !strings.Contains(main, "可能是伪造的") || strings.Contains(main, "有效") ||
			!strings.Contains(main, `class="cert-check bad"`) || !strings.Contains(main, `href="tel:`) {
			t.Errorf("%s = %d: want 无法核验 in red with a number to call and no 有效\n%s", p, page.Status, truncated([]byte(main)))
		}
		j := s.public(strings.Replace(p, "/public/officers/", "/public/api/officers/", 1)).JSON()
		if j["signature"] != "invalid" || j["verdict"] != "unverified" || j["valid_today"] != false || j["name"] != nil {
			t.Errorf("JSON of %s = %v, want signature invalid, verdict unverified and nothing of the holder", p, j)
		}
	}
	// The officer's agency's number is the one shown, once an administrator sets it.
	admin := s.login("admin")
	if r := s.call("PATCH", "/api/v1/agencies/"+f.agency, admin, map[string]any{"phone": "0797-0199999"}); r.Status != 200 || r.JSON()["phone"] != "0797-0199999" {
		t.Fatalf("set phone = %d %s", r.Status, r.Body)
	}
	if r := s.call("PATCH", "/api/v1/agencies/"+f.agency, admin, map[string]any{"phone": "请拨打"}); r.Status != 422 || r.ErrorField() != "phone" {
		t.Errorf("a phone that is not a number = %d %s", r.Status, r.Body)
	}
	if r := s.call("PATCH", "/api/v1/agencies/"+f.agency, f.tok, map[string]any{"phone": "0797-0100000"}); r.Status != 403 {
		t.Errorf("an officer setting the phone = %d", r.Status)
	}
	if body := string(s.public(forged).Body); !strings.Contains(body, `href="tel:0797-0199999"`) {
		t.Error("forged code page does not show the issuing agency's number")
	}
	// Valid: still 有效, with no warning.
	if body := string(s.public(path).Body); !strings.Contains(body, `class="verdict">有效`) || strings.Contains(body, "无法核验") {
		t.Error("a genuine code is not shown as valid")
	}
	// Unknown number, no signature: 404 in the JSON, the page says 查无此证.
	if r := s.public("/public/api/officers/FAKE-0001"); r.Status != 404 || r.ErrorCode() != "not_found" {
		t.Errorf("unknown certificate JSON = %d %s, want 404", r.Status, r.Body)
	}
	if r := s.public("/public/officers/FAKE-0001"); r.Status != 404 || !strings.Contains(string(r.Body), "查无此证") {
		t.Errorf("unknown certificate page = %d, want 404 saying 查无此证", r.Status)
	}
}

// Item 8: an object outside the caller's scope answers exactly as one that does not
// exist (404, the same message), on reads, writes and pages; nothing says who holds it.
func TestOutOfScopeAnswersAsAbsent(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin := s.login("admin")
	forestry := agencyID(s, admin, "青山县林业局")
	// An officer and a qualified reviewer of another department.
	stranger := items(s.call("GET", "/api/v1/officers?status=active&agency_id="+forestry, admin, nil))[0]["id"].(string)
	for _, u := range []map[string]any{
		{"username": "outsider", "roles": []string{"officer"}, "officer_id": stranger},
		{"username": "outsiderrev", "roles": []string{"reviewer"}, "legal_qualified": true},
	} {
		u["password"], u["name"], u["agency_id"] = "correct-horse-9", "林业局人员", forestry
		if r := s.call("POST", "/api/v1/users", admin, u); r.Status != 201 {
			t.Fatalf("create %v = %d %s", u["username"], r.Status, r.Body)
		}
	}
	out := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "outsider", "password": "correct-horse-9"}).JSON()["token"].(string)
	outRev := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "outsiderrev", "password": "correct-horse-9"}).JSON()["token"].(string)

	// The market bureau's objects, as the demo holds them.
	ctx := context.Background()
	conn := dbConn(t, s)
	id := map[string]string{}
	for name, q := range map[string]string{
		"case":          `SELECT c.id FROM cases c WHERE c.agency_id = $1 AND c.kind = 'penalty' ORDER BY c.number LIMIT 1`,
		"record":        `SELECT r.id FROM records r JOIN cases c ON c.id = r.case_id WHERE c.agency_id = $1 ORDER BY r.id LIMIT 1`,
		"review":        `SELECT r.id FROM reviews r WHERE r.agency_id = $1 ORDER BY r.id LIMIT 1`,
		"disclosure":    `SELECT d.id FROM disclosures d WHERE d.agency_id = $1 ORDER BY d.id LIMIT 1`,
		"officer":       `SELECT o.id FROM officers o WHERE o.agency_id = $1 ORDER BY o.id LIMIT 1`,
		"rectification": `SELECT r.id FROM rectifications r WHERE r.agency_id <> $1 ORDER BY r.id LIMIT 1`,
		"check":         `SELECT k.id FROM inspection_checks k WHERE k.state = 'assigned' AND $1 <> ALL (k.inspector_ids) ORDER BY k.id LIMIT 1`,
	} {
		arg := map[string]string{"check": stranger, "rectification": forestry}[name]
		if arg == "" {
			arg = f.agency
		}
		var v uuid.UUID
		if err := conn.QueryRow(ctx, q, arg).Scan(&v); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		id[name] = v.String()
	}
	id["agency"] = f.agency
	own := s.newCase(f)
	photo := s.upload(f.tok, s.addRecord(f.tok, own, "photo"), "现场.jpg", jpegBytes(2000))
	if photo.Status != 201 {
		t.Fatalf("upload = %d %s", photo.Status, photo.Body)
	}
	id["media"] = photo.JSON()["id"].(string)
	up := s.call("POST", "/api/v1/records/"+s.addRecord(f.tok, own, "video")+"/uploads", f.tok,
		map[string]any{"filename": "现场.mp4", "size": 20 << 20, "content_type": "video/mp4"})
	if up.Status != 201 {
		t.Fatalf("start upload = %d %s", up.Status, up.Body)
	}
	id["upload"] = up.JSON()["upload_id"].(string)

	type probe struct{ method, path, tok string }
	var probes []probe
	for _, p := range []string{
		"/api/v1/cases/{case}", "/api/v1/cases/{case}/records", "/api/v1/cases/{case}/verify", "/api/v1/cases/{case}/reviews",
		"/api/v1/cases/{case}/archive", "/api/v1/cases/{case}/log", "/api/v1/records/{record}", "/api/v1/records/{record}/media", "/api/v1/media/{media}",
		"/api/v1/media/{media}/info", "/api/v1/media/{media}/access-log", "/api/v1/reviews/{review}", "/api/v1/disclosures/{disclosure}",
		"/api/v1/officers/{officer}", "/api/v1/officers/{officer}/qr.png", "/api/v1/agencies/{agency}", "/api/v1/agencies/{agency}/profile",
		"/api/v1/agencies/{agency}/major-criteria", "/api/v1/rectifications/{rectification}", "/api/v1/inspection/checks/{check}",
		"/api/v1/uploads/{upload}",
	} {
		probes = append(probes, probe{"GET", p, out})
	}
	for _, p := range []string{
		"/api/v1/cases/{case}/transitions", "/api/v1/cases/{case}/records", "/api/v1/cases/{case}/outcomes", "/api/v1/cases/{case}/reviews",
		"/api/v1/cases/{case}/decision-check", "/api/v1/records/{record}/media", "/api/v1/records/{record}/uploads",
		"/api/v1/disclosures/{disclosure}/publish", "/api/v1/disclosures/{disclosure}/withdraw", "/api/v1/rectifications/{rectification}/close",
		"/api/v1/inspection/checks/{check}/record", "/api/v1/inspection/checks/{check}/result", "/api/v1/uploads/{upload}/complete",
	} {
		probes = append(probes, probe{"POST", p, out})
	}
	probes = append(probes, probe{"POST", "/api/v1/reviews/{review}/decision", outRev}, probe{"GET", "/api/v1/reviews/{review}", outRev},
		probe{"DELETE", "/api/v1/uploads/{upload}", out}, probe{"PUT", "/api/v1/cases/{case}/flags", out})
	fill := func(p string, random bool) string {
		for k, v := range id {
			if random {
				v = uuid.NewString()
			}
			p = strings.ReplaceAll(p, "{"+k+"}", v)
		}
		return p
	}
	// One body that passes every write's own validation, so that the scope is what answers.
	write := map[string]any{"to": "investigating", "kind": "text", "note": "笔录", "reason": "理由", "result": "未发现问题",
		"decision": map[string]any{"outcome": "penalty", "fine_amount": 100000, "text": "罚款"}, "type": "reconsideration",
		"outcome": "upheld", "decided_at": time.Now().Format(time.RFC3339), "filename": "a.mp4", "size": 1 << 20,
		"content_type": "video/mp4", "checklist": checklist(), "opinion": "同意"}
	for _, p := range probes {
		var body any
		if p.method != "GET" && p.method != "DELETE" {
			body = write
		}
		held, absent := s.call(p.method, fill(p.path, false), p.tok, body), s.call(p.method, fill(p.path, true), p.tok, body)
		if held.Status != 404 || absent.Status != 404 || held.ErrorMessage() != absent.ErrorMessage() {
			t.Errorf("%s %s: another agency's object = %d %q, an absent one = %d %q; want the same 404",
				p.method, p.path, held.Status, held.ErrorMessage(), absent.Status, absent.ErrorMessage())
		}
	}
	// Pages answer the same way.
	b, _ := webLoginAs(t, s, "outsider", "correct-horse-9")
	for _, p := range []string{"/cases/{case}", "/cases/{case}/print", "/reviews/{review}", "/officers/{officer}", "/officers/{officer}/card",
		"/media/{media}/access-log", "/inspection/checks/{check}", "/agencies/{agency}/public", "/agencies/{agency}/criteria"} {
		held, absent := s.get(b, fill(p, false)), s.get(b, fill(p, true))
		if held.Status != 404 || absent.Status != 404 || mainOf(held.Body) != mainOf(absent.Body) {
			t.Errorf("page %s: another agency's = %d, absent = %d; want the same 404 page", p, held.Status, absent.Status)
		}
	}
}

// mainOf is a page's main content, where an error page says what went wrong.
func mainOf(b []byte) string {
	s := string(b)
	if i := strings.Index(s, "<main"); i >= 0 {
		s = s[i:]
	}
	if i := strings.Index(s, "</main>"); i >= 0 {
		s = s[:i]
	}
	return s
}

// webLoginAs signs any account in through the login form.
func webLoginAs(t *testing.T, s *server, username, password string) (*http.Client, string) {
	t.Helper()
	c := s.browser()
	login := csrfRe.FindSubmatch(s.get(c, "/login").Body)
	if r := s.form(c, "/login", url.Values{"_csrf": {string(login[1])}, "username": {username}, "password": {password}}); r.Status != 303 {
		t.Fatalf("web login %s = %d", username, r.Status)
	}
	tok := csrfRe.FindSubmatch(s.get(c, "/").Body)
	return c, string(tok[1])
}

// The client's address is what the outermost trusted proxy saw, read from the right of
// X-Forwarded-For: what the client writes to the left of it neither escapes a limiter
// nor reaches the logs. Without trusted proxies the header is ignored.
func TestClientAddressComesFromTrustedProxiesOnly(t *testing.T) {
	s := start(t, func(env map[string]string) {
		env["ZHIFA_TRUSTED_PROXIES"] = "127.0.0.1,10.9.0.0/16"
		env["ZHIFA_PUBLIC_RATE"] = "3"
	})
	get := func(xff string) response {
		req, _ := http.NewRequest("GET", s.URL+"/public/api/agencies", nil)
		req.Header.Set("X-Forwarded-For", xff)
		return s.do(req)
	}
	// Each request claims another address to the left of the balancers' entries.
	var last response
	for i := range 12 {
		if last = get(fmt.Sprintf("198.51.100.%d, 203.0.113.7, 10.9.0.5", i)); last.Status == 429 {
			break
		}
	}
	if last.Status != 429 {
		t.Errorf("changing the client-written part of X-Forwarded-For escaped the limit: %d", last.Status)
	}
	// Another real client, as the balancer saw it, has its own count.
	if r := get("203.0.113.8, 10.9.0.5"); r.Status != 200 {
		t.Errorf("another client behind the balancer = %d, want 200", r.Status)
	}
	// The activity log holds the address the balancer saw.
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/auth/login", strings.NewReader(`{"username":"officer1","password":"wrong-guess"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", "evil, 203.0.113.9")
	s.do(req)
	var ip string
	if err := dbConn(t, s).QueryRow(context.Background(), `SELECT ip FROM activity WHERE username = 'officer1' ORDER BY id DESC LIMIT 1`).Scan(&ip); err != nil || ip != "203.0.113.9" {
		t.Errorf("activity log address = %q (%v), want 203.0.113.9", ip, err)
	}
	// Without trusted proxies, the header counts for nothing.
	plain := start(t, func(env map[string]string) { env["ZHIFA_PUBLIC_RATE"] = "3" })
	for i := range 12 {
		req, _ := http.NewRequest("GET", plain.URL+"/public/api/agencies", nil)
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		if last = plain.do(req); last.Status == 429 {
			break
		}
	}
	if last.Status != 429 {
		t.Errorf("X-Forwarded-For without trusted proxies escaped the limit")
	}
}
