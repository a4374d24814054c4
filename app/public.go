package app

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"zhifa/enforcement"
	"zhifa/fault"
)

// The portal is read by anyone, so it is rate-limited per address and its JSON answers
// are cached in Redis for a short while: a crawl costs Redis lookups, not PostgreSQL
// queries that officers' requests wait behind. Both fail open when Redis is away: the
// public still reads, only slower.
const publicCacheTTL = 30 * time.Second

func (a *App) publicRoutes(srv *fiber.App) {
	pub := srv.Group("/public", a.publicLimit)
	pub.Get("/api/decisions", a.publicCached(a.publicDecisionsJSON))
	pub.Get("/api/decisions/:id", a.publicCached(a.publicDecisionJSON))
	pub.Get("/", a.portalPage)
	pub.Get("/decisions/:id", a.portalDecisionPage)
	a.certificateRoutes(pub)
	a.publicAgencyRoutes(pub)
	pub.Get("/api/matters", a.publicCached(a.publicMattersJSON))
	pub.Get("/matters", a.publicMattersPage)
	a.publicInspectionRoutes(pub)
	a.publicCheckRoutes(pub)
	a.publicAuditRoutes(pub)
	a.publicInspectionPageRoutes(pub)
	a.publicLogRoutes(pub)
	a.publicSupervisionRoutes(pub)
	a.publicDocumentRoutes(pub)
	a.statReturnPublicRoutes(pub)
}

// publicLimit allows each address ZHIFA_PUBLIC_RATE requests a minute.
func (a *App) publicLimit(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 200*time.Millisecond)
	defer cancel()
	minute := time.Now().Unix() / 60
	key := a.cfg.RedisPrefix + "pub:rl:" + limitKey(c) + ":" + strconv.FormatInt(minute, 10)
	pipe := a.rdb.TxPipeline()
	incr := pipe.Incr(ctx, key)
	pipe.Expire(ctx, key, 2*time.Minute)
	if _, err := pipe.Exec(ctx); err != nil {
		a.log.Warn("public rate limit unavailable", zap.Error(err))
		return c.Next()
	}
	if incr.Val() > int64(a.cfg.PublicRate) {
		wait := time.Duration(60-time.Now().Unix()%60) * time.Second
		return &fault.Error{Kind: fault.TooMany, Message: "访问过于频繁，请稍后再试", RetryAfter: wait}
	}
	return c.Next()
}

// publicCached answers from Redis when it can. The key carries a version that every
// publication and withdrawal moves on, so nothing stale outlives a change.
func (a *App) publicCached(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx, cancel := context.WithTimeout(c.UserContext(), 200*time.Millisecond)
		defer cancel()
		ver, err := a.rdb.Get(ctx, a.cfg.RedisPrefix+"pub:ver").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return h(c)
		}
		key := a.cfg.RedisPrefix + "pub:c:" + ver + ":" + c.OriginalURL()
		if b, err := a.rdb.Get(ctx, key).Bytes(); err == nil {
			c.Set("X-Cache", "hit")
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
			return c.Send(b)
		}
		// Many visitors asking the same thing at once make one query, not one each.
		v, err, shared := a.publicFlight.Do(key, func() (any, error) {
			if err := h(c); err != nil {
				return nil, err
			}
			body := append([]byte(nil), c.Response().Body()...)
			if c.Response().StatusCode() == fiber.StatusOK {
				if err := a.rdb.Set(context.WithoutCancel(ctx), key, body, publicCacheTTL).Err(); err != nil {
					a.log.Warn("public cache unavailable", zap.Error(err))
				}
			}
			return publicAnswer{status: c.Response().StatusCode(), body: body}, nil
		})
		if err != nil || !shared {
			return err
		}
		ans := v.(publicAnswer)
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Status(ans.status).Send(ans.body)
	}
}

type publicAnswer struct {
	status int
	body   []byte
}

// publicChanged moves the cache version on after a publication or withdrawal.
func (a *App) publicChanged(c *fiber.Ctx) {
	if err := a.rdb.Incr(c.UserContext(), a.cfg.RedisPrefix+"pub:ver").Err(); err != nil {
		a.log.Warn("public cache version not moved; answers may be 30 s stale", zap.Error(err))
	}
}

func (a *App) publicFilter(c *fiber.Ctx) (enforcement.PublicFilter, error) {
	var f enforcement.PublicFilter
	var err error
	if f.Page, f.AgencyID, f.From, f.To, err = listParams(c); err != nil {
		return f, err
	}
	// A date in "to" is a day the visitor includes: the filter runs to the next day's start.
	if _, derr := enforcement.ParseDate(c.Query("to")); derr == nil && f.To != nil {
		next := f.To.AddDate(0, 0, 1)
		f.To = &next
	}
	f.Q = c.Query("q")
	f.Kind = "decision"
	if strings.Contains(c.Path(), "/results") {
		f.Kind = "inspection_result"
	}
	return f, nil
}

// GET /public/api/decisions?agency_id=&from=&to=&q=
func (a *App) publicDecisionsJSON(c *fiber.Ctx) error {
	f, err := a.publicFilter(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.PublicDecisions(c.UserContext(), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /public/api/decisions/{id}
func (a *App) publicDecisionJSON(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.enforcement.PublicDecision(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(d)
}

// GET /public/ — the portal: search published decisions.
func (a *App) portalPage(c *fiber.Ctx) error {
	f, err := a.publicFilter(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.PublicDecisions(c.UserContext(), f)
	if err != nil {
		return err
	}
	ags, err := a.enforcement.Store.ListAgencies(c.UserContext(), enforcement.AgencyFilter{Scope: enforcement.Scope{Public: true},
		Page: enforcement.Page{Number: 1, Size: 200}})
	if err != nil {
		return err
	}
	title := "行政执法公示"
	if f.Kind == "inspection_result" {
		title = "双随机抽查结果公示"
	}
	return c.Render("portal", a.publicView(c, title, fiber.Map{"Results": f.Kind == "inspection_result", "List": l, "Q": f.Q, "Agencies": ags.Items,
		"AgencyID": c.Query("agency_id"), "From": c.Query("from"), "To": c.Query("to"), "Pager": pager(c, f.Page, l.Total)}))
}

// GET /public/decisions/{id}
func (a *App) portalDecisionPage(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	d, err := a.enforcement.PublicDecision(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Render("portal_decision", a.publicView(c, d.Title, fiber.Map{"D": d}))
}

// publicView is the data of a public page: no account, no navigation.
func (a *App) publicView(c *fiber.Ctx, title string, data fiber.Map) fiber.Map {
	data["Title"], data["Public"] = title, true
	takeFlash(c, data)
	return data
}
