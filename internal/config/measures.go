package config

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// Defaults and limits of team measures.
const (
	// DefaultMeasureAsk is when owners are asked for last week's values: Monday 10:00.
	DefaultMeasureAsk = "0 10 * * MON"
	// MaxMeasuresPerTeam keeps each team to the one or two measures that drive revenue.
	MaxMeasuresPerTeam     = 2
	maxMeasureValue        = 1e12
	maxEscalateAfterMisses = 52
)

// Measure is one revenue driver a team owns, reported weekly by an owner.
type Measure struct {
	Key    string
	Name   string
	Target float64
	// Better is "higher" or "lower".
	Better string
	Unit   string
	// EscalateAfterMisses raises a dropped ball after that many misses in a row; 0 is off.
	EscalateAfterMisses int
}

// measureFile mirrors one entry of teams[].measures.
type measureFile struct {
	Key    string    `yaml:"key"`
	Name   string    `yaml:"name"`
	Target yaml.Node `yaml:"target"`
	Better string    `yaml:"better"`
	Unit   string    `yaml:"unit"`
	Ask    string    `yaml:"ask"`
	// EscalateAfterMisses stays text until validation, so a mistake gets its line.
	EscalateAfterMisses string `yaml:"escalate_after_misses"`
}

var (
	measureKeyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{0,39}$`)
	scheduleParser    = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
)

// measures validates a team's measures. A team's measures are asked for together, in
// one DM, so they share one ask schedule: the first one given (default Monday 10:00).
func (v validator) measures(at []any, team string, ms []measureFile) (out []Measure, ask string, sched cron.Schedule, err error) {
	at = append(at, "measures")
	if len(ms) > MaxMeasuresPerTeam {
		return nil, "", nil, v.fail(append(at, MaxMeasuresPerTeam), "team %q has %d measures; a team owns at most %d (the one or two that drive revenue, so that each is watched)", team, len(ms), MaxMeasuresPerTeam)
	}
	askAt := []any(nil)
	for i, f := range ms {
		mat := append(append([]any{}, at...), i)
		key := strings.TrimSpace(f.Key)
		if key == "" {
			return nil, "", nil, v.fail(mat, "a measure needs a key")
		}
		if !measureKeyPattern.MatchString(key) {
			return nil, "", nil, v.fail(append(mat, "key"), "measure key %q must be lower case letters, digits or _ (at most 40)", f.Key)
		}
		for _, m := range out {
			if m.Key == key {
				return nil, "", nil, v.fail(append(mat, "key"), "team %q has two measures with key %q", team, key)
			}
		}
		m := Measure{Key: key, Name: strings.TrimSpace(f.Name), Unit: strings.TrimSpace(f.Unit), Better: strings.TrimSpace(f.Better)}
		if m.Name == "" {
			m.Name = key
		}
		if utf8.RuneCountInString(m.Name) > 80 {
			return nil, "", nil, v.fail(append(mat, "name"), "measure name is %d characters; keep it under 80 (it labels a form field)", utf8.RuneCountInString(m.Name))
		}
		if utf8.RuneCountInString(m.Unit) > 20 {
			return nil, "", nil, v.fail(append(mat, "unit"), "unit %q is too long; use a short one such as %%, leads or days", m.Unit)
		}
		if m.Target, err = v.target(mat, key, f.Target); err != nil {
			return nil, "", nil, err
		}
		switch m.Better {
		case "":
			m.Better = "higher"
		case "higher", "lower":
		default:
			return nil, "", nil, v.fail(append(mat, "better"), "better: %q is not higher or lower (which way the measure should move)", f.Better)
		}
		if s := strings.TrimSpace(f.EscalateAfterMisses); s != "" && s != "off" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 || n > maxEscalateAfterMisses {
				return nil, "", nil, v.fail(append(mat, "escalate_after_misses"), "escalate_after_misses %q must be a number of weeks from 1 to %d (or left out: off)", f.EscalateAfterMisses, maxEscalateAfterMisses)
			}
			m.EscalateAfterMisses = n
		}
		if spec := strings.TrimSpace(f.Ask); spec != "" {
			if strings.Contains(spec, "TZ=") {
				return nil, "", nil, v.fail(append(mat, "ask"), "set the time zone with the top-level timezone key, not in the ask schedule")
			}
			s, err := scheduleParser.Parse(spec)
			if err != nil {
				return nil, "", nil, v.fail(append(mat, "ask"), "invalid cron expression %q: %v (for example \"0 10 * * MON\")", f.Ask, err)
			}
			if ask != "" && spec != ask {
				return nil, "", nil, v.fail(append(mat, "ask"), "a team's measures are asked for together: this ask %q differs from %q at line %d; give them the same one or leave it out here", spec, ask, v.line(append(askAt, "ask")...))
			}
			if ask == "" {
				ask, sched, askAt = spec, s, mat
			}
		}
		out = append(out, m)
	}
	if len(out) > 0 && ask == "" {
		ask = DefaultMeasureAsk
		sched, _ = scheduleParser.Parse(ask)
	}
	return out, ask, sched, nil
}

// target reads a measure's target: a plain number is required (the unit goes in unit:).
func (v validator) target(at []any, key string, n yaml.Node) (float64, error) {
	if n.Kind == 0 {
		return 0, v.fail(at, "measure %q needs a target (the weekly number that counts as met, such as target: 95)", key)
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return 0, v.fail(append(at, "target"), "measure %q needs a target (the weekly number that counts as met, such as target: 95)", key)
	}
	bad := func() (float64, error) {
		return 0, v.fail(append(at, "target"), "target %q is not a number: write it plainly, such as 95 or 1200 (the unit goes in unit:)", clipText(n.Value, 30))
	}
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return bad()
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil {
		if i, ierr := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); ierr == nil {
			f, err = float64(i), nil
		}
	}
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return bad()
	}
	if math.Abs(f) > maxMeasureValue {
		return 0, v.fail(append(at, "target"), "target %s is more than 1e12", n.Value)
	}
	return f, nil
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
