package inspection

import (
	"fmt"
	"strings"
	"testing"

	"zhifa/fault"
)

// Each class's take is ceil(size × ratio) in exact decimal arithmetic (LOTTERY.md §2).
// The expected takes are worked out by hand; the comments give the float64 product where
// binary floating point would round to something else.
func TestStratumTakeIsExactCeiling(t *testing.T) {
	for _, c := range []struct {
		size  int
		ratio float64
		want  int
		why   string
	}{
		{100, 0.07, 7, "100 × 0.07 = 7 exactly (float64: 7.000000000000001, ceil 8)"},
		{200, 0.14, 28, "200 × 0.14 = 28 exactly (float64: 28.000000000000004, ceil 29)"},
		{300, 0.07, 21, "300 × 0.07 = 21 exactly (float64: 21.000000000000004)"},
		{100, 0.56, 56, "100 × 0.56 = 56 exactly (float64: 56.00000000000001)"},
		{100, 0.29, 29, "100 × 0.29 = 29 exactly (float64: 28.999999999999996, truncation gives 28)"},
		{100, 0.033, 4, "100 × 0.033 = 3.3, rounded up"},
		{40, 0.5, 20, "40 × 0.5 = 20"},
		{160, 0.05, 8, "160 × 0.05 = 8"},
		{10, 0.10000000001, 2, "10 × 0.10000000001 = 1.0000000001, rounded up (an epsilon of 1e-9 gives 1)"},
		{3, 0.3333333334, 2, "3 × 0.3333333334 = 1.0000000002, rounded up"},
		{1, 1e-10, 1, "1 × 0.0000000001 is above 0, so one target"},
		{1000, 0.022000000000000002, 22, "the form's 2.2 / 100 is 0.022 to 15 digits: 1000 × 0.022 = 22"},
		{1000, 0.006999999999999999, 7, "the form's 0.7 / 100 is 0.007 to 15 digits: 1000 × 0.007 = 7"},
		{7, 1, 7, "a ratio of 1 takes the whole class"},
		{0, 0.5, 0, "an empty class takes none"},
		{9, 0, 0, "a ratio of 0 takes none"},
	} {
		in := TaskInput{Ratios: map[string]float64{"A": c.ratio, "B": 1}}
		out, err := in.strata(map[string]int{"A": c.size, "B": 1}, 0)
		if err != nil {
			t.Errorf("%s: %v", c.why, err)
			continue
		}
		if out[0].Risk != "A" || out[0].Size != c.size || out[0].Take != c.want {
			t.Errorf("%s: stratum %+v, want take %d of %d", c.why, out[0], c.want, c.size)
		}
	}
}

// The takes together must reach ceil(total × floor), counted the same exact way: with a
// floor of 7%, 100 targets need 7 (float64 says 7.000000000000001, ceil 8) and 300 need
// 21; one fewer is refused, naming the least number.
func TestFloorIsExactCeiling(t *testing.T) {
	for _, c := range []struct {
		sizes  map[string]int
		floor  float64
		counts map[string]int
		need   int // 0: accepted
	}{
		{map[string]int{"A": 100}, 0.07, map[string]int{"A": 7}, 0},
		{map[string]int{"A": 100}, 0.07, map[string]int{"A": 6}, 7},
		{map[string]int{"A": 100, "C": 200}, 0.07, map[string]int{"A": 1, "C": 20}, 0},  // 300 × 0.07 = 21
		{map[string]int{"A": 100, "C": 200}, 0.07, map[string]int{"A": 0, "C": 20}, 21}, // 20 < 21
		{map[string]int{"B": 410}, 0.03, map[string]int{"B": 13}, 0},                    // 410 × 0.03 = 12.3 → 13
		{map[string]int{"B": 410}, 0.03, map[string]int{"B": 12}, 13},
		{map[string]int{"D": 200}, 0.0325, map[string]int{"D": 6}, 7}, // 200 × 0.0325 = 6.5 → 7
	} {
		in := TaskInput{Counts: c.counts}
		_, err := in.strata(c.sizes, c.floor)
		switch {
		case c.need == 0 && err != nil:
			t.Errorf("sizes %v, floor %v, counts %v: refused (%v), want accepted", c.sizes, c.floor, c.counts, err)
		case c.need > 0 && (!fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), fmt.Sprintf("至少 %d 个", c.need))):
			t.Errorf("sizes %v, floor %v, counts %v: %v, want a refusal naming at least %d", c.sizes, c.floor, c.counts, err, c.need)
		}
	}
}

// A fixed count larger than its class is refused, never capped (LOTTERY.md §2).
func TestCountBeyondClassIsRefused(t *testing.T) {
	in := TaskInput{Counts: map[string]int{"A": 11, "B": 5}}
	_, err := in.strata(map[string]int{"A": 10, "B": 100}, 0.03)
	if !fault.Is(err, fault.Invalid) || !strings.Contains(err.Error(), "只有 10 个，少于要抽取的 11 个 (counts)") {
		t.Errorf("count 11 of a class of 10: %v", err)
	}
}
