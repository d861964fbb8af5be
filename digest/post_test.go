package digest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/bot"
	"github.com/vosbot/vosbot/internal/slackfake"
)

type postFixture struct {
	*fixture
	fake   *slackfake.Server
	poster *Poster
	defs   []Definition
	mu     sync.Mutex
	clock  time.Time
}

func newPostFixture(t *testing.T) *postFixture {
	t.Helper()
	pf := &postFixture{fixture: newFixture(t)}
	pf.fake = slackfake.New(slackfake.Options{Logf: t.Logf})
	t.Cleanup(pf.fake.Close)
	api := bot.NewClient(pf.fake.BotToken(), pf.fake.AppToken(), pf.fake.APIURL())
	pf.defs = testDefinitions()
	pf.poster = NewPoster(pf.pool, api, &Builder{Pool: pf.pool, Org: pf.cfg}, slog.New(slog.NewTextHandler(testWriter{t}, nil)), nil)
	pf.poster.Now = pf.now
	pf.setNow(time.Date(2026, 11, 20, 16, 0, 30, 0, pf.cfg.Location))
	return pf
}

func (pf *postFixture) now() time.Time {
	pf.mu.Lock()
	defer pf.mu.Unlock()
	return pf.clock
}

func (pf *postFixture) setNow(t time.Time) {
	pf.mu.Lock()
	defer pf.mu.Unlock()
	pf.clock = t
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (pf *postFixture) posts(channel string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range pf.fake.Messages(channel) {
		if !m.Deleted && m.ThreadTS == "" {
			out = append(out, m)
		}
	}
	return out
}

// chartsIn are the files shared in the thread of the message ts.
func (pf *postFixture) chartsIn(channel, ts string) []slackfake.File {
	var out []slackfake.File
	for _, f := range pf.fake.Files(channel) {
		if f.Shared != nil && f.Shared.ThreadTS == ts {
			out = append(out, f)
		}
	}
	return out
}

// TestChartsPostedOnceInThread: after the message, its charts go into its thread as PNG
// files with alt text; posting again uploads nothing; Slack answering 500 after it
// completed an upload does not post that chart twice; a failing upload leaves the text
// posted and the next run posts what is missing.
func TestChartsPostedOnceInThread(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	d := pf.defs[0]
	p, _ := d.PeriodAt(pf.now())
	ctx := context.Background()

	// The first chart's upload fails outright: the text is posted all the same.
	pf.fake.FailNext("files.getUploadURLExternal", 1, http.StatusBadRequest, 0)
	res, err := pf.poster.Post(ctx, d, p, PostOptions{})
	if err != nil || !res.Posted {
		t.Fatalf("post: %+v %v", res, err)
	}
	if err := pf.poster.PostCharts(ctx, d, p, res); err == nil {
		t.Fatal("a failed upload was not reported")
	}
	if n := len(pf.chartsIn("C0LEAD", res.TS)); n != 0 {
		t.Fatalf("%d charts after a failed first upload", n)
	}
	// Slack completes the second chart's upload, then its answer is lost (500).
	pf.fake.FailAfterNext("files.completeUploadExternal", 1, http.StatusInternalServerError)
	again, err := pf.poster.Post(ctx, d, p, PostOptions{})
	if err != nil || again.Posted || again.TS != res.TS {
		t.Fatalf("post again: %+v %v", again, err)
	}
	if err := pf.poster.PostCharts(ctx, d, p, again); err == nil {
		t.Fatal("the lost answer was not reported")
	}
	for range 2 { // the retry, then once more: nothing new
		if err := pf.poster.PostCharts(ctx, d, p, again); err != nil {
			t.Fatal(err)
		}
	}
	charts := pf.chartsIn("C0LEAD", res.TS)
	names := map[string]int{}
	for _, f := range charts {
		names[f.Name]++
		img, err := png.Decode(bytes.NewReader(f.Data))
		if err != nil || img.Bounds().Dx() != chartWidth {
			t.Errorf("%s: not an %dpx PNG: %v", f.Name, chartWidth, err)
		}
		if f.AltText == "" || f.Title == "" {
			t.Errorf("%s: no alt text or title", f.Name)
		}
	}
	if len(charts) != 3 || names["win-rate.png"] != 1 || names["loss-themes-value.png"] != 1 || names["escalations-by-team.png"] != 1 {
		t.Errorf("charts in the thread: %v, want each of the three once", names)
	}
	if n := len(pf.posts("C0LEAD")); n != 1 {
		t.Errorf("%d digest messages, want 1", n)
	}
	if n := len(pf.fake.Calls("files.getUploadURLExternal")); n != 4 {
		t.Errorf("%d uploads started, want 4 (one refused, three charts)", n)
	}
}

func TestPostOncePerPeriod(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	d := pf.defs[0]
	p, _ := d.PeriodAt(pf.now())
	// Eight replicas (or retries) posting at once.
	var wg sync.WaitGroup
	results := make([]Result, 8)
	for i := range results {
		wg.Go(func() {
			var err error
			results[i], err = pf.poster.Post(context.Background(), d, p, PostOptions{})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	posted := 0
	for _, r := range results {
		if r.Posted {
			posted++
		}
		if r.TS != results[0].TS {
			t.Errorf("replicas disagree on the message: %s vs %s", r.TS, results[0].TS)
		}
	}
	if posted != 1 || len(pf.posts("C0LEAD")) != 1 {
		t.Fatalf("%d posted, %d messages; want exactly 1", posted, len(pf.posts("C0LEAD")))
	}
	msg := pf.posts("C0LEAD")[0]
	if !strings.Contains(string(msg.Metadata), metadataEvent) || !strings.Contains(string(msg.Metadata), p.End.Format(time.RFC3339)) {
		t.Errorf("metadata = %s", msg.Metadata)
	}
	// --force posts again, and is recorded apart.
	forced, err := pf.poster.Post(context.Background(), d, p, PostOptions{Force: true})
	if err != nil || !forced.Posted || len(pf.posts("C0LEAD")) != 2 {
		t.Errorf("forced: %+v %v", forced, err)
	}
	var runs int
	_ = pf.pool.QueryRow(pf.ctx, `SELECT count(*) FROM digest_runs WHERE status = 'posted'`).Scan(&runs)
	if runs != 2 {
		t.Errorf("%d posted runs", runs)
	}
}

func TestPostSurvivesRateLimits(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	pf.fake.FailNext("chat.postMessage", 2, http.StatusTooManyRequests, time.Second)
	pf.fake.FailNext("conversations.history", 1, http.StatusTooManyRequests, time.Second)
	d := pf.defs[0]
	p, _ := d.PeriodAt(pf.now())
	res, err := pf.poster.Post(context.Background(), d, p, PostOptions{})
	if err != nil || !res.Posted {
		t.Fatalf("%+v %v", res, err)
	}
	if n := len(pf.fake.Calls("chat.postMessage")); n != 3 {
		t.Errorf("%d postMessage calls, want 2 refused then 1", n)
	}
	if n := len(pf.posts("C0LEAD")); n != 1 {
		t.Errorf("%d messages", n)
	}
}

// TestCrashBetweenPostAndRecord: the message was posted but vosbot died before recording
// it; the next attempt finds it by its metadata and posts nothing.
func TestCrashBetweenPostAndRecord(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	d := pf.defs[0]
	p, _ := d.PeriodAt(pf.now())
	api := bot.NewClient(pf.fake.BotToken(), pf.fake.AppToken(), pf.fake.APIURL())
	// What the crashed attempt left behind: the message, with its metadata, and no row.
	_, ts, err := api.PostMessageContext(pf.ctx, "C0LEAD", slack.MsgOptionText("digest", false), slack.MsgOptionMetadata(slack.SlackMetadata{
		EventType: metadataEvent, EventPayload: map[string]any{"channel": "C0LEAD", "period_end": p.End.Format(time.RFC3339)},
	}))
	if err != nil {
		t.Fatal(err)
	}
	// Other chatter in the channel, and last week's digest, must not confuse it.
	_, _, _ = api.PostMessageContext(pf.ctx, "C0LEAD", slack.MsgOptionText("great week team", false))
	res, err := pf.poster.Post(pf.ctx, d, p, PostOptions{})
	if err != nil || res.Posted || res.TS != ts {
		t.Fatalf("after the crash: %+v %v; want the existing message %s", res, err, ts)
	}
	if n := len(pf.posts("C0LEAD")); n != 2 {
		t.Errorf("%d messages, want no new one", n)
	}
	var status string
	_ = pf.pool.QueryRow(pf.ctx, `SELECT status FROM digest_runs WHERE channel_id = 'C0LEAD'`).Scan(&status)
	if status != "posted" {
		t.Errorf("run status %q", status)
	}
}

func TestBotNotInChannel(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	pf.fake.SetChannelError("C0EMEA", "not_in_channel")
	p, _ := pf.defs[1].PeriodAt(pf.now())
	_, err := pf.poster.Post(pf.ctx, pf.defs[1], p, PostOptions{})
	if err == nil || !Permanent(err) {
		t.Fatalf("post to a channel without the bot = %v", err)
	}
	var status, msg string
	_ = pf.pool.QueryRow(pf.ctx, `SELECT status, error FROM digest_runs WHERE channel_id = 'C0EMEA'`).Scan(&status, &msg)
	if status != "failed" || !strings.Contains(msg, "not_in_channel") {
		t.Errorf("run %q %q", status, msg)
	}
	// The other digest is unaffected.
	if res, err := pf.poster.Post(pf.ctx, pf.defs[0], p, PostOptions{}); err != nil || !res.Posted {
		t.Errorf("other digest: %+v %v", res, err)
	}
}

// runJobs runs a River client working digests until stop.
func (pf *postFixture) runJobs(t *testing.T, periodic bool) *river.Client[pgx.Tx] {
	t.Helper()
	workers := river.NewWorkers()
	river.AddWorker(workers, &Worker{Poster: pf.poster, Definitions: pf.defs})
	cfg := &river.Config{Workers: workers, Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)}
	if periodic {
		cfg.PeriodicJobs = pf.poster.PeriodicJobs(pf.defs)
	}
	c, err := river.NewClient(riverpgxv5.New(pf.pool), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Stop(ctx)
	})
	return c
}

// TestTwoRiverClients: two replicas, each with the periodic digests, on one database.
func TestTwoRiverClients(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	pf.runJobs(t, true)
	pf.runJobs(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	// Each digest posted once, at start, for the period that just ended.
	if _, err := pf.fake.WaitMessages(ctx, "C0LEAD", 1, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := pf.fake.WaitMessages(ctx, "C0EMEA", 1, nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // room for a duplicate to show up
	if n, m := len(pf.posts("C0LEAD")), len(pf.posts("C0EMEA")); n != 1 || m != 1 {
		t.Errorf("%d and %d posts, want 1 each", n, m)
	}
}

func TestMissedDigestCatchUp(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	fire := time.Date(2026, 11, 20, 16, 0, 0, 0, pf.cfg.Location)
	w := &Worker{Poster: pf.poster, Definitions: pf.defs}
	// vosbot was installed long before.
	if _, err := pf.pool.Exec(pf.ctx, `UPDATE schema_migrations SET applied_at = '2026-01-01'`); err != nil {
		t.Fatal(err)
	}
	job := func(end time.Time) *river.Job[PostArgs] {
		return &river.Job[PostArgs]{Args: PostArgs{Channel: "C0LEAD", PeriodEnd: end.UTC()}}
	}
	// Down for two days: posted when back, marked late.
	pf.setNow(fire.Add(48 * time.Hour))
	if err := w.Work(pf.ctx, job(fire)); err != nil {
		t.Fatal(err)
	}
	posts := pf.posts("C0LEAD")
	if len(posts) != 1 || !strings.Contains(string(posts[0].Blocks), "Posted late") {
		t.Fatalf("late post: %d messages", len(posts))
	}
	var late bool
	_ = pf.pool.QueryRow(pf.ctx, `SELECT late FROM digest_runs WHERE channel_id = 'C0LEAD'`).Scan(&late)
	if !late {
		t.Error("run not marked late")
	}
	// More than one period late: skipped.
	pf.setNow(fire.Add(-7*24*time.Hour + 8*24*time.Hour + 8*24*time.Hour))
	if err := w.Work(pf.ctx, job(fire.AddDate(0, 0, -7))); err != nil {
		t.Fatal(err)
	}
	if len(pf.posts("C0LEAD")) != 1 {
		t.Error("a digest more than one period late was posted")
	}
	// Installed after the missed time: nothing was missed.
	if _, err := pf.pool.Exec(pf.ctx, `UPDATE schema_migrations SET applied_at = $1`, fire.Add(-7*24*time.Hour+time.Hour)); err != nil {
		t.Fatal(err)
	}
	pf.setNow(fire.Add(-7*24*time.Hour + 48*time.Hour))
	if err := w.Work(pf.ctx, job(fire.AddDate(0, 0, -7))); err != nil {
		t.Fatal(err)
	}
	if len(pf.posts("C0LEAD")) != 1 {
		t.Error("a fresh install posted a digest for before it existed")
	}
}

func TestNeverFiringScheduleLeftOut(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	never := def(t, "UTC", "0 0 30 2 *", 168*time.Hour)
	never.Channel = "C0NEVER"
	jobs := pf.poster.PeriodicJobs(append(pf.defs, never))
	if len(jobs) != len(pf.defs) {
		t.Errorf("%d periodic jobs, want %d (the never-firing one left out)", len(jobs), len(pf.defs))
	}
}

// TestPostRetriesSlackFailures: each Web API method a digest post calls answers once with
// a 429 (Retry-After: 1) or a 5xx; the call is retried unchanged, no earlier than
// Retry-After (read off the fake's recorded call times), and the digest is posted once.
// chat.postMessage is retried at once on a 429 only; after a 5xx the attempt fails and
// the next one (the job's retry) checks the channel first.
func TestPostRetriesSlackFailures(t *testing.T) {
	t.Parallel()
	failures := []struct {
		name       string
		status     int
		retryAfter time.Duration
	}{
		{"429", http.StatusTooManyRequests, time.Second},
		{"500", http.StatusInternalServerError, 0},
		{"503", http.StatusServiceUnavailable, 0},
	}
	for _, method := range []string{"conversations.history", "chat.postMessage"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			pf := newPostFixture(t)
			d := pf.defs[0]
			for week, f := range failures {
				p, _ := d.PeriodAt(pf.now().AddDate(0, 0, -7*week))
				from := len(pf.fake.Calls(method))
				pf.fake.FailNext(method, 1, f.status, f.retryAfter)
				res, err := pf.poster.Post(pf.ctx, d, p, PostOptions{})
				if method == "chat.postMessage" && f.status >= 500 {
					// Not retried blindly (Slack may have posted): the attempt fails and
					// the job's retry looks in the channel first, then posts.
					if err == nil {
						t.Fatalf("%s on chat.postMessage: the post was retried at once", f.name)
					}
					res, err = pf.poster.Post(pf.ctx, d, p, PostOptions{})
				}
				if err != nil || !res.Posted {
					t.Fatalf("%s: %+v %v", f.name, res, err)
				}
				gap, err := pf.fake.WaitRetry(pf.ctx, method, from, f.retryAfter)
				if err != nil {
					t.Fatalf("%s: %v", f.name, err)
				}
				t.Logf("%s: %s retried after %s", method, f.name, gap.Round(time.Millisecond))
				if n := len(pf.posts("C0LEAD")); n != week+1 {
					t.Errorf("%s: %d digests for %d periods", f.name, n, week+1)
				}
			}
		})
	}
}

// TestLeaderStoppedOtherReplicaTakesOver: two replicas run the scheduled digests on one
// database; River elects one leader, which alone enqueues periodic jobs. When it is
// stopped, the other replica becomes leader and the next digest is posted by it, once.
func TestLeaderStoppedOtherReplicaTakesOver(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	replicas := []*river.Client[pgx.Tx]{pf.runJobs(t, true), pf.runJobs(t, true)}
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	if _, err := pf.fake.WaitMessages(ctx, "C0LEAD", 1, nil); err != nil {
		t.Fatal(err)
	}
	leaderID := func() string {
		var id string
		if err := pf.pool.QueryRow(ctx, `SELECT leader_id FROM river_leader`).Scan(&id); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			t.Fatal(err)
		}
		return id
	}
	first := leaderID()
	var leader, other *river.Client[pgx.Tx]
	for _, r := range replicas {
		if r.ID() == first {
			leader = r
		} else {
			other = r
		}
	}
	if leader == nil {
		t.Fatalf("leader %q is neither replica", first)
	}

	// A week later, the leader is stopped; the other replica must post that week's digest.
	pf.setNow(pf.now().AddDate(0, 0, 7))
	stopCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if err := leader.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	msgs, err := pf.fake.WaitMessages(ctx, "C0LEAD", 2, func(m slackfake.Message) bool { return m.ThreadTS == "" })
	if err != nil {
		t.Fatalf("no digest after the leader stopped (leader now %q): %v", leaderID(), err)
	}
	t.Logf("the other replica posted the next digest %s after the leader stopped", time.Since(stopped).Round(time.Millisecond))
	if got := leaderID(); got != other.ID() {
		t.Errorf("leader is %q, want the remaining replica %q", got, other.ID())
	}
	p, _ := pf.defs[0].PeriodAt(pf.now())
	if !strings.Contains(string(msgs[1].Metadata), p.End.Format(time.RFC3339)) {
		t.Errorf("the second digest is not this week's: %s", msgs[1].Metadata)
	}
	time.Sleep(500 * time.Millisecond) // room for a duplicate to show up
	if n := len(pf.posts("C0LEAD")); n != 2 {
		t.Errorf("%d digests for two weeks, want 2", n)
	}
}

// TestPostAnsweredFailureAfterPosting: Slack posts the digest but its answer is a 5xx
// (lost on the way back). The post is not sent again blindly: the attempt fails, and the
// next one (the job's retry, or the operator running digest post again) finds the
// message in the channel and records it. One digest.
func TestPostAnsweredFailureAfterPosting(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	d := pf.defs[0]
	p, _ := d.PeriodAt(pf.now())
	pf.fake.FailAfterNext("chat.postMessage", 1, http.StatusInternalServerError)
	if res, err := pf.poster.Post(pf.ctx, d, p, PostOptions{}); err == nil {
		t.Logf("first attempt: %+v", res)
	} else {
		t.Logf("first attempt failed as it should: %v", err)
	}
	res, err := pf.poster.Post(pf.ctx, d, p, PostOptions{})
	if err != nil {
		t.Fatal(err)
	}
	posts := pf.posts("C0LEAD")
	if len(posts) != 1 {
		t.Fatalf("%d digests in the channel, want 1", len(posts))
	}
	if res.TS != posts[0].TS {
		t.Errorf("recorded %q, the channel holds %q", res.TS, posts[0].TS)
	}
}

// TestCrashLookupInBusyChannel: the digest posted before a crash is found even when the
// channel has since filled with more messages than one history page holds.
func TestCrashLookupInBusyChannel(t *testing.T) {
	t.Parallel()
	pf := newPostFixture(t)
	d := pf.defs[0]
	p, _ := d.PeriodAt(pf.now())
	api := bot.NewClient(pf.fake.BotToken(), pf.fake.AppToken(), pf.fake.APIURL())
	_, ts, err := api.PostMessageContext(pf.ctx, "C0LEAD", slack.MsgOptionText("digest", false), slack.MsgOptionMetadata(slack.SlackMetadata{
		EventType: metadataEvent, EventPayload: map[string]any{"channel": "C0LEAD", "period_end": p.End.Format(time.RFC3339)},
	}))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 450 {
		if _, _, err := api.PostMessageContext(pf.ctx, "C0LEAD", slack.MsgOptionText(fmt.Sprint("chatter ", i), false)); err != nil {
			t.Fatal(err)
		}
	}
	res, err := pf.poster.Post(pf.ctx, d, p, PostOptions{})
	if err != nil || res.Posted || res.TS != ts {
		t.Fatalf("after the crash: %+v %v; want the existing message %s", res, err, ts)
	}
	if n := len(pf.posts("C0LEAD")); n != 451 {
		t.Errorf("%d messages, want no new one", n)
	}
	if pages := len(pf.fake.Calls("conversations.history")); pages != 3 {
		t.Errorf("%d history pages read, want 3 of 200", pages)
	}
}
