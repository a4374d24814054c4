package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"zhifa/enforcement"
)

// seedReviews files a handful of market-bureau cases handled by the demo officers and
// takes them through legal review at dates in the past, so the demo shows every kind of
// review: pending, overdue, returned and resubmitted, approved, rejected. Nothing is
// done when a review other than an approval exists (seedCases' reviews are approvals).
func (a *App) seedReviews(ctx context.Context, out io.Writer, now time.Time) error {
	var have int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM reviews WHERE state <> 'approved'`).Scan(&have); err != nil || have > 0 {
		return err
	}
	load := func(username string) (enforcement.Actor, error) {
		u, err := a.enforcement.Store.FindUserByUsername(ctx, username)
		if err != nil {
			return enforcement.Actor{}, fmt.Errorf("demo account %s: %w", username, err)
		}
		return a.enforcement.Store.FindActor(ctx, u.ID)
	}
	o1, err := load("officer1")
	if err != nil {
		return err
	}
	o2, err := load("officer2")
	if err != nil {
		return err
	}
	rv1, err := load("reviewer1")
	if err != nil {
		return err
	}
	rv2, err := load("reviewer2")
	if err != nil {
		return err
	}
	svc := a.enforcement
	rd := rand.New(rand.NewPCG(20261202, 19))
	saved := svc.Now
	defer func() { svc.Now = saved }()
	at := func(daysAgo int) { t := now.AddDate(0, 0, -daysAgo); svc.Now = func() time.Time { return t } }

	org := func(name, first17 string) enforcement.Party {
		return enforcement.Party{Type: "org", Name: name, IDNumber: first17 + string(enforcement.CreditCheckChar(first17))}
	}
	person := func(name, first17 string) enforcement.Party {
		return enforcement.Party{Type: "person", Name: name, IDNumber: first17 + string(enforcement.IDCheckChar(first17))}
	}
	parties := []enforcement.Party{
		org("青山县鑫源食品贸易有限公司", "91360799MA3900901"), person("刘建国", "36079919800101001"),
		org("青山县恒通建材有限公司", "91360799MA3900902"), org("青山县百佳超市有限公司", "91360799MA3900903"),
		person("黄美玲", "36079919850715002"),
	}
	causes := []string{"销售不符合食品安全标准的食品", "无照经营", "生产销售不合格建材", "销售过期食品", "虚假宣传"}
	fines := []int64{120_000_00, 30_000_00, 200_000_00, 150_000_00, 15_000_00}
	file := func(i, daysAgo int) (uuid.UUID, error) {
		at(daysAgo)
		c, err := svc.CreateCase(ctx, o1, enforcement.CaseInput{AgencyID: o1.AgencyID, Kind: "penalty", Cause: causes[i],
			LegalBasis: "《中华人民共和国食品安全法》《中华人民共和国行政处罚法》相关规定", Parties: []enforcement.Party{parties[i]},
			HandlerIDs: []uuid.UUID{*o1.OfficerID, *o2.OfficerID}, OccurredAt: svc.Now().Add(-48 * time.Hour), Location: "青山县城关镇"})
		if err != nil {
			return uuid.Nil, err
		}
		if c, err = svc.MoveCase(ctx, o1, c.ID, enforcement.Move{To: enforcement.Investigating}); err != nil {
			return uuid.Nil, err
		}
		if _, err := a.demoNotice(ctx, o1, c, fmt.Sprintf("罚款人民币 %d 元", fines[i]/100), svc.Now(), rd, docOptions{}); err != nil {
			return uuid.Nil, err
		}
		if _, err := svc.MoveCase(ctx, o1, c.ID, enforcement.Move{To: enforcement.Notified}); err != nil {
			return uuid.Nil, err
		}
		return c.ID, nil
	}
	draft := func(i int) enforcement.Decision {
		return enforcement.Decision{Outcome: "penalty", FineAmount: fines[i],
			Text: fmt.Sprintf("对当事人%s的违法行为，依法处以罚款人民币%d元", causes[i], fines[i]/100)}
	}
	decide := func(r enforcement.Actor, id uuid.UUID, out enforcement.ReviewState, opinion string, bad ...string) error {
		_, err := svc.DecideReview(ctx, r, id, enforcement.ReviewDecision{Outcome: out, Checklist: demoChecklist(bad...), Opinion: opinion})
		return err
	}
	steps := []func() error{
		func() error { // pending, due in a few days
			id, err := file(0, 6)
			if err == nil {
				at(1)
				_, err = svc.SubmitReview(ctx, o1, id, draft(0))
			}
			return err
		},
		func() error { // overdue: submitted three weeks ago, still waiting
			id, err := file(1, 30)
			if err == nil {
				at(21)
				_, err = svc.SubmitReview(ctx, o1, id, draft(1))
			}
			return err
		},
		func() error { // returned, resubmitted, approved, decided
			id, err := file(2, 40)
			if err != nil {
				return err
			}
			at(30)
			r, err := svc.SubmitReview(ctx, o1, id, draft(2))
			if err != nil {
				return err
			}
			at(27)
			if err := decide(rv1, r.ID, enforcement.ReviewReturned, "缺少产品质量检验报告，请补充证据后再送审", "evidence"); err != nil {
				return err
			}
			at(20)
			if r, err = svc.SubmitReview(ctx, o1, id, draft(2)); err != nil {
				return err
			}
			at(17)
			if err := decide(rv1, r.ID, enforcement.ReviewApproved, "证据已补充完整，事实清楚，适用法律正确，同意"); err != nil {
				return err
			}
			at(15)
			d := draft(2)
			c, err := svc.FindCase(ctx, o1, id)
			if err != nil {
				return err
			}
			if _, err := a.demoDecision(ctx, o1, c, d, svc.Now(), rd); err != nil {
				return err
			}
			_, err = svc.MoveCase(ctx, o1, id, enforcement.Move{To: enforcement.Decided, Decision: &d, StatementWaived: true})
			return err
		},
		func() error { // approved, not yet decided
			id, err := file(3, 12)
			if err != nil {
				return err
			}
			at(6)
			r, err := svc.SubmitReview(ctx, o1, id, draft(3))
			if err == nil {
				at(3)
				err = decide(rv2, r.ID, enforcement.ReviewApproved, "经审核，主体合法，程序正当，同意作出该决定")
			}
			return err
		},
		func() error { // rejected
			id, err := file(4, 25)
			if err != nil {
				return err
			}
			at(18)
			r, err := svc.SubmitReview(ctx, o1, id, draft(4))
			if err == nil {
				at(15)
				err = decide(rv1, r.ID, enforcement.ReviewRejected, "现有证据不能证明当事人存在虚假宣传行为，不同意作出处罚决定", "facts", "evidence")
			}
			return err
		},
	}
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("demo review %d: %w", i+1, err)
		}
	}
	fmt.Fprintf(out, "演示法制审核已载入：%d 件（待审核、超期、退回后重新送审并通过、通过、不予通过）\n", len(steps))
	return nil
}

// seedCriteria gives two agencies catalogues of their own before any case is decided:
// thresholds differ between agencies, the market bureau 1万/10万 with its own extra
// kinds, the urban management bureau 2万/5万. Nothing is done when any catalogue exists.
func (a *App) seedCriteria(ctx context.Context) error {
	var have int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM major_criteria`).Scan(&have); err != nil || have > 0 {
		return err
	}
	st := a.enforcement.Store
	by, err := st.FindUserByUsername(ctx, "reviewer2")
	if err != nil {
		return fmt.Errorf("demo account reviewer2: %w", err)
	}
	var market, urban uuid.UUID
	if err := a.db.QueryRow(ctx, `SELECT (SELECT id FROM agencies WHERE name = '青山县市场监督管理局'),
		(SELECT id FROM agencies WHERE name = '青山县城市管理局')`).Scan(&market, &urban); err != nil {
		return err
	}
	m := enforcement.DefaultCriteria(market)
	m.ExtraKinds = []string{"涉及食品安全事故", "涉及群体性事件"}
	if _, err := st.AddCriteria(ctx, m, by.ID); err != nil {
		return err
	}
	c := enforcement.DefaultCriteria(urban)
	c.FinePersonMin, c.FineOrgMin, c.ConfiscationMin, c.ReviewDays = 20_000_00, 50_000_00, 50_000_00, 7
	if _, err = st.AddCriteria(ctx, c, by.ID); err != nil {
		return err
	}
	// The catalogues were in force before the demo's first case, filed up to a year ago:
	// evaluation pre-checks judge a decision by the version in force when it was made.
	_, err = a.db.Exec(ctx, `UPDATE major_criteria SET created_at = now() - interval '400 days' WHERE agency_id = ANY($1)`,
		[]uuid.UUID{market, urban})
	return err
}

// demoChecklist is a reviewer's checklist with every item in order but the bad ones.
func demoChecklist(bad ...string) map[string]*enforcement.CheckItem {
	m := map[string]*enforcement.CheckItem{}
	for _, it := range enforcement.ChecklistItems {
		m[it.Key] = &enforcement.CheckItem{OK: true}
	}
	for _, k := range bad {
		m[k] = &enforcement.CheckItem{OK: false, Note: "需补正"}
	}
	return m
}
