package app

import (
	"context"
	"crypto/subtle"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"go.uber.org/zap"

	"zhifa/enforcement"
	"zhifa/fault"
)

const (
	sessionCookie   = "zhifa_session"
	loginCSRFCookie = "zhifa_login_csrf"
	// deviceCookie marks a browser where accounts signed in before; their logins skip
	// the turns a flooded address takes (LoginAttempt).
	deviceCookie = "zhifa_device"
)

// actorLocal is what requireLogin leaves on the request for handlers.
type actorLocal struct {
	enforcement.Actor
	Session   Session
	token     string
	viaCookie bool
}

func actor(c *fiber.Ctx) enforcement.Actor { return c.Locals(localActor).(*actorLocal).Actor }

func current(c *fiber.Ctx) *actorLocal {
	l, _ := c.Locals(localActor).(*actorLocal)
	return l
}

// requireLogin admits a request that carries a live session, from the cookie that
// login sets for web pages or from an Authorization: Bearer token for mobile clients.
// Cookie-borne writes must also carry the session's CSRF token: browsers attach
// cookies to cross-site posts, but never a header or a form field they did not see.
func (a *App) requireLogin(c *fiber.Ctx) error {
	token, viaCookie := "", false
	if h := c.Get(fiber.HeaderAuthorization); strings.HasPrefix(h, "Bearer ") {
		token = strings.TrimSpace(strings.TrimPrefix(h, "Bearer "))
	} else if ck := c.Cookies(sessionCookie); ck != "" {
		token, viaCookie = ck, true
	}
	if token == "" {
		return fault.New(fault.Unauthorized, "请先登录")
	}
	ctx := c.UserContext()
	sess, err := a.sessions.Find(ctx, token)
	if err != nil {
		return err
	}
	act, err := a.enforcement.Store.FindActor(ctx, sess.UserID)
	if fault.Is(err, fault.NotFound) {
		return fault.New(fault.Unauthorized, "账号不存在或已停用，请重新登录")
	}
	if err != nil {
		return err
	}
	if viaCookie && !safeMethod(c.Method()) {
		sent := c.Get("X-CSRF-Token")
		if sent == "" && !isStreaming(c) { // a form field would mean reading the upload first
			sent = c.FormValue("_csrf")
		}
		if subtle.ConstantTimeCompare([]byte(sent), []byte(sess.CSRF)) != 1 {
			return fault.New(fault.Forbidden, "页面已过期或来源不明，请刷新后重试")
		}
	}
	c.Locals(localActor, &actorLocal{Actor: act, Session: sess, token: token, viaCookie: viaCookie})
	return c.Next()
}

func safeMethod(m string) bool {
	return m == fiber.MethodGet || m == fiber.MethodHead || m == fiber.MethodOptions
}

// recordWrites appends every write by a signed-in user to the activity log, with the
// status it ended in. A failure to record is logged and does not undo the write.
func (a *App) recordWrites(c *fiber.Ctx) error {
	err := c.Next()
	if safeMethod(c.Method()) {
		return err
	}
	status := c.Response().StatusCode()
	if err != nil {
		_, status, _ = classify(err)
	}
	entry := enforcement.Activity{Method: c.Method(), Path: c.Path(), Route: c.Route().Path, Status: status}
	if l := current(c); l != nil {
		entry.UserID, entry.Username, entry.AgencyID = &l.UserID, l.Username, &l.AgencyID
	}
	a.record(c, entry)
	return err
}

func (a *App) record(c *fiber.Ctx, e enforcement.Activity) {
	e.IP, e.RequestID, e.UserAgent = clientIP(c), requestID(c), truncate(c.Get(fiber.HeaderUserAgent), 300)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.enforcement.Store.AddActivity(ctx, e); err != nil {
		a.log.Error("activity log write failed", zap.String("request_id", e.RequestID), zap.Error(err))
	}
}

