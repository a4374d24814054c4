package enforcement

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func at(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, shanghai) }

func TestCaseMoves(t *testing.T) {
	cal := cal2026()
	now := at(2026, 11, 23, 10)
	notifiedLongAgo := at(2026, 11, 2, 10)
	notifiedToday := at(2026, 11, 23, 9)
	decision := &Decision{Outcome: "penalty", FineAmount: 500000, Text: "罚款五千元"}
	hearingSoon, hearingLater := at(2026, 11, 25, 9), at(2026, 12, 10, 9)
	tests := []struct {
		name     string
		state    State
		notified *time.Time
		move     Move
		ok       bool
	}{
		{"filed to investigating", Filed, nil, Move{To: Investigating}, true},
		{"filed straight to decided", Filed, nil, Move{To: Decided, Decision: decision}, false},
		{"investigating to decided without notice", Investigating, nil, Move{To: Decided, Decision: decision}, false},
		{"decided after the statement period", Notified, &notifiedLongAgo, Move{To: Decided, Decision: decision}, true},
		{"decided within the statement period", Notified, &notifiedToday, Move{To: Decided, Decision: decision}, false},
		{"decided within the period, party waived", Notified, &notifiedToday, Move{To: Decided, Decision: decision, StatementWaived: true}, true},
		{"decided without a decision", Notified, &notifiedLongAgo, Move{To: Decided}, false},
		{"decision claims a hearing that was not held", Notified, &notifiedLongAgo,
			Move{To: Decided, Decision: &Decision{Outcome: "penalty", HearingHeld: true, Text: "x"}}, false},
		{"hearing noticed too late", Notified, &notifiedToday, Move{To: Hearing, HearingAt: &hearingSoon}, false},
		{"hearing noticed 7 working days ahead", Notified, &notifiedToday, Move{To: Hearing, HearingAt: &hearingLater}, true},
		{"served to closed", Served, &notifiedLongAgo, Move{To: Closed, Summary: "当事人申请行政复议，予以结案"}, true},
		{"closed without a closing report", Served, &notifiedLongAgo, Move{To: Closed}, false},
		{"closed to archived", Closed, &notifiedLongAgo, Move{To: Archived}, true},
		{"archived back to filed", Archived, &notifiedLongAgo, Move{To: Filed}, false},
		{"withdrawn with a reason", Investigating, nil, Move{To: Withdrawn, Reason: "违法事实不能成立"}, true},
		{"withdrawn without a reason", Investigating, nil, Move{To: Withdrawn}, false},
		{"transferred from notified", Notified, &notifiedToday, Move{To: Transferred, Reason: "涉嫌犯罪"}, true},
		{"withdrawing a closed case", Closed, &notifiedLongAgo, Move{To: Withdrawn, Reason: "x"}, false},
		{"unknown state", Filed, nil, Move{To: "done"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Case{State: tt.state, FiledAt: at(2026, 10, 20, 9), NotifiedAt: tt.notified}
			err := c.Apply(tt.move, cal, now)
			if (err == nil) != tt.ok {
				t.Fatalf("Apply(%s → %s) = %v, want ok=%v", tt.state, tt.move.To, err, tt.ok)
			}
			if err == nil && c.State != tt.move.To {
				t.Errorf("state = %s, want %s", c.State, tt.move.To)
			}
			if err != nil && c.State != tt.state {
				t.Errorf("a refused move changed the state to %s", c.State)
			}
		})
	}
}

