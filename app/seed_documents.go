package app

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/evidence"
)

// The demo's documents are made as the officers made them: drafted, signed on the pad by
// the party and both officers, frozen at the day of the step, and the decision served
// against a signed 送达回证 or electronically, opened by the party.

// demoStrokes is a signature as a finger writes it: a few strokes across a 600×200 pad.
func demoStrokes(r *rand.Rand) *evidence.Strokes {
	st := &evidence.Strokes{Width: 600, Height: 200}
	x := 40.0 + float64(r.IntN(40))
	for range 2 + r.IntN(3) {
		var s [][2]float64
		y := 60.0 + float64(r.IntN(80))
		for range 12 + r.IntN(12) {
			x += 4 + float64(r.IntN(9))
			y = max(10, min(190, y+float64(r.IntN(41)-20)))
			s = append(s, [2]float64{min(x, 590), y})
		}
		st.Strokes = append(st.Strokes, s)
		x += 20
	}
	return st
}

// seedDocument drafts a document of a case at a moment, has its signers sign (the party
// as signer, unless refusal names the audio-video record of the party refusing, then a
// witness) and freezes it.
func (a *App) seedDocument(ctx context.Context, handler enforcement.Actor, caseID uuid.UUID, kind string, fields map[string]string,
	signer string, at time.Time, r *rand.Rand, o docOptions) (evidence.Document, error) {
	ev := *a.evidence
	ev.Now = func() time.Time { return at }
	refusal := o.refusal
	d, err := ev.DraftDocument(ctx, handler, caseID, evidence.DocumentInput{Kind: kind, Fields: fields, Replaces: o.replaces})
	if err != nil {
		return d, fmt.Errorf("draft %s: %w", kind, err)
	}
	k, err := ev.DocumentKindOf(ctx, d)
	if err != nil {
		return d, err
	}
	c, err := a.enforcement.FindCase(ctx, handler, caseID)
	if err != nil {
		return d, err
	}
	var sigs []evidence.SignatureInput
	for _, role := range k.Signers {
		switch role {
		case "party":
			if refusal != nil {
				sigs = append(sigs, evidence.SignatureInput{Role: "party", Signer: signer, Refused: true, RecordID: refusal,
					Reason: "当事人对认定的事实有异议，拒绝在文书上签字"},
					evidence.SignatureInput{Role: "witness", Signer: "周建华（城关镇社区网格员）", Strokes: demoStrokes(r)})
			} else {
				sigs = append(sigs, evidence.SignatureInput{Role: "party", Signer: signer, Strokes: demoStrokes(r)})
			}
		case "officer":
			for _, h := range c.Handlers {
				sigs = append(sigs, evidence.SignatureInput{Role: "officer", OfficerID: &h.ID, Strokes: demoStrokes(r)})
			}
		}
	}
	for _, s := range sigs {
		if _, err := ev.SignDocument(ctx, handler, d.ID, s); err != nil {
			return d, fmt.Errorf("sign %s as %s: %w", kind, s.Role, err)
		}
	}
	d, err = ev.FreezeDocument(ctx, handler, d.ID)
	if err != nil {
		return d, fmt.Errorf("freeze %s: %w", kind, err)
	}
	return d, nil
}

// docOptions: the party's refusal to sign (the audio or video record of it), or the
// document a correction replaces.
type docOptions struct{ refusal, replaces *uuid.UUID }

// demoNotice is the 事先告知书 of a demo case, made the day before it is notified.
func (a *App) demoNotice(ctx context.Context, handler enforcement.Actor, c enforcement.Case, penalty string, at time.Time, r *rand.Rand, o docOptions) (evidence.Document, error) {
	return a.seedDocument(ctx, handler, c.ID, "penalty_notice", map[string]string{
		"facts":   "你（单位）" + c.Cause + "，有现场检查笔录、现场照片和询问笔录为证",
		"penalty": penalty, "hearing": "你（单位）有权在收到本告知书之日起五日内要求听证。", "date": demoDay(at)}, demoSigner(c), at, r, o)
}

