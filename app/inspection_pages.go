package app

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
	"zhifa/inspection"
)

func (a *App) inspectionPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/inspection", append(login, a.tasksPage)...)
	srv.Get("/inspection/tasks/new", append(login, a.newTaskPage)...)
	srv.Post("/inspection/tasks/new", append(write, a.newTaskSubmit)...)
	srv.Get("/inspection/tasks/:id", append(login, a.taskPage)...)
	srv.Get("/inspection/tasks/:id/print", append(login, a.taskPrintPage)...)
	srv.Post("/inspection/tasks/:id/draw", append(write, a.drawSubmit)...)
	srv.Post("/inspection/tasks/:id/redraw", append(write, a.redrawSubmit)...)
	srv.Post("/inspection/draws/:id/cancel", append(write, a.cancelDrawSubmit)...)
	srv.Get("/inspection/checks", append(login, a.checksPage)...)
	a.checkRequestPageRoutes(srv, login, write) // before /inspection/checks/:id, which /new would match
	srv.Get("/inspection/checks/:id", append(login, a.checkPage)...)
	srv.Post("/inspection/checks/:id/record", append(write, a.checkRecordSubmit)...)
	srv.Post("/inspection/checks/:id/result", append(write, a.checkResultSubmit)...)
	srv.Get("/inspection/checks/:id/followup", append(login, a.followupPage)...)
	srv.Post("/inspection/checks/:id/followup", append(write, a.followupSubmit)...)
}

func (a *App) publicInspectionPageRoutes(pub fiber.Router) {
	pub.Get("/draws", a.publicDrawsPage)
	pub.Get("/draws/:id", a.publicDrawPage)
	pub.Get("/draws/:id/verify", a.publicVerifyPage)
	pub.Get("/results", a.portalPage)
	pub.Get("/lottery.md", a.publicSpecification)
}

// GET /public/lottery.md — the draw algorithm's specification.
func (a *App) publicSpecification(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
	return c.SendString(inspection.Specification)
}

func canDraw(act enforcement.Actor) bool {
	return act.Has(enforcement.RoleSupervisor) || act.Has(enforcement.RoleAdmin)
}

