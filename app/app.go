// Package app is zhifa's composition root and HTTP layer: configuration, logging,
// connections, the Fiber server and its middleware, authentication, the error table,
// the API handlers and web pages, embedded templates, static files and migrations.
// Handlers are thin: parse, call a domain service, render.
package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"zhifa/app/migrations"
	"zhifa/audit"
	"zhifa/enforcement"
	"zhifa/evidence"
	"zhifa/inspection"
)

// App is one running zhifa: its connections, services and HTTP server.
type App struct {
	cfg   Config
	log   *zap.Logger
	db    *pgxpool.Pool
	rdb   redis.UniversalClient
	minio *minio.Client

	enforcement *enforcement.Service
	evidence    *evidence.Service
	inspection  *inspection.Service
	audit       *audit.Service
	translog    *evidence.Log // the transparency log of chain heads
	dispatcher  *Dispatcher   // sends the outbox to the exchange destinations
	sessions    *Sessions
	metrics     *metrics
	proxies     proxies // trusted load balancers, for the client's address
	server      *fiber.App
	ln          net.Listener
	// publicFlight joins identical portal queries that arrive together.
	publicFlight singleflight.Group
}

// New connects to PostgreSQL, Redis and MinIO and builds the services and the server.
// Connections are lazy: New succeeds while a component is down, and readiness says so.
func New(ctx context.Context, cfg Config, log *zap.Logger) (*App, error) {
	a := &App{cfg: cfg, log: log}
	var err error
	if a.proxies, err = parseProxies(cfg.TrustedProxies); err != nil {
		return nil, err
	}
	if a.cfg.QRKey == "" { // production refuses this in LoadConfig
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		a.cfg.QRKey = hex.EncodeToString(b)
		log.Warn("ZHIFA_QR_KEY is not set; certificate QR codes are signed with a key that ends with this process")
	}
	if a.cfg.LogKey == "" { // production refuses this in LoadConfig
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		a.cfg.LogKey = hex.EncodeToString(b)
		log.Warn("ZHIFA_LOG_KEY is not set; the log's checkpoints are signed with a key that ends with this process")
	}
	if a.cfg.CheckKey == "" { // production refuses this in LoadConfig
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		a.cfg.CheckKey = hex.EncodeToString(b)
		log.Warn("ZHIFA_CHECK_KEY is not set; inspection codes are signed with a key that ends with this process")
	}
	if a.cfg.DocumentKey == "" { // production refuses this in LoadConfig
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		a.cfg.DocumentKey = hex.EncodeToString(b)
		log.Warn("ZHIFA_DOCUMENT_KEY is not set; documents are signed with keys that end with this process")
	}
	if a.cfg.ExchangeKey == "" { // production refuses this in LoadConfig
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		a.cfg.ExchangeKey = hex.EncodeToString(b)
		log.Warn("ZHIFA_EXCHANGE_KEY is not set; exchange secrets saved now cannot be read after this process ends")
	}
	pcfg, err := pgxpool.ParseConfig(cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("ZHIFA_DATABASE_URL: %w", err)
	}
	pcfg.ConnConfig.ConnectTimeout = 3 * time.Second
	if pcfg.MaxConns < 10 {
		pcfg.MaxConns = 10
	}
	if a.db, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if a.rdb, err = newRedis(cfg.RedisMode, cfg.RedisURL); err != nil {
		a.Close()
		return nil, err
	}
	creds := credentials.NewStaticV4(cfg.MinIOAccessKey, cfg.MinIOSecretKey, "")
	// A fixed region spares a bucket-location request before every presign.
	a.minio, err = minio.New(cfg.MinIOEndpoint, &minio.Options{Creds: creds, Secure: cfg.MinIOSecure, Region: minioRegion})
	if err != nil {
		a.Close()
		return nil, fmt.Errorf("minio: %w", err)
	}
	presigner := a.minio
	if pub := cfg.minioPublic(); pub.Host != cfg.MinIOEndpoint || (pub.Scheme == "https") != cfg.MinIOSecure {
		if presigner, err = minio.New(pub.Host, &minio.Options{Creds: creds, Secure: pub.Scheme == "https", Region: minioRegion}); err != nil {
			a.Close()
			return nil, fmt.Errorf("minio public url: %w", err)
		}
	}
	mode := minio.Governance
	if cfg.RetentionMode == "compliance" {
		mode = minio.Compliance
	}
	objects := &evidence.Objects{Client: a.minio, Presigner: presigner, Bucket: cfg.MinIOBucket,
		Retention: time.Duration(cfg.RetentionDays) * 24 * time.Hour, Mode: mode, PartSize: 8 << 20}
	est := enforcement.NewStore(a.db)
	evs := evidence.NewStore(a.db)
	est.UseTimeline(evs)
	a.enforcement = enforcement.NewService(est)
	a.enforcement.Disclosure = enforcement.DisclosurePolicy{DisplayMonths: cfg.DisplayMonths, DisplayMonthsMinor: cfg.DisplayMinor,
		RepairMonths: cfg.RepairMonths}
	a.evidence = evidence.NewService(evs, a.enforcement, objects, cfg.UploadLimit)
	a.evidence.Warn = func(msg string, err error) { log.Warn(msg, zap.Error(err)) }
	a.inspection = inspection.NewService(inspection.NewStore(a.db), a.enforcement, &inspection.Pools{RDB: a.rdb, Prefix: cfg.RedisPrefix})
	if a.inspection.CodeKey, err = codeKey(a.cfg.CheckKey); err != nil || a.inspection.CodeKey == nil {
		a.Close()
		return nil, fmt.Errorf("ZHIFA_CHECK_KEY: not a 32-byte seed in hex")
	}
	a.inspection.Warn = a.evidence.Warn
	a.inspection.PlanDue, a.inspection.JointDays = cfg.PlanDue, cfg.JointDays
	if a.translog, err = evidence.NewLog(a.db, cfg.LogOrigin, a.cfg.LogKey); err != nil {
		a.Close()
		return nil, fmt.Errorf("ZHIFA_LOG_KEY: %w", err)
	}
	a.evidence.Log = a.translog
	a.evidence.DocumentFont, a.evidence.DocumentFallbackFont = cfg.DocumentFont, cfg.DocumentFontAlt
	if a.evidence.DocumentKeys, err = evidence.NewDocumentKeys(a.cfg.DocumentKey); err != nil {
		a.Close()
		return nil, fmt.Errorf("ZHIFA_DOCUMENT_KEY: %w", err)
	}
	a.evidence.PublicURL = cfg.PublicURL
	a.audit = audit.NewService(a.db, a.enforcement, a.evidence)
	a.audit.ClueDecideDays = cfg.ClueDays
	seed, _ := hex.DecodeString(a.cfg.ExchangeKey)
	if a.audit.Sealer, err = audit.NewSealer(seed); err != nil {
		a.Close()
		return nil, fmt.Errorf("ZHIFA_EXCHANGE_KEY: %w", err)
	}
	a.dispatcher = &Dispatcher{ex: a.audit, db: a.db, log: log.Named("exchange"), Poll: cfg.ExchangePoll, Timeout: cfg.ExchangeTimeout}
	a.audit.DocumentFont, a.audit.DocumentFallbackFont = cfg.DocumentFont, cfg.DocumentFontAlt
	// Evaluators read the files of their campaign; supervisors the cases of their matters.
	a.enforcement.ReadGrant = func(ctx context.Context, act enforcement.Actor, caseID uuid.UUID) (bool, error) {
		if ok, err := a.audit.EvaluatorReads(ctx, act, caseID); ok || err != nil {
			return ok, err
		}
		return a.audit.SupervisorReads(ctx, act, caseID)
	}
	a.sessions = &Sessions{rdb: a.rdb, prefix: cfg.RedisPrefix, ttl: cfg.SessionLifetime}
	a.metrics = newMetrics(a.db, a.rdb)
	a.server = a.newServer()
	return a, nil
}

