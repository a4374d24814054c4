package inspection

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"zhifa/app/testenv"
)

// The reader groups positions into ranges; whatever the density, each position must get
// its own code, in the order the positions were drawn.
func TestReaderReturnsCodesInDrawOrder(t *testing.T) {
	opt, err := redis.ParseURL(testenv.RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })
	ctx := context.Background()
	p := &Pools{RDB: rdb, Prefix: testenv.RedisPrefix(t)}
	task := uuid.New()
	const n = 200_000
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "91%016d", i)
	}
	if err := rdb.Set(ctx, p.key(task, "B"), b.String(), time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	read := p.Reader(ctx, task)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, take := range []int{1, 50, 6_000, 120_000, n} {
		pos := rng.Perm(n)[:take]
		codes, err := read("B", pos)
		if err != nil {
			t.Fatal(err)
		}
		for i, at := range pos {
			if want := fmt.Sprintf("91%016d", at); codes[i] != want {
				t.Fatalf("take %d: position %d read %q, want %q", take, at, codes[i], want)
			}
		}
	}
	if _, err := read("B", []int{n}); err == nil {
		t.Fatal("a position past the end must fail, not return a short code")
	}
}
