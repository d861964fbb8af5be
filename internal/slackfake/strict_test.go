package slackfake

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// refusal returns Slack's error code and the response_metadata.messages of a refused call.
func refusal(t *testing.T, err error) (string, []string) {
	t.Helper()
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		t.Fatalf("want a Slack error response, got %v", err)
	}
	return se.Err, se.ResponseMetadata.Messages
}

// wantRefused fails unless err is Slack refusing with code and a message line holding
// each of want.
func wantRefused(t *testing.T, what string, err error, code string, want ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s was accepted", what)
		return
	}
	got, msgs := refusal(t, err)
	if got != code {
		t.Errorf("%s: error %q, want %q", what, got, code)
	}
	all := strings.Join(msgs, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("%s: response_metadata.messages %q lack %q", what, msgs, w)
		}
	}
}

func modal(blocks ...slack.Block) slack.ModalViewRequest {
	return slack.ModalViewRequest{Type: slack.VTModal, Title: &slack.TextBlockObject{Type: "plain_text", Text: "T"},
		Submit: &slack.TextBlockObject{Type: "plain_text", Text: "Save"}, Blocks: slack.Blocks{BlockSet: blocks}}
}

func options(n, textLen, valueLen int) []*slack.OptionBlockObject {
	out := make([]*slack.OptionBlockObject, n)
	for i := range out {
		text := fmt.Sprintf("%d", i) + strings.Repeat("t", max(0, textLen-len(fmt.Sprint(i))))
		value := fmt.Sprintf("%d", i) + strings.Repeat("v", max(0, valueLen-len(fmt.Sprint(i))))
		out[i] = slack.NewOptionBlockObject(value, slack.NewTextBlockObject("plain_text", text, false, false), nil)
	}
	return out
}

func selectInput(id string, typ string, opts []*slack.OptionBlockObject) *slack.InputBlock {
	var el slack.BlockElement
	if typ == slack.MultiOptTypeStatic {
		el = slack.NewOptionsMultiSelectBlockElement(typ, slack.NewTextBlockObject("plain_text", "Pick", false, false), id, opts...)
	} else {
		el = slack.NewOptionsSelectBlockElement(typ, slack.NewTextBlockObject("plain_text", "Pick", false, false), id, opts...)
	}
	return slack.NewInputBlock(id, slack.NewTextBlockObject("plain_text", "Label", false, false), nil, el)
}

func section(id, text string) *slack.SectionBlock {
	s := slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", text, false, false), nil, nil)
	s.BlockID = id
	return s
}

func TestDuplicateBlockIDRefused(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()

	_, err := api.OpenViewContext(ctx, s.trigger(""), modal(section("item", "a"), section("item", "b")))
	wantRefused(t, "a modal with block_id item twice", err, "invalid_arguments", "duplicate block_id", "/view/blocks/1/block_id")
	_, err = api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1",
		View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{section("x", "a"), section("x", "b")}}}})
	wantRefused(t, "an App Home with block_id x twice", err, "invalid_arguments", "duplicate block_id", "/view/blocks/1/block_id")
	_, _, err = api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(section("x", "a"), section("x", "b")))
	wantRefused(t, "a message with block_id x twice", err, "invalid_blocks", "duplicate block_id", "/blocks/1/block_id")

	// The same blocks with distinct ids are fine everywhere.
	if _, err := api.OpenViewContext(ctx, s.trigger(""), modal(section("a", "a"), section("b", "b"))); err != nil {
		t.Errorf("distinct block ids refused: %v", err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(section("a", "a"), section("b", "b"))); err != nil {
		t.Errorf("distinct block ids refused: %v", err)
	}
	if s.Home("U1") != nil || len(s.Messages("C1")) != 1 {
		t.Error("a refused view or message was stored")
	}
}