// CheckSchema refuses to serve on a database whose schema is behind (or ahead of) this
// binary: a half-migrated database would fail in ways users cannot understand.
func (a *App) CheckSchema(ctx context.Context) error {
	v, err := migrations.Current(ctx, a.db)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if want := migrations.Latest(); v != want {
		return fmt.Errorf("database schema is at version %d but this zhifa needs %d: run `zhifa migrate` first", v, want)
	}
	return nil
}

// Listen binds the server's address; with ":0" the system picks a free port.
func (a *App) Listen(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	a.ln = ln
	return ln.Addr().String(), nil
}

// Serve answers requests until ctx is cancelled, then stops gracefully within the
// configured timeout.
func (a *App) Serve(ctx context.Context) error {
	if a.ln == nil {
		if _, err := a.Listen(a.cfg.Listen); err != nil {
			return err
		}
	}
	done := make(chan error, 1)
	go func() { done <- a.server.Listener(a.ln) }()
	a.ensurePartitions(ctx)
	go every(ctx, 24*time.Hour, a.ensurePartitions)
	go every(ctx, 10*time.Minute, a.sweep)
	go every(ctx, time.Minute, a.logCheckpoint)
	go every(ctx, 5*time.Minute, a.syncAlerts)
	// The dispatcher is waited for on the way out, so nothing it does outlives Serve.
	dctx, stopDispatch := context.WithCancel(ctx)
	dispatched := make(chan struct{})
	go func() {
		defer close(dispatched)
		if a.cfg.ExchangeSend {
			a.dispatcher.Run(dctx)
		}
	}()
	defer func() { stopDispatch(); <-dispatched }()
	a.log.Info("zhifa serving", zap.String("addr", a.ln.Addr().String()))
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down", zap.Duration("timeout", a.cfg.ShutdownTimeout))
	if err := a.server.ShutdownWithTimeout(a.cfg.ShutdownTimeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	return nil
}

// Close releases the connections, in reverse order of opening.
func (a *App) Close() {
	if a.rdb != nil {
		_ = a.rdb.Close()
	}
	if a.db != nil {
		a.db.Close()
	}
}

// EnsureBucket creates the evidence bucket, with object locking so that retention can
// be set on evidence, when it does not exist.
func (a *App) EnsureBucket(ctx context.Context) (created bool, err error) {
	ok, err := a.minio.BucketExists(ctx, a.cfg.MinIOBucket)
	if err != nil || ok {
		return false, err
	}
	err = a.minio.MakeBucket(ctx, a.cfg.MinIOBucket, minio.MakeBucketOptions{ObjectLocking: true})
	return err == nil, err
}

// every runs job at each tick of period until ctx ends.
func every(ctx context.Context, period time.Duration, job func(context.Context)) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			job(ctx)
		}
	}
}

