package feedback_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/pgtest"
)

// TestClaimEnvelopeOnceAcrossStores: many claims of the same envelope ids at once,
// through two stores with their own pools on one database (two replicas), give each id
// to exactly one claimant; the clean-up job forgets ids after EnvelopeTTL, and only those.
func TestClaimEnvelopeOnceAcrossStores(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn := pgtest.ConnString(t)
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	stores := make([]*feedback.Store, 2)
	for i := range stores {
		pool, err := pgxpool.New(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		if stores[i], err = feedback.NewStore(pool, feedback.StoreOptions{Now: func() time.Time { return *clock.Load() }}); err != nil {
			t.Fatal(err)
		}
	}
	const ids, claimants = 20, 8
	var won [ids]atomic.Int32
	var wg sync.WaitGroup
	for c := range claimants {
		wg.Go(func() {
			for i := range ids {
				first, err := stores[c%2].ClaimEnvelope(ctx, fmt.Sprintf("env-%d", i))
				if err != nil {
					t.Error(err)
					return
				}
				if first {
					won[i].Add(1)
				}
			}
		})
	}
	wg.Wait()
	for i := range ids {
		if n := won[i].Load(); n != 1 {
			t.Errorf("env-%d claimed first %d times, want once", i, n)
		}
	}

	// Half an hour later one more is claimed; the clean-up at +1h05 forgets the first 20.
	later := now.Add(30 * time.Minute)
	clock.Store(&later)
	if first, err := stores[0].ClaimEnvelope(ctx, "env-late"); err != nil || !first {
		t.Fatalf("env-late: %v %v", first, err)
	}
	cleanup := now.Add(feedback.EnvelopeTTL + 5*time.Minute)
	clock.Store(&cleanup)
	w := &feedback.EnvelopesWorker{Store: stores[1]}
	if err := w.Work(ctx, &river.Job[feedback.EnvelopesArgs]{}); err != nil {
		t.Fatal(err)
	}
	var left []string
	if err := stores[0].Pool().QueryRow(ctx, `SELECT array_agg(envelope_id) FROM slack_envelopes`).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != "env-late" {
		t.Errorf("after the clean-up the table holds %v, want [env-late]", left)
	}
	// A forgotten id could be claimed again; Slack has stopped retrying it long before.
	if first, err := stores[1].ClaimEnvelope(ctx, "env-0"); err != nil || !first {
		t.Errorf("env-0 after its TTL: %v %v", first, err)
	}
}

// BenchmarkClaimEnvelope is the database round trip each command, button press and
// event now makes before it is handled (after its ack): one claim of a new id.
func BenchmarkClaimEnvelope(b *testing.B) {
	ctx := context.Background()
	s, _, _ := newStore(b)
	i := 0
	for b.Loop() {
		i++
		if first, err := s.ClaimEnvelope(ctx, fmt.Sprintf("env-%d", i)); err != nil || !first {
			b.Fatal(first, err)
		}
	}
}
