package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"zhifa/app/migrations"
)

const usage = `zhifa — 行政执法监督平台

usage: zhifa <command>

commands:
  serve     serve the web pages and the API (the default)
  migrate   bring the database schema up to date and create the evidence bucket
  seed      load the demo county (refused when ZHIFA_ENV=production)
  help      print this text

Configuration comes from ZHIFA_* environment variables; see README.md.
`

// Main runs the zhifa command and returns its exit code.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := Run(ctx, args, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "zhifa:", err)
		return 1
	}
	return 0
}

// Run executes one subcommand with the given environment.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve", "migrate", "seed":
	case "help", "-h", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log, err := NewLogger(cfg)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	log.Info("configuration", cfg.Masked()...)

	a, err := New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	switch cmd {
	case "migrate":
		return a.Migrate(ctx, stdout)
	case "seed":
		if cfg.Env == "production" {
			return errors.New("seed loads demo data and is refused when ZHIFA_ENV=production")
		}
		return a.Seed(ctx, stdout)
	}
	if err := a.CheckSchema(ctx); err != nil {
		return err
	}
	return a.Serve(ctx)
}

// NewLogger builds the logger: JSON lines in production, readable text elsewhere.
func NewLogger(cfg Config) (*zap.Logger, error) {
	lvl, err := zap.ParseAtomicLevel(cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	zc := zap.NewDevelopmentConfig()
	if cfg.Env == "production" {
		zc = zap.NewProductionConfig()
		zc.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	}
	zc.Level = lvl
	zc.DisableStacktrace = true
	return zc.Build()
}

// Migrate applies pending migrations under the advisory lock, then makes sure the
// evidence bucket exists.
func (a *App) Migrate(ctx context.Context, out io.Writer) error {
	conn, err := a.db.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Release()
	from, to, err := migrations.Apply(ctx, conn.Conn())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "schema: version %d → %d\n", from, to)
	created, err := a.EnsureBucket(ctx)
	if err != nil {
		return fmt.Errorf("MinIO bucket %s: %w", a.cfg.MinIOBucket, err)
	}
	if created {
		fmt.Fprintf(out, "minio: created bucket %s with object locking\n", a.cfg.MinIOBucket)
	}
	return nil
}
