package evidence

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"runtime"
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

// DocumentPDF sets a document the actor may read as a PDF. A character neither face has
// is refused, naming the field it is in.
func (s *Service) DocumentPDF(ctx context.Context, a enforcement.Actor, id uuid.UUID) ([]byte, Document, error) {
	d, err := s.FindDocument(ctx, a, id)
	if err != nil {
		return nil, d, err
	}
	k, err := s.kindOf(ctx, d.KindID)
	if err != nil {
		return nil, d, err
	}
	f, err := LoadFonts(s.DocumentFont, s.DocumentFallbackFont)
	if err != nil {
		return nil, d, err
	}
	for _, v := range d.Fields {
		if r, bad := f.Missing(v.Value); bad {
			return nil, d, fault.Field("fields."+v.Key, "“%s”中的字符“%c”（U+%04X）无法排版（字体中没有这个字），请改用其他写法", v.Label, r, r)
		}
	}
	b, err := renderDocumentPDF(f, d, k)
	return b, d, err
}

// renderSlots bounds how many documents are set at once: each holds its faces' subsets
// and pages in memory, and many at once would take memory without finishing sooner on
// the cores there are.
var renderSlots = make(chan struct{}, max(2, runtime.NumCPU()))

func renderDocumentPDF(f *Fonts, d Document, k DocumentKind) ([]byte, error) {
	renderSlots <- struct{}{}
	defer func() { <-renderSlots }()
	values := map[string]string{}
	// Every text the page sets, the fixed ones too, decides whether the fallback is needed.
	texts := []string{k.Name, "草稿 · （草稿，定稿时编号）　第 页 / 共 页", "（印章）", "（签名）：" + blank + "　　日期：", "："}
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
	number := "（草稿，定稿时编号）"
	p.SetFooterFunc(func() {
		p.SetY(-22)
		label := fmt.Sprintf("%s　第 %d 页 / 共 {nb} 页", number, p.PageNo())
		if d.State == "draft" {
			label = "草稿 · " + label
		}
		p.SetX(left)
		f.Write(p, 10, 6, label)
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
	for _, sg := range k.Signers {
		p.SetX(left)
		f.Write(p, size, lh*1.6, Signers[sg]+"（签名）："+blank+blank+"　　日期："+blank)
		p.Ln(lh * 1.6)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fault.Wrap(err, fault.Internal, "文书排版失败")
	}
	return buf.Bytes(), nil
}
