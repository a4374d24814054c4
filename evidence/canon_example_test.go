package evidence

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// The records of RECORDS.md §4, built field by field as the text gives them.
func exampleRecords() (Record, Record, Record) {
	author := uuid.MustParse("0190a8f0-0000-7000-8000-0000000000a1")
	occurred, _ := time.Parse(time.RFC3339Nano, "2026-03-05T09:02:03.5+08:00")
	created, _ := time.Parse(time.RFC3339Nano, "2026-03-05T01:02:04.000001Z")
	first := Record{
		ID: uuid.MustParse("0190a8f0-0000-7000-8000-000000000001"), CaseID: uuid.MustParse("0190a8f0-0000-7000-8000-0000000000ca"),
		Seq: 1, Stage: "investigating", Kind: "onsite",
		Note:       "现场检查：<门店>&\"仓库\"\n\t货架\\A区\x1f\u2028",
		Data:       json.RawMessage(`{"z": 1, "a": [true, null, "乙"], "m": {"y": -2, "b": "<b>"}}`),
		OccurredAt: occurred, Location: &Location{Lat: 31.2304567, Lng: 121.4737021},
		AuthorID: &author, AuthorName: "张三", CreatedAt: created, Canon: CanonV2,
	}
	first.Hash, first.SM3, _ = first.Digests()
	created2, _ := time.Parse(time.RFC3339Nano, "2026-03-05T01:05:00Z")
	second := Record{
		ID: uuid.MustParse("0190a8f0-0000-7000-8000-000000000002"), CaseID: first.CaseID,
		Seq: 2, Stage: "investigating", Kind: "transition", Note: "案件转为调查取证",
		Data:       json.RawMessage(`{"from":"filed","to":"investigating"}`),
		OccurredAt: created2, AuthorName: "系统", CreatedAt: created2, Canon: CanonV2,
		PrevHash: first.Hash, PrevSM3: first.SM3,
	}
	second.Hash, second.SM3, _ = second.Digests()
	old := first
	old.Canon, old.SM3, old.Hash = CanonV1, "", ""
	old.Data = json.RawMessage(`{"a":[true,null,"乙"],"m":{"b":"<b>","y":-2},"z":1}`)
	old.Hash, _, _ = old.Digests()
	return first, second, old
}
