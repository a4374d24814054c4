package audit

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
)

// The field sets of the feeds, in the order a row of the export prints them. Each name
// is zhifa's canonical name of the field; a destination may give its own name for any of
// them (field_names), so a province adapts the names without touching the events.
var (
	penaltyFields = []string{"行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "决定书文号", "违法行为类型",
		"违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）", "没收违法所得、没收非法财物的金额（万元）",
		"暂扣或吊销证照名称及编号", "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码",
		"数据来源单位", "数据来源单位统一社会信用代码"}
	licenseFields = []string{"行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "行政许可决定文书号",
		"许可内容", "许可决定日期", "公示截止期", "许可机关", "许可机关统一社会信用代码", "数据来源单位", "数据来源单位统一社会信用代码"}
	withdrawalFields = []string{"决定书文号", "撤回原因", "撤回日期", "决定机关", "决定机关统一社会信用代码"}
	repairFields     = []string{"决定书文号", "停止公示原因", "停止公示日期", "决定机关", "决定机关统一社会信用代码"}
	actionFields     = []string{"监管行为类型", "监管行为编号", "文书或任务编号", "实施机关", "实施机关统一社会信用代码", "监管事项",
		"监管对象名称", "监管对象代码", "实施日期", "执法人员", "结果", "说明"}
)

