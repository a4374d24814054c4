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

// CaseKind is the kind of administrative action a case is about.
type CaseKind string

// The kinds of API.md, with the character case numbers use for each.
var caseKinds = map[CaseKind]string{
	"penalty": "罚", "coercion": "强", "license": "许", "inspection": "检",
	"levy": "征", "requisition": "用", "confirmation": "确", "other": "执",
}

// CaseKinds lists every kind, in the order pages and reports show them.
var CaseKinds = []CaseKind{"penalty", "coercion", "license", "inspection", "levy", "requisition", "confirmation", "other"}

// Label is the kind as people read it.
func (k CaseKind) Label() string {
	return map[CaseKind]string{"penalty": "行政处罚", "coercion": "行政强制", "license": "行政许可", "inspection": "行政检查",
		"levy": "行政征收", "requisition": "行政征用", "confirmation": "行政确认", "other": "其他行政执法"}[k]
}

// State is where a case stands in its lifecycle.
type State string

// The states of API.md.
const (
	Filed         State = "filed"
	Investigating State = "investigating"
	Notified      State = "notified"
	Hearing       State = "hearing"
	Review        State = "review"
	Decided       State = "decided"
	Served        State = "served"
	Executed      State = "executed"
	Closed        State = "closed"
	Archived      State = "archived"
	Withdrawn     State = "withdrawn"
	Transferred   State = "transferred"
)

var stateLabels = map[State]string{
	Filed: "已立案", Investigating: "调查取证", Notified: "已告知", Hearing: "听证", Review: "法制审核",
	Decided: "已决定", Served: "已送达", Executed: "已执行", Closed: "已结案", Archived: "已归档",
	Withdrawn: "已撤案", Transferred: "已移送司法机关",
}

// Label is the state as people read it.
func (s State) Label() string { return stateLabels[s] }

// Open reports whether the case is still being worked: it can then be withdrawn or transferred.
func (s State) Open() bool {
	switch s {
	case Closed, Archived, Withdrawn, Transferred:
		return false
	}
	return true
}

// next lists the ordinary moves from each state; withdrawal and transfer come on top
// from every open state.
var next = map[State][]State{
	Filed:         {Investigating},
	Investigating: {Notified},
	Notified:      {Hearing, Review, Decided},
	Hearing:       {Review, Decided},
	Review:        {Decided, Investigating},
	Decided:       {Served},
	Served:        {Executed, Closed},
	Executed:      {Closed},
	Closed:        {Archived},
}

// ValidState reports whether s is a known state.
func ValidState(s State) bool { _, ok := stateLabels[s]; return ok }

// Party is the person or organisation a case concerns (当事人).
type Party struct {
	Type     string `json:"type"` // person or org
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
	Address  string `json:"address,omitempty"`
	Phone    string `json:"phone,omitempty"`
	LegalRep string `json:"legal_rep,omitempty"` // an organisation's 法定代表人 (负责人)
}

// Validate checks one party; i is its position, for the field name.
func (p *Party) Validate(i int) error {
	field := func(f string) string { return fmt.Sprintf("parties[%d].%s", i, f) }
	p.Name, p.IDNumber = strings.TrimSpace(p.Name), strings.ToUpper(strings.TrimSpace(p.IDNumber))
	p.Address, p.Phone, p.LegalRep = strings.TrimSpace(p.Address), strings.TrimSpace(p.Phone), strings.TrimSpace(p.LegalRep)
	if p.Name == "" || utf8.RuneCountInString(p.Name) > 100 {
		return fault.Field(field("name"), "当事人名称不能为空，且不超过 100 字")
	}
	switch p.Type {
	case "person":
		if !ValidIDNumber(p.IDNumber) {
			return fault.Field(field("id_number"), "公民身份号码应为 18 位且校验位正确")
		}
	case "org":
		if !ValidCreditCode(p.IDNumber) {
			return fault.Field(field("id_number"), "统一社会信用代码应为 18 位且校验位正确")
		}
	default:
		return fault.Field(field("type"), "当事人类型应为自然人或法人、其他组织")
	}
	if p.LegalRep != "" && (p.Type != "org" || utf8.RuneCountInString(p.LegalRep) > 50) {
		return fault.Field(field("legal_rep"), "法定代表人只对法人或其他组织填写，且不超过 50 字")
	}
	if utf8.RuneCountInString(p.Address) > 200 || len(p.Phone) > 30 {
		return fault.Field(field("address"), "地址不超过 200 字，电话不超过 30 位")
	}
	return nil
}

