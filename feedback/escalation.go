package feedback

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Severity is how badly a customer was let down.
type Severity string

// Severities, mildest first.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Severities lists every severity, mildest first.
var Severities = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}

// Label is the severity as people say it.
func (s Severity) Label() string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Status is where an escalation stands.
type Status string

// Statuses of an escalation.
const (
	StatusOpen         Status = "open"
	StatusAcknowledged Status = "acknowledged"
	StatusResolved     Status = "resolved"
	// StatusConfirmed is a resolution its reporter confirmed: final.
	StatusConfirmed Status = "confirmed"
	StatusWontFix   Status = "wont_fix"
)

// Statuses lists every status.
var Statuses = []Status{StatusOpen, StatusAcknowledged, StatusResolved, StatusConfirmed, StatusWontFix}

// Label is the status as people say it.
func (s Status) Label() string {
	switch s {
	case StatusOpen:
		return "Open"
	case StatusAcknowledged:
		return "Acknowledged"
	case StatusResolved:
		return "Resolved"
	case StatusConfirmed:
		return "Confirmed fixed"
	case StatusWontFix:
		return "Won't fix"
	}
	return string(s)
}

// Closed reports whether its owners are done with it (only its reporter may still
// answer "did this fix it?").
func (s Status) Closed() bool {
	return s == StatusResolved || s == StatusConfirmed || s == StatusWontFix
}

// Action is something an owner does to an escalation.
type Action string

// The actions of the state machine. Reminders and re-posts are events, not actions.
const (
	ActionAcknowledge Action = "acknowledge"
	ActionResolve     Action = "resolve"
	ActionWontFix     Action = "wont_fix"
	ActionReassign    Action = "reassign"
)

// Actions lists every action.
var Actions = []Action{ActionAcknowledge, ActionResolve, ActionWontFix, ActionReassign}

// NeedsNote reports whether the action must come with a note for the reporter.
func (a Action) NeedsNote() bool { return a == ActionResolve || a == ActionWontFix }

// ErrIllegalTransition means the action does not apply to the escalation's status.
var ErrIllegalTransition = errors.New("illegal transition")

// Transition is the state machine: the status an action leads to from a status.
// Reassigning starts the new team's clock afresh, so it reopens.
func Transition(from Status, a Action) (Status, error) {
	switch from {
	case StatusOpen:
		switch a {
		case ActionAcknowledge:
			return StatusAcknowledged, nil
		case ActionResolve:
			return StatusResolved, nil
		case ActionWontFix:
			return StatusWontFix, nil
		case ActionReassign:
			return StatusOpen, nil
		}
	case StatusAcknowledged:
		switch a {
		case ActionAcknowledge:
			return from, fmt.Errorf("%w: it is already acknowledged", ErrIllegalTransition)
		case ActionResolve:
			return StatusResolved, nil
		case ActionWontFix:
			return StatusWontFix, nil
		case ActionReassign:
			return StatusOpen, nil
		}
	case StatusResolved, StatusConfirmed, StatusWontFix:
		if slices.Contains(Actions, a) {
			return from, fmt.Errorf("%w: it is already closed as %s", ErrIllegalTransition, strings.ToLower(from.Label()))
		}
	}
	return from, fmt.Errorf("%w: %q cannot be done to an escalation that is %q", ErrIllegalTransition, a, from)
}

// eventAction is what the audit trail records for an action.
func (a Action) eventAction() string {
	switch a {
	case ActionAcknowledge:
		return "acknowledged"
	case ActionResolve:
		return "resolved"
	case ActionWontFix:
		return "wont_fix"
	case ActionReassign:
		return "reassigned"
	case ActionConfirm:
		return "confirmed"
	case ActionReopen:
		return "reopened"
	case ActionAccept:
		return "accepted"
	case ActionReview:
		return "review_requested"
	}
	return string(a)
}

