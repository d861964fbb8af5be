package main

import (
	"github.com/vosbot/vosbot/bot"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/config"
)

// builtinReasons is the built-in theme catalogue of INTERFACE.md.
var builtinReasons = []bot.Reason{
	{Key: "price", Name: "Price or packaging"},
	{Key: "missing_feature", Name: "Missing feature"},
	{Key: "integration", Name: "Integrations"},
	{Key: "security_compliance", Name: "Security and compliance"},
	{Key: "implementation", Name: "Implementation effort"},
	{Key: "competitor_relationship", Name: "Competitor relationship or incumbency"},
	{Key: "budget_or_champion", Name: "Budget frozen or champion gone"},
	{Key: "timing", Name: "Timing and priorities"},
	{Key: "support", Name: "Support and customer success"},
	{Key: "product_quality", Name: "Product quality and reliability"},
	{Key: "billing", Name: "Billing and invoicing"},
	{Key: "lead_handling", Name: "Leads and hand-offs from marketing"},
}

// reasons are the themes a rep can pick for feedback: the configured catalogue's, or
// the built-in one.
func (a *app) reasons() []bot.Reason {
	if len(a.cfg.Themes) == 0 {
		return builtinReasons
	}
	var out []bot.Reason
	for _, t := range a.cfg.Themes {
		for _, k := range t.AppliesTo {
			if k == "won" || k == "lost" || k == "no_decision" {
				out = append(out, bot.Reason{Key: t.Key, Name: t.Name})
				break
			}
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

// catalogue is the theme catalogue to store: the configured one, or the built-in one.
func (a *app) catalogue() []config.Theme {
	if len(a.cfg.Themes) > 0 {
		return a.cfg.Themes
	}
	out := make([]config.Theme, len(builtinReasons))
	for i, r := range builtinReasons {
		out[i] = config.Theme{Key: r.Key, Name: r.Name, AppliesTo: []string{"won", "lost", "no_decision", "escalation"}}
	}
	return out
}
