// Package localdev knows where the deploy script keeps what it starts on a developer's
// machine, so that the server's defaults and the tests find the same MinIO keys.
package localdev

import (
	"os"
	"path/filepath"
	"strings"
)

// CacheDir is where deploy/services.sh keeps MinIO's binary, data and generated keys.
func CacheDir(getenv func(string) string) string {
	if d := getenv("ZHIFA_CACHE_DIR"); d != "" {
		return d
	}
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "zhifa")
	}
	if h := getenv("HOME"); h != "" {
		return filepath.Join(h, ".cache", "zhifa")
	}
	return filepath.Join(os.TempDir(), "zhifa")
}

// MinIOSecretFile is the file holding the generated MinIO secret key.
func MinIOSecretFile(getenv func(string) string) string {
	return filepath.Join(CacheDir(getenv), "minio", "secret_key")
}

// ReadSecret reads a one-line secret file; empty when it is absent.
func ReadSecret(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// LogKeyFile is the file holding the generated seed that signs the log's checkpoints.
func LogKeyFile(getenv func(string) string) string {
	return filepath.Join(CacheDir(getenv), "log_key")
}

// CheckKeyFile is the file holding the generated seed that signs inspection codes.
func CheckKeyFile(getenv func(string) string) string {
	return filepath.Join(CacheDir(getenv), "check_key")
}

// DocumentKeyFile is the file holding the generated seed of the keys that sign documents.
func DocumentKeyFile(getenv func(string) string) string {
	return filepath.Join(CacheDir(getenv), "document_key")
}

// ExchangeKeyFile is the file holding the generated seed that seals destinations' secrets.
func ExchangeKeyFile(getenv func(string) string) string {
	return filepath.Join(CacheDir(getenv), "exchange_key")
}

// QRKeyFile is the file holding the generated key that signs certificate QR codes.
func QRKeyFile(getenv func(string) string) string {
	return filepath.Join(CacheDir(getenv), "qr_key")
}