// Escalation is a dropped ball: a customer let down by a team that must answer for it.
type Escalation struct {
	ID             int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ReporterID     string
	Team           string
	Account        string
	Severity       Severity
	RevenueAtRisk  *Amount
	Currency       string
	Summary        string
	Needed         string
	HideName       bool
	Status         Status
	OwnerID        string
	AckDueAt       time.Time
	ResolveDueAt   time.Time
	AcknowledgedAt *time.Time
	ResolvedAt     *time.Time
	Resolution     string
	ChannelID      string
	MessageTS      string
	LastRemindedAt *time.Time
	Source         Source
	Key            string

	// Reopened counts the reporter's "still broken"; ReporterNote is their latest words.
	Reopened     int
	ReporterNote string
	// ConfirmDueAt is until when the reporter is asked "did this fix it?" (nil: not
	// asked); ConfirmedAt when they confirmed it (or accepted a won't fix);
	// ConfirmExpiredAt when the question went unanswered; ReviewRequestedAt when they
	// asked leadership to review a won't fix.
	ConfirmDueAt      *time.Time
	ConfirmedAt       *time.Time
	ConfirmExpiredAt  *time.Time
	ReviewRequestedAt *time.Time
	// UnansweredReminders since the owners last acted; EscalatedAt when a reminder
	// first went past them to the escalation policy's EscalateTo.
	UnansweredReminders int
	EscalatedAt         *time.Time
	// TopPerformer is whether the reporter was a top performer when it was raised.
	TopPerformer bool
}

// Unconfirmed reports a resolution whose reporter never answered "did this fix it?".
func (e Escalation) Unconfirmed() bool {
	return e.Status == StatusResolved && e.ConfirmExpiredAt != nil
}

// AwaitingReporter reports whether the reporter's answer to "did this fix it?" (or to a
// won't fix) is still wanted at now.
func (e Escalation) AwaitingReporter(now time.Time) bool {
	return (e.Status == StatusResolved || e.Status == StatusWontFix) && e.ConfirmDueAt != nil && !now.After(*e.ConfirmDueAt) &&
		e.ConfirmedAt == nil && e.ConfirmExpiredAt == nil && e.ReviewRequestedAt == nil
}

// Escalated reports whether reminders are going past its owners right now.
func (e Escalation) Escalated(after int) bool {
	return !e.Status.Closed() && e.EscalatedAt != nil && e.UnansweredReminders > after
}

// Overdue says which promise is broken at now: "acknowledge", "resolve" or "".
func (e Escalation) Overdue(now time.Time) string {
	switch {
	case e.Status.Closed():
		return ""
	case e.Status == StatusOpen && now.After(e.AckDueAt):
		return "acknowledge"
	case now.After(e.ResolveDueAt):
		return "resolve"
	}
	return ""
}

// Event is one line of an escalation's audit trail.
type Event struct {
	ID           int64     `db:"id"`
	EscalationID int64     `db:"escalation_id"`
	At           time.Time `db:"at"`
	ActorID      string    `db:"actor_id"`
	Action       string    `db:"action"`
	FromStatus   *string   `db:"from_status"`
	ToStatus     string    `db:"to_status"`
	FromTeam     *string   `db:"from_team"`
	ToTeam       *string   `db:"to_team"`
	Note         string    `db:"note"`
	// DueAt is the due time a reminder was about.
	DueAt *time.Time `db:"due_at"`
}

// Field names of the escalation form.
const (
	FieldTeam          = "team"
	FieldSeverity      = "severity"
	FieldRevenueAtRisk = "revenue_at_risk"
	FieldSummary       = "summary"
	FieldNeeded        = "needed"
	FieldNote          = "note"
	// FieldReply is the reporter's answer: what is still wrong, or why to review.
	FieldReply = "reply"
)

// EscalationDraft is an escalation as typed, before validation.
type EscalationDraft struct {
	ReporterID    string
	Team          string
	Account       string
	Severity      string
	RevenueAtRisk string
	Currency      string
	Summary       string
	Needed        string
	HideName      bool
	Source        Source
	Key           string
}

