package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/inspection"
)

// seedSupervisionYear gives the demo county a year of supervision on top of the first
// clues: the conditions each alert watches for, more clues from every source, twelve
// matters of each kind with their requests and documents answered on time, late and after
// a return, concluded matters and three typical cases.
func (a *App) seedSupervisionYear(ctx context.Context, out io.Writer, now time.Time) error {
	var n int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM supervision_matters`).Scan(&n); err != nil || n > 0 {
		return err
	}
	st, svc := a.enforcement.Store, a.enforcement
	actorOf := func(username string) (enforcement.Actor, error) {
		u, err := st.FindUserByUsername(ctx, username)
		if err != nil {
			return enforcement.Actor{}, err
		}
		return st.FindActor(ctx, u.ID)
	}
	sup, err := actorOf("supervisor1")
	if err != nil {
		return err
	}
	sup2, err := actorOf("supervisor2")
	if err != nil {
		return err
	}
	saved := svc.Now
	defer func() { svc.Now = saved }()
	at := func(daysAgo, hour int) time.Time {
		t := now.AddDate(0, 0, -daysAgo).Truncate(time.Hour).Add(time.Duration(hour-now.Hour()) * time.Hour)
		svc.Now = func() time.Time { return t }
		return t
	}

	// The conditions of the alerts no other part of the demo meets.
	if err := a.seedAlertConditions(ctx, at); err != nil {
		return fmt.Errorf("alert conditions: %w", err)
	}
	if err := a.seedCheckCap(ctx, at); err != nil {
		return fmt.Errorf("checks over a yearly cap: %w", err)
	}
	svc.Now = saved
	if _, err := a.audit.SyncAlerts(ctx); err != nil {
		return err
	}

	// The departments and townships supervised, and who answers for each.
	ags, err := st.ListAgencies(ctx, enforcement.AgencyFilter{Scope: sup.Scope(), Page: enforcement.Page{Number: 1, Size: 500}})
	if err != nil {
		return err
	}
	var supervised []enforcement.Agency
	answerer := map[uuid.UUID]enforcement.Actor{}
	for _, ag := range ags.Items {
		if ag.Kind != enforcement.KindDepartment && ag.Kind != enforcement.KindTownship {
			continue
		}
		var uid uuid.UUID
		err := a.db.QueryRow(ctx, `SELECT id FROM users WHERE agency_id = $1 AND disabled_at IS NULL AND (roles && '{head,reviewer}')
			ORDER BY ('head' = ANY(roles)) DESC, username LIMIT 1`, ag.ID).Scan(&uid)
		if err != nil {
			continue
		}
		if answerer[ag.ID], err = st.FindActor(ctx, uid); err != nil {
			return err
		}
		supervised = append(supervised, ag)
	}
	if len(supervised) < 6 {
		return fmt.Errorf("demo agencies with staff to answer: %d", len(supervised))
	}
	// Put the market regulation bureau first: its head is a demo login.
	for i, ag := range supervised {
		if ag.Name == "青山县市场监督管理局" {
			supervised[0], supervised[i] = supervised[i], supervised[0]
		}
	}

	// More clues: complaints, 12345 tickets, the findings of evaluation and of alerts.
	complaints := []string{
		"执法人员在检查我的饭店时态度粗暴，没有出示证件。",
		"同一违法行为，我被罚 5000 元，隔壁店只被警告。",
		"交通运输执法人员在高速出口拦车检查，要求当场缴纳罚款，不开票据。",
		"自然资源部门对我家老房翻修立案半年多，一直没有处理结果。",
		"乡镇综合执法队拆除我的围墙前没有送达任何文书。",
		"文化市场执法检查网吧时，把我们的营业执照原件带走至今未还。",
		"生态环境部门以夜间施工噪声为由罚款，但当晚没有施工。",
		"卫生健康执法人员检查诊所时要求购买指定的消毒产品。",
		"市场监管所一个月内三次检查同一家药店，每次都是同一个项目。",
		"城管队员查扣我的摊位物品后，没有出具扣押清单。",
	}
	for i, text := range complaints {
		at(330-i*30, 10)
		ag := supervised[i%len(supervised)]
		name, contact := "", ""
		if i%2 == 0 {
			name, contact = "群众"+string(rune('甲'+i)), fmt.Sprintf("1390799%04d", 100+i)
		}
		if _, _, err := a.audit.SubmitComplaint(ctx, audit.Complaint{ClueInput: audit.ClueInput{AgencyID: &ag.ID, Content: text,
			Complainant: name, Contact: contact, Anonymous: name == ""}}); err != nil {
			return err
		}
	}
	var tickets []audit.HotlineTicket
	for i, text := range []string{
		"反映执法人员检查时索要烟酒。", "反映罚款决定书上的金额与实际缴纳的不一致。", "反映执法车辆公车私用。",
		"反映对同类违法行为处罚畸轻畸重。", "反映执法检查过于频繁，影响正常经营。", "反映立案后长期不作出处理决定。",
		"反映执法人员未穿制服、未亮证。", "反映强制拆除前未公告。", "反映罚没物品去向不明。", "反映行政许可办理超过承诺时限。",
	} {
		ag := supervised[(i+3)%len(supervised)]
		tickets = append(tickets, audit.HotlineTicket{TicketNo: fmt.Sprintf("GD2026%02d%02d%05d", 1+i, 10+i, 500+i*37), Agency: ag.Name, Content: text,
			Complainant: "来电人", Contact: fmt.Sprintf("1380799%04d", 200+i)})
	}
	at(200, 9)
	if _, err := a.audit.ImportHotline(ctx, sup, tickets[:5], 1); err != nil {
		return err
	}
	at(60, 9)
	if _, err := a.audit.ImportHotline(ctx, sup, tickets[5:], 1); err != nil {
		return err
	}
	at(40, 15)
	rows, _ := a.db.Query(ctx, `SELECT f.evaluation_id, f.case_id FROM evaluation_files f WHERE f.rating = 'fail' ORDER BY f.scored_at LIMIT 2`)
	var failing [][2]uuid.UUID
	for rows.Next() {
		var e, c uuid.UUID
		if err := rows.Scan(&e, &c); err != nil {
			return err
		}
		failing = append(failing, [2]uuid.UUID{e, c})
	}
	rows.Close()
	for _, f := range failing {
		if _, err := a.audit.ClueFromFile(ctx, sup, f[0], f[1]); err != nil {
			return err
		}
	}
	svc.Now = saved
	alerts, err := a.audit.Alerts(ctx, sup, audit.AlertFilter{Page: enforcement.Page{Number: 1, Size: 200}})
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, al := range alerts.Items {
		if seen[al.Rule] || al.AgencyID == nil || len(seen) == 3 {
			continue
		}
		seen[al.Rule] = true
		if _, err := a.audit.ClueFromAlert(ctx, sup, al.ID); err != nil {
			return err
		}
	}
	for i, text := range []string{"日常监督发现部分案件立案审批表缺少负责人签字。", "发现罚没款票据与缴款记录不一致。",
		"发现个别执法人员年度培训学时不足仍在办案。", "发现行政许可事项公示内容与办理实际不一致。"} {
		at(280-i*60, 15)
		ag := supervised[(i+5)%len(supervised)]
		if _, err := a.audit.RegisterClue(ctx, sup, audit.ClueInput{AgencyID: &ag.ID, Content: text}); err != nil {
			return err
		}
	}

	// Twelve matters of each kind over the year.
	undecided, err := a.audit.Clues(ctx, sup, audit.ClueFilter{State: "registered", Page: enforcement.Page{Number: 1, Size: 200}})
	if err != nil {
		return err
	}
	var fromClues []audit.Clue
	for _, c := range undecided.Items {
		// Not the last weeks' clues: they wait for their decision (the printed complaint too).
		if c.AgencyID != nil && c.CreatedAt.Before(now.AddDate(0, 0, -25)) {
			fromClues = append(fromClues, c)
		}
	}
	var decided []struct {
		id     uuid.UUID
		agency uuid.UUID
	}
	rows, _ = a.db.Query(ctx, `SELECT c.id, c.agency_id FROM cases c JOIN disclosures d ON d.case_id = c.id
		WHERE d.state = 'published' AND c.decided_at < now() - interval '120 days' ORDER BY c.number LIMIT 12`)
	for rows.Next() {
		var x struct {
			id     uuid.UUID
			agency uuid.UUID
		}
		if err := rows.Scan(&x.id, &x.agency); err != nil {
			return err
		}
		decided = append(decided, x)
	}
	rows.Close()
	team := []uuid.UUID{sup2.UserID}
	themes := []string{"行政处罚裁量基准执行情况", "执法全过程记录制度落实情况", "重大执法决定法制审核落实情况", "涉企行政检查规范情况",
		"罚没财物管理情况", "行政执法公示落实情况"}
	published, concludedN, docsN := 0, 0, 0
	for i := 0; i < 36; i++ {
		kind := audit.MatterKindList[i%3][0]
		ago := 340 - i*9
		at(ago, 9)
		var m audit.Matter
		switch {
		case kind == "special":
			var ids []uuid.UUID
			for j := 0; j < 4; j++ {
				ids = append(ids, supervised[(i+j)%len(supervised)].ID)
			}
			theme := themes[(i/3)%len(themes)]
			m, err = a.audit.OpenMatter(ctx, sup, audit.MatterInput{Kind: kind, Title: "2026年" + theme + "专项监督（第 " + fmt.Sprint(i/3+1) + " 批）",
				Basis: "按照县政府年度行政执法监督计划开展", AgencyIDs: ids, SupervisorIDs: team,
				Plan: "一、监督范围：所列单位本年度办结的案件。\n二、方式：按 zhifa-sample-1 随机抽取案卷，调阅执法全过程记录，约谈执法人员。\n三、时间：立项后 30 日内完成。"})
		case len(fromClues) > 0 && i%2 == 0:
			c := fromClues[0]
			fromClues = fromClues[1:]
			m, err = a.audit.OpenFromClue(ctx, sup, c.ID, audit.MatterInput{Kind: kind, SupervisorIDs: team})
		default:
			ag := supervised[i%len(supervised)]
			in := audit.MatterInput{Kind: kind, Title: ag.Name + themes[i%len(themes)] + "监督", Basis: "日常监督中发现需要核查的情况",
				AgencyIDs: []uuid.UUID{ag.ID}, SupervisorIDs: team}
			for _, d := range decided {
				if d.agency == ag.ID {
					in.CaseIDs = []uuid.UUID{d.id}
					break
				}
			}
			m, err = a.audit.OpenMatter(ctx, sup, in)
		}
		if err != nil {
			return fmt.Errorf("matter %d: %w", i, err)
		}
		target := m.Agencies[0]
		who, ok := answerer[target.ID]
		if !ok {
			continue
		}
		at(ago-2, 10)
		req, err := a.audit.RequestMaterials(ctx, sup, m.ID, audit.RequestInput{AgencyID: &target.ID,
			Content: "请提供相关案件的案卷、执法全过程音像记录和裁量说明。", DueDate: svc.Today().AddDays(7).String()})
		if err != nil {
			return fmt.Errorf("request %d: %w", i, err)
		}
		if ago > 12 {
			at(ago-5-(i%4)*2, 14) // every fourth answers after the due date
			if _, err := a.audit.AnswerRequest(ctx, who, req.ID, audit.AnswerInput{Text: "已按要求提供案卷 " + fmt.Sprint(2+i%3) + " 份及音像记录。"}); err != nil {
				return fmt.Errorf("answer %d: %w", i, err)
			}
		}
		if ago < 20 {
			continue
		}
		at(ago-12, 10)
		docKind := audit.DocumentKindList[(i/3)%3][0]
		din := audit.DocumentInput{Kind: docKind, AgencyID: &target.ID, DueDate: svc.Today().AddDays(15).String(),
			Facts:        "经调阅案卷和执法全过程记录，你单位部分案件存在裁量说理不充分、告知程序记录不完整的问题。",
			Basis:        "《行政执法监督条例》的有关规定",
			Requirements: "对所列问题逐项整改，完善裁量说理和告知记录，并组织执法人员学习。"}
		if docKind == "decision" {
			din.Action = "correct"
			for _, l := range m.Links {
				if l.Kind == "case" && i%2 == 0 {
					id := l.RefID
					din.CaseID, din.Action = &id, "revoke"
					din.Facts = "经查，你单位作出的该行政处罚决定适用依据错误，违法事实认定不清。"
					din.Requirements = "自收到本决定书之日起 15 日内依法重新处理，并将结果报告本机关。"
					break
				}
			}
		}
		d, err := a.audit.IssueDocument(ctx, sup, m.ID, din)
		if err != nil {
			return fmt.Errorf("document %d: %w", i, err)
		}
		docsN++
		if _, err := a.audit.FindDocument(ctx, who, d.ID); err != nil { // the read receipt
			return err
		}
		pattern := i % 4
		if pattern == 3 && ago-12 < 60 { // still unanswered: some now overdue
			continue
		}
		answerDay := ago - 12 - 10 // on time
		if pattern == 1 {
			answerDay = ago - 12 - 20 // late
		}
		if answerDay < 1 {
			answerDay = 1
		}
		at(answerDay, 11)
		if _, err := a.audit.AnswerDocument(ctx, who, d.ID, audit.AnswerInput{Text: "已对照问题逐项整改：补充了裁量说理，完善了告知记录，组织了全员培训。"}); err != nil {
			return fmt.Errorf("answer document %d: %w", i, err)
		}
		if pattern == 2 && answerDay > 4 {
			at(answerDay-1, 16)
			if _, err := a.audit.JudgeAnswer(ctx, sup, d.ID, "returned", "整改报告未附培训签到表和整改后的案卷，请补充后重报。"); err != nil {
				return err
			}
			answerDay -= 3
			at(answerDay, 11)
			if _, err := a.audit.AnswerDocument(ctx, who, d.ID, audit.AnswerInput{Text: "补充培训签到表和整改后的案卷 2 份。"}); err != nil {
				return err
			}
		}
		if answerDay < 2 {
			continue
		}
		at(answerDay-1, 15)
		if _, err := a.audit.JudgeAnswer(ctx, sup2, d.ID, "accepted", "整改到位。"); err != nil {
			return err
		}
		m, err = a.audit.FindMatter(ctx, sup, m.ID)
		if err != nil {
			return err
		}
		if m.Open.Requests > 0 || m.Open.Documents > 0 || answerDay < 10 {
			continue
		}
		at(answerDay-3, 16)
		conclusion := "经监督，" + target.Name + "已按" + d.KindLabel() + "要求完成整改，本事项办结。"
		if _, err := a.audit.ConcludeMatter(ctx, sup, m.ID, conclusion); err != nil {
			return fmt.Errorf("conclude %d: %w", i, err)
		}
		concludedN++
		if published < 3 && (i%3 == published) {
			at(answerDay-4, 10)
			if _, err := a.audit.PublishMatter(ctx, sup, m.ID, audit.PublishInput{Title: m.KindLabel() + "典型案例：" + themes[i%len(themes)],
				Text: "监督发现" + target.Name + "在" + themes[i%len(themes)] + "方面存在问题：" + din.Facts}); err != nil {
				return err
			}
			published++
		}
	}
	// The latest special campaign still open has drawn its sample of penalty files, two
	// of each agency, for its supervisors to score.
	var special uuid.UUID
	if err := a.db.QueryRow(ctx, `SELECT id FROM supervision_matters WHERE kind = 'special' AND state = 'open' ORDER BY opened_at DESC LIMIT 1`).
		Scan(&special); err != nil {
		return fmt.Errorf("an open special campaign: %w", err)
	}
	at(1, 10)
	today := svc.Today()
	if _, _, err := a.audit.DrawMatterSample(ctx, sup, special, audit.MatterSampleInput{PeriodFrom: fmt.Sprintf("%d-01-01", today.Year),
		PeriodTo: today.String(), CaseKinds: []string{"penalty"}, SampleSize: 2, Witness: "demo"}); err != nil {
		return fmt.Errorf("the special campaign's sample: %w", err)
	}
	svc.Now = saved
	res, err := a.audit.SyncAlerts(ctx)
	if err != nil {
		return err
	}
	var clues int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM supervision_clues`).Scan(&clues); err != nil {
		return err
	}
	fmt.Fprintf(out, "演示行政执法监督：线索 %d 条，监督事项 36 项（已办结 %d 项，典型案例 %d 个），监督文书 %d 份，未关闭预警 %d 条\n",
		clues, concludedN, published, docsN, res.Open)
	return nil
}

