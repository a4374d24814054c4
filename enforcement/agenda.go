package enforcement

import (
	"context"
	"slices"
	"strings"
)

// AgendaItem is one thing an officer must act on soon: a step of one of their cases whose
// deadline falls within the horizon or has passed, or a review round sent back to them.
type AgendaItem struct {
	CaseID string `json:"case_id"`
	Number string `json:"case_number"`
	Cause  string `json:"cause"`
	Step   Step   `json:"step"`
}

// Agenda lists, for an officer, the steps of the open cases they handle that are due
// within horizon working days (or late), and the review rounds returned or rejected
// that wait for them, the most pressing first.
func (s *Service) Agenda(ctx context.Context, a Actor, horizon int) ([]AgendaItem, error) {
	if a.OfficerID == nil {
		return nil, nil
	}
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	today := DateOf(now)
	limit := cal.AddWorkingDays(today, horizon)
	out := []AgendaItem{}
	for p := 1; ; p++ {
		l, err := s.Store.ListCases(ctx, CaseFilter{Scope: a.Scope(), OfficerID: a.OfficerID, Open: true, Page: Page{Number: p, Size: 200}})
		if err != nil {
			return nil, err
		}
		for _, c := range l.Items {
			facts := StepFacts{Calendar: cal, Today: today}
			if c.State == Decided && s.Store.timeline != nil { // a decision served has no service deadline left
				d, err := s.Store.timeline.DocumentFacts(ctx, s.Store.db, c.ID)
				if err != nil {
					return nil, err
				}
				facts.Docs = &d
				c.DecisionServed = d.ServedAt
			}
			if c.State == Review || c.State == Notified || c.State == Hearing {
				rs, err := s.Store.CaseReviews(ctx, c.ID)
				if err != nil {
					return nil, err
				}
				if n := len(rs); n > 0 {
					rs[n-1].settle(today)
					facts.Review = &rs[n-1]
					if st := rs[n-1].State; (st == ReviewReturned || st == ReviewRejected) && c.State != Review {
						out = append(out, AgendaItem{CaseID: c.ID.String(), Number: c.Number, Cause: c.Cause,
							Step: Step{Kind: "returned", Text: "法制审核" + st.Label() + "：" + firstLine(rs[n-1].Opinion), Blocker: true}})
					}
				}
			}
			for _, st := range c.NextSteps(c.Clocks(cal, now), facts) {
				if !st.Due.IsZero() && !st.Due.After(limit) {
					out = append(out, AgendaItem{CaseID: c.ID.String(), Number: c.Number, Cause: c.Cause, Step: st})
				}
			}
		}
		if p*200 >= l.Total {
			break
		}
	}
	// Late first, then by date; returned reviews, which have no date, lead.
	slices.SortStableFunc(out, func(x, y AgendaItem) int {
		switch {
		case x.Step.Due.IsZero() != y.Step.Due.IsZero():
			if x.Step.Due.IsZero() {
				return -1
			}
			return 1
		case x.Step.Due.Before(y.Step.Due):
			return -1
		case y.Step.Due.Before(x.Step.Due):
			return 1
		}
		return 0
	})
	return out, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}
