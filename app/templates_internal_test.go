package app

import (
	"bytes"
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"zhifa/audit"
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

// A page whose template fails half-way is an error, never a 200 page cut short with the
// template's message printed in it (the engine's own layout call prints errors as text).
func TestPageFailureIsAnError(t *testing.T) {
	a := &App{}
	views := a.newServer().Config().Views
	var out bytes.Buffer
	// supervision_clue indexes .Typed, which this binding lacks.
	err := views.Render(&out, "supervision_clue", fiber.Map{"Clue": audit.Clue{State: "registered"}}, "layout")
	if err == nil || out.Len() != 0 || strings.Contains(out.String(), "executing") {
		t.Fatalf("a failing page rendered %d bytes (%v):\n%.300s", out.Len(), err, out.String())
	}
	out.Reset()
	if err := views.Render(&out, "error", fiber.Map{"Title": "出错了", "Status": 404, "Message": "页面不存在"}, "layout"); err != nil ||
		!strings.Contains(out.String(), "页面不存在") || !strings.Contains(out.String(), "</html>") {
		t.Fatalf("the error page in the layout: %v\n%.300s", err, out.String())
	}
}
