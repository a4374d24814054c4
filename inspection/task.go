package inspection

import (
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/fault"
)

// TaskState is where a task stands: frozen (pools fixed, commitment public, not yet
// drawn), drawn, or cancelled (its draw was cancelled with a reason).
type TaskState string

// Task states.
const (
	TaskFrozen    TaskState = "frozen"
	TaskDrawn     TaskState = "drawn"
	TaskCancelled TaskState = "cancelled"
)

// Label is the state as people read it.
func (s TaskState) Label() string {
	switch s {
	case TaskFrozen:
		return "已冻结待抽取"
	case TaskDrawn:
		return "已抽取"
	case TaskCancelled:
		return "抽取结果已作废"
	}
	return string(s)
}

// TargetFilter of a task: which targets of the directory it covers.
type PoolFilter struct {
	Type       string `json:"type,omitempty"`
	RegionCode string `json:"region_code,omitempty"`
	Industry   string `json:"industry,omitempty"`
}

// Quota is how many targets a task draws from each risk class: ratios of each class or
// fixed counts.
type Quota struct {
	Ratios map[string]float64 `json:"ratios,omitempty"`
	Counts map[string]int     `json:"counts,omitempty"`
}

// Task is a random-inspection task (抽查任务) with its frozen pool.
type Task struct {
	ID                  uuid.UUID   `json:"id"`
	RegionCode          string      `json:"region_code"`
	Name                string      `json:"name"`
	MatterIDs           []uuid.UUID `json:"matter_ids"`
	AgencyIDs           []uuid.UUID `json:"agency_ids"`
	Filter              PoolFilter  `json:"filter"`
	Quota               Quota       `json:"quota"`
	InspectorsPerTarget int         `json:"inspectors_per_target"`
	InspectorField      string      `json:"inspector_field,omitempty"`
	ExcludeDays         int         `json:"exclude_inspected_within_days"`
	YearlyCap           int         `json:"yearly_cap"`
	DueDate             string      `json:"due_date"`
	Strata              []Stratum   `json:"strata"`
	Algorithm           string      `json:"algorithm"`
	SeedCommitment      string      `json:"seed_commitment"`
	PoolHash            string      `json:"pool_hash"`
	PoolSize            int         `json:"pool_size"`
	ListingSize         int64       `json:"listing_size"`
	Inspectors          int         `json:"inspectors"`
	State               TaskState   `json:"state"`
	RedrawOf            *uuid.UUID  `json:"redraw_of"`
	DrawID              *uuid.UUID  `json:"draw_id"`
	CreatedAt           time.Time   `json:"created_at"`
	secret              []byte
}

// Joint reports whether the task mixes agencies in each team.
func (t Task) Joint() bool { return len(t.AgencyIDs) > 1 }

// TaskInput creates a task.
type TaskInput struct {
	Name                string             `json:"name"`
	MatterIDs           []uuid.UUID        `json:"matter_ids"`
	AgencyIDs           []uuid.UUID        `json:"agency_ids"`
	Filter              PoolFilter         `json:"filter"`
	Ratios              map[string]float64 `json:"ratios"`
	Counts              map[string]int     `json:"counts"`
	InspectorsPerTarget int                `json:"inspectors_per_target"`
	InspectorField      string             `json:"inspector_field"`
	ExcludeDays         int                `json:"exclude_inspected_within_days"`
	YearlyCap           int                `json:"yearly_cap"`
	DueDate             string             `json:"due_date"`
	RedrawOf            *uuid.UUID         `json:"redraw_of"`
}

