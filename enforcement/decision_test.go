package enforcement

import (
	"slices"
	"strings"
	"testing"
	"time"

	"zhifa/fault"
)

// crit is a catalogue whose three amounts differ (2万 a person, 5万 an organisation, 3万
// confiscated), so that a rule reading the wrong one shows.
func crit() MajorCriteria {
	return MajorCriteria{FinePersonMin: 2_000_000, FineOrgMin: 5_000_000, ConfiscationMin: 3_000_000, LicenseRevocation: true,
		BusinessSuspension: true, Hearing: true, PublicInterest: true, Complex: true, ExtraKinds: []string{"涉及校园周边"}, ReviewDays: 5}
}

func TestMajorReasons(t *testing.T) {
	person := Case{Parties: []Party{{Type: "person"}}}
	org := Case{Parties: []Party{{Type: "org"}}}
	heard := Case{Parties: []Party{{Type: "person"}}, HearingAt: new(time.Time)}
	public := Case{Parties: []Party{{Type: "person"}}, PublicInterest: true}
	complexCase := Case{Parties: []Party{{Type: "person"}}, Complex: true}
	kinds := Case{Parties: []Party{{Type: "person"}}, MajorKinds: []string{"涉及校园周边"}}
	fine := func(fen int64) Decision { return Decision{Outcome: "penalty", FineAmount: fen, Text: "x"} }
	with := func(f func(*Decision)) Decision { d := fine(500_00); f(&d); return d }
	off := func(f func(*MajorCriteria)) MajorCriteria { m := crit(); f(&m); return m }
	tests := []struct {
		name string
		m    MajorCriteria
		c    Case
		d    Decision
		want []string
	}{
		{"a person's fine 1 fen below 2万", crit(), person, fine(1_999_999), nil},
		{"a person's fine at 2万", crit(), person, fine(2_000_000), []string{"对自然人罚款 20000 元，达到 20000 元的标准"}},
		{"an organisation's fine at the person's 2万", crit(), org, fine(2_000_000), nil},
		{"an organisation's fine 1 fen below 5万", crit(), org, fine(4_999_999), nil},
		{"an organisation's fine at 5万", crit(), org, fine(5_000_000), []string{"对单位罚款 50000 元，达到 50000 元的标准"}},
		{"confiscation 1 fen below 3万", crit(), person, with(func(d *Decision) { d.ConfiscationAmount = 2_999_999 }), nil},
		{"confiscation at 3万", crit(), person, with(func(d *Decision) { d.ConfiscationAmount = 3_000_000 }),
			[]string{"没收违法所得或非法财物 30000 元，达到 30000 元的标准"}},
		{"licence revoked", crit(), org, with(func(d *Decision) { d.LicenseRevoked = true }), []string{"吊销许可证件"}},
		{"licence revoked, not in the catalogue", off(func(m *MajorCriteria) { m.LicenseRevocation = false }), org,
			with(func(d *Decision) { d.LicenseRevoked = true }), nil},
		{"business suspended", crit(), org, with(func(d *Decision) { d.BusinessSuspended = true }), []string{"责令停产停业"}},
		{"business suspended, not in the catalogue", off(func(m *MajorCriteria) { m.BusinessSuspension = false }), org,
			with(func(d *Decision) { d.BusinessSuspended = true }), nil},
		{"a case that went through a hearing", crit(), heard, fine(500_00), []string{"经过听证程序"}},
		{"a draft saying a hearing was held", crit(), person, with(func(d *Decision) { d.HearingHeld = true }), []string{"经过听证程序"}},
		{"a hearing, not in the catalogue", off(func(m *MajorCriteria) { m.Hearing = false }), heard, fine(500_00), nil},
		{"major public interest", crit(), public, fine(500_00), []string{"涉及重大公共利益"}},
		{"public interest, not in the catalogue", off(func(m *MajorCriteria) { m.PublicInterest = false }), public, fine(500_00), nil},
		{"complex", crit(), complexCase, fine(500_00), []string{"案件情况疑难复杂、涉及多个法律关系"}},
		{"complex, not in the catalogue", off(func(m *MajorCriteria) { m.Complex = false }), complexCase, fine(500_00), nil},
		{"the agency's own kind", crit(), kinds, fine(500_00), []string{"涉及校园周边"}},
		{"a kind the catalogue dropped", off(func(m *MajorCriteria) { m.ExtraKinds = []string{} }), kinds, fine(500_00), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.m.Reasons(&tt.c, tt.d)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("Reasons = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestApprovalCovers(t *testing.T) {
	approved := Decision{Outcome: "penalty", FineAmount: 2_000_000, ConfiscationAmount: 3_000_000, LicenseRevoked: true, Text: "x"}
	change := func(f func(*Decision)) Decision { d := approved; f(&d); return d }
	tests := []struct {
		name string
		d    Decision
		why  string // empty: still covered
	}{
		{"the same decision", approved, ""},
		{"lower amounts, other wording", change(func(d *Decision) { d.FineAmount, d.ConfiscationAmount, d.Text = 1_999_999, 0, "y" }), ""},
		{"without the revocation", change(func(d *Decision) { d.LicenseRevoked = false }), ""},
		{"another outcome", change(func(d *Decision) { d.Outcome = "other" }), "决定结果与审核通过的不同"},
		{"a higher fine", change(func(d *Decision) { d.FineAmount = 2_000_001 }), "罚款 20000.01 元 高于审核通过的 20000 元"},
		{"a higher confiscation", change(func(d *Decision) { d.ConfiscationAmount = 3_000_001 }), "没收金额 30000.01 元 高于审核通过的 30000 元"},
		{"a suspension added", change(func(d *Decision) { d.BusinessSuspended = true }), "增加了责令停产停业"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, why := approved.Covers(tt.d)
			if ok != (tt.why == "") || why != tt.why {
				t.Errorf("Covers = %v %q, want %v %q", ok, why, tt.why == "", tt.why)
			}
		})
	}
	// Revocation added to an approval without it.
	plain := change(func(d *Decision) { d.LicenseRevoked = false })
	if ok, why := plain.Covers(approved); ok || why != "增加了吊销许可证件" {
		t.Errorf("revocation added: Covers = %v %q, want false 增加了吊销许可证件", ok, why)
	}
}

func TestDecisionValidate(t *testing.T) {
	noPenalty := func(f func(*Decision)) Decision {
		d := Decision{Outcome: "no_penalty", Text: "不予处罚"}
		f(&d)
		return d
	}
	tests := []struct {
		name  string
		d     Decision
		field string
	}{
		{"no penalty, nothing else", noPenalty(func(*Decision) {}), ""},
		{"no penalty with a fine", noPenalty(func(d *Decision) { d.FineAmount = 1 }), "decision.outcome"},
		{"no penalty with a confiscation", noPenalty(func(d *Decision) { d.ConfiscationAmount = 1 }), "decision.outcome"},
		{"no penalty revoking a licence", noPenalty(func(d *Decision) { d.LicenseRevoked = true }), "decision.outcome"},
		{"no penalty suspending business", noPenalty(func(d *Decision) { d.BusinessSuspended = true }), "decision.outcome"},
		{"a negative fine", Decision{Outcome: "penalty", FineAmount: -1, Text: "x"}, "decision.fine_amount"},
		{"a negative confiscation", Decision{Outcome: "penalty", ConfiscationAmount: -1, Text: "x"}, "decision.confiscation_amount"},
		{"an unknown outcome", Decision{Outcome: "fine", Text: "x"}, "decision.outcome"},
		{"no text", Decision{Outcome: "penalty", FineAmount: 1, Text: " "}, "decision.text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.d.Validate()
			if got := fieldOf(err); got != tt.field || (tt.field != "" && !fault.Is(err, fault.Invalid)) {
				t.Errorf("Validate = %v, want field %q", err, tt.field)
			}
		})
	}
	for _, f := range []string{"fine_person_min", "fine_org_min", "confiscation_min"} {
		m := crit()
		switch f {
		case "fine_person_min":
			m.FinePersonMin = -1
		case "fine_org_min":
			m.FineOrgMin = -1
		case "confiscation_min":
			m.ConfiscationMin = -1
		}
		if err := m.Validate(); fieldOf(err) != f {
			t.Errorf("catalogue with a negative %s: %v, want 422 naming it", f, err)
		}
	}
}

func TestCheckOutcome(t *testing.T) {
	now := at(2026, 12, 10, 15)
	decided := at(2026, 12, 2, 10) // a Wednesday, 10:00 in Shanghai
	ok := OutcomeInput{Type: "litigation", Result: "revoked", DecidedAt: at(2026, 12, 9, 9)}
	change := func(f func(*OutcomeInput)) OutcomeInput { in := ok; f(&in); return in }
	tests := []struct {
		name    string
		decided *time.Time
		in      OutcomeInput
		kind    fault.Kind // empty: accepted
		field   string
	}{
		{"after the decision", &decided, ok, "", ""},
		{"the decision's own day, earlier in it", &decided, change(func(in *OutcomeInput) { in.DecidedAt = at(2026, 12, 2, 0) }), "", ""},
		{"the day before the decision", &decided, change(func(in *OutcomeInput) { in.DecidedAt = at(2026, 12, 1, 23) }), fault.Invalid, "decided_at"},
		// 2 December 00:30 in Shanghai is still 1 December in UTC: the day is Shanghai's.
		{"just past midnight in Shanghai", &decided, change(func(in *OutcomeInput) {
			in.DecidedAt = time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC)
		}), "", ""},
		{"before the case is decided", nil, ok, fault.Conflict, ""},
		{"in the future", &decided, change(func(in *OutcomeInput) { in.DecidedAt = now.Add(2 * time.Hour) }), fault.Invalid, "decided_at"},
		{"without a date", &decided, change(func(in *OutcomeInput) { in.DecidedAt = time.Time{} }), fault.Invalid, "decided_at"},
		{"an unknown type", &decided, change(func(in *OutcomeInput) { in.Type = "appeal" }), fault.Invalid, "type"},
		{"an unknown result", &decided, change(func(in *OutcomeInput) { in.Result = "won" }), fault.Invalid, "result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Case{State: Decided, DecidedAt: tt.decided}
			err := c.CheckOutcome(tt.in, now)
			if tt.kind == "" {
				if err != nil {
					t.Fatalf("CheckOutcome = %v, want accepted", err)
				}
				return
			}
			if !fault.Is(err, tt.kind) || fieldOf(err) != tt.field {
				t.Errorf("CheckOutcome = %v, want %s naming %q", err, tt.kind, tt.field)
			}
			if tt.field == "decided_at" && tt.decided != nil && !tt.in.DecidedAt.IsZero() && tt.in.DecidedAt.Before(now) &&
				!strings.Contains(err.Error(), "2026-12-02") {
				t.Errorf("the refusal %q does not name the decision's day 2026-12-02", err)
			}
		})
	}
}
