package enforcement

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/fault"
)

// TopicCreditRepair ends an item's publication at the credit platform early (信用修复).
const TopicCreditRepair = "credit.repair"

// CreditRepair is a party's request to end a published decision's publication early,
// once its minimum period has run, and the agency's decision on it.
type CreditRepair struct {
	ID           uuid.UUID  `json:"id"`
	DisclosureID uuid.UUID  `json:"disclosure_id"`
	Applicant    string     `json:"applicant"`
	Reason       string     `json:"reason"`
	RequestedOn  Date       `json:"requested_on"`
	RecordedAt   time.Time  `json:"recorded_at"`
	State        string     `json:"state"` // pending, granted or refused
	DecidedAt    *time.Time `json:"decided_at"`
	DecisionNote string     `json:"decision_note"`
	Notified     bool       `json:"notified,omitempty"` // a grant whose end was queued for the credit platform
}

// CreditRepairInput records a request.
type CreditRepairInput struct {
	Applicant   string `json:"applicant"`
	Reason      string `json:"reason"`
	RequestedOn string `json:"requested_on"`
}

// CreditRepairEnd is the event that ends the publication at the credit platform.
type CreditRepairEnd struct {
	DisclosureID uuid.UUID `json:"disclosure_id"`
	CaseID       uuid.UUID `json:"case_id"`
	Number       string    `json:"number"`
	Reason       string    `json:"reason"`
	EndedOn      Date      `json:"ended_on"`
	Agency       string    `json:"agency"`
	AgencyCode   string    `json:"agency_code"`
}

// RepairOpensOn is the first day a published item may end early: its minimum period
// after publication.
func (p DisclosurePolicy) RepairOpensOn(published Date) Date {
	return DateOf(published.StartIn().AddDate(0, p.RepairMonths, 0))
}

// RecordCreditRepair records a party's request on the item's case.
func (s *Service) RecordCreditRepair(ctx context.Context, a Actor, id uuid.UUID, in CreditRepairInput) (CreditRepair, error) {
	in.Applicant, in.Reason = strings.TrimSpace(in.Applicant), strings.TrimSpace(in.Reason)
	switch {
	case in.Applicant == "" || utf8.RuneCountInString(in.Applicant) > 100:
		return CreditRepair{}, fault.Field("applicant", "请填写申请人（不超过 100 字）")
	case in.Reason == "" || utf8.RuneCountInString(in.Reason) > 2000:
		return CreditRepair{}, fault.Field("reason", "请填写申请理由及已纠正失信行为的情况（不超过 2000 字）")
	}
	on, err := ParseDate(strings.TrimSpace(in.RequestedOn))
	if err != nil {
		return CreditRepair{}, fault.Field("requested_on", "申请日期格式应为 YYYY-MM-DD")
	}
	r := CreditRepair{ID: uuid.New(), DisclosureID: id, Applicant: in.Applicant, Reason: NewRedaction(nil).Text(in.Reason), RequestedOn: on, State: "pending"}
	_, err = s.changeDisclosureAs(ctx, a, id, s.MayRecordRepair, func(tx pgx.Tx, d *Disclosure, now time.Time) (string, error) {
		if on.After(DateOf(now)) {
			return "", fault.Field("requested_on", "申请日期不能晚于今天")
		}
		if err := s.repairable(tx, d, now); err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO credit_repairs (id, disclosure_id, applicant, reason, requested_on, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, r.ID, id, r.Applicant, r.Reason, r.RequestedOn, a.UserID); err != nil {
			if fault.KindOf(DBError(err, "")) == fault.Conflict {
				return "", fault.New(fault.Conflict, "该事项已有待决定的信用修复申请")
			}
			return "", DBError(err, "信用修复申请")
		}
		return "收到信用修复申请（" + r.Applicant + "，" + on.String() + "）", nil
	})
	if err != nil {
		return CreditRepair{}, err
	}
	return r, nil
}

// MayRecordRepair: the case's handlers, the agency's head, administrators of the region.
func (s *Service) MayRecordRepair(ctx context.Context, a Actor, d Disclosure) error {
	if a.Has(RoleHead) && a.AgencyID == d.AgencyID {
		return nil
	}
	if s.mayPublish(ctx, a, d) == nil {
		return nil
	}
	return fault.New(fault.Forbidden, "只有本案承办人员、本单位负责人或管理员可以登记信用修复申请")
}

// MayDecideRepair: the agency's head or an administrator of the region.
func (s *Service) MayDecideRepair(_ context.Context, a Actor, d Disclosure) error {
	if a.Has(RoleAdmin) || (a.Has(RoleHead) && a.AgencyID == d.AgencyID) {
		return nil
	}
	return fault.New(fault.Forbidden, "信用修复由本单位负责人或管理员决定")
}

