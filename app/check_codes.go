package app

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/inspection"
)

// Checks outside a draw and inspection codes (检查码): an officer requests a check, the
// agency's head approves it, the officers show its code, and the firm opens the code's
// public page, which says whether the check may go ahead.

func (a *App) checkCodeRoutes(api fiber.Router) {
	a.planRoutes(api)
	a.jointRoutes(api)
	api.Post("/inspection/checks", a.requestCheck)
	api.Get("/inspection/requests", a.listCheckRequests)
	api.Post("/inspection/checks/:id/approve", a.decideCheck(true))
	api.Post("/inspection/checks/:id/refuse", a.decideCheck(false))
	api.Get("/inspection/checks/:id/code", a.checkCode)
	api.Get("/inspection/checks/:id/code.png", a.checkCodeQR)
	api.Get("/inspection/checks/:id/code.svg", a.checkCodeQR)
}

// publicCheckRoutes: the verifying key and the format before the codes, whose path they
// would otherwise match.
func (a *App) publicCheckRoutes(pub fiber.Router) {
	pub.Get("/api/inspection/plans", a.publicPlans)
	pub.Get("/inspection/plans", a.publicPlansPage)
	pub.Get("/api/checks/key", a.publicCheckKey)
	pub.Get("/checks/key", a.publicCheckKey)
	pub.Get("/checks/code.md", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
		return c.SendString(inspection.CodeSpecification)
	})
	a.publicFirmRoutes(pub)
	pub.Get("/api/checks/:code", a.publicCheckJSON)
	pub.Post("/api/checks/:code/scan", a.publicCheckScan)
	pub.Get("/checks/:code", a.publicCheckPage)
}

