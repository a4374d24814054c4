package inspection

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"
)

func seedOf(i int) []byte {
	return Seed(binary.BigEndian.AppendUint64(nil, uint64(i)), fmt.Sprint("witness ", i))
}

func testHeader(inspectors, agencies, p int) *Header {
	h := &Header{TaskID: uuid.MustParse("00000000-0000-4000-8000-000000000001"), Commitment: Commit([]byte("s")),
		InspectorsPerTarget: p, Joint: agencies > 1}
	for i := range inspectors {
		h.Inspectors = append(h.Inspectors, PoolInspector{
			OfficerID: uuid.MustParse(fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)),
			AgencyID:  uuid.MustParse(fmt.Sprintf("10000000-0000-4000-8000-%012d", i%agencies+1)),
		})
	}
	return h
}

func codesOf(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("91000000%010d", i)
	}
	return out
}

// chiSquare of observed counts against a uniform expectation.
func chiSquare(counts []int, expected float64) float64 {
	x := 0.0
	for _, c := range counts {
		d := float64(c) - expected
		x += d * d / expected
	}
	return x
}

func TestSelectIndicesIsAPermutationPrefix(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{1, 1}, {10, 10}, {10, 3}, {1000, 30}, {5, 0}, {3, 7}} {
		got := SelectIndices(seedOf(tc.n), "A", tc.n, tc.k)
		want := min(tc.k, tc.n)
		if len(got) != want {
			t.Fatalf("n=%d k=%d: %d positions, want %d", tc.n, tc.k, len(got), want)
		}
		seen := map[int]bool{}
		for _, p := range got {
			if p < 0 || p >= tc.n || seen[p] {
				t.Fatalf("n=%d k=%d: position %d out of range or repeated in %v", tc.n, tc.k, p, got)
			}
			seen[p] = true
		}
	}
}

// The selection is a fixed function of its inputs: these values are part of the
// algorithm's definition, and LOTTERY.md quotes them for re-implementers.
func TestSelectIndicesGoldenVector(t *testing.T) {
	seed := Seed([]byte("zhifa"), "12345")
	if got, want := hex.EncodeToString(seed), "c3638088dd7491e42f9a7fdcf8a011d4b875e5f572c429faa00d9579450ba28f"; got != want {
		t.Fatalf("seed = %s, want %s", got, want)
	}
	got := SelectIndices(seed, "A", 1000, 10)
	if want := []int{23, 527, 867, 166, 907, 992, 282, 518, 18, 744}; !slices.Equal(got, want) {
		t.Fatalf("positions = %v, want %v", got, want)
	}
	if again := SelectIndices(seed, "A", 1000, 10); !slices.Equal(got, again) {
		t.Fatalf("same seed gave %v then %v", got, again)
	}
	if other := SelectIndices(seed, "B", 1000, 10); slices.Equal(got, other) {
		t.Fatalf("strata A and B drew the same positions %v", got)
	}
}

// Each position of a stratum is selected equally often over many seeds: a chi-square
// test at the 99.9% level (critical value 1,137 for 999 degrees of freedom).
func TestSelectionIsUniform(t *testing.T) {
	const n, k, draws = 1000, 30, 20000
	counts := make([]int, n)
	for d := range draws {
		for _, p := range SelectIndices(seedOf(d), "C", n, k) {
			counts[p]++
		}
	}
	x := chiSquare(counts, float64(draws*k)/n)
	if x > 1137 {
		t.Fatalf("chi-square %.0f over 1,000 positions, want at most 1,137", x)
	}
	// The first pick alone must be uniform too, not only the set.
	first := make([]int, n)
	for d := range draws * 5 {
		first[SelectIndices(seedOf(d), "C", n, 1)[0]]++
	}
	if x := chiSquare(first, float64(draws*5)/n); x > 1137 {
		t.Fatalf("chi-square of first picks %.0f, want at most 1,137", x)
	}
}

func TestAssignBalancesLoads(t *testing.T) {
	h := testHeader(50, 1, 2)
	targets := codesOf(300)
	total := make([]int, 50)
	for d := range 400 {
		got, err := Assign(seedOf(d), h, targets)
		if err != nil {
			t.Fatal(err)
		}
		load := make([]int, 50)
		for i, ins := range got {
			if len(ins) != 2 || ins[0] == ins[1] {
				t.Fatalf("target %d got inspectors %v, want two different", i, ins)
			}
			for _, in := range ins {
				load[in]++
				total[in]++
			}
		}
		// LOTTERY.md §5: at most ceil(p × k / L) + 1 = ceil(2 × 300 / 50) + 1 = 13 each.
		if lo, hi := slices.Min(load), slices.Max(load); hi > 13 || hi-lo > 2 {
			t.Fatalf("seed %d: loads from %d to %d, want at most 13 and a spread of 2", d, lo, hi)
		}
	}
	// Over many draws each inspector is picked equally often (49 degrees of freedom,
	// 99.9% critical value 85.4).
	if x := chiSquare(total, 400*600/50.0); x > 85.4 {
		t.Fatalf("inspector frequencies: chi-square %.1f, want at most 85.4", x)
	}
}

