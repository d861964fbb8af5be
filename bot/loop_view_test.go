package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// loopSample is a resolution waiting for its reporter, raised by a top performer.
func loopSample(status feedback.Status) feedback.Escalation {
	e := sampleEscalation(status)
	due := doneAt.Add(120 * time.Hour)
	e.ConfirmDueAt, e.TopPerformer = &due, true
	return e
}

func TestLoopGolden(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	asking := loopSample(feedback.StatusResolved)
	resolved := feedback.Event{ID: 3, ActorID: "U0FIN", Action: "resolved", ToStatus: "resolved", Note: asking.Resolution}
	golden(t, "loop_dm_did_this_fix_it", escalationNotification(asking, resolved, "U0REP", cfg, doneAt))
	golden(t, "loop_message_waiting_for_reporter", escalationBlocks(asking, cfg, doneAt, true))

	wontFix := loopSample(feedback.StatusWontFix)
	closed := feedback.Event{ID: 4, ActorID: "U0FIN", Action: "wont_fix", ToStatus: "wont_fix", Note: wontFix.Resolution}
	golden(t, "loop_dm_wont_fix_accept_or_review", escalationNotification(wontFix, closed, "U0REP", cfg, doneAt))

	// Still broken: open again with the reporter's words (markup in them escaped).
	reopened := loopSample(feedback.StatusOpen)
	reopened.OwnerID, reopened.Reopened, reopened.ReporterNote = "U0FIN", 1, "Still charged twice <!channel> & <@U0CEO>"
	reopenEv := feedback.Event{ID: 5, ActorID: "U0REP", Action: "reopened", ToStatus: "open", Note: reopened.ReporterNote}
	golden(t, "loop_message_reopened", escalationBlocks(reopened, cfg, doneAt.Add(time.Hour), true))
	golden(t, "loop_dm_reopened_owner", escalationNotification(reopened, reopenEv, "U0FIN", cfg, doneAt.Add(time.Hour)))
	golden(t, "loop_thread_reopened", escalationNotification(reopened, reopenEv, feedback.RecipientThread, cfg, doneAt.Add(time.Hour)))

	confirmed := loopSample(feedback.StatusConfirmed)
	golden(t, "loop_dm_confirmed_owner", escalationNotification(confirmed, feedback.Event{ID: 6, ActorID: "U0REP", Action: "confirmed", ToStatus: "confirmed"}, "U0FIN", cfg, confirmedAt))

	// Reminders: every time in Slack's date format; the escalated one to the VP.
	open := loopSample(feedback.StatusOpen)
	open.UnansweredReminders, open.EscalatedAt = 3, &doneAt
	due := open.AckDueAt
	escalated := feedback.Event{ID: 7, ActorID: "vosbot", Action: "escalated", ToStatus: "open", Note: "overdue to acknowledge", DueAt: &due}
	golden(t, "loop_message_escalated", escalationBlocks(open, cfg, t0.Add(53*time.Hour), true))
	golden(t, "loop_dm_escalated_leadership", escalationNotification(open, escalated, "U0VP", cfg, t0.Add(53*time.Hour)))
	golden(t, "loop_dm_escalated_owner", escalationNotification(open, escalated, "U0FIN", cfg, t0.Add(53*time.Hour)))
	golden(t, "loop_thread_escalated", escalationNotification(open, escalated, feedback.RecipientThread, cfg, t0.Add(53*time.Hour)))

	review := loopSample(feedback.StatusWontFix)
	now := doneAt.Add(time.Hour)
	review.ReviewRequestedAt, review.ReporterNote = &now, "The contract says <b>monthly</b>"
	reviewEv := feedback.Event{ID: 8, ActorID: "U0REP", Action: "review_requested", ToStatus: "wont_fix", Note: review.ReporterNote}
	golden(t, "loop_dm_review_leadership", escalationNotification(review, reviewEv, "U0VP", cfg, now))
	golden(t, "loop_modal_still_broken", replyModal(asking, feedback.ActionReopen, "D0REP", "1.000001"))
}

// TestReminderTimesAreSlackDates: no reminder shows a raw RFC 3339 time.
func TestReminderTimesAreSlackDates(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	e := sampleEscalation(feedback.StatusOpen)
	due := e.AckDueAt
	for _, action := range []string{"reminded", "escalated"} {
		ev := feedback.Event{ID: 1, ActorID: "vosbot", Action: action, ToStatus: "open", Note: "overdue to acknowledge", DueAt: &due}
		for _, to := range []string{"U0FIN", "U0VP", feedback.RecipientThread} {
			b, _ := json.Marshal(escalationNotification(e, ev, to, cfg, t0.Add(5*time.Hour)))
			raw := readable(b)
			if strings.Contains(raw, "2026-11-20T19:00:00Z") || strings.Contains(raw, "T19:00") {
				t.Errorf("%s to %s shows a raw time: %s", action, to, raw)
			}
			if !strings.Contains(raw, "(due <!date^1795201200^{date_short_pretty} {time}|Nov 20 19:00 UTC>)") {
				t.Errorf("%s to %s lacks the due time in Slack's date format: %s", action, to, raw)
			}
		}
	}
}

// TestLoopNeverShowsARank: the mark says "from a top performer" and nothing else.
func TestLoopNeverShowsARank(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t)
	e := loopSample(feedback.StatusOpen)
	raw, _ := json.Marshal([]any{escalationBlocks(e, cfg, t0, true), homeView(homeData{Org: cfg, Reported: []feedback.Escalation{e}, OwnedTeams: []string{"billing"}, TeamOpen: []feedback.Escalation{e}})})
	s := string(raw)
	if strings.Count(s, "from a top performer") != 3 {
		t.Errorf("the mark appears %d times, want the post and both App Home lists", strings.Count(s, "from a top performer"))
	}
	for _, leak := range []string{"rank", "#1 ", "top 50", "percent"} {
		if strings.Contains(strings.ToLower(s), leak) {
			t.Errorf("shows %q", leak)
		}
	}
}

func TestParseAnswerValue(t *testing.T) {
	t.Parallel()
	good := map[string][2]int64{"7:0": {7, 0}, "12:3": {12, 3}}
	for v, want := range good {
		id, round, ok := parseAnswerValue(v)
		if !ok || id != want[0] || int64(round) != want[1] {
			t.Errorf("%q = %d %d %v", v, id, round, ok)
		}
	}
	for _, v := range []string{"", "7", "7:", ":0", "0:0", "-7:0", "7:-1", "07:0", "7:00", "7:0:U0REP", "7:0;DROP", "U0REP:7", "7 :0",
		"99999999999999999999:0", "7:1e3", strings.Repeat("1", 50) + ":0"} {
		if _, _, ok := parseAnswerValue(v); ok {
			t.Errorf("%q accepted", v)
		}
	}
}

func FuzzParseAnswerValue(f *testing.F) {
	for _, s := range []string{"7:0", "12:3", "7:0:U0REP", "", ":"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		id, round, ok := parseAnswerValue(v)
		if ok && (id <= 0 || round < 0 || answerValue(feedback.Escalation{ID: id, Reopened: round}) != v) {
			t.Errorf("%q read as %d:%d", v, id, round)
		}
	})
}
