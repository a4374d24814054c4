package app_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"

	"zhifa/app"
	"zhifa/app/testenv"
)

// Small real files of allowed kinds, padded to a size.
func jpegBytes(n int) []byte {
	b := make([]byte, n)
	copy(b, "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
	for i := 20; i < n; i++ {
		b[i] = byte(i * 7)
	}
	return b
}

func mp4Bytes(n int) []byte {
	b := make([]byte, n)
	copy(b, "\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom")
	for i := 24; i < n; i++ {
		b[i] = byte(i * 13)
	}
	return b
}

func m4aBytes(n int) []byte {
	b := make([]byte, n)
	copy(b, "\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A mp42")
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// upload sends a file as the raw body of POST /records/{id}/media.
func (s *server) upload(tok, recordID, name string, body []byte, header ...string) response {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/records/"+recordID+"/media?filename="+name, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/octet-stream")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return s.do(req)
}

func (s *server) do(req *http.Request) response {
	s.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, b}
}

// addRecord adds a record to a case and returns its ID.
func (s *server) addRecord(tok, caseID, kind string) string {
	s.t.Helper()
	r := s.call("POST", "/api/v1/cases/"+caseID+"/records", tok, map[string]any{"kind": kind, "note": "现场录像"})
	if r.Status != 201 {
		s.t.Fatalf("add record = %d %s", r.Status, r.Body)
	}
	return r.JSON()["id"].(string)
}

// leftovers counts what an upload could leave behind: media and upload rows, object
// versions and unfinished multipart uploads in the test's bucket.
func (s *server) leftovers(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	var media, uploads int
	s.query(t, `SELECT (SELECT count(*) FROM media), (SELECT count(*) FROM uploads)`, &media, &uploads)
	mc, err := testenv.MinIO()
	if err != nil {
		t.Fatal(err)
	}
	objects := 0
	for o := range mc.ListObjects(ctx, s.env["ZHIFA_MINIO_BUCKET"], minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err == nil && !strings.HasPrefix(o.Key, "documents/") { // frozen documents' PDFs are not upload leftovers
			objects++
		}
	}
	parts := 0
	for u := range mc.ListIncompleteUploads(ctx, s.env["ZHIFA_MINIO_BUCKET"], "", true) {
		if u.Err == nil {
			parts++
		}
	}
	return fmt.Sprintf("media=%d uploads=%d objects=%d multipart=%d", media, uploads, objects, parts)
}

