package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"golang.org/x/image/draw"
	"golang.org/x/image/vector"

	"zhifa/enforcement"
	"zhifa/fault"
)

// A draft is signed on the officer's phone: the party, the officers and a witness draw
// their names with a finger. The strokes are kept as drawn and set as an image on the page.
// A party who will not sign is a path of its own: the refusal names the audio-video record
// that shows it, and a witness signs instead.

// Strokes are a signature as drawn: each stroke the points a finger passed through, in
// the pad's pixels, origin top left.
type Strokes struct {
	Width   float64        `json:"width"`
	Height  float64        `json:"height"`
	Strokes [][][2]float64 `json:"strokes"`
}

// SignatureInput is one signature of a draft, or the party's refusal.
type SignatureInput struct {
	Role      string     `json:"role"`       // party, officer or witness
	Signer    string     `json:"signer"`     // who signs (party and witness); an officer is named by officer_id
	OfficerID *uuid.UUID `json:"officer_id"` // an officer of the case; the one signed in when absent
	Strokes   *Strokes   `json:"strokes"`
	PNG       string     `json:"png"` // base64, instead of strokes
	Refused   bool       `json:"refused"`
	Reason    string     `json:"reason"`    // the refusal: what the party said
	RecordID  *uuid.UUID `json:"record_id"` // the refusal: the audio or video record that shows it
	// Seen are the values the signer was shown, when the client says: a signature taken
	// on a phone's kept copy of the page is refused if the document has changed since.
	Seen map[string]string `json:"seen"`
}

// sameText compares what a form sent with what is kept, whatever the line endings.
func sameText(a, b string) bool {
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	return norm(a) == norm(b)
}

