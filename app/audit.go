package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/fault"
)

func (a *App) auditRoutes(api fiber.Router) {
	api.Get("/rubrics", a.listRubrics)
	api.Post("/rubrics", a.createRubric)
	api.Get("/rubrics/:id", a.getRubric)
	api.Get("/evaluations", a.listEvaluations)
	api.Get("/evaluations/candidates", a.evaluatorCandidates)
	api.Post("/evaluations", a.createEvaluation)
	api.Get("/evaluations/:id", a.getEvaluation)
	api.Get("/evaluations/:id/files", a.listEvaluationFiles)
	api.Get("/evaluations/:id/files/:case_id", a.getEvaluationFile)
	api.Post("/evaluations/:id/scores", a.scoreFile)
	api.Get("/evaluations/:id/summary", a.evaluationSummary)
	api.Post("/evaluations/:id/close", a.closeEvaluation)
	api.Post("/evaluations/:id/files/:case_id/clue", a.fileClue)
	api.Post("/evaluations/:id/rectifications", a.addRectification)
	api.Get("/rectifications", a.listRectifications)
	api.Get("/rectifications/:id", a.getRectification)
	api.Post("/rectifications/:id/close", a.closeRectification)
}

func (a *App) publicAuditRoutes(pub fiber.Router) {
	pub.Get("/api/evaluations", a.publicCached(a.publicEvaluationsJSON))
	pub.Get("/api/evaluations/:id", a.publicCached(a.publicEvaluation))
	pub.Get("/api/evaluations/:id/pool", a.publicEvaluationPool)
	pub.Get("/api/evaluations/:id/verify", a.publicVerifySample)
	pub.Get("/sample.md", a.publicSampleSpecification)
	pub.Get("/exchange.md", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
		return c.SendString(audit.ExchangeSpecification)
	})
	pub.Get("/evaluations", a.publicEvaluationsPage)
	pub.Get("/evaluations/:id", a.publicEvaluationPage)
}

// GET /public/evaluations — every campaign's sample, newest first.
func (a *App) publicEvaluationsPage(c *fiber.Ctx) error {
	l, p, err := a.publicEvaluationList(c)
	if err != nil {
		return err
	}
	return c.Render("public_evaluations", a.publicView(c, "案卷评查抽样公示", fiber.Map{"List": l, "Pager": pager(c, p, l.Total)}))
}

// GET /public/api/evaluations?page=&page_size= — the JSON twin of /public/evaluations.
func (a *App) publicEvaluationsJSON(c *fiber.Ctx) error {
	l, _, err := a.publicEvaluationList(c)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// publicEvaluationList is the page of campaigns the query asks for.
func (a *App) publicEvaluationList(c *fiber.Ctx) (enforcement.List[audit.Evaluation], enforcement.Page, error) {
	p, err := pageOf(c)
	if err != nil {
		return enforcement.List[audit.Evaluation]{}, p, err
	}
	l, err := a.audit.PublicEvaluations(c.UserContext(), p)
	return l, p, err
}

// GET /public/evaluations/{id} — a campaign's sample, re-run and compared as the page loads.
func (a *App) publicEvaluationPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	e, err := a.audit.PublicEvaluation(ctx, id)
	if err != nil {
		return err
	}
	sample, err := a.audit.PublicSample(ctx, id)
	if err != nil {
		return err
	}
	v, err := a.audit.VerifySample(ctx, id)
	if err != nil {
		return err
	}
	return c.Render("public_evaluation", a.publicView(c, "评查抽样 · "+e.Name, fiber.Map{"E": e, "Sample": sample, "V": v,
		"Kinds": audit.KindLabels(e.CaseKinds)}))
}

// GET /public/sample.md — the sampling algorithm's specification.
func (a *App) publicSampleSpecification(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
	return c.SendString(audit.Specification)
}

