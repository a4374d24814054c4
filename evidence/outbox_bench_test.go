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

	"zhifa/audit"
	"zhifa/enforcement"
)

// BenchmarkAppendOutbox is the append benchmark's writers (32, one case) appending records
// without outbox events, and with them in the same transaction as a decision writes its
// own, one destination taking each, while the dispatcher's fan-out runs beside them as in
// `serve`: every append carrying an event (the worst case), and one append in ten (a
// case's mix: some twenty records to a filing, a decision and a publication). The same
// run measures all three and reports each cost against the first (target ≤ 10 %).
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
	// The fan-out, as the dispatcher runs it: at once while it finds a full batch.
	ex := audit.NewService(pool, nil, nil)
	fctx, stopFan := context.WithCancel(ctx)
	var fanned sync.WaitGroup
	fanned.Add(1)
	go func() {
		defer fanned.Done()
		for fctx.Err() == nil {
			if n, err := ex.FanOut(fctx, 1000); err != nil || n < 1000 {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}()
	defer func() { stopFan(); fanned.Wait() }()
	run := func(n int, every int64) time.Duration {
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
						if every == 0 || i%every != 0 {
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
	// Alternate the runs so drift of the shared machine falls on each.
	var off, all, mix time.Duration
	n := b.N/6 + 1
	for round := range 6 {
		switch round % 3 {
		case 0:
			off += run(n, 0)
		case 1:
			all += run(n, 1)
		case 2:
			mix += run(n, 10)
		}
	}
	b.StopTimer()
	// Every event reached the destination's list, once.
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		var events, deliveries int
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM outbox_events), (SELECT count(*) FROM outbox_deliveries)`).Scan(&events, &deliveries); err != nil {
			b.Fatal(err)
		}
		if events == deliveries {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d events, %d deliveries", events, deliveries)
		}
	}
	pct := func(d time.Duration) float64 { return float64(d-off) / float64(off) * 100 }
	b.ReportMetric(pct(all), "%outbox_every")
	b.ReportMetric(pct(mix), "%outbox_1in10")
	b.Logf("%d appends each way, 32 writers, one chain: without events %v; an event with every append %v (%.1f %% more); "+
		"with one append in ten %v (%.1f %% more); target ≤ 10 %%", 2*n, off, all, pct(all), mix, pct(mix))
}
