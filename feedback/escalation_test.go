package feedback_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
)

// TestTransitionEveryPair covers every (status, action) pair of the state machine.
func TestTransitionEveryPair(t *testing.T) {
	t.Parallel()
	const illegal = feedback.Status("illegal")
	want := map[feedback.Status]map[feedback.Action]feedback.Status{
		feedback.StatusOpen: {
			feedback.ActionAcknowledge: feedback.StatusAcknowledged,
			feedback.ActionResolve:     feedback.StatusResolved,
			feedback.ActionWontFix:     feedback.StatusWontFix,
			feedback.ActionReassign:    feedback.StatusOpen,
		},
		feedback.StatusAcknowledged: {
			feedback.ActionAcknowledge: illegal,
			feedback.ActionResolve:     feedback.StatusResolved,
			feedback.ActionWontFix:     feedback.StatusWontFix,
			feedback.ActionReassign:    feedback.StatusOpen,
		},
		feedback.StatusResolved: {
			feedback.ActionAcknowledge: illegal, feedback.ActionResolve: illegal,
			feedback.ActionWontFix: illegal, feedback.ActionReassign: illegal,
		},
		feedback.StatusConfirmed: {
			feedback.ActionAcknowledge: illegal, feedback.ActionResolve: illegal,
			feedback.ActionWontFix: illegal, feedback.ActionReassign: illegal,
		},
		feedback.StatusWontFix: {
			feedback.ActionAcknowledge: illegal, feedback.ActionResolve: illegal,
			feedback.ActionWontFix: illegal, feedback.ActionReassign: illegal,
		},
	}
	for _, from := range feedback.Statuses {
		for _, a := range feedback.Actions {
			exp, ok := want[from][a]
			if !ok {
				t.Fatalf("test table misses (%s, %s)", from, a)
			}
			got, err := feedback.Transition(from, a)
			if exp == illegal {
				if !errors.Is(err, feedback.ErrIllegalTransition) || got != from {
					t.Errorf("(%s, %s) = %s, %v; want refused and unchanged", from, a, got, err)
				}
				continue
			}
			if err != nil || got != exp {
				t.Errorf("(%s, %s) = %s, %v; want %s", from, a, got, err, exp)
			}
		}
	}
	if _, err := feedback.Transition(feedback.StatusOpen, "explode"); !errors.Is(err, feedback.ErrIllegalTransition) {
		t.Errorf("unknown action: %v", err)
	}
	if _, err := feedback.Transition("bogus", feedback.ActionResolve); !errors.Is(err, feedback.ErrIllegalTransition) {
		t.Errorf("unknown status: %v", err)
	}
}

func raise(t *testing.T, s *feedback.Store, cfg *feedback.Org, key, team string) feedback.Escalation {
	t.Helper()
	e, errs := feedback.EscalationDraft{ReporterID: "U0REP", Team: team, Account: "Acme", Severity: "high",
		RevenueAtRisk: "120k", Summary: "Invoice sent twice <!here>", Needed: "Credit note by Friday",
		Source: feedback.SourceSlashCommand, Key: key}.Validate(cfg)
	if errs != nil {
		t.Fatal(errs)
	}
	saved, created, err := s.RaiseEscalation(context.Background(), cfg, e)
	if err != nil || !created {
		t.Fatalf("raise: %v %v", created, err)
	}
	return saved
}

