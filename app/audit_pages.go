package app

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/fault"
)

func (a *App) auditPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/evaluations", append(login, a.evaluationsPage)...)
	srv.Get("/evaluations/new", append(login, a.newEvaluationPage)...)
	srv.Post("/evaluations/new", append(write, a.newEvaluationSubmit)...)
	srv.Get("/evaluations/:id", append(login, a.evaluationPage)...)
	srv.Get("/evaluations/:id/summary", append(login, a.evaluationSummaryPage)...)
	srv.Post("/evaluations/:id/close", append(write, a.closeEvaluationSubmit)...)
	srv.Get("/evaluations/:id/files/:case_id", append(login, a.workpaperPage)...)
	srv.Post("/evaluations/:id/files/:case_id", append(write, a.scoreSubmit)...)
	srv.Post("/evaluations/:id/files/:case_id/rectifications", append(write, a.rectificationSubmit)...)
	srv.Post("/evaluations/:id/files/:case_id/clue", append(write, a.fileClueSubmit)...)
	srv.Get("/rectifications", append(login, a.rectificationsPage)...)
	srv.Post("/rectifications/:id/close", append(write, a.closeRectificationSubmit)...)
}

// GET /evaluations — campaigns of the region for supervisors, one's own for evaluators.
func (a *App) evaluationsPage(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.audit.Evaluations(c.UserContext(), actor(c), p)
	if err != nil {
		return err
	}
	return c.Render("evaluations", a.view(c, "案卷评查", fiber.Map{"List": l, "CanOpen": canDraw(actor(c)), "Pager": pager(c, p, l.Total)}))
}

// evaluationForm is the new-campaign form as typed.
type evaluationForm struct {
	Name, Year, From, To, Mode, Size, Ratio, Witness, Rubric string
	Agencies, Kinds, Evaluators                              map[string]bool
}

func (a *App) renderNewEvaluation(c *fiber.Ctx, f evaluationForm, data fiber.Map) error {
	ctx, act := c.UserContext(), actor(c)
	if !canDraw(act) {
		return fault.New(fault.Forbidden, "只有执法监督人员或管理员可以开展案卷评查")
	}
	// Agencies and evaluators are pick-lists that search the server; the page carries only
	// what is chosen.
	var ags []enforcement.Agency
	for id := range f.Agencies {
		if uid, err := uuid.Parse(id); err == nil {
			if ag, err := a.enforcement.FindAgency(ctx, act, uid); err == nil {
				ags = append(ags, ag)
			}
		}
	}
	slices.SortFunc(ags, func(x, y enforcement.Agency) int { return strings.Compare(x.Name, y.Name) })
	all, err := a.audit.Candidates(ctx, act, "")
	if err != nil {
		return err
	}
	var cands []audit.Candidate
	for _, c := range all {
		if f.Evaluators[c.ID.String()] {
			cands = append(cands, c)
		}
	}
	rubrics, err := a.audit.Rubrics(ctx)
	if err != nil {
		return err
	}
	data["Form"], data["Agencies"], data["Candidates"], data["Rubrics"], data["Kinds"] = f, ags, cands, rubrics, enforcement.CaseKinds
	return c.Render("evaluation_new", a.view(c, "开展案卷评查", data))
}

// GET /evaluations/new
func (a *App) newEvaluationPage(c *fiber.Ctx) error {
	year := strconv.Itoa(a.enforcement.Today().Year - 1)
	return a.renderNewEvaluation(c, evaluationForm{Name: year + "年度行政执法案卷评查", Year: year, Mode: "size", Size: "5",
		Kinds: map[string]bool{"penalty": true, "coercion": true}}, fiber.Map{})
}

