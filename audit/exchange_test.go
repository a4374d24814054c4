package audit

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"zhifa/enforcement"
)

func TestJudgeRetriesTransientAndBuriesRefusals(t *testing.T) {
	now := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	o := Outgoing{DeliveryID: uuid.New(), Attempts: 3}
	for _, c := range []struct {
		status int
		err    error
		state  string
	}{
		{200, nil, "sent"}, {204, nil, "sent"}, {500, nil, "failed"}, {503, nil, "failed"}, {429, nil, "failed"}, {408, nil, "failed"},
		{0, errors.New("connection refused"), "failed"}, {400, nil, "dead"}, {422, nil, "dead"}, {401, nil, "dead"}, {302, nil, "dead"},
	} {
		r := Judge(o, c.status, []byte(`{"receipt":"X1"}`), c.err, now)
		if r.State != c.state {
			t.Errorf("status %d, err %v: %s, want %s", c.status, c.err, r.State, c.state)
		}
		if r.State == "failed" {
			// The fourth try waits 8 s, with jitter down to half of it.
			if wait := r.Next.Sub(now); wait < 4*time.Second || wait > 8*time.Second {
				t.Errorf("status %d: retry in %v", c.status, wait)
			}
		}
		if r.State == "sent" && r.Receipt != "X1" {
			t.Errorf("receipt = %q", r.Receipt)
		}
	}
	// The wait never exceeds MaxBackoff, and a transient failure lasting DeadAfter is buried.
	o.Attempts = 40
	if r := Judge(o, 503, nil, nil, now); r.Next.Sub(now) > MaxBackoff {
		t.Errorf("backoff %v over the cap", r.Next.Sub(now))
	}
	first := now.Add(-DeadAfter)
	o.FirstFailedAt = &first
	if r := Judge(o, 503, nil, nil, now); r.State != "dead" {
		t.Errorf("after %v of failures: %s", DeadAfter, r.State)
	}
}

func TestRenderCreditItemInWan(t *testing.T) {
	it := enforcement.CreditItem{DisclosureID: uuid.New(), CaseID: uuid.New(), Kind: "penalty", Number: "青市监罚〔2026〕3号",
		Parties:    []enforcement.Party{{Type: "org", Name: "青山县惠民食品有限公司", IDNumber: "91350100M000100Y43"}},
		Categories: []string{"罚款", "没收违法所得、没收非法财物"}, Outcome: "penalty", FineAmount: 1_234_567_89, ConfiscationAmount: 5,
		DecidedOn: enforcement.Date{Year: 2026, Month: 11, Day: 3}, DisplayUntil: enforcement.Date{Year: 2029, Month: 11, Day: 3},
		Agency: "青山县市场监督管理局", AgencyCode: "11360799014000037X"}
	payload, _ := json.Marshal(it)
	body, err := Render(Destination{Format: "credit", FieldNames: map[string]string{"决定书文号": "CF_WSH"}},
		Outgoing{EventID: uuid.New(), Topic: enforcement.TopicCreditPenalty, Payload: payload, OccurredAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Operation, Category string
		Records             []map[string]string
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	r := got.Records[0]
	if got.Operation != "add" || got.Category != "行政处罚" || r["罚款金额（万元）"] != "123.456789" || r["没收违法所得、没收非法财物的金额（万元）"] != "0.000005" ||
		r["CF_WSH"] != it.Number || r["处罚类别"] != "罚款；没收违法所得、没收非法财物" || r["公示截止期"] != "2029-11-03" ||
		!strings.Contains(r["处罚内容"], "罚款 1,234,567.89 元") || r["统一社会信用代码"] != "91350100M000100Y43" {
		t.Errorf("record = %v", r)
	}
}
