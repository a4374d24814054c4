package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"zhifa/fault"
)

// Sessions keeps logins in Redis. A token is 32 random bytes given to the client once;
// Redis stores only its SHA-256, so a copy of Redis does not yield usable tokens. Every
// session expires after the configured lifetime and can be revoked.
type Sessions struct {
	rdb    *redis.Client
	prefix string
	ttl    time.Duration
}

// Session is what a login remembers.
type Session struct {
	UserID  uuid.UUID `json:"user_id"`
	CSRF    string    `json:"csrf"`
	Created time.Time `json:"created"`
	IP      string    `json:"ip"`
	Agent   string    `json:"agent"`
}

func redisDown(err error) error {
	return fault.Wrap(err, fault.Unavailable, "会话服务（Redis）暂时无法访问，请稍后重试")
}

func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func tokenKey(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s *Sessions) key(parts ...string) string { return s.prefix + strings.Join(parts, ":") }

// Create opens a session for a user and returns its token.
func (s *Sessions) Create(ctx context.Context, userID uuid.UUID, ip, agent string) (string, Session, error) {
	token := randomToken()
	sess := Session{UserID: userID, CSRF: randomToken(), Created: time.Now().UTC(), IP: ip, Agent: agent}
	b, _ := json.Marshal(sess)
	h := tokenKey(token)
	userKey := s.key("user-sessions", userID.String())
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.key("session", h), b, s.ttl)
		p.SAdd(ctx, userKey, h)
		p.Expire(ctx, userKey, s.ttl)
		return nil
	})
	if err != nil {
		return "", Session{}, redisDown(err)
	}
	return token, sess, nil
}

// Find returns the session of a token.
func (s *Sessions) Find(ctx context.Context, token string) (Session, error) {
	b, err := s.rdb.Get(ctx, s.key("session", tokenKey(token))).Bytes()
	if errors.Is(err, redis.Nil) {
		return Session{}, fault.New(fault.Unauthorized, "登录已失效，请重新登录")
	}
	if err != nil {
		return Session{}, redisDown(err)
	}
	var sess Session
	if err := json.Unmarshal(b, &sess); err != nil {
		return Session{}, fault.New(fault.Unauthorized, "登录已失效，请重新登录")
	}
	return sess, nil
}

// Delete ends one session.
func (s *Sessions) Delete(ctx context.Context, token string, userID uuid.UUID) error {
	h := tokenKey(token)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.key("session", h))
		p.SRem(ctx, s.key("user-sessions", userID.String()), h)
		return nil
	})
	if err != nil {
		return redisDown(err)
	}
	return nil
}

// RevokeUser ends every session of a user, as when an account is withdrawn.
func (s *Sessions) RevokeUser(ctx context.Context, userID uuid.UUID) error {
	userKey := s.key("user-sessions", userID.String())
	hs, err := s.rdb.SMembers(ctx, userKey).Result()
	if err != nil {
		return redisDown(err)
	}
	keys := []string{userKey}
	for _, h := range hs {
		keys = append(keys, s.key("session", h))
	}
	if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
		return redisDown(err)
	}
	return nil
}

// LoginAllowed refuses a login attempt once an account or an address has failed too
// often within the window; counting only failures keeps a busy office behind one
// address from locking itself out.
func (s *Sessions) LoginAllowed(ctx context.Context, username, ip string, maxUser, maxIP int) error {
	vals, err := s.rdb.MGet(ctx, s.key("login-fail", "user", username), s.key("login-fail", "ip", ip)).Result()
	if err != nil {
		return redisDown(err)
	}
	count := func(v any) int {
		str, _ := v.(string)
		n, _ := strconv.Atoi(str)
		return n
	}
	if count(vals[0]) >= maxUser || count(vals[1]) >= maxIP {
		return fault.New(fault.TooMany, "登录失败次数过多，请稍后再试")
	}
	return nil
}

// LoginFailed counts a failed attempt against the account and the address.
func (s *Sessions) LoginFailed(ctx context.Context, username, ip string, window time.Duration) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range []string{s.key("login-fail", "user", username), s.key("login-fail", "ip", ip)} {
			p.Incr(ctx, k)
			p.ExpireNX(ctx, k, window)
		}
		return nil
	})
	if err != nil {
		return redisDown(err)
	}
	return nil
}

// LoginSucceeded clears the account's failure count.
func (s *Sessions) LoginSucceeded(ctx context.Context, username string) error {
	if err := s.rdb.Del(ctx, s.key("login-fail", "user", username)).Err(); err != nil {
		return redisDown(err)
	}
	return nil
}

// Ping checks that Redis answers.
func (s *Sessions) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }
