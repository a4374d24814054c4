package migrations_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"zhifa/app/migrations"
	"zhifa/app/testenv"
)

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func emptyDatabase(t *testing.T) string {
	t.Helper()
	name := "zt_" + testenv.Suffix()
	ctx := context.Background()
	admin := connect(t, testenv.AdminURL())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = testenv.DropDatabase(context.Background(), name) })
	return testenv.DatabaseURL(name)
}

// Replicas starting together: all of them finish, the schema is applied exactly once.
func TestConcurrentApply(t *testing.T) {
	url := emptyDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			conn, err := pgx.Connect(context.Background(), url)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close(context.Background())
			_, _, errs[i] = migrations.Apply(context.Background(), conn)
		}(i)
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}
	conn := connect(t, url)
	v, err := migrations.Current(context.Background(), conn)
	if err != nil || v != migrations.Latest() {
		t.Fatalf("version after concurrent start = %d (%v), want %d", v, err, migrations.Latest())
	}
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM calendar_years WHERE year = 2026`).Scan(&n); err != nil || n != 1 {
		t.Errorf("2026 calendar rows = %d (%v): a migration ran more than once", n, err)
	}
}

func TestFailedMigrationLeavesSchema(t *testing.T) {
	url := emptyDatabase(t)
	conn := connect(t, url)
	ctx := context.Background()
	fsys := fstest.MapFS{
		"001_first.sql":  {Data: []byte(`CREATE TABLE kept (id int);`)},
		"002_broken.sql": {Data: []byte(`CREATE TABLE half (id int); INSERT INTO kept VALUES ('not a number');`)},
	}
	if _, _, err := migrations.ApplyFS(ctx, conn, fsys); err == nil {
		t.Fatal("a broken migration reported success")
	}
	v, _ := migrations.Current(ctx, conn)
	if v != 1 {
		t.Errorf("version after a failed migration = %d, want 1", v)
	}
	var half bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('half') IS NOT NULL`).Scan(&half); err != nil || half {
		t.Errorf("the failed migration left its table behind (%v)", err)
	}
}

func TestCurrentOnEmptyDatabase(t *testing.T) {
	conn := connect(t, emptyDatabase(t))
	if v, err := migrations.Current(context.Background(), conn); err != nil || v != 0 {
		t.Errorf("Current on an empty database = %d, %v; want 0", v, err)
	}
}

// Partitioning the activity log keeps every entry, its number and its time, last year's
// in last year's partition, and numbers go on after the highest.
func TestActivityKeptWhenPartitioned(t *testing.T) {
	conn := connect(t, emptyDatabase(t))
	ctx := context.Background()
	before := fstest.MapFS{}
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") && e.Name() < "043" {
			b, err := os.ReadFile(e.Name())
			if err != nil {
				t.Fatal(err)
			}
			before[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	if _, _, err := migrations.ApplyFS(ctx, conn, before); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO activity (at, method, path, route, status, ip, request_id)
		SELECT now() - make_interval(days => 400 * g), 'POST', '/p' || g, '/p', 200, '127.0.0.1', 'r' || g FROM generate_series(0, 2) g`); err != nil {
		t.Fatal(err)
	}
	var want string
	if err := conn.QueryRow(ctx, `SELECT string_agg(id || ' ' || at || ' ' || path, ',' ORDER BY id) FROM activity`).Scan(&want); err != nil {
		t.Fatal(err)
	}
	if _, _, err := migrations.Apply(ctx, conn); err != nil {
		t.Fatal(err)
	}
	var got string
	var lastYear, maxID, next int64
	if err := conn.QueryRow(ctx, `SELECT string_agg(id || ' ' || at || ' ' || path, ',' ORDER BY id), max(id) FROM activity`).Scan(&got, &maxID); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("after partitioning: %s, want %s", got, want)
	}
	y := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
	if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM ONLY activity_%d`, y-1)).Scan(&lastYear); err != nil {
		t.Fatalf("no partition for last year: %v", err)
	}
	if lastYear < 1 {
		t.Errorf("last year's partition holds %d entries, want last year's entry", lastYear)
	}
	if err := conn.QueryRow(ctx, `INSERT INTO activity (method, path, route, status, ip, request_id) VALUES ('GET', '/n', '/n', 200, '::1', 'n') RETURNING id`).Scan(&next); err != nil {
		t.Fatal(err)
	}
	if next <= maxID {
		t.Errorf("the next entry is numbered %d, not after %d", next, maxID)
	}
}
