package audit

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Group is where a rubric item belongs: the file's form (卷面), its content (内容), or
// the veto items (否决项) that fail a file outright.
type Group string

// Item groups.
const (
	GroupForm    Group = "form"
	GroupContent Group = "content"
	GroupVeto    Group = "veto"
)

// Label is the group as evaluators read it.
func (g Group) Label() string {
	switch g {
	case GroupForm:
		return "卷面"
	case GroupContent:
		return "内容"
	case GroupVeto:
		return "否决项"
	}
	return string(g)
}

// Item is one line of a rubric.
type Item struct {
	Code      string  `json:"code"`
	Title     string  `json:"title"`
	Group     Group   `json:"group"`
	MaxPoints float64 `json:"max_points"`
	Check     string  `json:"check,omitempty"` // the pre-check whose finding suggests this item
}

// Rubric is one version of an evaluation standard (评查标准).
type Rubric struct {
	ID           uuid.UUID `json:"id"`
	Name         string    `json:"name"`
	Version      int       `json:"version"`
	ExcellentMin float64   `json:"excellent_min"`
	PassMin      float64   `json:"pass_min"`
	Items        []Item    `json:"items"`
	CreatedAt    time.Time `json:"created_at"`
}

// Item finds an item by code.
func (r *Rubric) Item(code string) (Item, bool) {
	for _, it := range r.Items {
		if it.Code == code {
			return it, true
		}
	}
	return Item{}, false
}

// GroupTotal is the points of a group's items.
func (r *Rubric) GroupTotal(g Group) float64 {
	var t float64
	for _, it := range r.Items {
		if it.Group == g {
			t += it.MaxPoints
		}
	}
	return round1(t)
}

// Rating is how a scored file is rated.
type Rating string

// Ratings, best first.
const (
	Excellent Rating = "excellent"
	Pass      Rating = "pass"
	Fail      Rating = "fail"
)

// Ratings lists the ratings in the order reports print them.
var Ratings = []Rating{Excellent, Pass, Fail}

// Label is the rating as reports print it.
func (r Rating) Label() string {
	switch r {
	case Excellent:
		return "优秀"
	case Pass:
		return "合格"
	case Fail:
		return "不合格"
	}
	return string(r)
}

// Rate rates a total under the rubric's bands; a veto fails the file whatever its points.
func (r *Rubric) Rate(total float64, vetoed bool) Rating {
	switch {
	case vetoed:
		return Fail
	case total >= r.ExcellentMin:
		return Excellent
	case total >= r.PassMin:
		return Pass
	}
	return Fail
}

// RubricInput creates a rubric, or the next version of one with the same name.
type RubricInput struct {
	Name         string   `json:"name"`
	ExcellentMin *float64 `json:"excellent_min"`
	PassMin      *float64 `json:"pass_min"`
	Items        []Item   `json:"items"`
}

// round1 rounds to the tenth of a point that scores are kept in.
func round1(v float64) float64 { return math.Round(v*10) / 10 }

// tenths reports whether v is a whole number of tenths of a point.
func tenths(v float64) bool { return math.Abs(v*10-math.Round(v*10)) < 1e-9 }

