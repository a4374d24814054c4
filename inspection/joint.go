package inspection

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Joint checks (综合查一次): when agencies plan to check the same firm within a few days
// of each other, zhifa proposes one visit. Each agency's head accepts or declines; once
// all accept, a joint check takes their officers and matters under one code, and the
// firm is visited once. Drawn checks already mix agencies; this covers requested ones.

// JointDays is how many days apart two agencies' checks of one firm may be planned and
// still be proposed as one visit, unless the service is told otherwise.
const JointDays = 30

// JointStates label a proposal's states.
var JointStates = map[string]string{"proposed": "待答复", "merged": "已合并", "declined": "未合并（有单位不同意）", "lapsed": "未合并（检查已开始或有变化）"}

// JointMember is one agency's check in a proposal, and that agency's answer.
type JointMember struct {
	CheckID    uuid.UUID        `json:"check_id"`
	AgencyID   uuid.UUID        `json:"agency_id"`
	AgencyName string           `json:"agency_name"`
	Title      string           `json:"title"`
	Matters    string           `json:"matters"`
	Inspectors []string         `json:"inspectors"`
	PlannedOn  enforcement.Date `json:"planned_on"`
	Answer     string           `json:"answer"` // "", accepted or declined
	Reason     string           `json:"reason,omitempty"`
}

// JointProposal proposes checks of one firm by several agencies as one visit.
type JointProposal struct {
	ID         uuid.UUID     `json:"id"`
	TargetCode string        `json:"target_code"`
	TargetName string        `json:"target_name"`
	State      string        `json:"state"` // proposed, merged, declined or lapsed
	CreatedAt  time.Time     `json:"created_at"`
	ClosedAt   *time.Time    `json:"closed_at"`
	ClosedNote string        `json:"closed_note,omitempty"`
	JointID    *uuid.UUID    `json:"joint_check_id"`
	Members    []JointMember `json:"checks"`
	agencies   []uuid.UUID
	region     string
}

// StateLabel is the proposal's state as pages show it.
func (p JointProposal) StateLabel() string { return JointStates[p.State] }

// Awaits says whether the proposal waits for the agency's answer.
func (p JointProposal) Awaits(agency uuid.UUID) bool {
	if p.State != "proposed" {
		return false
	}
	for _, m := range p.Members {
		if m.AgencyID == agency && m.Answer == "" {
			return true
		}
	}
	return false
}

// JointWindow is the days within which checks are proposed as one visit.
func (s *Service) JointWindow() int {
	if s.JointDays > 0 {
		return s.JointDays
	}
	return JointDays
}

// mergeable is the condition a requested check must meet to join a visit: approved, not
// begun (no record, not opened by the firm) and in no joint check.
const mergeable = `k.origin = 'request' AND k.state = 'assigned' AND k.scanned_at IS NULL AND k.case_id IS NULL AND k.joint_id IS NULL`

