package enforcement

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/fault"
)

// MajorCriteria returns an agency's catalogue for anyone who may see the agency.
func (s *Service) MajorCriteria(ctx context.Context, a Actor, agencyID uuid.UUID) (MajorCriteria, error) {
	if _, err := s.FindAgency(ctx, a, agencyID); err != nil {
		return MajorCriteria{}, err
	}
	return s.Store.Criteria(ctx, agencyID)
}

// SetMajorCriteria lets an administrator of the region save a new version of an agency's
// catalogue.
func (s *Service) SetMajorCriteria(ctx context.Context, a Actor, agencyID uuid.UUID, in MajorCriteria) (MajorCriteria, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return MajorCriteria{}, err
	}
	if _, err := s.FindAgency(ctx, a, agencyID); err != nil {
		return MajorCriteria{}, err
	}
	if err := in.Validate(); err != nil {
		return MajorCriteria{}, err
	}
	in.AgencyID = agencyID
	return s.Store.AddCriteria(ctx, in, a.UserID)
}

// SetCaseFlags lets a handler mark what the catalogue asks about the case: major public
// interest, complexity, and the agency's own kinds of major case.
func (s *Service) SetCaseFlags(ctx context.Context, a Actor, id uuid.UUID, f CaseFlags) (Case, error) {
	c, err := s.CaseInScope(ctx, a, id)
	if err != nil {
		return c, err
	}
	if err := a.RequireHandler(c); err != nil {
		return Case{}, err
	}
	crit, err := s.Store.Criteria(ctx, c.AgencyID)
	if err != nil {
		return Case{}, err
	}
	kinds := []string{}
	for _, k := range f.MajorKinds {
		if !slices.Contains(crit.ExtraKinds, k) {
			return Case{}, fault.Field("major_kinds", "“%s”不在本机构的重大执法决定情形中", k)
		}
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	now := s.Now()
	return s.Store.UpdateCase(ctx, id, func(c *Case) (*TimelineEntry, error) {
		if !c.State.Open() || c.DecidedAt != nil {
			return nil, fault.New(fault.Conflict, "案件已作出决定或已办结，不能再变更重大情形")
		}
		c.PublicInterest, c.Complex, c.Serious, c.MajorKinds = f.PublicInterest, f.Complex, f.Serious, kinds
		var marks []string
		if f.PublicInterest {
			marks = append(marks, "涉及重大公共利益")
		}
		if f.Complex {
			marks = append(marks, "疑难复杂、涉及多个法律关系")
		}
		if f.Serious {
			marks = append(marks, "重大违法行为")
		}
		marks = append(marks, kinds...)
		note := "标注重大情形：无"
		if len(marks) > 0 {
			note = "标注重大情形：" + strings.Join(marks, "、")
		}
		return &TimelineEntry{Stage: c.State, Kind: "flags", Note: note, OccurredAt: now, AuthorID: &a.UserID, AuthorName: a.Name,
			Data: map[string]any{"public_interest": f.PublicInterest, "complex": f.Complex, "serious": f.Serious, "major_kinds": kinds}}, nil
	})
}

// CheckDecision says whether a draft decision would be major, under the agency's
// current catalogue, and whether it needs a collective discussion.
func (s *Service) CheckDecision(ctx context.Context, a Actor, id uuid.UUID, d Decision) (DecisionCheck, error) {
	c, err := s.CaseInScope(ctx, a, id)
	if err != nil {
		return DecisionCheck{}, err
	}
	if err := d.ValidateFor(c.Kind); err != nil {
		return DecisionCheck{}, err
	}
	crit, err := s.Store.Criteria(ctx, c.AgencyID)
	if err != nil {
		return DecisionCheck{}, err
	}
	reasons := crit.Reasons(&c, d)
	return DecisionCheck{Major: len(reasons) > 0, Reasons: reasons, CriteriaVersion: crit.Version, NeedsCollective: c.NeedsCollective()}, nil
}

// SubmitReview lets a handler send the draft decision to legal review. The case moves
// to "review"; the review is due after the agency's number of working days.
func (s *Service) SubmitReview(ctx context.Context, a Actor, id uuid.UUID, d Decision) (LegalReview, error) {
	c, err := s.CaseInScope(ctx, a, id)
	if err != nil {
		return LegalReview{}, err
	}
	if err := a.RequireHandler(c); err != nil {
		return LegalReview{}, err
	}
	if err := d.ValidateFor(c.Kind); err != nil {
		return LegalReview{}, err
	}
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return LegalReview{}, err
	}
	now := s.Now()
	var r LegalReview
	_, err = s.Store.UpdateCaseTx(ctx, id, func(tx pgx.Tx, c *Case) (*TimelineEntry, error) {
		last, err := s.Store.lastReviewTx(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case last != nil && last.State == ReviewPending:
			return nil, fault.New(fault.Conflict, "本案已有待审核的决定（第 %d 轮），请等待审核结论", last.Round)
		case c.State == Review: // resubmitting a changed decision after an approval
		case c.State != Notified && c.State != Hearing:
			return nil, fault.New(fault.Conflict, "案件当前为“%s”，告知当事人（或听证）之后才能提交法制审核", c.State.Label())
		}
		crit, err := s.Store.criteria(ctx, tx, c.AgencyID)
		if err != nil {
			return nil, err
		}
		r = LegalReview{ID: uuid.New(), CaseID: id, CaseNumber: c.Number, CaseCause: c.Cause, AgencyID: c.AgencyID,
			AgencyName: c.AgencyName, Round: 1, State: ReviewPending, Decision: d, MajorReasons: crit.Reasons(c, d),
			CriteriaVersion: crit.Version, FromState: c.State, SubmittedBy: a.UserID, SubmittedName: a.Name,
			SubmittedAt: now.UTC(), DueOn: cal.AddWorkingDays(DateOf(now), crit.ReviewDays)}
		if last != nil {
			r.Round = last.Round + 1
			if c.State == Review {
				r.FromState = last.FromState
			}
		}
		if err := s.Store.insertReviewTx(ctx, tx, &r); err != nil {
			return nil, err
		}
		from := c.State
		c.State = Review
		return &TimelineEntry{Stage: Review, Kind: "transition", OccurredAt: now, AuthorID: &a.UserID, AuthorName: a.Name,
			Note: "提交法制审核（第 " + strconv.Itoa(r.Round) + " 轮），审核期限至 " + r.DueOn.String(),
			Data: map[string]any{"from": from, "to": Review, "review_id": r.ID, "round": r.Round, "decision": d,
				"major_reasons": r.MajorReasons, "criteria_version": r.CriteriaVersion}}, nil
	})
	return r, err
}

