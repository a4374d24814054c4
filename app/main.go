package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/google/uuid"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"zhifa/app/migrations"
	"zhifa/evidence"
	"zhifa/inspection"
)

const usage = `zhifa — 行政执法监督平台

usage: zhifa <command>

commands:
  serve     serve the web pages and the API (the default)
  migrate   bring the database schema up to date and create the evidence bucket
  seed      load the demo county (refused when ZHIFA_ENV=production)
  verify    recompute every case's record chain and evidence file hashes [--case ID];
            exits 1 on any break
  verify-draw ID | --url URL (the draw's public page or /public/api/draws/ID)
            re-run an inspection draw and compare it with what was published: from
            zhifa's records, or from a portal's public downloads alone; exits 1 on a mismatch
  verify-archive [--key KEY] FILE.zip
            check a case archive offline: files, record digests (RECORDS.md), evidence,
            and the chain head against the signed log checkpoint (LOG.md); exits 1 on a
            mismatch. KEY is the log's public key you trust (default: the archive's own)
  log-key   print the transparency log's public key (name+hash+base64)
  receive [--listen ADDR]
            run the reference receiver of the data exchange (audit/EXCHANGE.md) that the
            demo's destinations send to (default 127.0.0.1:8091): it checks signatures,
            acts on each event once and answers receipts; its /refuse path rejects all
  sweep     remove abandoned uploads and lock evidence whose retention lock failed
            (serve also does this every 10 minutes)
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
	case "serve", "migrate", "seed", "verify", "sweep", "log-key":
	case "receive":
		return receiveCommand(ctx, args[1:], getenv)
	case "verify-archive":
		return verifyArchiveCommand(args[1:], getenv, stdout)
	case "verify-draw":
		if len(args) == 3 && args[1] == "--url" {
			v, err := inspection.VerifyPublished(ctx, &http.Client{Timeout: 10 * time.Minute}, args[2])
			if err != nil {
				return err
			}
			return printVerification(stdout, v)
		}
		if len(args) != 2 {
			return errors.New("usage: zhifa verify-draw ID | --url URL")
		}
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
	if cmd == "log-key" {
		if cfg.LogKey == "" {
			return errors.New("ZHIFA_LOG_KEY is not set (make services generates one for this machine)")
		}
		l, err := evidence.NewLog(nil, cfg.LogOrigin, cfg.LogKey)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(stdout, l.VerifierKey())
		return err
	}

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
		if err := a.Seed(ctx, stdout); err != nil {
			return err
		}
		if err := a.SeedExchange(ctx, getenv, stdout); err != nil {
			return err
		}
		return a.SeedMedia(ctx, stdout)
	case "sweep":
		res, err := a.evidence.Sweep(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "sweep: %d abandoned uploads removed, %d files locked\n", res.UploadsRemoved, res.Locked)
		return nil
	case "verify":
		return a.VerifyAll(ctx, args[1:], stdout)
	case "verify-draw":
		id, err := uuid.Parse(args[1])
		if err != nil {
			return fmt.Errorf("draw ID: %w", err)
		}
		v, err := a.inspection.Verify(ctx, id)
		if err != nil {
			return err
		}
		return printVerification(stdout, v)
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
	if added, err := a.audit.EnsureDefaultRubric(ctx); err != nil {
		return fmt.Errorf("default rubric: %w", err)
	} else if added {
		fmt.Fprintln(out, "rubric: stored the default case-file evaluation rubric")
	}
	if added, err := a.evidence.EnsureDocumentKinds(ctx); err != nil {
		return fmt.Errorf("document kinds: %w", err)
	} else if added > 0 {
		fmt.Fprintf(out, "documents: stored %d default kinds of document\n", added)
	}
	created, err := a.EnsureBucket(ctx)
	if err != nil {
		return fmt.Errorf("MinIO bucket %s: %w", a.cfg.MinIOBucket, err)
	}
	if created {
		fmt.Fprintf(out, "minio: created bucket %s with object locking\n", a.cfg.MinIOBucket)
	}
	return nil
}

// VerifyAll recomputes the record chain and every evidence file's hash of one case
// (--case ID) or of every case and prints each break; it fails when any is found.
func (a *App) VerifyAll(ctx context.Context, args []string, out io.Writer) error {
	var ids []uuid.UUID
	if len(args) == 2 && args[0] == "--case" {
		id, err := uuid.Parse(args[1])
		if err != nil {
			return fmt.Errorf("--case: %w", err)
		}
		ids = []uuid.UUID{id}
	} else if len(args) != 0 {
		return errors.New("usage: zhifa verify [--case ID]")
	} else {
		var err error
		if ids, err = a.evidence.Store.CaseIDs(ctx); err != nil {
			return err
		}
	}
	broken, records, media := map[uuid.UUID]bool{}, 0, 0
	for _, id := range ids {
		v, err := a.evidence.VerifyCase(ctx, id)
		if err != nil {
			return fmt.Errorf("case %s: %w", id, err)
		}
		records += v.RecordsChecked
		media += v.MediaChecked
		for _, p := range v.Problems {
			fmt.Fprintf(out, "案件 %s：%s\n", id, p.Message)
		}
		if !v.OK {
			broken[id] = true
		}
	}
	fmt.Fprintf(out, "核验 %d 个案件、%d 条记录、%d 个证据文件，%d 个案件有问题\n", len(ids), records, media, len(broken))
	if len(broken) > 0 {
		return fmt.Errorf("%d case(s) failed verification", len(broken))
	}
	return nil
}

// printVerification prints a draw's verification and fails when it does not hold.
func printVerification(out io.Writer, v inspection.Verification) error {
	fmt.Fprintf(out, "摇号 %s（%s）：对象池 %d 个，抽中 %d 个，用时 %s\n", v.DrawID, v.Algorithm, v.PoolSize, v.Selected, v.Elapsed)
	fmt.Fprintf(out, "  对象池哈希 %s：%s\n", v.PoolHash, okText(v.PoolHashOK))
	fmt.Fprintf(out, "  承诺值：%s；种子：%s；结果哈希 %s：%s；公布名单：%s\n", okText(v.CommitmentOK), okText(v.SeedOK), v.ResultHash, okText(v.ResultOK), okText(v.StoredOK))
	for _, p := range v.Problems {
		fmt.Fprintln(out, "  问题：", p)
	}
	if !v.OK {
		return errors.New("the draw does not verify")
	}
	fmt.Fprintln(out, "复核通过：重新运行的结果与公布的一致")
	return nil
}

func okText(ok bool) string {
	if ok {
		return "一致"
	}
	return "不一致"
}
