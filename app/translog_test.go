package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/mod/sumdb/tlog"

	"zhifa/app"
	"zhifa/app/testenv"
	"zhifa/evidence"
)

type checkpointJSON struct {
	Size       int64  `json:"size"`
	RootHash   string `json:"root_hash"`
	Checkpoint string `json:"checkpoint"`
}

func rootOf(t *testing.T, cp checkpointJSON) tlog.Hash {
	t.Helper()
	var h tlog.Hash
	b, err := hex.DecodeString(cp.RootHash)
	if err != nil || len(b) != 32 {
		t.Fatalf("root %q", cp.RootHash)
	}
	copy(h[:], b)
	return h
}

func leafHex(caseID string, seq int, head string) string {
	h := evidence.LeafHash(evidence.LeafData(uuid.MustParse(caseID), seq, head))
	return hex.EncodeToString(h[:])
}

// Every chain head enters the log; checkpoints are signed with the published key; every
// head proves into a checkpoint and any two checkpoints prove consistent, checked with
// the verifiers of LOG.md §4 rather than the library that built the tree.
func TestTransparencyLog(t *testing.T) {
	s := start(t)
	f := fixture(s)
	sup, officer := s.login("supervisor1"), s.login("officer1")
	key := s.public("/public/api/log/key").JSON()["key"].(string)
	if !strings.HasPrefix(key, "localhost:") || !strings.Contains(key, "/zhifa-log+") {
		t.Errorf("log key %q", key)
	}
	if r := s.call("POST", "/api/v1/log/checkpoints", officer, nil); r.Status != 403 {
		t.Errorf("an officer signed a checkpoint: %d", r.Status)
	}
	sign := func() checkpointJSON {
		t.Helper()
		r := s.call("POST", "/api/v1/log/checkpoints", sup, nil)
		if r.Status != 201 {
			t.Fatalf("checkpoint = %d %s", r.Status, r.Body)
		}
		var cp checkpointJSON
		_ = json.Unmarshal(r.Body, &cp)
		size, root, _, err := evidence.OpenCheckpoint([]byte(cp.Checkpoint), key)
		if err != nil || size != cp.Size || root != rootOf(t, cp) {
			t.Fatalf("checkpoint does not open with the published key: %v\n%s", err, cp.Checkpoint)
		}
		return cp
	}
	first := sign()
	if first.Size < 1000 {
		t.Errorf("the demo's %d heads are not in the log", first.Size)
	}
	if again := sign(); again.Size != first.Size || again.RootHash != first.RootHash {
		t.Errorf("nothing moved, yet the checkpoint went from %d to %d", first.Size, again.Size)
	}
	id := s.newCase(f)
	s.addRecord(f.tok, id, "text")
	second := sign()
	s.addRecord(f.tok, id, "onsite")
	third := sign()
	if second.Size <= first.Size || third.Size != second.Size+1 {
		t.Errorf("sizes %d, %d, %d", first.Size, second.Size, third.Size)
	}
	// Every head of the new case, in the newest checkpoint.
	recs := items(s.call("GET", "/api/v1/cases/"+id+"/records", f.tok, nil))
	for _, r := range recs {
		seq := int(r["seq"].(float64))
		lh := leafHex(id, seq, r["hash"].(string))
		res := s.public(fmt.Sprintf("/public/api/log/inclusion?leaf_hash=%s&tree_size=%d", lh, third.Size))
		var in evidence.Inclusion
		if res.Status != 200 || json.Unmarshal(res.Body, &in) != nil {
			t.Fatalf("inclusion of record %d = %d %s", seq, res.Status, res.Body)
		}
		if in.CaseID != "" {
			t.Error("the public proof names the case")
		}
		if err := evidence.CheckInclusion(in, rootOf(t, third)); err != nil {
			t.Errorf("record %d: %v", seq, err)
		}
		if seq == len(recs) {
			// The last head was not there at the second checkpoint.
			if r := s.public(fmt.Sprintf("/public/api/log/inclusion?leaf_hash=%s&tree_size=%d", lh, second.Size)); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "之后才加入") {
				t.Errorf("inclusion before the leaf existed = %d %s", r.Status, r.Body)
			}
		}
	}
	// The case's own anchor, as the archive carries it.
	an := s.call("GET", "/api/v1/cases/"+id+"/log", f.tok, nil).JSON()
	if inc := an["inclusion"].(map[string]any); inc["case_id"] != id || int(inc["seq"].(float64)) != len(recs) {
		t.Errorf("case anchor: %v", inc)
	}
	// Any two checkpoints are consistent.
	var list struct {
		Items []checkpointJSON `json:"items"`
	}
	_ = json.Unmarshal(s.public("/public/api/log/checkpoints?limit=50").Body, &list)
	if len(list.Items) < 3 || list.Items[0].Size != third.Size {
		t.Fatalf("checkpoints listed: %+v", list.Items)
	}
	for _, a := range list.Items {
		for _, b := range list.Items {
			if a.Size > b.Size {
				continue
			}
			var c evidence.Consistency
			r := s.public(fmt.Sprintf("/public/api/log/consistency?from=%d&to=%d", a.Size, b.Size))
			if r.Status != 200 || json.Unmarshal(r.Body, &c) != nil {
				t.Fatalf("consistency %d→%d = %d %s", a.Size, b.Size, r.Status, r.Body)
			}
			if err := evidence.CheckConsistency(c, rootOf(t, a), rootOf(t, b)); err != nil {
				t.Errorf("consistency %d→%d: %v", a.Size, b.Size, err)
			}
		}
	}
	if r := s.public(fmt.Sprintf("/public/api/log/consistency?from=1&to=%d", third.Size+5)); r.Status != 422 || r.ErrorField() != "to" {
		t.Errorf("consistency beyond the tree = %d %s", r.Status, r.Body)
	}
	if r := s.public("/public/api/log/inclusion?leaf_hash=xyz"); r.Status != 422 || r.ErrorField() != "leaf_hash" {
		t.Errorf("a malformed leaf hash = %d %s", r.Status, r.Body)
	}
	// The newest checkpoint as text, the page, and the specifications.
	if r := s.public("/public/api/log/checkpoint"); string(r.Body) != third.Checkpoint {
		t.Errorf("newest checkpoint text:\n%s", r.Body)
	}
	page := html.UnescapeString(string(s.public("/public/log").Body))
	if !strings.Contains(page, key) || !strings.Contains(page, fmt.Sprint(third.Size)) || !strings.Contains(page, "执法记录公开日志") {
		t.Errorf("the log page does not show the key and the newest checkpoint")
	}
	for path, want := range map[string]string{"/public/log.md": "zhifa-log-1", "/public/records.md": "zhifa-record-2"} {
		if r := s.public(path); r.Status != 200 || !strings.Contains(string(r.Body), want) {
			t.Errorf("%s = %d", path, r.Status)
		}
	}
}

