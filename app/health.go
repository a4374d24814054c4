package app

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// GET /healthz: the process runs.
func (a *App) healthz(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) }

// GET /readyz: PostgreSQL, Redis and MinIO all answer; otherwise 503 naming the first
// that does not, so a load balancer takes this replica out and an operator knows why.
func (a *App) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := []struct {
		name, label string
		check       func(context.Context) error
	}{
		{"postgres", "PostgreSQL", func(ctx context.Context) error { return a.db.Ping(ctx) }},
		{"redis", "Redis", a.sessions.Ping},
		{"minio", "MinIO", a.minioReady},
	}
	for _, ch := range checks {
		if err := ch.check(ctx); err != nil {
			c.Status(fiber.StatusServiceUnavailable)
			return c.JSON(fiber.Map{"status": "unavailable", "component": ch.name,
				"error": fiber.Map{"code": "unavailable", "message": ch.label + " 无法访问"}})
		}
	}
	return c.JSON(fiber.Map{"status": "ok"})
}

func (a *App) minioReady(ctx context.Context) error {
	ok, err := a.minio.BucketExists(ctx, a.cfg.MinIOBucket)
	if err == nil && !ok {
		return errBucketMissing
	}
	return err
}

type constError string

func (e constError) Error() string { return string(e) }

const errBucketMissing = constError("evidence bucket does not exist")
