package enforcement

import (
	"strings"
	"testing"
)

var (
	redactPerson = Party{Type: "person", Name: "张三丰", IDNumber: "360799198507150021", Address: "青山县城关镇红旗路8号", Phone: "13907971234"}
	redactOrg    = Party{Type: "org", Name: "青山县鑫源食品贸易有限公司", IDNumber: "91360799MA3900901X"}
	redactBoth   = []Party{redactPerson, redactOrg}
)

func TestRedactText(t *testing.T) {
	rural := []Party{{Type: "person", Name: "李四", Address: "青山县城关镇红星村3组", Phone: "0797-8123456"}}
	caseNo := []Party{{Type: "person", Name: "王五", Address: "青山县城关镇红旗路12号"}}
	soleTrader := []Party{{Type: "person", Name: "张三"}, {Type: "org", Name: "青山县张三食品店"}}
	digitCode := []Party{{Type: "org", Name: "青山县粮油公司", IDNumber: "913601007055009885"}}
	xID := []Party{{Type: "person", Name: "赵六", IDNumber: "36079919850715002x"}}
	for _, tc := range []struct {
		name    string
		parties []Party  // nil: no declared parties
		in      string   // the text as written
		want    string   // the exact output, when practical
		gone    []string // must not remain
		kept    []string // must remain
	}{
		// The leaks the outside tester found.
		{name: "full-width ID, declared", parties: redactBoth, in: "身份证号３６０７９９１９８５０７１５００２１。", want: "身份证号3607**********0021。"},
		{name: "full-width ID, undeclared", in: "证人身份证号３６０７９９１９８５０７１５００２１。", want: "证人身份证号3607**********0021。"},
		{name: "full-width phone", in: "电话１３９０７９７１２３４。", want: "电话（已隐去）。"},
		{name: "full-width declared phone with separators", parties: redactBoth, in: "电话１３９－０７９７－１２３４", want: "电话（已隐去）"},
		{name: "dotted mobile", in: "联系电话139.1234.5678，", want: "联系电话（已隐去），"},
		{name: "spaced mobile", in: "手机139 1234 5678。", want: "手机（已隐去）。"},
		{name: "dashed mobile", in: "手机139-1234-5678。", want: "手机（已隐去）。"},
		{name: "bracketed area code", in: "电话(0797)8123456。", want: "电话（已隐去）。"},
		{name: "full-width bracketed area code", in: "电话（0797）8123456。", want: "电话（已隐去）。"},
		{name: "spaced landline", in: "电话0797 8123456。", want: "电话（已隐去）。"},
		{name: "landline without separator", in: "电话07978123456。", want: "电话（已隐去）。"},
		{name: "Beijing landline", in: "电话010-62345678。", want: "电话（已隐去）。"},
		{name: "+86 spaced", in: "手机+86 139 1234 5678。", want: "手机（已隐去）。"},
		{name: "+86 dashed", in: "手机+86-13912345678。", want: "手机（已隐去）。"},
		{name: "0086", in: "手机0086 13912345678。", want: "手机（已隐去）。"},
		{name: "(+86)", in: "手机(+86)13912345678。", want: "手机（已隐去）。"},
		{name: "+86 landline without the 0", in: "电话+86 797 8123456。", want: "电话（已隐去）。"},
		{name: "extension after a dash", in: "电话0797-8123456-801。", want: "电话（已隐去）。"},
		{name: "extension after 转", in: "电话0797-8123456转801。", want: "电话（已隐去）。"},
		{name: "400 and 800 numbers are businesses'", in: "客服电话400-820-8820、800-820-8820。", want: "客服电话400-820-8820、800-820-8820。"},
		{name: "e-mail", in: "邮箱zhangsan@example.com。", want: "邮箱（已隐去）。"},
		{name: "e-mail with full-width at", in: "邮箱zhangsan＠example.com。", want: "邮箱（已隐去）。"},
		{name: "full-width e-mail", in: "邮箱ｚｈａｎｇｓａｎ＠ｅｘａｍｐｌｅ．ｃｏｍ。", want: "邮箱（已隐去）。"},
		{name: "address from the road down", parties: redactBoth, in: "当事人住红旗路8号。", want: "当事人住（已隐去）。"},
		{name: "township kept, full-width house number", parties: redactBoth, in: "经营地址城关镇红旗路８号。", want: "经营地址城关镇（已隐去）。"},
		{name: "address with spaces", parties: redactBoth, in: "住红旗路 8 号。", want: "住（已隐去）。"},
		{name: "address in full", parties: redactBoth, in: "住青山县城关镇红旗路8号。", want: "住（已隐去）。"},
		{name: "road alone", parties: redactBoth, in: "在红旗路摆摊。", want: "在（已隐去）摆摊。"},
		{name: "bare county kept", parties: redactBoth, in: "青山县市场监督管理局、城关镇人民政府", want: "青山县市场监督管理局、城关镇人民政府"},
		{name: "village and group", parties: rural, in: "李四系城关镇红星村3组村民。", want: "李*系城关镇（已隐去）村民。"},
		{name: "declared landline without area code", parties: rural, in: "住宅8123456。", want: "住宅（已隐去）。"},
		{name: "bank card in groups", in: "账号6222 0212 3456 7890 123。", want: "账号（已隐去）。"},
		{name: "bank card", in: "账号6222021234567890123。", want: "账号（已隐去）。"},
		{name: "bank card dashed", in: "卡号6222-0212-3456-7890。", want: "卡号（已隐去）。"},
		{name: "old 15-digit ID", in: "身份证号360799850715002。", want: "身份证号3607*******5002。"},
		{name: "ID with lower-case x", parties: xID, in: "身份证号36079919850715002x。", want: "身份证号3607**********002X。"},
		{name: "ID in groups", in: "身份证号360799 19850715 0021。", want: "身份证号3607**********0021。"},
		{name: "declared name", parties: redactBoth, in: "当事人张三丰，男。", want: "当事人张*，男。"},
		{name: "declared name with a space", parties: redactBoth, in: "当事人张 三丰，男。", want: "当事人张*，男。"},
		{name: "QQ and local number after a contact word", in: "QQ：12345678，电话：8123456，举报电话12315。", want: "QQ：（已隐去），电话：（已隐去），举报电话12315。"},
		{name: "other scripts' digits", in: "手机١٣٩١٢٣٤٥٦٧٨。", want: "手机（已隐去）。"},
		{name: "zero-width spaces inside", in: "手机139\u200b1234\u200b5678。", want: "手机（已隐去）。"},

		// What is not personal data stays exactly as written.
		{name: "case number, house number declared", parties: caseNo, in: "青市监罚〔2026〕12号", want: "青市监罚〔2026〕12号"},
		{name: "case number with zeros", parties: redactBoth, in: "赣青市监处罚〔2025〕0012号", want: "赣青市监处罚〔2025〕0012号"},
		{name: "amounts", parties: redactBoth, in: "罚款人民币20000元，没收50000.00元，罚款２００００元。", want: "罚款人民币20000元，没收50000.00元，罚款２００００元。"},
		{name: "dates", in: "2026年11月20日、2026-11-20、20261120、2026.11.20", want: "2026年11月20日、2026-11-20、20261120、2026.11.20"},
		{name: "articles", in: "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项、第124条", want: "《中华人民共和国食品安全法》第一百二十四条第一款第（五）项、第124条"},
		{name: "statute number", in: "依据国务院令第825号", want: "依据国务院令第825号"},
		{name: "credit code, declared", parties: redactBoth, in: "统一社会信用代码91360799MA3900901X", want: "统一社会信用代码91360799MA3900901X"},
		{name: "credit code, undeclared", in: "统一社会信用代码91360799MA3900901X", want: "统一社会信用代码91360799MA3900901X"},
		{name: "all-digit credit code of a declared organisation", parties: digitCode, in: "代码913601007055009885", want: "代码913601007055009885"},
		{name: "percentages and times", in: "超标12.5%，于14:30、2026年11月20日14时30分检查", want: "超标12.5%，于14:30、2026年11月20日14时30分检查"},
		{name: "licences", in: "许可证编号JY13607990012345、SC10636079900123", want: "许可证编号JY13607990012345、SC10636079900123"},
		{name: "organisation in full", parties: redactBoth, in: "青山县鑫源食品贸易有限公司销售过期食品", want: "青山县鑫源食品贸易有限公司销售过期食品"},
		{name: "sole trader named after its owner", parties: soleTrader, in: "青山县张三食品店经营者张三", want: "青山县张三食品店经营者张*"},
		{name: "prose punctuation untouched", in: "经查，当事人（一）……；“过期”！", want: "经查，当事人（一）……；“过期”！"},
		{name: "already redacted", parties: redactBoth, in: "住（已隐去），电话（已隐去）", want: "住（已隐去），电话（已隐去）"},

		// Mixed.
		{name: "phone after an amount", in: "罚款20000元，电话13912345678", want: "罚款20000元，电话（已隐去）"},
		{name: "phone after an amount and a space", in: "罚款 20000 13912345678", want: "罚款 20000 （已隐去）"},
		{name: "ID in full-width brackets", in: "张某（360799198507150021）", want: "张某（3607**********0021）"},
		{name: "phone followed by Chinese", in: "13912345678系当事人手机", want: "（已隐去）系当事人手机"},
		{name: "longer run taken whole", in: "编号1391234567890", want: "编号（已隐去）", gone: []string{"90", "139"}},
		{name: "digit before a phone taken whole", in: "编号213912345678", want: "编号（已隐去）"},
		{name: "declared phone inside a longer run", parties: redactBoth, in: "流水号513907971234", want: "流水号（已隐去）"},
		{name: "declared phone with country code", parties: redactBoth, in: "手机8613907971234", want: "手机（已隐去）"},
		{name: "mobile glued to letters", in: "Tel13912345678；ID:360799198507150021", want: "Tel（已隐去）；ID:3607**********0021"},
		{name: "phone, then a year after a space", in: "电话139 1234 5678 2026年", want: "电话（已隐去） 2026年"},
		{name: "ID number next to an e-mail", in: "zs@qq.com360799198507150021", want: "（已隐去）3607**********0021"},
		{name: "account glued to an e-mail", in: "zs@qq.com6222021234567890123", want: "（已隐去）（已隐去）"},
		{name: "barcode and registration number after code words", in: "商品条码6901234567892，注册号360799600123456",
			want: "商品条码6901234567892，注册号360799600123456"},
		{name: "title", parties: redactBoth, in: "青市监罚〔2026〕12号 张三丰销售过期食品", want: "青市监罚〔2026〕12号 张*销售过期食品"},
		{name: "a decision", parties: redactBoth,
			in: "经查，当事人张三丰（身份证号360799198507150021，住青山县城关镇红旗路8号，电话13907971234，" +
				"另留电话 139-0797-5678、0797-1234567，银行账号6222 0212 3456 7890 123，邮箱zs@qq.com）" +
				"与青山县鑫源食品贸易有限公司于2026年11月20日共同销售过期食品，罚款人民币20000元。",
			gone: []string{"张三丰", "360799198507150021", "红旗路", "13907971234", "139-0797-5678", "0797-1234567", "6222", "zs@qq.com"},
			kept: []string{"张*", "3607**********0021", "青山县鑫源食品贸易有限公司", "2026年11月20日", "罚款人民币20000元", "经查，"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRedaction(tc.parties)
			got := r.Text(tc.in)
			if tc.want != "" && got != tc.want {
				t.Errorf("Text(%q)\n got %q\nwant %q", tc.in, got, tc.want)
			}
			for _, g := range tc.gone {
				if strings.Contains(got, g) {
					t.Errorf("%q survived in %q", g, got)
				}
			}
			for _, k := range tc.kept {
				if !strings.Contains(got, k) {
					t.Errorf("%q missing from %q", k, got)
				}
			}
			if again := r.Text(got); again != got {
				t.Errorf("not idempotent: %q then %q", got, again)
			}
		})
	}
}

