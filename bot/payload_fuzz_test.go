package bot

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// FuzzDecodePayload feeds arbitrary bytes through what vosbot does with a Slack payload
// before and after storing it: decoding it as slack-go's socket mode does (an
// interaction or a slash command), reading the submitted modal back into a draft,
// validating it, and rendering the views and messages that would show it. Nothing
// panics, and whatever a payload holds, the mrkdwn rendered from it carries no markup
// vosbot did not write itself (no mention, <!channel> or link smuggled in).
func FuzzDecodePayload(f *testing.F) {
	cfg := escalationOrg
	rules := feedback.Rules{Reasons: []string{"price", "missing_feature", "integration"}, Currency: "USD", Regions: []string{"NA", "EMEA"}}
	known := func(user string) []string { return append([]string{user}, "U0PM1", "U0PM2", "U0FIN", "U0ADMIN") }
	seed := func(v any) {
		b, err := json.Marshal(v)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seed(slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U0REP"},
		View: slack.View{ID: "V1", CallbackID: feedbackCallback, PrivateMetadata: `{"source":"message_shortcut","message_url":"https://acme.slack.com/archives/C1/p1"}`, State: feedbackState("lost", "Acme <!channel>")}})
	seed(slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U0REP"},
		View: slack.View{ID: "V2", CallbackID: escalationCallback, State: state(map[string]slack.BlockAction{
			feedback.FieldTeam:          {SelectedOption: slack.OptionBlockObject{Value: "billing"}},
			feedback.FieldAccount:       {Value: "AT&T"},
			feedback.FieldSummary:       {Value: "<@U123> invoice twice"},
			feedback.FieldRevenueAtRisk: {Value: "$120k"},
			feedback.FieldNeeded:        {Value: "a > b"},
		})}})
	seed(slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U0FIN"},
		View: slack.View{ID: "V3", CallbackID: escalationNoteCallback, PrivateMetadata: `{"escalation_id":7,"action":"resolve"}`,
			State: state(map[string]slack.BlockAction{feedback.FieldNote: {Value: "done <!here>"}})}})
	seed(slack.SlashCommand{Command: feedbackCommand, Text: "closed-lost <!channel> Acme", UserID: "U0REP", TriggerID: "t"})
	seed(slack.SlashCommand{Command: escalationCommand, Text: "billing <http://evil|click>", UserID: "U0REP", TriggerID: "t"})
	f.Add([]byte(`{"type":"view_submission","view":{"state":{"values":{"account":{"account":{"value":"\ud800"}}}}}}`))
	f.Add([]byte(`{"type":"block_actions","actions":[{"action_id":"escalation_resolve","value":"-1"}]}`))
	f.Add([]byte(`null`))

	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		var cb slack.InteractionCallback
		if json.Unmarshal(data, &cb) == nil {
			user := cb.User.ID
			d, meta := feedbackDraft(cb.View, user)
			mustMarshal(t, feedbackModal(feedbackForm{Draft: d, FeedbackID: meta.FeedbackID, Reasons: testReasons, Regions: rules.Regions, Currency: "USD"}))
			if fb, errs := d.Validate(rules); errs != nil {
				_ = blockErrors(errs, feedback.FieldAccount)
			} else {
				fb.ID = 1
				text, blocks := feedbackSummary(fb, false, testReasons)
				checkMrkdwn(t, "feedback confirmation", text, mustMarshal(t, blocks), known(user))
				checkMrkdwn(t, "App Home", "", mustMarshal(t, homeView(homeData{UserID: user, Feedback: []feedback.Feedback{fb}, Catalogue: testReasons, Org: cfg, Now: now})), known(user))
			}
			ed := escalationDraft(cb.View, user)
			mustMarshal(t, escalationModal(ed, cfg.Teams))
			if e, errs := ed.Validate(cfg); errs == nil {
				e.ID, e.CreatedAt, e.AckDueAt, e.ResolveDueAt = 1, now, now.Add(time.Hour), now.Add(2*time.Hour)
				checkMrkdwn(t, "escalation post", escalationText(e, cfg), mustMarshal(t, escalationBlocks(e, cfg, now, true)), known(user))
				ev := feedback.Event{ID: 1, EscalationID: 1, At: now, ActorID: "U0FIN", Action: "resolved"}
				if cb.View.State != nil {
					ev.Note = cb.View.State.Values[feedback.FieldNote][feedback.FieldNote].Value
				}
				for _, to := range []string{user, "U0FIN", feedback.RecipientThread} {
					n := escalationNotification(e, ev, to, cfg, now)
					checkMrkdwn(t, "escalation notification", n.Text, mustMarshal(t, n.Blocks), known(user))
				}
			}
			var em escalationMeta
			_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &em)
		}
		var cmd slack.SlashCommand
		if json.Unmarshal(data, &cmd) == nil {
			outcome, account := feedback.SplitOutcome(cmd.Text)
			mustMarshal(t, feedbackModal(feedbackForm{Draft: feedback.Draft{Outcome: string(outcome), Account: account}, Reasons: testReasons, Currency: "USD"}))
			team, summary := feedback.SplitTeam(cmd.Text, cfg)
			mustMarshal(t, escalationModal(feedback.EscalationDraft{Team: team, Summary: summary}, cfg.Teams))
		}
	})
}

func mustMarshal(t *testing.T, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("rendering does not encode: %v", err)
	}
	return b
}

// checkMrkdwn fails on any markup in a message's text or its blocks' mrkdwn that
// vosbot did not write itself.
func checkMrkdwn(t *testing.T, where, text string, blocks json.RawMessage, known []string) {
	t.Helper()
	texts := mrkdwnTexts(blocks)
	if text != "" {
		texts = append(texts, text)
	}
	for _, s := range texts {
		for _, bad := range unsafeMrkdwn(s, known) {
			t.Errorf("%s: %s\nin %q", where, bad, blockkit.Clip(s, 300))
		}
	}
}
