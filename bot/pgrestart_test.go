package bot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/internal/pgtest"
)

// TestPostgresRestartedDuringTraffic stops the database while reps file feedback and
// starts it again: submissions during the outage get the field error that keeps the
// modal open (nothing stored, nothing lost: the rep presses Submit again), commands still
// open modals, later submissions succeed (the first one after the restart too, on a
// pool still holding connections to the old server), jobs waiting for a retry when the
// database went away are worked after it, and the records are exactly the accepted
// submissions, each confirmed once.
func TestPostgresRestartedDuringTraffic(t *testing.T) {
	t.Parallel()
	srv, dir, conn := pgtest.OwnServer(t)
	h := newHarnessOn(t, feedbackOrg, conn)

	accepted := map[string]string{} // view id → user
	submit := func(phase string, n int, wantSaved bool) {
		t.Helper()
		var wg sync.WaitGroup
		var mu sync.Mutex
		for i := range n {
			wg.Go(func() {
				user, view := fmt.Sprintf("U0PG%s%02d", strings.ToUpper(phase), i), fmt.Sprintf("VPG-%s-%02d", phase, i)
				ack, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user},
					View: slack.View{ID: view, CallbackID: feedbackCallback, State: feedbackState("lost", "Acme "+phase)}})
				if err != nil {
					t.Errorf("%s: %v", view, err)
					return
				}
				errs := submissionErrors(t, ack)
				switch {
				case wantSaved && errs != nil:
					t.Errorf("%s: refused with %v, want it saved", view, errs)
				case !wantSaved && !strings.Contains(errs[feedbackSaveErrBlock], "nothing you typed was lost"):
					t.Errorf("%s during the outage answered %v, want the save error on the form", view, errs)
				case wantSaved:
					mu.Lock()
					accepted[view] = user
					mu.Unlock()
				}
			})
		}
		wg.Wait()
	}

	// Before: saved and confirmed.
	submit("before", 10, true)
	settle(t, h, "feedback_saved")
	// Saved, but Slack fails their confirmations (a 5xx, which chat.postMessage does not
	// retry at once), so the jobs wait for River's retry, a second away, when the
	// database goes away just after.
	const queued = 5
	h.fake.FailNext("chat.postMessage", queued, http.StatusInternalServerError, 0)
	submit("queued", queued, true)
	for {
		var waiting int
		if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM river_job WHERE kind = 'feedback_saved' AND attempt >= 1 AND state IN ('available', 'retryable', 'scheduled')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == queued {
			break
		}
		select {
		case <-h.ctx.Done():
			t.Fatalf("%d of %d confirmation jobs waiting for a retry", waiting, queued)
		case <-time.After(20 * time.Millisecond):
		}
	}

	// The pool holds idle connections to the server about to go away, as in production.
	pgtest.FillIdle(t, h.pool)

	stopCtx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
	defer cancel()
	if err := srv.Stop(stopCtx); err != nil {
		t.Fatal(err)
	}
	t.Log("PostgreSQL stopped")

	submit("outage", 10, false)
	// Commands need no database: the form still opens.
	if _, err := h.fake.SlashCommand(h.ctx, slack.SlashCommand{Command: feedbackCommand, Text: "won Acme", UserID: "U0PGCMD", ChannelID: "C0SALES", TriggerID: "pg-outage-cmd"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.fake.WaitView(h.ctx, "pg-outage-cmd"); err != nil {
		t.Errorf("no modal during the outage: %v", err)
	}

	pgtest.StartAgain(t, dir)
	t.Log("PostgreSQL started again")

	// The reps press Submit again on the forms that stayed open, and others file new ones.
	submit("outage", 10, true)
	submit("after", 10, true)
	settle(t, h, "feedback_saved")

	var records, distinct int
	if err := h.pool.QueryRow(h.ctx, `SELECT count(*), count(DISTINCT idempotency_key) FROM feedback`).Scan(&records, &distinct); err != nil {
		t.Fatal(err)
	}
	if records != len(accepted) || distinct != records {
		t.Errorf("%d records (%d distinct views) for %d accepted submissions", records, distinct, len(accepted))
	}
	for view, user := range accepted {
		if n := len(h.fake.Messages(user)); n != 1 {
			t.Errorf("%s: %d confirmations to %s, want 1", view, n, user)
		}
	}
	if n := h.fake.Unacked(); n != 0 {
		t.Errorf("%d envelopes unacked", n)
	}
	t.Logf("%d accepted submissions, %d records", len(accepted), records)
}
