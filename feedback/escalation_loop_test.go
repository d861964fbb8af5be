package feedback_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
)

// TestReporterTransition covers who may answer, when, and what each answer leads to.
func TestReporterTransition(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	due := now.Add(time.Hour)
	past := now.Add(-time.Hour)
	resolved := feedback.Escalation{ReporterID: "U0REP", Status: feedback.StatusResolved, ConfirmDueAt: &due}
	wontFix := resolved
	wontFix.Status = feedback.StatusWontFix
	with := func(e feedback.Escalation, f func(*feedback.Escalation)) feedback.Escalation { f(&e); return e }
	answer := func(a feedback.Action, by string, round int, reply string) feedback.ReporterAnswer {
		return feedback.ReporterAnswer{ReporterID: by, Action: a, Round: round, Reply: reply}
	}
	tests := []struct {
		name string
		e    feedback.Escalation
		a    feedback.ReporterAnswer
		want feedback.Status
		err  error
	}{
		{"confirm", resolved, answer(feedback.ActionConfirm, "U0REP", 0, ""), feedback.StatusConfirmed, nil},
		{"still broken", resolved, answer(feedback.ActionReopen, "U0REP", 0, "still double"), feedback.StatusOpen, nil},
		{"still broken says nothing", resolved, answer(feedback.ActionReopen, "U0REP", 0, "  "), "", feedback.ErrReplyRequired},
		{"still broken 3,001 characters", resolved, answer(feedback.ActionReopen, "U0REP", 0, strings.Repeat("x", 3001)), "", feedback.ErrIllegalTransition},
		{"another user", resolved, answer(feedback.ActionConfirm, "U0PM1", 0, ""), "", feedback.ErrForbidden},
		{"nobody", resolved, answer(feedback.ActionConfirm, "", 0, ""), "", feedback.ErrForbidden},
		{"owner action", resolved, answer(feedback.ActionResolve, "U0REP", 0, ""), "", feedback.ErrIllegalTransition},
		{"twice", with(resolved, func(e *feedback.Escalation) { e.Status, e.ConfirmedAt = feedback.StatusConfirmed, &now }),
			answer(feedback.ActionConfirm, "U0REP", 0, ""), "", feedback.ErrAlreadyAnswered},
		{"broken after confirmed", with(resolved, func(e *feedback.Escalation) { e.Status, e.ConfirmedAt = feedback.StatusConfirmed, &now }),
			answer(feedback.ActionReopen, "U0REP", 0, "no"), "", feedback.ErrAlreadyAnswered},
		{"confirm after reopening", with(resolved, func(e *feedback.Escalation) { e.Status, e.Reopened = feedback.StatusOpen, 1 }),
			answer(feedback.ActionConfirm, "U0REP", 0, ""), "", feedback.ErrAlreadyAnswered},
		{"an earlier resolution's button", with(resolved, func(e *feedback.Escalation) { e.Reopened = 2 }),
			answer(feedback.ActionConfirm, "U0REP", 1, ""), "", feedback.ErrStaleQuestion},
		{"a forged round", resolved, answer(feedback.ActionConfirm, "U0REP", 7, ""), "", feedback.ErrStaleQuestion},
		{"after the window", with(resolved, func(e *feedback.Escalation) { e.ConfirmDueAt = &past }),
			answer(feedback.ActionConfirm, "U0REP", 0, ""), "", feedback.ErrQuestionClosed},
		{"marked unconfirmed", with(resolved, func(e *feedback.Escalation) { e.ConfirmExpiredAt = &past }),
			answer(feedback.ActionReopen, "U0REP", 0, "x"), "", feedback.ErrQuestionClosed},
		{"never asked", with(resolved, func(e *feedback.Escalation) { e.ConfirmDueAt = nil }),
			answer(feedback.ActionConfirm, "U0REP", 0, ""), "", feedback.ErrQuestionClosed},
		{"confirm a won't fix", wontFix, answer(feedback.ActionConfirm, "U0REP", 0, ""), "", feedback.ErrIllegalTransition},
		{"accept a won't fix", wontFix, answer(feedback.ActionAccept, "U0REP", 0, ""), feedback.StatusWontFix, nil},
		{"review a won't fix", wontFix, answer(feedback.ActionReview, "U0REP", 0, "the contract says otherwise"), feedback.StatusWontFix, nil},
		{"review twice", with(wontFix, func(e *feedback.Escalation) { e.ReviewRequestedAt = &now }),
			answer(feedback.ActionReview, "U0REP", 0, "again"), "", feedback.ErrAlreadyAnswered},
		{"accept a resolution", resolved, answer(feedback.ActionAccept, "U0REP", 0, ""), "", feedback.ErrIllegalTransition},
		{"answer an open one", with(resolved, func(e *feedback.Escalation) { e.Status = feedback.StatusOpen }),
			answer(feedback.ActionConfirm, "U0REP", 0, ""), "", feedback.ErrIllegalTransition},
	}
	for _, tt := range tests {
		got, err := feedback.ReporterTransition(tt.e, tt.a, now)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || got != tt.e.Status {
				t.Errorf("%s: %s, %v; want refused with %v, status unchanged", tt.name, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

// resolveIt raises, acknowledges and resolves an escalation of product, as U0PM1.
func resolveIt(t *testing.T, s *feedback.Store, cfg *feedback.Org, key string, action feedback.Action) feedback.Escalation {
	t.Helper()
	ctx := context.Background()
	e := raise(t, s, cfg, key, "product")
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionAcknowledge}); err != nil {
		t.Fatal(err)
	}
	e, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: action, Note: "Credit note sent"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func notifyJobsOf(t *testing.T, pool *pgxpool.Pool, eventID int64) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT args->>'recipient' FROM river_job WHERE kind = 'escalation_notify'
		AND (args->>'event_id')::bigint = $1 ORDER BY args->>'recipient'`, eventID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var r string
		if err := rows.Scan(&r); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

func TestReporterConfirms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	cfg := feedbacktest.Org()
	e := resolveIt(t, s, cfg, "V1", feedback.ActionResolve)
	if e.ConfirmDueAt == nil || !e.ConfirmDueAt.Equal(now.Add(120*time.Hour)) {
		t.Fatalf("confirm due %v, want resolve time + confirm_within", e.ConfirmDueAt)
	}
	// A forged press by someone else changes nothing.
	_, _, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0PM1", Action: feedback.ActionConfirm})
	var refused *feedback.RefusedError
	if !errors.As(err, &refused) || !errors.Is(err, feedback.ErrForbidden) {
		t.Fatalf("owner confirming = %v, want forbidden", err)
	}
	*now = now.Add(time.Hour)
	got, ev, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0REP", Action: feedback.ActionConfirm})
	if err != nil || got.Status != feedback.StatusConfirmed || got.ConfirmedAt == nil || !got.ConfirmedAt.Equal(*now) || ev.Action != "confirmed" {
		t.Fatalf("confirm: %+v %+v %v", got, ev, err)
	}
	if r := notifyJobsOf(t, pool, ev.ID); strings.Join(r, ",") != "U0PM1" {
		t.Errorf("confirmation told %v, want the owner who fixed it", r)
	}
	_, _, err = s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0REP", Action: feedback.ActionReopen, Reply: "no"})
	if !errors.Is(err, feedback.ErrAlreadyAnswered) {
		t.Fatalf("still broken after confirming = %v", err)
	}
	// Confirmed is final for the owners too.
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionWontFix, Note: "x"}); !errors.Is(err, feedback.ErrIllegalTransition) {
		t.Errorf("owner acting on a confirmed one = %v", err)
	}
	assertEventCount(t, pool, e.ID, "confirmed", 1)
	if _, _, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: 999, ReporterID: "U0REP", Action: feedback.ActionConfirm}); !errors.Is(err, feedback.ErrNotFound) {
		t.Errorf("unknown escalation = %v", err)
	}
}

func TestStillBrokenReopens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	cfg := feedbacktest.Org()
	e := resolveIt(t, s, cfg, "V1", feedback.ActionResolve)
	*now = now.Add(50 * time.Hour)
	words := "Still charged twice <!channel> & <@U0CEO>"
	got, ev, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0REP", Action: feedback.ActionReopen, Reply: words})
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != feedback.StatusOpen || got.Reopened != 1 || got.ReporterNote != words || got.ResolvedAt != nil || got.ConfirmDueAt != nil {
		t.Errorf("reopened: %+v", got)
	}
	if !got.ResolveDueAt.Equal(now.Add(168*time.Hour)) || !got.AckDueAt.Equal(now.Add(24*time.Hour)) {
		t.Errorf("due %s / %s, want both clocks restarted at %s", got.AckDueAt, got.ResolveDueAt, *now)
	}
	if ev.Note != words || ev.Action != "reopened" || ev.ActorID != "U0REP" {
		t.Errorf("event %+v", ev)
	}
	if r := notifyJobsOf(t, pool, ev.ID); strings.Join(r, ",") != "U0PM1,U0PM2,thread" {
		t.Errorf("reopening told %v, want both owners and the thread", r)
	}
	// The owners work it again; the next resolution asks again, with the next round.
	*now = now.Add(time.Hour)
	again, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM2", Action: feedback.ActionResolve, Note: "Refund issued"})
	if err != nil || again.ConfirmDueAt == nil {
		t.Fatalf("resolve again: %+v %v", again, err)
	}
	if _, _, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0REP", Action: feedback.ActionConfirm, Round: 0}); !errors.Is(err, feedback.ErrStaleQuestion) {
		t.Errorf("the first resolution's button = %v, want stale", err)
	}
	if c, _, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0REP", Action: feedback.ActionConfirm, Round: 1}); err != nil || c.Status != feedback.StatusConfirmed || c.Reopened != 1 {
		t.Errorf("confirm the second: %+v %v", c, err)
	}
}

// TestConcurrentReporterAnswers: "Yes, fixed" and "Still broken" pressed many times at
// once make exactly one transition.
func TestConcurrentReporterAnswers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	cfg := feedbacktest.Org()
	e := resolveIt(t, s, cfg, "V1", feedback.ActionResolve)
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() {
			a := feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0REP", Action: feedback.ActionConfirm}
			if i%2 == 1 {
				a.Action, a.Reply = feedback.ActionReopen, "still broken"
			}
			_, _, errs[i] = s.AnswerAsReporter(ctx, cfg, a)
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, feedback.ErrAlreadyAnswered):
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d transitions, want exactly 1", ok)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM escalation_events WHERE escalation_id = $1 AND action IN ('confirmed', 'reopened')`, e.ID).Scan(&n); err != nil || n != 1 {
		t.Errorf("%d answer events (%v), want 1", n, err)
	}
	got, _ := s.Escalation(ctx, e.ID)
	if got.Reopened > 1 {
		t.Errorf("reopened %d times", got.Reopened)
	}
}

func TestUnconfirmedAfterTheWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	cfg := feedbacktest.Org()
	e := resolveIt(t, s, cfg, "V1", feedback.ActionResolve)
	resolvedAt := *now
	*now = resolvedAt.Add(119 * time.Hour)
	if n, err := s.ExpireConfirmations(ctx); err != nil || n != 0 {
		t.Fatalf("inside the window: %d %v", n, err)
	}
	*now = resolvedAt.Add(120*time.Hour + time.Minute)
	if n, err := s.ExpireConfirmations(ctx); err != nil || n != 1 {
		t.Fatalf("past the window: %d %v", n, err)
	}
	if n, err := s.ExpireConfirmations(ctx); err != nil || n != 0 {
		t.Fatalf("twice: %d %v", n, err)
	}
	got, _ := s.Escalation(ctx, e.ID)
	if got.Status != feedback.StatusResolved || !got.Unconfirmed() || got.ConfirmedAt != nil {
		t.Errorf("after the window: %+v", got)
	}
	if _, _, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0REP", Action: feedback.ActionReopen, Reply: "late"}); !errors.Is(err, feedback.ErrQuestionClosed) {
		t.Errorf("a late answer = %v", err)
	}
	assertEventCount(t, pool, e.ID, "unconfirmed", 1)
}

