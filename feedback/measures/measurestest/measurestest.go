// Package measurestest holds the sample scorecard that the tests of several packages
// share, matching feedbacktest.Org's teams, so that its measures are written once.
package measurestest

import (
	"time"

	"github.com/vosbot/vosbot/feedback/measures"
)

// Scorecard returns a fresh sample scorecard in loc, asked on ask (nil: never asked):
// team product owns "Activation rate" (%, ≥ 40) and "Days to first value" (≤ 14 days);
// team billing owns "Invoices sent on time" (%, ≥ 95, a dropped ball after 3 misses in a
// row). Tests may change their copy.
func Scorecard(loc *time.Location, ask measures.Schedule) *measures.Scorecard {
	return &measures.Scorecard{
		Location: loc,
		Teams: []measures.Team{
			{Key: "product", Ask: ask, AskSpec: "0 10 * * MON", Measures: []measures.Measure{
				{Team: "product", Key: "activation_rate", Name: "Activation rate", Target: 40, Better: measures.Higher, Unit: "%"},
				{Team: "product", Key: "days_to_value", Name: "Days to first value", Target: 14, Better: measures.Lower, Unit: "days"},
			}},
			{Key: "billing", Ask: ask, AskSpec: "0 10 * * MON", Measures: []measures.Measure{
				{Team: "billing", Key: "invoices_on_time", Name: "Invoices sent on time", Target: 95, Better: measures.Higher, Unit: "%", EscalateAfter: 3},
			}},
		},
	}
}
