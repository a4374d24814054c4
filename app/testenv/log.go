package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"golang.org/x/mod/sumdb/tlog"

	"zhifa/evidence"
)

// copier is what FillLog writes through: a connection or a pool.
type copier interface {
	CopyFrom(context.Context, pgx.Identifier, []string, pgx.CopyFromSource) (int64, error)
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}

// FillLog writes n synthetic leaves into an empty transparency log, as the integrator
// writes them (leaves and tlog's stored hashes), for benchmarks at scale, and returns
// their leaf hashes in hex.
func FillLog(tb testing.TB, db copier, n int) []string {
	tb.Helper()
	ctx := context.Background()
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
			tb.Fatal(err)
		}
		stored = append(stored, hs...)
		leafRows = append(leafRows, []any{int64(i), caseID, i + 1, hex.EncodeToString(head[:]), lh[:], now})
		hexes = append(hexes, hex.EncodeToString(lh[:]))
	}
	hashRows := make([][]any, len(stored))
	for i, h := range stored {
		hashRows[i] = []any{int64(i), h[:]}
	}
	if _, err := db.CopyFrom(ctx, pgx.Identifier{"log_leaves"}, []string{"idx", "case_id", "seq", "head_hash", "leaf_hash", "integrated_at"}, pgx.CopyFromRows(leafRows)); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.CopyFrom(ctx, pgx.Identifier{"log_hashes"}, []string{"idx", "hash"}, pgx.CopyFromRows(hashRows)); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.Exec(ctx, `ANALYZE log_leaves; ANALYZE log_hashes`); err != nil {
		tb.Fatal(err)
	}
	return hexes
}
