package app

import (
	"io/fs"
	"regexp"
	"testing"
)

// Every <textarea> of the pages is free text to the input rule; a new one missing from
// freeText would have its line breaks refused.
func TestTextareasAreFreeText(t *testing.T) {
	re := regexp.MustCompile(`<textarea[^>]*\sname="([^"]+)"`)
	seen := 0
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		for _, m := range re.FindAllSubmatch(b, -1) {
			seen++
			if !isFreeText(string(m[1])) {
				t.Errorf("%s: textarea %q is not in freeText, so its line breaks would be refused", path, m[1])
			}
		}
		return nil
	})
	if err != nil || seen == 0 {
		t.Fatalf("read templates: %v (%d textareas)", err, seen)
	}
}

func TestTextRule(t *testing.T) {
	for _, c := range []struct {
		in        string
		multiline bool
		ok        bool
	}{
		{"销售过期食品", false, true}, {"a\x00b", true, false}, {"第一行\n第二行", false, false}, {"第一行\r\n第二行\t完", true, true},
		{"photo\u202egnp.exe", false, false}, {"张\u200b三", true, false}, {"\ufeff解放路", false, false}, {"a\u2028b", false, false},
		{"a\u2028b", true, true}, {"\xff", true, false}, {"\u0085", true, false}, {"\x1b[31m", true, false}, {"（已隐去）�", false, true},
	} {
		if got := checkField("x", c.in) == nil; c.multiline {
			if got := checkField("note", c.in) == nil; got != c.ok {
				t.Errorf("free text %q accepted = %v, want %v", c.in, got, c.ok)
			}
		} else if got != c.ok {
			t.Errorf("single line %q accepted = %v, want %v", c.in, got, c.ok)
		}
	}
}
