package app

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"time"

	"github.com/google/uuid"

	"zhifa/enforcement"
)

// DemoPassword is the password of every demo account.
const DemoPassword = "demo1234"

// The demo county: 青山县 (a fictional county, division code 360799) of 赣州市, 江西省.
const (
	demoProvince = "360000"
	demoCity     = "360700"
	demoCounty   = "360799"
	demoAreaCode = "0797" // 赣州's telephone area code
)

// demoNS makes the demo's IDs deterministic: the same name always gives the same UUID.
var demoNS = uuid.MustParse("6f1d3c1e-2b8a-4c55-9a43-6a0c1f7e9d21")

func demoID(kind string, n any) uuid.UUID {
	return uuid.NewSHA1(demoNS, fmt.Appendf(nil, "%s/%v", kind, n))
}

type demoAgency struct {
	name, short string
	kind        enforcement.AgencyKind
	officers    int      // how many officers it has
	reviewers   int      // how many legal-review staff
	fields      []string // enforcement fields of its officers
}

// demoDepartments are the county's enforcement bodies, with staffing in the
// proportions county reports show (market regulation and urban management largest).
var demoDepartments = []demoAgency{
	{"青山县市场监督管理局", "青市监", enforcement.KindDepartment, 150, 10, []string{"市场监管", "食品安全", "药品监管", "特种设备", "知识产权"}},
	{"青山县城市管理局", "青城管", enforcement.KindDepartment, 110, 7, []string{"城市管理", "市容环卫", "园林绿化"}},
	{"赣州市青山生态环境局", "青环", enforcement.KindDepartment, 38, 2, []string{"生态环境", "污染防治"}},
	{"青山县农业农村局", "青农", enforcement.KindDepartment, 48, 3, []string{"农业", "渔业", "动物防疫", "农产品质量"}},
	{"青山县交通运输局", "青交", enforcement.KindDepartment, 56, 5, []string{"交通运输", "道路运输", "路政"}},
	{"青山县文化广电新闻出版旅游局", "青文旅", enforcement.KindDepartment, 24, 2, []string{"文化市场", "旅游", "新闻出版"}},
	{"青山县应急管理局", "青应急", enforcement.KindDepartment, 34, 2, []string{"安全生产", "危险化学品"}},
	{"青山县卫生健康委员会", "青卫健", enforcement.KindDepartment, 38, 2, []string{"公共卫生", "医疗卫生", "职业卫生"}},
	{"青山县自然资源局", "青自然资源", enforcement.KindDepartment, 44, 3, []string{"自然资源", "土地管理", "矿产资源"}},
	{"青山县公安局", "青公", enforcement.KindDepartment, 60, 6, []string{"治安管理", "道路交通", "消防监督"}},
	{"青山县司法局", "青司", enforcement.KindJustice, 16, 8, []string{"司法行政", "行政执法监督"}},
	{"青山县住房和城乡建设局", "青住建", enforcement.KindDepartment, 30, 2, []string{"建筑市场", "房地产", "燃气"}},
	{"青山县水利局", "青水", enforcement.KindDepartment, 20, 2, []string{"水利", "河道管理", "水土保持"}},
	{"青山县林业局", "青林", enforcement.KindDepartment, 34, 2, []string{"林业", "野生动物保护"}},
	{"青山县教育体育局", "青教体", enforcement.KindDepartment, 14, 2, []string{"教育", "体育"}},
	{"青山县人力资源和社会保障局", "青人社", enforcement.KindDepartment, 16, 2, []string{"劳动保障监察"}},
	{"青山县医疗保障局", "青医保", enforcement.KindDepartment, 12, 2, []string{"医疗保障基金监管"}},
	{"国家税务总局青山县税务局", "青税", enforcement.KindDepartment, 58, 5, []string{"税务稽查", "税收征管"}},
	{"青山县民政局", "青民", enforcement.KindDepartment, 8, 1, []string{"民政"}},
	{"青山县商务局", "青商", enforcement.KindDepartment, 8, 1, []string{"商务", "成品油流通"}},
	{"青山县发展和改革委员会", "青发改", enforcement.KindDepartment, 10, 2, []string{"价格监督", "能源"}},
	{"青山县财政局", "青财", enforcement.KindDepartment, 8, 1, []string{"财政监督", "会计"}},
	{"青山县统计局", "青统", enforcement.KindDepartment, 6, 1, []string{"统计执法"}},
	{"青山县民族宗教事务局", "青民宗", enforcement.KindDepartment, 4, 1, []string{"宗教事务"}},
	{"青山县退役军人事务局", "青退役", enforcement.KindDepartment, 4, 1, []string{"退役军人事务"}},
	{"青山县气象局", "青气象", enforcement.KindDepartment, 4, 1, []string{"气象"}},
	{"青山县消防救援大队", "青消", enforcement.KindDepartment, 22, 2, []string{"消防监督"}},
	{"青山县烟草专卖局", "青烟草", enforcement.KindDepartment, 18, 1, []string{"烟草专卖"}},
	{"青山县审计局", "青审", enforcement.KindDepartment, 8, 1, []string{"审计"}},
	{"青山县人民防空办公室", "青人防", enforcement.KindDepartment, 4, 1, []string{"人民防空"}},
	{"青山县工业和信息化局", "青工信", enforcement.KindDepartment, 8, 1, []string{"工业和信息化", "无线电管理"}},
	{"青山县科学技术局", "青科", enforcement.KindDepartment, 4, 1, []string{"科技"}},
	{"青山县行政审批局", "青审批", enforcement.KindDepartment, 10, 2, []string{"行政许可"}},
	{"青山县粮食和物资储备局", "青粮", enforcement.KindDepartment, 6, 1, []string{"粮食流通"}},
}

