package app_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"zhifa/app/testenv"
)

// Evidence on MinIO with four drives in one erasure set (two of them parity), under
// COMPLIANCE retention: not even MinIO's root key deletes a version or shortens its
// retention; with one drive lost, files are read and written as before; with two lost,
// an upload answers a clear 503 and leaves nothing, while files are still read and the
// case still verifies.
func TestEvidenceOnFourDrives(t *testing.T) {
	m := testenv.StartMinIODrives(t, 4)
	s := start(t, func(env map[string]string) {
		env["ZHIFA_MINIO_ENDPOINT"], env["ZHIFA_MINIO_ACCESS_KEY"], env["ZHIFA_MINIO_SECRET_KEY"] = m.Endpoint, m.AccessKey, m.SecretKey
		env["ZHIFA_RETENTION_MODE"] = "compliance"
	})
	f := fixture(s)
	id := s.newCase(f)
	rec := s.addRecord(f.tok, id, "photo")
	photo := jpegBytes(300_000)
	r := s.upload(f.tok, rec, "现场.jpg", photo)
	if r.Status != 201 || r.JSON()["retained_until"] == nil {
		t.Fatalf("upload = %d %s", r.Status, r.Body)
	}
	mid := r.JSON()["id"].(string)

	ctx := context.Background()
	mc := m.Client(t)
	bucket := s.env["ZHIFA_MINIO_BUCKET"]
	versions := 0
	for o := range mc.ListObjects(ctx, bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if o.Err != nil || strings.HasPrefix(o.Key, "documents/") {
			continue
		}
		versions++
		if err := mc.RemoveObject(ctx, bucket, o.Key, minio.RemoveObjectOptions{VersionID: o.VersionID, GovernanceBypass: true}); err == nil {
			t.Errorf("the root key deleted evidence %s under COMPLIANCE retention", o.Key)
		}
		mode, sooner := minio.Compliance, time.Now().Add(time.Hour)
		if err := mc.PutObjectRetention(ctx, bucket, o.Key, minio.PutObjectRetentionOptions{VersionID: o.VersionID, Mode: &mode,
			RetainUntilDate: &sooner, GovernanceBypass: true}); err == nil {
			t.Errorf("the root key shortened the retention of %s", o.Key)
		}
	}
	if versions != 1 {
		t.Fatalf("%d evidence versions in the bucket, want 1", versions)
	}
	download := func(why string) {
		t.Helper()
		req, _ := http.NewRequest("GET", s.URL+"/api/v1/media/"+mid, nil)
		req.Header.Set("Authorization", "Bearer "+f.tok)
		if r := s.do(req); r.Status != 200 || !bytes.Equal(r.Body, photo) {
			t.Errorf("download %s = %d, %d bytes", why, r.Status, len(r.Body))
		}
		if v := s.call("GET", "/api/v1/cases/"+id+"/verify", f.tok, nil).JSON(); v["ok"] != true {
			t.Errorf("verify %s = %v", why, v)
		}
	}
	download("with four drives")

	m.LoseDrive(t, 3)
	download("with a drive lost")
	rec2 := s.addRecord(f.tok, id, "photo")
	if r := s.upload(f.tok, rec2, "第二张.jpg", jpegBytes(200_000)); r.Status != 201 {
		t.Fatalf("upload with a drive lost = %d %s", r.Status, r.Body)
	}

	m.LoseDrive(t, 2)
	var media, records int
	s.query(t, `SELECT (SELECT count(*) FROM media), (SELECT count(*) FROM records WHERE case_id = '`+id+`')`, &media, &records)
	rec3 := s.addRecord(f.tok, id, "photo")
	records++
	r = s.upload(f.tok, rec3, "第三张.jpg", jpegBytes(200_000))
	if r.Status != 503 || !strings.Contains(string(r.Body), "证据存储暂不可用") {
		t.Errorf("upload with two drives lost = %d %s, want 503 saying storage is unavailable", r.Status, r.Body)
	}
	var media2, records2 int
	s.query(t, `SELECT (SELECT count(*) FROM media), (SELECT count(*) FROM records WHERE case_id = '`+id+`')`, &media2, &records2)
	if media2 != media || records2 != records {
		t.Errorf("the refused upload left %d media and %d records", media2-media, records2-records)
	}
	download("with two drives lost")
}