// Decision is the draft or final decision of a case.
type Decision struct {
	Outcome            string `json:"outcome"` // penalty, no_penalty or other
	FineAmount         int64  `json:"fine_amount"`
	ConfiscationAmount int64  `json:"confiscation_amount"`
	LicenseRevoked     bool   `json:"license_revoked"`
	BusinessSuspended  bool   `json:"business_suspended"`
	HearingHeld        bool   `json:"hearing_held"`
	Text               string `json:"text"`
	// Categories are what the decision imposes, in the statistical return's terms
	// (CategoriesOf its case's kind); ValidateFor completes them.
	Categories []string `json:"categories,omitempty"`
	// LicenseRef names the licence a penalty suspends or revokes and its number (暂扣或吊销
	// 证照名称及编号), for the credit platform's field of that name.
	LicenseRef string `json:"license_ref,omitempty"`
}

// Validate checks a decision.
func (d *Decision) Validate() error {
	switch d.Outcome {
	case "penalty", "no_penalty", "other":
	default:
		return fault.Field("decision.outcome", "决定结果应为给予处罚、不予处罚或其他决定")
	}
	if d.FineAmount < 0 {
		return fault.Field("decision.fine_amount", "罚款金额不能为负数（单位：分）")
	}
	if d.ConfiscationAmount < 0 {
		return fault.Field("decision.confiscation_amount", "没收金额不能为负数（单位：分）")
	}
	if d.Outcome == "no_penalty" && (d.FineAmount > 0 || d.ConfiscationAmount > 0 || d.LicenseRevoked || d.BusinessSuspended) {
		return fault.Field("decision.outcome", "不予处罚的决定不能同时包含罚没或其他处罚")
	}
	d.Text = strings.TrimSpace(d.Text)
	if d.Text == "" {
		return fault.Field("decision.text", "请填写决定书正文或主要内容")
	}
	return nil
}

// Case is one enforcement case (案件).
type Case struct {
	ID         uuid.UUID  `json:"id"`
	AgencyID   uuid.UUID  `json:"agency_id"`
	AgencyName string     `json:"agency_name"`
	Number     string     `json:"number"`
	Kind       CaseKind   `json:"kind"`
	Cause      string     `json:"cause"`
	LegalBasis string     `json:"legal_basis"`
	State      State      `json:"state"`
	OccurredAt time.Time  `json:"occurred_at"`
	Location   string     `json:"location"`
	FiledAt    time.Time  `json:"filed_at"`
	NotifiedAt *time.Time `json:"notified_at"`
	HearingAt  *time.Time `json:"hearing_at"`
	DecidedAt  *time.Time `json:"decided_at"`
	ServedAt   *time.Time `json:"served_at"`
	// DecisionServed is when the 决定书's service was recorded (a document service), which
	// stops the 7-day clock before the case is moved to 已送达; set where the facts are read.
	DecisionServed *time.Time `json:"-"`
	// DocumentsRequired: the case's agency makes its documents in zhifa for cases filed
	// since its documents_from, so its moves need them.
	DocumentsRequired bool        `json:"documents_required"`
	ClosedAt          *time.Time  `json:"closed_at"`
	Decision          *Decision   `json:"decision"`
	StatementWaived   bool        `json:"statement_waived"`
	EndReason         string      `json:"end_reason,omitempty"`
	Measures          []string    `json:"measures"`
	PublicInterest    bool        `json:"public_interest"`
	Complex           bool        `json:"complex"`
	Serious           bool        `json:"serious"`
	MajorKinds        []string    `json:"major_kinds"`
	Parties           []Party     `json:"parties"`
	HandlerIDs        []uuid.UUID `json:"handler_ids"`
	Handlers          []Officer   `json:"handlers,omitempty"`
	CreatedBy         uuid.UUID   `json:"created_by"`
	CreatedAt         time.Time   `json:"created_at"`
	UpdatedAt         time.Time   `json:"updated_at"`

	agencyAV []string // measures the agency adds to the audio-video list
}

// CaseInput opens a case.
type CaseInput struct {
	AgencyID   uuid.UUID   `json:"agency_id"`
	Kind       CaseKind    `json:"kind"`
	Cause      string      `json:"cause"`
	LegalBasis string      `json:"legal_basis"`
	Parties    []Party     `json:"parties"`
	HandlerIDs []uuid.UUID `json:"handler_ids"`
	OccurredAt time.Time   `json:"occurred_at"`
	Location   string      `json:"location"`
	Measures   []string    `json:"measures"`
}

