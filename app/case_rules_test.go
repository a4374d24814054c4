package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The rules of cases, legal review and evidence, each tested so that removing the rule
// fails a test. Expected values are worked out by hand from the catalogue and the
// calendar the test itself sets.

var cstZone = time.FixedZone("CST", 8*3600)

// workingDays rewrites the calendar so that, counting from today in Asia/Shanghai, the
// working days up to the last offset are exactly today+offsets and every other day is
// off, and returns those working days as YYYY-MM-DD. The first offset is at least 3:
// whatever the server counts from today or from tomorrow (midnight may pass between
// the test's reading of the date and the server's) reaches the same days.
func (s *server) workingDays(offsets ...int) []string {
	s.t.Helper()
	if len(offsets) == 0 || offsets[0] < 3 || !slices.IsSorted(offsets) {
		s.t.Fatalf("working-day offsets %v: want ascending, from 3", offsets)
	}
	admin := s.login("admin")
	now := time.Now().In(cstZone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	last := today.AddDate(0, 0, offsets[len(offsets)-1])
	var chosen []string
	on := map[string]bool{}
	for _, o := range offsets {
		d := today.AddDate(0, 0, o).Format(time.DateOnly)
		on[d], chosen = true, append(chosen, d)
	}
	inSpan := func(day any) bool {
		d, err := time.Parse(time.DateOnly, day.(map[string]any)["date"].(string))
		if err != nil {
			s.t.Fatal(err)
		}
		return !d.Before(today) && !d.After(last)
	}
	years := map[int]map[string]any{}
	for d := today; !d.After(last); d = d.AddDate(0, 0, 1) {
		y := years[d.Year()]
		if y == nil {
			r := s.call("GET", fmt.Sprintf("/api/v1/calendar/%d", d.Year()), admin, nil)
			if r.Status != 200 {
				s.t.Fatalf("calendar %d = %d %s", d.Year(), r.Status, r.Body)
			}
			y = r.JSON()
			for _, k := range []string{"holidays", "workdays"} {
				kept := []any{}
				for _, day := range y[k].([]any) {
					if !inSpan(day) {
						kept = append(kept, day)
					}
				}
				y[k] = kept
			}
			years[d.Year()] = y
		}
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		day := map[string]any{"date": d.Format(time.DateOnly)}
		switch ds := d.Format(time.DateOnly); {
		case on[ds] && weekend:
			day["name"] = "测试调休上班"
			y["workdays"] = append(y["workdays"].([]any), day)
		case !on[ds] && !weekend:
			day["name"] = "测试假日"
			y["holidays"] = append(y["holidays"].([]any), day)
		}
	}
	for yr, y := range years {
		if r := s.call("PUT", fmt.Sprintf("/api/v1/calendar/%d", yr), admin, y); r.Status != 200 {
			s.t.Fatalf("calendar %d = %d %s", yr, r.Status, r.Body)
		}
	}
	return chosen
}

// criteria sets the agency's catalogue: 2万 for a person, 5万 for an organisation, 3万
// confiscated, every kind of criterion on, 3 working days to review; change edits it.
func (s *server) setCriteria(agency string, change map[string]any) {
	s.t.Helper()
	c := map[string]any{"fine_person_min": 2_000_000, "fine_org_min": 5_000_000, "confiscation_min": 3_000_000,
		"license_revocation": true, "business_suspension": true, "hearing": true, "public_interest": true, "complex": true,
		"extra_kinds": []string{"涉及校园周边"}, "review_days": 3}
	for k, v := range change {
		c[k] = v
	}
	if r := s.call("PUT", "/api/v1/agencies/"+agency+"/major-criteria", s.login("admin"), c); r.Status != 200 {
		s.t.Fatalf("criteria = %d %s", r.Status, r.Body)
	}
}

// walk moves a case through states, each move required to succeed.
func (s *server) walkCase(tok, id string, moves ...map[string]any) {
	s.t.Helper()
	for _, m := range moves {
		if r := s.move(tok, id, completeMove(m)); r.Status != 200 || r.JSON()["state"] != m["to"] {
			s.t.Fatalf("move to %v = %d %s", m["to"], r.Status, r.Body)
		}
	}
}

// completeMove adds what a move onward from a decision must say, unless the test says it:
// electronic service now, an execution note, a closing report.
func completeMove(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	switch _, said := m["delivery"]; {
	case m["to"] == "served" && !said:
		out["delivery"] = map[string]any{"method": "electronic", "at": time.Now().Format(time.RFC3339Nano), "recipient": "当事人"}
	case m["to"] == "executed" && m["execution"] == nil:
		out["execution"] = "当事人已缴纳罚款"
		if m["executed_on"] == nil {
			out["executed_on"] = time.Now().In(cstZone).Format("2006-01-02")
		}
	case m["to"] == "closed" && m["summary"] == nil:
		out["summary"] = "当事人已履行完毕，予以结案"
	}
	return out
}

// to is a plain move; decide decides d with the party's statement waived.
func moveTo(state string) map[string]any { return map[string]any{"to": state} }
func decideMove(d map[string]any) map[string]any {
	return map[string]any{"to": "decided", "decision": d, "statement_waived": true}
}

// penalty is a decision in fen: a fine, then what change sets.
func fineFen(fen int64, change ...func(map[string]any)) map[string]any {
	d := map[string]any{"outcome": "penalty", "fine_amount": fen, "text": fmt.Sprintf("罚款%d分", fen)}
	for _, c := range change {
		c(d)
	}
	return d
}

func with(k string, v any) func(map[string]any) { return func(d map[string]any) { d[k] = v } }

// orgCase is notifiedCase for an organisation.
func (s *server) orgCase(f caseFixture) string {
	s.t.Helper()
	in := f.input()
	in["parties"] = []map[string]any{{"type": "org", "name": "青山县规则测试有限公司", "id_number": "91350100M000100Y43"}}
	r := s.call("POST", "/api/v1/cases", f.tok, in)
	if r.Status != 201 {
		s.t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	s.walkCase(f.tok, id, moveTo("investigating"), moveTo("notified"))
	return id
}

func strList(v any) []string {
	out := []string{}
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// review submits d for review and returns the review.
func (s *server) submitReview(tok, id string, d map[string]any) map[string]any {
	s.t.Helper()
	r := s.call("POST", "/api/v1/cases/"+id+"/reviews", tok, map[string]any{"decision": d})
	if r.Status != 201 {
		s.t.Fatalf("submit review = %d %s", r.Status, r.Body)
	}
	return r.JSON()
}

// conclude has reviewer1 conclude a review; returned and rejected fail the evidence item.
func (s *server) concludeReview(reviewID, outcome string) {
	s.t.Helper()
	var failed []string
	if outcome != "approved" {
		failed = []string{"evidence"}
	}
	r := s.call("POST", "/api/v1/reviews/"+reviewID+"/decision", s.login("reviewer1"), map[string]any{"outcome": outcome,
		"checklist": checklist(failed...), "opinion": "审核意见：" + outcome})
	if r.Status != 200 || r.JSON()["state"] != outcome {
		s.t.Fatalf("%s = %d %s", outcome, r.Status, r.Body)
	}
}

func (s *server) caseState(tok, id string) any {
	s.t.Helper()
	return s.call("GET", "/api/v1/cases/"+id, tok, nil).JSON()["state"]
}

// TestDecisionCheckFollowsTheCatalogue asks decision-check about each criterion of the
// catalogue, just below and at each amount, then with the criterion taken out.
func TestDecisionCheckFollowsTheCatalogue(t *testing.T) {
	s := start(t)
	f := fixture(s)
	s.setCriteria(f.agency, nil)
	person, org := s.notifiedCase(f), s.orgCase(f)
	check := func(id string, d map[string]any) []string {
		t.Helper()
		r := s.call("POST", "/api/v1/cases/"+id+"/decision-check", f.tok, map[string]any{"decision": d})
		if r.Status != 200 {
			t.Fatalf("decision check = %d %s", r.Status, r.Body)
		}
		reasons := strList(r.JSON()["reasons"])
		if r.JSON()["major"] != (len(reasons) > 0) {
			t.Errorf("major = %v with reasons %q", r.JSON()["major"], reasons)
		}
		return reasons
	}
	small := fineFen(500_00)
	rows := []struct {
		name, id string
		d        map[string]any
		want     []string
	}{
		{"a person's fine 1 fen below 2万", person, fineFen(1_999_999), nil},
		{"a person's fine at 2万", person, fineFen(2_000_000), []string{"对自然人罚款 20000 元，达到 20000 元的标准"}},
		{"an organisation's fine at a person's 2万", org, fineFen(2_000_000), nil},
		{"an organisation's fine 1 fen below 5万", org, fineFen(4_999_999), nil},
		{"an organisation's fine at 5万", org, fineFen(5_000_000), []string{"对单位罚款 50000 元，达到 50000 元的标准"}},
		{"confiscation 1 fen below 3万", org, fineFen(500_00, with("confiscation_amount", 2_999_999)), nil},
		{"confiscation at 3万", org, fineFen(500_00, with("confiscation_amount", 3_000_000)), []string{"没收违法所得或非法财物 30000 元，达到 30000 元的标准"}},
		{"a small fine", org, small, nil},
		{"licence revoked", org, fineFen(500_00, with("license_revoked", true)), []string{"吊销许可证件"}},
		{"business suspended", org, fineFen(500_00, with("business_suspended", true)), []string{"责令停产停业"}},
		{"after a hearing", person, fineFen(500_00, with("hearing_held", true)), []string{"经过听证程序"}},
	}
	for _, c := range rows {
		if got := check(c.id, c.d); !slices.Equal(got, c.want) && len(got)+len(c.want) > 0 {
			t.Errorf("%s: reasons %q, want %q", c.name, got, c.want)
		}
	}
	// What handlers mark on the case: each mark alone makes a small fine major.
	for _, c := range []struct {
		flags map[string]any
		want  string
	}{
		{map[string]any{"public_interest": true}, "涉及重大公共利益"},
		{map[string]any{"complex": true}, "案件情况疑难复杂、涉及多个法律关系"},
		{map[string]any{"major_kinds": []string{"涉及校园周边"}}, "涉及校园周边"},
	} {
		if r := s.call("PUT", "/api/v1/cases/"+person+"/flags", f.tok, c.flags); r.Status != 200 {
			t.Fatalf("flags %v = %d %s", c.flags, r.Status, r.Body)
		}
		if got := check(person, small); !slices.Equal(got, []string{c.want}) {
			t.Errorf("a small fine in a case marked %v: reasons %q, want [%s]", c.flags, got, c.want)
		}
	}
	// The catalogue decides: with a criterion taken out, what it named is no longer major.
	if r := s.call("PUT", "/api/v1/cases/"+person+"/flags", f.tok, map[string]any{"public_interest": true, "complex": true,
		"major_kinds": []string{"涉及校园周边"}}); r.Status != 200 {
		t.Fatalf("flags = %d %s", r.Status, r.Body)
	}
	s.setCriteria(f.agency, map[string]any{"license_revocation": false, "business_suspension": false, "hearing": false,
		"public_interest": false, "complex": false, "extra_kinds": []string{}})
	for name, c := range map[string]struct {
		id string
		d  map[string]any
	}{
		"licence revoked":                  {org, fineFen(500_00, with("license_revoked", true))},
		"business suspended":               {org, fineFen(500_00, with("business_suspended", true))},
		"after a hearing":                  {person, fineFen(500_00, with("hearing_held", true))},
		"marked public, complex, own kind": {person, small},
	} {
		if got := check(c.id, c.d); len(got) != 0 {
			t.Errorf("%s with the criterion out of the catalogue: reasons %q, want none", name, got)
		}
	}
}

// TestApprovalMustCoverTheDecision: an approval holds only for what the reviewer saw.
func TestApprovalMustCoverTheDecision(t *testing.T) {
	s := start(t)
	f := fixture(s)
	s.setCriteria(f.agency, nil)
	id := s.notifiedCase(f)
	approved := fineFen(2_000_000, with("confiscation_amount", 3_000_000), with("license_revoked", true))
	s.concludeReview(s.submitReview(f.tok, id, approved)["id"].(string), "approved")
	for _, c := range []struct {
		name string
		d    map[string]any
		why  string
	}{
		{"another outcome", fineFen(2_000_000, with("outcome", "other"), with("confiscation_amount", 3_000_000), with("license_revoked", true)),
			"决定结果与审核通过的不同"},
		{"a higher confiscation", fineFen(2_000_000, with("confiscation_amount", 3_000_001), with("license_revoked", true)),
			"没收金额 30000.01 元 高于审核通过的 30000 元"},
		{"a suspension added", fineFen(2_000_000, with("confiscation_amount", 3_000_000), with("license_revoked", true), with("business_suspended", true)),
			"增加了责令停产停业"},
		{"a higher fine", fineFen(2_000_001, with("confiscation_amount", 3_000_000), with("license_revoked", true)),
			"罚款 20000.01 元 高于审核通过的 20000 元"},
	} {
		if r := s.move(f.tok, id, decideMove(c.d)); r.Status != 409 || !strings.Contains(r.ErrorMessage(), c.why) {
			t.Errorf("deciding with %s = %d %s, want 409 saying %s", c.name, r.Status, r.Body, c.why)
		}
	}
	if st := s.caseState(f.tok, id); st != "review" {
		t.Errorf("after the refusals the case is %v, want review", st)
	}
	// Less than approved is still covered.
	if r := s.move(f.tok, id, decideMove(fineFen(2_000_000, with("confiscation_amount", 3_000_000)))); r.Status != 200 {
		t.Errorf("deciding the approved decision without the revocation = %d %s, want 200", r.Status, r.Body)
	}
}

// TestDecidingAfterReturnOrRejection: the last round's conclusion stands, even over an
// earlier approval; a rejected case goes back where it was submitted from, its round kept.
func TestDecidingAfterReturnOrRejection(t *testing.T) {
	s := start(t)
	f := fixture(s)
	s.setCriteria(f.agency, nil)
	major := fineFen(2_000_000)

	returned := s.notifiedCase(f)
	s.concludeReview(s.submitReview(f.tok, returned, major)["id"].(string), "returned")
	if st := s.caseState(f.tok, returned); st != "notified" {
		t.Errorf("after a return the case is %v, want notified", st)
	}
	if r := s.move(f.tok, returned, decideMove(major)); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "退回补正") {
		t.Errorf("deciding after a return = %d %s, want 409 naming the return", r.Status, r.Body)
	}

	// Round 1 approves 2万; round 2, a changed draft, is rejected: 2万 may not be decided
	// on round 1's approval.
	id := s.notifiedCase(f)
	s.concludeReview(s.submitReview(f.tok, id, major)["id"].(string), "approved")
	r2 := s.submitReview(f.tok, id, fineFen(2_500_000))
	if r2["round"] != float64(2) || r2["from_state"] != "notified" {
		t.Errorf("resubmitted round = %v from %v, want 2 from notified", r2["round"], r2["from_state"])
	}
	s.concludeReview(r2["id"].(string), "rejected")
	if st := s.caseState(f.tok, id); st != "notified" {
		t.Errorf("after a rejection the case is %v, want notified, where it was submitted from", st)
	}
	if r := s.move(f.tok, id, decideMove(major)); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "不予通过") {
		t.Errorf("deciding after a rejection, on an earlier approval = %d %s, want 409 naming the rejection", r.Status, r.Body)
	}
	rounds := items(s.call("GET", "/api/v1/cases/"+id+"/reviews", f.tok, nil))
	if len(rounds) != 2 || rounds[1]["state"] != "rejected" || rounds[1]["opinion"] != "审核意见：rejected" ||
		rounds[1]["checklist"].(map[string]any)["evidence"].(map[string]any)["ok"] != false {
		t.Errorf("rounds after the rejection = %v, want the approved one and the rejected one with its checklist", rounds)
	}
	// The way back is a new round.
	if r := s.submitReview(f.tok, id, major); r["round"] != float64(3) {
		t.Errorf("round after the rejection = %v, want 3", r["round"])
	}
}

// TestEvidenceRules: what a client may record and where files may go.
func TestEvidenceRules(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	for _, kind := range []string{"transition", "outcome", "attachment", "measure", "review", "flags", "disclosure"} {
		r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": kind, "note": "伪造的系统记录"})
		if r.Status != 422 || r.ErrorField() != "kind" {
			t.Errorf("a client posting a %s record = %d %s, want 422 naming kind", kind, r.Status, r.Body)
		}
	}
	// Files go under an officer's record, never under one the system wrote.
	photo := s.addRecord(f.tok, id, "photo")
	if r := s.upload(f.tok, photo, "p.jpg", jpegBytes(5000)); r.Status != 201 {
		t.Fatalf("upload = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/measures", f.tok, map[string]any{"measure": "sampling"}); r.Status != 201 {
		t.Fatalf("measure = %d %s", r.Status, r.Body)
	}
	if r := s.call("PUT", "/api/v1/cases/"+id+"/flags", f.tok, map[string]any{"public_interest": true}); r.Status != 200 {
		t.Fatalf("flags = %d %s", r.Status, r.Body)
	}
	system := map[string]string{}
	for _, rec := range s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["records"].([]any) {
		rm := rec.(map[string]any)
		system[rm["kind"].(string)] = rm["id"].(string)
	}
	for _, kind := range []string{"transition", "attachment", "measure", "flags"} {
		rid := system[kind]
		if rid == "" {
			t.Fatalf("no %s record in the case", kind)
		}
		if r := s.upload(f.tok, rid, "p.jpg", jpegBytes(5000)); r.Status != 409 {
			t.Errorf("a file under a %s record = %d %s, want 409", kind, r.Status, r.Body)
		}
		if r := s.call("POST", "/api/v1/records/"+rid+"/uploads", f.tok, map[string]any{"content_type": "image/jpeg", "size": 5000}); r.Status != 409 {
			t.Errorf("an upload started under a %s record = %d %s, want 409", kind, r.Status, r.Body)
		}
	}
	// A correction corrects a record of its own case.
	other := s.newCase(f)
	foreign := s.addRecord(f.tok, other, "text")
	for name, target := range map[string]string{"another case's record": foreign, "no record at all": "6f1c2a57-8c1e-4d1b-9a55-3d6b1f0e9a11"} {
		r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "correction", "note": "更正", "corrects": target})
		if r.Status != 422 || r.ErrorField() != "corrects" {
			t.Errorf("a correction of %s = %d %s, want 422 naming corrects", name, r.Status, r.Body)
		}
	}

	// A closed case, and a withdrawn one, take no more files.
	closed := s.notifiedCase(f)
	rec := s.addRecord(f.tok, closed, "photo")
	s.walkCase(f.tok, closed, decideMove(fineFen(500_00)), moveTo("served"))
	// An upload begun before the case closes cannot be finished after.
	r := s.call("POST", "/api/v1/records/"+rec+"/uploads", f.tok, map[string]any{"content_type": "image/jpeg", "size": 5000})
	if r.Status != 201 {
		t.Fatalf("start upload = %d %s", r.Status, r.Body)
	}
	up := r.JSON()
	if err := putPart(t, up["parts"].([]any)[0].(map[string]any)["url"].(string), jpegBytes(5000), 0); err != nil {
		t.Fatal(err)
	}
	s.walkCase(f.tok, closed, moveTo("closed"))
	withdrawn := s.newCase(f)
	wrec := s.addRecord(f.tok, withdrawn, "photo")
	s.walkCase(f.tok, withdrawn, map[string]any{"to": "withdrawn", "reason": "违法事实不能成立"})
	for name, rid := range map[string]string{"closed": rec, "withdrawn": wrec} {
		if r := s.upload(f.tok, rid, "p.jpg", jpegBytes(5000)); r.Status != 409 {
			t.Errorf("a file for a %s case = %d %s, want 409", name, r.Status, r.Body)
		}
		if r := s.call("POST", "/api/v1/records/"+rid+"/uploads", f.tok, map[string]any{"content_type": "image/jpeg", "size": 5000}); r.Status != 409 {
			t.Errorf("an upload started for a %s case = %d %s, want 409", name, r.Status, r.Body)
		}
	}
	if r := s.call("POST", "/api/v1/uploads/"+up["upload_id"].(string)+"/complete", f.tok, nil); r.Status != 409 {
		t.Errorf("completing, after the case closed, an upload begun before = %d %s, want 409", r.Status, r.Body)
	}
	if n := len(s.call("GET", "/api/v1/cases/"+closed, f.tok, nil).JSON()["media"].([]any)); n != 0 {
		t.Errorf("the closed case holds %d files, want 0", n)
	}
}

