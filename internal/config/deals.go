package config

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Defaults of the deals section.
const (
	DefaultNudgeAfter  = time.Hour
	DefaultNudgeWithin = 336 * time.Hour
	DefaultDealsRemind = "0 9 * * MON-FRI"
)

// Deals is when reps are asked about the deals a CRM reports closed.
type Deals struct {
	// NudgeAfter is how long after the close the owner is asked; NudgeWithin how long
	// after the close anyone is asked at all.
	NudgeAfter  time.Duration
	NudgeWithin time.Duration
	// Remind is the daily list's schedule as written; RemindCron parsed (in Location).
	Remind     string
	RemindCron cron.Schedule
	// Owners maps a CRM owner's e-mail, lower case, to a Slack user.
	Owners map[string]string
}

// dealsFile mirrors the deals section.
type dealsFile struct {
	NudgeAfter  string            `yaml:"nudge_after"`
	NudgeWithin string            `yaml:"nudge_within"`
	Remind      string            `yaml:"remind"`
	Owners      map[string]string `yaml:"owners"`
}

func (v validator) deals(f dealsFile, parser cron.Parser) (Deals, error) {
	var d Deals
	var err error
	if d.NudgeAfter, err = v.duration([]any{"deals", "nudge_after"}, f.NudgeAfter, DefaultNudgeAfter); err != nil {
		return d, err
	}
	if d.NudgeWithin, err = v.duration([]any{"deals", "nudge_within"}, f.NudgeWithin, DefaultNudgeWithin); err != nil {
		return d, err
	}
	if d.NudgeWithin <= d.NudgeAfter {
		return d, v.fail([]any{"deals", "nudge_within"}, "nudge_within (%s) must be longer than nudge_after (%s): nobody would ever be asked", d.NudgeWithin, d.NudgeAfter)
	}
	d.Remind = strings.TrimSpace(f.Remind)
	if d.Remind == "" {
		d.Remind = DefaultDealsRemind
	}
	if strings.Contains(d.Remind, "TZ=") {
		return d, v.fail([]any{"deals", "remind"}, "set the time zone with the top-level timezone key, not in the schedule")
	}
	if d.RemindCron, err = parser.Parse(d.Remind); err != nil {
		return d, v.fail([]any{"deals", "remind"}, "invalid cron expression %q: %v", f.Remind, err)
	}
	d.Owners = map[string]string{}
	// In file order is not kept by a map: check in sorted order so errors are stable.
	for _, email := range slices.Sorted(maps.Keys(f.Owners)) {
		id := f.Owners[email]
		at := []any{"deals", "owners", email}
		key := strings.ToLower(strings.TrimSpace(email))
		if i := strings.IndexByte(key, '@'); i <= 0 || i == len(key)-1 || strings.ContainsAny(key, " \t<>") {
			return d, v.fail(at, "%q is not an e-mail address (the CRM owner's, as the CRM sends it)", email)
		}
		if !userIDPattern.MatchString(id) {
			return d, v.fail(at, "%q is not a Slack user ID (like U012AB3CD; find it in the person's profile under \"Copy member ID\")", id)
		}
		if _, dup := d.Owners[key]; dup {
			return d, v.fail(at, "%q is listed twice (e-mails are compared in lower case)", email)
		}
		d.Owners[key] = id
	}
	return d, nil
}
