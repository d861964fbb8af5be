package main

import (
	"slices"
	"testing"
	"time"

	"github.com/vosbot/vosbot/internal/config"
)

// TestOrgFromConfigLoop: the loop's keys reach the domain's Org.
func TestOrgFromConfigLoop(t *testing.T) {
	t.Parallel()
	cfg, err := config.Parse("vosbot.yaml", []byte(`timezone: Europe/Paris
escalations:
  escalate_after: 1
  escalate_to: [U0VP]
  confirm_within: 48h
  business_hours: "08:00-19:00"
  business_days: [MON, TUE]
top_performers:
  window: 720h
  share: 0.2
  always: [U0STAR]
`))
	if err != nil {
		t.Fatal(err)
	}
	o := orgFromConfig(cfg)
	e := o.Escalations
	if e.EscalateAfter != 1 || !slices.Equal(e.EscalateTo, []string{"U0VP"}) || e.ConfirmWithin != 48*time.Hour {
		t.Errorf("escalation policy %+v", e)
	}
	if e.BusinessHours.Start != 8*time.Hour || e.BusinessHours.End != 19*time.Hour || !slices.Equal(e.BusinessHours.Days, []time.Weekday{time.Monday, time.Tuesday}) {
		t.Errorf("business hours %+v", e.BusinessHours)
	}
	if o.TopPerformers.Window != 720*time.Hour || o.TopPerformers.Share != 0.2 || !slices.Equal(o.TopPerformers.Always, []string{"U0STAR"}) {
		t.Errorf("top performers %+v", o.TopPerformers)
	}
	// Monday 18:30 in Paris is within these hours, Wednesday is not a business day.
	if !e.BusinessHours.Open(time.Date(2026, 11, 23, 17, 30, 0, 0, time.UTC), o.Location) ||
		e.BusinessHours.Open(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), o.Location) {
		t.Error("business hours not in the configured zone")
	}
}
