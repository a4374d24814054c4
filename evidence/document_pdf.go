package evidence

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"regexp"
	"runtime"
	"slices"
	"strings"

	"github.com/go-pdf/fpdf"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
	"zhifa/fault"
)

// A document is set on A4 as the national format texts lay it out: the agency, the title,
// the number, the body in paragraphs, then a line for each who signs. Every page carries
// the number and page x of y. A draft says so on every page and has no number yet.

var fieldRe = regexp.MustCompile(`\{([a-z][a-z0-9_]*)\}`)

// blank stands for a field not filled in, as a paper form leaves a line to write on.
const blank = "＿＿＿＿＿＿"

func orBlank(v string) string {
	if v == "" {
		return blank
	}
	return v
}

// DocumentText is a document's body as it prints: each section's heading and its text
// with the fields' values in place.
func (d Document) DocumentText(k DocumentKind) [][2]string {
	values := map[string]string{}
	for _, f := range d.Fields {
		values[f.Key] = f.Value
	}
	var out [][2]string
	for _, sec := range k.Sections {
		text := fieldRe.ReplaceAllStringFunc(sec.Text, func(m string) string {
			if v := values[m[1:len(m)-1]]; v != "" {
				return v
			}
			return blank
		})
		out = append(out, [2]string{sec.Heading, text})
	}
	return out
}

// kindOf loads the version of the kind a document was made from.
func (s *Service) kindOf(ctx context.Context, id uuid.UUID) (DocumentKind, error) {
	rows, _ := s.Store.db.Query(ctx, `SELECT `+kindCols+` FROM document_kinds WHERE id = $1`, id)
	k, err := pgx.CollectExactlyOneRow(rows, scanKind)
	return k, enforcement.DBError(err, "文书种类")
}

// DocumentPDF is a document the actor may read as a PDF: a frozen one as it was stored
// (its hash is in the chain), a draft set now with the signatures it has so far. A
// character neither face has is refused, naming the field it is in.
func (s *Service) DocumentPDF(ctx context.Context, a enforcement.Actor, id uuid.UUID) ([]byte, Document, error) {
	d, err := s.FindDocument(ctx, a, id)
	if err != nil {
		return nil, d, err
	}
	if d.State == "frozen" {
		b, err := s.FrozenPDF(ctx, d)
		return b, d, err
	}
	k, err := s.kindOf(ctx, d.KindID)
	if err != nil {
		return nil, d, err
	}
	f, err := LoadFonts(s.DocumentFont, s.DocumentFallbackFont)
	if err != nil {
		return nil, d, err
	}
	if err := glyphsOf(f, d); err != nil {
		return nil, d, err
	}
	sigs, _, err := s.signaturesOf(ctx, s.Store.db, d.ID, true)
	if err != nil {
		return nil, d, err
	}
	b, err := renderDocumentPDF(f, d, k, page{number: "（草稿，定稿时编号）", sigs: sigs})
	return b, d, err
}

// renderSlots bounds how many documents are set at once: each holds its faces' subsets
// and pages in memory, and many at once would take memory without finishing sooner on
// the cores there are.
var renderSlots = make(chan struct{}, max(2, runtime.NumCPU()))

