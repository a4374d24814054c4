package app

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"zhifa/audit"
	"zhifa/enforcement"
)

// DemoTrackingCode is the tracking code of the demo's first complaint, printed by the seed
// so a tester can follow it on the portal.
const DemoTrackingCode = "QSSF-2345-DEMA"

// seedSupervision registers a season of clues: complaints from the portal, 12345 tickets
// and supervisors' own findings, some decided (closed with a reply, transferred, merged),
// some waiting, one past its deadline.
func (a *App) seedSupervision(ctx context.Context, out io.Writer, now time.Time) error {
	var n int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM supervision_clues`).Scan(&n); err != nil || n > 0 {
		return err
	}
	u, err := a.enforcement.Store.FindUserByUsername(ctx, "supervisor1")
	if err != nil {
		return err
	}
	sup, err := a.enforcement.Store.FindActor(ctx, u.ID)
	if err != nil {
		return err
	}
	agency := func(name string) *enforcement.Agency {
		l, err := a.enforcement.Store.ListAgencies(ctx, enforcement.AgencyFilter{Scope: sup.Scope(), Q: name, Page: enforcement.Page{Number: 1, Size: 1}})
		if err != nil || len(l.Items) == 0 {
			return nil
		}
		return &l.Items[0]
	}
	market, urban := agency("青山县市场监督管理局"), agency("青山县城市管理局")
	if market == nil || urban == nil {
		return fmt.Errorf("demo agencies missing")
	}
	svc := a.enforcement
	saved := svc.Now
	defer func() { svc.Now = saved; a.audit.TrackingCode = nil }()
	at := func(daysAgo, hour int) {
		t := now.AddDate(0, 0, -daysAgo).Truncate(time.Hour).Add(time.Duration(hour-now.Hour()) * time.Hour)
		svc.Now = func() time.Time { return t }
	}
	complaint := func(daysAgo int, ag *enforcement.Agency, content, name, contact string) (audit.Clue, error) {
		at(daysAgo, 10)
		in := audit.Complaint{ClueInput: audit.ClueInput{AgencyID: &ag.ID, Content: content, Complainant: name, Contact: contact, Anonymous: name == ""}}
		c, _, err := a.audit.SubmitComplaint(ctx, in)
		a.audit.TrackingCode = nil // only the first complaint has the printed code
		return c, err
	}
	a.audit.TrackingCode = func() string { return strings.ReplaceAll(DemoTrackingCode, "-", "") }
	c1, err := complaint(20, urban, "11月上旬，城管执法队员在老街夜市检查时未出示执法证件，当场收走我的三轮车，没有开具任何清单。", "陈某", "13907990001")
	if err != nil {
		return err
	}
	c2, err := complaint(16, market, "市场监管所检查时要求我店购买指定厂家的电子秤，否则以计量器具不合格罚款。", "", "")
	if err != nil {
		return err
	}
	if _, err := complaint(3, market, "同一家超市一个月内被市场监管所检查了四次，每次都查同样的项目。", "刘某", "13907990003"); err != nil {
		return err
	}
	at(12, 9)
	res, err := a.audit.ImportHotline(ctx, sup, []audit.HotlineTicket{
		{TicketNo: "GD2026110300118", Agency: urban.Name, Content: "反映城管在早市对流动摊贩罚款后不给票据。", OccurredOn: now.AddDate(0, 0, -14).Format("2006-01-02"), Complainant: "张某", Contact: "13907990011"},
		{TicketNo: "GD2026110500236", Agency: market.Name, Content: "反映市场监管部门对小餐馆的处罚明显重于同类店铺。", Complainant: "", Contact: ""},
		{TicketNo: "GD2026111200407", Agency: urban.Name, Content: "反映城管局在夜市收走的三轮车至今未归还。", Complainant: "陈某", Contact: "13907990001"},
	}, 1)
	if err != nil {
		return err
	}
	if len(res.Errors) > 0 {
		return fmt.Errorf("demo tickets: %v", res.Errors)
	}
	at(6, 15)
	if _, err := a.audit.RegisterClue(ctx, sup, audit.ClueInput{AgencyID: &market.ID,
		Content: "日常监督中发现该局今年上半年 3 件食品案件的罚款幅度相差较大，裁量说理不充分。"}); err != nil {
		return err
	}
	list, err := a.audit.Clues(ctx, sup, audit.ClueFilter{Page: enforcement.Page{Number: 1, Size: 50}})
	if err != nil {
		return err
	}
	byTicket := map[string]audit.Clue{}
	for _, c := range list.Items {
		if c.TicketNo != nil {
			byTicket[*c.TicketNo] = c
		}
	}
	decide := func(daysAgo int, c audit.Clue, action string, d audit.ClueDecision) error {
		at(daysAgo, 16)
		_, err := a.audit.DecideClue(ctx, sup, c.ID, action, d)
		return err
	}
	if err := decide(10, byTicket["GD2026111200407"], "merge", audit.ClueDecision{Into: c1.Number, Reason: "与群众投诉反映的同一事实，一并核查"}); err != nil {
		return err
	}
	if err := decide(9, c2, "close", audit.ClueDecision{Reason: "调阅执法记录仪视频和检查笔录，检查人员仅告知计量器具须经检定，未推荐厂家",
		PublicReply: "经调阅执法全过程记录，未发现执法人员要求购买指定厂家产品的情况，不予立项。您如有新的证据，可再次反映。"}); err != nil {
		return err
	}
	if err := decide(7, byTicket["GD2026110300118"], "transfer", audit.ClueDecision{To: "县财政局（罚没票据管理）", Reason: "反映的是罚没票据使用问题，属财政部门职责",
		PublicReply: "您反映的罚款票据问题已转县财政局依职责处理。"}); err != nil {
		return err
	}
	fmt.Fprintf(out, "演示监督线索已登记：群众投诉 3 件（查询码 %s）、12345 转办 3 件、监督人员发现 1 件\n", DemoTrackingCode)
	return nil
}
