package evidence

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	qrcode "github.com/skip2/go-qrcode"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Freezing makes a signed draft the document: it takes its number, is set as a PDF with
// the signatures in place and a QR code on every page, goes to MinIO under retention, its
// SHA-256 enters the case's chain as a record, and the agency's key signs the hash
// (DOCUMENTS.md). Nothing of it changes afterwards; a correction is a new version.

// DocumentFormat names the signed message's layout (DOCUMENTS.md §3).
const DocumentFormat = "zhifa-document-1"

// DocumentKeys sign frozen documents, one Ed25519 key per agency, each derived from the
// installation's seed so that one secret is kept as the QR and log keys are.
type DocumentKeys struct{ seed []byte }

// NewDocumentKeys takes the seed as hex (32 bytes).
func NewDocumentKeys(seedHex string) (*DocumentKeys, error) {
	b, err := hex.DecodeString(seedHex)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("not a 32-byte seed in hex")
	}
	return &DocumentKeys{seed: b}, nil
}

// For is an agency's key.
func (k *DocumentKeys) For(agencyID uuid.UUID) ed25519.PrivateKey {
	m := hmac.New(sha256.New, k.seed)
	m.Write([]byte("zhifa-document-key-1\n" + agencyID.String()))
	return ed25519.NewKeyFromSeed(m.Sum(nil))
}

// DocumentMessage is what the agency's key signs (DOCUMENTS.md §3).
func DocumentMessage(id uuid.UUID, number, agencyCode string, frozenAt time.Time, sha string) []byte {
	return []byte(DocumentFormat + "\n" + id.String() + "\n" + number + "\n" + agencyCode + "\n" +
		frozenAt.UTC().Format(time.RFC3339) + "\n" + sha + "\n")
}

// page is what a PDF shows beyond the document's values.
type page struct {
	number string
	qr     []byte // PNG of the verification address; none on a draft
	url    string
	sigs   []Signature
	day    string // the day the signatures are dated
}

// missingSigners says what a draft still needs before it can be frozen: the party's
// signature or recorded refusal (with a witness), two officers of the case (or every one
// when it has fewer), per the kind's signers.
func missingSigners(k DocumentKind, c enforcement.Case, sigs []Signature) []string {
	var party, refused, witness bool
	officers := map[uuid.UUID]bool{}
	for _, g := range sigs {
		switch {
		case g.Role == "party" && g.Refused:
			refused = true
		case g.Role == "party":
			party = true
		case g.Role == "witness":
			witness = true
		case g.Role == "officer" && g.OfficerID != nil:
			officers[*g.OfficerID] = true
		}
	}
	var out []string
	if slices.Contains(k.Signers, "party") && !party && !refused {
		out = append(out, "当事人签名（或登记当事人拒签）")
	}
	if refused && !witness {
		out = append(out, "见证人签名（当事人拒签时须有见证人）")
	}
	if slices.Contains(k.Signers, "officer") {
		need := min(2, len(c.Handlers))
		if len(officers) < need {
			out = append(out, fmt.Sprintf("执法人员签名（须 %d 名承办人员，已签 %d 名）", need, len(officers)))
		}
	}
	return out
}

var versionSuffix = regexp.MustCompile(`（第\d+版）$`)

