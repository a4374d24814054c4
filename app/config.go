package app

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"zhifa/app/localdev"
	"zhifa/audit"
	"zhifa/inspection"
)

// Config is everything zhifa reads from its environment. Defaults point at the local
// services that `make demo` starts, so a bare `zhifa serve` works after it.
type Config struct {
	Env             string        // development, test or production
	Listen          string        // address of the HTTP server
	DatabaseURL     string        // PostgreSQL
	RedisURL        string        // Redis
	RedisPrefix     string        // prefix of every Redis key, so deployments and tests never collide
	RedisMode       string        // single, sentinel or cluster: what RedisURL names (redis.go)
	MinIOEndpoint   string        // host:port of MinIO
	MinIOAccessKey  string        // MinIO access key
	MinIOSecretKey  string        // MinIO secret key
	MinIOBucket     string        // bucket for evidence
	MinIOSecure     bool          // TLS to MinIO
	MinIOPublicURL  string        // how phones reach MinIO for presigned part uploads; default the endpoint
	RetentionDays   int           // evidence objects cannot be deleted for this long
	RetentionMode   string        // governance (administrators may lift it) or compliance (nobody may)
	SessionLifetime time.Duration // how long a login lasts
	BodyLimit       int           // largest JSON or form body, in bytes
	UploadLimit     int64         // largest evidence file, in bytes
	RequestTimeout  time.Duration // deadline of one request
	ShutdownTimeout time.Duration // how long a graceful stop may take
	LogLevel        string        // debug, info, warn or error
	MetricsToken    string        // when set, /metrics needs it as a bearer token
	TrustedProxies  []string      // load balancers whose X-Forwarded-For is believed
	LoginMaxFails   int           // login attempts per account and window before 429
	LoginIPMaxFails int           // failed logins per address and window before its attempts slow down
	LoginFailWindow time.Duration // window over which attempts and failures count
	LoginIPDelay    time.Duration // first delay of a slowed address, doubling every 10 more failures
	DisplayMonths   int           // how long a published decision stays on the portal
	DisplayMinor    int           // the same for a minor penalty
	RepairMonths    int           // months a decision stays published before a credit repair may end it
	PublicRate      int           // requests per minute one address may make to the portal
	PublicURL       string        // how the public reaches zhifa, for the URLs in QR codes
	QRKey           string        // signs certificate QR codes, so a forged code is recognised
	ComplaintWork   int           // leading zero bits a public complaint's proof of work needs
	ClueDays        int           // working days within which a clue is decided
	DocumentFont    string        // TrueType file supervision documents are set in
	DocumentFontAlt string        // TrueType file for characters the first lacks
	LogKey          string        // Ed25519 seed (hex) that signs the transparency log's checkpoints
	LogOrigin       string        // the log's name, first line of every checkpoint
	CheckKey        string        // Ed25519 seed (hex) that signs inspection codes (检查码)
	DocumentKey     string        // seed (hex) from which each agency's Ed25519 key that signs frozen documents derives
	ExchangeKey     string        // seed (hex) that seals the data-exchange destinations' secrets in the database
	ExchangePoll    time.Duration // how often the dispatcher looks for events to send
	ExchangeSend    bool          // whether this process may run the dispatcher (one runs across replicas)
	ExchangeTimeout time.Duration // how long one request to a destination may take
	PlanDue         string        // month and day ("03-31") by which annual inspection plans are filed
	JointDays       int           // days within which checks of one firm are proposed as one visit
	logOriginSet    bool          // production must name its log, not inherit the URL's host
}

