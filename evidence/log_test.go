package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// memTree keeps tlog's stored hashes in memory, as log_hashes keeps them in PostgreSQL.
type memTree []tlog.Hash

func (m *memTree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = (*m)[x]
	}
	return out, nil
}

func (m *memTree) add(t *testing.T, n int64, data []byte) {
	hs, err := tlog.StoredHashes(n, data, m)
	if err != nil {
		t.Fatal(err)
	}
	*m = append(*m, hs...)
}

// mth is RFC 6962 §2.1's Merkle Tree Hash, straight from its recursive definition.
func mth(leaves [][]byte) [32]byte {
	switch len(leaves) {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return sha256.Sum256(append([]byte{0}, leaves[0]...))
	}
	k := 1
	for k*2 < len(leaves) {
		k *= 2
	}
	l, r := mth(leaves[:k]), mth(leaves[k:])
	return sha256.Sum256(append(append([]byte{1}, l[:]...), r[:]...))
}

type logVectors struct {
	Leaves []struct {
		Data     string `json:"data"`
		LeafHash string `json:"leaf_hash"`
	} `json:"leaves"`
	Roots     []string `json:"roots"` // roots[n] is the root of the first n leaves
	Inclusion []struct {
		Index int64    `json:"leaf_index"`
		Size  int64    `json:"tree_size"`
		Proof []string `json:"proof"`
	} `json:"inclusion"`
	Consistency []struct {
		From  int64    `json:"from"`
		To    int64    `json:"to"`
		Proof []string `json:"proof"`
	} `json:"consistency"`
}

// exampleLeaves are the leaves of LOG.md §5: heads 1…7 of one case.
func exampleLeaves() [][]byte {
	id := uuid.MustParse("0190a8f0-0000-7000-8000-0000000000ca")
	var out [][]byte
	for i := 1; i <= 7; i++ {
		h := sha256.Sum256([]byte(fmt.Sprintf("head %d", i)))
		out = append(out, LeafData(id, i, hex.EncodeToString(h[:])))
	}
	return out
}