// FreezeDocument freezes a draft of a case the actor handles.
func (s *Service) FreezeDocument(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Document, error) {
	d, c, k, err := s.draftOfHandler(ctx, a, id)
	if err != nil {
		return d, err
	}
	if s.DocumentKeys == nil {
		return d, fault.New(fault.Unavailable, "文书签章密钥未配置，暂不能定稿")
	}
	if len(d.Missing) > 0 {
		var labels []string
		for _, f := range d.Fields {
			if slices.Contains(d.Missing, f.Key) {
				labels = append(labels, f.Label)
			}
		}
		return d, fault.Field("fields."+d.Missing[0], "定稿前请填写：%s", strings.Join(labels, "、"))
	}
	f, err := LoadFonts(s.DocumentFont, s.DocumentFallbackFont)
	if err != nil {
		return d, err
	}
	if err := glyphsOf(f, d); err != nil {
		return d, err
	}
	var agencyShort, agencyCode string
	if err := s.Store.db.QueryRow(ctx, `SELECT short_name, code FROM agencies WHERE id = $1`, c.AgencyID).Scan(&agencyShort, &agencyCode); err != nil {
		return d, enforcement.DBError(err, "执法机关")
	}
	key := s.DocumentKeys.For(c.AgencyID)
	objectKey := "documents/" + d.CaseID.String() + "/" + d.ID.String() + ".pdf"
	var version string
	put := false
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		if err := lockDraft(ctx, tx, d); err != nil {
			return err
		}
		// The case's row orders freezes of one case, whose numbers count its documents.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM cases WHERE id = $1 FOR UPDATE`, d.CaseID); err != nil {
			return err
		}
		sigs, hashes, err := s.signaturesOf(ctx, tx, d.ID, true)
		if err != nil {
			return err
		}
		for _, h := range hashes {
			if h != d.contentHash() {
				return fault.New(fault.Conflict, "签名之后文书内容有变动，请重新签名")
			}
		}
		if miss := missingSigners(k, c, sigs); len(miss) > 0 {
			return fault.Field("signatures", "定稿前还需要：%s", strings.Join(miss, "；"))
		}
		now := s.Now().UTC().Truncate(time.Second)
		number, err := s.nextNumber(ctx, tx, d, c, k, agencyShort, now)
		if err != nil {
			return err
		}
		url := s.PublicURL + "/public/documents/" + d.ID.String()
		qr, err := qrcode.Encode(url, qrcode.Medium, 256)
		if err != nil {
			return fault.Wrap(err, fault.Internal, "核验二维码生成失败")
		}
		d.State = "frozen"
		pdf, err := renderDocumentPDF(f, d, k, page{number: number, qr: qr, url: url, sigs: sigs,
			day: ChineseDate(enforcement.DateOf(now.In(enforcement.Shanghai())))})
		if err != nil {
			return err
		}
		sum := sha256.Sum256(pdf)
		sha := hex.EncodeToString(sum[:])
		sig := hex.EncodeToString(ed25519.Sign(key, DocumentMessage(d.ID, number, agencyCode, now, sha)))
		pub := hex.EncodeToString(key.Public().(ed25519.PublicKey))
		var signers []map[string]any
		for _, g := range sigs {
			signers = append(signers, map[string]any{"role": g.Role, "signer": g.Signer, "refused": g.Refused})
		}
		rec := Record{CaseID: d.CaseID, Stage: c.State, Kind: "document", OccurredAt: now, AuthorID: &a.UserID, AuthorName: a.Name,
			Note: "文书定稿：" + k.Name + " " + number,
			Data: canonicalData(map[string]any{"document_id": d.ID, "kind": k.Code, "kind_version": k.Version, "name": k.Name,
				"number": number, "version": d.Version, "replaces": d.Replaces, "sha256": sha, "signature": sig, "public_key": pub,
				"format": DocumentFormat, "size": len(pdf), "signers": signers})}
		if d.Replaces != nil {
			var old *uuid.UUID
			if err := tx.QueryRow(ctx, `SELECT record_id FROM documents WHERE id = $1`, *d.Replaces).Scan(&old); err != nil {
				return err
			}
			rec.Corrects = old
		}
		if version, err = s.Objects.Put(ctx, objectKey, bytes.NewReader(pdf), int64(len(pdf)), "application/pdf"); err != nil {
			return err
		}
		put = true
		if err := s.Store.appendTx(ctx, tx, &rec); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE documents SET state = 'frozen', number = $2, frozen_at = $3, frozen_by = $4, sha256 = $5, signature = $6,
			public_key = $7, object_key = $8, object_version = $9, size = $10, record_id = $11, updated_at = $3, agency_id = $12,
			agency_code = $13 WHERE id = $1`,
			d.ID, number, now, a.UserID, sha, sig, pub, objectKey, version, len(pdf), rec.ID, c.AgencyID, agencyCode)
		return err
	})
	if err != nil {
		if put {
			ctx, cancel := cleanupCtx(ctx)
			defer cancel()
			// A commit whose answer was lost may have frozen it after all: its PDF stays.
			var state string
			if rerr := s.Store.db.QueryRow(ctx, `SELECT state FROM documents WHERE id = $1`, d.ID).Scan(&state); rerr == nil && state == "draft" {
				if rerr := s.Objects.Remove(ctx, objectKey, version); rerr != nil {
					s.warn("removing the PDF of a document that did not freeze", rerr)
				}
			}
		}
		return d, enforcement.DBError(err, "文书")
	}
	s.retainDocument(ctx, d.ID, objectKey, version)
	return s.FindDocument(ctx, a, id)
}

// nextNumber gives a frozen document its number: a correction the number of the one it
// replaces with its version; a kind with a pattern the agency's next of that kind in the
// year; a record (笔录) the case's number and its place among the case's records of its kind.
func (s *Service) nextNumber(ctx context.Context, tx pgx.Tx, d Document, c enforcement.Case, k DocumentKind, short string, now time.Time) (string, error) {
	if d.Replaces != nil {
		var old string
		err := tx.QueryRow(ctx, `SELECT number FROM documents WHERE id = $1`, *d.Replaces).Scan(&old)
		return versionSuffix.ReplaceAllString(old, "") + fmt.Sprintf("（第%d版）", d.Version), err
	}
	year := now.In(enforcement.Shanghai()).Year()
	if k.NumberPattern == "" {
		var n int
		err := tx.QueryRow(ctx, `SELECT count(*) + 1 FROM documents d JOIN document_kinds k ON k.id = d.kind_id
			WHERE d.case_id = $1 AND k.code = $2 AND d.state = 'frozen' AND d.replaces IS NULL`, d.CaseID, k.Code).Scan(&n)
		return fmt.Sprintf("%s（%s之%d）", c.Number, k.Name, n), err
	}
	var seq int
	err := tx.QueryRow(ctx, `INSERT INTO document_numbers (agency_id, kind, year, last) VALUES ($1, $2, $3, 1)
		ON CONFLICT (agency_id, kind, year) DO UPDATE SET last = document_numbers.last + 1 RETURNING last`, c.AgencyID, k.Code, year).Scan(&seq)
	r := strings.NewReplacer("{agency}", short, "{year}", fmt.Sprint(year), "{seq}", fmt.Sprint(seq))
	return r.Replace(k.NumberPattern), err
}

// retainDocument locks a frozen PDF for the retention period; a failure is left to the
// sweeper.
func (s *Service) retainDocument(ctx context.Context, id uuid.UUID, key, version string) bool {
	if s.Objects.Retention <= 0 {
		return false
	}
	until := s.Now().Add(s.Objects.Retention)
	if err := s.Objects.Lock(ctx, key, version, until); err != nil {
		s.warn("document retention lock failed; the sweeper retries", err)
		return false
	}
	if _, err := s.Store.db.Exec(ctx, `UPDATE documents SET retained_until = $2 WHERE id = $1`, id, until); err != nil {
		s.warn("document retention lock not noted; the sweeper retries", err)
		return false
	}
	return true
}

// retainDocuments is the sweeper's part for documents.
func (s *Service) retainDocuments(ctx context.Context, before time.Time) (int, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT id, object_key, object_version FROM documents
		WHERE state = 'frozen' AND retained_until IS NULL AND frozen_at < $1 ORDER BY frozen_at LIMIT 500`, before)
	type doc struct {
		ID           uuid.UUID
		Key, Version string
	}
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByPos[doc])
	if err != nil {
		return 0, enforcement.DBError(err, "文书")
	}
	n := 0
	for _, x := range ds {
		if s.retainDocument(ctx, x.ID, x.Key, x.Version) {
			n++
		}
	}
	return n, nil
}

