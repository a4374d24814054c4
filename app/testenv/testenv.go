// Package testenv gives each test its own PostgreSQL database, Redis key prefix and MinIO
// bucket on the real servers, and removes them when the test ends, so that test runs
// never collide. It also offers a TCP proxy that a test can cut to see how zhifa behaves
// when a component goes away.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/redis/go-redis/v9"

	"zhifa/app/localdev"
	"zhifa/app/migrations"
)

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// AdminURL is the database tests connect to in order to create their own.
func AdminURL() string {
	return env("ZHIFA_TEST_DATABASE_URL", "postgres://root@127.0.0.1:5432/test?sslmode=disable")
}

// RedisURL is the Redis server tests use.
func RedisURL() string { return env("ZHIFA_TEST_REDIS_URL", "redis://127.0.0.1:6379/0") }

// MinIOEndpoint is the MinIO server tests use.
func MinIOEndpoint() string { return env("ZHIFA_TEST_MINIO_ENDPOINT", "127.0.0.1:9000") }

// Suffix returns a short random name part.
func Suffix() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// DatabaseURL returns the URL of a database with another name on the same server.
func DatabaseURL(name string) string {
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	return u.String()
}

func adminExec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// CreateDatabase creates a database, a copy of template when one is named, and applies
// the migrations to it otherwise.
func CreateDatabase(ctx context.Context, name, template string) error {
	sql := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		sql += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if err := adminExec(ctx, sql); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	if template != "" {
		return nil
	}
	conn, err := pgx.Connect(ctx, DatabaseURL(name))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, _, err = migrations.Apply(ctx, conn)
	return err
}

// DropDatabase removes a database, ending any session still connected to it.
func DropDatabase(ctx context.Context, name string) error {
	return adminExec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}

// Database gives the test a migrated database of its own (a copy of template when one
// is named) and drops it when the test ends. It returns the database's URL.
func Database(t testing.TB, template string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	name := "zt_" + Suffix()
	if err := CreateDatabase(ctx, name, template); err != nil {
		t.Fatalf("test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := DropDatabase(ctx, name); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return DatabaseURL(name)
}

// RedisPrefix gives the test a key prefix of its own and deletes its keys afterwards.
func RedisPrefix(t testing.TB) string {
	t.Helper()
	prefix := "zt:" + Suffix() + ":"
	t.Cleanup(func() {
		opt, err := redis.ParseURL(RedisURL())
		if err != nil {
			return
		}
		rdb := redis.NewClient(opt)
		defer rdb.Close()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
	})
	return prefix
}

// MinIO returns a client for the test MinIO server, with the keys the deploy script made.
func MinIO() (*minio.Client, error) {
	secret := os.Getenv("ZHIFA_MINIO_SECRET_KEY")
	if secret == "" {
		secret = localdev.ReadSecret(localdev.MinIOSecretFile(os.Getenv))
	}
	return minio.New(MinIOEndpoint(), &minio.Options{
		Creds: credentials.NewStaticV4(env("ZHIFA_MINIO_ACCESS_KEY", "zhifa"), secret, ""),
	})
}

// Bucket names a bucket for the test and removes it, with every object version in it,
// when the test ends. Whoever uses it creates it (zhifa's migrate does).
func Bucket(t testing.TB) string {
	t.Helper()
	name := "zt-" + Suffix()
	t.Cleanup(func() {
		if err := RemoveBucket(name); err != nil {
			t.Logf("remove test bucket %s: %v", name, err)
		}
	})
	return name
}

// RemoveBucket removes a bucket of the tests with every object version in it, retention
// bypassed; a bucket that is not there is no error.
func RemoveBucket(name string) error {
	mc, err := MinIO()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if ok, err := mc.BucketExists(ctx, name); err != nil || !ok {
		return err
	}
	for obj := range mc.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if obj.Err == nil {
			_ = mc.RemoveObject(ctx, name, obj.Key, minio.RemoveObjectOptions{VersionID: obj.VersionID, GovernanceBypass: true})
		}
	}
	return mc.RemoveBucket(ctx, name)
}

// Env is the environment of a zhifa whose database, Redis prefix and bucket belong to
// this test alone.
func Env(t testing.TB, template string) map[string]string {
	return map[string]string{
		"ZHIFA_ENV":            "test",
		"ZHIFA_DATABASE_URL":   Database(t, template),
		"ZHIFA_REDIS_URL":      RedisURL(),
		"ZHIFA_REDIS_PREFIX":   RedisPrefix(t),
		"ZHIFA_MINIO_ENDPOINT": MinIOEndpoint(),
		"ZHIFA_MINIO_BUCKET":   Bucket(t),
		"ZHIFA_LOG_LEVEL":      "warn",
		// One key for every process the test starts on this database, so a restarted zhifa
		// unseals the secrets the first one stored.
		"ZHIFA_EXCHANGE_KEY":  randomHex(32),
		"ZHIFA_EXCHANGE_POLL": "200ms",
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Getenv reads from m first and from the process environment after.
func Getenv(m map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
}
