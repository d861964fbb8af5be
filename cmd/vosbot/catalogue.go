package main

import (
	"slices"

	"github.com/vosbot/vosbot/digest"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/internal/config"
)

// This file translates the configuration into the domain's types: nothing below cmd
// reads the configuration.

// catalogue is the configured theme catalogue, or the built-in one of INTERFACE.md. It
// seeds the themes table at start (catalogue.Store.Sync); everything else reads the table.
func (a *app) catalogue() catalogue.Catalogue {
	if len(a.cfg.Themes) == 0 {
		return catalogue.Builtin()
	}
	return themesFromConfig(a.cfg.Themes)
}

func themesFromConfig(cs []config.Theme) catalogue.Catalogue {
	out := make(catalogue.Catalogue, len(cs))
	for i, c := range cs {
		out[i] = catalogue.Theme{Key: c.Key, Name: c.Name, Description: c.Description,
			Keywords: slices.Clone(c.Keywords), AppliesTo: slices.Clone(c.AppliesTo)}
	}
	return out
}

// org is the organisation as configured.
func (a *app) org() *feedback.Org { return orgFromConfig(a.cfg) }

func orgFromConfig(cfg *config.Config) *feedback.Org {
	o := &feedback.Org{
		Location: cfg.Location,
		Admins:   slices.Clone(cfg.Admins),
		Escalations: feedback.EscalationPolicy{Channel: cfg.Escalations.Channel, AckWithin: cfg.Escalations.AckWithin,
			ResolveWithin: cfg.Escalations.ResolveWithin, RemindEvery: cfg.Escalations.RemindEvery,
			EscalateAfter: cfg.Escalations.EscalateAfter, EscalateTo: slices.Clone(cfg.Escalations.EscalateTo),
			ConfirmWithin: cfg.Escalations.ConfirmWithin, BusinessHours: businessHours(cfg.Escalations.BusinessHours)},
		Currency: cfg.Currency,
		Regions:  slices.Clone(cfg.Regions),
		TopPerformers: feedback.TopPerformerPolicy{Window: cfg.TopPerformers.Window, Share: cfg.TopPerformers.Share,
			Always: slices.Clone(cfg.TopPerformers.Always)},
		Deals: dealPolicyFromConfig(cfg.Deals),
	}
	for _, t := range cfg.Teams {
		o.Teams = append(o.Teams, feedback.Team{Key: t.Key, Name: t.Name, Owners: slices.Clone(t.Owners), Channel: t.Channel,
			AckWithin: t.AckWithin, ResolveWithin: t.ResolveWithin})
	}
	return o
}

func businessHours(b config.BusinessHours) feedback.BusinessHours {
	return feedback.BusinessHours{Start: b.Start, End: b.End, Days: slices.Clone(b.Days)}
}

// digests are the configured digests.
func (a *app) digests() []digest.Definition {
	out := make([]digest.Definition, len(a.cfg.Digests))
	for i, d := range a.cfg.Digests {
		out[i] = digest.Definition{Channel: d.Channel, Spec: d.Schedule, Lookback: d.Lookback,
			Schedule: digest.Schedule{Cron: d.Cron, Location: a.cfg.Location}, Filter: digest.Filter{Region: d.Filter.Region},
			HideMeasures: !d.Measures}
	}
	return out
}

// scorecard is the teams' revenue measures as configured, asked on their schedules in
// the configured zone (digest.Schedule keeps 10:00 at 10:00 across daylight saving).
func (a *app) scorecard() *measures.Scorecard { return scorecardFromConfig(a.cfg) }

func scorecardFromConfig(cfg *config.Config) *measures.Scorecard {
	sc := &measures.Scorecard{Location: cfg.Location}
	for _, t := range cfg.Teams {
		if len(t.Measures) == 0 {
			continue
		}
		mt := measures.Team{Key: t.Key, AskSpec: t.Ask, Ask: digest.Schedule{Cron: t.AskCron, Location: cfg.Location}}
		for _, m := range t.Measures {
			mt.Measures = append(mt.Measures, measures.Measure{Team: t.Key, Key: m.Key, Name: m.Name, Target: m.Target,
				Better: measures.Better(m.Better), Unit: m.Unit, EscalateAfter: m.EscalateAfterMisses})
		}
		sc.Teams = append(sc.Teams, mt)
	}
	return sc
}
