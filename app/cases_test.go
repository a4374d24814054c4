package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"zhifa/app"
	"zhifa/app/testenv"
	"zhifa/enforcement"
)

// caseFixture is an officer's token, their agency and two handlers with valid certificates.
type caseFixture struct {
	tok, agency, o1, o2 string
}

func fixture(s *server) caseFixture {
	s.t.Helper()
	tok := s.login("officer1")
	me := s.call("GET", "/api/v1/me", tok, nil).JSON()
	o2 := s.login("officer2")
	me2 := s.call("GET", "/api/v1/me", o2, nil).JSON()
	return caseFixture{tok: tok, agency: me["agency_id"].(string), o1: me["officer_id"].(string), o2: me2["officer_id"].(string)}
}

func (f caseFixture) input() map[string]any {
	return map[string]any{"agency_id": f.agency, "kind": "penalty", "cause": "销售过期食品",
		"legal_basis": "《中华人民共和国食品安全法》第三十四条", "location": "城关镇解放路12号",
		"parties":     []map[string]any{{"type": "person", "name": "张三", "id_number": "11010519491231002X"}},
		"handler_ids": []string{f.o1, f.o2}, "occurred_at": time.Now().Add(-24 * time.Hour).In(cstZone).Format(time.RFC3339)}
}

func (s *server) newCase(f caseFixture) string {
	s.t.Helper()
	r := s.call("POST", "/api/v1/cases", f.tok, f.input())
	if r.Status != 201 {
		s.t.Fatalf("create case = %d %s", r.Status, r.Body)
	}
	return r.JSON()["id"].(string)
}

// move moves a case as its officer does, with the documents the move needs made first
// (documentsFor); a test of a move refused for a document calls transitions itself.
func (s *server) move(tok, id string, body map[string]any) response {
	s.t.Helper()
	if to, _ := body["to"].(string); to != "" {
		outcome := "penalty"
		if d, ok := body["decision"].(map[string]any); ok {
			outcome, _ = d["outcome"].(string)
		}
		s.documentsFor(tok, id, to, outcome)
	}
	return s.call("POST", "/api/v1/cases/"+id+"/transitions", tok, body)
}

// documentsFor makes and freezes, as the case's officer with tok, the documents a move to
// a state needs that the case lacks: the 事先告知书 before notice, the 决定书 before a
// penalty decision, a 送达回证 before service. The party and the case's officers sign.
func (s *server) documentsFor(tok, id, to, outcome string) {
	s.t.Helper()
	c := s.call("GET", "/api/v1/cases/"+id, tok, nil)
	if c.Status != 200 {
		return // the move will say why
	}
	cj := c.JSON()
	if to == "served" && cj["state"] != "decided" {
		return
	}
	have := map[string]bool{} // a kind already frozen is not made again; a receipt is per service
	for _, d := range items(s.call("GET", "/api/v1/cases/"+id+"/documents", tok, nil)) {
		have[d["kind"].(string)] = have[d["kind"].(string)] || (d["state"] == "frozen" && d["kind"] != "service_receipt")
	}
	freeze := func(kind string, fields map[string]string) {
		if !have[kind] {
			s.freezeFor(tok, id, cj, kind, fields)
		}
	}
	if cj["state"] == "investigating" && to != "investigating" { // a seizure or preservation needs its documents first
		for _, m := range cj["measures"].([]any) {
			switch m {
			case "seizure":
				freeze("seizure_decision", map[string]string{"reason": "涉嫌违法", "items": "涉案物品", "period": "三十日",
					"review_body": "青山县人民政府", "court": "青山县人民法院"})
				freeze("seizure_list", map[string]string{"items": "涉案物品", "place": "当事人住所"})
			case "preservation":
				freeze("evidence_preservation", map[string]string{"items": "涉案物品", "kept_at": "本局仓库"})
			}
		}
	}
	var kind string
	fields := map[string]string{}
	switch {
	case to == "notified" && cj["kind"] == "penalty" && cj["state"] == "investigating":
		kind, fields = "penalty_notice", map[string]string{"facts": "当事人" + fmt.Sprint(cj["cause"]), "penalty": "罚款"}
	case to == "decided" && cj["kind"] == "penalty" && outcome == "penalty":
		kind, fields = "penalty_decision", map[string]string{"facts": "当事人" + fmt.Sprint(cj["cause"]), "penalty": "罚款",
			"performance": "十五日内缴纳", "review_body": "青山县人民政府", "court": "青山县人民法院"}
	case to == "served":
		number := ""
		for _, d := range items(s.call("GET", "/api/v1/cases/"+id+"/documents", tok, nil)) {
			if d["kind"] == "penalty_decision" && d["state"] == "frozen" {
				number, _ = d["number"].(string)
			}
		}
		kind, fields = "service_receipt", map[string]string{"document": "行政处罚决定书 " + number, "served_at": "2026年12月2日 10时", "method": "直接送达", "place": "当事人住所"}
	default:
		return
	}
	freeze(kind, fields)
}

