package inspection_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/app/testenv"
	"zhifa/enforcement"
	"zhifa/inspection"
)

// BenchmarkVerifyCode answers what a firm's scan asks (the signature, then the check as it
// stands: state, officers, matters, window) over 10^6 checks (target < 5 ms a code), beside
// the baseline of one lookup of a check by its primary key in the same run.
func BenchmarkVerifyCode(b *testing.B) {
	ctx := context.Background()
	db, err := pgxpool.New(ctx, testenv.Database(b, ""))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	start := time.Now()
	user := benchRegister(b, db, 100000)
	for _, q := range []string{
		`INSERT INTO inspection_checks (id, origin, agency_id, matter_ids, target_code, inspector_ids, drawn_on, state, reason, planned_on, due_on, requested_by, requested_at)
			SELECT gen_random_uuid(), 'request', ags.id, ARRAY[ags.matter], '91360799' || lpad((i % 100000 + 1)::text, 10, '0'),
				ags.officers[1 + i % 200 : 2 + i % 200], current_date, 'assigned', 'complaint', current_date, current_date + 14, '` + user.String() + `', now()
			FROM generate_series(1, 1000000) i JOIN ags ON ags.n = i % 20`,
		`ANALYZE`,
	} {
		if _, err := db.Exec(ctx, q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	b.Logf("10^6 checks loaded in %s", time.Since(start).Round(time.Second))
	cases := enforcement.NewService(enforcement.NewStore(db))
	svc := inspection.NewService(inspection.NewStore(db), cases, nil)
	_, svc.CodeKey, _ = ed25519.GenerateKey(nil)
	// Codes of 1,000 checks spread over the table, signed as CheckCode signs them.
	rows, _ := db.Query(ctx, `SELECT id FROM inspection_checks TABLESAMPLE SYSTEM (1) LIMIT 1000`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil || len(ids) == 0 {
		b.Fatalf("%d checks sampled: %v", len(ids), err)
	}
	officer := enforcement.Actor{UserID: user, Roles: []enforcement.Role{enforcement.RoleSupervisor, enforcement.RoleAdmin}, RegionCode: "360799"}
	var codes []string
	for _, id := range ids {
		var off uuid.UUID
		if err := db.QueryRow(ctx, `SELECT inspector_ids[1] FROM inspection_checks WHERE id = $1`, id).Scan(&off); err != nil {
			b.Fatal(err)
		}
		a := officer
		a.OfficerID = &off
		c, err := svc.CheckCode(ctx, a, id)
		if err != nil {
			b.Fatal(err)
		}
		codes = append(codes, c.Code)
	}
	verify, verifyP99 := timedRuns(func(i int) {
		p, err := svc.VerifyPublic(ctx, codes[i%len(codes)])
		if err != nil || p.Verdict != "valid" {
			b.Fatalf("verdict %s, %v", p.Verdict, err)
		}
	})
	lookup, lookupP99 := timedRuns(func(i int) {
		var state string
		if err := db.QueryRow(ctx, `SELECT state FROM inspection_checks WHERE id = $1`, ids[i%len(ids)]).Scan(&state); err != nil {
			b.Fatal(err)
		}
	})
	b.Logf("verify a code over 10^6 checks: mean %.2f ms, p99 %.2f ms (target < 5 ms); one primary-key lookup: mean %.2f ms, p99 %.2f ms; ratio of means %.1f",
		ms(verify), ms(verifyP99), ms(lookup), ms(lookupP99), float64(verify)/float64(lookup))
	for i := 0; b.Loop(); i++ {
		if _, err := svc.VerifyPublic(ctx, codes[i%len(codes)]); err != nil {
			b.Fatal(err)
		}
	}
}

// benchRegister loads what the inspection benchmarks share: 20 agencies with a matter
// each, 4,000 officers spread over them, one user, firms targets, and the temporary table
// ags (n, id, matter, officers) that spreads checks over the agencies. It returns the user.
func benchRegister(b *testing.B, db *pgxpool.Pool, firms int) uuid.UUID {
	b.Helper()
	user := uuid.New()
	for _, q := range []string{
		`INSERT INTO agencies (name, short_name, code, region_code, kind)
			SELECT '局' || i, '局' || i, '11360799' || lpad(i::text, 10, '0'), '360799', 'department' FROM generate_series(1, 20) i`,
		`INSERT INTO users (id, username, password_hash, name, roles, agency_id) SELECT '` + user.String() + `', 'o', 'x', '甲', '{officer}', id FROM agencies LIMIT 1`,
		`INSERT INTO officers (agency_id, name, cert_no, cert_valid_until, status)
			SELECT (SELECT id FROM agencies ORDER BY name OFFSET i % 20 LIMIT 1), '执法员' || i, 'C' || i, current_date + 3650, 'active' FROM generate_series(1, 4000) i`,
		`INSERT INTO inspection_matters (id, agency_id, name, legal_basis, method, target_type, created_by)
			SELECT gen_random_uuid(), id, '事项', '依据', '现场检查', '企业', '` + user.String() + `' FROM agencies`,
		fmt.Sprintf(`INSERT INTO inspection_targets (code, name, type, region_code, risk)
			SELECT '91360799' || lpad(i::text, 10, '0'), '对象' || i, '企业', '360799', 'B' FROM generate_series(1, %d) i`, firms),
		`CREATE TEMP TABLE ags AS SELECT row_number() OVER (ORDER BY a.name) - 1 AS n, a.id, m.id AS matter,
			(SELECT array_agg(o.id ORDER BY o.cert_no) FROM officers o WHERE o.agency_id = a.id) AS officers
			FROM agencies a JOIN inspection_matters m ON m.agency_id = a.id`,
	} {
		if _, err := db.Exec(context.Background(), q); err != nil {
			b.Fatalf("%v\n%s", err, q)
		}
	}
	return user
}

// timedRuns runs f 2,000 times and gives the mean and the 99th percentile.
func timedRuns(f func(i int)) (mean, p99 time.Duration) {
	var ds []time.Duration
	for i := range 2000 {
		t := time.Now()
		f(i)
		ds = append(ds, time.Since(t))
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds)), ds[len(ds)*99/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
