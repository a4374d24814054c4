package evidence

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/sfnt"

	"zhifa/enforcement"
	"zhifa/fault"
)

// Chinese documents are set in a Song face; the one Debian ships as a TrueType file (AR PL
// SungtiL GB) covers GB 2312, so a character outside it is set in a fallback face (Droid
// Sans Fallback) rather than left blank, and a character in neither is refused by name
// before anything is printed: never a PDF with empty boxes.

// Default font files, from Debian's fonts-arphic-gbsn00lp and fonts-droid-fallback
// (deploy/fonts.sh installs them).
const (
	DefaultDocumentFont         = "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"
	DefaultDocumentFallbackFont = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
)

// Fonts are the two faces documents are set in.
type Fonts struct {
	song, fallback         []byte
	songFace, fallbackFace *sfnt.Font
}

var (
	fontsMu    sync.Mutex
	fontsCache = map[string]*Fonts{}
)

// LoadFonts reads the two faces once per pair of paths; empty paths are the defaults.
func LoadFonts(song, fallback string) (*Fonts, error) {
	if song == "" {
		song = DefaultDocumentFont
	}
	if fallback == "" {
		fallback = DefaultDocumentFallbackFont
	}
	fontsMu.Lock()
	defer fontsMu.Unlock()
	if f, ok := fontsCache[song+"\x00"+fallback]; ok {
		return f, nil
	}
	f := &Fonts{}
	var err error
	for _, x := range []struct {
		path string
		b    *[]byte
		face **sfnt.Font
	}{{song, &f.song, &f.songFace}, {fallback, &f.fallback, &f.fallbackFace}} {
		if *x.b, err = os.ReadFile(x.path); err != nil {
			return nil, fault.New(fault.Unavailable, "服务器未安装公文字体（%s），暂不能制作文书，请联系系统管理员", x.path)
		}
		if *x.face, err = sfnt.Parse(*x.b); err != nil {
			return nil, fault.New(fault.Unavailable, "公文字体文件无法读取（%s），暂不能制作文书", x.path)
		}
	}
	fontsCache[song+"\x00"+fallback] = f
	return f, nil
}

// ChineseDate writes a date as documents do: 2026年12月1日.
func ChineseDate(d enforcement.Date) string {
	return fmt.Sprintf("%d年%d月%d日", d.Year, int(d.Month), d.Day)
}

// Register adds the two faces to a PDF as "song" and "fallback".
func (f *Fonts) Register(p *fpdf.Fpdf) {
	p.AddUTF8FontFromBytes("song", "", f.song)
	p.AddUTF8FontFromBytes("fallback", "", f.fallback)
}

// RegisterFor adds the Song face, and the fallback only when one of texts needs it: the
// fallback is a large face, and reading it for every document is most of the memory a
// document takes.
func (f *Fonts) RegisterFor(p *fpdf.Fpdf, texts ...string) {
	p.AddUTF8FontFromBytes("song", "", f.song)
	for _, t := range texts {
		for _, r := range f.Runs(t) {
			if r[0] == "fallback" {
				p.AddUTF8FontFromBytes("fallback", "", f.fallback)
				return
			}
		}
	}
}

// has says whether a face has a glyph for r.
func has(face *sfnt.Font, buf *sfnt.Buffer, r rune) bool {
	g, err := face.GlyphIndex(buf, r)
	return err == nil && g != 0
}

// Missing is the first character of s that neither face can set, if any. Spaces and
// line breaks are laid out, not drawn.
func (f *Fonts) Missing(s string) (rune, bool) {
	var buf sfnt.Buffer
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u3000' {
			continue
		}
		if !has(f.songFace, &buf, r) && !has(f.fallbackFace, &buf, r) {
			return r, true
		}
	}
	return 0, false
}

// Runs splits s into pieces each set in one face: the Song face where it has the glyph,
// else the fallback.
func (f *Fonts) Runs(s string) [][2]string {
	var buf sfnt.Buffer
	var out [][2]string
	for _, r := range s {
		face := "song"
		if r > 0x7f && !has(f.songFace, &buf, r) && has(f.fallbackFace, &buf, r) {
			face = "fallback"
		}
		if n := len(out); n > 0 && out[n-1][0] == face {
			out[n-1][1] += string(r)
		} else {
			out = append(out, [2]string{face, string(r)})
		}
	}
	return out
}

// Write sets text at the current position, each piece in its face.
func (f *Fonts) Write(p *fpdf.Fpdf, size, lineHeight float64, text string) {
	for _, r := range f.Runs(text) {
		p.SetFont(r[0], "", size)
		p.Write(lineHeight, r[1])
	}
}

// Width is the width text takes at size.
func (f *Fonts) Width(p *fpdf.Fpdf, size float64, text string) float64 {
	w := 0.0
	for _, r := range f.Runs(text) {
		p.SetFont(r[0], "", size)
		w += p.GetStringWidth(r[1])
	}
	return w
}

// noLineStart are the marks a line does not begin with (避头点): they hang at the end of
// the line before instead.
const noLineStart = "，。、；：？！）》」』”’〕】…,.;:?!)"

// Lines breaks a paragraph into lines no wider than width at size points, between any
// two characters as Chinese text breaks, never before a closing mark.
func (f *Fonts) Lines(p *fpdf.Fpdf, text string, size, width float64) []string {
	var out []string
	var line []rune
	w := 0.0
	for _, r := range []rune(text) {
		cw := f.Width(p, size, string(r))
		if w+cw > width && len(line) > 0 && !strings.ContainsRune(noLineStart, r) {
			out = append(out, string(line))
			line, w = nil, 0
		}
		line = append(line, r)
		w += cw
	}
	if len(line) > 0 {
		out = append(out, string(line))
	}
	return out
}