// zipFiles reads every file of an archive.
func zipFiles(t *testing.T, body []byte) (map[string][]byte, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files, order := map[string][]byte{}, []string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[zf.Name], _ = io.ReadAll(rc)
		rc.Close()
		order = append(order, zf.Name)
	}
	return files, order
}

func writeZip(t *testing.T, files map[string][]byte, order []string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range order {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(files[name])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func verifyZip(t *testing.T, body []byte, key string) *app.ArchiveCheck {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := app.VerifyArchive(zr, key)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// An archive carries its head's proof into a signed checkpoint. verify-archive accepts it
// as exported; a record changed and the whole chain and manifest recomputed after it, as
// someone who knows RECORDS.md would, passes every check but the log's.
func TestArchiveAnchoredInLog(t *testing.T) {
	s := start(t)
	f := fixture(s)
	key := s.public("/public/api/log/key").JSON()["key"].(string)
	id := s.newCase(f)
	rec := s.addRecord(f.tok, id, "photo")
	photo := jpegBytes(30_000)
	if r := s.upload(f.tok, rec, "现场.jpg", photo); r.Status != 201 {
		t.Fatalf("upload = %d %s", r.Status, r.Body)
	}
	s.addRecord(f.tok, id, "text")
	r := s.call("GET", "/api/v1/cases/"+id+"/archive", f.tok, nil)
	if r.Status != 200 {
		t.Fatalf("archive = %d", r.Status)
	}
	files, order := zipFiles(t, r.Body)
	for _, name := range []string{"RECORDS.md", "LOG.md", "log/checkpoint.txt", "log/inclusion.json", "log/key.txt"} {
		if len(files[name]) == 0 {
			t.Errorf("the archive has no %s", name)
		}
	}
	if !strings.Contains(string(files["README.txt"]), key) || strings.TrimSpace(string(files["log/key.txt"])) != key {
		t.Error("the archive does not carry the log's public key")
	}
	genuine := verifyZip(t, r.Body, key)
	if !genuine.OK() || len(genuine.Passed) != 4 {
		t.Fatalf("genuine archive: passed %v, problems %v", genuine.Passed, genuine.Problems)
	}
	// The command, on a file, with the key given.
	dir := t.TempDir()
	path := filepath.Join(dir, "case.zip")
	_ = os.WriteFile(path, r.Body, 0o644)
	var out bytes.Buffer
	if err := app.Run(context.Background(), []string{"verify-archive", "--key", key, path}, testenv.Getenv(s.env), &out); err != nil {
		t.Fatalf("zhifa verify-archive: %v\n%s", err, out.String())
	}

	// A forger who knows the canon rewrites record 2 and everything after it.
	var recs []evidence.Record
	if err := json.Unmarshal(files["records.json"], &recs); err != nil {
		t.Fatal(err)
	}
	recs[1].Note = "现场照片（已改写）"
	for i := 1; i < len(recs); i++ {
		recs[i].PrevHash, recs[i].PrevSM3 = recs[i-1].Hash, recs[i-1].SM3
		var err error
		if recs[i].Hash, recs[i].SM3, err = recs[i].Digests(); err != nil {
			t.Fatal(err)
		}
	}
	files["records.json"], _ = json.MarshalIndent(recs, "", "  ")
	var man map[string]any
	_ = json.Unmarshal(files["manifest.json"], &man)
	man["head_hash"], man["head_sm3"] = recs[len(recs)-1].Hash, recs[len(recs)-1].SM3
	links := []any{}
	for _, rc := range recs {
		links = append(links, map[string]any{"seq": rc.Seq, "kind": rc.Kind, "hash": rc.Hash, "prev_hash": rc.PrevHash})
	}
	man["records"] = links
	for _, mf := range man["files"].([]any) {
		m := mf.(map[string]any)
		if m["path"] == "records.json" {
			h := sha256.Sum256(files["records.json"])
			m["sha256"], m["size"] = hex.EncodeToString(h[:]), len(files["records.json"])
		}
	}
	files["manifest.json"], _ = json.MarshalIndent(man, "", "  ")
	forged := writeZip(t, files, order)
	res := verifyZip(t, forged, key)
	if res.OK() || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "不在签名检查点") || len(res.Passed) != 3 {
		t.Errorf("consistently rewritten archive: passed %v, problems %v", res.Passed, res.Problems)
	}
	_ = os.WriteFile(path, forged, 0o644)
	out.Reset()
	if err := app.Run(context.Background(), []string{"verify-archive", "--key", key, path}, testenv.Getenv(s.env), &out); err == nil || !strings.Contains(out.String(), "不符") {
		t.Errorf("zhifa verify-archive accepted the rewritten archive:\n%s", out.String())
	}
	// Re-signing with a key of the forger's own is caught by the key the checker trusts.
	other := "localhost:8080/zhifa-log+00000000+AXm1Vi6P5lT5QHixEuipi6eQH4U65pW+1+DjkQutBJZk"
	if res := verifyZip(t, r.Body, other); res.OK() {
		t.Error("an archive verified under a key that did not sign it")
	}
	// Without a trusted key the archive's own key is used, and that alone is a problem.
	if res := verifyZip(t, r.Body, ""); res.OK() || len(res.Problems) != 1 || !strings.Contains(res.Problems[0], "未指定可信的日志公钥") {
		t.Errorf("archive without a trusted key: %v", res.Problems)
	}
	// An archive emptied of its records proves nothing.
	files4, order4 := zipFiles(t, r.Body)
	files4["records.json"] = []byte("[]")
	var man4 map[string]any
	_ = json.Unmarshal(files4["manifest.json"], &man4)
	man4["head_seq"], man4["head_hash"], man4["files"] = 0, "", []any{}
	files4["manifest.json"], _ = json.Marshal(man4)
	if res := verifyZip(t, writeZip(t, files4, order4), key); res.OK() {
		t.Error("an archive without records verified")
	}
	// A change without recomputing is found in the chain itself.
	files2, order2 := zipFiles(t, r.Body)
	files2["records.json"] = bytes.Replace(files2["records.json"], []byte("现场录像"), []byte("现场录音"), 1)
	if res := verifyZip(t, writeZip(t, files2, order2), key); res.OK() || len(res.Problems) < 2 {
		t.Errorf("edited records.json: %v", res.Problems)
	}
	// A photo swapped for other bytes of the same length.
	files3, order3 := zipFiles(t, r.Body)
	for name := range files3 {
		if strings.HasPrefix(name, "media/") {
			files3[name] = jpegBytes(30_001)[1:]
		}
	}
	if res := verifyZip(t, writeZip(t, files3, order3), key); res.OK() {
		t.Error("a swapped photo verified")
	}
}