func renderDocumentPDF(f *Fonts, d Document, k DocumentKind, pg page) ([]byte, error) {
	renderSlots <- struct{}{}
	defer func() { <-renderSlots }()
	values := map[string]string{}
	// Every text the page sets, the fixed ones too, decides whether the fallback is needed.
	texts := []string{k.Name, "草稿 · （草稿，定稿时编号）　第 页 / 共 页", "（印章）", "（签名）：" + blank + "　　日期：", "：",
		pg.number, pg.day, "扫描右侧二维码核验真伪", "拒绝签字。情况：（有音像记录）"}
	for _, g := range pg.sigs {
		texts = append(texts, g.Signer, g.Reason)
	}
	for _, v := range d.Fields {
		values[v.Key] = v.Value
	}
	body := d.DocumentText(k)
	for _, sec := range body {
		texts = append(texts, sec[0], sec[1])
	}
	for _, sg := range k.Signers {
		texts = append(texts, Signers[sg])
	}
	texts = append(texts, values["agency"], values["date"])
	p := fpdf.New("P", "mm", "A4", "")
	f.RegisterFor(p, texts...)
	const left, right, width = 25.0, 25.0, 210.0 - 50.0
	p.SetMargins(left, 30, right)
	p.SetCellMargin(0)
	p.SetAutoPageBreak(true, 30)
	p.SetCreationDate(d.UpdatedAt)
	p.SetModificationDate(d.UpdatedAt)
	p.SetCatalogSort(true)
	p.SetTitle(k.Name, true)
	p.AliasNbPages("{nb}")
	number := pg.number
	if pg.qr != nil {
		p.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(pg.qr))
	}
	p.SetFooterFunc(func() {
		p.SetY(-22)
		label := fmt.Sprintf("%s　第 %d 页 / 共 {nb} 页", number, p.PageNo())
		if d.State == "draft" {
			label = "草稿 · " + label
		}
		p.SetX(left)
		f.Write(p, 10, 6, label)
		if pg.qr != nil {
			p.Ln(5)
			p.SetX(left)
			f.Write(p, 8, 5, "扫描右侧二维码核验真伪")
			p.ImageOptions("qr", 210-right-18, 297-27, 18, 18, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		}
	})
	p.AddPage()
	p.SetRightMargin(right - 10) // lines are broken to the margin; a hanging mark may pass it
	centered := func(size, lh float64, text string) {
		p.SetX(left + max(0, (width-f.Width(p, size, text))/2))
		f.Write(p, size, lh, text)
		p.Ln(lh)
	}
	centered(18, 10, values["agency"])
	centered(22, 13, k.Name)
	centered(12, 8, number)
	p.Ln(4)
	const size, lh = 14.0, 8.5
	for _, sec := range body {
		if sec[0] != "" {
			p.SetX(left)
			f.Write(p, size, lh, sec[0]+"：")
			p.Ln(lh)
		}
		for _, line := range strings.Split(sec[1], "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			for _, l := range f.Lines(p, "\u3000\u3000"+line, size, width) {
				p.SetX(left)
				f.Write(p, size, lh, l)
				p.Ln(lh)
			}
		}
	}
	// The issuing agency and the day, right of centre, where the seal goes.
	if day, dated := values["date"]; dated {
		p.Ln(lh)
		for _, line := range []string{values["agency"] + "（印章）", orBlank(day)} {
			p.SetX(210 - right - 10 - f.Width(p, size, line))
			f.Write(p, size, lh, line)
			p.Ln(lh)
		}
	}
	p.Ln(lh)
	signatures(p, f, k, pg, left, width, size, lh)
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "文书排版失败")
	}
	return buf.Bytes(), nil
}

// signatures sets a line for each who signs: the images of those who signed, with the
// day; the party's refusal in words; a blank to write on for those who have not.
func signatures(p *fpdf.Fpdf, f *Fonts, k DocumentKind, pg page, left, width, size, lh float64) {
	roles := append([]string{}, k.Signers...)
	for _, g := range pg.sigs {
		if !slices.Contains(roles, g.Role) {
			roles = append(roles, g.Role)
		}
	}
	const imgH, bottom = 12.0, 297 - 30
	for _, role := range roles {
		var signed []Signature
		var refusal *Signature
		for i, g := range pg.sigs {
			switch {
			case g.Role == role && g.Refused:
				refusal = &pg.sigs[i]
			case g.Role == role:
				signed = append(signed, g)
			}
		}
		if p.GetY()+imgH+4 > bottom {
			p.AddPage()
		}
		p.SetX(left)
		switch {
		case refusal != nil:
			for _, l := range f.Lines(p, Signers[role]+"拒绝签字。情况："+refusal.Reason+"（有音像记录）", size, width) {
				p.SetX(left)
				f.Write(p, size, lh, l)
				p.Ln(lh)
			}
			p.Ln(lh * 0.6)
		case len(signed) == 0 && pg.qr != nil:
			// Frozen: no blank line for a signer who was not there, which a pen could fill.
		case len(signed) == 0:
			f.Write(p, size, lh*1.6, Signers[role]+"（签名）："+blank+blank+"　　日期："+blank)
			p.Ln(lh * 1.6)
		default:
			label := Signers[role] + "（签名）："
			f.Write(p, size, lh, label)
			x, y := left+f.Width(p, size, label), p.GetY()
			for _, g := range signed {
				cfg, err := png.DecodeConfig(bytes.NewReader(g.png))
				if err != nil || cfg.Height == 0 {
					continue
				}
				w := min(45, imgH*float64(cfg.Width)/float64(cfg.Height))
				if x+w > left+width {
					x, y = left+f.Width(p, size, label), y+imgH+2
				}
				name := "sig-" + g.ID.String()
				p.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(g.png))
				p.ImageOptions(name, x, y-3, w, imgH, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
				x += w + 3
			}
			day := pg.day
			if day == "" {
				day = ChineseDate(enforcement.DateOf(signed[len(signed)-1].CreatedAt.In(enforcement.Shanghai())))
			}
			p.SetY(y + imgH - 2)
			p.SetX(left)
			f.Write(p, size, lh, "日期："+day)
			p.Ln(lh * 1.4)
		}
	}
}
