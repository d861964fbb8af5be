package bot

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
)

// feedbackOrg is the sample organisation with amounts in euros.
var feedbackOrg = func() *feedback.Org {
	o := feedbacktest.Org()
	o.Currency = "EUR"
	return o
}()

func TestSlashCommandOpensPrefilledModal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	tests := []struct {
		text, outcome, account string
	}{
		{"", "", ""},
		{"lost Acme", "lost", "Acme"},
		{"won Globex Corp", "won", "Globex Corp"},
		{"win Initech", "won", "Initech"},
		{"closed won Umbrella", "won", "Umbrella"},
		{"Closed-Lost Hooli", "lost", "Hooli"},
		{"LOSS Pied Piper", "lost", "Pied Piper"},
		{"nd Vandelay", "no_decision", "Vandelay"},
		{"no decision Wayne Enterprises", "no_decision", "Wayne Enterprises"},
		{"no-decision Stark", "no_decision", "Stark"},
		{"Acme lost", "", "Acme lost"},
		// Slack sends & < > as entities and mentions as markup: the modal shows what was typed.
		{"<!channel> <@U1> & co", "", "@channel @U1 & co"},
		{"lost AT&T", "lost", "AT&T"},
		{"lost AT&amp;T", "lost", "AT&amp;T"},
		{"lost Bad &amp entity", "lost", "Bad &amp entity"},
		{"lost <b>Acme</b> 1 > 0", "lost", "<b>Acme</b> 1 > 0"},
		{"lost <https://acme.example|Acme Corp>", "lost", "Acme Corp (https://acme.example)"},
	}
	for _, tt := range tests {
		ack, trigger := h.slash("/prospect-feedback", "U0REP", tt.text)
		if len(ack.Payload) > 0 && string(ack.Payload) != "null" {
			t.Errorf("%q: slash command ack carried %s", tt.text, ack.Payload)
		}
		_, m := h.openedView(trigger)
		if m.CallbackID != feedbackCallback {
			t.Fatalf("%q: opened %q", tt.text, m.CallbackID)
		}
		if got := initial(m, feedback.FieldOutcome); got != tt.outcome {
			t.Errorf("%q: outcome pre-filled %q, want %q", tt.text, got, tt.outcome)
		}
		if got := initial(m, feedback.FieldAccount); got != tt.account {
			t.Errorf("%q: account pre-filled %q, want %q", tt.text, got, tt.account)
		}
		if got := initial(m, feedback.FieldCurrency); got != "EUR" {
			t.Errorf("currency default %q, want the configured EUR", got)
		}
	}
}

