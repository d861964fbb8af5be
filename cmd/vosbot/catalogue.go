package main

import (
	"slices"

	"github.com/vosbot/vosbot/bot"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/themes"
	"github.com/vosbot/vosbot/internal/config"
)

// catalogue is the theme catalogue: the configured one, or the built-in one of
// INTERFACE.md. Reasons in the modal and themes found in text both come from it.
func (a *app) catalogue() []config.Theme {
	if len(a.cfg.Themes) > 0 {
		return a.cfg.Themes
	}
	return themes.ToConfig(themes.Builtin())
}

// reasons are the themes a rep can pick for feedback: those applying to a deal outcome.
func (a *app) reasons() []bot.Reason {
	var out []bot.Reason
	for _, t := range a.catalogue() {
		if slices.Contains(t.AppliesTo, "won") || slices.Contains(t.AppliesTo, "lost") || slices.Contains(t.AppliesTo, "no_decision") {
			out = append(out, bot.Reason{Key: t.Key, Name: t.Name})
		}
	}
	return out
}

// rules are what the configuration allows in feedback.
func (a *app) rules() feedback.Rules {
	r := a.reasons()
	keys := make([]string, len(r))
	for i, x := range r {
		keys[i] = x.Key
	}
	return feedback.Rules{Reasons: keys, Regions: a.cfg.Regions, Currency: a.cfg.Currency}
}