// POST /evaluations/new: a year, or dates when both are typed; a count per agency or a
// percentage of each agency's files.
func (a *App) newEvaluationSubmit(c *fiber.Ctx) error {
	args := c.Request().PostArgs()
	f := evaluationForm{Name: c.FormValue("name"), Year: c.FormValue("year"), From: c.FormValue("period_from"), To: c.FormValue("period_to"),
		Mode: c.FormValue("mode"), Size: c.FormValue("sample_size"), Ratio: c.FormValue("sample_ratio"), Witness: c.FormValue("witness"),
		Rubric: c.FormValue("rubric_id"), Agencies: map[string]bool{}, Kinds: map[string]bool{}, Evaluators: map[string]bool{}}
	in := audit.EvaluationInput{Name: f.Name, PeriodFrom: f.From, PeriodTo: f.To, Witness: f.Witness}
	err := func() error {
		if f.From == "" && f.To == "" {
			y, err := strconv.Atoi(strings.TrimSpace(f.Year))
			if err != nil {
				return fault.Field("year", "请填写评查年度，如 2025")
			}
			in.Year = y
		}
		for _, pair := range []struct {
			name string
			dst  *[]uuid.UUID
			seen map[string]bool
		}{{"agency_ids", &in.AgencyIDs, f.Agencies}, {"evaluator_ids", &in.EvaluatorIDs, f.Evaluators}} {
			for _, v := range args.PeekMulti(pair.name) {
				id, err := parseUUIDField(pair.name, string(v))
				if err != nil {
					return err
				}
				*pair.dst, pair.seen[id.String()] = append(*pair.dst, id), true
			}
		}
		for _, v := range args.PeekMulti("case_kinds") {
			in.CaseKinds, f.Kinds[string(v)] = append(in.CaseKinds, string(v)), true
		}
		if f.Rubric != "" {
			id, err := parseUUIDField("rubric_id", f.Rubric)
			if err != nil {
				return err
			}
			in.RubricID = &id
		}
		if f.Mode == "ratio" {
			pct, err := strconv.ParseFloat(strings.TrimSpace(f.Ratio), 64)
			if err != nil {
				return fault.Field("sample_ratio", "抽样比例应为百分数，如 10")
			}
			in.SampleRatio = pct / 100
			return nil
		}
		n, err := strconv.Atoi(strings.TrimSpace(f.Size))
		if err != nil {
			return fault.Field("sample_size", "每个单位的抽样数量应为整数")
		}
		in.SampleSize = n
		return nil
	}()
	var e audit.Evaluation
	if err == nil {
		e, err = a.audit.CreateEvaluation(c.UserContext(), actor(c), in)
	}
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderNewEvaluation(c, f, data)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/evaluations/"+e.ID.String(), fmt.Sprintf("已抽取 %d 份案卷并分配评查人员", e.Files))
}

// GET /evaluations/{id}?agency_id=&evaluator=me&scored= — the campaign, its sample and
// progress.
func (a *App) evaluationPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	act := actor(c)
	e, err := a.audit.FindEvaluation(c.UserContext(), act, id)
	if err != nil {
		return err
	}
	if c.Query("evaluator") == "" && !canDraw(act) {
		c.Request().URI().QueryArgs().Set("evaluator", "me")
	}
	f, err := fileFilter(c, id)
	if err != nil {
		return err
	}
	f.Page.Size = 100
	l, err := a.audit.Files(c.UserContext(), act, f)
	if err != nil {
		return err
	}
	names, err := a.agencyNames(c, e.AgencyIDs)
	if err != nil {
		return err
	}
	return c.Render("evaluation", a.view(c, e.Name, fiber.Map{"E": e, "Files": l, "AgencyNames": names, "Mine": c.Query("evaluator") == "me",
		"CanManage": canDraw(act), "Kinds": audit.KindLabels(e.CaseKinds), "Pager": pager(c, f.Page, l.Total)}))
}

// agencyNames names agencies in the given order.
func (a *App) agencyNames(c *fiber.Ctx, ids []uuid.UUID) ([]string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		ag, err := a.enforcement.Store.FindAgency(c.UserContext(), id)
		if err != nil {
			return nil, err
		}
		out = append(out, ag.Name)
	}
	return out, nil
}