// demoTownships enforce under the powers the county devolved to them (赋权乡镇).
var demoTownships = []string{"城关镇", "东山镇", "南桥镇", "西河镇", "北岭镇", "清溪镇", "石门镇", "龙口镇",
	"新田镇", "梅林乡", "竹园乡", "白云乡", "桃源乡", "凤凰乡"}

var (
	surnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高钟曾谢赖邱廖温肖刘袁彭蔡叶钟黎邹宋唐许韩冯邓曹")
	given    = []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华兰辉鹏飞红玲宇浩凯文斌婷颖晨欣怡俊峰志雪梅琳")
)

func demoName(r *rand.Rand) string {
	n := string(surnames[r.IntN(len(surnames))]) + string(given[r.IntN(len(given))])
	if r.IntN(3) > 0 {
		n += string(given[r.IntN(len(given))])
	}
	return n
}

// demoCreditCode builds a valid unified social credit code for a government body
// (registration authority 1, type 1) in a division.
func demoCreditCode(region string, n int) string {
	first := fmt.Sprintf("11%s%09d", region, 14000000+n*37)
	return first + string(enforcement.CreditCheckChar(first))
}

// demoCounty builds the whole demo county. It is deterministic for a given day:
// the same names, IDs and certificates every time, with validity dates counted from
// today so that the same share of certificates is expired whenever the demo runs.
func buildDemoCounty(today enforcement.Date) (enforcement.Bulk, []demoLogin) {
	r := rand.New(rand.NewPCG(20261122, 360799))
	var b enforcement.Bulk
	addAgency := func(name, short, region string, kind enforcement.AgencyKind, parent *uuid.UUID) uuid.UUID {
		id := demoID("agency", name)
		// Demo numbers: a local number never starts with 0, so these reach nobody.
		phone := fmt.Sprintf("%s-01%05d", demoAreaCode, len(b.Agencies)+1)
		b.Agencies = append(b.Agencies, enforcement.Agency{ID: id, Name: name, ShortName: short,
			Code: demoCreditCode(region, len(b.Agencies)+1), RegionCode: region, ParentID: parent, Kind: kind, Phone: phone})
		return id
	}
	province := addAgency("江西省人民政府", "赣政", demoProvince, enforcement.KindGovernment, nil)
	city := addAgency("赣州市人民政府", "赣市政", demoCity, enforcement.KindGovernment, &province)
	county := addAgency("青山县人民政府", "青政", demoCounty, enforcement.KindGovernment, &city)

	certNo := 0
	addOfficer := func(agency uuid.UUID, name string, fields []string, validUntil enforcement.Date, status enforcement.OfficerStatus) uuid.UUID {
		certNo++
		id := demoID("officer", certNo)
		b.Officers = append(b.Officers, enforcement.Officer{ID: id, AgencyID: agency, Name: name,
			CertNo: fmt.Sprintf("36%s%05d", demoCounty[2:], certNo), Fields: fields, CertValidUntil: validUntil,
			Status: status, TrainingHours: 24 + r.IntN(50)})
		return id
	}
	staff := func(agency uuid.UUID, n int, fields []string) {
		for i := 0; i < n; i++ {
			f := []string{fields[r.IntN(len(fields))]}
			if len(fields) > 1 && r.IntN(3) == 0 {
				if g := fields[r.IntN(len(fields))]; g != f[0] {
					f = append(f, g)
				}
			}
			status, valid := enforcement.OfficerActive, today.AddDays(30+r.IntN(1800))
			switch x := r.IntN(100); {
			case x < 4: // lapsed certificates, as annual reviews always find some
				valid = today.AddDays(-1 - r.IntN(400))
			case x < 6:
				status = enforcement.OfficerSuspended
			case x < 7:
				status = enforcement.OfficerRevoked
			}
			addOfficer(agency, demoName(r), f, valid, status)
		}
	}

	var logins []demoLogin
	user := func(username, name string, roles []enforcement.Role, agency uuid.UUID, officer *uuid.UUID, qualified bool) {
		b.Users = append(b.Users, enforcement.User{ID: demoID("user", username), Username: username, Name: name,
			Roles: roles, AgencyID: agency, OfficerID: officer, LegalQualified: qualified})
	}
	reviewerNo := 2
	for i, d := range demoDepartments {
		id := addAgency(d.name, d.short, demoCounty, d.kind, &county)
		switch i {
		case 0: // the market regulation bureau holds the demo officers and reviewer1
			o1 := addOfficer(id, "李明", []string{"市场监管", "食品安全"}, today.AddDays(900), enforcement.OfficerActive)
			o2 := addOfficer(id, "王芳", []string{"市场监管", "特种设备"}, today.AddDays(700), enforcement.OfficerActive)
			user("officer1", "李明", []enforcement.Role{enforcement.RoleOfficer}, id, &o1, false)
			user("officer2", "王芳", []enforcement.Role{enforcement.RoleOfficer}, id, &o2, false)
			user("reviewer1", "陈静", []enforcement.Role{enforcement.RoleReviewer}, id, nil, true)
			user("head1", "刘国强", []enforcement.Role{enforcement.RoleHead}, id, nil, false)
			logins = append(logins, demoLogin{"officer1", "执法人员", d.name}, demoLogin{"officer2", "执法人员", d.name},
				demoLogin{"reviewer1", "法制审核人员（具备法律职业资格）", d.name}, demoLogin{"head1", "机关负责人（接收监督文书）", d.name})
			d.officers -= 2
			d.reviewers--
		case 10: // the justice bureau supervises, reviews for the county and runs the platform
			user("admin", "系统管理员", []enforcement.Role{enforcement.RoleAdmin}, id, nil, false)
			user("reviewer2", "赵雪梅", []enforcement.Role{enforcement.RoleReviewer}, id, nil, true)
			user("supervisor1", "周建华", []enforcement.Role{enforcement.RoleSupervisor}, id, nil, false)
			user("supervisor2", "孙立平", []enforcement.Role{enforcement.RoleSupervisor}, id, nil, false)
			logins = append(logins, demoLogin{"admin", "系统管理员", d.name},
				demoLogin{"reviewer2", "法制审核人员（司法局）", d.name}, demoLogin{"supervisor1", "执法监督人员", d.name},
				demoLogin{"supervisor2", "执法监督人员", d.name})
			d.reviewers--
		}
		staff(id, d.officers, d.fields)
		if i == 6 { // the emergency management bureau checks firms alongside market regulation
			for _, o := range b.Officers {
				if o.AgencyID == id && o.Status == enforcement.OfficerActive && o.CertValidUntil.After(today.AddDays(365)) {
					user("officer3", o.Name, []enforcement.Role{enforcement.RoleOfficer}, id, &o.ID, false)
					break
				}
			}
			user("head2", "黄志刚", []enforcement.Role{enforcement.RoleHead}, id, nil, false)
			logins = append(logins, demoLogin{"officer3", "执法人员", d.name}, demoLogin{"head2", "机关负责人", d.name})
		}
		for j := 0; j < d.reviewers; j++ {
			reviewerNo++
			user(fmt.Sprintf("reviewer%03d", reviewerNo), demoName(r), []enforcement.Role{enforcement.RoleReviewer},
				id, nil, r.IntN(4) > 0)
		}
	}
	for _, t := range demoTownships {
		id := addAgency("青山县"+t+"人民政府", "青"+t, demoCounty, enforcement.KindTownship, &county)
		staff(id, 12+r.IntN(8), []string{"综合行政执法", "城乡规划", "市容环境"})
		reviewerNo++
		user(fmt.Sprintf("reviewer%03d", reviewerNo), demoName(r), []enforcement.Role{enforcement.RoleReviewer}, id, nil, r.IntN(4) > 0)
	}
	return b, logins
}

