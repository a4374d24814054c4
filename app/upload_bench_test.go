package app_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"zhifa/app/testenv"
)

// BenchmarkUpload1GiB streams a 1 GiB video through a running `zhifa serve` and puts the
// same file straight into the same MinIO, side by side, and reports both throughputs,
// their ratio (target ≥ 0.70) and how much zhifa's resident memory grew (target < 64 MiB).
// ZHIFA_BENCH_UPLOAD_MIB changes the size.
func BenchmarkUpload1GiB(b *testing.B) {
	size := int64(1024) << 20
	if s := os.Getenv("ZHIFA_BENCH_UPLOAD_MIB"); s != "" {
		n, _ := strconv.Atoi(s)
		size = int64(n) << 20
	}
	dir := b.TempDir()
	file := filepath.Join(dir, "video.mp4")
	writeVideo(b, file, size)

	env := testenv.Env(b, seeded)
	env["ZHIFA_UPLOAD_LIMIT"] = strconv.FormatInt(size+1, 10)
	base, serve, stopServe := zhifaProcess(b, env)
	srv := serve()
	tok, recordID := benchRecord(b, &server{URL: base, env: env})
	// Logging in hashes passwords with argon2id (64 MiB each); a fresh process, with the
	// sessions kept in Redis, gives a baseline without that memory.
	stopServe(srv)
	srv = serve()
	b.Cleanup(func() { stopServe(srv) })

	mc, err := testenv.MinIO()
	if err != nil {
		b.Fatal(err)
	}
	direct := func() time.Duration {
		f, _ := os.Open(file)
		defer f.Close()
		start := time.Now()
		_, err := mc.PutObject(context.Background(), env["ZHIFA_MINIO_BUCKET"], "direct/"+strconv.FormatInt(time.Now().UnixNano(), 10),
			f, size, minio.PutObjectOptions{PartSize: 16 << 20, DisableContentSha256: true})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	through := func() time.Duration {
		f, _ := os.Open(file)
		defer f.Close()
		req, _ := http.NewRequest("POST", base+"/api/v1/records/"+recordID+"/media?filename=video.mp4", f)
		req.ContentLength = size
		req.Header.Set("Authorization", "Bearer "+tok)
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 201 {
			b.Fatalf("upload = %d %s", resp.StatusCode, body)
		}
		return time.Since(start)
	}
	// The kernel updates VmHWM lazily, so the peak is sampled.
	rssBefore := procStatus(b, srv.Process.Pid, "VmRSS")
	peak := make(chan int64)
	stop := make(chan struct{})
	go func() {
		max := rssBefore
		for {
			select {
			case <-stop:
				peak <- max
				return
			case <-time.After(10 * time.Millisecond):
				if raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/statm", srv.Process.Pid)); err == nil {
					if f := strings.Fields(string(raw)); len(f) > 1 {
						pages, _ := strconv.ParseInt(f[1], 10, 64)
						max = maxInt(max, pages*int64(os.Getpagesize()))
					}
				}
			}
		}
	}()
	var dz, dd time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dd += direct()
		dz += through()
	}
	b.StopTimer()
	close(stop)
	top := <-peak
	mib := float64(size) / (1 << 20) * float64(b.N)
	b.ReportMetric(mib/dd.Seconds(), "direct_MiB/s")
	b.ReportMetric(mib/dz.Seconds(), "zhifa_MiB/s")
	b.ReportMetric(dd.Seconds()/dz.Seconds(), "ratio")
	b.ReportMetric(float64(top-rssBefore)/(1<<20), "rss_growth_MiB")
	b.ReportMetric(float64(top)/(1<<20), "rss_peak_MiB")
	b.Logf("through zhifa %.0f MiB/s beside a direct PUT into MinIO %.0f MiB/s: ratio %.2f (target ≥ 0.70); zhifa's memory grew %.0f MiB (target < 64 MiB)",
		mib/dz.Seconds(), mib/dd.Seconds(), dd.Seconds()/dz.Seconds(), float64(top-rssBefore)/(1<<20))
}

