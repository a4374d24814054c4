package app

import (
	"context"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/fault"
	"zhifa/inspection"
)

// Joint checks (综合查一次), the firm's view of its checks and its ratings: API and pages.

func (a *App) jointRoutes(api fiber.Router) {
	api.Get("/inspection/joint-proposals", a.listJointProposals)
	api.Post("/inspection/joint-proposals/:id/accept", a.answerJoint(true))
	api.Post("/inspection/joint-proposals/:id/decline", a.answerJoint(false))
	api.Get("/inspection/ratings", a.listRatings)
	api.Post("/inspection/ratings/:id/clue", a.ratingToClue)
}

func (a *App) publicFirmRoutes(pub fiber.Router) {
	pub.Get("/api/firms/:credit_code/checks", a.publicFirmChecks)
	pub.Get("/firms/:credit_code", a.publicFirmPage)
	pub.Post("/api/checks/:code/rating", a.publicRate)
	pub.Post("/checks/:code/rating", a.publicRateSubmit)
}

func (a *App) jointPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/inspection/joint", append(login, a.jointPage)...)
	srv.Post("/inspection/joint/:id/answer", append(write, a.jointAnswerSubmit)...)
	srv.Get("/inspection/ratings", append(login, a.ratingsPage)...)
	srv.Post("/inspection/ratings/:id/clue", append(write, a.ratingClueSubmit)...)
}