func TestRaiseEscalation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	cfg := feedbacktest.Org()
	e := raise(t, s, cfg, "V1", "billing")
	if e.Status != feedback.StatusOpen || !e.AckDueAt.Equal(now.Add(4*time.Hour)) || !e.ResolveDueAt.Equal(now.Add(48*time.Hour)) {
		t.Errorf("billing due times %s / %s, want the team's 4h / 48h", e.AckDueAt, e.ResolveDueAt)
	}
	if e.RevenueAtRisk.Cents != 12_000_000 || e.Summary != "Invoice sent twice <!here>" {
		t.Errorf("stored %+v", e)
	}
	p := raise(t, s, cfg, "V2", "product")
	if !p.AckDueAt.Equal(now.Add(24 * time.Hour)) {
		t.Errorf("product ack due %s, want the default 24h", p.AckDueAt)
	}
	again, created, err := s.RaiseEscalation(ctx, cfg, e)
	if err != nil || created || again.ID != e.ID {
		t.Errorf("repeat: %v %v", created, err)
	}
	// Post + 2 product owners... for billing: post, 1 owner, reporter.
	if n := jobCount(t, pool, "escalation_post"); n != 2 {
		t.Errorf("post jobs = %d, want 2", n)
	}
	if n := jobCount(t, pool, "escalation_notify"); n != 2+3 {
		t.Errorf("notify jobs = %d, want 5 (billing: owner + reporter; product: 2 owners + reporter)", n)
	}
	evs, err := s.Events(ctx, e.ID)
	if err != nil || len(evs) != 1 || evs[0].Action != "raised" {
		t.Errorf("events = %+v %v", evs, err)
	}
}

func TestEscalationDraftValidation(t *testing.T) {
	t.Parallel()
	cfg := feedbacktest.Org()
	tests := []struct {
		d     feedback.EscalationDraft
		field string
	}{
		{feedback.EscalationDraft{ReporterID: "U1", Summary: "x"}, feedback.FieldTeam},
		{feedback.EscalationDraft{ReporterID: "U1", Team: "legal", Summary: "x"}, feedback.FieldTeam},
		{feedback.EscalationDraft{ReporterID: "U1", Team: "product", Summary: "  "}, feedback.FieldSummary},
		{feedback.EscalationDraft{ReporterID: "U1", Team: "product", Summary: "x", Severity: "urgent"}, feedback.FieldSeverity},
		{feedback.EscalationDraft{ReporterID: "U1", Team: "product", Summary: "x", RevenueAtRisk: "a lot"}, feedback.FieldRevenueAtRisk},
		{feedback.EscalationDraft{ReporterID: "U1", Team: "product", Summary: strings.Repeat("x", 3001)}, feedback.FieldSummary},
	}
	for _, tt := range tests {
		if _, errs := tt.d.Validate(cfg); errs[tt.field] == "" {
			t.Errorf("%+v: no error on %s: %v", tt.d, tt.field, errs)
		}
	}
	e, errs := feedback.EscalationDraft{ReporterID: "U1", Team: "billing", Summary: "x", RevenueAtRisk: "€5k"}.Validate(cfg)
	if errs != nil || e.Severity != feedback.SeverityMedium || e.Currency != "EUR" {
		t.Errorf("defaults: %+v %v", e, errs)
	}
}

func TestSplitTeam(t *testing.T) {
	t.Parallel()
	cfg := feedbacktest.Org()
	tests := []struct{ text, team, rest string }{
		{"billing invoice sent twice", "billing", "invoice sent twice"},
		{"BILLING", "billing", ""},
		{"Finance & Billing double charge", "billing", "double charge"},
		{"product", "product", ""},
		{"productive meeting missed", "", "productive meeting missed"},
		{"", "", ""},
	}
	for _, tt := range tests {
		team, rest := feedback.SplitTeam(tt.text, cfg)
		if team != tt.team || rest != tt.rest {
			t.Errorf("SplitTeam(%q) = %q, %q; want %q, %q", tt.text, team, rest, tt.team, tt.rest)
		}
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, now := newStore(t)
	cfg := feedbacktest.Org()
	e := raise(t, s, cfg, "V1", "product")

	_, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0REP", Action: feedback.ActionAcknowledge})
	var refused *feedback.RefusedError
	if !errors.As(err, &refused) || !errors.Is(err, feedback.ErrForbidden) {
		t.Fatalf("reporter acknowledging = %v, want refused as forbidden", err)
	}

	*now = now.Add(time.Hour)
	e, ev, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM2", Action: feedback.ActionAcknowledge})
	if err != nil || e.Status != feedback.StatusAcknowledged || e.OwnerID != "U0PM2" || !e.AcknowledgedAt.Equal(*now) || ev.Action != "acknowledged" {
		t.Fatalf("acknowledge: %+v %+v %v", e, ev, err)
	}
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionResolve}); !errors.Is(err, feedback.ErrNoteRequired) {
		t.Fatalf("resolve without note = %v", err)
	}
	*now = now.Add(time.Hour)
	e, _, err = s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0ADMIN", Action: feedback.ActionResolve, Note: "Credit note sent <@U0REP>"})
	if err != nil || e.Status != feedback.StatusResolved || e.Resolution != "Credit note sent <@U0REP>" || !e.ResolvedAt.Equal(*now) || e.OwnerID != "U0PM2" {
		t.Fatalf("resolve by admin: %+v %v", e, err)
	}
	_, _, err = s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionResolve, Note: "again"})
	if !errors.Is(err, feedback.ErrIllegalTransition) || !errors.As(err, &refused) || refused.Escalation.Status != feedback.StatusResolved {
		t.Fatalf("resolve twice = %v", err)
	}
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: 999, ActorID: "U0PM1", Action: feedback.ActionAcknowledge}); !errors.Is(err, feedback.ErrNotFound) {
		t.Fatalf("forged id = %v", err)
	}
	evs, _ := s.Events(ctx, e.ID)
	var actions []string
	for _, ev := range evs {
		actions = append(actions, ev.Action)
	}
	if strings.Join(actions, ",") != "raised,acknowledged,resolved" {
		t.Errorf("audit trail = %v", actions)
	}
}

func TestReassignRestartsClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, now := newStore(t)
	cfg := feedbacktest.Org()
	e := raise(t, s, cfg, "V1", "product")
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionAcknowledge}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(30 * time.Hour)
	e, ev, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionReassign, ToTeam: "billing", Note: "it's an invoicing bug"})
	if err != nil {
		t.Fatal(err)
	}
	if e.Team != "billing" || e.Status != feedback.StatusOpen || e.OwnerID != "" || e.AcknowledgedAt != nil || !e.AckDueAt.Equal(now.Add(4*time.Hour)) {
		t.Errorf("after reassign: %+v", e)
	}
	if *ev.FromTeam != "product" || *ev.ToTeam != "billing" {
		t.Errorf("event %+v", ev)
	}
	// The old team's owners may no longer act; the new one may.
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionAcknowledge}); !errors.Is(err, feedback.ErrForbidden) {
		t.Errorf("old owner after reassign = %v", err)
	}
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0FIN", Action: feedback.ActionWontFix, Note: "Contract says so"}); err != nil {
		t.Errorf("new owner won't fix = %v", err)
	}
}

func TestConcurrentAcknowledge(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	cfg := feedbacktest.Org()
	e := raise(t, s, cfg, "V1", "product")
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			owner := []string{"U0PM1", "U0PM2"}[i%2]
			_, _, errs[i] = s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: owner, Action: feedback.ActionAcknowledge})
		})
	}
	wg.Wait()
	ok, refused := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, feedback.ErrIllegalTransition):
			refused++
		default:
			t.Errorf("unexpected: %v", err)
		}
	}
	if ok != 1 || refused != 7 {
		t.Errorf("%d transitions and %d refusals, want exactly 1 and 7", ok, refused)
	}
	assertEventCount(t, pool, e.ID, "acknowledged", 1)
}

