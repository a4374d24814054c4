package evidence_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/app/testenv"
	"zhifa/enforcement"
	"zhifa/evidence"
)

// oneCase makes a database with one agency, user and case, and returns the store.
func oneCase(tb testing.TB) (*evidence.Store, uuid.UUID) {
	st, id, _ := oneCasePool(tb)
	return st, id
}

// oneCasePool is oneCase with the pool under the store.
func oneCasePool(tb testing.TB) (*evidence.Store, uuid.UUID, *pgxpool.Pool) {
	tb.Helper()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(testenv.Database(tb, ""))
	if err != nil {
		tb.Fatal(err)
	}
	cfg.MaxConns = 40
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(pool.Close)
	agency, user, caseID := uuid.New(), uuid.New(), uuid.New()
	first := "11360799000000001"
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO agencies (id, name, short_name, code, region_code, kind) VALUES ($1, '测试局', '测', $2, '360799', 'department')`,
			[]any{agency, first + string(enforcement.CreditCheckChar(first))}},
		{`INSERT INTO users (id, username, password_hash, name, roles, agency_id) VALUES ($1, 'bench', 'x', '测试', '{officer}', $2)`, []any{user, agency}},
		{`INSERT INTO cases (id, agency_id, number, kind, cause, legal_basis, state, occurred_at, filed_at, created_by)
			VALUES ($1, $2, 'B1', 'penalty', '测试', '测试', 'investigating', now(), now(), $3)`, []any{caseID, agency, user}},
	} {
		if _, err := pool.Exec(ctx, q.sql, q.args...); err != nil {
			tb.Fatal(err)
		}
	}
	return evidence.NewStore(pool), caseID, pool
}

// BenchmarkAppendConcurrent appends records to one case's chain from 32 writers at once
// and reports records per second (target ≥ 500); the chain must be intact afterwards.
func BenchmarkAppendConcurrent(b *testing.B) {
	st, caseID := oneCase(b)
	ctx := context.Background()
	const writers = 32
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if _, err := st.Append(ctx, evidence.Record{CaseID: caseID, Stage: "investigating", Kind: "text",
					Note: fmt.Sprintf("询问笔录 %d", next.Load()), OccurredAt: time.Now()}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	rate := float64(b.N) / time.Since(start).Seconds()
	b.ReportMetric(rate, "records/s")
	b.Logf("%d records from %d writers into one chain: %.0f records/s (target ≥ 500: %.2f× it)", b.N, writers, rate, rate/500)
	v, err := st.Verify(ctx, caseID)
	if err != nil || !v.OK || v.RecordsChecked != b.N {
		b.Fatalf("chain after %d appends: %+v %v", b.N, v, err)
	}
}

func TestAppendConcurrentChainIntact(t *testing.T) {
	st, caseID := oneCase(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 5; i++ {
				if _, err := st.Append(ctx, evidence.Record{CaseID: caseID, Stage: "investigating", Kind: "text",
					Note: fmt.Sprintf("%d-%d", w, i), OccurredAt: time.Now()}); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	if v, err := st.Verify(ctx, caseID); err != nil || !v.OK || v.RecordsChecked != 160 {
		t.Errorf("chain after 160 concurrent appends: %+v %v", v, err)
	}
}
