package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// What the stricter fake Slack found (issue 13), end to end.

// TestAppHomeOfOwnerWhoRaisedOwnEscalation: an owner who raised a dropped ball against
// their own team sees it in both lists, and Slack accepts the App Home (block ids unique).
func TestAppHomeOfOwnerWhoRaisedOwnEscalation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	_, trigger := h.slash(escalationCommand, "U0FIN", "billing Our own invoice went out twice")
	_, m := h.openedView(trigger)
	if resp := h.submit("U0FIN", slack.View{ID: "VOWN1", CallbackID: escalationCallback, PrivateMetadata: m.PrivateMetadata, State: state(map[string]slack.BlockAction{
		feedback.FieldTeam:    {SelectedOption: slack.OptionBlockObject{Value: "billing"}},
		feedback.FieldSummary: {Value: "Our own invoice went out twice"},
	})}); resp != nil {
		t.Fatalf("submission answered %+v", resp)
	}
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": "U0FIN", "tab": "home"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	home, err := h.fake.WaitHome(ctx, "U0FIN", func(json.RawMessage) bool { return true })
	if err != nil {
		t.Fatalf("the App Home was never accepted: %v", err)
	}
	if n := strings.Count(readable(home), "Our own invoice went out twice"); n != 2 {
		t.Errorf("the escalation shows %d times, want in both lists: %s", n, readable(home))
	}
}

// oneTeamOrg has billing as its only team.
var oneTeamOrg = func() *feedback.Org {
	o := feedbacktest.Org()
	o.Teams = o.Teams[1:]
	return o
}()

// TestReassignNeedsAnotherTeam: with one team there is nowhere to reassign to, so the
// button is not offered; a press of an old button says so instead of opening a select
// with no options (which Slack refuses).
func TestReassignNeedsAnotherTeam(t *testing.T) {
	t.Parallel()
	h := newHarness(t, oneTeamOrg)
	e := h.raiseViaSlack("VONE1", "billing", "Invoice sent twice")
	post, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool { return !m.Ephemeral && m.ThreadTS == "" })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(post[0].Blocks), actReassign) || !strings.Contains(string(post[0].Blocks), actResolve) {
		t.Errorf("with one team the post offers %s", readable(post[0].Blocks))
	}
	h.press("U0FIN", "C0ESC", actReassign, fmt.Sprint(e.ID))
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	if _, err := h.fake.WaitMessages(ctx, "C0ESC", 1, func(m slackfake.Message) bool {
		return m.Ephemeral && m.User == "U0FIN" && strings.Contains(m.Text, "no other team to reassign")
	}); err != nil {
		t.Errorf("the owner was not told: %v; have %+v", err, h.fake.Messages("C0ESC"))
	}
	for _, c := range h.fake.Calls("views.open") {
		if strings.Contains(string(c.JSON), escalationMoveCallback) {
			t.Errorf("a reassign modal was asked for: %s", c.JSON)
		}
	}
}

// TestSlackEntitiesDecodedAtTheEdge: text Slack sends entity-encoded comes back as typed,
// in a slash command's pre-filled modal and in a shortcut's message text.
func TestSlackEntitiesDecodedAtTheEdge(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	for _, tt := range []struct{ typed, summary string }{
		{"billing AT&T was billed twice", "AT&T was billed twice"},
		{"billing 1 < 2 > 0 & <b>bold</b>", "1 < 2 > 0 & <b>bold</b>"},
		{"billing typed AT&amp;T and &amp and &lt;", "typed AT&amp;T and &amp and &lt;"},
		{"billing ask <@U0CFO|jane> and <!here> about <https://acme.example/inv?a=1&b=2|the invoice>", "ask @jane and @here about the invoice (https://acme.example/inv?a=1&b=2)"},
	} {
		_, trigger := h.slash(escalationCommand, "U0REP", tt.typed)
		_, m := h.openedView(trigger)
		if got := initial(m, feedback.FieldSummary); got != tt.summary {
			t.Errorf("%q: summary pre-filled %q, want %q", tt.typed, got, tt.summary)
		}
	}
}

