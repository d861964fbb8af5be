package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// pressIn presses a button of the message ts in channel, as Slack sends it from a DM.
func (h *harness) pressIn(user, channel, ts, actionID, value string) string {
	h.t.Helper()
	trigger := fmt.Sprintf("press-%s-%s-%d", actionID, user, time.Now().UnixNano())
	_, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user}, TriggerID: trigger,
		Channel:        slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: channel}}},
		Container:      slack.Container{Type: "message", MessageTs: ts, ChannelID: channel},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actionID, BlockID: "answer", Value: value}}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return trigger
}

// closeViaSlack acknowledges and resolves (or closes as won't fix) the escalation as its
// owner, through the buttons, and returns the reporter's DM asking "did this fix it?".
func (h *harness) closeViaSlack(e feedback.Escalation, owner string, action feedback.Action, note string) slackfake.Message {
	h.t.Helper()
	id := fmt.Sprint(e.ID)
	h.channelPost(containing(actAcknowledge))
	h.press(owner, "C0ESC", actAcknowledge, id)
	h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.Status == feedback.StatusAcknowledged })
	act, ask := actResolve, "Did this fix it?"
	if action == feedback.ActionWontFix {
		act, ask = actWontFix, "Do you accept this?"
	}
	trigger := h.press(owner, "C0ESC", act, id)
	if resp := h.submitNote(owner, trigger, note); resp != nil {
		h.t.Fatalf("%s answered %+v", act, resp)
	}
	return h.dms(e.ReporterID, 1, containing(ask))[0]
}

func (h *harness) answerEvents(id int64) []string {
	h.t.Helper()
	evs, err := h.store.Events(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		switch ev.Action {
		case "confirmed", "reopened", "accepted", "review_requested", "unconfirmed":
			out = append(out, ev.Action+":"+ev.ActorID)
		}
	}
	return out
}

// settle lets jobs and handlers a press may have started finish before counting.
func letSettle() { time.Sleep(300 * time.Millisecond) }

func TestReporterConfirmsThroughSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "billing", "Invoice sent twice")
	dm := h.closeViaSlack(e, "U0FIN", feedback.ActionResolve, "Credit note sent <!here>")
	body := readable(dm.Blocks)
	value := fmt.Sprintf("%d:0", e.ID)
	for _, want := range []string{"Credit note sent &lt;!here&gt;", `"action_id":"escalation_confirm"`, `"action_id":"escalation_still_broken"`, `"value":"` + value + `"`, "Only you can answer, until <!date^"} {
		if !strings.Contains(body, want) {
			t.Errorf("the reporter's DM lacks %q: %s", want, body)
		}
	}
	h.channelPost(containing("waiting for the reporter to confirm"))

	// Someone else pressing the reporter's button (a forwarded or forged press) is
	// refused, and nothing changes.
	h.pressIn("U0FIN", "D0FIN", "", actConfirmFixed, value)
	refusal := h.dms("U0FIN", 1, containing("Only the person who raised dropped ball"))
	if !strings.Contains(refusal[0].Text, "Nothing was changed") {
		t.Errorf("refusal = %q", refusal[0].Text)
	}
	letSettle()
	if got, _ := h.store.Escalation(h.ctx, e.ID); got.Status != feedback.StatusResolved || got.ConfirmedAt != nil {
		t.Fatalf("a non-reporter's press moved it: %+v", got)
	}

	h.clock.Set(h.clock.Now().Add(2 * time.Hour))
	h.pressIn("U0REP", "U0REP", dm.TS, actConfirmFixed, value)
	got := h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.Status == feedback.StatusConfirmed })
	if !got.ConfirmedAt.Equal(h.clock.Now()) {
		t.Errorf("confirmed at %v", got.ConfirmedAt)
	}
	// The DM's buttons are replaced by what happened; the post says confirmed; the owner hears.
	if _, err := h.fake.WaitMessages(h.ctx, "U0REP", 1, func(m slackfake.Message) bool {
		return m.TS == dm.TS && m.Updates > 0 && strings.Contains(m.Text, "confirmed fixed") && !strings.Contains(readable(m.Blocks), actConfirmFixed)
	}); err != nil {
		t.Fatalf("DM not updated: %v; %+v", err, h.fake.Messages("U0REP"))
	}
	h.channelPost(containing("Confirmed fixed"))
	h.dms("U0FIN", 1, containing("confirmed that the fix of dropped ball"))

	// A second press (a double click) changes nothing and says why.
	h.pressIn("U0REP", "U0REP", dm.TS, actConfirmFixed, value)
	h.dms("U0REP", 1, containing("already confirmed fixed"))
	letSettle()
	if trail := strings.Join(h.answerEvents(e.ID), ","); trail != "confirmed:U0REP" {
		t.Errorf("answers = %s, want one confirmation", trail)
	}
}

func TestStillBrokenThroughSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "product", "Roadmap promise slipped again")
	dm := h.closeViaSlack(e, "U0PM1", feedback.ActionResolve, "Shipped in 4.2")
	value := fmt.Sprintf("%d:0", e.ID)
	h.clock.Set(h.clock.Now().Add(50 * time.Hour))

	trigger := h.pressIn("U0REP", "U0REP", dm.TS, actStillBroken, value)
	v, m := h.openedView(trigger)
	if m.CallbackID != escalationReplyForm {
		t.Fatalf("opened %s", m.CallbackID)
	}
	submit := func(user, meta, text string) *slack.ViewSubmissionResponse {
		return h.submit(user, slack.View{ID: v.ID, CallbackID: escalationReplyForm, PrivateMetadata: meta,
			State: state(map[string]slack.BlockAction{feedback.FieldReply: {Value: text}})})
	}
	// Bad input is refused on the field, with nothing changed.
	if resp := submit("U0REP", m.PrivateMetadata, strings.Repeat("é", 3001)); resp == nil || !strings.Contains(resp.Errors[feedback.FieldReply], "3001 characters") {
		t.Errorf("3,001 characters answered %+v", resp)
	}
	if resp := submit("U0REP", m.PrivateMetadata, "  \n "); resp == nil || resp.Errors[feedback.FieldReply] == "" {
		t.Errorf("nothing said answered %+v", resp)
	}
	if resp := submit("U0REP", m.PrivateMetadata, "bad \x00 byte"); resp == nil || resp.Errors[feedback.FieldReply] == "" {
		t.Errorf("NUL answered %+v", resp)
	}
	// The same form submitted by someone else is refused on the field.
	if resp := submit("U0PM2", m.PrivateMetadata, "works for me"); resp == nil || !strings.Contains(resp.Errors[feedback.FieldReply], "Only the person who raised") {
		t.Errorf("a non-reporter's submission answered %+v", resp)
	}
	// Forged metadata naming another escalation (the reporter's own, not resolved) or
	// another round is refused.
	other := h.raiseViaSlack("VESC2", "billing", "Second issue")
	forged := strings.Replace(m.PrivateMetadata, fmt.Sprintf(`"escalation_id":%d`, e.ID), fmt.Sprintf(`"escalation_id":%d`, other.ID), 1)
	if resp := submit("U0REP", forged, "reopen the other one"); resp == nil || resp.Errors[feedback.FieldReply] == "" {
		t.Errorf("forged escalation id answered %+v", resp)
	}
	forgedRound := strings.Replace(m.PrivateMetadata, `"round":0`, `"round":3`, 1)
	if resp := submit("U0REP", forgedRound, "x"); resp == nil || !strings.Contains(resp.Errors[feedback.FieldReply], "earlier resolution") {
		t.Errorf("forged round answered %+v", resp)
	}
	if got, _ := h.store.Escalation(h.ctx, e.ID); got.Status != feedback.StatusResolved {
		t.Fatalf("refused submissions moved it to %s", got.Status)
	}
	if got, _ := h.store.Escalation(h.ctx, other.ID); got.Status != feedback.StatusOpen || got.Reopened != 0 {
		t.Fatalf("the forged id moved the other escalation: %+v", got)
	}

	words := "Still slipping <!channel> & <@U0CEO> *bold* <https://evil|click>"
	if resp := submit("U0REP", m.PrivateMetadata, words); resp != nil {
		t.Fatalf("still broken answered %+v", resp)
	}
	got := h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.Status == feedback.StatusOpen })
	now := h.clock.Now()
	if got.Reopened != 1 || got.ReporterNote != words || got.ResolvedAt != nil {
		t.Errorf("reopened: %+v", got)
	}
	if !got.ResolveDueAt.Equal(now.Add(168*time.Hour)) || !got.AckDueAt.Equal(now.Add(24*time.Hour)) {
		t.Errorf("due %s / %s, want the SLA restarted at %s", got.AckDueAt, got.ResolveDueAt, now)
	}
	escaped := "Still slipping &lt;!channel&gt; &amp; &lt;@U0CEO&gt; *bold* &lt;https://evil|click&gt;"
	for _, owner := range []string{"U0PM1", "U0PM2"} {
		dm := h.dms(owner, 1, containing("is *still broken*"))
		if b := readable(dm[0].Blocks); !strings.Contains(b, escaped) || strings.Contains(b, "<!channel>") || strings.Contains(b, "<@U0CEO>") {
			t.Errorf("%s's DM lacks the escaped words: %s", owner, b)
		}
	}
	post := h.channelPost(containing("*Still broken*, says <@U0REP>"))
	if b := readable(post.Blocks); !strings.Contains(b, escaped) || !strings.Contains(b, actAcknowledge) {
		t.Errorf("channel post = %s", b)
	}
	reply, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool {
		return m.ThreadTS == post.TS && strings.Contains(readable(m.Blocks), "Reopened")
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(readable(reply[0].Blocks), escaped) {
		t.Errorf("thread reply = %s", readable(reply[0].Blocks))
	}
	if _, err := h.fake.WaitMessages(h.ctx, "U0REP", 1, func(m slackfake.Message) bool {
		return m.TS == dm.TS && strings.Contains(m.Text, "open again")
	}); err != nil {
		t.Errorf("the reporter's DM was not updated: %v", err)
	}
	// The owners act again: the clock they see is the restarted one.
	h.press("U0PM2", "C0ESC", actAcknowledge, fmt.Sprint(e.ID))
	h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.Status == feedback.StatusAcknowledged })
	if trail := strings.Join(h.answerEvents(e.ID), ","); trail != "reopened:U0REP" {
		t.Errorf("answers = %s", trail)
	}
}

