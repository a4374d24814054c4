package audit

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// The formats a destination takes, and what each receives.
var destinationFormats = map[string]string{
	"credit":     "信用平台（双公示）",
	"regulatory": "互联网+监管（监管行为）",
	"zhifa":      "上级 zhifa（全部事件）",
}

// FormatLabel names a destination's format as people read it.
func FormatLabel(f string) string { return destinationFormats[f] }

// Destination is a system zhifa sends events to.
type Destination struct {
	ID           uuid.UUID         `json:"id"`
	Name         string            `json:"name"`
	URL          string            `json:"url"`
	Format       string            `json:"format"`
	Auth         string            `json:"auth"` // hmac or mtls
	KeyID        string            `json:"key_id"`
	SecretSet    bool              `json:"secret_set"` // the secret itself is never shown
	TLSCertFile  string            `json:"tls_cert_file,omitempty"`
	TLSKeyFile   string            `json:"tls_key_file,omitempty"`
	TLSCAFile    string            `json:"tls_ca_file,omitempty"`
	Rate         int               `json:"rate"`
	RegionPrefix string            `json:"region_prefix"`
	Since        time.Time         `json:"since"`
	Paused       bool              `json:"paused"`
	FieldNames   map[string]string `json:"field_names"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
	Counts       DeliveryCounts    `json:"counts"`

	Secret []byte `json:"-"` // the unsealed HMAC secret, for the dispatcher only
}

// DeliveryCounts counts a destination's deliveries by state.
type DeliveryCounts struct {
	Pending int `json:"pending"`
	Sent    int `json:"sent"`
	Failed  int `json:"failed"`
	Dead    int `json:"dead"`
}

// DestinationInput creates or changes a destination; on a change, absent fields stay.
type DestinationInput struct {
	Name        *string            `json:"name"`
	URL         *string            `json:"url"`
	Format      *string            `json:"format"`
	Auth        *string            `json:"auth"`
	KeyID       *string            `json:"key_id"`
	Secret      *string            `json:"secret"`
	TLSCertFile *string            `json:"tls_cert_file"`
	TLSKeyFile  *string            `json:"tls_key_file"`
	TLSCAFile   *string            `json:"tls_ca_file"`
	Rate        *int               `json:"rate"`
	Since       *time.Time         `json:"since"`
	Paused      *bool              `json:"paused"`
	FieldNames  *map[string]string `json:"field_names"`
}

// Sealer keeps destinations' secrets sealed at rest (AES-256-GCM under a key derived
// from the exchange key), so a copy of the database does not hand them out.
type Sealer struct{ aead cipher.AEAD }

// NewSealer derives the sealing key from a 32-byte seed.
func NewSealer(seed []byte) (*Sealer, error) {
	key := sha256.Sum256(append([]byte("zhifa-exchange-secret\x00"), seed...))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

func (s *Sealer) seal(plain []byte, id uuid.UUID) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, id[:])
}

func (s *Sealer) open(sealed []byte, id uuid.UUID) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed secret too short")
	}
	return s.aead.Open(nil, sealed[:n], sealed[n:], id[:])
}

// mayExchange: the exchange is an administrator's, over the region they administer.
func mayExchange(a enforcement.Actor) error {
	if !a.Has(enforcement.RoleAdmin) {
		return fault.New(fault.Forbidden, "只有系统管理员可以管理数据交换")
	}
	return nil
}

// regionOf is the prefix of the agencies an administrator's destinations serve.
func regionOf(a enforcement.Actor) string { return enforcement.RegionPrefix(a.RegionCode) }

func (in *DestinationInput) validate(create bool, cur Destination) (Destination, error) {
	d := cur
	str := func(p *string) string { return strings.TrimSpace(*p) }
	if in.Name != nil {
		d.Name = str(in.Name)
	}
	if create || in.Name != nil {
		if n := utf8.RuneCountInString(d.Name); n == 0 || n > 60 {
			return d, fault.Field("name", "请填写名称（不超过 60 字）")
		}
	}
	if in.URL != nil {
		d.URL = str(in.URL)
	}
	if create || in.URL != nil {
		u, err := url.Parse(d.URL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return d, fault.Field("url", "接收地址应为完整的 http(s) 地址，且不含用户名密码")
		}
	}
	if create {
		if in.Format == nil || destinationFormats[*in.Format] == "" {
			return d, fault.Field("format", "数据格式应为 credit（双公示）、regulatory（监管行为）或 zhifa（全部事件）")
		}
		d.Format = *in.Format
	} else if in.Format != nil && *in.Format != d.Format {
		return d, fault.Field("format", "数据格式创建后不能更改，请另建接收方")
	}
	if in.Auth != nil {
		d.Auth = *in.Auth
	}
	if d.Auth != "hmac" && d.Auth != "mtls" {
		return d, fault.Field("auth", "认证方式应为 hmac（签名）或 mtls（客户端证书）")
	}
	if in.KeyID != nil {
		d.KeyID = str(in.KeyID)
	}
	if len(d.KeyID) > 100 {
		return d, fault.Field("key_id", "密钥标识不超过 100 个字符")
	}
	if in.Secret != nil && *in.Secret != "" {
		if len(*in.Secret) < 16 || len(*in.Secret) > 512 {
			return d, fault.Field("secret", "签名密钥应为 16 至 512 个字符")
		}
		d.Secret = []byte(*in.Secret)
	}
	for _, f := range []struct {
		in   *string
		to   *string
		name string
	}{{in.TLSCertFile, &d.TLSCertFile, "tls_cert_file"}, {in.TLSKeyFile, &d.TLSKeyFile, "tls_key_file"}, {in.TLSCAFile, &d.TLSCAFile, "tls_ca_file"}} {
		if f.in != nil {
			*f.to = str(f.in)
		}
		if *f.to != "" {
			if st, err := os.Stat(*f.to); err != nil || st.IsDir() {
				return d, fault.Field(f.name, "服务器上找不到文件 %s", *f.to)
			}
		}
	}
	switch d.Auth {
	case "hmac":
		if len(d.Secret) == 0 && !d.SecretSet {
			return d, fault.Field("secret", "签名认证须设置签名密钥")
		}
	case "mtls":
		if d.TLSCertFile == "" || d.TLSKeyFile == "" {
			return d, fault.Field("tls_cert_file", "客户端证书认证须指明证书文件和私钥文件")
		}
		if !strings.HasPrefix(d.URL, "https://") {
			return d, fault.Field("url", "客户端证书认证须使用 https 地址")
		}
	}
	if in.Rate != nil {
		d.Rate = *in.Rate
	}
	if d.Rate == 0 && create {
		d.Rate = 50
	}
	if d.Rate < 1 || d.Rate > 10000 {
		return d, fault.Field("rate", "发送速率应为每秒 1 至 10000 条")
	}
	if in.Paused != nil {
		d.Paused = *in.Paused
	}
	if in.FieldNames != nil {
		d.FieldNames = map[string]string{}
		known := fieldKeys(d.Format)
		for k, v := range *in.FieldNames {
			v = strings.TrimSpace(v)
			if !known[k] {
				return d, fault.Field("field_names", "字段 %s 不是该格式的字段", k)
			}
			if v == "" || len(v) > 100 {
				return d, fault.Field("field_names", "字段 %s 的名称不能为空，且不超过 100 个字符", k)
			}
			d.FieldNames[k] = v
		}
	}
	if d.FieldNames == nil {
		d.FieldNames = map[string]string{}
	}
	return d, nil
}

const destinationCols = `id, name, url, format, auth, key_id, secret_sealed, tls_cert_file, tls_key_file, tls_ca_file, rate,
	region_prefix, since, paused, field_names, created_at, updated_at`

func (s *Service) scanDestination(row pgx.CollectableRow) (Destination, error) {
	var d Destination
	var sealed []byte
	err := row.Scan(&d.ID, &d.Name, &d.URL, &d.Format, &d.Auth, &d.KeyID, &sealed, &d.TLSCertFile, &d.TLSKeyFile, &d.TLSCAFile,
		&d.Rate, &d.RegionPrefix, &d.Since, &d.Paused, &d.FieldNames, &d.CreatedAt, &d.UpdatedAt)
	if err != nil {
		return d, err
	}
	d.SecretSet = len(sealed) > 0
	if d.SecretSet && s.Sealer != nil {
		// A secret sealed under another key stays unreadable; the dispatcher reports it.
		d.Secret, _ = s.Sealer.open(sealed, d.ID)
	}
	return d, nil
}

// CreateDestination adds a destination. Events of its region and feed from since on
// (now when absent) that the dispatcher has fanned out are queued for it in the same
// transaction, under the lock that orders it against the fan-out; the rest reach it when
// they are fanned out.
func (s *Service) CreateDestination(ctx context.Context, a enforcement.Actor, in DestinationInput) (Destination, error) {
	if err := mayExchange(a); err != nil {
		return Destination{}, err
	}
	now := s.Cases.Now()
	d, err := in.validate(true, Destination{Since: now})
	if err != nil {
		return d, err
	}
	if in.Since != nil {
		if in.Since.After(now) {
			return d, fault.Field("since", "补推起始时间不能晚于现在")
		}
		d.Since = *in.Since
	}
	d.ID, d.RegionPrefix = uuid.New(), regionOf(a)
	var sealed []byte
	if len(d.Secret) > 0 {
		if s.Sealer == nil {
			return d, fault.New(fault.Unavailable, "未配置数据交换密钥，不能保存签名密钥")
		}
		sealed = s.Sealer.seal(d.Secret, d.ID)
	}
	names, _ := json.Marshal(d.FieldNames)
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		// The fan-out waits for this lock; a creation that cannot have it soon gives up
		// rather than hold up the sending behind it.
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '5s'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, enforcement.ExchangeFanoutLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO exchange_destinations (id, name, url, format, auth, key_id, secret_sealed, tls_cert_file,
			tls_key_file, tls_ca_file, rate, region_prefix, since, paused, field_names, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
			d.ID, d.Name, d.URL, d.Format, d.Auth, d.KeyID, sealed, d.TLSCertFile, d.TLSKeyFile, d.TLSCAFile, d.Rate,
			d.RegionPrefix, d.Since, d.Paused, names, a.UserID); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO outbox_deliveries (event_seq, destination_id, stream)
			SELECT e.seq, $1, e.stream FROM outbox_events e JOIN agencies a ON a.id = e.agency_id
			WHERE e.fanned_out AND a.region_code LIKE $2 || '%' AND e.topic LIKE `+enforcement.FeedPattern("$3::text")+` AND e.occurred_at >= $4
				AND (e.refers_to IS NULL OR EXISTS (SELECT 1 FROM outbox_events o WHERE o.id = e.refers_to AND o.occurred_at >= $4))
			ORDER BY e.seq`, d.ID, d.RegionPrefix, d.Format, d.Since)
		return err
	})
	if err != nil {
		return Destination{}, enforcement.DBError(err, "接收方")
	}
	return s.Destination(ctx, a, d.ID)
}

