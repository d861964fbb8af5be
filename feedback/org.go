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
	// TopPerformers says whose escalations carry a top performer's weight.
	TopPerformers TopPerformerPolicy
	// Deals is when reps are asked about their closed deals and who owns them.
	Deals DealPolicy
}

// EscalationPolicy holds the SLA defaults of dropped-ball escalations.
type EscalationPolicy struct {
	Channel       string
	AckWithin     time.Duration
	ResolveWithin time.Duration
	RemindEvery   time.Duration
	// EscalateAfter unanswered reminders, each further one also goes to EscalateTo
	// (users, or a channel); none: reminders stay with the owners.
	EscalateAfter int
	EscalateTo    []string
	// ConfirmWithin is how long the reporter is asked "did this fix it?"; 0: not asked.
	ConfirmWithin time.Duration
	// BusinessHours are when reminders go out; the zero value is always.
	BusinessHours BusinessHours
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

// Leadership are who a reporter's request to review a won't fix goes to: EscalateTo,
// or the admins when nobody is named there.
func (o *Org) Leadership() []string {
	if len(o.Escalations.EscalateTo) > 0 {
		return o.Escalations.EscalateTo
	}
	return o.Admins
}

// IsAdmin reports whether the user may act on any escalation.
func (o *Org) IsAdmin(userID string) bool { return slices.Contains(o.Admins, userID) }
