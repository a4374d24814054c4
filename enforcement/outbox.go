package enforcement

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// The topics of the outbox. A destination of the credit platform takes the credit.*
// topics, the national 互联网+监管 system the action.* ones, a province's zhifa all.
const (
	TopicCreditPenalty    = "credit.penalty"    // a penalty decision published (双公示)
	TopicCreditLicense    = "credit.license"    // a licence decision published (双公示)
	TopicCreditWithdrawal = "credit.withdrawal" // a published item taken down (revoked, changed, in error)
	TopicActionCheck      = "action.check"      // an inspection check's result (监管行为)
	TopicActionFiled      = "action.case_filed"
	TopicActionDecided    = "action.case_decided"
	TopicActionDocument   = "action.supervision_document"
)

// OutboxEvent is something another system must learn of. It is written in the
// transaction of the event itself, so it exists exactly when the event does.
type OutboxEvent struct {
	ID         uuid.UUID
	Topic      string
	Stream     string // events of one stream reach each destination in the order written
	SubjectID  uuid.UUID
	AgencyID   uuid.UUID
	RefersTo   *uuid.UUID // the earlier event a withdrawal changes
	Payload    any
	OccurredAt time.Time

	withAgency bool // the payload takes the agency's name and code as agency and agency_code
}

// ExchangeFanoutLock is the advisory lock that orders the dispatcher's fan-out of events
// against a new destination taking its backlog, so that an event is never missed by a
// destination created beside its fan-out. The event's own transaction does not take it.
const ExchangeFanoutLock = "zhifa-exchange-fanout"

// EnqueueTx writes ev inside tx. Its deliveries, one for each destination whose feed and
// region take it, are made by the dispatcher after the event commits (audit.FanOut).
func EnqueueTx(ctx context.Context, tx pgx.Tx, ev OutboxEvent) error {
	if ev.ID == uuid.Nil {
		ev.ID = uuid.New()
	}
	payload, err := json.Marshal(ev.Payload)
	if err != nil {
		return err
	}
	// An agency's name and code are the event's own, as they stand when it happens.
	var seq int64
	err = tx.QueryRow(ctx, `INSERT INTO outbox_events (id, topic, stream, subject_id, agency_id, refers_to, payload, occurred_at)
		SELECT $1, $2, $3, $4, a.id, $6, CASE WHEN $9 THEN $7::jsonb || jsonb_build_object('agency', a.name, 'agency_code', a.code) ELSE $7::jsonb END, $8
		FROM agencies a WHERE a.id = $5 RETURNING seq`,
		ev.ID, ev.Topic, ev.Stream, ev.SubjectID, ev.AgencyID, ev.RefersTo, payload, ev.OccurredAt, ev.withAgency).Scan(&seq)
	return DBError(err, "待推送事件") // no row: no such agency, which must not pass unnoticed
}

// FeedPattern is the SQL expression of the LIKE pattern of the topics a destination's
// format takes.
func FeedPattern(format string) string {
	return `CASE ` + format + ` WHEN 'credit' THEN 'credit.%' WHEN 'regulatory' THEN 'action.%' ELSE '%' END`
}

// CaseStream is the stream of everything that happens to one case.
func CaseStream(id uuid.UUID) string { return "case:" + id.String() }

// CreditItem is a decision published for the credit platform (双公示): the portal's
// redacted content with what the credit platform's field set adds. Amounts stay in fen;
// the exchange formats them in 万元.
type CreditItem struct {
	DisclosureID       uuid.UUID `json:"disclosure_id"`
	CaseID             uuid.UUID `json:"case_id"`
	Kind               CaseKind  `json:"kind"` // penalty or license
	Number             string    `json:"number"`
	Parties            []Party   `json:"parties"` // redacted as the portal shows them
	Cause              string    `json:"cause"`
	Facts              string    `json:"facts"`
	LegalBasis         string    `json:"legal_basis"`
	Outcome            string    `json:"outcome"`
	Categories         []string  `json:"categories"` // 处罚类别 as people read them
	FineAmount         int64     `json:"fine_amount"`
	ConfiscationAmount int64     `json:"confiscation_amount"`
	LicenseRevoked     bool      `json:"license_revoked"`
	LicenseRef         string    `json:"license_ref,omitempty"` // 暂扣或吊销证照名称及编号
	BusinessSuspended  bool      `json:"business_suspended"`
	DecidedOn          Date      `json:"decided_on"`
	PublishedOn        Date      `json:"published_on"`
	DisplayUntil       Date      `json:"display_until"`
	Agency             string    `json:"agency"`
	AgencyCode         string    `json:"agency_code"`
}