// Validate checks the input; handlers are checked against the officer records by the service.
func (in *CaseInput) Validate(now time.Time) error {
	in.Cause, in.LegalBasis, in.Location = strings.TrimSpace(in.Cause), strings.TrimSpace(in.LegalBasis), strings.TrimSpace(in.Location)
	if in.AgencyID == uuid.Nil {
		return fault.Field("agency_id", "请指定办案机关")
	}
	if _, ok := caseKinds[in.Kind]; !ok {
		return fault.Field("kind", "案件类型应为 penalty、coercion、license、inspection、levy、confirmation 或 other")
	}
	if in.Cause == "" || utf8.RuneCountInString(in.Cause) > 200 {
		return fault.Field("cause", "请填写案由，不超过 200 字")
	}
	if in.LegalBasis == "" || utf8.RuneCountInString(in.LegalBasis) > 1000 {
		return fault.Field("legal_basis", "请填写立案依据，不超过 1000 字")
	}
	if len(in.Parties) == 0 || len(in.Parties) > 50 {
		return fault.Field("parties", "请填写当事人（1 至 50 个）")
	}
	for i := range in.Parties {
		if err := in.Parties[i].Validate(i); err != nil {
			return err
		}
	}
	seen := map[uuid.UUID]bool{}
	for _, h := range in.HandlerIDs {
		seen[h] = true
	}
	if len(seen) < 2 {
		return fault.Field("handler_ids", "执法人员不得少于两人（行政处罚法第四十二条）")
	}
	if in.OccurredAt.IsZero() || in.OccurredAt.After(now.Add(time.Hour)) {
		return fault.Field("occurred_at", "请填写案发时间，且不能晚于现在")
	}
	if utf8.RuneCountInString(in.Location) > 200 {
		return fault.Field("location", "地点不超过 200 字")
	}
	var err error
	in.Measures, err = checkMeasures("measures", in.Measures)
	return err
}

// Move is a request to change a case's state.
type Move struct {
	To              State      `json:"to"`
	Reason          string     `json:"reason"`
	Decision        *Decision  `json:"decision"`
	StatementWaived bool       `json:"statement_waived"`
	HearingAt       *time.Time `json:"hearing_at"`
	Delivery        *Delivery  `json:"delivery"`    // moving to served: how, when and to whom
	Execution       string     `json:"execution"`   // moving to executed: what was paid or done
	ExecutedOn      Date       `json:"executed_on"` // and the day it was
	Summary         string     `json:"summary"`     // moving to closed: the closing report
}

// Delivery is how a decision was served (送达).
type Delivery struct {
	Method    string    `json:"method"` // direct, left, mail, electronic or notice
	At        time.Time `json:"at"`
	Recipient string    `json:"recipient"`
	// ProofRecordID names the case's record holding the proof: the signed 送达回证, a
	// postal receipt. Direct, left and mail service need one.
	ProofRecordID *uuid.UUID `json:"proof_record_id"`
}

// DeliveryMethods are the ways of service and their names.
var DeliveryMethods = []struct{ Code, Label string }{
	{"direct", "直接送达"}, {"left", "留置送达"}, {"mail", "邮寄送达"}, {"electronic", "电子送达"}, {"notice", "公告送达"},
}

// DeliveryLabel names a way of service, or "" for an unknown one.
func DeliveryLabel(code string) string {
	for _, m := range DeliveryMethods {
		if m.Code == code {
			return m.Label
		}
	}
	return ""
}

// validate checks a service against the case it serves.
func (d *Delivery) validate(c *Case, now time.Time) error {
	d.Recipient = strings.TrimSpace(d.Recipient)
	switch {
	case DeliveryLabel(d.Method) == "":
		return fault.Field("delivery.method", "送达方式应为直接送达、留置送达、邮寄送达、电子送达或公告送达")
	case d.At.IsZero():
		return fault.Field("delivery.at", "请填写送达时间")
	case d.At.After(now.Add(time.Hour)):
		return fault.Field("delivery.at", "送达时间不能晚于现在")
	case c.DecidedAt != nil && d.At.Before(c.DecidedAt.Truncate(time.Minute)): // forms give minutes
		return fault.Field("delivery.at", "送达时间不能早于决定作出的时间（%s）", c.DecidedAt.In(shanghai).Format("2006-01-02 15:04"))
	case d.Recipient == "" || utf8.RuneCountInString(d.Recipient) > 100:
		return fault.Field("delivery.recipient", "请填写受送达人，不超过 100 字")
	case d.ProofRecordID == nil && (d.Method == "direct" || d.Method == "left" || d.Method == "mail"):
		return fault.Field("delivery.proof_record_id", "%s须附送达回证或邮寄回执：请先把它拍照记入本案，再选为送达凭证", DeliveryLabel(d.Method))
	}
	return nil
}

