package enforcement

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/fault"
)

// Which step needs which document (执法文书): a penalty case is told of the intended
// penalty by a 事先告知书 and decided by a 决定书; a seizure needs its 决定书 and 清单, a
// preservation of evidence its 通知书; a decision is served with a 送达回证 or a service
// record. A document counts once frozen (signed, or the party's refusal recorded), and a
// corrected one by its newest version.

// Querier is a transaction or the pool: the facts are read inside a move's transaction
// and outside one for a page.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// DocumentFacts are a case's frozen documents and the service of its decision.
type DocumentFacts struct {
	Frozen map[string]string // kind code → the number of its newest frozen version
	// ReceiptSinceDecision: a 送达回证 frozen after the decision.
	ReceiptSinceDecision bool
	// The first completed service of a frozen decision: when, how, to whom, its record.
	ServedAt        *time.Time
	ServedMethod    string
	ServedTo        string
	ServiceRecordID *uuid.UUID
	// ServicePending: an electronic service waits for the party to open it.
	ServicePending bool
}

// DocumentNeed is a document a move needs and the case lacks.
type DocumentNeed struct {
	Kind string `json:"kind"` // a kind's code, or "service"
	Name string `json:"name"`
	For  string `json:"for"` // what it is needed for
}

// DocumentsNeeded lists what the move from → to needs that the case lacks. Ending a case
// (withdrawal, transfer) needs nothing.
func (c *Case) DocumentsNeeded(from, to State, d DocumentFacts) []DocumentNeed {
	if !c.DocumentsRequired || from == to || to == Withdrawn || to == Transferred {
		return nil
	}
	var out []DocumentNeed
	need := func(kind, name, why string) {
		if d.Frozen[kind] == "" {
			out = append(out, DocumentNeed{kind, name, why})
		}
	}
	for _, code := range c.Measures { // the measures of the stage being left
		if m, ok := MeasureByCode(code); ok && m.Stage == from {
			switch code {
			case "seizure":
				need("seizure_decision", "查封（扣押）决定书", "实施查封、扣押")
				need("seizure_list", "查封（扣押）清单", "实施查封、扣押")
			case "preservation":
				need("evidence_preservation", "先行登记保存证据通知书", "先行登记保存证据")
			}
		}
	}
	if c.Kind == "penalty" {
		switch {
		case to == Notified:
			need("penalty_notice", "行政处罚事先告知书", "告知当事人拟作出的处罚")
		case to == Decided && (c.Decision == nil || c.Decision.Outcome == "penalty"):
			need("penalty_decision", "行政处罚决定书", "作出处罚决定")
		}
	}
	if to == Served && d.ServedAt == nil && !d.ReceiptSinceDecision {
		out = append(out, DocumentNeed{"service", "送达回证或送达记录", "登记送达"})
	}
	return out
}

// docGate refuses a move that lacks a document it needs, naming them all.
func (s *Store) docGate(ctx context.Context, tx pgx.Tx, c *Case, from State) error {
	if s.timeline == nil {
		return nil
	}
	facts, err := s.timeline.DocumentFacts(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	return documentsMissing(c.DocumentsNeeded(from, c.State, facts), c.State)
}

func documentsMissing(need []DocumentNeed, to State) error {
	if len(need) == 0 {
		return nil
	}
	var names []string
	for _, n := range need {
		names = append(names, "《"+n.Name+"》（"+n.For+"）")
	}
	if need[0].Kind == "service" && len(need) == 1 {
		return fault.New(fault.Conflict, "进入“%s”前须有送达凭证：受送达人签名的送达回证定稿，或决定书的送达记录（直接、留置、邮寄、电子或公告送达）", to.Label())
	}
	return fault.New(fault.Conflict, "进入“%s”前须有定稿的%s：请在本案“执法文书”中制作，签名后定稿", to.Label(), strings.Join(names, "、"))
}

// documentSteps are the documents the case's next ordinary move needs, as 下一步 lists them.
func (c *Case) documentSteps(d DocumentFacts) []Step {
	var out []Step
	seen := map[string]bool{}
	for _, to := range next[c.State] {
		if to == Review || to == Hearing { // the review and the hearing come before the decision, which needs it
			continue
		}
		for _, n := range c.DocumentsNeeded(c.State, to, d) {
			if seen[n.Kind] {
				continue
			}
			seen[n.Kind] = true
			text := "制作《" + n.Name + "》，签名后定稿（" + n.For + "前须有）"
			if n.Kind == "service" {
				text = "送达决定书：受送达人在送达回证上签名后定稿，或在决定书页登记送达（直接、留置、邮寄、电子、公告）"
			}
			out = append(out, Step{Kind: "document", Text: text, Blocker: true})
		}
	}
	return out
}
