package main

import (
	"slices"

	"github.com/vosbot/vosbot/digest"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
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
			ResolveWithin: cfg.Escalations.ResolveWithin, RemindEvery: cfg.Escalations.RemindEvery},
		Currency: cfg.Currency,
		Regions:  slices.Clone(cfg.Regions),
		Deals:    dealPolicyFromConfig(cfg.Deals),
	}
	for _, t := range cfg.Teams {
		o.Teams = append(o.Teams, feedback.Team{Key: t.Key, Name: t.Name, Owners: slices.Clone(t.Owners), Channel: t.Channel,
			AckWithin: t.AckWithin, ResolveWithin: t.ResolveWithin})
	}
	return o
}

// digests are the configured digests.
func (a *app) digests() []digest.Definition {
	out := make([]digest.Definition, len(a.cfg.Digests))
	for i, d := range a.cfg.Digests {
		out[i] = digest.Definition{Channel: d.Channel, Spec: d.Schedule, Lookback: d.Lookback,
			Schedule: digest.Schedule{Cron: d.Cron, Location: a.cfg.Location}, Filter: digest.Filter{Region: d.Filter.Region}}
	}
	return out
}
