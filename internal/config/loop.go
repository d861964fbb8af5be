package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Defaults of closing the loop on escalations and of the top performers' ranking.
const (
	DefaultEscalateAfter     = 2
	DefaultConfirmWithin     = 120 * time.Hour
	DefaultBusinessHours     = "09:00-18:00"
	DefaultTopWindow         = 4320 * time.Hour
	DefaultTopShare          = 0.5
	maxEscalateAfter         = 100
	defaultBusinessDaysLabel = "MON-FRI"
)

// DefaultBusinessDays are Monday to Friday.
var DefaultBusinessDays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// BusinessHours are when reminders go out, on the wall clock of the configured time
// zone: Start and End are offsets from midnight (End up to 24h).
type BusinessHours struct {
	Start, End time.Duration
	Days       []time.Weekday
}

// TopPerformers configures the ranking of the reps whose escalations carry more weight.
type TopPerformers struct {
	Window time.Duration
	Share  float64
	Always []string
}

type topPerformersFile struct {
	Window string   `yaml:"window"`
	Share  *float64 `yaml:"share"`
	Always []string `yaml:"always"`
}

var (
	hoursPattern = regexp.MustCompile(`^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$`)
	dayNames     = map[string]time.Weekday{
		"SUN": time.Sunday, "MON": time.Monday, "TUE": time.Tuesday, "WED": time.Wednesday,
		"THU": time.Thursday, "FRI": time.Friday, "SAT": time.Saturday,
	}
)

// loop validates escalate_after, escalate_to, confirm_within, business_hours and
// business_days under escalations, and top_performers.
func (v validator) loop(f *file, c *Config) error {
	e := f.Escalations
	at := func(k string) []any { return []any{"escalations", k} }
	c.Escalations.EscalateAfter = DefaultEscalateAfter
	if e.EscalateAfter != nil {
		if *e.EscalateAfter < 0 || *e.EscalateAfter > maxEscalateAfter {
			return v.fail(at("escalate_after"), "escalate_after %d must be between 0 and %d (reminders nobody answered before telling escalate_to)", *e.EscalateAfter, maxEscalateAfter)
		}
		c.Escalations.EscalateAfter = *e.EscalateAfter
	}
	seen := map[string]bool{}
	for i, id := range e.EscalateTo {
		if !userIDPattern.MatchString(id) && !channelIDPattern.MatchString(id) {
			return v.fail(append(at("escalate_to"), i), "%q is neither a Slack user ID (like U012AB3CD) nor a channel ID (like C012AB3CD)", id)
		}
		if seen[id] {
			return v.fail(append(at("escalate_to"), i), "%q is listed twice", id)
		}
		seen[id] = true
	}
	c.Escalations.EscalateTo = e.EscalateTo
	var err error
	if c.Escalations.ConfirmWithin, err = v.duration(at("confirm_within"), e.ConfirmWithin, DefaultConfirmWithin); err != nil {
		return err
	}
	if c.Escalations.BusinessHours, err = v.businessHours(e.BusinessHours, e.BusinessDays); err != nil {
		return err
	}

	tp := f.TopPerformers
	tat := func(k string) []any { return []any{"top_performers", k} }
	if c.TopPerformers.Window, err = v.duration(tat("window"), tp.Window, DefaultTopWindow); err != nil {
		return err
	}
	c.TopPerformers.Share = DefaultTopShare
	if tp.Share != nil {
		if !(*tp.Share > 0 && *tp.Share <= 1) {
			return v.fail(tat("share"), "share %s must be above 0 and at most 1 (0.5 is the top half)", strconv.FormatFloat(*tp.Share, 'g', -1, 64))
		}
		c.TopPerformers.Share = *tp.Share
	}
	if err := v.userIDs(tat("always"), tp.Always); err != nil {
		return err
	}
	c.TopPerformers.Always = tp.Always
	return nil
}

// businessHours reads "09:00-18:00" and a list of days such as [MON, TUE, WED, THU, FRI].
func (v validator) businessHours(hours string, days []string) (BusinessHours, error) {
	var b BusinessHours
	hours = strings.TrimSpace(hours)
	if hours == "" {
		hours = DefaultBusinessHours
	}
	m := hoursPattern.FindStringSubmatch(hours)
	bad := func() (BusinessHours, error) {
		return BusinessHours{}, v.fail([]any{"escalations", "business_hours"}, "business_hours %q: write the opening and closing time such as \"09:00-18:00\" (\"00:00-24:00\" for all day)", hours)
	}
	if m == nil {
		return bad()
	}
	clock := func(h, min string) (time.Duration, bool) {
		hh, _ := strconv.Atoi(h)
		mm, _ := strconv.Atoi(min)
		if mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
			return 0, false
		}
		return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
	}
	var ok1, ok2 bool
	b.Start, ok1 = clock(m[1], m[2])
	b.End, ok2 = clock(m[3], m[4])
	if !ok1 || !ok2 || b.Start == 24*time.Hour {
		return bad()
	}
	if b.End <= b.Start {
		return BusinessHours{}, v.fail([]any{"escalations", "business_hours"}, "business_hours %q closes before it opens; the hours cannot span midnight", hours)
	}
	if days == nil {
		b.Days = append([]time.Weekday(nil), DefaultBusinessDays...)
		return b, nil
	}
	if len(days) == 0 {
		return BusinessHours{}, v.fail([]any{"escalations", "business_days"}, "business_days is empty: list the working days, such as [MON, TUE, WED, THU, FRI] (default %s)", defaultBusinessDaysLabel)
	}
	for i, d := range days {
		key := strings.ToUpper(strings.TrimSpace(d))
		if len(key) > 3 {
			key = key[:3]
		}
		wd, ok := dayNames[key]
		if !ok || (len(strings.TrimSpace(d)) > 3 && !strings.EqualFold(strings.TrimSpace(d), wd.String())) {
			return BusinessHours{}, v.fail([]any{"escalations", "business_days", i}, "%q is not a day: use MON, TUE, WED, THU, FRI, SAT or SUN", d)
		}
		for _, have := range b.Days {
			if have == wd {
				return BusinessHours{}, v.fail([]any{"escalations", "business_days", i}, "%s is listed twice", fmt.Sprint(wd))
			}
		}
		b.Days = append(b.Days, wd)
	}
	return b, nil
}