func TestWontFixReview(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	cfg := feedbacktest.Org()
	accepted := resolveIt(t, s, cfg, "V1", feedback.ActionWontFix)
	got, _, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: accepted.ID, ReporterID: "U0REP", Action: feedback.ActionAccept})
	if err != nil || got.Status != feedback.StatusWontFix || got.ConfirmedAt == nil {
		t.Fatalf("accept: %+v %v", got, err)
	}
	reviewed := resolveIt(t, s, cfg, "V2", feedback.ActionWontFix)
	got, ev, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: reviewed.ID, ReporterID: "U0REP", Action: feedback.ActionReview, Reply: "The customer has it in writing"})
	if err != nil || got.Status != feedback.StatusWontFix || got.ReviewRequestedAt == nil || got.ReporterNote != "The customer has it in writing" {
		t.Fatalf("review: %+v %v", got, err)
	}
	if r := notifyJobsOf(t, pool, ev.ID); strings.Join(r, ",") != "U0VP,thread" {
		t.Errorf("review went to %v, want escalate_to and the thread", r)
	}
	if _, _, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: reviewed.ID, ReporterID: "U0REP", Action: feedback.ActionAccept}); !errors.Is(err, feedback.ErrAlreadyAnswered) {
		t.Errorf("accept after review = %v", err)
	}
	// Without escalate_to the admins review.
	cfg.Escalations.EscalateTo = nil
	third := resolveIt(t, s, cfg, "V3", feedback.ActionWontFix)
	_, ev, err = s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: third.ID, ReporterID: "U0REP", Action: feedback.ActionReview, Reply: "please"})
	if err != nil {
		t.Fatal(err)
	}
	if r := notifyJobsOf(t, pool, ev.ID); strings.Join(r, ",") != "U0ADMIN,thread" {
		t.Errorf("review went to %v, want the admins", r)
	}
}

