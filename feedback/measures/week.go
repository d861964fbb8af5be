package measures

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Week is an ISO week, named by its Monday: a calendar date, the same in every time zone.
// The zero Week is no week.
type Week struct {
	// monday is the Monday at 00:00 UTC; UTC keeps date arithmetic free of daylight saving.
	monday time.Time
}

// WeekOf is the week containing t on the wall clock of loc: a value reported for a week
// belongs to the Monday-to-Sunday of the configured time zone, whatever the server's.
func WeekOf(t time.Time, loc *time.Location) Week {
	lt := t.In(loc)
	return weekOfDate(lt.Year(), lt.Month(), lt.Day())
}

func weekOfDate(y int, m time.Month, d int) Week {
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	back := (int(day.Weekday()) + 6) % 7 // days since Monday
	return Week{monday: day.AddDate(0, 0, -back)}
}

// WeekFromDate is the week of a date as PostgreSQL returns it (midnight, any zone).
func WeekFromDate(d time.Time) Week { return weekOfDate(d.Year(), d.Month(), d.Day()) }

// ErrWeek means a text is not a date.
var ErrWeek = errors.New("not a week")

// ParseWeek reads a date (YYYY-MM-DD) as the week that contains it.
func ParseWeek(s string) (Week, error) {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Week{}, fmt.Errorf("%w: %q is not a date such as 2026-11-16", ErrWeek, clip(s, 30))
	}
	return weekOfDate(d.Year(), d.Month(), d.Day()), nil
}

// IsZero reports whether w is no week.
func (w Week) IsZero() bool { return w.monday.IsZero() }

// Date is the Monday as a date (midnight UTC), for the database.
func (w Week) Date() time.Time { return w.monday }

// String is the Monday as YYYY-MM-DD, the form of exports and imports.
func (w Week) String() string {
	if w.IsZero() {
		return ""
	}
	return w.monday.Format(time.DateOnly)
}

// Add moves n weeks (back when negative).
func (w Week) Add(n int) Week { return Week{monday: w.monday.AddDate(0, 0, 7*n)} }

// Since is how many weeks w is after v.
func (w Week) Since(v Week) int { return int(w.monday.Sub(v.monday).Hours()) / (7 * 24) }

// Before, After and Equal compare weeks.
func (w Week) Before(v Week) bool { return w.monday.Before(v.monday) }

// After reports whether w is later than v.
func (w Week) After(v Week) bool { return w.monday.After(v.monday) }

// Start is when the week begins on the wall clock of loc (Monday 00:00 there).
func (w Week) Start(loc *time.Location) time.Time {
	return time.Date(w.monday.Year(), w.monday.Month(), w.monday.Day(), 0, 0, 0, 0, loc)
}

// End is when the next week begins in loc: 167 or 169 hours after Start in a week when
// the clocks change.
func (w Week) End(loc *time.Location) time.Time { return w.Add(1).Start(loc) }

// Label is how people read it: "week of Nov 9".
func (w Week) Label() string { return "week of " + w.monday.Format("Jan 2") }

// Short is "Nov 9".
func (w Week) Short() string { return w.monday.Format("Jan 2") }

// LastComplete is the latest week that has ended at now in loc: the week owners are
// asked about.
func LastComplete(now time.Time, loc *time.Location) Week { return WeekOf(now, loc).Add(-1) }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