// Validate checks a rubric: unique codes, known groups and checks, points in tenths, the
// scored items totalling 100, and bands in order.
func (in *RubricInput) Validate() (Rubric, error) {
	r := Rubric{Name: strings.TrimSpace(in.Name), ExcellentMin: 90, PassMin: 70}
	if r.Name == "" || utf8.RuneCountInString(r.Name) > 100 {
		return r, fault.Field("name", "请填写评查标准名称，不超过 100 字")
	}
	if in.ExcellentMin != nil {
		r.ExcellentMin = *in.ExcellentMin
	}
	if in.PassMin != nil {
		r.PassMin = *in.PassMin
	}
	if !tenths(r.ExcellentMin) || !tenths(r.PassMin) || r.PassMin <= 0 || r.PassMin >= r.ExcellentMin || r.ExcellentMin > 100 {
		return r, fault.Field("excellent_min", "评定档次须满足 0 < 合格线 < 优秀线 ≤ 100（现为合格 %g、优秀 %g），最多一位小数", r.PassMin, r.ExcellentMin)
	}
	if len(in.Items) == 0 {
		return r, fault.Field("items", "评查标准至少要有一项评查项目")
	}
	seen := map[string]bool{}
	var total float64
	for i, it := range in.Items {
		field := fmt.Sprintf("items[%d]", i)
		it.Code, it.Title, it.Check = strings.TrimSpace(it.Code), strings.TrimSpace(it.Title), strings.TrimSpace(it.Check)
		if it.Group == "" {
			it.Group = GroupContent
		}
		switch {
		case it.Code == "" || len(it.Code) > 20 || strings.ContainsAny(it.Code, " \t\r\n,"):
			return r, fault.Field(field+".code", "第 %d 项的编号须为 1–20 个字符，不含空格和逗号", i+1)
		case seen[it.Code]:
			return r, fault.Field(field+".code", "评查项目编号“%s”重复", it.Code)
		case it.Title == "" || utf8.RuneCountInString(it.Title) > 200:
			return r, fault.Field(field+".title", "请填写第 %d 项（%s）的内容，不超过 200 字", i+1, it.Code)
		case it.Group != GroupForm && it.Group != GroupContent && it.Group != GroupVeto:
			return r, fault.Field(field+".group", "第 %d 项（%s）的类别“%s”无效，应为 form（卷面）、content（内容）或 veto（否决项）", i+1, it.Code, it.Group)
		case it.Check != "" && !knownCheck(it.Check):
			return r, fault.Field(field+".check", "第 %d 项（%s）关联的自动检查“%s”不存在", i+1, it.Code, it.Check)
		case it.Group == GroupVeto && it.MaxPoints != 0:
			return r, fault.Field(field+".max_points", "否决项（%s）不计分，分值应为 0", it.Code)
		case it.Group != GroupVeto && (it.MaxPoints <= 0 || it.MaxPoints > 100 || !tenths(it.MaxPoints)):
			return r, fault.Field(field+".max_points", "第 %d 项（%s）的分值须大于 0、不超过 100，最多一位小数", i+1, it.Code)
		}
		seen[it.Code] = true
		total += it.MaxPoints
		r.Items = append(r.Items, it)
	}
	if round1(total) != 100 {
		return r, fault.Field("items", "评查项目分值合计应为 100 分，现为 %g 分", round1(total))
	}
	return r, nil
}

// DefaultRubric is the standard seeded on a new installation, after the common provincial
// standards of 行政执法案卷评查: eight veto items, form 20 points, content 80.
func DefaultRubric() RubricInput {
	ninety, seventy := 90.0, 70.0
	return RubricInput{Name: "行政处罚案卷评查标准", ExcellentMin: &ninety, PassMin: &seventy, Items: []Item{
		{Code: "V1", Title: "执法主体不合法", Group: GroupVeto},
		{Code: "V2", Title: "执法人员无执法资格", Group: GroupVeto, Check: CheckCertificates},
		{Code: "V3", Title: "认定事实不清", Group: GroupVeto},
		{Code: "V4", Title: "主要证据不足", Group: GroupVeto},
		{Code: "V5", Title: "适用法律错误", Group: GroupVeto},
		{Code: "V6", Title: "违反法定程序", Group: GroupVeto},
		{Code: "V7", Title: "应当移送司法机关而未移送", Group: GroupVeto},
		{Code: "V8", Title: "执法人员少于两人", Group: GroupVeto, Check: CheckOfficers},
		{Code: "F1", Title: "卷宗封面、目录、备考表齐全，填写规范", Group: GroupForm, MaxPoints: 4},
		{Code: "F2", Title: "文书编号、案由、当事人信息完整准确", Group: GroupForm, MaxPoints: 4},
		{Code: "F3", Title: "文书签名、盖章、日期齐全，用语规范", Group: GroupForm, MaxPoints: 4},
		{Code: "F4", Title: "材料按程序顺序排列，页码连续", Group: GroupForm, MaxPoints: 4},
		{Code: "F5", Title: "全过程记录完整，未被删改", Group: GroupForm, MaxPoints: 4, Check: CheckChain},
		{Code: "C1", Title: "立案审批手续完备，立案及时", Group: GroupContent, MaxPoints: 8},
		{Code: "C2", Title: "证据收集合法、充分，相互印证", Group: GroupContent, MaxPoints: 12},
		{Code: "C3", Title: "询问笔录、现场检查笔录规范", Group: GroupContent, MaxPoints: 8},
		{Code: "C4", Title: "依法告知陈述、申辩及听证权利", Group: GroupContent, MaxPoints: 8},
		{Code: "C5", Title: "适用法律准确，裁量适当，说理充分", Group: GroupContent, MaxPoints: 10},
		{Code: "C6", Title: "重大执法决定经法制审核", Group: GroupContent, MaxPoints: 8, Check: CheckLegalReview},
		{Code: "C7", Title: "情节复杂或重大违法行为经集体讨论", Group: GroupContent, MaxPoints: 4, Check: CheckCollective},
		{Code: "C8", Title: "在法定期限内作出决定", Group: GroupContent, MaxPoints: 6, Check: CheckDecideDeadline},
		{Code: "C9", Title: "决定书依法按时送达", Group: GroupContent, MaxPoints: 4, Check: CheckServeDeadline},
		{Code: "C10", Title: "法定环节有音像记录", Group: GroupContent, MaxPoints: 4, Check: CheckAV},
		{Code: "C11", Title: "执法决定按时公示", Group: GroupContent, MaxPoints: 4, Check: CheckDisclosure},
		{Code: "C12", Title: "执行到位，结案归档及时", Group: GroupContent, MaxPoints: 4},
	}}
}

