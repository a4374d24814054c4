package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// The activity log is kept in yearly partitions, this year's and next year's made before
// they are needed; every partition is append-only like the whole: no UPDATE, DELETE or
// TRUNCATE through the parent or on a partition itself, including one made later.
func TestActivityIsPartitionedByYearAndAppendOnly(t *testing.T) {
	s := start(t)
	s.login("officer1")
	ctx := context.Background()
	db := dbConn(t, s)
	year := time.Now().In(cstZone).Year()
	parts := map[string]bool{}
	rows, err := db.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'activity'::regclass`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		parts[n] = true
	}
	rows.Close()
	for _, y := range []int{year, year + 1} {
		if !parts[fmt.Sprintf("activity_%d", y)] {
			t.Errorf("no partition for %d: %v", y, parts)
		}
	}
	var n int
	s.query(t, fmt.Sprintf(`SELECT count(*) FROM ONLY activity_%d`, year), &n)
	if n == 0 {
		t.Error("this year's activity is not in this year's partition")
	}
	later := year + 5
	var made int
	s.query(t, fmt.Sprintf(`SELECT ensure_year_partitions('activity', %d, %d)`, later, later), &made)
	if made != 1 {
		t.Fatalf("made %d partitions for %d, want 1", made, later)
	}
	s.query(t, fmt.Sprintf(`SELECT ensure_year_partitions('activity', %d, %d)`, year, later), &made)
	if made != 3 { // the years between were missing; this year, next year and the later one were there
		t.Errorf("made %d more, want the 3 years between", made)
	}
	if _, err := db.Exec(ctx, fmt.Sprintf(`INSERT INTO activity (at, method, path, route, status, ip, request_id)
		VALUES (make_timestamptz(%d, 6, 1, 0, 0, 0, 'Asia/Shanghai'), 'POST', '/x', '/x', 200, '127.0.0.1', 'r')`, later)); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"activity", fmt.Sprintf("activity_%d", year), fmt.Sprintf("activity_%d", later)} {
		for _, stmt := range []string{"UPDATE " + table + " SET status = 500", "DELETE FROM " + table, "TRUNCATE " + table} {
			if _, err := db.Exec(ctx, stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want it refused as append-only", stmt, err)
			}
		}
	}
	s.query(t, fmt.Sprintf(`SELECT count(*) FROM ONLY activity_%d`, later), &n)
	if n != 1 {
		t.Errorf("the later year's partition holds %d rows, want 1", n)
	}
}
