package enforcement

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhifa/fault"
)

// MajorCriteria is an agency's catalogue of what makes a decision major (重大执法决定),
// one version of it. Amounts are in fen.
type MajorCriteria struct {
	AgencyID           uuid.UUID `json:"agency_id"`
	Version            int       `json:"version"`
	FinePersonMin      int64     `json:"fine_person_min"`
	FineOrgMin         int64     `json:"fine_org_min"`
	ConfiscationMin    int64     `json:"confiscation_min"`
	LicenseRevocation  bool      `json:"license_revocation"`
	BusinessSuspension bool      `json:"business_suspension"`
	Hearing            bool      `json:"hearing"`
	PublicInterest     bool      `json:"public_interest"`
	Complex            bool      `json:"complex"`
	ExtraKinds         []string  `json:"extra_kinds"`
	ReviewDays         int       `json:"review_days"`
	CreatedAt          time.Time `json:"created_at"`
}

// DefaultCriteria applies to an agency that has not set its own: the common provincial
// thresholds (1万 for a person, 10万 for an organisation).
func DefaultCriteria(agencyID uuid.UUID) MajorCriteria {
	return MajorCriteria{AgencyID: agencyID, FinePersonMin: 10_000_00, FineOrgMin: 100_000_00, ConfiscationMin: 100_000_00,
		LicenseRevocation: true, BusinessSuspension: true, Hearing: true, PublicInterest: true, Complex: true,
		ExtraKinds: []string{}, ReviewDays: 5}
}

