package enforcement

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzRedaction checks, for any text and any declared person, that the engine does not
// panic, keeps valid UTF-8 valid, is idempotent, and leaves none of the person's phone
// numbers or ID number in the output, read in its normalised form (NFKC, separators
// inside digit runs dropped).
func FuzzRedaction(f *testing.F) {
	p := redactPerson
	for _, s := range []string{
		"身份证号３６０７９９１９８５０７１５００２１，电话１３９０７９７１２３４",
		"电话139.1234.5678、(0797)8123456、+86 139 1234 5678、0086 13912345678、0797-8123456转801",
		"邮箱zhangsan＠example.com，住城关镇红旗路８号",
		"青市监罚〔2026〕12号 罚款２００００元 JY13607990012345 91360799MA3900901X",
		"罚款 20000 13912345678 （360799198507150021） 1391234567890",
		"1391234 360799198507150021 000000",
	} {
		f.Add(s, p.Name, p.Phone, p.IDNumber, p.Address)
	}
	f.Add("张 三丰住红旗路 8 号3栋，电话0797 8123456", "张三丰", "0797-8123456", "36079919850715002X", "青山县城关镇红旗路8号3栋")
	f.Fuzz(func(t *testing.T, text, name, phone, id, addr string) {
		r := NewRedaction([]Party{{Type: "person", Name: name, Phone: phone, IDNumber: id, Address: addr}, redactOrg})
		out := r.Text(text)
		if utf8.ValidString(text) && !utf8.ValidString(out) {
			t.Fatalf("Text(%q) = %q, not valid UTF-8", text, out)
		}
		if again := r.Text(out); again != out {
			t.Fatalf("not idempotent: Text(%q) = %q, then %q", text, out, again)
		}
		secrets, _ := phoneNumbers(phone)
		if k := idKey(id); k != "" {
			secrets = append(secrets, k)
		}
		v := newView(out)
		for _, c := range scanClusters(v.s) {
			for _, s := range secrets {
				if strings.Contains(c.joined, s) {
					t.Fatalf("Text(%q) = %q still holds %q", text, out, s)
				}
			}
		}
	})
}