func TestMediaUploadDownloadRangeAndAccessLog(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	rec := s.addRecord(f.tok, id, "photo")
	photo := jpegBytes(50_000)
	r := s.upload(f.tok, rec, "现场.jpg", photo, "X-Content-SHA256", sum(photo))
	if r.Status != 201 {
		t.Fatalf("upload = %d %s", r.Status, r.Body)
	}
	m := r.JSON()
	if m["sha256"] != sum(photo) || m["content_type"] != "image/jpeg" || m["size"] != float64(len(photo)) || m["filename"] != "现场.jpg" {
		t.Fatalf("media = %v", m)
	}
	mid := m["id"].(string)
	if m["retained_until"] == nil {
		t.Error("the object was not locked")
	}

	// The same file through a multipart form, with the type declared wrongly.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	video := mp4Bytes(70_000)
	if err := mw.WriteField("note", "ignored"); err != nil {
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("file", "录像.mp4")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(video); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/records/"+rec+"/media", &form)
	req.Header.Set("Authorization", "Bearer "+f.tok)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if r := s.do(req); r.Status != 201 || r.JSON()["content_type"] != "video/mp4" || r.JSON()["sha256"] != sum(video) {
		t.Fatalf("multipart upload = %d %s", r.Status, r.Body)
	}

	// Each attachment is a record of the chain, and the case shows its files.
	cv := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()
	if n := len(cv["media"].([]any)); n != 2 {
		t.Errorf("case shows %d files", n)
	}
	recs := cv["records"].([]any)
	last := recs[len(recs)-1].(map[string]any)
	if last["kind"] != "attachment" || !strings.Contains(string(must(json.Marshal(last["data"]))), sum(video)) {
		t.Errorf("last record = %v", last)
	}
	if v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON(); v["ok"] != true || v["media_checked"] != float64(2) {
		t.Errorf("verify = %v", v)
	}

	get := func(rangeHeader string) response {
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/media/"+mid, nil)
		req.Header.Set("Authorization", "Bearer "+f.tok)
		req.Header.Set("User-Agent", "zhifa-test")
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		return s.do(req)
	}
	if r := get(""); r.Status != 200 || !bytes.Equal(r.Body, photo) || r.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("download = %d, %d bytes", r.Status, len(r.Body))
	}
	if r := get("bytes=100-199"); r.Status != 206 || !bytes.Equal(r.Body, photo[100:200]) || r.Header.Get("Content-Range") != "bytes 100-199/50000" {
		t.Errorf("range = %d %q %d bytes", r.Status, r.Header.Get("Content-Range"), len(r.Body))
	}
	if r := get("bytes=-10"); r.Status != 206 || !bytes.Equal(r.Body, photo[len(photo)-10:]) {
		t.Errorf("suffix range = %d", r.Status)
	}
	if r := get("bytes=60000-"); r.Status != 416 {
		t.Errorf("range past the end = %d", r.Status)
	}
	log := s.call("GET", "/api/v1/media/"+mid+"/access-log", s.login("supervisor1"), nil)
	if total(log) != 3 {
		t.Fatalf("access log = %s", log.Body)
	}
	entry := items(log)[0]
	if entry["username"] != "officer1" || entry["ip"] != "127.0.0.1" || entry["range"] != "49990-49999" || entry["user_agent"] != "zhifa-test" {
		t.Errorf("newest access = %v", entry)
	}
	b, _ := webLogin(t, s, "supervisor1")
	if r := s.get(b, "/media/"+mid+"/access-log"); r.Status != 200 || !strings.Contains(string(r.Body), "49990-49999") {
		t.Errorf("access log page = %d", r.Status)
	}
	// Without a login there is neither file nor log.
	if r := s.call("GET", "/api/v1/media/"+mid, "", nil); r.Status != 401 {
		t.Errorf("anonymous download = %d", r.Status)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMediaRefusalsLeaveNothing(t *testing.T) {
	s := start(t, func(env map[string]string) { env["ZHIFA_UPLOAD_LIMIT"] = "1048576" })
	f := fixture(s)
	id := s.newCase(f)
	rec := s.addRecord(f.tok, id, "photo")
	clean := "media=0 uploads=0 objects=0 multipart=0"

	r := s.upload(f.tok, rec, "a.txt", []byte("这是一段文字，不是照片"))
	if r.Status != 422 || r.ErrorField() != "file" || !strings.Contains(r.ErrorMessage(), "JPEG") {
		t.Errorf("text as evidence = %d %s", r.Status, r.Body)
	}
	if r := s.upload(f.tok, rec, "big.jpg", jpegBytes(2<<20)); r.Status != 413 {
		t.Errorf("over the limit = %d %s", r.Status, r.Body)
	}
	// Chunked, so the limit is found only while streaming.
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/records/"+rec+"/media", io.MultiReader(bytes.NewReader(jpegBytes(1<<20)), bytes.NewReader(make([]byte, 1<<20))))
	req.Header.Set("Authorization", "Bearer "+f.tok)
	if r := s.do(req); r.Status != 413 {
		t.Errorf("chunked over the limit = %d %s", r.Status, r.Body)
	}
	photo := jpegBytes(10_000)
	if r := s.upload(f.tok, rec, "x.png", photo, "Content-Type", "image/png"); r.Status != 422 || !strings.Contains(r.ErrorMessage(), "与声明的类型 image/png 不符") {
		t.Errorf("JPEG bytes declared as PNG = %d %s", r.Status, r.Body)
	}
	if r := s.upload(f.tok, rec, "x.jpg", photo, "X-Content-SHA256", sum([]byte("else"))); r.Status != 422 || r.ErrorField() != "sha256" {
		t.Errorf("wrong declared hash = %d %s", r.Status, r.Body)
	}
	if r := s.upload(s.login("supervisor1"), rec, "x.jpg", photo); r.Status != 403 {
		t.Errorf("supervisor uploading = %d", r.Status)
	}
	if got := s.leftovers(t); got != clean {
		t.Errorf("after the refusals: %s", got)
	}
	// The connection drops half way through the body: 300,000 of 900,000 bytes sent, and
	// the server streaming them (it writes the upload row once it has sniffed the file's
	// first bytes and before it hands the rest to MinIO) when the cut comes.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(conn, "POST /api/v1/records/%s/media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: 900000\r\n\r\n", rec, f.tok); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(jpegBytes(300_000)); err != nil {
		t.Fatal(err)
	}
	s.until(t, func() bool { return s.uploadRows(t) == 1 }, "the server never began storing the upload")
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return s.leftovers(t) == clean }, func() string { return "after a dropped upload: " + s.leftovers(t) })

	// PostgreSQL refusing the media row after the object was stored: the object goes.
	db := dbConn(t, s)
	ctx := context.Background()
	if _, err := db.Exec(ctx, `CREATE FUNCTION fail_media() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
		CREATE TRIGGER fail_media BEFORE INSERT ON media FOR EACH ROW EXECUTE FUNCTION fail_media()`); err != nil {
		t.Fatal(err)
	}
	if r := s.upload(f.tok, rec, "x.jpg", photo); r.Status != 500 {
		t.Errorf("database failing = %d %s", r.Status, r.Body)
	}
	if got := s.leftovers(t); got != clean {
		t.Errorf("after the database failed: %s", got)
	}
	if _, err := db.Exec(ctx, `DROP TRIGGER fail_media ON media`); err != nil {
		t.Fatal(err)
	}
	if r := s.upload(f.tok, rec, "x.jpg", photo); r.Status != 201 {
		t.Errorf("upload after all that = %d %s", r.Status, r.Body)
	}
}

