package digest

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vosbot/vosbot/feedback/measures"
)

// RevenueDrivers is the "Revenue drivers" section: every team's measures against their
// targets for their latest week, and the teams that reported nothing.
type RevenueDrivers struct {
	// Week is the week most measures are shown for (each measure says its own).
	Week  measures.Week
	Teams []TeamMeasures
}

// TeamMeasures is one team's measures.
type TeamMeasures struct {
	Key      string
	Name     string
	Measures []MeasureStat
	// NotReporting is set when none of its measures was reported for its week;
	// SilentWeeks is then how many weeks running nothing was.
	NotReporting bool
	SilentWeeks  int
}

// MeasureStat is one measure's latest week and its trend.
type MeasureStat struct {
	Measure measures.Measure
	Week    measures.Week
	// Value is nil when nobody reported the week: missing, never zero.
	Value     *float64
	Status    measures.Status
	Sparkline string
	// Average is over the weeks reported among the last four; nil when none was.
	Average *float64
	Streak  measures.Streak
}

// Counts tallies the measures by status.
func (rd *RevenueDrivers) Counts() (met, missed, missing int) {
	for _, t := range rd.Teams {
		for _, m := range t.Measures {
			switch m.Status {
			case measures.Met:
				met++
			case measures.Missed:
				missed++
			default:
				missing++
			}
		}
	}
	return met, missed, missing
}

// measureWeeks are the weeks a digest of period p may show: the latest week that began
// before the period's end (shown when it already has a value: an owner reported early),
// else the latest week that has ended, which the owners were asked about.
func measureWeeks(p Period, loc *time.Location) (began, ended measures.Week) {
	return measures.WeekOf(p.End.Add(-time.Nanosecond), loc), measures.WeekOf(p.End, loc).Add(-1)
}

// revenueDrivers reads the teams' measures for the report's period. Measures are
// company-wide: a regional digest shows the same section, unless its definition hides it.
func (b *Builder) revenueDrivers(ctx context.Context, q Querier, d Definition, r *Report) error {
	if d.HideMeasures || b.Scorecard.Empty() {
		return nil
	}
	loc := b.Scorecard.Location
	if loc == nil {
		loc = time.UTC
	}
	began, ended := measureWeeks(r.Period, loc)
	h, err := measures.ReadHistory(ctx, q, ended.Add(-measures.SeriesWeeks), began)
	if err != nil {
		return err
	}
	rd := &RevenueDrivers{Week: ended}
	for _, t := range b.Scorecard.Teams {
		if len(t.Measures) == 0 {
			continue
		}
		tm := TeamMeasures{Key: t.Key, Name: t.Key, NotReporting: true}
		if ft, ok := b.Org.Team(t.Key); ok {
			tm.Name = ft.Name
		}
		for _, m := range t.Measures {
			w := ended
			if _, early := h.Entry(m, began); early {
				w = began
			}
			s := h.Series(m, w, measures.SeriesWeeks)
			last := s.Last()
			st := MeasureStat{Measure: m, Week: w, Value: last.Value, Status: last.Status, Sparkline: s.Sparkline(),
				Average: s.Average(measures.AverageWeeks), Streak: s.Streak()}
			if st.Status != measures.Missing {
				tm.NotReporting = false
			}
			if tm.SilentWeeks == 0 || st.Streak.Weeks < tm.SilentWeeks {
				tm.SilentWeeks = st.Streak.Weeks
			}
			tm.Measures = append(tm.Measures, st)
		}
		if !tm.NotReporting {
			tm.SilentWeeks = 0
		}
		rd.Teams = append(rd.Teams, tm)
	}
	r.Measures = rd
	return nil
}

// revenueSection renders the Revenue drivers: per team and measure the latest week
// against its target, the 13-week sparkline, the 4-week average and the streak; then
// the teams that reported nothing.
func revenueSection(r *Report, s style) *section {
	rd := r.Measures
	if rd == nil || len(rd.Teams) == 0 {
		return nil
	}
	sec := section{Title: "Revenue drivers · " + rd.Week.Label()}
	var silent []string
	for _, t := range rd.Teams {
		if t.NotReporting {
			name := s.bold(s.text(t.Name))
			if t.SilentWeeks >= 2 {
				name += fmt.Sprintf(" (nothing for %d weeks)", t.SilentWeeks)
			}
			silent = append(silent, name)
			continue
		}
		for _, m := range t.Measures {
			sec.Lines = append(sec.Lines, measureLine(t, m, rd.Week, s))
		}
	}
	if len(silent) > 0 {
		sec.Lines = append(sec.Lines, "⚪ Not reporting: "+strings.Join(silent, ", ")+" — no measure reported for the "+rd.Week.Label()+".")
	}
	return &sec
}

func measureLine(t TeamMeasures, m MeasureStat, week measures.Week, s style) string {
	mm := m.Measure
	l := fmt.Sprintf("%s %s — %s: ", m.Status.Mark(), s.bold(s.text(t.Name)), s.text(mm.Name))
	if m.Value != nil {
		l += s.bold(s.text(mm.Format(*m.Value)))
	} else {
		l += "not reported"
	}
	l += " · target " + s.text(mm.TargetLabel())
	if m.Week != week {
		l += " (" + m.Week.Label() + ")"
	}
	l += " · " + s.code(m.Sparkline)
	if m.Average != nil {
		l += " · 4-wk avg " + s.text(mm.Format(*m.Average))
	}
	if st := m.Streak.String(); st != "" && m.Status != measures.Met {
		l += " · " + s.bold(st)
	} else if st != "" {
		l += " · " + st
	}
	return l
}

// revenueFallback is the section's part of the notification text.
func revenueFallback(r *Report) string {
	if r.Measures == nil {
		return ""
	}
	met, missed, missing := r.Measures.Counts()
	if met+missed+missing == 0 {
		return ""
	}
	return fmt.Sprintf("Revenue drivers: %d of %d met, %d missed, %d not reported", met, met+missed+missing, missed, missing)
}

// revenueSummary is the section's numbers for the posted digest's record.
func revenueSummary(r *Report) map[string]string {
	if r.Measures == nil {
		return nil
	}
	out := map[string]string{}
	for _, t := range r.Measures.Teams {
		for _, m := range t.Measures {
			out[t.Key+"/"+m.Measure.Key] = string(m.Status)
		}
	}
	return out
}
