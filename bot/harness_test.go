package bot

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/internal/database"
	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// clock is a test clock that only moves when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// harness is vosbot's Slack side running for real: the bot on a Socket Mode connection
// to a fake Slack, a fresh PostgreSQL database, and River working the jobs.
type harness struct {
	t     testing.TB
	ctx   context.Context
	fake  *slackfake.Server
	pool  *pgxpool.Pool
	store *feedback.Store
	cfg   *feedback.Org
	bot   *Bot
	clock *clock
	jobs  *river.Client[pgx.Tx]
	conn  string
}

// tlogWriter sends logs to t.Log until the test ends; goroutines that log later (River
// announcing it stopped) are dropped instead of panicking the test binary.
type tlogWriter struct {
	t    testing.TB
	mu   sync.Mutex
	done bool
}

func newTLog(t testing.TB) *tlogWriter {
	w := &tlogWriter{t: t}
	t.Cleanup(func() { w.mu.Lock(); w.done = true; w.mu.Unlock() })
	return w
}

func (w *tlogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func newHarness(t testing.TB, org *feedback.Org) *harness {
	t.Helper()
	return newHarnessOn(t, org, pgtest.ConnString(t))
}

// newHarnessOn runs the harness on the database at connString (a migrated one); quiet
// drops vosbot's logs, which long runs would otherwise keep in the test's output.
func newHarnessOn(t testing.TB, cfg *feedback.Org, connString string, quiet ...bool) *harness {
	t.Helper()
	return startHarness(t, cfg, connString, nil, len(quiet) > 0 && quiet[0])
}

// replica runs a second vosbot beside h, as another replica of one deployment: its own
// pool, store, bot and River client, on h's database and connected to h's fake Slack,
// which spreads envelopes over both connections.
func (h *harness) replica() *harness {
	h.t.Helper()
	return startHarness(h.t, h.cfg, h.conn, h.fake, false)
}

// startHarness starts vosbot on connString against fake (a new fake Slack when nil).
func startHarness(t testing.TB, cfg *feedback.Org, connString string, fake *slackfake.Server, quiet bool) *harness {
	t.Helper()
	return startHarnessWith(t, cfg, connString, fake, quiet, harnessExtras{})
}

// harnessExtras is what a test adds to the vosbot the harness starts: when its clock
// starts, and more of the bot's dependencies, workers and periodic jobs.
type harnessExtras struct {
	// start is the clock's first reading; zero: Friday 2026-11-20 15:00 UTC.
	start time.Time
	// wire runs before the bot is made, with the harness's pool, store and clock: it may
	// set more Deps and add workers, and returns the periodic jobs to run.
	wire func(h *harness, log *slog.Logger, d *Deps, w *river.Workers) []*river.PeriodicJob
}

// startHarnessWith is startHarness with extras.
func startHarnessWith(t testing.TB, cfg *feedback.Org, connString string, fake *slackfake.Server, quiet bool, x harnessExtras) *harness {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(newTLog(t), &slog.HandlerOptions{Level: slog.LevelInfo}))
	if _, isBench := t.(*testing.B); isBench || quiet {
		// Benchmarks measure vosbot, not the test log.
		log = slog.New(slog.NewJSONHandler(io.Discard, nil))
	}
	if x.start.IsZero() {
		x.start = time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	}
	h := &harness{t: t, ctx: ctx, cfg: cfg, conn: connString, clock: &clock{now: x.start}}
	// The pool is set up as in production (database.Open).
	poolCfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		t.Fatal(err)
	}
	database.Tune(poolCfg, connString)
	if h.pool, err = pgxpool.NewWithConfig(context.Background(), poolCfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.pool.Close)
	h.store, err = feedback.NewStore(h.pool, feedback.StoreOptions{Now: h.clock.Now, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	sockets := 1
	if h.fake = fake; fake == nil {
		_, bench := t.(*testing.B)
		h.fake = slackfake.New(slackfake.Options{Logf: t.Logf, PingInterval: time.Second, SkipLimits: bench})
		t.Cleanup(h.fake.Close)
	} else {
		sockets = 2
	}

	if _, _, err := h.store.Catalogue.Sync(ctx, testReasons); err != nil {
		t.Fatal(err)
	}
	deps := Deps{Store: h.store, Org: cfg, Catalogue: catalogue.NewReader(h.store.Catalogue, h.clock.Now, 0, testReasons),
		SurveyBaseURL: testSurveyBase}
	workers := river.NewWorkers()
	var periodic []*river.PeriodicJob
	if x.wire != nil {
		periodic = x.wire(h, log, &deps, workers)
	}
	h.bot = New(Options{
		Client: NewClient(h.fake.BotToken(), h.fake.AppToken(), h.fake.APIURL()),
		Logger: log, Now: h.clock.Now, Deps: deps,
	})
	h.bot.AddWorkers(workers)
	river.AddWorker(workers, &feedback.TagWorker{Tagger: &feedback.OfflineTagger{Store: h.store, Log: log}})
	h.jobs, err = river.NewClient(riverpgxv5.New(h.pool), &river.Config{
		Logger: log, Workers: workers, Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}},
		FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond, PeriodicJobs: periodic,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.bot.Run(runCtx, 5*time.Second) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("bot.Run: %v", err)
		}
		stopCtx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		_ = h.jobs.Stop(stopCtx)
	})
	if err := h.fake.WaitConnected(ctx, sockets); err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) slash(command, user, text string) (slackfake.Ack, string) {
	h.t.Helper()
	trigger := "trig-" + strings.ReplaceAll(h.t.Name(), "/", "-") + "-" + time.Now().Format("150405.000000000")
	ack, err := h.fake.SlashCommand(h.ctx, slack.SlashCommand{Command: command, Text: text, UserID: user, ChannelID: "C0SALES", TriggerID: trigger})
	if err != nil {
		h.t.Fatalf("%s %q: %v", command, text, err)
	}
	return ack, trigger
}