// TestConcurrentAnswersThroughSlack: "Yes, fixed" pressed twice and "Still broken"
// submitted, all at once: one transition.
func TestConcurrentAnswersThroughSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "billing", "Invoice sent twice")
	dm := h.closeViaSlack(e, "U0FIN", feedback.ActionResolve, "Credit note sent")
	value := fmt.Sprintf("%d:0", e.ID)
	trigger := h.pressIn("U0REP", "U0REP", dm.TS, actStillBroken, value)
	v, m := h.openedView(trigger)
	var wg sync.WaitGroup
	var resp *slack.ViewSubmissionResponse
	wg.Go(func() { h.pressIn("U0REP", "U0REP", dm.TS, actConfirmFixed, value) })
	wg.Go(func() { h.pressIn("U0REP", "U0REP", dm.TS, actConfirmFixed, value) })
	wg.Go(func() {
		resp = h.submit("U0REP", slack.View{ID: v.ID, CallbackID: escalationReplyForm, PrivateMetadata: m.PrivateMetadata,
			State: state(map[string]slack.BlockAction{feedback.FieldReply: {Value: "still broken"}})})
	})
	wg.Wait()
	h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.Status != feedback.StatusResolved })
	letSettle()
	trail := h.answerEvents(e.ID)
	if len(trail) != 1 {
		t.Fatalf("answers = %v, want exactly one transition", trail)
	}
	got, _ := h.store.Escalation(h.ctx, e.ID)
	switch trail[0] {
	case "confirmed:U0REP":
		if got.Status != feedback.StatusConfirmed || resp == nil {
			t.Errorf("confirmed, yet status %s and the form answered %+v", got.Status, resp)
		}
	case "reopened:U0REP":
		if got.Status != feedback.StatusOpen || got.Reopened != 1 || resp != nil {
			t.Errorf("reopened, yet %+v and the form answered %+v", got, resp)
		}
	}
	// Every press that lost was told.
	losers := 2
	if trail[0] == "confirmed:U0REP" {
		losers = 1
	}
	if _, err := h.fake.WaitMessages(h.ctx, "U0REP", losers, func(m slackfake.Message) bool {
		return strings.Contains(m.Text, "Nothing was changed")
	}); err != nil {
		t.Errorf("the losing presses were not told: %v", err)
	}
}

