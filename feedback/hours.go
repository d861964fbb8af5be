package feedback

import (
	"slices"
	"time"
)

// BusinessHours are when vosbot chases people, on the wall clock of the organisation's
// time zone (so 09:00 stays 09:00 across a daylight-saving change). The zero value is
// always open: every day, all day.
type BusinessHours struct {
	// Start and End are the day's opening and closing, as offsets from local midnight
	// (End up to 24h). Equal: all day.
	Start, End time.Duration
	// Days are the working days; empty: every day.
	Days []time.Weekday
}

// Workday reports whether d is a working day.
func (b BusinessHours) Workday(d time.Weekday) bool {
	return len(b.Days) == 0 || slices.Contains(b.Days, d)
}

// inClock reports whether t's local wall-clock time is within the day's hours.
func (b BusinessHours) inClock(t time.Time) bool {
	if b.Start == b.End {
		return true
	}
	clock := time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
	return clock >= b.Start && clock < b.End
}

// Open reports whether t is within business hours in loc.
func (b BusinessHours) Open(t time.Time, loc *time.Location) bool {
	l := t.In(orUTC(loc))
	return b.Workday(l.Weekday()) && b.inClock(l)
}

// MayRemind reports whether a reminder about an escalation of severity s may go out at t.
// Nobody is chased outside the day's hours, whatever the severity: a reminder never
// wakes anyone. A critical escalation is chased on non-working days too, because its
// acknowledgement clock does not stop for the weekend (see AckDue).
func (b BusinessHours) MayRemind(t time.Time, loc *time.Location, s Severity) bool {
	l := t.In(orUTC(loc))
	if s == SeverityCritical {
		return b.inClock(l)
	}
	return b.Workday(l.Weekday()) && b.inClock(l)
}

// AckDue is when an acknowledgement of severity s raised at from is due, d later.
// Non-working days (a weekend) do not count against it unless the severity is critical:
// the clock stops at local midnight before one and restarts at the next working day's
// midnight. Hours of working days count in full, so a 4h SLA raised at 17:00 on a
// working day is due at 21:00, as people read "4 hours".
func (b BusinessHours) AckDue(from time.Time, d time.Duration, loc *time.Location, s Severity) time.Time {
	if s == SeverityCritical || len(b.Days) == 0 || len(b.Days) == 7 {
		return from.Add(d)
	}
	loc = orUTC(loc)
	t := from.In(loc)
	remaining := d
	// A year of days is far more than any SLA needs; the bound keeps a misconfiguration
	// from looping.
	for range 366 {
		midnight := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		if b.Workday(t.Weekday()) {
			if left := midnight.Sub(t); remaining <= left {
				return t.Add(remaining).UTC()
			} else {
				remaining -= left
			}
		}
		t = midnight
	}
	return from.Add(d)
}

func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}
