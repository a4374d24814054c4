package inspection

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// A drawn check takes its matters, period and region from its task; a requested one
// holds its own, its region its agency's.
const checkCols = `c.id, c.origin, c.task_id, coalesce(t.name, ''), c.draw_id, coalesce(c.seq, 0), c.target_code, coalesce(tg.name, ''), coalesce(tg.risk, ''),
	coalesce(c.matter_ids, t.matter_ids),
	(SELECT string_agg(m.name, '、' ORDER BY m.name) FROM inspection_matters m WHERE m.id = ANY(coalesce(c.matter_ids, t.matter_ids))),
	c.inspector_ids, ARRAY(SELECT o.name FROM unnest(c.inspector_ids) WITH ORDINALITY u(id, n) JOIN officers o ON o.id = u.id ORDER BY u.n),
	c.state, c.result, c.findings, c.record_ids, c.case_id, c.followup_id, coalesce(t.due_date, c.due_on)::text, c.result_at,
	coalesce(t.region_code, ag.region_code, c.region_code), c.agency_id, coalesce(ag.name, ''), c.reason, c.reason_note, c.ordered_by, c.planned_on,
	c.requested_at, c.decided_at, c.refuse_reason, c.drawn_on, c.code_issued_at, c.scanned_at, c.joint_id, c.cap_exempt,
	CASE WHEN c.origin = 'joint' THEN ARRAY(SELECT m.agency_id FROM inspection_checks m WHERE m.joint_id = c.id ORDER BY m.requested_at) END,
	CASE WHEN c.origin = 'joint' THEN (SELECT string_agg(a2.name, '、' ORDER BY m.requested_at) FROM inspection_checks m JOIN agencies a2 ON a2.id = m.agency_id
		WHERE m.joint_id = c.id) END`

const checkFrom = `inspection_checks c LEFT JOIN inspection_tasks t ON t.id = c.task_id LEFT JOIN agencies ag ON ag.id = c.agency_id
	LEFT JOIN inspection_targets tg ON tg.code = c.target_code`

func scanCheck(row pgx.CollectableRow) (Check, error) {
	var c Check
	var matters, jointNames *string
	err := row.Scan(&c.ID, &c.Origin, &c.TaskID, &c.TaskName, &c.DrawID, &c.Seq, &c.TargetCode, &c.TargetName, &c.TargetRisk, &c.MatterIDs, &matters,
		&c.InspectorIDs, &c.Inspectors, &c.State, &c.Result, &c.Findings, &c.RecordIDs, &c.CaseID, &c.FollowupID, &c.DueDate, &c.ResultAt, &c.region,
		&c.AgencyID, &c.AgencyName, &c.Reason, &c.ReasonNote, &c.OrderedBy, &c.PlannedOn, &c.RequestedAt, &c.DecidedAt, &c.RefuseReason,
		&c.DrawnOn, &c.CodeIssuedAt, &c.ScannedAt, &c.JointID, &c.CapExempt, &c.JointAgencyIDs, &jointNames)
	if matters != nil {
		c.Matters = *matters
	}
	if jointNames != nil {
		c.AgencyName = *jointNames
	}
	if c.Result != nil {
		k, _ := ResultKindOf(*c.Result)
		c.ResultLabel = k.Label
	}
	return c, err
}

// CheckFilter narrows the list of checks.
type CheckFilter struct {
	TaskID *uuid.UUID
	Mine   bool
	State  string
	Page   enforcement.Page
}

