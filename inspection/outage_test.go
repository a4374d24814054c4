package inspection_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"zhifa/app/testenv"
	"zhifa/fault"
	"zhifa/inspection"
)

// The draw reaches Redis through a proxy the test cuts: the draw itself (no session in
// the way, as there is through the server) answers unavailable and commits nothing; once
// Redis is back, with the pool's copy lost as after a restart, the draw rebuilds it from
// PostgreSQL, succeeds and verifies.
func TestDrawWithRedisCut(t *testing.T) {
	d := newDrawBench(t, 2000)
	ctx := context.Background()
	u, err := url.Parse(testenv.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := testenv.NewProxy(t, u.Host)
	u.Host = proxy.Addr()
	opt, err := redis.ParseURL(u.String())
	if err != nil {
		t.Fatal(err)
	}
	cut := redis.NewClient(opt)
	t.Cleanup(func() { cut.Close() })
	prefix := testenv.RedisPrefix(t)
	svc := inspection.NewService(d.svc.Store, d.cases, &inspection.Pools{RDB: cut, Prefix: prefix})
	task, err := svc.CreateTask(ctx, d.actor, d.task)
	if err != nil {
		t.Fatal(err)
	}
	direct := d.svc.Pools.RDB
	keys, err := direct.Keys(ctx, prefix+"insp:pool:{"+task.ID.String()+"}:*").Result()
	if err != nil || len(keys) < 2 {
		t.Fatalf("the frozen pool was not copied to Redis: %v %v", keys, err)
	}

	proxy.Cut()
	_, err = svc.Draw(ctx, d.actor, task.ID, inspection.DrawInput{Witness: "7"})
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Kind != fault.Unavailable || !strings.Contains(fe.Message, "本次未产生任何抽取结果") {
		t.Fatalf("draw with Redis cut = %v, want unavailable saying no result was produced", err)
	}
	var draws, checks int
	var state string
	if err := d.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM inspection_draws WHERE task_id = $1),
		(SELECT count(*) FROM inspection_checks WHERE task_id = $1), (SELECT state FROM inspection_tasks WHERE id = $1)`, task.ID).Scan(&draws, &checks, &state); err != nil {
		t.Fatal(err)
	}
	if draws != 0 || checks != 0 || state != "frozen" {
		t.Fatalf("the failed draw left %d draws, %d checks and the task %s; want none, none and frozen", draws, checks, state)
	}

	if err := direct.Del(ctx, keys...).Err(); err != nil {
		t.Fatal(err)
	}
	proxy.Restore()
	dr, err := svc.Draw(ctx, d.actor, task.ID, inspection.DrawInput{Witness: "7"})
	if err != nil {
		t.Fatalf("draw after Redis came back: %v", err)
	}
	// 2,000 targets in classes of 10/25/40/25%: 200, 500, 800, 500; 3% of each is 6, 15,
	// 24 and 15.
	if dr.SelectedCount != 60 {
		t.Errorf("the draw selected %d targets, want 6 + 15 + 24 + 15 = 60", dr.SelectedCount)
	}
	if v, err := svc.Verify(ctx, dr.ID); err != nil || !v.OK {
		t.Errorf("verify after the rebuild: %v %v", err, v.Problems)
	}
}
