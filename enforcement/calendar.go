package enforcement

import (
	"time"

	"zhifa/fault"
)

// DayKind says how the calendar overrides a day's ordinary weekday rule.
type DayKind string

// A statutory holiday is off even on a weekday; a make-up workday (调休) is on even at a weekend.
const (
	Holiday DayKind = "holiday"
	Workday DayKind = "workday"
)

// CalendarDay is one exception to the Monday-to-Friday week.
type CalendarDay struct {
	Date Date    `json:"date"`
	Kind DayKind `json:"kind"`
	Name string  `json:"name"`
}

// CalendarYear is what an administrator maintains for one year.
type CalendarYear struct {
	Year     int           `json:"year"`
	Source   string        `json:"source"`
	Holidays []CalendarDay `json:"holidays"`
	Workdays []CalendarDay `json:"workdays"`
}

// Validate checks that every day belongs to the year, is listed once and named. A make-up
// workday on a weekday changes nothing and is refused as a likely typo; holidays may fall
// on weekends because the notices list whole holiday periods.
func (y CalendarYear) Validate() error {
	if y.Year < 2000 || y.Year > 2100 {
		return fault.Field("year", "年份应在 2000 至 2100 之间")
	}
	seen := map[Date]bool{}
	check := func(field string, days []CalendarDay, kind DayKind) error {
		for _, d := range days {
			if d.Date.Year != y.Year {
				return fault.Field(field, "%s 不属于 %d 年", d.Date, y.Year)
			}
			if seen[d.Date] {
				return fault.Field(field, "%s 重复出现", d.Date)
			}
			seen[d.Date] = true
			weekend := d.Date.Weekday() == time.Saturday || d.Date.Weekday() == time.Sunday
			if kind == Workday && !weekend {
				return fault.Field(field, "%s 本就是工作日，无需设为调休上班", d.Date)
			}
			if d.Name == "" {
				return fault.Field(field, "%s 缺少名称（如“春节”）", d.Date)
			}
		}
		return nil
	}
	if err := check("holidays", y.Holidays, Holiday); err != nil {
		return err
	}
	return check("workdays", y.Workdays, Workday)
}

// Days lists the year's exceptions with their kinds set.
func (y CalendarYear) Days() []CalendarDay {
	out := make([]CalendarDay, 0, len(y.Holidays)+len(y.Workdays))
	for _, d := range y.Holidays {
		d.Kind = Holiday
		out = append(out, d)
	}
	for _, d := range y.Workdays {
		d.Kind = Workday
		out = append(out, d)
	}
	return out
}

// Calendar answers which days are working days. Years without data fall back to
// Monday to Friday.
type Calendar struct {
	days map[Date]DayKind
}

// NewCalendar builds a calendar from its exceptions.
func NewCalendar(days []CalendarDay) *Calendar {
	c := &Calendar{days: make(map[Date]DayKind, len(days))}
	for _, d := range days {
		c.days[d.Date] = d.Kind
	}
	return c
}

// IsWorkingDay reports whether offices work on d.
func (c *Calendar) IsWorkingDay(d Date) bool {
	switch c.days[d] {
	case Holiday:
		return false
	case Workday:
		return true
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// AddWorkingDays returns the n-th working day after from. The day of the event itself
// is not counted (行政处罚法 art. 85), so a 7-working-day period starting on a Friday
// before a normal week ends on the second Tuesday after it.
func (c *Calendar) AddWorkingDays(from Date, n int) Date {
	d := from
	for n > 0 {
		d = d.AddDays(1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// AddCalendarDays returns the last day of an n-day period counted in calendar days from
// the day after from; when that day is not a working day the period runs to the next
// working day, as procedural law counts periods whose last day is a holiday.
func (c *Calendar) AddCalendarDays(from Date, n int) Date {
	d := from.AddDays(n)
	for !c.IsWorkingDay(d) {
		d = d.AddDays(1)
	}
	return d
}

// WorkingDaysBetween counts the working days after from up to and including to; it is
// zero when to is not after from.
func (c *Calendar) WorkingDaysBetween(from, to Date) int {
	n := 0
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return n
}
