package app

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"zhifa/enforcement"
	"zhifa/fault"
)

func (a *App) calendarRoutes(r fiber.Router) {
	r.Get("/calendar/:year", a.getCalendar)
	r.Put("/calendar/:year", a.putCalendar)
}

func yearParam(c *fiber.Ctx) (int, error) {
	y, err := strconv.Atoi(c.Params("year"))
	if err != nil || y < 2000 || y > 2100 {
		return 0, fault.Field("year", "年份应为 2000 至 2100 之间的整数")
	}
	return y, nil
}

// GET /api/v1/calendar/{year}
func (a *App) getCalendar(c *fiber.Ctx) error {
	y, err := yearParam(c)
	if err != nil {
		return err
	}
	cal, err := a.enforcement.CalendarYear(c.UserContext(), y)
	if err != nil {
		return err
	}
	return c.JSON(cal)
}

// PUT /api/v1/calendar/{year}
func (a *App) putCalendar(c *fiber.Ctx) error {
	y, err := yearParam(c)
	if err != nil {
		return err
	}
	var in enforcement.CalendarYear
	if err := parseBody(c, &in); err != nil {
		return err
	}
	in.Year = y
	cal, err := a.enforcement.PutCalendarYear(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return c.JSON(cal)
}
