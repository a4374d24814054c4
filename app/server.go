package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/template/html/v2"
	"go.uber.org/zap"

	"zhifa/fault"
)

//go:embed templates
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// printCSS is the printable documents' stylesheet, also packed beside the case summary in
// a case archive, which is read offline.
var printCSS, _ = staticFS.ReadFile("static/print.css")

func (a *App) newServer() *fiber.App {
	tfs, _ := fs.Sub(templateFS, "templates")
	engine := html.NewFileSystem(http.FS(tfs), ".html")
	engine.AddFuncMap(templateFuncs)
	cfg := fiber.Config{
		AppName:      "zhifa",
		Views:        pageViews{engine},
		ViewsLayout:  "layout",
		ErrorHandler: a.handleError,
		// Values from the context must outlive the handler when they reach the log or
		// a domain call; immutable strings make that safe.
		Immutable: true,
		// Evidence files stream through to MinIO instead of being read whole into memory;
		// bodyGuard gives every other route the usual bounded, fully read body.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		ReadBufferSize:               readBufferSize,
		BodyLimit:                    a.cfg.BodyLimit,
		ReadTimeout:                  60 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		DisableStartupMessage:        true,
		EnableTrustedProxyCheck:      len(a.cfg.TrustedProxies) > 0,
		TrustedProxies:               a.cfg.TrustedProxies,
		// No ProxyHeader: Fiber would return X-Forwarded-For as the client sent it;
		// clientAddr reads it from the right instead.
	}
	srv := fiber.New(cfg)
	srv.Use(a.observe, a.bodyGuard, a.deadline, a.securityHeaders, a.inputGuard)
	srv.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(staticFS), PathPrefix: "static", MaxAge: 3600}))
	// The service worker is served from the root so that it may keep every page; the
	// browser checks it for changes on each visit.
	srv.Get("/sw.js", staticFile("static/sw.js", "text/javascript; charset=utf-8", "no-cache"))
	srv.Get("/manifest.webmanifest", staticFile("static/manifest.webmanifest", "application/manifest+json", "public, max-age=3600"))
	a.routes(srv)
	return srv
}

// staticFile answers one embedded file at a path of its own.
func staticFile(name, contentType, cacheControl string) fiber.Handler {
	b, err := staticFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, contentType)
		c.Set(fiber.HeaderCacheControl, cacheControl)
		return c.Send(b)
	}
}

var requestIDRe = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Limits of a request's head. fasthttp reads the request line and headers into one
// buffer of readBufferSize and refuses anything longer (431); below that, zhifa refuses
// a request line over maxURI (414) and headers over maxHeaders (431) itself, so that each
// answer says which part was too long while ordinary long cookies and queries pass.
const (
	readBufferSize = 32 << 10
	maxURI         = 8 << 10
	maxHeaders     = 16 << 10
)

func checkSizes(c *fiber.Ctx) error {
	if len(c.Request().RequestURI()) > maxURI {
		return &fault.Error{Kind: uriTooLong, Message: fmt.Sprintf("请求地址过长（上限 %d KiB）", maxURI>>10)}
	}
	if len(c.Request().Header.RawHeaders()) > maxHeaders {
		return &fault.Error{Kind: headersTooLarge, Message: fmt.Sprintf("请求头过大（上限 %d KiB），请清除本站 Cookie 后重试", maxHeaders>>10)}
	}
	return nil
}

