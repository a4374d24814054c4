package app

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"

	"zhifa/fault"
)

// malformed marks a body that could not be parsed at all; it answers 400 where a
// well-formed body with a bad field answers 422.
const malformed fault.Kind = "malformed"

// methodNotAllowed marks a route that exists but refuses the method; it answers 405.
const methodNotAllowed fault.Kind = "method_not_allowed"

// rangeNotSatisfiable marks a byte range past the end of a file; it answers 416.
const rangeNotSatisfiable fault.Kind = "range_not_satisfiable"

// uriTooLong and headersTooLarge mark a request line or header block past its limit;
// they answer 414 and 431.
const (
	uriTooLong      fault.Kind = "uri_too_long"
	headersTooLarge fault.Kind = "headers_too_large"
)

// statusOf is the one table from error kinds to HTTP statuses and API codes.
var statusOf = map[fault.Kind]struct {
	status int
	code   string
}{
	fault.Invalid:       {fiber.StatusUnprocessableEntity, "invalid"},
	malformed:           {fiber.StatusBadRequest, "invalid"},
	fault.Unauthorized:  {fiber.StatusUnauthorized, "unauthorized"},
	fault.Forbidden:     {fiber.StatusForbidden, "forbidden"},
	fault.NotFound:      {fiber.StatusNotFound, "not_found"},
	fault.Conflict:      {fiber.StatusConflict, "conflict"},
	fault.TooLarge:      {fiber.StatusRequestEntityTooLarge, "too_large"},
	fault.TooMany:       {fiber.StatusTooManyRequests, "too_many"},
	fault.Unavailable:   {fiber.StatusServiceUnavailable, "unavailable"},
	fault.Internal:      {fiber.StatusInternalServerError, "internal"},
	methodNotAllowed:    {fiber.StatusMethodNotAllowed, "method_not_allowed"},
	rangeNotSatisfiable: {fiber.StatusRequestedRangeNotSatisfiable, "range_not_satisfiable"},
	uriTooLong:          {fiber.StatusRequestURITooLong, "too_large"},
	headersTooLarge:     {fiber.StatusRequestHeaderFieldsTooLarge, "too_large"},
}

// Errors that Fiber itself raises before a handler runs, translated to faults.
func fromFiber(e *fiber.Error) *fault.Error {
	switch e.Code {
	case fiber.StatusNotFound:
		return fault.New(fault.NotFound, "页面或接口不存在")
	case fiber.StatusMethodNotAllowed:
		return &fault.Error{Kind: methodNotAllowed, Message: "不支持该请求方法"}
	case fiber.StatusRequestEntityTooLarge:
		return fault.New(fault.TooLarge, "请求内容过大")
	case fiber.StatusBadRequest:
		return &fault.Error{Kind: malformed, Message: "请求格式有误"}
	case fiber.StatusRequestTimeout:
		return fault.New(fault.Unavailable, "请求超时，请稍后重试")
	case fiber.StatusRequestHeaderFieldsTooLarge:
		return &fault.Error{Kind: headersTooLarge, Message: fmt.Sprintf("请求头过大（上限 %d KiB），请清除本站 Cookie 后重试", readBufferSize>>10)}
	case fiber.StatusRequestURITooLong:
		return &fault.Error{Kind: uriTooLong, Message: "请求地址过长"}
	}
	return fault.Wrap(e, fault.Internal, "服务器内部错误")
}

// errorBody is the JSON every error answers with (API.md).
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field,omitempty"`
	} `json:"error"`
}

// classify turns any error into a fault and the status it answers with.
func classify(err error) (*fault.Error, int, string) {
	var fe *fault.Error
	var fbe *fiber.Error
	switch {
	case errors.As(err, &fe):
	case errors.As(err, &fbe):
		fe = fromFiber(fbe)
	default:
		fe = fault.Wrap(err, fault.Internal, "服务器内部错误，请稍后重试")
	}
	s, ok := statusOf[fe.Kind]
	if !ok {
		s = statusOf[fault.Internal]
	}
	return fe, s.status, s.code
}

// handleError is Fiber's error handler: JSON for API and public JSON routes, the error
// page for web pages. Internal errors are logged here, once, with their whole chain, and
// the client gets a fixed message.
func (a *App) handleError(c *fiber.Ctx, err error) error {
	fe, status, code := classify(err)
	unread := requestID(c) == ""
	if unread {
		// fasthttp refused the request before any middleware ran (a head past the read
		// buffer): the answer still carries an ID to quote, and, the path being unknown,
		// the API's error body.
		id := newRequestID()
		c.Locals(localRequestID, id)
		c.Set(fiber.HeaderXRequestID, id)
		a.log.Warn("request refused before it was read", zap.String("request_id", id), zap.Int("status", status),
			zap.String("ip", c.Context().RemoteIP().String()), zap.String("reason", fe.Message))
	}
	msg := fe.Message
	if status >= 500 {
		a.log.Error("request failed", zap.String("request_id", requestID(c)), zap.String("path", c.Path()),
			zap.String("kind", string(fe.Kind)), zap.Error(err))
		if fe.Kind == fault.Internal {
			msg = "服务器内部错误，请稍后重试（请求编号 " + requestID(c) + "）"
		}
	}
	setRetryAfter(c, fe)
	c.Status(status)
	if unread || wantsJSON(c) {
		var b errorBody
		b.Error.Code, b.Error.Message, b.Error.Field = code, msg, fe.Field
		return c.JSON(b)
	}
	if status == fiber.StatusUnauthorized {
		return c.Redirect("/login?next="+url.QueryEscape(c.OriginalURL()), fiber.StatusSeeOther)
	}
	return c.Render("error", a.view(c, "出错了", fiber.Map{"Status": status, "Message": msg}))
}

// setRetryAfter tells a refused client when to try again, when the refusal knows.
func setRetryAfter(c *fiber.Ctx, fe *fault.Error) {
	if fe.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(fe.RetryAfter.Seconds()))))
	}
}

func wantsJSON(c *fiber.Ctx) bool {
	p := c.Path()
	return strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/public/api/") ||
		p == "/healthz" || p == "/readyz" || p == "/metrics"
}
