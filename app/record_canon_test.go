package app_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/google/uuid"
)

// An outsider's zhifa-record-2, written from RECORDS.md alone: it imports nothing of
// zhifa's, builds the record as a generic JSON value and writes it by §2's rules. Every
// record of the demo county must come out with the digests zhifa stored.
func TestRecordCanonReimplemented(t *testing.T) {
	s := start(t)
	// Beside the demo's records: a position, a correction, awkward text and a file.
	f := fixture(s)
	id := s.newCase(f)
	r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "onsite",
		"note": "门店<一层>&\"仓库\"\n\t货架\\A区\u2028", "location": map[string]any{"lat": 31.23045674, "lng": 121.47370215}})
	if r.Status != 201 {
		t.Fatalf("record = %d %s", r.Status, r.Body)
	}
	rec := r.JSON()["id"].(string)
	if r := s.upload(f.tok, rec, "现场.jpg", jpegBytes(5000)); r.Status != 201 {
		t.Fatalf("upload = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "correction", "corrects": rec, "note": "更正：二层"}); r.Status != 201 {
		t.Fatalf("correction = %d %s", r.Status, r.Body)
	}
	conn := dbConn(t, s)
	rows, err := conn.Query(context.Background(), `SELECT canon, id, case_id, seq, stage, kind, note, data, occurred_at,
		lat, lng, corrects, author_id, author_name, created_at, prev_hash, prev_sm3, hash, sm3 FROM records ORDER BY case_id, seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, kinds := 0, map[string]int{}
	for rows.Next() {
		var canon, stage, kind, note, data, author, prevHash, prevSM3, hash, sm string
		var id, caseID uuid.UUID
		var corrects, authorID *uuid.UUID
		var seq int
		var occurred, created time.Time
		var lat, lng *float64
		if err := rows.Scan(&canon, &id, &caseID, &seq, &stage, &kind, &note, &data, &occurred, &lat, &lng, &corrects,
			&authorID, &author, &created, &prevHash, &prevSM3, &hash, &sm); err != nil {
			t.Fatal(err)
		}
		if canon != "zhifa-record-2" {
			t.Fatalf("record %s of the demo written under %q", id, canon)
		}
		var d any
		dec := json.NewDecoder(strings.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(&d); err != nil {
			t.Fatal(err)
		}
		var loc any
		if lat != nil {
			loc = map[string]any{"lat_e7": json.Number(fmt.Sprint(int64(math.Round(*lat * 1e7)))),
				"lng_e7": json.Number(fmt.Sprint(int64(math.Round(*lng * 1e7))))}
		}
		idOrNull := func(u *uuid.UUID) any {
			if u == nil {
				return nil
			}
			return u.String()
		}
		when := func(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }
		rec := map[string]any{
			"author_id": idOrNull(authorID), "author_name": author, "canon": canon, "case_id": caseID.String(),
			"corrects": idOrNull(corrects), "created_at": when(created), "data": d, "id": id.String(), "kind": kind,
			"location": loc, "note": note, "occurred_at": when(occurred), "prev_hash": prevHash, "prev_sm3": prevSM3,
			"seq": json.Number(fmt.Sprint(seq)), "stage": stage,
		}
		var c bytes.Buffer
		outsiderJSON(&c, rec)
		h, m := sha256.Sum256(c.Bytes()), sm3.Sum(c.Bytes())
		if hex.EncodeToString(h[:]) != hash || hex.EncodeToString(m[:]) != sm {
			t.Fatalf("record %d of case %s: outsider's digests %x / %x, zhifa stored %s / %s\ncanonical form: %s", seq, caseID, h, m, hash, sm, c.Bytes())
		}
		n++
		kinds[kind]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 500 || kinds["attachment"] == 0 || kinds["transition"] == 0 || kinds["correction"] == 0 {
		t.Errorf("only %d records checked (%v)", n, kinds)
	}
}

// outsiderJSON writes RECORDS.md §2.1–2.2: sorted members, minimal escapes, integers.
func outsiderJSON(b *bytes.Buffer, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		fmt.Fprint(b, x)
	case json.Number:
		b.WriteString(x.String())
	case string:
		b.WriteByte('"')
		for _, r := range x {
			switch {
			case r == '"' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r == '\b', r == '\t', r == '\n', r == '\f', r == '\r':
				b.WriteString(map[rune]string{'\b': `\b`, '\t': `\t`, '\n': `\n`, '\f': `\f`, '\r': `\r`}[r])
			case r < 0x20:
				fmt.Fprintf(b, `\u%04x`, r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteByte('"')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			outsiderJSON(b, e)
		}
		b.WriteByte(']')
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			outsiderJSON(b, k)
			b.WriteByte(':')
			outsiderJSON(b, x[k])
		}
		b.WriteByte('}')
	default:
		panic(fmt.Sprintf("%T", v))
	}
}
