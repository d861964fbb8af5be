package feedback_test

import (
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// TestBusinessHoursAcrossDST: 09:00–18:00 in New York is 13:00–22:00 UTC in summer time
// and 14:00–23:00 UTC after the clocks go back (Sunday 1 November 2026).
func TestBusinessHoursAcrossDST(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	b := feedback.BusinessHours{Start: 9 * time.Hour, End: 18 * time.Hour, Days: weekdays}
	utc := func(d, h, m int) time.Time { return time.Date(2026, 10, d, h, m, 0, 0, time.UTC) }
	nov := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, time.UTC) }
	tests := []struct {
		at   time.Time
		open bool
	}{
		{utc(26, 13, 30), true},  // Monday 09:30 EDT
		{utc(26, 12, 59), false}, // Monday 08:59 EDT
		{utc(30, 21, 59), true},  // Friday 17:59 EDT
		{utc(30, 22, 0), false},  // Friday 18:00 EDT
		{nov(2, 13, 30), false},  // Monday 08:30 EST: the same UTC time as a week before, now closed
		{nov(2, 14, 0), true},    // Monday 09:00 EST
		{nov(2, 22, 30), true},   // Monday 17:30 EST
		{nov(2, 23, 0), false},   // Monday 18:00 EST
		{nov(1, 15, 0), false},   // the Sunday the clocks change
		{nov(3, 8, 0), false},    // Tuesday 03:00 EST: no 3 a.m. reminders
	}
	for _, tt := range tests {
		if got := b.Open(tt.at, ny); got != tt.open {
			t.Errorf("Open(%s = %s) = %v, want %v", tt.at.Format(time.RFC3339), tt.at.In(ny).Format("Mon 15:04 MST"), got, tt.open)
		}
		if got := b.MayRemind(tt.at, ny, feedback.SeverityHigh); got != tt.open {
			t.Errorf("MayRemind(%s) = %v, want %v", tt.at.In(ny).Format("Mon 15:04 MST"), got, tt.open)
		}
	}
	// Critical: any day, still only in the day's hours.
	if !b.MayRemind(nov(1, 15, 0), ny, feedback.SeverityCritical) {
		t.Error("critical not reminded on Sunday 10:00")
	}
	if b.MayRemind(nov(1, 8, 0), ny, feedback.SeverityCritical) {
		t.Error("critical reminded at 3 a.m.")
	}
	// The zero value is always open.
	if !(feedback.BusinessHours{}).Open(nov(1, 8, 0), ny) {
		t.Error("zero BusinessHours closed")
	}
}

// TestAckDueSkipsWeekends: the acknowledgement clock stops over a weekend (unless
// critical), and a weekend with a daylight-saving change keeps the wall-clock time.
func TestAckDueSkipsWeekends(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	b := feedback.BusinessHours{Start: 9 * time.Hour, End: 18 * time.Hour, Days: weekdays}
	at := func(m time.Month, d, h int) time.Time { return time.Date(2026, m, d, h, 0, 0, 0, ny) }
	tests := []struct {
		name     string
		from     time.Time
		d        time.Duration
		severity feedback.Severity
		want     time.Time
	}{
		{"inside a week", at(11, 17, 10), 24 * time.Hour, feedback.SeverityMedium, at(11, 18, 10)},
		{"Friday afternoon, 24h", at(11, 20, 15), 24 * time.Hour, feedback.SeverityMedium, at(11, 23, 15)},
		{"Friday, 4h", at(11, 20, 15), 4 * time.Hour, feedback.SeverityMedium, at(11, 20, 19)},
		{"Friday 22:00, 4h", at(11, 20, 22), 4 * time.Hour, feedback.SeverityMedium, at(11, 23, 2)},
		{"raised on Saturday", at(11, 21, 11), 24 * time.Hour, feedback.SeverityMedium, at(11, 24, 0)},
		{"critical ignores the weekend", at(11, 20, 15), 24 * time.Hour, feedback.SeverityCritical, at(11, 21, 15)},
		// The clocks go back on Sunday 1 November: Monday 15:00 EST is 25 hours of
		// elapsed time after Friday 15:00 EDT plus the skipped weekend.
		{"across the DST change", at(10, 30, 15), 24 * time.Hour, feedback.SeverityHigh, at(11, 2, 15)},
		{"spring forward", at(3, 6, 15), 24 * time.Hour, feedback.SeverityHigh, at(3, 9, 15)},
	}
	for _, tt := range tests {
		if got := b.AckDue(tt.from, tt.d, ny, tt.severity); !got.Equal(tt.want) {
			t.Errorf("%s: AckDue = %s, want %s", tt.name, got.In(ny).Format("Mon Jan 2 15:04 MST"), tt.want.Format("Mon Jan 2 15:04 MST"))
		}
	}
	// Every day a workday: plain addition.
	always := feedback.BusinessHours{}
	if got := always.AckDue(at(11, 20, 15), 24*time.Hour, ny, feedback.SeverityLow); !got.Equal(at(11, 21, 15)) {
		t.Errorf("always open: %s", got)
	}
}
