package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// userID is a demo user's ID.
func (s *server) userID(username string) string {
	s.t.Helper()
	var id string
	s.query(s.t.(*testing.T), `SELECT id::text FROM users WHERE username = '`+username+`'`, &id)
	return id
}

// fileComplaint files a complaint about the agency and returns its tracking code and the
// clue's ID.
func (s *server) fileComplaint(agency, content string) (code, clueID string) {
	s.t.Helper()
	r := s.complaint(map[string]string{"agency_id": agency, "content": content, "complainant": "王某", "contact": "13800000000"}, nil)
	if r.Status != 201 {
		s.t.Fatalf("complaint = %d %s", r.Status, r.Body)
	}
	code = r.JSON()["tracking_code"].(string)
	s.query(s.t.(*testing.T), `SELECT id::text FROM supervision_clues WHERE number = '`+r.JSON()["number"].(string)+`'`, &clueID)
	return code, clueID
}

// From a complaint to a concluded matter through the API: opened by two supervisors,
// materials asked and answered, a notice issued as a PDF, read, answered late, returned,
// answered again, accepted; every step in the matter's chain; the complainant reads the
// outcome; the agency's users see what is addressed to them and no one else does.
func TestSupervisionMatterFlow(t *testing.T) {
	s := start(t, easyWork)
	f := fixture(s)
	sup, sup2, head, officer := s.login("supervisor1"), s.login("supervisor2"), s.login("head1"), s.login("officer1")
	code, clueID := s.fileComplaint(f.agency, "执法人员检查时要求商户购买指定灭火器。")
	sup2ID := s.userID("supervisor2")

	// One supervisor is not enough, and nothing is written by the refusal.
	matters := s.count(t, `SELECT count(*) FROM supervision_matters`)
	if r := s.call("POST", "/api/v1/supervision/clues/"+clueID+"/open", sup, map[string]any{"kind": "daily"}); r.Status != 422 || r.ErrorField() != "supervisor_ids" {
		t.Errorf("a matter with one supervisor = %d %s", r.Status, r.Body)
	}
	if n := s.count(t, `SELECT count(*) FROM supervision_matters`); n != matters {
		t.Errorf("a refused matter left %d rows", n-matters)
	}
	// Supervisors of the supervised agency step aside: the justice bureau cannot be
	// supervised by its own supervisors.
	var justice string
	s.query(t, `SELECT id::text FROM agencies WHERE kind = 'justice' LIMIT 1`, &justice)
	if r := s.call("POST", "/api/v1/supervision/matters", sup, map[string]any{"kind": "key", "title": "自查", "agency_ids": []string{justice},
		"supervisor_ids": []string{sup2ID}}); r.Status != 422 || r.ErrorField() != "supervisor_ids" || !strings.Contains(r.ErrorMessage(), "回避") {
		t.Errorf("supervising one's own agency = %d %s", r.Status, r.Body)
	}
	r := s.call("POST", "/api/v1/supervision/clues/"+clueID+"/open", sup, map[string]any{"kind": "daily", "supervisor_ids": []string{sup2ID}})
	if r.Status != 201 {
		t.Fatalf("open = %d %s", r.Status, r.Body)
	}
	m := r.JSON()
	mid := m["id"].(string)
	if !strings.Contains(m["number"].(string), "监事〔") || len(m["supervisors"].([]any)) != 2 || len(m["links"].([]any)) != 1 {
		t.Errorf("matter = %v", m)
	}
	if r := s.call("POST", "/api/v1/supervision/clues/"+clueID+"/close", sup, map[string]any{"reason": "x", "public_reply": "y"}); r.Status != 409 {
		t.Errorf("closing an opened clue = %d", r.Status)
	}
	track := s.public("/public/api/complaints/" + url.PathEscape(code)).JSON()
	if track["state"] != "opened" || !strings.Contains(fmt.Sprint(track["events"]), m["number"].(string)) {
		t.Errorf("the complainant's page after opening = %v", track)
	}
	// Officers see none of it; the agency's head sees nothing until something is sent.
	if r := s.call("GET", "/api/v1/supervision/matters/"+mid, officer, nil); r.Status != 404 {
		t.Errorf("an officer opened a matter: %d", r.Status)
	}
	if r := s.call("GET", "/api/v1/supervision/matters", head, nil); r.Status != 403 {
		t.Errorf("an agency head listed matters: %d", r.Status)
	}
	// Materials: asked, seen by the head and the legal staff, answered with a file.
	due := time.Now().In(cstZone).AddDate(0, 0, 5).Format("2006-01-02")
	r = s.call("POST", "/api/v1/supervision/matters/"+mid+"/requests", sup, map[string]any{"content": "请提供该中队 11 月的执法记录仪视频和检查记录。", "due_date": due})
	if r.Status != 201 {
		t.Fatalf("request = %d %s", r.Status, r.Body)
	}
	reqID := r.JSON()["id"].(string)
	if r := s.call("POST", "/api/v1/supervision/matters/"+mid+"/requests", sup, map[string]any{"content": "x", "due_date": "2020-01-01"}); r.Status != 422 || r.ErrorField() != "due_date" {
		t.Errorf("a request due in the past = %d %s", r.Status, r.Body)
	}
	has := func(list []any, id string) bool {
		for _, x := range list {
			if x.(map[string]any)["id"] == id {
				return true
			}
		}
		return false
	}
	inbox := s.call("GET", "/api/v1/supervision/inbox", head, nil).JSON()
	if reqs := inbox["requests"].([]any); !has(reqs, reqID) || reqs[0].(map[string]any)["state"] != "pending" {
		t.Errorf("head's inbox does not hold the request, pending first")
	}
	if in := s.call("GET", "/api/v1/supervision/inbox", officer, nil).JSON(); len(in["requests"].([]any)) != 0 {
		t.Errorf("an officer not asked sees requests: %v", in)
	}
	if r := s.call("POST", "/api/v1/supervision/requests/"+reqID+"/answer", officer, map[string]any{"text": "x"}); r.Status != 404 {
		t.Errorf("an officer answered the agency's request: %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/supervision/requests/"+reqID+"/answer", head, map[string]any{"text": " "}); r.Status != 422 || r.ErrorField() != "text" {
		t.Errorf("an empty answer = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/requests/"+reqID+"/answer", head, map[string]any{"text": "已提供执法记录仪视频 3 段和检查记录 2 份。"}); r.Status != 200 || r.JSON()["state"] != "answered" {
		t.Fatalf("answer = %d %s", r.Status, r.Body)
	}
	// A notice: numbered, a PDF in MinIO with its SHA-256, delivered.
	r = s.call("POST", "/api/v1/supervision/matters/"+mid+"/documents", sup, map[string]any{"kind": "notice",
		"facts": "该中队在 11 月 20 日的检查中要求商户购买指定品牌灭火器。", "basis": "《行政执法监督条例》的有关规定",
		"requirements": "立即纠正指定购买行为，对相关人员进行教育。", "due_date": due})
	if r.Status != 201 {
		t.Fatalf("notice = %d %s", r.Status, r.Body)
	}
	doc := r.JSON()
	docID, number := doc["id"].(string), doc["number"].(string)
	if !strings.Contains(number, "监通〔") || doc["pdf_url"] != "/api/v1/supervision/documents/"+docID+"/pdf" {
		t.Errorf("document = %v", doc)
	}
	if r := s.call("POST", "/api/v1/supervision/matters/"+mid+"/documents", sup, map[string]any{"kind": "notice", "facts": "x", "basis": "y",
		"requirements": "z", "due_date": due, "action": "revoke"}); r.Status != 422 || r.ErrorField() != "action" {
		t.Errorf("a notice that revokes = %d %s", r.Status, r.Body)
	}
	pdf := s.call("GET", "/api/v1/supervision/documents/"+docID+"/pdf", sup, nil)
	sum := sha256.Sum256(pdf.Body)
	if pdf.Status != 200 || !bytes.HasPrefix(pdf.Body, []byte("%PDF-")) || pdf.Header.Get("X-Content-SHA256") != hex.EncodeToString(sum[:]) ||
		doc["document"].(map[string]any)["pdf_sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("PDF = %d %q, header %s", pdf.Status, pdf.Body[:min(8, len(pdf.Body))], pdf.Header.Get("X-Content-SHA256"))
	}
	if dir := os.Getenv("ZHIFA_SCREENSHOTS"); dir != "" {
		_ = os.WriteFile(dir+"/notice.pdf", pdf.Body, 0o644)
	}
	if r := s.call("GET", "/api/v1/supervision/documents/"+docID, officer, nil); r.Status != 404 {
		t.Errorf("an officer read the document: %d", r.Status)
	}
	// The head opens it: the read receipt.
	if d := s.call("GET", "/api/v1/supervision/documents/"+docID, head, nil).JSON(); d["read_at"] == nil || d["read_by"] != "刘国强" {
		t.Errorf("read receipt = %v %v", d["read_at"], d["read_by"])
	}
	// Time passes: the deadline is yesterday; the answer is late.
	s.exec(t, `UPDATE supervision_documents SET due_date = current_date - 1 WHERE id = '`+docID+`'`)
	if w := s.call("GET", "/api/v1/supervision/inbox", head, nil).JSON()["documents"].([]any); !has(w, docID) {
		t.Fatalf("head's documents do not hold the notice")
	}
	if r := s.call("POST", "/api/v1/supervision/documents/"+docID+"/accept", sup, map[string]any{}); r.Status != 409 {
		t.Errorf("accepting before an answer = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/supervision/documents/"+docID+"/answer", head, map[string]any{"text": "已纠正，已对相关人员批评教育。"}); r.Status != 200 || r.JSON()["state"] != "answered" {
		t.Fatalf("answer = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/documents/"+docID+"/return", sup, map[string]any{}); r.Status != 422 || r.ErrorField() != "note" {
		t.Errorf("return without a reason = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/documents/"+docID+"/return", sup2, map[string]any{"note": "请附退还商户款项的凭证。"}); r.Status != 200 || r.JSON()["state"] != "returned" {
		t.Fatalf("return = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/documents/"+docID+"/answer", head, map[string]any{"text": "补充退款凭证。"}); r.Status != 200 {
		t.Fatalf("second answer = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/supervision/matters/"+mid+"/conclude", sup, map[string]any{"conclusion": "x"}); r.Status != 409 {
		t.Errorf("concluding with an answer to judge = %d %s", r.Status, r.Body)
	}
	d := s.call("POST", "/api/v1/supervision/documents/"+docID+"/accept", sup, map[string]any{"note": "整改到位。"}).JSON()
	answers := d["answers"].([]any)
	if d["state"] != "accepted" || d["corrected"] != true || len(answers) != 2 || answers[0].(map[string]any)["late"] != true {
		t.Errorf("accepted document = %v", d)
	}
	if r := s.call("POST", "/api/v1/supervision/documents/"+docID+"/answer", head, map[string]any{"text": "again"}); r.Status != 409 {
		t.Errorf("answering an accepted document = %d", r.Status)
	}
	conclusion := "经查，该中队存在指定购买行为，已责令纠正并退还款项。"
	if r := s.call("POST", "/api/v1/supervision/matters/"+mid+"/conclude", sup, map[string]any{"conclusion": conclusion}); r.Status != 200 {
		t.Fatalf("conclude = %d %s", r.Status, r.Body)
	}
	// After the matter is closed, nothing more is answered.
	r = s.call("POST", "/api/v1/supervision/matters/"+mid+"/requests", sup, map[string]any{"content": "x", "due_date": due})
	if r.Status != 409 {
		t.Errorf("a request on a concluded matter = %d", r.Status)
	}
	track = s.public("/public/api/complaints/" + url.PathEscape(code)).JSON()
	if track["reply"] != conclusion || track["state"] != "concluded" || track["state_label"] != "已办结" || !strings.Contains(fmt.Sprint(track["events"]), number) || strings.Contains(fmt.Sprint(track["events"]), "周建华") {
		t.Errorf("the complainant's page after the conclusion = %v", track)
	}
	// The chain: every step, verifiable.
	v := s.call("GET", "/api/v1/supervision/matters/"+mid+"/verify", sup, nil).JSON()
	full := s.call("GET", "/api/v1/supervision/matters/"+mid, sup, nil).JSON()
	var kinds []string
	for _, rec := range full["records"].([]any) {
		kinds = append(kinds, rec.(map[string]any)["kind"].(string))
	}
	want := "opened request answer document read answer verdict answer verdict concluded"
	if v["ok"] != true || strings.Join(kinds, " ") != want {
		t.Errorf("chain ok=%v problems=%v, kinds %v, want %s", v["ok"], v["problems"], kinds, want)
	}
}

// A decision that revokes an enforcement decision records the outcome on the case and
// takes its disclosure down, in the same step as the document.
func TestSupervisionDecisionRevokes(t *testing.T) {
	s := start(t)
	f := fixture(s)
	sup := s.login("supervisor1")
	var caseID, caseNo string
	s.query(t, `SELECT c.id::text, c.number FROM cases c JOIN disclosures d ON d.case_id = c.id WHERE c.agency_id = '`+f.agency+`'
		AND c.decided_at IS NOT NULL AND d.state = 'published' ORDER BY c.number LIMIT 1`, &caseID, &caseNo)
	r := s.call("POST", "/api/v1/supervision/matters", sup, map[string]any{"kind": "key", "title": "重点监督：罚款决定", "agency_ids": []string{f.agency},
		"supervisor_ids": []string{s.userID("supervisor2")}, "case_numbers": []string{caseNo}})
	if r.Status != 201 {
		t.Fatalf("open = %d %s", r.Status, r.Body)
	}
	mid := r.JSON()["id"].(string)
	due := time.Now().In(cstZone).AddDate(0, 0, 10).Format("2006-01-02")
	body := map[string]any{"kind": "decision", "facts": "该罚款决定适用依据错误。", "basis": "《行政执法监督条例》的有关规定",
		"requirements": "自收到本决定之日起执行。", "due_date": due, "action": "revoke"}
	if r := s.call("POST", "/api/v1/supervision/matters/"+mid+"/documents", sup, body); r.Status != 422 || r.ErrorField() != "case_id" {
		t.Errorf("a revocation without its case = %d %s", r.Status, r.Body)
	}
	body["case_id"] = caseID
	r = s.call("POST", "/api/v1/supervision/matters/"+mid+"/documents", sup, body)
	if r.Status != 201 || !strings.Contains(r.JSON()["number"].(string), "监决〔") {
		t.Fatalf("decision = %d %s", r.Status, r.Body)
	}
	var outcomes int
	var from *time.Time
	s.query(t, `SELECT (SELECT count(*) FROM case_outcomes WHERE case_id = '`+caseID+`' AND type = 'supervision' AND result = 'revoked'),
		(SELECT withdraw_from FROM disclosures WHERE case_id = '`+caseID+`')`, &outcomes, &from)
	if outcomes != 1 || from == nil {
		t.Errorf("after the revocation: %d outcomes, withdrawal from %v", outcomes, from)
	}
	if doc := r.JSON()["document"].(map[string]any); doc["issuer"] != "青山县人民政府" {
		t.Errorf("a decision is the government's: issuer %v", doc["issuer"])
	}
}

// exec runs one statement on a connection of its own: a test's way of letting time pass.
func (s *server) exec(t testing.TB, sql string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.env["ZHIFA_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatal(err)
	}
}

// A special campaign draws its sample of case files with zhifa-sample-1 as an evaluation
// campaign of its agencies, scored by its supervisors: the draw is in the matter's chain
// and verifiable on the portal, the sampled files are read through the matter (each
// reading recorded), a file outside the sample is not, and the matter cannot conclude
// before the evaluation ends. Refused input draws nothing.
func TestSupervisionMatterSample(t *testing.T) {
	s := start(t)
	sup := s.login("supervisor1")
	var agencies []string
	s.query(t, `SELECT array_agg(id::text) FROM (SELECT id FROM agencies WHERE kind <> 'justice' AND EXISTS (SELECT 1 FROM cases c
		WHERE c.agency_id = agencies.id AND c.kind = 'penalty' AND c.decided_at > now() - interval '1 year') ORDER BY name LIMIT 2) a`, &agencies)
	if len(agencies) != 2 {
		t.Fatalf("agencies with decided cases: %v", agencies)
	}
	r := s.call("POST", "/api/v1/supervision/matters", sup, map[string]any{"kind": "special", "title": "罚没收入专项监督",
		"plan": "抽查两单位近一年办结的行政处罚案卷，核查罚款依据与裁量。", "agency_ids": agencies, "supervisor_ids": []string{s.userID("supervisor2")}})
	if r.Status != 201 {
		t.Fatalf("special matter = %d %s", r.Status, r.Body)
	}
	mid := r.JSON()["id"].(string)
	today := time.Now().In(cstZone)
	period := map[string]any{"period_from": today.AddDate(-1, 0, 0).Format("2006-01-02"), "period_to": today.Format("2006-01-02"), "case_kinds": []string{"penalty"}}
	before := s.count(t, `SELECT count(*) FROM evaluations`)
	bad := map[string]any{"period_from": period["period_from"], "period_to": period["period_to"], "sample_size": 0}
	if r := s.call("POST", "/api/v1/supervision/matters/"+mid+"/samples", sup, bad); r.Status != 422 || r.ErrorField() != "sample_size" {
		t.Errorf("a sample of no size = %d %s", r.Status, r.Body)
	}
	if n := s.count(t, `SELECT count(*) FROM evaluations`); n != before {
		t.Errorf("a refused sample left %d campaigns", n-before)
	}
	period["sample_size"], period["witness"] = 2, "2026156"
	r = s.call("POST", "/api/v1/supervision/matters/"+mid+"/samples", sup, period)
	if r.Status != 201 {
		t.Fatalf("sample = %d %s", r.Status, r.Body)
	}
	ev := r.JSON()["evaluation"].(map[string]any)
	m := r.JSON()["matter"].(map[string]any)
	eid := ev["id"].(string)
	samples := m["samples"].([]any)
	if ev["algorithm"] != "zhifa-sample-1" || ev["files"].(float64) != 4 || len(samples) != 1 || m["open_items"].(map[string]any)["samples"].(float64) != 1 {
		t.Fatalf("sample = %v; matter samples %v", ev, samples)
	}
	files := samples[0].(map[string]any)["sample"].([]any)
	sampled := map[string]bool{}
	for _, f := range files {
		sampled[f.(map[string]any)["case_id"].(string)] = true
	}
	var last map[string]any
	for _, rec := range m["records"].([]any) {
		last = rec.(map[string]any)
	}
	if last["kind"] != "sample" || !strings.Contains(last["note"].(string), "zhifa-sample-1") || !strings.Contains(fmt.Sprint(last["data"]), ev["pool_hash"].(string)) {
		t.Errorf("the sample's record in the chain = %v", last)
	}
	if v := s.public("/public/api/evaluations/" + eid + "/verify").JSON(); v["ok"] != true {
		t.Errorf("the sample does not verify from its public listing: %v", v)
	}
	// Sampled files are read through the matter, each reading recorded; others are not.
	var caseID, other string
	for id := range sampled {
		caseID = id
	}
	s.query(t, `SELECT id::text FROM cases WHERE agency_id = '`+agencies[0]+`' AND id::text NOT IN ('`+strings.Join(slices.Collect(maps.Keys(sampled)), "','")+`') LIMIT 1`, &other)
	web, _ := webLogin(t, s, "supervisor2")
	if r := s.get(web, "/supervision/matters/"+mid+"/cases/"+caseID); r.Status != 303 {
		t.Errorf("reading a sampled file = %d", r.Status)
	}
	if r := s.get(web, "/supervision/matters/"+mid+"/cases/"+other); r.Status != 404 {
		t.Errorf("reading a file outside the sample = %d", r.Status)
	}
	if n := s.count(t, `SELECT count(*) FROM supervision_records WHERE matter_id = '`+mid+`' AND kind = 'reading'`); n != 1 {
		t.Errorf("%d readings recorded, want 1", n)
	}
	page := string(s.get(web, "/supervision/matters/"+mid).Body)
	for _, want := range []string{"抽查案卷", "zhifa-sample-1", "/public/evaluations/" + eid, "待评查"} {
		if !strings.Contains(page, want) {
			t.Errorf("the matter page does not show %q", want)
		}
	}
	// The demo's latest open special campaign has its sample drawn.
	if n := s.count(t, `SELECT count(*) FROM supervision_matter_links l JOIN supervision_matters m ON m.id = l.matter_id
		WHERE l.kind = 'evaluation' AND m.kind = 'special' AND m.id <> '`+mid+`'`); n != 1 {
		t.Errorf("the demo has %d special campaigns with a sample, want 1", n)
	}
	// Nothing waits but the evaluation: the matter cannot conclude until it ends.
	if r := s.call("POST", "/api/v1/supervision/matters/"+mid+"/conclude", sup, map[string]any{"conclusion": "已办结"}); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "评查") {
		t.Errorf("concluding before the evaluation ended = %d %s", r.Status, r.Body)
	}
}
