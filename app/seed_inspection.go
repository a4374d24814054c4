package app

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/inspection"
)

// demoIndustries are the county's market entities by industry, in the shares a county
// register shows; each has the type of entity and the share of each risk class.
type demoIndustry struct {
	name    string
	weight  int
	suffix  []string
	sole    int    // percent registered as sole traders (个体工商户)
	risk    [4]int // A, B, C, D percent
	special string // a type other than 企业 / 个体工商户
}

var demoIndustries = []demoIndustry{
	{"餐饮服务", 18, []string{"餐饮有限公司", "饭店", "小吃店", "餐馆"}, 55, [4]int{6, 24, 45, 25}, ""},
	{"食品销售", 15, []string{"食品商行", "超市有限公司", "副食店", "粮油经营部"}, 50, [4]int{5, 20, 50, 25}, ""},
	{"批发零售", 24, []string{"贸易有限公司", "商行", "百货店", "五金经营部"}, 40, [4]int{3, 12, 45, 40}, ""},
	{"制造业", 10, []string{"实业有限公司", "制品有限公司", "机械厂"}, 5, [4]int{8, 22, 45, 25}, ""},
	{"建筑业", 5, []string{"建筑工程有限公司", "建材有限公司"}, 0, [4]int{10, 25, 45, 20}, ""},
	{"道路运输", 5, []string{"运输有限公司", "物流有限公司"}, 10, [4]int{10, 25, 40, 25}, ""},
	{"住宿", 4, []string{"宾馆", "酒店有限公司", "旅社"}, 45, [4]int{5, 20, 50, 25}, ""},
	{"危险化学品经营", 1, []string{"化工有限公司", "燃气有限公司"}, 0, [4]int{40, 40, 15, 5}, ""},
	{"特种设备使用", 4, []string{"电梯有限公司", "锅炉有限公司", "起重设备有限公司"}, 0, [4]int{20, 35, 35, 10}, ""},
	{"户外广告", 3, []string{"广告有限公司", "广告传媒有限公司"}, 20, [4]int{4, 16, 50, 30}, ""},
	{"农业", 6, []string{"种养专业合作社", "果蔬专业合作社"}, 0, [4]int{2, 13, 45, 40}, "农民专业合作社"},
	{"其他服务", 5, []string{"信息咨询服务部", "家政服务有限公司", "美容美发店"}, 50, [4]int{2, 10, 48, 40}, ""},
}

var demoTradeNames = []rune("鑫源恒通百佳华盛金泰宏达瑞丰永兴福康隆昌嘉和晟安聚德美联顺发祥云天成宝利景明汇丰新城佳乐裕民")

const demoTargets = 22_000

// demoTargetRows writes the demo county's register of market entities as CSV, the way
// an agency uploads it.
func demoTargetRows() []byte {
	r := rand.New(rand.NewPCG(20261122, 6))
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"统一社会信用代码", "名称", "类型", "区划代码", "行业", "风险等级"})
	for i := range demoTargets {
		ind := pickWeighted(r, demoIndustries, func(x demoIndustry) int { return x.weight })
		kind := "企业"
		switch {
		case ind.special != "":
			kind = ind.special
		case r.IntN(100) < ind.sole:
			kind = "个体工商户"
		}
		risk, p := "D", r.IntN(100)
		for k, share := range ind.risk {
			if p < share {
				risk = inspection.Risks[k]
				break
			}
			p -= share
		}
		name := "青山县" + string(demoTradeNames[r.IntN(len(demoTradeNames))]) + string(demoTradeNames[r.IntN(len(demoTradeNames))]) +
			ind.suffix[r.IntN(len(ind.suffix))]
		if i%7 == 0 { // names repeat in a real register; the code tells them apart
			name = demoTownships[r.IntN(len(demoTownships))] + name[len("青山县"):]
		}
		first := fmt.Sprintf("91%sMA5%06d", demoCounty, i+1)
		_ = w.Write([]string{first + string(enforcement.CreditCheckChar(first)), name, kind, demoCounty, ind.name, risk})
	}
	w.Flush()
	return buf.Bytes()
}

// demoResults are the results of the demo's past checks, by weight, with what the
// inspectors wrote when they found something.
type demoResult struct {
	code     string
	weight   int
	findings string
}

