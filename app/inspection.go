package app

import (
	"strings"

	"bufio"
	"context"
	"io"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/valyala/fasthttp"

	"zhifa/enforcement"
	"zhifa/fault"
	"zhifa/inspection"
)

func (a *App) inspectionRoutes(api fiber.Router) {
	api.Get("/inspection/matters", a.listMatters)
	api.Post("/inspection/matters", a.addMatter)
	api.Get("/inspection/targets", a.listTargets)
	api.Post("/inspection/targets", a.importTargets)
	api.Post("/inspection/targets/risk-classes", a.updateRiskClasses)
	api.Get("/inspection/targets/:code/risk-classes", a.riskHistory)
	api.Get("/inspection/inspectors", a.listInspectors)
	api.Put("/inspection/inspectors/:id/expertise", a.setExpertise)
	api.Get("/inspection/conflicts", a.listConflicts)
	api.Post("/inspection/conflicts", a.addConflict)
	api.Get("/inspection/floor", a.getFloor)
	api.Put("/inspection/floor", a.setFloor)
	api.Get("/inspection/tasks", a.listTasks)
	api.Post("/inspection/tasks", a.createTask)
	api.Get("/inspection/tasks/:id", a.getTask)
	api.Get("/inspection/tasks/:id/pool", a.taskPool)
	api.Post("/inspection/tasks/:id/draw", a.drawTask)
	api.Post("/inspection/tasks/:id/redraw", a.redrawTask)
	api.Get("/inspection/draws/:id", a.drawJSON)
	api.Post("/inspection/draws/:id/cancel", a.cancelDraw)
	api.Get("/inspection/checks", a.listChecks)
	api.Get("/inspection/checks/:id", a.getCheck)
	api.Post("/inspection/checks/:id/record", a.openCheckRecord)
	api.Post("/inspection/checks/:id/result", a.checkResult)
	api.Post("/inspection/checks/:id/followup", a.checkFollowup)
	api.Get("/inspection/result-kinds", a.resultKinds)
}

func (a *App) publicInspectionRoutes(pub fiber.Router) {
	pub.Get("/api/draws", a.publicCached(a.publicDraws))
	pub.Get("/api/draws/:id", a.publicCached(a.drawJSON))
	pub.Get("/api/draws/:id/verify", a.publicVerify)
	pub.Get("/api/draws/:id/pool", a.publicPool)
	pub.Get("/api/draws/:id/result", a.publicResult)
	pub.Get("/api/results", a.publicCached(a.publicDecisionsJSON))
}

func (a *App) matterFilter(c *fiber.Ctx) (inspection.MatterFilter, error) {
	var f inspection.MatterFilter
	var err error
	if f.Page, err = pageOf(c); err != nil {
		return f, err
	}
	f.AgencyID, err = uuidQuery(c, "agency_id")
	f.Q = c.Query("q")
	if c.QueryBool("in_region") { // the task form's pick-list: the caller's own region
		f.RegionPrefix = regionOf(actor(c))
	}
	return f, err
}

