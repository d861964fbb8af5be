package bot

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/slackfake"
)

func TestSeenEnvelopes(t *testing.T) {
	t.Parallel()
	s := newSeenEnvelopes(time.Minute)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if !s.first("e1", t0) {
		t.Fatal("first sighting of e1 reported as seen")
	}
	if s.first("e1", t0.Add(time.Second)) {
		t.Fatal("redelivered e1 reported as new")
	}
	if !s.first("", t0) || !s.first("", t0) {
		t.Fatal("an envelope without id must always be handled")
	}
	// After the ttl the id is forgotten, so memory stays bounded.
	if !s.first("e1", t0.Add(2*time.Minute)) {
		t.Fatal("e1 remembered past its ttl")
	}
	if n := len(s.ids); n != 1 {
		t.Fatalf("ids kept = %d, want 1", n)
	}
}

// TestRedeliveredAcrossReplicas runs two vosbot replicas on one database, connected to
// one Slack app. Slack sends a slash command and a button press again after their acks
// were lost, with the same envelope ids, down the other replica's connection (as after a
// dropped socket, or a replica restarted). Each is handled once: one views.open for the
// command (a second one would be refused by Slack as a used trigger, and the rep told
// the form did not open), one acknowledgement and no "already acknowledged" note for the
// press; the replica that got the copy counts it as redelivered.
func TestRedeliveredAcrossReplicas(t *testing.T) {
	t.Parallel()
	a := newHarness(t, escalationOrg)
	b := a.replica()
	redelivered := func() float64 {
		return counted(a.bot.m.redelivered) + counted(b.bot.m.redelivered)
	}
	opens := func(trigger string) int {
		n := 0
		for _, c := range a.fake.Calls("views.open") {
			if c.Param("trigger_id") == trigger {
				n++
			}
		}
		return n
	}
	// until waits for cond, which a redelivery handled twice makes true as surely as one
	// handled once.
	until := func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			select {
			case <-a.ctx.Done():
				t.Fatalf("never: %s", what)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	redeliver := func(first slackfake.Ack) {
		t.Helper()
		again, err := a.fake.Redeliver(a.ctx, first)
		if err != nil {
			t.Fatal(err)
		}
		if again.Connection == first.Connection {
			t.Fatalf("redelivered down the same connection %d", again.Connection)
		}
	}

	first, trigger := a.slash("/prospect-feedback", "U0REP", "lost Acme")
	a.openedView(trigger)
	redeliver(first)
	until("the copy of the command recognised or handled", func() bool { return redelivered() >= 1 || opens(trigger) >= 2 })
	if n := opens(trigger); n != 1 {
		t.Errorf("the command was handled %d times (views.open calls), want once", n)
	}

	e := a.raiseViaSlack("VREPLICA1", "billing", "Invoice sent twice")
	press, err := a.fake.Interaction(a.ctx, slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U0FIN"}, TriggerID: "replica-press",
		Channel:        slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0ESC"}}},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actAcknowledge, BlockID: "b", Value: fmt.Sprint(e.ID)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a.waitStored(e.ID, func(got feedback.Escalation) bool { return got.Status == feedback.StatusAcknowledged })
	redeliver(press)
	// A second handling would end in the "already acknowledged" note.
	until("the copy of the press recognised or handled", func() bool {
		return redelivered() >= 2 || len(a.fake.Messages("C0ESC")) > len(a.channelPosts(0))
	})
	for _, m := range a.fake.Messages("C0ESC") {
		if m.Ephemeral {
			t.Errorf("the press was handled twice: %q", m.Text)
		}
	}
	var acks int
	if err := a.pool.QueryRow(a.ctx, `SELECT count(*) FROM escalation_events WHERE action = 'acknowledged'`).Scan(&acks); err != nil || acks != 1 {
		t.Errorf("%d acknowledgements (%v), want 1", acks, err)
	}
	if n := redelivered(); n != 2 {
		t.Errorf("%v envelopes counted as redelivered, want 2", n)
	}
}

// counted reads a counter.
func counted(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}
