package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"zhifa/audit"
)

// dispatcherLock is the session advisory lock that makes one dispatcher active across
// replicas; the others wait for it.
const dispatcherLock = "zhifa-exchange-dispatcher"

// Dispatcher sends the outbox to the destinations: it fans each new event out to the
// destinations that take it (audit.FanOut), and one worker per destination sends, in
// order per stream, at the destination's rate, retrying with backoff (audit.Judge).
type Dispatcher struct {
	ex  *audit.Service
	db  *pgxpool.Pool
	log *zap.Logger
	// Poll is how often idle workers look for new events and the configuration is re-read.
	Poll time.Duration
	// Timeout bounds one request; Concurrency the requests of one destination in flight.
	Timeout     time.Duration
	Concurrency int
}

type destWorker struct {
	version time.Time
	cancel  context.CancelFunc
	done    chan struct{}
}

// Run keeps trying to become the active dispatcher and sends while it is, until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	for ctx.Err() == nil {
		if err := d.runActive(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("exchange dispatcher", zap.Error(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(5 * d.poll()):
		}
	}
}

func (d *Dispatcher) poll() time.Duration {
	if d.Poll <= 0 {
		return time.Second
	}
	return d.Poll
}

// runActive holds the lock on one connection for as long as it sends; when the
// connection drops, the lock goes with it and the workers stop.
func (d *Dispatcher) runActive(ctx context.Context) error {
	conn, err := d.db.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var got bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext($1))`, dispatcherLock).Scan(&got); err != nil || !got {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtext($1))`, dispatcherLock); err != nil {
			conn.Conn().Close(ctx) // closing the session releases the lock too
		}
	}()
	fctx, stopFan := context.WithCancel(ctx)
	fanned := make(chan struct{})
	go func() {
		defer close(fanned)
		d.fanOut(fctx)
	}()
	defer func() { stopFan(); <-fanned }()
	workers := map[uuid.UUID]*destWorker{}
	stopAll := func() {
		for id, w := range workers {
			w.cancel()
			<-w.done
			delete(workers, id)
		}
	}
	defer stopAll()
	tick := time.NewTicker(d.poll())
	defer tick.Stop()
	for {
		if _, err := conn.Exec(ctx, `SELECT 1`); err != nil {
			return fmt.Errorf("dispatcher lock connection: %w", err)
		}
		dests, err := d.ex.ActiveDestinations(ctx)
		if err != nil {
			return err
		}
		seen := map[uuid.UUID]bool{}
		for _, dst := range dests {
			seen[dst.ID] = true
			if w := workers[dst.ID]; w != nil && w.version.Equal(dst.UpdatedAt) {
				continue
			} else if w != nil {
				w.cancel()
				<-w.done
			}
			wctx, cancel := context.WithCancel(ctx)
			w := &destWorker{version: dst.UpdatedAt, cancel: cancel, done: make(chan struct{})}
			workers[dst.ID] = w
			go func(dst audit.Destination) {
				defer close(w.done)
				d.work(wctx, dst)
			}(dst)
		}
		for id, w := range workers {
			if !seen[id] {
				w.cancel()
				<-w.done
				delete(workers, id)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// fanOut turns new events into deliveries until ctx ends: at once while a round finds a
// full batch, otherwise once a poll.
func (d *Dispatcher) fanOut(ctx context.Context) {
	const batch = 1000
	for ctx.Err() == nil {
		n, err := d.ex.FanOut(ctx, batch)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("exchange fan-out", zap.Error(err))
		}
		if err != nil || n < batch {
			sleep(ctx, d.poll())
		}
	}
}

// work sends one destination's deliveries until ctx ends.
func (d *Dispatcher) work(ctx context.Context, dst audit.Destination) {
	client, err := destinationClient(dst, d.timeout())
	if err != nil {
		d.log.Warn("exchange destination not usable", zap.String("destination", dst.Name), zap.Error(err))
		return
	}
	defer client.CloseIdleConnections()
	if dst.Auth == "hmac" && len(dst.Secret) == 0 {
		d.log.Warn("exchange destination's secret cannot be unsealed", zap.String("destination", dst.Name))
		return
	}
	// A burst of a tenth of a second's worth lets a batch start without waiting.
	limiter := rate.NewLimiter(rate.Limit(dst.Rate), max(1, dst.Rate/10))
	conc := d.Concurrency
	if conc <= 0 {
		conc = 16
	}
	for ctx.Err() == nil {
		batch, err := d.ex.DueDeliveries(ctx, dst.ID, 256)
		if err != nil {
			if ctx.Err() == nil {
				d.log.Warn("exchange outbox", zap.String("destination", dst.Name), zap.Error(err))
			}
			sleep(ctx, d.poll())
			continue
		}
		if len(batch) == 0 {
			sleep(ctx, d.poll())
			continue
		}
		results := make([]audit.SendResult, len(batch))
		sent := make([]bool, len(batch))
		var wg sync.WaitGroup
		sem := make(chan struct{}, conc)
		for i, o := range batch {
			if limiter.Wait(ctx) != nil {
				break
			}
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				results[i], sent[i] = d.send(ctx, client, dst, o)
			}()
		}
		wg.Wait()
		var done []audit.SendResult
		failed := 0
		var cause error
		for i := range batch {
			if sent[i] {
				done = append(done, results[i])
				if results[i].State != "sent" {
					failed++
					if cause == nil {
						cause = results[i].Cause
					}
				}
			}
		}
		if failed > 0 {
			// One line a round, with the first failure's own words (the address among them).
			d.log.Warn("exchange deliveries failed", zap.String("destination", dst.Name), zap.Int("failed", failed),
				zap.Int("of", len(done)), zap.NamedError("first_cause", cause), zap.String("first_error", firstError(done)))
		}
		// What was answered is stored even when stopping, so it is not sent again.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if err := d.ex.SettleDeliveries(sctx, done); err != nil {
			d.log.Warn("exchange settle", zap.String("destination", dst.Name), zap.Error(err))
		}
		cancel()
	}
}