func TestMessageShortcut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	_, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{
		Type: slack.InteractionTypeMessageAction, CallbackID: feedbackShortcut, TriggerID: "short-1",
		User: slack.User{ID: "U0REP"}, Team: slack.Team{ID: "T1", Domain: "acme"},
		Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0DEALS"}}},
		Message: slack.Message{Msg: slack.Msg{Text: "Prospect said: \"your price is 2x Gong's\"\n<@U0CEO> fyi", Timestamp: "1700000000.000200"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, m := h.openedView("short-1")
	if got := initial(m, feedback.FieldVerbatim); got != "Prospect said: \"your price is 2x Gong's\"\n@U0CEO fyi" {
		t.Errorf("verbatim = %q", got)
	}
	var meta feedbackMeta
	if err := json.Unmarshal([]byte(m.PrivateMetadata), &meta); err != nil || meta.Source != feedback.SourceMessageShortcut ||
		meta.MessageURL != "https://fake.slack.com/archives/C0DEALS/p1700000000000200" {
		t.Errorf("meta = %+v %v", meta, err)
	}
}

func feedbackState(outcome, account string) *slack.ViewState {
	return state(map[string]slack.BlockAction{
		feedback.FieldOutcome:     {SelectedOption: slack.OptionBlockObject{Value: outcome}},
		feedback.FieldAccount:     {Value: account},
		feedback.FieldDealValue:   {Value: "$50k"},
		feedback.FieldCurrency:    {SelectedOption: slack.OptionBlockObject{Value: "EUR"}},
		feedback.FieldRegion:      {SelectedOption: slack.OptionBlockObject{Value: "EMEA"}},
		feedback.FieldCompetitors: {SelectedOptions: []slack.OptionBlockObject{{Value: "Gong"}, {Value: "gong.io"}, {Value: "Clari"}}},
		feedback.FieldReasons:     {SelectedOptions: []slack.OptionBlockObject{{Value: "price"}}},
		feedback.FieldWhatDidnt:   {Value: "Too expensive <!channel>"},
		feedback.FieldVerbatim:    {Value: "Half the price and we'd sign 😅"},
	})
}

func TestSubmitStoresOnceAndConfirms(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	view := slack.View{ID: "VFEED1", CallbackID: feedbackCallback, PrivateMetadata: `{"source":"slash_command"}`, State: feedbackState("lost", "Acme & Sons")}
	if resp := h.submit("U0REP", view); resp != nil {
		t.Fatalf("valid submission answered %+v, want the modal closed", resp)
	}
	// A repeated submission of the same view stores nothing new.
	if resp := h.submit("U0REP", view); resp != nil {
		t.Fatalf("repeat answered %+v", resp)
	}
	dm := h.dms("U0REP", 1, containing("Saved your feedback"))
	if !strings.Contains(dm[0].Text, "Acme &amp; Sons") || !strings.Contains(readable(dm[0].Blocks), feedbackEditAction) {
		t.Errorf("confirmation = %s / %s", dm[0].Text, dm[0].Blocks)
	}
	if strings.Contains(readable(dm[0].Blocks), "<!channel>") || !strings.Contains(readable(dm[0].Blocks), "&lt;!channel&gt;") {
		t.Error("user text reached the DM unescaped")
	}
	var n int
	if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM feedback`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows (%v), want 1", n, err)
	}
	items, _ := h.store.RecentFeedback(h.ctx, "U0REP", 10)
	f := items[0]
	if f.Outcome != feedback.Lost || f.Currency != "USD" || f.DealValue.Cents != 5_000_000 || f.Region != "EMEA" ||
		strings.Join(f.Competitors, ",") != "Gong,Clari" || f.WhatDidnt != "Too expensive <!channel>" {
		t.Errorf("stored %+v", f)
	}
	// The App Home was refreshed after the submission.
	home, err := h.fake.WaitHome(h.ctx, "U0REP", func(v json.RawMessage) bool { return strings.Contains(readable(v), "Acme &amp; Sons") })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(home), homeFileFeedback) || !strings.Contains(string(home), homeRaiseDroppedBall) {
		t.Errorf("home lacks its buttons: %s", home)
	}
	// Exactly one confirmation, even though the view was submitted twice.
	if msgs := h.fake.Messages("U0REP"); len(msgs) != 1 {
		t.Errorf("%d DMs, want 1", len(msgs))
	}
}

func TestValidationErrorKeepsInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	st := feedbackState("", "  ")
	st.Values[feedback.FieldDealValue][feedback.FieldDealValue] = slack.BlockAction{Value: "lots of money"}
	st.Values[feedback.FieldWhatWorked] = map[string]slack.BlockAction{feedback.FieldWhatWorked: {Value: strings.Repeat("x", feedback.MaxText+1)}}
	resp := h.submit("U0REP", slack.View{ID: "VBAD", CallbackID: feedbackCallback, State: st})
	if resp == nil || resp.ResponseAction != slack.RAErrors {
		t.Fatalf("invalid submission answered %+v, want errors", resp)
	}
	for _, field := range []string{feedback.FieldOutcome, feedback.FieldAccount, feedback.FieldDealValue, feedback.FieldWhatWorked} {
		if resp.Errors[field] == "" {
			t.Errorf("no error on %s: %v", field, resp.Errors)
		}
	}
	if !strings.Contains(resp.Errors[feedback.FieldWhatWorked], "nothing was cut") {
		t.Errorf("over-long text error = %q", resp.Errors[feedback.FieldWhatWorked])
	}
	var n int
	_ = h.pool.QueryRow(h.ctx, `SELECT count(*) FROM feedback`).Scan(&n)
	if n != 0 {
		t.Errorf("an invalid submission stored %d rows", n)
	}
}

func TestDatabaseDownKeepsModalOpen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	// Point the store at a database that refuses connections.
	h.pool.Close()
	resp := h.submit("U0REP", slack.View{ID: "VDOWN", CallbackID: feedbackCallback, State: feedbackState("won", "Acme")})
	if resp == nil || resp.ResponseAction != slack.RAErrors || !strings.Contains(resp.Errors[feedbackSaveErrBlock], "nothing you typed was lost") {
		t.Fatalf("answer while the database is down: %+v", resp)
	}
}

func TestEditFromConfirmation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	if resp := h.submit("U0REP", slack.View{ID: "VFEED1", CallbackID: feedbackCallback, State: feedbackState("lost", "Acme")}); resp != nil {
		t.Fatal(resp)
	}
	items, err := h.store.RecentFeedback(h.ctx, "U0REP", 1)
	if err != nil || len(items) != 1 {
		t.Fatal(items, err)
	}
	id := items[0].ID
	h.dms("U0REP", 1, containing("Saved"))

	// Someone else pressing Edit (a forwarded button, a forged payload) is refused.
	h.press("U0OTHER", "D0OTHER", feedbackEditAction, jsonID(id))
	h.dms("U0OTHER", 1, containing("can edit this feedback"))

	trigger := h.press("U0REP", "D0REP", feedbackEditAction, jsonID(id))
	v, m := h.openedView(trigger)
	if initial(m, feedback.FieldAccount) != "Acme" || initial(m, feedback.FieldOutcome) != "lost" || initial(m, feedback.FieldCompetitors) != "Gong;Clari" {
		t.Errorf("edit modal not pre-filled with the saved values: %s", v.Body)
	}
	st := feedbackState("won", "Acme")
	st.Values[feedback.FieldWhatDidnt][feedback.FieldWhatDidnt] = slack.BlockAction{Value: "They came back a week later"}
	if resp := h.submit("U0REP", slack.View{ID: v.ID, CallbackID: feedbackCallback, PrivateMetadata: m.PrivateMetadata, State: st}); resp != nil {
		t.Fatalf("edit answered %+v", resp)
	}
	h.dms("U0REP", 1, containing("Updated your feedback"))
	f, _ := h.store.Feedback(h.ctx, id)
	if f.Outcome != feedback.Won || f.WhatDidnt != "They came back a week later" || f.EditCount != 1 {
		t.Errorf("after edit: %+v", f)
	}
	var total, revisions int
	_ = h.pool.QueryRow(h.ctx, `SELECT (SELECT count(*) FROM feedback), (SELECT count(*) FROM feedback_revisions)`).Scan(&total, &revisions)
	if total != 1 || revisions != 1 {
		t.Errorf("%d items and %d revisions, want the edit in place and recorded", total, revisions)
	}
}

func TestAppHomeOpened(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	f, _ := feedback.Draft{ReporterID: "U0REP", Outcome: "won", Account: "Globex", Source: feedback.SourceImport, Key: "k1"}.Validate(feedback.Rules{Currency: "EUR"})
	if _, _, err := h.store.SaveFeedback(h.ctx, f); err != nil {
		t.Fatal(err)
	}
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": "U0REP", "channel": "D0REP", "tab": "home"}); err != nil {
		t.Fatal(err)
	}
	home, err := h.fake.WaitHome(h.ctx, "U0REP", func(v json.RawMessage) bool { return strings.Contains(string(v), "Globex") })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(home), "File prospect feedback") {
		t.Errorf("home = %s", home)
	}
}

func TestCompetitorTypeAhead(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	if resp := h.submit("U0REP", slack.View{ID: "V1", CallbackID: feedbackCallback, State: feedbackState("lost", "Acme")}); resp != nil {
		t.Fatal(resp)
	}
	ack, err := h.fake.Interaction(context.Background(), slack.InteractionCallback{Type: slack.InteractionTypeBlockSuggestion, ActionID: feedback.FieldCompetitors, Value: "GON", User: slack.User{ID: "U0REP"}})
	if err != nil {
		t.Fatal(err)
	}
	var opts slack.OptionsResponse
	if err := json.Unmarshal(ack.Payload, &opts); err != nil {
		t.Fatal(err)
	}
	if len(opts.Options) != 2 || opts.Options[0].Value != "GON" || opts.Options[1].Value != "Gong" {
		t.Errorf("suggestions for GON = %s", ack.Payload)
	}
}

func TestUnknownAndMalformedEnvelopesAcked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	for _, env := range []struct {
		typ     string
		payload string
	}{
		{"brand_new_type", `{"x":1}`},
		{"slash_commands", `{"command": 42}`},
		{"interactive", `"not an object"`},
		{"events_api", `{"event": "nope"}`},
	} {
		if _, err := h.fake.Envelope(h.ctx, env.typ, json.RawMessage(env.payload)); err != nil {
			t.Errorf("%s %s: %v", env.typ, env.payload, err)
		}
	}
	if _, err := h.fake.SlashCommand(h.ctx, slack.SlashCommand{Command: "/unknown-command"}); err != nil {
		t.Error(err)
	}
	if h.fake.Unacked() != 0 {
		t.Errorf("%d envelopes left unacked", h.fake.Unacked())
	}
}

func jsonID(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}
