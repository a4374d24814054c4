package app

import (
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/fault"
)

func (a *App) disclosureRoutes(r fiber.Router) {
	r.Get("/disclosures", a.listDisclosures)
	r.Get("/disclosures/stats", a.disclosureStats)
	r.Put("/agencies/:id/auto-publish", a.putAutoPublish)
	r.Get("/disclosures/:id", a.getDisclosure)
	r.Post("/disclosures/:id/publish", a.publishDisclosure)
	r.Post("/disclosures/:id/withdraw", a.withdrawDisclosure)
	r.Get("/disclosures/:id/repairs", a.listCreditRepairs)
	r.Post("/disclosures/:id/repairs", a.recordCreditRepair)
	r.Post("/disclosures/:id/repairs/:rid/decide", a.decideCreditRepair)
}

// GET /api/v1/disclosures?state=due|overdue|published|withdrawn|expired|withdrawal_due&case_id=&agency_id=
func (a *App) listDisclosures(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	f := enforcement.DisclosureFilter{State: c.Query("state"), Page: p}
	if f.CaseID, err = uuidQuery(c, "case_id"); err != nil {
		return err
	}
	if f.AgencyID, err = uuidQuery(c, "agency_id"); err != nil {
		return err
	}
	l, err := a.enforcement.ListDisclosures(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /api/v1/disclosures/{id}
func (a *App) getDisclosure(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.enforcement.FindDisclosure(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	pushes, err := a.audit.SubjectDeliveries(c.UserContext(), []uuid.UUID{id})
	if err != nil {
		return err
	}
	ex := pushes[id]
	if ex == nil {
		ex = []audit.Delivery{}
	}
	return c.JSON(struct {
		enforcement.Disclosure
		Exchange []audit.Delivery `json:"exchange"`
	}{d, ex})
}

// POST /api/v1/disclosures/{id}/publish
func (a *App) publishDisclosure(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.enforcement.PublishDisclosure(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(d)
}

// POST /api/v1/disclosures/{id}/withdraw {reason}
func (a *App) withdrawDisclosure(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	reason, err := reasonOf(c)
	if err != nil {
		return err
	}
	d, err := a.enforcement.WithdrawDisclosure(c.UserContext(), actor(c), id, reason)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(d)
}

// GET /api/v1/disclosures/stats — each agency's on-time rate, lowest first.
func (a *App) disclosureStats(c *fiber.Ctx) error {
	st, err := a.enforcement.DisclosureStats(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(enforcement.List[enforcement.DisclosureStats]{Items: st, Total: len(st)})
}

// PUT /api/v1/agencies/{id}/auto-publish {auto_publish}
func (a *App) putAutoPublish(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		AutoPublish bool `json:"auto_publish"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	if err := a.enforcement.SetAutoPublish(c.UserContext(), actor(c), id, in.AutoPublish); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"agency_id": id, "auto_publish": in.AutoPublish})
}

func (a *App) disclosurePageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/disclosures", append(login, a.disclosuresPage)...)
	srv.Get("/disclosures/stats", append(login, a.disclosureStatsPage)...)
	srv.Post("/disclosures/:id/publish", append(write, a.publishSubmit)...)
	srv.Post("/disclosures/:id/withdraw", append(write, a.withdrawSubmit)...)
	srv.Get("/disclosures/:id/repair", append(login, a.repairPage)...)
	srv.Post("/disclosures/:id/repair", append(write, a.repairSubmit)...)
	srv.Post("/disclosures/:id/repair/:rid/decide", append(write, a.repairDecideSubmit)...)
}

// GET /disclosures?state= — what is due, overdue, published or withdrawn in the scope.
func (a *App) disclosuresPage(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	state := c.Query("state", "overdue")
	agency, err := uuidQuery(c, "agency_id")
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListDisclosures(c.UserContext(), actor(c), enforcement.DisclosureFilter{State: state, AgencyID: agency, Page: p})
	if err != nil {
		return err
	}
	tabs := []struct{ State, Label string }{{"overdue", "逾期未公示"}, {"due", "待公示"}, {"withdrawal_due", "待撤回"},
		{"published", "公示中"}, {"withdrawn", "已撤回"}, {"expired", "公示期满"}, {"on_time", "按时公示"}, {"late", "逾期公示"}}
	ids := make([]uuid.UUID, len(l.Items))
	for i, d := range l.Items {
		ids[i] = d.ID
	}
	pushes, err := a.audit.SubjectDeliveries(c.UserContext(), ids)
	if err != nil {
		return err
	}
	return c.Render("disclosures", a.view(c, "公示", fiber.Map{"List": l, "State": state, "Tabs": tabs, "Pager": pager(c, p, l.Total),
		"AgencyID": agency, "Pushes": pushes}))
}

// GET /disclosures/stats
func (a *App) disclosureStatsPage(c *fiber.Ctx) error {
	st, err := a.enforcement.DisclosureStats(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.Render("disclosure_stats", a.view(c, "公示及时率", fiber.Map{"List": st}))
}

// POST /disclosures/{id}/publish
func (a *App) publishSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.enforcement.PublishDisclosure(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/disclosures?state=published", "已公示："+d.Title)
}

// POST /disclosures/{id}/withdraw
func (a *App) withdrawSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.enforcement.WithdrawDisclosure(c.UserContext(), actor(c), id, c.FormValue("reason"))
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/disclosures?state=withdrawn", "已撤回："+d.Title)
}

// GET /api/v1/disclosures/{id}/repairs — the item's credit-repair requests, newest first.
func (a *App) listCreditRepairs(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	rs, err := a.enforcement.CreditRepairs(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(enforcement.List[enforcement.CreditRepair]{Items: rs, Total: len(rs)})
}

// POST /api/v1/disclosures/{id}/repairs {applicant, reason, requested_on}
func (a *App) recordCreditRepair(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in enforcement.CreditRepairInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	r, err := a.enforcement.RecordCreditRepair(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// POST /api/v1/disclosures/{id}/repairs/{rid}/decide {grant, note}
func (a *App) decideCreditRepair(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	rid, err := idParam(c, "rid")
	if err != nil {
		return err
	}
	var in struct {
		Grant *bool  `json:"grant"`
		Note  string `json:"note"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	if in.Grant == nil {
		return fault.Field("grant", "请说明是否准予修复（grant：true 或 false）")
	}
	r, err := a.enforcement.DecideCreditRepair(c.UserContext(), actor(c), id, rid, *in.Grant, in.Note)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(r)
}

// GET /disclosures/{id}/repair — the item, its requests, and the forms to record and decide.
func (a *App) repairPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	return a.renderRepair(c, id, fiber.Map{})
}

func (a *App) renderRepair(c *fiber.Ctx, id uuid.UUID, data fiber.Map) error {
	d, err := a.enforcement.FindDisclosure(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	rs, err := a.enforcement.CreditRepairs(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	data["Item"], data["Repairs"] = d, rs
	if d.PublishedAt != nil {
		data["OpensOn"] = a.enforcement.Disclosure.RepairOpensOn(enforcement.DateOf(*d.PublishedAt))
	}
	if data["Form"] == nil {
		data["Form"] = fiber.Map{"requested_on": enforcement.DateOf(a.enforcement.Now()).String()}
	}
	me := actor(c)
	data["MayDecide"] = a.enforcement.MayDecideRepair(c.UserContext(), me, d) == nil
	// One request is open at a time: while one waits, the page offers its decision, not another.
	pending := slices.ContainsFunc(rs, func(r enforcement.CreditRepair) bool { return r.State == "pending" })
	data["MayRecord"] = d.State == "published" && !d.Expired && !pending && a.enforcement.MayRecordRepair(c.UserContext(), me, d) == nil
	return c.Render("disclosure_repair", a.view(c, "信用修复 · "+d.Title, data))
}

// POST /disclosures/{id}/repair
func (a *App) repairSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := enforcement.CreditRepairInput{Applicant: c.FormValue("applicant"), Reason: c.FormValue("reason"), RequestedOn: c.FormValue("requested_on")}
	_, err = a.enforcement.RecordCreditRepair(c.UserContext(), actor(c), id, in)
	if data, ok := formError(err); ok {
		data["Form"] = fiber.Map{"applicant": in.Applicant, "reason": in.Reason, "requested_on": in.RequestedOn}
		return a.renderRepair(c.Status(fiber.StatusUnprocessableEntity), id, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/disclosures/"+id.String()+"/repair", "已登记信用修复申请，待本单位负责人或管理员决定")
}

// POST /disclosures/{id}/repair/{rid}/decide
func (a *App) repairDecideSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	rid, err := idParam(c, "rid")
	if err != nil {
		return err
	}
	grant := c.FormValue("grant") == "yes"
	r, err := a.enforcement.DecideCreditRepair(c.UserContext(), actor(c), id, rid, grant, c.FormValue("note"))
	if data, ok := formError(err); ok {
		data["DecideError"], data["DecideNote"] = data["Error"], c.FormValue("note")
		delete(data, "Error")
		return a.renderRepair(c.Status(fiber.StatusUnprocessableEntity), id, data)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	msg := "已决定不予修复"
	if grant {
		msg = "已准予信用修复：公示门户即日停止公示"
		if r.Notified {
			msg += "，并已排队通知信用平台"
		}
	}
	return redirectFlash(c, "/disclosures/"+id.String()+"/repair", msg)
}