// UpdateDestination changes a destination: its address, credentials, rate, names of
// fields, or pauses it. Its format, region and backlog stay.
func (s *Service) UpdateDestination(ctx context.Context, a enforcement.Actor, id uuid.UUID, in DestinationInput) (Destination, error) {
	cur, err := s.Destination(ctx, a, id)
	if err != nil {
		return cur, err
	}
	if in.Since != nil {
		return cur, fault.Field("since", "补推起始时间创建后不能更改")
	}
	d, err := in.validate(false, cur)
	if err != nil {
		return d, err
	}
	var sealed []byte
	if in.Secret != nil && *in.Secret != "" {
		if s.Sealer == nil {
			return d, fault.New(fault.Unavailable, "未配置数据交换密钥，不能保存签名密钥")
		}
		sealed = s.Sealer.seal(d.Secret, d.ID)
	}
	names, _ := json.Marshal(d.FieldNames)
	_, err = s.db.Exec(ctx, `UPDATE exchange_destinations SET name = $2, url = $3, auth = $4, key_id = $5,
		secret_sealed = coalesce($6, secret_sealed), tls_cert_file = $7, tls_key_file = $8, tls_ca_file = $9, rate = $10,
		paused = $11, field_names = $12, updated_at = now() WHERE id = $1`,
		id, d.Name, d.URL, d.Auth, d.KeyID, sealed, d.TLSCertFile, d.TLSKeyFile, d.TLSCAFile, d.Rate, d.Paused, names)
	if err != nil {
		return Destination{}, enforcement.DBError(err, "接收方")
	}
	return s.Destination(ctx, a, id)
}

