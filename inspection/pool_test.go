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
	"zhifa/enforcement"
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
	packed, err := packCodes(nil, []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if err := rdb.Set(ctx, p.key(task, "B"), packed, time.Minute).Err(); err != nil {
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

// Packing keeps every character of the alphabet at every place, and refuses any other.
func TestPackedCodesRoundTrip(t *testing.T) {
	alphabet := enforcement.CreditCharset
	var codes []byte
	for i := range 200 {
		for j := range CodeLen {
			codes = append(codes, alphabet[(i*7+j*13)%len(alphabet)])
		}
	}
	codes = append(codes, "YYYYYYYYYYYYYYYYYY000000000000000000"...)
	packed, err := packCodes(nil, codes)
	if err != nil {
		t.Fatal(err)
	}
	if len(packed) != len(codes)/CodeLen*packedLen {
		t.Fatalf("%d codes packed into %d bytes", len(codes)/CodeLen, len(packed))
	}
	got := make([]byte, len(codes))
	for i := 0; i < len(codes)/CodeLen; i++ {
		unpackCode(got[i*CodeLen:(i+1)*CodeLen], string(packed[i*packedLen:(i+1)*packedLen]))
	}
	if string(got) != string(codes) {
		t.Fatalf("round trip changed the codes:\n%s\n%s", got, codes)
	}
	for _, bad := range []string{"91360799MA35ABCDEI", "91360799ma35abcde1", "9136079"} {
		if _, err := packCodes(nil, []byte(bad)); err == nil {
			t.Errorf("%q packed without an error", bad)
		}
	}
}
