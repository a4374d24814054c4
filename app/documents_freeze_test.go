package app_test

import (
	"bytes"
	"compress/zlib"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stroke is a signature drawn on a 600×200 pad: a zigzag, as a finger writes.
var strokes atomic.Int64

func stroke() map[string]any {
	n := strokes.Add(1) // each signer's hand differs
	var pts [][2]float64
	for i := range 30 {
		pts = append(pts, [2]float64{float64(40 + i*15), float64(60 + (i%2)*80 + int(n%7))})
	}
	return map[string]any{"width": 600, "height": 200, "strokes": [][][2]float64{pts}}
}

// signedRecord drafts a 现场检查笔录 with every field filled.
func (s *server) draftRecord(f caseFixture, caseID string) map[string]any {
	s.t.Helper()
	r := s.call("POST", "/api/v1/cases/"+caseID+"/documents", f.tok, map[string]any{"kind": "inspection_record", "fields": map[string]string{
		"findings": "现场发现过期食品 3 箱，已当场下架。", "party_opinion": "当事人称：\n不知道已过期。", "present": "李四", "started_at": "2026年12月2日 9时30分", "ended_at": "2026年12月2日 10时15分"}})
	if r.Status != 201 {
		s.t.Fatalf("draft = %d %s", r.Status, r.Body)
	}
	return r.JSON()
}

// A draft is signed by the party and two of the case's officers, then frozen: it takes a
// number, its PDF (the signatures placed, a QR code on every page, no draft mark) is the
// one stored, its hash enters the chain, the agency's key signs it, and the public page
// says genuine without showing the party. Nothing of it changes afterwards; a correction
// is a new version that names it, and the old one then reads 已被更正.
func TestDocumentSignAndFreeze(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	doc := s.draftRecord(f, id)
	did := doc["id"].(string)
	if r := s.call("POST", "/api/v1/documents/"+did+"/freeze", f.tok, nil); r.Status != 422 || r.ErrorField() != "signatures" ||
		!strings.Contains(r.ErrorMessage(), "当事人签名") || !strings.Contains(r.ErrorMessage(), "执法人员签名") {
		t.Errorf("freeze without signatures = %d %s", r.Status, r.Body)
	}
	sign := func(body map[string]any) response {
		return s.call("POST", "/api/v1/documents/"+did+"/signatures", f.tok, body)
	}
	if r := sign(map[string]any{"role": "party", "signer": "张三", "strokes": map[string]any{"width": 600, "height": 200, "strokes": [][][2]float64{}}}); r.Status != 422 || r.ErrorField() != "strokes" {
		t.Errorf("an empty signature = %d %s", r.Status, r.Body)
	}
	if r := sign(map[string]any{"role": "party", "strokes": stroke()}); r.Status != 422 || r.ErrorField() != "signer" {
		t.Errorf("a party's signature without a name = %d %s", r.Status, r.Body)
	}
	outsider := s.call("GET", "/api/v1/me", s.login("officer3"), nil).JSON()["officer_id"]
	if r := sign(map[string]any{"role": "officer", "officer_id": outsider, "strokes": stroke()}); r.Status != 422 || r.ErrorField() != "officer_id" {
		t.Errorf("an officer not of the case signed = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/documents/"+did+"/signatures", s.login("officer3"), map[string]any{"role": "party", "signer": "张三", "strokes": stroke()}); r.Status != 404 && r.Status != 403 {
		t.Errorf("another agency's officer signed = %d", r.Status)
	}
	if r := sign(map[string]any{"role": "party", "signer": "张三", "strokes": stroke()}); r.Status != 201 || len(r.JSON()["signatures"].([]any)) != 1 {
		t.Fatalf("the party signs = %d %s", r.Status, r.Body)
	}
	if r := s.call("PATCH", "/api/v1/documents/"+did, f.tok, map[string]any{"fields": map[string]string{"findings": "改过"}}); r.Status != 409 {
		t.Errorf("a signed draft changed = %d %s", r.Status, r.Body)
	}
	sign(map[string]any{"role": "officer", "strokes": stroke()})
	if r := s.call("POST", "/api/v1/documents/"+did+"/freeze", f.tok, nil); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "已签 1 名") {
		t.Errorf("freeze with one officer = %d %s", r.Status, r.Body)
	}
	sign(map[string]any{"role": "officer", "officer_id": f.o2, "strokes": stroke()})
	r := s.call("POST", "/api/v1/documents/"+did+"/freeze", f.tok, nil)
	if r.Status != 200 {
		t.Fatalf("freeze = %d %s", r.Status, r.Body)
	}
	fz := r.JSON()
	number, sha, sig, pub := fz["number"].(string), fz["sha256"].(string), fz["signature"].(string), fz["public_key"].(string)
	if !strings.HasSuffix(number, "（现场检查笔录之1）") || len(sha) != 64 || len(sig) != 128 || fz["pdf_url"] != "/api/v1/documents/"+did+".pdf" {
		t.Errorf("frozen = %v", fz)
	}
	pdf := s.call("GET", "/api/v1/documents/"+did+".pdf", f.tok, nil)
	if h := sha256.Sum256(pdf.Body); hex.EncodeToString(h[:]) != sha {
		t.Errorf("the PDF served is not the one hashed")
	}
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "document-frozen.pdf"), pdf.Body, 0o644)
	}
	if u := qrOfPDF(t, pdf.Body); u != s.URL+"/public/documents/"+did && !strings.HasSuffix(u, "/public/documents/"+did) {
		t.Errorf("the QR code on the page holds %q", u)
	}
	text := pdfText(t, pdf.Body)
	if !strings.Contains(text, strings.Join(strings.Fields(number), "")) || strings.Contains(text, "草稿") || !strings.Contains(text, "扫描右侧二维码核验真伪") || !strings.Contains(text, "当事人（签名）：") {
		t.Errorf("the frozen PDF's text: %.400s", text)
	}
	if n := strings.Count(string(pdf.Body), "/Subtype /Image"); n < 4 { // the QR code and three signatures
		t.Errorf("the frozen PDF has %d images", n)
	}
	// The chain holds the hash; the public check verifies the signature and shows no party.
	var inChain bool
	for _, rec := range items(s.call("GET", "/api/v1/cases/"+id+"/records", f.tok, nil)) {
		if rec["kind"] == "document" && strings.Contains(toJSON(rec["data"]), sha) {
			inChain = true
		}
	}
	if !inChain {
		t.Error("the document's hash is not in the case's chain")
	}
	if v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil); v.Status != 200 || v.JSON()["ok"] != true {
		t.Errorf("the chain after freezing = %d %s", v.Status, v.Body)
	}
	p := s.public("/public/api/documents/" + did)
	pj := p.JSON()
	if p.Status != 200 || pj["verdict"] != "genuine" || pj["number"] != number || pj["sha256"] != sha || strings.Contains(string(p.Body), "张三") {
		t.Fatalf("public check = %d %s", p.Status, p.Body)
	}
	key, _ := hex.DecodeString(pub)
	raw, _ := hex.DecodeString(sig)
	if !ed25519.Verify(key, []byte(pj["message"].(string)), raw) || !strings.HasPrefix(pj["message"].(string), "zhifa-document-1\n"+did+"\n"+number+"\n") {
		t.Errorf("the signature does not verify over the message %q", pj["message"])
	}
	var listed bool
	for _, k := range items(s.public("/public/api/documents/keys")) {
		listed = listed || k["public_key"] == pub
	}
	if !listed {
		t.Error("the agency's key is not in the public list")
	}
	if page := s.public("/public/documents/" + did); page.Status != 200 || !strings.Contains(string(page.Body), "真实有效") || !strings.Contains(string(page.Body), number) {
		t.Errorf("public page = %d", page.Status)
	}
	if page := s.public("/public/documents/" + strings.Repeat("0", 8) + did[8:]); page.Status != 404 || !strings.Contains(string(page.Body), "未找到这份文书") {
		t.Errorf("an unknown document's page = %d", page.Status)
	}
	if md := s.public("/public/documents/spec.md"); md.Status != 200 || !strings.Contains(string(md.Body), "zhifa-document-1") {
		t.Errorf("the specification = %d", md.Status)
	}
	// Frozen is final.
	for _, x := range []response{s.call("POST", "/api/v1/documents/"+did+"/freeze", f.tok, nil), sign(map[string]any{"role": "party", "signer": "张三", "strokes": stroke()}),
		s.call("PATCH", "/api/v1/documents/"+did, f.tok, map[string]any{"fields": map[string]string{"findings": "改"}}), s.call("DELETE", "/api/v1/documents/"+did, f.tok, nil)} {
		if x.Status != 409 {
			t.Errorf("a frozen document changed: %d %s", x.Status, x.Body)
		}
	}
	if _, err := dbConn(t, s).Exec(t.Context(), `UPDATE documents SET number = 'x' WHERE id = $1`, did); err == nil {
		t.Error("the database let a frozen document change")
	}
	// A correction: a new version from the old one's values, one at a time.
	c := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"replaces": did, "fields": map[string]string{"findings": "现场发现过期食品 4 箱，已当场下架。"}})
	if c.Status != 201 || c.JSON()["version"].(float64) != 2 || c.JSON()["kind"] != "inspection_record" {
		t.Fatalf("correction = %d %s", c.Status, c.Body)
	}
	if again := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"replaces": did}); again.Status != 409 {
		t.Errorf("a second correction of one document = %d", again.Status)
	}
	if old := s.call("GET", "/api/v1/documents/"+did, f.tok, nil).JSON(); old["replaced_by"] != nil {
		t.Error("a correction still a draft already marks the document corrected")
	}
	cid := c.JSON()["id"].(string)
	for _, b := range []map[string]any{{"role": "party", "signer": "张三", "strokes": stroke()}, {"role": "officer", "strokes": stroke()}, {"role": "officer", "officer_id": f.o2, "strokes": stroke()}} {
		if r := s.call("POST", "/api/v1/documents/"+cid+"/signatures", f.tok, b); r.Status != 201 {
			t.Fatalf("sign the correction = %d %s", r.Status, r.Body)
		}
	}
	cf := s.call("POST", "/api/v1/documents/"+cid+"/freeze", f.tok, nil)
	if cf.Status != 200 || cf.JSON()["number"] != number+"（第2版）" {
		t.Fatalf("freeze the correction = %d %s", cf.Status, cf.Body)
	}
	if old := s.public("/public/api/documents/" + did).JSON(); old["verdict"] != "corrected" || old["replaced_by"].(map[string]any)["id"] != cid {
		t.Errorf("the replaced document's check = %v", old)
	}
	if page := s.public("/public/documents/" + did); !strings.Contains(string(page.Body), "已被更正") || !strings.Contains(string(page.Body), "/public/documents/"+cid) {
		t.Error("the replaced document's page does not name the correction")
	}
}

