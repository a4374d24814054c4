package app_test

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"
)

// The catalogue of documents is data: the installation has the default kinds, each
// placeholder of their text names one of their fields; an administrator's change is the
// next version, a kind with a placeholder it lacks is refused naming its sections, and no
// version changes in place.
func TestDocumentKinds(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin := s.login("admin")
	r := s.call("GET", "/api/v1/document-kinds", f.tok, nil)
	kinds := items(r)
	byCode := map[string]map[string]any{}
	for _, k := range kinds {
		byCode[k["code"].(string)] = k
	}
	for code, name := range map[string]string{"inspection_notice": "行政检查通知书", "inspection_record": "现场检查笔录", "inquiry_record": "询问笔录",
		"evidence_preservation": "先行登记保存证据通知书", "seizure_decision": "查封（扣押）决定书", "seizure_list": "查封（扣押）清单",
		"penalty_notice": "行政处罚事先告知书", "penalty_decision": "行政处罚决定书", "inspection_result": "行政检查结果告知书", "service_receipt": "送达回证"} {
		if k := byCode[code]; k == nil || k["name"] != name || k["version"].(float64) != 1 {
			t.Errorf("kind %s = %v", code, k)
		}
	}
	decision := byCode["penalty_decision"]
	if !strings.Contains(decision["number_pattern"].(string), "{seq}") || !strings.Contains(string(r.Body), "六十日内") || !strings.Contains(string(r.Body), "六个月内") {
		t.Errorf("the decision's number or remedies: %v", decision["number_pattern"])
	}
	next := map[string]any{"code": "penalty_decision", "name": "行政处罚决定书", "family": "decision", "number_pattern": "{agency}罚〔{year}〕{seq}号",
		"fields": decision["fields"], "sections": decision["sections"], "signers": []string{"officer"}}
	if r := s.call("POST", "/api/v1/document-kinds", f.tok, next); r.Status != 403 {
		t.Errorf("an officer changed a kind: %d", r.Status)
	}
	bad := map[string]any{}
	for k, v := range next {
		bad[k] = v
	}
	bad["sections"] = []map[string]any{{"text": "{party}：你的{nonsense}"}}
	if r := s.call("POST", "/api/v1/document-kinds", admin, bad); r.Status != 422 || r.ErrorField() != "sections" || !strings.Contains(r.ErrorMessage(), "nonsense") {
		t.Errorf("a placeholder that is no field = %d %s", r.Status, r.Body)
	}
	bad["sections"], bad["number_pattern"] = decision["sections"], "{agency}罚〔{year}〕号"
	if r := s.call("POST", "/api/v1/document-kinds", admin, bad); r.Status != 422 || r.ErrorField() != "number_pattern" {
		t.Errorf("a number without its sequence = %d %s", r.Status, r.Body)
	}
	bad["number_pattern"] = next["number_pattern"]
	bad["fields"] = append(append([]any{}, decision["fields"].([]any)...), map[string]any{"key": "found_on", "label": "发现日期", "type": "date", "source": "case.occurred_at"})
	if r := s.call("POST", "/api/v1/document-kinds", admin, bad); r.Status != 422 || r.ErrorField() != "fields" || !strings.Contains(r.ErrorMessage(), "found_on") {
		t.Errorf("a date filled from the time of the facts = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/document-kinds", admin, next); r.Status != 201 || r.JSON()["version"].(float64) != 2 {
		t.Fatalf("next version = %d %s", r.Status, r.Body)
	}
	for _, k := range items(s.call("GET", "/api/v1/document-kinds", f.tok, nil)) {
		if k["code"] == "penalty_decision" && k["version"].(float64) != 2 {
			t.Errorf("the newest version listed is %v", k["version"])
		}
	}
	versions := 0
	for _, k := range items(s.call("GET", "/api/v1/document-kinds?all=true", f.tok, nil)) {
		if k["code"] == "penalty_decision" {
			versions++
		}
	}
	if versions != 2 {
		t.Errorf("%d versions of the decision listed with all", versions)
	}
	if _, err := dbConn(t, s).Exec(t.Context(), `UPDATE document_kinds SET name = '改' WHERE code = 'penalty_decision'`); err == nil {
		t.Errorf("a kind's version was changed in place")
	}
}

// A draft starts filled from its case (the agency, parties, officers with their
// certificate numbers, place, basis, the day), takes the officer's values for the kind's
// fields only, says which required fields are still empty, and is the case's officers'
// to write and those who read the case's to read.
func TestDocumentDraft(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	if r := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"kind": "nonsense"}); r.Status != 422 || r.ErrorField() != "kind" {
		t.Errorf("an unknown kind = %d %s", r.Status, r.Body)
	}
	// Each kind at its step: no decision on a case just filed.
	if r := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"kind": "penalty_decision"}); r.Status != 409 ||
		!strings.Contains(r.ErrorMessage(), "已立案") || !strings.Contains(r.ErrorMessage(), "已告知") {
		t.Errorf("a decision on a case just filed = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"kind": "inspection_record", "fields": map[string]string{"fine": "1"}}); r.Status != 422 || r.ErrorField() != "fields.fine" {
		t.Errorf("a field the kind lacks = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/documents", s.login("head1"), map[string]any{"kind": "inspection_record"}); r.Status != 403 && r.Status != 404 {
		t.Errorf("someone not handling the case drafted a document: %d", r.Status)
	}
	r := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"kind": "inspection_record",
		"fields": map[string]string{"findings": "现场发现过期食品 3 箱。", "present": "张三"}})
	if r.Status != 201 || r.JSON()["state"] != "draft" || r.JSON()["kind_version"].(float64) < 1 {
		t.Fatalf("draft = %d %s", r.Status, r.Body)
	}
	doc := r.JSON()
	values := map[string]string{}
	for _, x := range doc["fields"].([]any) {
		m := x.(map[string]any)
		values[m["key"].(string)] = m["value"].(string)
	}
	if !strings.Contains(values["party"], "张三") || !strings.Contains(values["officers"], "执法证号 ") || !strings.Contains(values["agency"], "局") ||
		values["place"] != "城关镇解放路12号" || values["findings"] != "现场发现过期食品 3 箱。" {
		t.Errorf("the draft's values = %v", values)
	}
	missing := map[string]bool{}
	for _, k := range doc["missing"].([]any) {
		missing[k.(string)] = true
	}
	if !missing["started_at"] || !missing["ended_at"] || missing["party"] || missing["findings"] {
		t.Errorf("missing = %v", doc["missing"])
	}
	if got := s.call("GET", "/api/v1/documents/"+doc["id"].(string), f.tok, nil); got.Status != 200 || got.JSON()["name"] != "现场检查笔录" {
		t.Errorf("get = %d %s", got.Status, got.Body)
	}
	if l := items(s.call("GET", "/api/v1/cases/"+id+"/documents", f.tok, nil)); len(l) != 1 {
		t.Errorf("the case lists %d documents", len(l))
	}
	if r := s.call("GET", "/api/v1/documents/"+doc["id"].(string), s.login("officer3"), nil); r.Status != 404 {
		t.Errorf("another agency's officer read the document: %d", r.Status)
	}
}