// Validate checks a draft against the configured teams. Text is kept as typed.
func (d EscalationDraft) Validate(cfg *Org) (Escalation, FieldErrors) {
	errs := FieldErrors{}
	e := Escalation{
		ReporterID: d.ReporterID, Team: strings.TrimSpace(d.Team), Account: d.Account,
		Summary: d.Summary, Needed: d.Needed, HideName: d.HideName, Source: d.Source, Key: d.Key,
		Status: StatusOpen, Currency: cfg.Currency,
	}
	if e.Team == "" {
		errs[FieldTeam] = "Pick the team that dropped the ball."
	} else if _, ok := cfg.Team(e.Team); !ok {
		errs[FieldTeam] = fmt.Sprintf("%q is not a team; pick one of: %s.", truncate(e.Team, 40), strings.Join(teamKeys(cfg), ", "))
	}
	if strings.TrimSpace(d.Summary) == "" {
		errs[FieldSummary] = "Say what happened."
	}
	sev := Severity(strings.ToLower(strings.TrimSpace(d.Severity)))
	switch {
	case sev == "":
		e.Severity = SeverityMedium
	case slices.Contains(Severities, sev):
		e.Severity = sev
	default:
		errs[FieldSeverity] = "Pick low, medium, high or critical."
	}
	if strings.TrimSpace(d.RevenueAtRisk) != "" {
		a, err := ParseAmount(d.RevenueAtRisk)
		if err != nil {
			errs[FieldRevenueAtRisk] = "Couldn't read that amount: try 50k, $1.2M, 50,000 or 1 200,50 €."
		} else {
			if a.Currency != "" {
				e.Currency = a.Currency
			}
			e.RevenueAtRisk = &a
		}
	}
	if c := strings.ToUpper(strings.TrimSpace(d.Currency)); c != "" && e.RevenueAtRisk != nil && e.RevenueAtRisk.Currency == "" {
		e.Currency = c
	}
	for _, t := range []struct{ field, value string }{{FieldAccount, d.Account}, {FieldSummary, d.Summary}, {FieldNeeded, d.Needed}} {
		if msg := checkText(t.value); msg != "" {
			errs[t.field] = msg
		}
	}
	if e.ReporterID == "" {
		errs["reporter_id"] = "missing reporter"
	}
	if len(errs) > 0 {
		return Escalation{}, errs
	}
	return e, nil
}

func teamKeys(cfg *Org) []string {
	keys := make([]string, len(cfg.Teams))
	for i, t := range cfg.Teams {
		keys[i] = t.Key
	}
	return keys
}

// SplitTeam reads "/dropped-ball billing invoice sent twice": a leading team key (or team
// name, any case) and the rest as the summary.
func SplitTeam(text string, cfg *Org) (team, rest string) {
	text = strings.TrimSpace(text)
	first, after, _ := strings.Cut(text, " ")
	for _, t := range cfg.Teams {
		if strings.EqualFold(first, t.Key) {
			return t.Key, strings.TrimSpace(after)
		}
	}
	// A multi-word team name, like "Finance & Billing".
	lower := strings.ToLower(text)
	for _, t := range cfg.Teams {
		name := strings.ToLower(t.Name)
		if name != "" && strings.HasPrefix(lower, name) && (len(lower) == len(name) || lower[len(name)] == ' ') {
			return t.Key, strings.TrimSpace(text[len(name):])
		}
	}
	return "", text
}

// MayAct reports whether a user may move an escalation of the team: its owners and admins.
func MayAct(cfg *Org, team, userID string) bool {
	if cfg.IsAdmin(userID) {
		return true
	}
	t, ok := cfg.Team(team)
	return ok && slices.Contains(t.Owners, userID)
}

// WhoMayAct names the users who may act, for a refusal message.
func WhoMayAct(cfg *Org, team string) []string {
	var ids []string
	if t, ok := cfg.Team(team); ok {
		ids = append(ids, t.Owners...)
	}
	for _, a := range cfg.Admins {
		if !slices.Contains(ids, a) {
			ids = append(ids, a)
		}
	}
	return ids
}

// ErrNoteRequired means resolving or closing needs a note for the reporter.
var ErrNoteRequired = errors.New("a note for the reporter is required")
