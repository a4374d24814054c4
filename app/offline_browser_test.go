package app_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"zhifa/app/testenv"
)

// networkSwitch switches a tab's network off or on as Chromium's DevTools do: requests
// fail, the service worker's too, and navigator.onLine says so — unless lieFi, where the
// phone believes it is online and nothing answers. The service worker is a target of its
// own, and its emulation belongs to the session that set it, so each is attached once and
// kept.
func networkSwitch(t *testing.T, lieFi ...bool) func(ctx context.Context, off bool) {
	workers := map[target.ID]context.Context{}
	rule := func(ctx context.Context, off bool, sw *bool) {
		t.Helper()
		if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ctx, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{
			EmulateOfflineServiceWorker: sw,
			MatchedNetworkConditions:    []*network.Conditions{{Offline: off, DownloadThroughput: -1, UploadThroughput: -1}},
		}); err != nil {
			t.Fatal(err)
		}
	}
	return func(ctx context.Context, off bool) {
		t.Helper()
		rule(ctx, off, &off)
		if len(lieFi) == 0 || !lieFi[0] {
			if _, err := chromedp.Call(ctx, network.OverrideNetworkState, network.OverrideNetworkStateParams{
				Offline: off, DownloadThroughput: -1, UploadThroughput: -1}); err != nil {
				t.Fatal(err)
			}
		}
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range infos {
			if in.Type != "service_worker" {
				continue
			}
			if workers[in.TargetID] == nil {
				workers[in.TargetID], _ = chromedp.NewContext(ctx, chromedp.WithTargetID(in.TargetID))
			}
			rule(workers[in.TargetID], off, nil)
		}
	}
}

// waitKept waits until the service worker controls the page and keeps every path given.
func waitKept(t *testing.T, ctx context.Context, paths ...string) {
	t.Helper()
	list, _ := json.Marshal(paths)
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`(async () => {
		if (!navigator.serviceWorker.controller) return false;
		const c = await caches.open('zhifa-pages-v1');
		for (const p of `+string(list)+`) if (!(await c.match(p))) return false;
		return true;
	})()`, chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("%v were never kept for offline use: %v", paths, err)
	}
}