// TestShortcutUsesSlackPermalink: the link to a message comes from chat.getPermalink,
// the only way to get a thread reply's (and a Grid or GovSlack workspace's) link right.
func TestShortcutUsesSlackPermalink(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	poster := slack.New(h.fake.BotToken(), slack.OptionAPIURL(h.fake.APIURL()))
	_, parent, err := poster.PostMessageContext(h.ctx, "C0DEALS", slack.MsgOptionText("Lost Acme today", false))
	if err != nil {
		t.Fatal(err)
	}
	_, reply, err := poster.PostMessageContext(h.ctx, "C0DEALS", slack.MsgOptionText("They said AT&T's tool", false), slack.MsgOptionTS(parent))
	if err != nil {
		t.Fatal(err)
	}
	_, err = h.fake.Interaction(h.ctx, slack.InteractionCallback{
		Type: slack.InteractionTypeMessageAction, CallbackID: feedbackShortcut, TriggerID: "short-thread",
		User: slack.User{ID: "U0REP"}, Team: slack.Team{ID: "T1", Domain: "acme"},
		Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0DEALS"}}},
		Message: slack.Message{Msg: slack.Msg{Text: "They said AT&T's tool", Timestamp: reply, ThreadTimestamp: parent}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, m := h.openedView("short-thread")
	if got := initial(m, feedback.FieldVerbatim); got != "They said AT&T's tool" {
		t.Errorf("verbatim %q", got)
	}
	var meta feedbackMeta
	if err := json.Unmarshal([]byte(m.PrivateMetadata), &meta); err != nil {
		t.Fatal(err)
	}
	want := "https://fake.slack.com/archives/C0DEALS/p" + strings.ReplaceAll(reply, ".", "") + "?thread_ts=" + parent + "&cid=C0DEALS"
	if meta.MessageURL != want {
		t.Errorf("message link %q, want Slack's %q", meta.MessageURL, want)
	}
	if len(h.fake.Calls("chat.getPermalink")) != 1 {
		t.Errorf("chat.getPermalink called %d times", len(h.fake.Calls("chat.getPermalink")))
	}
}

// addAcceptedThemes stores n themes an admin accepted: reasons reps can pick.
func addAcceptedThemes(t *testing.T, h *harness, n int) {
	t.Helper()
	if _, err := h.pool.Exec(h.ctx, `INSERT INTO themes (key, name, status, origin)
        SELECT 'accepted_' || i, 'Accepted theme number ' || i, 'catalogue', 'admin' FROM generate_series(1, $1) i`, n); err != nil {
		t.Fatal(err)
	}
}

func suggest(t *testing.T, h *harness, user, actionID, blockID, typed string) []*slack.OptionBlockObject {
	t.Helper()
	ack, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{Type: slack.InteractionTypeBlockSuggestion, ActionID: actionID, BlockID: blockID, Value: typed, User: slack.User{ID: user}})
	if err != nil {
		t.Fatal(err)
	}
	var opts slack.OptionsResponse
	if err := json.Unmarshal(ack.Payload, &opts); err != nil {
		t.Fatalf("%s: %v", ack.Payload, err)
	}
	return opts.Options
}

// TestManyReasonsByTypeAhead: past 100 reasons (3 configured + 101 accepted), the modal
// still opens and reasons are found by type-ahead, and a picked one is accepted.
func TestManyReasonsByTypeAhead(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	addAcceptedThemes(t, h, 101)
	_, trigger := h.slash(feedbackCommand, "U0REP", "lost Acme")
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	v, err := h.fake.WaitView(ctx, trigger)
	if err != nil {
		t.Fatalf("the modal did not open: %v", err)
	}
	if !strings.Contains(string(v.Body), `"multi_external_select"`) {
		t.Errorf("reasons are not offered by type-ahead: %s", v.Body)
	}
	all := suggest(t, h, "U0REP", feedback.FieldReasons, feedback.FieldReasons, "")
	if len(all) != 100 {
		t.Errorf("%d suggestions for nothing typed, want the first 100", len(all))
	}
	got := suggest(t, h, "U0REP", feedback.FieldReasons, feedback.FieldReasons, "number 10")
	var values []string
	for _, o := range got {
		values = append(values, o.Value)
	}
	if strings.Join(values, ",") != "accepted_10,accepted_100,accepted_101" {
		t.Errorf("suggestions for %q: %v", "number 10", values)
	}
	if p := suggest(t, h, "U0REP", feedback.FieldReasons, feedback.FieldReasons, "PRICE"); len(p) != 1 || p[0].Value != "price" {
		t.Errorf("suggestions for PRICE: %+v", p)
	}
	st := feedbackState("lost", "Acme")
	st.Values[feedback.FieldReasons] = map[string]slack.BlockAction{feedback.FieldReasons: {SelectedOptions: []slack.OptionBlockObject{{Value: "accepted_101"}}}}
	if resp := h.submit("U0REP", slack.View{ID: v.ID, CallbackID: feedbackCallback, State: st}); resp != nil {
		t.Fatalf("a reason picked by type-ahead refused: %+v", resp)
	}
}

// TestMergeIntoByTypeAhead: with over 100 catalogue themes, "Merge into…" is a type-ahead
// the admin's App Home can hold, and only admins get its suggestions.
func TestMergeIntoByTypeAhead(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	addAcceptedThemes(t, h, 101)
	if err := h.store.Catalogue.AddEmerging(h.ctx, []catalogue.Emerging{{Name: "whatsapp channel", Size: 9, Origin: catalogue.MethodOffline}}); err != nil {
		t.Fatal(err)
	}
	wa := catalogue.EmergingKey("whatsapp channel")
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": "U0ADMIN", "tab": "home"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	home, err := h.fake.WaitHome(ctx, "U0ADMIN", func(v json.RawMessage) bool { return strings.Contains(string(v), "Emerging themes") })
	if err != nil {
		t.Fatalf("the admin's App Home was never accepted: %v", err)
	}
	if !strings.Contains(string(home), `"external_select"`) {
		t.Errorf("Merge into… is not a type-ahead: %s", home)
	}
	got := suggest(t, h, "U0ADMIN", themeMerge, "emerging_actions_"+wa, "number 42")
	if len(got) != 1 || got[0].Value != wa+mergeSep+"accepted_42" {
		t.Errorf("merge suggestions: %+v", got)
	}
	if rep := suggest(t, h, "U0REP", themeMerge, "emerging_actions_"+wa, ""); len(rep) != 0 {
		t.Errorf("a rep got %d merge suggestions", len(rep))
	}
	h.pressSelect("U0ADMIN", themeMerge, got[0].Value)
	deadline := time.Now().Add(10 * time.Second)
	for themeStatus(t, h, wa) != catalogue.StatusMerged && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if s := themeStatus(t, h, wa); s != catalogue.StatusMerged {
		t.Errorf("after the merge the theme is %s", s)
	}
}
