package inspection

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/fault"
)

// ResultKind is a standard category of inspection results (抽查结果类型).
type ResultKind struct {
	Code    string `json:"code"`
	Label   string `json:"label"`
	Problem bool   `json:"problem"` // counts as a problem found
}

// ResultKinds are the categories results are entered in, as the national enterprise
// credit publicity system lists them.
var ResultKinds = []ResultKind{
	{"no_problem", "未发现问题", false},
	{"not_disclosed", "未按规定公示应当公示的信息", true},
	{"false_disclosure", "公示信息隐瞒真实情况弄虚作假", true},
	{"unreachable", "通过登记的住所（经营场所）无法联系", true},
	{"no_activity", "未发现开展本次抽查涉及的经营活动", false},
	{"corrected", "发现问题已责令改正", true},
	{"uncooperative", "不配合检查情节严重", true},
	{"followup", "发现问题待后续处理", true},
	{"other", "其他", false},
}

// ResultKindOf finds a category by its code or its label.
func ResultKindOf(s string) (ResultKind, bool) {
	s = strings.TrimSpace(s)
	for _, k := range ResultKinds {
		if k.Code == s || k.Label == s {
			return k, true
		}
	}
	return ResultKind{}, false
}

// Check is one check of a firm with its inspectors: drawn by a double-random draw, or
// requested outside one with a reason and approved by the agency's head.
type Check struct {
	ID           uuid.UUID        `json:"id"`
	Origin       string           `json:"origin"` // draw, request or joint
	TaskID       *uuid.UUID       `json:"task_id"`
	TaskName     string           `json:"task_name"`
	DrawID       *uuid.UUID       `json:"draw_id"`
	Seq          int              `json:"seq"`
	MatterIDs    []uuid.UUID      `json:"matter_ids"`
	TargetCode   string           `json:"target_code"`
	TargetName   string           `json:"target_name"`
	TargetRisk   string           `json:"target_risk"`
	Matters      string           `json:"matters"`
	InspectorIDs []uuid.UUID      `json:"inspector_ids"`
	Inspectors   []string         `json:"inspectors"`
	State        string           `json:"state"` // assigned, done or cancelled
	Result       *string          `json:"result"`
	ResultLabel  string           `json:"result_label,omitempty"`
	Findings     string           `json:"findings"`
	RecordIDs    []uuid.UUID      `json:"record_ids"`
	CaseID       *uuid.UUID       `json:"case_id"`
	FollowupID   *uuid.UUID       `json:"followup_case_id"`
	DueDate      string           `json:"due_date"`
	ResultAt     *time.Time       `json:"result_at"`
	DrawnOn      enforcement.Date `json:"drawn_on"` // the day it was drawn, or planned
	// A requested check: its agency, why, on whose order, when, and its approval.
	AgencyID     *uuid.UUID        `json:"agency_id"`
	AgencyName   string            `json:"agency_name"`
	Reason       *string           `json:"reason"`
	ReasonNote   string            `json:"reason_note"`
	OrderedBy    string            `json:"ordered_by"`
	PlannedOn    *enforcement.Date `json:"planned_on"`
	RequestedAt  *time.Time        `json:"requested_at"`
	DecidedAt    *time.Time        `json:"decided_at"`
	RefuseReason string            `json:"refuse_reason"`
	CodeIssuedAt *time.Time        `json:"code_issued_at"`
	ScannedAt    *time.Time        `json:"scanned_at"`           // first opened by the firm (扫码入企)
	CapExempt    string            `json:"cap_exempt,omitempty"` // why it went beyond its agency's yearly cap
	// A merged check's joint check; a joint check's agencies (its members').
	JointID        *uuid.UUID  `json:"joint_check_id,omitempty"`
	JointAgencyIDs []uuid.UUID `json:"joint_agency_ids,omitempty"`
	region         string
}

// Assigned reports whether the officer is one of the check's inspectors.
func (c *Check) Assigned(officer *uuid.UUID) bool {
	if officer == nil {
		return false
	}
	for _, id := range c.InspectorIDs {
		if id == *officer {
			return true
		}
	}
	return false
}

// ResultInput enters a check's result.
type ResultInput struct {
	Result    string      `json:"result"`
	Findings  string      `json:"findings"`
	RecordIDs []uuid.UUID `json:"record_ids"`
}

// Validate finds the category and limits the findings.
func (in *ResultInput) Validate() (ResultKind, error) {
	k, ok := ResultKindOf(in.Result)
	if !ok {
		return k, fault.Field("result", "检查结果应为标准类型之一（如“未发现问题”“发现问题已责令改正”）")
	}
	in.Findings = strings.TrimSpace(in.Findings)
	if utf8.RuneCountInString(in.Findings) > 2000 {
		return k, fault.Field("findings", "检查情况不超过 2000 字")
	}
	if k.Problem && in.Findings == "" {
		return k, fault.Field("findings", "发现问题时请写明检查情况")
	}
	if in.RecordIDs == nil {
		in.RecordIDs = []uuid.UUID{} // a result may cite no record; the column holds a list
	}
	return k, nil
}
