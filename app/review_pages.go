package app

import (
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

func (a *App) reviewPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/reviews", append(login, a.reviewsPage)...)
	srv.Get("/reviews/:id", append(login, a.reviewPage)...)
	srv.Post("/reviews/:id", append(write, a.reviewSubmit)...)
	srv.Post("/reviews/:id/extend", append(write, a.extendSubmit)...)
	srv.Get("/reviews/:id/print", append(login, a.reviewPrintPage)...)
	srv.Post("/cases/:id/review", append(write, a.submitReviewPage)...)
	srv.Get("/reviewers", append(login, a.reviewersPage)...)
	srv.Get("/agencies/:id/criteria", append(login, a.criteriaPage)...)
	srv.Post("/agencies/:id/criteria", append(write, a.criteriaSubmit)...)
}

// GET /reviews — the queue, earliest due first, overdue ones marked.
func (a *App) reviewsPage(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	state := c.Query("state", "pending")
	l, err := a.enforcement.ListReviews(c.UserContext(), actor(c), enforcement.ReviewState(state), p)
	if err != nil {
		return err
	}
	states := []enforcement.ReviewState{enforcement.ReviewPending, enforcement.ReviewApproved, enforcement.ReviewReturned, enforcement.ReviewRejected}
	return c.Render("reviews", a.view(c, "法制审核", fiber.Map{"List": l, "State": state, "States": states, "Pager": pager(c, p, l.Total)}))
}

// GET /reviews/{id} — the review form for a reviewer, the result for everyone else.
func (a *App) reviewPage(c *fiber.Ctx) error {
	return a.renderReview(c, fiber.Map{})
}

func (a *App) renderReview(c *fiber.Ctx, data fiber.Map) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	act := actor(c)
	r, err := a.enforcement.FindReview(c.UserContext(), act, id)
	if err != nil {
		return err
	}
	cs, err := a.enforcement.FindCase(c.UserContext(), act, r.CaseID)
	if err != nil {
		return err
	}
	data["Review"], data["Case"], data["Items"] = r, cs, enforcement.ChecklistItems
	if data["Form"] == nil {
		data["Form"] = fiber.Map{}
	}
	// The reviewer decides from this page: the case's record, its files and its clocks
	// sit beside the checklist.
	ctx := c.UserContext()
	recs, err := a.evidence.Records(ctx, act, r.CaseID)
	if err != nil {
		return err
	}
	media, err := a.evidence.MediaOfCase(ctx, act, r.CaseID)
	if err != nil {
		return err
	}
	byRecord := map[uuid.UUID][]evidence.Media{}
	for _, m := range media {
		byRecord[m.RecordID] = append(byRecord[m.RecordID], m)
	}
	items := make([]timelineItem, 0, len(recs))
	for _, rec := range recs {
		if rec.Kind != "attachment" {
			items = append(items, timelineItem{Record: rec, Media: byRecord[rec.ID]})
		}
	}
	clocks, err := a.enforcement.CaseClocks(ctx, cs)
	if err != nil {
		return err
	}
	data["Timeline"], data["Clocks"], data["Files"] = items, clocks, len(media)
	data["CanDecide"] = r.State == enforcement.ReviewPending && act.Has(enforcement.RoleReviewer) && act.LegalQualified && !act.IsHandler(cs)
	return c.Render("review", a.view(c, "法制审核 · "+r.CaseNumber, data))
}

// POST /reviews/{id} — the reviewer's conclusion, item by item.
func (a *App) reviewSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := enforcement.ReviewDecision{Outcome: enforcement.ReviewState(c.FormValue("outcome")), Opinion: c.FormValue("opinion"),
		Checklist: map[string]*enforcement.CheckItem{}}
	for _, it := range enforcement.ChecklistItems {
		switch c.FormValue("item_" + it.Key) {
		case "ok":
			in.Checklist[it.Key] = &enforcement.CheckItem{OK: true, Note: c.FormValue("note_" + it.Key)}
		case "no":
			in.Checklist[it.Key] = &enforcement.CheckItem{OK: false, Note: c.FormValue("note_" + it.Key)}
		}
	}
	r, err := a.enforcement.DecideReview(c.UserContext(), actor(c), id, in)
	if data, ok := formError(err); ok {
		form := fiber.Map{}
		c.Request().PostArgs().VisitAll(func(k, v []byte) { form[string(k)] = string(v) })
		data["Form"] = form
		c.Status(fiber.StatusUnprocessableEntity)
		if fault.KindOf(err) == fault.Conflict {
			c.Status(fiber.StatusConflict)
		}
		return a.renderReview(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/reviews/"+r.ID.String(), "已作出审核结论："+r.State.Label())
}

// POST /reviews/{id}/extend
func (a *App) extendSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := a.enforcement.ExtendReview(c.UserContext(), actor(c), id, c.FormValue("reason"))
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderReview(c, fiber.Map{"ExtendError": data["Error"]})
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/reviews/"+r.ID.String(), "审核期限已延长至 "+r.DueOn.String())
}

