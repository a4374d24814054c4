package app

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"go.uber.org/zap"

	"zhifa/fault"
)

func TestErrorTable(t *testing.T) {
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{fault.Field("name", "x"), 422, "invalid"},
		{&fault.Error{Kind: malformed, Message: "x"}, 400, "invalid"},
		{fault.New(fault.Unauthorized, "x"), 401, "unauthorized"},
		{fault.New(fault.Forbidden, "x"), 403, "forbidden"},
		{fault.New(fault.NotFound, "x"), 404, "not_found"},
		{fault.New(fault.Conflict, "x"), 409, "conflict"},
		{fault.New(fault.TooLarge, "x"), 413, "too_large"},
		{fault.New(fault.TooMany, "x"), 429, "too_many"},
		{fault.New(fault.Unavailable, "x"), 503, "unavailable"},
		{errors.New("boom"), 500, "internal"},
		{fiber.ErrNotFound, 404, "not_found"},
		{fiber.ErrRequestEntityTooLarge, 413, "too_large"},
	}
	for _, tt := range tests {
		if _, status, code := classify(tt.err); status != tt.status || code != tt.code {
			t.Errorf("classify(%v) = %d %s, want %d %s", tt.err, status, code, tt.status, tt.code)
		}
	}
}

// A panicking handler answers 500 with the fixed message, and the server goes on.
func TestPanicRecovery(t *testing.T) {
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(context.Background(), cfg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.server.Get("/api/v2/boom", func(*fiber.Ctx) error { panic("secret detail") })
	a.server.Get("/api/v2/fine", func(c *fiber.Ctx) error { return c.SendString("ok") })
	resp, err := a.server.Test(httptest.NewRequest("GET", "/api/v2/boom", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	var e errorBody
	_ = json.Unmarshal(body, &e)
	if resp.StatusCode != 500 || e.Error.Code != "internal" || strings.Contains(string(body), "secret detail") {
		t.Errorf("panic answered %d %s, want 500 internal without the detail", resp.StatusCode, body)
	}
	resp, err = a.server.Test(httptest.NewRequest("GET", "/api/v2/fine", nil))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("server after a panic: %v %v", resp, err)
	}
}

// The Redis mode is one of three, the URL must say what the mode needs, and the key prefix
// cannot carry a hash tag of its own (it would put every key in one Cluster slot).
func TestRedisConfiguration(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ZHIFA_REDIS_MODE": "ring"}, "ZHIFA_REDIS_MODE must be single, sentinel or cluster"},
		{map[string]string{"ZHIFA_REDIS_PREFIX": "zhifa:{a}:"}, "ZHIFA_REDIS_PREFIX must not contain"},
	} {
		_, err := LoadConfig(func(k string) string { return c.env[k] })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.env, err, c.want)
		}
	}
	if _, err := newRedis("sentinel", "redis://127.0.0.1:26379"); err == nil || !strings.Contains(err.Error(), "master_name") {
		t.Errorf("sentinel without a master's name: %v", err)
	}
	for mode, u := range map[string]string{"single": "redis://127.0.0.1:6379/0", "sentinel": "redis://127.0.0.1:26379?master_name=m&addr=127.0.0.1:26380",
		"cluster": "redis://127.0.0.1:7000?addr=127.0.0.1:7001"} {
		c, err := newRedis(mode, u)
		if err != nil {
			t.Errorf("%s %s: %v", mode, u, err)
			continue
		}
		c.Close()
	}
}
