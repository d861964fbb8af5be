package measures

import (
	"testing"
	"time"
)

func mustLoad(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestWeekOfIsTheConfiguredZonesWeek: the same instant belongs to different weeks in
// different zones, and the Monday boundary is local midnight, on both sides of a
// daylight-saving change.
func TestWeekOfIsTheConfiguredZonesWeek(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	tokyo := mustLoad(t, "Asia/Tokyo")
	cases := []struct {
		at   time.Time
		loc  *time.Location
		want string
	}{
		// Sunday 23:30 in New York the night the clocks fall back (Nov 1, 2026) is still
		// the week of Oct 26, though it is Monday in UTC.
		{time.Date(2026, 11, 1, 23, 30, 0, 0, ny), ny, "2026-10-26"},
		{time.Date(2026, 11, 1, 23, 30, 0, 0, ny), time.UTC, "2026-11-02"},
		{time.Date(2026, 11, 2, 0, 0, 0, 0, ny), ny, "2026-11-02"},
		// The night the clocks spring forward (Mar 8, 2026).
		{time.Date(2026, 3, 8, 3, 30, 0, 0, ny), ny, "2026-03-02"},
		{time.Date(2026, 3, 9, 0, 0, 0, 0, ny), ny, "2026-03-09"},
		// Monday 08:00 in Tokyo is Sunday in UTC.
		{time.Date(2026, 11, 16, 8, 0, 0, 0, tokyo), tokyo, "2026-11-16"},
		{time.Date(2026, 11, 16, 8, 0, 0, 0, tokyo), time.UTC, "2026-11-09"},
		// Across a year boundary: ISO weeks start on Monday whatever the year.
		{time.Date(2027, 1, 1, 12, 0, 0, 0, time.UTC), time.UTC, "2026-12-28"},
	}
	for _, c := range cases {
		if got := WeekOf(c.at, c.loc).String(); got != c.want {
			t.Errorf("WeekOf(%s in %s) = %s, want %s", c.at.Format(time.RFC3339), c.loc, got, c.want)
		}
	}
}

// TestWeekLengthAcrossDST: a week in which the clocks change has 169 or 167 hours, and
// consecutive weeks tile exactly.
func TestWeekLengthAcrossDST(t *testing.T) {
	t.Parallel()
	ny := mustLoad(t, "America/New_York")
	for week, hours := range map[string]float64{"2026-10-26": 169, "2026-03-02": 167, "2026-11-09": 168} {
		w, err := ParseWeek(week)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.End(ny).Sub(w.Start(ny)).Hours(); got != hours {
			t.Errorf("week of %s lasts %v hours in New York, want %v", week, got, hours)
		}
		if !w.Add(1).Start(ny).Equal(w.End(ny)) || WeekOf(w.End(ny).Add(-time.Nanosecond), ny) != w {
			t.Errorf("week of %s does not tile", week)
		}
	}
}

func TestParseWeek(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"2026-11-16": "2026-11-16", "2026-11-22": "2026-11-16", " 2026-11-18 ": "2026-11-16"} {
		w, err := ParseWeek(in)
		if err != nil || w.String() != want {
			t.Errorf("ParseWeek(%q) = %s, %v; want %s", in, w, err, want)
		}
	}
	for _, bad := range []string{"", "last week", "2026-13-01", "16/11/2026", "2026-11-16T10:00:00Z"} {
		if _, err := ParseWeek(bad); err == nil {
			t.Errorf("ParseWeek(%q) accepted", bad)
		}
	}
	a, _ := ParseWeek("2026-11-16")
	b, _ := ParseWeek("2026-08-17")
	if a.Since(b) != 13 || b.Add(13) != a || !b.Before(a) || !a.After(b) {
		t.Errorf("week arithmetic: %d", a.Since(b))
	}
}
