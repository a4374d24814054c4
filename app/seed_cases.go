package app

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/evidence"
)

// demoCauses are typical causes per enforcement field, as county case lists show them.
var demoCauses = map[string][]string{
	"市场监管":   {"销售过期食品", "未取得食品经营许可从事食品经营", "发布虚假广告", "销售不符合安全标准的产品"},
	"城市管理":   {"占道经营", "擅自设置户外广告设施", "未经批准进行违法建设", "运输建筑垃圾沿途撒漏"},
	"生态环境":   {"超标排放大气污染物", "建设项目未批先建", "未按规定贮存危险废物"},
	"农业":     {"经营假农药", "违规使用禁用兽药", "无证收购生鲜乳"},
	"交通运输":   {"未取得道路运输经营许可从事道路运输", "货车超限运输", "出租车拒载"},
	"文化市场":   {"网吧接纳未成年人", "擅自从事营业性演出"},
	"安全生产":   {"未按规定开展安全生产教育培训", "未按规定排查治理事故隐患"},
	"公共卫生":   {"公共场所卫生许可证逾期", "非法行医"},
	"自然资源":   {"非法占用土地建房", "未经许可采矿"},
	"综合行政执法": {"违法搭建", "焚烧秸秆", "擅自占用道路堆放物品"},
}

var demoBasis = map[string]string{
	"市场监管": "《中华人民共和国食品安全法》", "城市管理": "《城市市容和环境卫生管理条例》", "生态环境": "《中华人民共和国大气污染防治法》",
	"农业": "《农药管理条例》", "交通运输": "《中华人民共和国道路运输条例》", "文化市场": "《互联网上网服务营业场所管理条例》",
	"安全生产": "《中华人民共和国安全生产法》", "公共卫生": "《公共场所卫生管理条例》", "自然资源": "《中华人民共和国土地管理法》",
	"综合行政执法": "《江西省乡镇综合行政执法条例》",
}

// demoPath is the sequence of moves that brings a case to its final state.
var demoPaths = []struct {
	weight int
	path   []enforcement.State
}{
	{4, nil},
	{12, []enforcement.State{enforcement.Investigating}},
	{8, []enforcement.State{enforcement.Investigating, enforcement.Notified}},
	{2, []enforcement.State{enforcement.Investigating, enforcement.Notified, enforcement.Hearing}},
	{7, []enforcement.State{enforcement.Investigating, enforcement.Notified, enforcement.Decided}},
	{7, []enforcement.State{enforcement.Investigating, enforcement.Notified, enforcement.Decided, enforcement.Served}},
	{5, []enforcement.State{enforcement.Investigating, enforcement.Notified, enforcement.Decided, enforcement.Served, enforcement.Executed}},
	{25, []enforcement.State{enforcement.Investigating, enforcement.Notified, enforcement.Decided, enforcement.Served, enforcement.Executed, enforcement.Closed}},
	{4, []enforcement.State{enforcement.Investigating, enforcement.Notified, enforcement.Hearing, enforcement.Decided, enforcement.Served, enforcement.Closed}},
	{18, []enforcement.State{enforcement.Investigating, enforcement.Notified, enforcement.Decided, enforcement.Served, enforcement.Executed, enforcement.Closed, enforcement.Archived}},
	{5, []enforcement.State{enforcement.Investigating, enforcement.Withdrawn}},
	{3, []enforcement.State{enforcement.Investigating, enforcement.Transferred}},
}

// demoFine spreads fines as county case lists show them, in fen: four in five 200 to
// 8,000 yuan, some 5,000 to 35,000, a few 5万 to 15万 (from 10万 major for a company too).
func demoFine(k int) int64 {
	switch {
	case k < 40:
		return int64(k+1) * 200_00
	case k < 47:
		return int64(k-39) * 5_000_00
	}
	return int64(k-46) * 50_000_00
}

func pickPath(r *rand.Rand) []enforcement.State {
	n := r.IntN(100)
	for _, p := range demoPaths {
		if n < p.weight {
			return p.path
		}
		n -= p.weight
	}
	return nil
}