// syncAlerts raises and closes the supervision alerts to match the records.
func (a *App) syncAlerts(ctx context.Context) {
	// The day's yardsticks of fines first (once a day; seconds on a province), so no page
	// computing alerts waits for them.
	if _, err := a.audit.MeasureFineYardsticks(ctx); err != nil {
		a.log.Warn("fines' yardsticks", zap.Error(err))
	}
	if res, err := a.audit.SyncAlerts(ctx); err != nil {
		a.log.Warn("supervision alerts", zap.Error(err))
	} else if res.Raised+res.Closed > 0 {
		a.log.Info("supervision alerts", zap.Int("raised", res.Raised), zap.Int("closed", res.Closed), zap.Int("open", res.Open),
			zap.Duration("elapsed", res.Elapsed))
	}
}

// sweep removes abandoned uploads and retries failed retention locks. Several replicas
// sweeping at once is harmless: each removal is idempotent.
// partitioned are the tables kept in yearly partitions (ensure_year_partitions).
var partitioned = []string{"activity"}

// ensurePartitions makes this year's and next year's partitions of each partitioned
// table, so that a year's rows always have a table before the year begins.
func (a *App) ensurePartitions(ctx context.Context) {
	year := time.Now().In(enforcement.Shanghai()).Year()
	for _, t := range partitioned {
		var made int
		if err := a.db.QueryRow(ctx, `SELECT ensure_year_partitions($1, $2, $3)`, t, year, year+1).Scan(&made); err != nil {
			a.log.Error("yearly partitions", zap.String("table", t), zap.Error(err))
		} else if made > 0 {
			a.log.Info("yearly partitions made", zap.String("table", t), zap.Int("made", made))
		}
	}
}

func (a *App) sweep(ctx context.Context) {
	if res, err := a.evidence.Sweep(ctx); err != nil {
		a.log.Warn("evidence sweep", zap.Error(err))
	} else if res.UploadsRemoved+res.Locked > 0 {
		a.log.Info("evidence sweep", zap.Int("uploads_removed", res.UploadsRemoved), zap.Int("locked", res.Locked))
	}
}