// freezeFor drafts a document of a case, has the party (where the kind has one to sign)
// and the case's officers sign it, freezes it and answers the frozen document; a draft
// refused (not the case's step, not the officer's case) answers nil, for the move to explain.
func (s *server) freezeFor(tok, id string, cj map[string]any, kind string, fields map[string]string) map[string]any {
	s.t.Helper()
	r := s.call("POST", "/api/v1/cases/"+id+"/documents", tok, map[string]any{"kind": kind, "fields": fields})
	if r.Status != 201 {
		return nil
	}
	did := r.JSON()["id"].(string)
	s.call("POST", "/api/v1/documents/"+did+"/signatures", tok, map[string]any{"role": "party", "signer": "当事人", "strokes": stroke()})
	for _, h := range cj["handlers"].([]any) {
		s.call("POST", "/api/v1/documents/"+did+"/signatures", tok, map[string]any{"role": "officer", "officer_id": h.(map[string]any)["id"], "strokes": stroke()})
	}
	fz := s.call("POST", "/api/v1/documents/"+did+"/freeze", tok, nil)
	if fz.Status != 200 {
		s.t.Fatalf("freeze the %s = %d %s", kind, fz.Status, fz.Body)
	}
	return fz.JSON()
}

func dbConn(t *testing.T, s *server) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), s.env["ZHIFA_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestCaseInputRefusals(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin := s.login("admin")
	lapsed := ""
	for _, o := range items(s.call("GET", "/api/v1/officers?status=expired&agency_id="+f.agency, admin, nil)) {
		lapsed = o["id"].(string)
	}
	justice := agencyID(s, admin, "青山县司法局")
	stranger := items(s.call("GET", "/api/v1/officers?status=active&agency_id="+justice, admin, nil))[0]["id"].(string)
	for _, c := range []struct {
		name  string
		edit  func(map[string]any)
		field string
	}{
		{"one handler", func(m map[string]any) { m["handler_ids"] = []string{f.o1} }, "handler_ids"},
		{"the same handler twice", func(m map[string]any) { m["handler_ids"] = []string{f.o1, f.o1} }, "handler_ids"},
		{"a handler with a lapsed card", func(m map[string]any) { m["handler_ids"] = []string{f.o1, lapsed} }, "handler_ids"},
		{"a handler of another agency", func(m map[string]any) { m["handler_ids"] = []string{f.o1, stranger} }, "handler_ids"},
		{"bad ID number", func(m map[string]any) {
			m["parties"] = []map[string]any{{"type": "person", "name": "张三", "id_number": "110105194912310021"}}
		}, "parties[0].id_number"},
		{"bad credit code", func(m map[string]any) {
			m["parties"] = []map[string]any{{"type": "org", "name": "某公司", "id_number": "91350100M000100Y44"}}
		}, "parties[0].id_number"},
		{"no parties", func(m map[string]any) { m["parties"] = []map[string]any{} }, "parties"},
		{"unknown kind", func(m map[string]any) { m["kind"] = "fine" }, "kind"},
		{"no cause", func(m map[string]any) { m["cause"] = " " }, "cause"},
		{"future time", func(m map[string]any) { m["occurred_at"] = "2099-01-01T00:00:00Z" }, "occurred_at"},
	} {
		in := f.input()
		c.edit(in)
		if r := s.call("POST", "/api/v1/cases", f.tok, in); r.Status != 422 || r.ErrorField() != c.field || !hasHan(r.ErrorMessage()) {
			t.Errorf("%s = %d %s, want 422 naming %s", c.name, r.Status, r.Body, c.field)
		}
	}
	in := f.input()
	in["parties"] = []map[string]any{{"type": "org", "name": "青山县某食品有限公司", "id_number": "91350100M000100Y43"}}
	if r := s.call("POST", "/api/v1/cases", f.tok, in); r.Status != 201 {
		t.Errorf("organisation party = %d %s", r.Status, r.Body)
	}
	in["agency_id"] = justice
	if r := s.call("POST", "/api/v1/cases", f.tok, in); r.Status != 403 {
		t.Errorf("filing for another agency = %d, want 403", r.Status)
	}
	if r := s.call("POST", "/api/v1/cases", s.login("supervisor1"), f.input()); r.Status != 403 {
		t.Errorf("supervisor filing = %d, want 403", r.Status)
	}
}

