package app_test

import (
	"strings"
	"testing"
	"time"

	"zhifa/enforcement"
)

// A record taken without a network keeps the phone's time beside zhifa's, says when the
// case moved on meanwhile, and is kept, flagged late, when the case has ended by the time
// it arrives — its photo too.
func TestOfflineRecordsKeepBothClocksAndFlags(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	if r := s.move(f.tok, id, moveTo("investigating")); r.Status != 200 {
		t.Fatalf("move = %d %s", r.Status, r.Body)
	}
	taken := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Microsecond)
	rec := s.postOnce(f.tok, "/api/v1/cases/"+id+"/records", "offline-1", map[string]any{
		"kind": "onsite", "note": "离线时的现场检查记录",
		"capture": map[string]any{"device_at": taken.Format(time.RFC3339Nano), "state": "filed"},
	})
	if rec.Status != 201 {
		t.Fatalf("offline record = %d %s", rec.Status, rec.Body)
	}
	rj := rec.JSON()
	data := rj["data"].(map[string]any)
	capture, _ := data["capture"].(map[string]any)
	if capture["device_at"] != taken.Format("2006-01-02T15:04:05.000000Z") || capture["state"] != "filed" {
		t.Errorf("capture = %v", data)
	}
	if data["received_in"] != "investigating" || data["late"] != nil {
		t.Errorf("a record taken while the case was filed, arriving during the investigation: data %v", data)
	}
	if rj["stage"] != "filed" {
		t.Errorf("stage = %v, want the state the phone showed", rj["stage"])
	}
	occurred, _ := time.Parse(time.RFC3339, rj["occurred_at"].(string))
	created, _ := time.Parse(time.RFC3339, rj["created_at"].(string))
	if !occurred.Equal(taken) || created.Sub(taken) < 9*time.Minute {
		t.Errorf("occurred_at %v created_at %v, want the phone's time and zhifa's", occurred, created)
	}
	// The phone's try after a lost answer is the same record, not a second one.
	again := s.postOnce(f.tok, "/api/v1/cases/"+id+"/records", "offline-1", map[string]any{
		"kind": "onsite", "note": "离线时的现场检查记录",
		"capture": map[string]any{"device_at": taken.Format(time.RFC3339Nano), "state": "filed"},
	})
	if again.Status != 201 || again.JSON()["seq"] != rj["seq"] {
		t.Errorf("the same record sent again = %d %s", again.Status, again.Body)
	}

	// A phone whose clock runs ahead: occurred_at is zhifa's, the phone's time stays as given.
	ahead := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{
		"kind": "text", "note": "时钟快了两小时的手机",
		"capture": map[string]any{"device_at": ahead.Format(time.RFC3339), "state": "investigating"},
	})
	if r.Status != 201 {
		t.Fatalf("a record from a phone whose clock is ahead = %d %s", r.Status, r.Body)
	}
	occurred, _ = time.Parse(time.RFC3339, r.JSON()["occurred_at"].(string))
	if occurred.After(time.Now().Add(time.Minute)) || r.JSON()["data"].(map[string]any)["received_in"] != nil {
		t.Errorf("clock ahead: %s", r.Body)
	}
	if !strings.Contains(string(r.Body), ahead.Format("2006-01-02T15:04:05")) {
		t.Errorf("the phone's own time is lost: %s", r.Body)
	}
	for _, bad := range []map[string]any{
		{"state": "investigating"},
		{"device_at": taken.Format(time.RFC3339), "state": "somewhere"},
	} {
		r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "text", "note": "x", "capture": bad})
		if r.Status != 422 || !strings.HasPrefix(r.ErrorField(), "capture.") {
			t.Errorf("capture %v = %d %s, want 422 naming the field", bad, r.Status, r.Body)
		}
	}

	// The case is withdrawn while the phone is offline with a photo.
	if r := s.move(f.tok, id, map[string]any{"to": "withdrawn", "reason": "违法事实不能成立"}); r.Status != 200 {
		t.Fatalf("withdraw = %d %s", r.Status, r.Body)
	}
	photo := jpegBytes(6000)
	stage := func(offline bool) response {
		return s.call("POST", "/api/v1/cases/"+id+"/uploads", f.tok, map[string]any{
			"filename": "现场.jpg", "content_type": "image/jpeg", "size": len(photo), "sha256": sum(photo), "offline": offline})
	}
	if r := stage(false); r.Status != 409 {
		t.Errorf("a file for the ended case, taken online = %d %s, want 409", r.Status, r.Body)
	}
	up := stage(true)
	if up.Status != 201 {
		t.Fatalf("an offline file for the ended case = %d %s", up.Status, up.Body)
	}
	uid := up.JSON()["upload_id"].(string)
	if err := putPart(t, up.JSON()["parts"].([]any)[0].(map[string]any)["url"].(string), photo, 0); err != nil {
		t.Fatal(err)
	}
	if r := s.call("POST", "/api/v1/uploads/"+uid+"/complete", f.tok, nil); r.Status != 200 && r.Status != 201 {
		t.Fatalf("complete = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "photo", "upload_ids": []string{uid}}); r.Status != 409 {
		t.Errorf("the photo as an online record of the ended case = %d %s, want 409", r.Status, r.Body)
	}
	late := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{
		"kind": "photo", "note": "离线拍摄的现场照片", "upload_ids": []string{uid},
		"capture": map[string]any{"device_at": time.Now().Add(-time.Hour).Format(time.RFC3339), "state": "investigating"},
	})
	if late.Status != 201 {
		t.Fatalf("the late photo = %d %s", late.Status, late.Body)
	}
	ld := late.JSON()["data"].(map[string]any)
	if ld["late"] != true || ld["received_in"] != "withdrawn" {
		t.Errorf("late record data = %v", ld)
	}
	if m := late.JSON()["media"].([]any); len(m) != 1 || m[0].(map[string]any)["sha256"] != sum(photo) {
		t.Errorf("late record's media = %v", m)
	}
	if v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON(); v["ok"] != true || v["media_checked"] != float64(1) {
		t.Errorf("verify = %v", v)
	}

	// Only what was taken while the phone showed the case open, and soon after it ended.
	late2 := func(state string) response {
		return s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "text", "note": "迟到",
			"capture": map[string]any{"device_at": time.Now().Format(time.RFC3339), "state": state}})
	}
	if r := late2("withdrawn"); r.Status != 422 || r.ErrorField() != "capture.state" {
		t.Errorf("an offline record taken on a page showing the case ended = %d %s", r.Status, r.Body)
	}
	s.exec(t, `UPDATE cases SET closed_at = now() - interval '31 days' WHERE id = '`+id+`'`)
	if r := late2("investigating"); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "超过 30 日") {
		t.Errorf("an offline record 31 days after the case ended = %d %s", r.Status, r.Body)
	}
	if r := stage(true); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "超过 30 日") {
		t.Errorf("an offline file 31 days after the case ended = %d %s, want refused before its bytes are sent", r.Status, r.Body)
	}

	// The handler sees both clocks and the flags on the case page.
	b, _ := webLogin(t, s, "officer1")
	page := string(s.get(b, "/cases/"+id).Body)
	for _, want := range []string{`data-testid="offline-flag"`, `data-testid="device-time">` + taken.In(enforcement.Shanghai()).Format("2006-01-02 15:04:05"),
		"记录时案件处于“已立案”，收到时已为“调查取证”", "<b>迟到记录</b>", `data-testid="late-records"`, "本案有 1 条离线记录在案件结束后才收到"} {
		if !strings.Contains(page, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
}

// A signature that says what the signer was shown is refused once the document has
// changed since (a phone's kept copy of the page), and taken when it has not.
func TestSignatureBoundToWhatWasShown(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.investigatingCase(f)
	d := s.draftRecord(f, id)
	did := d["id"].(string)
	seen := map[string]string{}
	for _, fl := range d["fields"].([]any) {
		m := fl.(map[string]any)
		v, _ := m["value"].(string)
		seen[m["key"].(string)] = v
	}
	stale := map[string]string{}
	for k, v := range seen {
		stale[k] = v
	}
	stale["findings"] = "离线副本上的旧内容"
	if r := s.call("POST", "/api/v1/documents/"+did+"/signatures", f.tok, map[string]any{"role": "party", "signer": "李四",
		"strokes": stroke(), "seen": stale}); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "检查情况") && !strings.Contains(r.ErrorMessage(), "文书在此期间被修改过") {
		t.Errorf("a signature over values the document no longer has = %d %s", r.Status, r.Body)
	}
	seen["party_opinion"] = strings.ReplaceAll(seen["party_opinion"], "\n", "\r\n") // as a browser sends a textarea
	if r := s.call("POST", "/api/v1/documents/"+did+"/signatures", f.tok, map[string]any{"role": "party", "signer": "李四",
		"strokes": stroke(), "seen": seen}); r.Status != 200 && r.Status != 201 {
		t.Errorf("a signature over the values shown = %d %s", r.Status, r.Body)
	}
}