func sleep(ctx context.Context, dur time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(dur):
	}
}

func (d *Dispatcher) timeout() time.Duration {
	if d.Timeout <= 0 {
		return 10 * time.Second
	}
	return d.Timeout
}

// send makes one attempt; ok is false when the attempt was cut short by stopping, which
// then counts for nothing.
func (d *Dispatcher) send(ctx context.Context, client *http.Client, dst audit.Destination, o audit.Outgoing) (audit.SendResult, bool) {
	body, err := audit.Render(dst, o)
	if err != nil {
		return audit.SendResult{DeliveryID: o.DeliveryID, State: "dead", Error: "无法生成推送内容：" + err.Error()}, true
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dst.URL, bytes.NewReader(body))
	if err != nil {
		return audit.SendResult{DeliveryID: o.DeliveryID, State: "dead", Error: "接收地址无效：" + err.Error()}, true
	}
	SignExchange(req.Header, dst, o, body, time.Now())
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return audit.SendResult{}, false
		}
		return audit.Judge(o, 0, nil, err, time.Now()), true
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil && ctx.Err() != nil {
		return audit.SendResult{}, false
	}
	return audit.Judge(o, resp.StatusCode, answer, nil, time.Now()), true
}

// SignExchange sets the headers every request carries (EXCHANGE.md §2): the event's ID as
// the idempotency key and, for an HMAC destination, the signature over time and body.
func SignExchange(h http.Header, dst audit.Destination, o audit.Outgoing, body []byte, now time.Time) {
	ts := strconv.FormatInt(now.Unix(), 10)
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Idempotency-Key", o.EventID.String())
	h.Set("X-Zhifa-Event", o.Topic)
	h.Set("X-Zhifa-Timestamp", ts)
	if dst.Auth == "hmac" {
		if dst.KeyID != "" {
			h.Set("X-Zhifa-Key-Id", dst.KeyID)
		}
		h.Set("X-Zhifa-Signature", "v1="+ExchangeSignature(dst.Secret, ts, body))
	}
}

// ExchangeSignature is hex(HMAC-SHA256(secret, timestamp + "." + body)).
func ExchangeSignature(secret []byte, ts string, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// destinationClient is an HTTP client for one destination: with its client certificate
// (and its own CA, when given) for mutual TLS.
func destinationClient(dst audit.Destination, timeout time.Duration) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	if dst.Auth == "mtls" {
		cert, err := tls.LoadX509KeyPair(dst.TLSCertFile, dst.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if dst.TLSCAFile != "" {
			pem, err := os.ReadFile(dst.TLSCAFile)
			if err != nil {
				return nil, err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, errors.New("no certificate in the CA file")
			}
			cfg.RootCAs = pool
		}
		tr.TLSClientConfig = cfg
	}
	return &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse // a redirect is an answer to judge, not a place to resend the body
	}}, nil
}

func firstError(rs []audit.SendResult) string {
	for _, r := range rs {
		if r.Error != "" {
			return r.Error
		}
	}
	return ""
}
