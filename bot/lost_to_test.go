package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
)

// lostToSample is the sample feedback, lost to Clari.
func lostToSample() feedback.Feedback {
	f := sampleFeedback()
	f.LostTo = "Clari"
	return f
}

func TestLostToGolden(t *testing.T) {
	t.Parallel()
	// Editing a deal lost to Clari: the field comes pre-filled.
	golden(t, "feedback_modal_lost_to", feedbackModal(feedbackForm{Draft: lostToSample().ToDraft(), FeedbackID: 42, Reasons: testReasons, Currency: "USD"}))
	text, blocks := feedbackSummary(lostToSample(), false, testReasons)
	golden(t, "feedback_confirmation_lost_to", map[string]any{"text": text, "blocks": blocks})

	none := sampleFeedback()
	none.LostTo = feedback.LostToNone
	m := feedbackModal(feedbackForm{Draft: none.ToDraft(), FeedbackID: 42, Reasons: testReasons, Currency: "USD"})
	if got := initial(m, feedback.FieldLostTo); got != feedback.LostToNone {
		t.Errorf("lost to none pre-filled %q", got)
	}
	_, blocks = feedbackSummary(none, false, testReasons)
	if all, _ := json.Marshal(blocks); !strings.Contains(string(all), "*Lost to:* no one (none / no decision)") {
		t.Errorf("confirmation of a deal lost to no one: %s", all)
	}
	_, blocks = feedbackSummary(sampleFeedback(), false, testReasons)
	if all, _ := json.Marshal(blocks); strings.Contains(string(all), "Lost to") {
		t.Errorf("a deal without lost_to says who won it: %s", all)
	}
}

func TestLostToInHome(t *testing.T) {
	t.Parallel()
	f := lostToSample()
	f.LostTo = "<!channel> Corp"
	f.Competitors = []string{f.LostTo}
	home, _ := json.Marshal(homeView(homeData{UserID: "U0REP", Feedback: []feedback.Feedback{f, sampleFeedback()}, Catalogue: testReasons, Org: testConfig(t)}))
	if !strings.Contains(readable(home), "lost to &lt;!channel&gt; Corp") || strings.Count(readable(home), "lost to ") != 1 {
		t.Errorf("home does not say who won, escaped, once: %s", readable(home))
	}
}

func TestLostToDraft(t *testing.T) {
	t.Parallel()
	st := feedbackState("lost", "Acme")
	st.Values[feedback.FieldLostTo] = map[string]slack.BlockAction{feedback.FieldLostTo: {SelectedOption: slack.OptionBlockObject{Value: "Clari"}}}
	if d, _ := feedbackDraft(slack.View{ID: "V1", State: st}, "U0REP"); d.LostTo != "Clari" {
		t.Errorf("draft lost to %q", d.LostTo)
	}
	if d, _ := feedbackDraft(slack.View{ID: "V1", State: feedbackState("lost", "Acme")}, "U0REP"); d.LostTo != "" {
		t.Errorf("draft without the field: lost to %q", d.LostTo)
	}
}

func values(opts []*slack.OptionBlockObject) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

func TestLostToSuggestions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		typed         string
		picked, known []string
		want          string
	}{
		// None first, then what the form lists, then the rest known, each once.
		{"", []string{"Gong", "gong.io", "Clari"}, []string{"Clari", "Chorus"}, "none Gong Clari Chorus"},
		{"no", nil, []string{"Nooks"}, "none No Nooks"},
		{"no one", nil, nil, "none"},
		{"None / no decision", nil, nil, "none"},
		{"gon", []string{"Gong", "Clari"}, []string{"Gong"}, "Gong Gon"},
		{"chor", []string{"Gong"}, nil, "Chor"},
		// A competitor spelled "None" is never offered: it would read as no one.
		{"", []string{"None"}, []string{"NONE", "Gong"}, "none Gong"},
	}
	for _, tt := range tests {
		got := strings.Join(values(lostToSuggestions(tt.typed, tt.picked, tt.known).Options), " ")
		if got != tt.want {
			t.Errorf("typed %q, picked %q, known %q: %q, want %q", tt.typed, tt.picked, tt.known, got, tt.want)
		}
	}
	var many []string
	for i := range 150 {
		many = append(many, fmt.Sprint("Competitor ", i))
	}
	if n := len(lostToSuggestions("", many, many).Options); n != 100 {
		t.Errorf("%d suggestions, want Slack's 100", n)
	}
	if opts := lostToSuggestions("!!!", nil, nil).Options; opts == nil || len(opts) != 0 {
		t.Errorf("nothing to suggest must be an empty list, not null: %#v", opts)
	}
}

