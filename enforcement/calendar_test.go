package enforcement

import (
	"slices"
	"testing"
	"time"
)

func days(kind DayKind, name string, from, to Date) []CalendarDay {
	var out []CalendarDay
	for d := from; !d.After(to); d = d.AddDays(1) {
		out = append(out, CalendarDay{Date: d, Kind: kind, Name: name})
	}
	return out
}

// cal2026 holds the Spring Festival and National Day of 2026 as the State Council fixed them.
func cal2026() *Calendar {
	var ds []CalendarDay
	ds = append(ds, days(Holiday, "春节", MustDate(2026, 2, 15), MustDate(2026, 2, 23))...)
	ds = append(ds, days(Holiday, "国庆节", MustDate(2026, 10, 1), MustDate(2026, 10, 7))...)
	for _, d := range []Date{MustDate(2026, 2, 14), MustDate(2026, 2, 28), MustDate(2026, 9, 20), MustDate(2026, 10, 10)} {
		ds = append(ds, CalendarDay{Date: d, Kind: Workday, Name: "调休上班"})
	}
	return NewCalendar(ds)
}

func TestAddWorkingDays(t *testing.T) {
	c := cal2026()
	tests := []struct {
		name string
		from Date
		n    int
		want Date
	}{
		{"ordinary weeks", MustDate(2026, 11, 20), 7, MustDate(2026, 12, 1)},
		{"over National Day with a make-up Saturday", MustDate(2026, 9, 30), 7, MustDate(2026, 10, 15)},
		{"make-up Saturday before Spring Festival counts", MustDate(2026, 2, 13), 3, MustDate(2026, 2, 25)},
		{"event on a holiday", MustDate(2026, 10, 3), 2, MustDate(2026, 10, 9)},
		{"zero days", MustDate(2026, 10, 3), 0, MustDate(2026, 10, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.AddWorkingDays(tt.from, tt.n); got != tt.want {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestAddCalendarDays(t *testing.T) {
	c := cal2026()
	tests := []struct {
		name string
		from Date
		n    int
		want Date
	}{
		{"ends on a working day", MustDate(2026, 9, 20), 10, MustDate(2026, 9, 30)},
		{"ends in National Day: runs to the first working day after", MustDate(2026, 9, 25), 7, MustDate(2026, 10, 8)},
		{"ends on a Sunday", MustDate(2026, 11, 1), 90, MustDate(2027, 2, 1)},
		{"ends on a make-up Saturday, a working day", MustDate(2026, 9, 30), 10, MustDate(2026, 10, 10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.AddCalendarDays(tt.from, tt.n); got != tt.want {
				t.Errorf("AddCalendarDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	c := cal2026()
	if got := c.WorkingDaysBetween(MustDate(2026, 9, 30), MustDate(2026, 10, 15)); got != 7 {
		t.Errorf("working days 2026-09-30..10-15 = %d, want 7", got)
	}
	if got := c.WorkingDaysBetween(MustDate(2026, 10, 15), MustDate(2026, 9, 30)); got != 0 {
		t.Errorf("reversed range = %d, want 0", got)
	}
	// Counting back what AddWorkingDays added gives the same number, for every start in a year.
	for d := MustDate(2026, 1, 1); d.Year == 2026; d = d.AddDays(1) {
		for _, n := range []int{2, 3, 5, 7, 20} {
			if got := c.WorkingDaysBetween(d, c.AddWorkingDays(d, n)); got != n {
				t.Fatalf("from %s: %d working days counted back as %d", d, n, got)
			}
		}
	}
}

func TestCalendarYearValidate(t *testing.T) {
	ok := CalendarYear{Year: 2027, Holidays: []CalendarDay{{Date: MustDate(2027, 1, 1), Name: "元旦"}},
		Workdays: []CalendarDay{{Date: MustDate(2027, 2, 6), Name: "春节调休上班"}}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid year refused: %v", err)
	}
	tests := []struct {
		name  string
		y     CalendarYear
		field string
	}{
		{"day of another year", CalendarYear{Year: 2027, Holidays: []CalendarDay{{Date: MustDate(2026, 12, 31), Name: "x"}}}, "holidays"},
		{"day listed twice", CalendarYear{Year: 2027, Holidays: []CalendarDay{{Date: MustDate(2027, 1, 1), Name: "元旦"}},
			Workdays: []CalendarDay{{Date: MustDate(2027, 1, 1), Name: "元旦"}}}, "workdays"},
		{"make-up workday on a weekday", CalendarYear{Year: 2027, Workdays: []CalendarDay{{Date: MustDate(2027, 2, 8), Name: "x"}}}, "workdays"},
		{"unnamed holiday", CalendarYear{Year: 2027, Holidays: []CalendarDay{{Date: MustDate(2027, 1, 1)}}}, "holidays"},
		{"year out of range", CalendarYear{Year: 1999}, "year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.y.Validate()
			if got := fieldOf(err); got != tt.field {
				t.Errorf("Validate() = %v, want an error on field %q", err, tt.field)
			}
		})
	}
}

func TestDateJSONAndZone(t *testing.T) {
	var d Date
	if err := d.UnmarshalJSON([]byte(`"2026-10-01"`)); err != nil || d != MustDate(2026, 10, 1) {
		t.Fatalf("got %v %v", d, err)
	}
	// 17:00 UTC is already the next day in Shanghai.
	if err := d.UnmarshalJSON([]byte(`"2026-09-30T17:00:00Z"`)); err != nil || d != MustDate(2026, 10, 1) {
		t.Fatalf("RFC 3339 time read as %v %v, want 2026-10-01", d, err)
	}
	if err := d.UnmarshalJSON([]byte(`"30/09/2026"`)); err == nil {
		t.Fatal("a malformed date was accepted")
	}
	if got := DateOf(time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC)); got != MustDate(2027, 1, 1) {
		t.Errorf("DateOf = %s, want 2027-01-01", got)
	}
}

// From October deadlines reach into the next year, whose holidays must then be known.
func TestCalendarYearsNeeded(t *testing.T) {
	for _, c := range []struct {
		today Date
		want  []int
	}{
		{Date{2026, time.January, 1}, []int{2026}},
		{Date{2026, time.September, 30}, []int{2026}},
		{Date{2026, time.October, 1}, []int{2026, 2027}},
		{Date{2026, time.December, 31}, []int{2026, 2027}},
	} {
		if got := CalendarYearsNeeded(c.today); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.today, got, c.want)
		}
	}
}