var demoResults = []demoResult{
	{"no_problem", 68, ""},
	{"corrected", 9, "检查发现部分商品未明码标价、进货查验记录不全，已当场责令改正，经营者已整改。"},
	{"not_disclosed", 5, "未按规定报送并公示上一年度年度报告，已责令限期补报。"},
	{"unreachable", 5, "通过登记的住所无法联系，经营场所已转租他人。"},
	{"no_activity", 6, ""},
	{"followup", 3, "发现超过保质期的食品与正常食品混放销售，已依法扣押，待立案查处。"},
	{"false_disclosure", 1, "公示的从业人数、资产总额与实际情况明显不符。"},
	{"other", 3, "经营者正在办理注销登记。"},
}

// seedInspection loads the register of targets, registers a conflict of interest, and
// runs the demo's tasks: two drawn months ago with every result entered and published, one
// drawn last week with results coming in, and one frozen and ready to draw. Each part is
// skipped when already there.
func (a *App) seedInspection(ctx context.Context, out io.Writer, now time.Time) error {
	admin, err := a.demoAdmin(ctx)
	if err != nil {
		return err
	}
	var targets, tasks int
	if err := a.db.QueryRow(ctx, `SELECT (SELECT count(*) FROM inspection_targets), (SELECT count(*) FROM inspection_tasks)`).Scan(&targets, &tasks); err != nil {
		return err
	}
	if targets == 0 {
		res, err := a.inspection.ImportTargets(ctx, admin, bytes.NewReader(demoTargetRows()), "text/csv")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "演示检查对象名录已载入：%d 户\n", res.Created)
	}
	if tasks > 0 {
		return nil
	}
	agency := func(name string) uuid.UUID {
		var id uuid.UUID
		_ = a.db.QueryRow(ctx, `SELECT id FROM agencies WHERE name = $1`, name).Scan(&id)
		return id
	}
	matter := func(name string) uuid.UUID {
		var id uuid.UUID
		_ = a.db.QueryRow(ctx, `SELECT id FROM inspection_matters WHERE name = $1`, name).Scan(&id)
		return id
	}
	market, urban := agency("青山县市场监督管理局"), agency("青山县城市管理局")
	officer2 := demoID("officer", 2)
	var conflictCode string
	if err := a.db.QueryRow(ctx, `SELECT code FROM inspection_targets WHERE industry = '食品销售' ORDER BY code LIMIT 1`).Scan(&conflictCode); err != nil {
		return err
	}
	if _, err := a.inspection.AddConflict(ctx, admin, inspection.ConflictInput{OfficerID: officer2, TargetCode: conflictCode,
		Reason: "其配偶为该经营者的法定代表人"}); err != nil {
		return err
	}

	svc := a.enforcement
	saved := svc.Now
	defer func() { svc.Now = saved }()
	at := func(daysAgo int, hour int) {
		d := now.In(enforcement.Shanghai()).AddDate(0, 0, -daysAgo)
		t := time.Date(d.Year(), d.Month(), d.Day(), hour, 30, 0, 0, enforcement.Shanghai())
		svc.Now = func() time.Time { return t }
	}
	r := rand.New(rand.NewPCG(20261122, 7))
	plans := []struct {
		in       inspection.TaskInput
		ago      int // days before today the task was created
		draw     bool
		witness  string
		resulted int // percent of its checks with results entered
	}{
		{inspection.TaskInput{Name: "2026年第一季度批发零售企业公示信息抽查", MatterIDs: []uuid.UUID{matter("企业公示信息抽查")},
			AgencyIDs: []uuid.UUID{market}, Filter: inspection.PoolFilter{Type: "企业", Industry: "批发零售"},
			Ratios: map[string]float64{"A": 0.05, "B": 0.04, "C": 0.03, "D": 0.03}, InspectorsPerTarget: 2, InspectorField: "市场监管"},
			240, true, "福彩3D 2026074期开奖号码 5 1 8", 100},
		{inspection.TaskInput{Name: "2026年上半年餐饮服务单位联合抽查", MatterIDs: []uuid.UUID{matter("食品经营者监督检查"), matter("户外广告设施设置检查")},
			AgencyIDs: []uuid.UUID{market, urban}, Filter: inspection.PoolFilter{Industry: "餐饮服务"},
			Ratios: map[string]float64{"A": 0.1, "B": 0.05, "C": 0.03, "D": 0.03}, InspectorsPerTarget: 2},
			150, true, "现场掷骰 3 6 2 4 1", 100},
		{inspection.TaskInput{Name: "2026年第四季度食品销售者监督检查", MatterIDs: []uuid.UUID{matter("食品经营者监督检查")},
			AgencyIDs: []uuid.UUID{market}, Filter: inspection.PoolFilter{Industry: "食品销售"},
			Ratios: map[string]float64{"A": 0.06, "B": 0.04, "C": 0.03, "D": 0.03}, InspectorsPerTarget: 2, InspectorField: "市场监管",
			ExcludeDays: 180},
			9, true, "福彩3D 2026301期开奖号码 0 7 3", 30},
		{inspection.TaskInput{Name: "2026年第四季度特种设备使用单位联合抽查", MatterIDs: []uuid.UUID{matter("特种设备使用单位检查")},
			AgencyIDs: []uuid.UUID{market, urban}, Filter: inspection.PoolFilter{Industry: "特种设备使用"},
			Ratios: map[string]float64{"A": 0.1, "B": 0.05, "C": 0.03, "D": 0.03}, InspectorsPerTarget: 2, ExcludeDays: 180},
			2, false, "", 0},
	}
	for _, p := range plans {
		at(p.ago, 9)
		p.in.DueDate = svc.Today().AddDays(60).String()
		t, err := a.inspection.CreateTask(ctx, admin, p.in)
		if err != nil {
			return fmt.Errorf("task %s: %w", p.in.Name, err)
		}
		if !p.draw {
			fmt.Fprintf(out, "演示抽查任务已冻结待抽取：%s（名录 %d 户）\n", t.Name, t.PoolSize)
			continue
		}
		at(p.ago-1, 10)
		d, err := a.inspection.Draw(ctx, admin, t.ID, inspection.DrawInput{Witness: p.witness})
		if err != nil {
			return fmt.Errorf("draw %s: %w", t.Name, err)
		}
		done, err := a.seedResults(ctx, admin, r, d, now, p.ago, p.resulted)
		if err != nil {
			return fmt.Errorf("results of %s: %w", t.Name, err)
		}
		fmt.Fprintf(out, "演示抽查任务已抽取：%s（名录 %d 户，抽中 %d 户，已录入结果 %d 户）\n", t.Name, t.PoolSize, d.SelectedCount, done)
	}
	return nil
}