// TestNotAskedWhenNotTold: an escalation whose reporter is not told (imported) or who
// resolved it themselves is not asked.
func TestNotAskedWhenNotTold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	cfg := feedbacktest.Org()
	cfg.Admins = append(cfg.Admins, "U0REP")
	e := raise(t, s, cfg, "V1", "product")
	got, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0REP", Action: feedback.ActionResolve, Note: "fixed it myself"})
	if err != nil || got.ConfirmDueAt != nil {
		t.Errorf("self-resolved: %+v %v", got, err)
	}
}

func TestRemindersEscalateUntilAnswered(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	cfg := feedbacktest.Org() // escalate_after 2, escalate_to U0VP, remind every 24h
	start := *now
	e := raise(t, s, cfg, "V1", "billing") // ack due +4h, resolve +48h
	sweep := func(at time.Duration) []feedback.Event {
		t.Helper()
		*now = start.Add(at)
		if _, err := s.SendDueReminders(ctx, cfg); err != nil {
			t.Fatal(err)
		}
		evs, _ := s.Events(ctx, e.ID)
		return evs
	}
	sweep(5 * time.Hour)
	sweep(29*time.Hour + time.Minute)
	evs := sweep(53*time.Hour + 2*time.Minute)
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	if strings.Join(actions, ",") != "raised,reminded,reminded,escalated" {
		t.Fatalf("trail = %v", actions)
	}
	last := evs[len(evs)-1]
	if last.DueAt == nil || !last.DueAt.Equal(start.Add(4*time.Hour)) || last.Note != "overdue to acknowledge" {
		t.Errorf("escalated event %+v", last)
	}
	if r := notifyJobsOf(t, pool, last.ID); strings.Join(r, ",") != "U0FIN,U0VP,thread" {
		t.Errorf("escalated reminder went to %v", r)
	}
	if r := notifyJobsOf(t, pool, evs[1].ID); strings.Join(r, ",") != "U0FIN,thread" {
		t.Errorf("first reminder went to %v", r)
	}
	got, _ := s.Escalation(ctx, e.ID)
	if got.EscalatedAt == nil || !got.Escalated(cfg.Escalations.EscalateAfter) || got.UnansweredReminders != 3 {
		t.Errorf("after escalating: %+v", got)
	}
	// Acknowledging answers it: the next reminders (the resolution overdue) start again
	// with the owner alone.
	*now = start.Add(54 * time.Hour)
	if got, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0FIN", Action: feedback.ActionAcknowledge}); err != nil || got.Escalated(cfg.Escalations.EscalateAfter) || got.UnansweredReminders != 0 {
		t.Fatalf("acknowledge: %+v %v", got, err)
	}
	evs = sweep(79 * time.Hour)
	last = evs[len(evs)-1]
	if last.Action != "reminded" || last.Note != "overdue to resolve" {
		t.Errorf("after acknowledging, %s %q", last.Action, last.Note)
	}
	if r := notifyJobsOf(t, pool, last.ID); strings.Join(r, ",") != "U0FIN,thread" {
		t.Errorf("reminder after acknowledging went to %v", r)
	}
	// Nobody to escalate to: reminders stay with the owners.
	cfg.Escalations.EscalateTo = nil
	sweep(103*time.Hour + time.Minute)
	evs = sweep(127*time.Hour + 2*time.Minute)
	if a := evs[len(evs)-1].Action; a != "reminded" {
		t.Errorf("without escalate_to: %s", a)
	}
}