// TestLostToSubmitted: through the fake Slack, a lost deal submitted with who won it is
// stored and confirmed; a won deal with lost_to gets the error on that field, the modal
// stays open and nothing is stored; the type-ahead offers None and the form's
// competitors.
func TestLostToSubmitted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	st := feedbackState("lost", "Acme")
	st.Values[feedback.FieldLostTo] = map[string]slack.BlockAction{feedback.FieldLostTo: {SelectedOption: slack.OptionBlockObject{Value: "GONG.IO"}}}
	if resp := h.submit("U0REP", slack.View{ID: "VLOST", CallbackID: feedbackCallback, State: st}); resp != nil {
		t.Fatalf("lost deal with lost_to answered %+v, want the modal closed", resp)
	}
	items, err := h.store.RecentFeedback(h.ctx, "U0REP", 10)
	if err != nil || len(items) != 1 || items[0].LostTo != "Gong" || strings.Join(items[0].Competitors, ",") != "Gong,Clari" {
		t.Fatalf("stored %+v (%v), want lost to Gong as the form spells it", items, err)
	}
	h.dms("U0REP", 1, containing("*Lost to:* Gong"))

	won := feedbackState("won", "Globex")
	won.Values[feedback.FieldLostTo] = map[string]slack.BlockAction{feedback.FieldLostTo: {SelectedOption: slack.OptionBlockObject{Value: "Clari"}}}
	resp := h.submit("U0REP", slack.View{ID: "VWON", CallbackID: feedbackCallback, State: won})
	if resp == nil || resp.ResponseAction != slack.RAErrors || !strings.Contains(resp.Errors[feedback.FieldLostTo], "Only a lost deal") || len(resp.Errors) != 1 {
		t.Fatalf("won deal with lost_to answered %+v, want an error on lost_to alone", resp)
	}
	var n int
	if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM feedback WHERE account = 'Globex'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("the refused submission stored %d rows (%v)", n, err)
	}

	// The block the error names exists in the modal the rep sees.
	_, trigger := h.slash("/prospect-feedback", "U0REP", "won Globex")
	if _, m := h.openedView(trigger); !hasBlock(m, feedback.FieldLostTo) {
		t.Error("the modal has no lost_to block for the error to show on")
	}

	ack, err := h.fake.Interaction(context.Background(), slack.InteractionCallback{Type: slack.InteractionTypeBlockSuggestion, ActionID: feedback.FieldLostTo, BlockID: feedback.FieldLostTo,
		User: slack.User{ID: "U0REP"}, View: slack.View{ID: "VNEXT", CallbackID: feedbackCallback, State: state(map[string]slack.BlockAction{
			feedback.FieldCompetitors: {SelectedOptions: []slack.OptionBlockObject{{Value: "Chorus"}}},
		})}})
	if err != nil {
		t.Fatal(err)
	}
	var opts slack.OptionsResponse
	if err := json.Unmarshal(ack.Payload, &opts); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(values(opts.Options), " "); got != "none Chorus Clari Gong" {
		t.Errorf("lost_to suggestions = %q, want None, the form's Chorus, then the known ones", got)
	}
}

func hasBlock(m slack.ModalViewRequest, id string) bool {
	for _, b := range m.Blocks.BlockSet {
		if ib, ok := b.(*slack.InputBlock); ok && ib.BlockID == id {
			return true
		}
	}
	return false
}
