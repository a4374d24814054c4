package inspection

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The worked example of CODE.md, pinned: the payload, the signature and the code the
// document prints are what SignCode makes, VerifyCode reads the claims back, and the
// document holds each value as printed.
func TestCodeWorkedExample(t *testing.T) {
	seed, _ := hex.DecodeString("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	key := ed25519.NewKeyFromSeed(seed)
	cst := time.FixedZone("CST", 8*3600)
	claims := CodeClaims{CheckID: uuid.MustParse("0193a5c2-7f00-7000-8000-000000000001"), Firm: "91360799MA5005333M",
		ValidFrom: time.Date(2026, 12, 1, 0, 0, 0, 0, cst), ValidTo: time.Date(2026, 12, 16, 0, 0, 0, 0, cst),
		Matters: []uuid.UUID{uuid.MustParse("0193a5c2-7f00-7000-8000-00000000000a")}, Officers: []string{"36079900419", "36079900636"}}
	const (
		pub     = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
		payload = "010193a5c27f007000800000000000000139313336303739394d41353030353333334d6b0d9d806b216400010193a5c27f007000800000000000000a020b33363037393930303431390b3336303739393030363336"
		sig     = "0bcbecbb8ec0c0c3b2afb6dc94589cad9a354c2845d7624ae856c5b9478048d9927ad86f3cad7691b7bbc4346c61f9e2d0fb2c2f7f2d69fa78b524dc8ce5960f"
		code    = "AQGTpcJ_AHAAgAAAAAAAAAE5MTM2MDc5OU1BNTAwNTMzM01rDZ2AayFkAAEBk6XCfwBwAIAAAAAAAAAKAgszNjA3OTkwMDQxOQszNjA3OTkwMDYzNgvL7LuOwMDDsq-23JRYnK2aNUwoRddiSuhWxblHgEjZknrYbzytdpG3u8Q0bGH54tD7LC9_LWn6eLUk3Izllg8"
	)
	if got := hex.EncodeToString(key.Public().(ed25519.PublicKey)); got != pub {
		t.Errorf("public key %s", got)
	}
	got, err := SignCode(key, claims)
	if err != nil || got != code {
		t.Fatalf("code %s, %v", got, err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(got)
	if hex.EncodeToString(raw[:len(raw)-64]) != payload || hex.EncodeToString(raw[len(raw)-64:]) != sig {
		t.Errorf("payload or signature differ from the document")
	}
	for _, v := range []string{pub, payload, sig, code, "1796054400", "1797350400"} {
		if !strings.Contains(CodeSpecification, v) {
			t.Errorf("CODE.md does not print %s", v)
		}
	}
	back, err := VerifyCode(key.Public().(ed25519.PublicKey), code)
	if err != nil || back.CheckID != claims.CheckID || back.Firm != claims.Firm || !back.ValidFrom.Equal(claims.ValidFrom) ||
		!back.ValidTo.Equal(claims.ValidTo) || len(back.Matters) != 1 || back.Matters[0] != claims.Matters[0] ||
		strings.Join(back.Officers, ",") != "36079900419,36079900636" {
		t.Errorf("read back %+v, %v", back, err)
	}
	// The window with its 5 minutes either side.
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{claims.ValidFrom.Add(-6 * time.Minute), "early"}, {claims.ValidFrom.Add(-4 * time.Minute), "open"},
		{claims.ValidTo.Add(4 * time.Minute), "open"}, {claims.ValidTo.Add(5 * time.Minute), "closed"},
	} {
		if got := back.Window(c.at); got != c.want {
			t.Errorf("at %s: %s, want %s", c.at, got, c.want)
		}
	}
}

// Any changed character, a truncated or extended code, another key's signature, or a
// signature by the right key over a payload outside the format is forged.
func TestCodeForgeries(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(nil)
	pub := key.Public().(ed25519.PublicKey)
	claims := CodeClaims{CheckID: uuid.New(), Firm: "91360799MA5005333M", ValidFrom: time.Now(), ValidTo: time.Now().Add(time.Hour),
		Matters: []uuid.UUID{uuid.New()}, Officers: []string{"A1", "B2"}}
	code, err := SignCode(key, claims)
	if err != nil {
		t.Fatal(err)
	}
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := range code {
		b := []byte(code)
		b[i] = alphabet[(strings.IndexByte(alphabet, b[i])+1)%64]
		if _, err := VerifyCode(pub, string(b)); err != ErrForged {
			t.Errorf("changing character %d was not noticed", i)
		}
	}
	for _, bad := range []string{"", "!!", code[:len(code)-4], code + "AAAA", strings.Repeat("A", 200)} {
		if _, err := VerifyCode(pub, bad); err != ErrForged {
			t.Errorf("%q verified", bad)
		}
	}
	_, other, _ := ed25519.GenerateKey(nil)
	if c2, _ := SignCode(other, claims); c2 != "" {
		if _, err := VerifyCode(pub, c2); err != ErrForged {
			t.Error("another key's code verified")
		}
	}
	// Signed by the right key, but with a byte after the last officer.
	p, _ := claims.payload()
	p = append(p, 0)
	sig := ed25519.Sign(key, append([]byte(codeDomain), p...))
	if _, err := VerifyCode(pub, base64.RawURLEncoding.EncodeToString(append(p, sig...))); err != ErrForged {
		t.Error("a payload with trailing bytes verified")
	}
	// Claims the format cannot carry are refused when signing.
	for _, c := range []CodeClaims{{Firm: "short", ValidFrom: claims.ValidFrom, ValidTo: claims.ValidTo, Matters: claims.Matters, Officers: claims.Officers},
		{Firm: claims.Firm, ValidFrom: claims.ValidTo, ValidTo: claims.ValidFrom, Matters: claims.Matters, Officers: claims.Officers},
		{Firm: claims.Firm, ValidFrom: claims.ValidFrom, ValidTo: claims.ValidTo, Officers: claims.Officers},
		{Firm: claims.Firm, ValidFrom: claims.ValidFrom, ValidTo: claims.ValidTo, Matters: claims.Matters, Officers: []string{""}}} {
		if _, err := SignCode(key, c); err == nil {
			t.Errorf("signed %+v", c)
		}
	}
}