// LoadConfig reads the environment through getenv, applies defaults and validates.
func LoadConfig(getenv func(string) string) (Config, error) {
	e := envReader{get: getenv}
	c := Config{
		Env:             e.str("ZHIFA_ENV", "development"),
		Listen:          e.str("ZHIFA_LISTEN", ":8080"),
		DatabaseURL:     e.secret("ZHIFA_DATABASE_URL", "postgres://root@127.0.0.1:5432/zhifa?sslmode=disable"),
		RedisURL:        e.secret("ZHIFA_REDIS_URL", "redis://127.0.0.1:6379/0"),
		RedisPrefix:     e.str("ZHIFA_REDIS_PREFIX", "zhifa:"),
		RedisMode:       e.str("ZHIFA_REDIS_MODE", "single"),
		MinIOEndpoint:   e.str("ZHIFA_MINIO_ENDPOINT", "127.0.0.1:9000"),
		MinIOAccessKey:  e.str("ZHIFA_MINIO_ACCESS_KEY", "zhifa"),
		MinIOSecretKey:  e.secretFile("ZHIFA_MINIO_SECRET_KEY", localdev.MinIOSecretFile(getenv)),
		MinIOBucket:     e.str("ZHIFA_MINIO_BUCKET", "zhifa-evidence"),
		MinIOSecure:     e.bool("ZHIFA_MINIO_SECURE", false),
		MinIOPublicURL:  e.str("ZHIFA_MINIO_PUBLIC_URL", ""),
		RetentionDays:   int(e.int("ZHIFA_RETENTION_DAYS", 30*365)),
		RetentionMode:   e.str("ZHIFA_RETENTION_MODE", "governance"),
		SessionLifetime: e.dur("ZHIFA_SESSION_LIFETIME", 12*time.Hour),
		BodyLimit:       int(e.int("ZHIFA_BODY_LIMIT", 4<<20)),
		UploadLimit:     e.int("ZHIFA_UPLOAD_LIMIT", 4<<30),
		RequestTimeout:  e.dur("ZHIFA_REQUEST_TIMEOUT", 30*time.Second),
		ShutdownTimeout: e.dur("ZHIFA_SHUTDOWN_TIMEOUT", 20*time.Second),
		LogLevel:        e.str("ZHIFA_LOG_LEVEL", "info"),
		MetricsToken:    e.secret("ZHIFA_METRICS_TOKEN", ""),
		TrustedProxies:  e.list("ZHIFA_TRUSTED_PROXIES"),
		LoginMaxFails:   int(e.int("ZHIFA_LOGIN_MAX_FAILS", 5)),
		LoginIPMaxFails: int(e.int("ZHIFA_LOGIN_IP_MAX_FAILS", 100)),
		LoginFailWindow: e.dur("ZHIFA_LOGIN_FAIL_WINDOW", 15*time.Minute),
		LoginIPDelay:    e.dur("ZHIFA_LOGIN_IP_DELAY", time.Second),
		DisplayMonths:   int(e.int("ZHIFA_DISPLAY_MONTHS", 36)),
		DisplayMinor:    int(e.int("ZHIFA_DISPLAY_MONTHS_MINOR", 3)),
		RepairMonths:    int(e.int("ZHIFA_CREDIT_REPAIR_MONTHS", 3)),
		PublicRate:      int(e.int("ZHIFA_PUBLIC_RATE", 600)),
		PublicURL:       strings.TrimRight(e.str("ZHIFA_PUBLIC_URL", "http://localhost:8080"), "/"),
		QRKey:           e.secretFile("ZHIFA_QR_KEY", localdev.QRKeyFile(getenv)),
		LogKey:          e.secretFile("ZHIFA_LOG_KEY", localdev.LogKeyFile(getenv)),
		CheckKey:        e.secretFile("ZHIFA_CHECK_KEY", localdev.CheckKeyFile(getenv)),
		DocumentKey:     e.secretFile("ZHIFA_DOCUMENT_KEY", localdev.DocumentKeyFile(getenv)),
		ExchangeKey:     e.secretFile("ZHIFA_EXCHANGE_KEY", localdev.ExchangeKeyFile(getenv)),
		ExchangePoll:    e.dur("ZHIFA_EXCHANGE_POLL", time.Second),
		ExchangeSend:    e.bool("ZHIFA_EXCHANGE_SEND", true),
		ExchangeTimeout: e.dur("ZHIFA_EXCHANGE_TIMEOUT", 10*time.Second),
		ComplaintWork:   int(e.int("ZHIFA_COMPLAINT_WORK", complaintWork)),
		ClueDays:        int(e.int("ZHIFA_CLUE_DAYS", 7)),
		PlanDue:         e.str("ZHIFA_PLAN_DUE", inspection.PlanFilingDue),
		JointDays:       int(e.int("ZHIFA_JOINT_DAYS", inspection.JointDays)),
		DocumentFont:    e.str("ZHIFA_DOCUMENT_FONT", audit.DefaultDocumentFont),
		DocumentFontAlt: e.str("ZHIFA_DOCUMENT_FONT_FALLBACK", audit.DefaultDocumentFallbackFont),
		LogOrigin:       e.str("ZHIFA_LOG_ORIGIN", ""),
	}
	c.logOriginSet = c.LogOrigin != ""
	if c.LogOrigin == "" {
		if u, err := url.Parse(c.PublicURL); err == nil && u.Host != "" {
			c.LogOrigin = u.Host + "/zhifa-log"
		}
	}
	if e.err != nil {
		return c, e.err
	}
	return c, c.validate()
}