// CreateRubric stores a rubric as the next version of its name.
func (s *Service) CreateRubric(ctx context.Context, a enforcement.Actor, in RubricInput) (Rubric, error) {
	if err := a.Require(enforcement.RoleSupervisor, enforcement.RoleAdmin); err != nil {
		return Rubric{}, err
	}
	r, err := in.Validate()
	if err != nil {
		return r, err
	}
	r.ID, r.CreatedAt = uuid.New(), s.Cases.Now()
	var by *uuid.UUID
	if a.UserID != uuid.Nil {
		by = &a.UserID
	}
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// The lock orders concurrent versions of one name.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('rubric:' || $1))`, r.Name); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) + 1 FROM rubrics WHERE name = $1`, r.Name).Scan(&r.Version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO rubrics (id, name, version, excellent_min, pass_min, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ID, r.Name, r.Version, r.ExcellentMin, r.PassMin, by, r.CreatedAt); err != nil {
			return err
		}
		rows := make([][]any, len(r.Items))
		for i, it := range r.Items {
			rows[i] = []any{r.ID, i + 1, it.Code, it.Title, string(it.Group), it.MaxPoints, it.Check}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"rubric_items"}, []string{"rubric_id", "position", "code", "title", "grp", "max_points", "check_code"}, pgx.CopyFromRows(rows))
		return err
	})
	return r, enforcement.DBError(err, "评查标准")
}

// Rubrics lists every rubric version, the newest version of each name first.
func (s *Service) Rubrics(ctx context.Context) ([]Rubric, error) {
	rows, _ := s.db.Query(ctx, `SELECT id FROM rubrics ORDER BY name, version DESC`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, err
	}
	out := make([]Rubric, 0, len(ids))
	for _, id := range ids {
		r, err := s.Rubric(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Rubric loads one rubric version with its items.
func (s *Service) Rubric(ctx context.Context, id uuid.UUID) (Rubric, error) {
	var r Rubric
	err := s.db.QueryRow(ctx, `SELECT id, name, version, excellent_min::float8, pass_min::float8, created_at FROM rubrics WHERE id = $1`, id).
		Scan(&r.ID, &r.Name, &r.Version, &r.ExcellentMin, &r.PassMin, &r.CreatedAt)
	if err != nil {
		return r, enforcement.DBError(err, "评查标准")
	}
	rows, _ := s.db.Query(ctx, `SELECT code, title, grp, max_points::float8, check_code FROM rubric_items WHERE rubric_id = $1 ORDER BY position`, id)
	r.Items, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Item])
	return r, enforcement.DBError(err, "评查项目")
}

// LatestRubric returns the newest version of the named rubric, or of any rubric when name
// is empty.
func (s *Service) LatestRubric(ctx context.Context, name string) (Rubric, error) {
	var id uuid.UUID
	err := s.db.QueryRow(ctx, `SELECT id FROM rubrics WHERE $1 = '' OR name = $1 ORDER BY created_at DESC, version DESC LIMIT 1`, name).Scan(&id)
	if err != nil {
		return Rubric{}, enforcement.DBError(err, "评查标准")
	}
	return s.Rubric(ctx, id)
}

// EnsureDefaultRubric stores DefaultRubric on an installation that has no rubric yet, so
// that a campaign can be opened from the start.
func (s *Service) EnsureDefaultRubric(ctx context.Context) (bool, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM rubrics`).Scan(&n); err != nil || n > 0 {
		return false, err
	}
	_, err := s.CreateRubric(ctx, enforcement.Actor{Roles: []enforcement.Role{enforcement.RoleAdmin}}, DefaultRubric())
	return err == nil, err
}