// Concurrent filings get consecutive numbers: none repeated, none skipped.
func TestCaseNumbersUnderConcurrency(t *testing.T) {
	s := start(t)
	f := fixture(s)
	const n = 20
	type filed struct{ number, at string }
	numbers := make(chan filed, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.call("POST", "/api/v1/cases", f.tok, f.input())
			if r.Status != 201 {
				t.Errorf("create = %d %s", r.Status, r.Body)
				return
			}
			numbers <- filed{r.JSON()["number"].(string), r.JSON()["filed_at"].(string)}
		}()
	}
	wg.Wait()
	close(numbers)
	// The demo county has filed cases already: the new numbers must be consecutive ones.
	// Each carries the year the server filed it in, so filings on both sides of New Year
	// make two runs, the new year's from 1.
	re := regexp.MustCompile(`^青市监罚〔(\d{4})〕(\d+)号$`)
	byYear := map[int]map[int]bool{}
	got := 0
	for c := range numbers {
		got++
		m := re.FindStringSubmatch(c.number)
		at, err := time.Parse(time.RFC3339Nano, c.at)
		if m == nil || err != nil {
			t.Fatalf("number %q filed at %q does not follow the pattern (%v)", c.number, c.at, err)
		}
		year, _ := strconv.Atoi(m[1])
		seq, _ := strconv.Atoi(m[2])
		if want := at.In(enforcement.Shanghai()).Year(); year != want {
			t.Errorf("case %s filed at %s carries year %d, want %d", c.number, c.at, year, want)
		}
		if byYear[year] == nil {
			byYear[year] = map[int]bool{}
		}
		byYear[year][seq] = true
	}
	if got != n {
		t.Fatalf("%d of %d filings succeeded", got, n)
	}
	distinct := 0
	for year, seqs := range byYear {
		lo, hi := 1<<30, 0
		for seq := range seqs {
			lo, hi = min(lo, seq), max(hi, seq)
		}
		if hi-lo+1 != len(seqs) {
			t.Errorf("year %d: %d distinct numbers from %d to %d: some skipped", year, len(seqs), lo, hi)
		}
		distinct += len(seqs)
	}
	if distinct != n {
		t.Errorf("%d cases got %d distinct numbers: some repeated", n, distinct)
	}
}

