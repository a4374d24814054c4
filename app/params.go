package app

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/fault"
)

// parseBody reads a JSON body (or a form, for web pages) into v. A body that is not
// JSON answers 400; a field of the wrong type answers 422 naming it.
func parseBody(c *fiber.Ctx, v any) error {
	ct := string(c.Request().Header.ContentType())
	if strings.HasPrefix(ct, fiber.MIMEApplicationForm) || strings.HasPrefix(ct, fiber.MIMEMultipartForm) {
		if err := c.BodyParser(v); err != nil {
			return &fault.Error{Kind: malformed, Message: "表单内容有误", Err: err}
		}
		return nil
	}
	if len(c.Body()) == 0 {
		return &fault.Error{Kind: malformed, Message: "请求体不能为空，应为 JSON 对象"}
	}
	if err := json.Unmarshal(c.Body(), v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return &fault.Error{Kind: fault.Invalid, Field: te.Field, Message: "字段 " + te.Field + " 的类型不正确", Err: err}
		}
		var de *enforcement.DateError
		if errors.As(err, &de) {
			return &fault.Error{Kind: fault.Invalid, Message: de.Error(), Err: err}
		}
		return &fault.Error{Kind: malformed, Message: "请求体不是有效的 JSON", Err: err}
	}
	return nil
}

// pageOf reads page and page_size: 20 by default, at most 200.
func pageOf(c *fiber.Ctx) (enforcement.Page, error) {
	p := enforcement.Page{Number: 1, Size: 20}
	if s := c.Query("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			return p, fault.Field("page", "页码应为正整数")
		}
		p.Number = n
	}
	if s := c.Query("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 200 {
			return p, fault.Field("page_size", "每页条数应在 1 至 200 之间")
		}
		p.Size = n
	}
	return p, nil
}

// idParam reads a UUID from the path; a malformed one cannot name anything, so 404.
func idParam(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		return uuid.Nil, fault.New(fault.NotFound, "编号“%s”不存在", c.Params(name))
	}
	return id, nil
}

// uuidQuery reads an optional UUID from the query string.
func uuidQuery(c *fiber.Ctx, name string) (*uuid.UUID, error) {
	s := c.Query(name)
	if s == "" {
		return nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return nil, fault.Field(name, "%s 不是有效的编号", name)
	}
	return &id, nil
}

// timeQuery reads an optional RFC 3339 time or YYYY-MM-DD date (its start in Shanghai).
func timeQuery(c *fiber.Ctx, name string) (*time.Time, error) {
	s := c.Query(name)
	if s == "" {
		return nil, nil
	}
	if d, err := enforcement.ParseDate(s); err == nil {
		t := d.StartIn()
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, fault.Field(name, "%s 应为日期（YYYY-MM-DD）或 RFC 3339 时间", name)
	}
	return &t, nil
}

func parseUUID(s string) (uuid.UUID, error) { return uuid.Parse(strings.TrimSpace(s)) }

// contextFor gives a handler whose work outlasts the request deadline (a download, a
// hash of a large upload) its own context: limited to d when d > 0.
func contextFor(d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(context.Background(), d)
	}
	return context.WithCancel(context.Background())
}

// reasonOf reads a body of the form {"reason": "..."}.
func reasonOf(c *fiber.Ctx) (string, error) {
	var in struct {
		Reason string `json:"reason"`
	}
	err := parseBody(c, &in)
	return in.Reason, err
}

// listParams reads what list searches share: page, agency_id, from and to.
func listParams(c *fiber.Ctx) (p enforcement.Page, agency *uuid.UUID, from, to *time.Time, err error) {
	if p, err = pageOf(c); err != nil {
		return
	}
	if agency, err = uuidQuery(c, "agency_id"); err != nil {
		return
	}
	if from, err = timeQuery(c, "from"); err != nil {
		return
	}
	to, err = timeQuery(c, "to")
	return
}

// queryInt reads an optional integer from the query string, within [lo, hi].
func queryInt(c *fiber.Ctx, name string, def, lo, hi int64) (int64, error) {
	s := c.Query(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, fault.Field(name, "%s 应为 %d 至 %d 之间的整数", name, lo, hi)
	}
	return n, nil
}
