package digest

import (
	"errors"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func def(t *testing.T, zone, spec string, lookback time.Duration) Definition {
	t.Helper()
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		t.Fatal(err)
	}
	return Definition{Channel: "C1", Spec: spec, Lookback: lookback, Schedule: Schedule{Cron: sched, Location: loc}}
}

func at(t *testing.T, zone, s string) time.Time {
	t.Helper()
	loc, _ := time.LoadLocation(zone)
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestScheduleAcrossDST checks local wall-clock times hold across daylight-saving changes
// in two zones, in both directions.
func TestScheduleAcrossDST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone, spec, from string
		want             []string // next activations, local
	}{
		// New York leaves DST on Sunday 2026-11-01.
		{"America/New_York", "0 16 * * FRI", "2026-10-23 12:00", []string{"2026-10-23 16:00", "2026-10-30 16:00", "2026-11-06 16:00", "2026-11-13 16:00"}},
		// New York enters DST on Sunday 2026-03-08.
		{"America/New_York", "0 16 * * FRI", "2026-02-27 17:00", []string{"2026-03-06 16:00", "2026-03-13 16:00"}},
		// Paris enters DST on Sunday 2026-03-29 and leaves it on 2026-10-25.
		{"Europe/Paris", "0 9 * * MON", "2026-03-22 00:00", []string{"2026-03-23 09:00", "2026-03-30 09:00", "2026-04-06 09:00"}},
		{"Europe/Paris", "0 9 * * MON", "2026-10-18 00:00", []string{"2026-10-19 09:00", "2026-10-26 09:00"}},
		// A daily 02:30 run on the night the clocks jump from 02:00 to 03:00 (no 02:30 exists).
		{"Europe/Paris", "30 2 * * *", "2026-03-28 12:00", []string{"2026-03-29 03:30", "2026-03-30 02:30"}},
		// A daily 01:30 on the night 01:00–02:00 happens twice in New York: once.
		{"America/New_York", "30 1 * * *", "2026-10-31 12:00", []string{"2026-11-01 01:30", "2026-11-02 01:30"}},
	}
	for _, tt := range tests {
		d := def(t, tt.zone, tt.spec, DefaultLookback)
		cur := at(t, tt.zone, tt.from)
		for _, w := range tt.want {
			cur = d.Schedule.Next(cur)
			if want := at(t, tt.zone, w); !cur.Equal(want) {
				t.Errorf("%s %q after %s: got %s, want %s", tt.zone, tt.spec, tt.from, cur.In(cur.Location()), want)
			}
		}
	}
}

func TestPeriodAt(t *testing.T) {
	t.Parallel()
	d := def(t, "America/New_York", "0 16 * * FRI", 168*time.Hour)
	tests := []struct {
		at, start, end string
	}{
		// Any moment of the week means the period ending at the latest Friday 16:00.
		{"2026-11-23 09:00", "2026-11-13 16:00", "2026-11-20 16:00"},
		{"2026-11-27 15:59", "2026-11-13 16:00", "2026-11-20 16:00"},
		{"2026-11-27 16:00", "2026-11-20 16:00", "2026-11-27 16:00"},
		// The week DST ends: 169 hours long, still Friday 16:00 to Friday 16:00.
		{"2026-11-06 16:30", "2026-10-30 16:00", "2026-11-06 16:00"},
	}
	for _, tt := range tests {
		p, err := d.PeriodAt(at(t, "America/New_York", tt.at))
		if err != nil {
			t.Fatal(err)
		}
		if !p.Start.Equal(at(t, "America/New_York", tt.start)) || !p.End.Equal(at(t, "America/New_York", tt.end)) {
			t.Errorf("PeriodAt(%s) = %s, want %s – %s", tt.at, p, tt.start, tt.end)
		}
	}
	p, _ := d.PeriodAt(at(t, "America/New_York", "2026-11-10 12:00"))
	prev := d.Previous(p, 4)
	if len(prev) != 4 || !prev[0].End.Equal(p.Start) || !prev[3].Start.Equal(at(t, "America/New_York", "2026-10-02 16:00")) {
		t.Errorf("previous periods = %v", prev)
	}
	for i := 1; i < len(prev); i++ {
		if !prev[i].End.Equal(prev[i-1].Start) {
			t.Errorf("previous periods do not tile: %v", prev)
		}
	}
	// A lookback that is not whole days is plain duration arithmetic.
	hourly := def(t, "UTC", "0 * * * *", 90*time.Minute)
	p, _ = hourly.PeriodAt(at(t, "UTC", "2026-11-23 10:20"))
	if p.Duration() != 90*time.Minute {
		t.Errorf("90m lookback gave %s", p.Duration())
	}
}

func TestScheduleThatNeverFires(t *testing.T) {
	t.Parallel()
	d := def(t, "UTC", "0 0 30 2 *", 168*time.Hour)
	if next := d.Schedule.Next(time.Now()); !next.IsZero() {
		t.Errorf("Feb 30 fires at %s", next)
	}
	if _, err := d.PeriodAt(time.Now()); !errors.Is(err, ErrNeverFires) {
		t.Errorf("PeriodAt = %v", err)
	}
	monthly := def(t, "UTC", "0 9 1 * *", 30*24*time.Hour)
	p, err := monthly.PeriodAt(at(t, "UTC", "2026-11-23 10:00"))
	if err != nil || !p.End.Equal(at(t, "UTC", "2026-11-01 09:00")) {
		t.Errorf("monthly = %v, %v", p, err)
	}
	yearly := def(t, "UTC", "0 9 1 1 *", 365*24*time.Hour)
	if p, err := yearly.PeriodAt(at(t, "UTC", "2026-11-23 10:00")); err != nil || !p.End.Equal(at(t, "UTC", "2026-01-01 09:00")) {
		t.Errorf("yearly = %v, %v", p, err)
	}
}
