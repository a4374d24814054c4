package app

import (
	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
	"zhifa/fault"
)

func (a *App) reviewRoutes(r fiber.Router) {
	r.Get("/agencies/:id/major-criteria", a.getCriteria)
	r.Put("/agencies/:id/major-criteria", a.putCriteria)
	r.Put("/cases/:id/flags", a.putCaseFlags)
	r.Post("/cases/:id/decision-check", a.decisionCheck)
	r.Post("/cases/:id/reviews", a.submitReview)
	r.Get("/cases/:id/reviews", a.caseReviews)
	r.Get("/reviews", a.listReviews)
	r.Get("/reviews/:id", a.getReview)
	r.Post("/reviews/:id/decision", a.decideReview)
	r.Post("/reviews/:id/extend", a.extendReview)
	r.Get("/reviewer-ratios", a.reviewerRatios)
}

// GET /api/v1/agencies/{id}/major-criteria
func (a *App) getCriteria(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	m, err := a.enforcement.MajorCriteria(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// PUT /api/v1/agencies/{id}/major-criteria — a new version of the catalogue.
func (a *App) putCriteria(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in enforcement.MajorCriteria
	if err := parseBody(c, &in); err != nil {
		return err
	}
	m, err := a.enforcement.SetMajorCriteria(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

// PUT /api/v1/cases/{id}/flags
func (a *App) putCaseFlags(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in enforcement.CaseFlags
	if err := parseBody(c, &in); err != nil {
		return err
	}
	cs, err := a.enforcement.SetCaseFlags(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(cs)
}

type decisionBody struct {
	Decision *enforcement.Decision `json:"decision"`
}

func decisionOf(c *fiber.Ctx) (enforcement.Decision, error) {
	var in decisionBody
	if err := parseBody(c, &in); err != nil {
		return enforcement.Decision{}, err
	}
	if in.Decision == nil {
		return enforcement.Decision{}, fault.Field("decision", "请提交拟作出的决定")
	}
	return *in.Decision, nil
}

// POST /api/v1/cases/{id}/decision-check
func (a *App) decisionCheck(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := decisionOf(c)
	if err != nil {
		return err
	}
	r, err := a.enforcement.CheckDecision(c.UserContext(), actor(c), id, d)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// POST /api/v1/cases/{id}/reviews
func (a *App) submitReview(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := decisionOf(c)
	if err != nil {
		return err
	}
	r, err := a.enforcement.SubmitReview(c.UserContext(), actor(c), id, d)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// GET /api/v1/cases/{id}/reviews — every round.
func (a *App) caseReviews(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	rs, err := a.enforcement.CaseReviews(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(enforcement.List[enforcement.LegalReview]{Items: rs, Total: len(rs)})
}

// GET /api/v1/reviews?state=pending — the queue, earliest due first.
func (a *App) listReviews(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListReviews(c.UserContext(), actor(c), enforcement.ReviewState(c.Query("state")), p)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /api/v1/reviews/{id}
func (a *App) getReview(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := a.enforcement.FindReview(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// POST /api/v1/reviews/{id}/decision
func (a *App) decideReview(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in enforcement.ReviewDecision
	if err := parseBody(c, &in); err != nil {
		return err
	}
	r, err := a.enforcement.DecideReview(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// POST /api/v1/reviews/{id}/extend {reason}
func (a *App) extendReview(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	reason, err := reasonOf(c)
	if err != nil {
		return err
	}
	r, err := a.enforcement.ExtendReview(c.UserContext(), actor(c), id, reason)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// GET /api/v1/reviewer-ratios — each agency's qualified reviewers against 5% of its officers.
func (a *App) reviewerRatios(c *fiber.Ctx) error {
	rs, err := a.enforcement.ReviewerRatios(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(enforcement.List[enforcement.ReviewerRatio]{Items: rs, Total: len(rs)})
}
