package bot

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// escalationOrg is the shared sample organisation (feedbacktest.Org); handlers only read it.
var escalationOrg = feedbacktest.Org()

// raiseViaSlack runs /dropped-ball and submits the modal; it returns the escalation.
func (h *harness) raiseViaSlack(viewID, team, summary string) feedback.Escalation {
	h.t.Helper()
	_, trigger := h.slash("/dropped-ball", "U0REP", team+" "+summary)
	_, m := h.openedView(trigger)
	// Slack's markup in the text is pre-filled readable (TestSlackEntitiesDecodedAtTheEdge).
	if initial(m, feedback.FieldTeam) != team || initial(m, feedback.FieldSummary) != fromSlack(slackfake.SlackText(summary)) {
		h.t.Errorf("modal pre-filled with team %q summary %q", initial(m, feedback.FieldTeam), initial(m, feedback.FieldSummary))
	}
	resp := h.submit("U0REP", slack.View{ID: viewID, CallbackID: escalationCallback, PrivateMetadata: m.PrivateMetadata, State: state(map[string]slack.BlockAction{
		feedback.FieldTeam:          {SelectedOption: slack.OptionBlockObject{Value: team}},
		feedback.FieldAccount:       {Value: "Acme"},
		feedback.FieldSummary:       {Value: summary},
		feedback.FieldRevenueAtRisk: {Value: "120k"},
		feedback.FieldSeverity:      {SelectedOption: slack.OptionBlockObject{Value: "high"}},
		feedback.FieldNeeded:        {Value: "A credit note by Friday"},
	})})
	if resp != nil {
		h.t.Fatalf("submission answered %+v", resp)
	}
	var id int64
	if err := h.pool.QueryRow(h.ctx, `SELECT id FROM escalations WHERE idempotency_key = $1`, viewID).Scan(&id); err != nil {
		h.t.Fatal(err)
	}
	e, err := h.store.Escalation(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	return e
}

// waitStored waits until the stored escalation satisfies cond.
func (h *harness) waitStored(id int64, cond func(feedback.Escalation) bool) feedback.Escalation {
	h.t.Helper()
	for {
		e, err := h.store.Escalation(h.ctx, id)
		if err == nil && cond(e) {
			return e
		}
		select {
		case <-h.ctx.Done():
			h.t.Fatalf("escalation %d never reached the expected state: %+v %v", id, e, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// channelPosts are the escalation channel's own messages (not thread replies or
// ephemeral notes), of one escalation (0: all).
func (h *harness) channelPosts(id int64) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range h.fake.Messages("C0ESC") {
		if !m.Ephemeral && m.ThreadTS == "" && (id == 0 || strings.HasPrefix(m.Text, fmt.Sprintf("Dropped ball #%d ", id))) {
			out = append(out, m)
		}
	}
	return out
}

// channelPost waits until the escalation's channel message matches cond.
func (h *harness) channelPost(cond func(slackfake.Message) bool) slackfake.Message {
	h.t.Helper()
	msgs, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool { return m.ThreadTS == "" && cond(m) })
	if err != nil {
		h.t.Fatalf("%v; channel has %+v", err, h.fake.Messages("C0ESC"))
	}
	return msgs[0]
}

func (h *harness) submitNote(user string, trigger, note string) *slack.ViewSubmissionResponse {
	h.t.Helper()
	v, m := h.openedView(trigger)
	return h.submit(user, slack.View{ID: v.ID, CallbackID: m.CallbackID, PrivateMetadata: m.PrivateMetadata, State: state(map[string]slack.BlockAction{
		feedback.FieldNote: {Value: note},
	})})
}

func TestEscalationLifecycle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "billing", "Invoice sent twice <!here>")
	id := fmt.Sprint(e.ID)
	if !e.AckDueAt.Equal(h.clock.Now().Add(4 * time.Hour)) {
		t.Errorf("ack due %s, want the billing team's 4h", e.AckDueAt)
	}

	// Posted to the escalations channel with its buttons, owners told, reporter confirmed.
	post := h.channelPost(containing(actAcknowledge))
	for _, want := range []string{"Dropped ball #1 · Finance & Billing", "&lt;!here&gt;", "USD 120,000", "<@U0REP>"} {
		if !strings.Contains(readable(post.Blocks)+post.Text, want) {
			t.Errorf("channel post lacks %q: %s", want, readable(post.Blocks))
		}
	}
	h.dms("U0FIN", 1, containing("which you own"))
	h.dms("U0REP", 1, containing("Thanks. Your dropped ball"))

	// A non-owner is refused, told who can act, and nothing changes.
	h.press("U0SALES", "C0ESC", actAcknowledge, id)
	refusal, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool { return m.Ephemeral && m.User == "U0SALES" })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(refusal[0].Text, "<@U0FIN>") || !strings.Contains(refusal[0].Text, "Nothing was changed") {
		t.Errorf("refusal = %q", refusal[0].Text)
	}
	if got, _ := h.store.Escalation(h.ctx, e.ID); got.Status != feedback.StatusOpen {
		t.Fatalf("a non-owner moved it to %s", got.Status)
	}

	// Acknowledge: the presser owns it, the message updates in place, the reporter hears.
	h.press("U0FIN", "C0ESC", actAcknowledge, id)
	h.channelPost(func(m slackfake.Message) bool {
		return m.Updates >= 1 && strings.Contains(readable(m.Blocks), "Acknowledged")
	})
	h.dms("U0REP", 1, containing("acknowledged your dropped ball"))

	// Resolve opens a modal; the note is required and reaches the reporter.
	trigger := h.press("U0FIN", "C0ESC", actResolve, id)
	if resp := h.submitNote("U0FIN", trigger, "   "); resp == nil || resp.Errors[feedback.FieldNote] == "" {
		t.Errorf("empty note answered %+v", resp)
	}
	trigger = h.press("U0FIN", "C0ESC", actResolve, id)
	if resp := h.submitNote("U0FIN", trigger, "Credit note sent, call booked <@U0CEO>"); resp != nil {
		t.Fatalf("resolve answered %+v", resp)
	}
	dm := h.dms("U0REP", 1, containing("resolved your dropped ball"))
	if !strings.Contains(readable(dm[0].Blocks), "Credit note sent, call booked &lt;@U0CEO&gt;") {
		t.Errorf("the note did not reach the reporter escaped: %s", readable(dm[0].Blocks))
	}
	final := h.channelPost(func(m slackfake.Message) bool { return strings.Contains(readable(m.Blocks), "Resolved") })
	if strings.Contains(readable(final.Blocks), actResolve) {
		t.Error("a resolved escalation still shows its buttons")
	}
	if n := len(h.fake.Messages("C0ESC")); n < 1 {
		t.Error("no channel message")
	}

	// Resolving twice is refused with who closed it.
	h.press("U0FIN", "C0ESC", actResolve, id)
	if _, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool {
		return m.Ephemeral && m.User == "U0FIN" && strings.Contains(m.Text, "already closed")
	}); err != nil {
		t.Fatal(err)
	}

	evs, _ := h.store.Events(h.ctx, e.ID)
	var trail []string
	for _, ev := range evs {
		trail = append(trail, ev.Action+":"+ev.ActorID)
	}
	if strings.Join(trail, ",") != "raised:U0REP,acknowledged:U0FIN,resolved:U0FIN" {
		t.Errorf("audit trail = %v", trail)
	}
	// One channel message for the whole lifecycle, updated in place.
	if posts := h.channelPosts(0); len(posts) != 1 {
		t.Errorf("%d channel posts, want 1 updated in place", len(posts))
	}
	// Every Web API method called needs a scope the manifest declares.
	for _, c := range h.fake.Calls("") {
		scope, known := MethodScopes[c.Method]
		if !known {
			t.Errorf("vosbot called %s, which MethodScopes does not list", c.Method)
		} else if scope != "" && !slices.Contains(Surface.Scopes, scope) {
			t.Errorf("%s needs scope %s, which Surface.Scopes lacks", c.Method, scope)
		}
	}
}

func TestConcurrentAcknowledgeThroughSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "product", "Roadmap promise slipped again")
	var wg sync.WaitGroup
	for _, owner := range []string{"U0PM1", "U0PM2"} {
		wg.Go(func() { h.press(owner, "C0ESC", actAcknowledge, fmt.Sprint(e.ID)) })
	}
	wg.Wait()
	// The presses are acked first and acted on right after.
	got := h.waitStored(e.ID, func(e feedback.Escalation) bool { return e.Status == feedback.StatusAcknowledged })
	loser := "U0PM1"
	if got.OwnerID == "U0PM1" {
		loser = "U0PM2"
	}
	if _, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool {
		return m.Ephemeral && m.User == loser && strings.Contains(m.Text, "already acknowledged by <@"+got.OwnerID+">")
	}); err != nil {
		t.Fatalf("the second owner was not told: %v", err)
	}
	var n int
	_ = h.pool.QueryRow(h.ctx, `SELECT count(*) FROM escalation_events WHERE action = 'acknowledged'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d acknowledged events, want exactly 1", n)
	}
}

func TestWontFixAndReassign(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "product", "Billing charged the wrong card")
	id := fmt.Sprint(e.ID)
	h.channelPost(containing(actAcknowledge))

	h.clock.Set(h.clock.Now().Add(30 * time.Hour))
	trigger := h.press("U0PM1", "C0ESC", actReassign, id)
	v, m := h.openedView(trigger)
	if strings.Contains(readable(v.Body), `"value":"product"`) {
		t.Error("the reassign modal offers the current team")
	}
	resp := h.submit("U0PM1", slack.View{ID: v.ID, CallbackID: m.CallbackID, PrivateMetadata: m.PrivateMetadata, State: state(map[string]slack.BlockAction{
		feedback.FieldTeam: {SelectedOption: slack.OptionBlockObject{Value: "billing"}},
		feedback.FieldNote: {Value: "Cards are billing's"},
	})})
	if resp != nil {
		t.Fatalf("reassign answered %+v", resp)
	}
	moved, _ := h.store.Escalation(h.ctx, e.ID)
	if moved.Team != "billing" || moved.Status != feedback.StatusOpen || !moved.AckDueAt.Equal(h.clock.Now().Add(4*time.Hour)) {
		t.Errorf("after reassign: team %s status %s ack due %s", moved.Team, moved.Status, moved.AckDueAt)
	}
	h.dms("U0FIN", 1, containing("reassigned"))
	h.dms("U0REP", 1, containing("was reassigned"))
	h.channelPost(func(m slackfake.Message) bool { return strings.Contains(readable(m.Blocks), "Finance & Billing") })

	// The old team may no longer act.
	h.press("U0PM1", "C0ESC", actWontFix, id)
	if _, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool { return m.Ephemeral && m.User == "U0PM1" }); err != nil {
		t.Fatal(err)
	}

	trigger = h.press("U0FIN", "C0ESC", actWontFix, id)
	if resp := h.submitNote("U0FIN", trigger, "Contract says so"); resp != nil {
		t.Fatalf("won't fix answered %+v", resp)
	}
	dm := h.dms("U0REP", 1, containing("won't fix"))
	if !strings.Contains(readable(dm[0].Blocks), "Contract says so") {
		t.Errorf("won't-fix note missing: %s", readable(dm[0].Blocks))
	}
	closed, _ := h.store.Escalation(h.ctx, e.ID)
	if closed.Status != feedback.StatusWontFix || closed.ResolvedAt == nil || closed.Resolution != "Contract says so" {
		t.Errorf("closed = %+v", closed)
	}
}

func TestRemindersWithControlledClock(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	start := h.clock.Now()
	e := h.raiseViaSlack("VESC1", "billing", "No one answers the renewal quote")
	post := h.channelPost(containing(actAcknowledge))
	h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.MessageTS == post.TS })
	// The sweep skips rows locked by someone else (SKIP LOCKED), and tagging the new
	// escalation's themes updates its row: let that finish first.
	settle(t, h, "tag_feedback", "escalation_post")
	sweep := func(after time.Duration) int {
		t.Helper()
		h.clock.Set(start.Add(after))
		n, err := h.store.SendDueReminders(h.ctx, h.cfg)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	threadReplies := func() []slackfake.Message {
		var out []slackfake.Message
		for _, m := range h.fake.Messages("C0ESC") {
			if m.ThreadTS == post.TS {
				out = append(out, m)
			}
		}
		return out
	}
	if n := sweep(3 * time.Hour); n != 0 {
		t.Fatalf("reminded %d before the due time", n)
	}
	// The sweep skips a row another transaction holds (SKIP LOCKED: the channel post's
	// job may still be updating it under load); the next sweep takes it.
	n := 0
	for try := 0; try < 20 && n == 0; try++ {
		if try > 0 {
			time.Sleep(50 * time.Millisecond)
		}
		n = sweep(5 * time.Hour)
	}
	if n != 1 {
		t.Fatalf("reminded %d past the 4h ack", n)
	}
	reply, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool { return m.ThreadTS == post.TS })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(reply[0].Text, "overdue to acknowledge") || !strings.Contains(reply[0].Text, "<@U0FIN>") {
		t.Errorf("thread reply = %q", reply[0].Text)
	}
	h.dms("U0FIN", 1, containing("is overdue to acknowledge"))

	if n := sweep(20 * time.Hour); n != 0 {
		t.Errorf("reminded again inside remind_every: %d", n)
	}
	h.press("U0FIN", "C0ESC", actAcknowledge, fmt.Sprint(e.ID))
	trigger := h.press("U0FIN", "C0ESC", actResolve, fmt.Sprint(e.ID))
	if resp := h.submitNote("U0FIN", trigger, "Quote sent"); resp != nil {
		t.Fatal(resp)
	}
	if n := sweep(400 * time.Hour); n != 0 {
		t.Errorf("reminded %d after resolve", n)
	}
	time.Sleep(200 * time.Millisecond) // let any stray job land before counting
	if got := len(threadReplies()); got != 1 {
		t.Errorf("%d thread replies, want exactly 1", got)
	}
	evs, _ := h.store.Events(h.ctx, e.ID)
	reminded := 0
	for _, ev := range evs {
		if ev.Action == "reminded" {
			reminded++
		}
	}
	if reminded != 1 {
		t.Errorf("%d reminded events, want 1", reminded)
	}
}

func TestDeletedMessageIsReposted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "product", "Demo environment down before a board demo")
	post := h.channelPost(containing(actAcknowledge))
	if _, _, err := h.bot.api.(*slack.Client).DeleteMessageContext(h.ctx, "C0ESC", post.TS); err != nil {
		t.Fatal(err)
	}
	h.press("U0PM1", "C0ESC", actAcknowledge, fmt.Sprint(e.ID))
	again := h.channelPost(func(m slackfake.Message) bool {
		return !m.Deleted && strings.Contains(readable(m.Blocks), "Acknowledged")
	})
	if again.TS == post.TS {
		t.Error("not re-posted")
	}
	h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.MessageTS == again.TS })
	evs, _ := h.store.Events(h.ctx, e.ID)
	if evs[len(evs)-1].Action != "reposted" {
		t.Errorf("last event %q, want reposted", evs[len(evs)-1].Action)
	}
}

// TestForgedEscalationButtons presses every action of a real escalation as real users
// who may not act on it (an owner of another team, the reporter), and the buttons with
// forged values: each presser is told why nothing happened, no modal opens, no event is
// appended and the escalation does not move.
func TestForgedEscalationButtons(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "billing", "Invoice sent twice")
	h.channelPost(containing(actAcknowledge))
	events := func() int {
		t.Helper()
		var n int
		if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM escalation_events`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := events()
	if before != 1 {
		t.Fatalf("%d events after the raise, want 1", before)
	}
	notes := map[string]int{}
	told := func(user, want string) {
		t.Helper()
		notes[user]++
		msgs, err := h.fake.WaitMessages(h.ctx, "C0ESC", notes[user], func(m slackfake.Message) bool { return m.Ephemeral && m.User == user })
		if err != nil {
			t.Fatalf("%s was not told: %v", user, err)
		}
		if got := msgs[len(msgs)-1].Text; !strings.Contains(got, want) {
			t.Errorf("%s was told %q, want %q", user, got, want)
		}
	}
	var triggers []string
	refusal := fmt.Sprintf("Only the owners of Finance &amp; Billing (<@U0FIN>, <@U0ADMIN>) or an admin can act on dropped ball #%d. Nothing was changed.", e.ID)
	for _, user := range []string{"U0PM1", "U0REP"} {
		for _, action := range []string{actAcknowledge, actResolve, actWontFix, actReassign} {
			triggers = append(triggers, h.press(user, "C0ESC", action, fmt.Sprint(e.ID)))
			told(user, refusal)
		}
	}
	for _, value := range []string{"abc", "-1", "0", `1; DROP TABLE escalations`, ""} {
		triggers = append(triggers, h.press("U0FIN", "C0ESC", actAcknowledge, value))
		told("U0FIN", "That button doesn't point at an escalation vosbot knows.")
	}
	triggers = append(triggers, h.press("U0FIN", "C0ESC", actResolve, "999"))
	told("U0FIN", "That escalation no longer exists.")

	for _, c := range h.fake.Calls("views.open") {
		if slices.Contains(triggers, c.Param("trigger_id")) {
			t.Errorf("a refused press opened a modal: %s", c.Param("trigger_id"))
		}
	}
	if n := events(); n != before {
		t.Errorf("refused presses appended %d events", n-before)
	}
	if got, err := h.store.Escalation(h.ctx, e.ID); err != nil || got.Status != feedback.StatusOpen || got.OwnerID != "" || got.Team != "billing" {
		t.Errorf("after refused presses: %+v %v", got, err)
	}
	if h.fake.Unacked() != 0 {
		t.Errorf("%d unacked", h.fake.Unacked())
	}
}

func TestEscalationAppHome(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "billing", "Invoice sent twice")
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": "U0FIN", "tab": "home"}); err != nil {
		t.Fatal(err)
	}
	home, err := h.fake.WaitHome(h.ctx, "U0FIN", func(v json.RawMessage) bool { return strings.Contains(readable(v), actAcknowledge) })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readable(home), fmt.Sprintf("#%d", e.ID)) {
		t.Errorf("owner home = %s", readable(home))
	}
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": "U0REP", "tab": "home"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.fake.WaitHome(h.ctx, "U0REP", func(v json.RawMessage) bool {
		return strings.Contains(readable(v), "Dropped balls you raised") && strings.Contains(readable(v), "Invoice sent twice")
	}); err != nil {
		t.Fatal(err)
	}
}
