package app

import (
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