// truncate shortens text that is only recorded (a User-Agent) to n bytes, without what
// the input rule refuses and without cutting a character in half.
func truncate(s string, n int) string {
	s = enforcement.StripUnsafe(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

type loginInput struct {
	Username string `json:"username" form:"username"`
	Password string `json:"password" form:"password"`
}

func (in *loginInput) validate() error {
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	if in.Username == "" {
		return fault.Field("username", "请输入用户名")
	}
	if in.Password == "" {
		return fault.Field("password", "请输入密码")
	}
	return nil
}

// signIn checks the rate limit and the password, opens a session and records the
// attempt either way.
func (a *App) signIn(c *fiber.Ctx, in loginInput) (enforcement.User, string, error) {
	ctx := c.UserContext()
	entry := enforcement.Activity{Method: c.Method(), Path: c.Path(), Route: c.Route().Path, Username: in.Username}
	device := c.Cookies(deviceCookie)
	known, err := a.sessions.KnownDevice(ctx, device, in.Username)
	if err != nil {
		return enforcement.User{}, "", err
	}
	if err := a.sessions.LoginAttempt(ctx, in.Username, limitKey(c), known, a.loginLimits()); err != nil {
		entry.Status = fiber.StatusTooManyRequests
		if fault.Is(err, fault.Unavailable) {
			entry.Status = fiber.StatusServiceUnavailable
		}
		a.record(c, entry)
		return enforcement.User{}, "", err
	}
	u, err := a.enforcement.Authenticate(ctx, in.Username, in.Password)
	if fault.Is(err, fault.Unauthorized) {
		if ferr := a.sessions.LoginFailed(ctx, limitKey(c), a.cfg.LoginFailWindow); ferr != nil {
			return enforcement.User{}, "", ferr
		}
		entry.Status = fiber.StatusUnauthorized
		a.record(c, entry)
		return u, "", err
	}
	if err != nil {
		return u, "", err
	}
	if err := a.sessions.LoginSucceeded(ctx, in.Username); err != nil {
		return u, "", err
	}
	if device, err = a.sessions.RememberDevice(ctx, device, in.Username); err != nil {
		return u, "", err
	}
	c.Cookie(&fiber.Cookie{Name: deviceCookie, Value: device, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteStrictMode,
		Secure: a.cfg.Env == "production", Expires: time.Now().Add(deviceLifetime)})
	token, _, err := a.sessions.Create(ctx, u.ID, clientIP(c), truncate(c.Get(fiber.HeaderUserAgent), 300))
	if err != nil {
		return u, "", err
	}
	entry.UserID, entry.AgencyID, entry.Status = &u.ID, &u.AgencyID, fiber.StatusOK
	a.record(c, entry)
	return u, token, nil
}

func (a *App) loginLimits() LoginLimits {
	return LoginLimits{PerAccount: a.cfg.LoginMaxFails, PerAddress: a.cfg.LoginIPMaxFails, Window: a.cfg.LoginFailWindow,
		Delay: a.cfg.LoginIPDelay, MaxDelay: min(10*time.Second, a.cfg.RequestTimeout/3)}
}

func (a *App) setSessionCookie(c *fiber.Ctx, token string) {
	c.Cookie(&fiber.Cookie{
		Name: sessionCookie, Value: token, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode,
		Secure: a.cfg.Env == "production", Expires: time.Now().Add(a.cfg.SessionLifetime),
	})
}

func (a *App) clearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/", HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Expires: time.Unix(0, 0), Secure: a.cfg.Env == "production"})
}

// meView is the signed-in user as API.md describes it.
type meView struct {
	ID             uuid.UUID          `json:"id"`
	Username       string             `json:"username"`
	Name           string             `json:"name"`
	Roles          []enforcement.Role `json:"roles"`
	AgencyID       uuid.UUID          `json:"agency_id"`
	AgencyName     string             `json:"agency_name,omitempty"`
	OfficerID      *uuid.UUID         `json:"officer_id"`
	LegalQualified bool               `json:"legal_qualified"`
}

func meOf(a enforcement.Actor) meView {
	return meView{a.UserID, a.Username, a.Name, a.Roles, a.AgencyID, a.AgencyName, a.OfficerID, a.LegalQualified}
}

// POST /api/v1/auth/login
func (a *App) apiLogin(c *fiber.Ctx) error {
	var in loginInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	u, token, err := a.signIn(c, in)
	if err != nil {
		return err
	}
	act, err := a.enforcement.Store.FindActor(c.UserContext(), u.ID)
	if err != nil {
		return err
	}
	a.setSessionCookie(c, token)
	return c.JSON(fiber.Map{"token": token, "user": meOf(act), "expires_in": int(a.cfg.SessionLifetime.Seconds())})
}

// POST /api/v1/auth/logout
func (a *App) apiLogout(c *fiber.Ctx) error {
	l := current(c)
	if err := a.sessions.Delete(c.UserContext(), l.token, l.UserID); err != nil {
		return err
	}
	a.clearSessionCookie(c)
	return c.SendStatus(fiber.StatusNoContent)
}

// GET /api/v1/me
func (a *App) apiMe(c *fiber.Ctx) error {
	// A page signed in by cookie learns its session's CSRF token here: records kept on a
	// phone without a network are sent later from a page that may be older than the session.
	if l := current(c); l != nil && l.viaCookie {
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(struct {
			meView
			CSRF string `json:"csrf"`
		}{meOf(actor(c)), l.Session.CSRF})
	}
	return c.JSON(meOf(actor(c)))
}
