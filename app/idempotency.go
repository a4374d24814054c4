package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"zhifa/fault"
)

// A create is idempotent: a client that sends the same POST twice (a phone retrying on a
// weak network, a person pressing back and submitting again) gets the first result, not
// a second case with a second official number. API clients send an Idempotency-Key
// header; every page form carries a one-time key in its _once field. The first
// successful answer is kept for idempotencyTTL under the user, the route and the key,
// with a hash of the body: the same key and body answer it again (same status, body
// and Location); the same key with another body answers 409. A refusal or failure keeps
// nothing, so the corrected or retried request runs afresh.

const (
	idempotencyHeader = "Idempotency-Key"
	onceField         = "_once"
	idempotencyTTL    = 24 * time.Hour
	// pendingTTL bounds how long a request that died mid-way blocks its key.
	pendingTTL = 2 * time.Minute
)

// kept is a stored answer, or a claim while the first request runs.
type kept struct {
	Pending     bool   `json:"pending,omitempty"`
	Sum         string `json:"sum"`
	Status      int    `json:"status,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Location    string `json:"location,omitempty"`
	Body        []byte `json:"body,omitempty"`
}

// idempotent runs after requireLogin on every write route.
func (a *App) idempotent(c *fiber.Ctx) error {
	if c.Method() != fiber.MethodPost || isStreaming(c) {
		return c.Next()
	}
	key, page := c.Get(idempotencyHeader), false
	if key == "" {
		key, page = c.FormValue(onceField), true
	}
	if key == "" {
		return c.Next()
	}
	if len(key) > 128 || !printableASCII(key) {
		return fault.Field(idempotencyHeader, "幂等键应为 1 至 128 个可见 ASCII 字符")
	}
	h := sha256.New()
	h.Write([]byte(c.Method() + " " + c.Path() + "\n"))
	if strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEApplicationForm) {
		// A form is the same form with another session's CSRF token: a phone that signed in
		// again sends what it kept offline under a new one.
		c.Request().PostArgs().VisitAll(func(k, v []byte) {
			if string(k) != "_csrf" && string(k) != onceField {
				h.Write([]byte(url.QueryEscape(string(k)) + "=" + url.QueryEscape(string(v)) + "&"))
			}
		})
	} else {
		h.Write(c.Body())
	}
	sum := hex.EncodeToString(h.Sum(nil))
	rk := a.idempotencyKey(c, key)
	ctx := c.UserContext()
	claim, _ := json.Marshal(kept{Pending: true, Sum: sum})
	ok, err := a.rdb.SetNX(ctx, rk, claim, pendingTTL).Result()
	if err != nil {
		return redisDown(err)
	}
	if !ok {
		return a.replay(c, rk, sum, page)
	}
	err = c.Next()
	status := c.Response().StatusCode()
	if err != nil || status >= 400 {
		// Nothing was created: the key is free for the corrected or retried request.
		if derr := a.rdb.Del(ctx, rk).Err(); derr != nil {
			a.log.Warn("idempotency claim not released; it lapses by itself")
		}
		return err
	}
	done, _ := json.Marshal(kept{Sum: sum, Status: status, ContentType: string(c.Response().Header.ContentType()),
		Location: string(c.Response().Header.Peek(fiber.HeaderLocation)), Body: c.Response().Body()})
	if serr := a.rdb.Set(ctx, rk, done, idempotencyTTL).Err(); serr != nil {
		a.log.Warn("idempotent answer not kept; a repeat would run again")
	}
	return nil
}

// replay answers a repeated key with what its first request answered.
func (a *App) replay(c *fiber.Ctx, rk, sum string, page bool) error {
	b, err := a.rdb.Get(c.UserContext(), rk).Bytes()
	if errors.Is(err, redis.Nil) { // the first request just finished with a refusal
		return fault.New(fault.Conflict, "该请求刚刚处理完毕，请刷新页面查看结果")
	}
	if err != nil {
		return redisDown(err)
	}
	var k kept
	if err := json.Unmarshal(b, &k); err != nil {
		return err
	}
	switch {
	case k.Pending: // whatever the body: the first may yet fail, and the key be free again
		return fault.New(fault.Conflict, "同一请求正在处理中，请稍候刷新页面查看结果，不要重复提交")
	case k.Sum != sum && page:
		// Back, a different choice, submit: the page is the old one; say so in its words.
		return &fault.Error{Kind: fault.Conflict, Field: idempotencyHeader, Message: "这张表单已经提交过，这次填写的内容与上次不同，未办理：请刷新页面，在最新的页面上重新填写后提交"}
	case k.Sum != sum:
		return &fault.Error{Kind: fault.Conflict, Field: idempotencyHeader, Message: "该幂等键已用于另一项内容不同的请求，请换一个新键"}
	}
	c.Set("Idempotent-Replay", "true")
	if k.Location != "" {
		c.Set(fiber.HeaderLocation, k.Location)
		if page {
			setFlash(c, k.Location, "该表单已经提交过，未重复办理；以下是第一次提交的结果")
		}
	}
	if k.ContentType != "" {
		c.Set(fiber.HeaderContentType, k.ContentType)
	}
	return c.Status(k.Status).Send(k.Body)
}

func (a *App) idempotencyKey(c *fiber.Ctx, key string) string {
	h := sha256.Sum256([]byte(c.Method() + " " + c.Path() + "\n" + key))
	return a.cfg.RedisPrefix + "idem:" + actor(c).UserID.String() + ":" + hex.EncodeToString(h[:16])
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
