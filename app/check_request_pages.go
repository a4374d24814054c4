package app

import (
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/fault"
	"zhifa/inspection"
)

// The pages of checks outside a draw: an officer's request, the head's approvals.

func (a *App) checkRequestPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/inspection/checks/new", append(login, a.newCheckPage)...)
	srv.Post("/inspection/checks/new", append(write, a.newCheckSubmit)...)
	srv.Get("/inspection/requests", append(login, a.checkRequestsPage)...)
	srv.Post("/inspection/checks/:id/decide", append(write, a.decideCheckSubmit)...)
	a.planPageRoutes(srv, login, write)
	a.jointPageRoutes(srv, login, write)
}

// GET /inspection/checks/new — the request form, with the agency's matters and officers.
func (a *App) newCheckPage(c *fiber.Ctx) error {
	return a.renderNewCheck(c, fiber.Map{"Typed": map[string]string{"planned_on": a.enforcement.Today().String()}, "Picked": map[string]bool{}})
}

func (a *App) renderNewCheck(c *fiber.Ctx, data fiber.Map) error {
	ctx, act := c.UserContext(), actor(c)
	if act.OfficerID == nil {
		return fault.New(fault.Forbidden, "只有执法人员可以申请检查")
	}
	matters, err := a.inspection.Matters(ctx, inspection.MatterFilter{AgencyID: &act.AgencyID, Page: enforcement.Page{Number: 1, Size: 200}})
	if err != nil {
		return err
	}
	officers, err := a.enforcement.Store.ListOfficers(ctx, enforcement.OfficerFilter{Scope: act.Scope(), AgencyID: &act.AgencyID,
		Status: enforcement.OfficerActive, Today: a.enforcement.Today(), Page: enforcement.Page{Number: 1, Size: 500}})
	if err != nil {
		return err
	}
	data["Matters"], data["Officers"], data["Reasons"], data["MyOfficer"] = matters.Items, officers.Items, inspection.CheckReasons, *act.OfficerID
	return c.Render("inspection_check_new", a.view(c, "申请计划外检查", data))
}

// POST /inspection/checks/new
func (a *App) newCheckSubmit(c *fiber.Ctx) error {
	in := inspection.CheckRequest{Firm: c.FormValue("firm"), Reason: c.FormValue("reason"), ReasonNote: c.FormValue("reason_note"),
		OrderedBy: c.FormValue("ordered_by"), PlannedOn: c.FormValue("planned_on")}
	picked := map[string]bool{}
	args := c.Request().PostArgs()
	for _, pair := range []struct {
		name string
		dst  *[]uuid.UUID
	}{{"matter_ids", &in.MatterIDs}, {"officer_ids", &in.OfficerIDs}} {
		for _, v := range args.PeekMulti(pair.name) {
			id, err := parseUUIDField(pair.name, string(v))
			if err != nil {
				return err
			}
			*pair.dst, picked[id.String()] = append(*pair.dst, id), true
		}
	}
	ck, err := a.inspection.RequestCheck(c.UserContext(), actor(c), in)
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Picked"] = typedForm(c), picked
		return a.renderNewCheck(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/inspection/checks/"+ck.ID.String(), "已提交本单位负责人审批；批准后本页显示检查码")
}

// GET /inspection/requests — the head's approvals, waiting first.
func (a *App) checkRequestsPage(c *fiber.Ctx) error {
	return a.renderCheckRequests(c, fiber.Map{"Typed": map[string]string{}, "Form": ""})
}

func (a *App) renderCheckRequests(c *fiber.Ctx, data fiber.Map) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.Requests(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	data["List"], data["Pager"] = l, pager(c, p, l.Total)
	return c.Render("inspection_requests", a.view(c, "检查审批", data))
}

// POST /inspection/checks/{id}/decide {decision: approve|refuse, reason}
func (a *App) decideCheckSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	approve := c.FormValue("decision") == "approve"
	ck, err := a.inspection.DecideCheck(c.UserContext(), actor(c), id, approve, c.FormValue("reason"))
	if data, ok := formError(err); ok {
		// The error at the top of the request's own form, with the reason as typed.
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Form"] = typedForm(c), id.String()
		return a.renderCheckRequests(c, data)
	}
	if err != nil {
		return err
	}
	msg := "已批准：" + ck.TargetName + "，检查人员可出示检查码"
	if !approve {
		msg = "已不予批准：" + ck.TargetName
	}
	return redirectFlash(c, "/inspection/requests", msg)
}

// The annual inspection plans page: an agency writes and files its plan; the justice
// bureau's supervisors accept or return the region's.

func (a *App) planPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/inspection/plans", append(login, a.plansPage)...)
	srv.Post("/inspection/plans", append(write, a.savePlanSubmit)...)
	srv.Post("/inspection/plans/:id/move", append(write, a.movePlanSubmit)...)
}

func (a *App) plansPage(c *fiber.Ctx) error {
	year := c.QueryInt("year", a.enforcement.Today().Year)
	return a.renderPlans(c, fiber.Map{"Typed": map[string]string{"year": strconv.Itoa(year), "random_share": "80", "yearly_cap": "2",
		"period_from": fmt.Sprintf("%d-01-01", year), "period_to": fmt.Sprintf("%d-12-31", year)}, "Picked": map[string]bool{"double_random": true}, "Form": ""})
}

