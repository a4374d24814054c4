package enforcement

import (
	"fmt"
	"time"
)

// Step is one thing the law needs before a case's next move, or a deadline that runs, as
// the case page's 下一步 block shows it.
type Step struct {
	Kind    string `json:"kind"` // av, statement, hearing, review, serve, decide or work
	Text    string `json:"text"`
	Due     Date   `json:"due,omitzero"` // zero when the step has no date
	Left    int    `json:"left"`         // days left to Due, in Unit; negative when past
	Unit    string `json:"unit"`         // 工作日 or 日
	Blocker bool   `json:"blocker"`      // the next move is refused until it is done
}

// Late reports whether the step's date has passed.
func (s Step) Late() bool { return !s.Due.IsZero() && s.Left < 0 }

// LeftText says how the step stands against its date: 还剩 3 个工作日, 还剩 12 天,
// 今日届满, 已超期 2 个工作日; "" for a step without a date.
func (s Step) LeftText() string {
	if s.Due.IsZero() {
		return ""
	}
	n, unit := s.Left, "个工作日"
	if s.Unit == "日" {
		unit = "天"
	}
	switch {
	case n < 0:
		return fmt.Sprintf("已超期 %d %s", -n, unit)
	case n == 0:
		return "今日届满"
	}
	return fmt.Sprintf("还剩 %d %s", n, unit)
}

// StepFacts are what the steps need besides the case: the calendar, today, the
// measures still lacking an audio-video record at this stage, and the latest review
// round.
type StepFacts struct {
	Calendar  *Calendar
	Today     Date
	AVMissing []string
	Review    *LegalReview
	// Docs are the case's documents and the decision's service; nil leaves the document
	// steps out and the service deadline counting.
	Docs *DocumentFacts
}

// NextSteps says, in the order an officer acts, what the law needs before the case can
// move on and which deadlines run: the statement and hearing period after notice (art.
// 44, 45, 64 of 行政处罚法: no decision before it ends unless waived), the hearing date,
// a pending legal review, audio-video records a measure needs, the 90-day decision
// deadline (art. 60), service within 7 working days (art. 61). A closed file has none.
func (c *Case) NextSteps(k Clocks, f StepFacts) []Step {
	if !c.State.Open() {
		return nil
	}
	var out []Step
	working := func(kind, text string, due Date, blocker bool) {
		out = append(out, Step{Kind: kind, Text: text, Due: due, Left: f.workingLeft(due), Unit: "工作日", Blocker: blocker})
	}
	calendar := func(kind, text string, due Date) {
		out = append(out, Step{Kind: kind, Text: text, Due: due, Left: daysBetween(f.Today, due), Unit: "日"})
	}
	for _, m := range f.AVMissing {
		out = append(out, Step{Kind: "av", Text: "须留存音像记录：" + m + "（上传录像或录音后方可进入下一环节）", Blocker: true})
	}
	switch c.State {
	case Filed, Investigating:
		out = append(out, Step{Kind: "work", Text: "调查取证、制作笔录；作出处罚决定前须告知当事人拟作出的决定及其事实、理由、依据和陈述申辩、要求听证的权利"})
	case Notified:
		switch {
		case c.StatementWaived || k.HearingRequestBy.IsZero():
		case k.HearingRequestBy.Before(f.Today):
			// The period has run: nothing waits on it and nobody is late.
			out = append(out, Step{Kind: "statement", Text: "当事人陈述、申辩和要求听证期限已于 " + k.HearingRequestBy.String() + " 届满，可以作出决定"})
		default:
			working("statement", "当事人陈述、申辩和要求听证期限至 "+k.HearingRequestBy.String()+"，届满前不能作出决定（当事人明确放弃的除外）", k.HearingRequestBy, true)
		}
	case Hearing:
		if c.HearingAt != nil {
			d := DateOf(*c.HearingAt)
			calendar("hearing", "听证定于 "+c.HearingAt.In(shanghai).Format("2006-01-02 15:04")+"，听证后作出决定", d)
		}
	case Review:
		if f.Review != nil && f.Review.State == ReviewPending {
			working("review", fmt.Sprintf("法制审核中（第 %d 轮），审核期限至 %s；审核通过后方可作出决定", f.Review.Round, f.Review.DueOn), f.Review.DueOn, true)
		}
	case Decided:
		switch {
		case f.Docs != nil && f.Docs.ServedAt != nil:
			// Served: the clock has stopped; what is left is to record the move.
			out = append(out, Step{Kind: "serve", Text: "决定书已于 " + f.Docs.ServedAt.In(shanghai).Format("2006-01-02 15:04") + " " +
				DeliveryLabel(f.Docs.ServedMethod) + "，请登记“已送达”"})
		case f.Docs != nil && f.Docs.ServicePending && !k.ServeBy.IsZero():
			working("serve", "决定书已电子送达，等待当事人打开（首次打开即为送达）；送达期限至 "+k.ServeBy.String(), k.ServeBy, false)
		case !k.ServeBy.IsZero():
			working("serve", "送达决定书，期限至 "+k.ServeBy.String()+"（决定作出后 7 个工作日内）", k.ServeBy, false)
		}
	case Served:
		out = append(out, Step{Kind: "work", Text: "执行决定：登记缴纳罚没款或履行情况；当事人逾期不履行的依法催告、强制执行"})
	case Executed:
		out = append(out, Step{Kind: "work", Text: "执行完毕，写明结案报告后结案"})
	}
	if f.Docs != nil {
		out = append(out, c.documentSteps(*f.Docs)...)
	}
	if c.DecidedAt == nil && c.Kind != "inspection" && !k.DecideBy.IsZero() {
		calendar("decide", "作出决定期限至 "+k.DecideBy.String()+"（立案之日起 90 日）", k.DecideBy)
	}
	return out
}

func (f StepFacts) workingLeft(due Date) int {
	if f.Calendar == nil {
		return daysBetween(f.Today, due)
	}
	if due.Before(f.Today) {
		return -f.Calendar.WorkingDaysBetween(due, f.Today)
	}
	return f.Calendar.WorkingDaysBetween(f.Today, due)
}

func daysBetween(from, to Date) int {
	return int(to.time().Sub(from.time()) / (24 * time.Hour))
}
