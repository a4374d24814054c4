package app

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"go.uber.org/zap"

	"zhifa/app/localdev"
	"zhifa/audit"
	"zhifa/enforcement"
)

// Receiver is a reference destination of the data exchange, built from EXCHANGE.md alone:
// it checks each request's signature and time, acts on each event once, and answers with a
// receipt. `make demo` runs it beside zhifa as the demo's credit platform; its /refuse path
// answers as a platform that rejects the content, so the demo has dead letters.
type Receiver struct {
	Secret []byte
	Log    *zap.Logger

	mu       sync.Mutex
	receipts map[string]string // idempotency key → its receipt
	byTopic  map[string]int
}

// receiverSkew is how far a request's timestamp may be from the receiver's clock.
const receiverSkew = 5 * time.Minute

func (rv *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && r.URL.Path == "/" {
		rv.mu.Lock()
		defer rv.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "zhifa 演示接收方：已接收 %d 个事件\n", len(rv.receipts))
		for t, n := range rv.byTopic {
			fmt.Fprintf(w, "%s\t%d\n", audit.TopicLabel(t), n)
		}
		return
	}
	if r.Method != http.MethodPost {
		http.Error(w, "only POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		http.Error(w, "body", http.StatusBadRequest)
		return
	}
	ts := r.Header.Get("X-Zhifa-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	now := time.Now
	if err != nil || now().Sub(time.Unix(sec, 0)).Abs() > receiverSkew {
		http.Error(w, `{"error":"时间戳缺失或偏差过大"}`, http.StatusUnauthorized)
		return
	}
	want := "v1=" + ExchangeSignature(rv.Secret, ts, body)
	if !hmac.Equal([]byte(r.Header.Get("X-Zhifa-Signature")), []byte(want)) {
		http.Error(w, `{"error":"签名不正确"}`, http.StatusUnauthorized)
		return
	}
	var ev struct {
		EventID string `json:"event_id"`
	}
	key := r.Header.Get("Idempotency-Key")
	if json.Unmarshal(body, &ev) != nil || key == "" || ev.EventID != key {
		http.Error(w, `{"error":"请求体不是有效的事件"}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if strings.HasPrefix(r.URL.Path, "/refuse") {
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"error":"数据项不符合本平台标准：缺少“法定代表人”"}`)
		return
	}
	rv.mu.Lock()
	if rv.receipts == nil {
		rv.receipts, rv.byTopic = map[string]string{}, map[string]int{}
	}
	receipt, seen := rv.receipts[key]
	if !seen {
		receipt = fmt.Sprintf("QS%s-%06d", now().Format("20060102"), len(rv.receipts)+1)
		rv.receipts[key] = receipt
		rv.byTopic[r.Header.Get("X-Zhifa-Event")]++
	}
	rv.mu.Unlock()
	if rv.Log != nil {
		rv.Log.Info("received", zap.String("event", key), zap.String("topic", r.Header.Get("X-Zhifa-Event")), zap.Bool("repeat", seen))
	}
	_ = json.NewEncoder(w).Encode(map[string]string{"receipt": receipt})
}

// RunReceiver serves a Receiver on addr until ctx ends.
func RunReceiver(ctx context.Context, addr string, secret []byte, log *zap.Logger) error {
	rv := &Receiver{Secret: secret, Log: log, receipts: map[string]string{}, byTopic: map[string]int{}}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: rv, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	log.Info("demo receiver listening", zap.String("addr", ln.Addr().String()))
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// demoReceiverSecret is the secret the demo's destinations share with the demo receiver,
// kept in the machine's cache directory and made on first use.
func demoReceiverSecret(getenv func(string) string) ([]byte, error) {
	if v := getenv("ZHIFA_RECEIVER_SECRET"); v != "" {
		return []byte(v), nil
	}
	path := filepath.Join(localdev.CacheDir(getenv), "demo_receiver_secret")
	if s := localdev.ReadSecret(path); s != "" {
		return []byte(s), nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	s := randomToken()
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, err
	}
	return []byte(s), nil
}

// SeedExchange gives the demo county its two destinations, when it has none: the demo
// receiver as the credit platform, taking the past year's items, and a 互联网+监管 that
// refuses everything, so the dead-letter list has rows. The credit platform's history is
// a year of operation: items older than three days were confirmed minutes after they were
// published; the rest go out when the demo's dispatcher starts.
func (a *App) SeedExchange(ctx context.Context, getenv func(string) string, out io.Writer) error {
	var n int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM exchange_destinations`).Scan(&n); err != nil || n > 0 {
		return err
	}
	secret, err := demoReceiverSecret(getenv)
	if err != nil {
		return err
	}
	// The demo's events so far are fanned out (to no one yet), so that each destination
	// takes them as its backlog now and the year's history can be marked confirmed.
	for {
		n, err := a.audit.FanOut(ctx, 1000)
		if err != nil {
			return err
		}
		if n < 1000 {
			break
		}
	}
	admin, err := a.demoActor(ctx, "admin")
	if err != nil {
		return err
	}
	base := strings.TrimRight(getenv("ZHIFA_RECEIVER_URL"), "/")
	if base == "" {
		base = "http://127.0.0.1:8091"
	}
	now := time.Now()
	today := enforcement.DateOf(now)
	lastYear, lastMonth := enforcement.Date{Year: today.Year - 1, Month: 1, Day: 1}.StartIn(), now.AddDate(0, 0, -30)
	str := func(s string) *string { return &s }
	rate := 200
	var credit uuid.UUID
	for i, d := range []audit.DestinationInput{
		{Name: str("江西省公共信用信息平台（演示接收方）"), URL: str(base + "/credit"), Format: str("credit"), Since: &lastYear},
		{Name: str("“互联网+监管”系统（演示：拒收）"), URL: str(base + "/refuse"), Format: str("regulatory"), Since: &lastMonth},
	} {
		d.Auth, d.Secret, d.KeyID, d.Rate = str("hmac"), str(string(secret)), str("qingshan-demo"), &rate
		made, err := a.audit.CreateDestination(ctx, admin, d)
		if err != nil {
			return fmt.Errorf("demo destination: %w", err)
		}
		if i == 0 {
			credit = made.ID
		}
		fmt.Fprintf(out, "演示数据交换接收方：%s，%d 个事件\n", made.Name, made.Counts.Pending)
	}
	_, err = a.db.Exec(ctx, `WITH r AS (SELECT d.id, e.occurred_at + interval '2 minutes' AS at,
			'QS' || to_char(e.occurred_at AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(e.seq::text, 6, '0') AS receipt
		FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq
		WHERE d.destination_id = $1 AND e.occurred_at < now() - interval '3 days')
		UPDATE outbox_deliveries d SET state = 'sent', attempts = 1, last_status = 200, sent_at = r.at, updated_at = r.at,
			receipt = r.receipt, ack = jsonb_build_object('receipt', r.receipt)
		FROM r WHERE d.id = r.id`, credit)
	return err
}

// receiveCommand is `zhifa receive [--listen ADDR]`.
func receiveCommand(ctx context.Context, args []string, getenv func(string) string) error {
	addr := "127.0.0.1:8091"
	switch {
	case len(args) == 2 && args[0] == "--listen":
		addr = args[1]
	case len(args) != 0:
		return errors.New("usage: zhifa receive [--listen ADDR]")
	}
	secret, err := demoReceiverSecret(getenv)
	if err != nil {
		return err
	}
	log, err := zap.NewProduction()
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	return RunReceiver(ctx, addr, secret, log.Named("receiver"))
}
