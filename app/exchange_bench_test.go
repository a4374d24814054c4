package app_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// BenchmarkDispatcher writes 5,000 监管行为 events over 1,000 cases (five per case, so
// order holds something back) for a fast receiver on loopback, and measures how fast the
// dispatcher fans them out and delivers them all (target ≥ 500 events/s). The baseline, in the same run, is
// the same bodies posted straight to the receiver with the same concurrency (16), no
// database involved.
func BenchmarkDispatcher(b *testing.B) {
	s := start(b, func(env map[string]string) { env["ZHIFA_EXCHANGE_POLL"] = "20ms" })
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte(`{"receipt":"B"}`))
	}))
	defer fast.Close()
	admin := s.login("admin")
	d := s.destination(admin, "基准接收方", fast.URL, "regulatory", map[string]any{"rate": 10000})
	const events = 5000
	var agency string
	s.query(b, `SELECT id::text FROM agencies WHERE kind = 'department' ORDER BY name LIMIT 1`, &agency)
	payload := `{"kind":"check","subject_id":"00000000-0000-0000-0000-000000000000","agency":"青山县市场监督管理局","agency_code":"x","matter":"食品销售",` +
		`"target":"青山县惠民食品有限公司","target_code":"91350100M000100Y43","on":"2026-12-01","officers":["甲","乙"],"result":"未发现问题"}`
	var dispatched, direct time.Duration
	for range b.N {
		var before int
		s.query(b, `SELECT count(*) FROM outbox_deliveries WHERE state = 'sent' AND destination_id = '`+d["id"].(string)+`'`, &before)
		t0 := time.Now()
		// Events only, as their transactions write them: the dispatcher fans them out too.
		s.exec(b, fmt.Sprintf(`INSERT INTO outbox_events (id, topic, stream, subject_id, agency_id, payload, occurred_at)
			SELECT gen_random_uuid(), 'action.check', 'bench:' || (g %% 1000), gen_random_uuid(), '%s', '%s', now()
			FROM generate_series(1, %d) g`, agency, payload, events))
		for {
			var sent int
			s.query(b, `SELECT count(*) FROM outbox_deliveries WHERE state = 'sent' AND destination_id = '`+d["id"].(string)+`'`, &sent)
			if sent-before >= events {
				break
			}
			if time.Since(t0) > 5*time.Minute {
				b.Fatalf("%d of %d sent after 5 minutes", sent-before, events)
			}
			time.Sleep(20 * time.Millisecond)
		}
		dispatched += time.Since(t0)

		// The baseline: the same number of bodies, posted directly, 16 at a time.
		body := []byte(`{"event_id":"x","operation":"add","record":` + payload + `}`)
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
		t1 := time.Now()
		var wg sync.WaitGroup
		work := make(chan struct{}, events)
		for range events {
			work <- struct{}{}
		}
		close(work)
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range work {
					resp, err := client.Post(fast.URL, "application/json", bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
		}
		wg.Wait()
		direct += time.Since(t1)
	}
	rate := float64(events*b.N) / dispatched.Seconds()
	base := float64(events*b.N) / direct.Seconds()
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(base, "direct/s")
	b.Logf("%d events over 1000 streams: dispatcher %.0f events/s (target ≥ 500: %.1f× it); direct posts, no database: %.0f/s; ratio %.2f",
		events*b.N, rate, rate/500, base, rate/base)
}
