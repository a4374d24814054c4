package app

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// routes lists every route zhifa serves, by area. Order matters to Fiber: routes that
// need no login are registered before the middleware that demands one.
func (a *App) routes(srv *fiber.App) {
	srv.Get("/healthz", a.healthz)
	srv.Get("/readyz", a.readyz)
	srv.Get("/metrics", a.serveMetrics)

	a.publicRoutes(srv)

	api := srv.Group("/api/v1")
	api.Get("/openapi.json", a.serveOpenAPI)
	api.Post("/auth/login", a.apiLogin)
	api.Use(a.requireLogin, a.recordWrites, a.idempotent)
	api.Post("/auth/logout", a.apiLogout)
	api.Get("/me", a.apiMe)
	a.agencyRoutes(api)
	a.officerRoutes(api)
	a.userRoutes(api)
	a.calendarRoutes(api)
	a.caseRoutes(api)
	a.recordRoutes(api)
	a.mediaRoutes(api)
	a.reviewRoutes(api)
	a.disclosureRoutes(api)
	a.qrRoutes(api)
	a.agencyPublicRoutes(api)
	a.checkCodeRoutes(api)
	a.inspectionRoutes(api)
	a.auditRoutes(api)
	a.reportRoutes(api)
	a.statReturnRoutes(api)
	a.supervisionRoutes(api)
	a.documentRoutes(api)
	a.exchangeRoutes(api)

	a.pageRoutes(srv)
}

// Routes lists every registered route as "METHOD /path", with Fiber's :param written
// as OpenAPI's {param}.
func (a *App) Routes() []string {
	var out []string
	for _, r := range a.server.GetRoutes(true) {
		if r.Method == fiber.MethodHead || r.Method == fiber.MethodConnect || r.Method == fiber.MethodTrace {
			continue
		}
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				// A parameter ends at a dot too (":id.pdf" is {id}.pdf), as Fiber reads it.
				name, ext, dotted := strings.Cut(strings.TrimSuffix(p[1:], "?"), ".")
				parts[i] = "{" + name + "}"
				if dotted {
					parts[i] += "." + ext
				}
			}
		}
		out = append(out, r.Method+" "+strings.Join(parts, "/"))
	}
	return out
}