// GET /api/v1/inspection/joint-proposals?state=
func (a *App) listJointProposals(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.JointProposals(c.UserContext(), actor(c), c.Query("state"), p)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/inspection/joint-proposals/{id}/accept | decline {reason}
func (a *App) answerJoint(accept bool) fiber.Handler {
	return reasonStep(func(ctx context.Context, act enforcement.Actor, id uuid.UUID, reason string) (inspection.JointProposal, error) {
		return a.inspection.AnswerJoint(ctx, act, id, accept, reason)
	})
}

// GET /api/v1/inspection/ratings?year=&low=true — an agency's summary; supervisors also
// read the comments.
func (a *App) listRatings(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	r, err := a.inspection.RatingsOf(c.UserContext(), actor(c), c.QueryInt("year", a.enforcement.Today().Year), c.QueryBool("low"), p)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// POST /api/v1/inspection/ratings/{check_id}/clue — a low rating becomes a clue.
func (a *App) ratingToClue(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cl, err := a.audit.ClueFromRating(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cl)
}

// GET /public/api/firms/{credit_code}/checks?code= — the firm's year, for whoever holds
// a code of one of its checks.
func (a *App) publicFirmChecks(c *fiber.Ctx) error {
	v, err := a.inspection.FirmChecks(c.UserContext(), c.Params("credit_code"), c.Query("code"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(v)
}

// GET /public/firms/{credit_code}?code= — the same as a page; without a code, the form
// that asks for one.
func (a *App) publicFirmPage(c *fiber.Ctx) error {
	firm, code := c.Params("credit_code"), c.Query("code")
	data := fiber.Map{"Firm": firm, "Code": code}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if code == "" {
		return c.Render("public_firm", a.publicView(c, "企业受检情况", data))
	}
	v, err := a.inspection.FirmChecks(c.UserContext(), firm, code)
	if fault.KindOf(err) == fault.Forbidden {
		c.Status(fiber.StatusForbidden)
		data["Error"] = fault.MessageOf(err)
		return c.Render("public_firm", a.publicView(c, "企业受检情况", data))
	}
	if err != nil {
		return err
	}
	data["V"] = v
	return c.Render("public_firm", a.publicView(c, "企业受检情况", data))
}

// firmKeyCookie holds, on the phone that scanned a code, the firm's key for that check;
// its path is the code's page, so it goes nowhere else.
const firmKeyCookie = "zhifa_firm_key"

// giveFirmKey keeps the firm's key on the phone that first opened the code.
func (a *App) giveFirmKey(c *fiber.Ctx, key string) {
	c.Cookie(&fiber.Cookie{Name: firmKeyCookie, Value: key, Path: "/public/checks/" + c.Params("code"), MaxAge: 400 * 24 * 3600,
		HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: a.cfg.Env == "production"})
}

// POST /public/api/checks/{code}/rating {stars, comment, firm_key} — the firm's key from
// its scan, in the body or (from the code's page) its cookie.
func (a *App) publicRate(c *fiber.Ctx) error {
	var in struct {
		inspection.RatingInput
		FirmKey string `json:"firm_key"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	if in.FirmKey == "" {
		in.FirmKey = c.Cookies(firmKeyCookie)
	}
	r, err := a.inspection.RateCheck(c.UserContext(), c.Params("code"), in.FirmKey, in.RatingInput)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// POST /public/checks/{code}/rating — the rating form on the code's page, with the key
// the phone was given at the scan. Sent twice (back and submit), the second is the
// rating given, without an error.
func (a *App) publicRateSubmit(c *fiber.Ctx) error {
	code := c.Params("code")
	stars, _ := strconv.Atoi(c.FormValue("stars"))
	_, err := a.inspection.RateCheck(c.UserContext(), code, c.Cookies(firmKeyCookie), inspection.RatingInput{Stars: stars, Comment: c.FormValue("comment")})
	if err != nil {
		data, ok := formError(err)
		if !ok && fault.KindOf(err) != fault.Forbidden {
			return err
		}
		if !ok {
			data = fiber.Map{"Error": fault.MessageOf(err), "ErrorField": ""}
		}
		p, verr := a.inspection.VerifyPublic(c.UserContext(), code)
		if verr != nil {
			return verr
		}
		c.Status(map[bool]int{true: fiber.StatusForbidden, false: fiber.StatusUnprocessableEntity}[fault.KindOf(err) == fault.Forbidden])
		data["Typed"] = typedForm(c)
		return a.renderPublicCheck(c, p, data)
	}
	return redirectFlash(c, "/public/checks/"+url.PathEscape(code), "感谢您的评价。评价对检查部门匿名，部门只能看到汇总结果。")
}

// GET /inspection/joint — the proposals the head answers (the region's for supervisors).
func (a *App) jointPage(c *fiber.Ctx) error {
	return a.renderJoint(c, fiber.Map{"Typed": map[string]string{}, "Form": ""})
}

func (a *App) renderJoint(c *fiber.Ctx, data fiber.Map) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.JointProposals(c.UserContext(), actor(c), "", p)
	if err != nil {
		return err
	}
	data["List"], data["Pager"], data["Agency"], data["JointDays"] = l, pager(c, p, l.Total), actor(c).AgencyID, a.inspection.JointWindow()
	return c.Render("inspection_joint", a.view(c, "联合检查", data))
}

// POST /inspection/joint/{id}/answer {answer: accept|decline, reason}
func (a *App) jointAnswerSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	accept := c.FormValue("answer") == "accept"
	p, err := a.inspection.AnswerJoint(c.UserContext(), actor(c), id, accept, c.FormValue("reason"))
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Typed"], data["Form"] = typedForm(c), id.String()
		return a.renderJoint(c, data)
	}
	if err != nil {
		return err
	}
	msg := "已同意合并，等待其他单位答复：" + p.TargetName
	switch {
	case !accept:
		msg = "已不同意合并，各单位按原计划分别检查：" + p.TargetName
	case p.State == "merged":
		return redirectFlash(c, "/inspection/checks/"+p.JointID.String(), "各单位均已同意，已合并为一次联合检查；检查人员在手机上打开本检查，向企业出示检查码")
	}
	return redirectFlash(c, "/inspection/joint", msg)
}

// GET /inspection/ratings?year= — the firms' ratings: the agency's summary, and for
// supervisors the comments, lowest first.
func (a *App) ratingsPage(c *fiber.Ctx) error {
	return a.renderRatings(c, fiber.Map{"Form": ""})
}

func (a *App) renderRatings(c *fiber.Ctx, data fiber.Map) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	year := c.QueryInt("year", a.enforcement.Today().Year)
	r, err := a.inspection.RatingsOf(c.UserContext(), actor(c), year, c.QueryBool("low"), p)
	if err != nil {
		return err
	}
	data["R"], data["Low"], data["MinShown"] = r, c.QueryBool("low"), inspection.MinRatingsShown
	if r.Comments != nil {
		data["Pager"] = pager(c, p, r.Comments.Total)
	}
	return c.Render("inspection_ratings", a.view(c, "企业评价", data))
}

// POST /inspection/ratings/{check_id}/clue
func (a *App) ratingClueSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cl, err := a.audit.ClueFromRating(c.UserContext(), actor(c), id)
	if fault.KindOf(err) == fault.Conflict && cl.ID != [16]byte{} {
		return redirectFlash(c, "/supervision/clues/"+cl.ID.String(), fault.MessageOf(err))
	}
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		data["Form"] = id.String()
		return a.renderRatings(c, data)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/clues/"+cl.ID.String(), "已转为监督线索 "+cl.Number)
}

// ratingStars are the choices of the rating form, best first.
var ratingStars = []struct {
	Stars int
	Label string
}{{5, "5 星 · 很满意"}, {4, "4 星 · 满意"}, {3, "3 星 · 一般"}, {2, "2 星 · 不满意"}, {1, "1 星 · 很不满意"}}