// GET /inspection — the region's tasks, newest first.
func (a *App) tasksPage(c *fiber.Ctx) error {
	act := actor(c)
	if !canDraw(act) {
		return c.Redirect("/inspection/checks", fiber.StatusSeeOther)
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	state := inspection.TaskState(c.Query("state"))
	l, err := a.inspection.Tasks(c.UserContext(), regionOf(act), inspection.TaskFilter{State: state, Page: p})
	if err != nil {
		return err
	}
	floor, err := a.inspection.Floor(c.UserContext(), act.RegionCode)
	if err != nil {
		return err
	}
	states := []inspection.TaskState{inspection.TaskFrozen, inspection.TaskDrawn, inspection.TaskCancelled}
	return c.Render("inspection_tasks", a.view(c, "双随机抽查", fiber.Map{"List": l, "State": string(state), "States": states,
		"Floor": floor, "Pager": pager(c, p, l.Total)}))
}

// taskForm is the new-task form as typed, to fill it again after an error.
type taskForm struct {
	Name, Type, RegionCode, Industry, Field, Mode, DueDate string
	PerTarget, ExcludeDays, YearlyCap                      string
	Quota                                                  map[string]string
	Matters, Agencies                                      map[string]bool
}

func (a *App) renderNewTask(c *fiber.Ctx, f taskForm, data fiber.Map) error {
	ctx, act := c.UserContext(), actor(c)
	if !canDraw(act) {
		return fault.New(fault.Forbidden, "只有执法监督人员或管理员可以创建抽查任务")
	}
	// The pick-lists search the server; the page shows only what is chosen.
	var ags []enforcement.Agency
	for id := range f.Agencies {
		if uid, err := uuid.Parse(id); err == nil {
			if ag, err := a.enforcement.FindAgency(ctx, act, uid); err == nil {
				ags = append(ags, ag)
			}
		}
	}
	slices.SortFunc(ags, func(x, y enforcement.Agency) int { return strings.Compare(x.Name, y.Name) })
	ids := []uuid.UUID{}
	for id := range f.Matters {
		if uid, err := uuid.Parse(id); err == nil {
			ids = append(ids, uid)
		}
	}
	ms, err := a.inspection.Matters(ctx, inspection.MatterFilter{RegionPrefix: regionOf(act), IDs: ids, Page: enforcement.Page{Number: 1, Size: 200}})
	if err != nil {
		return err
	}
	floor, err := a.inspection.Floor(ctx, act.RegionCode)
	if err != nil {
		return err
	}
	data["Form"], data["Agencies"], data["Matters"], data["Risks"], data["Floor"] = f, ags, ms.Items, inspection.Risks, floor
	return c.Render("inspection_task_new", a.view(c, "新建抽查任务", data))
}

// GET /inspection/tasks/new
func (a *App) newTaskPage(c *fiber.Ctx) error {
	due := a.enforcement.Today().AddDays(60).String()
	return a.renderNewTask(c, taskForm{Mode: "ratios", PerTarget: "2", DueDate: due, ExcludeDays: "0", YearlyCap: "0",
		Quota: map[string]string{"A": "10", "B": "5", "C": "3", "D": "3"}}, fiber.Map{})
}

// POST /inspection/tasks/new: the form's fields become the API's task input; percentages
// are typed as people think of them.
func (a *App) newTaskSubmit(c *fiber.Ctx) error {
	args := c.Request().PostArgs()
	f := taskForm{Name: c.FormValue("name"), Type: c.FormValue("type"), RegionCode: c.FormValue("region_code"),
		Industry: c.FormValue("industry"), Field: c.FormValue("inspector_field"), Mode: c.FormValue("mode"),
		DueDate: c.FormValue("due_date"), PerTarget: c.FormValue("inspectors_per_target"),
		ExcludeDays: c.FormValue("exclude_days"), YearlyCap: c.FormValue("yearly_cap"),
		Quota: map[string]string{}, Matters: map[string]bool{}, Agencies: map[string]bool{}}
	in := inspection.TaskInput{Name: f.Name, InspectorField: f.Field, DueDate: f.DueDate,
		Filter: inspection.PoolFilter{Type: f.Type, RegionCode: f.RegionCode, Industry: f.Industry}}
	err := func() error {
		for _, v := range args.PeekMulti("matter_ids") {
			id, err := parseUUIDField("matter_ids", string(v))
			if err != nil {
				return err
			}
			in.MatterIDs, f.Matters[id.String()] = append(in.MatterIDs, id), true
		}
		for _, v := range args.PeekMulti("agency_ids") {
			id, err := parseUUIDField("agency_ids", string(v))
			if err != nil {
				return err
			}
			in.AgencyIDs, f.Agencies[id.String()] = append(in.AgencyIDs, id), true
		}
		for _, r := range inspection.Risks {
			s := strings.TrimSpace(c.FormValue("quota_" + r))
			f.Quota[r] = s
			if s == "" {
				continue
			}
			if f.Mode == "counts" {
				n, err := strconv.Atoi(s)
				if err != nil {
					return fault.Field("counts", "%s 类的抽查数量应为整数", r)
				}
				if in.Counts == nil {
					in.Counts = map[string]int{}
				}
				in.Counts[r] = n
				continue
			}
			pct, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return fault.Field("ratios", "%s 类的抽查比例应为百分数，如 3 或 2.5", r)
			}
			if in.Ratios == nil {
				in.Ratios = map[string]float64{}
			}
			in.Ratios[r] = pct / 100
		}
		for _, n := range []struct {
			field, text string
			dst         *int
		}{{"inspectors_per_target", f.PerTarget, &in.InspectorsPerTarget},
			{"exclude_inspected_within_days", f.ExcludeDays, &in.ExcludeDays}, {"yearly_cap", f.YearlyCap, &in.YearlyCap}} {
			if s := strings.TrimSpace(n.text); s != "" {
				v, err := strconv.Atoi(s)
				if err != nil {
					return fault.Field(n.field, "请填写整数")
				}
				*n.dst = v
			}
		}
		return nil
	}()
	var t inspection.Task
	if err == nil {
		ctx, cancel := contextFor(2 * a.cfg.RequestTimeout)
		defer cancel()
		t, err = a.inspection.CreateTask(ctx, actor(c), in)
	}
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderNewTask(c, f, data)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/inspection/tasks/"+t.ID.String(), "已创建任务并冻结抽查名录，种子承诺已公开，可以抽取")
}