// GET /api/v1/inspection/matters?agency_id=&q=
func (a *App) listMatters(c *fiber.Ctx) error {
	f, err := a.matterFilter(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.Matters(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/inspection/matters
func (a *App) addMatter(c *fiber.Ctx) error {
	var in inspection.MatterInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	m, err := a.inspection.AddMatter(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.Status(fiber.StatusCreated).JSON(m)
}

// GET /public/api/matters — the list is public.
func (a *App) publicMattersJSON(c *fiber.Ctx) error {
	return a.listMatters(c)
}

// GET /public/matters
func (a *App) publicMattersPage(c *fiber.Ctx) error {
	f, err := a.matterFilter(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.Matters(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.Render("public_matters", a.publicView(c, "随机抽查事项清单", fiber.Map{"List": l, "Q": f.Q, "Pager": pager(c, f.Page, l.Total)}))
}

// GET /api/v1/inspection/targets?q=&risk=&type=&region_code=&industry=
func (a *App) listTargets(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.Targets(c.UserContext(), actor(c), inspection.TargetFilter{Q: c.Query("q"), Risk: c.Query("risk"),
		Type: c.Query("type"), RegionCode: c.Query("region_code"), Industry: c.Query("industry"), Page: p})
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/inspection/targets — a JSON array or a CSV file as the body, streamed.
func (a *App) importTargets(c *fiber.Ctx) error {
	body := idleReader{r: c.Context().RequestBodyStream(), conn: c.Context().Conn()}
	res, err := a.inspection.ImportTargets(c.UserContext(), actor(c), body, string(c.Request().Header.ContentType()))
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// POST /api/v1/inspection/targets/risk-classes?effective_on=&source= — a CSV file (code,
// risk) or a JSON array of {code, risk} as the body, streamed.
func (a *App) updateRiskClasses(c *fiber.Ctx) error {
	body := idleReader{r: c.Context().RequestBodyStream(), conn: c.Context().Conn()}
	res, err := a.inspection.UpdateRiskClasses(c.UserContext(), actor(c), body, string(c.Request().Header.ContentType()),
		c.Query("effective_on"), c.Query("source"))
	if err != nil {
		return err
	}
	return c.JSON(res)
}

// GET /api/v1/inspection/targets/{code}/risk-classes — the target's changes of class.
func (a *App) riskHistory(c *fiber.Ctx) error {
	h, err := a.inspection.RiskHistory(c.UserContext(), actor(c), strings.ToUpper(c.Params("code")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": h, "total": len(h)})
}

// GET /api/v1/inspection/inspectors?agency_id=&field=&q=
func (a *App) listInspectors(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := inspection.InspectorFilter{Field: c.Query("field"), Q: c.Query("q"), Page: p}
	ag, err := uuidQuery(c, "agency_id")
	if err != nil {
		return err
	}
	if ag != nil {
		f.AgencyIDs = []uuid.UUID{*ag}
	}
	l, err := a.inspection.Inspectors(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// PUT /api/v1/inspection/inspectors/{id}/expertise {expertise: [..]}
func (a *App) setExpertise(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Expertise []string `json:"expertise"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	if err := a.inspection.SetExpertise(c.UserContext(), actor(c), id, in.Expertise); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// GET /api/v1/inspection/conflicts?officer_id=&target_code=
func (a *App) listConflicts(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := inspection.ConflictFilter{TargetCode: c.Query("target_code"), Page: p}
	if f.OfficerID, err = uuidQuery(c, "officer_id"); err != nil {
		return err
	}
	l, err := a.inspection.Conflicts(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/inspection/conflicts
func (a *App) addConflict(c *fiber.Ctx) error {
	var in inspection.ConflictInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	cf, err := a.inspection.AddConflict(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cf)
}

// GET /api/v1/inspection/floor — the region's lowest draw ratio.
func (a *App) getFloor(c *fiber.Ctx) error {
	r, err := a.inspection.Floor(c.UserContext(), actor(c).RegionCode)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"ratio": r, "region_code": actor(c).RegionCode})
}

// PUT /api/v1/inspection/floor {ratio}
func (a *App) setFloor(c *fiber.Ctx) error {
	var in struct {
		Ratio float64 `json:"ratio"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	if err := a.inspection.SetFloor(c.UserContext(), actor(c), in.Ratio); err != nil {
		return err
	}
	return a.getFloor(c)
}

// GET /api/v1/inspection/tasks?state=
func (a *App) listTasks(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.Tasks(c.UserContext(), regionOf(actor(c)), inspection.TaskFilter{State: inspection.TaskState(c.Query("state")), Page: p})
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/inspection/tasks — checks the rules and freezes the pools.
func (a *App) createTask(c *fiber.Ctx) error {
	var in inspection.TaskInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	ctx, cancel := contextFor(2 * a.cfg.RequestTimeout) // freezing a province's pool takes a while
	defer cancel()
	t, err := a.inspection.CreateTask(ctx, actor(c), in)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.Status(fiber.StatusCreated).JSON(t)
}

// GET /api/v1/inspection/tasks/{id}
func (a *App) getTask(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	t, err := a.inspection.FindTask(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(t)
}

// GET /api/v1/inspection/tasks/{id}/pool — the canonical pool listing.
func (a *App) taskPool(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	t, err := a.inspection.FindTask(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return a.streamListing(c, t)
}

func (a *App) streamListing(c *fiber.Ctx, t inspection.Task) error {
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="pool-`+t.ID.String()+`.txt"`)
	c.Set("X-Pool-SHA256", t.PoolHash)
	return a.streamText(c, "pool listing "+t.ID.String(), func(ctx context.Context, w io.Writer) error {
		return a.inspection.WriteListing(ctx, &t, w)
	})
}

// streamText answers with text that write produces after the handler returns, with a
// deadline of its own since a province's listing takes a while.
func (a *App) streamText(c *fiber.Ctx, what string, write func(ctx context.Context, w io.Writer) error) error {
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Context().SetBodyStreamWriter(fasthttp.StreamWriter(func(w *bufio.Writer) {
		ctx, cancel := contextFor(10 * a.cfg.RequestTimeout)
		defer cancel()
		if err := write(ctx, w); err != nil {
			a.log.Sugar().Warnw("download cut short", "what", what, "error", err)
		}
	}))
	return nil
}

// POST /api/v1/inspection/tasks/{id}/draw {witness}
func (a *App) drawTask(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in inspection.DrawInput
	if len(c.Body()) > 0 {
		if err := parseBody(c, &in); err != nil {
			return err
		}
	}
	ctx, cancel := contextFor(2 * a.cfg.RequestTimeout)
	defer cancel()
	d, err := a.inspection.Draw(ctx, actor(c), id, in)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.Status(fiber.StatusCreated).JSON(d)
}

// POST /api/v1/inspection/tasks/{id}/redraw — a new task with the rules of a task whose
// draw was cancelled.
func (a *App) redrawTask(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	t, err := a.inspection.Redraw(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.Status(fiber.StatusCreated).JSON(t)
}

// POST /api/v1/inspection/draws/{id}/cancel {reason}
func (a *App) cancelDraw(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in inspection.CancelInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	d, err := a.inspection.Cancel(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(d)
}

// GET /api/v1/inspection/checks?task_id=&mine=true&state=
func (a *App) listChecks(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := inspection.CheckFilter{Mine: c.QueryBool("mine"), State: c.Query("state"), Page: p}
	if f.TaskID, err = uuidQuery(c, "task_id"); err != nil {
		return err
	}
	l, err := a.inspection.Checks(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /api/v1/inspection/checks/{id}
func (a *App) getCheck(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ck, err := a.inspection.FindCheck(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ck)
}

// POST /api/v1/inspection/checks/{id}/record — opens the check's record chain.
func (a *App) openCheckRecord(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ck, err := a.inspection.OpenRecord(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(ck)
}

// POST /api/v1/inspection/checks/{id}/result {result, findings, record_ids}
func (a *App) checkResult(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in inspection.ResultInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	ck, err := a.inspection.RecordResult(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(ck)
}

// POST /api/v1/inspection/checks/{id}/followup {kind?, cause?, legal_basis?, handler_ids?}
func (a *App) checkFollowup(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in inspection.FollowupInput
	if len(c.Body()) > 0 {
		if err := parseBody(c, &in); err != nil {
			return err
		}
	}
	cs, err := a.inspection.Followup(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cs)
}

// GET /api/v1/inspection/result-kinds
func (a *App) resultKinds(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"items": inspection.ResultKinds, "total": len(inspection.ResultKinds)})
}

// GET /public/api/draws — tasks with their commitments, and their draws once made.
func (a *App) publicDraws(c *fiber.Ctx) error {
	l, _, err := a.publicTasks(c)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// publicTasks is the requested page of every region's tasks, which are public.
func (a *App) publicTasks(c *fiber.Ctx) (enforcement.List[inspection.Task], enforcement.Page, error) {
	p, err := pageOf(c)
	if err != nil {
		return enforcement.List[inspection.Task]{}, p, err
	}
	l, err := a.inspection.Tasks(c.UserContext(), "", inspection.TaskFilter{Page: p})
	return l, p, err
}

// drawOrTask resolves the route's public ID: a draw's, or a task's (whose draw it then
// shows if made, or the frozen task with its commitment).
func (a *App) drawOrTask(c *fiber.Ctx) (*inspection.Draw, *inspection.Task, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, nil, err
	}
	ctx := c.UserContext()
	d, err := a.inspection.FindDraw(ctx, id)
	if err == nil {
		t, err := a.inspection.PublicTask(ctx, d.TaskID)
		return &d, &t, err
	}
	t, terr := a.inspection.PublicTask(ctx, id)
	if terr != nil {
		return nil, nil, err
	}
	if t.DrawID != nil {
		d, err := a.inspection.FindDraw(ctx, *t.DrawID)
		return &d, &t, err
	}
	return nil, &t, nil
}

// GET /public/api/draws/{id} and GET /api/v1/inspection/draws/{id}
func (a *App) drawJSON(c *fiber.Ctx) error {
	d, t, err := a.drawOrTask(c)
	if err != nil {
		return err
	}
	out := fiber.Map{"task": t, "draw": d, "listing_url": "/public/api/draws/" + t.ID.String() + "/pool"}
	if d != nil {
		sel, _, err := a.selectedPage(c, d.ID, 0)
		if err != nil {
			return err
		}
		d.Selected = sel.Items
		out["selected_total"] = sel.Total
		out["result_url"] = "/public/api/draws/" + d.ID.String() + "/result"
		out["verify_url"] = "/public/api/draws/" + d.ID.String() + "/verify"
	}
	return c.JSON(out)
}

// GET /public/api/draws/{id}/verify — re-runs the draw from its published data.
func (a *App) publicVerify(c *fiber.Ctx) error {
	_, _, v, err := a.verification(c)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// verification re-runs the draw the route names, with a deadline of its own since a
// province's pool takes seconds.
func (a *App) verification(c *fiber.Ctx) (*inspection.Draw, *inspection.Task, inspection.Verification, error) {
	d, t, err := a.drawnOf(c)
	if err != nil {
		return nil, nil, inspection.Verification{}, err
	}
	ctx, cancel := contextFor(4 * a.cfg.RequestTimeout)
	defer cancel()
	v, err := a.inspection.VerifyDraw(ctx, d, t)
	return d, t, v, err
}

// GET /public/api/draws/{id}/pool — the pool listing whose SHA-256 is the pool hash.
func (a *App) publicPool(c *fiber.Ctx) error {
	_, t, err := a.drawOrTask(c)
	if err != nil {
		return err
	}
	return a.streamListing(c, *t)
}

// GET /public/api/draws/{id}/result — the result listing whose SHA-256 is the result hash.
func (a *App) publicResult(c *fiber.Ctx) error {
	d, _, err := a.drawnOf(c)
	if err != nil {
		return err
	}
	c.Set("X-Result-SHA256", d.ResultHash)
	drawID := d.ID
	return a.streamText(c, "result listing "+drawID.String(), func(ctx context.Context, w io.Writer) error {
		return a.inspection.WriteResult(ctx, drawID, w)
	})
}

// drawnOf resolves the route's ID to a draw made and its task.
func (a *App) drawnOf(c *fiber.Ctx) (*inspection.Draw, *inspection.Task, error) {
	d, t, err := a.drawOrTask(c)
	if err != nil {
		return nil, nil, err
	}
	if d == nil {
		return nil, nil, fault.New(fault.NotFound, "该任务尚未抽取")
	}
	return d, t, nil
}

func regionOf(a enforcement.Actor) string { return enforcement.RegionPrefix(a.RegionCode) }
