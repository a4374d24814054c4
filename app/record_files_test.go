package app_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"strings"
	"testing"
)

// recordForm builds a multipart record with its files.
func recordForm(fields map[string]string, files map[string][]byte) (string, *bytes.Buffer) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	for name, b := range files {
		fw, _ := mw.CreateFormFile("files", name)
		_, _ = fw.Write(b)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), &body
}

// A record and its files are written together or not at all: a refused file refuses
// the record, and the immutable chain gains nothing — no empty 照片 record left behind.
func TestRecordAndFilesTogetherOrNotAtAll(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	conn := dbConn(t, s)
	count := func() (records, media, uploads int) {
		if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM records WHERE case_id = $1),
			(SELECT count(*) FROM media WHERE case_id = $1), (SELECT count(*) FROM uploads WHERE case_id = $1)`, id).Scan(&records, &media, &uploads); err != nil {
			t.Fatal(err)
		}
		return
	}
	r0, m0, _ := count()
	// A photo and a file that is not evidence: nothing is written.
	ct, body := recordForm(map[string]string{"kind": "photo", "note": "现场照片"},
		map[string][]byte{"现场1.jpg": jpegBytes(3000), "病毒.exe": []byte("MZ\x90\x00 this is not a photo at all")})
	r := s.send("POST", "/api/v1/cases/"+id+"/records", f.tok, ct, body)
	if r.Status != 422 || !strings.HasPrefix(r.ErrorField(), "files[") || !strings.Contains(r.ErrorMessage(), "病毒.exe") {
		t.Errorf("a record with a refused file = %d %s, want 422 naming the file", r.Status, r.Body)
	}
	if rs, ms, us := count(); rs != r0 || ms != m0 || us != 0 {
		t.Errorf("after the refusal: %d records (was %d), %d files (was %d), %d uploads left; want nothing written", rs, r0, ms, m0, us)
	}
	// Two photos: one record, two files, each with its attachment in the chain.
	ct, body = recordForm(map[string]string{"kind": "photo", "note": "现场照片"},
		map[string][]byte{"现场1.jpg": jpegBytes(3000), "现场2.jpg": jpegBytes(4000)})
	r = s.send("POST", "/api/v1/cases/"+id+"/records", f.tok, ct, body)
	if r.Status != 201 || len(r.JSON()["media"].([]any)) != 2 {
		t.Fatalf("a record with two photos = %d %s", r.Status, r.Body)
	}
	if rs, ms, _ := count(); rs != r0+3 || ms != m0+2 {
		t.Errorf("after two photos: %d records (want %d: the photo record and two attachments), %d files", rs, r0+3, ms)
	}
	// Uploaded first, recorded last: a staged file becomes evidence only with its record.
	staged := s.send("POST", "/api/v1/cases/"+id+"/files?filename=录音.mp4", f.tok, "video/mp4", bytes.NewReader(mp4Bytes(5000)))
	if staged.Status != 201 || staged.JSON()["ready"] != true {
		t.Fatalf("staging a file = %d %s", staged.Status, staged.Body)
	}
	up := staged.JSON()["upload_id"].(string)
	if _, ms, _ := count(); ms != m0+2 {
		t.Error("a staged file counted as evidence before its record")
	}
	bad := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "photo", "note": "x", "upload_ids": []string{up, "00000000-0000-4000-8000-000000000000"}})
	if bad.Status != 422 || bad.ErrorField() != "upload_ids" {
		t.Errorf("naming an upload that does not exist = %d %s", bad.Status, bad.Body)
	}
	if rs, _, _ := count(); rs != r0+3 {
		t.Error("a refused record with upload_ids was written")
	}
	ok := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "video", "note": "现场录像", "upload_ids": []string{up}})
	if ok.Status != 201 || len(ok.JSON()["media"].([]any)) != 1 {
		t.Fatalf("a record naming its finished upload = %d %s", ok.Status, ok.Body)
	}
	if again := s.call("POST", "/api/v1/cases/"+id+"/records", f.tok, map[string]any{"kind": "video", "note": "再记一次", "upload_ids": []string{up}}); again.Status != 422 {
		t.Errorf("a file recorded twice = %d, want 422", again.Status)
	}
	if v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON(); v["ok"] != true || v["media_checked"] != 3.0 {
		t.Errorf("verify = %v", v)
	}
}
