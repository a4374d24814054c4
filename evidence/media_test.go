package evidence

import (
	"strings"
	"testing"
)

func TestSniffAllowList(t *testing.T) {
	pad := func(s string) []byte { return append([]byte(s), make([]byte, 64)...) }
	for _, c := range []struct {
		name string
		head []byte
		want string // "" means refused
	}{
		{"jpeg", pad("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), "image/jpeg"},
		{"png", pad("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		{"heic", pad("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), "image/heic"},
		{"mp4", pad("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), "video/mp4"},
		{"mov", pad("\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  "), "video/quicktime"},
		{"m4a", pad("\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42"), "audio/mp4"},
		{"mp3", append([]byte("ID3\x04\x00\x00\x00\x00\x00\x00"), mp3Frames()...), "audio/mpeg"},
		{"amr", pad("#!AMR\n"), "audio/amr"},
		{"wav", pad("RIFF\x24\x00\x00\x00WAVEfmt "), "audio/wav"},
		{"pdf", pad("%PDF-1.7\n"), "application/pdf"},
		{"text", []byte("只是一段文字"), ""},
		{"html", []byte("<html><script>alert(1)</script></html>"), ""},
		{"zip", pad("PK\x03\x04"), ""},
		{"empty", nil, ""},
	} {
		got, err := Sniff(c.head)
		if got != c.want || (c.want == "") != (err != nil) {
			t.Errorf("%s: Sniff = %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

func TestCheckDeclared(t *testing.T) {
	for _, c := range []struct {
		declared, sniffed string
		ok                bool
	}{
		{"", "image/jpeg", true},
		{"application/octet-stream", "video/mp4", true},
		{"image/jpeg", "image/jpeg", true},
		{"image/jpg; q=1", "image/jpeg", true},
		{"video/quicktime", "video/mp4", true},
		{"audio/x-m4a", "audio/mp4", true},
		{"image/png", "image/jpeg", false},
		{"video/mp4", "image/jpeg", false},
		{"application/pdf", "audio/mpeg", false},
	} {
		err := CheckDeclared(c.declared, c.sniffed)
		if (err == nil) != c.ok {
			t.Errorf("CheckDeclared(%q, %q) = %v", c.declared, c.sniffed, err)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	for in, want := range map[string]string{
		"现场.jpg": "现场.jpg", "../../etc/passwd": "passwd", `C:\Users\李\录像.mp4`: "录像.mp4",
		"a\"b\r\n.jpg": "ab.jpg", "": "", "/": "",
	} {
		if got := CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
	if got := CleanFilename(strings.Repeat("长", 300)); len([]rune(got)) != 120 {
		t.Errorf("long name kept %d characters", len([]rune(got)))
	}
}

// mp3Frames is a run of MPEG-1 layer III frame headers, as an MP3 file holds.
func mp3Frames() []byte {
	var b []byte
	for i := 0; i < 20; i++ {
		b = append(b, "\xff\xfb\x90\x64"...)
		b = append(b, make([]byte, 413)...)
	}
	return b
}
