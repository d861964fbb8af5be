package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const measuresYAML = `timezone: America/New_York
teams:
  - key: marketing
    name: Marketing
    owners: [U0MKT]
    measures:
      - key: qualified_leads
        name: Marketing qualified leads
        target: 150
        unit: leads
        escalate_after_misses: 3
  - key: service
    name: Customer service
    owners: [U0SVC]
    measures:
      - key: retention
        name: Customer retention
        target: 95.5
        better: higher
        unit: "%"
        ask: "30 9 * * MON"
      - key: first_response
        name: Hours to first response
        target: 4
        better: lower
        unit: h
  - key: product
    owners: [U0PM]
digests:
  - channel: C0LEAD
    schedule: "0 16 * * FRI"
  - channel: C0EMEA
    schedule: "0 16 * * FRI"
    measures: false
`

func TestParseMeasures(t *testing.T) {
	t.Parallel()
	c, err := Parse("vosbot.yaml", []byte(measuresYAML))
	if err != nil {
		t.Fatal(err)
	}
	mkt, svc, prod := c.Teams[0], c.Teams[1], c.Teams[2]
	if len(mkt.Measures) != 1 || mkt.Measures[0] != (Measure{Key: "qualified_leads", Name: "Marketing qualified leads", Target: 150, Better: "higher", Unit: "leads", EscalateAfterMisses: 3}) {
		t.Errorf("marketing %+v", mkt.Measures)
	}
	if mkt.Ask != DefaultMeasureAsk || mkt.AskCron == nil {
		t.Errorf("marketing asked on %q", mkt.Ask)
	}
	if len(svc.Measures) != 2 || svc.Measures[0].Target != 95.5 || svc.Measures[1].Better != "lower" || svc.Measures[1].EscalateAfterMisses != 0 {
		t.Errorf("service %+v", svc.Measures)
	}
	// The team's one ask: the schedule given on its first measure, in the configured zone.
	if svc.Ask != "30 9 * * MON" {
		t.Errorf("service asked on %q", svc.Ask)
	}
	from := time.Date(2026, 11, 17, 0, 0, 0, 0, c.Location)
	if got, want := svc.AskCron.Next(from), time.Date(2026, 11, 23, 9, 30, 0, 0, c.Location); !got.Equal(want) {
		t.Errorf("next ask %s, want %s", got, want)
	}
	if len(prod.Measures) != 0 || prod.Ask != "" {
		t.Errorf("a team without measures is asked: %+v", prod)
	}
	if !c.Digests[0].Measures || c.Digests[1].Measures {
		t.Errorf("digest measures %v %v", c.Digests[0].Measures, c.Digests[1].Measures)
	}
}

func TestMeasureErrors(t *testing.T) {
	t.Parallel()
	team := "teams:\n  - key: billing\n    owners: [U0FIN]\n    measures:\n"
	m := func(lines ...string) string {
		return "      - " + strings.Join(lines, "\n        ") + "\n"
	}
	tests := []struct {
		name string
		yaml string
		line int
		want string
	}{
		{"a third measure", team + m("key: a", "target: 1") + m("key: b", "target: 1") + m("key: c", "target: 1"), 9,
			`teams[0].measures[2]: team "billing" has 3 measures; a team owns at most 2`},
		{"missing target", team + m("key: invoices", "name: Invoices sent on time", "unit: \"%\""), 5,
			`teams[0].measures[0]: measure "invoices" needs a target`},
		{"null target", team + m("key: invoices", "target:"), 6, `needs a target`},
		{"better sideways", team + m("key: invoices", "target: 95", "better: sideways"), 7,
			`teams[0].measures[0].better: better: "sideways" is not higher or lower`},
		{"bad ask cron", team + m("key: invoices", "target: 95", "ask: \"0 10 * * MONDAY-ish\""), 7,
			`teams[0].measures[0].ask: invalid cron expression "0 10 * * MONDAY-ish"`},
		{"ask with a zone", team + m("key: invoices", "target: 95", "ask: \"CRON_TZ=UTC 0 10 * * MON\""), 7, `top-level timezone key`},
		{"target with its unit", team + m("key: invoices", "target: 95%"), 6,
			`teams[0].measures[0].target: target "95%" is not a number: write it plainly`},
		{"target a word", team + m("key: invoices", "target: lots"), 6, `target "lots" is not a number`},
		{"target too large", team + m("key: invoices", "target: 1e13"), 6, `more than 1e12`},
		{"target a list", team + m("key: invoices", "target: [1, 2]"), 6, `is not a number`},
		{"two asks in one team", team + m("key: a", "target: 1", "ask: \"0 10 * * MON\"") + m("key: b", "target: 1", "ask: \"0 9 * * TUE\""), 10,
			`asked for together: this ask "0 9 * * TUE" differs from "0 10 * * MON" at line 7`},
		{"bad escalate_after_misses", team + m("key: a", "target: 1", "escalate_after_misses: often"), 7,
			`escalate_after_misses "often" must be a number of weeks from 1 to 52`},
		{"zero escalate_after_misses", team + m("key: a", "target: 1", "escalate_after_misses: 0"), 7, `from 1 to 52`},
		{"duplicate measure", team + m("key: a", "target: 1") + m("key: a", "target: 2"), 7, `two measures with key "a"`},
		{"bad measure key", team + m("key: Invoices On Time", "target: 1"), 5, `measure key "Invoices On Time" must be lower case`},
		{"measure without key", team + m("name: Invoices", "target: 1"), 5, `a measure needs a key`},
		{"unknown measure field", team + m("key: a", "target: 1", "owner: U0FIN"), 7, `unknown key "owner"`},
		{"digest measures not a bool", "digests:\n  - channel: C0LEAD\n    schedule: \"@weekly\"\n    measures: some\n", 4, `cannot unmarshal`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("conf/vosbot.yaml", []byte(tt.yaml))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error = %v, want a *config.Error", err)
			}
			if ce.Line != tt.line || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "conf/vosbot.yaml:") {
				t.Errorf("error %q, want line %d and %q", err, tt.line, tt.want)
			}
		})
	}
}

// TestExampleDocumentsMeasures: the example file shows the three examples.
func TestExampleDocumentsMeasures(t *testing.T) {
	t.Parallel()
	c, err := Load("../../deploy/vosbot.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"billing": "invoices_on_time", "marketing": "qualified_leads", "service": "retention"}
	for team, measure := range want {
		tm, ok := c.Team(team)
		if !ok || len(tm.Measures) == 0 || tm.Measures[0].Key != measure || tm.AskCron == nil {
			t.Errorf("example team %s lacks measure %s: %+v", team, measure, tm)
		}
	}
}