// Validate checks the input on its own; rules that need data are checked at freezing.
func (in *TaskInput) Validate(today enforcement.Date, regionPrefix string) error {
	in.Name = strings.TrimSpace(in.Name)
	in.Filter.Type, in.Filter.Industry = strings.TrimSpace(in.Filter.Type), strings.TrimSpace(in.Filter.Industry)
	in.Filter.RegionCode = strings.TrimSpace(in.Filter.RegionCode)
	in.InspectorField = strings.TrimSpace(in.InspectorField)
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 200:
		return fault.Field("name", "请填写任务名称，不超过 200 字")
	case len(in.MatterIDs) == 0:
		return fault.Field("matter_ids", "请至少选择一个抽查事项")
	case len(in.AgencyIDs) == 0:
		return fault.Field("agency_ids", "请至少选择一个参与机关")
	case in.Filter.RegionCode != "" && (!regionCode(in.Filter.RegionCode) || !strings.HasPrefix(in.Filter.RegionCode, regionPrefix)):
		return fault.Field("filter.region_code", "区划代码应为本辖区内的 6 位代码")
	case in.InspectorsPerTarget < 2 || in.InspectorsPerTarget > 10:
		return fault.Field("inspectors_per_target", "每个对象的检查人员应为 2 到 10 人")
	case in.ExcludeDays < 0 || in.ExcludeDays > 3650:
		return fault.Field("exclude_inspected_within_days", "排除天数应在 0 到 3650 之间")
	case in.YearlyCap < 0 || in.YearlyCap > 100:
		return fault.Field("yearly_cap", "每年抽查次数上限应在 0（不限）到 100 之间")
	case (len(in.Ratios) == 0) == (len(in.Counts) == 0):
		return fault.Field("ratios", "请按风险等级填写抽查比例（ratios）或抽查数量（counts），二者选一")
	}
	slices.SortFunc(in.AgencyIDs, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	in.AgencyIDs = slices.Compact(in.AgencyIDs)
	in.MatterIDs = slices.Compact(in.MatterIDs)
	for r, v := range in.Ratios {
		if !slices.Contains(Risks, r) {
			return fault.Field("ratios", "风险等级 %q 不存在，应为 A、B、C、D", r)
		}
		if v < 0 || v > 1 || math.IsNaN(v) {
			return fault.Field("ratios", "%s 类的抽查比例应在 0 到 1 之间", r)
		}
	}
	for r, v := range in.Counts {
		if !slices.Contains(Risks, r) {
			return fault.Field("counts", "风险等级 %q 不存在，应为 A、B、C、D", r)
		}
		if v < 0 {
			return fault.Field("counts", "%s 类的抽查数量不能为负", r)
		}
	}
	due, err := enforcement.ParseDate(in.DueDate)
	if err != nil {
		return fault.Field("due_date", "请填写完成期限（YYYY-MM-DD）")
	}
	if due.Before(today) {
		return fault.Field("due_date", "完成期限不能早于今天")
	}
	return nil
}

// strata fixes each class's take from the pool sizes and the quota, and checks it
// against the region's floor ratio.
func (in *TaskInput) strata(sizes map[string]int, floor float64) ([]Stratum, error) {
	out := make([]Stratum, 0, len(Risks))
	total, take := 0, 0
	for _, r := range Risks {
		st := Stratum{Risk: r, Size: sizes[r]}
		if in.Ratios != nil {
			st.Take = ceilShare(st.Size, in.Ratios[r])
		} else {
			st.Take = in.Counts[r]
			if st.Take > st.Size {
				return nil, fault.Field("counts", "%s 类符合条件的对象只有 %d 个，少于要抽取的 %d 个", r, st.Size, st.Take)
			}
		}
		total += st.Size
		take += st.Take
		out = append(out, st)
	}
	if total == 0 {
		return nil, fault.Field("filter", "没有符合条件的检查对象（已排除近期已检查或达到年度上限的对象）")
	}
	if take == 0 {
		return nil, fault.Field("ratios", "按当前比例或数量不会抽中任何对象")
	}
	if need := ceilShare(total, floor); take < need {
		return nil, fault.Field("ratios", "共 %d 个对象只抽取 %d 个，低于本地区最低抽查比例 %s%%（至少 %d 个）",
			total, take, percent(floor), need)
	}
	return out, nil
}

// decimal15 is the decimal number a ratio stands for: its value to 15 significant digits,
// which every float64 holds exactly, so a ratio written with up to 15 digits reads back
// as written, and the form's 2.2 / 100 = 0.022000000000000002 reads as 0.022. Nil for NaN
// and infinities, which Validate refuses.
func decimal15(x float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(x, 'g', 15, 64))
	if !ok {
		return nil
	}
	return r
}

// ceilShare is ceil(n × ratio) in exact arithmetic on the ratio's decimal (LOTTERY.md §2).
// In float64, 100 × 0.07 is 7.000000000000001 and its ceiling 8; subtracting an epsilon
// instead turns 10 × 0.10000000001 = 1.0000000001 into 1.
func ceilShare(n int, ratio float64) int {
	r := decimal15(ratio)
	if r == nil || n <= 0 {
		return 0
	}
	r.Mul(r, new(big.Rat).SetInt64(int64(n)))
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return int(q.Int64())
}