func (c Config) validate() error {
	switch c.Env {
	case "development", "test", "production":
	default:
		return fmt.Errorf("ZHIFA_ENV must be development, test or production, not %q", c.Env)
	}
	for name, u := range map[string]string{"ZHIFA_DATABASE_URL": c.DatabaseURL, "ZHIFA_REDIS_URL": c.RedisURL} {
		if _, err := url.Parse(u); err != nil || u == "" {
			return fmt.Errorf("%s is not a URL", name)
		}
	}
	switch {
	case c.RedisMode != "single" && c.RedisMode != "sentinel" && c.RedisMode != "cluster":
		return fmt.Errorf("ZHIFA_REDIS_MODE must be single, sentinel or cluster, not %q", c.RedisMode)
	case strings.ContainsAny(c.RedisPrefix, "{}"):
		return fmt.Errorf("ZHIFA_REDIS_PREFIX must not contain { or }: they mark the part of a key that places it on a Cluster's node")
	case c.MinIOEndpoint == "" || strings.Contains(c.MinIOEndpoint, "/"):
		return fmt.Errorf("ZHIFA_MINIO_ENDPOINT must be host:port")
	case c.MinIOBucket == "":
		return fmt.Errorf("ZHIFA_MINIO_BUCKET must be set")
	case c.RetentionMode != "governance" && c.RetentionMode != "compliance":
		return fmt.Errorf("ZHIFA_RETENTION_MODE must be governance or compliance")
	case c.RepairMonths < 0 || c.RepairMonths > c.DisplayMonths:
		return fmt.Errorf("ZHIFA_CREDIT_REPAIR_MONTHS must be between 0 and ZHIFA_DISPLAY_MONTHS")
	case c.DisplayMonths < 1 || c.DisplayMinor < 1:
		return fmt.Errorf("ZHIFA_DISPLAY_MONTHS and ZHIFA_DISPLAY_MONTHS_MINOR must be at least 1")
	case c.PublicRate < 1:
		return fmt.Errorf("ZHIFA_PUBLIC_RATE must be positive")
	case c.RetentionDays < 0:
		return fmt.Errorf("ZHIFA_RETENTION_DAYS must not be negative")
	case c.SessionLifetime < time.Minute:
		return fmt.Errorf("ZHIFA_SESSION_LIFETIME must be at least a minute")
	case c.BodyLimit < 1<<10:
		return fmt.Errorf("ZHIFA_BODY_LIMIT must be at least 1 KiB")
	case c.UploadLimit < 1<<20:
		return fmt.Errorf("ZHIFA_UPLOAD_LIMIT must be at least 1 MiB")
	case c.RequestTimeout <= 0 || c.ShutdownTimeout <= 0:
		return fmt.Errorf("ZHIFA_REQUEST_TIMEOUT and ZHIFA_SHUTDOWN_TIMEOUT must be positive")
	case c.LoginMaxFails < 1 || c.LoginIPMaxFails < 1:
		return fmt.Errorf("ZHIFA_LOGIN_MAX_FAILS and ZHIFA_LOGIN_IP_MAX_FAILS must be positive")
	case c.LoginFailWindow < time.Second || c.LoginIPDelay < time.Millisecond:
		return fmt.Errorf("ZHIFA_LOGIN_FAIL_WINDOW must be at least a second and ZHIFA_LOGIN_IP_DELAY at least a millisecond")
	case c.ComplaintWork < 1 || c.ComplaintWork > 28:
		return fmt.Errorf("ZHIFA_COMPLAINT_WORK must be between 1 and 28 (leading zero bits of a complaint's proof of work)")
	case c.ClueDays < 1 || c.ClueDays > 60:
		return fmt.Errorf("ZHIFA_CLUE_DAYS must be between 1 and 60 working days")
	case !inspection.ValidMonthDay(c.PlanDue):
		return fmt.Errorf("ZHIFA_PLAN_DUE must be a month and day, MM-DD, e.g. 03-31")
	case c.JointDays < 1 || c.JointDays > 90:
		return fmt.Errorf("ZHIFA_JOINT_DAYS must be between 1 and 90 days")
	case c.LogKey != "" && !isHexKey(c.LogKey):
		return fmt.Errorf("ZHIFA_LOG_KEY must be 32 bytes in hex (64 characters), e.g. from openssl rand -hex 32")
	case c.Env == "production" && c.LogKey == "":
		return fmt.Errorf("ZHIFA_LOG_KEY (or _FILE) must be set in production: 32 bytes in hex, the Ed25519 seed that signs the log")
	case c.CheckKey != "" && !isHexKey(c.CheckKey):
		return fmt.Errorf("ZHIFA_CHECK_KEY must be 32 bytes in hex (64 characters), e.g. from openssl rand -hex 32")
	case c.Env == "production" && c.CheckKey == "":
		return fmt.Errorf("ZHIFA_CHECK_KEY (or _FILE) must be set in production: 32 bytes in hex, the Ed25519 seed that signs inspection codes")
	case c.DocumentKey != "" && !isHexKey(c.DocumentKey):
		return fmt.Errorf("ZHIFA_DOCUMENT_KEY must be 32 bytes in hex (64 characters), e.g. from openssl rand -hex 32")
	case c.Env == "production" && c.DocumentKey == "":
		return fmt.Errorf("ZHIFA_DOCUMENT_KEY (or _FILE) must be set in production: 32 bytes in hex, the seed of the keys that sign documents")
	case c.ExchangeKey != "" && !isHexKey(c.ExchangeKey):
		return fmt.Errorf("ZHIFA_EXCHANGE_KEY must be 32 bytes in hex (64 characters), e.g. from openssl rand -hex 32")
	case c.Env == "production" && c.ExchangeKey == "":
		return fmt.Errorf("ZHIFA_EXCHANGE_KEY (or _FILE) must be set in production: 32 bytes in hex, the seed that seals the exchange destinations' secrets")
	case c.ExchangePoll < 10*time.Millisecond || c.ExchangePoll > time.Minute:
		return fmt.Errorf("ZHIFA_EXCHANGE_POLL must be between 10ms and 1m")
	case c.ExchangeTimeout < 10*time.Millisecond || c.ExchangeTimeout > 5*time.Minute:
		return fmt.Errorf("ZHIFA_EXCHANGE_TIMEOUT must be between 10ms and 5m")
	case c.Env == "production" && !c.logOriginSet:
		return fmt.Errorf("ZHIFA_LOG_ORIGIN must be set in production: the log's lasting name, e.g. zhifa.example.gov.cn/log (it is part of every checkpoint and of the public key)")
	case c.LogOrigin == "" || strings.ContainsAny(c.LogOrigin, "+ \t\n"):
		return fmt.Errorf("ZHIFA_LOG_ORIGIN must be a name without spaces or '+', e.g. zhifa.example.gov.cn/log")
	case c.Env == "production" && len(c.QRKey) < 16:
		return fmt.Errorf("ZHIFA_QR_KEY (or _FILE) must be set, 16 characters or more, in production")
	case c.Env == "production" && c.MinIOSecretKey == "":
		return fmt.Errorf("ZHIFA_MINIO_SECRET_KEY (or _FILE) must be set in production")
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("ZHIFA_PUBLIC_URL must be http(s)://host[:port][/path]")
	}
	if c.MinIOPublicURL != "" {
		u, err := url.Parse(c.MinIOPublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("ZHIFA_MINIO_PUBLIC_URL must be http(s)://host[:port]")
		}
	}
	if _, err := parseProxies(c.TrustedProxies); err != nil {
		return err
	}
	if _, err := zap.ParseAtomicLevel(c.LogLevel); err != nil {
		return fmt.Errorf("ZHIFA_LOG_LEVEL: %w", err)
	}
	return nil
}