// proposeJoint looks for other agencies' approved checks of the firm planned within the
// window of the check just approved, one per agency (the nearest), and proposes them
// with it as one visit. A check waits in at most one open proposal; a set once proposed
// is not proposed again.
func (s *Service) proposeJoint(ctx context.Context, c Check) error {
	if c.Origin != "request" || c.AgencyID == nil || c.PlannedOn == nil {
		return nil
	}
	return pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		// Two approvals for one firm at once would each see the other's check free.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('zhifa-joint:' || $1))`, c.TargetCode); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT DISTINCT ON (k.agency_id) k.id, k.agency_id FROM inspection_checks k
			WHERE k.target_code = $1 AND `+mergeable+` AND k.planned_on BETWEEN $2::date - $3::int AND $2::date + $3::int
			AND (k.agency_id <> $4 OR k.id = $5)
			AND NOT EXISTS (SELECT 1 FROM inspection_joint_proposals p WHERE p.state = 'proposed' AND k.id = ANY(p.check_ids))
			ORDER BY k.agency_id, k.id = $5 DESC, abs(k.planned_on - $2::date), k.requested_at`,
			c.TargetCode, *c.PlannedOn, s.JointWindow(), *c.AgencyID, c.ID)
		type pick struct {
			ID     uuid.UUID
			Agency uuid.UUID
		}
		picks, err := pgx.CollectRows(rows, pgx.RowToStructByPos[pick])
		if err != nil {
			return err
		}
		if len(picks) < 2 || !slices.ContainsFunc(picks, func(p pick) bool { return p.ID == c.ID }) {
			return nil
		}
		ids, agencies := make([]uuid.UUID, len(picks)), make([]uuid.UUID, len(picks))
		for i, p := range picks {
			ids[i], agencies[i] = p.ID, p.Agency
		}
		slices.SortFunc(ids, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		_, err = tx.Exec(ctx, `INSERT INTO inspection_joint_proposals (id, region_code, target_code, check_ids, agency_ids, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (check_ids) DO NOTHING`,
			uuid.New(), c.region, c.TargetCode, ids, agencies, s.Cases.Now())
		return err
	})
}

const proposalCols = `p.id, p.target_code, coalesce(tg.name, ''), p.state, p.created_at, p.closed_at, p.closed_note, p.joint_id, p.agency_ids, p.region_code`
const proposalFrom = `inspection_joint_proposals p LEFT JOIN inspection_targets tg ON tg.code = p.target_code`

func scanProposal(row pgx.CollectableRow) (JointProposal, error) {
	var p JointProposal
	err := row.Scan(&p.ID, &p.TargetCode, &p.TargetName, &p.State, &p.CreatedAt, &p.ClosedAt, &p.ClosedNote, &p.JointID, &p.agencies, &p.region)
	return p, err
}

// members fills in each proposal's checks and answers.
func (s *Service) members(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, ps []JointProposal) error {
	if len(ps) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	rows, _ := q.Query(ctx, `SELECT p.id, `+checkCols+`, coalesce(an.accepted::text, ''), coalesce(an.reason, '')
		FROM inspection_joint_proposals p JOIN inspection_checks c ON c.id = ANY(p.check_ids)
		LEFT JOIN inspection_tasks t ON t.id = c.task_id LEFT JOIN agencies ag ON ag.id = c.agency_id
		LEFT JOIN inspection_targets tg ON tg.code = c.target_code
		LEFT JOIN inspection_joint_answers an ON an.proposal_id = p.id AND an.agency_id = c.agency_id
		WHERE p.id = ANY($1) ORDER BY array_position(p.agency_ids, c.agency_id)`, ids)
	byID := map[uuid.UUID]*JointProposal{}
	for i := range ps {
		byID[ps[i].ID] = &ps[i]
	}
	_, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
		var pid uuid.UUID
		var answer, reason string
		c, err := scanCheck(prefixed{row, []any{&pid}, []any{&answer, &reason}})
		if err != nil {
			return struct{}{}, err
		}
		m := JointMember{CheckID: c.ID, AgencyName: c.AgencyName, Title: c.Title(), Matters: c.Matters, Inspectors: c.Inspectors,
			Answer: map[string]string{"true": "accepted", "false": "declined"}[answer], Reason: reason}
		if c.AgencyID != nil {
			m.AgencyID = *c.AgencyID
		}
		if c.PlannedOn != nil {
			m.PlannedOn = *c.PlannedOn
		}
		byID[pid].Members = append(byID[pid].Members, m)
		return struct{}{}, nil
	})
	return err
}

// prefixed scans a row whose first and last columns are not a check's.
type prefixed struct {
	pgx.CollectableRow
	before, after []any
}

func (p prefixed) Scan(dst ...any) error {
	return p.CollectableRow.Scan(append(append(slices.Clone(p.before), dst...), p.after...)...)
}

// JointProposals lists the proposals an agency's head answers (those naming the agency),
// or, for supervisors, the region's; open ones first.
func (s *Service) JointProposals(ctx context.Context, a enforcement.Actor, state string, pg enforcement.Page) (enforcement.List[JointProposal], error) {
	q := enforcement.Query{Select: proposalCols, From: proposalFrom, Order: "p.state = 'proposed' DESC, p.created_at DESC"}
	switch {
	case a.Has(enforcement.RoleSupervisor):
		q.And("p.region_code LIKE ? || '%'", enforcement.RegionPrefix(a.RegionCode))
	case a.Has(enforcement.RoleHead):
		q.And("p.agency_ids @> ARRAY[?::uuid]", a.AgencyID)
	default:
		return enforcement.List[JointProposal]{}, fault.New(fault.Forbidden, "只有本单位负责人或执法监督人员可以查看联合检查建议")
	}
	if state != "" {
		if _, ok := JointStates[state]; !ok {
			return enforcement.List[JointProposal]{}, fault.Field("state", "状态应为 proposed、merged、declined 或 lapsed")
		}
		q.And("p.state = ?", state)
	}
	l, err := enforcement.ListPage(ctx, s.Store.db, q, pg, scanProposal)
	if err != nil {
		return l, err
	}
	return l, s.members(ctx, s.Store.db, l.Items)
}

// FindProposal returns a proposal the actor may see.
func (s *Service) FindProposal(ctx context.Context, a enforcement.Actor, id uuid.UUID) (JointProposal, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT `+proposalCols+` FROM `+proposalFrom+` WHERE p.id = $1`, id)
	p, err := pgx.CollectExactlyOneRow(rows, scanProposal)
	if err != nil {
		return p, enforcement.DBError(err, "联合检查建议")
	}
	ps := []JointProposal{p}
	if err := s.members(ctx, s.Store.db, ps); err != nil {
		return p, err
	}
	p = ps[0]
	sees := (a.Has(enforcement.RoleHead) && slices.Contains(p.agencies, a.AgencyID)) ||
		(a.Has(enforcement.RoleSupervisor) && strings.HasPrefix(p.region, enforcement.RegionPrefix(a.RegionCode)))
	if !sees {
		return JointProposal{}, fault.Hidden("联合检查建议不存在")
	}
	return p, nil
}

