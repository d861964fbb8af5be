package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/vosbot/vosbot/crm"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// BenchmarkNudgeDelay measures (go test ./bot -run '^$' -bench NudgeDelay/due -benchtime
// 100x; -bench NudgeDelay/scheduled -benchtime 5x) how long after a deal's nudge is due its owner gets the
// DM, through the real path: a signed POST /hooks/deals on loopback, the store, River's
// job and chat.postMessage to the fake Slack.
//
//   - due: the deal closed longer than nudge_after ago (the usual case for a CRM that
//     sends the close late, and for imports), so the nudge is due on arrival; measured
//     from the webhook's 202 to the DM.
//   - scheduled: 20 deals whose nudge falls due 2 s after they arrive (nudge_after after
//     the close); measured from the due time to each DM. River moves a job scheduled for
//     later to the queue at its scheduler's passes, every 5 s.
func BenchmarkNudgeDelay(b *testing.B) {
	b.Run("due", func(b *testing.B) {
		r := newBenchRig(b)
		var ds []time.Duration
		for i := range b.N {
			owner := fmt.Sprintf("U0D%05d", i)
			closed := time.Now().Add(-2 * time.Hour)
			r.post(b, i, closed, owner)
			accepted := time.Now()
			r.waitDM(b, owner)
			ds = append(ds, time.Since(accepted))
		}
		report(b, ds)
	})
	b.Run("scheduled", func(b *testing.B) {
		r := newBenchRig(b)
		var ds []time.Duration
		for round := range b.N {
			due := time.Now().Add(2 * time.Second).Truncate(time.Second).Add(time.Second)
			var owners []string
			for i := range 20 {
				owner := fmt.Sprintf("U0S%03d%02d", round, i)
				owners = append(owners, owner)
				r.post(b, round*100+i, due.Add(-time.Hour), owner)
			}
			var mu sync.Mutex
			var wg sync.WaitGroup
			for _, o := range owners {
				wg.Go(func() {
					r.waitDM(b, o)
					mu.Lock()
					ds = append(ds, time.Since(due))
					mu.Unlock()
				})
			}
			wg.Wait()
		}
		report(b, ds)
	})
}

type benchRig struct {
	*harness
	url string
}

func newBenchRig(b *testing.B) *benchRig {
	org := dealTestOrg()
	h := newHarness(b, org)
	h.clock.Set(time.Now())
	// The harness polls for jobs every 50 ms; measure with River's production settings
	// (as cmd/vosbot/run.go builds it) instead.
	stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := h.jobs.Stop(stopCtx); err != nil {
		b.Fatal(err)
	}
	workers := river.NewWorkers()
	h.bot.AddWorkers(workers)
	jobs, err := river.NewClient(riverpgxv5.New(h.pool), &river.Config{
		Logger: slog.New(slog.DiscardHandler), Workers: workers, Queues: map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}},
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := jobs.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = jobs.Stop(ctx)
	})
	srv := httptest.NewServer(crm.NewHandler(crm.Options{Store: h.store, Org: org, Secret: hookSecret, Rate: -1}))
	b.Cleanup(srv.Close)
	return &benchRig{harness: h, url: srv.URL}
}

func (r *benchRig) post(b *testing.B, i int, closed time.Time, owner string) {
	body, _ := json.Marshal(map[string]any{"crm": "bench", "deal_id": strconv.Itoa(i), "account": "Account " + strconv.Itoa(i), "outcome": "won",
		"closed_at": closed.UTC().Format(time.RFC3339), "owner_slack_id": owner})
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write([]byte(ts + "." + string(body)))
	req, _ := http.NewRequest(http.MethodPost, r.url+"/hooks/deals", bytes.NewReader(body))
	req.Header.Set(crm.HeaderTimestamp, ts)
	req.Header.Set(crm.HeaderSignature, "v1="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b.Fatalf("webhook answered %d", resp.StatusCode)
	}
}

func (r *benchRig) waitDM(b *testing.B, owner string) {
	// Not the harness's context: a long run outlasts its minute.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := r.fake.WaitMessages(ctx, owner, 1, func(m slackfake.Message) bool { return m.Text != "" }); err != nil {
		b.Fatal(err)
	}
}

func report(b *testing.B, ds []time.Duration) {
	slices.Sort(ds)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(ds[len(ds)/2]), "p50-ms")
	b.ReportMetric(ms(ds[len(ds)*95/100]), "p95-ms")
	b.ReportMetric(ms(ds[len(ds)-1]), "max-ms")
	b.ReportMetric(0, "ns/op")
}