// The log's hashing and proofs, pinned by testdata/log_vectors.json (LOG.md §5): the
// tree zhifa builds with tlog has RFC 6962's roots computed from the definition, every
// proof it makes checks with the RFC 9162 verifiers of LOG.md §4, and all of it equals
// the vector file an outsider tests against. ZHIFA_WRITE_VECTORS=1 rewrites the file.
func TestLogVectors(t *testing.T) {
	leaves := exampleLeaves()
	var tree memTree
	var v logVectors
	v.Roots = []string{hex.EncodeToString(func() []byte { h := mth(nil); return h[:] }())}
	for n, d := range leaves {
		tree.add(t, int64(n), d)
		lh := LeafHash(d)
		v.Leaves = append(v.Leaves, struct {
			Data     string `json:"data"`
			LeafHash string `json:"leaf_hash"`
		}{string(d), hex.EncodeToString(lh[:])})
		root, err := tlog.TreeHash(int64(n+1), &tree)
		if err != nil {
			t.Fatal(err)
		}
		if want := mth(leaves[:n+1]); root != tlog.Hash(want) {
			t.Fatalf("root of %d leaves %x, RFC 6962 gives %x", n+1, root, want)
		}
		v.Roots = append(v.Roots, hex.EncodeToString(root[:]))
	}
	root := func(n int64) tlog.Hash {
		var h tlog.Hash
		b, _ := hex.DecodeString(v.Roots[n])
		copy(h[:], b)
		return h
	}
	for size := int64(1); size <= int64(len(leaves)); size++ {
		for i := int64(0); i < size; i++ {
			p, err := tlog.ProveRecord(size, i, &tree)
			if err != nil {
				t.Fatal(err)
			}
			in := Inclusion{LeafIndex: i, TreeSize: size, LeafHash: v.Leaves[i].LeafHash, Proof: hexes(p)}
			if err := CheckInclusion(in, root(size)); err != nil {
				t.Fatalf("leaf %d in %d: %v", i, size, err)
			}
			if err := CheckInclusion(in, root(size-1+boolInt(size == 1))); err == nil && size > 1 {
				t.Fatalf("leaf %d in %d: proof accepted against another root", i, size)
			}
			if size == 7 || (size == 5 && i == 2) {
				v.Inclusion = append(v.Inclusion, struct {
					Index int64    `json:"leaf_index"`
					Size  int64    `json:"tree_size"`
					Proof []string `json:"proof"`
				}{i, size, in.Proof})
			}
		}
		for from := int64(1); from <= size; from++ {
			c := Consistency{From: from, To: size, Proof: []string{}}
			if from < size {
				p, err := tlog.ProveTree(size, from, &tree)
				if err != nil {
					t.Fatal(err)
				}
				c.Proof = hexes(p)
			}
			if err := CheckConsistency(c, root(from), root(size)); err != nil {
				t.Fatalf("consistency %d→%d: %v", from, size, err)
			}
			if from < size {
				forged := root(from)
				forged[0] ^= 1
				if CheckConsistency(c, forged, root(size)) == nil {
					t.Fatalf("consistency %d→%d accepted a rewritten old root", from, size)
				}
			}
			if size == 7 && from < size {
				v.Consistency = append(v.Consistency, struct {
					From  int64    `json:"from"`
					To    int64    `json:"to"`
					Proof []string `json:"proof"`
				}{from, size, c.Proof})
			}
		}
	}
	got, _ := json.MarshalIndent(v, "", "  ")
	got = append(got, '\n')
	const file = "testdata/log_vectors.json"
	if os.Getenv("ZHIFA_WRITE_VECTORS") == "1" {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("the log's hashing no longer matches %s", file)
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// LOG.md quotes the vectors and a checkpoint signed with a fixed key; Ed25519 signatures
// are deterministic, so the quoted note is exactly what zhifa signs.
func TestLogSpecExamples(t *testing.T) {
	b, err := os.ReadFile("testdata/log_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v logVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	quoted := []string{v.Leaves[0].LeafHash, v.Leaves[2].LeafHash, v.Roots[0], v.Roots[5], v.Roots[7]}
	for _, in := range v.Inclusion {
		if in.Index == 2 && in.Size == 5 {
			quoted = append(quoted, in.Proof...)
		}
	}
	for _, c := range v.Consistency {
		if c.From == 3 {
			quoted = append(quoted, c.Proof...)
		}
	}
	seed := make([]byte, 32)
	for i := range seed {
		seed[i] = byte(i + 1)
	}
	l, err := NewLog(nil, "example.gov.cn/zhifa-log", hex.EncodeToString(seed))
	if err != nil {
		t.Fatal(err)
	}
	var root tlog.Hash
	rb, _ := hex.DecodeString(v.Roots[7])
	copy(root[:], rb)
	at, _ := time.Parse(time.RFC3339, "2026-03-05T08:00:00Z")
	signed, err := note.Sign(&note.Note{Text: checkpointBody(l.Origin(), 7, root, at)}, l.signer)
	if err != nil {
		t.Fatal(err)
	}
	quoted = append(quoted, l.VerifierKey(), string(signed))
	for _, q := range quoted {
		if !strings.Contains(string(LogSpec), q) {
			t.Errorf("LOG.md does not quote %.70s…", q)
		}
	}
	size, got, when, err := OpenCheckpoint(signed, l.VerifierKey())
	if err != nil || size != 7 || got != root || !when.Equal(at) {
		t.Errorf("the checkpoint opens as %d %x %v, %v", size, got, when, err)
	}
	// Another key, or one changed byte, and the checkpoint is refused.
	other, _ := NewLog(nil, "example.gov.cn/zhifa-log", strings.Repeat("ab", 32))
	if _, _, _, err := OpenCheckpoint(signed, other.VerifierKey()); err == nil {
		t.Error("a checkpoint opened under another key")
	}
	forged := strings.Replace(string(signed), "\n7\n", "\n8\n", 1)
	if _, _, _, err := OpenCheckpoint([]byte(forged), l.VerifierKey()); err == nil {
		t.Error("a checkpoint with a changed size opened")
	}
}
