package measures

import (
	"testing"
)

func week(t testing.TB, s string) Week {
	t.Helper()
	w, err := ParseWeek(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestStatusMissingIsNeverZeroNorGreen(t *testing.T) {
	t.Parallel()
	higher := Measure{Target: 95, Better: Higher}
	lower := Measure{Target: 0, Better: Lower} // "zero incidents": a missing week must not pass for 0
	zero, ninety, hundred := 0.0, 90.0, 100.0
	cases := []struct {
		m    Measure
		v    *float64
		want Status
	}{
		{higher, &hundred, Met}, {higher, &ninety, Missed}, {higher, nil, Missing},
		{lower, &zero, Met}, {lower, &ninety, Missed}, {lower, nil, Missing},
	}
	for _, c := range cases {
		if got := c.m.StatusOf(c.v); got != c.want {
			t.Errorf("%+v of %v = %s, want %s", c.m, c.v, got, c.want)
		}
	}
}

func TestSeriesStreakAverageSparkline(t *testing.T) {
	t.Parallel()
	m := Measure{Target: 95, Better: Higher, Unit: "%"}
	last := week(t, "2026-11-09")
	values := map[Week]float64{
		last.Add(-12): 97, last.Add(-11): 96, // two met weeks
		// last.Add(-10 … -6): nobody reported
		last.Add(-5): 96, last.Add(-4): 94,
		last.Add(-3): 91, last.Add(-2): 90, last.Add(-1): 92, last: 88,
	}
	s := NewSeries(m, values, last, SeriesWeeks)
	if len(s) != 13 || s[0].Week != last.Add(-12) || s.Last().Week != last {
		t.Fatalf("series spans %s … %s (%d weeks)", s[0].Week, s.Last().Week, len(s))
	}
	if st := s.Streak(); st != (Streak{Status: Missed, Weeks: 5}) || st.String() != "missed 5 weeks running" {
		t.Errorf("streak %+v %q", st, st.String())
	}
	// The 4-week average is over reported weeks; here all four were.
	if a := s.Average(AverageWeeks); a == nil || *a != (91+90+92+88)/4.0 {
		t.Errorf("average %v", a)
	}
	if got, want := s.Sparkline(), "█▇·····▇▆▃▃▄▁"; got != want {
		t.Errorf("sparkline %q, want %q", got, want)
	}
	if s.Reported() != 8 {
		t.Errorf("reported %d", s.Reported())
	}

	// A missing week is left out of the average, never counted as zero.
	gappy := NewSeries(m, map[Week]float64{last: 90, last.Add(-2): 100}, last, SeriesWeeks)
	if a := gappy.Average(AverageWeeks); a == nil || *a != 95 {
		t.Errorf("average with gaps %v, want 95", a)
	}
	if a := NewSeries(m, nil, last, SeriesWeeks).Average(AverageWeeks); a != nil {
		t.Errorf("average of nothing = %v, want none", *a)
	}
	if st := NewSeries(m, nil, last, SeriesWeeks).Streak(); st.Status != Missing || st.Weeks != 13 || st.String() != "not reported 13 weeks running" {
		t.Errorf("unreported streak %+v %q", st, st.String())
	}
	flat := NewSeries(m, map[Week]float64{last: 5, last.Add(-1): 5}, last, 3)
	if got := flat.Sparkline(); got != "·▄▄" {
		t.Errorf("flat sparkline %q", got)
	}
	if st := flat.Streak(); st.String() != "missed 2 weeks running" {
		t.Errorf("%q", st.String())
	}
	if st := NewSeries(m, map[Week]float64{last: 99}, last, 3).Streak(); st.String() != "" {
		t.Errorf("a one-week streak says %q", st.String())
	}
}

func TestMissRunAt(t *testing.T) {
	t.Parallel()
	m := Measure{Target: 95, Better: Higher}
	last := week(t, "2026-11-09")
	// missed, missed, (missing), missed, missed, missed, met
	values := map[Week]float64{last.Add(-6): 90, last.Add(-5): 90, last.Add(-3): 90, last.Add(-2): 91, last.Add(-1): 92, last: 99}
	s := NewSeries(m, values, last, 10)
	if r := s.MissRunAt(last.Add(-2)); r != (MissRun{First: last.Add(-3), Last: last.Add(-1), Weeks: 3}) {
		t.Errorf("run %+v", r)
	}
	if r := s.MissRunAt(last.Add(-6)); r.Weeks != 2 {
		t.Errorf("the missing week must end a run: %+v", r)
	}
	if r := s.MissRunAt(last); r.Weeks != 0 {
		t.Errorf("a met week is in no run: %+v", r)
	}
	if r := s.MissRunAt(last.Add(-4)); r.Weeks != 0 {
		t.Errorf("a missing week is in no run: %+v", r)
	}
}