// Clocks are the statutory deadlines of a case, counted on the working-day calendar.
type Clocks struct {
	DecideBy         Date     `json:"decide_by"`                   // art. 60: 90 days from filing
	HearingRequestBy Date     `json:"hearing_request_by,omitzero"` // art. 64: 5 working days from notice
	HearingNoticeBy  Date     `json:"hearing_earliest,omitzero"`   // art. 64: noticed 7 working days ahead
	ServeBy          Date     `json:"serve_by,omitzero"`           // art. 61: 7 working days from the decision
	Overdue          []string `json:"overdue"`
}

// Clocks computes the case's deadlines as of now.
func (c *Case) Clocks(cal *Calendar, now time.Time) Clocks {
	today := DateOf(now)
	k := Clocks{DecideBy: cal.AddCalendarDays(DateOf(c.FiledAt), 90), Overdue: []string{}}
	if c.NotifiedAt != nil {
		k.HearingRequestBy = cal.AddWorkingDays(DateOf(*c.NotifiedAt), 5)
		k.HearingNoticeBy = cal.AddWorkingDays(DateOf(*c.NotifiedAt), 7)
	}
	if c.DecidedAt != nil {
		k.ServeBy = cal.AddWorkingDays(DateOf(*c.DecidedAt), 7)
	}
	// Art. 60 times decisions; an inspection (行政检查) ends in a result instead.
	if c.DecidedAt == nil && c.State.Open() && c.Kind != "inspection" && today.After(k.DecideBy) {
		k.Overdue = append(k.Overdue, "立案满 90 日仍未作出决定")
	}
	if c.DecidedAt != nil && c.ServedAt == nil && c.DecisionServed == nil && c.State == Decided && today.After(k.ServeBy) {
		k.Overdue = append(k.Overdue, "决定作出 7 个工作日内未送达")
	}
	return k
}

// Transition applies a move and returns the record it leaves in the case's timeline.
func (c *Case) Transition(m Move, cal *Calendar, now time.Time, authorID uuid.UUID, authorName string) (*TimelineEntry, error) {
	from := c.State
	if err := c.Apply(m, cal, now); err != nil {
		return nil, err
	}
	note := from.Label() + " → " + c.State.Label()
	data := map[string]any{"from": from, "to": c.State}
	if r := strings.TrimSpace(m.Reason); r != "" {
		note += "：" + r
		data["reason"] = r
	}
	if m.Decision != nil && c.State == Decided {
		data["decision"] = m.Decision
	}
	switch {
	case c.State == Served && m.Delivery != nil:
		d := m.Delivery
		note += "：" + DeliveryLabel(d.Method) + "，" + d.At.In(shanghai).Format("2006-01-02 15:04") + " 送达 " + d.Recipient
		data["delivery"] = d
	case c.State == Executed:
		note += "：" + m.ExecutedOn.String() + " " + strings.TrimSpace(m.Execution)
		data["execution"], data["executed_on"] = strings.TrimSpace(m.Execution), m.ExecutedOn
	case c.State == Closed && strings.TrimSpace(m.Summary) != "":
		note += "：" + strings.TrimSpace(m.Summary)
		data["summary"] = strings.TrimSpace(m.Summary)
	}
	return &TimelineEntry{Stage: c.State, Kind: "transition", Note: note, Data: data, OccurredAt: now,
		AuthorID: &authorID, AuthorName: authorName}, nil
}

