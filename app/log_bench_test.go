package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/mod/sumdb/tlog"

	"zhifa/app/testenv"
	"zhifa/evidence"
)

// BenchmarkLogProofEndpoints fills the transparency log with 10^6 leaves, runs `zhifa
// serve`, and asks it for inclusion and consistency proofs from 8 connections for
// ZHIFA_BENCH_SECONDS (default 5) each, then /healthz the same way: the framework's
// floor on this machine. Target: proofs answered in under 10 ms (p99).
func BenchmarkLogProofEndpoints(b *testing.B) {
	const n = 1_000_000
	secs := 5
	if s := getenvInt("ZHIFA_BENCH_SECONDS"); s > 0 {
		secs = s
	}
	env := testenv.Env(b, seeded)
	env["ZHIFA_PUBLIC_RATE"] = "100000000"
	base, serve, stop := zhifaProcess(b, env)
	leaves := fillLog(b, env["ZHIFA_DATABASE_URL"], n)
	srv := serve()
	b.Cleanup(func() { stop(srv) })
	// drive calls these from many goroutines: the leaf and the older size come from the
	// request number, spread over the tree by a large odd stride.
	pick := func(i, m int) int { return int((uint64(i) * 2654435761) % uint64(m)) }
	b.ResetTimer()
	inclusion := drive(b, base, 8, time.Duration(secs)*time.Second, func(i int) string {
		return "/public/api/log/inclusion?tree_size=" + strconv.Itoa(n) + "&leaf_hash=" + leaves[pick(i, n)]
	})
	consistency := drive(b, base, 8, time.Duration(secs)*time.Second, func(i int) string {
		return fmt.Sprintf("/public/api/log/consistency?from=%d&to=%d", 1+pick(i, n-1), n)
	})
	health := drive(b, base, 8, time.Duration(secs)*time.Second, func(int) string { return "/healthz" })
	b.StopTimer()
	b.ReportMetric(inclusion.p99, "inclusion_p99_ms")
	b.ReportMetric(consistency.p99, "consistency_p99_ms")
	b.ReportMetric(health.p99, "healthz_p99_ms")
	b.Logf("at %d leaves: inclusion %.0f req/s, p50 %.2f ms, p99 %.2f ms; consistency %.0f req/s, p50 %.2f ms, p99 %.2f ms; /healthz %.0f req/s, p50 %.2f ms, p99 %.2f ms (target < 10 ms)",
		n, inclusion.rps, inclusion.p50, inclusion.p99, consistency.rps, consistency.p50, consistency.p99, health.rps, health.p50, health.p99)
	for name, l := range map[string]load{"inclusion": inclusion, "consistency": consistency, "healthz": health} {
		if l.errors > 0 {
			b.Errorf("%s: %d requests failed", name, l.errors)
		}
	}
}

// fillLog replaces the demo's queued heads with n synthetic leaves, written as the
// integrator writes them, and returns their leaf hashes in hex.
func fillLog(b *testing.B, dbURL string, n int) []string {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DELETE FROM log_queue`); err != nil {
		b.Fatal(err)
	}
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = stored[x]
		}
		return out, nil
	})
	caseID, now := uuid.New(), time.Now()
	leafRows, hexes := make([][]any, 0, n), make([]string, 0, n)
	for i := range n {
		head := sha256.Sum256([]byte(strconv.Itoa(i)))
		lh := evidence.LeafHash(evidence.LeafData(caseID, i+1, hex.EncodeToString(head[:])))
		hs, err := tlog.StoredHashesForRecordHash(int64(i), lh, reader)
		if err != nil {
			b.Fatal(err)
		}
		stored = append(stored, hs...)
		leafRows = append(leafRows, []any{int64(i), caseID, i + 1, hex.EncodeToString(head[:]), lh[:], now})
		hexes = append(hexes, hex.EncodeToString(lh[:]))
	}
	hashRows := make([][]any, len(stored))
	for i, h := range stored {
		hashRows[i] = []any{int64(i), h[:]}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"log_leaves"}, []string{"idx", "case_id", "seq", "head_hash", "leaf_hash", "integrated_at"}, pgx.CopyFromRows(leafRows)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"log_hashes"}, []string{"idx", "hash"}, pgx.CopyFromRows(hashRows)); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `ANALYZE log_leaves; ANALYZE log_hashes`); err != nil {
		b.Fatal(err)
	}
	return hexes
}

func getenvInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}