func TestSelectWithoutOptionsRefused(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()
	for _, typ := range []string{slack.OptTypeStatic, slack.MultiOptTypeStatic} {
		_, err := api.OpenViewContext(ctx, s.trigger(""), modal(selectInput("team", typ, nil)))
		wantRefused(t, typ+" without options", err, "invalid_arguments", "must provide either options or option_groups", "/view/blocks/0/element")
	}
	// An actions block's select is held to the same rule, in a message too.
	empty := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, slack.NewTextBlockObject("plain_text", "Merge into…", false, false), "merge")
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(slack.NewActionBlock("acts", empty)))
	wantRefused(t, "a message's select without options", err, "invalid_blocks", "must provide either options or option_groups", "/blocks/0/elements/0")

	// Option groups instead of options are fine.
	grouped := selectInput("team", slack.OptTypeStatic, nil)
	grouped.Element.(*slack.SelectBlockElement).OptionGroups = []*slack.OptionGroupBlockObject{
		slack.NewOptionGroupBlockElement(slack.NewTextBlockObject("plain_text", "Group", false, false), options(2, 5, 5)...)}
	if _, err := api.OpenViewContext(ctx, s.trigger(""), modal(grouped)); err != nil {
		t.Errorf("a select with option_groups refused: %v", err)
	}
	if _, err := api.OpenViewContext(ctx, s.trigger(""), modal(selectInput("team", slack.OptTypeStatic, options(1, 5, 5)))); err != nil {
		t.Errorf("a select with one option refused: %v", err)
	}
}

func TestSelectOver100OptionsRefused(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()
	for _, typ := range []string{slack.OptTypeStatic, slack.MultiOptTypeStatic} {
		_, err := api.OpenViewContext(ctx, s.trigger(""), modal(selectInput("team", typ, options(101, 10, 10))))
		wantRefused(t, typ+" with 101 options", err, "invalid_arguments", "no more than 100 items allowed", "/view/blocks/0/element/options")
		if _, err := api.OpenViewContext(ctx, s.trigger(""), modal(selectInput("team", typ, options(100, 10, 10)))); err != nil {
			t.Errorf("%s with 100 options refused: %v", typ, err)
		}
	}
}

func TestOptionTextAndValueLimits(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()
	for _, c := range []struct {
		name            string
		textLen, valLen int
		want            string
	}{
		{"text of 76 characters", 76, 10, "/view/blocks/0/element/options/0/text/text"},
		{"value of 151 characters", 10, 151, "/view/blocks/0/element/options/0/value"},
	} {
		_, err := api.OpenViewContext(ctx, s.trigger(""), modal(selectInput("team", slack.OptTypeStatic, options(1, c.textLen, c.valLen))))
		wantRefused(t, "an option with a "+c.name, err, "invalid_arguments", "must be less than", c.want)
	}
	// Exactly at the limits, counted in characters (é is two bytes, one character).
	o := slack.NewOptionBlockObject(strings.Repeat("é", 150), slack.NewTextBlockObject("plain_text", strings.Repeat("é", 75), false, false), nil)
	in := selectInput("team", slack.OptTypeStatic, []*slack.OptionBlockObject{o})
	in.Element.(*slack.SelectBlockElement).InitialOption = o
	if _, err := api.OpenViewContext(ctx, s.trigger(""), modal(in)); err != nil {
		t.Errorf("an option of 75 and 150 characters refused: %v", err)
	}
	// An initial option and a checkbox's option are options too.
	long := slack.NewOptionBlockObject("v", slack.NewTextBlockObject("plain_text", strings.Repeat("x", 76), false, false), nil)
	ext := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, slack.NewTextBlockObject("plain_text", "Search", false, false), "theme")
	ext.InitialOption = long
	_, err := api.OpenViewContext(ctx, s.trigger(""), modal(slack.NewInputBlock("theme", slack.NewTextBlockObject("plain_text", "Theme", false, false), nil, ext)))
	wantRefused(t, "an external select's initial option of 76 characters", err, "invalid_arguments", "/view/blocks/0/element/initial_option/text/text")
	_, err = api.OpenViewContext(ctx, s.trigger(""), modal(slack.NewInputBlock("hide", slack.NewTextBlockObject("plain_text", "Privacy", false, false), nil,
		slack.NewCheckboxGroupsBlockElement("hide", long))))
	wantRefused(t, "a checkbox of 76 characters", err, "invalid_arguments", "/view/blocks/0/element/options/0/text/text")
}