// demoDecision is the 决定书 of a demo case, frozen as it is decided.
func (a *App) demoDecision(ctx context.Context, handler enforcement.Actor, c enforcement.Case, d enforcement.Decision, at time.Time, r *rand.Rand) (evidence.Document, error) {
	penalty := d.Text
	if d.FineAmount > 0 {
		penalty = fmt.Sprintf("%s人民币 %d.%02d 元", strings.TrimSuffix(d.Text, "。"), d.FineAmount/100, d.FineAmount%100)
	}
	return a.seedDocument(ctx, handler, c.ID, "penalty_decision", map[string]string{
		"facts":       "你（单位）" + c.Cause + "。以上事实有现场检查笔录、现场照片、询问笔录等证据证实。",
		"penalty":     penalty,
		"performance": "自收到本决定书之日起十五日内，到指定银行或者通过电子支付系统缴纳罚款。逾期不缴纳的，每日按罚款数额的百分之三加处罚款。",
		"review_body": "青山县人民政府", "court": "青山县人民法院", "date": demoDay(at)}, demoSigner(c), at, r, docOptions{})
}

// demoServe serves a demo decision: against a signed 送达回证, or electronically with the
// party's written consent, opened by the party. It returns the delivery the move records.
func (a *App) demoServe(ctx context.Context, handler enforcement.Actor, c enforcement.Case, dec evidence.Document, at time.Time,
	electronic bool, r *rand.Rand) (*enforcement.Delivery, error) {
	party := demoSigner(c)
	ev := *a.evidence
	ev.Now = func() time.Time { return at }
	place := c.Location
	if place == "" {
		place = "青山县市场监督管理局办公地点"
	}
	var in evidence.ServiceInput
	if electronic {
		consent, err := a.evidence.Store.Append(ctx, evidence.Record{CaseID: c.ID, Stage: c.State, Kind: "document",
			Note: "送达地址确认书：" + party + "书面同意以电子方式接收执法文书", OccurredAt: at.Add(-time.Hour),
			AuthorID: &handler.UserID, AuthorName: handler.Name})
		if err != nil {
			return nil, err
		}
		in = evidence.ServiceInput{Method: "electronic", To: party + "（手机短信）", Consent: &consent.ID}
	} else {
		receipt, err := a.seedDocument(ctx, handler, c.ID, "service_receipt", map[string]string{
			"document":  "行政处罚决定书 " + dec.Number,
			"served_at": at.In(enforcement.Shanghai()).Format("2006年1月2日 15时04分"), "method": "直接送达", "place": place}, party, at, r, docOptions{})
		if err != nil {
			return nil, err
		}
		in = evidence.ServiceInput{Method: "direct", At: at, To: party, ReceiptID: &receipt.ID}
	}
	s, err := ev.ServeDocument(ctx, handler, dec.ID, in)
	if err != nil {
		return nil, fmt.Errorf("serve: %w", err)
	}
	if electronic { // the party opens the link an hour and a half later
		ev.Now = func() time.Time { return at.Add(90 * time.Minute) }
		token := s.Link[strings.LastIndex(s.Link, "/")+1:]
		opened, err := ev.OpenServedDocument(ctx, token, s.Code)
		if err != nil {
			return nil, fmt.Errorf("open the service: %w", err)
		}
		s.ServedAt = opened.Service.ServedAt
	}
	return &enforcement.Delivery{Method: s.Method, At: *s.ServedAt, Recipient: s.Recipient, ProofRecordID: &s.RecordID}, nil
}

// demoSigner is who signs for the party: the person, or for a firm its legal representative.
func demoSigner(c enforcement.Case) string {
	if len(c.Parties) == 0 {
		return "当事人"
	}
	if p := c.Parties[0]; p.Type == "person" {
		return p.Name
	}
	return c.Parties[0].Name + " 法定代表人"
}

// demoDay is the day a demo document bears.
func demoDay(at time.Time) string {
	return evidence.ChineseDate(enforcement.DateOf(at.In(enforcement.Shanghai())))
}

// demoRefusal records, as the officer filmed it, the party refusing to sign: an audio
// record with its file, which the refusal names.
func (a *App) demoRefusal(ctx context.Context, handler enforcement.Actor, c enforcement.Case, at time.Time) (*uuid.UUID, error) {
	rec, err := a.evidence.Store.Append(ctx, evidence.Record{CaseID: c.ID, Stage: c.State, Kind: "audio", OccurredAt: at,
		Note: "当事人拒绝在行政处罚事先告知书上签字，执法人员全程录音，见证人在场", AuthorID: &handler.UserID, AuthorName: handler.Name})
	if err != nil {
		return nil, err
	}
	wav := demoFiles()[1]
	if _, err := a.evidence.ImportMedia(ctx, handler, rec.ID, evidence.DirectUpload{Filename: "拒签过程录音.wav", Size: int64(len(wav.body)),
		Body: bytes.NewReader(wav.body)}); err != nil {
		return nil, fmt.Errorf("the refusal's recording: %w", err)
	}
	return &rec.ID, nil
}