// glyphsOf refuses a document with a character neither face has, naming the field.
func glyphsOf(f *Fonts, d Document) error {
	for _, v := range d.Fields {
		if r, bad := f.Missing(v.Value); bad {
			return fault.Field("fields."+v.Key, "“%s”中的字符“%c”（U+%04X）无法排版（字体中没有这个字），请改用其他写法", v.Label, r, r)
		}
	}
	return nil
}

// FrozenPDF reads a frozen document's PDF as it was stored.
func (s *Service) FrozenPDF(ctx context.Context, d Document) ([]byte, error) {
	if d.objectKey == nil || d.objectVersion == nil {
		return nil, fault.New(fault.NotFound, "文书尚未定稿")
	}
	rc, err := s.Objects.Open(ctx, *d.objectKey, *d.objectVersion, 0, -1)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	return b, objectError(err, "文书")
}

// PublicDocument is what anyone holding the paper may check (GET /public/api/documents/{id}):
// no party's name or facts, only what makes the paper genuine.
type PublicDocument struct {
	ID          uuid.UUID  `json:"id"`
	Verdict     string     `json:"verdict"` // genuine, corrected or invalid
	VerdictText string     `json:"verdict_text"`
	Number      string     `json:"number"`
	Kind        string     `json:"kind"`
	Name        string     `json:"name"`
	Agency      string     `json:"agency"`
	AgencyCode  string     `json:"agency_code"`
	FrozenAt    time.Time  `json:"frozen_at"`
	Version     int        `json:"version"`
	Replaces    *PublicRef `json:"replaces,omitempty"`
	ReplacedBy  *PublicRef `json:"replaced_by,omitempty"`
	SHA256      string     `json:"sha256"`
	Size        int64      `json:"size"`
	Signature   string     `json:"signature"`
	PublicKey   string     `json:"public_key"`
	Algorithm   string     `json:"algorithm"`
	Format      string     `json:"format"`
	Message     string     `json:"message"` // the signed text, for anyone re-checking by hand
}