// seedResults enters the results of a share of a draw's checks, each by its first
// inspector, spread over the weeks after the draw, and publishes them a few days later.
func (a *App) seedResults(ctx context.Context, admin enforcement.Actor, r *rand.Rand, d inspection.Draw, now time.Time, ago, percent int) (int, error) {
	svc := a.enforcement
	done := 0
	for _, it := range d.Selected {
		if r.IntN(100) >= percent {
			continue
		}
		var ck uuid.UUID
		if err := a.db.QueryRow(ctx, `SELECT id FROM inspection_checks WHERE draw_id = $1 AND seq = $2`, d.ID, it.Seq).Scan(&ck); err != nil {
			return done, err
		}
		o, err := svc.Store.FindOfficer(ctx, it.InspectorIDs[0])
		if err != nil {
			return done, err
		}
		// The demo has accounts for two officers only; the others' results are entered
		// under the administrator's account as the officer who did the check.
		inspector := admin
		inspector.OfficerID, inspector.AgencyID, inspector.AgencyName = &o.ID, o.AgencyID, o.AgencyName
		inspector.Roles = []enforcement.Role{enforcement.RoleOfficer}
		days := 3 + r.IntN(min(40, max(ago-2, 4)))
		day := max(ago-days, 0)
		resultAt := now.AddDate(0, 0, -day)
		svc.Now = func() time.Time { return resultAt }
		res := pickWeighted(r, demoResults, func(x demoResult) int { return x.weight })
		if _, err := a.inspection.RecordResult(ctx, inspector, ck, inspection.ResultInput{Result: res.code, Findings: res.findings}); err != nil {
			return done, err
		}
		done++
		if day < 3 {
			continue // entered in the last days: still waiting to be published
		}
		pub := day - 1 - r.IntN(2)
		pubAt := now.AddDate(0, 0, -pub)
		svc.Now = func() time.Time { return pubAt }
		var item uuid.UUID
		if err := a.db.QueryRow(ctx, `SELECT id FROM disclosures WHERE check_id = $1 AND state = 'due'`, ck).Scan(&item); err != nil {
			continue // published already: the agency publishes automatically
		}
		if _, err := svc.PublishDisclosure(ctx, admin, item); err != nil {
			return done, err
		}
	}
	return done, nil
}

// pickWeighted picks one of items with probability proportional to its weight.
func pickWeighted[T any](r *rand.Rand, items []T, weight func(T) int) T {
	total := 0
	for _, x := range items {
		total += weight(x)
	}
	pick := r.IntN(total)
	for _, x := range items {
		if pick < weight(x) {
			return x
		}
		pick -= weight(x)
	}
	return items[len(items)-1]
}
