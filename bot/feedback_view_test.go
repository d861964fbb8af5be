package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
)

// testReasons is the catalogue of the bot tests: three reasons.
var testReasons = catalogue.Catalogue{{Key: "price", Name: "Price or packaging"}, {Key: "missing_feature", Name: "Missing feature"}, {Key: "integration", Name: "Integrations"}}

func TestFeedbackModalGolden(t *testing.T) {
	t.Parallel()
	golden(t, "feedback_modal_empty", feedbackModal(feedbackForm{Draft: feedback.Draft{Source: feedback.SourceSlashCommand}, Reasons: testReasons, Currency: "USD"}))
	golden(t, "feedback_modal_prefilled", feedbackModal(feedbackForm{
		Draft:   feedback.Draft{Outcome: "lost", Account: "Acme", Source: feedback.SourceSlashCommand},
		Reasons: testReasons, Regions: []string{"NA", "EMEA", "APAC"}, Currency: "EUR",
	}))
	golden(t, "feedback_modal_shortcut", feedbackModal(feedbackForm{
		Draft:   feedback.Draft{Verbatim: "Honestly <@U123> the price was the blocker", MessageURL: "https://acme.slack.com/archives/C1/p1700000000000100", Source: feedback.SourceMessageShortcut},
		Reasons: testReasons, Currency: "USD",
	}))
	golden(t, "feedback_modal_edit", feedbackModal(feedbackForm{Draft: sampleFeedback().ToDraft(), FeedbackID: 42, Reasons: testReasons, Currency: "USD"}))
	// Past 100 reasons they are picked by type-ahead.
	golden(t, "feedback_modal_many_reasons", feedbackModal(feedbackForm{Draft: feedback.Draft{Reasons: []string{"theme_007"}, Source: feedback.SourceSlashCommand}, Reasons: manyReasons(101), Currency: "USD"}))
}

func sampleFeedback() feedback.Feedback {
	return feedback.Feedback{
		ID: 42, CreatedAt: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC), ReporterID: "U0REP",
		Outcome: feedback.Lost, Account: "Acme <Corp> & Sons", DealValue: &feedback.Amount{Cents: 5_000_000}, Currency: "USD",
		Region: "EMEA", Competitors: []string{"Gong", "Clari"}, Reasons: []string{"price", "integration"},
		WhatWorked: "Demo landed", WhatDidnt: "No <!channel> Salesforce sync\nand too pricey",
		Verbatim: "We'd buy at half the price 😅", CRMURL: "https://crm.example.com/opp/1?a=1&b=2", HideName: true,
		Source: feedback.SourceSlashCommand, Key: "V1",
		Themes: []feedback.ThemeTag{{Key: "price", Name: "Price or packaging", Method: "offline", Confidence: 0.8}},
	}
}

func TestFeedbackSummaryGolden(t *testing.T) {
	t.Parallel()
	text, blocks := feedbackSummary(sampleFeedback(), false, testReasons)
	golden(t, "feedback_confirmation", map[string]any{"text": text, "blocks": blocks})
	edited := sampleFeedback()
	edited.EditCount = 2
	text, blocks = feedbackSummary(edited, true, testReasons)
	golden(t, "feedback_confirmation_edited", map[string]any{"text": text, "blocks": blocks})
}

func TestHomeGolden(t *testing.T) {
	t.Parallel()
	golden(t, "home_empty", homeView(homeData{UserID: "U0REP", Catalogue: testReasons, Org: testConfig(t)}))
	second := sampleFeedback()
	second.ID, second.Outcome, second.Account, second.Themes, second.Reasons = 43, feedback.Won, "Globex", nil, nil
	golden(t, "home_feedback", homeView(homeData{UserID: "U0REP", Feedback: []feedback.Feedback{second, sampleFeedback()}, Catalogue: testReasons, Org: testConfig(t)}))
}

// TestUserTextEscaped checks no user text reaches a message unescaped.
func TestUserTextEscaped(t *testing.T) {
	t.Parallel()
	f := sampleFeedback()
	f.Account = "<!channel> <@U999> <https://evil|click>"
	text, blocks := feedbackSummary(f, false, testReasons)
	home := homeView(homeData{Feedback: []feedback.Feedback{f}, Org: testConfig(t)})
	all, _ := json.Marshal([]any{text, blocks, home})
	for _, bad := range []string{"<!channel>", "<@U999>", "<https://evil", "<!channel"} {
		if strings.Contains(string(all), jsonEscaped(bad)) {
			t.Errorf("unescaped %q in %s", bad, all)
		}
	}
	if !strings.Contains(text, "&lt;!channel&gt;") {
		t.Errorf("fallback text not escaped: %s", text)
	}
}

func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return strings.Trim(string(b), `"`)
}

func TestFeedbackDraftRoundTrip(t *testing.T) {
	t.Parallel()
	f := sampleFeedback()
	view := slack.View{ID: "V9", PrivateMetadata: `{"source":"message_shortcut","message_url":"https://x.slack.com/archives/C1/p1","feedback_id":42}`, State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		"outcome":     {"outcome": {SelectedOption: slack.OptionBlockObject{Value: "lost"}}},
		"account":     {"account": {Value: f.Account}},
		"deal_value":  {"deal_value": {Value: "50k"}},
		"currency":    {"currency": {SelectedOption: slack.OptionBlockObject{Value: "USD"}}},
		"region":      {"region": {SelectedOption: slack.OptionBlockObject{Value: "EMEA"}}},
		"competitors": {"competitors": {SelectedOptions: []slack.OptionBlockObject{{Value: "Gong"}, {Value: "Clari"}}}},
		"reasons":     {"reasons": {SelectedOptions: []slack.OptionBlockObject{{Value: "price"}}}},
		"what_worked": {"what_worked": {Value: f.WhatWorked}},
		"what_didnt":  {"what_didnt": {Value: f.WhatDidnt}},
		"verbatim":    {"verbatim": {Value: f.Verbatim}},
		"crm_url":     {"crm_url": {Value: f.CRMURL}},
		"hide_name":   {"hide_name": {SelectedOptions: []slack.OptionBlockObject{{Value: "hide"}}}},
	}}}
	d, meta := feedbackDraft(view, "U0REP")
	if meta.FeedbackID != 42 || d.Source != feedback.SourceMessageShortcut || d.MessageURL == "" || d.Key != "V9" {
		t.Errorf("meta %+v draft %+v", meta, d)
	}
	if d.Outcome != "lost" || d.Account != f.Account || d.DealValue != "50k" || d.Region != "EMEA" || len(d.Competitors) != 2 ||
		d.WhatDidnt != f.WhatDidnt || d.Verbatim != f.Verbatim || d.CRMURL != f.CRMURL || !d.HideName || d.ReporterID != "U0REP" {
		t.Errorf("draft %+v", d)
	}
}

func TestCompetitorSuggestions(t *testing.T) {
	t.Parallel()
	got := competitorSuggestions("gong.io", []string{"Gong"})
	if len(got.Options) != 1 || got.Options[0].Value != "Gong" {
		t.Errorf("a known spelling must not be offered as new: %+v", got.Options)
	}
	got = competitorSuggestions("chorus", []string{"Clari"})
	if len(got.Options) != 2 || got.Options[0].Value != "Chorus" || !strings.Contains(got.Options[0].Text.Text, "Add") {
		t.Errorf("a new name must be offered first: %+v", got.Options)
	}
	if got := competitorSuggestions("", nil); len(got.Options) != 0 {
		t.Errorf("empty query: %+v", got.Options)
	}
}
