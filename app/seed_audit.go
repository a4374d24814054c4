package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/enforcement"
)

// Problems evaluators typically write under the rubric's manual items.
var demoProblems = map[string][]string{
	"F1":  {"卷宗目录未逐页编号", "备考表未填写立卷人"},
	"F2":  {"当事人地址记载不完整", "文书编号前后不一致"},
	"F3":  {"询问笔录末页缺当事人签名", "送达回证未注明日期"},
	"F4":  {"证据材料未按取证顺序排列"},
	"C1":  {"立案审批表缺负责人审批意见", "超过 15 个工作日才立案"},
	"C2":  {"现场照片未注明拍摄时间、地点", "证据复印件未注明出处"},
	"C3":  {"询问笔录未记录起止时间", "现场检查笔录未载明检查人员执法证号"},
	"C4":  {"告知书未载明陈述申辩期限"},
	"C5":  {"未说明适用裁量基准的理由", "处罚决定书未引用具体条款项"},
	"C12": {"罚款缴纳凭证未归档", "结案审批表缺失"},
}

// seedAudit adds a year's reconsideration and litigation outcomes, a finished
// evaluation campaign with its rectifications (some closed) and one in progress, so that
// every section of the annual report has numbers.
func (a *App) seedAudit(ctx context.Context, out io.Writer, now time.Time) error {
	var n int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM evaluations`).Scan(&n); err != nil || n > 0 {
		return err
	}
	admin, err := a.demoAdmin(ctx)
	if err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(20261122, 7))
	outcomes, err := a.seedOutcomes(ctx, admin, r, now)
	if err != nil {
		return err
	}
	svc := a.enforcement
	saved := svc.Now
	defer func() { svc.Now = saved }()
	at := func(t time.Time) {
		if t.After(now.Add(-time.Hour)) {
			t = now.Add(-time.Hour)
		}
		svc.Now = func() time.Time { return t }
	}
	loc := enforcement.Shanghai()

	// The finished campaign: the first half of the year that was 200 days ago.
	y := now.AddDate(0, 0, -200).In(loc).Year()
	at(time.Date(y, 7, 15, 9, 30, 0, 0, loc))
	done, err := a.demoCampaign(ctx, admin, fmt.Sprintf("%d年上半年行政执法案卷集中评查", y), fmt.Sprintf("%d-01-01", y), fmt.Sprintf("%d-06-30", y), 3)
	if err != nil {
		return fmt.Errorf("finished campaign: %w", err)
	}
	if err := a.scoreDemoFiles(ctx, done, r, time.Date(y, 7, 20, 9, 0, 0, 0, loc), at, func(audit.File) bool { return true }); err != nil {
		return err
	}
	at(time.Date(y, 8, 15, 17, 0, 0, 0, loc))
	if _, err := a.audit.CloseEvaluation(ctx, admin, done.ID); err != nil {
		return err
	}
	rect, closed, err := a.demoRectifications(ctx, admin, done, r, time.Date(y, 8, 16, 10, 0, 0, 0, loc), at)
	if err != nil {
		return err
	}

	// The campaign in progress: the last full quarter, opened two weeks into this one.
	q := (int(now.In(loc).Month()) - 1) / 3
	qStart := time.Date(now.In(loc).Year(), time.Month(q*3+1), 1, 0, 0, 0, 0, loc)
	from := qStart.AddDate(0, -3, 0)
	to := qStart.AddDate(0, 0, -1)
	at(qStart.AddDate(0, 0, 14).Add(9 * time.Hour))
	quarters := []string{"第一季度", "第二季度", "第三季度", "第四季度"}
	open, err := a.demoCampaign(ctx, admin, fmt.Sprintf("%d年%s行政处罚案卷评查", from.Year(), quarters[(int(from.Month())-1)/3]),
		from.Format(time.DateOnly), to.Format(time.DateOnly), 2)
	if err != nil {
		return fmt.Errorf("campaign in progress: %w", err)
	}
	// About half scored; supervisor1 and reviewer2 keep files of their own to score.
	keep := map[string]int{"supervisor1": 2, "reviewer2": 1}
	names := map[uuid.UUID]string{}
	for _, u := range []string{"supervisor1", "reviewer2"} {
		us, err := a.enforcement.Store.FindUserByUsername(ctx, u)
		if err != nil {
			return err
		}
		names[us.ID] = u
	}
	if err := a.scoreDemoFiles(ctx, open, r, qStart.AddDate(0, 0, 16).Add(9*time.Hour), at, func(f audit.File) bool {
		if u, ok := names[f.EvaluatorID]; ok && keep[u] > 0 {
			keep[u]--
			return false
		}
		return f.Seq%2 == 0
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "演示案卷评查已载入：%s（%d 份，已结束，整改 %d 项、已整改 %d 项），%s（%d 份，评查中）；复议诉讼结果 %d 件\n",
		done.Name, done.Files, rect, closed, open.Name, open.Files, outcomes)
	return nil
}

// seedOutcomes records reconsideration and litigation results for about one decided case
// in nine, 30 to 90 days after the decision.
func (a *App) seedOutcomes(ctx context.Context, admin enforcement.Actor, r *rand.Rand, now time.Time) (int, error) {
	rows, err := a.db.Query(ctx, `SELECT id, decided_at FROM cases WHERE decided_at IS NOT NULL AND kind <> 'inspection' ORDER BY number`)
	if err != nil {
		return 0, err
	}
	type decided struct {
		id uuid.UUID
		at time.Time
	}
	var cs []decided
	for rows.Next() {
		var d decided
		if err := rows.Scan(&d.id, &d.at); err != nil {
			return 0, err
		}
		cs = append(cs, d)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	results := []struct {
		code   string
		weight int
	}{{"upheld", 60}, {"revoked", 8}, {"changed", 5}, {"confirmed_illegal", 5}, {"terminated", 10}, {"pending", 12}}
	n := 0
	for _, c := range cs {
		if r.IntN(9) != 0 {
			continue
		}
		on := c.at.AddDate(0, 0, 30+r.IntN(60))
		if on.After(now) {
			continue
		}
		typ := "reconsideration"
		if r.IntN(3) == 0 {
			typ = "litigation"
		}
		res := pickWeighted(r, results, func(x struct {
			code   string
			weight int
		}) int {
			return x.weight
		}).code
		if _, err := a.enforcement.AddOutcome(ctx, admin, c.id, enforcement.OutcomeInput{Type: typ, Result: res, DecidedAt: on}); err != nil {
			return n, fmt.Errorf("outcome of %s: %w", c.id, err)
		}
		n++
	}
	return n, nil
}

// demoCampaign opens a campaign over every department with concluded files in the
// period, with the justice bureau's evaluators and four departments' reviewers.
func (a *App) demoCampaign(ctx context.Context, admin enforcement.Actor, name, from, to string, size int) (audit.Evaluation, error) {
	rows, err := a.db.Query(ctx, `SELECT DISTINCT c.agency_id FROM cases c JOIN agencies ag ON ag.id = c.agency_id
		WHERE ag.kind = 'department' AND c.kind IN ('penalty', 'coercion') AND (c.decided_at IS NOT NULL OR c.state IN ('withdrawn', 'transferred'))
		AND (coalesce(c.decided_at, c.closed_at) AT TIME ZONE 'Asia/Shanghai')::date BETWEEN $1 AND $2`, from, to)
	if err != nil {
		return audit.Evaluation{}, err
	}
	var agencies []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return audit.Evaluation{}, err
		}
		agencies = append(agencies, id)
	}
	if err := rows.Err(); err != nil {
		return audit.Evaluation{}, err
	}
	cands, err := a.audit.Candidates(ctx, admin, "")
	if err != nil {
		return audit.Evaluation{}, err
	}
	var evaluators []uuid.UUID
	departments := 0
	for _, c := range cands {
		switch {
		case c.AgencyName == "青山县司法局":
			evaluators = append(evaluators, c.ID)
		case departments < 4 && !slices.Contains(evaluators, c.ID):
			evaluators = append(evaluators, c.ID)
			departments++
		}
	}
	return a.audit.CreateEvaluation(ctx, admin, audit.EvaluationInput{Name: name, PeriodFrom: from, PeriodTo: to, AgencyIDs: agencies,
		CaseKinds: []string{"penalty", "coercion"}, SampleSize: size, EvaluatorIDs: evaluators, Witness: "福彩双色球 " + from[:4] + "081 期"})
}

// scoreDemoFiles scores the chosen files as their evaluators would: the pre-checks'
// suggestions taken, a typical problem here and there, a veto now and then.
func (a *App) scoreDemoFiles(ctx context.Context, e audit.Evaluation, r *rand.Rand, start time.Time, at func(time.Time), chosen func(audit.File) bool) error {
	rub, err := a.audit.Rubric(ctx, e.RubricID)
	if err != nil {
		return err
	}
	actors := map[uuid.UUID]enforcement.Actor{}
	for i, f := range e.Sample {
		if !chosen(f) {
			continue
		}
		act, ok := actors[f.EvaluatorID]
		if !ok {
			if act, err = a.enforcement.Store.FindActor(ctx, f.EvaluatorID); err != nil {
				return err
			}
			actors[f.EvaluatorID] = act
		}
		findings, err := a.audit.Precheck(ctx, f.CaseID, &rub)
		if err != nil {
			return err
		}
		var ds []audit.Deduction
		for _, it := range rub.Items {
			d := audit.Deduction{ItemCode: it.Code}
			for _, fd := range findings {
				if fd.ItemCode == it.Code && fd.Status == audit.CheckFail {
					d.Points, d.Veto, d.Note = fd.Suggested, fd.Veto, fd.Detail
				}
			}
			if ps := demoProblems[it.Code]; ps != nil && d.Points == 0 && r.IntN(4) == 0 {
				d.Points = min(it.MaxPoints, float64(1+r.IntN(4)))
				d.Note = ps[r.IntN(len(ps))]
			}
			if it.Group == audit.GroupVeto {
				if it.Code == "V4" && r.IntN(14) == 0 {
					d.Veto, d.Note = true, "主要违法事实仅有当事人陈述，无其他证据印证"
				}
				if !d.Veto && d.Note == "" {
					continue
				}
			}
			ds = append(ds, d)
		}
		at(start.Add(time.Duration(i) * 7 * time.Hour))
		if _, err := a.audit.ScoreFile(ctx, act, e.ID, audit.ScoreInput{CaseID: f.CaseID, Deductions: ds}); err != nil {
			return fmt.Errorf("score %s: %w", f.CaseNumber, err)
		}
	}
	return nil
}

// demoRectifications turns the worst problem of each file not rated 优秀 into a
// rectification item due six weeks on; two in three are closed with the agency's account.
func (a *App) demoRectifications(ctx context.Context, admin enforcement.Actor, e audit.Evaluation, r *rand.Rand, start time.Time,
	at func(time.Time)) (int, int, error) {
	at(start)
	due := enforcement.DateOf(start.AddDate(0, 0, 42)).String()
	made, closed := 0, 0
	for _, f := range e.Sample {
		sc, err := a.audit.FileScore(ctx, e.ID, f.CaseID)
		if err != nil || sc == nil {
			return made, closed, err
		}
		if sc.Rating == audit.Excellent {
			continue
		}
		// One item per file: its veto, or its heaviest deduction.
		worst := slices.MaxFunc(sc.Deductions, func(x, y audit.Deduction) int {
			switch {
			case x.Veto != y.Veto:
				if x.Veto {
					return 1
				}
				return -1
			case x.Points > y.Points:
				return 1
			case x.Points < y.Points:
				return -1
			}
			return 0
		})
		for _, d := range []audit.Deduction{worst} {
			if !d.Problem() {
				continue
			}
			at(start)
			rc, err := a.audit.AddRectification(ctx, admin, e.ID, audit.RectificationInput{CaseID: f.CaseID, ItemCode: d.ItemCode,
				Requirement: "对照评查意见逐项整改，完善案卷材料并举一反三，" + due + " 前报送整改情况", DueOn: due})
			if err != nil {
				return made, closed, err
			}
			made++
			if r.IntN(3) == 0 {
				continue
			}
			at(start.AddDate(0, 0, 20+r.IntN(20)))
			if _, err := a.audit.CloseRectification(ctx, admin, rc.ID, "已补正相关材料，组织办案人员学习评查标准，完善了内部审核流程"); err != nil {
				return made, closed, err
			}
			closed++
		}
	}
	return made, closed, nil
}
