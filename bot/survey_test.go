package bot

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
)

const testSurveyBase = "https://vos.example.com"

// surveyHostile is what a buyer might type to ping a channel or break a message.
const surveyHostile = "<!channel> <@U0ADMIN> <https://evil.example|click> &amp; *bold* <script>alert(1)</script>"

func sampleSurveyLink() feedback.SurveyLink {
	return feedback.SurveyLink{ID: 7, FeedbackID: 42, CreatedBy: "U0REP", Outcome: feedback.Lost, Account: "Acme <Corp> & Sons",
		CreatedAt: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC), ExpiresAt: time.Date(2026, 12, 20, 15, 0, 0, 0, time.UTC)}
}

func sampleSurveyReply(outcome feedback.Outcome, mayQuote bool) feedback.SurveyReply {
	ease := 3
	f := feedback.Feedback{ID: 43, ReporterID: "U0REP", Outcome: outcome, Account: "Acme <Corp> & Sons", Source: feedback.SourceBuyerSurvey,
		CreatedAt: time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)}
	if outcome == feedback.Won {
		f.WhatWorked, f.WhatDidnt, f.Verbatim = surveyHostile, "The security review", "Gong, Clari"
	} else {
		f.WhatDidnt, f.Verbatim = surveyHostile, "A pilot with our data\nand a named engineer"
	}
	r := feedback.SurveyReply{Link: sampleSurveyLink(), Answer: f, Ease: &ease, MayQuote: mayQuote}
	if outcome != feedback.Won {
		r.TalkAgain = "maybe"
	}
	return r
}

func TestSurveyMessagesGolden(t *testing.T) {
	t.Parallel()
	text, blocks := surveyLinkMessage(testSurveyBase+"/s/AbC-_123", sampleSurveyLink())
	golden(t, "survey_link_dm", map[string]any{"text": text, "blocks": blocks})
	text, blocks = surveyAnswerMessage(sampleSurveyReply(feedback.Lost, false))
	golden(t, "survey_answer_dm_lost", map[string]any{"text": text, "blocks": blocks})
	text, blocks = surveyAnswerMessage(sampleSurveyReply(feedback.Won, true))
	golden(t, "survey_answer_dm_won", map[string]any{"text": text, "blocks": blocks})
	// A buyer's own answer offers no "Ask the buyer".
	f := sampleFeedback()
	f.Source = feedback.SourceBuyerSurvey
	_, blocks = feedbackSummary(f, false, testReasons)
	if all, _ := json.Marshal(blocks); strings.Contains(string(all), surveyAskAction) {
		t.Fatal("Ask the buyer offered on a buyer's answer")
	}
}

func TestSurveyAnswerEscaped(t *testing.T) {
	t.Parallel()
	for _, o := range []feedback.Outcome{feedback.Won, feedback.Lost} {
		text, blocks := surveyAnswerMessage(sampleSurveyReply(o, false))
		all, _ := json.Marshal([]any{text, blocks})
		for _, bad := range []string{"<!channel>", "<@U0ADMIN>", "<https://evil", "<script>", "<Corp>"} {
			if strings.Contains(string(all), jsonEscaped(bad)) {
				t.Errorf("%s: unescaped %q", o, bad)
			}
		}
		if !strings.Contains(readable(all), "&lt;!channel&gt;") || !strings.Contains(readable(all), "&amp;amp;") {
			t.Errorf("%s: hostile text not shown escaped: %s", o, all)
		}
	}
}

var surveyURL = regexp.MustCompile(regexp.QuoteMeta(testSurveyBase) + `/s/([A-Za-z0-9_-]{43})`)

