package evidence

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Service (送达) of a frozen document, each way a record of the case's chain: direct, with
// the party's signature on a frozen 送达回证; 留置, with a witness and a photo or video;
// postal, with the tracking number and the receipt's scan; electronic, where the party
// agreed in writing: a link and a code, and the first opening is the time of service;
// public notice, served when its period has run.

// ServiceInput is one service of a document.
type ServiceInput struct {
	Method         string      `json:"method"` // direct, left, mail, electronic or notice
	At             time.Time   `json:"at"`     // when it was handed, left, posted, sent or published
	To             string      `json:"to"`     // the recipient
	ReceiptID      *uuid.UUID  `json:"receipt_id"`
	EvidenceIDs    []uuid.UUID `json:"evidence_ids"` // records of the case: photos, the receipt's scan, the consent
	Witness        string      `json:"witness"`
	TrackingNumber string      `json:"tracking_number"`
	Consent        *uuid.UUID  `json:"consent"`     // electronic: the record of the party's written consent
	NoticeDays     int         `json:"notice_days"` // public notice: its period
}

// DocumentService is a service as the officer and the case see it.
type DocumentService struct {
	ID          uuid.UUID      `json:"id"`
	DocumentID  uuid.UUID      `json:"document_id"`
	Method      string         `json:"method"`
	MethodLabel string         `json:"method_label"`
	Recipient   string         `json:"recipient"`
	SentAt      time.Time      `json:"sent_at"`
	ServedAt    *time.Time     `json:"served_at"` // nil: electronic, not yet opened
	Details     map[string]any `json:"details"`
	RecordID    uuid.UUID      `json:"record_id"`
	Locked      bool           `json:"locked"` // electronic: five wrong codes closed the link before it was opened
	// Link and Code are given once, when electronic service starts: the party's page and
	// the code that opens it. Only their hashes are kept.
	Link string `json:"link,omitempty"`
	Code string `json:"code,omitempty"`
}

const maxServiceAttempts = 5