func TestRemindersRespectBusinessHours(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, now := newStore(t)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	cfg := feedbacktest.Org()
	cfg.Location = ny
	cfg.Escalations.BusinessHours = feedback.BusinessHours{Start: 9 * time.Hour, End: 18 * time.Hour,
		Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}
	// Thursday 10:00 in New York; billing's 4h acknowledgement is due at 14:00.
	*now = time.Date(2026, 11, 19, 10, 0, 0, 0, ny)
	e := raise(t, s, cfg, "V1", "billing")
	sweepAt := func(local time.Time) int {
		t.Helper()
		*now = local
		n, err := s.SendDueReminders(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sweepAt(time.Date(2026, 11, 19, 18, 30, 0, 0, ny)); n != 0 {
		t.Errorf("18:30: %d reminders, want none after hours", n)
	}
	if n := sweepAt(time.Date(2026, 11, 20, 3, 0, 0, 0, ny)); n != 0 {
		t.Errorf("3 a.m.: %d reminders", n)
	}
	if n := sweepAt(time.Date(2026, 11, 20, 9, 0, 0, 0, ny)); n != 1 {
		t.Errorf("09:00: %d reminders, want the first", n)
	}
	if n := sweepAt(time.Date(2026, 11, 21, 10, 0, 0, 0, ny)); n != 0 {
		t.Errorf("Saturday: %d reminders, want none", n)
	}
	if n := sweepAt(time.Date(2026, 11, 23, 9, 5, 0, 0, ny)); n != 1 {
		t.Errorf("Monday morning: %d reminders, want one", n)
	}
	// A critical one is chased on Saturday (its clock did not stop), still not at night.
	*now = time.Date(2026, 11, 27, 17, 0, 0, 0, ny) // Friday 17:00
	c, errs := feedback.EscalationDraft{ReporterID: "U0REP", Team: "billing", Severity: "critical", Summary: "Outage",
		Source: feedback.SourceSlashCommand, Key: "V2"}.Validate(cfg)
	if errs != nil {
		t.Fatal(errs)
	}
	c, _, err = s.RaiseEscalation(ctx, cfg, c)
	if err != nil {
		t.Fatal(err)
	}
	if !c.AckDueAt.Equal(now.Add(4 * time.Hour)) {
		t.Errorf("critical ack due %s, want 4h on the clock", c.AckDueAt)
	}
	if n := sweepAt(time.Date(2026, 11, 28, 2, 0, 0, 0, ny)); n != 0 {
		t.Errorf("critical at 2 a.m. Saturday: %d", n)
	}
	if n := sweepAt(time.Date(2026, 11, 28, 9, 30, 0, 0, ny)); n != 1 {
		t.Errorf("critical on Saturday morning: %d, want 1", n)
	}
	_ = e
}

// TestExportLoopColumns: reopened, confirmed_at and top_performer follow INTERFACE.md's
// columns, in CSV and JSON Lines.
func TestExportLoopColumns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, now := newStore(t)
	cfg := feedbacktest.Org()
	cfg.TopPerformers.Always = []string{"U0REP"}
	e := resolveIt(t, s, cfg, "V1", feedback.ActionResolve)
	if _, _, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0REP", Action: feedback.ActionReopen, Reply: "no"}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Hour)
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionResolve, Note: "again"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: e.ID, ReporterID: "U0REP", Action: feedback.ActionConfirm, Round: 1}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.ExportEscalations(ctx, &buf, feedback.FormatCSV, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, c := range recs[0] {
		col[c] = i
	}
	for _, c := range []string{"reopened", "confirmed_at", "top_performer"} {
		if col[c] < 13 {
			t.Errorf("column %s at %d, want after INTERFACE.md's 13", c, col[c])
		}
	}
	row := recs[1]
	if row[col["status"]] != "confirmed" || row[col["reopened"]] != "1" || row[col["confirmed_at"]] != "2026-11-20T16:00:00Z" || row[col["top_performer"]] != "true" {
		t.Errorf("row = %q", row)
	}
	buf.Reset()
	if _, err := s.ExportEscalations(ctx, &buf, feedback.FormatJSON, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(buf.Bytes(), &obj); err != nil {
		t.Fatal(err)
	}
	if obj["reopened"] != float64(1) || obj["top_performer"] != true || obj["confirmed_at"] != "2026-11-20T16:00:00Z" {
		t.Errorf("json = %v", obj)
	}
}