// Apply moves the case, refusing moves the law or the lifecycle does not allow. The
// reason says in plain words what is missing.
func (c *Case) Apply(m Move, cal *Calendar, now time.Time) error {
	if !ValidState(m.To) {
		return fault.Field("to", "未知的目标状态“%s”", m.To)
	}
	if m.To == Withdrawn || m.To == Transferred {
		if !c.State.Open() {
			return fault.New(fault.Conflict, "案件已%s，不能%s", c.State.Label(), m.To.Label())
		}
		m.Reason = strings.TrimSpace(m.Reason)
		if m.Reason == "" {
			return fault.Field("reason", "撤案或移送须写明理由")
		}
		c.State, c.EndReason, c.ClosedAt = m.To, m.Reason, &now
		return nil
	}
	if !slices.Contains(next[c.State], m.To) {
		return fault.New(fault.Conflict, "案件当前为“%s”，不能直接转为“%s”", c.State.Label(), m.To.Label())
	}
	switch m.To {
	case Notified:
		c.NotifiedAt = &now
	case Hearing:
		if m.HearingAt == nil {
			return fault.Field("hearing_at", "请填写听证时间")
		}
		earliest := cal.AddWorkingDays(DateOf(now), 7)
		if DateOf(*m.HearingAt).Before(earliest) {
			return fault.Field("hearing_at", "听证应在举行七日前通知当事人，最早可定于 %s", earliest)
		}
		c.HearingAt = m.HearingAt
	case Decided:
		if m.Decision == nil {
			return fault.Field("decision", "作出决定须提交决定内容")
		}
		if err := m.Decision.ValidateFor(c.Kind); err != nil {
			return err
		}
		if m.Decision.HearingHeld && c.HearingAt == nil {
			return fault.New(fault.Conflict, "案件未经听证程序，决定不能载明已举行听证")
		}
		if c.State == Notified && !m.StatementWaived && !c.StatementWaived {
			by := cal.AddWorkingDays(DateOf(*c.NotifiedAt), 5)
			if !DateOf(now).After(by) {
				return fault.New(fault.Conflict, "当事人陈述、申辩和要求听证的期限至 %s 届满，届满前不能作出决定；当事人已明确放弃的，请注明", by)
			}
		}
		c.StatementWaived = c.StatementWaived || m.StatementWaived
		c.Decision, c.DecidedAt = m.Decision, &now
	case Served:
		if m.Delivery == nil {
			return fault.Field("delivery", "送达须写明送达方式、送达时间和受送达人")
		}
		if err := m.Delivery.validate(c, now); err != nil {
			return err
		}
		at := m.Delivery.At
		c.ServedAt = &at
	case Executed:
		if strings.TrimSpace(m.Execution) == "" || utf8.RuneCountInString(m.Execution) > 2000 {
			return fault.Field("execution", "请写明执行情况（如罚没款缴纳的金额、责令改正的完成情况），不超过 2000 字")
		}
		switch today := DateOf(now); {
		case m.ExecutedOn.IsZero():
			return fault.Field("executed_on", "请填写执行完毕的日期")
		case m.ExecutedOn.After(today):
			return fault.Field("executed_on", "执行日期不能晚于今天")
		case c.ServedAt != nil && m.ExecutedOn.Before(DateOf(*c.ServedAt)):
			return fault.Field("executed_on", "执行日期不能早于送达日期（%s）", DateOf(*c.ServedAt))
		}
	case Closed:
		if strings.TrimSpace(m.Summary) == "" || utf8.RuneCountInString(m.Summary) > 5000 {
			return fault.Field("summary", "结案须填写结案报告（处理结果和执行情况），不超过 5000 字")
		}
		c.ClosedAt = &now
	}
	c.State = m.To
	return nil
}

// CheckOutcome refuses a reconsideration or litigation result the case cannot have: one
// of an unknown type or result, one dated in the future, one recorded before the case is
// decided, and one dated before the decision it rules on. Days are compared in
// Asia/Shanghai, as both documents are dated by day.
func (c *Case) CheckOutcome(in OutcomeInput, now time.Time) error {
	if in.Type != "reconsideration" && in.Type != "litigation" { // a supervision decision comes only with its document
		return fault.Field("type", "类型应为 reconsideration（行政复议）或 litigation（行政诉讼）")
	}
	if OutcomeResultLabel(in.Result) == "" {
		return fault.Field("result", "结果应为 upheld、revoked、changed、confirmed_illegal、terminated 或 pending")
	}
	if in.DecidedAt.IsZero() || in.DecidedAt.After(now.Add(time.Hour)) {
		return fault.Field("decided_at", "请填写复议或判决日期，且不能晚于今天")
	}
	if c.DecidedAt == nil {
		return fault.New(fault.Conflict, "案件尚未作出决定，不能登记复议诉讼结果")
	}
	if decided := DateOf(*c.DecidedAt); DateOf(in.DecidedAt).Before(decided) {
		return fault.Field("decided_at", "复议或判决日期 %s 早于本案决定日期 %s，请核对", DateOf(in.DecidedAt), decided)
	}
	return nil
}

// NextStates lists where a case may go from s: its ordinary next steps, then withdrawal
// and transfer while it is open.
func NextStates(s State) []State {
	out := slices.Clone(next[s])
	if s.Open() {
		out = append(out, Withdrawn, Transferred)
	}
	return out
}
