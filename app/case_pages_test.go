package app_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var (
	proofRe   = regexp.MustCompile(`<option value="([0-9a-f-]{36})">#\d+ 文书 [^<]*送达回证`)
	handlerRe = regexp.MustCompile(`name="handler_ids" value="([0-9a-f-]{36})"`)
	// The filer comes pre-chosen: a ticked box, or a chip holding a hidden field.
	meRe = regexp.MustCompile(`name="handler_ids" value="([0-9a-f-]{36})" checked|type="hidden" name="handler_ids" value="([0-9a-f-]{36})"`)
)

func TestCasePagesFileMoveAndRecord(t *testing.T) {
	s := start(t)
	b, csrf := webLogin(t, s, "officer1")
	if r := s.get(b, "/cases"); r.Status != 200 || !strings.Contains(string(r.Body), "我承办的案件") {
		t.Fatalf("case list = %d", r.Status)
	}
	form := s.get(b, "/cases/new")
	hs := handlerRe.FindAllStringSubmatch(string(form.Body), -1)
	me := meRe.FindStringSubmatch(string(form.Body))
	if me != nil && me[1] == "" {
		me = []string{me[0], me[2]}
	}
	if form.Status != 200 || len(hs) < 2 || me == nil || !strings.Contains(string(form.Body), "查封、扣押") {
		t.Fatalf("filing form = %d with %d officers, the filer ticked: %v", form.Status, len(hs), me != nil)
	}
	other := hs[0][1]
	if other == me[1] {
		other = hs[1][1]
	}
	v := url.Values{"_csrf": {csrf}, "kind": {"coercion"}, "cause": {"违法建设"}, "legal_basis": {"《城乡规划法》第六十四条"},
		"occurred_at": {time.Now().Add(-24 * time.Hour).In(cstZone).Format("2006-01-02T15:04")}, "location": {"城关镇"}, "party_type": {"person"}, "party_name": {"王五"},
		"party_id_number": {"11010519491231002Y"}, "handler_ids": {me[1], other}, "measures": {"demolition"}}
	// A wrong check digit comes back on the form, naming the field, with what was typed kept.
	r := s.form(b, "/cases/new", v)
	if r.Status != 422 || !strings.Contains(string(r.Body), "校验位") || !strings.Contains(string(r.Body), `value="王五"`) {
		t.Fatalf("bad ID number = %d", r.Status)
	}
	v.Set("party_id_number", "11010519491231002X")
	r = s.form(b, "/cases/new", v)
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/cases/") {
		t.Fatalf("file case = %d %s", r.Status, r.Body)
	}
	page := r.Header.Get("Location")
	body := string(s.get(b, page).Body)
	if !strings.Contains(body, "违法建设") || !strings.Contains(body, "强制拆除") || !strings.Contains(body, "record-form") {
		t.Errorf("case page lacks the case, its measure or the record form")
	}
	// A record without a file, then moves; an illegal one shows the reason on the page.
	if r := s.form(b, page+"/records", url.Values{"_csrf": {csrf}, "kind": {"text"}, "note": {"责令限期拆除"}}); r.Status != 303 {
		t.Errorf("add record = %d", r.Status)
	}
	if r := s.form(b, page+"/records", url.Values{"_csrf": {csrf}, "kind": {"collective"}, "note": {"同意拆除"}, "participants": {"局长甲、副局长乙、副局长丙"}}); r.Status != 303 {
		t.Errorf("collective discussion from the page = %d %s", r.Status, r.Body)
	}
	if r := s.form(b, page+"/move", url.Values{"_csrf": {csrf}, "to": {"served"}}); r.Status != 409 || !strings.Contains(string(r.Body), "不能直接转为") {
		t.Errorf("illegal move = %d", r.Status)
	}
	for _, to := range []string{"investigating", "notified"} {
		if r := s.form(b, page+"/move", url.Values{"_csrf": {csrf}, "to": {to}}); r.Status != 303 {
			t.Errorf("move to %s = %d %s", to, r.Status, r.Body)
		}
	}
	r = s.form(b, page+"/move", url.Values{"_csrf": {csrf}, "to": {"decided"}, "outcome": {"penalty"}, "fine_yuan": {"5000"},
		"decision_text": {"限期拆除违法建筑"}, "statement_waived": {"on"}})
	if r.Status != 303 {
		t.Fatalf("decide = %d %s", r.Status, r.Body)
	}
	// Service says how, when and to whom; by hand it needs the signed receipt in the chain.
	now := time.Now().In(cstZone).Format("2006-01-02T15:04")
	serve := url.Values{"_csrf": {csrf}, "to": {"served"}, "delivery_method": {"direct"}, "delivery_at": {now}, "delivery_recipient": {"张三"}}
	r = s.form(b, page+"/move", serve)
	if body := string(r.Body); r.Status != 422 || !strings.Contains(body, "须附送达回证") || !strings.Contains(body, `value="张三"`) {
		t.Errorf("service by hand without proof = %d", r.Status)
	}
	if r := s.form(b, page+"/records", url.Values{"_csrf": {csrf}, "kind": {"document"}, "note": {"送达回证：张三签收"}}); r.Status != 303 {
		t.Fatalf("record the receipt = %d", r.Status)
	}
	proof := proofRe.FindStringSubmatch(string(s.get(b, page).Body))
	if proof == nil {
		t.Fatal("the receipt is not offered as proof of service")
	}
	serve.Set("delivery_proof", proof[1])
	if r := s.form(b, page+"/move", serve); r.Status != 409 || !strings.Contains(string(r.Body), "送达回证定稿") {
		t.Errorf("serve against a photographed receipt only = %d", r.Status) // the case's agency makes its documents here
	}
	s.documentsFor(s.login("officer1"), strings.TrimPrefix(page, "/cases/"), "served", "")
	if r := s.form(b, page+"/move", serve); r.Status != 303 {
		t.Errorf("serve = %d %s", r.Status, r.Body)
	}
	if body := string(s.get(b, page).Body); !strings.Contains(body, "直接送达") || !strings.Contains(body, "送达 张三") {
		t.Error("the case page does not show how the decision was served")
	}
	// Demolition is carried out after service: without a recording the case stays.
	r = s.form(b, page+"/move", url.Values{"_csrf": {csrf}, "to": {"executed"}, "execution": {"已拆除"}, "executed_on": {now[:10]}})
	if r.Status != 409 || !strings.Contains(string(r.Body), "强制拆除的音像记录") {
		t.Errorf("execute without a recording = %d", r.Status)
	}
	if !strings.Contains(string(s.get(b, page).Body), `data-testid="av-needed"`) {
		t.Error("case page does not say a recording is needed")
	}
	if r := s.get(b, page+"/print"); r.Status != 200 || !strings.Contains(string(r.Body), "案件摘要") || !strings.Contains(string(r.Body), "罚款 5000.00 元") {
		t.Errorf("print = %d", r.Status)
	}
	// Someone who does not handle the case sees it without the forms.
	sup, _ := webLogin(t, s, "supervisor1")
	if r := s.get(sup, "/cases/overdue"); r.Status != 200 || !strings.Contains(string(r.Body), "立案满 90 日仍未作出决定") {
		t.Errorf("overdue page = %d", r.Status)
	}
	if body := string(s.get(sup, page).Body); strings.Contains(body, "record-form") || !strings.Contains(body, "违法建设") {
		t.Error("supervisor's view of the case")
	}
}
