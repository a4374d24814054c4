package app

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

// openAPI is the description of every route, kept by hand beside the handlers; a test
// fails when a registered route is missing from it.
//
//go:embed openapi.json
var openAPI []byte

// GET /api/v1/openapi.json
func (a *App) serveOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
	return c.Send(openAPI)
}
