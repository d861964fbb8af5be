package config

import (
	"strings"
	"testing"
	"time"
)

func TestDealsSection(t *testing.T) {
	t.Parallel()
	c, err := Parse("vosbot.yaml", []byte(`timezone: Europe/Paris
deals:
  nudge_after: 30m
  nudge_within: 72h
  remind: "0 8 * * MON-FRI"
  owners: {Jane@Acme.com: U0REP1, bob@acme.com: W0REP2}
`))
	if err != nil {
		t.Fatal(err)
	}
	d := c.Deals
	if d.NudgeAfter != 30*time.Minute || d.NudgeWithin != 72*time.Hour || d.Remind != "0 8 * * MON-FRI" ||
		d.Owners["jane@acme.com"] != "U0REP1" || d.Owners["bob@acme.com"] != "W0REP2" || len(d.Owners) != 2 {
		t.Errorf("deals = %+v", d)
	}
	// Saturday 2026-11-21 07:00 UTC → the next weekday at 08:00 in Paris is Monday 07:00 UTC.
	sat := time.Date(2026, 11, 21, 7, 0, 0, 0, time.UTC)
	if next := d.RemindCron.Next(sat.In(c.Location)); next.Weekday() != time.Monday || next.Hour() != 8 {
		t.Errorf("next reminder after Saturday = %s", next)
	}

	def := Default().Deals
	if def.NudgeAfter != time.Hour || def.NudgeWithin != 336*time.Hour || def.Remind != "0 9 * * MON-FRI" || len(def.Owners) != 0 {
		t.Errorf("defaults = %+v", def)
	}
}

func TestDealsSectionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ yaml, want string }{
		{"deals:\n  nudge_after: soon\n", `vosbot.yaml:2: deals.nudge_after: invalid duration "soon"`},
		{"deals:\n  nudge_after: 24h\n  nudge_within: 12h\n", "vosbot.yaml:3: deals.nudge_within: nudge_within (12h0m0s) must be longer than nudge_after (24h0m0s)"},
		{"deals:\n  remind: \"9am weekdays\"\n", `vosbot.yaml:2: deals.remind: invalid cron expression "9am weekdays"`},
		{"deals:\n  owners:\n    jane: U0REP1\n", `vosbot.yaml:3: deals.owners.jane: "jane" is not an e-mail address`},
		{"deals:\n  owners:\n    jane@acme.com: jane\n", `vosbot.yaml:3: deals.owners.jane@acme.com: "jane" is not a Slack user ID`},
		{"deals:\n  owners:\n    jane@acme.com: U0A\n    JANE@acme.com: U0B\n", "is listed twice"},
		{"deals:\n  nudge_afer: 1h\n", `vosbot.yaml:2: unknown key "nudge_afer"`},
	}
	for _, tt := range tests {
		_, err := Parse("vosbot.yaml", []byte(tt.yaml))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.yaml, err, tt.want)
		}
	}
}
