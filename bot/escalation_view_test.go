package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
)

func testConfig(testing.TB) *feedback.Org { return feedbacktest.Org() }

var (
	t0      = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	ackedAt = t0.Add(2 * time.Hour)
	doneAt  = t0.Add(5 * time.Hour)
	// confirmedAt is when the reporter confirmed the fix.
	confirmedAt = t0.Add(26 * time.Hour)
)

func sampleEscalation(status feedback.Status) feedback.Escalation {
	e := feedback.Escalation{
		ID: 7, CreatedAt: t0, ReporterID: "U0REP", Team: "billing", Account: "Acme <!channel> & Co",
		Severity: feedback.SeverityHigh, RevenueAtRisk: &feedback.Amount{Cents: 12_000_000}, Currency: "USD",
		Summary: "Invoice sent twice\n<@U999> is furious", Needed: "Credit note by Friday", Status: status,
		AckDueAt: t0.Add(4 * time.Hour), ResolveDueAt: t0.Add(168 * time.Hour), Source: feedback.SourceSlashCommand,
	}
	switch status {
	case feedback.StatusAcknowledged:
		e.OwnerID, e.AcknowledgedAt = "U0FIN", &ackedAt
	case feedback.StatusResolved:
		e.OwnerID, e.AcknowledgedAt, e.ResolvedAt, e.Resolution = "U0FIN", &ackedAt, &doneAt, "Credit note sent; sorry <!here>"
	case feedback.StatusConfirmed:
		e.OwnerID, e.AcknowledgedAt, e.ResolvedAt, e.Resolution, e.ConfirmedAt = "U0FIN", &ackedAt, &doneAt, "Credit note sent; sorry <!here>", &confirmedAt
	case feedback.StatusWontFix:
		e.OwnerID, e.ResolvedAt, e.Resolution = "U0FIN", &doneAt, "The contract bills twice by design"
	}
	return e
}

func TestEscalationMessageGolden(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	for _, status := range feedback.Statuses {
		e := sampleEscalation(status)
		golden(t, "escalation_message_"+string(status), map[string]any{"text": escalationText(e, cfg), "blocks": escalationBlocks(e, cfg, t0.Add(time.Hour), true)})
	}
	overdue := sampleEscalation(feedback.StatusOpen)
	overdue.HideName = true
	golden(t, "escalation_message_open_overdue_hidden", escalationBlocks(overdue, cfg, t0.Add(5*time.Hour), true))
}

func TestEscalationModalsGolden(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	golden(t, "escalation_modal_empty", escalationModal(feedback.EscalationDraft{Source: feedback.SourceSlashCommand}, cfg.Teams))
	golden(t, "escalation_modal_prefilled", escalationModal(feedback.EscalationDraft{Team: "billing", Summary: "invoice sent twice", Source: feedback.SourceSlashCommand}, cfg.Teams))
	golden(t, "escalation_modal_no_teams", escalationModal(feedback.EscalationDraft{}, nil))
	e := sampleEscalation(feedback.StatusAcknowledged)
	golden(t, "escalation_modal_resolve", noteModal(e, feedback.ActionResolve, "C0ESC"))
	golden(t, "escalation_modal_wont_fix", noteModal(e, feedback.ActionWontFix, "C0ESC"))
	golden(t, "escalation_modal_reassign", reassignModal(e, cfg.Teams, "C0ESC"))
}

