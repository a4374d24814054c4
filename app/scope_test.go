package app_test

import (
	"net/url"
	"testing"
	"time"

	"zhifa/enforcement"
)

// agencyID finds an agency by name as the admin sees it.
func agencyID(s *server, adminTok, name string) string {
	s.t.Helper()
	for _, a := range items(s.call("GET", "/api/v1/agencies?page_size=200&q="+url.QueryEscape(name), adminTok, nil)) {
		if a["name"] == name {
			return a["id"].(string)
		}
	}
	s.t.Fatalf("agency %s not found", name)
	return ""
}

func TestScopeOfEachRole(t *testing.T) {
	s := start(t)
	admin, officer, reviewer, supervisor := s.login("admin"), s.login("officer1"), s.login("reviewer1"), s.login("supervisor1")
	market := agencyID(s, admin, "青山县市场监督管理局")
	justice := agencyID(s, admin, "青山县司法局")
	for _, tok := range []string{admin, supervisor} {
		r := s.call("GET", "/api/v1/agencies?page_size=200", tok, nil)
		if total(r) != 49 {
			t.Errorf("county-wide agencies = %d, want the county government, 34 departments and 14 townships", total(r))
		}
		for _, a := range items(r) {
			if a["region_code"] != "360799" {
				t.Errorf("an agency outside the county in a county scope: %v", a)
			}
		}
	}
	for _, tok := range []string{officer, reviewer} {
		r := s.call("GET", "/api/v1/agencies", tok, nil)
		if total(r) != 1 || items(r)[0]["id"] != market {
			t.Errorf("an officer's or reviewer's agencies = %s, want only their own", r.Body)
		}
		if r := s.call("GET", "/api/v1/agencies/"+justice, tok, nil); r.Status != 404 {
			t.Errorf("another agency = %d, want 404", r.Status)
		}
		if r := s.call("GET", "/api/v1/officers?page_size=200", tok, nil); total(r) != 150 {
			t.Errorf("officers seen = %d, want the 150 of their agency", total(r))
		}
	}
	// An officer of another agency cannot be opened by an officer, but can by the supervisor.
	other := items(s.call("GET", "/api/v1/officers?agency_id="+justice, supervisor, nil))[0]["id"].(string)
	if r := s.call("GET", "/api/v1/officers/"+other, officer, nil); r.Status != 404 {
		t.Errorf("officer opens another agency's officer = %d, want 404", r.Status)
	}
	if r := s.call("GET", "/api/v1/officers/"+other, supervisor, nil); r.Status != 200 {
		t.Errorf("supervisor opens an officer of the county = %d, want 200", r.Status)
	}
	for _, c := range []struct {
		who, method, path string
		tok               string
		want              int
	}{
		{"officer", "POST", "/api/v1/officers", officer, 403},
		{"reviewer", "POST", "/api/v1/users", reviewer, 403},
		{"supervisor", "POST", "/api/v1/users", supervisor, 403},
		{"officer", "GET", "/api/v1/users", officer, 403},
		{"officer", "GET", "/api/v1/activity", officer, 403},
		{"reviewer", "GET", "/api/v1/activity", reviewer, 403},
		{"supervisor", "GET", "/api/v1/activity", supervisor, 200},
		{"officer", "PUT", "/api/v1/calendar/2027", officer, 403},
		{"supervisor", "PATCH", "/api/v1/officers/" + other, supervisor, 403},
		{"officer", "POST", "/api/v1/agencies", officer, 403},
	} {
		body := any(nil)
		if c.method != "GET" {
			body = map[string]any{}
		}
		if r := s.call(c.method, c.path, c.tok, body); r.Status != c.want {
			t.Errorf("%s %s %s = %d %s, want %d", c.who, c.method, c.path, r.Status, r.Body, c.want)
		}
	}
}