func TestCaseLifecycleAndRecords(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	// Working days from today: +3 +4 +5 +6 +7 +10 +11; the days between are off.
	w := s.workingDays(3, 4, 5, 6, 7, 10, 11)
	steps := []map[string]any{
		{"to": "investigating"},
		{"to": "notified"},
		{"to": "decided", "statement_waived": true, "decision": map[string]any{"outcome": "penalty", "fine_amount": 500000, "text": "罚款伍仟元"}},
		{"to": "served"},
		{"to": "executed"},
		{"to": "closed"},
		{"to": "archived"},
	}
	if r := s.move(f.tok, id, map[string]any{"to": "decided"}); r.Status != 409 || !hasHan(r.ErrorMessage()) {
		t.Errorf("filed → decided = %d %s, want 409 with a reason", r.Status, r.Body)
	}
	reviewer := s.login("reviewer1")
	if r := s.move(reviewer, id, steps[0]); r.Status != 403 {
		t.Errorf("a non-handler moves the case = %d, want 403", r.Status)
	}
	rec := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "onsite", "note": "现场检查", "location": map[string]float64{"lat": 25.1, "lng": 115.4}})
	if rec.Status != 201 || rec.JSON()["seq"] != float64(2) || len(rec.JSON()["hash"].(string)) != 64 {
		t.Fatalf("record = %d %s", rec.Status, rec.Body)
	}
	for _, st := range steps {
		if r := s.move(f.tok, id, completeMove(st)); r.Status != 200 || r.JSON()["state"] != st["to"] {
			t.Fatalf("move to %s = %d %s", st["to"], r.Status, r.Body)
		}
	}
	if r := s.move(f.tok, id, map[string]any{"to": "withdrawn", "reason": "x"}); r.Status != 409 {
		t.Errorf("withdrawing an archived case = %d, want 409", r.Status)
	}
	v := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()
	recs := v["records"].([]any)
	// 8 moves, a record, and the notice, the decision and the receipt of service.
	if len(recs) != 12 || len(v["history"].([]any)) != 8 {
		t.Errorf("a filed, recorded and archived case has %d records and %d moves, want 12 and 8", len(recs), len(v["history"].([]any)))
	}
	dec := v["decision"].(map[string]any)
	if dec["fine_amount"] != float64(500000) || v["clocks"].(map[string]any)["serve_by"] != w[6] {
		t.Errorf("decision %v, clocks %v; want a fine of 500000 and serve_by %s (7th working day)", dec, v["clocks"], w[6])
	}
	if r := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON(); r["ok"] != true || r["records_checked"] != float64(12) {
		t.Errorf("verify = %v", r)
	}
	// Outcomes are recorded after the decision, dated no earlier than it, and land in the
	// chain too.
	decidedAt := v["decided_at"].(string)
	o := s.call("POST", "/api/v1/cases/"+id+"/outcomes", f.tok, map[string]any{"type": "reconsideration", "result": "upheld", "decided_at": decidedAt})
	if o.Status != 201 {
		t.Errorf("outcome = %d %s", o.Status, o.Body)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/outcomes", f.tok, map[string]any{"type": "appeal", "result": "upheld", "decided_at": decidedAt}); r.Status != 422 || r.ErrorField() != "type" {
		t.Errorf("bad outcome type = %d %s", r.Status, r.Body)
	}
	if last := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["records"].([]any); last[len(last)-1].(map[string]any)["kind"] != "outcome" {
		t.Errorf("the last record is %v, want the outcome", last[len(last)-1])
	}
	// Records can be neither changed nor removed, through the API or in the database.
	rid := rec.JSON()["id"].(string)
	for _, m := range []string{"PUT", "PATCH", "DELETE"} {
		if r := s.call(m, "/api/v1/records/"+rid, f.tok, map[string]any{}); r.Status != 405 {
			t.Errorf("%s record = %d, want 405", m, r.Status)
		}
	}
	conn := dbConn(t, s)
	if _, err := conn.Exec(context.Background(), `UPDATE records SET note = 'x' WHERE id = $1`, rid); err == nil {
		t.Error("the database allowed an UPDATE on a record")
	}
	if _, err := conn.Exec(context.Background(), `DELETE FROM records WHERE id = $1`, rid); err == nil {
		t.Error("the database allowed a DELETE on a record")
	}
	// A correction points at what it corrects.
	bad := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "correction", "note": "更正"})
	if bad.Status != 422 || bad.ErrorField() != "corrects" {
		t.Errorf("correction without target = %d %s", bad.Status, bad.Body)
	}
	cor := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "correction", "note": "检查地点应为解放路14号", "corrects": rid})
	if cor.Status != 201 || cor.JSON()["corrects"] != rid {
		t.Errorf("correction = %d %s", cor.Status, cor.Body)
	}
}