// PublicRef names another version of a document.
type PublicRef struct {
	ID     uuid.UUID `json:"id"`
	Number string    `json:"number"`
}

// VerifyDocument answers the public check of a frozen document. The signature is checked
// against the agency's key before anything is called genuine.
func (s *Service) VerifyDocument(ctx context.Context, id uuid.UUID) (PublicDocument, error) {
	var p PublicDocument
	var replaces, replacedBy *uuid.UUID
	var agencyID uuid.UUID
	if s.DocumentKeys == nil {
		return p, fault.New(fault.Unavailable, "文书核验暂不可用，请稍后再试")
	}
	err := s.Store.db.QueryRow(ctx, `SELECT d.id, d.number, k.code, k.name, a.name, COALESCE(d.agency_code, a.code), a.id, d.frozen_at, d.version, d.replaces,
		(SELECT n.id FROM documents n WHERE n.replaces = d.id AND n.state = 'frozen'), d.sha256, d.size, d.signature, d.public_key
		FROM documents d JOIN document_kinds k ON k.id = d.kind_id JOIN cases c ON c.id = d.case_id
		JOIN agencies a ON a.id = COALESCE(d.agency_id, c.agency_id)
		WHERE d.id = $1 AND d.state = 'frozen'`, id).Scan(&p.ID, &p.Number, &p.Kind, &p.Name, &p.Agency, &p.AgencyCode, &agencyID,
		&p.FrozenAt, &p.Version, &replaces, &replacedBy, &p.SHA256, &p.Size, &p.Signature, &p.PublicKey)
	if err == pgx.ErrNoRows {
		return p, fault.New(fault.NotFound, "本平台没有这份定稿的文书")
	}
	if err != nil {
		return p, enforcement.DBError(err, "文书")
	}
	p.Algorithm, p.Format, p.FrozenAt = "Ed25519", DocumentFormat, p.FrozenAt.UTC()
	msg := DocumentMessage(p.ID, p.Number, p.AgencyCode, p.FrozenAt, p.SHA256)
	p.Message = string(msg)
	ref := func(id *uuid.UUID) *PublicRef {
		if id == nil {
			return nil
		}
		r := &PublicRef{ID: *id}
		_ = s.Store.db.QueryRow(ctx, `SELECT COALESCE(number, '') FROM documents WHERE id = $1`, *id).Scan(&r.Number)
		return r
	}
	p.Replaces, p.ReplacedBy = ref(replaces), ref(replacedBy)
	pub, _ := hex.DecodeString(p.PublicKey)
	sig, _ := hex.DecodeString(p.Signature)
	key := hex.EncodeToString(s.DocumentKeys.For(agencyID).Public().(ed25519.PublicKey))
	switch {
	case len(pub) != ed25519.PublicKeySize || key != p.PublicKey || !ed25519.Verify(pub, msg, sig):
		p.Verdict, p.VerdictText = "invalid", "本平台的记录与签章不符，请向文书上署名的执法机关核实"
	case p.ReplacedBy != nil:
		p.Verdict, p.VerdictText = "corrected", "这份文书由执法机关在本平台定稿，但已被更正，请以更正后的文书为准"
	default:
		p.Verdict, p.VerdictText = "genuine", "这份文书由执法机关在本平台定稿并签章，签章核验通过"
	}
	return p, nil
}

// DocumentSpecification is DOCUMENTS.md, served to the public beside the keys.
//
//go:embed DOCUMENTS.md
var DocumentSpecification string

// DocumentKey is one agency's key that signs its documents.
type DocumentKey struct {
	AgencyCode string `json:"agency_code"`
	Agency     string `json:"agency"`
	PublicKey  string `json:"public_key"`
}

// PublicDocumentKeys lists every agency's document key.
func (s *Service) PublicDocumentKeys(ctx context.Context) ([]DocumentKey, error) {
	if s.DocumentKeys == nil {
		return []DocumentKey{}, nil
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT id, code, name FROM agencies ORDER BY code`)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (DocumentKey, error) {
		var id uuid.UUID
		var k DocumentKey
		err := row.Scan(&id, &k.AgencyCode, &k.Agency)
		k.PublicKey = hex.EncodeToString(s.DocumentKeys.For(id).Public().(ed25519.PublicKey))
		return k, err
	})
}

// MissingSigners says what a draft still needs before it can be frozen, as the page lists it.
func (s *Service) MissingSigners(k DocumentKind, c enforcement.Case, d Document) []string {
	return missingSigners(k, c, d.Signatures)
}
