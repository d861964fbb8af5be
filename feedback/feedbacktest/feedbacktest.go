// Package feedbacktest holds what the tests of several packages share about the
// domain: one sample organisation, so that its teams, owners and SLAs are written once.
package feedbacktest

import (
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// Org returns a fresh sample organisation: admin U0ADMIN; escalations posted to C0ESC
// with a 24h acknowledgement and 168h resolution SLA, reminded every 24h, escalated to
// U0VP after 2 unanswered reminders, the reporter asked "did this fix it?" for 120h,
// business hours always; team product (owners U0PM1, U0PM2) on the defaults and team
// billing (owner U0FIN) with its own 4h and 48h SLA; USD; regions NA and EMEA; UTC; top
// performers the top half by won value over 180 days. Tests may change their copy.
func Org() *feedback.Org {
	return &feedback.Org{
		Location: time.UTC,
		Admins:   []string{"U0ADMIN"},
		Escalations: feedback.EscalationPolicy{
			Channel: "C0ESC", AckWithin: 24 * time.Hour, ResolveWithin: 168 * time.Hour, RemindEvery: 24 * time.Hour,
			EscalateAfter: 2, EscalateTo: []string{"U0VP"}, ConfirmWithin: 120 * time.Hour,
		},
		Teams: []feedback.Team{
			{Key: "product", Name: "Product", Owners: []string{"U0PM1", "U0PM2"}, AckWithin: 24 * time.Hour, ResolveWithin: 168 * time.Hour},
			{Key: "billing", Name: "Finance & Billing", Owners: []string{"U0FIN"}, AckWithin: 4 * time.Hour, ResolveWithin: 48 * time.Hour},
		},
		Currency:      "USD",
		Regions:       []string{"NA", "EMEA"},
		TopPerformers: feedback.TopPerformerPolicy{Window: 4320 * time.Hour, Share: 0.5},
	}
}
