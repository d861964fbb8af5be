package bot

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// slackAckLimit is how long Slack waits for an envelope's ack before it shows the user an
// error: Slack's contract, not a speed goal of ours.
const slackAckLimit = 3 * time.Second

// TestHangingDatabase puts PostgreSQL behind a proxy that, switched to blackhole mode,
// accepts connections and never answers. The feedback, dropped-ball and note modals
// submitted meanwhile are acked inside Slack's 3 s with the "nothing you typed was lost"
// error on the form (which keeps the modal open), even with the cached catalogue gone
// stale so that validation asks the database too; a button press tells the presser that
// nothing changed instead of waiting for ever; a slash command still opens its modal.
// Once the proxy heals, the same submissions are saved and the button works.
func TestHangingDatabase(t *testing.T) {
	t.Parallel()
	proxy, conn := pgtest.Proxied(t, pgtest.ConnString(t))
	h := newHarnessOn(t, escalationOrg, conn)
	// Closed first at cleanup: the harness then stops on a database that refuses, not
	// one that hangs.
	t.Cleanup(func() { _ = proxy.Close() })

	// Opened while the database answers: a feedback modal, a dropped-ball modal, the note
	// modal of Resolve on an acknowledged escalation, and an open escalation to press on.
	resolving := h.raiseViaSlack("VHANG-E1", "billing", "Invoice sent twice")
	h.press("U0FIN", "C0ESC", actAcknowledge, fmt.Sprint(resolving.ID))
	h.waitStored(resolving.ID, func(e feedback.Escalation) bool { return e.Status == feedback.StatusAcknowledged })
	noteView, noteModal := h.openedView(h.press("U0FIN", "C0ESC", actResolve, fmt.Sprint(resolving.ID)))
	pressing := h.raiseViaSlack("VHANG-E2", "billing", "Renewal quote never sent")
	_, ft := h.slash("/prospect-feedback", "U0REP", "lost Acme")
	feedbackView, _ := h.openedView(ft)
	_, et := h.slash("/dropped-ball", "U0REP", "billing Refund promised twice")
	escalationView, escalationModal := h.openedView(et)

	submissions := []struct {
		name, block string
		view        slack.View
	}{
		{"feedback", feedbackSaveErrBlock, slack.View{ID: feedbackView.ID, CallbackID: feedbackCallback,
			PrivateMetadata: `{"source":"slash_command"}`, State: feedbackState("lost", "Acme")}},
		{"dropped ball", escalationSaveErrBlock, slack.View{ID: escalationView.ID, CallbackID: escalationCallback,
			PrivateMetadata: escalationModal.PrivateMetadata, State: state(map[string]slack.BlockAction{
				feedback.FieldTeam:     {SelectedOption: slack.OptionBlockObject{Value: "billing"}},
				feedback.FieldAccount:  {Value: "Globex"},
				feedback.FieldSummary:  {Value: "Refund promised twice"},
				feedback.FieldSeverity: {SelectedOption: slack.OptionBlockObject{Value: "high"}},
			})}},
		{"note", feedback.FieldNote, slack.View{ID: noteView.ID, CallbackID: noteModal.CallbackID,
			PrivateMetadata: noteModal.PrivateMetadata, State: state(map[string]slack.BlockAction{
				feedback.FieldNote: {Value: "Credit note sent"},
			})}},
	}
	submit := func(user string, view slack.View) slackfake.Ack {
		t.Helper()
		ack, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user}, View: view})
		if err != nil {
			t.Fatal(err)
		}
		return ack
	}
	user := map[string]string{"feedback": "U0REP", "dropped ball": "U0REP", "note": "U0FIN"}

	// No job is in the middle of a transaction when the database starts hanging: one
	// would keep its row locks until River gives up on it a minute later, and the press
	// after healing would wait on them (see RELIABILITY.md, Limits).
	settle(t, h, "tag_feedback", "escalation_post", "escalation_notify")
	proxy.Blackhole(true)
	t.Log("PostgreSQL blackholed")
	// The catalogue read earlier is now stale, so validating feedback asks the database.
	h.clock.Set(h.clock.Now().Add(2 * time.Minute))

	for _, s := range submissions {
		ack := submit(user[s.name], s.view)
		errs := submissionErrors(t, ack)
		if !strings.Contains(errs[s.block], "nothing you typed was lost") {
			t.Errorf("%s modal on a hanging database answered %v, want the save error on %s", s.name, errs, s.block)
		}
		if ack.Latency >= slackAckLimit {
			t.Errorf("%s modal acked after %s; Slack gives up after %s", s.name, ack.Latency.Round(time.Millisecond), slackAckLimit)
		}
		t.Logf("%s modal: error acked after %s", s.name, ack.Latency.Round(time.Millisecond))
	}

	// A button press: the presser hears that nothing changed.
	h.press("U0FIN", "C0ESC", actAcknowledge, fmt.Sprint(pressing.ID))
	told, cancel := context.WithTimeout(h.ctx, 10*time.Second)
	defer cancel()
	if _, err := h.fake.WaitMessages(told, "C0ESC", 1, func(m slackfake.Message) bool {
		return m.Ephemeral && m.User == "U0FIN" && strings.Contains(m.Text, "Nothing changed")
	}); err != nil {
		t.Errorf("a button pressed on a hanging database told the presser nothing: %v; channel has %+v", err, h.fake.Messages("C0ESC"))
	}

	// A slash command still opens its modal inside the trigger's 3 s.
	_, trigger := h.slash("/prospect-feedback", "U0REP", "won Initech")
	h.openedView(trigger)

	proxy.Blackhole(false)
	st := h.pool.Stat()
	t.Logf("PostgreSQL healed; the pool has %d connections, %d of them still being made", st.TotalConns(), st.ConstructingConns())
	for _, s := range submissions {
		if errs := submissionErrors(t, submit(user[s.name], s.view)); errs != nil {
			t.Errorf("%s modal after the database came back: %v, want it saved", s.name, errs)
		}
	}
	var records int
	if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM feedback WHERE idempotency_key = $1`, feedbackView.ID).Scan(&records); err != nil || records != 1 {
		t.Errorf("%d feedback records for the view (%v), want 1", records, err)
	}
	if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM escalations WHERE idempotency_key = $1`, escalationView.ID).Scan(&records); err != nil || records != 1 {
		t.Errorf("%d escalations for the view (%v), want 1", records, err)
	}
	h.waitStored(resolving.ID, func(e feedback.Escalation) bool { return e.Status == feedback.StatusResolved })
	h.press("U0FIN", "C0ESC", actAcknowledge, fmt.Sprint(pressing.ID))
	h.waitStored(pressing.ID, func(e feedback.Escalation) bool { return e.Status == feedback.StatusAcknowledged })
}
