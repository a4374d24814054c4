package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
	"zhifa/inspection"
)

// The demo's checks of enterprises under the 2025 rules: every inspecting agency's plan
// for the year (one filed late), a few hundred checks outside the draws, requested,
// approved and shown with their codes (most scanned), two firms at their cap, three joint
// checks, the firms' ratings with a few low ones turned into clues, and what is open
// today for officer1, head1 and head2. Everything goes through the services, on the days
// it would have happened.

type demoCheckAgency struct {
	id       uuid.UUID
	name     string
	matters  []uuid.UUID
	officers []uuid.UUID
	head     enforcement.Actor
	cap      int
}

// demoCheckReason is a ground of requested checks, its weight and what officers write.
type demoCheckReason struct {
	code   string
	weight int
	note   string
}

// demoCheckReasons are the grounds of requested checks, by weight.
var demoCheckReasons = []demoCheckReason{
	{"high_risk", 34, "该企业信用风险分类为高风险，近期有异常经营记录，需现场核查。"},
	{"special", 22, "按照本年度专项整治工作方案开展现场检查。"},
	{"complaint", 26, "群众投诉反映该企业存在违法经营行为，需现场核实。"},
	{"referral", 10, "12345 热线转办工单反映的问题，需现场核查处理。"},
	{"followup", 8, "对此前检查发现问题的整改情况进行复查。"},
}

// demoRatingComments are what firms wrote with their ratings, by stars.
var demoRatingComments = map[int][]string{
	5: {"检查人员出示检查码和证件，说明了检查依据，半小时完成，不影响营业。", "检查规范，指出的问题讲得清楚。", ""},
	4: {"检查有序，希望提前告知需要准备的材料。", ""},
	3: {"检查时间较长，影响了上午的生产。", ""},
	2: {"检查人员态度生硬，要求提供的材料与检查事项无关。", "同一事项一个月内来了两次，重复提交相同材料。"},
	1: {"检查人员未说明依据，要求当场停业整改，后来又说不用停业。", "检查后口头说有问题，但一直没有书面结论。"},
}

