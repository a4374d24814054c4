package enforcement

import (
	"slices"
	"strings"
	"unicode/utf8"

	"zhifa/fault"
)

// DecisionCategory is one kind of decision the statistical return (行政执法统计年报)
// counts: a kind of penalty, a licence's result, a coercive measure or way of execution.
type DecisionCategory struct {
	Code  string `json:"code"`
	Label string `json:"label"`
	Group string `json:"group,omitempty"` // the return's column group, where it has several
}

// PenaltyCategories are the kinds of penalty in the return's columns, from the lightest to
// the heaviest: a decision imposing several is counted once, under its heaviest kind, and
// "其他行政处罚" only when it imposes no named kind (the return's filling notes).
var PenaltyCategories = []DecisionCategory{
	{Code: "other_penalty", Label: "其他行政处罚"},
	{Code: "warning", Label: "警告"},
	{Code: "criticism", Label: "通报批评"},
	{Code: "fine", Label: "罚款"},
	{Code: "confiscate_income", Label: "没收违法所得"},
	{Code: "confiscate_property", Label: "没收非法财物"},
	{Code: "suspend_license", Label: "暂扣许可证件"},
	{Code: "downgrade", Label: "降低资质等级"},
	{Code: "restrict_business", Label: "限制开展生产经营活动"},
	{Code: "suspend_business", Label: "责令停产停业"},
	{Code: "close", Label: "责令关闭"},
	{Code: "restrict_practice", Label: "限制从业"},
	{Code: "revoke_license", Label: "吊销许可证件"},
	{Code: "detention", Label: "行政拘留"},
}

// LicenseCategories are a licence decision's results; a change or renewal counts as granted
// or refused.
var LicenseCategories = []DecisionCategory{
	{Code: "grant", Label: "准予许可"},
	{Code: "refuse", Label: "不予许可"},
	{Code: "revoke", Label: "撤销许可"},
}

// CoercionCategories are 行政强制法 art. 9's measures and art. 12's ways of execution, and
// an application to the court for execution.
var CoercionCategories = []DecisionCategory{
	{Code: "seal", Label: "查封场所、设施或者财物", Group: "行政强制措施"},
	{Code: "seize", Label: "扣押财物", Group: "行政强制措施"},
	{Code: "freeze", Label: "冻结存款、汇款", Group: "行政强制措施"},
	{Code: "other_measure", Label: "其他行政强制措施", Group: "行政强制措施"},
	{Code: "surcharge", Label: "加处罚款或者滞纳金", Group: "行政强制执行"},
	{Code: "transfer", Label: "划拨存款、汇款", Group: "行政强制执行"},
	{Code: "auction", Label: "拍卖或者依法处理查封、扣押的场所、设施或者财物", Group: "行政强制执行"},
	{Code: "restore", Label: "排除妨碍、恢复原状", Group: "行政强制执行"},
	{Code: "substitute", Label: "代履行", Group: "行政强制执行"},
	{Code: "other_execution", Label: "其他强制执行方式", Group: "行政强制执行"},
	{Code: "court", Label: "申请人民法院强制执行", Group: "申请法院强制执行"},
}

// CategoriesOf lists the categories a decision of kind may name; none for kinds the
// return counts only by number.
func CategoriesOf(k CaseKind) []DecisionCategory {
	switch k {
	case "penalty":
		return PenaltyCategories
	case "license":
		return LicenseCategories
	case "coercion":
		return CoercionCategories
	}
	return nil
}

// CategoryLabel names a category of a kind, or "" when the kind has no such category.
func CategoryLabel(k CaseKind, code string) string {
	for _, c := range CategoriesOf(k) {
		if c.Code == code {
			return c.Label
		}
	}
	return ""
}

// ValidateFor checks a decision for a case of kind k and settles its categories: the ones
// chosen, plus those its amounts and sanctions already say (a fine of 500 yuan is a 罚款
// whether or not the box was ticked), in the catalogue's order.
func (d *Decision) ValidateFor(k CaseKind) error {
	if err := d.Validate(); err != nil {
		return err
	}
	cats := CategoriesOf(k)
	chosen := []string{}
	for _, code := range d.Categories {
		code = strings.TrimSpace(code)
		if code == "" || slices.Contains(chosen, code) {
			continue
		}
		if !slices.ContainsFunc(cats, func(c DecisionCategory) bool { return c.Code == code }) {
			if len(cats) == 0 {
				return fault.Field("decision.categories", "%s决定不分种类，请不要填写决定种类", k.Label())
			}
			labels := make([]string, len(cats))
			for i, c := range cats {
				labels[i] = c.Code + "（" + c.Label + "）"
			}
			return fault.Field("decision.categories", "未知的决定种类“%s”，%s决定可选：%s", code, k.Label(), strings.Join(labels, "、"))
		}
		chosen = append(chosen, code)
	}
	switch k {
	case "penalty":
		if d.Outcome != "penalty" {
			if len(chosen) > 0 {
				return fault.Field("decision.categories", "不予处罚或其他决定不能选择处罚种类")
			}
			break
		}
		for code, says := range map[string]bool{"fine": d.FineAmount > 0, "revoke_license": d.LicenseRevoked, "suspend_business": d.BusinessSuspended,
			"confiscate_income": d.ConfiscationAmount > 0 && !slices.Contains(chosen, "confiscate_property")} {
			if says && !slices.Contains(chosen, code) {
				chosen = append(chosen, code)
			}
		}
		if slices.Contains(chosen, "fine") && d.FineAmount <= 0 {
			return fault.Field("decision.fine_amount", "选择了罚款，请填写罚款金额")
		}
		if len(chosen) == 0 {
			// A penalty that names no sanction and no amount is a warning: the least one.
			chosen = append(chosen, "warning")
		}
	case "license":
		if len(chosen) > 1 {
			return fault.Field("decision.categories", "许可决定只能是准予许可、不予许可或撤销许可之一")
		}
		if len(chosen) == 0 {
			chosen = append(chosen, map[bool]string{true: "refuse", false: "grant"}[d.Outcome == "no_penalty"])
		}
	}
	d.LicenseRef = strings.TrimSpace(d.LicenseRef)
	if d.LicenseRef != "" && !slices.Contains(chosen, "suspend_license") && !slices.Contains(chosen, "revoke_license") {
		return fault.Field("decision.license_ref", "只有暂扣或吊销许可证件的处罚才填写证照名称及编号")
	}
	if utf8.RuneCountInString(d.LicenseRef) > 200 {
		return fault.Field("decision.license_ref", "证照名称及编号不能超过 200 个字")
	}
	slices.SortFunc(chosen, func(a, b string) int {
		return slices.IndexFunc(cats, func(c DecisionCategory) bool { return c.Code == a }) -
			slices.IndexFunc(cats, func(c DecisionCategory) bool { return c.Code == b })
	})
	d.Categories = chosen
	return nil
}

// HeaviestPenalty is the category a penalty decision is counted under in the return.
func HeaviestPenalty(codes []string) string {
	best, at := "", -1
	for _, code := range codes {
		if i := slices.IndexFunc(PenaltyCategories, func(c DecisionCategory) bool { return c.Code == code }); i > at {
			best, at = code, i
		}
	}
	return best
}