// GET /evaluations/{id}/summary — printable.
func (a *App) evaluationSummaryPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	sm, err := a.audit.Summarize(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	maxCount := 1
	for _, r := range sm.Ratings {
		maxCount = max(maxCount, r.Count)
	}
	for _, b := range sm.Distribution {
		maxCount = max(maxCount, b.Count)
	}
	return c.Render("evaluation_summary", fiber.Map{"S": sm, "Max": maxCount, "Printed": time.Now(), "By": actor(c).Name}, "")
}

// POST /evaluations/{id}/close
func (a *App) closeEvaluationSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.audit.CloseEvaluation(c.UserContext(), actor(c), id); err != nil {
		if fault.KindOf(err) == fault.Conflict {
			return redirectFlash(c, "/evaluations/"+id.String(), err.(*fault.Error).Message)
		}
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, "/evaluations/"+id.String()+"/summary", "评查活动已结束，评分不再修改")
}

// scoreForm is the scoring form as typed, keyed by item code.
type scoreForm struct {
	Points map[string]string
	Notes  map[string]string
	Vetoes map[string]bool
}

func newScoreForm() *scoreForm {
	return &scoreForm{Points: map[string]string{}, Notes: map[string]string{}, Vetoes: map[string]bool{}}
}

// fileParams reads the campaign and case IDs of a file's route.
func fileParams(c *fiber.Ctx) (id, caseID uuid.UUID, err error) {
	if id, err = idParam(c, "id"); err != nil {
		return
	}
	caseID, err = idParam(c, "case_id")
	return
}

func (a *App) renderWorkpaper(c *fiber.Ctx, f *scoreForm, data fiber.Map) error {
	id, caseID, err := fileParams(c)
	if err != nil {
		return err
	}
	w, err := a.audit.Workpaper(c.UserContext(), actor(c), id, caseID)
	if err != nil {
		return err
	}
	if f == nil { // the recorded score, or the pre-checks' suggestions
		f = newScoreForm()
		if w.Score != nil {
			for _, d := range w.Score.Deductions {
				f.Points[d.ItemCode], f.Notes[d.ItemCode], f.Vetoes[d.ItemCode] = trimPoints(d.Points), d.Note, d.Veto
			}
		} else {
			for _, fd := range w.Findings {
				if fd.Status == audit.CheckFail && fd.ItemCode != "" {
					f.Points[fd.ItemCode], f.Notes[fd.ItemCode], f.Vetoes[fd.ItemCode] = trimPoints(fd.Suggested), fd.Detail, fd.Veto
				}
			}
		}
	}
	data["W"], data["Form"] = w, f
	data["CanRectify"] = canDraw(actor(c)) && w.Score != nil
	data["CanClue"] = actor(c).Has(enforcement.RoleSupervisor) && w.Score != nil && w.Score.Rating == audit.Fail
	return c.Render("evaluation_file", a.view(c, "评查 "+w.File.CaseNumber, data))
}

func trimPoints(p float64) string {
	if p == 0 {
		return "0"
	}
	return strconv.FormatFloat(p, 'f', -1, 64)
}

// GET /evaluations/{id}/files/{case_id} — the scoring page.
func (a *App) workpaperPage(c *fiber.Ctx) error {
	return a.renderWorkpaper(c, nil, fiber.Map{})
}