// FieldsOf are the canonical field names of a format, each once, in the order the rows
// print them: what a destination may give its own names for.
func FieldsOf(format string) []string {
	var sets [][]string
	switch format {
	case "credit":
		sets = [][]string{penaltyFields, licenseFields, withdrawalFields, repairFields}
	case "regulatory":
		sets = [][]string{actionFields}
	}
	var out []string
	seen := map[string]bool{}
	for _, set := range sets {
		for _, f := range set {
			if !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

// fieldKeys is the set of canonical field names of a format.
func fieldKeys(format string) map[string]bool {
	out := map[string]bool{}
	for _, f := range FieldsOf(format) {
		out[f] = true
	}
	return out
}

// day writes a date, or nothing for none (an item not yet published has no end).
func day(d enforcement.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// wan writes an amount in fen as 万元 with six decimals, exactly.
func wan(fen int64) string {
	return fmt.Sprintf("%d.%06d", fen/1_000_000, fen%1_000_000)
}

// yuan writes an amount in fen as people read it: 5,000.00 元.
func yuan(fen int64) string {
	s := fmt.Sprintf("%d", fen/100)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return fmt.Sprintf("%s.%02d 元", s, fen%100)
}

func partyCategory(p enforcement.Party) string {
	if p.Type == "person" {
		return "自然人"
	}
	return "法人及非法人组织"
}

// penaltyContent says the kinds imposed in words, with their amounts.
func penaltyContent(it enforcement.CreditItem) string {
	parts := make([]string, len(it.Categories))
	for i, c := range it.Categories {
		switch c {
		case "罚款":
			c += " " + yuan(it.FineAmount)
		case "没收违法所得、没收非法财物":
			c = "没收违法所得、非法财物 " + yuan(it.ConfiscationAmount)
		}
		parts[i] = c
	}
	return strings.Join(parts, "；")
}

// CreditRows are the rows a published decision makes in the credit platform's field
// set: one per party, natural persons redacted as the portal shows them.
func CreditRows(it enforcement.CreditItem) (fields []string, rows []map[string]string) {
	for _, p := range it.Parties {
		code := ""
		if p.Type == "org" {
			code = p.IDNumber
		}
		r := map[string]string{"行政相对人名称": p.Name, "行政相对人类别": partyCategory(p), "统一社会信用代码": code, "法定代表人": p.LegalRep,
			"公示截止期": day(it.DisplayUntil), "数据来源单位": it.Agency, "数据来源单位统一社会信用代码": it.AgencyCode}
		if it.Kind == "license" {
			fields = licenseFields
			r["行政许可决定文书号"], r["许可内容"], r["许可决定日期"] = it.Number, it.Facts, it.DecidedOn.String()
			r["许可机关"], r["许可机关统一社会信用代码"] = it.Agency, it.AgencyCode
		} else {
			fields = penaltyFields
			r["决定书文号"], r["违法行为类型"], r["违法事实"], r["处罚依据"] = it.Number, it.Cause, it.Facts, it.LegalBasis
			r["处罚类别"], r["处罚内容"] = strings.Join(it.Categories, "；"), penaltyContent(it)
			r["罚款金额（万元）"], r["没收违法所得、没收非法财物的金额（万元）"] = wan(it.FineAmount), wan(it.ConfiscationAmount)
			r["暂扣或吊销证照名称及编号"], r["处罚决定日期"], r["处罚有效期"] = it.LicenseRef, it.DecidedOn.String(), ""
			r["处罚机关"], r["处罚机关统一社会信用代码"] = it.Agency, it.AgencyCode
		}
		rows = append(rows, r)
	}
	return fields, rows
}

func actionRow(a enforcement.Action) map[string]string {
	kind := map[string]string{"check": "检查", "case_filed": "立案", "case_decided": "作出行政执法决定",
		"supervision_document": "行政执法监督"}[a.Kind]
	return map[string]string{"监管行为类型": kind, "监管行为编号": a.SubjectID.String(), "文书或任务编号": a.Number,
		"实施机关": a.Agency, "实施机关统一社会信用代码": a.AgencyCode, "监管事项": a.Matter, "监管对象名称": a.Target,
		"监管对象代码": a.TargetCode, "实施日期": a.On.String(), "执法人员": strings.Join(a.Officers, "、"), "结果": a.Result,
		"说明": a.Detail}
}

// rename applies a destination's names to a row.
func rename(r map[string]string, names map[string]string) map[string]string {
	out := make(map[string]string, len(r))
	for k, v := range r {
		if n, ok := names[k]; ok {
			k = n
		}
		out[k] = v
	}
	return out
}

// Outgoing is one delivery the dispatcher is about to send.
type Outgoing struct {
	DeliveryID    uuid.UUID
	EventID       uuid.UUID
	Seq           int64
	Topic         string
	Stream        string
	OccurredAt    time.Time
	RefersTo      *uuid.UUID
	Payload       json.RawMessage
	Attempts      int
	FirstFailedAt *time.Time
}

// Render is the body a destination receives for an event: its format's field names as
// the destination names them, with the event's ID as the idempotency key (EXCHANGE.md).
func Render(d Destination, o Outgoing) ([]byte, error) {
	var body map[string]any
	switch d.Format {
	case "zhifa":
		body = map[string]any{"event_id": o.EventID, "topic": o.Topic, "stream": o.Stream, "seq": o.Seq,
			"occurred_at": o.OccurredAt.UTC().Format(time.RFC3339Nano), "refers_to": o.RefersTo, "payload": o.Payload}
	case "credit":
		body = map[string]any{"event_id": o.EventID, "occurred_at": o.OccurredAt.UTC().Format(time.RFC3339Nano)}
		switch o.Topic {
		case enforcement.TopicCreditPenalty, enforcement.TopicCreditLicense:
			var it enforcement.CreditItem
			if err := json.Unmarshal(o.Payload, &it); err != nil {
				return nil, err
			}
			_, rows := CreditRows(it)
			recs := make([]map[string]string, len(rows))
			for i, r := range rows {
				recs[i] = rename(r, d.FieldNames)
			}
			body["operation"], body["category"], body["records"] = "add", map[bool]string{true: "行政许可", false: "行政处罚"}[it.Kind == "license"], recs
		case enforcement.TopicCreditWithdrawal:
			var w enforcement.CreditWithdrawal
			if err := json.Unmarshal(o.Payload, &w); err != nil {
				return nil, err
			}
			reason := w.Reason
			if w.Cause != "" {
				reason = w.Cause + "：" + w.Reason
			}
			body["operation"], body["refers_to"] = "withdraw", o.RefersTo
			body["records"] = []map[string]string{rename(map[string]string{"决定书文号": w.Number, "撤回原因": reason,
				"撤回日期": w.WithdrawnOn.String(), "决定机关": w.Agency, "决定机关统一社会信用代码": w.AgencyCode}, d.FieldNames)}
		case enforcement.TopicCreditRepair:
			var e enforcement.CreditRepairEnd
			if err := json.Unmarshal(o.Payload, &e); err != nil {
				return nil, err
			}
			body["operation"], body["refers_to"] = "end", o.RefersTo
			body["records"] = []map[string]string{rename(map[string]string{"决定书文号": e.Number, "停止公示原因": "信用修复：" + e.Reason,
				"停止公示日期": e.EndedOn.String(), "决定机关": e.Agency, "决定机关统一社会信用代码": e.AgencyCode}, d.FieldNames)}
		default:
			return nil, fmt.Errorf("topic %s is not a credit topic", o.Topic)
		}
	case "regulatory":
		var a enforcement.Action
		if err := json.Unmarshal(o.Payload, &a); err != nil {
			return nil, err
		}
		body = map[string]any{"event_id": o.EventID, "occurred_at": o.OccurredAt.UTC().Format(time.RFC3339Nano), "operation": "add",
			"record": rename(actionRow(a), d.FieldNames)}
	default:
		return nil, fmt.Errorf("unknown format %s", d.Format)
	}
	return json.Marshal(body)
}

// FanOut makes the deliveries of the events not yet fanned out, oldest first and at most
// limit of them: one for each destination whose region and feed take the event and whose
// backlog starts at or before it; a withdrawal or an early end goes only where the item it
// changes went. It returns how many events it took. The event's own transaction wrote the
// event alone (enforcement.EnqueueTx), so the exchange costs a filing or a decision one row.
func (s *Service) FanOut(ctx context.Context, limit int) (int, error) {
	var n int
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// Shared with other fan-outs, exclusive against a destination being created: each
		// statement after it sees every destination committed before it was granted.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared(hashtext($1))`, enforcement.ExchangeFanoutLock); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT seq FROM outbox_events WHERE NOT fanned_out ORDER BY seq LIMIT $1 FOR UPDATE`, limit)
		seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(seqs) == 0 {
			return err
		}
		// The items first, so that a withdrawal taken in the same round finds where its
		// item went. An item is always older than what changes it, so it is in this round
		// or an earlier one.
		for _, changing := range []bool{false, true} {
			if _, err := tx.Exec(ctx, `INSERT INTO outbox_deliveries (event_seq, destination_id, stream)
				SELECT e.seq, d.id, e.stream FROM outbox_events e JOIN agencies a ON a.id = e.agency_id, exchange_destinations d
				WHERE e.seq = ANY($1) AND (e.refers_to IS NOT NULL) = $2
					AND a.region_code LIKE d.region_prefix || '%' AND e.topic LIKE `+enforcement.FeedPattern("d.format")+` AND d.since <= e.occurred_at
					AND (e.refers_to IS NULL OR EXISTS (SELECT 1 FROM outbox_deliveries o JOIN outbox_events oe ON oe.seq = o.event_seq
						WHERE oe.id = e.refers_to AND o.destination_id = d.id))
				ORDER BY e.seq
				ON CONFLICT (event_seq, destination_id) DO NOTHING`, seqs, changing); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE outbox_events SET fanned_out = true WHERE seq = ANY($1)`, seqs)
		n = len(seqs)
		return err
	})
	return n, enforcement.DBError(err, "推送记录")
}

// ActiveDestinations are the destinations the dispatcher sends to: all that are not
// paused, with their secrets unsealed.
func (s *Service) ActiveDestinations(ctx context.Context) ([]Destination, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+destinationCols+` FROM exchange_destinations WHERE NOT paused ORDER BY created_at`)
	ds, err := pgx.CollectRows(rows, s.scanDestination)
	return ds, enforcement.DBError(err, "接收方")
}

// DueDeliveries are the next deliveries of a destination that may go now: of each
// stream only its earliest unsent event, and only when its time has come. Sending them
// side by side keeps each stream in order.
func (s *Service) DueDeliveries(ctx context.Context, dest uuid.UUID, limit int) ([]Outgoing, error) {
	rows, _ := s.db.Query(ctx, `SELECT h.id, e.id, e.seq, e.topic, e.stream, e.occurred_at, e.refers_to, e.payload, h.attempts, h.first_failed_at
		FROM (SELECT DISTINCT ON (d.stream) d.id, d.state, d.next_attempt_at, d.event_seq, d.attempts, d.first_failed_at
			FROM outbox_deliveries d WHERE d.destination_id = $1 AND d.state <> 'sent' ORDER BY d.stream, d.event_seq) h
		JOIN outbox_events e ON e.seq = h.event_seq
		WHERE h.state IN ('pending', 'failed') AND h.next_attempt_at <= now()
		ORDER BY h.event_seq LIMIT $2`, dest, limit)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Outgoing, error) {
		var o Outgoing
		err := row.Scan(&o.DeliveryID, &o.EventID, &o.Seq, &o.Topic, &o.Stream, &o.OccurredAt, &o.RefersTo, &o.Payload, &o.Attempts, &o.FirstFailedAt)
		return o, err
	})
	return out, enforcement.DBError(err, "推送记录")
}

// SendResult is what one attempt came to.
type SendResult struct {
	DeliveryID uuid.UUID
	State      string // sent, failed or dead
	Status     int    // the HTTP status, 0 when none came back
	Error      string
	Receipt    string
	Ack        json.RawMessage
	Next       time.Time
	Cause      error // the transport's own error, for the log only
}

// Retry policy: a transient failure (no answer, a timeout, 408, 429, 5xx) is tried again
// after 1, 2, 4 … seconds, at most MaxBackoff apart, for DeadAfter from the first failure;
// an answer that refuses the content (another 4xx) goes to the dead letters at once, since
// the same bytes would be refused again.
const (
	MaxBackoff = 10 * time.Minute
	DeadAfter  = 72 * time.Hour
)

// Judge turns an attempt's answer into its result.
func Judge(o Outgoing, status int, body []byte, transport error, now time.Time) SendResult {
	r := SendResult{DeliveryID: o.DeliveryID, Status: status}
	switch {
	case transport == nil && status >= 200 && status < 300:
		r.State = "sent"
		var ack struct {
			Receipt string `json:"receipt"`
		}
		if json.Valid(body) && len(body) <= 4096 && storable(string(body)) {
			r.Ack = body
			if json.Unmarshal(body, &ack) == nil && len(ack.Receipt) <= 200 {
				r.Receipt = clean(ack.Receipt)
			}
		}
		return r
	case transport != nil:
		r.Error, r.Cause = "连接失败："+transportReason(transport), transport
	default:
		// A JSON answer's own message reads better than the JSON around it.
		var msg struct{ Error, Message string }
		text := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &msg) == nil && (msg.Error != "" || msg.Message != "") {
			text = strings.TrimSpace(msg.Error + " " + msg.Message)
		}
		r.Error = fmt.Sprintf("接收方返回 %d：%s", status, clip(clean(text), 300))
	}
	transient := transport != nil || status == 408 || status == 429 || status >= 500
	first := now
	if o.FirstFailedAt != nil {
		first = *o.FirstFailedAt
	}
	if !transient || now.Sub(first) >= DeadAfter {
		r.State = "dead"
		return r
	}
	backoff := time.Second << min(o.Attempts, 20)
	backoff = min(backoff, MaxBackoff)
	// Jitter spreads the retries of many rows that failed together.
	r.State, r.Next = "failed", now.Add(backoff/2+rand.N(backoff/2+1))
	return r
}

// clean makes a destination's text storable: valid UTF-8 (a GBK error page is not), no NUL.
func clean(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "�"), "\x00", "")
}

// storable: PostgreSQL's jsonb takes neither invalid UTF-8 nor the \u0000 escape.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.Contains(s, "\\u0000") && !strings.Contains(s, "\x00")
}

// transportReason says in words why no answer came, without the address (which the log
// keeps): people who see it beside a disclosure item need the kind of failure.
func transportReason(err error) string {
	var dns *net.DNSError
	var op *net.OpError
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err):
		return "接收方未在限定时间内答复"
	case errors.As(err, &dns):
		return "接收方域名无法解析"
	case errors.As(err, &cert) || errors.As(err, &unknown) || errors.As(err, &host):
		return "接收方的证书无法验证"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "接收方拒绝连接（服务未启动或端口不对）"
	case strings.Contains(err.Error(), "tls:") || strings.Contains(err.Error(), "remote error"):
		return "TLS 握手失败（证书不被接收方接受，或协议不匹配）"
	case errors.As(err, &op):
		return "网络连接中断"
	}
	return "未收到答复"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// SettleDeliveries stores the results of a round of sending in one statement. A row
// another dispatcher already marked sent stays sent.
func (s *Service) SettleDeliveries(ctx context.Context, rs []SendResult) error {
	if len(rs) == 0 {
		return nil
	}
	n := len(rs)
	ids, states, nexts := make([]uuid.UUID, n), make([]string, n), make([]time.Time, n)
	statuses, errs, receipts, acks := make([]*int32, n), make([]string, n), make([]string, n), make([]*string, n)
	for i, r := range rs {
		ids[i], states[i], nexts[i], errs[i], receipts[i] = r.DeliveryID, r.State, r.Next, r.Error, r.Receipt
		if r.Status != 0 {
			st := int32(r.Status)
			statuses[i] = &st
		}
		if r.Ack != nil {
			a := string(r.Ack)
			acks[i] = &a
		}
	}
	_, err := s.db.Exec(ctx, `UPDATE outbox_deliveries d SET state = r.state, attempts = d.attempts + 1,
		next_attempt_at = CASE WHEN r.state = 'failed' THEN r.next ELSE d.next_attempt_at END,
		last_status = r.status, last_error = r.err, receipt = r.receipt, ack = r.ack::jsonb,
		sent_at = CASE WHEN r.state = 'sent' THEN now() END,
		first_failed_at = CASE WHEN r.state = 'sent' THEN d.first_failed_at ELSE coalesce(d.first_failed_at, now()) END,
		updated_at = now()
		FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[], $5::text[], $6::text[], $7::text[])
			AS r(id, state, next, status, err, receipt, ack)
		WHERE d.id = r.id AND d.state <> 'sent'`, ids, states, nexts, statuses, errs, receipts, acks)
	if err != nil && len(rs) > 1 && ctx.Err() == nil {
		// One row the database refuses must not keep the others from being recorded
		// (and sent again and again): each on its own.
		var first error
		for _, r := range rs {
			if e := s.SettleDeliveries(ctx, []SendResult{r}); e != nil && first == nil {
				first = e
			}
		}
		return first
	}
	return enforcement.DBError(err, "推送记录")
}
