package feedback

import (
	"slices"
	"time"
)

// Org is how the company is organised for vosbot: the teams that can be held to
// account, who may act on any escalation, the SLA defaults and the choices reps have.
// cmd builds it from the configuration; the domain never reads the configuration.
type Org struct {
	Location    *time.Location
	Admins      []string
	Escalations EscalationPolicy
	Teams       []Team
	// Currency is the default currency of amounts.
	Currency string
	// Regions are the choices for "Region or segment"; empty: free text.
	Regions []string
	// Deals is when reps are asked about their closed deals and who owns them.
	Deals DealPolicy
}

// EscalationPolicy holds the SLA defaults of dropped-ball escalations.
type EscalationPolicy struct {
	Channel       string
	AckWithin     time.Duration
	ResolveWithin time.Duration
	RemindEvery   time.Duration
}

// Team is a function that can be held accountable.
type Team struct {
	Key    string
	Name   string
	Owners []string
	// Channel is where its escalations are posted; empty: the escalations channel.
	Channel string
	// AckWithin and ResolveWithin are its SLA (the defaults unless it has its own).
	AckWithin     time.Duration
	ResolveWithin time.Duration
}

// Team returns the team with the given key.
func (o *Org) Team(key string) (Team, bool) {
	i := slices.IndexFunc(o.Teams, func(t Team) bool { return t.Key == key })
	if i < 0 {
		return Team{}, false
	}
	return o.Teams[i], true
}

// IsAdmin reports whether the user may act on any escalation.
func (o *Org) IsAdmin(userID string) bool { return slices.Contains(o.Admins, userID) }