// taskView loads a task with its draw and a page of the drawn targets.
func (a *App) taskView(c *fiber.Ctx, size int) (fiber.Map, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	ctx, act := c.UserContext(), actor(c)
	t, err := a.inspection.FindTask(ctx, act, id)
	if err != nil {
		return nil, err
	}
	data := fiber.Map{"Task": t, "CanDraw": canDraw(act)}
	if data["MatterNames"], data["AgencyNames"], err = a.inspection.Names(ctx, &t); err != nil {
		return nil, err
	}
	if t.DrawID != nil {
		d, err := a.inspection.FindDraw(ctx, *t.DrawID)
		if err != nil {
			return nil, err
		}
		sel, pg, err := a.selectedPage(c, d.ID, size)
		if err != nil {
			return nil, err
		}
		data["Draw"], data["Selected"], data["Pager"] = d, sel, pg
	}
	return data, nil
}

// selectedPage is the page the request asks for of a draw's targets, size to a page
// (0: the request's own page size).
func (a *App) selectedPage(c *fiber.Ctx, drawID uuid.UUID, size int) (enforcement.List[inspection.SelectedItem], pagerView, error) {
	p, err := pageOf(c)
	if err != nil {
		return enforcement.List[inspection.SelectedItem]{}, pagerView{}, err
	}
	if size > 0 {
		p.Size = size
	}
	sel, err := a.inspection.Selected(c.UserContext(), drawID, p)
	return sel, pager(c, p, sel.Total), err
}

// GET /inspection/tasks/{id} — before the draw, the frozen pool and the ceremony form;
// after it, the result with its assignment list.
func (a *App) taskPage(c *fiber.Ctx) error {
	data, err := a.taskView(c, 50)
	if err != nil {
		return err
	}
	return a.renderTask(c, data)
}

func (a *App) renderTask(c *fiber.Ctx, data fiber.Map) error {
	t := data["Task"].(inspection.Task)
	return c.Render("inspection_task", a.view(c, t.Name, data))
}

// GET /inspection/tasks/{id}/print — the assignment list on paper, 1,000 targets a page.
func (a *App) taskPrintPage(c *fiber.Ctx) error {
	data, err := a.taskView(c, 1000)
	if err != nil {
		return err
	}
	if data["Draw"] == nil {
		return fault.New(fault.NotFound, "该任务尚未抽取")
	}
	data["Printed"], data["By"] = time.Now(), actor(c).Name
	return c.Render("inspection_print", data, "")
}

// POST /inspection/tasks/{id}/draw — the ceremony's button.
func (a *App) drawSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx, cancel := contextFor(2 * a.cfg.RequestTimeout)
	defer cancel()
	d, err := a.inspection.Draw(ctx, actor(c), id, inspection.DrawInput{Witness: c.FormValue("witness")})
	if data, ok := formError(err); ok {
		view, verr := a.taskView(c, 50)
		if verr != nil {
			return verr
		}
		for k, v := range data {
			view[k] = v
		}
		view["Witness"] = c.FormValue("witness")
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderTask(c, view)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/inspection/tasks/"+id.String(), "抽取完成：抽中 "+strconv.Itoa(d.SelectedCount)+" 个检查对象，结果已公开")
}

