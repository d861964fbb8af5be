package crm_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/crm"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/internal/database"
	"github.com/vosbot/vosbot/internal/pgtest"
)

// BenchmarkHookIntake measures signed requests per second to 2xx on POST /hooks/deals:
// the real handler on a loopback HTTP server, a real PostgreSQL with the production pool
// size, one new deal per request (each a transaction: the delivery, the deal, its audit
// event and its nudge job), sent by 16 concurrent clients. The rate limit is off: it
// would measure itself. Run with -benchtime 10000x for 10,000 deals; -cpu 2 for 2 cores.
func BenchmarkHookIntake(b *testing.B) {
	cfg, err := pgxpool.ParseConfig(pgtest.ConnString(b))
	if err != nil {
		b.Fatal(err)
	}
	cfg.MaxConns = database.DefaultMaxConns
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	store, err := feedback.NewStore(pool, feedback.StoreOptions{})
	if err != nil {
		b.Fatal(err)
	}
	org := feedbacktest.Org()
	org.Deals = feedback.DealPolicy{NudgeAfter: time.Hour, NudgeWithin: 336 * time.Hour}
	srv := httptest.NewServer(crm.NewHandler(crm.Options{Store: store, Org: org, Secret: secret, Rate: -1}))
	defer srv.Close()

	// Bodies and signatures are made before the clock starts: a CRM signs on its side.
	type req struct {
		body     []byte
		ts, sign string
	}
	now := time.Now()
	reqs := make([]req, b.N)
	for i := range reqs {
		body := fmt.Appendf(nil, `{"crm":"salesforce","deal_id":"006BENCH%07d","account":"Account %d","outcome":"%s","amount":%d,"currency":"USD","closed_at":"%s","owner_email":"rep%d@acme.com","crm_url":"https://acme.my.salesforce.com/006BENCH%07d"}`,
			i, i%5000, []string{"won", "lost", "no_decision"}[i%3], 1000+i%97*1000, now.Add(-time.Duration(i%600)*time.Minute).UTC().Format(time.RFC3339), i%200, i)
		ts := strconv.FormatInt(now.Unix(), 10)
		reqs[i] = req{body, ts, sign(ts, body)}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var next, bad atomic.Int64
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				r, _ := http.NewRequest(http.MethodPost, srv.URL+"/hooks/deals", bytes.NewReader(reqs[i].body))
				r.Header.Set(crm.HeaderTimestamp, reqs[i].ts)
				r.Header.Set(crm.HeaderSignature, reqs[i].sign)
				t0 := time.Now()
				resp, err := client.Do(r)
				if err != nil {
					bad.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat[i] = time.Since(t0)
				if resp.StatusCode != http.StatusAccepted {
					bad.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	if bad.Load() > 0 {
		b.Fatalf("%d requests not accepted", bad.Load())
	}
	var deals int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM deals`).Scan(&deals); err != nil || deals != b.N {
		b.Fatalf("%d deals stored for %d requests (%v)", deals, b.N, err)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[b.N*99/100].Microseconds())/1000, "p99-ms")
}
