package app_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// An administrator revises a kind on its page: a new field and a paragraph that uses it
// are saved as the next version; a paragraph naming no field is refused at the top of the
// form with everything typed kept; an officer may not open the page.
func TestDocumentKindPage(t *testing.T) {
	s := start(t)
	admin, csrf := webLogin(t, s, "admin")
	page := s.get(admin, "/document-kinds")
	if page.Status != 200 || !strings.Contains(string(page.Body), "现场检查笔录") {
		t.Fatalf("kinds page = %d", page.Status)
	}
	kind := s.get(admin, "/document-kinds/inspection_record")
	body := string(kind.Body)
	if kind.Status != 200 || !strings.Contains(body, `name="field.0.key"`) || !strings.Contains(body, "保存为第 2 版") {
		t.Fatalf("kind page = %d\n%.400s", kind.Status, body)
	}
	// The form as the page shows it, with the blank rows filled in.
	k := s.call("GET", "/api/v1/document-kinds", s.login("admin"), nil)
	var form url.Values
	n := 0
	for _, it := range items(k) {
		if it["code"] != "inspection_record" {
			continue
		}
		form = url.Values{"_csrf": {csrf}, "code": {"inspection_record"}, "name": {it["name"].(string)}, "family": {it["family"].(string)},
			"number_pattern": {it["number_pattern"].(string)}}
		for _, sg := range it["signers"].([]any) {
			form.Add("signers", sg.(string))
		}
		for _, st := range it["stages"].([]any) {
			form.Add("stages", st.(string))
		}
		for _, f := range it["fields"].([]any) {
			fm := f.(map[string]any)
			p := "field." + strconv.Itoa(n) + "."
			form.Set(p+"key", fm["key"].(string))
			form.Set(p+"label", fm["label"].(string))
			form.Set(p+"type", fm["type"].(string))
			if src, _ := fm["source"].(string); src != "" {
				form.Set(p+"source", src)
			}
			if fm["required"] == true {
				form.Set(p+"required", "on")
			}
			n++
		}
		form.Set("field."+strconv.Itoa(n)+".key", "weather")
		form.Set("field."+strconv.Itoa(n)+".label", "天气")
		form.Set("field."+strconv.Itoa(n)+".type", "text")
		form.Set("field."+strconv.Itoa(n+1)+".key", "") // a blank row
		n = 0
		for _, sec := range it["sections"].([]any) {
			sm := sec.(map[string]any)
			h, _ := sm["heading"].(string)
			form.Set("section."+strconv.Itoa(n)+".heading", h)
			form.Set("section."+strconv.Itoa(n)+".text", sm["text"].(string))
			n++
		}
		form.Set("section."+strconv.Itoa(n)+".text", "检查时天气：{wether}")
	}
	if form == nil {
		t.Fatal("no inspection_record kind")
	}
	bad := s.form(admin, "/document-kinds", form)
	if bad.Status != 422 || !strings.Contains(string(bad.Body), "“{wether}”不是本文书的字段") || !strings.Contains(string(bad.Body), `value="weather"`) ||
		strings.Index(string(bad.Body), `data-testid="form-error"`) > strings.Index(string(bad.Body), `name="name"`) {
		t.Fatalf("a paragraph naming no field = %d\n%.300s", bad.Status, bad.Body)
	}
	form.Set("section."+strconv.Itoa(n)+".text", "检查时天气：{weather}")
	ok := s.form(admin, "/document-kinds", form)
	if ok.Status != 303 || ok.Header.Get("Location") != "/document-kinds/inspection_record" {
		t.Fatalf("save = %d %s", ok.Status, ok.Body)
	}
	after := string(s.get(admin, "/document-kinds/inspection_record").Body)
	if !strings.Contains(after, "已保存为第 2 版") || !strings.Contains(after, `value="weather"`) || !strings.Contains(after, "检查时天气：{weather}") {
		t.Errorf("the page after saving:\n%.600s", after)
	}
	for _, it := range items(s.call("GET", "/api/v1/document-kinds", s.login("admin"), nil)) {
		if it["code"] == "inspection_record" && it["version"] != float64(2) {
			t.Errorf("the kind's newest version = %v", it["version"])
		}
	}
	officer, _ := webLogin(t, s, "officer1")
	if r := s.get(officer, "/document-kinds/inspection_record"); r.Status != 403 {
		t.Errorf("an officer opens the kind page: %d", r.Status)
	}
}