type demoLogin struct{ Username, Role, Agency string }

// Seed loads the demo county unless it is already there, and prints the demo logins.
func (a *App) Seed(ctx context.Context, out io.Writer) error {
	b, logins := buildDemoCounty(enforcement.DateOf(time.Now()))
	st := a.enforcement.Store
	exists, err := st.AgencyCodeExists(ctx, b.Agencies[0].Code)
	if err != nil {
		return err
	}
	if !exists {
		if err := hashAll(b.Users); err != nil {
			return err
		}
		if err := st.Load(ctx, b); err != nil {
			return err
		}
		fmt.Fprintf(out, "演示县已载入：%d 个执法主体，%d 名执法人员，%d 个账号\n", len(b.Agencies), len(b.Officers), len(b.Users))
	} else {
		fmt.Fprintln(out, "演示县已存在，未重复载入")
	}
	// Each later part seeds its own data when none of it is there yet, so a seed that
	// stopped part way is completed by the next run.
	if _, err := a.EnsureBucket(ctx); err != nil { // the documents of cases and of supervision are PDFs in it
		return fmt.Errorf("MinIO bucket %s: %w", a.cfg.MinIOBucket, err)
	}
	if _, err := a.evidence.EnsureDocumentKinds(ctx); err != nil { // the cases' documents are made of them
		return fmt.Errorf("document kinds: %w", err)
	}
	if err := a.seedCriteria(ctx); err != nil {
		return fmt.Errorf("demo major-decision criteria: %w", err)
	}
	if n, err := st.CountCases(ctx); err != nil {
		return err
	} else if n == 0 {
		cases, err := a.seedCases(ctx, b, time.Now())
		if err != nil {
			return fmt.Errorf("demo cases: %w", err)
		}
		fmt.Fprintf(out, "演示案件已载入：%d 件\n", cases)
	}
	if err := a.seedReviews(ctx, out, time.Now()); err != nil {
		return fmt.Errorf("demo reviews: %w", err)
	}
	if err := a.seedDisclosures(ctx, out, time.Now()); err != nil {
		return fmt.Errorf("demo disclosures: %w", err)
	}
	if err := a.seedMatters(ctx, out); err != nil {
		return fmt.Errorf("demo inspection matters: %w", err)
	}
	if err := a.seedInspection(ctx, out, time.Now()); err != nil {
		return fmt.Errorf("demo inspections: %w", err)
	}
	if _, err := a.audit.EnsureDefaultRubric(ctx); err != nil {
		return fmt.Errorf("default rubric: %w", err)
	}
	if err := a.seedAudit(ctx, out, time.Now()); err != nil {
		return fmt.Errorf("demo evaluations: %w", err)
	}
	if err := a.seedSupervision(ctx, out, time.Now()); err != nil {
		return fmt.Errorf("demo supervision: %w", err)
	}
	if err := a.seedSupervisionYear(ctx, out, time.Now()); err != nil {
		return fmt.Errorf("demo supervision matters: %w", err)
	}
	if err := a.seedChecks(ctx, out, time.Now()); err != nil {
		return fmt.Errorf("demo checks of enterprises: %w", err)
	}
	fmt.Fprintf(out, "演示账号（密码均为 %s）：\n", DemoPassword)
	for _, l := range logins {
		fmt.Fprintf(out, "  %-12s %s · %s\n", l.Username, l.Role, l.Agency)
	}
	return nil
}

// hashAll gives every demo account its own argon2id hash of the demo password, on
// all cores: a hundred memory-hard hashes take a few seconds.
func hashAll(users []enforcement.User) error {
	var wg sync.WaitGroup
	errs := make(chan error, len(users))
	sem := make(chan struct{}, runtime.NumCPU())
	for i := range users {
		wg.Add(1)
		sem <- struct{}{}
		go func(u *enforcement.User) {
			defer func() { <-sem; wg.Done() }()
			h, err := enforcement.HashPassword(DemoPassword)
			u.PasswordHash = h
			errs <- err
		}(&users[i])
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