// percent writes a ratio as a percentage without binary noise: 0.0325 is "3.25".
func percent(ratio float64) string {
	r := decimal15(ratio)
	if r == nil {
		return strconv.FormatFloat(ratio*100, 'g', -1, 64)
	}
	s := strings.TrimRight(r.Mul(r, big.NewRat(100, 1)).FloatString(13), "0")
	return strings.TrimSuffix(s, ".")
}

// checkTeams refuses rules that the inspectors cannot meet, before anything is frozen.
func checkTeams(h *Header, conflictsByTarget map[string][]uuid.UUID) error {
	L, p, K := len(h.Inspectors), h.InspectorsPerTarget, h.Total()
	if L < p {
		return fault.Field("agency_ids", "符合条件的检查人员只有 %d 人，少于每个对象所需的 %d 人", L, p)
	}
	perAgency := map[uuid.UUID]int{}
	for _, in := range h.Inspectors {
		perAgency[in.AgencyID]++
	}
	if h.Joint && len(perAgency) < 2 {
		return fault.Field("agency_ids", "联合抽查需要至少两个机关的检查人员，目前只有一个机关有符合条件的人员")
	}
	limit := LoadLimit(K, p, L)
	if K*p > L*limit {
		return fault.Field("agency_ids", "检查人员不足：%d 个对象需要 %d 人次，%d 名人员每人最多 %d 个", K, K*p, L, limit)
	}
	if h.Joint {
		for ag, n := range perAgency {
			if (L-n)*limit < K {
				return fault.Field("agency_ids", "联合抽查的人员构成过于集中：除某一机关（%s）外的 %d 名人员无法覆盖 %d 个对象", ag, L-n, K)
			}
		}
	}
	for code, barred := range conflictsByTarget {
		free := map[uuid.UUID]int{}
		n := 0
		for _, in := range h.Inspectors {
			if !slices.Contains(barred, in.OfficerID) {
				free[in.AgencyID]++
				n++
			}
		}
		if n < p || (h.Joint && len(free) < 2) {
			return fault.Field("agency_ids", "对象 %s 因回避可用的检查人员不足 %d 人%s", code, p, map[bool]string{true: "或不足两个机关", false: ""}[h.Joint])
		}
	}
	return nil
}

// DrawInput carries the witness input read out at the ceremony.
type DrawInput struct {
	Witness string `json:"witness"`
}

// Validate limits the witness input to a readable length.
func (in *DrawInput) Validate() error {
	in.Witness = strings.TrimSpace(in.Witness)
	if utf8.RuneCountInString(in.Witness) > 200 {
		return fault.Field("witness", "见证输入不超过 200 字")
	}
	return nil
}

// Draw is the outcome of a task's draw.
type Draw struct {
	ID            uuid.UUID      `json:"id"`
	TaskID        uuid.UUID      `json:"task_id"`
	TaskName      string         `json:"task_name"`
	Algorithm     string         `json:"algorithm"`
	Witness       string         `json:"witness"`
	Seed          string         `json:"seed"`
	Secret        string         `json:"secret"`
	Commitment    string         `json:"seed_commitment"`
	PoolHash      string         `json:"pool_hash"`
	PoolSize      int            `json:"pool_size"`
	ResultHash    string         `json:"result_hash"`
	SelectedCount int            `json:"selected_count"`
	State         string         `json:"state"`
	CancelReason  string         `json:"cancel_reason,omitempty"`
	CancelledAt   *time.Time     `json:"cancelled_at,omitempty"`
	DrawnAt       time.Time      `json:"drawn_at"`
	Selected      []SelectedItem `json:"selected"`
}

// SelectedItem is one drawn target and its inspectors.
type SelectedItem struct {
	Seq          int         `json:"seq"`
	TargetCode   string      `json:"target_code"`
	TargetName   string      `json:"target_name,omitempty"`
	Risk         string      `json:"risk,omitempty"`
	InspectorIDs []uuid.UUID `json:"inspector_ids"`
	Inspectors   []string    `json:"inspectors,omitempty"`
}