func (a *App) seedChecks(ctx context.Context, out io.Writer, now time.Time) error {
	var plans int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM inspection_plans`).Scan(&plans); err != nil || plans > 0 {
		return err
	}
	admin, err := a.demoAdmin(ctx)
	if err != nil {
		return err
	}
	sup, err := a.demoActor(ctx, "supervisor1")
	if err != nil {
		return err
	}
	svc := a.enforcement
	saved := svc.Now
	defer func() { svc.Now = saved }()
	today := enforcement.DateOf(now)
	year := today.Year
	// at sets the clock to a day (counted from today) and a time of day.
	at := func(day enforcement.Date, hour, minute int) time.Time {
		t := time.Date(day.Year, time.Month(day.Month), day.Day, hour, minute, 0, 0, enforcement.Shanghai())
		if t.After(now) {
			t = now
		}
		svc.Now = func() time.Time { return t }
		return t
	}
	r := rand.New(rand.NewPCG(20261202, 22))

	// The inspecting agencies: those with matters, their officers able to check for the
	// next two months, and their heads (head1, head2, or the administrator acting so).
	rows, _ := a.db.Query(ctx, `SELECT ag.id, ag.name, array_agg(m.id ORDER BY m.name) FROM inspection_matters m JOIN agencies ag ON ag.id = m.agency_id
		GROUP BY ag.id, ag.name ORDER BY ag.name`)
	var agencies []*demoCheckAgency
	if _, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
		ag := &demoCheckAgency{}
		agencies = append(agencies, ag)
		return struct{}{}, row.Scan(&ag.id, &ag.name, &ag.matters)
	}); err != nil {
		return err
	}
	heads := map[uuid.UUID]enforcement.Actor{}
	for _, u := range []string{"head1", "head2"} {
		h, err := a.demoActor(ctx, u)
		if err != nil {
			return err
		}
		heads[h.AgencyID] = h
	}
	var market, emergency *demoCheckAgency
	for _, ag := range agencies {
		rows, _ := a.db.Query(ctx, `SELECT id FROM officers WHERE agency_id = $1 AND status = 'active' AND cert_valid_until > $2 ORDER BY cert_no LIMIT 12`,
			ag.id, today.AddDays(60))
		if ag.officers, err = pgx.CollectRows(rows, pgx.RowTo[uuid.UUID]); err != nil {
			return err
		}
		ag.head = heads[ag.id]
		if ag.head.UserID == uuid.Nil {
			ag.head = admin
			ag.head.AgencyID, ag.head.AgencyName, ag.head.Roles = ag.id, ag.name, []enforcement.Role{enforcement.RoleHead}
		}
		ag.cap = 3
		switch ag.name {
		case "青山县市场监督管理局":
			market, ag.cap = ag, 2
		case "青山县应急管理局":
			emergency = ag
		}
	}
	if market == nil || emergency == nil || len(market.officers) < 4 || len(emergency.officers) < 4 {
		return nil // another county: no demo checks
	}
	officerActor := func(ag *demoCheckAgency, o uuid.UUID) enforcement.Actor {
		act := admin
		act.OfficerID, act.AgencyID, act.AgencyName, act.Roles = &o, ag.id, ag.name, []enforcement.Role{enforcement.RoleOfficer}
		return act
	}

	// Plans, filed in February (one in April, late) and accepted a few days later.
	yearStart := enforcement.Date{Year: year, Month: 1, Day: 1}
	for i, ag := range agencies {
		filed := yearStart.AddDays(35 + 4*i)
		late := ag.name == "青山县交通运输局"
		if late {
			filed = enforcement.Date{Year: year, Month: 4, Day: 16}
		}
		if filed.After(today) {
			filed = today
		}
		at(filed.AddDays(-6), 10, 0)
		p, err := a.inspection.SavePlan(ctx, ag.head, inspection.PlanInput{Year: year, MatterIDs: ag.matters, Methods: []string{"double_random", "key", "special"},
			RandomShare: 70 + 5*(i%3), YearlyCap: ag.cap, PeriodFrom: yearStart.String(), PeriodTo: fmt.Sprintf("%d-12-31", year),
			Note: "以双随机抽查为主，重点检查高风险企业，投诉举报、转办交办的核查不计入抽查比例。"})
		if err != nil {
			return fmt.Errorf("plan of %s: %w", ag.name, err)
		}
		at(filed, 16, 0)
		if _, err := a.inspection.PlanMove(ctx, ag.head, p.ID, "file", ""); err != nil {
			return err
		}
		at(filed.AddDays(3), 11, 0)
		if _, err := a.inspection.PlanMove(ctx, sup, p.ID, "accept", ""); err != nil {
			return err
		}
	}

	var firms []string
	rows, _ = a.db.Query(ctx, `SELECT code FROM inspection_targets WHERE type = '企业' ORDER BY code`)
	if firms, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return err
	}
	r.Shuffle(len(firms), func(i, j int) { firms[i], firms[j] = firms[j], firms[i] })
	nextFirm := func() string { f := firms[0]; firms = firms[1:]; return f }

	type visit struct {
		ag     *demoCheckAgency
		firm   string
		reason string
		day    enforcement.Date
		result bool // entered, published, maybe rated
	}
	counts := struct{ requested, refused, coded, scanned, done, rated, clues, joint int }{}
	var lowRated []uuid.UUID
	// request runs one check from request to approval; it returns the check, or nil when refused.
	request := func(v visit, officers []uuid.UUID, orderedBy string) (*inspection.Check, error) {
		reason := demoCheckReasons[0]
		for _, x := range demoCheckReasons {
			if x.code == v.reason {
				reason = x
			}
		}
		at(v.day.AddDays(-2), 9, 20)
		ck, err := a.inspection.RequestCheck(ctx, officerActor(v.ag, officers[0]), inspection.CheckRequest{Firm: v.firm,
			MatterIDs: []uuid.UUID{v.ag.matters[r.IntN(len(v.ag.matters))]}, Reason: v.reason, ReasonNote: reason.note, OrderedBy: orderedBy,
			OfficerIDs: officers[1:], PlannedOn: v.day.String()})
		if err != nil {
			return nil, fmt.Errorf("request: %w", err)
		}
		counts.requested++
		at(v.day.AddDays(-1), 15, 10)
		if v.result && r.IntN(100) < 4 {
			_, err := a.inspection.DecideCheck(ctx, v.ag.head, ck.ID, false, "检查理由不充分，可纳入本季度双随机抽查统一安排。")
			counts.refused++
			return nil, err
		}
		ck, err = a.inspection.DecideCheck(ctx, v.ag.head, ck.ID, true, "")
		return &ck, err
	}
	// visitCheck shows the code, has the firm scan it (most do), and enters the result.
	visitCheck := func(ck inspection.Check, day enforcement.Date, result bool) error {
		officer := ck.InspectorIDs[0]
		var agency uuid.UUID
		if err := a.db.QueryRow(ctx, `SELECT agency_id FROM officers WHERE id = $1`, officer).Scan(&agency); err != nil {
			return err
		}
		ag := market
		for _, x := range agencies {
			if x.id == agency {
				ag = x
			}
		}
		act := officerActor(ag, officer)
		at(day, 9, 0)
		code, err := a.inspection.CheckCode(ctx, act, ck.ID)
		if fault.KindOf(err) == fault.Conflict {
			return nil // over the cap: the code is refused and the check waits
		}
		if err != nil {
			return fmt.Errorf("code: %w", err)
		}
		counts.coded++
		firmKey := ""
		if r.IntN(100) < 88 {
			at(day, 9, 6+r.IntN(20))
			p, err := a.inspection.ScanCheck(ctx, code.Code)
			if err != nil {
				return err
			}
			firmKey = p.FirmKey
			counts.scanned++
		}
		if !result {
			return nil
		}
		at(day, 11, r.IntN(50))
		res := pickWeighted(r, demoResults, func(x demoResult) int { return x.weight })
		if _, err := a.inspection.RecordResult(ctx, act, ck.ID, inspection.ResultInput{Result: res.code, Findings: res.findings}); err != nil {
			return fmt.Errorf("result: %w", err)
		}
		counts.done++
		if pub := day.AddDays(1 + r.IntN(3)); pub.Before(today) {
			at(pub, 10, 0)
			var item uuid.UUID
			if err := a.db.QueryRow(ctx, `SELECT id FROM disclosures WHERE check_id = $1 AND state = 'due'`, ck.ID).Scan(&item); err == nil {
				if _, err := svc.PublishDisclosure(ctx, admin, item); err != nil {
					return err
				}
			}
		}
		if rd := day.AddDays(1 + r.IntN(4)); rd.Before(today) && firmKey != "" && r.IntN(100) < 50 {
			stars := pickWeighted(r, []int{5, 4, 3, 2, 1}, func(s int) int { return map[int]int{5: 55, 4: 24, 3: 11, 2: 6, 1: 4}[s] })
			comments := demoRatingComments[stars]
			at(rd, 20, r.IntN(59))
			if _, err := a.inspection.RateCheck(ctx, code.Code, firmKey, inspection.RatingInput{Stars: stars, Comment: comments[r.IntN(len(comments))]}); err != nil {
				return fmt.Errorf("rating: %w", err)
			}
			counts.rated++
			var comment string
			_ = a.db.QueryRow(ctx, `SELECT comment FROM inspection_ratings WHERE check_id = $1`, ck.ID).Scan(&comment)
			if stars <= 2 && comment != "" {
				lowRated = append(lowRated, ck.ID)
			}
		}
		return nil
	}
	pick := func(ag *demoCheckAgency, n int) []uuid.UUID {
		out := make([]uuid.UUID, 0, n)
		for _, i := range r.Perm(len(ag.officers))[:n] {
			out = append(out, ag.officers[i])
		}
		return out
	}

	// A few hundred checks outside the draws since the plans were accepted, each agency in
	// proportion to its officers, none in the last three days.
	first := yearStart.AddDays(60)
	span := int(today.StartIn().Sub(first.StartIn()).Hours()/24) - 3
	if span > 0 {
		var weights, indexes []int
		for i, ag := range agencies {
			weights, indexes = append(weights, len(ag.officers)), append(indexes, i)
		}
		for i := 0; i < 430; i++ {
			ag := agencies[pickWeighted(r, indexes, func(j int) int { return weights[j] })]
			v := visit{ag: ag, firm: nextFirm(), reason: pickWeighted(r, demoCheckReasons, func(x demoCheckReason) int { return x.weight }).code,
				day: first.AddDays(r.IntN(span)), result: true}
			ordered := ""
			if r.IntN(100) < 5 {
				ordered = fmt.Sprintf("赣市%s函〔%d〕%d号", ag.name[len("青山县"):len("青山县")+3], year, 10+r.IntN(80))
			}
			ck, err := request(v, pick(ag, 2), ordered)
			if err != nil {
				return fmt.Errorf("check %d of %s: %w", i, ag.name, err)
			}
			if ck != nil {
				if err := visitCheck(*ck, v.day, true); err != nil {
					return fmt.Errorf("check %d of %s: %w", i, ag.name, err)
				}
			}
		}
	}

	// Two firms at their cap: market regulation's (2 a year) and emergency management's
	// (3), the last check of the first on a complaint, exempt.
	for _, c := range []struct {
		ag      *demoCheckAgency
		reasons []string
	}{{market, []string{"high_risk", "special", "complaint"}}, {emergency, []string{"high_risk", "special", "high_risk"}}} {
		firm := nextFirm()
		for i, reason := range c.reasons {
			day := today.AddDays(-100 + 30*i)
			ck, err := request(visit{ag: c.ag, firm: firm, reason: reason, day: day}, pick(c.ag, 2), "")
			if err != nil {
				return err
			}
			if err := visitCheck(*ck, day, true); err != nil {
				return err
			}
		}
	}

	// Three joint checks: market regulation with emergency management (twice) and with
	// the agency that comes first otherwise; both heads accept.
	partners := []*demoCheckAgency{emergency, emergency}
	for _, ag := range agencies {
		if ag != market && ag != emergency {
			partners = append(partners, ag)
			break
		}
	}
	for i, other := range partners {
		firm, day := nextFirm(), today.AddDays(-70+25*i)
		var ids []uuid.UUID
		for j, ag := range []*demoCheckAgency{market, other} {
			ck, err := request(visit{ag: ag, firm: firm, reason: []string{"special", "high_risk"}[j], day: day.AddDays(4 * j)}, pick(ag, 2), "")
			if err != nil {
				return err
			}
			ids = append(ids, ck.ID)
		}
		var pid uuid.UUID
		if err := a.db.QueryRow(ctx, `SELECT id FROM inspection_joint_proposals WHERE $1 = ANY(check_ids) AND state = 'proposed'`, ids[0]).Scan(&pid); err != nil {
			return fmt.Errorf("joint proposal: %w", err)
		}
		at(day.AddDays(3), 16, 30) // after the later approval, which proposed it
		var p inspection.JointProposal
		for _, ag := range []*demoCheckAgency{market, other} {
			if p, err = a.inspection.AnswerJoint(ctx, ag.head, pid, true, ""); err != nil {
				return fmt.Errorf("joint answer: %w", err)
			}
		}
		joint, err := a.inspection.FindCheck(ctx, sup, *p.JointID)
		if err != nil {
			return err
		}
		if err := visitCheck(joint, joint.PlannedOn.AddDays(1), true); err != nil {
			return err
		}
		counts.joint++
	}

	// A firm checked by three agencies, one after another, in the last month: the
	// frequency alert's case.
	firm := nextFirm()
	for i, ag := range []*demoCheckAgency{market, partners[2], emergency} {
		day := today.AddDays(-24 + 9*i)
		ck, err := request(visit{ag: ag, firm: firm, reason: "high_risk", day: day}, pick(ag, 2), "")
		if err != nil {
			return err
		}
		if err := visitCheck(*ck, day, true); err != nil {
			return err
		}
	}

	// Low ratings with a comment: the supervisor makes three of them clues.
	for i, id := range lowRated {
		if i == 3 {
			break
		}
		at(today.AddDays(-2+i/2), 10, 15)
		if _, err := a.audit.ClueFromRating(ctx, sup, id); err != nil {
			return fmt.Errorf("clue from a rating: %w", err)
		}
		counts.clues++
	}

	// Today: officer1 has a check to do with its code shown and scanned and one for
	// tomorrow; head1 has two requests waiting; head1 and head2 have a proposal to answer.
	o1, err := a.demoActor(ctx, "officer1")
	if err != nil {
		return err
	}
	// officer1 and a colleague (never officer1 twice, which would leave one officer).
	withO1 := func(int) []uuid.UUID {
		for {
			if p := pick(market, 1); p[0] != *o1.OfficerID {
				return []uuid.UUID{*o1.OfficerID, p[0]}
			}
		}
	}
	ck, err := request(visit{ag: market, firm: nextFirm(), reason: "complaint", day: today}, withO1(2), "")
	if err != nil {
		return err
	}
	if err := visitCheck(*ck, today, false); err != nil {
		return err
	}
	if _, err := request(visit{ag: market, firm: nextFirm(), reason: "followup", day: today.AddDays(1)}, withO1(2), ""); err != nil {
		return err
	}
	for _, d := range []int{3, 6} {
		at(today, 8, 40+d)
		if _, err := a.inspection.RequestCheck(ctx, o1, inspection.CheckRequest{Firm: nextFirm(), MatterIDs: market.matters[:1], Reason: "high_risk",
			ReasonNote: "该企业近三个月被列入经营异常名录后申请移出，需实地核查经营场所。", OfficerIDs: withO1(2)[1:], PlannedOn: today.AddDays(d).String()}); err != nil {
			return err
		}
	}
	shared := nextFirm()
	for j, ag := range []*demoCheckAgency{market, emergency} {
		officers := pick(ag, 2)
		if ag == market {
			officers = withO1(2)
		}
		if _, err := request(visit{ag: ag, firm: shared, reason: []string{"special", "high_risk"}[j], day: today.AddDays(5 + 7*j)}, officers, ""); err != nil {
			return err
		}
	}
	svc.Now = saved

	// The drawn checks' codes: shown before each result was entered, most scanned.
	if _, err := a.db.Exec(ctx, `UPDATE inspection_checks SET code_issued_at = result_at - interval '2 hours',
		scanned_at = CASE WHEN abs(hashtext(id::text)) % 10 <> 0 THEN result_at - interval '110 minutes' END
		WHERE origin = 'draw' AND state = 'done' AND code_issued_at IS NULL`); err != nil {
		return err
	}
	fmt.Fprintf(out, "演示涉企检查已载入：%d 份年度检查计划，计划外检查申请 %d 项（不予批准 %d 项），出示检查码 %d 次、企业扫码 %d 次，完成 %d 项，联合检查 %d 次，企业评价 %d 份（转为监督线索 %d 份）\n",
		len(agencies), counts.requested, counts.refused, counts.coded, counts.scanned, counts.done, counts.joint, counts.rated, counts.clues)
	return nil
}

// demoActor is a demo account as it acts.
func (a *App) demoActor(ctx context.Context, username string) (enforcement.Actor, error) {
	u, err := a.enforcement.Store.FindUserByUsername(ctx, username)
	if err != nil {
		return enforcement.Actor{}, err
	}
	return a.enforcement.Store.FindActor(ctx, u.ID)
}