func TestRedactParty(t *testing.T) {
	r := NewRedaction(redactBoth)
	if got := r.Party(redactPerson); got.Name != "张*" || got.IDNumber != "3607**********0021" || got.Address != "" || got.Phone != "" {
		t.Errorf("person = %+v, want 张* and 3607**********0021 without address or phone", got)
	}
	if got := r.Party(redactOrg); got != (Party{Type: "org", Name: redactOrg.Name, IDNumber: redactOrg.IDNumber}) {
		t.Errorf("organisation = %+v, want it in full", got)
	}
	for in, want := range map[string]string{"11010519491231002X": "1101**********002X", "３６０７９９１９８５０７１５００２１": "3607**********0021",
		"36079919850715002x": "3607**********002X", "360799 19850715 0021": "3607**********0021", "1234": "****", "": ""} {
		if got := MaskID(in); got != want {
			t.Errorf("MaskID(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkRedactText(b *testing.B) {
	r := NewRedaction(redactBoth)
	text := strings.Repeat("经查，当事人张三丰（身份证号360799198507150021，住青山县城关镇红旗路8号，电话139 0797 1234）"+
		"于2026年11月20日销售过期食品，违反《中华人民共和国食品安全法》第三十四条，罚款人民币20000元。", 20)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		r.Text(text)
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"张三": "张*", "欧阳娜娜": "欧*", "": "", " 王 ": "王*"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}