func TestAdminManagesOfficersAndUsers(t *testing.T) {
	s := start(t)
	inThreeYears := time.Now().AddDate(3, 0, 0).Format(time.DateOnly) // valid whenever the test runs
	admin := s.login("admin")
	market := agencyID(s, admin, "青山县市场监督管理局")
	r := s.call("POST", "/api/v1/officers", admin, map[string]any{"agency_id": market, "name": "孙磊",
		"cert_no": "36079999001", "fields": []string{"食品安全"}, "cert_valid_until": "2026-01-31"})
	if r.Status != 201 || r.JSON()["status"] != "expired" || r.JSON()["cert_valid"] != false {
		t.Fatalf("create officer with a lapsed card = %d %s, want 201 and status expired", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	if r := s.call("POST", "/api/v1/officers", admin, map[string]any{"agency_id": market, "name": "孙磊",
		"cert_no": "36079999001", "cert_valid_until": inThreeYears}); r.Status != 409 {
		t.Errorf("duplicate certificate number = %d, want 409", r.Status)
	}
	if r := s.call("PATCH", "/api/v1/officers/"+id, admin, map[string]any{"status": "active"}); r.Status != 422 || r.ErrorField() != "cert_valid_until" {
		t.Errorf("restoring a lapsed card without a date = %d %s, want 422 on cert_valid_until", r.Status, r.Body)
	}
	if r := s.call("PATCH", "/api/v1/officers/"+id, admin, map[string]any{"status": "active", "cert_valid_until": inThreeYears}); r.Status != 200 || r.JSON()["status"] != "active" {
		t.Errorf("restoring with a new date = %d %s", r.Status, r.Body)
	}
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "x", "cert_no": "36079999002", "cert_valid_until": inThreeYears}, "agency_id"},
		{map[string]any{"agency_id": market, "cert_no": "36079999002", "cert_valid_until": inThreeYears}, "name"},
		{map[string]any{"agency_id": market, "name": "x", "cert_no": "短", "cert_valid_until": inThreeYears}, "cert_no"},
		{map[string]any{"agency_id": market, "name": "x", "cert_no": "36079999002"}, "cert_valid_until"},
		{map[string]any{"agency_id": market, "name": "x", "cert_no": "36079999002", "cert_valid_until": inThreeYears, "status": "lost"}, "status"},
	} {
		if r := s.call("POST", "/api/v1/officers", admin, c.body); r.Status != 422 || r.ErrorField() != c.field || !hasHan(r.ErrorMessage()) {
			t.Errorf("officer %v = %d %s, want 422 naming %s", c.body, r.Status, r.Body, c.field)
		}
	}
	// A user bound to the officer can log in; a weak password or wrong agency is refused.
	u := s.call("POST", "/api/v1/users", admin, map[string]any{"username": "sunlei", "password": "s3cret-pass", "name": "孙磊",
		"roles": []string{"officer"}, "agency_id": market, "officer_id": id})
	if u.Status != 201 {
		t.Fatalf("create user = %d %s", u.Status, u.Body)
	}
	if r := s.call("POST", "/api/v1/auth/login", "", map[string]string{"username": "sunlei", "password": "s3cret-pass"}); r.Status != 200 {
		t.Errorf("new user login = %d", r.Status)
	}
	justice := agencyID(s, admin, "青山县司法局")
	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"username": "weak", "password": "123", "name": "x", "roles": []string{"admin"}, "agency_id": market}, "password"},
		{map[string]any{"username": "userx2", "password": "s3cret-pass", "name": "x", "roles": []string{"boss"}, "agency_id": market}, "roles"},
		{map[string]any{"username": "userx3", "password": "s3cret-pass", "name": "x", "roles": []string{"officer"}, "agency_id": justice, "officer_id": id}, "officer_id"},
		{map[string]any{"username": "userx4", "password": "s3cret-pass", "name": "x", "roles": []string{"supervisor"}, "agency_id": market, "legal_qualified": true}, "legal_qualified"},
	} {
		if r := s.call("POST", "/api/v1/users", admin, c.body); r.Status != 422 || r.ErrorField() != c.field {
			t.Errorf("user %v = %d %s, want 422 naming %s", c.body, r.Status, r.Body, c.field)
		}
	}
	if r := s.call("POST", "/api/v1/users", admin, map[string]any{"username": "sunlei", "password": "s3cret-pass", "name": "x",
		"roles": []string{"reviewer"}, "agency_id": market}); r.Status != 409 {
		t.Errorf("duplicate username = %d, want 409", r.Status)
	}
}

func TestAdminCreatesAgencyOnlyInRegion(t *testing.T) {
	s := start(t)
	admin := s.login("admin")
	county := agencyID(s, admin, "青山县人民政府")
	first := "11360799" + "777000001"
	code := first + string(enforcement.CreditCheckChar(first))
	r := s.call("POST", "/api/v1/agencies", admin, map[string]any{"name": "青山县数据局", "code": code, "region_code": "360799", "parent_id": county})
	if r.Status != 201 || r.JSON()["parent_id"] != county {
		t.Fatalf("create agency = %d %s", r.Status, r.Body)
	}
	other := "11360702" + "777000002"
	r = s.call("POST", "/api/v1/agencies", admin, map[string]any{"name": "章贡区数据局", "code": other + string(enforcement.CreditCheckChar(other)), "region_code": "360702"})
	if r.Status != 422 || r.ErrorField() != "region_code" {
		t.Errorf("agency outside the region = %d %s, want 422 on region_code", r.Status, r.Body)
	}
	r = s.call("POST", "/api/v1/agencies", admin, map[string]any{"name": "x", "code": "11360799777000003X", "region_code": "360799"})
	if r.Status != 422 || r.ErrorField() != "code" {
		t.Errorf("bad credit code = %d %s, want 422 on code", r.Status, r.Body)
	}
}
