package bot

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestSocketDroppedUnderLoad drops every Socket Mode connection every 500 ms (once it has
// acked something) while users file feedback in bursts: Slack redelivers what was not acked,
// and still every envelope is acked in the end, every command is handled once (one
// views.open call per trigger: the fake refuses a second one, so counting the modals
// opened could not see a command handled twice), every submission is stored exactly once,
// and every rep hears back once per item. In each burst the ack of one command is lost
// with their connection, so that Slack sends commands the bot has handled again.
func TestSocketDroppedUnderLoad(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	const users, minDrops = 25, 10
	const every = 500 * time.Millisecond

	// A first burst without drops warms the caches and the pool: a cold save on a slow
	// machine can outlast three short-lived connections, which says nothing of the bot.
	loadRound(t, h, users, 0)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var drops atomic.Int64
	wg.Go(func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		acked := 0
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				// A connection lives until it acked something: on a slow machine (the race
				// detector, a loaded CI runner) the drops come slower, never so fast that no
				// ack can get through at all.
				if n := len(h.fake.AckLatencies()); n > acked {
					acked = n
					h.fake.DropSockets()
					drops.Add(1)
				}
			}
		}
	})
	// Bursts go on until the socket was dropped often enough during them.
	const lostPerRound = 1
	rounds := 1
	for ; rounds < 4 || drops.Load() < minDrops; rounds++ {
		if h.ctx.Err() != nil {
			t.Fatalf("only %d drops in %d rounds", drops.Load(), rounds)
		}
		h.fake.LoseAcks("slash_commands", lostPerRound)
		loadRound(t, h, users, rounds)
	}
	close(stop)
	wg.Wait()

	if n := h.fake.Unacked(); n != 0 {
		t.Errorf("%d envelopes never acked", n)
	}
	// Each command whose ack was lost came again and was recognised (a copy can itself
	// be lost to a drop and come a third time, so at least).
	if lost, got := lostPerRound*(rounds-1), counted(h.bot.m.redelivered); got < float64(lost) {
		t.Errorf("%v redelivered commands recognised, want at least the %d whose acks were lost", got, lost)
	}
	// Every views.open call, refused ones too: a command handled twice calls it twice.
	handled := map[string]int{}
	for _, c := range h.fake.Calls("views.open") {
		handled[c.Param("trigger_id")]++
	}
	for r := range rounds {
		for u := range users {
			if n := handled[fmt.Sprintf("load-%d-%d", r, u)]; n != 1 {
				t.Errorf("round %d user %d: the command was handled %d times, want once", r, u, n)
			}
		}
	}
	var records, distinct int
	if err := h.pool.QueryRow(h.ctx, `SELECT count(*), count(DISTINCT idempotency_key) FROM feedback`).Scan(&records, &distinct); err != nil {
		t.Fatal(err)
	}
	if records != users*rounds || distinct != records {
		t.Errorf("%d records (%d distinct views) for %d submissions", records, distinct, users*rounds)
	}
	settle(t, h, "feedback_saved")
	for u := range users {
		if n := len(h.fake.Messages(fmt.Sprintf("U0LOAD%03d", u))); n != rounds {
			t.Errorf("user %d got %d confirmations for %d items", u, n, rounds)
		}
	}
	t.Logf("%d rounds of %d users, %d drops, %d connections, %d acks, %d duplicate acks, %v redelivered commands not handled again",
		rounds, users, drops.Load(), h.fake.Connections(), len(h.fake.AckLatencies()), h.fake.DuplicateAcks(), counted(h.bot.m.redelivered))
}