// With the network switched off, an officer on a 390×844 phone takes a photo and writes a
// record on a case page opened earlier, closes the page, opens it again (still offline:
// the service worker shows the kept page and the queue is still there), switches the
// network on, and both reach the chain in the order taken, each with the phone's time and
// zhifa's.
func TestBrowserOfflineCaptureReachesChainInOrder(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	if r := s.move(f.tok, id, moveTo("investigating")); r.Status != 200 {
		t.Fatalf("move = %d %s", r.Status, r.Body)
	}
	before := len(s.call("GET", "/api/v1/cases/"+id+"/records", f.tok, nil).JSON()["items"].([]any))
	photo := jpegBytes(40000)
	path := t.TempDir() + "/现场照片.jpg"
	if err := os.WriteFile(path, photo, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t)
	setOffline := networkSwitch(t)
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/cases/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#record-form`)))...)
	if err != nil {
		t.Fatal(err)
	}
	// The service worker takes the page over and keeps it.
	waitKept(t, ctx, "/cases/"+id)

	setOffline(ctx, true)
	err = chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-banner]`)),
		chromedp.SetValue(chromedp.CSS(`#kind`), "photo"),
		chromedp.SendKeys(chromedp.CSS(`#note`), "离线拍摄：仓库货架"),
		chromedp.SetUploadFiles(chromedp.CSS(`#capture`), []string{path}),
		chromedp.Click(chromedp.CSS(`#record-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-kept]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // the two records' phone times a second apart
	err = chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('[data-testid=offline-kept]').remove()`),
		chromedp.SetValue(chromedp.CSS(`#kind`), "text"),
		chromedp.SendKeys(chromedp.CSS(`#note`), "离线记录：当事人称货品为昨日进货"),
		chromedp.Click(chromedp.CSS(`#record-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-kept]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('[data-testid=offline-pending] li').length === 2`),
	)
	if err != nil {
		t.Fatal(err)
	}
	shot(ctx, "offline-kept")

	// Close the page; open the case again in a new tab, still without a network.
	tab, cancelTab := chromedp.NewContext(ctx)
	defer cancelTab()
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile)); err != nil {
		t.Fatal(err)
	}
	setOffline(tab, true)
	if _, err := chromedp.Call(ctx, page.Close, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(tab,
		chromedp.Navigate(s.URL+"/cases/"+id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-pending]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('[data-testid=offline-pending] li').length === 2`),
	)
	if err != nil {
		t.Fatalf("the reopened page without a network: %v", err)
	}
	pending := must(chromedp.Run(tab, chromedp.Text(chromedp.CSS(`[data-testid=offline-pending]`))))
	if !strings.Contains(pending, "照片") || !strings.Contains(pending, "1 个文件") || !strings.Contains(pending, "等待网络") {
		t.Errorf("the queue after reopening reads %q", pending)
	}
	if n := len(s.call("GET", "/api/v1/cases/"+id+"/records", f.tok, nil).JSON()["items"].([]any)); n != before {
		t.Fatalf("records reached zhifa while offline: %d, had %d", n, before)
	}
	shot(tab, "offline-reopened")
	checkAxe(t, tab, loadAxe(t), "/cases/{id} offline")
	// A page never opened is not kept: the offline page says so and lists what is.
	err = chromedp.Do(tab,
		chromedp.Navigate(s.URL+"/inspection/checks"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=kept-pages] a[href="/cases/`+id+`"]`)),
	)
	if err != nil {
		t.Fatalf("the offline page: %v", err)
	}
	checkAxe(t, tab, loadAxe(t), "/offline")
	shot(tab, "offline-page")
	if err := chromedp.Do(tab, chromedp.Navigate(s.URL+"/cases/"+id), chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-pending]`))); err != nil {
		t.Fatal(err)
	}

	setOffline(tab, false)
	if err := chromedp.Do(tab, chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-sent]`))); err != nil {
		t.Fatalf("the queue was not sent when the network returned: %v", err)
	}
	shot(tab, "offline-sent")
	recs := s.call("GET", "/api/v1/cases/"+id+"/records", f.tok, nil).JSON()["items"].([]any)
	var got []map[string]any
	for _, r := range recs {
		if m := r.(map[string]any); m["kind"] == "photo" || m["kind"] == "text" {
			got = append(got, m)
		}
	}
	if len(got) != 2 || got[0]["kind"] != "photo" || got[1]["kind"] != "text" || got[0]["seq"].(float64) > got[1]["seq"].(float64) {
		t.Fatalf("records after the network returned: %v", got)
	}
	var deviceTimes []time.Time
	for _, r := range got {
		d := r["data"].(map[string]any)
		c, _ := d["capture"].(map[string]any)
		if c == nil || c["state"] != "investigating" {
			t.Fatalf("record %v has no capture", r)
		}
		device, _ := time.Parse(time.RFC3339, c["device_at"].(string))
		created, _ := time.Parse(time.RFC3339, r["created_at"].(string))
		if device.IsZero() || created.Before(device) {
			t.Errorf("record %v: phone time %v, zhifa's %v", r["seq"], device, created)
		}
		deviceTimes = append(deviceTimes, device)
	}
	if !deviceTimes[0].Before(deviceTimes[1]) {
		t.Errorf("phone times %v not in the order taken", deviceTimes)
	}
	cv := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()
	if m := cv["media"].([]any); len(m) != 1 || m[0].(map[string]any)["sha256"] != sum(photo) {
		t.Errorf("the photo in the chain: %v", m)
	}
	if v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON(); v["ok"] != true {
		t.Errorf("verify = %v", v)
	}
	// The case page, opened afresh, shows both clocks; the queue is empty.
	err = chromedp.Do(tab,
		chromedp.Navigate(s.URL+"/cases/"+id),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-flag]`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	flags := must(chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=offline-flag]').length`)))
	left := must(chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=offline-pending] li').length`)))
	if flags != 2 || left != 0 {
		t.Errorf("case page: %d offline flags, %d items still waiting", flags, left)
	}
	shot(tab, "offline-chain")
}

