package app

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"zhifa/audit"
	"zhifa/fault"
)

// Supervision alerts: computed every five minutes and whenever their list is opened.

func (a *App) alertRoutes(api fiber.Router) {
	api.Get("/supervision/alerts", a.listAlerts)
	api.Get("/supervision/alerts/rules", a.alertRules)
	api.Put("/supervision/alerts/preferences", a.putAlertPrefs)
	api.Post("/supervision/alerts/:id/clue", a.alertToClue)
}

func (a *App) alertPageRoutes(srv *fiber.App, login, write []fiber.Handler) {
	srv.Get("/supervision/alerts", append(login, a.alertsPage)...)
	srv.Post("/supervision/alerts/preferences", append(write, a.alertPrefsSubmit)...)
	srv.Post("/supervision/alerts/:id/clue", append(write, a.alertToClueSubmit)...)
}

func alertFilterOf(c *fiber.Ctx) (audit.AlertFilter, error) {
	p, err := pageOf(c)
	f := audit.AlertFilter{Kind: c.Query("kind"), State: c.Query("state"), Page: p}
	if v := c.Query("agency_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			return f, fault.Field("agency_id", "执法单位编号无效")
		}
		f.AgencyID = &id
	}
	return f, err
}

// GET /api/v1/supervision/alerts?kind=&state=open|closed|all&agency_id= — computed first.
func (a *App) listAlerts(c *fiber.Ctx) error {
	f, err := alertFilterOf(c)
	if err != nil {
		return err
	}
	act := actor(c)
	if err := requireSupervisorPage(c); err != nil {
		return fault.New(fault.Forbidden, "当前账号无权执行此操作")
	}
	if _, err := a.audit.SyncAlerts(c.UserContext()); err != nil {
		return err
	}
	l, err := a.audit.Alerts(c.UserContext(), act, f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// GET /api/v1/supervision/alerts/rules — every rule, its open alerts and whether it
// notifies the viewer.
func (a *App) alertRules(c *fiber.Ctx) error {
	n, err := a.audit.AlertCounts(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": n})
}

// PUT /api/v1/supervision/alerts/preferences {rules: [...]}
func (a *App) putAlertPrefs(c *fiber.Ctx) error {
	var in struct {
		Rules []string `json:"rules"`
	}
	if err := parseBody(c, &in); err != nil {
		return err
	}
	rules, err := a.audit.SetAlertPrefs(c.UserContext(), actor(c), in.Rules)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"rules": rules})
}

// POST /api/v1/supervision/alerts/{id}/clue — the alert becomes a clue, once.
func (a *App) alertToClue(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cl, err := a.audit.ClueFromAlert(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Location("/api/v1/supervision/clues/" + cl.ID.String())
	return c.Status(fiber.StatusCreated).JSON(cl)
}

// GET /supervision/alerts — the alerts, computed as the page opens.
func (a *App) alertsPage(c *fiber.Ctx) error {
	if err := requireSupervisorPage(c); err != nil {
		return err
	}
	f, err := alertFilterOf(c)
	if err != nil {
		return err
	}
	ctx, act := c.UserContext(), actor(c)
	res, err := a.audit.SyncAlerts(ctx)
	if err != nil {
		return err
	}
	l, err := a.audit.Alerts(ctx, act, f)
	if err != nil {
		return err
	}
	counts, err := a.audit.AlertCounts(ctx, act)
	if err != nil {
		return err
	}
	// What this page shows is no longer new to its reader (the counts above still say
	// what was new when they opened it): the open alerts of a rule, or of all, from the
	// first page, not one agency's.
	if (f.State == "" || f.State == "open") && f.AgencyID == nil && f.Page.Number <= 1 {
		if err := a.audit.SeenAlerts(ctx, act, f.Kind, res.At); err != nil {
			return err
		}
	}
	return c.Render("supervision_alerts", a.view(c, "执法监督预警", fiber.Map{"List": l, "Filter": f, "Counts": counts,
		"Pager": pager(c, f.Page, l.Total)}))
}

// POST /supervision/alerts/preferences — which rules show on the home page.
func (a *App) alertPrefsSubmit(c *fiber.Ctx) error {
	var rules []string
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		if string(k) == "rules" {
			rules = append(rules, string(v))
		}
	})
	if _, err := a.audit.SetAlertPrefs(c.UserContext(), actor(c), rules); err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/alerts", "已保存首页提醒的预警类型")
}

// POST /supervision/alerts/{id}/clue
func (a *App) alertToClueSubmit(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	cl, err := a.audit.ClueFromAlert(c.UserContext(), actor(c), id)
	if fault.KindOf(err) == fault.Conflict {
		return redirectFlash(c, "/supervision/clues/"+cl.ID.String(), "该预警已转为监督线索 "+cl.Number)
	}
	if err != nil {
		return err
	}
	return redirectFlash(c, "/supervision/clues/"+cl.ID.String(), "已转为监督线索 "+cl.Number+"，应于 "+cl.DecideBy.String()+" 前决定是否立项监督")
}