// Checks lists checks: an officer's own (mine, or always for officers without a
// supervising role), or every check of the region for supervisors and administrators.
func (s *Service) Checks(ctx context.Context, a enforcement.Actor, f CheckFilter) (enforcement.List[Check], error) {
	// A merged check goes on as its joint check, listed in its place.
	q := enforcement.Query{Select: checkCols, From: checkFrom, Where: []string{"c.state NOT IN ('cancelled', 'merged')"},
		Order: "c.state, coalesce(t.due_date, c.due_on), c.seq, c.requested_at"}
	if f.Mine || !(a.Has(enforcement.RoleSupervisor) || a.Has(enforcement.RoleAdmin)) {
		if a.OfficerID == nil {
			return enforcement.List[Check]{Items: []Check{}}, nil
		}
		// An inspector's own checks, whichever region's task drew them.
		q.And("c.inspector_ids @> ARRAY[?::uuid]", *a.OfficerID)
	} else {
		q.And("coalesce(t.region_code, ag.region_code, c.region_code) LIKE ?", enforcement.RegionPrefix(a.RegionCode)+"%")
	}
	if f.TaskID != nil {
		q.And("c.task_id = ?", *f.TaskID)
	}
	switch f.State {
	case "":
	case "requested", "refused", "assigned", "done":
		q.And("c.state = ?", f.State)
	default:
		return enforcement.List[Check]{}, fault.Field("state", "检查状态应为 requested、refused、assigned 或 done")
	}
	return enforcement.ListPage(ctx, s.Store.db, q, f.Page, scanCheck)
}