// demoPerson makes a natural person with a valid resident ID number of the county.
func demoPerson(r *rand.Rand) enforcement.Party {
	first := fmt.Sprintf("360799%04d%02d%02d%03d", 1960+r.IntN(45), 1+r.IntN(12), 1+r.IntN(28), r.IntN(1000))
	return enforcement.Party{Type: "person", Name: demoName(r), IDNumber: first + string(enforcement.IDCheckChar(first)),
		Address: "青山县城关镇" + []string{"解放路", "建设路", "人民路", "滨江路"}[r.IntN(4)] + fmt.Sprint(1+r.IntN(200)) + "号",
		Phone:   fmt.Sprintf("139%08d", r.IntN(100000000))}
}

// demoOrg makes a company with a valid unified social credit code of the county.
func demoOrg(r *rand.Rand) enforcement.Party {
	first := fmt.Sprintf("91360799MA%07d", r.IntN(10000000))
	name := "青山县" + []string{"鸿运", "兴旺", "金盛", "绿源", "恒通", "佳美", "顺达", "惠民"}[r.IntN(8)] +
		[]string{"商贸", "食品", "建材", "运输", "餐饮", "农业开发"}[r.IntN(6)] + "有限公司"
	return enforcement.Party{Type: "org", Name: name, IDNumber: first + string(enforcement.CreditCheckChar(first))}
}

