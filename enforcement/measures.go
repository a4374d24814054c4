package enforcement

import (
	"slices"
	"strings"

	"zhifa/fault"
)

// Measure is an enforcement action a case may involve. Stage is the step of the case in
// which it is carried out, and so the step that must hold its audio-video record.
type Measure struct {
	Code      string `json:"code"`
	Label     string `json:"label"`
	Stage     State  `json:"stage"`
	Statutory bool   `json:"statutory"` // always needs an audio-video record (执法全过程记录制度)
}

// Measures is the catalogue. Seizure, forced demolition and closure always need an
// audio-video record; an agency may add any of the others to its own list.
var Measures = []Measure{
	{"seizure", "查封、扣押", Investigating, true},
	{"demolition", "强制拆除", Served, true},
	{"closure", "责令停产停业、关闭", Served, true},
	{"onsite_inspection", "现场检查", Investigating, false},
	{"sampling", "抽样取证", Investigating, false},
	{"preservation", "先行登记保存", Investigating, false},
	// The two steps whose dates the supervision alerts read: a seizure extended (up to 60
	// days instead of 30) and a decision on what was preserved (due within 7 days).
	{"seizure_extension", "延长查封、扣押期限", Investigating, false},
	{"preservation_decision", "对先行登记保存的物品作出处理决定", Investigating, false},
	{"license_detention", "暂扣许可证件", Served, false},
	{"enforcement", "强制执行", Served, false},
}

// MeasureByCode finds a measure of the catalogue.
func MeasureByCode(code string) (Measure, bool) {
	i := slices.IndexFunc(Measures, func(m Measure) bool { return m.Code == code })
	if i < 0 {
		return Measure{}, false
	}
	return Measures[i], true
}

// checkMeasures validates a list of measure codes and removes repeats.
func checkMeasures(field string, codes []string) ([]string, error) {
	out := []string{}
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if _, ok := MeasureByCode(c); !ok {
			names := make([]string, len(Measures))
			for i, m := range Measures {
				names[i] = m.Code + "（" + m.Label + "）"
			}
			return nil, fault.Field(field, "未知的执法措施“%s”，可选：%s", c, strings.Join(names, "、"))
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// AVRequired lists the case's measures that need an audio-video record in stage, under
// the statutory list and the agency's own additions.
func (c *Case) AVRequired(stage State) []Measure {
	var out []Measure
	for _, code := range c.Measures {
		m, ok := MeasureByCode(code)
		if ok && m.Stage == stage && (m.Statutory || slices.Contains(c.agencyAV, code)) {
			out = append(out, m)
		}
	}
	return out
}

// AVMeasuresInput is an agency's list of measures that need an audio-video record on top
// of the statutory ones.
type AVMeasuresInput struct {
	Measures []string `json:"measures"`
}

// MeasureInput adds a measure to a case once it is decided on during the case.
type MeasureInput struct {
	Measure string `json:"measure"`
	Reason  string `json:"reason"`
}

// avGateMessage names the measures whose audio-video record the stage being left lacks.
func avGateMessage(stage State, missing []Measure) error {
	labels := make([]string, len(missing))
	for i, m := range missing {
		labels[i] = m.Label
	}
	return fault.New(fault.Conflict, "本案涉及%s，须在“%s”环节留存音像记录（录音或录像文件）后才能进入下一环节；尚缺：%s的音像记录",
		strings.Join(labels, "、"), stage.Label(), strings.Join(labels, "、"))
}
