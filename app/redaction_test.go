package app_test

import (
	"bytes"
	"net/url"
	"testing"
)

// Item 6: a published decision shows no personal data however it was written: full-width
// digits, separators inside numbers, landlines, e-mail, parts of the declared address.
func TestPublishedDecisionHidesPersonalData(t *testing.T) {
	s := start(t)
	f := fixture(s)
	in := f.input()
	in["cause"] = "王小明销售过期食品（联系电话１３９１２３４５６７８）"
	in["parties"] = []map[string]any{
		{"type": "person", "name": "王小明", "id_number": "11010519491231002X", "address": "青山县城关镇红旗路8号", "phone": "13912345678"},
		{"type": "org", "name": "青山县惠民食品有限公司", "id_number": "91350100M000100Y43"},
	}
	r := s.call("POST", "/api/v1/cases", f.tok, in)
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	s.move(f.tok, id, map[string]any{"to": "investigating"})
	s.move(f.tok, id, map[string]any{"to": "notified"})
	text := "经查，当事人王小明（身份证号１１０１０５１９４９１２３１００２Ｘ，住城关镇红旗路８号，另在红旗路 8 号设有仓库，" +
		"手机139.1234.5678，座机(0797)8123456、（0797）8123457，另留07978123458，电子邮箱wangxm@example.com）" +
		"与青山县惠民食品有限公司共同销售过期食品，违反《中华人民共和国食品安全法》第三十四条第（十）项，" +
		"依据第一百二十四条第一款，决定罚款人民币1500元，于2026年12月31日前缴纳。"
	d := map[string]any{"outcome": "penalty", "fine_amount": 150000, "text": text}
	if r := s.move(f.tok, id, map[string]any{"to": "decided", "decision": d, "statement_waived": true}); r.Status != 200 {
		t.Fatalf("decide = %d %s", r.Status, r.Body)
	}
	did := items(s.call("GET", "/api/v1/disclosures?case_id="+id, f.tok, nil))[0]["id"].(string)
	if r := s.call("POST", "/api/v1/disclosures/"+did+"/publish", f.tok, nil); r.Status != 200 {
		t.Fatalf("publish = %d %s", r.Status, r.Body)
	}
	for _, where := range []string{"/public/api/decisions/" + did, "/public/decisions/" + did, "/public/api/decisions?q=" + url.QueryEscape("惠民食品")} {
		body := s.public(where).Body
		for _, secret := range []string{"王小明", "１１０１０５", "1101051949", "１３９１２３４", "13912345678", "139.1234", "1234.5678",
			"8123456", "8123457", "07978123458", "wangxm", "example.com", "红旗路", "８号"} {
			if bytes.Contains(body, []byte(secret)) {
				t.Errorf("%s shows %q", where, secret)
			}
		}
		if where != "/public/api/decisions?q="+url.QueryEscape("惠民食品") {
			for _, kept := range []string{"王*", "1101**********002X", "青山县惠民食品有限公司", "第三十四条第（十）项", "第一百二十四条第一款",
				"罚款人民币1500元", "2026年12月31日"} {
				if !bytes.Contains(body, []byte(kept)) {
					t.Errorf("%s lost %q", where, kept)
				}
			}
		}
	}
}