// errLapsed stops a merge whose checks moved on; the proposal is closed as lapsed.
var errLapsed = errors.New("lapsed")

// AnswerJoint records the actor's agency's answer to a proposal: its head accepts, or
// declines with a reason (which closes the proposal). The last acceptance merges the
// checks into one joint check in the same transaction.
func (s *Service) AnswerJoint(ctx context.Context, a enforcement.Actor, id uuid.UUID, accept bool, reason string) (JointProposal, error) {
	if !a.Has(enforcement.RoleHead) {
		return JointProposal{}, fault.New(fault.Forbidden, "只有本单位负责人可以答复联合检查建议")
	}
	reason = strings.TrimSpace(reason)
	if !accept && (reason == "" || utf8.RuneCountInString(reason) > 500) {
		return JointProposal{}, fault.Field("reason", "请写明不同意合并的理由，不超过 500 字")
	}
	p, err := s.FindProposal(ctx, a, id)
	if err != nil {
		return p, err
	}
	if !slices.Contains(p.agencies, a.AgencyID) {
		return JointProposal{}, fault.Hidden("联合检查建议不存在")
	}
	now := s.Cases.Now()
	lapsed := ""
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		var state string
		var agencies []uuid.UUID
		if err := tx.QueryRow(ctx, `SELECT state, agency_ids FROM inspection_joint_proposals WHERE id = $1 FOR UPDATE`, id).Scan(&state, &agencies); err != nil {
			return err
		}
		if state != "proposed" {
			return fault.New(fault.Conflict, "该联合检查建议%s", JointStates[state])
		}
		tag, err := tx.Exec(ctx, `INSERT INTO inspection_joint_answers (proposal_id, agency_id, accepted, reason, answered_by, answered_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, id, a.AgencyID, accept, reason, a.UserID, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 1 {
			return fault.New(fault.Conflict, "本单位已经答复过该联合检查建议")
		}
		if !accept {
			_, err := tx.Exec(ctx, `UPDATE inspection_joint_proposals SET state = 'declined', closed_at = $2, closed_note = $3 WHERE id = $1`,
				id, now, a.AgencyName+"不同意合并："+reason)
			return err
		}
		var accepted int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM inspection_joint_answers WHERE proposal_id = $1 AND accepted`, id).Scan(&accepted); err != nil {
			return err
		}
		if accepted < len(agencies) {
			return nil
		}
		note, err := s.merge(ctx, tx, p, now)
		if err == errLapsed {
			lapsed = note
			return err
		}
		return err
	})
	if err == errLapsed {
		// The answer is not kept: the proposal closes, and says why.
		if _, err := s.Store.db.Exec(ctx, `UPDATE inspection_joint_proposals SET state = 'lapsed', closed_at = $2, closed_note = $3 WHERE id = $1 AND state = 'proposed'`,
			id, now, lapsed); err != nil {
			return p, enforcement.DBError(err, "联合检查建议")
		}
		return p, fault.New(fault.Conflict, "不能合并：%s", lapsed)
	}
	if err != nil {
		return p, enforcement.DBError(err, "联合检查建议")
	}
	return s.FindProposal(ctx, a, id)
}