// seedCases files cases over the past year in agencies that have at least two officers
// with valid certificates, and walks each along a path to its state, with records.
func (a *App) seedCases(ctx context.Context, b enforcement.Bulk, now time.Time) (int, error) {
	r := rand.New(rand.NewPCG(20261122, 3))
	rd := rand.New(rand.NewPCG(20261202, 23)) // the documents' own, so the cases stay as they were
	st, ev := a.enforcement.Store, a.evidence.Store
	cal, err := st.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	today := enforcement.DateOf(now)
	valid := map[uuid.UUID][]enforcement.Officer{}
	for _, o := range b.Officers {
		if o.CanEnforce(today) {
			valid[o.AgencyID] = append(valid[o.AgencyID], o)
		}
	}
	users := map[string]enforcement.User{}
	for _, u := range b.Users {
		users[u.Username] = u
	}
	actorOf := func(u enforcement.User, name string) enforcement.Actor {
		return enforcement.Actor{UserID: u.ID, Username: u.Username, Name: name, Roles: u.Roles, AgencyID: u.AgencyID}
	}
	// Major decisions go through legal review first, as the law requires: a justice
	// bureau reviewer approves the draft a day before the decision.
	rv, err := st.FindActor(ctx, users["reviewer2"].ID)
	if err != nil {
		return 0, fmt.Errorf("demo reviewer: %w", err)
	}
	svc := a.enforcement
	saved := svc.Now
	defer func() { svc.Now = saved }()
	criteria := map[uuid.UUID]enforcement.MajorCriteria{}
	approve := func(c enforcement.Case, d enforcement.Decision, handler enforcement.Actor, decideAt time.Time) error {
		crit, ok := criteria[c.AgencyID]
		if !ok {
			var err error
			if crit, err = st.Criteria(ctx, c.AgencyID); err != nil {
				return err
			}
			criteria[c.AgencyID] = crit
		}
		if len(crit.Reasons(&c, d)) == 0 {
			return nil
		}
		svc.Now = func() time.Time { return decideAt.Add(-50 * time.Hour) }
		r, err := svc.SubmitReview(ctx, handler, c.ID, d)
		if err != nil {
			return err
		}
		svc.Now = func() time.Time { return decideAt.Add(-26 * time.Hour) }
		_, err = svc.DecideReview(ctx, rv, r.ID, enforcement.ReviewDecision{Outcome: enforcement.ReviewApproved, Checklist: demoChecklist(),
			Opinion: "经审核，执法主体合法，事实清楚，证据确凿，适用依据正确，程序合法，裁量适当，同意作出该决定"})
		return err
	}
	// The market regulator and the emergency bureau make their documents in zhifa for every
	// demo case; the other bureaus started today, their earlier documents are on paper.
	since := enforcement.DateOf(now.AddDate(-1, -1, 0))
	if _, err := a.db.Exec(ctx, `UPDATE agencies SET documents_from = $1 WHERE name IN ('青山县市场监督管理局', '青山县应急管理局')`, since); err != nil {
		return 0, err
	}
	count, documented := 0, 0
	for _, ag := range b.Agencies {
		officers := valid[ag.ID]
		if ag.Kind == enforcement.KindGovernment || len(officers) < 2 {
			continue
		}
		field := officers[0].Fields[0]
		causes, basis := demoCauses[field], demoBasis[field]
		if len(causes) == 0 {
			rule := field + "管理规定"
			if strings.HasSuffix(field, "管理") || strings.HasSuffix(field, "征管") {
				rule = field + "规定"
			}
			causes, basis = []string{"违反" + rule, "未按规定履行" + field + "相关义务"}, "有关"+field+"的法律、法规"
		}
		n := 3 + len(officers)/3
		if ag.Name == "青山县市场监督管理局" {
			n = 60
		}
		for i := 0; i < n; i++ {
			h1, h2 := officers[r.IntN(len(officers))], officers[r.IntN(len(officers))]
			for h2.ID == h1.ID {
				h2 = officers[r.IntN(len(officers))]
			}
			by := actorOf(users["admin"], h1.Name)
			if ag.Name == "青山县市场监督管理局" && i%2 == 0 {
				// The demo officers handle half of their bureau's cases.
				h1, h2 = officerByName(b, "李明"), officerByName(b, "王芳")
				by = actorOf(users["officer1"], "李明")
			}
			party := demoPerson(r)
			if r.IntN(2) == 0 {
				party = demoOrg(r)
			}
			cause := causes[r.IntN(len(causes))]
			filed := now.Add(-time.Duration(5+r.IntN(320)) * 24 * time.Hour).Add(-time.Duration(r.IntN(8)) * time.Hour)
			path := pickPath(r)
			// A case still open was mostly filed lately: a county has a few cases past their
			// deadline for the supervisor to chase, not a hundred.
			last := enforcement.Filed
			if len(path) > 0 {
				last = path[len(path)-1]
			}
			if r.IntN(8) > 0 {
				switch last {
				case enforcement.Decided: // decided within the last week or so, still to serve
					filed = now.Add(-time.Duration(24+r.IntN(6)) * 24 * time.Hour)
				case enforcement.Filed, enforcement.Investigating, enforcement.Notified, enforcement.Hearing:
					filed = now.Add(-time.Duration(3+r.IntN(60)) * 24 * time.Hour)
				}
			}
			c, err := st.CreateCase(ctx, enforcement.CaseInput{AgencyID: ag.ID, Kind: "penalty", Cause: cause,
				LegalBasis: basis, Parties: []enforcement.Party{party}, HandlerIDs: []uuid.UUID{h1.ID, h2.ID},
				OccurredAt: filed.Add(-48 * time.Hour), Location: party.Address}, by, filed)
			if err != nil {
				return count, err
			}
			t := filed
			handler := enforcement.Actor{UserID: by.UserID, Username: by.Username, Name: h1.Name,
				Roles: []enforcement.Role{enforcement.RoleOfficer}, AgencyID: ag.ID, OfficerID: &h1.ID}
			var decision evidence.Document
			for _, to := range path {
				t = t.Add(time.Duration(2+r.IntN(6)) * 24 * time.Hour)
				if to == enforcement.Decided || to == enforcement.Hearing {
					t = t.Add(10 * 24 * time.Hour)
				}
				if t.After(now) {
					break
				}
				if to == enforcement.Notified {
					if _, err := ev.Append(ctx, evidence.Record{CaseID: c.ID, Stage: enforcement.Investigating, Kind: "onsite",
						Note: "现场检查：" + cause + "，制作现场检查笔录并拍照取证", OccurredAt: t.Add(-24 * time.Hour),
						AuthorID: &by.UserID, AuthorName: h1.Name}); err != nil {
						return count, err
					}
				}
				if to == enforcement.Notified && c.DocumentsRequired {
					// One notice is corrected; the refusals to sign come with the demo's files (SeedMedia).
					documented++
					notice, err := a.demoNotice(ctx, handler, c, "责令改正，并处罚款", t.Add(-3*time.Hour), rd, docOptions{})
					if err != nil {
						return count, fmt.Errorf("demo case %s notice: %w", c.Number, err)
					}
					if documented == 5 {
						if _, err := a.demoNotice(ctx, handler, c, "责令改正，并处没收违法所得、罚款", t.Add(-2*time.Hour), rd,
							docOptions{replaces: &notice.ID}); err != nil {
							return count, fmt.Errorf("demo case %s correction: %w", c.Number, err)
						}
					}
				}
				m := enforcement.Move{To: to}
				switch to {
				case enforcement.Hearing:
					at := cal.AddWorkingDays(enforcement.DateOf(t), 8).StartIn().Add(9 * time.Hour)
					m.HearingAt = &at
				case enforcement.Decided:
					// Decide only once the party's statement period has run, holidays counted.
					if c.NotifiedAt != nil {
						if after := cal.AddWorkingDays(enforcement.DateOf(*c.NotifiedAt), 6).StartIn().Add(10 * time.Hour); t.Before(after) {
							t = after
						}
						if c.HearingAt != nil && t.Before(c.HearingAt.Add(48*time.Hour)) {
							t = c.HearingAt.Add(48 * time.Hour)
						}
					}
					m.Decision = &enforcement.Decision{Outcome: "penalty", FineAmount: demoFine(r.IntN(50)),
						Text: "责令改正，并处罚款", HearingHeld: c.HearingAt != nil}
				case enforcement.Served:
					// Most demo decisions are handed over against a signed 送达回证, photographed into
					// the case; the rest go to the party's confirmed e-mail address.
					electronic := r.IntN(3) == 0
					if c.DocumentsRequired {
						if m.Delivery, err = a.demoServe(ctx, handler, c, decision, t.Add(-4*time.Hour), electronic, rd); err != nil {
							return count, fmt.Errorf("demo case %s service: %w", c.Number, err)
						}
						break
					}
					// On paper: the signed 送达回证 photographed into the case, or e-mail.
					m.Delivery = &enforcement.Delivery{Method: "electronic", At: t.Add(-2 * time.Hour), Recipient: party.Name}
					if !electronic {
						proof, err := ev.Append(ctx, evidence.Record{CaseID: c.ID, Stage: enforcement.Decided, Kind: "document",
							Note: "送达回证：" + party.Name + " 签收行政处罚决定书", OccurredAt: t.Add(-2 * time.Hour),
							AuthorID: &by.UserID, AuthorName: h1.Name})
						if err != nil {
							return count, err
						}
						m.Delivery.Method, m.Delivery.ProofRecordID = "direct", &proof.ID
					}
				case enforcement.Executed:
					m.Execution = fmt.Sprintf("当事人已缴纳罚款 %d.%02d 元，已改正违法行为", c.Decision.FineAmount/100, c.Decision.FineAmount%100)
					m.ExecutedOn = enforcement.DateOf(t.Add(-24 * time.Hour))
				case enforcement.Closed:
					m.Summary = "本案事实清楚、证据确实充分，已依法作出处罚决定并送达，当事人已履行完毕，予以结案。"
					if c.State == enforcement.Served {
						m.Summary = "本案已依法作出处罚决定并送达，当事人依法申请行政复议，待复议结果作出后另行处理，予以结案。"
					}
				case enforcement.Withdrawn:
					m.Reason = "违法事实不能成立"
				case enforcement.Transferred:
					m.Reason = "涉嫌犯罪，移送公安机关"
				}
				if t.After(now) {
					break
				}
				if m.Decision != nil {
					if err := approve(c, *m.Decision, handler, t); err != nil {
						return count, fmt.Errorf("demo case %s review: %w", c.Number, err)
					}
					if c.DocumentsRequired {
						if decision, err = a.demoDecision(ctx, handler, c, *m.Decision, t.Add(-time.Hour), rd); err != nil {
							return count, fmt.Errorf("demo case %s decision: %w", c.Number, err)
						}
					}
				}
				moveAt, number := t, c.Number
				c, err = st.UpdateCase(ctx, c.ID, func(cs *enforcement.Case) (*enforcement.TimelineEntry, error) {
					return cs.Transition(m, cal, moveAt, by.UserID, h1.Name)
				})
				if err != nil {
					return count, fmt.Errorf("demo case %s to %s: %w", number, to, err)
				}
			}
			count++
		}
	}
	n, err := a.seedLastYear(ctx, b, valid, now, approve, actorOf(users["admin"], "系统管理员"))
	return count + n, err
}