func TestCaseScope(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	for _, c := range []struct {
		user string
		want int
	}{{"officer2", 200}, {"reviewer1", 200}, {"supervisor1", 200}, {"admin", 200}, {"reviewer2", 200}} {
		if r := s.call("GET", "/api/v1/cases/"+id, s.login(c.user), nil); r.Status != c.want {
			t.Errorf("%s opens the case = %d, want %d", c.user, r.Status, c.want)
		}
	}
	mine := total(s.call("GET", "/api/v1/cases?mine=true", f.tok, nil))
	s.newCase(f)
	if r := s.call("GET", "/api/v1/cases?mine=true", f.tok, nil); total(r) != mine+1 {
		t.Errorf("my cases after filing one = %d, want %d", total(r), mine+1)
	}
	in := f.input()
	in["parties"] = []map[string]any{{"type": "org", "name": "青山县测试检索专用有限公司", "id_number": "91350100M000100Y43"}}
	s.call("POST", "/api/v1/cases", f.tok, in)
	if r := s.call("GET", "/api/v1/cases?q="+url.QueryEscape("测试检索专用"), s.login("supervisor1"), nil); total(r) != 1 {
		t.Errorf("search by party = %d, want 1", total(r))
	}
	// A department's reviewer sees its own cases only; the justice bureau's reviewers
	// review for the whole county.
	for _, c := range items(s.call("GET", "/api/v1/cases?page_size=200", s.login("reviewer1"), nil)) {
		if c["agency_id"] != f.agency {
			t.Errorf("the market bureau's reviewer sees another agency's case %v", c["number"])
		}
	}
	if all, own := total(s.call("GET", "/api/v1/cases", s.login("reviewer2"), nil)), total(s.call("GET", "/api/v1/cases", s.login("reviewer1"), nil)); all <= own {
		t.Errorf("the justice bureau's reviewer sees %d cases, the market bureau's %d", all, own)
	}
}

// Two officers add records to one case at once: every record lands in one unbroken chain.
func TestConcurrentRecordsKeepOneChain(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	o2 := s.login("officer2")
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		tok := f.tok
		if i%2 == 1 {
			tok = o2
		}
		go func(i int) {
			defer wg.Done()
			if r := s.call("POST", "/api/v1/cases/"+id+"/records", tok, map[string]any{"kind": "text", "note": fmt.Sprintf("记录 %d", i)}); r.Status != 201 {
				t.Errorf("record %d = %d %s", i, r.Status, r.Body)
			}
		}(i)
	}
	wg.Wait()
	v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON()
	if v["ok"] != true || v["records_checked"] != float64(41) {
		t.Errorf("after 40 concurrent records: %v", v)
	}
}

// Tampering straight in PostgreSQL, with the trigger switched off, is caught precisely.
func TestVerifyCatchesTampering(t *testing.T) {
	s := start(t)
	f := fixture(s)
	conn := dbConn(t, s)
	ctx := context.Background()
	tamper := func(sql string, args ...any) {
		t.Helper()
		for _, q := range []string{`ALTER TABLE records DISABLE TRIGGER records_append_only`, sql, `ALTER TABLE records ENABLE TRIGGER records_append_only`} {
			a := args
			if q != sql {
				a = nil
			}
			if _, err := conn.Exec(ctx, q, a...); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk := func() string {
		id := s.newCase(f)
		for i := 0; i < 3; i++ {
			s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "text", "note": fmt.Sprintf("第%d次询问", i)})
		}
		return id
	}
	codes := func(id string) string {
		v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON()
		var out []string
		for _, p := range v["problems"].([]any) {
			pm := p.(map[string]any)
			out = append(out, fmt.Sprintf("%s@%v", pm["code"], pm["seq"]))
		}
		return strings.Join(out, ",")
	}
	edited := mk()
	tamper(`UPDATE records SET note = '已改动' WHERE case_id = $1 AND seq = 2`, edited)
	if got := codes(edited); got != "hash_mismatch@2" {
		t.Errorf("edited note: problems %q, want hash_mismatch@2", got)
	}
	middle := mk()
	tamper(`DELETE FROM records WHERE case_id = $1 AND seq = 3`, middle)
	if got := codes(middle); !strings.Contains(got, "missing_record@4") || !strings.Contains(got, "chain_break@4") {
		t.Errorf("removed middle record: problems %q", got)
	}
	tail := mk()
	tamper(`DELETE FROM records WHERE case_id = $1 AND seq = 4`, tail)
	// The case row still names record 4 as its head, and the log holds it too.
	if got := codes(tail); got != "head_mismatch@4,log_truncated@4" {
		t.Errorf("removed last record: problems %q, want head_mismatch@4,log_truncated@4", got)
	}
	if got := codes(mk()); got != "" {
		t.Errorf("an untouched case reports %q", got)
	}
	// The command line says the same and fails.
	var out bytes.Buffer
	err := app.Run(ctx, []string{"verify"}, testenv.Getenv(s.env), &out)
	if err == nil || !strings.Contains(out.String(), "与其哈希不符") || !strings.Contains(out.String(), "3 个案件有问题") {
		t.Errorf("zhifa verify: %v\n%s", err, out.String())
	}
	if err := app.Run(ctx, []string{"verify", "--case", edited}, testenv.Getenv(s.env), io.Discard); err == nil {
		t.Error("zhifa verify --case on a tampered case succeeded")
	}
}