// Destinations lists the destinations of the administrator's region with their counts.
func (s *Service) Destinations(ctx context.Context, a enforcement.Actor) ([]Destination, error) {
	if err := mayExchange(a); err != nil {
		return nil, err
	}
	rows, _ := s.db.Query(ctx, `SELECT `+destinationCols+` FROM exchange_destinations WHERE region_prefix LIKE $1 || '%' ORDER BY created_at, name`, regionOf(a))
	ds, err := pgx.CollectRows(rows, s.scanDestination)
	if err != nil {
		return nil, enforcement.DBError(err, "接收方")
	}
	if err := s.countDeliveries(ctx, ds); err != nil {
		return nil, err
	}
	if ds == nil {
		ds = []Destination{}
	}
	return ds, nil
}

// Destination returns one destination of the administrator's region.
func (s *Service) Destination(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Destination, error) {
	if err := mayExchange(a); err != nil {
		return Destination{}, err
	}
	rows, _ := s.db.Query(ctx, `SELECT `+destinationCols+` FROM exchange_destinations WHERE id = $1 AND region_prefix LIKE $2 || '%'`, id, regionOf(a))
	d, err := pgx.CollectExactlyOneRow(rows, s.scanDestination)
	if err != nil {
		return d, enforcement.DBError(err, "接收方")
	}
	ds := []Destination{d}
	err = s.countDeliveries(ctx, ds)
	return ds[0], err
}