// Without a network, an officer opens a draft 现场检查笔录 the case page kept (never opened
// itself), fills it, the party signs with a drawn stroke, and the officer writes a record;
// meanwhile a colleague moves the case on. When the network returns the contents and the
// signature reach the draft in that order, and the record is kept with the conflict shown.
func TestBrowserOfflineDocumentAndConflict(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	if r := s.move(f.tok, id, moveTo("investigating")); r.Status != 200 {
		t.Fatalf("move = %d %s", r.Status, r.Body)
	}
	r := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"kind": "inspection_record"})
	if r.Status != 201 {
		t.Fatalf("draft = %d %s", r.Status, r.Body)
	}
	doc := r.JSON()["id"].(string)
	ctx := browserContext(t)
	setOffline := networkSwitch(t)
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/cases/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#record-form`)))...)
	if err != nil {
		t.Fatal(err)
	}
	waitKept(t, ctx, "/cases/"+id, "/documents/"+doc)
	setOffline(ctx, true)
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`#kind`), "text"),
		chromedp.SendKeys(chromedp.CSS(`#note`), "离线记录：现场检查开始"),
		chromedp.Click(chromedp.CSS(`#record-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-kept]`)),
		chromedp.Navigate(s.URL+"/documents/"+doc),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=fields-form]`)),
		chromedp.SendKeys(chromedp.CSS(`#f-present`), "李四"),
		chromedp.SendKeys(chromedp.CSS(`#f-started_at`), "2026年12月2日 9时30分"),
		chromedp.SendKeys(chromedp.CSS(`#f-ended_at`), "2026年12月2日 10时15分"),
		chromedp.SendKeys(chromedp.CSS(`#f-findings`), "离线填写：现场发现过期食品 3 箱。"),
		chromedp.Click(chromedp.CSS(`[data-testid=fields-save]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=fields-form] [data-testid=offline-kept]`)),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('sign-role'); s.value = 'party'; s.dispatchEvent(new Event('change')); })()`),
		chromedp.SendKeys(chromedp.CSS(`#sign-signer`), "李四"),
	)
	if err != nil {
		t.Fatal(err)
	}
	drawSignature(t, ctx)
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=sign-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=sign-form] [data-testid=offline-kept]`)),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('[data-testid=offline-pending] li').length === 3`),
	)
	if err != nil {
		t.Fatal(err)
	}
	shot(ctx, "offline-document")
	// A colleague moves the case on while the phone is offline.
	if r := s.move(f.tok, id, moveTo("notified")); r.Status != 200 {
		t.Fatalf("move to notified = %d %s", r.Status, r.Body)
	}
	setOffline(ctx, false)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-conflict]`))); err != nil {
		t.Fatalf("no conflict shown when the network returned: %v", err)
	}
	conflict := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=offline-conflict]`))))
	if !strings.Contains(conflict, "记录时案件处于“调查取证”，上传时已为“已告知”") {
		t.Errorf("the conflict reads %q", conflict)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.querySelectorAll('[data-testid=offline-sent] li').length === 3`)); err != nil {
		t.Fatalf("not all three were sent: %v", err)
	}
	shot(ctx, "offline-document-sent")
	d := s.call("GET", "/api/v1/documents/"+doc, f.tok, nil).JSON()
	if !strings.Contains(string(must(json.Marshal(d["fields"]))), "离线填写：现场发现过期食品 3 箱。") {
		t.Errorf("the draft's fields after the network returned: %v", d["fields"])
	}
	sigs, _ := d["signatures"].([]any)
	if len(sigs) != 1 || sigs[0].(map[string]any)["role"] != "party" || sigs[0].(map[string]any)["signer"] != "李四" {
		t.Errorf("the draft's signatures: %v", sigs)
	}
}

// The administrator's page for a kind of document, at a desktop's size: no overflow, no
// serious accessibility problem.
func TestBrowserDocumentKindPage(t *testing.T) {
	s := start(t)
	ctx := browserContext(t)
	err := chromedp.Do(ctx, append(phoneLogin(s, "admin", "/document-kinds/inspection_record"),
		chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(s.URL+"/document-kinds/inspection_record"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=kind-form]`)))...)
	if err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, loadAxe(t), "/document-kinds/{code}")
	if w := must(chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))); w > 1440 {
		t.Errorf("the kind page is %d px wide at 1440", w)
	}
	shot(ctx, "document-kind")
	if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+"/document-kinds"), chromedp.WaitVisible(chromedp.CSS(`[data-testid=kinds]`))); err != nil {
		t.Fatal(err)
	}
	checkAxe(t, ctx, loadAxe(t), "/document-kinds")
	shot(ctx, "document-kinds")
}