// lastYearKinds: what each bureau decides besides penalties, for last year's return.
var lastYearKinds = map[string][]enforcement.CaseKind{
	"市场监督管理局": {"license", "coercion"}, "城市管理局": {"license", "coercion", "levy"}, "生态环境": {"license", "coercion"},
	"自然资源局": {"license", "coercion", "levy"}, "交通运输局": {"license", "coercion"}, "文化广电": {"license"}, "卫生健康": {"license"},
	"农业农村局": {"license"}, "应急管理局": {"coercion", "requisition"}, "住房和城乡建设局": {"license", "levy"}, "水利局": {"license", "levy"},
	"林业局": {"license"}, "公安局": {"license", "coercion"},
}

// seedLastYear gives each bureau last year's finished cases of every kind it handles, on
// paper (filed before its documents moved into zhifa), so that last year's statistical
// return, due by 31 January, has every table filled as a county's is.
func (a *App) seedLastYear(ctx context.Context, b enforcement.Bulk, valid map[uuid.UUID][]enforcement.Officer, now time.Time,
	approve func(enforcement.Case, enforcement.Decision, enforcement.Actor, time.Time) error, admin enforcement.Actor) (int, error) {
	r := rand.New(rand.NewPCG(20251231, 7)) // its own, so this year's cases stay as they were
	st := a.enforcement.Store
	cal, err := st.Calendar(ctx)
	if err != nil {
		return 0, err
	}
	year := now.In(enforcement.Shanghai()).Year() - 1
	first := time.Date(year, time.January, 6, 9, 0, 0, 0, enforcement.Shanghai())
	count := 0
	for _, ag := range b.Agencies {
		officers := valid[ag.ID]
		if ag.Kind == enforcement.KindGovernment || len(officers) < 2 {
			continue
		}
		field := officers[0].Fields[0]
		causes, basis := demoCauses[field], demoBasis[field]
		if len(causes) == 0 {
			causes, basis = []string{"未按规定履行" + field + "相关义务"}, "有关"+field+"的法律、法规"
		}
		var plan []enforcement.CaseKind
		for range 2 + len(officers)/4 {
			plan = append(plan, "penalty")
		}
		if ag.Name == "青山县市场监督管理局" {
			plan = plan[:0]
			for range 36 {
				plan = append(plan, "penalty")
			}
		}
		var kinds []enforcement.CaseKind
		for name, ks := range lastYearKinds {
			if strings.Contains(ag.Name, name) {
				kinds = ks
			}
		}
		if ag.Kind != enforcement.KindTownship {
			for range 2 + len(officers)/3 { // officers' own check records, outside the draws
				plan = append(plan, "inspection")
			}
			for _, k := range kinds {
				n := map[enforcement.CaseKind]int{"license": 3 + len(officers)/2, "coercion": 1 + r.IntN(3), "levy": 1 + r.IntN(3), "requisition": 1}[k]
				for range n {
					plan = append(plan, k)
				}
			}
		}
		for _, kind := range plan {
			h1, h2 := officers[r.IntN(len(officers))], officers[r.IntN(len(officers))]
			for h2.ID == h1.ID {
				h2 = officers[r.IntN(len(officers))]
			}
			party := demoOrg(r)
			if kind == "penalty" && r.IntN(2) == 0 {
				party = demoPerson(r)
			}
			cause := causes[r.IntN(len(causes))]
			d := enforcement.Decision{Outcome: "other"}
			switch kind {
			case "penalty":
				d.Outcome, d.FineAmount, d.Text = "penalty", int64(2+r.IntN(49))*100_00, "责令改正，并处罚款"
				switch n := r.IntN(100); {
				case n < 8:
					d.Outcome, d.FineAmount, d.Text = "no_penalty", 0, "违法行为轻微并及时改正，没有造成危害后果，不予行政处罚"
				case n < 18:
					d.FineAmount, d.Categories, d.Text = 0, []string{"warning"}, "责令改正，并予以警告"
				case n < 22:
					d.FineAmount, d.Categories, d.Text = 0, []string{"criticism"}, "责令改正，并予以通报批评"
				case n < 32:
					d.ConfiscationAmount, d.Text = int64(1+r.IntN(20))*100_00, "没收违法所得，并处罚款"
				case n < 35:
					d.Categories, d.Text = []string{"suspend_license"}, "罚款，并暂扣许可证件一个月"
					d.LicenseRef = fmt.Sprintf("%s许可证 第 360799%07d 号", field, d.FineAmount/100+int64(n)*7919) // not drawn from r: the rest of the demo stays as it was
				case n < 50 && strings.Contains(ag.Name, "公安局"):
					d.FineAmount, d.Categories, d.Text = 0, []string{"detention"}, "行政拘留五日"
				}
			case "license":
				cause = []string{"申请" + field + "行政许可", "申请变更" + field + "许可事项", "申请延续" + field + "许可"}[r.IntN(3)]
				d.Categories, d.Text = []string{"grant"}, "申请材料齐全、符合法定形式，准予许可"
				if n := r.IntN(100); n < 9 {
					d.Categories, d.Text = []string{"refuse"}, "申请不符合法定条件，不予许可，并说明理由"
				} else if n < 12 {
					d.Categories, d.Text = []string{"revoke"}, "以欺骗手段取得许可，依法撤销许可"
				}
			case "coercion":
				sets := [][]string{{"seal"}, {"seize"}, {"seal", "seize"}, {"freeze"}, {"surcharge"}, {"substitute"}, {"surcharge", "court"}}
				d.Categories = sets[r.IntN(len(sets))]
				var words []string
				for _, c := range d.Categories {
					words = append(words, enforcement.CategoryLabel("coercion", c))
				}
				d.Text = "依法决定：" + strings.Join(words, "；")
			case "levy":
				cause, d.Text = "征收"+field+"相关费用", "依法作出征收决定，当事人已缴纳"
			case "inspection":
				cause = "对" + party.Name + "开展" + field + "现场检查"
			case "requisition":
				cause, d.Text = "防汛抢险征用物资设备", "因防汛抢险需要，依法征用挖掘机两台，用后返还并给予补偿"
			}
			filed := first.Add(time.Duration(r.IntN(280)) * 24 * time.Hour)
			by := enforcement.Actor{UserID: admin.UserID, Username: admin.Username, Name: h1.Name, Roles: []enforcement.Role{enforcement.RoleOfficer},
				AgencyID: ag.ID, OfficerID: &h1.ID}
			c, err := st.CreateCase(ctx, enforcement.CaseInput{AgencyID: ag.ID, Kind: kind, Cause: cause, LegalBasis: basis,
				Parties: []enforcement.Party{party}, HandlerIDs: []uuid.UUID{h1.ID, h2.ID}, OccurredAt: filed.Add(-48 * time.Hour),
				Location: party.Address}, by, filed)
			if err != nil {
				return count, fmt.Errorf("last year's %s case: %w", kind, err)
			}
			if kind == "inspection" { // a check's record: kept, not decided
				count++
				continue
			}
			t := filed
			for _, to := range []enforcement.State{enforcement.Investigating, enforcement.Notified, enforcement.Decided, enforcement.Served, enforcement.Closed} {
				t = t.Add(time.Duration(2+r.IntN(6)) * 24 * time.Hour)
				m := enforcement.Move{To: to}
				switch to {
				case enforcement.Decided:
					t = cal.AddWorkingDays(enforcement.DateOf(*c.NotifiedAt), 6).StartIn().Add(10 * time.Hour)
					dd := d
					m.Decision = &dd
					if err := approve(c, dd, by, t); err != nil {
						return count, fmt.Errorf("last year's case %s review: %w", c.Number, err)
					}
				case enforcement.Served:
					m.Delivery = &enforcement.Delivery{Method: "electronic", At: t.Add(-2 * time.Hour), Recipient: party.Name}
				case enforcement.Closed:
					m.Summary = "本案已依法作出决定并送达，当事人已履行完毕，予以结案。"
				}
				at, number := t, c.Number
				c, err = st.UpdateCase(ctx, c.ID, func(cs *enforcement.Case) (*enforcement.TimelineEntry, error) {
					return cs.Transition(m, cal, at, by.UserID, h1.Name)
				})
				if err != nil {
					return count, fmt.Errorf("last year's case %s to %s: %w", number, to, err)
				}
			}
			count++
		}
	}
	return count, nil
}

func officerByName(b enforcement.Bulk, name string) enforcement.Officer {
	for _, o := range b.Officers {
		if o.Name == name {
			return o
		}
	}
	return enforcement.Officer{}
}