// FindCheck returns a check its inspectors, the region's supervisors, or the head of the
// agency that requested it may see.
func (s *Service) FindCheck(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Check, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT `+checkCols+` FROM `+checkFrom+` WHERE c.id = $1`, id)
	c, err := pgx.CollectExactlyOneRow(rows, scanCheck)
	if err != nil {
		return Check{}, enforcement.DBError(err, "检查")
	}
	supervises := (a.Has(enforcement.RoleSupervisor) || a.Has(enforcement.RoleAdmin)) && strings.HasPrefix(c.region, enforcement.RegionPrefix(a.RegionCode))
	heads := a.Has(enforcement.RoleHead) && ((c.AgencyID != nil && *c.AgencyID == a.AgencyID) || slices.Contains(c.JointAgencyIDs, a.AgencyID))
	if !supervises && !heads && !c.Assigned(a.OfficerID) {
		return Check{}, fault.Hidden("检查不存在")
	}
	return c, nil
}

// OpenRecord gives a check its record chain: a case of kind inspection whose handlers
// are the check's inspectors, opened once by the first inspector who records.
func (s *Service) OpenRecord(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Check, error) {
	c, err := s.FindCheck(ctx, a, id)
	if err != nil {
		return c, err
	}
	if !c.Assigned(a.OfficerID) {
		return Check{}, fault.New(fault.Forbidden, "只有被抽中的检查人员可以记录检查")
	}
	if c.CaseID != nil {
		return c, nil
	}
	switch c.State {
	case "cancelled":
		return Check{}, fault.New(fault.Conflict, "本次抽取已作废")
	case "merged":
		return Check{}, fault.New(fault.Conflict, "该检查已并入联合检查，请在联合检查中记录")
	case "requested", "refused":
		return Check{}, fault.New(fault.Conflict, "该检查%s，不能开始检查", c.StateLabel())
	}
	// A firm at its yearly cap is not entered: no code is shown, and no check begins.
	if err := s.checkCap(ctx, c); err != nil {
		return Check{}, err
	}
	// A cause is one line: a reason written over several (or a joint check's, one per
	// agency) is joined.
	cause := "双随机抽查：" + c.TaskName
	switch c.Origin {
	case "joint":
		cause = c.Title() + "：" + c.AgencyName
	case "request":
		cause = c.Title() + "：" + strings.Join(strings.FieldsFunc(c.ReasonNote, func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' }), " ")
	}
	if r := []rune(cause); len(r) > 200 { // a case's cause holds 200 characters; the reason stays whole on the check
		cause = string(r[:199]) + "…"
	}
	cs, err := s.Cases.OpenInspectionCase(ctx, a, enforcement.CaseInput{
		Cause:      cause,
		LegalBasis: "抽查事项：" + c.Matters,
		Parties:    []enforcement.Party{{Type: "org", Name: c.TargetName, IDNumber: c.TargetCode}},
		HandlerIDs: c.InspectorIDs, OccurredAt: s.Cases.Now(),
	})
	if err != nil {
		return Check{}, err
	}
	// Two inspectors opening at once: the first case wins and the other stays unused; a
	// check merged meanwhile keeps none.
	if _, err := s.Store.db.Exec(ctx, `UPDATE inspection_checks SET case_id = $2 WHERE id = $1 AND case_id IS NULL AND state IN ('assigned', 'done')`, id, cs.ID); err != nil {
		return Check{}, enforcement.DBError(err, "检查")
	}
	return s.FindCheck(ctx, a, id)
}

// RecordResult enters an assigned inspector's result in a standard category. In the same
// transaction the result becomes a disclosure item due in 20 working days and concludes
// the check's record (its case moves to closed with the result as its last record); a
// problem found is pursued in a case of its own (Followup).
func (s *Service) RecordResult(ctx context.Context, a enforcement.Actor, id uuid.UUID, in ResultInput) (Check, error) {
	kind, err := in.Validate()
	if err != nil {
		return Check{}, err
	}
	c, err := s.OpenRecord(ctx, a, id)
	if err != nil {
		return Check{}, err
	}
	if len(in.RecordIDs) > 0 {
		// Each record once, in the order cited; slices.Compact would only drop neighbours,
		// and it zeroes the tail of the slice it is given, which is then stored.
		seen := map[uuid.UUID]bool{}
		in.RecordIDs = slices.DeleteFunc(slices.Clone(in.RecordIDs), func(id uuid.UUID) bool {
			dup := seen[id]
			seen[id] = true
			return dup
		})
		var n int
		if err := s.Store.db.QueryRow(ctx, `SELECT count(*) FROM records WHERE id = ANY($1) AND case_id = $2`,
			in.RecordIDs, *c.CaseID).Scan(&n); err != nil {
			return Check{}, enforcement.DBError(err, "记录")
		}
		if n != len(in.RecordIDs) {
			return Check{}, fault.Field("record_ids", "引用的记录不属于本项检查")
		}
	}
	now := s.Cases.Now()
	_, err = s.Cases.Store.UpdateCaseTx(ctx, *c.CaseID, func(tx pgx.Tx, cs *enforcement.Case) (*enforcement.TimelineEntry, error) {
		var state string
		if err := tx.QueryRow(ctx, `SELECT state FROM inspection_checks WHERE id = $1 FOR UPDATE`, id).Scan(&state); err != nil {
			return nil, err
		}
		if state != "assigned" {
			return nil, fault.New(fault.Conflict, "该检查%s，不能再录入结果", map[string]string{"done": "已录入结果", "cancelled": "所属抽取已作废"}[state])
		}
		if _, err := tx.Exec(ctx, `UPDATE inspection_checks SET state = 'done', result = $2, findings = $3, record_ids = $4,
			result_at = $5, result_by = $6 WHERE id = $1`, id, kind.Code, in.Findings, in.RecordIDs, now, a.UserID); err != nil {
			return nil, err
		}
		if _, err := s.Cases.DiscloseCheckTx(ctx, tx, enforcement.CheckResult{CheckID: id, CaseID: *c.CaseID, AgencyID: a.AgencyID, AgencyName: a.AgencyName,
			TaskName: c.Title(), Matters: c.Matters, TargetName: c.TargetName, TargetCode: c.TargetCode,
			Result: kind.Label, Findings: in.Findings}); err != nil {
			return nil, err
		}
		if err := enforcement.EnqueueActionTx(ctx, tx, enforcement.TopicActionCheck, enforcement.CaseStream(*c.CaseID), a.AgencyID, now,
			enforcement.Action{Kind: "check", SubjectID: id, Number: c.Title(), Matter: c.Matters, Target: c.TargetName, TargetCode: c.TargetCode,
				On: enforcement.DateOf(now), Officers: c.Inspectors, Result: kind.Label, Detail: enforcement.NewRedaction(nil).Text(in.Findings)}); err != nil {
			return nil, err
		}
		from := cs.State
		note := "检查结果：" + kind.Label
		if f := strings.TrimSpace(in.Findings); f != "" {
			note += "。" + f
		}
		if from.Open() {
			cs.State, cs.ClosedAt = enforcement.Closed, &now
			note += "；检查记录办结"
		}
		return &enforcement.TimelineEntry{Stage: cs.State, Kind: "transition", Note: note, OccurredAt: now, AuthorID: &a.UserID, AuthorName: a.Name,
			Data: map[string]any{"from": from, "to": cs.State, "check_id": id, "result": kind.Code, "record_ids": in.RecordIDs}}, nil
	})
	if err != nil {
		return Check{}, err
	}
	return s.FindCheck(ctx, a, id)
}

// FollowupInput opens a case from a problem a check found.
type FollowupInput struct {
	Kind       enforcement.CaseKind `json:"kind"`
	Cause      string               `json:"cause"`
	LegalBasis string               `json:"legal_basis"`
	HandlerIDs []uuid.UUID          `json:"handler_ids"`
}

// FollowupDraft is the case a follow-up would open, for the officer to see and confirm
// first: the target as party, cause and legal basis from the check, and the check's
// inspectors of the officer's agency as handlers unless others are named in in.
func (s *Service) FollowupDraft(ctx context.Context, a enforcement.Actor, id uuid.UUID, in FollowupInput) (enforcement.CaseInput, error) {
	c, err := s.FindCheck(ctx, a, id)
	if err != nil {
		return enforcement.CaseInput{}, err
	}
	if c.State != "done" || c.Result == nil {
		return enforcement.CaseInput{}, fault.New(fault.Conflict, "请先录入检查结果")
	}
	if k, _ := ResultKindOf(*c.Result); !k.Problem {
		return enforcement.CaseInput{}, fault.New(fault.Conflict, "检查结果为“%s”，没有需要立案的问题", k.Label)
	}
	if c.FollowupID != nil {
		return enforcement.CaseInput{}, fault.New(fault.Conflict, "已由本项检查立案")
	}
	if in.Kind == "" {
		in.Kind = "penalty"
	}
	if strings.TrimSpace(in.Cause) == "" {
		in.Cause = c.TargetName + "涉嫌违法（双随机抽查发现：" + c.ResultLabel + "）"
	}
	if strings.TrimSpace(in.LegalBasis) == "" {
		in.LegalBasis = "抽查事项：" + c.Matters
	}
	if len(in.HandlerIDs) == 0 {
		rows, _ := s.Store.db.Query(ctx, `SELECT id FROM officers WHERE id = ANY($1) AND agency_id = $2`, c.InspectorIDs, a.AgencyID)
		if in.HandlerIDs, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
			return enforcement.CaseInput{}, enforcement.DBError(err, "执法人员")
		}
	}
	return enforcement.CaseInput{AgencyID: a.AgencyID, Kind: in.Kind, Cause: in.Cause, LegalBasis: in.LegalBasis,
		Parties: []enforcement.Party{{Type: "org", Name: c.TargetName, IDNumber: c.TargetCode}}, HandlerIDs: in.HandlerIDs,
		OccurredAt: s.Cases.Now()}, nil
}

// Followup opens the case FollowupDraft describes, once per check.
func (s *Service) Followup(ctx context.Context, a enforcement.Actor, id uuid.UUID, in FollowupInput) (enforcement.Case, error) {
	// One follow-up per check: enforcement creates the case in a transaction of its own,
	// so two requests at once (a double tap) would both pass the checks below and open
	// two cases. A lock lets one through; the check is read once it is held.
	release, ok, err := s.Pools.lock(ctx, "followup:"+id.String(), 2*time.Minute)
	if err != nil {
		return enforcement.Case{}, err
	}
	if !ok {
		return enforcement.Case{}, fault.New(fault.Conflict, "本项检查正在立案，请稍后刷新查看")
	}
	defer release()
	draft, err := s.FollowupDraft(ctx, a, id, in)
	if err != nil {
		return enforcement.Case{}, err
	}
	cs, err := s.Cases.CreateCase(ctx, a, draft)
	if err != nil {
		return enforcement.Case{}, err
	}
	_, err = s.Store.db.Exec(ctx, `UPDATE inspection_checks SET followup_id = $2 WHERE id = $1 AND followup_id IS NULL`, id, cs.ID)
	return cs, enforcement.DBError(err, "检查")
}

// CheckOfCase names the check a case belongs to: the check whose record it is, or whose
// problem it follows up; nil for any other case.
func (s *Service) CheckOfCase(ctx context.Context, caseID uuid.UUID) (*uuid.UUID, error) {
	var id uuid.UUID
	err := s.Store.db.QueryRow(ctx, `SELECT id FROM inspection_checks WHERE case_id = $1 OR followup_id = $1 LIMIT 1`, caseID).Scan(&id)
	if err == pgx.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, enforcement.DBError(err, "检查")
	}
	return &id, nil
}