// mayReview refuses anyone who is not a qualified reviewer serving the case's agency, and
// the case's own handlers.
func (s *Service) mayReview(ctx context.Context, a Actor, r LegalReview) error {
	// Scope first: a review outside it answers as absent, whatever the role.
	c, err := s.CaseInScope(ctx, a, r.CaseID)
	if err != nil {
		return fault.HideAs(err, "法制审核不存在")
	}
	if !a.Has(RoleReviewer) {
		return fault.New(fault.Forbidden, "只有法制审核人员可以审核")
	}
	if !a.LegalQualified {
		return fault.New(fault.Forbidden, "审核重大执法决定须具备法律职业资格")
	}
	if a.IsHandler(c) {
		return fault.New(fault.Forbidden, "本案承办人员不能审核本案")
	}
	return nil
}

// DecideReview records a reviewer's conclusion. Approval leaves the case ready to be
// decided; a return or a rejection sends it back to where it was submitted from.
func (s *Service) DecideReview(ctx context.Context, a Actor, id uuid.UUID, in ReviewDecision) (LegalReview, error) {
	r, err := s.Store.FindReview(ctx, id)
	if err != nil {
		return r, err
	}
	if err := s.mayReview(ctx, a, r); err != nil {
		return LegalReview{}, err
	}
	if r.State != ReviewPending {
		return LegalReview{}, fault.New(fault.Conflict, "该审核已有结论（%s），不能再次审核", r.State.Label())
	}
	if err := in.Validate(); err != nil {
		return LegalReview{}, err
	}
	now := s.Now()
	_, err = s.Store.UpdateCaseTx(ctx, r.CaseID, func(tx pgx.Tx, c *Case) (*TimelineEntry, error) {
		if c.State != Review {
			return nil, fault.New(fault.Conflict, "案件已%s，不在法制审核环节，无需再审核", c.State.Label())
		}
		if err := s.Store.decideReviewTx(ctx, tx, id, in, a, now.UTC()); err != nil {
			return nil, err
		}
		note := "法制审核（第 " + strconv.Itoa(r.Round) + " 轮）" + in.Outcome.Label() + "：" + in.Opinion
		data := map[string]any{"review_id": id, "round": r.Round, "outcome": in.Outcome, "checklist": in.checklistMap(),
			"opinion": in.Opinion, "reviewer": a.Name}
		if in.Outcome == ReviewApproved {
			return &TimelineEntry{Stage: Review, Kind: "review", Note: note, Data: data, OccurredAt: now,
				AuthorID: &a.UserID, AuthorName: a.Name}, nil
		}
		c.State = r.FromState
		data["from"], data["to"] = Review, r.FromState
		return &TimelineEntry{Stage: r.FromState, Kind: "transition", Note: note, Data: data, OccurredAt: now,
			AuthorID: &a.UserID, AuthorName: a.Name}, nil
	})
	if err != nil {
		return LegalReview{}, err
	}
	return s.FindReview(ctx, a, id)
}

