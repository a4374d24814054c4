package evidence_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhifa/evidence"
)

// A chain written before zhifa-record-2 keeps verifying under zhifa-record-1, and new
// records continue it under zhifa-record-2: the first of them links to the old head's
// SHA-256 and starts the SM3 links from nothing.
func TestOldChainsContinue(t *testing.T) {
	st, caseID, pool := oneCasePool(t)
	ctx := context.Background()
	created := time.Date(2026, 3, 5, 1, 2, 4, 1000, time.UTC)
	old := evidence.Record{ID: uuid.New(), CaseID: caseID, Seq: 1, Stage: "investigating", Kind: "text", Canon: evidence.CanonV1,
		Note: "旧版记录 <a> & \u2028", Data: json.RawMessage(`{"b":1,"a":"x"}`), OccurredAt: created, AuthorName: "李明", CreatedAt: created}
	var err error
	if old.Hash, _, err = old.Digests(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO records (id, case_id, seq, stage, kind, note, data, occurred_at, author_name, created_at, prev_hash, hash, canon)
			VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, '', $10, 'zhifa-record-1')`,
			[]any{old.ID, caseID, old.Stage, old.Kind, old.Note, string(old.Data), old.OccurredAt, old.AuthorName, old.CreatedAt, old.Hash}},
		{`UPDATE cases SET head_seq = 1, head_hash = $2 WHERE id = $1`, []any{caseID, old.Hash}},
	} {
		if _, err := pool.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	next, err := st.Append(ctx, evidence.Record{CaseID: caseID, Stage: "investigating", Kind: "text", Note: "新版记录", OccurredAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if next.Canon != evidence.CanonV2 || next.PrevHash != old.Hash || next.PrevSM3 != "" || len(next.SM3) != 64 {
		t.Errorf("the first new record: canon %s, prev %s / %q, sm3 %q", next.Canon, next.PrevHash, next.PrevSM3, next.SM3)
	}
	v, err := st.Verify(ctx, caseID)
	if err != nil || !v.OK || v.RecordsChecked != 2 {
		t.Fatalf("mixed chain: %+v %v", v, err)
	}
	// An old record changed is still caught, under its own canon.
	if _, err := pool.Exec(ctx, `ALTER TABLE records DISABLE TRIGGER records_append_only;
		UPDATE records SET note = '改过' WHERE id = '`+old.ID.String()+`';
		ALTER TABLE records ENABLE TRIGGER records_append_only`); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Verify(ctx, caseID); err != nil || v.OK || v.Problems[0].Code != "hash_mismatch" || v.Problems[0].Seq != 1 {
		t.Errorf("a changed old record: %+v %v", v, err)
	}
}
