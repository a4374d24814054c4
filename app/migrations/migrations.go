// Package migrations holds zhifa's schema as numbered, forward-only SQL files embedded in
// the binary, and applies them under a PostgreSQL advisory lock so that of several
// replicas starting at once exactly one migrates while the others wait.
package migrations

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed *.sql
var files embed.FS

// versionTable records the applied version; tern keeps one row in it.
const versionTable = "public.schema_version"

func migrator(ctx context.Context, conn *pgx.Conn, fsys fs.FS) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return nil, err
	}
	if err := m.LoadMigrations(fsys); err != nil {
		return nil, err
	}
	return m, nil
}

// Latest is the version the embedded files lead to.
func Latest() int {
	names, err := migrate.FindMigrations(files)
	if err != nil {
		panic(err) // the embedded files are fixed at build time; a gap is a build error
	}
	return len(names)
}

// Apply brings the database to the latest version. Each file runs in its own
// transaction, so a failing one leaves the schema as the previous file left it.
func Apply(ctx context.Context, conn *pgx.Conn) (from, to int, err error) {
	return ApplyFS(ctx, conn, files)
}

// ApplyFS applies the migrations in fsys; Apply uses the embedded ones.
func ApplyFS(ctx context.Context, conn *pgx.Conn, fsys fs.FS) (from, to int, err error) {
	m, err := migrator(ctx, conn, fsys)
	if err != nil {
		return 0, 0, fmt.Errorf("prepare migrations: %w", err)
	}
	v, err := m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("read schema version: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		var pe migrate.MigrationPgError
		if errors.As(err, &pe) {
			return int(v), 0, fmt.Errorf("migration %s failed: %w", pe.MigrationName, err)
		}
		return int(v), 0, err
	}
	return int(v), len(m.Migrations), nil
}

// Current reads the applied version without changing anything; 0 when none is.
func Current(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, versionTable).Scan(&exists); err != nil {
		return 0, err
	}
	if !exists {
		return 0, nil
	}
	var v int
	err := q.QueryRow(ctx, `SELECT version FROM `+versionTable).Scan(&v)
	return v, err
}
