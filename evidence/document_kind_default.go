package evidence

import "zhifa/enforcement"

// DefaultDocumentKinds are the kinds an installation starts with: the documents of a
// case's steps and, since 2025, of an administrative check. Their layout follows the
// national format texts' parts (heading, number, title, body, signatures and seal); their
// wording is the platform's and an administrator may change it, as a new version.
func DefaultDocumentKinds() []DocumentKindInput {
	agency := DocumentField{Key: "agency", Label: "执法机关", Type: "text", Source: "agency.name", Required: true}
	party := DocumentField{Key: "party", Label: "当事人", Type: "text", Source: "case.parties", Required: true}
	officers := DocumentField{Key: "officers", Label: "执法人员及证号", Type: "people", Source: "case.handlers", Required: true}
	basis := DocumentField{Key: "legal_basis", Label: "法律依据", Type: "longtext", Source: "case.legal_basis", Required: true}
	place := DocumentField{Key: "place", Label: "地点", Type: "text", Source: "case.location", Required: true}
	today := DocumentField{Key: "date", Label: "日期", Type: "date", Source: "today", Required: true}
	remedies := DocumentSection{Heading: "救济途径", Text: "如不服本决定，可以在收到本决定书之日起六十日内向{review_body}申请行政复议，或者在六个月内依法向{court}提起行政诉讼。"}
	reviewBody := DocumentField{Key: "review_body", Label: "行政复议机关", Type: "text", Required: true}
	court := DocumentField{Key: "court", Label: "人民法院", Type: "text", Required: true}
	// The steps a document is made at: before the facts are gathered, while they are, the
	// notice before the party is told, the decision before and as it is made. The rest
	// (the check's result, a receipt of service) at any open step.
	early := []enforcement.State{enforcement.Filed, enforcement.Investigating}
	gathering := []enforcement.State{enforcement.Filed, enforcement.Investigating, enforcement.Notified, enforcement.Hearing, enforcement.Review}
	notice := []enforcement.State{enforcement.Investigating}
	decision := []enforcement.State{enforcement.Notified, enforcement.Hearing, enforcement.Review, enforcement.Decided}
	return []DocumentKindInput{
		{Code: "inspection_notice", Name: "行政检查通知书", Family: "notice", NumberPattern: "{agency}检通〔{year}〕{seq}号",
			Fields: []DocumentField{agency, party, officers, {Key: "check_on", Label: "检查时间", Type: "date", Required: true},
				{Key: "matters", Label: "检查事项", Type: "longtext", Required: true}, basis, {Key: "prepare", Label: "需要准备的材料", Type: "longtext"}, today},
			Sections: []DocumentSection{
				{Text: "{party}："},
				{Text: "根据{legal_basis}，本机关定于{check_on}对你（单位）进行行政检查，检查事项：{matters}。"},
				{Text: "检查人员：{officers}。检查时将出示行政执法证件和检查码，你（单位）可以扫码核验。请配合检查，并准备以下材料：{prepare}。"},
				{Text: "你（单位）认为检查人员与本次检查有直接利害关系的，有权申请回避。"}},
			Signers: []string{"officer"}, Stages: early},
		{Code: "inspection_record", Name: "现场检查笔录", Family: "record",
			Fields: []DocumentField{agency, party, officers, place, {Key: "started_at", Label: "检查开始时间", Type: "datetime", Required: true},
				{Key: "ended_at", Label: "检查结束时间", Type: "datetime", Required: true}, {Key: "present", Label: "现场负责人", Type: "text", Required: true},
				{Key: "findings", Label: "检查情况", Type: "longtext", Required: true}, {Key: "party_opinion", Label: "当事人意见", Type: "longtext"}},
			Sections: []DocumentSection{
				{Text: "检查时间：{started_at}至{ended_at}　检查地点：{place}"},
				{Text: "被检查人：{party}　现场负责人：{present}"},
				{Text: "检查人员：{officers}。检查人员已出示行政执法证件，告知当事人有申请回避的权利和如实提供情况、配合检查的义务。"},
				{Heading: "检查情况", Text: "{findings}"},
				{Heading: "当事人意见", Text: "{party_opinion}"},
				{Text: "以上笔录已交当事人核对（或向当事人宣读），当事人确认无误。"}},
			Signers: []string{"party", "officer", "witness"}, Stages: gathering},
		{Code: "inquiry_record", Name: "询问笔录", Family: "record",
			Fields: []DocumentField{agency, officers, place, {Key: "started_at", Label: "询问开始时间", Type: "datetime", Required: true},
				{Key: "ended_at", Label: "询问结束时间", Type: "datetime", Required: true}, {Key: "person", Label: "被询问人", Type: "text", Required: true},
				{Key: "person_id", Label: "被询问人身份证件号码", Type: "text", Required: true}, {Key: "person_contact", Label: "联系方式", Type: "text"},
				{Key: "qa", Label: "询问内容（问答）", Type: "longtext", Required: true}},
			Sections: []DocumentSection{
				{Text: "询问时间：{started_at}至{ended_at}　询问地点：{place}"},
				{Text: "被询问人：{person}　身份证件号码：{person_id}　联系方式：{person_contact}"},
				{Text: "询问人：{officers}。我们是{agency}的执法人员，已出示执法证件。你有申请回避的权利，有如实回答询问的义务。"},
				{Heading: "询问内容", Text: "{qa}"},
				{Text: "以上笔录我已看过（或已向我宣读），与我所说的相符。"}},
			Signers: []string{"party", "officer"}, Stages: gathering},
		{Code: "evidence_preservation", Name: "先行登记保存证据通知书", Family: "notice", NumberPattern: "{agency}先保〔{year}〕{seq}号",
			Fields: []DocumentField{agency, party, {Key: "cause", Label: "案由", Type: "text", Source: "case.cause", Required: true}, basis,
				{Key: "items", Label: "先行登记保存的物品", Type: "list", Required: true}, {Key: "kept_at", Label: "保存地点", Type: "text", Required: true}, today},
			Sections: []DocumentSection{
				{Text: "{party}："},
				{Text: "因你（单位）涉嫌{cause}，在证据可能灭失或者以后难以取得的情况下，根据{legal_basis}，本机关决定对下列物品先行登记保存：{items}。保存地点：{kept_at}。"},
				{Text: "在此期间，当事人或者有关人员不得损毁、销毁或者转移证据。本机关将在七日内作出处理决定。"}},
			Signers: []string{"party", "officer"}, Stages: early},
		{Code: "seizure_decision", Name: "查封（扣押）决定书", Family: "decision", NumberPattern: "{agency}强封〔{year}〕{seq}号",
			Fields: []DocumentField{agency, party, {Key: "reason", Label: "查封、扣押的理由", Type: "longtext", Required: true}, basis,
				{Key: "items", Label: "查封、扣押的场所、设施或者财物", Type: "list", Required: true}, {Key: "period", Label: "期限", Type: "text", Required: true},
				reviewBody, court, today},
			Sections: []DocumentSection{
				{Text: "{party}："},
				{Text: "{reason}根据{legal_basis}，本机关决定对下列场所、设施或者财物予以查封（扣押）：{items}。查封（扣押）期限为{period}。"},
				remedies},
			Signers: []string{"party", "officer"}, Stages: early},
		{Code: "seizure_list", Name: "查封（扣押）清单", Family: "list",
			Fields:   []DocumentField{agency, party, {Key: "items", Label: "物品名称、规格、数量", Type: "list", Required: true}, place, today},
			Sections: []DocumentSection{{Text: "当事人：{party}　地点：{place}"}, {Heading: "清单", Text: "{items}"}},
			Signers:  []string{"party", "officer", "witness"}},
		{Code: "penalty_notice", Name: "行政处罚事先告知书", Family: "notice", NumberPattern: "{agency}罚告〔{year}〕{seq}号",
			Fields: []DocumentField{agency, party, {Key: "facts", Label: "违法事实和证据", Type: "longtext", Required: true}, basis,
				{Key: "penalty", Label: "拟作出的行政处罚", Type: "longtext", Source: "decision.text", Required: true},
				{Key: "hearing", Label: "听证告知", Type: "longtext"}, today},
			Sections: []DocumentSection{
				{Text: "{party}："},
				{Text: "经查，{facts}"},
				{Text: "根据{legal_basis}，本机关拟对你（单位）作出如下行政处罚：{penalty}。"},
				{Text: "你（单位）有权进行陈述和申辩。{hearing}逾期未提出的，视为放弃上述权利。"}},
			Signers: []string{"party", "officer"}, Stages: notice},
		{Code: "penalty_decision", Name: "行政处罚决定书", Family: "decision", NumberPattern: "{agency}罚决〔{year}〕{seq}号",
			Fields: []DocumentField{agency, party, {Key: "facts", Label: "违法事实和证据", Type: "longtext", Required: true}, basis,
				{Key: "penalty", Label: "行政处罚的内容", Type: "longtext", Source: "decision.text", Required: true},
				{Key: "performance", Label: "履行方式和期限", Type: "longtext", Required: true}, reviewBody, court, today},
			Sections: []DocumentSection{
				{Text: "{party}："},
				{Heading: "违法事实和证据", Text: "{facts}"},
				{Heading: "处罚依据和内容", Text: "根据{legal_basis}，本机关决定：{penalty}"},
				{Heading: "履行方式和期限", Text: "{performance}"},
				remedies},
			Signers: []string{"officer"}, Stages: decision},
		{Code: "inspection_result", Name: "行政检查结果告知书", Family: "notice", NumberPattern: "{agency}检告〔{year}〕{seq}号",
			Fields: []DocumentField{agency, party, {Key: "checked_on", Label: "检查日期", Type: "date", Required: true},
				{Key: "matters", Label: "检查事项", Type: "longtext", Required: true}, {Key: "result", Label: "检查结果", Type: "longtext", Required: true},
				{Key: "requirements", Label: "整改要求", Type: "longtext"}, today},
			Sections: []DocumentSection{
				{Text: "{party}："},
				{Text: "本机关于{checked_on}对你（单位）进行了行政检查，检查事项：{matters}。"},
				{Heading: "检查结果", Text: "{result}"},
				{Heading: "整改要求", Text: "{requirements}"}},
			Signers: []string{"officer"}},
		{Code: "service_receipt", Name: "送达回证", Family: "service",
			Fields: []DocumentField{agency, {Key: "document", Label: "送达文书名称及文号", Type: "text", Required: true},
				{Key: "recipient", Label: "受送达人", Type: "text", Source: "case.parties", Required: true},
				{Key: "served_at", Label: "送达时间", Type: "datetime", Required: true}, place,
				{Key: "method", Label: "送达方式", Type: "text", Required: true}, {Key: "server", Label: "送达人", Type: "people", Source: "case.handlers", Required: true},
				{Key: "remark", Label: "备注", Type: "longtext"}},
			Sections: []DocumentSection{
				{Text: "送达文书：{document}"},
				{Text: "受送达人：{recipient}　送达地点：{place}"},
				{Text: "送达时间：{served_at}　送达方式：{method}　送达人：{server}"},
				{Heading: "备注", Text: "{remark}"}},
			Signers: []string{"party", "officer", "witness"}},
	}
}
