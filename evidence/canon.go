package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
	"github.com/google/uuid"
)

// The canons a record can be hashed under (RECORDS.md). A record keeps the one it was
// written under, so chains written before a change verify as they were written.
const (
	CanonV1 = "zhifa-record-1"
	CanonV2 = "zhifa-record-2"
)

// maxSafeInt is the largest integer every JSON reader keeps exactly (2^53 − 1).
const maxSafeInt = 1<<53 - 1

// canonical2 renders a record as RECORDS.md §2 defines: one JSON object, keys in byte
// order, no whitespace, strings escaped only where JSON requires, integers only. It is
// written by hand because encoding/json escapes <, >, & and U+2028 and follows struct
// order, which a plain serializer in another language does not reproduce.
func (r *Record) canonical2() ([]byte, error) {
	var b bytes.Buffer
	w := canonWriter{b: &b}
	b.WriteString(`{"author_id":`)
	w.uuidOrNull(r.AuthorID)
	b.WriteString(`,"author_name":`)
	w.str(r.AuthorName)
	b.WriteString(`,"canon":"` + CanonV2 + `","case_id":"` + r.CaseID.String() + `","corrects":`)
	w.uuidOrNull(r.Corrects)
	b.WriteString(`,"created_at":"` + stamp2(r.CreatedAt) + `","data":`)
	if err := w.data(r.Data); err != nil {
		return nil, err
	}
	b.WriteString(`,"id":"` + r.ID.String() + `","kind":`)
	w.str(string(r.Kind))
	b.WriteString(`,"location":`)
	if r.Location == nil {
		b.WriteString("null")
	} else {
		lat, lng := r.Location.E7()
		b.WriteString(`{"lat_e7":` + strconv.FormatInt(lat, 10) + `,"lng_e7":` + strconv.FormatInt(lng, 10) + `}`)
	}
	b.WriteString(`,"note":`)
	w.str(r.Note)
	b.WriteString(`,"occurred_at":"` + stamp2(r.OccurredAt) + `","prev_hash":`)
	w.str(r.PrevHash)
	b.WriteString(`,"prev_sm3":`)
	w.str(r.PrevSM3)
	b.WriteString(`,"seq":` + strconv.Itoa(r.Seq) + `,"stage":`)
	w.str(string(r.Stage))
	b.WriteString("}")
	return b.Bytes(), w.err
}

// Canonical returns the exact bytes a record's hashes cover, under its canon.
func (r *Record) Canonical() ([]byte, error) {
	switch r.Canon {
	case CanonV2:
		return r.canonical2()
	case CanonV1, "":
		return r.canonical1(), nil
	}
	return nil, fmt.Errorf("unknown canon %q", r.Canon)
}

// Digests returns the hex SHA-256 and SM3 of the record's canonical bytes. Records of
// zhifa-record-1 carry no SM3.
func (r *Record) Digests() (sha, sm string, err error) {
	b, err := r.Canonical()
	if err != nil {
		return "", "", err
	}
	h := sha256.Sum256(b)
	if r.Canon == CanonV2 {
		s := sm3.Sum(b)
		sm = hex.EncodeToString(s[:])
	}
	return hex.EncodeToString(h[:]), sm, nil
}

// stamp2 is a time as RECORDS.md writes it: UTC, always six fractional digits.
func stamp2(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z")
}

// E7 is the position in units of 10⁻⁷ degree, the integers the canon hashes.
func (l Location) E7() (int64, int64) {
	return int64(math.Round(l.Lat * 1e7)), int64(math.Round(l.Lng * 1e7))
}

// snapLocation keeps a position to 10⁻⁷ degree (about 1 cm), so the stored value and the
// hashed integers name the same point in every language.
func snapLocation(l *Location) *Location {
	if l == nil {
		return nil
	}
	lat, lng := l.E7()
	return &Location{Lat: float64(lat) / 1e7, Lng: float64(lng) / 1e7}
}

var errNotCanonical = errors.New("record data cannot be written in the canon")

type canonWriter struct {
	b   *bytes.Buffer
	err error
}

func (w *canonWriter) uuidOrNull(id *uuid.UUID) {
	if id == nil {
		w.b.WriteString("null")
		return
	}
	w.b.WriteString(`"` + id.String() + `"`)
}

// str writes a JSON string escaping only ", \ and U+0000–U+001F (RECORDS.md §2.2).
func (w *canonWriter) str(s string) {
	if !utf8.ValidString(s) {
		w.fail(fmt.Errorf("%w: text is not UTF-8", errNotCanonical))
		return
	}
	b := w.b
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

func (w *canonWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// data writes a record's data, which must be a JSON object, in the canon.
func (w *canonWriter) data(raw json.RawMessage) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		w.b.WriteString("{}")
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: %v", errNotCanonical, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data", errNotCanonical)
	}
	if _, ok := v.(map[string]any); !ok {
		return fmt.Errorf("%w: data is not an object", errNotCanonical)
	}
	w.value(v)
	return w.err
}

func (w *canonWriter) value(v any) {
	switch x := v.(type) {
	case nil:
		w.b.WriteString("null")
	case bool:
		w.b.WriteString(strconv.FormatBool(x))
	case string:
		w.str(x)
	case json.Number:
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil || n > maxSafeInt || n < -maxSafeInt {
			w.fail(fmt.Errorf("%w: number %s is not an integer within ±(2^53−1)", errNotCanonical, x))
			return
		}
		w.b.WriteString(strconv.FormatInt(n, 10))
	case []any:
		w.b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.value(e)
		}
		w.b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys) // Go compares strings bytewise: the UTF-8 byte order RECORDS.md asks
		w.b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.str(k)
			w.b.WriteByte(':')
			w.value(x[k])
		}
		w.b.WriteByte('}')
	default:
		w.fail(fmt.Errorf("%w: %T", errNotCanonical, v))
	}
}

// CanonicalData renders data in the canon, as a zhifa-record-2 record stores it.
func canonicalData2(raw json.RawMessage) (json.RawMessage, error) {
	var b bytes.Buffer
	w := canonWriter{b: &b}
	if err := w.data(raw); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
