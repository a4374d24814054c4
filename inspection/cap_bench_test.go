package inspection_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/app/testenv"
	"zhifa/enforcement"
	"zhifa/inspection"
)

// BenchmarkCapCheck is the yearly cap's check at a code's first issue over 10^6 firms ×
// 20 agencies (each with an accepted plan) and 2·10^6 checks that showed their code:
// one lookup of the firm's checks of the year in the partial index, beside the baseline of
// one primary-key lookup of a check in the same run.
func BenchmarkCapCheck(b *testing.B) {
	ctx := context.Background()
	db, err := pgxpool.New(ctx, testenv.Database(b, ""))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	start := time.Now()
	user := benchRegister(b, db, 1000000)
	year := time.Now().In(enforcement.Shanghai()).Year()
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO inspection_plans (id, agency_id, year, matter_ids, methods, random_share, yearly_cap, period_from, period_to, state, filing_due, created_by, created_at)
			SELECT gen_random_uuid(), a.id, %d, ARRAY[m.id], '{double_random}', 80, 52, make_date(%d, 1, 1), make_date(%d, 12, 31), 'accepted', make_date(%d, 3, 31), '%s', now()
			FROM agencies a JOIN inspection_matters m ON m.agency_id = a.id`, year, year, year, year, user),
		// Two checks of every firm this year that showed their code, by agencies spread
		// over the 20, on days spread over the year.
		`INSERT INTO inspection_checks (id, origin, agency_id, matter_ids, target_code, inspector_ids, drawn_on, state, reason, planned_on, due_on,
				requested_by, requested_at, code_issued_at)
			SELECT gen_random_uuid(), 'request', ags.id, ARRAY[ags.matter], '91360799' || lpad((i % 1000000 + 1)::text, 10, '0'),
				ags.officers[1 + i % 200 : 2 + i % 200], make_date(` + fmt.Sprint(year) + `, 1, 1) + (i % 330), 'done', 'complaint',
				make_date(` + fmt.Sprint(year) + `, 1, 1) + (i % 330), make_date(` + fmt.Sprint(year) + `, 1, 1) + (i % 330) + 14, '` + user.String() + `', now(), now()
			FROM generate_series(1, 2000000) i JOIN ags ON ags.n = (i * 7 + i / 1000000) % 20`,
		`ANALYZE`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	b.Logf("10^6 firms, 20 agencies' plans and 2·10^6 checks with codes loaded in %s", time.Since(start).Round(time.Second))
	cases := enforcement.NewService(enforcement.NewStore(db))
	svc := inspection.NewService(inspection.NewStore(db), cases, nil)
	// A check about to show its first code, of each of 1,000 firms spread over the register.
	officer := enforcement.Actor{UserID: user, Roles: []enforcement.Role{enforcement.RoleSupervisor, enforcement.RoleAdmin}, RegionCode: "360799"}
	rows, _ := db.Query(ctx, `INSERT INTO inspection_checks (id, origin, agency_id, matter_ids, target_code, inspector_ids, drawn_on, state, reason, planned_on, due_on,
			requested_by, requested_at)
		SELECT gen_random_uuid(), 'request', ags.id, ARRAY[ags.matter], '91360799' || lpad((i * 997 % 1000000 + 1)::text, 10, '0'),
			ags.officers[1:2], current_date, 'assigned', 'high_risk', current_date, current_date + 14, '`+user.String()+`', now()
		FROM generate_series(1, 1000) i JOIN ags ON ags.n = i % 20 RETURNING id`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		b.Fatal(err)
	}
	var checks []inspection.Check
	for _, id := range ids {
		c, err := svc.FindCheck(ctx, officer, id)
		if err != nil {
			b.Fatal(err)
		}
		checks = append(checks, c)
	}
	rows, _ = db.Query(ctx, `EXPLAIN SELECT count(*) FROM inspection_checks k WHERE k.target_code = '913607990000000001'
		AND k.drawn_on BETWEEN make_date(2026, 1, 1) AND make_date(2026, 12, 31) AND k.code_issued_at IS NOT NULL`)
	if plan, err := pgx.CollectRows(rows, pgx.RowTo[string]); err == nil {
		b.Logf("plan:\n%s", strings.Join(plan, "\n"))
	}
	capped, capP99 := timedRuns(func(i int) {
		if err := inspection.CheckCap(svc, ctx, checks[i%len(checks)]); err != nil {
			b.Fatal(err)
		}
	})
	lookup, lookupP99 := timedRuns(func(i int) {
		var state string
		if err := db.QueryRow(ctx, `SELECT state FROM inspection_checks WHERE id = $1`, ids[i%len(ids)]).Scan(&state); err != nil {
			b.Fatal(err)
		}
	})
	b.Logf("cap check at a first code over 10^6 firms × 20 agencies: mean %.2f ms, p99 %.2f ms; one primary-key lookup: mean %.2f ms, p99 %.2f ms; ratio of means %.1f",
		ms(capped), ms(capP99), ms(lookup), ms(lookupP99), float64(capped)/float64(lookup))
	for i := 0; b.Loop(); i++ {
		if err := inspection.CheckCap(svc, ctx, checks[i%len(checks)]); err != nil {
			b.Fatal(err)
		}
	}
}
