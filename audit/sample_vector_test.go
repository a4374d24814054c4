package audit_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"

	"zhifa/audit"
	"zhifa/inspection"
)

// The worked example of SAMPLE.md §6. Every value below was computed once by an
// independent Python implementation written from SAMPLE.md and LOTTERY.md alone
// (hashlib, no zhifa code), not by this package.
const (
	vectorSecret     = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	vectorCommitment = "630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd"
	vectorWitness    = "双色球 2026135"
	vectorPoolHash   = "f95f91685f9b695b93a85b43e4582d25a5ee8a925be4ac07cfa6742144ed5a71"
	vectorSeed       = "9266e834a285853d9acbd36d43509cab739b7a9ba42258129462871d4bec0ce5"
	vectorResult     = "1 青市监罚〔2026〕40号 9f8e7d6c-5b4a-4392-8170-6a5b4c3d2e1f\n" +
		"2 青市监罚〔2026〕7号 5d2a8f10-6e4c-4b39-a7d2-0c1b9e8f7a64\n" +
		"3 青林罚〔2026〕2号 1c9e4b7a-2f3d-4a61-8b05-7e6d5c4b3a21\n"
	vectorResultHash = "30c2396604994b1556549abd6d9e58d465444461aca700c138e4af7245d98932"

	// The same pool without its two handled lines: the same files, files 1 and 2 swap
	// evaluators.
	vectorPoolHashUnbarred = "0154dd664b1d0884a1098387795bf29a5d099732bcdfa97d5679a5b4c895b235"
	vectorResultUnbarred   = "1 青市监罚〔2026〕40号 5d2a8f10-6e4c-4b39-a7d2-0c1b9e8f7a64\n" +
		"2 青市监罚〔2026〕7号 9f8e7d6c-5b4a-4392-8170-6a5b4c3d2e1f\n" +
		"3 青林罚〔2026〕2号 1c9e4b7a-2f3d-4a61-8b05-7e6d5c4b3a21\n"
)

// exampleBlocks returns the ```text blocks of SAMPLE.md's worked example: the pool
// listing, then the result listing. The test reads the listing from the published text
// so that the document and the pinned values cannot drift apart.
func exampleBlocks(t *testing.T) []string {
	t.Helper()
	_, ex, ok := strings.Cut(audit.Specification, "## 6. Worked example")
	if !ok {
		t.Fatal("SAMPLE.md has no section \"## 6. Worked example\"")
	}
	var blocks []string
	for {
		var found bool
		if _, ex, found = strings.Cut(ex, "```text\n"); !found {
			break
		}
		var block string
		if block, ex, found = strings.Cut(ex, "```"); !found {
			t.Fatal("SAMPLE.md §6: a ```text block is not closed")
		}
		blocks = append(blocks, block)
	}
	if len(blocks) != 2 {
		t.Fatalf("SAMPLE.md §6 has %d text blocks, want 2 (pool listing, result listing)", len(blocks))
	}
	return blocks
}

