package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func newFake(t *testing.T) *Server {
	t.Helper()
	s := New(Options{Logf: t.Logf, PingInterval: time.Second, AckTimeout: 2 * time.Second})
	t.Cleanup(s.Close)
	return s
}

func client(s *Server) *slack.Client {
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = 3
	retry.Handlers = append(slack.AllBuiltinRetryHandlers(retry), slack.NewServerErrorRetryHandler(retry))
	return slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(s.AppToken()), slack.OptionRetryConfig(retry))
}

// runClient runs a socketmode client that acks with handle's payload.
func runClient(t *testing.T, s *Server, handle func(socketmode.Event) any) (stop func(), received *atomic.Int64) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sm := socketmode.New(client(s))
	received = &atomic.Int64{}
	go func() { _ = sm.RunContext(ctx) }()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-sm.Events:
				if evt.Request == nil || evt.Type == socketmode.EventTypeHello {
					continue
				}
				received.Add(1)
				if handle == nil {
					_ = sm.Ack(*evt.Request)
					continue
				}
				if p := handle(evt); p != nil {
					_ = sm.Ack(*evt.Request, p)
				}
			}
		}
	}()
	return cancel, received
}

func TestSlashCommandAcked(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	stop, _ := runClient(t, s, nil)
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := s.SlashCommand(ctx, slack.SlashCommand{Command: "/prospect-feedback", Text: "lost Acme", UserID: "U1", ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if ack.Latency <= 0 || ack.Attempts != 1 || len(s.AckLatencies()) != 1 {
		t.Errorf("ack = %+v", ack)
	}
}

func TestViewSubmissionErrorsRoundTrip(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	var gotState string
	stop, _ := runClient(t, s, func(evt socketmode.Event) any {
		cb := evt.Data.(slack.InteractionCallback)
		gotState = cb.View.State.Values["account"]["account"].Value
		return slack.NewErrorsViewSubmissionResponse(map[string]string{"account": "Name the account."})
	})
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ack, err := s.Interaction(ctx, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U1"},
		View: slack.View{ID: "V1", CallbackID: "x", State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{"account": {"account": {Value: "Acme"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var resp slack.ViewSubmissionResponse
	if err := json.Unmarshal(ack.Payload, &resp); err != nil || resp.ResponseAction != slack.RAErrors || resp.Errors["account"] != "Name the account." {
		t.Errorf("ack payload = %s (%v)", ack.Payload, err)
	}
	if gotState != "Acme" {
		t.Errorf("the client saw state %q", gotState)
	}
}

func TestReconnectAfterDisconnect(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	stop, _ := runClient(t, s, nil)
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Disconnect("refresh_requested")
	if err := s.waitFor(ctx, "a second connection", func() bool { return s.hellos >= 2 }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SlashCommand(ctx, slack.SlashCommand{Command: "/x"}); err != nil {
		t.Fatalf("after reconnect: %v", err)
	}
}

func TestRedeliveryAfterDrop(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	first := make(chan struct{})
	var dropped atomic.Bool
	stop, received := runClient(t, s, func(evt socketmode.Event) any {
		if dropped.CompareAndSwap(false, true) {
			close(first)
			return nil // never ack the first delivery
		}
		return map[string]any{}
	})
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	go func() {
		<-first
		s.DropSockets()
	}()
	ack, err := s.SlashCommand(ctx, slack.SlashCommand{Command: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	if ack.Attempts != 2 || received.Load() != 2 {
		t.Errorf("attempts %d, received %d; want a redelivery", ack.Attempts, received.Load())
	}
}

// TestRedeliverToAnotherConnection: an acked envelope sent again keeps its id, carries
// retry_attempt, and goes down the other of two connections.
func TestRedeliverToAnotherConnection(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	type seen struct {
		id      string
		attempt int
	}
	got := make(chan seen, 4)
	handle := func(evt socketmode.Event) any {
		got <- seen{evt.Request.EnvelopeID, evt.Request.RetryAttempt}
		return map[string]any{}
	}
	stopA, _ := runClient(t, s, handle)
	defer stopA()
	stopB, _ := runClient(t, s, handle)
	defer stopB()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	first, err := s.SlashCommand(ctx, slack.SlashCommand{Command: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := s.Redeliver(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if again.EnvelopeID != first.EnvelopeID || again.Attempts != 2 || again.Connection == first.Connection || first.Connection == 0 {
		t.Errorf("first %+v, again %+v; want the same id, attempt 2, another connection", first, again)
	}
	a, b := <-got, <-got
	if a.id != b.id || a.attempt != 0 || b.attempt != 1 {
		t.Errorf("the clients saw %+v then %+v", a, b)
	}
	if _, err := s.Redeliver(ctx, Ack{EnvelopeID: "env-x"}); err == nil {
		t.Error("redelivered an envelope the fake never sent")
	}
}

// TestLostAckRedelivers: after a lost ack the envelope comes again with its id, to a
// client that had handled it.
func TestLostAckRedelivers(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	seen := make(chan string, 4)
	stop, _ := runClient(t, s, func(evt socketmode.Event) any {
		seen <- evt.Request.EnvelopeID
		return map[string]any{}
	})
	defer stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s.LoseAcks("slash_commands", 1)
	ack, err := s.SlashCommand(ctx, slack.SlashCommand{Command: "/x"})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := <-seen, <-seen; ack.Attempts != 2 || a != ack.EnvelopeID || b != a || s.Connections() != 1 {
		t.Errorf("ack %+v, client saw %s then %s, %d connections; want one redelivery on the same connection", ack, a, b, s.Connections())
	}
	// Only as many as asked.
	if ack, err := s.SlashCommand(ctx, slack.SlashCommand{Command: "/y"}); err != nil || ack.Attempts != 1 {
		t.Errorf("next command: %+v %v", ack, err)
	}
}

func TestRateLimitHonoured(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	s.FailNext("chat.postMessage", 1, http.StatusTooManyRequests, time.Second)
	s.FailNext("chat.postMessage", 1, http.StatusInternalServerError, 0)
	start := time.Now()
	_, ts, err := client(s).PostMessageContext(context.Background(), "C1", slack.MsgOptionText("hi", false))
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < time.Second {
		t.Errorf("retried after %s, before Retry-After", time.Since(start))
	}
	if calls := s.Calls("chat.postMessage"); len(calls) != 3 {
		t.Errorf("%d calls, want 429, 500, then success", len(calls))
	}
	if msgs := s.Messages("C1"); len(msgs) != 1 || msgs[0].TS != ts {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestWrongToken(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	_, _, err := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL())).PostMessage("C1", slack.MsgOptionText("x", false))
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("wrong token: %v", err)
	}
	_, _, err = slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken("xapp-wrong")).StartSocketModeContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("wrong app token: %v", err)
	}
}

func TestHistoryWithMetadata(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()
	meta := slack.SlackMetadata{EventType: "vosbot_digest", EventPayload: map[string]any{"period_end": "2026-11-20T16:00:00Z"}}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("digest", false), slack.MsgOptionMetadata(meta)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("chatter", false)); err != nil {
		t.Fatal(err)
	}
	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 10, IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Messages) != 2 || h.Messages[0].Text != "chatter" || h.Messages[1].Metadata.EventType != "vosbot_digest" ||
		h.Messages[1].Metadata.EventPayload["period_end"] != "2026-11-20T16:00:00Z" {
		t.Errorf("history = %+v", h.Messages)
	}
}

func TestViewsAndTriggers(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()
	trigger := s.trigger("")
	v, err := api.OpenViewContext(ctx, trigger, slack.ModalViewRequest{Type: slack.VTModal, Title: &slack.TextBlockObject{Type: "plain_text", Text: "T"}})
	if err != nil || v.ID == "" {
		t.Fatalf("open: %v", err)
	}
	if _, err := api.OpenViewContext(ctx, "", slack.ModalViewRequest{Type: slack.VTModal}); err == nil {
		t.Error("an empty trigger was accepted")
	}
	s.mu.Lock()
	s.triggers["old"] = time.Now().Add(-4 * time.Second)
	s.mu.Unlock()
	_, err = api.OpenViewContext(ctx, "old", slack.ModalViewRequest{Type: slack.VTModal})
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "expired_trigger_id" {
		t.Errorf("expired trigger: %v", err)
	}
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: slack.HomeTabViewRequest{Type: slack.VTHomeTab}}); err != nil {
		t.Fatal(err)
	}
	if s.Home("U1") == nil {
		t.Error("home not stored")
	}
}

func TestChannelErrorsAndUpdates(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()
	s.SetChannelError("C9", "not_in_channel")
	if _, _, err := api.PostMessageContext(ctx, "C9", slack.MsgOptionText("x", false)); err == nil || !strings.Contains(err.Error(), "not_in_channel") {
		t.Errorf("not in channel: %v", err)
	}
	_, ts, _ := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("v1", false))
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("v2", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := api.DeleteMessageContext(ctx, "C1", ts); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("v3", false)); err == nil || !strings.Contains(err.Error(), "message_not_found") {
		t.Errorf("update of a deleted message: %v", err)
	}
	if m := s.Messages("C1"); len(m) != 1 || m[0].Text != "v2" || !m[0].Deleted || m[0].Updates != 1 {
		t.Errorf("messages = %+v", m)
	}
}

func TestSlackLimitsEnforced(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()
	blocks := make([]slack.Block, 51)
	for i := range blocks {
		blocks[i] = slack.NewDividerBlock()
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(blocks...)); err == nil || !strings.Contains(err.Error(), "invalid_blocks") {
		t.Errorf("51 blocks: %v", err)
	}
	long := slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", strings.Repeat("x", 3001), false, false), nil, nil)
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(long)); err == nil {
		t.Error("a 3,001-character section was accepted")
	}
	header := slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", strings.Repeat("h", 151), false, false))
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionBlocks(header)); err == nil {
		t.Error("a 151-character header was accepted")
	}
	trigger := s.trigger("")
	title := &slack.TextBlockObject{Type: "plain_text", Text: strings.Repeat("t", 25)}
	if _, err := api.OpenViewContext(ctx, trigger, slack.ModalViewRequest{Type: slack.VTModal, Title: title}); err == nil {
		t.Error("a 25-character modal title was accepted")
	}
	if len(s.Messages("C1")) != 0 {
		t.Error("refused messages were stored")
	}
}