// TestServiceExecutionAndClosing pins what moving a decided case onward must say: how,
// when and to whom the decision was served (with proof for service by hand or post),
// what was executed, and a closing report.
func TestServiceExecutionAndClosing(t *testing.T) {
	cal := cal2026()
	decided, now := at(2026, 11, 20, 15), at(2026, 11, 23, 10)
	proof := uuid.New()
	serve := func(d *Delivery) error {
		c := &Case{State: Decided, FiledAt: at(2026, 10, 20, 9), DecidedAt: &decided, Decision: &Decision{Outcome: "penalty", Text: "x"}}
		err := c.Apply(Move{To: Served, Delivery: d}, cal, now)
		if err == nil && (c.ServedAt == nil || !c.ServedAt.Equal(d.At)) {
			t.Errorf("served at %v, want the delivery time %v", c.ServedAt, d.At)
		}
		return err
	}
	for _, tt := range []struct {
		name  string
		d     *Delivery
		field string
	}{
		{"no delivery", nil, "delivery"},
		{"unknown method", &Delivery{Method: "pigeon", At: at(2026, 11, 21, 9), Recipient: "张三"}, "delivery.method"},
		{"no time", &Delivery{Method: "electronic", Recipient: "张三"}, "delivery.at"},
		{"before the decision", &Delivery{Method: "electronic", At: at(2026, 11, 20, 14), Recipient: "张三"}, "delivery.at"},
		{"in the future", &Delivery{Method: "electronic", At: at(2026, 11, 24, 9), Recipient: "张三"}, "delivery.at"},
		{"no recipient", &Delivery{Method: "electronic", At: at(2026, 11, 21, 9), Recipient: "  "}, "delivery.recipient"},
		{"by hand without proof", &Delivery{Method: "direct", At: at(2026, 11, 21, 9), Recipient: "张三"}, "delivery.proof_record_id"},
		{"by post without proof", &Delivery{Method: "mail", At: at(2026, 11, 21, 9), Recipient: "张三"}, "delivery.proof_record_id"},
		{"by hand with proof", &Delivery{Method: "direct", At: at(2026, 11, 21, 9), Recipient: "张三", ProofRecordID: &proof}, ""},
		{"electronic", &Delivery{Method: "electronic", At: at(2026, 11, 21, 9), Recipient: "张三"}, ""},
	} {
		err := serve(tt.d)
		if got := fieldOf(err); got != tt.field {
			t.Errorf("%s: refused on %q (%v), want %q", tt.name, got, err, tt.field)
		}
	}
	served := at(2026, 11, 21, 9)
	c := &Case{State: Served, FiledAt: at(2026, 10, 20, 9), DecidedAt: &decided, ServedAt: &served}
	if err := c.Apply(Move{To: Executed, Execution: " "}, cal, now); fieldOf(err) != "execution" {
		t.Errorf("executed without saying what: %v", err)
	}
	for on, field := range map[Date]string{{}: "executed_on", MustDate(2026, 11, 20): "executed_on", MustDate(2026, 11, 24): "executed_on"} {
		if err := c.Apply(Move{To: Executed, Execution: "已缴纳罚款 5000 元", ExecutedOn: on}, cal, now); fieldOf(err) != field {
			t.Errorf("executed on %s (served 11-21, today 11-23): %v", on, err)
		}
	}
	if err := c.Apply(Move{To: Executed, Execution: "已缴纳罚款 5000 元", ExecutedOn: MustDate(2026, 11, 21)}, cal, now); err != nil {
		t.Fatal(err)
	}
	if err := c.Apply(Move{To: Closed}, cal, now); fieldOf(err) != "summary" {
		t.Errorf("closed without a report: %v", err)
	}
}