// seedAlertConditions makes the records meet the alerts no other part of the demo meets: a
// seizure past 30 days and an evidence preservation past 7 without a decision, a handler
// whose certificate lapsed during the case, and a party from outside the region.
func (a *App) seedAlertConditions(ctx context.Context, at func(int, int) time.Time) error {
	st := a.enforcement.Store
	var open []uuid.UUID
	rows, _ := a.db.Query(ctx, `SELECT c.id FROM cases c JOIN agencies ag ON ag.id = c.agency_id
		WHERE c.state = 'investigating' AND c.decided_at IS NULL AND ag.name = '青山县市场监督管理局' ORDER BY c.number LIMIT 4`)
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return err
		}
		open = append(open, id)
	}
	rows.Close()
	if len(open) < 3 {
		return fmt.Errorf("open market cases: %d", len(open))
	}
	measure := func(id uuid.UUID, code, reason string, daysAgo int) error {
		t := at(daysAgo, 10)
		m, _ := enforcement.MeasureByCode(code)
		_, err := st.UpdateCase(ctx, id, func(c *enforcement.Case) (*enforcement.TimelineEntry, error) {
			c.Measures = append(c.Measures, code)
			return &enforcement.TimelineEntry{Stage: c.State, Kind: "measure", Note: "采取执法措施：" + m.Label + "（" + reason + "）",
				Data: map[string]any{"measure": code}, OccurredAt: t}, nil
		})
		return err
	}
	if err := measure(open[0], "seizure", "扣押涉嫌过期食品 36 箱", 41); err != nil {
		return err
	}
	if err := measure(open[1], "preservation", "先行登记保存进货台账", 12); err != nil {
		return err
	}
	// A handler's certificate lapsed while the case is open.
	var officer uuid.UUID
	if err := a.db.QueryRow(ctx, `SELECT h.officer_id FROM case_handlers h JOIN officers o ON o.id = h.officer_id
		WHERE h.case_id = $1 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.officer_id = o.id) LIMIT 1`, open[2]).Scan(&officer); err != nil {
		return err
	}
	today := enforcement.DateOf(time.Now())
	if _, err := st.UpdateOfficer(ctx, officer, func(o *enforcement.Officer) error {
		o.CertValidUntil = today.AddDays(-4)
		return nil
	}); err != nil {
		return err
	}
	// A party from another province, filed three weeks ago.
	var by enforcement.Actor
	u, err := st.FindUserByUsername(ctx, "officer1")
	if err != nil {
		return err
	}
	if by, err = st.FindActor(ctx, u.ID); err != nil {
		return err
	}
	var o2 uuid.UUID
	if err := a.db.QueryRow(ctx, `SELECT officer_id FROM users WHERE username = 'officer2'`).Scan(&o2); err != nil {
		return err
	}
	first := "44030519850612003"
	filed := at(21, 9)
	_, err = st.CreateCase(ctx, enforcement.CaseInput{AgencyID: by.AgencyID, Kind: "penalty", Cause: "销售不符合食品安全标准的食品",
		LegalBasis: "《中华人民共和国食品安全法》", HandlerIDs: []uuid.UUID{*by.OfficerID, o2},
		Parties: []enforcement.Party{{Type: "person", Name: "深圳某商贸经营者", IDNumber: first + string(enforcement.IDCheckChar(first)),
			Address: "广东省深圳市南山区"}},
		OccurredAt: filed.Add(-48 * time.Hour), Location: "青山县城关镇物流园"}, by, filed)
	return err
}

