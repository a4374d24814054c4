package testenv

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"zhifa/app/localdev"
)

// MinIODrives is a MinIO server a test started on loopback with several drives in one
// erasure set, as `minio server /d{1...4}` runs it.
type MinIODrives struct {
	Endpoint  string
	AccessKey string
	SecretKey string
	Drives    []string
	cmd       *exec.Cmd
}

// StartMinIODrives starts MinIO with n drives (4: two of them parity) under the test's
// temporary directory, with the binary `make demo` builds, and stops it when the test ends.
func StartMinIODrives(tb testing.TB, n int) *MinIODrives {
	tb.Helper()
	bin := filepath.Join(localdev.CacheDir(os.Getenv), "bin", "minio")
	if _, err := os.Stat(bin); err != nil {
		if p, lerr := exec.LookPath("minio"); lerr == nil {
			bin = p
		} else {
			tb.Fatalf("no MinIO binary at %s (deploy/services.sh builds it): %v", bin, err)
		}
	}
	dir := tb.TempDir()
	m := &MinIODrives{AccessKey: "zt" + Suffix(), SecretKey: Suffix() + Suffix()}
	for i := range n {
		d := filepath.Join(dir, "d"+strconv.Itoa(i+1))
		if err := os.MkdirAll(d, 0o700); err != nil {
			tb.Fatal(err)
		}
		m.Drives = append(m.Drives, d)
	}
	port, console := freePort(tb), freePort(tb)
	m.Endpoint = "127.0.0.1:" + strconv.Itoa(port)
	m.cmd = exec.Command(bin, append([]string{"server", "--quiet", "--address", m.Endpoint, "--console-address", "127.0.0.1:" + strconv.Itoa(console)},
		m.Drives...)...)
	// MINIO_CI_CD lets MinIO use drives that are directories on the root disk, as a test's
	// are; without it MinIO reports each as "drive not found" and never starts.
	m.cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+m.AccessKey, "MINIO_ROOT_PASSWORD="+m.SecretKey, "MINIO_BROWSER=off", "MINIO_CI_CD=1")
	log, err := os.Create(filepath.Join(dir, "minio.log"))
	if err != nil {
		tb.Fatal(err)
	}
	m.cmd.Stdout, m.cmd.Stderr = log, log
	if err := m.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = m.cmd.Process.Kill()
		_ = m.cmd.Wait()
		log.Close()
	})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, err := http.Get("http://" + m.Endpoint + "/minio/health/cluster"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return m
			}
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(dir, "minio.log"))
			tb.Fatalf("MinIO with %d drives did not come up:\n%s", n, out)
		}
	}
}

// Client is a root client of this server.
func (m *MinIODrives) Client(tb testing.TB) *minio.Client {
	tb.Helper()
	c, err := minio.New(m.Endpoint, &minio.Options{Creds: credentials.NewStaticV4(m.AccessKey, m.SecretKey, "")})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// LoseDrive takes drive i (from 0) away while MinIO runs, as a failed disk would: its
// directory is moved out of MinIO's reach.
func (m *MinIODrives) LoseDrive(tb testing.TB, i int) {
	tb.Helper()
	if err := os.Rename(m.Drives[i], m.Drives[i]+".lost"); err != nil {
		tb.Fatal(err)
	}
}