func TestEscalationNotificationsGolden(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	open := sampleEscalation(feedback.StatusOpen)
	raised := feedback.Event{ID: 1, EscalationID: 7, At: t0, ActorID: "U0REP", Action: "raised", ToStatus: "open"}
	golden(t, "escalation_dm_raised_owner", escalationNotification(open, raised, "U0FIN", cfg, t0))
	golden(t, "escalation_dm_raised_reporter", escalationNotification(open, raised, "U0REP", cfg, t0))
	acked := sampleEscalation(feedback.StatusAcknowledged)
	golden(t, "escalation_dm_acknowledged", escalationNotification(acked, feedback.Event{ID: 2, ActorID: "U0FIN", Action: "acknowledged", ToStatus: "acknowledged"}, "U0REP", cfg, ackedAt))
	resolved := sampleEscalation(feedback.StatusResolved)
	golden(t, "escalation_dm_resolved", escalationNotification(resolved, feedback.Event{ID: 3, ActorID: "U0FIN", Action: "resolved", ToStatus: "resolved", Note: resolved.Resolution}, "U0REP", cfg, doneAt))
	wontFix := sampleEscalation(feedback.StatusWontFix)
	golden(t, "escalation_dm_wont_fix", escalationNotification(wontFix, feedback.Event{ID: 4, ActorID: "U0FIN", Action: "wont_fix", ToStatus: "wont_fix", Note: wontFix.Resolution}, "U0REP", cfg, doneAt))
	moved := sampleEscalation(feedback.StatusOpen)
	moved.Team = "product"
	reassigned := feedback.Event{ID: 5, ActorID: "U0FIN", Action: "reassigned", ToStatus: "open", Note: "It's a product bug"}
	golden(t, "escalation_dm_reassigned_owner", escalationNotification(moved, reassigned, "U0PM1", cfg, doneAt))
	golden(t, "escalation_dm_reassigned_reporter", escalationNotification(moved, reassigned, "U0REP", cfg, doneAt))
	ackDue := open.AckDueAt
	reminder := feedback.Event{ID: 6, ActorID: "vosbot", Action: "reminded", ToStatus: "open", Note: "overdue to acknowledge", DueAt: &ackDue}
	golden(t, "escalation_reminder_thread", escalationNotification(open, reminder, feedback.RecipientThread, cfg, t0.Add(5*time.Hour)))
	golden(t, "escalation_reminder_dm", escalationNotification(open, reminder, "U0FIN", cfg, t0.Add(5*time.Hour)))
}

func TestEscalationHomeGolden(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	golden(t, "home_owner", homeView(homeData{UserID: "U0FIN", Org: cfg, Now: t0.Add(time.Hour), OwnedTeams: []string{"billing"},
		TeamOpen: []feedback.Escalation{sampleEscalation(feedback.StatusOpen), sampleEscalation(feedback.StatusAcknowledged)},
		Reported: []feedback.Escalation{sampleEscalation(feedback.StatusResolved)}}))
}

// TestEscalationTextEscaped pushes mentions through every field into every view.
func TestEscalationTextEscaped(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	e := sampleEscalation(feedback.StatusResolved)
	e.Account, e.Summary, e.Needed, e.Resolution = "<!channel>", "<!here> <@U1>", "<!subteam^S1>", "<https://x|y>"
	ev := feedback.Event{ActorID: "U0FIN", Action: "resolved", Note: "<!everyone>"}
	all, _ := json.Marshal([]any{escalationBlocks(e, cfg, t0, true), escalationText(e, cfg), escalationNotification(e, ev, "U0REP", cfg, t0),
		homeView(homeData{Org: cfg, Reported: []feedback.Escalation{e}})})
	for _, bad := range []string{"<!channel>", "<!here>", "<@U1>", "<!subteam", "<https://x", "<!everyone>"} {
		if strings.Contains(string(all), jsonEscaped(bad)) {
			t.Errorf("unescaped %q", bad)
		}
	}
}

func TestEscalationDraftFromView(t *testing.T) {
	t.Parallel()
	view := slack.View{ID: "V1", PrivateMetadata: `{"source":"app_home"}`, State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		"team":            {"team": {SelectedOption: slack.OptionBlockObject{Value: "billing"}}},
		"account":         {"account": {Value: "Acme"}},
		"summary":         {"summary": {Value: "Invoice twice"}},
		"revenue_at_risk": {"revenue_at_risk": {Value: "120k"}},
		"severity":        {"severity": {SelectedOption: slack.OptionBlockObject{Value: "critical"}}},
		"needed":          {"needed": {Value: "Credit note"}},
		"hide_name":       {"hide_name": {SelectedOptions: []slack.OptionBlockObject{{Value: "hide_name"}}}},
	}}}
	d := escalationDraft(view, "U0REP")
	if d.Team != "billing" || d.Account != "Acme" || d.Summary != "Invoice twice" || d.RevenueAtRisk != "120k" || d.Severity != "critical" ||
		d.Needed != "Credit note" || !d.HideName || d.Source != feedback.SourceAppHome || d.Key != "V1" || d.ReporterID != "U0REP" {
		t.Errorf("draft = %+v", d)
	}
}
