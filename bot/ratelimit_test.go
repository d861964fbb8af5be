package bot

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// retryAfter is the Retry-After the fake sends with its 429s.
const retryAfter = time.Second

// slackFailure is one answer the fake gives once: 429 with Retry-After, or a 5xx.
type slackFailure struct {
	name       string
	status     int
	retryAfter time.Duration
}

var slackFailures = []slackFailure{
	{"429", http.StatusTooManyRequests, retryAfter},
	{"500", http.StatusInternalServerError, 0},
	{"503", http.StatusServiceUnavailable, 0},
}

// failOnce makes the next call of method fail as f and returns how many calls of that
// method came before it, the index of the failed call.
func failOnce(h *harness, method string, f slackFailure) int {
	from := len(h.fake.Calls(method))
	h.fake.FailNext(method, 1, f.status, f.retryAfter)
	return from
}

// checkRetried checks the calls of method from index from: the refused call was sent
// again, unchanged, and no earlier than its Retry-After said (read off the times the
// fake recorded, not off a clock in the test).
func checkRetried(t *testing.T, h *harness, method string, from int, f slackFailure) {
	t.Helper()
	gap, err := h.fake.WaitRetry(h.ctx, method, from, f.retryAfter)
	if err != nil {
		t.Fatalf("after a %s: %v", f.name, err)
	}
	t.Logf("%s: %s retried after %s", method, f.name, gap.Round(time.Millisecond))
}

