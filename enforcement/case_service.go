package enforcement

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/fault"
)

// CreateCase lets an officer file a case in their own agency, handled by two or more
// officers of that agency whose certificates are valid today (行政处罚法 art. 42).
func (s *Service) CreateCase(ctx context.Context, a Actor, in CaseInput) (Case, error) {
	if err := a.Require(RoleOfficer); err != nil || a.OfficerID == nil {
		return Case{}, fault.New(fault.Forbidden, "只有执法人员可以立案")
	}
	now := s.Now()
	if err := in.Validate(now); err != nil {
		return Case{}, err
	}
	if in.AgencyID != a.AgencyID {
		return Case{}, fault.New(fault.Forbidden, "只能以本单位名义立案")
	}
	if err := s.checkHandlers(ctx, in, DateOf(now), true, "承办案件"); err != nil {
		return Case{}, err
	}
	return s.Store.CreateCase(ctx, in, a, now)
}

// checkHandlers refuses handlers who do not exist, cannot enforce today or, when
// sameAgency holds, belong to another agency than the case's; duty says what they
// could not do.
func (s *Service) checkHandlers(ctx context.Context, in CaseInput, today Date, sameAgency bool, duty string) error {
	for _, id := range uniqueIDs(in.HandlerIDs) {
		o, err := s.Store.FindOfficer(ctx, id)
		if fault.Is(err, fault.NotFound) {
			return fault.Field("handler_ids", "执法人员 %s 不存在", id)
		}
		if err != nil {
			return err
		}
		if sameAgency && o.AgencyID != in.AgencyID {
			return fault.Field("handler_ids", "执法人员%s不属于本单位", o.Name)
		}
		if !o.CanEnforce(today) {
			return fault.Field("handler_ids", "执法人员%s的执法证%s，不能%s", o.Name, o.EffectiveStatus(today).Label(), duty)
		}
	}
	return nil
}

// CaseInScope returns a case the actor may see, without its handlers' records: the check
// every read and write of a case starts with.
func (s *Service) CaseInScope(ctx context.Context, a Actor, id uuid.UUID) (Case, error) {
	c, err := s.Store.FindCase(ctx, id)
	if err != nil {
		return c, err
	}
	if err := s.covers(ctx, a, c); err != nil {
		if ok, gerr := s.granted(ctx, a, c, err); gerr != nil {
			return Case{}, gerr
		} else if ok {
			// An evaluator who may read the case is told it is read-only, not that it is absent.
			return Case{}, fault.New(fault.Forbidden, "只能查阅本案，不能办理或修改")
		}
		return Case{}, err
	}
	return c, nil
}

// granted asks the ReadGrant about a case the scope check hid (err).
func (s *Service) granted(ctx context.Context, a Actor, c Case, err error) (bool, error) {
	if s.ReadGrant == nil || !fault.IsHidden(err) {
		return false, nil
	}
	return s.ReadGrant(ctx, a, c.ID)
}

// covers is CaseInScope's check on a case already loaded.
func (s *Service) covers(ctx context.Context, a Actor, c Case) error {
	err := s.inScope(ctx, a, c.AgencyID, "案件")
	if err != nil && a.IsHandler(c) { // a joint check's officer from another agency
		return nil
	}
	return err
}

// CaseReadable is CaseInScope for reads only: it also admits those the ReadGrant lets
// read the case. Every change to a case still goes through CaseInScope.
func (s *Service) CaseReadable(ctx context.Context, a Actor, id uuid.UUID) (Case, error) {
	c, err := s.Store.FindCase(ctx, id)
	if err != nil {
		return c, err
	}
	if err := s.MayRead(ctx, a, c); err != nil {
		return Case{}, err
	}
	return c, nil
}

// MayRead is CaseReadable's check on a case already loaded.
func (s *Service) MayRead(ctx context.Context, a Actor, c Case) error {
	err := s.covers(ctx, a, c)
	if err == nil {
		return nil
	}
	ok, gerr := s.granted(ctx, a, c, err)
	switch {
	case gerr != nil:
		return gerr
	case !ok:
		return err
	}
	return nil
}

// OpenInspectionCase opens the record of an inspection check: a case of kind inspection
// whose handlers are the check's drawn inspectors, who in a joint check come from several
// agencies; the case belongs to the agency of the officer who opens it.
func (s *Service) OpenInspectionCase(ctx context.Context, a Actor, in CaseInput) (Case, error) {
	if err := a.Require(RoleOfficer); err != nil || a.OfficerID == nil {
		return Case{}, fault.New(fault.Forbidden, "只有执法人员可以记录检查")
	}
	now := s.Now()
	in.AgencyID, in.Kind = a.AgencyID, "inspection"
	if err := in.Validate(now); err != nil {
		return Case{}, err
	}
	if err := s.checkHandlers(ctx, in, DateOf(now), false, "实施检查"); err != nil {
		return Case{}, err
	}
	return s.Store.CreateCase(ctx, in, a, now)
}