func (s *Service) countDeliveries(ctx context.Context, ds []Destination) error {
	if len(ds) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, len(ds))
	at := map[uuid.UUID]*DeliveryCounts{}
	for i := range ds {
		ids[i], at[ds[i].ID] = ds[i].ID, &ds[i].Counts
	}
	rows, err := s.db.Query(ctx, `SELECT destination_id, state, count(*) FROM outbox_deliveries WHERE destination_id = ANY($1) GROUP BY 1, 2`, ids)
	if err != nil {
		return enforcement.DBError(err, "推送记录")
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var state string
		var n int
		if err := rows.Scan(&id, &state, &n); err != nil {
			return err
		}
		c := at[id]
		switch state {
		case "pending":
			c.Pending = n
		case "sent":
			c.Sent = n
		case "failed":
			c.Failed = n
		case "dead":
			c.Dead = n
		}
	}
	return enforcement.DBError(rows.Err(), "推送记录")
}

// Delivery is one event on its way to one destination.
type Delivery struct {
	ID              uuid.UUID  `json:"id"`
	EventID         uuid.UUID  `json:"event_id"`
	Seq             int64      `json:"seq"`
	Topic           string     `json:"topic"`
	TopicLabel      string     `json:"topic_label"`
	Stream          string     `json:"stream"`
	SubjectID       uuid.UUID  `json:"subject_id"`
	Summary         string     `json:"summary"`
	AgencyName      string     `json:"agency_name"`
	DestinationID   uuid.UUID  `json:"destination_id"`
	DestinationName string     `json:"destination_name"`
	State           string     `json:"state"`
	Waiting         bool       `json:"waiting"` // an earlier event of its stream is not yet through
	Attempts        int        `json:"attempts"`
	NextAttemptAt   *time.Time `json:"next_attempt_at"`
	LastStatus      *int       `json:"last_status"`
	LastError       string     `json:"last_error"`
	Receipt         string     `json:"receipt"`
	SentAt          *time.Time `json:"sent_at"`
	ResentAt        *time.Time `json:"resent_at"`
	OccurredAt      time.Time  `json:"occurred_at"`
	Confirmation    string     `json:"confirmation"` // how far it got, as people read it
}

