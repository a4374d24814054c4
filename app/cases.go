package app

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/fault"
)

func (a *App) caseRoutes(r fiber.Router) {
	r.Get("/cases", a.listCases)
	r.Post("/cases", a.createCase)
	r.Get("/cases/:id", a.getCase)
	r.Post("/cases/:id/transitions", a.moveCase)
	r.Post("/cases/:id/outcomes", a.addOutcome)
}

func (a *App) caseFilter(c *fiber.Ctx) (enforcement.CaseFilter, error) {
	var f enforcement.CaseFilter
	var err error
	if f.Page, f.AgencyID, f.From, f.To, err = listParams(c); err != nil {
		return f, err
	}
	f.State, f.Kind, f.Q = enforcement.State(c.Query("state")), enforcement.CaseKind(c.Query("kind")), c.Query("q")
	if c.QueryBool("mine") {
		act := actor(c)
		if act.OfficerID == nil {
			return f, fault.Field("mine", "当前账号不是执法人员，没有本人承办的案件")
		}
		f.OfficerID = act.OfficerID
	}
	return f, nil
}

// GET /api/v1/cases; with overdue=true, the open cases past a statutory deadline.
func (a *App) listCases(c *fiber.Ctx) error {
	if c.QueryBool("overdue") {
		l, err := a.enforcement.OverdueCases(c.UserContext(), actor(c))
		if err != nil {
			return err
		}
		return c.JSON(enforcement.List[enforcement.OverdueCase]{Items: l, Total: len(l)})
	}
	f, err := a.caseFilter(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListCases(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/cases
func (a *App) createCase(c *fiber.Ctx) error {
	var in enforcement.CaseInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	cs, err := a.enforcement.CreateCase(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cs)
}

// caseView is a case with everything about it, as the case page and API show it.
type caseView struct {
	enforcement.Case
	Clocks   enforcement.Clocks        `json:"clocks"`
	Records  []evidence.Record         `json:"records"`
	Media    []evidence.Media          `json:"media"`
	Reviews  []enforcement.LegalReview `json:"reviews"`
	History  []historyItem             `json:"history"`
	Outcomes []enforcement.Outcome     `json:"outcomes"`
}

type historyItem struct {
	From enforcement.State `json:"from"`
	To   enforcement.State `json:"to"`
	At   time.Time         `json:"at"`
	By   string            `json:"by"`
	Note string            `json:"note"`
}

func (a *App) loadCase(c *fiber.Ctx) (caseView, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return caseView{}, err
	}
	ctx, act := c.UserContext(), actor(c)
	cs, err := a.enforcement.FindCase(ctx, act, id)
	if err != nil {
		return caseView{}, err
	}
	v := caseView{Case: cs}
	if v.Clocks, err = a.enforcement.CaseClocks(ctx, cs); err != nil {
		return v, err
	}
	recs, err := a.evidence.Store.List(ctx, id) // FindCase has checked the scope
	if err != nil {
		return v, err
	}
	v.Records, v.History = recs, historyOf(recs)
	if v.Media, err = a.evidence.Store.CaseMedia(ctx, id); err != nil {
		return v, err
	}
	if v.Reviews, err = a.enforcement.CaseReviews(ctx, act, id); err != nil {
		return v, err
	}
	v.Outcomes, err = a.enforcement.Store.Outcomes(ctx, id)
	return v, err
}

// GET /api/v1/cases/{id}
func (a *App) getCase(c *fiber.Ctx) error {
	v, err := a.loadCase(c)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// POST /api/v1/cases/{id}/transitions
func (a *App) moveCase(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var m enforcement.Move
	if err := parseBody(c, &m); err != nil {
		return err
	}
	cs, err := a.enforcement.MoveCase(c.UserContext(), actor(c), id, m)
	if err != nil {
		return err
	}
	return c.JSON(cs)
}

// POST /api/v1/cases/{id}/outcomes
func (a *App) addOutcome(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in enforcement.OutcomeInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	o, err := a.enforcement.AddOutcome(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(o)
}
