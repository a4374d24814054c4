package app

import (
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"zhifa/enforcement"
)

// seedDisclosures gives every demo decision that has no disclosure item one, published
// or not as a county's record would show: most on time, some late, some still due or
// overdue, a few withdrawn after reconsideration, minor penalties past their three months.
func (a *App) seedDisclosures(ctx context.Context, out io.Writer, now time.Time) error {
	rows, err := a.db.Query(ctx, `SELECT c.id, c.decided_at FROM cases c
		WHERE c.decided_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM disclosures d WHERE d.case_id = c.id)`)
	if err != nil {
		return err
	}
	type decided struct {
		id uuid.UUID
		at time.Time
	}
	var todo []decided
	for rows.Next() {
		var d decided
		if err := rows.Scan(&d.id, &d.at); err != nil {
			rows.Close()
			return err
		}
		todo = append(todo, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(todo) == 0 {
		return err
	}
	cal, err := a.enforcement.Store.Calendar(ctx)
	if err != nil {
		return err
	}
	policy := a.enforcement.Disclosure
	today := enforcement.DateOf(now)
	var items []enforcement.Disclosure
	counts := map[string]int{}
	for _, t := range todo {
		c, err := a.enforcement.Store.FindCase(ctx, t.id)
		if err != nil {
			return err
		}
		d := enforcement.DecisionDisclosure(&c, t.at)
		roll := md5.Sum(t.id[:])
		due := cal.AddWorkingDays(d.StartOn, d.DueDays)
		var publishOn enforcement.Date
		switch n := int(roll[0]) % 100; {
		case n < 8: // never published: due, or overdue once its date has passed
		case n < 20:
			publishOn = cal.AddWorkingDays(due, 1+int(roll[1])%6) // late
		default:
			publishOn = cal.AddWorkingDays(d.StartOn, 1+int(roll[1])%d.DueDays) // on time
		}
		if publishOn != (enforcement.Date{}) && !publishOn.After(today) {
			at := publishOn.StartIn().Add(10 * time.Hour)
			if at.After(now) { // published today, before ten: a seed run early in the day has no future
				at = now.Add(-time.Minute)
			}
			until := policy.DisplayUntil(publishOn, d.Minor)
			d.State, d.PublishedAt, d.DisplayUntil = "published", &at, &until
			if roll[2]%20 == 0 {
				w := at.Add(20 * 24 * time.Hour)
				if w.Before(now) {
					d.State, d.WithdrawnAt, d.WithdrawReason = "withdrawn", &w, "该处罚决定经行政复议被撤销"
				}
			}
		}
		d.Settle(cal, today)
		switch {
		case d.State == "withdrawn":
			counts["withdrawn"]++
		case d.Expired:
			counts["expired"]++
		case d.State == "published":
			counts["published"]++
		case d.Overdue:
			counts["overdue"]++
		default:
			counts["due"]++
		}
		items = append(items, d)
	}
	if err := a.enforcement.Store.ImportDisclosures(ctx, items); err != nil {
		return err
	}
	fmt.Fprintf(out, "演示公示已载入：%d 项（公示中 %d，待公示 %d，逾期未公示 %d，已撤回 %d，公示期满 %d）\n", len(items),
		counts["published"], counts["due"], counts["overdue"], counts["withdrawn"], counts["expired"])
	return nil
}