// POST /evaluations/{id}/files/{case_id}: one points field and note per item, a
// checkbox per veto item.
func (a *App) scoreSubmit(c *fiber.Ctx) error {
	id, caseID, err := fileParams(c)
	if err != nil {
		return err
	}
	e, err := a.audit.FindEvaluation(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	r, err := a.audit.Rubric(c.UserContext(), e.RubricID)
	if err != nil {
		return err
	}
	f := newScoreForm()
	in := audit.ScoreInput{CaseID: caseID}
	err = nil
	for _, it := range r.Items {
		note := strings.TrimSpace(c.FormValue("note_" + it.Code))
		f.Notes[it.Code] = note
		if it.Group == audit.GroupVeto {
			veto := c.FormValue("veto_"+it.Code) != ""
			f.Vetoes[it.Code] = veto
			if veto || note != "" {
				in.Deductions = append(in.Deductions, audit.Deduction{ItemCode: it.Code, Veto: veto, Note: note})
			}
			continue
		}
		s := strings.TrimSpace(c.FormValue("points_" + it.Code))
		f.Points[it.Code] = s
		if s == "" {
			s = "0"
		}
		p, perr := strconv.ParseFloat(s, 64)
		if perr != nil && err == nil {
			err = fault.Field("points_"+it.Code, "评查项目 %s 的扣分应为数字", it.Code)
		}
		in.Deductions = append(in.Deductions, audit.Deduction{ItemCode: it.Code, Points: p, Note: note})
	}
	// A form left as it opened would save the pre-checks' suggestions as the score: the
	// evaluator says they went through every item.
	if err == nil && c.FormValue("reviewed") == "" {
		err = fault.Field("reviewed", "请逐项核查各评查项目后勾选“已逐项核查”，再提交评分")
	}
	var sc audit.Score
	if err == nil {
		sc, err = a.audit.ScoreFile(c.UserContext(), actor(c), id, in)
	}
	if data, ok := formError(err); ok {
		c.Status(fiber.StatusUnprocessableEntity)
		return a.renderWorkpaper(c, f, data)
	}
	if err != nil {
		return err
	}
	a.publicChanged(c)
	return redirectFlash(c, c.Path(), fmt.Sprintf("已保存评分：%s 分，%s", trimPoints(sc.Total), sc.RatingLabel))
}

// POST /evaluations/{id}/files/{case_id}/rectifications {item_code, requirement, due_on}
func (a *App) rectificationSubmit(c *fiber.Ctx) error {
	id, caseID, err := fileParams(c)
	if err != nil {
		return err
	}
	in := audit.RectificationInput{CaseID: caseID, ItemCode: c.FormValue("item_code"), Requirement: c.FormValue("requirement"), DueOn: c.FormValue("due_on")}
	back := "/evaluations/" + id.String() + "/files/" + caseID.String()
	if _, err := a.audit.AddRectification(c.UserContext(), actor(c), id, in); err != nil {
		if data, ok := formError(err); ok {
			return redirectFlash(c, back, "未能列入整改："+data["Error"].(string))
		}
		return err
	}
	return redirectFlash(c, back, "已将评查项目 "+in.ItemCode+" 的问题列入整改")
}

// GET /rectifications?state=&evaluation_id=
func (a *App) rectificationsPage(c *fiber.Ctx) error {
	f, err := rectificationFilter(c)
	if err != nil {
		return err
	}
	if f.State == "" {
		f.State = "open"
	}
	l, err := a.audit.Rectifications(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	states := []struct{ Value, Label string }{{"open", "整改中"}, {"overdue", "逾期未整改"}, {"closed", "已整改"}, {"all", "全部"}}
	return c.Render("rectifications", a.view(c, "整改事项", fiber.Map{"List": l, "State": f.State, "States": states, "Pager": pager(c, f.Page, l.Total)}))
}

// POST /rectifications/{id}/close {note}
func (a *App) closeRectificationSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if _, err := a.audit.CloseRectification(c.UserContext(), actor(c), id, c.FormValue("note")); err != nil {
		if data, ok := formError(err); ok {
			return redirectFlash(c, "/rectifications", "未能办结："+data["Error"].(string))
		}
		return err
	}
	return redirectFlash(c, "/rectifications?state=closed", "整改事项已办结")
}

// POST /evaluations/{id}/files/{case_id}/clue — a failing file becomes a supervision clue.
func (a *App) fileClueSubmit(c *fiber.Ctx) error {
	id, caseID, err := fileParams(c)
	if err != nil {
		return err
	}
	back := "/evaluations/" + id.String() + "/files/" + caseID.String()
	cl, err := a.audit.ClueFromFile(c.UserContext(), actor(c), id, caseID)
	if fault.KindOf(err) == fault.Conflict {
		if cl.ID != uuid.Nil {
			return redirectFlash(c, "/supervision/clues/"+cl.ID.String(), err.(*fault.Error).Message)
		}
		return redirectFlash(c, back, err.(*fault.Error).Message)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/clues/"+cl.ID.String(), "已转为监督线索 "+cl.Number)
}