// CreditWithdrawal takes an item down from the credit platform.
type CreditWithdrawal struct {
	DisclosureID uuid.UUID `json:"disclosure_id"`
	CaseID       uuid.UUID `json:"case_id"`
	Number       string    `json:"number"`
	Cause        string    `json:"cause,omitempty"` // the outcome that required it, if any
	Reason       string    `json:"reason"`
	WithdrawnOn  Date      `json:"withdrawn_on"`
	Agency       string    `json:"agency"`
	AgencyCode   string    `json:"agency_code"`
}

// penaltyCategories names the kinds of penalty a decision imposes: its categories, or for
// an item decided before decisions named them, what its fields tell.
func penaltyCategories(c DisclosureContent) []string {
	if c.Outcome != "penalty" {
		return []string{}
	}
	var out []string
	for _, code := range c.Categories {
		out = append(out, CategoryLabel("penalty", code))
	}
	if len(out) > 0 {
		return out
	}
	if c.FineAmount > 0 {
		out = append(out, "罚款")
	}
	if c.ConfiscationAmount > 0 {
		out = append(out, "没收违法所得、没收非法财物")
	}
	if c.LicenseRevoked {
		out = append(out, "吊销许可证件")
	}
	if c.BusinessSuspended {
		out = append(out, "责令停产停业")
	}
	if len(out) == 0 {
		out = append(out, "警告")
	}
	return out
}

// creditKind is the credit topic of a published decision, or "" when the credit
// platform does not take it (decisions other than penalties and licences).
func creditTopic(k CaseKind) string {
	switch k {
	case "penalty":
		return TopicCreditPenalty
	case "license":
		return TopicCreditLicense
	}
	return ""
}

// CreditItemOf is a decision item in the credit platform's terms; an item not yet
// published has no publication or display dates.
func CreditItemOf(d *Disclosure, kind CaseKind, agency, code string) CreditItem {
	c := d.Content
	item := CreditItem{DisclosureID: d.ID, Kind: kind, Number: c.Number, Parties: c.Parties, Cause: c.Cause,
		Facts: c.Text, LegalBasis: c.LegalBasis, Outcome: c.Outcome, Categories: penaltyCategories(c), FineAmount: c.FineAmount,
		ConfiscationAmount: c.ConfiscationAmount, LicenseRevoked: c.LicenseRevoked, BusinessSuspended: c.BusinessSuspended,
		DecidedOn: c.DecidedOn, Agency: agency, AgencyCode: code, LicenseRef: c.LicenseRef}
	if d.CaseID != nil {
		item.CaseID = *d.CaseID
	}
	if d.PublishedAt != nil {
		item.PublishedOn = DateOf(*d.PublishedAt)
	}
	if d.DisplayUntil != nil {
		item.DisplayUntil = *d.DisplayUntil
	}
	if kind == "license" {
		item.Categories = []string{}
	}
	return item
}

// enqueuePublishedTx writes the credit event of a decision item just published.
func enqueuePublishedTx(ctx context.Context, tx pgx.Tx, d *Disclosure) error {
	if d.Kind != "decision" || d.CaseID == nil || d.PublishedAt == nil || d.DisplayUntil == nil {
		return nil
	}
	var kind CaseKind
	if err := tx.QueryRow(ctx, `SELECT kind FROM cases WHERE id = $1`, *d.CaseID).Scan(&kind); err != nil {
		return DBError(err, "案件")
	}
	topic := creditTopic(kind)
	if topic == "" || (kind == "penalty" && d.Content.Outcome != "penalty") {
		return nil
	}
	return EnqueueTx(ctx, tx, OutboxEvent{Topic: topic, Stream: CaseStream(*d.CaseID), SubjectID: d.ID, AgencyID: d.AgencyID,
		Payload: CreditItemOf(d, kind, "", ""), OccurredAt: *d.PublishedAt, withAgency: true})
}

// originalCreditTx is the latest credit event that published item d, if any was sent.
func originalCreditTx(ctx context.Context, tx pgx.Tx, d *Disclosure) (uuid.UUID, CreditItem, bool, error) {
	var id uuid.UUID
	var item CreditItem
	err := tx.QueryRow(ctx, `SELECT id, payload FROM outbox_events WHERE subject_id = $1 AND topic IN ($2, $3) ORDER BY seq DESC LIMIT 1`,
		d.ID, TopicCreditPenalty, TopicCreditLicense).Scan(&id, &item)
	if err == pgx.ErrNoRows {
		return id, item, false, nil
	}
	return id, item, err == nil, DBError(err, "待推送事件")
}