var topicLabels = map[string]string{
	enforcement.TopicCreditPenalty:    "行政处罚（双公示）",
	enforcement.TopicCreditLicense:    "行政许可（双公示）",
	enforcement.TopicCreditWithdrawal: "撤回（双公示）",
	enforcement.TopicCreditRepair:     "信用修复（双公示）",
	enforcement.TopicActionCheck:      "监管行为：检查",
	enforcement.TopicActionFiled:      "监管行为：立案",
	enforcement.TopicActionDecided:    "监管行为：作出决定",
	enforcement.TopicActionDocument:   "监管行为：监督文书",
}

// TopicLabel names a topic as people read it.
func TopicLabel(t string) string {
	if l := topicLabels[t]; l != "" {
		return l
	}
	return t
}

// OutboxFilter selects deliveries.
type OutboxFilter struct {
	State         string
	DestinationID *uuid.UUID
	SubjectID     *uuid.UUID
	Page          enforcement.Page

	deliveryID *uuid.UUID
}

var deliveryStates = map[string]bool{"pending": true, "sent": true, "failed": true, "dead": true}

// Outbox lists deliveries of the administrator's destinations, newest event first.
func (s *Service) Outbox(ctx context.Context, a enforcement.Actor, f OutboxFilter) (enforcement.List[Delivery], error) {
	if err := mayExchange(a); err != nil {
		return enforcement.List[Delivery]{}, err
	}
	q := enforcement.Query{Select: `d.id, e.id, e.seq, e.topic, e.stream, e.subject_id,
		coalesce(e.payload->>'number', '') || coalesce(' ' || (e.payload->>'target'), ''), ag.name, dst.id, dst.name, d.state,
		d.state <> 'sent' AND EXISTS (SELECT 1 FROM outbox_deliveries p WHERE p.destination_id = d.destination_id AND p.stream = d.stream
			AND p.event_seq < d.event_seq AND p.state <> 'sent'),
		d.attempts, CASE WHEN d.state IN ('pending', 'failed') THEN d.next_attempt_at END, d.last_status, d.last_error, d.receipt,
		d.sent_at, d.resent_at, e.occurred_at`,
		From: `outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq JOIN exchange_destinations dst ON dst.id = d.destination_id
			JOIN agencies ag ON ag.id = e.agency_id`,
		Order: "e.seq DESC, dst.name"}
	q.And("dst.region_prefix LIKE ? || '%'", regionOf(a))
	if f.State != "" {
		if !deliveryStates[f.State] {
			return enforcement.List[Delivery]{}, fault.Field("state", "状态应为 pending、sent、failed 或 dead")
		}
		q.And("d.state = ?", f.State)
	}
	if f.DestinationID != nil {
		q.And("d.destination_id = ?", *f.DestinationID)
	}
	if f.SubjectID != nil {
		q.And("e.subject_id = ?", *f.SubjectID)
	}
	if f.deliveryID != nil {
		q.And("d.id = ?", *f.deliveryID)
	}
	return enforcement.ListPage(ctx, s.db, q, f.Page, func(row pgx.CollectableRow) (Delivery, error) {
		var d Delivery
		err := row.Scan(&d.ID, &d.EventID, &d.Seq, &d.Topic, &d.Stream, &d.SubjectID, &d.Summary, &d.AgencyName, &d.DestinationID,
			&d.DestinationName, &d.State, &d.Waiting, &d.Attempts, &d.NextAttemptAt, &d.LastStatus, &d.LastError, &d.Receipt,
			&d.SentAt, &d.ResentAt, &d.OccurredAt)
		d.TopicLabel, d.Summary = TopicLabel(d.Topic), strings.TrimSpace(d.Summary)
		d.Confirmation = d.ConfirmationLabel()
		return d, err
	})
}

