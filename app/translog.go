package app

import (
	"context"
	"github.com/google/uuid"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"

	"zhifa/evidence"
	"zhifa/fault"
)

// checkpointMaxAge is how old the newest checkpoint may grow before a new one is signed
// even though no head moved: witnesses see the log alive at least daily.
const checkpointMaxAge = 24 * time.Hour

func (a *App) publicLogRoutes(pub fiber.Router) {
	pub.Get("/log", a.publicLogPage)
	pub.Get("/log.md", a.publicLogSpecification)
	pub.Get("/records.md", a.publicRecordsSpecification)
	pub.Get("/api/log/key", a.publicLogKey)
	pub.Get("/api/log/checkpoint", a.publicLatestCheckpoint)
	pub.Get("/api/log/checkpoints", a.publicCheckpoints)
	pub.Get("/api/log/inclusion", a.publicInclusion)
	pub.Get("/api/log/consistency", a.publicConsistency)
}

func (a *App) logRoutes(r fiber.Router) {
	r.Get("/cases/:id/log", a.caseLogProof)
	r.Post("/log/checkpoints", a.signCheckpoint)
}

// logCheckpoint adds queued chain heads to the log and signs a checkpoint when the tree
// grew, or once a day when it did not. Replicas doing it at once wait on the log's lock.
func (a *App) logCheckpoint(ctx context.Context) {
	if _, err := a.translog.Checkpoint(ctx, checkpointMaxAge); err != nil && ctx.Err() == nil {
		a.log.Warn("transparency log", zap.Error(err))
	}
}

// GET /public/log — what the log is, its key and its newest checkpoints, for witnesses.
func (a *App) publicLogPage(c *fiber.Ctx) error {
	cps, err := a.translog.Checkpoints(c.UserContext(), 20, 0)
	if err != nil {
		return err
	}
	return c.Render("public_log", a.publicView(c, "执法记录公开日志", fiber.Map{
		"Key": a.translog.VerifierKey(), "Origin": a.translog.Origin(), "Checkpoints": cps}))
}

// GET /public/log.md and /public/records.md — the specifications outsiders re-implement.
func (a *App) publicLogSpecification(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
	return c.Send(evidence.LogSpec)
}

func (a *App) publicRecordsSpecification(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/markdown; charset=utf-8")
	return c.Send(evidence.RecordsSpec)
}

// GET /public/api/log/key — the log's public key in note form.
func (a *App) publicLogKey(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"origin": a.translog.Origin(), "key": a.translog.VerifierKey(), "algorithm": "Ed25519"})
}

// GET /public/api/log/checkpoint — the newest checkpoint as its signed text.
func (a *App) publicLatestCheckpoint(c *fiber.Ctx) error {
	cp, err := a.translog.Latest(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	return c.SendString(cp.Signed)
}

// GET /public/api/log/checkpoints?limit=&max_size= — checkpoints, newest first.
func (a *App) publicCheckpoints(c *fiber.Ctx) error {
	limit, err := queryInt(c, "limit", 20, 1, 1000)
	if err != nil {
		return err
	}
	maxSize, err := queryInt(c, "max_size", 0, 0, 1<<62)
	if err != nil {
		return err
	}
	cps, err := a.translog.Checkpoints(c.UserContext(), int(limit), maxSize)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"origin": a.translog.Origin(), "key": a.translog.VerifierKey(), "items": cps})
}

// GET /public/api/log/inclusion?leaf_hash=&tree_size= — a leaf's inclusion proof.
func (a *App) publicInclusion(c *fiber.Ctx) error {
	size, err := a.treeSizeParam(c)
	if err != nil {
		return err
	}
	in, err := a.translog.ProveInclusion(c.UserContext(), c.Query("leaf_hash"), size)
	if err != nil {
		return err
	}
	// The public answer proves a hash; which case it belongs to is for those who have it.
	in.CaseID, in.Seq, in.HeadHash = "", 0, ""
	return c.JSON(in)
}

// treeSizeParam is tree_size, or the newest checkpoint's size when it is absent.
func (a *App) treeSizeParam(c *fiber.Ctx) (int64, error) {
	if c.Query("tree_size") == "" {
		cp, err := a.translog.Latest(c.UserContext())
		return cp.Size, err
	}
	return queryInt(c, "tree_size", 0, 1, 1<<62)
}

// GET /public/api/log/consistency?from=&to= — proof that the tree of size to extends from.
func (a *App) publicConsistency(c *fiber.Ctx) error {
	from, err := queryInt(c, "from", 0, 1, 1<<62)
	if err != nil {
		return err
	}
	to, err := queryInt(c, "to", 0, 1, 1<<62)
	if err != nil {
		return err
	}
	p, err := a.translog.ProveConsistency(c.UserContext(), from, to)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

// caseAnchor is a case's head, the checkpoint that holds it and the proof.
type caseAnchor struct {
	Checkpoint evidence.Checkpoint `json:"checkpoint"`
	Inclusion  evidence.Inclusion  `json:"inclusion"`
	Key        string              `json:"key"`
}

// anchor proves a case's head into the newest checkpoint, signing one only if none holds it.
func (a *App) anchor(ctx context.Context, caseID uuid.UUID, seq int, head string) (caseAnchor, error) {
	cp, in, err := a.translog.Anchor(ctx, caseID, seq, head)
	return caseAnchor{Checkpoint: cp, Inclusion: in, Key: a.translog.VerifierKey()}, err
}

// GET /api/v1/cases/{id}/log — the case's head in the transparency log: the checkpoint
// and the inclusion proof, signing a new checkpoint if the head is newer than the last.
func (a *App) caseLogProof(c *fiber.Ctx) error {
	v, err := a.loadCase(c)
	if err != nil {
		return err
	}
	if len(v.Records) == 0 {
		return fault.New(fault.NotFound, "案件还没有记录")
	}
	last := v.Records[len(v.Records)-1]
	an, err := a.anchor(c.UserContext(), v.ID, last.Seq, last.Hash)
	if err != nil {
		return err
	}
	return c.JSON(an)
}

// POST /api/v1/log/checkpoints — sign a checkpoint now (supervisors and administrators),
// e.g. before a witness fetches it.
func (a *App) signCheckpoint(c *fiber.Ctx) error {
	if !canDraw(actor(c)) {
		return fault.New(fault.Forbidden, "只有执法监督人员和管理员可以签发日志检查点")
	}
	cp, err := a.translog.Checkpoint(c.UserContext(), checkpointMaxAge)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(cp)
}