// TestSuggestionOptionsChecked holds the answer to a type-ahead to the same limits.
func TestSuggestionOptionsChecked(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	var answer any
	stop, _ := runClient(t, s, func(socketmode.Event) any { return answer })
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ask := func() error {
		_, err := s.Interaction(ctx, slack.InteractionCallback{Type: slack.InteractionTypeBlockSuggestion, ActionID: "theme", Value: "pri"})
		return err
	}
	answer = slack.OptionsResponse{Options: options(101, 5, 5)}
	if err := ask(); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("101 suggested options: %v", err)
	}
	answer = slack.OptionsResponse{Options: options(1, 76, 5)}
	if err := ask(); !errors.Is(err, ErrInvalidOptions) {
		t.Errorf("a suggested option of 76 characters: %v", err)
	}
	answer = slack.OptionsResponse{Options: options(100, 5, 5)}
	if err := ask(); err != nil {
		t.Errorf("100 suggestions: %v", err)
	}
	answer = slack.OptionsResponse{Options: options(1, 75, 150)}
	if err := ask(); err != nil {
		t.Errorf("a suggestion at the limits: %v", err)
	}
	answer = slack.OptionsResponse{Options: []*slack.OptionBlockObject{}}
	if err := ask(); err != nil {
		t.Errorf("no suggestion (nothing matches): %v", err)
	}
}

func TestSlashCommandTextEncodedAsSlackDoes(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	got := make(chan string, 1)
	stop, _ := runClient(t, s, func(evt socketmode.Event) any {
		got <- evt.Data.(slack.SlashCommand).Text
		return map[string]any{}
	})
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typed := "lost AT&T <b>1 > 0</b> &amp; ping <@U0CEO> <!here> see <#C0DEALS|deals> <https://acme.example/?a=1&b=2|the deal> <mailto:ceo@acme.example|CEO>"
	want := "lost AT&amp;T &lt;b&gt;1 &gt; 0&lt;/b&gt; &amp;amp; ping <@U0CEO> <!here> see <#C0DEALS|deals> <https://acme.example/?a=1&amp;b=2|the deal> <mailto:ceo@acme.example|CEO>"
	if _, err := s.SlashCommand(ctx, slack.SlashCommand{Command: "/prospect-feedback", Text: typed, UserID: "U1", ChannelID: "C1"}); err != nil {
		t.Fatal(err)
	}
	if text := <-got; text != want {
		t.Errorf("slash command text\n got %q\nwant %q", text, want)
	}
}

func TestShortcutMessageTextEncodedAsSlackDoes(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	got := make(chan slack.InteractionCallback, 2)
	stop, _ := runClient(t, s, func(evt socketmode.Event) any {
		got <- evt.Data.(slack.InteractionCallback)
		return map[string]any{}
	})
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg := slack.Message{Msg: slack.Msg{Text: "Prospect: \"2x <Gong> & Clari\" cc <@U0CEO>", Timestamp: "1700000000.000200"}}
	if _, err := s.Interaction(ctx, slack.InteractionCallback{Type: slack.InteractionTypeMessageAction, CallbackID: "x", Message: msg}); err != nil {
		t.Fatal(err)
	}
	if cb := <-got; cb.Message.Text != "Prospect: \"2x &lt;Gong&gt; &amp; Clari\" cc <@U0CEO>" {
		t.Errorf("shortcut message text %q", cb.Message.Text)
	}
	// A view submission's values are sent as typed, never encoded.
	sub := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, View: slack.View{ID: "V1", CallbackID: "x",
		State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{"a": {"a": {Value: "AT&T <b>"}}}}}}
	if _, err := s.Interaction(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if cb := <-got; cb.View.State.Values["a"]["a"].Value != "AT&T <b>" {
		t.Errorf("submitted value %q, want it as typed", cb.View.State.Values["a"]["a"].Value)
	}
}

func TestSlackTextKeepsOnlySlackMarkup(t *testing.T) {
	t.Parallel()
	for typed, want := range map[string]string{
		"":                               "",
		"a & b":                          "a &amp; b",
		"<@U123>":                        "<@U123>",
		"<@U123|jane>":                   "<@U123|jane>",
		"<@u123>":                        "&lt;@u123&gt;",
		"<!channel> <!subteam^S1|@team>": "<!channel> <!subteam^S1|@team>",
		"<script>":                       "&lt;script&gt;",
		"<http://x.example|a & b>":       "<http://x.example|a &amp; b>",
		"<javascript:alert(1)|x>":        "&lt;javascript:alert(1)|x&gt;",
		"<<@U1>>":                        "&lt;<@U1>&gt;",
	} {
		if got := SlackText(typed); got != want {
			t.Errorf("SlackText(%q) = %q, want %q", typed, got, want)
		}
	}
}