// pdfText is the text of a PDF's pages as zhifa's PDFs set it, without spaces or line
// breaks: every content stream inflated, every string a text operator shows read as the
// UTF-16 its fonts' ToUnicode map declares (fpdf's is the identity on UTF-16 code units).
// A general reader (github.com/ledongthuc/pdf) read those two-byte codes one byte at a
// time, so the test reads them itself.
func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", b)
	}
	var out strings.Builder
	for _, m := range pdfStreamRe.FindAllSubmatch(b, -1) {
		zr, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // not compressed content (an image, a font): no text in it
		}
		content, err := io.ReadAll(zr)
		if err != nil || !bytes.Contains(content, []byte("Tj")) {
			continue
		}
		for _, str := range pdfShowRe.FindAllSubmatch(content, -1) {
			raw := pdfUnescape(str[1])
			units := make([]uint16, len(raw)/2)
			for i := range units {
				units[i] = uint16(raw[2*i])<<8 | uint16(raw[2*i+1])
			}
			out.WriteString(string(utf16.Decode(units)))
		}
	}
	return strings.Join(strings.Fields(out.String()), "")
}

var (
	pdfStreamRe = regexp.MustCompile(`(?s)stream\r?\n(.*?)\r?\nendstream`)
	pdfShowRe   = regexp.MustCompile(`(?s)\(((?:\\.|[^\\)])*)\)\s*Tj`)
)