// seedCheckCap draws the hazardous-chemicals dealers twice: a task that allows each at
// most one check a year, then a later task without that cap, so some are checked twice.
func (a *App) seedCheckCap(ctx context.Context, at func(int, int) time.Time) error {
	admin, err := a.demoAdmin(ctx)
	if err != nil {
		return err
	}
	var market, matter uuid.UUID
	if err := a.db.QueryRow(ctx, `SELECT ag.id, m.id FROM agencies ag JOIN inspection_matters m ON m.agency_id = ag.id
		WHERE ag.name = '青山县市场监督管理局' ORDER BY m.name LIMIT 1`).Scan(&market, &matter); err != nil {
		return err
	}
	for _, p := range []struct {
		name    string
		cap     int
		ago     int
		witness string
	}{
		{"2026年第三季度危险化学品经营单位抽查", 1, 45, "福彩3D 2026230期开奖号码 4 4 9"},
		{"2026年第四季度危险化学品经营单位安全专项检查", 0, 16, "现场掷骰 5 2 6 1 3"},
	} {
		at(p.ago, 9)
		t, err := a.inspection.CreateTask(ctx, admin, inspection.TaskInput{Name: p.name, MatterIDs: []uuid.UUID{matter},
			AgencyIDs: []uuid.UUID{market}, Filter: inspection.PoolFilter{Industry: "危险化学品经营"},
			Counts: map[string]int{"A": 24}, InspectorsPerTarget: 2, YearlyCap: p.cap, DueDate: a.enforcement.Today().AddDays(60).String()})
		if err != nil {
			return err
		}
		at(p.ago-1, 10)
		if _, err := a.inspection.Draw(ctx, admin, t.ID, inspection.DrawInput{Witness: p.witness}); err != nil {
			return err
		}
	}
	return nil
}