// benchRecord files a case and a video record for the demo officer.
func benchRecord(b *testing.B, s *server) (tok, recordID string) {
	send := func(method, path, tok string, body any) map[string]any {
		var rd io.Reader
		if body != nil {
			raw, _ := json.Marshal(body)
			rd = strings.NewReader(string(raw))
		}
		req, _ := http.NewRequest(method, s.URL+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode >= 300 {
			b.Fatalf("%s = %d %v", path, resp.StatusCode, m)
		}
		return m
	}
	post := func(path, tok string, body any) map[string]any { return send("POST", path, tok, body) }
	get := func(path, tok string) map[string]any { return send("GET", path, tok, nil) }
	tok = post("/api/v1/auth/login", "", map[string]string{"username": "officer1", "password": "demo1234"})["token"].(string)
	tok2 := post("/api/v1/auth/login", "", map[string]string{"username": "officer2", "password": "demo1234"})["token"].(string)
	me, me2 := get("/api/v1/me", tok), get("/api/v1/me", tok2)
	c := post("/api/v1/cases", tok, map[string]any{"agency_id": me["agency_id"], "kind": "penalty", "cause": "无证经营",
		"legal_basis": "《无证无照经营查处办法》第十三条", "handler_ids": []any{me["officer_id"], me2["officer_id"]},
		"parties":     []map[string]any{{"type": "person", "name": "张三", "id_number": "11010519491231002X"}},
		"occurred_at": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	r := post("/api/v1/cases/"+c["id"].(string)+"/records", tok, map[string]any{"kind": "video", "note": "执法记录仪录像"})
	return tok, r["id"].(string)
}

// writeVideo writes an MP4 header followed by random bytes, which do not compress.
func writeVideo(b *testing.B, path string, size int64) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 1<<20)
	_, _ = w.Write(mp4Bytes(64))
	chunk := make([]byte, 1<<20)
	_, _ = rand.Read(chunk)
	for n := int64(64); n < size; n += int64(len(chunk)) {
		chunk[0]++ // not one repeated block
		_, _ = w.Write(chunk[:min(int64(len(chunk)), size-n)])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
}

// procStatus reads a memory figure (kB in /proc) of a process, in bytes.
func procStatus(b *testing.B, pid int, field string) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb << 10
		}
	}
	b.Fatalf("%s not in /proc/%d/status", field, pid)
	return 0
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// zhifaProcess builds zhifa, migrates the environment's database and returns how to start
// and stop `zhifa serve` as a process of its own, as a load generator meets it.
func zhifaProcess(b *testing.B, env map[string]string) (base string, serve func() *exec.Cmd, stop func(*exec.Cmd)) {
	bin := filepath.Join(b.TempDir(), "zhifa")
	if out, err := exec.Command("go", "build", "-o", bin, "zhifa").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	env["ZHIFA_LISTEN"], env["ZHIFA_LOG_LEVEL"] = addr, "warn"
	cmdEnv := os.Environ()
	for k, v := range env {
		cmdEnv = append(cmdEnv, k+"="+v)
	}
	mig := exec.Command(bin, "migrate") // also creates the bucket
	mig.Env = cmdEnv
	if out, err := mig.CombinedOutput(); err != nil {
		b.Fatalf("migrate: %v\n%s", err, out)
	}
	base = "http://" + addr
	serve = func() *exec.Cmd {
		srv := exec.Command(bin, "serve")
		srv.Env = cmdEnv
		srv.Stderr = io.Discard
		if err := srv.Start(); err != nil {
			b.Fatal(err)
		}
		for i := 0; ; i++ {
			if resp, err := http.Get(base + "/readyz"); err == nil && resp.StatusCode == 200 {
				resp.Body.Close()
				return srv
			}
			if i > 100 {
				b.Fatal("zhifa did not become ready")
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	stop = func(srv *exec.Cmd) { _ = srv.Process.Signal(os.Interrupt); _ = srv.Wait() }
	return base, serve, stop
}
