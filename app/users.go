package app

import (
	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
)

func (a *App) userRoutes(r fiber.Router) {
	r.Get("/users", a.listUsers)
	r.Post("/users", a.createUser)
	r.Patch("/users/:id", a.patchUser)
	r.Get("/activity", a.listActivity)
}

// GET /api/v1/users
func (a *App) listUsers(c *fiber.Ctx) error {
	p, err := pageOf(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListUsers(c.UserContext(), actor(c), enforcement.UserFilter{
		Role: enforcement.Role(c.Query("role")), Q: c.Query("q"), Page: p})
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// POST /api/v1/users
func (a *App) createUser(c *fiber.Ctx) error {
	var in enforcement.UserInput
	if err := parseBody(c, &in); err != nil {
		return err
	}
	u, err := a.enforcement.CreateUser(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

func (a *App) activityFilter(c *fiber.Ctx) (enforcement.ActivityFilter, error) {
	var f enforcement.ActivityFilter
	var err error
	if f.Page, err = pageOf(c); err != nil {
		return f, err
	}
	if f.UserID, err = uuidQuery(c, "user_id"); err != nil {
		return f, err
	}
	if f.From, err = timeQuery(c, "from"); err != nil {
		return f, err
	}
	if f.To, err = timeQuery(c, "to"); err != nil {
		return f, err
	}
	f.Username, f.Q = c.Query("username"), c.Query("q")
	return f, nil
}

// GET /api/v1/activity
func (a *App) listActivity(c *fiber.Ctx) error {
	f, err := a.activityFilter(c)
	if err != nil {
		return err
	}
	l, err := a.enforcement.ListActivity(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(l)
}

// PATCH /api/v1/users/{id} {legal_qualified?, disabled?} — a disabled account's sessions
// end at once.
func (a *App) patchUser(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	var p enforcement.UserPatch
	if err := parseBody(c, &p); err != nil {
		return err
	}
	u, err := a.enforcement.UpdateUser(c.UserContext(), actor(c), id, p)
	if err != nil {
		return err
	}
	if u.Disabled {
		if err := a.sessions.RevokeUser(c.UserContext(), u.ID); err != nil {
			return err
		}
	}
	return c.JSON(u)
}
