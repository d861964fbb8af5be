// Package bot is vosbot's Slack side: it keeps the Socket Mode connection, acks every
// envelope, routes slash commands, modal submissions, button presses, shortcuts and
// events, builds the Block Kit views and escapes every piece of user text it shows.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// Slack is the part of the Web API vosbot uses; *slack.Client implements it.
type Slack interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	GetPermalinkContext(ctx context.Context, params *slack.PermalinkParameters) (string, error)
	GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error)
}

// NewClient returns the Web API client: SLACK_API_URL, a per-request timeout, and
// retries on 429 (honouring Retry-After), 5xx and dropped connections, except that
// chat.postMessage is retried on 429 only (see once).
func NewClient(botToken, appToken, apiURL string) *slack.Client {
	retry := slack.DefaultRetryConfig()
	retry.MaxRetries = 4
	retry.RetryAfterDuration = 5 * time.Second
	retry.BackoffMax = 10 * time.Second
	retry.Handlers = []slack.RetryHandler{
		once{slack.NewConnectionErrorRetryHandler()},
		slack.NewRateLimitErrorRetryHandler(retry),
		once{slack.NewServerErrorRetryHandler(retry)},
	}
	return slack.New(botToken,
		slack.OptionAPIURL(apiURL),
		slack.OptionAppLevelToken(appToken),
		slack.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second}),
		slack.OptionRetryConfig(retry),
	)
}

// once keeps a retry handler off chat.postMessage. A 5xx or a dropped connection may
// come after Slack posted the message, and posting again would post it twice (a 429
// always comes before: that one is retried). The caller's durable job retries instead,
// and the digest and escalation posts first look for their message in the channel.
type once struct{ slack.RetryHandler }

func (o once) ShouldRetry(state *slack.RetryState, req *http.Request, resp *http.Response, err error) (bool, time.Duration) {
	if path.Base(req.URL.Path) == "chat.postMessage" {
		return false, 0
	}
	return o.RetryHandler.ShouldRetry(state, req, resp, err)
}

// Bot handles everything that arrives over Socket Mode.
type Bot struct {
	api  Slack
	sm   *socketmode.Client
	log  *slog.Logger
	now  func() time.Time
	deps Deps

	connected atomic.Bool
	inflight  sync.WaitGroup
	seen      *seenEnvelopes
	m         metrics
	deals     *dealSide
}

// Options wire a Bot.
type Options struct {
	Client   *slack.Client
	Logger   *slog.Logger
	Registry prometheus.Registerer
	// Now is the clock; tests control it.
	Now  func() time.Time
	Deps Deps
}

// New returns a Bot; Run connects it.
func New(opts Options) *Bot {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bot{
		api:  opts.Client,
		sm:   socketmode.New(opts.Client),
		log:  opts.Logger,
		now:  opts.Now,
		deps: opts.Deps,
		seen: newSeenEnvelopes(10 * time.Minute),
		m:    newMetrics(opts.Registry),

		deals: newDealSide(opts.Registry),
	}
	return b
}

// Connected reports whether the Socket Mode connection is up (for /readyz).
func (b *Bot) Connected() bool { return b.connected.Load() }

// Ready is a readiness check: nil when the socket is connected.
func (b *Bot) Ready(context.Context) error {
	if !b.Connected() {
		return errors.New("Slack socket not connected")
	}
	return nil
}

// Run connects over Socket Mode and handles envelopes until ctx ends, then waits up to
// drain for the work in flight to finish before closing the socket. It returns an error
// when Slack refuses the app token.
func (b *Bot) Run(ctx context.Context, drain time.Duration) error {
	// The socket outlives ctx by the drain period so in-flight work can still ack.
	socketCtx, closeSocket := context.WithCancel(context.WithoutCancel(ctx))
	defer closeSocket()
	runErr := make(chan error, 1)
	go func() { runErr <- b.sm.RunContext(socketCtx) }()

	for {
		select {
		case evt := <-b.sm.Events:
			b.dispatch(socketCtx, evt)
		case err := <-runErr:
			b.connected.Store(false)
			b.m.connected.Set(0)
			if ctx.Err() == nil {
				return fmt.Errorf("slack socket mode: %w", err)
			}
			return nil
		case <-ctx.Done():
			b.log.Info("stopping: finishing work in flight", "drain", drain)
			done := make(chan struct{})
			go func() { b.inflight.Wait(); close(done) }()
			timer := time.NewTimer(drain)
			defer timer.Stop()
		draining:
			for {
				select {
				case evt := <-b.sm.Events:
					// Envelopes arriving while draining are still handled and acked.
					b.dispatch(socketCtx, evt)
				case <-done:
					break draining
				case <-timer.C:
					b.log.Warn("stopping with work still in flight")
					break draining
				}
			}
			closeSocket()
			b.connected.Store(false)
			b.m.connected.Set(0)
			return nil
		}
	}
}