// ownPlan puts the agency's plan of the year in the form: a draft or a returned plan as
// it stands (unless a refused form brought what was typed), or, once filed or accepted,
// no form but what it is.
func ownPlan(data fiber.Map, act enforcement.Actor, plans []inspection.Plan) {
	for _, p := range plans {
		if p.AgencyID != act.AgencyID {
			continue
		}
		if p.State == "filed" || p.State == "accepted" {
			data["Locked"] = p.StateLabel()
			return
		}
		if data["Form"] == "plan" {
			return
		}
		picked := map[string]bool{}
		for _, m := range p.Methods {
			picked[m] = true
		}
		for _, id := range p.MatterIDs {
			picked[id.String()] = true
		}
		data["Typed"] = map[string]string{"year": strconv.Itoa(p.Year), "random_share": strconv.Itoa(p.RandomShare), "yearly_cap": strconv.Itoa(p.YearlyCap),
			"period_from": p.PeriodFrom.String(), "period_to": p.PeriodTo.String(), "note": p.Note}
		data["Picked"] = picked
		return
	}
}

func (a *App) renderPlans(c *fiber.Ctx, data fiber.Map) error {
	ctx, act := c.UserContext(), actor(c)
	year := c.QueryInt("year", a.enforcement.Today().Year)
	if y, ok := data["Year"].(int); ok && y != 0 { // a form's own year, when it failed
		year = y
	}
	l, err := a.inspection.Plans(ctx, &act, year, enforcement.Page{Number: 1, Size: 200})
	if err != nil {
		return err
	}
	canWrite := act.Has(enforcement.RoleHead) || act.Has(enforcement.RoleAdmin)
	if canWrite {
		ownPlan(data, act, l.Items)
		matters, err := a.inspection.Matters(ctx, inspection.MatterFilter{AgencyID: &act.AgencyID, Page: enforcement.Page{Number: 1, Size: 200}})
		if err != nil {
			return err
		}
		data["Matters"] = matters.Items
	}
	data["List"], data["Year"], data["CanWrite"], data["CanReview"], data["Methods"] = l, year, canWrite, act.Has(enforcement.RoleSupervisor), inspection.PlanMethods
	return c.Render("inspection_plans", a.view(c, "年度检查计划", data))
}

// POST /inspection/plans — the agency's plan for a year, saved as a draft.
func (a *App) savePlanSubmit(c *fiber.Ctx) error {
	in := inspection.PlanInput{PeriodFrom: c.FormValue("period_from"), PeriodTo: c.FormValue("period_to"), Note: c.FormValue("note")}
	picked := map[string]bool{}
	err := func() error {
		// The ticked boxes first: a refusal below re-renders them as they were.
		args := c.Request().PostArgs()
		for _, v := range args.PeekMulti("methods") {
			in.Methods, picked[string(v)] = append(in.Methods, string(v)), true
		}
		for _, v := range args.PeekMulti("matter_ids") {
			id, err := parseUUIDField("matter_ids", string(v))
			if err != nil {
				return err
			}
			in.MatterIDs, picked[id.String()] = append(in.MatterIDs, id), true
		}
		var err error
		if in.Year, err = strconv.Atoi(c.FormValue("year")); err != nil {
			return fault.Field("year", "请填写计划年度，如 2027")
		}
		if in.RandomShare, err = strconv.Atoi(c.FormValue("random_share")); err != nil {
			return fault.Field("random_share", "双随机抽查占比应为 0 到 100 的整数")
		}
		if in.YearlyCap, err = strconv.Atoi(c.FormValue("yearly_cap")); err != nil {
			return fault.Field("yearly_cap", "同一企业年度检查次数上限应为整数")
		}
		_, err = a.inspection.SavePlan(c.UserContext(), actor(c), in)
		return err
	}()
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Picked"], data["Form"], data["Year"] = typedForm(c), picked, "plan", in.Year
		return a.renderPlans(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, fmt.Sprintf("/inspection/plans?year=%d", in.Year), fmt.Sprintf("已保存 %d 年度检查计划，确认无误后请报备", in.Year))
}

// POST /inspection/plans/{id}/move {move: file|accept|return, reason}
func (a *App) movePlanSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	move := c.FormValue("move")
	p, err := a.inspection.PlanMove(c.UserContext(), actor(c), id, move, c.FormValue("reason"))
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Picked"], data["Form"], data["Year"] = typedForm(c), map[string]bool{}, id.String(), p.Year
		return a.renderPlans(c, data)
	}
	if err != nil {
		return err
	}
	msg := map[string]string{"file": "已报备司法局审查", "accept": "已审查通过，计划已公开", "return": "已退回"}[move]
	if move == "file" && p.Late {
		msg += "（已过报备截止日 " + p.FilingDue.String() + "，标记为逾期报备）"
	}
	return redirectFlash(c, fmt.Sprintf("/inspection/plans?year=%d", p.Year), p.AgencyName+" "+strconv.Itoa(p.Year)+" 年度检查计划"+msg)
}