// pdfUnescape reads a PDF literal string's escapes.
func pdfUnescape(s []byte) []byte {
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			out = append(out, s[i])
			continue
		}
		i++
		switch c := s[i]; {
		case c >= '0' && c <= '7':
			n := 0
			for j := 0; j < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7'; j++ {
				n = n*8 + int(s[i]-'0')
				i++
			}
			i--
			out = append(out, byte(n))
		default:
			out = append(out, map[byte]byte{'n': '\n', 'r': '\r', 't': '\t', 'b': '\b', 'f': '\f'}[c]|map[bool]byte{true: c}[!strings.ContainsRune("nrtbf", rune(c))])
		}
	}
	return out
}

// Each kind renders: a draft with every field filled in Chinese prints each value intact,
// with the kind's name, the draft mark and page x of y; a character no font has is
// refused naming the field and the character, never printed as an empty box.
func TestDocumentPDFOfEachKind(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	// A case at each step a kind is made at: filed, investigating, notified.
	investigating, notified := s.newCase(f), s.newCase(f)
	for _, to := range []string{"investigating", "notified"} {
		s.move(f.tok, notified, map[string]any{"to": to})
	}
	s.move(f.tok, investigating, map[string]any{"to": "investigating"})
	byState := map[string]string{"filed": id, "investigating": investigating, "notified": notified}
	for _, k := range items(s.call("GET", "/api/v1/document-kinds", f.tok, nil)) {
		at := id
		if st, _ := k["stages"].([]any); len(st) > 0 && st[0] != "filed" {
			at = byState[st[0].(string)]
		}
		fields := map[string]string{}
		for i, x := range k["fields"].([]any) {
			key := x.(map[string]any)["key"].(string)
			switch x.(map[string]any)["type"] {
			case "date": // dates and times are held to the form the documents print
				fields[key] = fmt.Sprintf("2026年12月%d日", i+1)
			case "datetime":
				fields[key] = fmt.Sprintf("2026年12月2日%d时30分", i%24)
			default:
				fields[key] = fmt.Sprintf("字段%d之值甲乙丙", i)
			}
		}
		r := s.call("POST", "/api/v1/cases/"+at+"/documents", f.tok, map[string]any{"kind": k["code"], "fields": fields})
		if r.Status != 201 {
			t.Fatalf("draft %s = %d %s", k["code"], r.Status, r.Body)
		}
		p := s.call("GET", "/api/v1/documents/"+r.JSON()["id"].(string)+".pdf", f.tok, nil)
		if p.Status != 200 || p.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("PDF of %s = %d %s", k["code"], p.Status, p.Body)
		}
		text := pdfText(t, p.Body)
		for key, v := range fields {
			if !strings.Contains(text, v) {
				t.Errorf("%s: the value of %s (%q) is not in the PDF's text", k["code"], key, v)
			}
		}
		if !strings.Contains(text, strings.Join(strings.Fields(k["name"].(string)), "")) || !strings.Contains(text, "草稿") || !strings.Contains(text, "第1页/共1页") {
			t.Errorf("%s: the PDF's text lacks its name, the draft mark or its page: %.300s", k["code"], text)
		}
	}
	// A date is a date, in the form the documents print.
	for _, bad := range []string{"送达之时", "2026-12-02", "2026年2月30日 9时", "2026年12月2日 25时"} {
		r := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"kind": "inspection_record", "fields": map[string]string{"started_at": bad}})
		if r.Status != 422 || r.ErrorField() != "fields.started_at" || !strings.Contains(r.ErrorMessage(), "2026年12月2日 9时30分") {
			t.Errorf("a start time of %q = %d %s", bad, r.Status, r.Body)
		}
	}
	// Refused as it is typed: a signed draft could never change to lose it.
	r := s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"kind": "inspection_record", "fields": map[string]string{"findings": "现场有😀标志"}})
	if r.Status != 422 || r.ErrorField() != "fields.findings" || !strings.Contains(r.ErrorMessage(), "U+1F600") {
		t.Errorf("a character no font has = %d %s", r.Status, r.Body)
	}
	// A long record breaks into pages, each numbered.
	long := strings.Repeat("检查人员对仓库、货架和冷藏设备逐一检查，记录了每批货品的生产日期和保质期。", 60)
	r = s.call("POST", "/api/v1/cases/"+id+"/documents", f.tok, map[string]any{"kind": "inspection_record", "fields": map[string]string{"findings": long}})
	p := s.call("GET", "/api/v1/documents/"+r.JSON()["id"].(string)+".pdf", f.tok, nil)
	if text := pdfText(t, p.Body); !strings.Contains(text, "第1页/共") || !strings.Contains(text, "第2页/共") {
		t.Errorf("a long record's pages are not numbered: %.200s", text)
	}
}
