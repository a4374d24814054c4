package inspection

import (
	"bytes"
	"crypto/ed25519"
	_ "embed"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// An inspection code (检查码) is what an officer shows a firm before a check: a compact
// token, signed with the platform's Ed25519 key, that binds the check, the firm, the
// matters, the officers' certificate numbers and the window in which the check may take
// place. Anyone with the published key can verify it; CODE.md specifies the format.

// CodeSpecification is CODE.md, served to the public with the verifying key.
//
//go:embed CODE.md
var CodeSpecification string

// CodeVersion is the format's first byte; codeDomain prefixes what is signed, so that a
// signature by this key over anything else is never a valid code.
const (
	CodeVersion = 1
	codeDomain  = "zhifa-check-code-1\n"
)

// CodeTolerance is how far a phone's clock may be off: a code is accepted this long
// before its window opens and after it closes.
const CodeTolerance = 5 * time.Minute

// CodeClaims is what a code binds.
type CodeClaims struct {
	CheckID   uuid.UUID
	Firm      string // the unified social credit code, 18 characters
	ValidFrom time.Time
	ValidTo   time.Time
	Matters   []uuid.UUID
	Officers  []string // certificate numbers
}

// ErrForged is any code that does not parse or whose signature does not verify.
var ErrForged = errors.New("检查码无法验证")

// payload is the signed bytes of the claims, as CODE.md lays them out.
func (c CodeClaims) payload() ([]byte, error) {
	switch {
	case len(c.Firm) != 18:
		return nil, fmt.Errorf("credit code %q is not 18 characters", c.Firm)
	case len(c.Matters) == 0 || len(c.Matters) > 255:
		return nil, fmt.Errorf("%d matters", len(c.Matters))
	case len(c.Officers) == 0 || len(c.Officers) > 255:
		return nil, fmt.Errorf("%d officers", len(c.Officers))
	case !c.ValidTo.After(c.ValidFrom):
		return nil, errors.New("the window ends before it begins")
	}
	var b bytes.Buffer
	b.WriteByte(CodeVersion)
	b.Write(c.CheckID[:])
	b.WriteString(c.Firm)
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(c.ValidFrom.Unix())))
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(c.ValidTo.Unix())))
	b.WriteByte(byte(len(c.Matters)))
	for _, m := range c.Matters {
		b.Write(m[:])
	}
	b.WriteByte(byte(len(c.Officers)))
	for _, o := range c.Officers {
		if len(o) == 0 || len(o) > 255 || !utf8.ValidString(o) {
			return nil, fmt.Errorf("certificate number %q", o)
		}
		b.WriteByte(byte(len(o)))
		b.WriteString(o)
	}
	return b.Bytes(), nil
}

// SignCode makes the code of the claims: the payload and its signature, in base64url
// without padding. Ed25519 is deterministic: the same claims give the same code.
func SignCode(key ed25519.PrivateKey, c CodeClaims) (string, error) {
	p, err := c.payload()
	if err != nil {
		return "", err
	}
	sig := ed25519.Sign(key, append([]byte(codeDomain), p...))
	return base64.RawURLEncoding.EncodeToString(append(p, sig...)), nil
}

// VerifyCode checks a code's signature with the public key and returns its claims;
// anything else is ErrForged. Whether the claims still hold (the check approved, the
// window open) is for the caller to say.
func VerifyCode(pub ed25519.PublicKey, code string) (CodeClaims, error) {
	var c CodeClaims
	// Strictly: a last character with bits set beyond the data is another text of the
	// same bytes, and a code has one text only.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(code)
	// The shortest code: the fixed 44 bytes, one matter, one officer of one character.
	if err != nil || len(raw) < 44+16+1+2+ed25519.SignatureSize || raw[0] != CodeVersion {
		return c, ErrForged
	}
	p, sig := raw[:len(raw)-ed25519.SignatureSize], raw[len(raw)-ed25519.SignatureSize:]
	if !ed25519.Verify(pub, append([]byte(codeDomain), p...), sig) {
		return c, ErrForged
	}
	r := bytes.NewReader(p[1:])
	next := func(n int) []byte {
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil
		}
		return b
	}
	// The fixed part is there: the length check above counted it.
	copy(c.CheckID[:], next(16))
	c.Firm = string(next(18))
	c.ValidFrom = time.Unix(int64(binary.BigEndian.Uint32(next(4))), 0)
	c.ValidTo = time.Unix(int64(binary.BigEndian.Uint32(next(4))), 0)
	m, _ := r.ReadByte()
	for range int(m) {
		b := next(16)
		if b == nil {
			return c, ErrForged
		}
		c.Matters = append(c.Matters, uuid.UUID(b))
	}
	n, _ := r.ReadByte()
	for range int(n) {
		l, err := r.ReadByte()
		b := next(int(l))
		if err != nil || l == 0 || b == nil || !utf8.Valid(b) {
			return c, ErrForged
		}
		c.Officers = append(c.Officers, string(b))
	}
	if r.Len() != 0 || len(c.Matters) == 0 || len(c.Officers) == 0 {
		return c, ErrForged // signed, but not by this format's rules
	}
	return c, nil
}

// Window says where t stands in the claims' window, with the tolerance: "early",
// "open" or "closed".
func (c CodeClaims) Window(t time.Time) string {
	switch {
	case t.Before(c.ValidFrom.Add(-CodeTolerance)):
		return "early"
	case !t.Before(c.ValidTo.Add(CodeTolerance)):
		return "closed"
	}
	return "open"
}