// Validate checks a catalogue an administrator sends.
func (m *MajorCriteria) Validate() error {
	switch {
	case m.FinePersonMin <= 0:
		return fault.Field("fine_person_min", "自然人罚款标准应为正数（单位：分）")
	case m.FineOrgMin <= 0:
		return fault.Field("fine_org_min", "单位罚款标准应为正数（单位：分）")
	case m.ConfiscationMin <= 0:
		return fault.Field("confiscation_min", "没收标准应为正数（单位：分）")
	case m.ReviewDays < 1 || m.ReviewDays > 30:
		return fault.Field("review_days", "审核期限应为 1 至 30 个工作日")
	}
	kinds := []string{}
	for _, k := range m.ExtraKinds {
		k = strings.TrimSpace(k)
		if k == "" || utf8.RuneCountInString(k) > 50 {
			return fault.Field("extra_kinds", "自定义重大情形不能为空，且不超过 50 字")
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	m.ExtraKinds = kinds
	return nil
}

func yuanText(fen int64) string {
	if fen%100 == 0 {
		return fmt.Sprintf("%d 元", fen/100)
	}
	return fmt.Sprintf("%d.%02d 元", fen/100, fen%100)
}

// Reasons lists which criteria a draft decision in case c meets; none means the decision
// is not major.
func (m MajorCriteria) Reasons(c *Case, d Decision) []string {
	out := []string{}
	if d.FineAmount > 0 {
		person, org := false, false
		for _, p := range c.Parties {
			person = person || p.Type == "person"
			org = org || p.Type == "org"
		}
		switch {
		case person && d.FineAmount >= m.FinePersonMin:
			out = append(out, fmt.Sprintf("对自然人罚款 %s，达到 %s的标准", yuanText(d.FineAmount), yuanText(m.FinePersonMin)))
		case org && d.FineAmount >= m.FineOrgMin:
			out = append(out, fmt.Sprintf("对单位罚款 %s，达到 %s的标准", yuanText(d.FineAmount), yuanText(m.FineOrgMin)))
		}
	}
	if d.ConfiscationAmount >= m.ConfiscationMin {
		out = append(out, fmt.Sprintf("没收违法所得或非法财物 %s，达到 %s的标准", yuanText(d.ConfiscationAmount), yuanText(m.ConfiscationMin)))
	}
	if m.LicenseRevocation && d.LicenseRevoked {
		out = append(out, "吊销许可证件")
	}
	if m.BusinessSuspension && d.BusinessSuspended {
		out = append(out, "责令停产停业")
	}
	if m.Hearing && (d.HearingHeld || c.HearingAt != nil) {
		out = append(out, "经过听证程序")
	}
	if m.PublicInterest && c.PublicInterest {
		out = append(out, "涉及重大公共利益")
	}
	if m.Complex && c.Complex {
		out = append(out, "案件情况疑难复杂、涉及多个法律关系")
	}
	for _, k := range c.MajorKinds {
		if slices.Contains(m.ExtraKinds, k) {
			out = append(out, k)
		}
	}
	return out
}

// Covers reports whether an approval of decision a still holds for decision d: the same
// outcome, no higher amounts, and no sanction the reviewer did not see.
func (a Decision) Covers(d Decision) (bool, string) {
	switch {
	case d.Outcome != a.Outcome:
		return false, "决定结果与审核通过的不同"
	case d.FineAmount > a.FineAmount:
		return false, fmt.Sprintf("罚款 %s 高于审核通过的 %s", yuanText(d.FineAmount), yuanText(a.FineAmount))
	case d.ConfiscationAmount > a.ConfiscationAmount:
		return false, fmt.Sprintf("没收金额 %s 高于审核通过的 %s", yuanText(d.ConfiscationAmount), yuanText(a.ConfiscationAmount))
	case d.LicenseRevoked && !a.LicenseRevoked:
		return false, "增加了吊销许可证件"
	case d.BusinessSuspended && !a.BusinessSuspended:
		return false, "增加了责令停产停业"
	}
	return true, ""
}

// ReviewState is where a review stands.
type ReviewState string

// The states of a review round.
const (
	ReviewPending  ReviewState = "pending"
	ReviewApproved ReviewState = "approved"
	ReviewReturned ReviewState = "returned"
	ReviewRejected ReviewState = "rejected"
)

// Label is the state as people read it.
func (s ReviewState) Label() string {
	return map[ReviewState]string{ReviewPending: "待审核", ReviewApproved: "审核通过", ReviewReturned: "退回补正",
		ReviewRejected: "不予通过"}[s]
}

// ChecklistItems are what a reviewer checks (DESIGN.md), in order.
var ChecklistItems = []struct{ Key, Label string }{
	{"subject", "执法主体是否合法"}, {"qualification", "执法人员是否具备执法资格"}, {"authority", "是否超越法定权限"},
	{"facts", "案件事实是否清楚"}, {"evidence", "证据是否确实充分"}, {"procedure", "程序是否合法"},
	{"law", "适用法律依据是否准确"}, {"discretion", "裁量是否适当"}, {"documents", "执法文书是否规范"},
	{"criminal_transfer", "是否涉嫌犯罪应移送司法机关"},
}

// CheckItem is the reviewer's finding on one checklist item.
type CheckItem struct {
	OK   bool   `json:"ok"`
	Note string `json:"note"`
}

// LegalReview is one round of legal review of a case's draft decision.
type LegalReview struct {
	ID              uuid.UUID            `json:"id"`
	CaseID          uuid.UUID            `json:"case_id"`
	CaseNumber      string               `json:"case_number"`
	CaseCause       string               `json:"case_cause"`
	AgencyID        uuid.UUID            `json:"agency_id"`
	AgencyName      string               `json:"agency_name"`
	Round           int                  `json:"round"`
	State           ReviewState          `json:"state"`
	Decision        Decision             `json:"decision"`
	MajorReasons    []string             `json:"major_reasons"`
	CriteriaVersion int                  `json:"criteria_version"`
	FromState       State                `json:"from_state"`
	SubmittedBy     uuid.UUID            `json:"submitted_by"`
	SubmittedName   string               `json:"submitted_name"`
	SubmittedAt     time.Time            `json:"submitted_at"`
	DueOn           Date                 `json:"due_at"`
	ExtensionReason string               `json:"extension_reason,omitempty"`
	ReviewerID      *uuid.UUID           `json:"reviewer_id"`
	ReviewerName    string               `json:"reviewer_name,omitempty"`
	DecidedAt       *time.Time           `json:"decided_at"`
	Checklist       map[string]CheckItem `json:"checklist,omitempty"`
	Opinion         string               `json:"opinion,omitempty"`
	Overdue         bool                 `json:"overdue"`
}

// ReviewDecision is what a reviewer decides.
type ReviewDecision struct {
	Outcome   ReviewState           `json:"outcome"`
	Checklist map[string]*CheckItem `json:"checklist"`
	Opinion   string                `json:"opinion"`
}

// Validate requires every checklist item, every one ok for an approval, and a written
// opinion.
func (d *ReviewDecision) Validate() error {
	switch d.Outcome {
	case ReviewApproved, ReviewReturned, ReviewRejected:
	default:
		return fault.Field("outcome", "审核结论应为通过、退回补正或不予通过")
	}
	var missing, failed []string
	for _, it := range ChecklistItems {
		c := d.Checklist[it.Key]
		if c == nil {
			missing = append(missing, it.Label)
			continue
		}
		c.Note = strings.TrimSpace(c.Note)
		if !c.OK {
			failed = append(failed, it.Label)
		}
	}
	if len(missing) > 0 {
		return fault.Field("checklist", "审核清单缺少以下项目：%s", strings.Join(missing, "、"))
	}
	if d.Outcome == ReviewApproved && len(failed) > 0 {
		return fault.Field("checklist", "以下项目未通过，不能作出“通过”的结论：%s", strings.Join(failed, "、"))
	}
	d.Opinion = strings.TrimSpace(d.Opinion)
	if d.Opinion == "" || utf8.RuneCountInString(d.Opinion) > 5000 {
		return fault.Field("opinion", "请填写审核意见，不超过 5000 字")
	}
	return nil
}

// checklistMap turns the validated pointers into values for storage.
func (d *ReviewDecision) checklistMap() map[string]CheckItem {
	out := map[string]CheckItem{}
	for _, it := range ChecklistItems {
		out[it.Key] = *d.Checklist[it.Key]
	}
	return out
}

// CaseFlags are what handlers say about a case that the catalogue of major decisions asks.
type CaseFlags struct {
	PublicInterest bool     `json:"public_interest"`
	Complex        bool     `json:"complex"`
	Serious        bool     `json:"serious"` // a major violation (重大违法行为)
	MajorKinds     []string `json:"major_kinds"`
}

// NeedsCollective reports whether the decision needs the leadership's collective
// discussion (行政处罚法 art. 57): the case is complex or the violation serious.
func (c *Case) NeedsCollective() bool { return c.Complex || c.Serious }

// DecisionCheck says whether a draft decision is major and why.
type DecisionCheck struct {
	Major           bool     `json:"major"`
	Reasons         []string `json:"reasons"`
	CriteriaVersion int      `json:"criteria_version"`
	NeedsCollective bool     `json:"needs_collective_discussion"`
}