// codeKey is the inspection codes' signing key from the configuration (a 32-byte seed).
func codeKey(seed string) (inspection.CodeKey, error) {
	b, err := hex.DecodeString(seed)
	if err != nil || len(b) != ed25519.SeedSize {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(b), nil
}

// POST /api/v1/inspection/checks — an officer requests a check outside a draw.
func (a *App) requestCheck(c *fiber.Ctx) error {
	var in inspection.CheckRequest
	if err := parseBody(c, &in); err != nil {
		return err
	}
	ck, err := a.inspection.RequestCheck(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Location("/api/v1/inspection/checks/" + ck.ID.String())
	return c.Status(fiber.StatusCreated).JSON(ck)
}

// GET /api/v1/inspection/requests — the checks requested of the head's agency.
func (a *App) listCheckRequests(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.Requests(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// idAndReason reads a step's path ID and its optional body {reason}.
func idAndReason(c *fiber.Ctx) (uuid.UUID, string, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return id, "", err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if len(c.Body()) > 0 {
		err = parseBody(c, &in)
	}
	return id, in.Reason, err
}

// reasonStep answers a step on the object its path names, with an optional {reason}:
// approving or refusing a check, moving a plan, answering a joint-check proposal.
func reasonStep[T any](do func(ctx context.Context, act enforcement.Actor, id uuid.UUID, reason string) (T, error)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, reason, err := idAndReason(c)
		if err != nil {
			return err
		}
		v, err := do(c.UserContext(), actor(c), id, reason)
		if err != nil {
			return err
		}
		return c.JSON(v)
	}
}

// POST /api/v1/inspection/checks/{id}/approve | refuse {reason}
func (a *App) decideCheck(approve bool) fiber.Handler {
	return reasonStep(func(ctx context.Context, act enforcement.Actor, id uuid.UUID, reason string) (inspection.Check, error) {
		return a.inspection.DecideCheck(ctx, act, id, approve, reason)
	})
}

// GET /api/v1/inspection/checks/{id}/code → {code, url, qr_png_url, valid_from, valid_to}
func (a *App) checkCode(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	code, err := a.inspection.CheckCode(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"code": code.Code, "url": a.cfg.PublicURL + code.Path, "qr_png_url": "/api/v1/inspection/checks/" + id.String() + "/code.png",
		"qr_svg_url": "/api/v1/inspection/checks/" + id.String() + "/code.svg", "valid_from": code.ValidFrom, "valid_to": code.ValidTo})
}

// GET /api/v1/inspection/checks/{id}/code.png and code.svg — the code as the firm scans it.
func (a *App) checkCodeQR(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	code, err := a.inspection.CheckCode(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return sendQR(c, a.cfg.PublicURL+code.Path, "检查码", 640)
}

// GET /public/api/checks/key and /public/checks/key — the key that verifies codes.
func (a *App) publicCheckKey(c *fiber.Ctx) error {
	if a.inspection.CodeKey == nil {
		return fiber.ErrServiceUnavailable
	}
	pub := hex.EncodeToString(a.inspection.CodeKey.Public().(ed25519.PublicKey))
	if strings.HasPrefix(c.Path(), "/public/api/") {
		return c.JSON(fiber.Map{"algorithm": "Ed25519", "format": "zhifa-check-code-1", "public_key": pub, "specification": "/public/checks/code.md"})
	}
	return c.SendString(pub + "\n")
}

// GET /public/api/checks/{code} → {verdict, agency, officers, matters, window, scanned_at}
func (a *App) publicCheckJSON(c *fiber.Ctx) error {
	p, err := a.inspection.VerifyPublic(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(p)
}

// POST /public/api/checks/{code}/scan — the firm's scan (扫码入企), recorded once; the
// first answers with the firm's key (firm_key), which rating the check requires.
func (a *App) publicCheckScan(c *fiber.Ctx) error {
	p, err := a.inspection.ScanCheck(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// GET /public/checks/{code} — what the firm's phone opens when it scans the code: the
// opening of a valid code is the scan (扫码入企), recorded the first time.
func (a *App) publicCheckPage(c *fiber.Ctx) error {
	p, err := a.inspection.ScanCheck(c.UserContext(), c.Params("code"))
	if err != nil {
		return err
	}
	if p.Verdict == "forged" {
		c.Status(fiber.StatusNotFound)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if p.FirmKey != "" {
		a.giveFirmKey(c, p.FirmKey)
	}
	return a.renderPublicCheck(c, p, fiber.Map{"Typed": map[string]string{}, "ErrorField": ""})
}

// renderPublicCheck shows a code's page: the verdict, the check, and for a finished check
// whether it was rated or the rating form.
func (a *App) renderPublicCheck(c *fiber.Ctx, p inspection.PublicCheck, data fiber.Map) error {
	data["P"], data["Code"], data["Stars"] = p, c.Params("code"), ratingStars
	data["HasKey"] = c.Cookies(firmKeyCookie) != "" || p.FirmKey != ""
	if p.Verdict != "forged" {
		at, err := a.inspection.RatedAt(c.UserContext(), p)
		if err != nil {
			return err
		}
		data["RatedAt"] = at
	}
	return c.Render("public_check", a.publicView(c, "检查码查验", data))
}

// Annual inspection plans: the agency writes and files, the justice bureau accepts or
// returns, the accepted are public.

func (a *App) planRoutes(api fiber.Router) {
	api.Get("/inspection/plans", a.listPlans)
	api.Post("/inspection/plans", a.savePlan)
	for _, move := range []string{"file", "accept", "return"} {
		api.Post("/inspection/plans/:id/"+move, a.movePlan(move))
	}
}

// GET /api/v1/inspection/plans?year=
func (a *App) listPlans(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	act := actor(c)
	l, err := a.inspection.Plans(c.UserContext(), &act, c.QueryInt("year"), p)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /public/api/inspection/plans?year= — accepted plans.
func (a *App) publicPlans(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.inspection.Plans(c.UserContext(), nil, c.QueryInt("year"), p)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /public/inspection/plans?year= — the accepted plans, as the portal shows them.
func (a *App) publicPlansPage(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	year := c.QueryInt("year", a.enforcement.Today().Year)
	l, err := a.inspection.Plans(c.UserContext(), nil, year, p)
	if err != nil {
		return err
	}
	return c.Render("public_plans", a.publicView(c, "年度检查计划", fiber.Map{"List": l, "Year": year, "Pager": pager(c, p, l.Total)}))
}

// POST /api/v1/inspection/plans — the agency's plan for a year, written or rewritten.
func (a *App) savePlan(c *fiber.Ctx) error {
	var in inspection.PlanInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	p, err := a.inspection.SavePlan(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(p)
}

// POST /api/v1/inspection/plans/{id}/file | accept | return {reason}
func (a *App) movePlan(move string) fiber.Handler {
	return reasonStep(func(ctx context.Context, act enforcement.Actor, id uuid.UUID, reason string) (inspection.Plan, error) {
		return a.inspection.PlanMove(ctx, act, id, move, reason)
	})
}
