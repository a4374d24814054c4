package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"
	"math/bits"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhifa/fault"
)

// A public complaint costs its sender some work and some waiting, so that nobody can
// flood the bureau's queue with a script, and nobody needs a CAPTCHA: the page fetches a
// challenge, the browser finds a nonce whose SHA-256 with it starts with complaintWork
// zero bits (about a second on a phone), and each challenge is good once, for ten
// minutes. On top, each address may file complaintsPerHour complaints an hour.
const (
	complaintWork     = 16
	challengeLifetime = 10 * time.Minute
	complaintsPerHour = 5
	lookupsPerHour    = 60
)

func (a *App) challengeKey() []byte {
	m := hmac.New(sha256.New, []byte(a.cfg.QRKey))
	m.Write([]byte("zhifa complaint challenge"))
	return m.Sum(nil)
}

// GET /public/api/complaints/challenge — a fresh challenge and how much work it needs.
func (a *App) complaintChallenge(c *fiber.Ctx) error {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	body := strconv.FormatInt(time.Now().Add(challengeLifetime).Unix(), 10) + "." + hex.EncodeToString(b)
	m := hmac.New(sha256.New, a.challengeKey())
	m.Write([]byte(body))
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"challenge": body + "." + hex.EncodeToString(m.Sum(nil)), "difficulty": a.work(),
		"algorithm": "SHA-256(challenge + \":\" + nonce) starts with difficulty zero bits"})
}

// work is the number of leading zero bits a solution needs.
func (a *App) work() int {
	if a.cfg.ComplaintWork > 0 {
		return a.cfg.ComplaintWork
	}
	return complaintWork
}

// SolveChallenge finds a nonce for a challenge, as the complaint page's script does.
func SolveChallenge(challenge string, difficulty int) string {
	for n := 0; ; n++ {
		s := strconv.Itoa(n)
		if leadingZeros(challenge, s) >= difficulty {
			return s
		}
	}
}

func leadingZeros(challenge, nonce string) int {
	h := sha256.Sum256([]byte(challenge + ":" + nonce))
	n := 0
	for _, b := range h {
		if b != 0 {
			return n + bits.LeadingZeros8(b)
		}
		n += 8
	}
	return n
}

// checkChallenge accepts a challenge zhifa issued, unexpired, solved and not used before.
func (a *App) checkChallenge(c *fiber.Ctx, challenge, nonce string) error {
	parts := strings.Split(challenge, ".")
	if len(parts) != 3 || len(nonce) == 0 || len(nonce) > 32 {
		return fault.Field("challenge", "提交校验缺失，请刷新页面后重新提交")
	}
	m := hmac.New(sha256.New, a.challengeKey())
	m.Write([]byte(parts[0] + "." + parts[1]))
	mac, err := hex.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, m.Sum(nil)) {
		return fault.Field("challenge", "提交校验无效，请刷新页面后重新提交")
	}
	exp, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return fault.Field("challenge", "页面停留过久，提交校验已过期，请重新提交")
	}
	if leadingZeros(challenge, nonce) < a.work() {
		return fault.Field("challenge", "提交校验未完成，请重新提交")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 500*time.Millisecond)
	defer cancel()
	fresh, err := a.rdb.SetNX(ctx, a.cfg.RedisPrefix+"cmp:used:"+parts[1], 1, time.Until(time.Unix(exp, 0))+time.Minute).Result()
	if err != nil {
		return fault.Wrap(err, fault.Unavailable, "投诉暂时无法提交，请稍后再试")
	}
	if !fresh {
		return fault.Field("challenge", "这次提交校验已经用过，请刷新页面后重新提交")
	}
	return nil
}

// complaintAllowance refuses an address that has registered complaintsPerHour complaints
// this hour; countComplaint counts one once it is registered.
func (a *App) complaintAllowance(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 500*time.Millisecond)
	defer cancel()
	n, err := a.rdb.Get(ctx, a.complaintKey(c, "sub")).Int()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fault.Wrap(err, fault.Unavailable, "投诉暂时无法受理，请稍后再试")
	}
	if n >= complaintsPerHour {
		return &fault.Error{Kind: fault.TooMany, RetryAfter: time.Duration(3600-time.Now().Unix()%3600) * time.Second,
			Message: "同一网络一小时内最多提交 " + strconv.Itoa(complaintsPerHour) + " 件投诉，请稍后再试，或拨打 12345"}
	}
	return nil
}

func (a *App) countComplaint(c *fiber.Ctx) {
	ctx, cancel := context.WithTimeout(c.UserContext(), 500*time.Millisecond)
	defer cancel()
	key := a.complaintKey(c, "sub")
	pipe := a.rdb.TxPipeline()
	pipe.Incr(ctx, key)
	pipe.Expire(ctx, key, 2*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		a.log.Warn("complaint counter", zap.Error(err))
	}
}

func (a *App) complaintKey(c *fiber.Ctx, kind string) string {
	return a.cfg.RedisPrefix + "cmp:" + kind + ":" + limitKey(c) + ":" + strconv.FormatInt(time.Now().Unix()/3600, 10)
}

// complaintLimit lets each address look up lookupsPerHour tracking codes an hour.
func (a *App) complaintLimit(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 500*time.Millisecond)
	defer cancel()
	key := a.complaintKey(c, "trk")
	pipe := a.rdb.TxPipeline()
	incr := pipe.Incr(ctx, key)
	pipe.Expire(ctx, key, 2*time.Hour)
	if _, err := pipe.Exec(ctx); err != nil {
		return fault.Wrap(err, fault.Unavailable, "投诉暂时无法受理，请稍后再试")
	}
	if incr.Val() > int64(lookupsPerHour) {
		wait := time.Duration(3600-time.Now().Unix()%3600) * time.Second
		return &fault.Error{Kind: fault.TooMany, Message: "查询过于频繁，请稍后再试", RetryAfter: wait}
	}
	return nil
}