func hexSHA(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestSampleWorkedExample(t *testing.T) {
	blocks := exampleBlocks(t)
	listing := blocks[0]
	if blocks[1] != vectorResult {
		t.Errorf("SAMPLE.md §6 result listing:\n%s\nwant (independent implementation):\n%s", blocks[1], vectorResult)
	}
	for _, v := range []string{vectorSecret, vectorCommitment, vectorWitness, vectorPoolHash, vectorSeed, vectorResultHash, vectorPoolHashUnbarred} {
		if !strings.Contains(audit.Specification, v) {
			t.Errorf("SAMPLE.md §6 does not quote %s", v)
		}
	}
	if got := hexSHA(listing); got != vectorPoolHash {
		t.Fatalf("SHA-256 of the example listing = %s, want %s", got, vectorPoolHash)
	}

	// The reference implementation reads the listing back byte for byte.
	p, err := audit.ParseListing(listing)
	if err != nil {
		t.Fatalf("ParseListing: %v", err)
	}
	if text, hash := p.Listing(); text != listing || hash != vectorPoolHash {
		t.Fatalf("the listing does not round-trip: hash %s, want %s", hash, vectorPoolHash)
	}
	secret, err := hex.DecodeString(vectorSecret)
	if err != nil {
		t.Fatal(err)
	}
	if got := inspection.Commit(secret); got != vectorCommitment || p.Commitment != vectorCommitment {
		t.Errorf("commitment = %s, listing says %s, want %s", got, p.Commitment, vectorCommitment)
	}
	seed := inspection.Seed(secret, vectorWitness)
	if got := hex.EncodeToString(seed); got != vectorSeed {
		t.Fatalf("seed = %s, want %s", got, vectorSeed)
	}

	// The intermediate values of §6: positions drawn per stratum, and the shuffled
	// evaluator list as indices into the listing order.
	for _, c := range []struct {
		agency     string
		size, take int
		want       []int
	}{
		{"3b1f6c2e-0a4d-4f57-8e21-6d9c0b7a5e13", 5, 2, []int{3, 4}},
		{"a7d40e91-5c3b-4e2a-b816-09f2c4d7e358", 3, 1, []int{1}},
	} {
		if got := inspection.SelectIndices(seed, c.agency, c.size, c.take); !slices.Equal(got, c.want) {
			t.Errorf("positions drawn from stratum %s = %v, want %v", c.agency, got, c.want)
		}
	}
	if got, want := inspection.Shuffle(seed, "evaluators", 4), []int{1, 2, 0, 3}; !slices.Equal(got, want) {
		t.Errorf("shuffled evaluators = %v, want %v (5d2a8f10, 9f8e7d6c, 1c9e4b7a, e4b3c2d1)", got, want)
	}

	picks, err := audit.Sample(seed, p)
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	var result bytes.Buffer
	if err := audit.WriteResult(&result, p, picks); err != nil {
		t.Fatal(err)
	}
	if result.String() != vectorResult {
		t.Errorf("result listing:\n%s\nwant:\n%s", result.String(), vectorResult)
	}
	if got := audit.ResultHash(p, picks); got != vectorResultHash {
		t.Errorf("result hash = %s, want %s", got, vectorResultHash)
	}
	// Verification from the published values accepts the example.
	e := audit.Evaluation{PoolHash: vectorPoolHash, Commitment: vectorCommitment, Secret: vectorSecret, Witness: vectorWitness,
		Seed: vectorSeed, ResultHash: vectorResultHash}
	if c := audit.CheckSample(&e, listing, vectorResult); !c.OK {
		t.Errorf("CheckSample on the worked example: %v", c.Problems)
	}

	// Without the handled lines the first justice-bureau evaluator takes file 1 again.
	_, rest, _ := strings.Cut(listing, "handled 2\n")
	if rest != "5d2a8f10-6e4c-4b39-a7d2-0c1b9e8f7a64 青市监罚〔2026〕12号\n5d2a8f10-6e4c-4b39-a7d2-0c1b9e8f7a64 青市监罚〔2026〕40号\nend\n" {
		t.Fatalf("the example's handled section changed:\n%s", rest)
	}
	unbarred := strings.Replace(listing, "handled 2\n"+strings.TrimSuffix(rest, "end\n"), "handled 0\n", 1)
	if got := hexSHA(unbarred); got != vectorPoolHashUnbarred {
		t.Fatalf("hash of the listing without handled lines = %s, want %s", got, vectorPoolHashUnbarred)
	}
	q, err := audit.ParseListing(unbarred)
	if err != nil {
		t.Fatal(err)
	}
	picks, err = audit.Sample(seed, q)
	if err != nil {
		t.Fatal(err)
	}
	result.Reset()
	if err := audit.WriteResult(&result, q, picks); err != nil {
		t.Fatal(err)
	}
	if result.String() != vectorResultUnbarred {
		t.Errorf("result listing without handled lines:\n%s\nwant:\n%s", result.String(), vectorResultUnbarred)
	}
}