// RetryDelivery sends a failed or dead delivery again at once, after whatever made it
// fail was fixed; its attempts count from zero.
func (s *Service) RetryDelivery(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Delivery, error) {
	if err := mayExchange(a); err != nil {
		return Delivery{}, err
	}
	var state string
	err := s.db.QueryRow(ctx, `SELECT d.state FROM outbox_deliveries d JOIN exchange_destinations dst ON dst.id = d.destination_id
		WHERE d.id = $1 AND dst.region_prefix LIKE $2 || '%'`, id, regionOf(a)).Scan(&state)
	if err != nil {
		return Delivery{}, enforcement.DBError(err, "推送记录")
	}
	if state == "sent" {
		return Delivery{}, fault.New(fault.Conflict, "该事件已送达，不必重发")
	}
	if _, err := s.db.Exec(ctx, `UPDATE outbox_deliveries SET state = 'pending', attempts = 0, next_attempt_at = now(),
		first_failed_at = NULL, resent_at = now(), resent_by = $2, updated_at = now() WHERE id = $1 AND state <> 'sent'`, id, a.UserID); err != nil {
		return Delivery{}, enforcement.DBError(err, "推送记录")
	}
	l, err := s.Outbox(ctx, a, OutboxFilter{Page: enforcement.Page{Number: 1, Size: 1}}.withDelivery(id))
	if err != nil || len(l.Items) == 0 {
		return Delivery{}, fault.New(fault.NotFound, "推送记录不存在")
	}
	return l.Items[0], nil
}

// RetryDead sends every dead delivery of the administrator's destinations (of one, when
// dest is given) again, after whatever refused them was fixed; it returns how many. Each
// stream's order holds: the dispatcher sends the earliest unsent event of a stream first.
func (s *Service) RetryDead(ctx context.Context, a enforcement.Actor, dest *uuid.UUID) (int, error) {
	if err := mayExchange(a); err != nil {
		return 0, err
	}
	if dest != nil {
		if _, err := s.Destination(ctx, a, *dest); err != nil {
			return 0, err
		}
	}
	tag, err := s.db.Exec(ctx, `UPDATE outbox_deliveries d SET state = 'pending', attempts = 0, next_attempt_at = now(),
		first_failed_at = NULL, resent_at = now(), resent_by = $3, updated_at = now()
		FROM exchange_destinations dst
		WHERE dst.id = d.destination_id AND d.state = 'dead' AND dst.region_prefix LIKE $1 || '%' AND ($2::uuid IS NULL OR dst.id = $2)`,
		regionOf(a), dest, a.UserID)
	if err != nil {
		return 0, enforcement.DBError(err, "推送记录")
	}
	return int(tag.RowsAffected()), nil
}

// withDelivery is unexported plumbing: a filter of one delivery.
func (f OutboxFilter) withDelivery(id uuid.UUID) OutboxFilter {
	f.deliveryID = &id
	return f
}

// SubjectDeliveries is how the events of each subject (a disclosure item, a check) fared
// at each destination: the state shown beside a disclosure item.
func (s *Service) SubjectDeliveries(ctx context.Context, subjects []uuid.UUID) (map[uuid.UUID][]Delivery, error) {
	out := map[uuid.UUID][]Delivery{}
	if len(subjects) == 0 {
		return out, nil
	}
	rows, _ := s.db.Query(ctx, `SELECT d.id, e.subject_id, e.topic, dst.name, d.state, d.receipt, d.sent_at, d.last_error
		FROM outbox_deliveries d JOIN outbox_events e ON e.seq = d.event_seq JOIN exchange_destinations dst ON dst.id = d.destination_id
		WHERE e.subject_id = ANY($1) ORDER BY e.seq, dst.name`, subjects)
	var d Delivery
	_, err := pgx.ForEachRow(rows, []any{&d.ID, &d.SubjectID, &d.Topic, &d.DestinationName, &d.State, &d.Receipt, &d.SentAt, &d.LastError}, func() error {
		d.TopicLabel = TopicLabel(d.Topic)
		d.Confirmation = d.ConfirmationLabel()
		out[d.SubjectID] = append(out[d.SubjectID], d)
		return nil
	})
	return out, enforcement.DBError(err, "推送记录")
}

// ConfirmationLabel says how far a delivery got, as the disclosure item shows it.
func (d Delivery) ConfirmationLabel() string {
	switch {
	case d.State == "sent" && d.Receipt != "":
		return "已确认（回执 " + d.Receipt + "）"
	case d.State == "sent":
		return "已推送"
	case d.State == "dead":
		return "推送失败，待管理员处理"
	case d.State == "failed":
		return fmt.Sprintf("推送未成功，将自动重试（%s）", d.LastError)
	}
	return "待推送"
}