// observe is the first middleware: it recovers panics, gives each request an ID (kept
// from a load balancer's X-Request-ID when well formed), runs the error handler itself so
// that the access log and the metrics see the real status, and logs the request.
func (a *App) observe(c *fiber.Ctx) (err error) {
	start := time.Now()
	id := c.Get(fiber.HeaderXRequestID)
	if !requestIDRe.MatchString(id) {
		id = newRequestID()
	}
	c.Locals(localRequestID, id)
	c.Locals(localClientIP, a.proxies.clientAddr(c))
	c.Locals(localStreaming, streams(c))
	c.Set(fiber.HeaderXRequestID, id)
	func() {
		defer func() {
			if r := recover(); r != nil {
				a.log.Error("panic", zap.String("request_id", id), zap.Any("panic", r), zap.ByteString("stack", debug.Stack()))
				err = fault.Wrap(fmt.Errorf("panic: %v", r), fault.Internal, "服务器内部错误")
			}
		}()
		err = checkSizes(c)
		if err == nil {
			err = c.Next()
		}
	}()
	if err != nil {
		if herr := a.handleError(c, err); herr != nil {
			a.log.Error("error handler failed", zap.String("request_id", id), zap.Error(herr))
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	if status >= 400 && isStreaming(c) {
		// The upload may have been refused before its body was read: never reuse the
		// connection, or the rest of the body would be parsed as the next request. A
		// client still sending would see a reset instead of the answer, so a few MiB
		// are read and dropped first, as net/http does.
		if body := c.Context().RequestBodyStream(); body != nil {
			_ = c.Context().Conn().SetReadDeadline(time.Now().Add(5 * time.Second))
			_, _ = io.Copy(io.Discard, io.LimitReader(body, 8<<20))
		}
		c.Response().SetConnectionClose()
	}
	route := c.Route().Path
	elapsed := time.Since(start)
	a.metrics.observe(c.Method(), route, status, elapsed)
	fields := []zap.Field{
		zap.String("request_id", id), zap.String("method", c.Method()), zap.String("path", c.Path()),
		zap.String("route", route), zap.Int("status", status), zap.Duration("elapsed", elapsed),
		zap.String("ip", clientIP(c)),
	}
	if act, ok := c.Locals(localActor).(*actorLocal); ok {
		fields = append(fields, zap.String("user", act.Username))
	}
	if status >= 500 {
		a.log.Warn("request", fields...)
	} else {
		a.log.Info("request", fields...)
	}
	return nil
}

// deadline gives every request a context that ends after the configured timeout; store
// calls take it from c.UserContext(). fasthttp's own context is never cancelled.
func (a *App) deadline(c *fiber.Ctx) error {
	if isStreaming(c) {
		// An upload lasts as long as bytes keep coming; its handler sets idle deadlines.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		c.SetUserContext(ctx)
		return c.Next()
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.cfg.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

func (a *App) securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "same-origin")
	// Phones send upload parts straight to MinIO, so pages may connect there too.
	pub := a.cfg.minioPublic()
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"connect-src 'self' "+pub.Scheme+"://"+pub.Host+"; frame-ancestors 'none'; form-action 'self'")
	return c.Next()
}

// streamingRoute matches the routes whose bodies are streamed by their handlers: evidence
// files and bulk imports of targets; recordWithFiles, a record sent with its files.
var (
	streamingRoute  = regexp.MustCompile(`^/api/v1/(records/[^/]+/media|cases/[^/]+/files|inspection/targets(/risk-classes)?)/?$`)
	recordWithFiles = regexp.MustCompile(`^/api/v1/cases/[^/]+/records/?$`)
)

// streams decides once whether a request's body is read by its handler as it arrives.
func streams(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false
	}
	if streamingRoute.MatchString(c.Path()) {
		return true
	}
	return recordWithFiles.MatchString(c.Path()) && strings.HasPrefix(string(c.Request().Header.ContentType()), fiber.MIMEMultipartForm)
}

// isStreaming reads what observe decided once for the request.
func isStreaming(c *fiber.Ctx) bool {
	s, _ := c.Locals(localStreaming).(bool)
	return s
}

// bodyGuard: with streamed request bodies, fasthttp hands over at most the first 8 KiB
// and leaves the rest on the connection. Every ordinary route gets its body read here,
// whole and within the limit; the streaming upload route reads its own, and when it
// answers without reading all of it the connection is closed, so leftover bytes are
// never taken for the next request.
func (a *App) bodyGuard(c *fiber.Ctx) error {
	req := c.Request()
	if isStreaming(c) {
		return c.Next()
	}
	n := req.Header.ContentLength()
	switch {
	case n > a.cfg.BodyLimit:
		c.Response().SetConnectionClose()
		return fault.New(fault.TooLarge, "请求体超过 %d 字节的上限", a.cfg.BodyLimit)
	case n == -1 && req.IsBodyStream(): // chunked: read up to the limit
		body, err := io.ReadAll(io.LimitReader(req.BodyStream(), int64(a.cfg.BodyLimit)+1))
		if err != nil {
			c.Response().SetConnectionClose()
			return &fault.Error{Kind: malformed, Message: "请求体读取失败", Err: err}
		}
		if len(body) > a.cfg.BodyLimit {
			c.Response().SetConnectionClose()
			return fault.New(fault.TooLarge, "请求体超过 %d 字节的上限", a.cfg.BodyLimit)
		}
		req.SetBodyRaw(body)
	case n > 0:
		_ = c.Body() // reads the rest of the stream into the request
	}
	return c.Next()
}

const (
	localRequestID = "request_id"
	localClientIP  = "client_ip"
	localStreaming = "streaming"
	localActor     = "actor"
)

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// pageViews renders a page, then its layout around it. The template engine's own layout
// mechanism calls the page from inside the layout through a function whose error the
// template package prints as text: a page that fails half-way would go out as 200 with
// the error message in it. Rendering the page first makes its failure an error, which
// the error handler turns into the error page, and the layout gets the finished page
// as .Body.
type pageViews struct{ *html.Engine }

func (v pageViews) Render(out io.Writer, name string, binding any, layout ...string) error {
	if len(layout) == 0 || layout[0] == "" {
		return v.Engine.Render(out, name, binding)
	}
	var body bytes.Buffer
	if err := v.Engine.Render(&body, name, binding); err != nil {
		return err
	}
	m, ok := binding.(fiber.Map)
	if !ok {
		return fmt.Errorf("page %s: a page in the layout is rendered from a fiber.Map, not %T", name, binding)
	}
	m["Body"] = template.HTML(body.String()) //nolint:gosec // our own template's escaped output
	return v.Engine.Render(out, layout[0], m)
}