func hashHex(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ServeDocument records a service of a frozen document of a case the actor handles.
func (s *Service) ServeDocument(ctx context.Context, a enforcement.Actor, id uuid.UUID, in ServiceInput) (DocumentService, error) {
	d, err := s.FindDocument(ctx, a, id)
	if err != nil {
		return DocumentService{}, err
	}
	c, err := s.Cases.FindCase(ctx, a, d.CaseID)
	if err != nil {
		return DocumentService{}, err
	}
	if err := a.RequireHandler(c); err != nil {
		return DocumentService{}, err
	}
	k, err := s.kindOf(ctx, d.KindID)
	if err != nil {
		return DocumentService{}, err
	}
	switch {
	case d.State != "frozen":
		return DocumentService{}, fault.New(fault.Conflict, "文书定稿后才能送达")
	case k.Family == "service" || k.Family == "record":
		return DocumentService{}, fault.New(fault.Conflict, "%s不需要送达", k.Name)
	case d.ReplacedBy != nil:
		return DocumentService{}, fault.New(fault.Conflict, "这份文书已被更正，请送达更正后的文书")
	case !c.State.Open():
		return DocumentService{}, fault.New(fault.Conflict, "案件已%s", c.State.Label())
	case k.Code == "penalty_decision" && c.DecidedAt == nil:
		return DocumentService{}, fault.New(fault.Conflict, "作出决定（转为“已决定”）后才能送达%s", k.Name)
	}
	now := s.Now()
	in.To, in.Witness, in.TrackingNumber = strings.TrimSpace(in.To), strings.TrimSpace(in.Witness), strings.TrimSpace(in.TrackingNumber)
	label := enforcement.DeliveryLabel(in.Method)
	switch {
	case label == "":
		return DocumentService{}, fault.Field("method", "送达方式应为 direct（直接送达）、left（留置送达）、mail（邮寄送达）、electronic（电子送达）或 notice（公告送达）")
	case in.To == "" || utf8.RuneCountInString(in.To) > 100:
		return DocumentService{}, fault.Field("to", "请填写受送达人，不超过 100 字")
	case in.At.IsZero() && in.Method != "electronic":
		return DocumentService{}, fault.Field("at", "请填写送达时间")
	case in.At.After(now.Add(5 * time.Minute)):
		return DocumentService{}, fault.Field("at", "送达时间不能晚于现在")
	case d.FrozenAt != nil && !in.At.IsZero() && in.At.Before(d.FrozenAt.Truncate(time.Minute)):
		return DocumentService{}, fault.Field("at", "送达时间不能早于文书定稿的时间（%s）", d.FrozenAt.In(enforcement.Shanghai()).Format("2006-01-02 15:04"))
	}
	if in.At.IsZero() {
		in.At = now
	}
	details := map[string]any{"document_id": d.ID, "number": d.Number, "name": k.Name, "method": in.Method, "to": in.To}
	served := &in.At
	// Records named as proof must be the case's, of the right kind.
	proof := func(field string, ids []uuid.UUID, kinds ...Kind) error {
		for _, rid := range ids {
			var kind Kind
			// An officer's record: not a frozen document's or a service's own entry.
			err := s.Store.db.QueryRow(ctx, `SELECT kind FROM records WHERE id = $1 AND case_id = $2 AND NOT (data::jsonb ? 'document_id')`,
				rid, d.CaseID).Scan(&kind)
			if err != nil || !slices.Contains(kinds, kind) {
				return fault.Field(field, "所选记录不是本案可作凭证的记录（应为%s）", kindLabels(kinds))
			}
		}
		return nil
	}
	switch in.Method {
	case "direct":
		if in.ReceiptID == nil {
			return DocumentService{}, fault.Field("receipt_id", "直接送达须有受送达人签名的送达回证：请先制作送达回证，由受送达人签名后定稿")
		}
		var ok, names, used bool
		if err := s.Store.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM documents r JOIN document_kinds k ON k.id = r.kind_id
			WHERE r.id = $1 AND r.case_id = $2 AND r.state = 'frozen' AND k.family = 'service'
			AND EXISTS (SELECT 1 FROM document_signatures g WHERE g.document_id = r.id AND g.role = 'party' AND NOT g.refused)),
			coalesce((SELECT position($3 IN coalesce(r.fields->>'document', '')) > 0 FROM documents r WHERE r.id = $1), false),
			EXISTS (SELECT 1 FROM document_services u WHERE u.details->>'receipt_id' = $1::text)`,
			*in.ReceiptID, d.CaseID, d.Number).Scan(&ok, &names, &used); err != nil {
			return DocumentService{}, enforcement.DBError(err, "送达回证")
		}
		switch {
		case !ok:
			return DocumentService{}, fault.Field("receipt_id", "所选文书不是本案已定稿、受送达人签名的送达回证")
		case !names && d.Number != "":
			// A receipt proves the service of the document it names, and of no other.
			return DocumentService{}, fault.Field("receipt_id", "所选送达回证没有写明送达的是%s（%s）：请制作写明该文书文号的送达回证", d.Name, d.Number)
		case used:
			return DocumentService{}, fault.Field("receipt_id", "所选送达回证已用于登记另一次送达：一份回证只证明一次送达")
		}
		details["receipt_id"] = *in.ReceiptID
	case "left":
		if in.Witness == "" || utf8.RuneCountInString(in.Witness) > 100 {
			return DocumentService{}, fault.Field("witness", "留置送达须写明见证人（不超过 100 字）")
		}
		if len(in.EvidenceIDs) == 0 {
			return DocumentService{}, fault.Field("evidence_ids", "留置送达须有拍照或录像：请先拍摄把文书留在受送达人住所的过程并记入本案")
		}
		if err := proof("evidence_ids", in.EvidenceIDs, "photo", "video"); err != nil {
			return DocumentService{}, err
		}
		details["witness"], details["evidence_ids"] = in.Witness, in.EvidenceIDs
	case "mail":
		if in.TrackingNumber == "" || utf8.RuneCountInString(in.TrackingNumber) > 40 {
			return DocumentService{}, fault.Field("tracking_number", "邮寄送达须填写邮件号（不超过 40 字）")
		}
		if len(in.EvidenceIDs) == 0 {
			return DocumentService{}, fault.Field("evidence_ids", "邮寄送达须附签收回执的扫描件或照片：请先记入本案")
		}
		if err := proof("evidence_ids", in.EvidenceIDs, "photo", "document", "attachment"); err != nil {
			return DocumentService{}, err
		}
		details["tracking_number"], details["evidence_ids"] = in.TrackingNumber, in.EvidenceIDs
	case "electronic":
		if in.Consent == nil {
			return DocumentService{}, fault.Field("consent", "电子送达须经受送达人书面同意：请先把同意书拍照或作为文书记入本案，再选为同意记录")
		}
		if err := proof("consent", []uuid.UUID{*in.Consent}, "photo", "document", "text"); err != nil {
			return DocumentService{}, err
		}
		details["consent"], served = *in.Consent, nil
	case "notice":
		if in.NoticeDays < 1 || in.NoticeDays > 120 {
			return DocumentService{}, fault.Field("notice_days", "请填写公告期（天），1 至 120 天")
		}
		end := in.At.AddDate(0, 0, in.NoticeDays)
		served = &end
		details["notice_days"] = in.NoticeDays
	}
	ds := DocumentService{ID: uuid.New(), DocumentID: d.ID, Method: in.Method, MethodLabel: label, Recipient: in.To, SentAt: in.At,
		ServedAt: served, Details: details}
	var tokenHash, codeHash *string
	note := fmt.Sprintf("%s：%s %s，受送达人 %s", label, k.Name, d.Number, in.To)
	switch in.Method {
	case "electronic":
		tok := make([]byte, 18)
		_, _ = rand.Read(tok)
		token := base64.RawURLEncoding.EncodeToString(tok)
		n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
		ds.Code = fmt.Sprintf("%06d", n.Int64())
		ds.Link = s.PublicURL + "/public/service/" + token
		th, ch := hashHex("zhifa-service-token", token), hashHex("zhifa-service-code", token, ds.Code)
		tokenHash, codeHash = &th, &ch
		note += "；已发送送达链接，受送达人首次打开文书即为送达"
	case "notice":
		note += fmt.Sprintf("；公告期 %d 日，%s 视为送达", in.NoticeDays, served.In(enforcement.Shanghai()).Format("2006-01-02 15:04"))
	}
	rec := Record{CaseID: d.CaseID, Stage: c.State, Kind: "service", Note: note, OccurredAt: in.At, AuthorID: &a.UserID, AuthorName: a.Name,
		Data: canonicalData(details)}
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		if err := s.Store.appendTx(ctx, tx, &rec); err != nil {
			return err
		}
		ds.RecordID = rec.ID
		_, err := tx.Exec(ctx, `INSERT INTO document_services (id, document_id, case_id, method, recipient, sent_at, served_at, details,
			token_hash, code_hash, record_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			ds.ID, d.ID, d.CaseID, in.Method, in.To, in.At, served, canonicalData(details), tokenHash, codeHash, rec.ID, a.UserID, now)
		return err
	})
	if err != nil {
		return DocumentService{}, enforcement.DBError(err, "送达")
	}
	return ds, nil
}

