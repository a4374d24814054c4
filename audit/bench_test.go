package audit_test

import (
	"context"
	"io"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/app/testenv"
	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/evidence"
)

// reportBench is a province's year: 10^6 cases over 20 agencies (60% decided, some
// withdrawn or transferred), their disclosure items, legal reviews and outcomes, 10^5
// targets and a year's tasks with 10^5 checks, in a database of its own.
func newReportBench(b *testing.B) (*audit.Service, enforcement.Actor) {
	b.Helper()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(testenv.Database(b, ""))
	if err != nil {
		b.Fatal(err)
	}
	db, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	user := uuid.New()
	start := time.Now()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO agencies (name, short_name, code, region_code, kind)
			SELECT '局' || i, '局' || i, '11360799' || lpad(i::text, 10, '0'), '360799', 'department' FROM generate_series(1, 20) i`, nil},
		{`INSERT INTO users (id, username, password_hash, name, roles, agency_id)
			SELECT $1, 'sup', 'x', '监督', '{supervisor}', id FROM agencies LIMIT 1`, []any{user}},
		{`INSERT INTO users (username, password_hash, name, roles, agency_id)
			SELECT 'rev' || i, 'x', '审核' || i, '{reviewer}', (SELECT id FROM agencies ORDER BY name OFFSET i % 20 LIMIT 1) FROM generate_series(1, 200) i`, nil},
		{`INSERT INTO officers (agency_id, name, cert_no, cert_valid_until, status)
			SELECT (SELECT id FROM agencies ORDER BY name OFFSET i % 20 LIMIT 1), '执法员' || i, 'C' || i, current_date + 3650, 'active' FROM generate_series(1, 4000) i`, nil},
		{`CREATE TEMP TABLE ags AS SELECT row_number() OVER (ORDER BY name) - 1 AS n, id FROM agencies`, nil},
		{`INSERT INTO cases (id, agency_id, number, kind, cause, legal_basis, state, occurred_at, filed_at, decided_at, closed_at, decision, created_by)
			SELECT gen_random_uuid(), ags.id, 'B' || i, (ARRAY['penalty','penalty','penalty','coercion','license','inspection','other'])[1 + i % 7],
				'案由', '依据', CASE WHEN i % 10 < 6 THEN 'closed' WHEN i % 25 = 7 THEN 'transferred' WHEN i % 25 = 8 THEN 'withdrawn' ELSE 'investigating' END,
				f - interval '2 days', f, CASE WHEN i % 10 < 6 THEN f + interval '30 days' END,
				CASE WHEN i % 10 >= 6 AND i % 25 IN (7, 8) THEN f + interval '20 days' END,
				CASE WHEN i % 10 < 6 THEN jsonb_build_object('outcome', CASE WHEN i % 13 = 0 THEN 'no_penalty' ELSE 'penalty' END,
					'fine_amount', (i % 50) * 10000, 'confiscation_amount', (i % 7) * 5000) END, $1
			FROM generate_series(1, 1000000) i CROSS JOIN LATERAL (SELECT timestamptz '2026-01-01 08:00+08' + (i % 300) * interval '1 day' AS f) t
			JOIN ags ON ags.n = i % 20`, []any{user}},
		{`INSERT INTO disclosures (id, kind, case_id, agency_id, state, start_on, due_days, minor, title, content, search, decided_on, published_at)
			SELECT gen_random_uuid(), 'decision', c.id, c.agency_id, CASE WHEN n % 10 < 9 THEN 'published' ELSE 'due' END,
				(c.decided_at AT TIME ZONE 'Asia/Shanghai')::date, CASE WHEN n % 2 = 0 THEN 7 ELSE 20 END, false, '决定', '{}', c.number,
				(c.decided_at AT TIME ZONE 'Asia/Shanghai')::date, CASE WHEN n % 10 < 9 THEN c.decided_at + (n % 15) * interval '1 day' END
			FROM (SELECT c.*, row_number() OVER () AS n FROM cases c WHERE c.decided_at IS NOT NULL) c`, nil},
		{`INSERT INTO reviews (id, agency_id, case_id, round, state, decision, major_reasons, criteria_version, from_state, submitted_by, submitted_name, submitted_at, due_on)
			SELECT gen_random_uuid(), agency_id, id, 1, (ARRAY['approved','approved','returned','rejected','pending'])[1 + (hashtext(number) & 3)], '{}', '[]', 1, 'notified', $1, '甲', decided_at - interval '5 days', (decided_at)::date
			FROM cases WHERE decided_at IS NOT NULL AND hashtext(number) % 12 = 0`, []any{user}},
		{`INSERT INTO case_outcomes (agency_id, case_id, type, result, decided_at, recorded_by)
			SELECT agency_id, id, CASE WHEN hashtext(number) % 3 = 0 THEN 'litigation' ELSE 'reconsideration' END,
				(ARRAY['upheld','revoked','changed','confirmed_illegal','terminated','pending'])[1 + abs(hashtext(number)) % 6], decided_at + interval '40 days', $1
			FROM cases WHERE decided_at IS NOT NULL AND hashtext(number) % 100 = 0`, []any{user}},
		{`INSERT INTO inspection_targets (code, name, type, region_code, industry, risk)
			SELECT '91360799' || lpad(i::text, 10, '0'), '对象' || i, '企业', '360799', '制造业', (ARRAY['A','B','C','D'])[1 + i % 4] FROM generate_series(1, 100000) i`, nil},
		{`INSERT INTO inspection_matters (id, agency_id, name, legal_basis, method, target_type, created_by)
			SELECT gen_random_uuid(), id, '事项' || n, '依据', '现场检查', '企业', $1 FROM ags`, []any{user}},
		{`INSERT INTO inspection_tasks (id, region_code, name, matter_ids, agency_ids, filter, inspectors_per_target, quota, due_date, strata, algorithm,
				secret, commitment, pool_hash, pool_size, listing_size, state, created_by, created_at)
			SELECT gen_random_uuid(), '360799', '任务' || i, '{}', '{}', '{}', 2, '{}', '2026-12-31', '[]', 'zhifa-lottery-1', '\x00', 'c', 'h', 5000, 0, 'drawn', $1,
				timestamptz '2026-01-10 09:00+08' + i * interval '1 day' FROM generate_series(1, 20) i`, []any{user}},
		{`INSERT INTO inspection_draws (id, task_id, witness, seed, result_hash, selected_count, state, drawn_by, drawn_at)
			SELECT gen_random_uuid(), id, '', 's', 'r', 5000, 'valid', $1, created_at + interval '1 hour' FROM inspection_tasks`, []any{user}},
		{`CREATE TEMP TABLE offs AS SELECT row_number() OVER () - 1 AS n, id FROM officers`, nil},
		{`INSERT INTO inspection_checks (id, draw_id, task_id, seq, target_code, inspector_ids, drawn_on, state, result)
			SELECT gen_random_uuid(), d.id, d.task_id, s, '91360799' || lpad(((s * 20 + k) % 100000 + 1)::text, 10, '0'),
				ARRAY[(SELECT id FROM offs WHERE n = (s * 7 + k) % 4000), (SELECT id FROM offs WHERE n = (s * 7 + k + 1) % 4000)],
				(d.drawn_at AT TIME ZONE 'Asia/Shanghai')::date, CASE WHEN s % 10 < 6 THEN 'done' ELSE 'assigned' END,
				CASE WHEN s % 10 < 6 THEN (ARRAY['no_problem','no_problem','corrected','not_disclosed','unreachable'])[1 + s % 5] END
			FROM (SELECT d.*, row_number() OVER (ORDER BY d.drawn_at) AS k FROM inspection_draws d) d, generate_series(1, 5000) s`, nil},
		{`ANALYZE`, nil},
	} {
		if _, err := db.Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatalf("%v\n%s", err, q.sql)
		}
	}
	b.Logf("dataset loaded in %s", time.Since(start).Round(time.Second))
	cases := enforcement.NewService(enforcement.NewStore(db))
	svc := audit.NewService(db, cases, evidence.NewService(evidence.NewStore(db), cases, nil, 0))
	return svc, enforcement.Actor{UserID: user, Roles: []enforcement.Role{enforcement.RoleSupervisor}, RegionCode: "360799"}
}

// BenchmarkAnnualReport counts a year over 10^6 cases and 10^5 checks, as JSON figures
// (target < 2 s) and as the XLSX workbook (target < 5 s, memory flat), and reports the
// peak heap in use. The dataset is a fixed year, 2026, whatever the day it runs.
func BenchmarkAnnualReport(b *testing.B) {
	svc, act := newReportBench(b)
	ctx := context.Background()
	peak := func() float64 {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		return float64(s[0].Value.Uint64()) / (1 << 20)
	}
	b.Run("json", func(b *testing.B) {
		start := time.Now()
		defer func() {
			b.Logf("annual report as JSON: %.2f s a run (target < 2 s)", time.Since(start).Seconds()/float64(b.N))
		}()
		for b.Loop() {
			r, err := svc.AnnualReport(ctx, act, 2026, "360799")
			if err != nil {
				b.Fatal(err)
			}
			if r.Value("cases_total") != 1000000 || r.Value("checks") != 100000 {
				b.Fatalf("cases %d, checks %d", r.Value("cases_total"), r.Value("checks"))
			}
		}
	})
	b.Run("xlsx", func(b *testing.B) {
		runtime.GC()
		top := 0.0
		for b.Loop() {
			r, err := svc.AnnualReport(ctx, act, 2026, "360799")
			if err != nil {
				b.Fatal(err)
			}
			if err := audit.WriteXLSX(io.Discard, &r); err != nil {
				b.Fatal(err)
			}
			top = max(top, peak())
		}
		b.ReportMetric(top, "heap-MB")
		b.Logf("annual report as XLSX: %.2f s a run (target < 5 s), peak heap in use %.1f MB (target: flat)", b.Elapsed().Seconds()/float64(b.N), top)
	})
}

// BenchmarkAlerts computes every supervision alert over the report's province year (10^6
// cases, 10^5 checks): the first computation raises every alert (about a third of the
// cases are open and past 90 days in this dataset) over every row; the next ones, on the
// same day, look again at what changed (nothing, in the timed loop) and write nothing
// (target < 2 s). Then, timed once each: a computation after 1,000 cases were decided,
// the next day's measure of the fines' yardsticks (the background job's) and the next
// day's first computation (deadlines passed overnight, fines compared in full). The baseline is one count(*) over the cases table in the
// same run.
func BenchmarkAlerts(b *testing.B) {
	svc, _ := newReportBench(b)
	ctx := context.Background()
	db := svc.DB()
	baseline := func() time.Duration {
		start := time.Now()
		var n int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&n); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	sync := func() audit.AlertSync {
		res, err := svc.SyncAlerts(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return res
	}
	res := sync()
	b.Logf("first computation (full): %.2f s, %d alerts raised (baseline count(*) over cases %.2f s)", res.Elapsed.Seconds(), res.Raised, baseline().Seconds())
	var total time.Duration
	for b.Loop() {
		res := sync()
		if res.Full || res.Raised+res.Closed != 0 {
			b.Fatalf("a repeat was full (%v), raised %d and closed %d", res.Full, res.Raised, res.Closed)
		}
		total += res.Elapsed
		var rules time.Duration
		for _, d := range res.Rules {
			rules += d
		}
		b.Logf("%.2f s: rules %v, outside the rules %.0f ms", res.Elapsed.Seconds(), res.Rules, (res.Elapsed-rules).Seconds()*1000)
	}
	base := baseline()
	per := total / time.Duration(b.N)
	b.Logf("steady computation (same day, nothing changed): %.2f s a run over %d open alerts (target < 2 s); baseline count(*) over cases %.2f s; ratio %.1f",
		per.Seconds(), res.Open, base.Seconds(), per.Seconds()/base.Seconds())
	b.StopTimer()
	if _, err := db.Exec(ctx, `UPDATE cases SET state = 'decided', decided_at = now(), decision = '{"outcome": "penalty", "fine_amount": 50000}'
		WHERE id IN (SELECT id FROM cases WHERE state = 'investigating' AND kind <> 'inspection' LIMIT 1000)`); err != nil {
		b.Fatal(err)
	}
	changed := sync()
	b.Logf("after 1,000 cases decided: %.2f s, %d raised, %d closed (baseline %.2f s)", changed.Elapsed.Seconds(), changed.Raised, changed.Closed, baseline().Seconds())
	svc.Cases.Now = func() time.Time { return time.Now().AddDate(0, 0, 1) }
	start := time.Now()
	if _, err := svc.MeasureFineYardsticks(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("next day's yardsticks of fines (the background job, once a day): %.2f s", time.Since(start).Seconds())
	next := sync()
	if next.Full {
		b.Fatal("the next day's computation was a full one")
	}
	b.Logf("next day's first computation: %.2f s, %d raised, %d closed; rules: %v (baseline %.2f s)", next.Elapsed.Seconds(), next.Raised, next.Closed, next.Rules, baseline().Seconds())
}
