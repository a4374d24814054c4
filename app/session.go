package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
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
	rdb    redis.UniversalClient
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
	// The user's list first, then the session: a session that exists is always on the
	// list its revocation reads. (The two keys may live on different nodes of a Cluster,
	// so they are not written in one MULTI.)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, userKey, h)
		p.Expire(ctx, userKey, s.ttl)
		return nil
	})
	if err == nil {
		err = s.rdb.Set(ctx, s.key("session", h), b, s.ttl).Err()
	}
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
	// The session first: a name left on the list ends nothing when revoked.
	err := s.rdb.Del(ctx, s.key("session", h)).Err()
	if err == nil {
		err = s.rdb.SRem(ctx, s.key("user-sessions", userID.String()), h).Err()
	}
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
	// One DEL a key, pipelined: on a Cluster the sessions lie on several nodes. The list
	// goes last, once every session on it is gone.
	if len(hs) == 0 {
		return nil
	}
	pipe := s.rdb.Pipeline()
	for _, h := range hs {
		pipe.Del(ctx, s.key("session", h))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return redisDown(err)
	}
	if err := s.rdb.SRem(ctx, userKey, anySlice(hs)...).Err(); err != nil {
		return redisDown(err)
	}
	return nil
}

// LoginLimits are the two guards in front of the password check.
type LoginLimits struct {
	PerAccount int           // attempts on one account per window; more answer 429
	PerAddress int           // failures from one address per window before attempts slow down
	Window     time.Duration // the window both count over
	Delay      time.Duration // the first spacing of a slowed address; it doubles every 10 failures more
	MaxDelay   time.Duration // no attempt waits longer than this for its turn
}

// The login gates decide an attempt before the password is checked, each in one atomic
// step, so that no more than PerAccount attempts on one account reach the check in a
// window, whatever the concurrency (reading first and counting afterwards let 40 parallel
// guesses all through).
//
// An address that failed PerAddress times is slowed: its attempts take turns, each
// reserving the next slot after the last, the slots further apart the more it fails. At
// most MaxDelay of turns are handed out; an attempt that would wait longer is refused
// with the time until there is room, so parallel connections do not buy more guesses.
// A browser where the account signed in before (a known device) skips the turns: an
// office behind one address keeps signing in while someone floods from the same address.
//
// The address's keys share the address as their hash tag and the account's key stands
// alone, so each gate's keys lie in one slot of a Redis Cluster. The address is asked
// first: a turn it hands out to an attempt that the account then refuses only slows that
// address further.

// addressGate: KEYS address failures, address slot. ARGV window ms, per-address limit,
// delay ms, max delay ms. Returns {verdict, ms}: 0 with the wait, or 2 (address busy) with
// the time until there is room.
var addressGate = redis.NewScript(`
local fails = tonumber(redis.call('GET', KEYS[1]) or '0')
if fails < tonumber(ARGV[2]) then
  return {0, 0}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local step = math.min(tonumber(ARGV[3]) * 2 ^ math.floor((fails - tonumber(ARGV[2])) / 10), tonumber(ARGV[4]))
local slot = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0')) + step
if slot - now > tonumber(ARGV[4]) then
  return {2, slot - now - tonumber(ARGV[4])}
end
redis.call('SET', KEYS[2], slot, 'PX', ARGV[1])
return {0, slot - now}
`)

// accountGate: KEYS account attempts. ARGV window ms, per-account limit. Returns {verdict,
// ms}: 0 (admitted, and counted), or 1 (locked) with the time until the window ends.
var accountGate = redis.NewScript(`
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[2]) then
  return {1, redis.call('PTTL', KEYS[1])}
end
if redis.call('INCR', KEYS[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {0, 0}
`)

// addressKey names a key of an address's login guard; the address is its hash tag.
func (s *Sessions) addressKey(kind, addr string) string {
	return s.key("login-ip", "{"+addr+"}", kind)
}

// LoginAttempt admits one login attempt: 429 once the account has had its attempts in
// the window or the address has used its turns, otherwise after the address's wait.
func (s *Sessions) LoginAttempt(ctx context.Context, username, addr string, knownDevice bool, l LoginLimits) error {
	wait := int64(0)
	if !knownDevice {
		res, err := addressGate.Run(ctx, s.rdb, []string{s.addressKey("fail", addr), s.addressKey("slot", addr)}, l.Window.Milliseconds(),
			l.PerAddress, l.Delay.Milliseconds(), l.MaxDelay.Milliseconds()).Int64Slice()
		if err != nil {
			return redisDown(err)
		}
		if res[0] == 2 {
			return &fault.Error{Kind: fault.TooMany, Message: "本网络地址登录尝试过多，请稍后再试；在本机登录过的账号不受影响",
				RetryAfter: time.Duration(max(res[1], 1000)) * time.Millisecond}
		}
		wait = res[1]
	}
	res, err := accountGate.Run(ctx, s.rdb, []string{s.key("login-try", "user", username)}, l.Window.Milliseconds(), l.PerAccount).Int64Slice()
	if err != nil {
		return redisDown(err)
	}
	if res[0] == 1 {
		return &fault.Error{Kind: fault.TooMany, Message: "该账号登录失败次数过多，请稍后再试或联系管理员",
			RetryAfter: time.Duration(max(res[1], 1000)) * time.Millisecond}
	}
	if wait > 0 {
		t := time.NewTimer(time.Duration(wait) * time.Millisecond)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return fault.Wrap(ctx.Err(), fault.Unavailable, "登录请求超时，请稍后重试")
		}
	}
	return nil
}

// deviceLifetime is how long a browser stays known to the accounts that signed in on it.
const deviceLifetime = 90 * 24 * time.Hour

// KnownDevice reports whether the device token (from the browser's cookie) belongs to a
// browser where username signed in before.
func (s *Sessions) KnownDevice(ctx context.Context, token, username string) (bool, error) {
	if token == "" {
		return false, nil
	}
	ok, err := s.rdb.SIsMember(ctx, s.key("device", tokenKey(token)), username).Result()
	if err != nil {
		return false, redisDown(err)
	}
	return ok, nil
}

// RememberDevice records that username signed in on the browser holding token (a new
// token when empty) and returns the token to keep in its cookie.
func (s *Sessions) RememberDevice(ctx context.Context, token, username string) (string, error) {
	if token == "" || len(token) > 64 {
		token = randomToken()
	}
	k := s.key("device", tokenKey(token))
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SAdd(ctx, k, username)
		p.Expire(ctx, k, deviceLifetime)
		return nil
	})
	if err != nil {
		return "", redisDown(err)
	}
	return token, nil
}

// LoginFailed counts a wrong password against the address; the account counted it as an
// attempt already.
func (s *Sessions) LoginFailed(ctx context.Context, ip string, window time.Duration) error {
	k := s.addressKey("fail", ip)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, k)
		p.ExpireNX(ctx, k, window)
		return nil
	})
	if err != nil {
		return redisDown(err)
	}
	return nil
}

// LoginSucceeded clears the account's attempts.
func (s *Sessions) LoginSucceeded(ctx context.Context, username string) error {
	if err := s.rdb.Del(ctx, s.key("login-try", "user", username)).Err(); err != nil {
		return redisDown(err)
	}
	return nil
}

// Ping checks that Redis answers.
func (s *Sessions) Ping(ctx context.Context) error { return s.rdb.Ping(ctx).Err() }

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