// TestOversizedAckDropped: an ack of 20 KB or more is dropped, as Slack does, so the
// envelope counts as not acked.
func TestOversizedAckDropped(t *testing.T) {
	t.Parallel()
	s := New(Options{Logf: t.Logf, PingInterval: time.Second, AckTimeout: 500 * time.Millisecond})
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, wsURL, err := client(s).StartSocketModeContext(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_ = info
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		for {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if err := conn.ReadJSON(&env); err != nil {
				return
			}
			if env.EnvelopeID == "" {
				continue
			}
			big := map[string]any{"envelope_id": env.EnvelopeID, "payload": map[string]any{"options": strings.Repeat("x", maxAckSize)}}
			_ = conn.WriteJSON(big)
		}
	}()
	_, err = s.SlashCommand(ctx, slack.SlashCommand{Command: "/x"})
	if !errors.Is(err, ErrNotAcked) {
		t.Errorf("an ack of over 20 KB counted: %v", err)
	}
}

func TestPermalink(t *testing.T) {
	t.Parallel()
	s := New(Options{Logf: t.Logf, PermalinkBase: "https://acme.enterprise.slack.com/"})
	t.Cleanup(s.Close)
	api := client(s)
	ctx := context.Background()
	_, parent, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("parent", false))
	if err != nil {
		t.Fatal(err)
	}
	_, reply, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(parent))
	if err != nil {
		t.Fatal(err)
	}
	for ts, want := range map[string]string{
		parent: "https://acme.enterprise.slack.com/archives/C1/p" + strings.ReplaceAll(parent, ".", ""),
		reply:  "https://acme.enterprise.slack.com/archives/C1/p" + strings.ReplaceAll(reply, ".", "") + "?thread_ts=" + parent + "&cid=C1",
	} {
		got, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1", Ts: ts})
		if err != nil || got != want {
			t.Errorf("permalink of %s = %q, %v; want %q", ts, got, err, want)
		}
	}
	s.SetChannelError("C9", "channel_not_found")
	if _, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C9", Ts: parent}); err == nil {
		t.Error("a permalink in a missing channel")
	}
	if _, err := api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: "C1"}); err == nil {
		t.Error("a permalink without a message")
	}
}

// TestHistoryPagesLikeSlack: conversations.history gives a page, newest first, and the
// rest by cursor; oldest is exclusive unless inclusive; thread replies are left out.
func TestHistoryPagesLikeSlack(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()
	var posted []string
	for i := range 25 {
		_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(fmt.Sprint("m", i), false))
		if err != nil {
			t.Fatal(err)
		}
		posted = append(posted, ts)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("reply", false), slack.MsgOptionTS(posted[3])); err != nil {
		t.Fatal(err)
	}
	var got []string
	pages := 0
	params := &slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 10, Oldest: posted[2]}
	for {
		h, err := api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(h.Messages) > 10 {
			t.Fatalf("a page of %d messages", len(h.Messages))
		}
		for _, m := range h.Messages {
			got = append(got, m.Text)
		}
		if !h.HasMore {
			if h.ResponseMetaData.NextCursor != "" {
				t.Error("a cursor without has_more")
			}
			break
		}
		params.Cursor = h.ResponseMetaData.NextCursor
	}
	// m24 … m3: after oldest (m2, exclusive), newest first, no reply.
	var want []string
	for i := 24; i >= 3; i-- {
		want = append(want, fmt.Sprint("m", i))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") || pages != 3 {
		t.Errorf("%d pages: %v\nwant %v", pages, got, want)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 1, Oldest: posted[24], Inclusive: true})
	if err != nil || len(h.Messages) != 1 || h.Messages[0].Text != "m24" || h.HasMore {
		t.Errorf("inclusive oldest: %+v %v", h, err)
	}
	if _, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Cursor: "bogus"}); err == nil {
		t.Error("a bogus cursor was accepted")
	}
}
