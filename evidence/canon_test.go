package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// The worked examples of RECORDS.md §4 and §5: part of the canons' definition, quoted for
// re-implementers. A change to a canon fails here before it fails anyone outside.
var canonExamples = []struct{ canonical, hash, sm3 string }{
	{"{\"author_id\":\"0190a8f0-0000-7000-8000-0000000000a1\",\"author_name\":\"张三\",\"canon\":\"zhifa-record-2\",\"case_id\":\"0190a8f0-0000-7000-8000-0000000000ca\",\"corrects\":null,\"created_at\":\"2026-03-05T01:02:04.000001Z\",\"data\":{\"a\":[true,null,\"乙\"],\"m\":{\"b\":\"<b>\",\"y\":-2},\"z\":1},\"id\":\"0190a8f0-0000-7000-8000-000000000001\",\"kind\":\"onsite\",\"location\":{\"lat_e7\":312304567,\"lng_e7\":1214737021},\"note\":\"现场检查：<门店>&\\\"仓库\\\"\\n\\t货架\\\\A区\\u001f\u2028\",\"occurred_at\":\"2026-03-05T01:02:03.500000Z\",\"prev_hash\":\"\",\"prev_sm3\":\"\",\"seq\":1,\"stage\":\"investigating\"}", "4cefe68012bd8c0bcb39ffcf3bd27743b76929871d0c56711f794b7047ce276b", "1302fe5ec0d24574e596004106fb17639738e15f7d144a78b528a9f3549cb8b2"},
	{"{\"author_id\":null,\"author_name\":\"系统\",\"canon\":\"zhifa-record-2\",\"case_id\":\"0190a8f0-0000-7000-8000-0000000000ca\",\"corrects\":null,\"created_at\":\"2026-03-05T01:05:00.000000Z\",\"data\":{\"from\":\"filed\",\"to\":\"investigating\"},\"id\":\"0190a8f0-0000-7000-8000-000000000002\",\"kind\":\"transition\",\"location\":null,\"note\":\"案件转为调查取证\",\"occurred_at\":\"2026-03-05T01:05:00.000000Z\",\"prev_hash\":\"4cefe68012bd8c0bcb39ffcf3bd27743b76929871d0c56711f794b7047ce276b\",\"prev_sm3\":\"1302fe5ec0d24574e596004106fb17639738e15f7d144a78b528a9f3549cb8b2\",\"seq\":2,\"stage\":\"investigating\"}", "15fb5d033dbf8fde6d8be826f06451384e78109b04efa31f50e636a1b187f0ea", "30f0c67fb0623ff27013dcc3c376e931d5499d7dacfc82d1d157fa92f98b86c4"},
	{"{\"id\":\"0190a8f0-0000-7000-8000-000000000001\",\"case_id\":\"0190a8f0-0000-7000-8000-0000000000ca\",\"seq\":1,\"stage\":\"investigating\",\"kind\":\"onsite\",\"note\":\"现场检查：\\u003c门店\\u003e\\u0026\\\"仓库\\\"\\n\\t货架\\\\A区\\u001f\\u2028\",\"data\":{\"a\":[true,null,\"乙\"],\"m\":{\"b\":\"\\u003cb\\u003e\",\"y\":-2},\"z\":1},\"occurred_at\":\"2026-03-05T01:02:03.5Z\",\"location\":{\"lat\":31.2304567,\"lng\":121.4737021},\"corrects\":null,\"author_id\":\"0190a8f0-0000-7000-8000-0000000000a1\",\"author_name\":\"张三\",\"created_at\":\"2026-03-05T01:02:04.000001Z\",\"prev_hash\":\"\"}", "93224ce112d45358d9e11ab5cac2adda01dd5faf2009aa7a12974adda459b614", ""},
}

func TestCanonExamples(t *testing.T) {
	a, b, c := exampleRecords()
	for i, r := range []Record{a, b, c} {
		want := canonExamples[i]
		got, err := r.Canonical()
		if err != nil {
			t.Fatalf("example %d: %v", i+1, err)
		}
		if string(got) != want.canonical {
			t.Errorf("example %d: canonical form\n%s\nwant\n%s", i+1, got, want.canonical)
		}
		if r.Hash != want.hash || r.SM3 != want.sm3 {
			t.Errorf("example %d: hash %s sm3 %s, want %s and %s", i+1, r.Hash, r.SM3, want.hash, want.sm3)
		}
		shown := strings.ReplaceAll(want.canonical, "\u2028", "⟨U+2028⟩")
		for _, s := range []string{shown, want.hash, want.sm3} {
			if !bytes.Contains(RecordsSpec, []byte(s)) {
				t.Errorf("RECORDS.md does not quote %.60s…", s)
			}
		}
	}
	// Every problem the second record's digests guard against: its content, its link.
	b.PrevSM3 = strings.Repeat("0", 64)
	if h, s, _ := b.Digests(); h == canonExamples[1].hash || s == canonExamples[1].sm3 {
		t.Error("prev_sm3 is not covered by the digests")
	}
}

// Data is written in the canon at every depth whatever order or spacing it arrives in,
// and a number the canon cannot carry exactly is refused, not rounded.
func TestCanonicalData(t *testing.T) {
	got, err := canonicalData2(json.RawMessage(` { "b" : [ {"y":1,"x":"<&>"} ], "a" : "\u2028\n" } `))
	if err != nil || string(got) != "{\"a\":\"\u2028\\n\",\"b\":[{\"x\":\"<&>\",\"y\":1}]}" {
		t.Errorf("canonical data = %s, %v", got, err)
	}
	for _, bad := range []string{`{"fine":1.5}`, `{"n":9007199254740992}`, `{"e":1e3}`, `[1]`, `{"a":1} {"b":2}`} {
		if _, err := canonicalData2(json.RawMessage(bad)); !errors.Is(err, errNotCanonical) {
			t.Errorf("data %s accepted (%v)", bad, err)
		}
	}
	if got, err := canonicalData2(nil); err != nil || string(got) != "{}" {
		t.Errorf("empty data = %s, %v", got, err)
	}
}

// A position is kept to 10⁻⁷ degree, and the kept value turns back into the same integers.
func TestLocationSnap(t *testing.T) {
	l := snapLocation(&Location{Lat: 31.23045674999, Lng: -121.47370215})
	lat, lng := l.E7()
	if lat != 312304567 || lng != -1214737022 || l.Lat != 31.2304567 {
		t.Errorf("snapped to %v: %d, %d", l, lat, lng)
	}
}