// TestReplayedAnswerEnvelope: the same press delivered again as a new envelope (a
// replay the envelope de-duplication cannot see, as after a restart) changes nothing.
func TestReplayedAnswerEnvelope(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "billing", "Invoice sent twice")
	dm := h.closeViaSlack(e, "U0FIN", feedback.ActionResolve, "Credit note sent")
	payload, err := json.Marshal(slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U0REP"}, TriggerID: "replayed-trigger", Team: slack.Team{ID: "T0FAKE"},
		Channel:        slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "U0REP"}}},
		Container:      slack.Container{Type: "message", MessageTs: dm.TS, ChannelID: "U0REP"},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actConfirmFixed, BlockID: "answer", Value: fmt.Sprintf("%d:0", e.ID)}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := h.fake.Envelope(h.ctx, "interactive", payload); err != nil {
			t.Fatal(err)
		}
	}
	h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.Status == feedback.StatusConfirmed })
	h.dms("U0REP", 2, containing("already confirmed fixed"))
	letSettle()
	if trail := strings.Join(h.answerEvents(e.ID), ","); trail != "confirmed:U0REP" {
		t.Errorf("answers = %s, want one confirmation", trail)
	}
	if n := len(h.fake.Messages("U0FIN")); n == 0 {
		t.Error("the owner was not told")
	}
	owner := 0
	for _, m := range h.fake.Messages("U0FIN") {
		if strings.Contains(m.Text, "confirmed that the fix") {
			owner++
		}
	}
	if owner != 1 {
		t.Errorf("the owner was told %d times", owner)
	}
}

func TestUnconfirmedAfterWindowThroughSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "billing", "Invoice sent twice")
	dm := h.closeViaSlack(e, "U0FIN", feedback.ActionResolve, "Credit note sent")
	resolvedAt := h.clock.Now()
	h.clock.Set(resolvedAt.Add(119 * time.Hour))
	if n, err := h.store.ExpireConfirmations(h.ctx); err != nil || n != 0 {
		t.Fatalf("inside the window: %d %v", n, err)
	}
	h.clock.Set(resolvedAt.Add(121 * time.Hour))
	if n, err := h.store.ExpireConfirmations(h.ctx); err != nil || n != 1 {
		t.Fatalf("after the window: %d %v", n, err)
	}
	h.channelPost(containing("*unconfirmed*: the reporter did not answer"))
	got, _ := h.store.Escalation(h.ctx, e.ID)
	if got.Status != feedback.StatusResolved || !got.Unconfirmed() {
		t.Errorf("after the window: %+v", got)
	}
	h.pressIn("U0REP", "U0REP", dm.TS, actStillBroken, fmt.Sprintf("%d:0", e.ID))
	h.dms("U0REP", 1, containing("is closed, and it stays as it is"))
	letSettle()
	for _, v := range h.fake.Views() {
		if strings.Contains(string(v.Body), escalationReplyForm) {
			t.Error("the still-broken form opened after the window")
		}
	}
	if got, _ := h.store.Escalation(h.ctx, e.ID); got.Status != feedback.StatusResolved {
		t.Errorf("a late answer moved it to %s", got.Status)
	}
}

func TestWontFixReviewThroughSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	e := h.raiseViaSlack("VESC1", "billing", "Invoice sent twice")
	dm := h.closeViaSlack(e, "U0FIN", feedback.ActionWontFix, "The contract bills twice by design")
	if b := readable(dm.Blocks); !strings.Contains(b, `"action_id":"escalation_accept"`) || !strings.Contains(b, `"action_id":"escalation_review"`) || strings.Contains(b, actConfirmFixed) {
		t.Errorf("won't-fix DM = %s", b)
	}
	trigger := h.pressIn("U0REP", "U0REP", dm.TS, actReviewWontFix, fmt.Sprintf("%d:0", e.ID))
	v, m := h.openedView(trigger)
	resp := h.submit("U0REP", slack.View{ID: v.ID, CallbackID: escalationReplyForm, PrivateMetadata: m.PrivateMetadata,
		State: state(map[string]slack.BlockAction{feedback.FieldReply: {Value: "The order form says monthly <!here>"}})})
	if resp != nil {
		t.Fatalf("review answered %+v", resp)
	}
	lead := h.dms("U0VP", 1, containing("asks leadership to review"))
	b := readable(lead[0].Blocks)
	for _, want := range []string{"The order form says monthly &lt;!here&gt;", "The contract bills twice by design"} {
		if !strings.Contains(b, want) {
			t.Errorf("leadership's DM lacks %q: %s", want, b)
		}
	}
	if strings.Contains(b, actResolve) {
		t.Error("leadership, who may not act, got the owners' buttons")
	}
	h.channelPost(containing("asked leadership to review"))
	got, _ := h.store.Escalation(h.ctx, e.ID)
	if got.Status != feedback.StatusWontFix || got.ReviewRequestedAt == nil || got.ReporterNote != "The order form says monthly <!here>" {
		t.Errorf("after review: %+v", got)
	}

	// The other answer: accepted, final.
	e2 := h.raiseViaSlack("VESC2", "billing", "Late refund")
	dm2 := h.closeViaSlack(e2, "U0FIN", feedback.ActionWontFix, "Refunds take 30 days")
	h.pressIn("U0REP", "U0REP", dm2.TS, actAcceptWontFix, fmt.Sprintf("%d:0", e2.ID))
	accepted := h.waitStored(e2.ID, func(got feedback.Escalation) bool { return got.ConfirmedAt != nil })
	if accepted.Status != feedback.StatusWontFix {
		t.Errorf("accepted: %+v", accepted)
	}
	h.channelPost(containing("accepted by the reporter"))
	letSettle()
	if trail := strings.Join(append(h.answerEvents(e.ID), h.answerEvents(e2.ID)...), ","); trail != "review_requested:U0REP,accepted:U0REP" {
		t.Errorf("answers = %s", trail)
	}
}

func TestRemindersEscalateThroughSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg) // escalate_after 2, escalate_to U0VP
	start := h.clock.Now()
	e := h.raiseViaSlack("VESC1", "billing", "No one answers the renewal quote")
	post := h.channelPost(containing(actAcknowledge))
	h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.MessageTS == post.TS })
	sweep := func(after time.Duration) {
		t.Helper()
		h.clock.Set(start.Add(after))
		if _, err := h.store.SendDueReminders(h.ctx, h.cfg); err != nil {
			t.Fatal(err)
		}
	}
	sweep(5 * time.Hour)
	sweep(29*time.Hour + time.Minute)
	h.dms("U0FIN", 2, containing("is overdue to acknowledge (due <!date^"))
	letSettle()
	if n := len(h.fake.Messages("U0VP")); n != 0 {
		t.Fatalf("U0VP told after %d reminders", 2)
	}
	sweep(53*time.Hour + 2*time.Minute)
	vp := h.dms("U0VP", 1, containing("Nobody has answered"))
	if b := readable(vp[0].Blocks); !strings.Contains(b, "3 reminders") || strings.Contains(b, "T19:00:00Z") {
		t.Errorf("VP's DM = %s", b)
	}
	h.channelPost(containing("*Escalated* to <@U0VP>"))
	if _, err := h.fake.WaitMessages(h.ctx, "C0ESC", 1, func(m slackfake.Message) bool {
		return m.ThreadTS == post.TS && strings.Contains(m.Text, "gone to <@U0VP> as well")
	}); err != nil {
		t.Error(err)
	}
	sweep(77*time.Hour + 3*time.Minute)
	h.dms("U0VP", 2, containing("Nobody has answered"))

	// Acknowledging stops it: the post loses the mark, the next reminders stay with the owner.
	h.press("U0FIN", "C0ESC", actAcknowledge, fmt.Sprint(e.ID))
	h.channelPost(func(m slackfake.Message) bool {
		return strings.Contains(readable(m.Blocks), "*Acknowledged*") && !strings.Contains(readable(m.Blocks), "Escalated")
	})
	// Past the 48h resolution; reminders keep their 24h spacing.
	sweep(101*time.Hour + 4*time.Minute)
	h.dms("U0FIN", 1, containing("overdue to resolve"))
	sweep(125*time.Hour + 5*time.Minute)
	h.dms("U0FIN", 2, containing("overdue to resolve"))
	letSettle()
	if n := len(h.fake.Messages("U0VP")); n != 2 {
		t.Errorf("U0VP got %d messages, want the 2 before the acknowledgement", n)
	}
}

