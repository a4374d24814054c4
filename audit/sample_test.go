package audit

import (
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"zhifa/inspection"
)

func testPool(agencies, files int) *Pool {
	p := &Pool{EvaluationID: uuid.MustParse("00000000-0000-4000-8000-000000000001"), Commitment: inspection.Commit([]byte("zhifa"))}
	for a := range agencies {
		st := Stratum{AgencyID: uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "agency %d", a))}
		for f := range files {
			st.Numbers = append(st.Numbers, fmt.Sprintf("青%d罚〔2026〕%d号", a, f+1))
		}
		st.Take = files / 4
		p.Strata = append(p.Strata, st)
	}
	for e := range 5 {
		p.Evaluators = append(p.Evaluators, Evaluator{UserID: uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "user %d", e)),
			AgencyID: p.Strata[e%agencies].AgencyID})
	}
	p.Handled = []Handled{{p.Evaluators[3].UserID, p.Strata[0].Numbers[0]}}
	p.sort()
	return p
}

func TestSampleRoundTripAndRules(t *testing.T) {
	p := testPool(3, 40)
	listing, hash := p.Listing()
	back, err := ParseListing(listing)
	if err != nil {
		t.Fatal(err)
	}
	if _, h := back.Listing(); h != hash {
		t.Fatalf("listing does not round-trip")
	}
	seed := inspection.Seed([]byte("zhifa"), "12345")
	picks, err := Sample(seed, p)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Sample(seed, back)
	if ResultHash(p, picks) != ResultHash(back, again) {
		t.Fatal("the sample is not reproducible from the listing")
	}
	if len(picks) != 30 {
		t.Fatalf("sampled %d files, want 3 × 10", len(picks))
	}
	load := make([]int, len(p.Evaluators))
	for _, pk := range picks {
		ev := p.Evaluators[pk.Evaluator]
		if ev.AgencyID == pk.AgencyID {
			t.Fatalf("%s went to an evaluator of its own agency", pk.Number)
		}
		if slices.Contains(p.Handled, Handled{ev.UserID, pk.Number}) {
			t.Fatalf("%s went to the evaluator who handled it", pk.Number)
		}
		load[pk.Evaluator]++
	}
	if slices.Max(load)-slices.Min(load) > 2 {
		t.Fatalf("unbalanced loads %v", load)
	}
	// Another witness input, another sample.
	other, _ := Sample(inspection.Seed([]byte("zhifa"), "12346"), p)
	if ResultHash(p, other) == ResultHash(p, picks) {
		t.Fatal("the witness input does not change the sample")
	}
}

func TestSampleRefusesWhenNoEvaluatorMayScore(t *testing.T) {
	p := testPool(1, 8)
	if _, err := Sample(inspection.Seed([]byte("zhifa"), ""), p); err == nil {
		t.Fatal("every evaluator is of the only agency, yet the sample was assigned")
	}
}

func TestSampleListingRefusesBrokenText(t *testing.T) {
	listing, _ := testPool(2, 4).Listing()
	for _, broken := range []string{listing[:len(listing)-4], "zhifa-sample-2" + listing[len(SampleAlgorithm):], listing + "x\n"} {
		if _, err := ParseListing(broken); err == nil {
			t.Errorf("accepted a broken listing:\n%s", broken)
		}
	}
}

func TestRubricValidationAndRating(t *testing.T) {
	r, err := (func() *RubricInput { in := DefaultRubric(); return &in })().Validate()
	if err != nil {
		t.Fatal(err)
	}
	if r.GroupTotal(GroupForm) != 20 || r.GroupTotal(GroupContent) != 80 {
		t.Fatalf("form %g content %g", r.GroupTotal(GroupForm), r.GroupTotal(GroupContent))
	}
	for _, c := range []struct {
		total  float64
		vetoed bool
		want   Rating
	}{{90, false, Excellent}, {89.9, false, Pass}, {70, false, Pass}, {69.9, false, Fail}, {100, true, Fail}} {
		if got := r.Rate(c.total, c.vetoed); got != c.want {
			t.Errorf("Rate(%g, %t) = %s, want %s", c.total, c.vetoed, got, c.want)
		}
	}
	var vetoes int
	for _, it := range r.Items {
		if it.Group == GroupVeto {
			vetoes++
		}
	}
	if vetoes != 8 {
		t.Fatalf("%d veto items, want 8", vetoes)
	}
}