// TestDecisionAmountsAndOutcomes: what a decision may carry, and when an outcome may be
// recorded against it.
func TestDecisionAmountsAndOutcomes(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.notifiedCase(f)
	noPenalty := func(k string, v any) map[string]any {
		return map[string]any{"outcome": "no_penalty", "text": "不予行政处罚", k: v}
	}
	for _, c := range []struct {
		name  string
		d     map[string]any
		field string
	}{
		{"no penalty with a fine", noPenalty("fine_amount", 1), "decision.outcome"},
		{"no penalty with a confiscation", noPenalty("confiscation_amount", 1), "decision.outcome"},
		{"no penalty revoking a licence", noPenalty("license_revoked", true), "decision.outcome"},
		{"no penalty suspending business", noPenalty("business_suspended", true), "decision.outcome"},
		{"a negative fine", fineFen(-1), "decision.fine_amount"},
		{"a negative confiscation", fineFen(500_00, with("confiscation_amount", -1)), "decision.confiscation_amount"},
	} {
		if r := s.move(f.tok, id, decideMove(c.d)); r.Status != 422 || r.ErrorField() != c.field {
			t.Errorf("deciding %s = %d %s, want 422 naming %s", c.name, r.Status, r.Body, c.field)
		}
		if r := s.call("POST", "/api/v1/cases/"+id+"/decision-check", f.tok, map[string]any{"decision": c.d}); r.Status != 422 || r.ErrorField() != c.field {
			t.Errorf("checking %s = %d %s, want 422 naming %s", c.name, r.Status, r.Body, c.field)
		}
	}
	admin := s.login("admin")
	for _, field := range []string{"fine_person_min", "fine_org_min", "confiscation_min"} {
		c := map[string]any{"fine_person_min": 2_000_000, "fine_org_min": 5_000_000, "confiscation_min": 3_000_000, "review_days": 3, field: -100}
		if r := s.call("PUT", "/api/v1/agencies/"+f.agency+"/major-criteria", admin, c); r.Status != 422 || r.ErrorField() != field {
			t.Errorf("a negative %s = %d %s, want 422 naming it", field, r.Status, r.Body)
		}
	}

	outcome := func(decidedAt string) response {
		return s.call("POST", "/api/v1/cases/"+id+"/outcomes", f.tok, map[string]any{"type": "reconsideration", "result": "upheld", "decided_at": decidedAt})
	}
	if r := outcome(time.Now().Format(time.RFC3339)); r.Status != 409 {
		t.Errorf("an outcome before the case is decided = %d %s, want 409", r.Status, r.Body)
	}
	s.walkCase(f.tok, id, decideMove(fineFen(500_00)))
	// Dates are counted from the decision as the server stored it, so midnight cannot
	// come between them.
	decidedAt, err := time.Parse(time.RFC3339Nano, s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["decided_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	day := decidedAt.In(cstZone)
	dayStart := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, cstZone)
	if r := outcome(dayStart.Add(-time.Second).Format(time.RFC3339)); r.Status != 422 || r.ErrorField() != "decided_at" ||
		!strings.Contains(r.ErrorMessage(), day.Format(time.DateOnly)) {
		t.Errorf("an outcome dated the evening before the decision = %d %s, want 422 naming decided_at and %s", r.Status, r.Body, day.Format(time.DateOnly))
	}
	if r := outcome(decidedAt.Add(48 * time.Hour).Format(time.RFC3339)); r.Status != 422 || r.ErrorField() != "decided_at" {
		t.Errorf("an outcome dated two days ahead = %d %s, want 422 naming decided_at", r.Status, r.Body)
	}
	if r := outcome(dayStart.Format(time.RFC3339)); r.Status != 201 {
		t.Errorf("an outcome dated the decision's own day = %d %s, want 201", r.Status, r.Body)
	}
	if n := len(s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["outcomes"].([]any)); n != 1 {
		t.Errorf("the case holds %d outcomes, want the one accepted", n)
	}
}

// TestHearingReviewAndServiceClocks takes a case through a hearing and legal review on
// a calendar the test sets, and checks every deadline to the day.
func TestHearingReviewAndServiceClocks(t *testing.T) {
	s := start(t)
	f := fixture(s)
	s.setCriteria(f.agency, nil) // 3 working days to review
	// Working days from today: +3 +4 +6 +10 +11 +12 +13 +17; every other day is off.
	w := s.workingDays(3, 4, 6, 10, 11, 12, 13, 17)
	id := s.notifiedCase(f)
	clocks := func() map[string]any {
		return s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["clocks"].(map[string]any)
	}
	// Art. 64: a hearing is asked for within 5 working days of the notice and noticed 7 ahead.
	if k := clocks(); k["hearing_request_by"] != w[4] || k["hearing_earliest"] != w[6] {
		t.Errorf("hearing clocks = request by %v, earliest %v; want %s (5th working day) and %s (7th)", k["hearing_request_by"], k["hearing_earliest"], w[4], w[6])
	}
	hearingOn := func(day string) string { return day + "T09:00:00+08:00" }
	prev, _ := time.Parse(time.DateOnly, w[6])
	if r := s.move(f.tok, id, map[string]any{"to": "hearing", "hearing_at": hearingOn(prev.AddDate(0, 0, -1).Format(time.DateOnly))}); r.Status != 422 ||
		r.ErrorField() != "hearing_at" || !strings.Contains(r.ErrorMessage(), w[6]) {
		t.Errorf("a hearing the day before the 7th working day = %d %s, want 422 naming hearing_at and %s", r.Status, r.Body, w[6])
	}
	s.walkCase(f.tok, id, map[string]any{"to": "hearing", "hearing_at": hearingOn(w[6])})
	// A hearing makes even a small fine major.
	small := fineFen(500_00, with("hearing_held", true))
	if r := s.move(f.tok, id, decideMove(small)); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "经过听证程序") {
		t.Errorf("deciding after a hearing unreviewed = %d %s, want 409 naming the hearing", r.Status, r.Body)
	}
	// Review: due 3 working days on; extended once by 3 more.
	r1 := s.submitReview(f.tok, id, small)
	if r1["due_at"] != w[2] || r1["from_state"] != "hearing" {
		t.Errorf("review due %v from %v, want %s (3rd working day) from hearing", r1["due_at"], r1["from_state"], w[2])
	}
	rid := r1["id"].(string)
	if r := s.call("POST", "/api/v1/reviews/"+rid+"/extend", s.login("reviewer1"), map[string]any{"reason": "需补充听证笔录"}); r.Status != 200 || r.JSON()["due_at"] != w[5] {
		t.Errorf("extended review = %d due %v, want %s (3 working days after %s)", r.Status, r.JSON()["due_at"], w[5], w[2])
	}
	// Rejected: back to the hearing, where it was submitted from.
	s.concludeReview(rid, "rejected")
	if st := s.caseState(f.tok, id); st != "hearing" {
		t.Errorf("after the rejection the case is %v, want hearing", st)
	}
	s.concludeReview(s.submitReview(f.tok, id, small)["id"].(string), "approved")
	s.walkCase(f.tok, id, decideMove(small))
	// Art. 61: served within 7 working days of the decision.
	if k := clocks(); k["serve_by"] != w[6] {
		t.Errorf("serve by %v, want %s (7th working day)", k["serve_by"], w[6])
	}
	s.walkCase(f.tok, id, moveTo("served"))
}