func kindLabels(ks []Kind) string {
	var out []string
	for _, k := range ks {
		out = append(out, k.Label())
	}
	return strings.Join(out, "、")
}

const serviceCols = `id, document_id, method, recipient, sent_at, served_at, details, record_id`

func scanService(row pgx.CollectableRow) (DocumentService, error) {
	var ds DocumentService
	var failed int
	err := row.Scan(&ds.ID, &ds.DocumentID, &ds.Method, &ds.Recipient, &ds.SentAt, &ds.ServedAt, &ds.Details, &ds.RecordID, &failed)
	ds.Locked = ds.ServedAt == nil && failed >= maxServiceAttempts
	ds.MethodLabel = enforcement.DeliveryLabel(ds.Method)
	return ds, err
}

// DocumentServices lists the services of a case's documents, oldest first.
func (s *Service) DocumentServices(ctx context.Context, a enforcement.Actor, caseID uuid.UUID) ([]DocumentService, error) {
	if _, err := s.Cases.CaseReadable(ctx, a, caseID); err != nil {
		return nil, err
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT `+serviceCols+`, failed_attempts FROM document_services WHERE case_id = $1 ORDER BY sent_at, created_at`, caseID)
	l, err := pgx.CollectRows(rows, scanService)
	if l == nil {
		l = []DocumentService{}
	}
	return l, enforcement.DBError(err, "送达")
}

// ServedDocument is what the party's page shows: the document and its service.
type ServedDocument struct {
	Service  DocumentService
	Document Document
	Agency   string
	First    bool // this opening served it
}

// OpenServedDocument is the party opening the link of an electronic service with its
// code. The first opening with the right code is the time of service, written to the
// chain; wrong codes are counted and the link closes after five.
// ServiceSender names, before the code, who sent a service link and what: the agency and
// the kind of document, so the party knows whom the link comes from. Nothing of the case.
func (s *Service) ServiceSender(ctx context.Context, token string) (agency, document string, err error) {
	err = s.Store.db.QueryRow(ctx, `SELECT a.name, k.name FROM document_services s JOIN documents d ON d.id = s.document_id
		JOIN document_kinds k ON k.id = d.kind_id JOIN agencies a ON a.id = d.agency_id WHERE s.token_hash = $1`,
		hashHex("zhifa-service-token", token)).Scan(&agency, &document)
	if err == pgx.ErrNoRows {
		return "", "", fault.New(fault.NotFound, "送达链接无效：请核对链接，或联系送达文书的执法机关")
	}
	return agency, document, enforcement.DBError(err, "送达")
}

func (s *Service) OpenServedDocument(ctx context.Context, token, code string) (ServedDocument, error) {
	var out ServedDocument
	th := hashHex("zhifa-service-token", token)
	var codeHash string
	var failed int
	var caseID uuid.UUID
	err := s.Store.db.QueryRow(ctx, `SELECT `+serviceCols+`, code_hash, failed_attempts, case_id FROM document_services WHERE token_hash = $1`, th).
		Scan(&out.Service.ID, &out.Service.DocumentID, &out.Service.Method, &out.Service.Recipient, &out.Service.SentAt, &out.Service.ServedAt,
			&out.Service.Details, &out.Service.RecordID, &codeHash, &failed, &caseID)
	if err == pgx.ErrNoRows {
		return out, fault.New(fault.NotFound, "送达链接无效：请核对链接，或联系送达文书的执法机关")
	}
	if err != nil {
		return out, enforcement.DBError(err, "送达")
	}
	out.Service.MethodLabel = enforcement.DeliveryLabel(out.Service.Method)
	code = strings.TrimSpace(code)
	if code == "" {
		return out, fault.Field("code", "请输入执法人员告知的 6 位验证码")
	}
	right := subtle.ConstantTimeCompare([]byte(hashHex("zhifa-service-code", token, code)), []byte(codeHash)) == 1
	if !right || out.Service.ServedAt == nil {
		// Each try is counted before the code is compared, so tries at once cannot pass the
		// limit; a right code gives its try back. Once served, the party's code always opens.
		err := s.Store.db.QueryRow(ctx, `UPDATE document_services SET failed_attempts = failed_attempts + 1
			WHERE token_hash = $1 AND failed_attempts < $2 RETURNING failed_attempts`, th, maxServiceAttempts).Scan(&failed)
		if err == pgx.ErrNoRows {
			return out, fault.New(fault.Forbidden, "验证码错误次数过多，链接已停用：请联系送达文书的执法机关")
		}
		if err != nil {
			return out, enforcement.DBError(err, "送达")
		}
		if !right {
			if left := maxServiceAttempts - failed; left > 0 {
				return out, fault.Field("code", "验证码不对，还可以再试 %d 次", left)
			}
			return out, fault.New(fault.Forbidden, "验证码错误次数过多，链接已停用：请联系送达文书的执法机关")
		}
		if _, err := s.Store.db.Exec(ctx, `UPDATE document_services SET failed_attempts = failed_attempts - 1 WHERE token_hash = $1`, th); err != nil {
			return out, enforcement.DBError(err, "送达")
		}
	}
	if out.Service.ServedAt == nil {
		err := pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
			var at *time.Time
			if err := tx.QueryRow(ctx, `SELECT served_at FROM document_services WHERE id = $1 FOR UPDATE`, out.Service.ID).Scan(&at); err != nil {
				return err
			}
			if at != nil { // opened at the same moment elsewhere
				out.Service.ServedAt = at
				return nil
			}
			var stage enforcement.State
			if err := tx.QueryRow(ctx, `SELECT state FROM cases WHERE id = $1`, caseID).Scan(&stage); err != nil {
				return err
			}
			now := s.Now().UTC().Truncate(time.Microsecond)
			rec := Record{CaseID: caseID, Stage: stage, Kind: "service", OccurredAt: now, AuthorName: "受送达人（电子送达）",
				Note: fmt.Sprintf("电子送达：受送达人 %s 首次打开%s %v，视为送达", out.Service.Recipient, out.Service.Details["name"], out.Service.Details["number"]),
				Data: canonicalData(map[string]any{"service_id": out.Service.ID, "document_id": out.Service.DocumentID, "opened_at": now})}
			if err := s.Store.appendTx(ctx, tx, &rec); err != nil {
				return err
			}
			out.Service.ServedAt, out.First = &now, true
			_, err := tx.Exec(ctx, `UPDATE document_services SET served_at = $2, served_record_id = $3 WHERE id = $1`, out.Service.ID, now, rec.ID)
			return err
		})
		if err != nil {
			return out, enforcement.DBError(err, "送达")
		}
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT `+documentCols+` FROM documents d JOIN document_kinds k ON k.id = d.kind_id WHERE d.id = $1`, out.Service.DocumentID)
	if out.Document, err = pgx.CollectExactlyOneRow(rows, scanDocument); err != nil {
		return out, enforcement.DBError(err, "文书")
	}
	err = s.Store.db.QueryRow(ctx, `SELECT a.name FROM cases c JOIN agencies a ON a.id = c.agency_id WHERE c.id = $1`, caseID).Scan(&out.Agency)
	return out, enforcement.DBError(err, "执法机关")
}

