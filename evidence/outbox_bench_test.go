package evidence_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
)

// BenchmarkAppendOutbox is the append benchmark's writers (32, one case) appending a record
// with and without an outbox event in the same transaction, as a decision does, one
// destination taking it: the same run measures both, and reports the outbox's cost
// (target ≤ 10 %).
func BenchmarkAppendOutbox(b *testing.B) {
	st, caseID, pool := oneCasePool(b)
	ctx := context.Background()
	var agency uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT agency_id FROM cases WHERE id = $1`, caseID).Scan(&agency); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO exchange_destinations (id, name, url, format, auth, secret_sealed, rate, region_prefix, since)
		VALUES ($1, '基准', 'http://127.0.0.1:1/', 'regulatory', 'hmac', '\x00', 100, '360799', now() - interval '1 day')`, uuid.New()); err != nil {
		b.Fatal(err)
	}
	run := func(n int, outbox bool) time.Duration {
		const writers = 32
		var next atomic.Int64
		var wg sync.WaitGroup
		start := time.Now()
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := next.Add(1); i <= int64(n); i = next.Add(1) {
					err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
						now := time.Now()
						if err := st.AppendEntryTx(ctx, tx, enforcement.TimelineEntry{CaseID: caseID, Stage: "investigating", Kind: "text",
							Note: fmt.Sprintf("询问笔录 %d", i), OccurredAt: now}); err != nil {
							return err
						}
						if !outbox {
							return nil
						}
						return enforcement.EnqueueActionTx(ctx, tx, enforcement.TopicActionDecided, enforcement.CaseStream(caseID), agency, now,
							enforcement.Action{Kind: "case_decided", SubjectID: caseID, Number: "B1", Matter: "测试", Target: "测试公司", On: enforcement.DateOf(now)})
					})
					if err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	b.ResetTimer()
	// Alternate halves so drift of the shared machine falls on both.
	var off, on time.Duration
	for half := range 4 {
		if half%2 == 0 {
			off += run(b.N/4+1, false)
		} else {
			on += run(b.N/4+1, true)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(on-off)/float64(off)*100, "%outbox")
	b.Logf("%d appends each way, 32 writers, one chain: without outbox %v, with %v (%.1f %% more; target ≤ 10 %%)",
		2*(b.N/4+1), off, on, float64(on-off)/float64(off)*100)
}