// POST /inspection/draws/{id}/cancel
func (a *App) cancelDrawSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.inspection.Cancel(c.UserContext(), actor(c), id, inspection.CancelInput{Reason: c.FormValue("reason")})
	if fault.KindOf(err) == fault.Invalid || fault.KindOf(err) == fault.Conflict {
		fe, _, _ := classify(err)
		dr, ferr := a.inspection.FindDraw(c.UserContext(), id)
		if ferr != nil {
			return ferr
		}
		return redirectFlash(c, "/inspection/tasks/"+dr.TaskID.String(), "未能作废："+fe.Message)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/inspection/tasks/"+d.TaskID.String(), "本次抽取已作废，理由已公开；可以重新抽取")
}

// POST /inspection/tasks/{id}/redraw
func (a *App) redrawSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx, cancel := contextFor(2 * a.cfg.RequestTimeout)
	defer cancel()
	t, err := a.inspection.Redraw(ctx, actor(c), id)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/inspection/tasks/"+t.ID.String(), "已按原规则创建重新抽取的任务并冻结名录")
}

// GET /inspection/checks — an inspector's own checks (the phone's list); supervisors
// see the region's with ?all=true.
func (a *App) checksPage(c *fiber.Ctx) error {
	act := actor(c)
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	state := c.Query("state", "assigned")
	if state == "all" {
		state = ""
	}
	f := inspection.CheckFilter{Mine: !(canDraw(act) && c.QueryBool("all")), State: state, Page: p}
	if f.TaskID, err = uuidQuery(c, "task_id"); err != nil {
		return err
	}
	l, err := a.inspection.Checks(c.UserContext(), act, f)
	if err != nil {
		return err
	}
	return c.Render("inspection_checks", a.view(c, "我的检查", fiber.Map{"List": l, "State": c.Query("state", "assigned"),
		"All": !f.Mine, "CanAll": canDraw(act), "Pager": pager(c, p, l.Total)}))
}

func (a *App) renderCheck(c *fiber.Ctx, data fiber.Map) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx, act := c.UserContext(), actor(c)
	ck, err := a.inspection.FindCheck(ctx, act, id)
	if err != nil {
		return err
	}
	data["Check"], data["Kinds"], data["Mine"] = ck, inspection.ResultKinds, ck.Assigned(act.OfficerID)
	if ck.Assigned(act.OfficerID) && ck.State == "assigned" {
		// The code the page would show: a refusal (the firm at the agency's cap) is said
		// in words where the QR code would be, not left to a broken image.
		if _, err := a.inspection.CheckCode(ctx, act, ck.ID); fault.KindOf(err) == fault.Conflict || fault.KindOf(err) == fault.Unavailable {
			data["CodeError"] = fault.MessageOf(err)
			if fault.KindOf(err) == fault.Conflict { // the firm at its cap: the check cannot begin either
				data["StartError"] = fault.MessageOf(err)
			}
		} else if err != nil {
			return err
		}
	}
	if ck.CaseID != nil {
		recs, err := a.evidence.Store.List(ctx, *ck.CaseID) // FindCheck has checked the scope
		if err != nil {
			return err
		}
		var own []evidence.Record
		for _, r := range recs {
			if r.Kind != "attachment" {
				own = append(own, r)
			}
		}
		data["Records"] = own
	}
	if ck.Result != nil {
		k, _ := inspection.ResultKindOf(*ck.Result)
		data["Problem"] = k.Problem
	}
	if _, ok := data["Form"]; !ok {
		data["Form"] = fiber.Map{"result": "", "findings": ""}
	}
	return c.Render("inspection_check", a.view(c, "检查 · "+ck.TargetName, data))
}

// GET /inspection/checks/{id}
func (a *App) checkPage(c *fiber.Ctx) error {
	return a.renderCheck(c, fiber.Map{})
}