func TestAssignKeepsConflictsAndMixesAgencies(t *testing.T) {
	h := testHeader(12, 3, 2)
	targets := codesOf(200)
	for i := range 6 { // inspectors 0..5 may not check targets 0..9
		for tg := range 10 {
			h.Conflicts = append(h.Conflicts, PoolConflict{OfficerID: h.Inspectors[i].OfficerID, TargetCode: targets[tg]})
		}
	}
	for d := range 50 {
		got, err := Assign(seedOf(d), h, targets)
		if err != nil {
			t.Fatal(err)
		}
		for tg, ins := range got {
			agencies := map[uuid.UUID]bool{}
			for _, in := range ins {
				agencies[h.Inspectors[in].AgencyID] = true
				if tg < 10 && in < 6 {
					t.Fatalf("target %d was given inspector %d despite a registered conflict", tg, in)
				}
			}
			if len(agencies) < 2 {
				t.Fatalf("joint task: target %d has inspectors %v from one agency", tg, ins)
			}
		}
	}
}

func TestAssignRefusesTheImpossible(t *testing.T) {
	h := testHeader(3, 1, 2)
	targets := codesOf(5)
	for _, in := range h.Inspectors[:2] {
		h.Conflicts = append(h.Conflicts, PoolConflict{OfficerID: in.OfficerID, TargetCode: targets[0]})
	}
	if _, err := Assign(seedOf(1), h, targets); err == nil {
		t.Fatal("a target with one inspector free of conflict was assigned, want ErrInfeasible")
	}
}

func TestListingRoundTripAndRun(t *testing.T) {
	h := testHeader(6, 2, 2)
	codes := codesOf(100)
	h.Strata = []Stratum{{"A", 10, 5}, {"B", 0, 0}, {"C", 60, 6}, {"D", 30, 3}}
	h.Conflicts = []PoolConflict{{h.Inspectors[0].OfficerID, codes[3]}}
	var buf bytes.Buffer
	lw := NewListingWriter(&buf, h)
	pack := func(cs []string) []byte { return []byte(stringsJoin(cs)) }
	if err := lw.Codes("A", pack(codes[:10])); err != nil {
		t.Fatal(err)
	}
	if err := lw.Codes("C", pack(codes[10:40])); err != nil {
		t.Fatal(err)
	}
	if err := lw.Codes("C", pack(codes[40:70])); err != nil {
		t.Fatal(err)
	}
	if err := lw.Codes("D", pack(codes[70:])); err != nil {
		t.Fatal(err)
	}
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	l, hash, err := ParseListing(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(hash) != 64 || l.Header.Size() != 100 || l.Header.Total() != 14 || len(l.Header.Conflicts) != 1 || !l.Header.Joint {
		t.Fatalf("parsed header %+v", l.Header)
	}
	seed := seedOf(7)
	a, err := Run(seed, &l.Header, l.Read)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Run(seed, &l.Header, l.Read)
	if ResultHash(h, a) != ResultHash(h, b) || len(a.Codes) != 14 {
		t.Fatalf("two runs differ or wrong size: %v / %v", a.Codes, b.Codes)
	}
	for i, c := range a.Codes[:5] {
		if c >= codes[10] {
			t.Fatalf("pick %d of stratum A is %s, outside it", i, c)
		}
	}
	// A changed byte changes the hash; trailing data is refused.
	bad := bytes.Replace(buf.Bytes(), []byte(codes[5]), []byte(codes[99]), 1)
	if _, h2, _ := ParseListing(bytes.NewReader(bad)); h2 == hash {
		t.Fatal("a changed listing kept its hash")
	}
	if _, _, err := ParseListing(bytes.NewReader(append(buf.Bytes(), 'x'))); err == nil {
		t.Fatal("data after the end was accepted")
	}
}

func stringsJoin(cs []string) string {
	var b bytes.Buffer
	for _, c := range cs {
		b.WriteString(c)
	}
	return b.String()
}

// The "more than 2L refused in a row" rule counts per target (LOTTERY.md §5): sixty
// targets each refuse one of three inspectors, far more than 2L = 6 refusals in all, and
// the draw succeeds with each target given the two it may have.
func TestRefusalCountIsPerTarget(t *testing.T) {
	h := testHeader(3, 1, 2)
	targets := codesOf(60)
	for i, code := range targets {
		h.Conflicts = append(h.Conflicts, PoolConflict{OfficerID: h.Inspectors[i%3].OfficerID, TargetCode: code})
	}
	for s := range 5 {
		got, err := Assign(seedOf(s), h, targets)
		if err != nil {
			t.Fatalf("seed %d: %v", s, err)
		}
		for i, ins := range got {
			if slices.Contains(ins, i%3) || len(ins) != 2 {
				t.Fatalf("seed %d: target %d given %v", s, i, ins)
			}
		}
	}
}
