package app_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"zhifa/app/testenv"
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
	conn, err := pgx.Connect(context.Background(), env["ZHIFA_DATABASE_URL"])
	if err != nil {
		b.Fatal(err)
	}
	// The demo's queued heads make way for n synthetic leaves.
	if _, err := conn.Exec(context.Background(), `DELETE FROM log_queue`); err != nil {
		b.Fatal(err)
	}
	leaves := testenv.FillLog(b, conn, n)
	conn.Close(context.Background())
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

func getenvInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}