// TestRevokedDecisionIsNotPublished: a decision revoked before it was published must
// come down, not go up.
func TestRevokedDecisionIsNotPublished(t *testing.T) {
	s := start(t)
	f := fixture(s)
	w := s.workingDays(3, 5, 6, 7, 10, 11, 12, 13)
	id := s.decidedCase(f)
	decidedAt := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["decided_at"].(string)
	item := func() map[string]any {
		l := items(s.call("GET", "/api/v1/disclosures?case_id="+id, f.tok, nil))
		if len(l) != 1 {
			t.Fatalf("the case has %d disclosure items, want 1", len(l))
		}
		return l[0]
	}
	if d := item(); d["state"] != "due" || d["due_at"] != w[6] {
		t.Fatalf("item = %v due %v, want due on %s (7th working day)", d["state"], d["due_at"], w[6])
	}
	// A court revokes the decision the day it was made.
	if r := s.call("POST", "/api/v1/cases/"+id+"/outcomes", f.tok, map[string]any{"type": "litigation", "result": "revoked",
		"decided_at": decidedAt}); r.Status != 201 {
		t.Fatalf("outcome = %d %s", r.Status, r.Body)
	}
	d := item()
	did := d["id"].(string)
	if d["withdraw_due_at"] != w[2] || d["withdraw_cause"] != "行政诉讼撤销" || d["overdue"] != false {
		t.Errorf("revoked item: withdrawal due %v, cause %v, overdue %v; want %s (3rd working day), 行政诉讼撤销, false",
			d["withdraw_due_at"], d["withdraw_cause"], d["overdue"], w[2])
	}
	listed := func(state string) bool {
		for _, it := range items(s.call("GET", "/api/v1/disclosures?page_size=200&state="+state+"&case_id="+id, f.tok, nil)) {
			if it["id"] == did {
				return true
			}
		}
		return false
	}
	if !listed("withdrawal_due") || listed("due") || listed("overdue") {
		t.Errorf("revoked item listed as withdrawal_due %v, due %v, overdue %v; want only withdrawal_due",
			listed("withdrawal_due"), listed("due"), listed("overdue"))
	}
	if r := s.call("POST", "/api/v1/disclosures/"+did+"/publish", f.tok, nil); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "行政诉讼撤销") {
		t.Errorf("publishing a revoked decision = %d %s, want 409 naming the revocation", r.Status, r.Body)
	}
	if r := s.public("/public/api/decisions/" + did); r.Status != http.StatusNotFound {
		t.Errorf("the portal shows the revoked decision: %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/disclosures/"+did+"/withdraw", f.tok, map[string]any{"reason": "该决定已被人民法院判决撤销"}); r.Status != 200 || r.JSON()["state"] != "withdrawn" {
		t.Errorf("withdraw = %d %s", r.Status, r.Body)
	}
	if listed("withdrawal_due") {
		t.Error("a withdrawn item is still listed as due for withdrawal")
	}
}