// waitFor polls for what the server finishes after it has answered (cleaning up after a
// dropped connection), for up to 5 seconds.
func waitFor(t *testing.T, ok func() bool, say func() string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	if !ok() {
		t.Error(say())
	}
}

// until is waitFor for a signal the test cannot go on without.
func (s *server) until(t *testing.T, ok func() bool, what string) {
	t.Helper()
	waitFor(t, ok, func() string { return what })
	if t.Failed() {
		t.FailNow()
	}
}

// uploadRows counts uploads under way: each direct upload has its row from the moment
// the server has sniffed the file's first bytes until it is recorded or discarded.
func (s *server) uploadRows(t *testing.T) int {
	t.Helper()
	var n int
	s.query(t, `SELECT count(*) FROM uploads`, &n)
	return n
}

// query reads one row on a connection of its own, closed at once: the polls above run
// it many times.
func (s *server) query(t testing.TB, sql string, dest ...any) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.env["ZHIFA_DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, sql).Scan(dest...); err != nil {
		t.Fatal(err)
	}
}

// A file still arriving when its case closes is refused once it has arrived: the case
// is checked again, under its lock, as the file is recorded.
func TestUploadOutlastingItsCaseIsRefused(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.notifiedCase(f)
	rec := s.addRecord(f.tok, id, "photo")
	s.walkCase(f.tok, id, decideMove(fineFen(500_00)), moveTo("served"))
	body := jpegBytes(600_000)
	pr, pw := io.Pipe()
	req, err := http.NewRequest("POST", s.URL+"/api/v1/records/"+rec+"/media?filename=late.jpg", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(body))
	req.Header.Set("Authorization", "Bearer "+f.tok)
	req.Header.Set("Content-Type", "application/octet-stream")
	answer := make(chan response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answer <- response{Status: -1, Body: []byte(err.Error())}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			b = []byte(err.Error())
		}
		answer <- response{resp.StatusCode, resp.Header, b}
	}()
	if _, err := pw.Write(body[:300_000]); err != nil {
		t.Fatal(err)
	}
	s.until(t, func() bool { return s.uploadRows(t) == 1 }, "the server never began storing the upload")
	s.walkCase(f.tok, id, moveTo("closed"))
	if _, err := pw.Write(body[300_000:]); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
	if r := <-answer; r.Status != 409 || !strings.Contains(r.ErrorMessage(), "已结案") {
		t.Errorf("a file finishing after its case closed = %d %s, want 409 saying the case is closed", r.Status, r.Body)
	}
	if got := s.leftovers(t); got != "media=0 uploads=0 objects=0 multipart=0" {
		t.Errorf("after the refusal: %s", got)
	}
}