// Masked lists the configuration for the start-up log with secrets hidden.
func (c Config) Masked() []zap.Field {
	return []zap.Field{
		zap.String("env", c.Env), zap.String("listen", c.Listen),
		zap.String("database_url", maskURL(c.DatabaseURL)), zap.String("redis_url", maskURL(c.RedisURL)),
		zap.String("redis_prefix", c.RedisPrefix), zap.String("redis_mode", c.RedisMode), zap.String("minio_endpoint", c.MinIOEndpoint),
		zap.String("minio_access_key", c.MinIOAccessKey), zap.String("minio_secret_key", maskSecret(c.MinIOSecretKey)),
		zap.String("minio_bucket", c.MinIOBucket), zap.Bool("minio_secure", c.MinIOSecure),
		zap.String("minio_public_url", c.MinIOPublicURL), zap.Int("retention_days", c.RetentionDays),
		zap.String("retention_mode", c.RetentionMode), zap.Int("display_months", c.DisplayMonths),
		zap.Int("display_months_minor", c.DisplayMinor), zap.Int("credit_repair_months", c.RepairMonths), zap.Int("public_rate", c.PublicRate),
		zap.String("public_url", c.PublicURL), zap.String("qr_key", maskSecret(c.QRKey)),
		zap.String("log_key", maskSecret(c.LogKey)), zap.String("check_key", maskSecret(c.CheckKey)), zap.String("document_key", maskSecret(c.DocumentKey)), zap.String("exchange_key", maskSecret(c.ExchangeKey)), zap.Duration("exchange_poll", c.ExchangePoll), zap.Bool("exchange_send", c.ExchangeSend), zap.Duration("exchange_timeout", c.ExchangeTimeout), zap.String("log_origin", c.LogOrigin),
		zap.Int("complaint_work", c.ComplaintWork), zap.Int("clue_days", c.ClueDays),
		zap.String("plan_due", c.PlanDue), zap.Int("joint_days", c.JointDays),
		zap.String("document_font", c.DocumentFont), zap.String("document_font_fallback", c.DocumentFontAlt),
		zap.Duration("session_lifetime", c.SessionLifetime), zap.Int("body_limit", c.BodyLimit),
		zap.Int64("upload_limit", c.UploadLimit), zap.Duration("request_timeout", c.RequestTimeout),
		zap.Duration("shutdown_timeout", c.ShutdownTimeout), zap.String("log_level", c.LogLevel),
		zap.String("metrics_token", maskSecret(c.MetricsToken)), zap.Strings("trusted_proxies", c.TrustedProxies),
		zap.Int("login_max_fails", c.LoginMaxFails), zap.Int("login_ip_max_fails", c.LoginIPMaxFails),
		zap.Duration("login_fail_window", c.LoginFailWindow), zap.Duration("login_ip_delay", c.LoginIPDelay),
	}
}

func maskURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func maskSecret(s string) string {
	if s == "" {
		return "(unset)"
	}
	return "(set)"
}

// envReader collects the first parse error so LoadConfig can report it once.
type envReader struct {
	get func(string) string
	err error
}

func (e *envReader) str(key, def string) string {
	if v := strings.TrimSpace(e.get(key)); v != "" {
		return v
	}
	return def
}

// secret reads key, or the file named by key_FILE, so secrets can come from mounted files.
func (e *envReader) secret(key, def string) string {
	if f := e.get(key + "_FILE"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			e.fail(fmt.Errorf("%s_FILE: %w", key, err))
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	return e.str(key, def)
}

// secretFile is secret with a default file that may be absent.
func (e *envReader) secretFile(key, defFile string) string {
	if e.get(key) != "" || e.get(key+"_FILE") != "" {
		return e.secret(key, "")
	}
	return localdev.ReadSecret(defFile)
}

func (e *envReader) int(key string, def int64) int64 {
	v := e.get(key)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		e.fail(fmt.Errorf("%s: %q is not an integer", key, v))
	}
	return n
}

func (e *envReader) bool(key string, def bool) bool {
	v := e.get(key)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.fail(fmt.Errorf("%s: %q is not true or false", key, v))
	}
	return b
}

func (e *envReader) dur(key string, def time.Duration) time.Duration {
	v := e.get(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.fail(fmt.Errorf("%s: %q is not a duration such as 30s or 12h", key, v))
	}
	return d
}

func (e *envReader) list(key string) []string {
	var out []string
	for _, s := range strings.Split(e.get(key), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (e *envReader) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// minioRegion is the region zhifa names for MinIO, which ignores it.
const minioRegion = "us-east-1"

// minioPublic is the address phones send upload parts to.
func (c Config) minioPublic() *url.URL {
	if c.MinIOPublicURL != "" {
		u, _ := url.Parse(c.MinIOPublicURL)
		return u
	}
	scheme := "http"
	if c.MinIOSecure {
		scheme = "https"
	}
	return &url.URL{Scheme: scheme, Host: c.MinIOEndpoint}
}

// isHexKey reports a 32-byte key written in hex.
func isHexKey(s string) bool {
	b, err := hex.DecodeString(s)
	return err == nil && len(b) == 32
}
