package evidence

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The worked example of DOCUMENTS.md §5 is what the code computes: the agency's key from
// the seed, the message byte for byte, the signature; and a changed number fails.
func TestDocumentSpecificationExample(t *testing.T) {
	keys, err := NewDocumentKeys("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	key := keys.For(uuid.MustParse("0193a5c2-7f00-7000-8000-0000000000a1"))
	pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
	sum := sha256.Sum256([]byte("%PDF-1.3 example"))
	sha := hex.EncodeToString(sum[:])
	frozen := time.Date(2026, 12, 2, 10, 30, 0, 0, time.FixedZone("CST", 8*3600))
	msg := DocumentMessage(uuid.MustParse("0193a5c2-7f00-7000-8000-000000000d01"), "青山市监罚决〔2026〕7号", "11360799014000444C", frozen, sha)
	sig := ed25519.Sign(key, msg)
	for what, v := range map[string]string{"public key": pub, "hash": sha, "message": hex.EncodeToString(msg), "signature": hex.EncodeToString(sig),
		"message length": "The message, " + strconv.Itoa(len(msg)) + " bytes"} {
		if !strings.Contains(DocumentSpecification, v) {
			t.Errorf("DOCUMENTS.md lacks the example's %s %s", what, v)
		}
	}
	bad := DocumentMessage(uuid.MustParse("0193a5c2-7f00-7000-8000-000000000d01"), "青山市监罚决〔2026〕8号", "11360799014000444C", frozen, sha)
	if ed25519.Verify(key.Public().(ed25519.PublicKey), bad, sig) {
		t.Error("a changed number verified")
	}
	if keys.For(uuid.New()).Equal(key) {
		t.Error("two agencies share a key")
	}
}