// merge makes the proposal's checks one joint check: their officers and matters, in the
// proposal's order, the firm, and a period from the earliest planned day (today, if that
// has passed) for RequestDays: the agency that planned first need not wait, and the other
// comes earlier than it planned. Every officer's certificate must last the period.
func (s *Service) merge(ctx context.Context, tx pgx.Tx, p JointProposal, now time.Time) (string, error) {
	ids := make([]uuid.UUID, len(p.Members))
	for i, m := range p.Members {
		ids[i] = m.CheckID
	}
	rows, _ := tx.Query(ctx, `SELECT `+checkCols+` FROM `+checkFrom+` WHERE c.id = ANY($1) ORDER BY array_position($1, c.id) FOR UPDATE OF c`, ids)
	checks, err := pgx.CollectRows(rows, scanCheck)
	if err != nil {
		return "", err
	}
	var notes []string
	var officers, matters []uuid.UUID
	var planned enforcement.Date
	for _, c := range checks {
		switch {
		case c.State != "assigned":
			return c.AgencyName + "的检查" + c.StateLabel(), errLapsed
		case c.ScannedAt != nil || c.CaseID != nil:
			return c.AgencyName + "的检查已经开始", errLapsed
		}
		if planned.IsZero() || c.PlannedOn.Before(planned) {
			planned = *c.PlannedOn
		}
		officers = append(officers, c.InspectorIDs...)
		matters = append(matters, c.MatterIDs...)
		notes = append(notes, c.AgencyName+"："+c.Title()+"，"+c.ReasonNote)
	}
	if today := s.Cases.Today(); planned.Before(today) {
		planned = today
	}
	due := planned.AddDays(RequestDays - 1)
	for _, c := range checks {
		if err := s.validCertificates(ctx, tx, *c.AgencyID, c.InspectorIDs, planned, due, "officer_ids"); err != nil {
			if fault.KindOf(err) == fault.Invalid {
				return c.AgencyName + "的检查人员不能参加合并后的检查（" + fault.MessageOf(err) + "）", errLapsed
			}
			return "", err
		}
	}
	joint := uuid.New()
	if _, err := tx.Exec(ctx, `INSERT INTO inspection_checks (id, origin, region_code, matter_ids, target_code, inspector_ids, drawn_on, state,
		reason_note, planned_on, due_on, decided_at) VALUES ($1, 'joint', $2, $3, $4, $5, $6, 'assigned', $7, $6, $8, $9)`,
		joint, checks[0].region, uniqueIDs(matters), p.TargetCode, uniqueIDs(officers), planned, strings.Join(notes, "\n"), due, now); err != nil {
		return "", err
	}
	// The members move to the visit's day and lose the codes shown before: they count
	// for their agencies' caps once the joint code is shown, on its day, as the visit does.
	if _, err := tx.Exec(ctx, `UPDATE inspection_checks SET state = 'merged', joint_id = $2, drawn_on = $3, planned_on = $3, due_on = $4,
		code_issued_at = NULL WHERE id = ANY($1)`, ids, joint, planned, due); err != nil {
		return "", err
	}
	_, err = tx.Exec(ctx, `UPDATE inspection_joint_proposals SET state = 'merged', closed_at = $2, joint_id = $3 WHERE id = $1`, p.ID, now, joint)
	return "", err
}