func TestCaseClocks(t *testing.T) {
	cal := cal2026()
	decided := at(2026, 9, 29, 15)
	c := &Case{State: Decided, FiledAt: at(2026, 7, 1, 9), DecidedAt: &decided}
	k := c.Clocks(cal, at(2026, 10, 12, 9))
	if k.DecideBy != MustDate(2026, 9, 29) {
		t.Errorf("decide by %s, want 2026-09-29 (90 days after 07-01)", k.DecideBy)
	}
	// Seven working days from Tuesday 29 September: 30 Sep, then past National Day (1–7
	// Oct) 8, 9, the make-up Saturday 10, 12, 13 and 14 October.
	if want := MustDate(2026, 10, 14); k.ServeBy != want {
		t.Errorf("serve by %s, want %s", k.ServeBy, want)
	}
	if len(k.Overdue) != 0 {
		t.Errorf("overdue before the last day: %v", k.Overdue)
	}
	if last := c.Clocks(cal, at(2026, 10, 14, 23)); len(last.Overdue) != 0 {
		t.Errorf("overdue on the last day, 2026-10-14: %v", last.Overdue)
	}
	late := c.Clocks(cal, at(2026, 10, 15, 0))
	if len(late.Overdue) != 1 {
		t.Errorf("serving overdue not reported the day after the last: %v", late.Overdue)
	}
	// Art. 64 from a notice on Monday 28 September: the request within five working days
	// (29, 30 Sep, 8, 9 and the make-up Saturday 10 Oct), the hearing noticed seven ahead
	// (then 12 and 13 Oct).
	notified := at(2026, 9, 28, 16)
	heard := &Case{State: Notified, FiledAt: at(2026, 9, 1, 9), NotifiedAt: &notified}
	if k := heard.Clocks(cal, notified); k.HearingRequestBy != MustDate(2026, 10, 10) || k.HearingNoticeBy != MustDate(2026, 10, 13) {
		t.Errorf("hearing clocks = request by %s, earliest %s; want 2026-10-10 and 2026-10-13", k.HearingRequestBy, k.HearingNoticeBy)
	}
	open := &Case{State: Investigating, FiledAt: at(2026, 7, 1, 9)}
	if k := open.Clocks(cal, at(2026, 10, 1, 9)); len(k.Overdue) != 1 {
		t.Errorf("decision overdue not reported: %v", k.Overdue)
	}
	// An inspection ends in a result, not a decision: art. 60's clock does not run.
	check := &Case{Kind: "inspection", State: Investigating, FiledAt: at(2026, 7, 1, 9)}
	if k := check.Clocks(cal, at(2026, 10, 1, 9)); len(k.Overdue) != 0 {
		t.Errorf("an inspection reported overdue for a decision: %v", k.Overdue)
	}
}

// TestStatementStepAndDaysLeft: the statement period blocks a decision while it runs and,
// once run, is said to be over rather than overdue; days left read as Chinese does.
func TestStatementStepAndDaysLeft(t *testing.T) {
	cal := cal2026()
	notified := at(2026, 11, 16, 10)
	c := &Case{State: Notified, FiledAt: at(2026, 11, 2, 9), NotifiedAt: &notified}
	step := func(today Date) Step {
		k := c.Clocks(cal, today.StartIn().Add(10*time.Hour))
		for _, s := range c.NextSteps(k, StepFacts{Calendar: cal, Today: today}) {
			if s.Kind == "statement" {
				return s
			}
		}
		t.Fatalf("no statement step on %s", today)
		return Step{}
	}
	running := step(MustDate(2026, 11, 17))
	if !running.Blocker || running.Due.IsZero() || running.Late() || !strings.Contains(running.LeftText(), "个工作日") {
		t.Errorf("while the period runs: %+v %q", running, running.LeftText())
	}
	over := step(running.Due.AddDays(1))
	if over.Blocker || !over.Due.IsZero() || over.LeftText() != "" || !strings.Contains(over.Text, "已于 "+running.Due.String()+" 届满") {
		t.Errorf("after the period: %+v", over)
	}
	for s, want := range map[Step]string{
		{Due: MustDate(2026, 12, 1), Left: 3, Unit: "工作日"}:  "还剩 3 个工作日",
		{Due: MustDate(2026, 12, 1), Left: 12, Unit: "日"}:   "还剩 12 天",
		{Due: MustDate(2026, 12, 1), Left: 0, Unit: "日"}:    "今日届满",
		{Due: MustDate(2026, 12, 1), Left: -230, Unit: "日"}: "已超期 230 天",
		{Due: MustDate(2026, 12, 1), Left: -2, Unit: "工作日"}: "已超期 2 个工作日",
		{Left: 5}: "",
	} {
		if got := s.LeftText(); got != want {
			t.Errorf("%+v says %q, want %q", s, got, want)
		}
	}
}