// ServedPDF is the stored PDF of a document served electronically, for the party who
// opened it with its code.
func (s *Service) ServedPDF(ctx context.Context, token, code string) ([]byte, ServedDocument, error) {
	sd, err := s.OpenServedDocument(ctx, token, code)
	if err != nil {
		return nil, sd, err
	}
	b, err := s.FrozenPDF(ctx, sd.Document)
	return b, sd, err
}

// DecisionServices is the FROM and WHERE of the services of a case's decision (the case
// named by the SQL expression caseID): of its 决定书, the newest version, once decided. With
// DecisionServed, the ones that have served it, which stop the 7-day clock: the case page,
// the agenda and the supervision alert read the same.
func DecisionServices(caseID string) string {
	return `FROM document_services s JOIN documents d ON d.id = s.document_id
		JOIN document_kinds k ON k.id = d.kind_id JOIN cases dc ON dc.id = s.case_id
		WHERE s.case_id = ` + caseID + ` AND k.code = 'penalty_decision' AND dc.decided_at IS NOT NULL
		AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.replaces = d.id AND n.state = 'frozen')`
}

// DecisionServed keeps, of DecisionServices, those served since the decision.
const DecisionServed = `s.served_at IS NOT NULL AND s.served_at <= now() AND s.served_at >= date_trunc('minute', dc.decided_at)`

