package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The fuzz targets post arbitrary input to the running server: whatever arrives, zhifa
// answers with a refusal it can explain (4xx) or does the work (2xx), never a 500 and
// never a panic. `make test` runs them briefly; `make fuzz` runs them longer.

// post sends a body and returns the status, failing the fuzz case on a 5xx.
func post(t *testing.T, s *server, path, token, contentType string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest("POST", s.URL+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := fuzzClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s with %q: %v", path, truncated(body), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 500 {
		t.Fatalf("POST %s with %q = %d %s", path, truncated(body), resp.StatusCode, b)
	}
	return resp.StatusCode
}

// fuzzClient gives up before Go's fuzzer does: one call of a fuzz function may take at
// most 10 s, and a slow answer should fail with its request named, not as a hung worker.
var fuzzClient = &http.Client{Timeout: 4 * time.Second}

// textSeeds are strings that once broke something somewhere, or might.
var textSeeds = []string{"", "张三", "a\x00b", "\u202egnp.exe", "\u200b", "\xff\xfe", "第一行\r\n第二行", strings.Repeat("长", 300),
	"'; DROP TABLE cases; --", "<script>alert(1)</script>", "３６０７９９１９８５０７１５００２１", "\ufeff", "\x1b[31m", "%00", "null"}

func FuzzCaseFiling(f *testing.F) {
	s := start(f)
	fx := fixture(s)
	valid, _ := json.Marshal(fx.input())
	for i, t := range textSeeds {
		raw := valid
		if i%3 == 1 {
			raw = []byte(`{"cause":` + strings.Repeat("[", i) + `}`)
		}
		f.Add(raw, t)
	}
	f.Fuzz(func(t *testing.T, raw []byte, text string) {
		post(t, s, "/api/v1/cases", fx.tok, "application/json", raw)
		in := fx.input()
		in["cause"], in["location"], in["legal_basis"] = text, text, text
		in["parties"] = []map[string]any{{"type": "person", "name": text, "id_number": text, "address": text, "phone": text}}
		b, _ := json.Marshal(in)
		post(t, s, "/api/v1/cases", fx.tok, "application/json", b)
	})
}

func FuzzRecordCreation(f *testing.F) {
	s := start(f)
	fx := fixture(s)
	caseID := s.newCase(fx)
	for i, t := range textSeeds {
		raw := []byte(`{"kind":"text","note":"询问笔录"}`)
		if i%2 == 1 {
			raw = []byte(`{"kind":"correction","corrects":"` + t + `","note":1}`)
		}
		f.Add(raw, t)
	}
	f.Fuzz(func(t *testing.T, raw []byte, text string) {
		post(t, s, "/api/v1/cases/"+caseID+"/records", fx.tok, "application/json", raw)
		b, _ := json.Marshal(map[string]any{"kind": text, "stage": text, "note": text, "occurred_at": text,
			"location": map[string]any{"lat": 28.1, "lng": 115.9}})
		post(t, s, "/api/v1/cases/"+caseID+"/records", fx.tok, "application/json", b)
		b, _ = json.Marshal(map[string]any{"kind": "text", "note": text})
		post(t, s, "/api/v1/cases/"+caseID+"/records", fx.tok, "application/json", b)
	})
}

func FuzzTargetImport(f *testing.F) {
	s := start(f)
	admin := s.login("admin")
	for i, t := range textSeeds {
		f.Add([]byte(targetsCSV(i*3+1, 2)), t)
		f.Add([]byte(`[{"code":"`+targetCode(i+900)+`","name":"甲公司","type":"企业","region_code":"360799","industry":"x","risk":"A"}]`), t)
	}
	f.Fuzz(func(t *testing.T, raw []byte, text string) {
		ct := "text/csv"
		if len(raw) > 0 && raw[0] == '[' {
			ct = "application/json"
		}
		post(t, s, "/api/v1/inspection/targets", admin, ct, raw)
		row := targetCode(777) + "," + text + "," + text + ",360799," + text + "," + text + "\n"
		post(t, s, "/api/v1/inspection/targets", admin, "text/csv", []byte("code,name,type,region_code,industry,risk\n"+row))
		b, _ := json.Marshal([]map[string]string{{"code": text, "name": text, "type": "企业", "region_code": "360799", "industry": text, "risk": "A"}})
		post(t, s, "/api/v1/inspection/targets", admin, "application/json", b)
	})
}