// settle waits until the River jobs of the given kinds have all finished, so a duplicate
// that a retry might cause has had its chance to show.
func settle(t *testing.T, h *harness, kinds ...string) {
	t.Helper()
	for {
		var pending int
		if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM river_job WHERE kind = ANY($1) AND state NOT IN ('completed', 'cancelled', 'discarded')`, kinds).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		select {
		case <-h.ctx.Done():
			t.Fatalf("%d jobs of %v still pending", pending, kinds)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestSlackFailuresRetried makes each Web API method vosbot calls answer once with a 429
// (Retry-After: 1) and once with a 5xx, drives the flow that calls it, and checks the
// call was retried unchanged, no earlier than Retry-After, and nothing was posted twice.
// (conversations.history is used by digests only: digest.TestPostRetriesSlackFailures.)
func TestSlackFailuresRetried(t *testing.T) {
	t.Parallel()
	flows := []struct {
		method string
		org    *feedback.Org
		run    func(t *testing.T, h *harness, round int, f slackFailure)
	}{
		{"views.open", feedbackOrg, func(t *testing.T, h *harness, round int, f slackFailure) {
			user, trigger := fmt.Sprintf("U0R%d", round), fmt.Sprintf("rl-open-%d", round)
			from := failOnce(h, "views.open", f)
			if _, err := h.fake.SlashCommand(h.ctx, slack.SlashCommand{Command: feedbackCommand, Text: "lost Acme", UserID: user, ChannelID: "C0SALES", TriggerID: trigger}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.fake.WaitView(h.ctx, trigger); err != nil {
				t.Fatal(err)
			}
			checkRetried(t, h, "views.open", from, f)
			opened := 0
			for _, v := range h.fake.Views() {
				if v.TriggerID == trigger {
					opened++
				}
			}
			if opened != 1 || len(h.fake.Messages(user))+len(h.fake.Messages("C0SALES")) != 0 {
				t.Errorf("%d modals opened and %d apologies sent, want 1 modal and none", opened, len(h.fake.Messages(user))+len(h.fake.Messages("C0SALES")))
			}
		}},
		{"views.publish", feedbackOrg, func(t *testing.T, h *harness, round int, f slackFailure) {
			user := fmt.Sprintf("U0R%d", round)
			from := failOnce(h, "views.publish", f)
			if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": user, "tab": "home"}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.fake.WaitHome(h.ctx, user, func(json.RawMessage) bool { return true }); err != nil {
				t.Fatal(err)
			}
			checkRetried(t, h, "views.publish", from, f)
		}},
		{"chat.postMessage", feedbackOrg, func(t *testing.T, h *harness, round int, f slackFailure) {
			user := fmt.Sprintf("U0R%d", round)
			from := failOnce(h, "chat.postMessage", f)
			if resp := h.submit(user, slack.View{ID: fmt.Sprintf("VRL%d", round), CallbackID: feedbackCallback, State: feedbackState("won", "Acme")}); resp != nil {
				t.Fatalf("submission answered %+v", resp)
			}
			h.dms(user, 1, nil)
			checkRetried(t, h, "chat.postMessage", from, f)
			settle(t, h, "feedback_saved")
			if n := len(h.fake.Messages(user)); n != 1 {
				t.Errorf("%d confirmations, want 1", n)
			}
		}},
		{"chat.update", escalationOrg, func(t *testing.T, h *harness, round int, f slackFailure) {
			e := h.raiseViaSlack(fmt.Sprintf("VRLU%d", round), "billing", "Invoice sent twice")
			post := h.channelPost(func(m slackfake.Message) bool {
				return strings.HasPrefix(m.Text, fmt.Sprintf("Dropped ball #%d ", e.ID))
			})
			h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.MessageTS == post.TS })
			settle(t, h, "escalation_post", "escalation_notify")
			from := failOnce(h, "chat.update", f)
			h.press("U0FIN", "C0ESC", actAcknowledge, fmt.Sprint(e.ID))
			h.channelPost(func(m slackfake.Message) bool { return m.TS == post.TS && strings.Contains(m.Text, "Acknowledged") })
			checkRetried(t, h, "chat.update", from, f)
			settle(t, h, "escalation_post", "escalation_notify")
			if posts := h.channelPosts(e.ID); len(posts) != 1 || posts[0].Updates != 1 {
				t.Errorf("channel posts %+v, want 1 post updated once", posts)
			}
		}},
		{"chat.postEphemeral", escalationOrg, func(t *testing.T, h *harness, round int, f slackFailure) {
			e := h.raiseViaSlack(fmt.Sprintf("VRLE%d", round), "billing", "Quote never sent")
			outsider := fmt.Sprintf("U0OUT%d", round)
			from := failOnce(h, "chat.postEphemeral", f)
			h.press(outsider, "C0ESC", actAcknowledge, fmt.Sprint(e.ID))
			if _, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool { return m.Ephemeral && m.User == outsider }); err != nil {
				t.Fatal(err)
			}
			checkRetried(t, h, "chat.postEphemeral", from, f)
			refusals := 0
			for _, m := range h.fake.Messages("C0ESC") {
				if m.Ephemeral && m.User == outsider {
					refusals++
				}
			}
			if refusals != 1 || len(h.fake.Messages(outsider)) != 0 {
				t.Errorf("%d ephemeral refusals and %d DMs, want 1 and none", refusals, len(h.fake.Messages(outsider)))
			}
		}},
		{"apps.connections.open", feedbackOrg, func(t *testing.T, h *harness, round int, f slackFailure) {
			before := h.fake.Connections()
			from := failOnce(h, "apps.connections.open", f)
			h.fake.DropSockets()
			if _, err := h.fake.WaitCalls(h.ctx, "apps.connections.open", from+2); err != nil {
				t.Fatal(err)
			}
			checkRetried(t, h, "apps.connections.open", from, f)
			for h.fake.Connections() <= before {
				select {
				case <-h.ctx.Done():
					t.Fatal("no reconnection")
				case <-time.After(20 * time.Millisecond):
				}
			}
			trigger := fmt.Sprintf("rl-after-%d", round)
			if _, err := h.fake.SlashCommand(h.ctx, slack.SlashCommand{Command: feedbackCommand, UserID: "U0REP", ChannelID: "C0SALES", TriggerID: trigger}); err != nil {
				t.Fatal(err)
			}
			if _, err := h.fake.WaitView(h.ctx, trigger); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, fl := range flows {
		t.Run(fl.method, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, fl.org)
			for round, f := range slackFailures {
				fl.run(t, h, round, f)
			}
			if n := h.fake.Unacked(); n != 0 {
				t.Errorf("%d envelopes unacked", n)
			}
		})
	}
}

// TestRateLimitOutlastsClientRetries: Slack answers 429 to the confirmation DM more times
// than the client retries. The job then waits out Retry-After before it tries again
// (River's own backoff would come back sooner), and the rep gets one confirmation.
func TestRateLimitOutlastsClientRetries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	const refusals = 5 // the first try and the client's 4 retries
	f := slackFailures[0]
	// The last refusal asks for longer than River's first backoff (about a second).
	last := slackFailure{"429", http.StatusTooManyRequests, 3 * time.Second}
	from := len(h.fake.Calls("chat.postMessage"))
	h.fake.FailNext("chat.postMessage", refusals-1, f.status, f.retryAfter)
	h.fake.FailNext("chat.postMessage", 1, last.status, last.retryAfter)
	if resp := h.submit("U0RL", slack.View{ID: "VRLX", CallbackID: feedbackCallback, State: feedbackState("won", "Acme")}); resp != nil {
		t.Fatalf("submission answered %+v", resp)
	}
	h.dms("U0RL", 1, nil)
	for i := range refusals - 1 {
		checkRetried(t, h, "chat.postMessage", from+i, f)
	}
	checkRetried(t, h, "chat.postMessage", from+refusals-1, last)
	settle(t, h, "feedback_saved")
	if n := len(h.fake.Messages("U0RL")); n != 1 {
		t.Errorf("%d confirmations, want 1", n)
	}
}

// TestEscalationPostAnsweredFailureAfterPosting: Slack posts a new escalation in its
// channel but answers 500 (its answer lost). The post job's retry finds the message in
// the channel by its metadata instead of posting it again: one channel post, recorded.
func TestEscalationPostAnsweredFailureAfterPosting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	h.fake.FailAfterNextIn("chat.postMessage", "C0ESC", 1, http.StatusInternalServerError)
	e := h.raiseViaSlack("VLOST", "billing", "Invoice sent twice")
	post := h.channelPost(func(m slackfake.Message) bool {
		return strings.HasPrefix(m.Text, fmt.Sprintf("Dropped ball #%d ", e.ID))
	})
	h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.MessageTS != "" })
	settle(t, h, "escalation_post", "escalation_notify")
	if posts := h.channelPosts(0); len(posts) != 1 {
		t.Errorf("%d channel posts for one escalation, want 1", len(posts))
	}
	if got, _ := h.store.Escalation(h.ctx, e.ID); got.MessageTS != post.TS {
		t.Errorf("recorded message %q, the channel holds %q", got.MessageTS, post.TS)
	}
}