func TestOverdueCases(t *testing.T) {
	s := start(t)
	f := fixture(s)
	late, fresh := s.newCase(f), s.newCase(f)
	conn := dbConn(t, s)
	if _, err := conn.Exec(context.Background(), `UPDATE cases SET filed_at = now() - interval '120 days' WHERE id = $1`, late); err != nil {
		t.Fatal(err)
	}
	r := s.call("GET", "/api/v1/cases?overdue=true", s.login("supervisor1"), nil)
	found := false
	for _, c := range items(r) {
		if c["id"] == fresh {
			t.Error("a case filed today is listed as overdue")
		}
		if c["id"] == late {
			found = true
		}
		if len(c["clocks"].(map[string]any)["overdue"].([]any)) == 0 {
			t.Errorf("case %v listed without a reason", c["number"])
		}
	}
	if !found {
		t.Errorf("the case filed 120 days ago is not listed as overdue")
	}
}

// The 7-day clock of service stops when the 决定书's service is recorded, before the case
// is moved to 已送达: the case is no longer overdue, on its own page or in the list.
func TestDecisionServiceStopsTheClock(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.decidedCase(f)
	s.exec(t, `UPDATE cases SET decided_at = now() - interval '20 days' WHERE id = '`+id+`'`)
	overdue := func() (own []any, listed bool) {
		own = s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["clocks"].(map[string]any)["overdue"].([]any)
		for _, c := range items(s.call("GET", "/api/v1/cases?overdue=true", s.login("supervisor1"), nil)) {
			listed = listed || c["id"] == id
		}
		return own, listed
	}
	if own, listed := overdue(); len(own) != 1 || own[0] != "决定作出 7 个工作日内未送达" || !listed {
		t.Fatalf("a decision unserved for 20 days: overdue %v, listed %v", own, listed)
	}
	var dec string
	for _, d := range items(s.call("GET", "/api/v1/cases/"+id+"/documents", f.tok, nil)) {
		if d["kind"] == "penalty_decision" && d["state"] == "frozen" {
			dec = d["id"].(string)
		}
	}
	photo := s.addRecord(f.tok, id, "photo")
	if r := s.call("POST", "/api/v1/documents/"+dec+"/service", f.tok, map[string]any{"method": "left", "to": "王小明",
		"at": time.Now().Format(time.RFC3339), "witness": "王五（村委会）", "evidence_ids": []string{photo}}); r.Status != 201 {
		t.Fatalf("service = %d %s", r.Status, r.Body)
	}
	if own, listed := overdue(); len(own) != 0 || listed {
		t.Errorf("after the decision's service: overdue %v, listed %v", own, listed)
	}
	if st := s.caseState(f.tok, id); st != "decided" {
		t.Errorf("state %v: the service alone does not move the case", st)
	}
}