// dispatch acks the envelope (after handling it, for submissions whose answer goes in
// the ack) and hands slow work to a goroutine, so one slow handler never delays another
// envelope's ack.
func (b *Bot) dispatch(ctx context.Context, evt socketmode.Event) {
	received := time.Now()
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.setConnected(false)
		b.log.Info("slack: connecting")
		return
	case socketmode.EventTypeConnectionError:
		b.setConnected(false)
		if e, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			b.log.Warn("slack: connection failed, retrying", "attempt", e.Attempt, "backoff", e.Backoff, "error", e.ErrorObj)
		}
		return
	case socketmode.EventTypeInvalidAuth:
		b.setConnected(false)
		b.log.Error("slack: the app token was refused (invalid_auth)")
		return
	case socketmode.EventTypeConnected:
		b.m.reconnects.Inc()
		b.log.Info("slack: socket open")
		return
	case socketmode.EventTypeHello:
		b.setConnected(true)
		b.log.Info("slack: connected")
		return
	case socketmode.EventTypeDisconnect:
		b.setConnected(false)
		b.log.Info("slack: disconnect requested, reconnecting")
		return
	case socketmode.EventTypeIncomingError:
		b.log.Warn("slack: socket read error", "error", evt.Data)
		return
	case socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("slack: socket write failed", "error", evt.Data)
		return
	case socketmode.EventTypeErrorBadMessage:
		b.ackUnreadable(ctx, evt, received)
		return
	}
	if evt.Request == nil {
		b.log.Debug("slack: client event ignored", "type", evt.Type)
		return
	}
	req := *evt.Request
	b.m.envelopes.WithLabelValues(label(req.Type)).Inc()

	switch evt.Type {
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			b.ackAndIgnore(ctx, req, received, "interactive payload of unexpected shape")
			return
		}
		switch cb.Type {
		case slack.InteractionTypeViewSubmission:
			// Validated and stored before the ack, so errors can go back onto the form,
			// within ackBudget so that the ack beats Slack's 3 s whatever the database does.
			b.goHandle(func() {
				budget, cancel := context.WithDeadline(ctx, received.Add(ackBudget))
				defer cancel()
				b.ack(ctx, req, received, b.onViewSubmission(budget, cb))
			})
			return
		case slack.InteractionTypeBlockSuggestion:
			// The options travel in the ack.
			b.goHandle(func() {
				budget, cancel := context.WithDeadline(ctx, received.Add(ackBudget))
				defer cancel()
				b.ack(ctx, req, received, b.onSuggestion(budget, cb))
			})
			return
		}
		b.ack(ctx, req, received, nil)
		b.goHandle(func() {
			if !b.redelivered(ctx, req) {
				b.onInteraction(ctx, cb)
			}
		})
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			b.ackAndIgnore(ctx, req, received, "slash command of unexpected shape")
			return
		}
		b.ack(ctx, req, received, nil)
		b.goHandle(func() {
			if !b.redelivered(ctx, req) {
				b.onSlashCommand(ctx, cmd)
			}
		})
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		b.ack(ctx, req, received, nil)
		if ok {
			b.goHandle(func() {
				if !b.redelivered(ctx, req) {
					b.onEvent(ctx, ev)
				}
			})
		}
	default:
		b.ackAndIgnore(ctx, req, received, "unknown envelope type")
	}
}

func (b *Bot) setConnected(up bool) {
	b.connected.Store(up)
	if up {
		b.m.connected.Set(1)
	} else {
		b.m.connected.Set(0)
	}
}

// goHandle runs fn as tracked work in flight, recovering from a panic so one bad
// payload cannot take the bot down.
func (b *Bot) goHandle(fn func()) {
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		defer func() {
			if r := recover(); r != nil {
				b.m.panics.Inc()
				b.log.Error("handler panicked", "panic", r)
			}
		}()
		fn()
	}()
}

func (b *Bot) ack(ctx context.Context, req socketmode.Request, received time.Time, payload any) {
	var err error
	if payload == nil {
		err = b.sm.AckCtx(ctx, req.EnvelopeID, nil)
	} else {
		err = b.sm.AckCtx(ctx, req.EnvelopeID, payload)
	}
	b.m.ackLatency.WithLabelValues(label(req.Type)).Observe(time.Since(received).Seconds())
	if err != nil {
		b.log.Error("slack: ack failed", "envelope_id", req.EnvelopeID, "type", req.Type, "error", err)
	}
}

func (b *Bot) ackAndIgnore(ctx context.Context, req socketmode.Request, received time.Time, why string) {
	b.ack(ctx, req, received, nil)
	b.m.ignored.WithLabelValues(label(req.Type)).Inc()
	b.log.Warn("slack: envelope acked and ignored", "reason", why, "type", req.Type, "envelope_id", req.EnvelopeID)
}

// ackUnreadable acks an envelope slack-go could not decode (malformed payload or a type
// it does not know), when its envelope id can be read at all.
func (b *Bot) ackUnreadable(ctx context.Context, evt socketmode.Event, received time.Time) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	var env struct {
		Type       string `json:"type"`
		EnvelopeID string `json:"envelope_id"`
	}
	_ = json.Unmarshal(bad.Message, &env)
	b.m.envelopes.WithLabelValues(label(env.Type)).Inc()
	if env.EnvelopeID == "" {
		b.m.ignored.WithLabelValues(label(env.Type)).Inc()
		b.log.Warn("slack: unreadable message without an envelope id ignored", "error", bad.Cause)
		return
	}
	b.ack(ctx, socketmode.Request{Type: label(env.Type), EnvelopeID: env.EnvelopeID}, received, nil)
	b.m.ignored.WithLabelValues(label(env.Type)).Inc()
	b.log.Warn("slack: malformed or unknown envelope acked and ignored", "type", env.Type, "envelope_id", env.EnvelopeID, "error", bad.Cause)
}

// label keeps metric label values bounded whatever Slack (or an attacker) sends.
func label(envelopeType string) string {
	switch envelopeType {
	case "slash_commands", "interactive", "events_api", "hello", "disconnect":
		return envelopeType
	}
	return "other"
}