// GET /reviews/{id}/print — 法制审核意见书.
func (a *App) reviewPrintPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := a.enforcement.FindReview(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	if r.State == enforcement.ReviewPending {
		return fault.New(fault.Conflict, "审核尚未作出结论，暂无审核意见书")
	}
	cs, err := a.enforcement.FindCase(c.UserContext(), actor(c), r.CaseID)
	if err != nil {
		return err
	}
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")
	return c.Render("review_print", fiber.Map{"Review": r, "Case": cs, "Items": enforcement.ChecklistItems, "Printed": time.Now()}, "")
}

// draftDecision reads the draft decision fields of the case page.
func draftDecision(c *fiber.Ctx) (enforcement.Decision, error) {
	d := enforcement.Decision{Outcome: c.FormValue("outcome"), Text: c.FormValue("decision_text"),
		LicenseRevoked: c.FormValue("license_revoked") == "on", BusinessSuspended: c.FormValue("business_suspended") == "on"}
	for field, dst := range map[string]*int64{"fine_yuan": &d.FineAmount, "confiscation_yuan": &d.ConfiscationAmount} {
		if s := strings.TrimSpace(c.FormValue(field)); s != "" {
			yuan, err := strconv.ParseFloat(s, 64)
			if err != nil || yuan < 0 {
				return d, fault.Field(field, "金额应为不小于 0 的数（单位：元）")
			}
			*dst = int64(yuan*100 + 0.5)
		}
	}
	return d, nil
}

// POST /cases/{id}/review — check a draft decision (check=1) or submit it for review.
func (a *App) submitReviewPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := draftDecision(c)
	form := fiber.Map{}
	c.Request().PostArgs().VisitAll(func(k, v []byte) { form[string(k)] = string(v) })
	if err == nil && c.FormValue("check") != "" {
		chk, cerr := a.enforcement.CheckDecision(c.UserContext(), actor(c), id, d)
		if cerr == nil {
			return a.renderCase(c, fiber.Map{"Check": chk, "Draft": form})
		}
		err = cerr
	}
	if err == nil {
		var r enforcement.LegalReview
		r, err = a.enforcement.SubmitReview(c.UserContext(), actor(c), id, d)
		if err == nil {
			return redirectFlash(c, "/cases/"+id.String(), "已提交法制审核（第 "+strconv.Itoa(r.Round)+" 轮），审核期限至 "+r.DueOn.String())
		}
	}
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		if fault.KindOf(err) == fault.Conflict {
			c.Status(fiber.StatusConflict)
		}
		return a.renderCase(c, fiber.Map{"ReviewError": data["Error"], "Draft": form})
	}
	return err
}

// GET /reviewers — reviewers against 5% of officers, agencies below it first.
func (a *App) reviewersPage(c *fiber.Ctx) error {
	rs, err := a.enforcement.ReviewerRatios(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.Render("reviewers", a.view(c, "法制审核人员配备", fiber.Map{"List": rs, "Below": enforcement.BelowCount(rs)}))
}

// GET /agencies/{id}/criteria — the catalogue of major decisions; administrators edit it.
func (a *App) criteriaPage(c *fiber.Ctx) error {
	return a.renderCriteria(c, fiber.Map{})
}

func (a *App) renderCriteria(c *fiber.Ctx, data fiber.Map) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ag, err := a.enforcement.FindAgency(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	m, err := a.enforcement.MajorCriteria(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	data["Agency"], data["Criteria"], data["CanEdit"] = ag, m, actor(c).Has(enforcement.RoleAdmin)
	data["ExtraText"] = strings.Join(m.ExtraKinds, "\n")
	return c.Render("criteria", a.view(c, "重大执法决定标准 · "+ag.Name, data))
}

// POST /agencies/{id}/criteria — saves a new version; amounts are typed in yuan.
func (a *App) criteriaSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	in := enforcement.MajorCriteria{LicenseRevocation: c.FormValue("license_revocation") == "on",
		BusinessSuspension: c.FormValue("business_suspension") == "on", Hearing: c.FormValue("hearing") == "on",
		PublicInterest: c.FormValue("public_interest") == "on", Complex: c.FormValue("complex") == "on",
		ExtraKinds: strings.FieldsFunc(c.FormValue("extra_kinds"), func(r rune) bool { return r == '\n' || r == '\r' })}
	for field, dst := range map[string]*int64{"fine_person_min": &in.FinePersonMin, "fine_org_min": &in.FineOrgMin, "confiscation_min": &in.ConfiscationMin} {
		yuan, err := strconv.ParseFloat(strings.TrimSpace(c.FormValue(field)), 64)
		if err != nil || yuan <= 0 {
			return a.renderCriteria(c.Status(fiber.StatusUnprocessableEntity), fiber.Map{"Error": "金额应为正数（单位：元）", "ErrorField": field})
		}
		*dst = int64(yuan*100 + 0.5)
	}
	in.ReviewDays, _ = strconv.Atoi(c.FormValue("review_days"))
	m, err := a.enforcement.SetMajorCriteria(c.UserContext(), actor(c), id, in)
	if data, ok := formError(err); ok {
		return a.renderCriteria(c.Status(fiber.StatusUnprocessableEntity), data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/agencies/"+id.String()+"/criteria", "已保存为第 "+strconv.Itoa(m.Version)+" 版")
}
