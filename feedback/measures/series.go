package measures

import (
	"fmt"
	"math"
	"strings"
)

// SeriesWeeks is the rolling view of a measure: a quarter, as EOS scorecards show it.
const SeriesWeeks = 13

// AverageWeeks is the span of the trailing average.
const AverageWeeks = 4

// Point is one week of a measure; Value is nil when nobody reported it.
type Point struct {
	Week   Week
	Value  *float64
	Status Status
}

// Series is a measure's consecutive weeks, oldest first.
type Series []Point

// NewSeries lays values out over the n weeks ending with last, judging each against the
// measure; weeks without a value are Missing.
func NewSeries(m Measure, values map[Week]float64, last Week, n int) Series {
	s := make(Series, n)
	for i := range n {
		w := last.Add(i - n + 1)
		p := Point{Week: w}
		if v, ok := values[w]; ok {
			p.Value = &v
		}
		p.Status = m.StatusOf(p.Value)
		s[i] = p
	}
	return s
}

// Last is the latest week of the series.
func (s Series) Last() Point {
	if len(s) == 0 {
		return Point{Status: Missing}
	}
	return s[len(s)-1]
}

// Streak is how many weeks in a row, up to the latest, had the latest week's status.
type Streak struct {
	Status Status
	Weeks  int
}

// Streak counts back from the latest week while the status stays the same.
func (s Series) Streak() Streak {
	if len(s) == 0 {
		return Streak{Status: Missing}
	}
	st := Streak{Status: s.Last().Status}
	for i := len(s) - 1; i >= 0 && s[i].Status == st.Status; i-- {
		st.Weeks++
	}
	return st
}

// String says it as the digest does, "missed 3 weeks running", and nothing for a single
// week (the week's own status says that).
func (st Streak) String() string {
	if st.Weeks < 2 {
		return ""
	}
	what := string(st.Status)
	if st.Status == Missing {
		what = "not reported"
	}
	return fmt.Sprintf("%s %d weeks running", what, st.Weeks)
}

// Average is the mean of the values reported among the last n weeks; nil when none
// was: a missing week is left out, never counted as zero.
func (s Series) Average(n int) *float64 {
	sum, count := 0.0, 0
	for i := max(len(s)-n, 0); i < len(s); i++ {
		if v := s[i].Value; v != nil {
			sum += *v
			count++
		}
	}
	if count == 0 {
		return nil
	}
	avg := sum / float64(count)
	return &avg
}

// Reported counts the weeks with a value.
func (s Series) Reported() int {
	n := 0
	for _, p := range s {
		if p.Value != nil {
			n++
		}
	}
	return n
}

// sparks are the eight heights of a sparkline.
var sparks = []rune("▁▂▃▄▅▆▇█")

// MissingSpark marks a week nobody reported, so that a gap never reads as a low week.
const MissingSpark = '·'

// Sparkline draws the series in one line of Unicode blocks, lowest to highest value
// of the series; an unreported week is a dot.
func (s Series) Sparkline() string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, p := range s {
		if p.Value != nil {
			lo, hi = math.Min(lo, *p.Value), math.Max(hi, *p.Value)
		}
	}
	var b strings.Builder
	for _, p := range s {
		switch {
		case p.Value == nil:
			b.WriteRune(MissingSpark)
		case hi == lo:
			b.WriteRune(sparks[len(sparks)/2-1])
		default:
			i := int(math.Round((*p.Value - lo) / (hi - lo) * float64(len(sparks)-1)))
			b.WriteRune(sparks[i])
		}
	}
	return b.String()
}

// MissRun is a run of consecutive missed weeks.
type MissRun struct {
	First, Last Week
	Weeks       int
}

// MissRunAt is the run of consecutive missed weeks that contains w (zero when w was not
// missed), looking both ways: a correction can fill a gap between two runs.
func (s Series) MissRunAt(w Week) MissRun {
	at := -1
	for i, p := range s {
		if p.Week == w {
			at = i
		}
	}
	if at < 0 || s[at].Status != Missed {
		return MissRun{}
	}
	first, last := at, at
	for first > 0 && s[first-1].Status == Missed {
		first--
	}
	for last < len(s)-1 && s[last+1].Status == Missed {
		last++
	}
	return MissRun{First: s[first].Week, Last: s[last].Week, Weeks: last - first + 1}
}
