package enforcement

import (
	"strings"
	"testing"
)

func TestRedaction(t *testing.T) {
	parties := []Party{
		{Type: "person", Name: "张三丰", IDNumber: "11010519491231002X", Address: "青山县城关镇解放路12号", Phone: "13907971234"},
		{Type: "org", Name: "青山县鑫源食品贸易有限公司", IDNumber: "91360799MA3900901X"},
	}
	r := NewRedaction(parties)
	if got := r.Party(parties[0]); got.Name != "张*" || got.IDNumber != "1101**********002X" || got.Address != "" || got.Phone != "" {
		t.Errorf("person = %+v", got)
	}
	if got := r.Party(parties[1]); got.Name != parties[1].Name || got.IDNumber != parties[1].IDNumber {
		t.Errorf("organisation = %+v", got)
	}
	in := "经查，当事人张三丰（身份证号11010519491231002X，住青山县城关镇解放路12号，电话13907971234，" +
		"另留电话 139-0797-5678、0797-1234567，银行账号6222 0212 3456 7890 123）与青山县鑫源食品贸易有限公司共同销售过期食品。" +
		"证人李四身份证号360799198507150021。"
	out := r.Text(in)
	for _, secret := range []string{"张三丰", "11010519491231002X", "解放路12号", "13907971234", "139-0797-5678", "0797-1234567",
		"6222 0212 3456 7890 123", "360799198507150021", "3456"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q survived: %s", secret, out)
		}
	}
	for _, kept := range []string{"张*", "1101**********002X", "青山县鑫源食品贸易有限公司", "3607**********0021", "销售过期食品"} {
		if !strings.Contains(out, kept) {
			t.Errorf("%q missing: %s", kept, out)
		}
	}
	// Amounts, dates and case numbers are not personal data.
	plain := "罚款人民币20000元，2026年11月20日，青市监罚〔2026〕12号"
	if got := r.Text(plain); got != plain {
		t.Errorf("plain text changed: %s", got)
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"张三": "张*", "欧阳娜娜": "欧*", "": "", " 王 ": "王*"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}
