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