// The phone installs zhifa as an app: a manifest with its icons, and a service worker
// served from the root so that it may keep every page; the offline page needs no login.
func TestInstallableApp(t *testing.T) {
	s := start(t)
	m := s.call("GET", "/manifest.webmanifest", "", nil)
	if m.Status != 200 || !strings.HasPrefix(m.Header.Get("Content-Type"), "application/manifest+json") {
		t.Fatalf("manifest = %d %s", m.Status, m.Header.Get("Content-Type"))
	}
	mj := m.JSON()
	if mj["start_url"] != "/cases" || mj["display"] != "standalone" || mj["scope"] != "/" {
		t.Errorf("manifest = %v", mj)
	}
	sizes := map[string]bool{}
	for _, ic := range mj["icons"].([]any) {
		icon := ic.(map[string]any)
		if r := s.call("GET", icon["src"].(string), "", nil); r.Status != 200 || r.Header.Get("Content-Type") != "image/png" {
			t.Errorf("icon %v = %d %s", icon["src"], r.Status, r.Header.Get("Content-Type"))
		}
		sizes[icon["sizes"].(string)] = true
	}
	if !sizes["192x192"] || !sizes["512x512"] {
		t.Errorf("icons %v, want 192 and 512", sizes)
	}
	sw := s.call("GET", "/sw.js", "", nil)
	if sw.Status != 200 || !strings.HasPrefix(sw.Header.Get("Content-Type"), "text/javascript") || sw.Header.Get("Cache-Control") != "no-cache" ||
		!strings.Contains(string(sw.Body), "addEventListener('fetch'") {
		t.Errorf("sw.js = %d %s %s", sw.Status, sw.Header.Get("Content-Type"), sw.Header.Get("Cache-Control"))
	}
	if r := s.call("GET", "/offline", "", nil); r.Status != 200 || !strings.Contains(string(r.Body), "没有网络") || !strings.Contains(string(r.Body), "/static/offline.js") {
		t.Errorf("offline page = %d", r.Status)
	}
	b, _ := webLogin(t, s, "officer1")
	home := string(s.get(b, "/").Body)
	for _, want := range []string{`<link rel="manifest" href="/manifest.webmanifest">`, `<script src="/static/offline.js" defer></script>`, `<meta name="zhifa-user"`} {
		if !strings.Contains(home, want) {
			t.Errorf("a signed-in page lacks %s", want)
		}
	}
}
