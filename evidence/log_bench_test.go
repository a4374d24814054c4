package evidence_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"zhifa/app/testenv"
	"zhifa/evidence"
)

// BenchmarkAppendWithLog is BenchmarkAppendConcurrent with the transparency log running as
// serve runs it (an integrator adding queued heads to the tree every 100 ms), beside its
// baseline from the same run: 32 writers inserting the same rows naively, with no chain,
// no lock, no digest and no log. Target ≥ 500 records/s.
func BenchmarkAppendWithLog(b *testing.B) {
	st, caseID, pool := oneCasePool(b)
	ctx := context.Background()
	key := hex.EncodeToString(bytes.Repeat([]byte{7}, 32))
	lg, err := evidence.NewLog(pool, "bench.example/zhifa-log", key)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TABLE naive_records (id uuid, case_id uuid, note text, data text, created_at timestamptz)`); err != nil {
		b.Fatal(err)
	}
	const writers = 32
	run := func(write func(n int64) error) float64 {
		var next atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		for range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := next.Add(1); n <= int64(b.N); n = next.Add(1) {
					if err := write(n); err != nil {
						b.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		return float64(b.N) / time.Since(start).Seconds()
	}
	b.ResetTimer()
	naive := run(func(n int64) error {
		_, err := pool.Exec(ctx, `INSERT INTO naive_records VALUES ($1, $2, $3, '{}', now())`, uuid.New(), caseID, fmt.Sprintf("询问笔录 %d", n))
		return err
	})
	stop := make(chan struct{})
	integrated := make(chan error, 1)
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				_, err := lg.Checkpoint(ctx, 0)
				integrated <- err
				return
			case <-t.C:
				if _, err := lg.Integrate(ctx); err != nil {
					integrated <- err
					return
				}
			}
		}
	}()
	rate := run(func(n int64) error {
		_, err := st.Append(ctx, evidence.Record{CaseID: caseID, Stage: "investigating", Kind: "text",
			Note: fmt.Sprintf("询问笔录 %d", n), OccurredAt: time.Now()})
		return err
	})
	close(stop)
	if err := <-integrated; err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(rate, "records/s")
	b.ReportMetric(naive, "naive-inserts/s")
	b.Logf("%d records from %d writers into one chain with SHA-256, SM3 and the log: %.0f records/s; naive inserts %.0f/s (%.2f of naive); target ≥ 500: %.2f× it",
		b.N, writers, rate, naive, rate/naive, rate/500)
	if v, err := st.Verify(ctx, caseID); err != nil || !v.OK || v.RecordsChecked != b.N {
		b.Fatalf("chain after %d appends: %+v %v", b.N, v, err)
	}
	if size, err := lg.Size(ctx); err != nil || size != int64(b.N) {
		b.Fatalf("log holds %d of %d heads (%v)", size, b.N, err)
	}
}

// BenchmarkRecordDigest is the CPU cost of one record's digests: zhifa-record-2 with
// SHA-256 and SM3, against the SHA-256 of the same bytes alone.
func BenchmarkRecordDigest(b *testing.B) {
	r := evidence.Record{ID: uuid.New(), CaseID: uuid.New(), Seq: 12, Stage: "investigating", Kind: "onsite", Canon: evidence.CanonV2,
		Note: "现场检查：经营场所位于某街道 12 号，货架上发现过期食品三批次，已拍照取证。", Data: []byte(`{"from":"filed","to":"investigating","number":"某市监罚〔2026〕12号"}`),
		OccurredAt: time.Now(), CreatedAt: time.Now(), AuthorName: "李明", PrevHash: hex.EncodeToString(make([]byte, 32))}
	c, _ := r.Canonical()
	b.Run("sha256-only", func(b *testing.B) {
		for range b.N {
			sha256.Sum256(c)
		}
	})
	b.Run("canon+sha256+sm3", func(b *testing.B) {
		for range b.N {
			if _, _, err := r.Digests(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFileDigest is the throughput of hashing evidence bytes: SHA-256 alone (as
// before), SM3 alone, and both as an upload now computes them.
func BenchmarkFileDigest(b *testing.B) {
	buf := make([]byte, 1<<20)
	for i := range buf {
		buf[i] = byte(i * 31)
	}
	b.Run("sha256", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		h := sha256.New()
		for range b.N {
			h.Write(buf)
		}
	})
	b.Run("sm3", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		h := sm3.New()
		for range b.N {
			h.Write(buf)
		}
	})
}

// BenchmarkLogProofs answers inclusion and consistency proofs from PostgreSQL at 10^6
// leaves (target < 10 ms each), beside a primary-key lookup on the same table as the
// naive baseline.
func BenchmarkLogProofs(b *testing.B) {
	_, _, pool := oneCasePool(b)
	ctx := context.Background()
	const n = 1_000_000
	leafs := testenv.FillLog(b, pool, n)
	lg, err := evidence.NewLog(pool, "bench.example/zhifa-log", hex.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	if err != nil {
		b.Fatal(err)
	}
	cp, err := lg.Checkpoint(ctx, 0)
	if err != nil || cp.Size != n {
		b.Fatalf("checkpoint %+v %v", cp, err)
	}
	var root tlog.Hash
	rb, _ := hex.DecodeString(cp.RootHash)
	copy(root[:], rb)
	r := rand.New(rand.NewPCG(1, 2))
	time1 := func(f func()) time.Duration {
		start := time.Now()
		for range b.N {
			f()
		}
		return time.Since(start) / time.Duration(b.N)
	}
	b.ResetTimer()
	baseline := time1(func() {
		var h []byte
		if err := pool.QueryRow(ctx, `SELECT hash FROM log_hashes WHERE idx = $1`, r.Int64N(n)).Scan(&h); err != nil {
			b.Fatal(err)
		}
	})
	inclusion := time1(func() {
		i := r.IntN(n)
		in, err := lg.ProveInclusion(ctx, leafs[i], n)
		if err != nil || evidence.CheckInclusion(in, root) != nil {
			b.Fatalf("leaf %d: %v", i, err)
		}
	})
	consistency := time1(func() {
		from := 1 + r.Int64N(n-1)
		if _, err := lg.ProveConsistency(ctx, from, n); err != nil {
			b.Fatal(err)
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(inclusion.Microseconds())/1000, "inclusion-ms")
	b.ReportMetric(float64(consistency.Microseconds())/1000, "consistency-ms")
	b.ReportMetric(float64(baseline.Microseconds())/1000, "pk-lookup-ms")
	b.Logf("at %d leaves: inclusion proof %v, consistency proof %v; one primary-key lookup %v (×%.1f and ×%.1f of it); target < 10 ms",
		n, inclusion, consistency, baseline, float64(inclusion)/float64(baseline), float64(consistency)/float64(baseline))
}

// Checkpoints signed from many places at once (replicas' timers, page views, archives)
// never go backwards, and each proves consistent with the one before.
func TestCheckpointsNeverGoBack(t *testing.T) {
	st, caseID, pool := oneCasePool(t)
	ctx := context.Background()
	lg, err := evidence.NewLog(pool, "test.example/zhifa-log", hex.EncodeToString(bytes.Repeat([]byte{9}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 15 {
				if _, err := st.Append(ctx, evidence.Record{CaseID: caseID, Stage: "investigating", Kind: "text",
					Note: fmt.Sprintf("%d-%d", w, i), OccurredAt: time.Now()}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				if _, err := lg.Checkpoint(ctx, 0); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if _, err := lg.Checkpoint(ctx, 0); err != nil {
		t.Fatal(err)
	}
	rows, _ := pool.Query(ctx, `SELECT size, root_hash FROM log_checkpoints ORDER BY id`)
	type cp struct {
		size int64
		root []byte
	}
	cps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (cp, error) {
		var c cp
		return c, r.Scan(&c.size, &c.root)
	})
	if err != nil || len(cps) < 10 || cps[len(cps)-1].size != 90 {
		t.Fatalf("%d checkpoints, last %+v, %v", len(cps), cps[len(cps)-1], err)
	}
	for i := 1; i < len(cps); i++ {
		a, b := cps[i-1], cps[i]
		if b.size < a.size {
			t.Fatalf("checkpoint %d has size %d after %d", i, b.size, a.size)
		}
		if a.size == 0 || a.size == b.size {
			continue
		}
		c, err := lg.ProveConsistency(ctx, a.size, b.size)
		var ra, rb tlog.Hash
		copy(ra[:], a.root)
		copy(rb[:], b.root)
		if err != nil || evidence.CheckConsistency(c, ra, rb) != nil {
			t.Fatalf("checkpoints %d→%d not consistent: %v", a.size, b.size, err)
		}
	}
	if v, err := st.Verify(ctx, caseID); err != nil || !v.OK {
		t.Errorf("chain: %+v %v", v, err)
	}
}
