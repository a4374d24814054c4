package migrations_test

import (
	"context"
	"sync"
	"testing"
	"testing/fstest"

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
