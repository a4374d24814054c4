package audit_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/app/testenv"
	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/evidence"
)

// The incremental computation of alerts finds exactly what a full one finds: over weeks
// of cases filed (some backdated), decided with ordinary and outsized fines, served,
// disclosures published, days passing none, one, several or months at a time, and the fines'
// yardsticks measured again on some days, every incremental result is compared with a
// full computation of the same records, which must raise, close and change nothing. A changed working calendar makes the next
// computation a full one.
func TestIncrementalAlertsMatchAFullComputation(t *testing.T) {
	ctx := context.Background()
	db, err := pgxpool.New(ctx, testenv.Database(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	shanghai := time.FixedZone("CST", 8*3600)
	clock := time.Date(2026, 6, 1, 10, 0, 0, 0, shanghai)
	cases := enforcement.NewService(enforcement.NewStore(db))
	cases.Now = func() time.Time { return clock }
	svc := audit.NewService(db, cases, evidence.NewService(evidence.NewStore(db), cases, nil, 0))
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	user := uuid.New()
	exec(`INSERT INTO agencies (name, short_name, code, region_code, kind)
		SELECT '局' || i, '局' || i, '11360799' || lpad(i::text, 10, '0'), '36079' || i, 'department' FROM generate_series(1, 4) i`)
	exec(`INSERT INTO users (id, username, password_hash, name, roles, agency_id) SELECT $1, 'sup', 'x', '监督', '{supervisor}', id FROM agencies LIMIT 1`, user)
	rng := rand.New(rand.NewPCG(7, 21))
	seq := 0
	// file adds cases filed days ago (backdated when the clock has moved on).
	file := func(n int, maxDaysAgo int) {
		for range n {
			seq++
			filed := clock.Add(-time.Duration(rng.IntN(maxDaysAgo*24+1)) * time.Hour)
			exec(`INSERT INTO cases (agency_id, number, kind, cause, legal_basis, state, occurred_at, filed_at, created_by)
				SELECT id, $2, $3, $4, '依据', 'investigating', $5, $5, $6 FROM agencies ORDER BY name OFFSET $1 LIMIT 1`,
				rng.IntN(4), fmt.Sprintf("T%05d", seq), []string{"penalty", "penalty", "coercion", "inspection"}[rng.IntN(4)],
				[]string{"无照经营", "超范围经营", "占道经营"}[rng.IntN(3)], filed, user)
		}
	}
	// decide decides open cases with a fine, now and then an outsized one, and adds
	// their disclosure items, due in 7 or 20 working days.
	decide := func(n int) {
		fine := func() int64 {
			if rng.IntN(15) == 0 {
				return int64(50000+rng.IntN(50000)) * 100
			}
			return int64(500+rng.IntN(4500)) * 100
		}
		rows, _ := db.Query(ctx, `SELECT id FROM cases WHERE state = 'investigating' AND kind <> 'inspection' ORDER BY number LIMIT $1 OFFSET $2`, n, rng.IntN(20))
		ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			at := clock.Add(-time.Duration(rng.IntN(48)) * time.Hour)
			exec(`UPDATE cases SET state = 'decided', decided_at = greatest($2, filed_at), decision = jsonb_build_object('outcome', 'penalty', 'fine_amount', $3::bigint) WHERE id = $1`,
				id, at, fine())
			exec(`INSERT INTO disclosures (id, kind, case_id, agency_id, state, start_on, due_days, minor, title, content, search, decided_on)
				SELECT gen_random_uuid(), 'decision', id, agency_id, 'due', (decided_at AT TIME ZONE 'Asia/Shanghai')::date, $2, false, number, '{}', number,
				(decided_at AT TIME ZONE 'Asia/Shanghai')::date FROM cases WHERE id = $1`, id, []int{7, 20}[rng.IntN(2)])
		}
	}
	// A year of history for the fines' yardsticks, then the open work.
	file(400, 360)
	decide(300)
	file(150, 120)
	sync := func() audit.AlertSync {
		t.Helper()
		res, err := svc.SyncAlerts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	snapshot := func() []string {
		t.Helper()
		rows, _ := db.Query(ctx, `SELECT concat_ws('|', rule, ref_id, region_code, agency_id, title, detail, link, due_on) FROM supervision_alerts
			WHERE closed_at IS NULL ORDER BY 1`)
		out, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if res := sync(); !res.Full || res.Raised == 0 {
		t.Fatalf("the first computation = %+v", res)
	}
	rules := map[string]bool{}
	for step := range 24 {
		switch rng.IntN(4) {
		case 0: // the same day
		case 1:
			clock = clock.Add(24 * time.Hour)
		case 2:
			clock = clock.Add(time.Duration(2+rng.IntN(5)) * 24 * time.Hour)
		default: // weeks or months: fines leave their 90 days, deadlines pass by the hundred
			clock = clock.Add(time.Duration(30+rng.IntN(70)) * 24 * time.Hour)
		}
		file(rng.IntN(15), 100)
		decide(rng.IntN(12))
		exec(`UPDATE cases SET state = 'served', served_at = $1 WHERE id IN (SELECT id FROM cases WHERE state = 'decided' ORDER BY number LIMIT $2)`, clock, rng.IntN(6))
		exec(`UPDATE disclosures SET state = 'published', published_at = $1 WHERE id IN (SELECT id FROM disclosures WHERE state = 'due' ORDER BY title LIMIT $2)`, clock, rng.IntN(6))
		exec(`UPDATE cases SET filed_at = filed_at - interval '30 days' WHERE id IN (SELECT id FROM cases WHERE state = 'investigating' ORDER BY number DESC LIMIT $1)`, rng.IntN(3))
		if rng.IntN(2) == 0 { // the background job's daily measure, some days before the step's computation
			if _, err := svc.MeasureFineYardsticks(ctx); err != nil {
				t.Fatal(err)
			}
		}
		inc := sync()
		if inc.Full {
			t.Fatalf("step %d: computed in full without a reason", step)
		}
		got := snapshot()
		exec(`UPDATE supervision_alert_state SET calendar = ''`) // as after a calendar change: in full
		if full := sync(); !full.Full || full.Raised+full.Closed != 0 {
			t.Errorf("step %d (%s): the full computation raised %d and closed %d after the incremental one", step, clock.Format("2006-01-02"), full.Raised, full.Closed)
		}
		if want := snapshot(); !slices.Equal(got, want) {
			t.Fatalf("step %d: incremental and full alerts differ:\nincremental %d: %s\nfull %d: %s", step, len(got), diff(got, want), len(want), diff(want, got))
		}
		for _, a := range got {
			rules[strings.SplitN(a, "|", 2)[0]] = true
		}
	}
	for _, r := range []string{"decision_overdue", "service_overdue", "disclosure_overdue", "fine_outlier"} {
		if !rules[r] {
			t.Errorf("the records never raised %s; the test does not exercise it", r)
		}
	}
	// A changed calendar moves deadlines: the next computation is a full one.
	exec(`INSERT INTO calendar_days (day, kind, name) VALUES ($1, 'holiday', '测试')`, enforcement.DateOf(clock).AddDays(-3))
	if res := sync(); !res.Full {
		t.Errorf("after a calendar change the computation was incremental")
	}
}

// diff lists what a holds and b does not, a few lines of it.
func diff(a, b []string) string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	if len(out) > 5 {
		out = out[:5]
	}
	return strings.Join(out, "\n  ")
}
