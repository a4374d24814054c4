package app_test

import (
	"net/url"
	"strings"
	"testing"
)

func TestInspectionMatters(t *testing.T) {
	s := start(t)
	f := fixture(s)
	admin := s.login("admin")
	in := map[string]any{"agency_id": f.agency, "name": "校园周边食品经营者监督检查", "legal_basis": "《食品安全法》第一百一十条",
		"method": "现场检查、抽样检验", "target_type": "食品经营者"}
	if r := s.call("POST", "/api/v1/inspection/matters", f.tok, in); r.Status != 403 {
		t.Errorf("officer adding a matter = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/inspection/matters", admin, map[string]any{"agency_id": f.agency, "name": "x"}); r.Status != 422 || r.ErrorField() != "legal_basis" {
		t.Errorf("incomplete matter = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/matters", admin, in); r.Status != 201 || r.JSON()["agency_name"] != "青山县市场监督管理局" {
		t.Fatalf("add matter = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/inspection/matters", admin, in); r.Status != 409 {
		t.Errorf("same name twice = %d", r.Status)
	}
	found := false
	for _, m := range items(s.public("/public/api/matters?q=" + url.QueryEscape("食品经营者"))) {
		found = found || m["name"] == "校园周边食品经营者监督检查"
	}
	if !found {
		t.Error("the matter is not on the portal")
	}
	if r := s.public("/public/matters"); r.Status != 200 || !strings.Contains(string(r.Body), "校园周边食品经营者监督检查") {
		t.Errorf("matters page = %d", r.Status)
	}
}