// enqueueWithdrawnTx writes the withdrawal of an item the credit platform was sent.
func enqueueWithdrawnTx(ctx context.Context, tx pgx.Tx, d *Disclosure, now time.Time) error {
	original, payload, sent, err := originalCreditTx(ctx, tx, d)
	if err != nil || !sent {
		return err // never sent: nothing to take down there
	}
	w := CreditWithdrawal{DisclosureID: d.ID, CaseID: payload.CaseID, Number: payload.Number, Cause: d.WithdrawCause,
		Reason: d.WithdrawReason, WithdrawnOn: DateOf(now), Agency: payload.Agency, AgencyCode: payload.AgencyCode}
	return EnqueueTx(ctx, tx, OutboxEvent{Topic: TopicCreditWithdrawal, Stream: CaseStream(payload.CaseID), SubjectID: d.ID,
		AgencyID: d.AgencyID, RefersTo: &original, Payload: w, OccurredAt: now})
}

// Action is one 监管行为: a check, a case filed or decided, a supervision document. Its
// fields are zhifa's; the exchange maps them to a destination's names.
type Action struct {
	Kind       string    `json:"kind"` // check, case_filed, case_decided or supervision_document
	SubjectID  uuid.UUID `json:"subject_id"`
	Number     string    `json:"number,omitempty"`
	Agency     string    `json:"agency"`
	AgencyCode string    `json:"agency_code"`
	Matter     string    `json:"matter"`
	Target     string    `json:"target"`
	TargetCode string    `json:"target_code,omitempty"`
	On         Date      `json:"on"`
	Officers   []string  `json:"officers"`
	Result     string    `json:"result,omitempty"`
	Detail     string    `json:"detail,omitempty"`
}

// EnqueueActionTx writes a 监管行为 of an agency, with the agency's name and code.
func EnqueueActionTx(ctx context.Context, tx pgx.Tx, topic, stream string, agencyID uuid.UUID, at time.Time, act Action) error {
	if act.Officers == nil {
		act.Officers = []string{}
	}
	return EnqueueTx(ctx, tx, OutboxEvent{Topic: topic, Stream: stream, SubjectID: act.SubjectID, AgencyID: agencyID,
		Payload: act, OccurredAt: at, withAgency: true})
}

// caseAction is the 监管行为 of a case filed or decided. A check's own record is counted
// as the check, not as a case.
func caseActionTx(ctx context.Context, tx pgx.Tx, c *Case, topic string, at time.Time) error {
	if c.Kind == "inspection" {
		return nil
	}
	red := NewRedaction(c.Parties)
	var target, code []string
	for _, p := range c.Parties {
		rp := red.Party(p)
		target, code = append(target, rp.Name), append(code, rp.IDNumber)
	}
	rows, _ := tx.Query(ctx, `SELECT o.name FROM case_handlers h JOIN officers o ON o.id = h.officer_id WHERE h.case_id = $1 ORDER BY o.name`, c.ID)
	officers, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return DBError(err, "执法人员")
	}
	act := Action{Kind: strings.TrimPrefix(topic, "action."), SubjectID: c.ID, Number: c.Number, Matter: red.Text(c.Cause),
		Target: strings.Join(target, "、"), TargetCode: strings.Join(code, "、"), On: DateOf(at), Officers: officers}
	if topic == TopicActionDecided && c.Decision != nil {
		cats := penaltyCategories(DisclosureContent{Outcome: c.Decision.Outcome, FineAmount: c.Decision.FineAmount,
			ConfiscationAmount: c.Decision.ConfiscationAmount, LicenseRevoked: c.Decision.LicenseRevoked, BusinessSuspended: c.Decision.BusinessSuspended,
			Categories: c.Decision.Categories})
		if c.Kind != "penalty" { // a licence's result, a coercion's measures
			cats = cats[:0]
			for _, code := range c.Decision.Categories {
				cats = append(cats, CategoryLabel(c.Kind, code))
			}
		}
		act.Result = map[string]string{"penalty": "给予处罚", "no_penalty": "不予处罚", "other": "其他决定"}[c.Decision.Outcome]
		if len(cats) > 0 {
			act.Detail = strings.Join(cats, "、")
		}
	}
	return EnqueueActionTx(ctx, tx, topic, CaseStream(c.ID), c.AgencyID, at, act)
}