// On a network that looks up but does not answer (navigator.onLine true), the party's
// signature posted from a draft's page is kept by the service worker, not lost: the kept
// page lists it, and it reaches the draft once the network answers again.
func TestBrowserSignatureKeptOnDeadNetwork(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.investigatingCase(f)
	doc := s.draftRecord(f, id)["id"].(string)
	ctx := browserContext(t)
	lieFi := networkSwitch(t, true)
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/documents/"+doc),
		chromedp.WaitVisible(chromedp.CSS(`#sign-form`)))...)
	if err != nil {
		t.Fatal(err)
	}
	waitKept(t, ctx, "/documents/"+doc)
	lieFi(ctx, true)
	err = chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('sign-role'); s.value = 'party'; s.dispatchEvent(new Event('change')); })()`),
		chromedp.SendKeys(chromedp.CSS(`#sign-signer`), "李四"),
	)
	if err != nil {
		t.Fatal(err)
	}
	drawSignature(t, ctx)
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid=sign-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-pending]`)),
	)
	if err != nil {
		t.Fatalf("the signature on a dead network: %v", err)
	}
	if pending := must(chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid=offline-pending]`)))); !strings.Contains(pending, "签名") {
		t.Errorf("the kept page lists %q", pending)
	}
	shot(ctx, "offline-dead-network")
	lieFi(ctx, false)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.zhifa.sync()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-sent]`))); err != nil {
		t.Fatalf("the kept signature was not sent: %v", err)
	}
	sigs, _ := s.call("GET", "/api/v1/documents/"+doc, f.tok, nil).JSON()["signatures"].([]any)
	if len(sigs) != 1 || sigs[0].(map[string]any)["signer"] != "李四" {
		t.Errorf("the draft's signatures: %v", sigs)
	}
}

// A page closed in the middle of sending a kept video leaves its upload half done: the
// next run asks zhifa which parts arrived and sends only the rest, and the record enters
// the chain with the whole file.
func TestBrowserOfflineUploadResumesAcrossPageLoads(t *testing.T) {
	px := testenv.NewProxy(t, testenv.MinIOEndpoint())
	s := start(t, func(env map[string]string) { env["ZHIFA_MINIO_PUBLIC_URL"] = "http://" + px.Addr() })
	f := fixture(s)
	id := s.investigatingCase(f)
	video := mp4Bytes(12 << 20) // two parts
	path := t.TempDir() + "/执法记录仪.mp4"
	if err := os.WriteFile(path, video, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := browserContext(t)
	err := chromedp.Do(ctx, append(phoneLogin(s, "officer1", "/cases/"+id),
		chromedp.WaitVisible(chromedp.CSS(`#record-form`)),
		// The page's own file inputs hand their files to its list; this one keeps its file.
		chromedp.Evaluate[chromedp.Void](`(() => { const i = document.createElement('input'); i.type = 'file'; i.id = 'kept-file'; document.body.appendChild(i); })()`),
		chromedp.SetUploadFiles(chromedp.CSS(`#kept-file`), []string{path}))...)
	if err != nil {
		t.Fatal(err)
	}
	// What a page closed after the first part leaves: the upload begun, its ID kept with
	// the item, the second part never sent.
	partSize, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(async () => {
		const f = document.getElementById('kept-file').files[0];
		const up = await zhifa.api('POST', '/api/v1/cases/`+id+`/uploads', {filename: f.name, content_type: 'video/mp4', size: f.size, sha256: '', offline: true});
		const put = await fetch(up.parts[0].url, {method: 'PUT', body: f.slice(0, up.part_size)});
		if (!put.ok) throw new Error('part 1: ' + put.status);
		await new Promise((resolve, reject) => {
			const r = indexedDB.open('zhifa-offline', 1);
			r.onupgradeneeded = () => r.result.createObjectStore('queue', {keyPath: 'n', autoIncrement: true});
			r.onerror = () => reject(r.error);
			r.onsuccess = () => {
				const tx = r.result.transaction('queue', 'readwrite');
				tx.objectStore('queue').add({id: crypto.randomUUID(), user: document.querySelector('meta[name=zhifa-user]').content, type: 'record',
					caseID: '`+id+`', caseNumber: '', state: 'investigating', kind: 'video', note: '断点续传的录像', participants: [], label: '录像',
					files: [{name: f.name, type: f.type, size: f.size, blob: f, uploadID: up.upload_id}], deviceAt: new Date().toISOString(), status: 'waiting'});
				tx.oncomplete = resolve;
				tx.onerror = () => reject(tx.error);
			};
		});
		return up.part_size;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	before := px.Sent()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.zhifa.sync()`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`[data-testid=offline-sent]`))); err != nil {
		t.Fatalf("the kept video was not sent: %v", err)
	}
	resent := px.Sent() - before
	t.Logf("sent on resuming: %d bytes of a %d-byte file (part size %d)", resent, len(video), partSize)
	if resent > int64(len(video)-partSize)+64<<10 {
		t.Errorf("%d bytes sent on resuming: the part that had arrived was sent again", resent)
	}
	cv := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()
	if m := cv["media"].([]any); len(m) != 1 || m[0].(map[string]any)["sha256"] != sum(video) {
		t.Errorf("the video in the chain: %v", m)
	}
}
