package app

import (
	"io/fs"
	"regexp"
	"testing"
)

// The site's CSP allows styles from the stylesheet only (style-src 'self'): an inline
// <style> block or style attribute renders unstyled in a real browser, while tests that
// only read the HTML still pass. No template may have one.
func TestTemplatesHaveNoInlineStyles(t *testing.T) {
	inline := regexp.MustCompile(`<style|\sstyle=`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, path)
		if err != nil {
			return err
		}
		if loc := inline.FindIndex(b); loc != nil {
			t.Errorf("%s has an inline style at byte %d: %.60s", path, loc[0], b[loc[0]:])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(printCSS) == 0 {
		t.Error("static/print.css is not embedded")
	}
}