// ExtendReview lets a reviewer move a pending review's due date once, with a reason.
func (s *Service) ExtendReview(ctx context.Context, a Actor, id uuid.UUID, reason string) (LegalReview, error) {
	r, err := s.Store.FindReview(ctx, id)
	if err != nil {
		return r, err
	}
	if err := s.mayReview(ctx, a, r); err != nil {
		return LegalReview{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return LegalReview{}, fault.Field("reason", "延长审核期限须写明理由")
	}
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return LegalReview{}, err
	}
	crit, err := s.Store.Criteria(ctx, r.AgencyID)
	if err != nil {
		return LegalReview{}, err
	}
	if err := s.Store.ExtendReview(ctx, id, cal.AddWorkingDays(r.DueOn, crit.ReviewDays), reason); err != nil {
		return LegalReview{}, err
	}
	return s.FindReview(ctx, a, id)
}

// FindReview returns a review for anyone who may see its case.
func (s *Service) FindReview(ctx context.Context, a Actor, id uuid.UUID) (LegalReview, error) {
	r, err := s.Store.FindReview(ctx, id)
	if err != nil {
		return r, err
	}
	if _, err := s.CaseReadable(ctx, a, r.CaseID); err != nil {
		return LegalReview{}, fault.HideAs(err, "法制审核不存在")
	}
	r.settle(DateOf(s.Now()))
	return r, nil
}

// ListReviews is the queue: a reviewer sees the agencies they serve, a reviewer who has
// lost the qualification sees nothing; supervisors and administrators see their region.
func (s *Service) ListReviews(ctx context.Context, a Actor, state ReviewState, p Page) (List[LegalReview], error) {
	switch {
	case a.Has(RoleAdmin) || a.Has(RoleSupervisor):
	case a.Has(RoleReviewer) && a.LegalQualified:
	case a.Has(RoleReviewer):
		return List[LegalReview]{}, fault.New(fault.Forbidden, "审核重大执法决定须具备法律职业资格")
	case a.OfficerID != nil:
	default:
		return List[LegalReview]{}, fault.New(fault.Forbidden, "当前账号无权查看法制审核")
	}
	if state != "" && state.Label() == "" {
		return List[LegalReview]{}, fault.Field("state", "审核状态应为待审核、通过、退回补正或不予通过")
	}
	l, err := s.Store.ListReviews(ctx, ReviewFilter{Scope: a.Scope(), State: state, Page: p})
	today := DateOf(s.Now())
	for i := range l.Items {
		l.Items[i].settle(today)
	}
	return l, err
}

// CaseReviews lists a case's rounds for anyone who may read the case.
func (s *Service) CaseReviews(ctx context.Context, a Actor, caseID uuid.UUID) ([]LegalReview, error) {
	if _, err := s.CaseReadable(ctx, a, caseID); err != nil {
		return nil, err
	}
	rs, err := s.Store.CaseReviews(ctx, caseID)
	today := DateOf(s.Now())
	for i := range rs {
		rs[i].settle(today)
	}
	return rs, err
}

// reviewGate refuses a major decision that no approved review covers, and a decision
// that needs a collective discussion without one. It runs in the mover's transaction.
func (s *Service) reviewGate(ctx context.Context, tx pgx.Tx, c *Case, d Decision) error {
	crit, err := s.Store.criteria(ctx, tx, c.AgencyID)
	if err != nil {
		return err
	}
	if c.NeedsCollective() {
		ok, err := s.Store.timeline.HasRecordKind(ctx, tx, c.ID, "collective")
		if err != nil {
			return err
		}
		if !ok {
			return fault.New(fault.Conflict, "本案标注为情节复杂或重大违法行为，作出决定前须经机关负责人集体讨论（行政处罚法第五十七条），请先记录集体讨论")
		}
	}
	reasons := crit.Reasons(c, d)
	if len(reasons) == 0 {
		return nil
	}
	last, err := s.Store.lastReviewTx(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	why := "属于重大执法决定（" + strings.Join(reasons, "；") + "）"
	switch {
	case last == nil:
		return fault.New(fault.Conflict, "%s，须经法制审核通过后才能作出决定", why)
	case last.State == ReviewPending:
		return fault.New(fault.Conflict, "%s，法制审核尚未作出结论（期限至 %s）", why, last.DueOn)
	case last.State != ReviewApproved:
		return fault.New(fault.Conflict, "%s，最近一轮法制审核结论为“%s”，须修改后重新提交审核", why, last.State.Label())
	}
	if ok, diff := last.Decision.Covers(d); !ok {
		return fault.New(fault.Conflict, "%s，且%s，原审核意见不再有效，须重新提交法制审核", why, diff)
	}
	return nil
}

// ReviewerRatios shows admins and supervisors each agency's reviewers against 5% of its
// officers.
func (s *Service) ReviewerRatios(ctx context.Context, a Actor) ([]ReviewerRatio, error) {
	if err := a.Require(RoleAdmin, RoleSupervisor); err != nil {
		return nil, err
	}
	return s.Store.ReviewerRatios(ctx, a.Scope(), DateOf(s.Now()))
}

// settle marks a pending review past its due date.
func (r *LegalReview) settle(today Date) {
	r.Overdue = r.State == ReviewPending && today.After(r.DueOn)
}
