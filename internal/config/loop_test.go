package config

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoopKeys(t *testing.T) {
	t.Parallel()
	c, err := Parse("vosbot.yaml", []byte(`escalations:
  escalate_after: 3
  escalate_to: [U0VP, C0LEADERS]
  confirm_within: 72h
  business_hours: "08:30 - 17:00"
  business_days: [mon, Tuesday, WED, thu, FRI, SAT]
top_performers:
  window: 2160h
  share: 0.25
  always: [U0STAR]
`))
	if err != nil {
		t.Fatal(err)
	}
	e := c.Escalations
	if e.EscalateAfter != 3 || !slices.Equal(e.EscalateTo, []string{"U0VP", "C0LEADERS"}) || e.ConfirmWithin != 72*time.Hour {
		t.Errorf("escalations = %+v", e)
	}
	if e.BusinessHours.Start != 8*time.Hour+30*time.Minute || e.BusinessHours.End != 17*time.Hour || len(e.BusinessHours.Days) != 6 ||
		e.BusinessHours.Days[1] != time.Tuesday || e.BusinessHours.Days[5] != time.Saturday {
		t.Errorf("business hours = %+v", e.BusinessHours)
	}
	if c.TopPerformers.Window != 2160*time.Hour || c.TopPerformers.Share != 0.25 || !slices.Equal(c.TopPerformers.Always, []string{"U0STAR"}) {
		t.Errorf("top performers = %+v", c.TopPerformers)
	}
	// escalate_after: 0 is allowed (every reminder goes up the chain).
	z, err := Parse("vosbot.yaml", []byte("escalations:\n  escalate_after: 0\n"))
	if err != nil || z.Escalations.EscalateAfter != 0 {
		t.Errorf("escalate_after 0: %v %+v", err, z.Escalations)
	}
	all, err := Parse("vosbot.yaml", []byte("escalations:\n  business_hours: 00:00-24:00\n"))
	if err != nil || all.Escalations.BusinessHours.End != 24*time.Hour {
		t.Errorf("all day: %v %+v", err, all.Escalations.BusinessHours)
	}
}

func TestLoopDefaults(t *testing.T) {
	t.Parallel()
	c := Default()
	e := c.Escalations
	if e.EscalateAfter != DefaultEscalateAfter || len(e.EscalateTo) != 0 || e.ConfirmWithin != DefaultConfirmWithin {
		t.Errorf("escalations = %+v", e)
	}
	if e.BusinessHours.Start != 9*time.Hour || e.BusinessHours.End != 18*time.Hour || !slices.Equal(e.BusinessHours.Days, DefaultBusinessDays) {
		t.Errorf("business hours = %+v", e.BusinessHours)
	}
	if c.TopPerformers.Window != DefaultTopWindow || c.TopPerformers.Share != DefaultTopShare || len(c.TopPerformers.Always) != 0 {
		t.Errorf("top performers = %+v", c.TopPerformers)
	}
}

func TestLoopErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		line       int
		want       string
	}{
		{"negative escalate_after", "escalations:\n  escalate_after: -1\n", 2, `escalations.escalate_after: escalate_after -1 must be between 0 and 100`},
		{"escalate_after not a number", "escalations:\n  escalate_after: two\n", 2, `cannot unmarshal`},
		{"escalate_to a name", "escalations:\n  escalate_to: [U0VP, \"#leadership\"]\n", 2, `escalations.escalate_to[1]: "#leadership" is neither a Slack user ID`},
		{"escalate_to twice", "escalations:\n  escalate_to:\n    - U0VP\n    - U0VP\n", 4, `escalations.escalate_to[1]: "U0VP" is listed twice`},
		{"bad confirm_within", "escalations:\n  confirm_within: a week\n", 2, `escalations.confirm_within: invalid duration "a week"`},
		{"hours without a dash", "escalations:\n  business_hours: 9 to 5\n", 2, `escalations.business_hours: business_hours "9 to 5": write the opening and closing time`},
		{"hours past midnight", "escalations:\n  business_hours: \"22:00-06:00\"\n", 2, `closes before it opens`},
		{"minutes out of range", "escalations:\n  business_hours: \"09:75-18:00\"\n", 2, `write the opening and closing time`},
		{"25 o'clock", "escalations:\n  business_hours: \"09:00-25:00\"\n", 2, `write the opening and closing time`},
		{"unknown day", "escalations:\n  business_days: [MON, FUNDAY]\n", 2, `escalations.business_days[1]: "FUNDAY" is not a day`},
		{"day twice", "escalations:\n  business_days:\n    - MON\n    - monday\n", 4, `Monday is listed twice`},
		{"no days", "escalations:\n  business_days: []\n", 2, `business_days is empty`},
		{"share zero", "top_performers:\n  share: 0\n", 2, `top_performers.share: share 0 must be above 0 and at most 1`},
		{"share above one", "top_performers:\n  share: 1.5\n", 2, `share 1.5 must be above 0`},
		{"bad window", "top_performers:\n  window: 6 months\n", 2, `top_performers.window: invalid duration "6 months"`},
		{"always not a user", "top_performers:\n  always: [C0CHAN]\n", 2, `top_performers.always[0]: "C0CHAN" is not a Slack user ID`},
		{"unknown key", "top_performers:\n  top: 3\n", 2, `unknown key "top"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("conf/vosbot.yaml", []byte(tt.yaml))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error = %v, want a *config.Error", err)
			}
			if ce.Line != tt.line || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q at line %d, want %q at line %d", err, ce.Line, tt.want, tt.line)
			}
		})
	}
}