// DocumentFacts are a case's frozen documents and the service of its decision, read in
// the caller's transaction or from the pool (enforcement.Timeline).
func (s *Store) DocumentFacts(ctx context.Context, q enforcement.Querier, caseID uuid.UUID) (enforcement.DocumentFacts, error) {
	f := enforcement.DocumentFacts{Frozen: map[string]string{}}
	// A receipt counts for the decision's service if it was frozen after the decision,
	// names the 决定书's number where zhifa made one, and proves no other document's service.
	rows, _ := q.Query(ctx, `WITH dec AS (SELECT dd.number FROM documents dd JOIN document_kinds dk ON dk.id = dd.kind_id
			WHERE dd.case_id = $1 AND dk.code = 'penalty_decision' AND dd.state = 'frozen' AND dd.number <> '')
		SELECT k.code, d.number, k.family = 'service' AND d.frozen_at >= date_trunc('second', c.decided_at)
			AND (NOT EXISTS (SELECT 1 FROM dec) OR EXISTS (SELECT 1 FROM dec WHERE position(dec.number IN coalesce(d.fields->>'document', '')) > 0))
			AND NOT EXISTS (SELECT 1 FROM document_services u JOIN documents ud ON ud.id = u.document_id
				JOIN document_kinds uk ON uk.id = ud.kind_id WHERE u.details->>'receipt_id' = d.id::text AND uk.code <> 'penalty_decision')
		FROM documents d JOIN document_kinds k ON k.id = d.kind_id JOIN cases c ON c.id = d.case_id
		WHERE d.case_id = $1 AND d.state = 'frozen' AND NOT EXISTS (SELECT 1 FROM documents n WHERE n.replaces = d.id AND n.state = 'frozen')
		ORDER BY d.frozen_at`, caseID)
	var code, number string
	var receipt *bool
	_, err := pgx.ForEachRow(rows, []any{&code, &number, &receipt}, func() error {
		f.Frozen[code] = number
		f.ReceiptSinceDecision = f.ReceiptSinceDecision || (receipt != nil && *receipt)
		return nil
	})
	if err != nil {
		return f, enforcement.DBError(err, "文书")
	}
	var at *time.Time
	var method, to string
	var rec *uuid.UUID
	decisionServices := DecisionServices("$1")
	err = q.QueryRow(ctx, `SELECT s.served_at, s.method, s.recipient, s.record_id `+decisionServices+` AND `+DecisionServed+`
		ORDER BY s.served_at LIMIT 1`, caseID).Scan(&at, &method, &to, &rec)
	if err != nil && err != pgx.ErrNoRows {
		return f, enforcement.DBError(err, "送达")
	}
	f.ServedAt, f.ServedMethod, f.ServedTo, f.ServiceRecordID = at, method, to, rec
	err = q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 `+decisionServices+` AND (s.served_at IS NULL OR s.served_at > now()))`,
		caseID).Scan(&f.ServicePending)
	return f, enforcement.DBError(err, "送达")
}
