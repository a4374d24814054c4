package enforcement

import "testing"

func TestDisclosureDeadlines(t *testing.T) {
	c := cal2026()
	d := Disclosure{State: "due", StartOn: MustDate(2026, 9, 30), DueDays: 7}
	d.Settle(c, MustDate(2026, 10, 15))
	if d.DueAt != MustDate(2026, 10, 15) || d.Overdue {
		t.Errorf("decided before National Day: due %s, overdue %v", d.DueAt, d.Overdue)
	}
	d.Settle(c, MustDate(2026, 10, 16))
	if !d.Overdue {
		t.Error("not overdue the day after")
	}
	// A revocation on Friday 9 October: three working days, the make-up Saturday counting.
	w := MustDate(2026, 10, 9)
	d.State, d.WithdrawFrom = "published", &w
	d.Settle(c, MustDate(2026, 10, 13))
	if d.WithdrawDueAt == nil || *d.WithdrawDueAt != MustDate(2026, 10, 13) || d.WithdrawLate {
		t.Errorf("withdrawal due %v, late %v", d.WithdrawDueAt, d.WithdrawLate)
	}
	d.Settle(c, MustDate(2026, 10, 14))
	if !d.WithdrawLate {
		t.Error("withdrawal not late the day after")
	}
	// Revoked before it was ever published: due to come down by the same three working
	// days, and not late in going up, however long past its publication deadline.
	never := Disclosure{State: "due", StartOn: MustDate(2026, 9, 30), DueDays: 7, WithdrawFrom: &w}
	never.Settle(c, MustDate(2026, 10, 20))
	if never.Overdue || never.WithdrawDueAt == nil || *never.WithdrawDueAt != MustDate(2026, 10, 13) || !never.WithdrawLate {
		t.Errorf("revoked, never published: overdue %v, withdrawal due %v (late %v); want not overdue, due 2026-10-13, late",
			never.Overdue, never.WithdrawDueAt, never.WithdrawLate)
	}
	p := DisclosurePolicy{DisplayMonths: 36, DisplayMonthsMinor: 3}
	if got := p.DisplayUntil(MustDate(2026, 11, 20), false); got != MustDate(2029, 11, 20) {
		t.Errorf("display until %s", got)
	}
	if got := p.DisplayUntil(MustDate(2026, 11, 30), true); got != MustDate(2027, 3, 2) {
		t.Errorf("minor display until %s", got)
	}
	until := MustDate(2027, 3, 2)
	d = Disclosure{State: "published", DisplayUntil: &until}
	d.Settle(c, MustDate(2027, 3, 3))
	if d.PublicState() != "expired" {
		t.Errorf("public state after the period = %s", d.PublicState())
	}
}

func TestMinorPenalty(t *testing.T) {
	person := &Case{Parties: []Party{{Type: "person"}}}
	org := &Case{Parties: []Party{{Type: "org"}}}
	for _, c := range []struct {
		c    *Case
		d    Decision
		want bool
	}{
		{person, Decision{Outcome: "penalty", FineAmount: 200_00}, true},
		{person, Decision{Outcome: "penalty", FineAmount: 201_00}, false},
		{org, Decision{Outcome: "penalty", FineAmount: 3_000_00}, true},
		{org, Decision{Outcome: "penalty", FineAmount: 100_00, LicenseRevoked: true}, false},
		{person, Decision{Outcome: "no_penalty"}, false},
	} {
		if got := minorPenalty(c.c, &c.d); got != c.want {
			t.Errorf("%+v for %s: minor %v", c.d, c.c.Parties[0].Type, got)
		}
	}
}