// Signature is one signature of a document, as the document shows it.
type Signature struct {
	ID        uuid.UUID  `json:"id"`
	Role      string     `json:"role"`
	Signer    string     `json:"signer"`
	OfficerID *uuid.UUID `json:"officer_id,omitempty"`
	Refused   bool       `json:"refused"`
	Reason    string     `json:"reason,omitempty"`
	RecordID  *uuid.UUID `json:"record_id,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	png       []byte
}

const (
	maxStrokePoints = 20000
	maxSignaturePNG = 512 << 10
	// signature images are set at this height in pixels before they go on the page.
	signatureLine = 3.0
)

// validate checks the strokes are a drawing of something on a pad of a sane size.
func (st *Strokes) validate() error {
	if st.Width < 50 || st.Width > 4000 || st.Height < 30 || st.Height > 4000 {
		return fault.Field("strokes", "签名板的尺寸不对（宽 50–4000、高 30–4000 像素）")
	}
	if len(st.Strokes) == 0 {
		return fault.Field("strokes", "签名是空的：请用手指在签名框内写下姓名")
	}
	n := 0
	for _, s := range st.Strokes {
		if len(s) == 0 {
			return fault.Field("strokes", "签名中有一笔没有点")
		}
		for _, p := range s {
			if math.IsNaN(p[0]) || math.IsNaN(p[1]) || p[0] < -1 || p[1] < -1 || p[0] > st.Width+1 || p[1] > st.Height+1 {
				return fault.Field("strokes", "签名的笔画超出了签名框")
			}
		}
		n += len(s)
	}
	if n > maxStrokePoints {
		return fault.Field("strokes", "签名的点太多（不超过 %d 个）", maxStrokePoints)
	}
	return nil
}

// Image draws the strokes as black lines with round ends on white paper, in grey levels.
// Every piece is wound the same way, so where strokes cross the ink stays solid.
func (st *Strokes) Image() image.Image {
	w, h := int(math.Ceil(st.Width)), int(math.Ceil(st.Height))
	z := vector.NewRasterizer(w, h)
	r := signatureLine * max(1, st.Width/600) // the line keeps its weight on a larger pad
	dot := func(x, y float64) {
		const n = 16
		z.MoveTo(float32(x+r), float32(y))
		for i := 1; i < n; i++ {
			a := -2 * math.Pi * float64(i) / n
			z.LineTo(float32(x+r*math.Cos(a)), float32(y+r*math.Sin(a)))
		}
		z.ClosePath()
	}
	for _, s := range st.Strokes {
		for i, p := range s {
			dot(p[0], p[1])
			if i == 0 {
				continue
			}
			q := s[i-1]
			dx, dy := p[0]-q[0], p[1]-q[1]
			l := math.Hypot(dx, dy)
			if l == 0 {
				continue
			}
			nx, ny := -dy/l*r, dx/l*r
			z.MoveTo(float32(q[0]+nx), float32(q[1]+ny))
			z.LineTo(float32(p[0]+nx), float32(p[1]+ny))
			z.LineTo(float32(p[0]-nx), float32(p[1]-ny))
			z.LineTo(float32(q[0]-nx), float32(q[1]-ny))
			z.ClosePath()
		}
	}
	// Coverage is rasterised into an alpha mask (the rasteriser's fast path), then inked.
	mask := image.NewAlpha(image.Rect(0, 0, w, h))
	z.DrawOp = draw.Src
	z.Draw(mask, mask.Bounds(), image.Opaque, image.Point{})
	out := image.NewGray(mask.Rect)
	for i, a := range mask.Pix {
		out.Pix[i] = 255 - a
	}
	return out
}

// signaturePNG is the image placed on the page: the strokes drawn, or a PNG sent instead,
// decoded and encoded again so nothing but pixels reaches the PDF.
func (in *SignatureInput) signaturePNG() ([]byte, []byte, error) {
	var img image.Image
	var strokes []byte
	switch {
	case in.Strokes != nil:
		if err := in.Strokes.validate(); err != nil {
			return nil, nil, err
		}
		img = in.Strokes.Image()
		strokes, _ = json.Marshal(in.Strokes)
	case in.PNG != "":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(in.PNG, "data:image/png;base64,"))
		if err != nil || len(raw) > maxSignaturePNG {
			return nil, nil, fault.Field("png", "签名图片应为 base64 编码的 PNG，不超过 512 KB")
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(raw))
		if err != nil || cfg.Width < 50 || cfg.Height < 30 || cfg.Width > 4000 || cfg.Height > 4000 {
			return nil, nil, fault.Field("png", "签名图片不是 50×30 到 4000×4000 像素的 PNG")
		}
		if img, err = png.Decode(bytes.NewReader(raw)); err != nil {
			return nil, nil, fault.Field("png", "签名图片无法读取")
		}
	default:
		return nil, nil, fault.Field("strokes", "请在签名框内签名")
	}
	// Placed about 50 mm wide, 600 pixels is more than a printer shows; grey on white is
	// all a signature is (a PNG sent with transparency is laid on white).
	b := img.Bounds()
	gray := image.NewGray(image.Rect(0, 0, min(600, b.Dx()), max(1, b.Dy()*min(600, b.Dx())/b.Dx())))
	if g, ok := img.(*image.Gray); ok && g.Rect == gray.Rect {
		gray = g
	} else {
		draw.Draw(gray, gray.Bounds(), image.White, image.Point{}, draw.Src)
		draw.CatmullRom.Scale(gray, gray.Bounds(), img, b, draw.Over, nil)
	}
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, gray); err != nil {
		return nil, nil, fault.Wrap(err, fault.Internal, "签名图片无法保存")
	}
	return buf.Bytes(), strokes, nil
}

// contentHash is what a signer saw: the kind's version and every value.
func (d Document) contentHash() string {
	values := map[string]string{}
	for _, f := range d.Fields {
		values[f.Key] = f.Value
	}
	b, _ := json.Marshal(struct {
		Kind   uuid.UUID         `json:"kind"`
		Values map[string]string `json:"values"`
	}{d.KindID, values})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SignDocument adds a signature (or the party's refusal) to a draft of a case the actor
// handles.
func (s *Service) SignDocument(ctx context.Context, a enforcement.Actor, id uuid.UUID, in SignatureInput) (Document, error) {
	d, c, k, err := s.draftOfHandler(ctx, a, id)
	if err != nil {
		return d, err
	}
	if Signers[in.Role] == "" {
		return d, fault.Field("role", "签名人应为 party（当事人）、officer（执法人员）或 witness（见证人）")
	}
	if !slices.Contains(k.Signers, in.Role) && in.Role != "witness" {
		return d, fault.Field("role", "%s不由%s签名", k.Name, Signers[in.Role])
	}
	in.Signer, in.Reason = strings.TrimSpace(in.Signer), strings.TrimSpace(in.Reason)
	var officerID *uuid.UUID
	switch in.Role {
	case "officer":
		if in.Refused {
			return d, fault.Field("refused", "执法人员不能拒签")
		}
		oid := in.OfficerID
		if oid == nil {
			oid = a.OfficerID
		}
		in.Signer = ""
		for _, h := range c.Handlers {
			if oid != nil && h.ID == *oid {
				in.Signer, officerID = h.Name, oid
			}
		}
		if officerID == nil {
			return d, fault.Field("officer_id", "签名的执法人员应是本案的承办人员")
		}
	default:
		if in.Signer == "" || utf8.RuneCountInString(in.Signer) > 50 {
			return d, fault.Field("signer", "请填写签名人姓名，不超过 50 字")
		}
	}
	var pngBytes, strokes []byte
	if in.Refused {
		if in.Role != "party" {
			return d, fault.Field("refused", "只有当事人可以拒签")
		}
		if in.Reason == "" || utf8.RuneCountInString(in.Reason) > 500 {
			return d, fault.Field("reason", "请写明当事人拒签的情况，不超过 500 字")
		}
		if in.RecordID == nil {
			return d, fault.Field("record_id", "当事人拒签须有音像记录：请先录像或录音记入本案，再选为拒签的记录")
		}
		var av bool
		if err := s.Store.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM media WHERE case_id = $1 AND record_id = $2
			AND (content_type LIKE 'audio/%' OR content_type LIKE 'video/%'))`, d.CaseID, *in.RecordID).Scan(&av); err != nil {
			return d, enforcement.DBError(err, "记录")
		}
		if !av {
			return d, fault.Field("record_id", "所选记录不是本案的录音或录像")
		}
	} else if pngBytes, strokes, err = in.signaturePNG(); err != nil {
		return d, err
	} else {
		in.Reason, in.RecordID = "", nil
	}
	if in.Seen != nil {
		for _, f := range d.Fields {
			if !sameText(in.Seen[f.Key], f.Value) {
				return d, fault.New(fault.Conflict, "签名人看到的“%s”与文书现在的内容不同（文书在此期间被修改过）：请重新打开文书，请签名人核对后再签", f.Label)
			}
		}
	}
	err = pgx.BeginFunc(ctx, s.Store.db, func(tx pgx.Tx) error {
		if err := lockDraft(ctx, tx, d); err != nil {
			return err
		}
		if in.Role == "party" { // the party signs once: a signature or a refusal replaces the last
			if _, err := tx.Exec(ctx, `DELETE FROM document_signatures WHERE document_id = $1 AND role = 'party'`, d.ID); err != nil {
				return err
			}
		}
		if officerID != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM document_signatures WHERE document_id = $1 AND officer_id = $2`, d.ID, *officerID); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO document_signatures (id, document_id, role, signer, officer_id, refused, reason, record_id, strokes, png,
			content_sha256, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			uuid.New(), d.ID, in.Role, in.Signer, officerID, in.Refused, in.Reason, in.RecordID, nullJSON(strokes), pngBytes,
			d.contentHash(), a.UserID, s.Now())
		return err
	})
	if err != nil {
		return d, enforcement.DBError(err, "签名")
	}
	return s.FindDocument(ctx, a, id)
}

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// draftOfHandler loads a draft with its case and kind for one of the case's officers.
func (s *Service) draftOfHandler(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Document, enforcement.Case, DocumentKind, error) {
	d, err := s.FindDocument(ctx, a, id)
	if err != nil {
		return d, enforcement.Case{}, DocumentKind{}, err
	}
	c, err := s.Cases.FindCase(ctx, a, d.CaseID)
	if err != nil {
		return d, c, DocumentKind{}, err
	}
	if err := a.RequireHandler(c); err != nil {
		return d, c, DocumentKind{}, err
	}
	if !c.State.Open() {
		return d, c, DocumentKind{}, fault.New(fault.Conflict, "案件已%s，文书不能再签名或定稿", c.State.Label())
	}
	if d.State != "draft" {
		return d, c, DocumentKind{}, fault.New(fault.Conflict, "文书已定稿，不能修改；如有错误，请制作更正文书")
	}
	k, err := s.kindOf(ctx, d.KindID)
	return d, c, k, err
}

// signaturesOf loads a document's signatures, oldest first, with their images when
// asked (for the PDF).
func (s *Service) signaturesOf(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, id uuid.UUID, images bool) ([]Signature, []string, error) {
	col := "NULL::bytea"
	if images {
		col = "png"
	}
	rows, _ := q.Query(ctx, `SELECT document_id, `+signatureCols+`, `+col+`
		FROM document_signatures WHERE document_id = $1 ORDER BY created_at, id`, id)
	var hashes []string
	sigs := []Signature{}
	err := scanSignatures(rows, func(_ uuid.UUID, g Signature, h string) {
		sigs, hashes = append(sigs, g), append(hashes, h)
	})
	return sigs, hashes, err
}

const signatureCols = `id, role, signer, officer_id, refused, reason, record_id, created_at, content_sha256`

// scanSignatures reads rows of document_id, signatureCols and the image.
func scanSignatures(rows pgx.Rows, each func(doc uuid.UUID, g Signature, hash string)) error {
	var doc uuid.UUID
	var g Signature
	var h string
	_, err := pgx.ForEachRow(rows, []any{&doc, &g.ID, &g.Role, &g.Signer, &g.OfficerID, &g.Refused, &g.Reason, &g.RecordID,
		&g.CreatedAt, &h, &g.png}, func() error {
		each(doc, g, h)
		g = Signature{}
		return nil
	})
	return enforcement.DBError(err, "签名")
}

// DocumentKindOf is the version of the kind a document was made from.
func (s *Service) DocumentKindOf(ctx context.Context, d Document) (DocumentKind, error) {
	return s.kindOf(ctx, d.KindID)
}

// AudioVideoRecords are the case's records that hold an audio or video file, newest
// first: what a refusal to sign can name.
func (s *Service) AudioVideoRecords(ctx context.Context, a enforcement.Actor, caseID uuid.UUID) ([]Record, error) {
	rs, err := s.Records(ctx, a, caseID)
	if err != nil {
		return nil, err
	}
	rows, _ := s.Store.db.Query(ctx, `SELECT DISTINCT record_id FROM media WHERE case_id = $1 AND (content_type LIKE 'audio/%' OR content_type LIKE 'video/%')`, caseID)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[uuid.UUID])
	if err != nil {
		return nil, enforcement.DBError(err, "证据文件")
	}
	av := map[uuid.UUID]bool{}
	for _, id := range ids {
		av[id] = true
	}
	var out []Record
	for i := len(rs) - 1; i >= 0; i-- {
		if av[rs[i].ID] {
			out = append(out, rs[i])
		}
	}
	return out, nil
}
