// Package digest builds the weekly accountability digest from the store, renders it as
// Block Kit and as plain text, and posts it exactly once per channel and period on its
// schedule.
package digest

import (
	"errors"
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a cron schedule evaluated on the wall clock of a time zone; it satisfies
// river.PeriodicSchedule. "16:00 on Fridays" is 16:00 local on both sides of a
// daylight-saving change. A time the clocks skip (02:30 on the night they jump from
// 02:00 to 03:00) fires at the same distance past the jump, 03:30, as cron(8) does,
// instead of being dropped for the day (robfig/cron's own behaviour); a time the clocks
// repeat fires once.
type Schedule struct {
	Cron     cron.Schedule
	Location *time.Location
}

// Next returns the first activation strictly after t, or the zero time if there is
// none within five years (a schedule such as "0 0 30 2 *" never fires).
func (s Schedule) Next(t time.Time) time.Time {
	// Walk the schedule on a clock without daylight saving showing the local wall time.
	lt := t.In(s.Location)
	wall := time.Date(lt.Year(), lt.Month(), lt.Day(), lt.Hour(), lt.Minute(), lt.Second(), lt.Nanosecond(), time.UTC)
	for range 4 {
		next := s.Cron.Next(wall)
		if next.IsZero() {
			return next
		}
		// time.Date moves a skipped wall time forward past the jump.
		real := time.Date(next.Year(), next.Month(), next.Day(), next.Hour(), next.Minute(), next.Second(), 0, s.Location)
		if real.After(t) {
			return real
		}
		wall = next
	}
	return time.Time{}
}

// ErrNeverFires means a schedule has no activation in the searched range.
var ErrNeverFires = errors.New("the schedule never fires")

// Previous returns the latest activation at or before t.
func (s Schedule) Previous(t time.Time) (time.Time, error) {
	// Walk forward from a point far enough back to contain an activation, widening the
	// window for sparse schedules (monthly, yearly).
	for back := 8 * 24 * time.Hour; back <= 5*366*24*time.Hour; back *= 4 {
		var last time.Time
		for at := s.Next(t.Add(-back)); !at.IsZero() && !at.After(t); at = s.Next(at) {
			last = at
		}
		if !last.IsZero() {
			return last, nil
		}
	}
	return time.Time{}, ErrNeverFires
}

// Period is the span a digest covers: [Start, End).
type Period struct {
	Start, End time.Time
}

// Duration is the period's length.
func (p Period) Duration() time.Duration { return p.End.Sub(p.Start) }

func (p Period) String() string {
	return fmt.Sprintf("%s – %s", p.Start.Format(time.RFC3339), p.End.Format(time.RFC3339))
}

// Definition is one scheduled digest: where it goes, when, over what period and
// which records.
type Definition struct {
	Channel string
	// Spec is the schedule as configured (a cron expression), for messages.
	Spec     string
	Schedule Schedule
	// Lookback is the length of the period covered, ending at the scheduled time.
	Lookback time.Duration
	Filter   Filter
	// HideMeasures leaves the Revenue drivers out (measures are company-wide, so a
	// regional digest shows them too unless configured otherwise).
	HideMeasures bool
}

// Filter restricts a digest to matching records.
type Filter struct {
	Region string
}

// DefaultLookback is the period a digest covers unless configured: a week.
const DefaultLookback = 168 * time.Hour

// DefaultDefinition is the digest previewed when none is configured: Fridays at 16:00
// in loc, the last seven days.
func DefaultDefinition(loc *time.Location) Definition {
	sched, _ := cron.ParseStandard("0 16 * * FRI")
	return Definition{Spec: "0 16 * * FRI", Schedule: Schedule{Cron: sched, Location: loc}, Lookback: DefaultLookback}
}

// PeriodAt is the period of the digest's latest scheduled time at or before at: every
// run within one week means the same period.
func (d Definition) PeriodAt(at time.Time) (Period, error) {
	end, err := d.Schedule.Previous(at)
	if err != nil {
		return Period{}, fmt.Errorf("digest for %s (%q): %w", d.Channel, d.Spec, err)
	}
	return d.ending(end), nil
}

// ending is the period of length lookback that ends at end. A lookback of whole days
// counts calendar days in the configured zone, so that consecutive weekly periods tile
// exactly across daylight-saving changes (that week has 167 or 169 hours).
func (d Definition) ending(end time.Time) Period {
	end = end.In(d.Schedule.Location)
	start := end.Add(-d.Lookback)
	if day := 24 * time.Hour; d.Lookback%day == 0 {
		start = end.AddDate(0, 0, -int(d.Lookback/day))
	}
	return Period{Start: start.UTC(), End: end.UTC()}
}

// Previous returns the n periods before p, most recent first, for trends.
func (d Definition) Previous(p Period, n int) []Period {
	out := make([]Period, 0, n)
	for range n {
		p = d.ending(p.Start)
		out = append(out, p)
	}
	return out
}