// TestRemindersBusinessHoursAcrossDSTThroughSlack: New York, 09:00–18:00 on working
// days. Raised on the Friday before the clocks go back, the reminder waits for Monday
// 09:00 EST, an hour later in UTC than the same wall-clock time the week before.
func TestRemindersBusinessHoursAcrossDSTThroughSlack(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	org := feedbacktest.Org()
	org.Location = ny
	org.Escalations.BusinessHours = feedback.BusinessHours{Start: 9 * time.Hour, End: 18 * time.Hour,
		Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}
	h := newHarness(t, org)
	h.clock.Set(time.Date(2026, 10, 30, 15, 0, 0, 0, ny)) // Friday 15:00 EDT
	e := h.raiseViaSlack("VESC1", "product", "Nobody called the customer back")
	if want := time.Date(2026, 11, 2, 15, 0, 0, 0, ny); !e.AckDueAt.Equal(want) {
		t.Errorf("24h ack due %s, want Monday 15:00 EST (the weekend does not count)", e.AckDueAt.In(ny))
	}
	post := h.channelPost(containing(actAcknowledge))
	h.waitStored(e.ID, func(got feedback.Escalation) bool { return got.MessageTS == post.TS })
	reminded := func(at time.Time) int {
		t.Helper()
		h.clock.Set(at)
		n, err := h.store.SendDueReminders(h.ctx, h.cfg)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := reminded(time.Date(2026, 11, 2, 20, 30, 0, 0, time.UTC)); n != 1 { // Monday 15:30 EST
		t.Fatalf("Monday 15:30: %d reminders", n)
	}
	if n := reminded(time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC)); n != 0 { // Tuesday 03:00 EST
		t.Errorf("3 a.m.: %d reminders", n)
	}
	if n := reminded(time.Date(2026, 11, 3, 13, 30, 0, 0, time.UTC)); n != 0 { // 08:30 EST, would be 09:30 EDT
		t.Errorf("08:30 EST: %d reminders", n)
	}
	if n := reminded(time.Date(2026, 11, 3, 20, 31, 0, 0, time.UTC)); n != 1 { // 15:31 EST
		t.Errorf("Tuesday afternoon: %d reminders", n)
	}
	h.dms("U0PM1", 2, containing("overdue to acknowledge"))
	letSettle()
	var dms int
	for _, m := range h.fake.Messages("U0PM1") {
		if strings.Contains(m.Text, "overdue") {
			dms++
		}
	}
	if dms != 2 {
		t.Errorf("%d reminder DMs, want 2", dms)
	}
}

// TestTopPerformerMarkThroughSlack: a top performer's dropped ball is marked in the
// channel post and the owners' App Home; a rep outside the top half is not.
func TestTopPerformerMarkThroughSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t, escalationOrg)
	for i, rep := range []string{"U0REP", "U0ANA", "U0BOB", "U0CAT"} {
		f, errs := feedback.Draft{ReporterID: rep, Outcome: "won", Account: "Acme", DealValue: fmt.Sprintf("%dk", 400-100*i),
			Source: feedback.SourceImport, Key: "won-" + rep}.Validate(feedback.Rules{Currency: "USD"})
		if errs != nil {
			t.Fatal(errs)
		}
		if _, _, err := h.store.SaveFeedback(h.ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	e := h.raiseViaSlack("VESC1", "billing", "Invoice sent twice") // by U0REP, the top seller
	if !e.TopPerformer {
		t.Fatal("not marked")
	}
	h.channelPost(containing("from a top performer"))
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": "U0FIN", "tab": "home"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.fake.WaitHome(h.ctx, "U0FIN", func(v json.RawMessage) bool {
		return strings.Contains(readable(v), fmt.Sprintf("#%d", e.ID)) && strings.Contains(readable(v), "from a top performer")
	}); err != nil {
		t.Fatal(err)
	}
	// U0CAT sells least: not a top performer.
	_, trigger := h.slash("/dropped-ball", "U0CAT", "billing Late refund")
	_, m := h.openedView(trigger)
	if resp := h.submit("U0CAT", slack.View{ID: "VESC2", CallbackID: escalationCallback, PrivateMetadata: m.PrivateMetadata, State: state(map[string]slack.BlockAction{
		feedback.FieldTeam: {SelectedOption: slack.OptionBlockObject{Value: "billing"}}, feedback.FieldSummary: {Value: "Late refund"},
	})}); resp != nil {
		t.Fatal(resp)
	}
	post := h.channelPost(containing("Late refund"))
	if strings.Contains(readable(post.Blocks), "top performer") {
		t.Errorf("U0CAT's post is marked: %s", readable(post.Blocks))
	}
}
