package measures

import (
	"slices"
	"strings"
	"time"
)

// Better says which way a measure should move.
type Better string

// Directions of a measure.
const (
	Higher Better = "higher"
	Lower  Better = "lower"
)

// MaxPerTeam is how many measures one team may own: one or two that drive revenue, so
// that each is watched.
const MaxPerTeam = 2

// Measure is one revenue driver a team owns, reported once a week.
type Measure struct {
	Team   string
	Key    string
	Name   string
	Target float64
	Better Better
	// Unit is shown after values ("%", "leads"); optional.
	Unit string
	// EscalateAfter raises a dropped ball against the team after that many misses in a
	// row; 0 is off.
	EscalateAfter int
}

// Schedule is when a team is asked for its values: a cron schedule in the configured
// time zone (digest.Schedule is one); it satisfies river.PeriodicSchedule.
type Schedule interface {
	Next(time.Time) time.Time
}

// Team is a team's measures and when its owners are asked for them.
type Team struct {
	Key      string
	Measures []Measure
	// Ask is the schedule and AskSpec its cron expression as configured.
	Ask     Schedule
	AskSpec string
}

// Scorecard is every team's measures: what the company watches each week.
type Scorecard struct {
	Location *time.Location
	Teams    []Team
}

// Team returns a team's measures.
func (s *Scorecard) Team(key string) (Team, bool) {
	if s == nil {
		return Team{}, false
	}
	i := slices.IndexFunc(s.Teams, func(t Team) bool { return t.Key == key })
	if i < 0 {
		return Team{}, false
	}
	return s.Teams[i], true
}

// Measure returns one measure.
func (s *Scorecard) Measure(team, key string) (Measure, bool) {
	t, ok := s.Team(team)
	if !ok {
		return Measure{}, false
	}
	return t.Measure(key)
}

// Measure returns one of the team's measures.
func (t Team) Measure(key string) (Measure, bool) {
	i := slices.IndexFunc(t.Measures, func(m Measure) bool { return m.Key == key })
	if i < 0 {
		return Measure{}, false
	}
	return t.Measures[i], true
}

// Empty reports whether no team owns a measure.
func (s *Scorecard) Empty() bool {
	if s == nil {
		return true
	}
	for _, t := range s.Teams {
		if len(t.Measures) > 0 {
			return false
		}
	}
	return true
}

// Status is how a week went for a measure.
type Status string

// Statuses of a measure's week. Missing is its own status: a week nobody reported is
// neither zero nor green.
const (
	Met     Status = "met"
	Missed  Status = "missed"
	Missing Status = "missing"
)

// Mark is the status's colour: green, red, or white for a week nobody reported.
func (s Status) Mark() string {
	switch s {
	case Met:
		return "✅"
	case Missed:
		return "🔴"
	}
	return "⚪"
}

// StatusOf judges a reported value against the target; nil is Missing.
func (m Measure) StatusOf(v *float64) Status {
	if v == nil {
		return Missing
	}
	if m.Better == Lower {
		if *v <= m.Target {
			return Met
		}
		return Missed
	}
	if *v >= m.Target {
		return Met
	}
	return Missed
}

// AllowsNegative reports whether values below zero make sense: a unit that is a change
// (starting with ± or +/-) or a target below zero. Counts, rates and amounts are never
// negative, so a minus sign there is a typing mistake.
func (m Measure) AllowsNegative() bool {
	u := strings.TrimSpace(m.Unit)
	return m.Target < 0 || strings.HasPrefix(u, "±") || strings.HasPrefix(u, "+/-")
}

// percent reports whether the unit is a percentage.
func (m Measure) percent() bool { return strings.Contains(m.Unit, "%") }

// Format writes a value with the measure's unit: "95%", "1,200 leads", "3.5 days".
func (m Measure) Format(v float64) string {
	s := FormatNumber(v)
	switch u := strings.TrimSpace(m.Unit); {
	case u == "":
		return s
	case u == "%":
		return s + "%"
	case strings.HasPrefix(u, "±"), strings.HasPrefix(u, "+/-"):
		if v > 0 {
			s = "+" + s
		}
		return s + " " + strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(u, "±"), "+/-"))
	default:
		return s + " " + u
	}
}

// TargetLabel is the target with its direction: "≥ 95%", "≤ 2 days".
func (m Measure) TargetLabel() string {
	if m.Better == Lower {
		return "≤ " + m.Format(m.Target)
	}
	return "≥ " + m.Format(m.Target)
}