// POST /inspection/checks/{id}/record — opens the check's record chain and goes there.
func (a *App) checkRecordSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ck, err := a.inspection.OpenRecord(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return redirectFlash(c, "/cases/"+ck.CaseID.String(), "检查记录已开启：拍照、录像、笔录都记在这里，完成后回到检查页录入结果")
}

// POST /inspection/checks/{id}/result
func (a *App) checkResultSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := inspection.ResultInput{Result: c.FormValue("result"), Findings: c.FormValue("findings")}
	for _, v := range c.Request().PostArgs().PeekMulti("record_ids") {
		rid, err := parseUUIDField("record_ids", string(v))
		if err != nil {
			return err
		}
		in.RecordIDs = append(in.RecordIDs, rid)
	}
	_, err = a.inspection.RecordResult(c.UserContext(), actor(c), id, in)
	if data, ok := formError(err); ok {
		data["Form"] = fiber.Map{"result": in.Result, "findings": in.Findings}
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderCheck(c, data)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/inspection/checks/"+id.String(), "检查结果已录入，将在 20 个工作日内公示")
}

// POST /inspection/checks/{id}/followup — a case opened from a problem found.
func (a *App) followupSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := inspection.FollowupInput{Cause: c.FormValue("cause"), LegalBasis: c.FormValue("legal_basis")}
	cs, err := a.inspection.Followup(c.UserContext(), actor(c), id, in)
	if data, ok := formError(err); ok && fault.KindOf(err) == fault.Invalid {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderFollowup(c, id, in, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/cases/"+cs.ID.String(), "已根据检查发现的问题立案："+cs.Number)
}

// GET /inspection/checks/{id}/followup — the case a follow-up would open, to check and
// confirm before it takes an official number.
func (a *App) followupPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return a.renderFollowup(c, id, inspection.FollowupInput{}, fiber.Map{})
}

func (a *App) renderFollowup(c *fiber.Ctx, id uuid.UUID, in inspection.FollowupInput, data fiber.Map) error {
	ctx, act := c.UserContext(), actor(c)
	draft, err := a.inspection.FollowupDraft(ctx, act, id, in)
	if err != nil {
		return err
	}
	var handlers []string
	for _, h := range draft.HandlerIDs {
		if o, err := a.enforcement.FindOfficer(ctx, act, h); err == nil {
			handlers = append(handlers, o.Name+"（"+o.CertNo+"）")
		}
	}
	data["CheckID"], data["Draft"], data["Handlers"] = id, draft, handlers
	return c.Render("inspection_followup", a.view(c, "立案处理", data))
}

// GET /public/draws — tasks with their commitments and draws.
func (a *App) publicDrawsPage(c *fiber.Ctx) error {
	l, p, err := a.publicTasks(c)
	if err != nil {
		return err
	}
	return c.Render("public_draws", a.publicView(c, "双随机抽取公示", fiber.Map{"List": l, "Pager": pager(c, p, l.Total)}))
}

// GET /public/draws/{id} — everything needed to re-run a draw, or a frozen task's
// commitment before it.
func (a *App) publicDrawPage(c *fiber.Ctx) error {
	d, t, err := a.drawOrTask(c)
	if err != nil {
		return err
	}
	data := fiber.Map{"Task": t, "Draw": d, "PublicURL": a.cfg.PublicURL}
	if data["MatterNames"], data["AgencyNames"], err = a.inspection.Names(c.UserContext(), t); err != nil {
		return err
	}
	if d != nil {
		sel, pg, err := a.selectedPage(c, d.ID, 50)
		if err != nil {
			return err
		}
		data["Selected"], data["Pager"] = sel, pg
	}
	return c.Render("public_draw", a.publicView(c, t.Name, data))
}

// GET /public/draws/{id}/verify — the verification, re-run now, as a page.
func (a *App) publicVerifyPage(c *fiber.Ctx) error {
	d, t, v, err := a.verification(c)
	if err != nil {
		return err
	}
	return c.Render("public_verify", a.publicView(c, "验证抽取 · "+t.Name, fiber.Map{"Task": t, "Draw": d, "V": v}))
}
