package audit

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/go-pdf/fpdf"

	"zhifa/enforcement"
	"zhifa/evidence"
)

// A supervision document is printed as an official document (公文) on A4: the issuing
// body's name in red over a red rule, the number, the title, the addressee, the body, the
// deadline, the seal area and the date, set in the faces evidence.Fonts loads.

// Default font files (deploy/fonts.sh installs them).
const (
	DefaultDocumentFont         = evidence.DefaultDocumentFont
	DefaultDocumentFallbackFont = evidence.DefaultDocumentFallbackFont
)

// documentFonts loads the two faces.
func (s *Service) documentFonts() (*evidence.Fonts, error) {
	return evidence.LoadFonts(s.DocumentFont, s.DocumentFallbackFont)
}

// Body is the document's text after the addressee, paragraph by paragraph, as the PDF
// and the page both print it: the facts, the basis leading to what follows, a decision's
// disposition, the requirements and the deadline.
func (d Document) Body() []string {
	facts := strings.TrimSpace(d.Facts)
	if !strings.HasPrefix(facts, "经查") {
		facts = "经查，" + facts
	}
	basis := strings.TrimRight(strings.TrimSpace(d.Basis), "。；，,;. ")
	if !strings.HasPrefix(basis, "根据") && !strings.HasPrefix(basis, "依据") && !strings.HasPrefix(basis, "按照") {
		basis = "依据" + basis
	}
	out := []string{facts, basis + map[string]string{"notice": "，现将有关事项通知如下：", "opinion": "，提出如下监督意见：", "decision": "，决定如下："}[d.Kind]}
	if d.Kind == "decision" && d.Action != nil {
		label, _, _ := decisionAction(*d.Action)
		what := "一、责令你单位改正。"
		switch {
		case d.CaseNumber != "" && *d.Action == "correct":
			what = "一、责令你单位对" + d.CaseNumber + "案件的执法行为予以改正。"
		case d.CaseNumber != "":
			what = "一、" + label + "你单位作出的" + d.CaseNumber + "行政执法决定。"
		}
		out = append(out, what)
	}
	out = append(out, strings.TrimSpace(d.Requirements))
	due := evidence.ChineseDate(d.DueDate)
	switch d.Kind {
	case "notice":
		out = append(out, "请于"+due+"前改正，并将改正情况书面报告本机关。")
	case "opinion":
		out = append(out, "请于"+due+"前将采纳和落实情况书面反馈本机关。")
	case "decision":
		out = append(out, "请于"+due+"前执行本决定，并将执行情况书面报告。")
	}
	return out
}

// renderDocument sets the document on A4 and returns the PDF. The same document renders
// to the same bytes: the PDF's dates are the issue time.
func renderDocument(f *evidence.Fonts, d Document, title string) ([]byte, error) {
	p := fpdf.New("P", "mm", "A4", "")
	f.Register(p)
	p.SetMargins(28, 37, 26)
	p.SetCellMargin(0) // lines are measured to the margins; Write would wrap 2 mm early
	p.SetAutoPageBreak(true, 35)
	p.SetCreationDate(d.IssuedAt)
	p.SetModificationDate(d.IssuedAt)
	p.SetCatalogSort(true)
	p.SetTitle(title+" "+d.Number, true)
	p.SetAuthor(d.Issuer, true)
	p.SetFooterFunc(func() {
		p.SetY(-25)
		p.SetFont("song", "", 14)
		label := fmt.Sprintf("— %d —", p.PageNo())
		w := p.GetStringWidth(label)
		p.SetX((210 - w) / 2)
		p.Write(7, label)
	})
	p.AddPage()
	width := 210.0 - 28 - 26
	// Lines are broken by lines() to the 26 mm margin; a closing mark may hang past it
	// (避头点), so Write itself is given room not to wrap again.
	p.SetRightMargin(16)
	write := func(size float64, lh float64, text string) {
		for _, r := range f.Runs(text) {
			p.SetFont(r[0], "", size)
			p.Write(lh, r[1])
		}
	}
	centered := func(size, lh float64, text string) {
		w := 0.0
		for _, r := range f.Runs(text) {
			p.SetFont(r[0], "", size)
			w += p.GetStringWidth(r[1])
		}
		p.SetX(28 + max(0, (width-w)/2))
		write(size, lh, text)
		p.Ln(lh)
	}
	// 版头: the issuer in red, the number, a red rule.
	p.SetTextColor(200, 16, 16)
	centered(26, 16, d.Issuer)
	p.SetTextColor(0, 0, 0)
	p.Ln(4)
	centered(16, 9, d.Number)
	p.SetDrawColor(200, 16, 16)
	p.SetLineWidth(0.8)
	y := p.GetY() + 2
	p.Line(28, y, 210-26, y)
	p.SetY(y + 8)
	centered(22, 13, title)
	p.Ln(6)
	const lh = 10.0
	para := func(text string) {
		for _, line := range strings.Split(text, "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			for _, l := range f.Lines(p, "\u3000\u3000"+line, 16, width) {
				p.SetX(28)
				write(16, lh, l)
				p.Ln(lh)
			}
		}
	}
	write(16, lh, d.AgencyName+"：")
	p.Ln(lh)
	for _, x := range d.Body() {
		para(x)
	}
	// The seal area and the date, right of centre, as documents place them.
	p.Ln(lh * 2)
	if p.GetY() > 297-35-45 {
		p.AddPage()
	}
	sealY := p.GetY()
	p.SetDrawColor(220, 120, 120)
	p.SetLineWidth(0.3)
	p.SetDashPattern([]float64{1.5, 1.5}, 0)
	p.Circle(210-26-38, sealY+12, 20, "D")
	p.SetDashPattern([]float64{}, 0)
	p.SetY(sealY + 4)
	for _, line := range []string{d.Issuer, evidence.ChineseDate(enforcement.DateOf(d.IssuedAt))} {
		w := 0.0
		for _, r := range f.Runs(line) {
			p.SetFont(r[0], "", 16)
			w += p.GetStringWidth(r[1])
		}
		p.SetX(210 - 26 - 38 - w/2)
		write(16, lh, line)
		p.Ln(lh)
	}
	p.Ln(lh * 2)
	for _, l := range f.Lines(p, "本文书属于监督事项"+d.MatterNumber+"，其 SHA-256 摘要记录在该事项的记录链中，可在行政执法监督平台核验。", 10, width) {
		p.SetX(28)
		write(10, 6, l)
		p.Ln(6)
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