// FindCase returns a case the actor may read, with its handlers, as the case page shows it.
func (s *Service) FindCase(ctx context.Context, a Actor, id uuid.UUID) (Case, error) {
	c, err := s.CaseReadable(ctx, a, id)
	if err != nil {
		return c, err
	}
	today := s.Today()
	for _, h := range c.HandlerIDs {
		o, err := s.Store.FindOfficer(ctx, h)
		if err != nil {
			return Case{}, err
		}
		c.Handlers = append(c.Handlers, o.AsOf(today))
	}
	return c, nil
}

// ListCases lists the cases the actor may see.
func (s *Service) ListCases(ctx context.Context, a Actor, f CaseFilter) (List[Case], error) {
	f.Scope = a.Scope()
	if f.State != "" && !ValidState(f.State) {
		return List[Case]{}, fault.Field("state", "未知的案件状态“%s”", f.State)
	}
	if _, ok := caseKinds[f.Kind]; f.Kind != "" && !ok {
		return List[Case]{}, fault.Field("kind", "未知的案件类型“%s”", f.Kind)
	}
	return s.Store.ListCases(ctx, f)
}

// IsHandler reports whether the actor is one of the case's officers.
func (a Actor) IsHandler(c Case) bool {
	if a.OfficerID == nil {
		return false
	}
	for _, h := range c.HandlerIDs {
		if h == *a.OfficerID {
			return true
		}
	}
	return false
}

// RequireHandler refuses anyone but the case's own officers.
func (a Actor) RequireHandler(c Case) error {
	if !a.IsHandler(c) {
		return fault.New(fault.Forbidden, "只有本案承办执法人员可以办理此操作")
	}
	return nil
}

// MoveCase lets a handler move the case; the move and its record commit together.
func (s *Service) MoveCase(ctx context.Context, a Actor, id uuid.UUID, m Move) (Case, error) {
	c, err := s.CaseInScope(ctx, a, id)
	if err != nil {
		return c, err
	}
	if err := a.RequireHandler(c); err != nil {
		return Case{}, err
	}
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return Case{}, err
	}
	now := s.Now()
	return s.Store.UpdateCaseTx(ctx, id, func(tx pgx.Tx, c *Case) (*TimelineEntry, error) {
		if c.State == Review && m.To != Withdrawn && m.To != Transferred {
			// While a reviewer holds the draft, only its conclusion moves the case back.
			if last, err := s.Store.lastReviewTx(ctx, tx, id); err != nil {
				return nil, err
			} else if last != nil && last.State == ReviewPending {
				return nil, fault.New(fault.Conflict, "法制审核尚未作出结论（期限至 %s），请等待审核结论", last.DueOn)
			}
		}
		if m.To == Served && c.State == Decided && s.Store.timeline != nil {
			// The decision's service, recorded with its proof, is the delivery: a time or way
			// typed at the move cannot contradict the record.
			d, err := s.Store.timeline.DocumentFacts(ctx, tx, id)
			if err != nil {
				return nil, err
			}
			if d.ServedAt != nil {
				m.Delivery = &Delivery{Method: d.ServedMethod, At: *d.ServedAt, Recipient: d.ServedTo, ProofRecordID: d.ServiceRecordID}
			} else if m.Delivery == nil {
				if err := documentsMissing(c.DocumentsNeeded(c.State, Served, d), Served); err != nil {
					return nil, err
				}
			}
		}
		e, err := c.Transition(m, cal, now, a.UserID, a.Name)
		if err != nil {
			return nil, err
		}
		if c.State == Served && m.Delivery.ProofRecordID != nil {
			kind, err := s.Store.timeline.RecordKind(ctx, tx, id, *m.Delivery.ProofRecordID)
			if err != nil {
				return nil, err
			}
			if kind != "document" && kind != "photo" && kind != "service" {
				return nil, fault.Field("delivery.proof_record_id", "送达凭证应为本案的文书、照片或送达记录")
			}
		}
		if c.State == Decided {
			if err := s.reviewGate(ctx, tx, c, *c.Decision); err != nil {
				return nil, err
			}
			if err := s.discloseDecisionTx(ctx, tx, c, now); err != nil {
				return nil, err
			}
			if err := caseActionTx(ctx, tx, c, TopicActionDecided, now); err != nil {
				return nil, err
			}
		}
		return e, nil
	})
}

// OutcomeInput records a reconsideration or litigation result.
type OutcomeInput struct {
	Type      string    `json:"type"`
	Result    string    `json:"result"`
	DecidedAt time.Time `json:"decided_at"`
	Note      string    `json:"note"`
}