func TestMediaUploadWhileMinIODown(t *testing.T) {
	px := testenv.NewProxy(t, testenv.MinIOEndpoint())
	s := start(t, func(env map[string]string) { env["ZHIFA_MINIO_ENDPOINT"] = px.Addr() })
	f := fixture(s)
	id := s.newCase(f)
	rec := s.addRecord(f.tok, id, "photo")
	px.Cut()
	r := s.upload(f.tok, rec, "x.jpg", jpegBytes(20_000))
	if r.Status != 503 || r.ErrorCode() != "unavailable" {
		t.Errorf("upload with MinIO down = %d %s", r.Status, r.Body)
	}
	px.Restore()
	// The upload row it left is the sweeper's to finish; nothing is evidence meanwhile.
	conn := dbConn(t, s)
	if _, err := conn.Exec(context.Background(), `UPDATE uploads SET expires_at = now() - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := app.Run(context.Background(), []string{"sweep"}, testenv.Getenv(s.env), &out); err != nil {
		t.Fatal(err)
	}
	if got := s.leftovers(t); got != "media=0 uploads=0 objects=0 multipart=0" {
		t.Errorf("after the sweep: %s (%s)", got, out.String())
	}
}

// putPart sends one part to its presigned URL; cut stops after that many bytes, as a
// dropped connection would.
func putPart(t *testing.T, url string, body []byte, cut int) error {
	t.Helper()
	var rd io.Reader = bytes.NewReader(body)
	if cut > 0 {
		rd = io.MultiReader(bytes.NewReader(body[:cut]), errReader{})
	}
	req, _ := http.NewRequest("PUT", url, rd)
	req.ContentLength = int64(len(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("part: %d %s", resp.StatusCode, b)
	}
	return nil
}

type errReader struct{}

// decode reads a response of the wanted status into v.
func decodeStatus(t *testing.T, r response, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("answer = %d %s, want %d", r.Status, r.Body, status)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer %s: %v", r.Body, err)
	}
}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection dropped") }

func TestMultipartUploadResumesAfterInterruption(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	rec := s.addRecord(f.tok, id, "video")
	video := mp4Bytes(20 << 20)
	r := s.call("POST", "/api/v1/records/"+rec+"/uploads", f.tok, map[string]any{
		"filename": "执法记录仪.mp4", "content_type": "video/mp4", "size": len(video), "sha256": sum(video)})
	if r.Status != 201 {
		t.Fatalf("start = %d %s", r.Status, r.Body)
	}
	var up struct {
		ID       string `json:"upload_id"`
		PartSize int    `json:"part_size"`
		Parts    []struct {
			Number int    `json:"number"`
			URL    string `json:"url"`
		} `json:"parts"`
		Received []struct {
			Number int `json:"number"`
		} `json:"received"`
	}
	decodeStatus(t, r, 201, &up)
	if up.PartSize != 8<<20 || len(up.Parts) != 3 {
		t.Fatalf("upload = %s", r.Body)
	}
	part := func(n int) []byte { return video[(n-1)*up.PartSize : min(n*up.PartSize, len(video))] }
	for _, p := range up.Parts[:2] {
		if err := putPart(t, p.URL, part(p.Number), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := putPart(t, up.Parts[2].URL, part(3), 1<<20); err == nil {
		t.Fatal("the interrupted part went through")
	}
	if r := s.call("POST", "/api/v1/uploads/"+up.ID+"/complete", f.tok, nil); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "第 [3] 片") {
		t.Errorf("complete with a part missing = %d %s", r.Status, r.Body)
	}
	// The client asks what arrived and gets a URL for the missing part only.
	r = s.call("GET", "/api/v1/uploads/"+up.ID, f.tok, nil)
	decodeStatus(t, r, 200, &up)
	if len(up.Received) != 2 || len(up.Parts) != 1 || up.Parts[0].Number != 3 {
		t.Fatalf("status after the drop = %s", r.Body)
	}
	if err := putPart(t, up.Parts[0].URL, part(3), 0); err != nil {
		t.Fatal(err)
	}
	r = s.call("POST", "/api/v1/uploads/"+up.ID+"/complete", f.tok, nil)
	if r.Status != 201 || r.JSON()["sha256"] != sum(video) || r.JSON()["content_type"] != "video/mp4" {
		t.Fatalf("complete = %d %s", r.Status, r.Body)
	}
	if r := s.call("POST", "/api/v1/uploads/"+up.ID+"/complete", f.tok, nil); r.Status != 404 {
		t.Errorf("completing twice = %d", r.Status)
	}

	// A declared hash that the bytes do not match: nothing is kept.
	r = s.call("POST", "/api/v1/records/"+rec+"/uploads", f.tok, map[string]any{
		"filename": "b.mp4", "content_type": "video/mp4", "size": 1000, "sha256": sum([]byte("other"))})
	decodeStatus(t, r, 201, &up)
	if err := putPart(t, up.Parts[0].URL, mp4Bytes(1000), 0); err != nil {
		t.Fatal(err)
	}
	if r := s.call("POST", "/api/v1/uploads/"+up.ID+"/complete", f.tok, nil); r.Status != 422 || r.ErrorField() != "sha256" {
		t.Errorf("complete with the wrong hash = %d %s", r.Status, r.Body)
	}
	// Bytes that are not what was declared: nothing is kept.
	r = s.call("POST", "/api/v1/records/"+rec+"/uploads", f.tok, map[string]any{"content_type": "video/mp4", "size": 1000})
	decodeStatus(t, r, 201, &up)
	if err := putPart(t, up.Parts[0].URL, jpegBytes(1000), 0); err != nil {
		t.Fatal(err)
	}
	if r := s.call("POST", "/api/v1/uploads/"+up.ID+"/complete", f.tok, nil); r.Status != 422 || r.ErrorField() != "file" {
		t.Errorf("complete with a photo declared as video = %d %s", r.Status, r.Body)
	}
	// An abandoned upload is cancelled with its parts.
	r = s.call("POST", "/api/v1/records/"+rec+"/uploads", f.tok, map[string]any{"content_type": "image/jpeg", "size": 9 << 20})
	decodeStatus(t, r, 201, &up)
	if err := putPart(t, up.Parts[0].URL, jpegBytes(8<<20), 0); err != nil {
		t.Fatal(err)
	}
	if r := s.call("DELETE", "/api/v1/uploads/"+up.ID, f.tok, nil); r.Status != 204 {
		t.Errorf("abort = %d %s", r.Status, r.Body)
	}
	if got := s.leftovers(t); got != "media=1 uploads=0 objects=1 multipart=0" {
		t.Errorf("left: %s", got)
	}
	if r := s.call("POST", "/api/v1/records/"+rec+"/uploads", f.tok, map[string]any{"content_type": "text/plain", "size": 10}); r.Status != 422 || r.ErrorField() != "content_type" {
		t.Errorf("declared text = %d %s", r.Status, r.Body)
	}
}

func TestAudioVideoRuleHoldsSeizure(t *testing.T) {
	s := start(t)
	f := fixture(s)
	in := f.input()
	in["measures"] = []string{"seizure"}
	r := s.call("POST", "/api/v1/cases", f.tok, in)
	if r.Status != 201 {
		t.Fatalf("create = %d %s", r.Status, r.Body)
	}
	id := r.JSON()["id"].(string)
	if r := s.move(f.tok, id, map[string]any{"to": "investigating"}); r.Status != 200 {
		t.Fatalf("to investigating = %d %s", r.Status, r.Body)
	}
	r = s.move(f.tok, id, map[string]any{"to": "notified"})
	if r.Status != 409 || !strings.Contains(r.ErrorMessage(), "查封、扣押") || !strings.Contains(r.ErrorMessage(), "音像记录") {
		t.Fatalf("moving on without a recording = %d %s", r.Status, r.Body)
	}
	// A photo is not enough; a sound recording is.
	rec := s.addRecord(f.tok, id, "onsite")
	if r := s.upload(f.tok, rec, "p.jpg", jpegBytes(5000)); r.Status != 201 {
		t.Fatal(r.Status)
	}
	if r := s.move(f.tok, id, map[string]any{"to": "notified"}); r.Status != 409 {
		t.Errorf("with a photo only = %d", r.Status)
	}
	if r := s.upload(f.tok, rec, "a.m4a", m4aBytes(5000)); r.Status != 201 || r.JSON()["content_type"] != "audio/mp4" {
		t.Fatalf("audio = %d %s", r.Status, r.Body)
	}
	if r := s.move(f.tok, id, map[string]any{"to": "notified"}); r.Status != 200 {
		t.Errorf("with a recording = %d %s", r.Status, r.Body)
	}

	// Sampling needs a recording only where the agency says so.
	admin := s.login("admin")
	sampling := func() string {
		in := f.input()
		in["measures"] = []string{"sampling"}
		id := s.call("POST", "/api/v1/cases", f.tok, in).JSON()["id"].(string)
		s.move(f.tok, id, map[string]any{"to": "investigating"})
		return id
	}
	if r := s.move(f.tok, sampling(), map[string]any{"to": "notified"}); r.Status != 200 {
		t.Errorf("sampling without the agency's rule = %d %s", r.Status, r.Body)
	}
	if r := s.call("PUT", "/api/v1/agencies/"+f.agency+"/av-measures", f.tok, map[string]any{"measures": []string{"sampling"}}); r.Status != 403 {
		t.Errorf("officer setting the list = %d", r.Status)
	}
	if r := s.call("PUT", "/api/v1/agencies/"+f.agency+"/av-measures", admin, map[string]any{"measures": []string{"sampling"}}); r.Status != 200 {
		t.Fatalf("set list = %d %s", r.Status, r.Body)
	}
	held := sampling()
	if r := s.move(f.tok, held, map[string]any{"to": "notified"}); r.Status != 409 || !strings.Contains(r.ErrorMessage(), "抽样取证") {
		t.Errorf("sampling under the agency's rule = %d %s", r.Status, r.Body)
	}
	// Withdrawal is never held up.
	if r := s.move(f.tok, held, map[string]any{"to": "withdrawn", "reason": "当事人已注销"}); r.Status != 200 {
		t.Errorf("withdraw = %d %s", r.Status, r.Body)
	}
	// A measure decided during the case is added with its record.
	id2 := s.newCase(f)
	s.move(f.tok, id2, map[string]any{"to": "investigating"})
	if r := s.call("POST", "/api/v1/cases/"+id2+"/measures", f.tok, map[string]any{"measure": "seizure", "reason": "涉嫌假冒"}); r.Status != 201 {
		t.Fatalf("add measure = %d %s", r.Status, r.Body)
	}
	if r := s.move(f.tok, id2, map[string]any{"to": "notified"}); r.Status != 409 {
		t.Errorf("after adding seizure = %d", r.Status)
	}
	if r := s.call("POST", "/api/v1/cases/"+id2+"/measures", f.tok, map[string]any{"measure": "arrest"}); r.Status != 422 || r.ErrorField() != "measure" {
		t.Errorf("unknown measure = %d %s", r.Status, r.Body)
	}
}

func TestVerifyCatchesMediaTampering(t *testing.T) {
	s := start(t)
	f := fixture(s)
	ctx := context.Background()
	mc, err := testenv.MinIO()
	if err != nil {
		t.Fatal(err)
	}
	bucket := s.env["ZHIFA_MINIO_BUCKET"]
	conn := dbConn(t, s)
	attach := func() (caseID, mediaID, key string) {
		caseID = s.newCase(f)
		rec := s.addRecord(f.tok, caseID, "photo")
		r := s.upload(f.tok, rec, "p.jpg", jpegBytes(30_000))
		if r.Status != 201 {
			t.Fatalf("upload = %d %s", r.Status, r.Body)
		}
		mediaID = r.JSON()["id"].(string)
		if err := conn.QueryRow(ctx, `SELECT object_key FROM media WHERE id = $1`, mediaID).Scan(&key); err != nil {
			t.Fatal(err)
		}
		return
	}
	codes := func(id string) string {
		v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON()
		var out []string
		for _, p := range v["problems"].([]any) {
			out = append(out, p.(map[string]any)["code"].(string))
		}
		return strings.Join(out, ",")
	}
	// Overwritten directly in MinIO.
	c1, _, key := attach()
	if _, err := mc.PutObject(ctx, bucket, key, bytes.NewReader(jpegBytes(30_000)[:29_000]), 29_000, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := codes(c1); got != "media_replaced" {
		t.Errorf("overwritten object: %q", got)
	}
	// The media row's hash edited in PostgreSQL.
	c2, m2, _ := attach()
	if _, err := conn.Exec(ctx, `UPDATE media SET sha256 = repeat('0', 64) WHERE id = $1`, m2); err != nil {
		t.Fatal(err)
	}
	if got := codes(c2); got != "media_row_altered" {
		t.Errorf("edited row: %q", got)
	}
	// The recorded version removed behind zhifa's back (an administrator lifting the lock).
	c3, _, key3 := attach()
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: key3, WithVersions: true}) {
		if err := mc.RemoveObject(ctx, bucket, key3, minio.RemoveObjectOptions{VersionID: o.VersionID, GovernanceBypass: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got := codes(c3); got != "media_replaced,media_missing" {
		t.Errorf("removed object: %q", got)
	}
	// Without the lock lifted, removing it fails: retention holds.
	_, _, key4 := attach()
	var version string
	if err := conn.QueryRow(ctx, `SELECT version_id FROM media WHERE object_key = $1`, key4).Scan(&version); err != nil {
		t.Fatal(err)
	}
	if err := mc.RemoveObject(ctx, bucket, key4, minio.RemoveObjectOptions{VersionID: version}); err == nil {
		t.Error("a locked evidence version was deleted")
	}
	var out bytes.Buffer
	if err := app.Run(ctx, []string{"verify"}, testenv.Getenv(s.env), &out); err == nil || !strings.Contains(out.String(), "3 个案件有问题") {
		t.Errorf("zhifa verify: %v\n%s", err, out.String())
	}
}

func TestCaseArchive(t *testing.T) {
	s := start(t)
	f := fixture(s)
	id := s.newCase(f)
	rec := s.addRecord(f.tok, id, "photo")
	photo, video := jpegBytes(40_000), mp4Bytes(90_000)
	// In this order: the archive lists files as they were recorded.
	for _, u := range []struct {
		name string
		body []byte
	}{{"现场.jpg", photo}, {"录像.mp4", video}} {
		if r := s.upload(f.tok, rec, u.name, u.body); r.Status != 201 {
			t.Fatalf("upload %s = %d %s", u.name, r.Status, r.Body)
		}
	}
	r := s.call("GET", "/api/v1/cases/"+id+"/archive", f.tok, nil)
	if r.Status != 200 || r.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("archive = %d %s", r.Status, r.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(r.Body), int64(len(r.Body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		if files[zf.Name], err = io.ReadAll(rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
	}
	var man struct {
		HeadHash string `json:"head_hash"`
		Files    []struct {
			Path, SHA256 string
		} `json:"files"`
		Media []struct {
			Path, SHA256 string
		} `json:"media"`
	}
	if err := json.Unmarshal(files["manifest.json"], &man); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	// Every file of the archive but the manifest itself is listed with its hash.
	if len(man.Files) != len(files)-1 {
		t.Errorf("manifest lists %d files of the %d beside it", len(man.Files), len(files)-1)
	}
	for _, mf := range man.Files {
		if sum(files[mf.Path]) != mf.SHA256 {
			t.Errorf("%s: hash in manifest does not match", mf.Path)
		}
	}
	if len(man.Media) != 2 || !bytes.Equal(files[man.Media[0].Path], photo) || !bytes.Equal(files[man.Media[1].Path], video) {
		t.Errorf("media in archive: %+v", man.Media)
	}
	if !strings.Contains(string(files["案件摘要.html"]), "销售过期食品") || !strings.Contains(string(files["records.json"]), man.HeadHash) {
		t.Error("summary or records missing")
	}
	mid := s.call("GET", "/api/v1/cases/"+id, f.tok, nil).JSON()["media"].([]any)[0].(map[string]any)["id"].(string)
	if l := items(s.call("GET", "/api/v1/media/"+mid+"/access-log", f.tok, nil)); len(l) != 1 || l[0]["action"] != "archive" {
		t.Errorf("access log after export: %v", l)
	}
}

func TestSeedMediaVerifies(t *testing.T) {
	s := start(t)
	ctx := context.Background()
	var out bytes.Buffer
	if err := app.Run(ctx, []string{"seed"}, testenv.Getenv(s.env), &out); err != nil {
		t.Fatalf("seed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "demo files attached") || !strings.Contains(out.String(), "documents: 2 parties refused to sign") {
		t.Errorf("seed said: %s", out.String())
	}
	out.Reset()
	if err := app.Run(ctx, []string{"verify"}, testenv.Getenv(s.env), &out); err != nil {
		t.Errorf("verify after seeding media: %v\n%s", err, out.String())
	}
}
