package enforcement

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// China keeps one time zone and no daylight saving, so a fixed offset is exact and
// needs no tzdata on minimal images.
var shanghai = time.FixedZone("CST", 8*3600)

// Shanghai is the zone in which dates are read and shown.
func Shanghai() *time.Location { return shanghai }

// Date is a calendar day without a time, as deadlines and certificate validity count it.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day t falls on in Asia/Shanghai.
func DateOf(t time.Time) Date {
	y, m, d := t.In(shanghai).Date()
	return Date{y, m, d}
}

// ParseDate reads a YYYY-MM-DD date.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, err
	}
	return Date{t.Year(), t.Month(), t.Day()}, nil
}

// MustDate builds a date from its parts; for literals in code and tests.
func MustDate(y int, m time.Month, d int) Date { return Date{y, m, d} }

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// IsZero reports whether d is unset.
func (d Date) IsZero() bool { return d == Date{} }

// AddDays returns the date n calendar days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	t := d.time().AddDate(0, 0, n)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.time().Weekday() }

// Before reports whether d is earlier than o.
func (d Date) Before(o Date) bool { return d.time().Before(o.time()) }

// After reports whether d is later than o.
func (d Date) After(o Date) bool { return d.time().After(o.time()) }

// StartIn returns the first instant of the day in Asia/Shanghai.
func (d Date) StartIn() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, shanghai) }

// EndIn returns the last instant of the day in Asia/Shanghai: a deadline on d runs until then.
func (d Date) EndIn() time.Time { return d.AddDays(1).StartIn().Add(-time.Nanosecond) }

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// MarshalJSON writes the date as "YYYY-MM-DD".
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(d.String())
}

// UnmarshalJSON reads "YYYY-MM-DD" or a full RFC 3339 time (its Shanghai date).
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if s == "" {
		*d = Date{}
		return nil
	}
	if p, err := ParseDate(s); err == nil {
		*d = p
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return &DateError{Value: s}
	}
	*d = DateOf(t)
	return nil
}

// DateError reports a date that could not be read.
type DateError struct{ Value string }

func (e *DateError) Error() string {
	return fmt.Sprintf("日期“%s”格式应为 YYYY-MM-DD", e.Value)
}

// ScanDate lets pgx read a DATE column.
func (d *Date) ScanDate(v pgtype.Date) error {
	if !v.Valid {
		*d = Date{}
		return nil
	}
	*d = Date{v.Time.Year(), v.Time.Month(), v.Time.Day()}
	return nil
}

// DateValue lets pgx write a DATE column.
func (d Date) DateValue() (pgtype.Date, error) {
	if d.IsZero() {
		return pgtype.Date{}, nil
	}
	return pgtype.Date{Time: d.time(), Valid: true}, nil
}