// AddOutcome lets a handler or an administrator record what a reconsideration body or a
// court decided about the case's decision.
func (s *Service) AddOutcome(ctx context.Context, a Actor, id uuid.UUID, in OutcomeInput) (Outcome, error) {
	c, err := s.CaseInScope(ctx, a, id)
	if err != nil {
		return Outcome{}, err
	}
	if !a.IsHandler(c) && !a.Has(RoleAdmin) {
		return Outcome{}, fault.New(fault.Forbidden, "只有本案承办人员或管理员可以登记复议诉讼结果")
	}
	if err := c.CheckOutcome(in, s.Now()); err != nil {
		return Outcome{}, err
	}
	return s.Store.AddOutcome(ctx, Outcome{CaseID: id, Type: in.Type, Result: in.Result, DecidedAt: in.DecidedAt,
		Note: strings.TrimSpace(in.Note)}, a, c.State)
}

// CaseClocks computes a case's statutory deadlines on the current calendar.
func (s *Service) CaseClocks(ctx context.Context, c Case) (Clocks, error) {
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return Clocks{}, err
	}
	if err := s.noteService(ctx, &c, nil); err != nil {
		return Clocks{}, err
	}
	return c.Clocks(cal, s.Now()), nil
}

// noteService reads, for a decided case not yet moved on, whether its 决定书 has been
// served (facts, when the caller has them already): the service stops the 7-day clock.
func (s *Service) noteService(ctx context.Context, c *Case, facts *DocumentFacts) error {
	if c.State != Decided || c.ServedAt != nil {
		return nil
	}
	if facts == nil {
		if s.Store.timeline == nil {
			return nil
		}
		d, err := s.Store.timeline.DocumentFacts(ctx, s.Store.db, c.ID)
		if err != nil {
			return err
		}
		facts = &d
	}
	c.DecisionServed = facts.ServedAt
	return nil
}

// OverdueCase is an open case past a statutory deadline.
type OverdueCase struct {
	Case
	Clocks Clocks `json:"clocks"`
}

// OverdueCases lists the open cases in the actor's scope that are past a deadline.
func (s *Service) OverdueCases(ctx context.Context, a Actor) ([]OverdueCase, error) {
	cal, err := s.Store.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := []OverdueCase{}
	for p := 1; ; p++ {
		l, err := s.Store.ListCases(ctx, CaseFilter{Scope: a.Scope(), Open: true, Page: Page{Number: p, Size: 200}})
		if err != nil {
			return nil, err
		}
		for _, c := range l.Items {
			if err := s.noteService(ctx, &c, nil); err != nil {
				return nil, err
			}
			if k := c.Clocks(cal, now); len(k.Overdue) > 0 {
				out = append(out, OverdueCase{c, k})
			}
		}
		if p*200 >= l.Total {
			return out, nil
		}
	}
}

// SetAVMeasures lets an administrator set which measures beyond the statutory ones need
// an audio-video record in an agency's cases.
func (s *Service) SetAVMeasures(ctx context.Context, a Actor, agencyID uuid.UUID, in AVMeasuresInput) (Agency, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return Agency{}, err
	}
	if _, err := s.FindAgency(ctx, a, agencyID); err != nil {
		return Agency{}, err
	}
	codes, err := checkMeasures("measures", in.Measures)
	if err != nil {
		return Agency{}, err
	}
	if err := s.Store.SetAVMeasures(ctx, agencyID, codes); err != nil {
		return Agency{}, err
	}
	return s.Store.FindAgency(ctx, agencyID)
}

// AddMeasure notes that a case involves a measure decided on during the case; the
// record it leaves says who decided and why.
func (s *Service) AddMeasure(ctx context.Context, a Actor, id uuid.UUID, in MeasureInput) (Case, error) {
	c, err := s.CaseInScope(ctx, a, id)
	if err != nil {
		return c, err
	}
	if err := a.RequireHandler(c); err != nil {
		return Case{}, err
	}
	m, ok := MeasureByCode(strings.TrimSpace(in.Measure))
	if !ok {
		_, err := checkMeasures("measure", []string{in.Measure})
		return Case{}, err
	}
	now := s.Now()
	return s.Store.UpdateCase(ctx, id, func(c *Case) (*TimelineEntry, error) {
		if !c.State.Open() {
			return nil, fault.New(fault.Conflict, "案件已%s，不能再采取执法措施", c.State.Label())
		}
		if slices.Contains(c.Measures, m.Code) {
			return nil, fault.Field("measure", "本案已登记“%s”", m.Label)
		}
		c.Measures = append(c.Measures, m.Code)
		note := "采取执法措施：" + m.Label
		if r := strings.TrimSpace(in.Reason); r != "" {
			note += "（" + r + "）"
		}
		return &TimelineEntry{Stage: c.State, Kind: "measure", Note: note, Data: map[string]any{"measure": m.Code},
			OccurredAt: now, AuthorID: &a.UserID, AuthorName: a.Name}, nil
	})
}