func assertEventCount(t *testing.T, pool *pgxpool.Pool, id int64, action string, want int) {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM escalation_events WHERE escalation_id = $1 AND action = $2`, id, action).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("%d %q events, want %d", n, action, want)
	}
}

func TestReminders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	cfg := feedbacktest.Org()
	start := *now
	e := raise(t, s, cfg, "V1", "product")     // ack due +24h
	other := raise(t, s, cfg, "V2", "billing") // ack due +4h, resolve +48h
	sweep := func(at time.Duration) int {
		t.Helper()
		*now = start.Add(at)
		n, err := s.SendDueReminders(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := sweep(3 * time.Hour); n != 0 {
		t.Errorf("before any due time: %d reminders", n)
	}
	if n := sweep(5 * time.Hour); n != 1 {
		t.Errorf("billing past its 4h ack: %d reminders, want 1", n)
	}
	if n := sweep(6 * time.Hour); n != 0 {
		t.Errorf("inside remind_every: %d reminders, want 0", n)
	}
	if n := sweep(25 * time.Hour); n != 1 {
		t.Errorf("product past its 24h ack (billing reminded 20h ago): %d, want 1", n)
	}
	if n := sweep(29*time.Hour + time.Minute); n != 1 {
		t.Errorf("billing again after 24h: %d, want 1", n)
	}
	// Resolved: never again.
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: other.ID, ActorID: "U0FIN", Action: feedback.ActionResolve, Note: "done"}); err != nil {
		t.Fatal(err)
	}
	if n := sweep(60 * time.Hour); n != 1 {
		t.Errorf("only product left overdue: %d, want 1", n)
	}
	assertEventCount(t, pool, other.ID, "reminded", 2)
	assertEventCount(t, pool, e.ID, "reminded", 2)
	// 5 at raise time; each reminder a thread reply plus the owners (billing 1, product
	// 2): 2+3+2+3; and the reporter told of the resolution.
	if got := jobCount(t, pool, "escalation_notify"); got != 5+10+1 {
		t.Errorf("notify jobs = %d, want 16", got)
	}
}

func TestExportEscalations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, now := newStore(t)
	cfg := feedbacktest.Org()
	e := raise(t, s, cfg, "V1", "product")
	*now = now.Add(2 * time.Hour)
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionAcknowledge}); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(2 * time.Hour)
	if _, _, err := s.ApplyAct(ctx, cfg, feedback.Act{EscalationID: e.ID, ActorID: "U0PM1", Action: feedback.ActionResolve, Note: "Refunded, sorry"}); err != nil {
		t.Fatal(err)
	}
	raise(t, s, cfg, "V2", "billing")
	var buf bytes.Buffer
	if _, err := s.ExportEscalations(ctx, &buf, feedback.FormatCSV, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0][:13], ","); got != "id,created_at,reporter_id,team,account,severity,revenue_at_risk,summary,status,owner_id,acknowledged_at,resolved_at,resolution" {
		t.Errorf("header = %s", got)
	}
	row := recs[1]
	want := []string{fmt.Sprint(e.ID), "2026-11-20T15:00:00Z", "U0REP", "product", "Acme", "high", "120000.00", "Invoice sent twice <!here>",
		"resolved", "U0PM1", "2026-11-20T17:00:00Z", "2026-11-20T19:00:00Z", "Refunded, sorry"}
	if strings.Join(row[:13], "|") != strings.Join(want, "|") {
		t.Errorf("row = %q\nwant %q", row[:13], want)
	}
	if open := recs[2]; open[8] != "open" || open[9] != "" || open[10] != "" || open[11] != "" {
		t.Errorf("open row = %q", open)
	}
}

// TestWithMessageSerialises is the race a quick acknowledgement ran into: two jobs
// showing one escalation at once must post it once and update it after.
func TestWithMessageSerialises(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	cfg := feedbacktest.Org()
	e := raise(t, s, cfg, "V1", "product")
	var mu sync.Mutex
	posts, updates := 0, 0
	show := func(cur feedback.Escalation) (feedback.MessageRef, error) {
		mu.Lock()
		defer mu.Unlock()
		if cur.MessageTS == "" {
			posts++
			time.Sleep(50 * time.Millisecond) // a slow Slack
			return feedback.MessageRef{ChannelID: "C0ESC", TS: fmt.Sprint("1.", posts)}, nil
		}
		updates++
		return feedback.MessageRef{ChannelID: cur.ChannelID, TS: cur.MessageTS}, nil
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := s.WithMessage(ctx, e.ID, show); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if posts != 1 || updates != 3 {
		t.Errorf("%d posts and %d updates, want 1 and 3", posts, updates)
	}
	got, _ := s.Escalation(ctx, e.ID)
	if got.ChannelID != "C0ESC" || got.MessageTS != "1.1" {
		t.Errorf("message = %s %s", got.ChannelID, got.MessageTS)
	}
	// A message replaced (deleted upstream) is recorded.
	if err := s.WithMessage(ctx, e.ID, func(feedback.Escalation) (feedback.MessageRef, error) {
		return feedback.MessageRef{ChannelID: "C0ESC", TS: "2.0"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	assertEventCount(t, pool, e.ID, "reposted", 1)
}