// The party who will not sign: the refusal names an audio-video record of the case (a
// photo is not one) and needs a witness; the PDF says so in words. A character no font
// has stops the freeze naming the field.
func TestDocumentRefusalToSign(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	did := s.draftRecord(f, id)["id"].(string)
	sign := func(body map[string]any) response {
		return s.call("POST", "/api/v1/documents/"+did+"/signatures", f.tok, body)
	}
	refusal := map[string]any{"role": "party", "signer": "张三", "refused": true, "reason": "当事人称不认可检查结果，拒绝签字"}
	if r := sign(refusal); r.Status != 422 || r.ErrorField() != "record_id" {
		t.Errorf("a refusal without a record = %d %s", r.Status, r.Body)
	}
	photo := s.addRecord(f.tok, id, "photo")
	s.upload(f.tok, photo, "现场.jpg", jpegBytes(30_000))
	refusal["record_id"] = photo
	if r := sign(refusal); r.Status != 422 || r.ErrorField() != "record_id" {
		t.Errorf("a refusal with a photo = %d %s", r.Status, r.Body)
	}
	video := s.addRecord(f.tok, id, "video")
	if r := s.upload(f.tok, video, "拒签.mp4", mp4Bytes(40_000)); r.Status != 201 {
		t.Fatalf("upload = %d %s", r.Status, r.Body)
	}
	refusal["record_id"] = video
	if r := sign(refusal); r.Status != 201 {
		t.Fatalf("a refusal with a video = %d %s", r.Status, r.Body)
	}
	sign(map[string]any{"role": "officer", "strokes": stroke()})
	sign(map[string]any{"role": "officer", "officer_id": f.o2, "strokes": stroke()})
	if r := s.call("POST", "/api/v1/documents/"+did+"/freeze", f.tok, nil); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "见证人") {
		t.Errorf("a refusal without a witness froze = %d %s", r.Status, r.Body)
	}
	sign(map[string]any{"role": "witness", "signer": "王五（社区网格员）", "strokes": stroke()})
	r := s.call("POST", "/api/v1/documents/"+did+"/freeze", f.tok, nil)
	if r.Status != 200 {
		t.Fatalf("freeze = %d %s", r.Status, r.Body)
	}
	if text := pdfText(t, s.call("GET", "/api/v1/documents/"+did+".pdf", f.tok, nil).Body); !strings.Contains(text, "当事人拒绝签字。情况：当事人称不认可检查结果，拒绝签字") || !strings.Contains(text, "见证人（签名）：") {
		t.Errorf("the PDF does not say the party refused: %.500s", text)
	}
	bad := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"kind": "inspection_record", "fields": map[string]string{"findings": "现场有标志"}})
	if r := s.call("POST", "/api/v1/documents/"+bad.JSON()["id"].(string)+"/freeze", f.tok, nil); r.Status != 422 || r.ErrorField() != "fields.started_at" {
		t.Errorf("freeze with empty fields = %d %s", r.Status, r.Body)
	}
	bid := bad.JSON()["id"].(string)
	if r := s.call("PATCH", "/api/v1/documents/"+bid, f.tok, map[string]any{"fields": map[string]string{"present": "李四😀"}}); r.Status != 422 ||
		r.ErrorField() != "fields.present" || !strings.Contains(r.ErrorMessage(), "U+1F600") {
		t.Errorf("a character no font has, saved = %d %s", r.Status, r.Body)
	}
	if r := s.call("DELETE", "/api/v1/documents/"+bid, f.tok, nil); r.Status != 204 {
		t.Errorf("discard a draft = %d", r.Status)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// qrOfPDF reads the QR code a frozen document's pages carry: the one 1-bit indexed image,
// its rows inflated and unfiltered as PNG rows are (predictor 15), index 1 dark.
func qrOfPDF(t *testing.T, pdf []byte) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)/Width (\d+)\n/Height (\d+)\n/ColorSpace \[/Indexed[^\]]*\]\n/BitsPerComponent 1\n.*?stream\r?\n(.*?)\r?\nendstream`).FindSubmatch(pdf)
	if m == nil {
		t.Fatal("no QR code image in the PDF")
	}
	w, _ := strconv.Atoi(string(m[1]))
	h, _ := strconv.Atoi(string(m[2]))
	zr, err := zlib.NewReader(bytes.NewReader(m[3]))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	stride := (w + 7) / 8
	img := image.NewGray(image.Rect(0, 0, w, h))
	prev := make([]byte, stride)
	for y := range h {
		row := raw[y*(stride+1)+1 : (y+1)*(stride+1)]
		line := make([]byte, stride)
		for i, x := range row {
			var left, up, ul byte
			if i > 0 {
				left, ul = line[i-1], prev[i-1]
			}
			up = prev[i]
			switch raw[y*(stride+1)] {
			case 0:
				line[i] = x
			case 1:
				line[i] = x + left
			case 2:
				line[i] = x + up
			case 3:
				line[i] = x + byte((int(left)+int(up))/2)
			case 4:
				p := int(left) + int(up) - int(ul)
				pa, pb, pc := abs(p-int(left)), abs(p-int(up)), abs(p-int(ul))
				switch {
				case pa <= pb && pa <= pc:
					line[i] = x + left
				case pb <= pc:
					line[i] = x + up
				default:
					line[i] = x + ul
				}
			}
		}
		for x := range w {
			if line[x/8]>>(7-x%8)&1 == 0 {
				img.SetGray(x, y, color.Gray{Y: 255})
			}
		}
		prev = line
	}
	return decodeQR(t, img)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

var decisionFields = map[string]string{"facts": "销售过期食品 3 箱，有现场检查笔录、照片为证。", "penalty": "罚款 5000 元。",
	"performance": "自收到本决定书之日起十五日内缴纳罚款。", "review_body": "青山县人民政府", "court": "青山县人民法院"}

// investigatingCase is a new case under investigation.
func (s *server) investigatingCase(f caseFixture) string {
	s.t.Helper()
	id := s.newCase(f)
	if r := s.move(f.tok, id, map[string]any{"to": "investigating"}); r.Status != 200 {
		s.t.Fatalf("investigate = %d %s", r.Status, r.Body)
	}
	return id
}

// freezeDoc drafts a document of a kind with values, has the party (or nobody, for a kind
// the party does not sign) and two officers sign, and freezes it.
func (s *server) freezeDoc(f caseFixture, caseID, kind string, fields map[string]string) map[string]any {
	s.t.Helper()
	fz := s.freezeFor(f.tok, caseID, s.call("GET", "/api/v1/cases/"+caseID, f.tok, nil).JSON(), kind, fields)
	if fz == nil {
		s.t.Fatalf("the %s could not be drafted at this case's step", kind)
	}
	return fz
}

// Service of a frozen decision, each way with its proof: direct needs a receipt the
// party signed; 留置 a witness and a photo; postal the tracking number and the receipt's
// scan; public notice its period; electronic the party's written consent, and then the
// party's link opens with the code only, the first opening is the time of service
// (written to the chain once), and five wrong codes close the link.
func TestDocumentService(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	notice := s.freezeDoc(f, s.investigatingCase(f), "penalty_notice", map[string]string{"facts": "销售过期食品", "penalty": "罚款"})
	if r := s.call("POST", "/api/v1/documents/"+notice["id"].(string)+"/service", f.tok, map[string]any{"method": "notice", "to": "张三",
		"at": time.Now().Format(time.RFC3339), "notice_days": 30}); r.Status != 201 {
		t.Errorf("a notice served by public notice = %d %s", r.Status, r.Body)
	}
	for _, to := range []string{"investigating", "notified"} {
		s.move(f.tok, id, map[string]any{"to": to})
	}
	dec := s.freezeDoc(f, id, "penalty_decision", decisionFields)
	did := dec["id"].(string)
	if r := s.call("POST", "/api/v1/documents/"+did+"/service", f.tok, map[string]any{"method": "notice", "to": "张三",
		"at": time.Now().Format(time.RFC3339), "notice_days": 30}); r.Status != 409 {
		t.Errorf("a decision served before it was made = %d %s", r.Status, r.Body)
	}
	if r := s.move(f.tok, id, map[string]any{"to": "decided", "statement_waived": true,
		"decision": map[string]any{"outcome": "penalty", "fine_amount": 500000, "text": "罚款 5000 元"}}); r.Status != 200 {
		t.Fatalf("decide = %d %s", r.Status, r.Body)
	}
	serve := func(body map[string]any) response {
		return s.call("POST", "/api/v1/documents/"+did+"/service", f.tok, body)
	}
	now := time.Now().In(cstZone).Format(time.RFC3339)
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"method": "pigeon", "to": "张三", "at": now}, "method"},
		{map[string]any{"method": "direct", "to": "张三", "at": now}, "receipt_id"},
		{map[string]any{"method": "direct", "to": "张三", "at": now, "receipt_id": did}, "receipt_id"},
		{map[string]any{"method": "left", "to": "张三", "at": now}, "witness"},
		{map[string]any{"method": "left", "to": "张三", "at": now, "witness": "王五"}, "evidence_ids"},
		{map[string]any{"method": "mail", "to": "张三", "at": now, "evidence_ids": []string{}}, "tracking_number"},
		{map[string]any{"method": "electronic", "to": "张三"}, "consent"},
		{map[string]any{"method": "notice", "to": "张三", "at": now}, "notice_days"},
		{map[string]any{"method": "mail", "to": "张三", "at": time.Now().Add(2 * time.Hour).Format(time.RFC3339), "tracking_number": "EMS1"}, "at"},
	} {
		if r := serve(c.body); r.Status != 422 || r.ErrorField() != c.field {
			t.Errorf("service %v = %d %s (want 422 on %s)", c.body, r.Status, r.Body, c.field)
		}
	}
	receipt := s.freezeDoc(f, id, "service_receipt", map[string]string{"document": "行政处罚决定书 " + dec["number"].(string), "served_at": "2026年12月2日 10时", "method": "直接送达"})
	other := s.freezeDoc(f, id, "service_receipt", map[string]string{"document": "行政处罚事先告知书", "served_at": "2026年12月2日 10时", "method": "直接送达"})
	if r := serve(map[string]any{"method": "direct", "to": "张三", "at": now, "receipt_id": other["id"]}); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "没有写明送达的是") {
		t.Errorf("direct service with a receipt of another document = %d %s", r.Status, r.Body)
	}
	if r := serve(map[string]any{"method": "direct", "to": "张三", "at": now, "receipt_id": receipt["id"]}); r.Status != 201 || r.JSON()["served_at"] == nil {
		t.Errorf("direct service = %d %s", r.Status, r.Body)
	}
	if r := serve(map[string]any{"method": "direct", "to": "张三", "at": now, "receipt_id": receipt["id"]}); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "已用于") {
		t.Errorf("the same receipt for a second service = %d %s", r.Status, r.Body)
	}
	photo := s.addRecord(f.tok, id, "photo")
	if r := serve(map[string]any{"method": "left", "to": "张三", "at": now, "witness": "王五（村委会）", "evidence_ids": []string{photo}}); r.Status != 201 {
		t.Errorf("left service = %d %s", r.Status, r.Body)
	}
	if r := serve(map[string]any{"method": "notice", "to": "张三", "at": now, "notice_days": 30}); r.Status != 201 {
		t.Errorf("notice = %d %s", r.Status, r.Body)
	} else if at, _ := time.Parse(time.RFC3339, r.JSON()["served_at"].(string)); at.Sub(time.Now()) < 29*24*time.Hour {
		t.Errorf("a public notice served at %v", at)
	}
	consent := s.addRecord(f.tok, id, "document")
	r := serve(map[string]any{"method": "electronic", "to": "张三（手机 138****0000）", "consent": consent})
	if r.Status != 201 || r.JSON()["served_at"] != nil || len(r.JSON()["code"].(string)) != 6 {
		t.Fatalf("electronic service = %d %s", r.Status, r.Body)
	}
	link, code := r.JSON()["link"].(string), r.JSON()["code"].(string)
	path := link[strings.Index(link, "/public/service/"):]
	c := s.browser()
	if p := s.get(c, path); p.Status != 200 || strings.Contains(string(p.Body), dec["number"].(string)) {
		t.Errorf("the link before the code = %d (shows the document: %v)", p.Status, strings.Contains(string(p.Body), dec["number"].(string)))
	} else if !strings.Contains(string(p.Body), "经您书面同意，以电子方式向您送达行政处罚决定书") || !strings.Contains(string(p.Body), "市场监督管理局</b>") {
		t.Errorf("the link before the code does not say who sent what:\n%.1500s", p.Body)
	}

	wrong := "000000"
	if wrong == code {
		wrong = "000001"
	}
	if p := s.form(c, path, url.Values{"code": {wrong}}); p.Status != 422 || !strings.Contains(string(p.Body), "还可以再试 4 次") {
		t.Errorf("a wrong code = %d", p.Status)
	}
	if l := items(s.call("GET", "/api/v1/cases/"+id+"/services", f.tok, nil)); l[len(l)-1]["served_at"] != nil {
		t.Error("a wrong code served the document")
	}
	p := s.form(c, path, url.Values{"code": {code}})
	if p.Status != 200 || !strings.Contains(string(p.Body), dec["number"].(string)) || !strings.Contains(string(p.Body), "视为送达") {
		t.Fatalf("the right code = %d %.300s", p.Status, p.Body)
	}
	if pdf := s.get(c, path+"/document.pdf"); pdf.Status != 200 || !bytes.HasPrefix(pdf.Body, []byte("%PDF")) {
		t.Errorf("the party's PDF = %d", pdf.Status)
	}
	if l := items(s.call("GET", "/api/v1/documents/"+did+"/access-log", f.tok, nil)); len(l) == 0 || l[0]["via"] != "service" || l[0]["who"] != "张三（手机 138****0000）" {
		t.Errorf("the party's opening is not in the access log: %v", l)
	}
	s.form(c, path, url.Values{"code": {code}}) // opened again: served once
	l := items(s.call("GET", "/api/v1/cases/"+id+"/services", f.tok, nil))
	if l[len(l)-1]["served_at"] == nil {
		t.Error("opening the link did not serve the document")
	}
	opened := 0
	for _, rec := range items(s.call("GET", "/api/v1/cases/"+id+"/records", f.tok, nil)) {
		if rec["kind"] == "service" && strings.HasPrefix(rec["note"].(string), "电子送达：受送达人") {
			opened++
		}
	}
	if opened != 1 {
		t.Errorf("%d records of the first opening", opened)
	}
	// Five wrong codes close a link, however many are sent at once.
	r = serve(map[string]any{"method": "electronic", "to": "张三", "consent": consent})
	link2 := r.JSON()["link"].(string)
	path2 := link2[strings.Index(link2, "/public/service/"):]
	var wg sync.WaitGroup
	for range 9 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.form(s.browser(), path2, url.Values{"code": {"999999"}})
		}()
	}
	wg.Wait()
	var tries int
	s.query(t, `SELECT failed_attempts FROM document_services WHERE id = '`+r.JSON()["id"].(string)+`'`, &tries)
	if tries != 5 {
		t.Errorf("nine wrong codes at once counted %d tries, want 5", tries)
	}
	if p := s.form(s.browser(), path2, url.Values{"code": {r.JSON()["code"].(string)}}); !strings.Contains(string(p.Body), "链接已停用") {
		t.Errorf("after five wrong codes the right one = %d", p.Status)
	}
	if p := s.get(s.browser(), "/public/service/nonsense"); p.Status != 200 || !strings.Contains(string(p.Body), "验证码") {
		t.Errorf("an unknown link's page = %d", p.Status)
	}
}

// Each move needs its documents: notice the 事先告知书, a penalty decision the 决定书, a
// seizure its 决定书 and 清单, service a 送达回证 or a service record; the 下一步 block lists
// what is missing. An agency that has not started making documents in zhifa moves without.
func TestDocumentsEachStepNeeds(t *testing.T) {
	s := start(t)
	f := fixture(s)
	raw := func(id string, body map[string]any) response {
		return s.call("POST", "/api/v1/cases/"+id+"/transitions", f.tok, body)
	}
	in := f.input()
	in["measures"] = []string{"seizure"}
	r := s.call("POST", "/api/v1/cases", f.tok, in)
	if r.Status != 201 || r.JSON()["documents_required"] != true {
		t.Fatalf("file = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	raw(id, map[string]any{"to": "investigating"})
	video := s.addRecord(f.tok, id, "video")
	s.upload(f.tok, video, "扣押.mp4", mp4Bytes(30_000))
	c, _ := webLogin(t, s, "officer1")
	if page := string(s.get(c, "/cases/"+id).Body); !strings.Contains(page, "制作《行政处罚事先告知书》") || !strings.Contains(page, "制作《查封（扣押）清单》") {
		t.Errorf("the 下一步 block does not list the notice and the seizure list")
	}
	if r := raw(id, map[string]any{"to": "notified"}); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "行政处罚事先告知书") ||
		!strings.Contains(r.ErrorMessage(), "查封（扣押）决定书") || !strings.Contains(r.ErrorMessage(), "查封（扣押）清单") {
		t.Errorf("notice without documents = %d %s", r.Status, r.Body)
	}
	s.freezeDoc(f, id, "penalty_notice", map[string]string{"facts": "销售过期食品", "penalty": "罚款 5000 元"})
	s.freezeDoc(f, id, "seizure_decision", map[string]string{"reason": "涉嫌销售过期食品", "items": "过期食品 3 箱", "period": "三十日", "review_body": "青山县人民政府", "court": "青山县人民法院"})
	if r := raw(id, map[string]any{"to": "notified"}); r.Status != 409 || strings.Contains(r.ErrorMessage(), "事先告知书") || !strings.Contains(r.ErrorMessage(), "清单") {
		t.Errorf("notice without the seizure list = %d %s", r.Status, r.Body)
	}
	s.freezeDoc(f, id, "seizure_list", map[string]string{"items": "过期食品 3 箱"})
	if r := raw(id, map[string]any{"to": "notified"}); r.Status != 200 {
		t.Fatalf("notice with its documents = %d %s", r.Status, r.Body)
	}
	decide := map[string]any{"to": "decided", "statement_waived": true, "decision": map[string]any{"outcome": "penalty", "fine_amount": 500000, "text": "罚款 5000 元"}}
	if r := raw(id, decide); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "行政处罚决定书") {
		t.Errorf("a decision without its 决定书 = %d %s", r.Status, r.Body)
	}
	dec := s.freezeDoc(f, id, "penalty_decision", decisionFields)
	if r := raw(id, decide); r.Status != 200 {
		t.Fatalf("decide = %d %s", r.Status, r.Body)
	}
	photo := s.addRecord(f.tok, id, "photo")
	if r := raw(id, map[string]any{"to": "served", "delivery": map[string]any{"method": "direct", "at": time.Now().Format(time.RFC3339), "recipient": "张三", "proof_record_id": photo}}); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "送达") {
		t.Errorf("served against a photo only = %d %s", r.Status, r.Body)
	}
	if r := raw(id, map[string]any{"to": "served"}); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "送达凭证") {
		t.Errorf("served without any service = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/documents/"+dec["id"].(string)+"/service", f.tok, map[string]any{"method": "left", "to": "张三",
		"at": time.Now().Format(time.RFC3339), "witness": "王五（村委会）", "evidence_ids": []string{photo}}); r.Status != 201 {
		t.Fatalf("left service = %d %s", r.Status, r.Body)
	}
	if page := string(s.get(c, "/cases/"+id).Body); !strings.Contains(page, "请登记“已送达”") {
		t.Errorf("the 下一步 block does not say the decision is served")
	}
	if r := raw(id, map[string]any{"to": "served"}); r.Status != 200 || r.JSON()["served_at"] == nil {
		t.Errorf("served by the recorded service = %d %s", r.Status, r.Body)
	}
	// An agency not yet making its documents here moves as before.
	admin := s.login("admin")
	if r := s.call("PATCH", "/api/v1/agencies/"+f.agency, admin, map[string]any{"documents_from": nil}); r.Status != 200 || r.JSON()["documents_from"] != nil {
		t.Fatalf("documents_from = null: %d %s", r.Status, r.Body)
	}
	other := s.newCase(f)
	raw(other, map[string]any{"to": "investigating"})
	if r := raw(other, map[string]any{"to": "notified"}); r.Status != 200 {
		t.Errorf("notice at an agency without documents = %d %s", r.Status, r.Body)
	}
	if r := s.call("PATCH", "/api/v1/agencies/"+f.agency, f.tok, map[string]any{"documents_from": "2026-01-01"}); r.Status != 403 {
		t.Errorf("an officer set the agency's documents day: %d", r.Status)
	}
}

// Every opening of a frozen document's PDF is logged before the bytes go, as for evidence
// files; a draft's preview is not the document and is not.
func TestDocumentAccessLogged(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.investigatingCase(f)
	draft := s.draftRecord(f, id)
	if r := s.call("GET", "/api/v1/documents/"+draft["id"].(string)+".pdf", f.tok, nil); r.Status != 200 {
		t.Fatalf("preview = %d", r.Status)
	}
	if l := items(s.call("GET", "/api/v1/documents/"+draft["id"].(string)+"/access-log", f.tok, nil)); len(l) != 0 {
		t.Errorf("a draft's preview logged: %v", l)
	}
	fz := s.freezeDoc(f, id, "inspection_record", map[string]string{"findings": "现场发现过期食品 3 箱。", "present": "李四",
		"started_at": "2026年12月2日 9时30分", "ended_at": "2026年12月2日 10时15分"})
	did := fz["id"].(string)
	for range 2 {
		if r := s.call("GET", "/api/v1/documents/"+did+".pdf", f.tok, nil); r.Status != 200 {
			t.Fatalf("PDF = %d", r.Status)
		}
	}
	l := items(s.call("GET", "/api/v1/documents/"+did+"/access-log", f.tok, nil))
	if len(l) != 2 || l[0]["via"] != "platform" || l[0]["who"] == "" || l[0]["ip"] == "" {
		t.Errorf("access log = %v", l)
	}
	b, _ := webLogin(t, s, "officer1")
	if page := string(s.get(b, "/documents/"+did).Body); !strings.Contains(page, "PDF 访问记录（最近 2 次）") {
		t.Errorf("the document page does not show its access log")
	}
	if r := s.call("GET", "/api/v1/documents/"+did+"/access-log", s.login("officer3"), nil); r.Status != 404 && r.Status != 403 {
		t.Errorf("another agency's officer reads the log: %d", r.Status)
	}
}