// openedView waits for the modal opened with trigger and decodes it.
func (h *harness) openedView(trigger string) (slackfake.View, slack.ModalViewRequest) {
	h.t.Helper()
	v, err := h.fake.WaitView(h.ctx, trigger)
	if err != nil {
		h.t.Fatal(err)
	}
	var m slack.ModalViewRequest
	if err := json.Unmarshal(v.Body, &m); err != nil {
		h.t.Fatalf("view %s: %v", v.Body, err)
	}
	return v, m
}

// submit sends a view submission and returns the decoded ack payload (nil when the
// modal closes).
func (h *harness) submit(user string, view slack.View) *slack.ViewSubmissionResponse {
	h.t.Helper()
	ack, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user}, View: view})
	if err != nil {
		h.t.Fatal(err)
	}
	if len(ack.Payload) == 0 || string(ack.Payload) == "null" {
		return nil
	}
	var resp slack.ViewSubmissionResponse
	if err := json.Unmarshal(ack.Payload, &resp); err != nil {
		h.t.Fatalf("ack payload %s: %v", ack.Payload, err)
	}
	return &resp
}

// press sends a block_actions button press.
func (h *harness) press(user, channel, actionID, value string) string {
	h.t.Helper()
	trigger := "press-" + actionID + "-" + time.Now().Format("150405.000000000")
	_, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user}, TriggerID: trigger,
		Channel:        slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: channel}}},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actionID, BlockID: "b", Value: value}}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return trigger
}

// dms waits for n messages to a user matching keep.
func (h *harness) dms(user string, n int, keep func(slackfake.Message) bool) []slackfake.Message {
	h.t.Helper()
	msgs, err := h.fake.WaitMessages(h.ctx, user, n, keep)
	if err != nil {
		h.t.Fatalf("%v; have %+v", err, h.fake.Messages(user))
	}
	return msgs
}

func containing(s string) func(slackfake.Message) bool {
	return func(m slackfake.Message) bool { return strings.Contains(m.Text+readable(m.Blocks), s) }
}

// readable undoes JSON's HTML escaping so tests can look for &amp;, < and >.
func readable(raw json.RawMessage) string {
	return strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">").Replace(string(raw))
}

// state builds a submitted view state from block id → action.
func state(values map[string]slack.BlockAction) *slack.ViewState {
	out := map[string]map[string]slack.BlockAction{}
	for k, v := range values {
		out[k] = map[string]slack.BlockAction{k: v}
	}
	return &slack.ViewState{Values: out}
}

// initial reads a block's initial value from an opened modal.
func initial(m slack.ModalViewRequest, blockID string) string {
	for _, b := range m.Blocks.BlockSet {
		ib, ok := b.(*slack.InputBlock)
		if !ok || ib.BlockID != blockID {
			continue
		}
		switch el := ib.Element.(type) {
		case *slack.PlainTextInputBlockElement:
			return el.InitialValue
		case *slack.RadioButtonsBlockElement:
			if el.InitialOption != nil {
				return el.InitialOption.Value
			}
		case *slack.SelectBlockElement:
			if el.InitialOption != nil {
				return el.InitialOption.Value
			}
		case *slack.URLTextInputBlockElement:
			return el.InitialValue
		case *slack.MultiSelectBlockElement:
			var vals []string
			for _, o := range el.InitialOptions {
				vals = append(vals, o.Value)
			}
			return strings.Join(vals, ";")
		case *slack.CheckboxGroupsBlockElement:
			if len(el.InitialOptions) > 0 {
				return "checked"
			}
		}
	}
	return ""
}