// GET /api/v1/rubrics
func (a *App) listRubrics(c *fiber.Ctx) error {
	rs, err := a.audit.Rubrics(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": rs, "total": len(rs)})
}

// POST /api/v1/rubrics — a new rubric, or the next version of one with the same name.
func (a *App) createRubric(c *fiber.Ctx) error {
	var in audit.RubricInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	r, err := a.audit.CreateRubric(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// GET /api/v1/rubrics/{id}
func (a *App) getRubric(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := a.audit.Rubric(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// GET /api/v1/evaluations
func (a *App) listEvaluations(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.audit.Evaluations(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/evaluations — opens a campaign and answers it with its drawn sample.
func (a *App) createEvaluation(c *fiber.Ctx) error {
	var in audit.EvaluationInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	e, err := a.audit.CreateEvaluation(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.Status(fiber.StatusCreated).JSON(e)
}

// GET /api/v1/evaluations/{id}
func (a *App) getEvaluation(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := a.audit.FindEvaluation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(e)
}

// fileFilter reads ?evaluator=me|{user id}&agency_id=&scored=true|false and the page.
func fileFilter(c *fiber.Ctx, evaluationID uuid.UUID) (audit.FileFilter, error) {
	f := audit.FileFilter{EvaluationID: evaluationID}
	var err error
	if f.Page, err = pageOf(c); err != nil {
		return f, err
	}
	switch ev := c.Query("evaluator"); ev {
	case "":
	case "me":
		me := actor(c).UserID
		f.EvaluatorID = &me
	default:
		id, err := parseUUID(ev)
		if err != nil {
			return f, fault.Field("evaluator", "评查人员应为用户 ID 或 me")
		}
		f.EvaluatorID = &id
	}
	if f.AgencyID, err = uuidQuery(c, "agency_id"); err != nil {
		return f, err
	}
	if s := c.Query("scored"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return f, fault.Field("scored", "scored 应为 true 或 false")
		}
		f.Scored = &b
	}
	return f, nil
}

// GET /api/v1/evaluations/{id}/files?evaluator=&agency_id=&scored=
func (a *App) listEvaluationFiles(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	f, err := fileFilter(c, id)
	if err != nil {
		return err
	}
	l, err := a.audit.Files(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /api/v1/evaluations/{id}/files/{case_id} — the file with its pre-checks and score.
func (a *App) getEvaluationFile(c *fiber.Ctx) error {
	id, caseID, err := fileParams(c)
	if err != nil {
		return err
	}
	w, err := a.audit.Workpaper(c.UserContext(), actor(c), id, caseID)
	if err != nil {
		return err
	}
	return c.JSON(w)
}

// POST /api/v1/evaluations/{id}/scores {case_id, deductions: [{item_code, points, veto, note}]}
func (a *App) scoreFile(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in audit.ScoreInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	sc, err := a.audit.ScoreFile(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	a.publicChanged(c) // the public campaign shows how many files are scored
	return c.JSON(sc)
}

// GET /api/v1/evaluations/{id}/summary
func (a *App) evaluationSummary(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	sm, err := a.audit.Summarize(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(sm)
}

// POST /api/v1/evaluations/{id}/close
func (a *App) closeEvaluation(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := a.audit.CloseEvaluation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return c.JSON(e)
}

// POST /api/v1/evaluations/{id}/rectifications {case_id, item_code, requirement, due_on}
func (a *App) addRectification(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in audit.RectificationInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	r, err := a.audit.AddRectification(c.UserContext(), actor(c), id, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(r)
}

// rectificationFilter reads ?evaluation_id=&agency_id=&state=open|closed|overdue and the page.
func rectificationFilter(c *fiber.Ctx) (audit.RectificationFilter, error) {
	f := audit.RectificationFilter{State: c.Query("state")}
	var err error
	if f.Page, err = pageOf(c); err != nil {
		return f, err
	}
	if f.EvaluationID, err = uuidQuery(c, "evaluation_id"); err != nil {
		return f, err
	}
	f.AgencyID, err = uuidQuery(c, "agency_id")
	return f, err
}

// GET /api/v1/rectifications?evaluation_id=&agency_id=&state=
func (a *App) listRectifications(c *fiber.Ctx) error {
	f, err := rectificationFilter(c)
	if err != nil {
		return err
	}
	l, err := a.audit.Rectifications(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /api/v1/rectifications/{id}
func (a *App) getRectification(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	r, err := a.audit.FindRectification(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// POST /api/v1/rectifications/{id}/close {note}
func (a *App) closeRectification(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Note string `json:"note"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	r, err := a.audit.CloseRectification(c.UserContext(), actor(c), id, in.Note)
	if err != nil {
		return err
	}
	return c.JSON(r)
}

// GET /public/api/evaluations/{id} — the campaign's rules, hashes, secret and sample.
func (a *App) publicEvaluation(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	e, err := a.audit.PublicEvaluation(c.UserContext(), id)
	if err != nil {
		return err
	}
	v := audit.PublicView{Evaluation: e}
	if v.Sample, err = a.audit.PublicSample(c.UserContext(), id); err != nil {
		return err
	}
	return c.JSON(v)
}

// GET /public/api/evaluations/{id}/pool — the pool listing whose hash was published.
func (a *App) publicEvaluationPool(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	listing, err := a.audit.PoolListing(c.UserContext(), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="evaluation-`+id.String()+`-pool.txt"`)
	return c.SendString(listing)
}

// GET /public/api/evaluations/{id}/verify — re-runs the sample and compares.
func (a *App) publicVerifySample(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	v, err := a.audit.VerifySample(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// GET /api/v1/evaluations/candidates?q= — who may evaluate: the region's reviewers and
// supervisors, for the new-campaign form's pick-list.
func (a *App) evaluatorCandidates(c *fiber.Ctx) error {
	act := actor(c)
	if !canDraw(act) {
		return fault.New(fault.Forbidden, "只有执法监督人员或管理员可以开展案卷评查")
	}
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	all, err := a.audit.Candidates(c.UserContext(), act, c.Query("q"))
	if err != nil {
		return err
	}
	from, to := min((p.Number-1)*p.Size, len(all)), min(p.Number*p.Size, len(all))
	return c.JSON(enforcement.List[audit.Candidate]{Items: all[from:to], Total: len(all)})
}

// POST /api/v1/evaluations/{id}/files/{case_id}/clue — a file rated 不合格 becomes a
// supervision clue about its agency (once; a second time answers 409 naming the clue).
func (a *App) fileClue(c *fiber.Ctx) error {
	id, caseID, err := fileParams(c)
	if err != nil {
		return err
	}
	cl, err := a.audit.ClueFromFile(c.UserContext(), actor(c), id, caseID)
	if err != nil {
		return err
	}
	c.Location("/api/v1/supervision/clues/" + cl.ID.String())
	return c.Status(fiber.StatusCreated).JSON(cl)
}