// TestAskTheBuyerEndToEnd: the rep's confirmation offers "Ask the buyer"; only that rep
// gets a link; the buyer's answer comes back to the rep as a DM, escaped; revoke works
// for the rep alone.
func TestAskTheBuyerEndToEnd(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbacktest.Org())
	f, errs := feedback.Draft{ReporterID: "U0REP", Outcome: "lost", Account: "Acme <Corp>", WhatDidnt: "price",
		Source: feedback.SourceSlashCommand, Key: "V1"}.Validate(feedback.Rules{Currency: "USD"})
	if errs != nil {
		t.Fatal(errs)
	}
	saved, _, err := h.store.SaveFeedback(h.ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(saved.ID, 10)
	h.dms("U0REP", 1, containing(`"action_id":"`+surveyAskAction+`"`))

	// Another user pressing it (a forwarded message, a forged payload) gets no link.
	h.press("U0OTHER", "D0OTHER", surveyAskAction, id)
	h.dms("U0OTHER", 1, containing("Only the rep who filed this feedback can ask its buyer"))
	var links int
	if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM survey_links`).Scan(&links); err != nil || links != 0 {
		t.Fatalf("links after a stranger's press: %d, %v", links, err)
	}

	h.press("U0REP", "D0REP", surveyAskAction, id)
	msg := h.dms("U0REP", 1, containing("Here is a survey link"))[0]
	m := surveyURL.FindStringSubmatch(msg.Text + readable(msg.Blocks))
	if m == nil {
		t.Fatalf("no link in %s", msg.Blocks)
	}
	link, err := h.store.SurveyByToken(h.ctx, m[1])
	if err != nil || link.FeedbackID != saved.ID {
		t.Fatalf("link = %+v, %v", link, err)
	}

	// The buyer answers: the rep is told, every word escaped.
	ans, err := h.store.AnswerSurvey(h.ctx, m[1], feedback.SurveyAnswer{ChoseOther: surveyHostile, Ease: "4"})
	if err != nil {
		t.Fatal(err)
	}
	answer := h.dms("U0REP", 1, containing("answered your survey"))[0]
	all := answer.Text + readable(answer.Blocks)
	if strings.Contains(all, "<!channel>") || strings.Contains(all, "<@U0ADMIN>") || strings.Contains(all, "<script>") ||
		!strings.Contains(all, "&lt;!channel&gt;") || !strings.Contains(all, "*Ease of buying:* 4/10") {
		t.Fatalf("answer DM: %s", all)
	}

	// The rep cannot edit the buyer's words.
	h.press("U0REP", "D0REP", feedbackEditAction, strconv.FormatInt(ans.ID, 10))
	h.dms("U0REP", 1, containing("nobody at the company edits it"))

	// Revoke: refused for another user, done for the rep.
	h.press("U0REP", "D0REP", surveyAskAction, id)
	second := h.dms("U0REP", 2, containing("Here is a survey link"))[1]
	m2 := surveyURL.FindStringSubmatch(second.Text + readable(second.Blocks))
	l2, err := h.store.SurveyByToken(h.ctx, m2[1])
	if err != nil {
		t.Fatal(err)
	}
	h.press("U0OTHER", "D0OTHER", surveyRevokeAction, strconv.FormatInt(l2.ID, 10))
	h.dms("U0OTHER", 1, containing("Only the rep who filed this feedback can revoke"))
	if _, err := h.store.SurveyByToken(h.ctx, m2[1]); err != nil {
		t.Fatalf("link revoked by a stranger: %v", err)
	}
	h.press("U0REP", "D0REP", surveyRevokeAction, strconv.FormatInt(l2.ID, 10))
	h.dms("U0REP", 1, containing("is revoked: it no longer opens"))
	if _, err := h.store.SurveyByToken(h.ctx, m2[1]); err == nil {
		t.Fatal("revoked link still opens")
	}
}

// TestHomeShowsBuyerAnswerWithoutEdit: a buyer's answer in the rep's App Home is marked
// as the buyer's and offers no menu (no Edit, no Ask the buyer); the rep's own item does.
func TestHomeShowsBuyerAnswerWithoutEdit(t *testing.T) {
	t.Parallel()
	answer := sampleFeedback()
	answer.ID, answer.Source = 77, feedback.SourceBuyerSurvey
	home := homeView(homeData{UserID: "U0REP", Feedback: []feedback.Feedback{answer, sampleFeedback()}, Catalogue: testReasons, Org: testConfig(t)})
	all, _ := json.Marshal(home)
	s := readable(all)
	if !strings.Contains(s, "buyer's answer") || strings.Contains(s, `"value":"edit:77"`) || strings.Contains(s, `"value":"ask:77"`) ||
		!strings.Contains(s, `"value":"edit:42"`) || !strings.Contains(s, `"value":"ask:42"`) {
		t.Fatalf("home: %s", s)
	}
}

// TestAskTheBuyerFromAppHome: the App Home's menu on a feedback item offers Edit and Ask
// the buyer; the rep's choice gets the link, anyone else's choice is refused as the
// button's is.
func TestAskTheBuyerFromAppHome(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbacktest.Org())
	f, errs := feedback.Draft{ReporterID: "U0REP", Outcome: "won", Account: "Globex", WhatWorked: "support",
		Source: feedback.SourceSlashCommand, Key: "VHOME1"}.Validate(feedback.Rules{Currency: "USD"})
	if errs != nil {
		t.Fatal(errs)
	}
	saved, _, err := h.store.SaveFeedback(h.ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	id := strconv.FormatInt(saved.ID, 10)
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": "U0REP", "channel": "D0REP", "tab": "home"}); err != nil {
		t.Fatal(err)
	}
	raw, err := h.fake.WaitHome(h.ctx, "U0REP", func(v json.RawMessage) bool { return strings.Contains(string(v), "Globex") })
	if err != nil {
		t.Fatal(err)
	}
	home := string(raw)
	if !strings.Contains(home, `"action_id":"`+feedbackMenuAction+`"`) || !strings.Contains(home, feedbackMenuAsk+id) || !strings.Contains(home, "Ask the buyer") {
		t.Fatalf("no Ask the buyer in the App Home's menu: %s", home)
	}
	choose := func(user, value string) {
		t.Helper()
		_, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{
			Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user}, TriggerID: "menu-" + user + value,
			View: slack.View{Type: slack.VTHomeTab},
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
				ActionID: feedbackMenuAction, BlockID: "feedback_" + id, Type: "overflow",
				SelectedOption: slack.OptionBlockObject{Value: value}}}},
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	choose("U0OTHER", feedbackMenuAsk+id)
	h.dms("U0OTHER", 1, containing("Only the rep who filed this feedback can ask its buyer"))
	choose("U0REP", feedbackMenuAsk+id)
	msg := h.dms("U0REP", 1, containing("Here is a survey link"))[0]
	if surveyURL.FindStringSubmatch(msg.Text+readable(msg.Blocks)) == nil {
		t.Fatalf("no link in %s", msg.Blocks)
	}
	var links int
	if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM survey_links WHERE feedback_id = $1`, saved.ID).Scan(&links); err != nil || links != 1 {
		t.Errorf("links = %d, %v; want the rep's one", links, err)
	}
	// Edit from the same menu opens the rep's item in the feedback modal.
	choose("U0REP", feedbackMenuEdit+id)
	v, err := h.fake.WaitView(h.ctx, "menu-U0REP"+feedbackMenuEdit+id)
	if err != nil || !strings.Contains(string(v.Body), "Globex") {
		t.Errorf("edit from the menu: %v %s", err, v.Body)
	}
}