// repairable: a published decision sent to the credit platform, still shown, past its
// minimum period.
func (s *Service) repairable(tx pgx.Tx, d *Disclosure, now time.Time) error {
	today := DateOf(now)
	switch {
	case d.State != "published" || d.PublishedAt == nil:
		return fault.New(fault.Conflict, "只有公示中的决定可以信用修复")
	case d.DisplayUntil != nil && today.After(*d.DisplayUntil):
		return fault.New(fault.Conflict, "该决定的公示期已满，无须信用修复")
	}
	if opens := s.Disclosure.RepairOpensOn(DateOf(*d.PublishedAt)); today.Before(opens) {
		return fault.New(fault.Conflict, "公示未满最短公示期，%s 起方可信用修复", opens)
	}
	return nil
}

// DecideCreditRepair grants or refuses a request: the agency's administrator or head
// decides. A grant ends the publication today, on the portal and at the credit platform.
func (s *Service) DecideCreditRepair(ctx context.Context, a Actor, id, repairID uuid.UUID, grant bool, note string) (CreditRepair, error) {
	note = strings.TrimSpace(note)
	if !grant && note == "" {
		return CreditRepair{}, fault.Field("note", "不予修复须写明理由")
	}
	if utf8.RuneCountInString(note) > 2000 {
		return CreditRepair{}, fault.Field("note", "决定理由不超过 2000 字")
	}
	var out CreditRepair
	_, err := s.changeDisclosureAs(ctx, a, id, s.MayDecideRepair, func(tx pgx.Tx, d *Disclosure, now time.Time) (string, error) {
		rows, _ := tx.Query(ctx, `SELECT `+repairCols+` FROM credit_repairs WHERE id = $1 AND disclosure_id = $2 FOR UPDATE`, repairID, id)
		r, err := pgx.CollectExactlyOneRow(rows, scanRepair)
		if err != nil {
			return "", DBError(err, "信用修复申请")
		}
		if r.State != "pending" {
			return "", fault.New(fault.Conflict, "该申请已决定")
		}
		r.State, r.DecidedAt, r.DecisionNote = "refused", &now, NewRedaction(nil).Text(note)
		if grant {
			if err := s.repairable(tx, d, now); err != nil {
				return "", err
			}
			r.State = "granted"
		}
		if _, err := tx.Exec(ctx, `UPDATE credit_repairs SET state = $2, decided_by = $3, decided_at = $4, decision_note = $5 WHERE id = $1`,
			r.ID, r.State, a.UserID, now, r.DecisionNote); err != nil {
			return "", DBError(err, "信用修复申请")
		}
		out = r
		if !grant {
			return "不予信用修复：" + r.DecisionNote, nil
		}
		today := DateOf(now)
		last := today.AddDays(-1)
		if _, err := tx.Exec(ctx, `UPDATE disclosures SET display_until = $2, repaired_on = $3 WHERE id = $1`, d.ID, last, today); err != nil {
			return "", DBError(err, "公示事项")
		}
		notified, err := enqueueRepairTx(ctx, tx, d, r, now)
		if err != nil {
			return "", err
		}
		out.Notified = notified
		return "准予信用修复，提前停止公示（" + r.Applicant + "申请）", nil
	})
	return out, err
}

// enqueueRepairTx ends the item at the credit platform, when it was sent there.
func enqueueRepairTx(ctx context.Context, tx pgx.Tx, d *Disclosure, r CreditRepair, now time.Time) (bool, error) {
	original, payload, sent, err := originalCreditTx(ctx, tx, d)
	if err != nil || !sent {
		return false, err
	}
	end := CreditRepairEnd{DisclosureID: d.ID, CaseID: payload.CaseID, Number: payload.Number, Reason: r.DecisionNote,
		EndedOn: DateOf(now), Agency: payload.Agency, AgencyCode: payload.AgencyCode}
	if end.Reason == "" {
		end.Reason = "当事人已纠正失信行为"
	}
	return true, EnqueueTx(ctx, tx, OutboxEvent{Topic: TopicCreditRepair, Stream: CaseStream(payload.CaseID), SubjectID: d.ID,
		AgencyID: d.AgencyID, RefersTo: &original, Payload: end, OccurredAt: now})
}

const repairCols = `id, disclosure_id, applicant, reason, requested_on, recorded_at, state, decided_at, decision_note`

func scanRepair(row pgx.CollectableRow) (CreditRepair, error) {
	var r CreditRepair
	err := row.Scan(&r.ID, &r.DisclosureID, &r.Applicant, &r.Reason, &r.RequestedOn, &r.RecordedAt, &r.State, &r.DecidedAt, &r.DecisionNote)
	return r, err
}

// CreditRepairs lists an item's requests, newest first.
func (s *Service) CreditRepairs(ctx context.Context, a Actor, id uuid.UUID) ([]CreditRepair, error) {
	if _, err := s.FindDisclosure(ctx, a, id); err != nil {
		return nil, err
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT `+repairCols+` FROM credit_repairs WHERE disclosure_id = $1 ORDER BY recorded_at DESC`, id)
	out, err := pgx.CollectRows(rows, scanRepair)
	if out == nil {
		out = []CreditRepair{}
	}
	return out, DBError(err, "信用修复申请")
}
