package feedback_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
)

func TestRankTopPerformers(t *testing.T) {
	t.Parallel()
	vals := func(pairs ...any) []feedback.RepValue {
		var out []feedback.RepValue
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, feedback.RepValue{RepID: pairs[i].(string), Cents: int64(pairs[i+1].(int))})
		}
		return out
	}
	half := feedback.TopPerformerPolicy{Share: 0.5}
	tests := []struct {
		name   string
		values []feedback.RepValue
		p      feedback.TopPerformerPolicy
		want   string
	}{
		{"top half of four", vals("A", 400, "B", 300, "C", 200, "D", 100), half, "A,B"},
		{"top half of five rounds down", vals("A", 500, "B", 400, "C", 300, "D", 200, "E", 100), half, "A,B"},
		{"a tie at the cut is all in", vals("A", 400, "B", 300, "C", 300, "D", 100), half, "A,B,C"},
		{"everyone tied", vals("A", 100, "B", 100, "C", 100, "D", 100), half, "A,B,C,D"},
		{"three reps: nobody", vals("A", 900, "B", 300, "C", 100), half, ""},
		{"four reps, one without a won deal: nobody", vals("A", 900, "B", 300, "C", 100, "D", 0), half, ""},
		{"a small share still marks one", vals("A", 4, "B", 3, "C", 2, "D", 1), feedback.TopPerformerPolicy{Share: 0.1}, "A"},
		{"share 1: all ranked", vals("A", 4, "B", 3, "C", 2, "D", 1), feedback.TopPerformerPolicy{Share: 1}, "A,B,C,D"},
		{"always, with too few ranked", vals("A", 900), feedback.TopPerformerPolicy{Share: 0.5, Always: []string{"U0NEW"}}, "U0NEW=always"},
		{"always besides the ranking", vals("A", 4, "B", 3, "C", 2, "D", 1), feedback.TopPerformerPolicy{Share: 0.5, Always: []string{"D"}}, "A,B,D=always"},
		{"forgotten reps are not ranked", vals("A", 4, "B", 3, "C", 2, feedback.Forgotten, 9), half, ""},
		{"nobody", nil, half, ""},
	}
	for _, tt := range tests {
		got := feedback.RankTopPerformers(tt.values, tt.p)
		var parts []string
		for _, id := range slices.Sorted(maps.Keys(got)) {
			if got[id] == feedback.TopAlways {
				parts = append(parts, id+"=always")
			} else {
				parts = append(parts, id)
			}
		}
		if s := strings.Join(parts, ","); s != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, s, tt.want)
		}
	}
}

// wonDeal files won feedback worth k thousand USD for rep at the store's clock.
func wonDeal(t *testing.T, s *feedback.Store, rep string, k int, key string) {
	t.Helper()
	f, errs := feedback.Draft{ReporterID: rep, Outcome: "won", Account: "Acme", DealValue: fmt.Sprintf("%dk", k),
		Source: feedback.SourceSlashCommand, Key: key}.Validate(rules)
	if errs != nil {
		t.Fatal(errs)
	}
	if _, _, err := s.SaveFeedback(context.Background(), f); err != nil {
		t.Fatal(err)
	}
}

// TestTopPerformerAtRaise: the mark is the ranking when the escalation is raised, from
// won feedback in the window; it stays when the ranking changes, as when a rep leaves.
func TestTopPerformerAtRaise(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, now := newStore(t)
	cfg := feedbacktest.Org() // top half, 180 days
	start := *now
	*now = start.Add(-200 * 24 * time.Hour)
	wonDeal(t, s, "U0OLD", 5000, "old") // outside the window by the time of the raises
	*now = start.Add(-10 * 24 * time.Hour)
	for i, rep := range []string{"U0REP", "U0ANA", "U0BOB", "U0CAT"} {
		wonDeal(t, s, rep, []int{500, 400, 100, 50}[i], "w"+rep)
	}
	wonDeal(t, s, "U0CAT", 20, "cat2") // a second, smaller deal
	*now = start
	top, err := s.TopPerformers(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(slices.Sorted(maps.Keys(top)), ","); got != "U0ANA,U0REP" {
		t.Fatalf("top performers %s, want U0ANA,U0REP", got)
	}
	e := raise(t, s, cfg, "V1", "product") // by U0REP
	if !e.TopPerformer {
		t.Error("a top performer's escalation is not marked")
	}
	// Fewer than four reps with won deals: nobody is marked.
	few := *cfg
	few.TopPerformers.Window = 5 * 24 * time.Hour
	if top, _ := s.TopPerformers(ctx, &few); len(top) != 0 {
		t.Errorf("no won deals in 5 days, yet %v", top)
	}
	// The rep leaves and is forgotten: their won deals no longer rank them, the others
	// move up, and what they raised keeps the mark it had.
	if _, err := s.Forget(ctx, "U0REP", true); err != nil {
		t.Fatal(err)
	}
	wonDeal(t, s, "U0DAN", 10, "dan")
	top, _ = s.TopPerformers(ctx, cfg)
	if got := strings.Join(slices.Sorted(maps.Keys(top)), ","); got != "U0ANA,U0BOB" {
		t.Errorf("after U0REP left: %s, want U0ANA,U0BOB", got)
	}
	if got, _ := s.Escalation(ctx, e.ID); !got.TopPerformer {
		t.Error("the mark changed after the ranking did")
	}
	// The nightly record.
	if n, err := s.RefreshTopPerformers(ctx, cfg); err != nil || n != 2 {
		t.Fatalf("refresh: %d %v", n, err)
	}
	cfg.TopPerformers.Always = []string{"U0ZED"}
	if n, err := s.RefreshTopPerformers(ctx, cfg); err != nil || n != 3 {
		t.Fatalf("refresh with always: %d %v", n, err)
	}
	stored, err := s.StoredTopPerformers(ctx)
	if err != nil || stored["U0ZED"] != feedback.TopAlways || stored["U0ANA"] != feedback.TopRanked || len(stored) != 3 {
		t.Errorf("stored ranking %v %v", stored, err)
	}
	// A rep not in the ranking raises: not marked.
	*now = start.Add(time.Hour)
	other, errs := feedback.EscalationDraft{ReporterID: "U0CAT", Team: "billing", Summary: "x", Source: feedback.SourceSlashCommand, Key: "V2"}.Validate(cfg)
	if errs != nil {
		t.Fatal(errs)
	}
	other, _, err = s.RaiseEscalation(ctx, cfg, other)
	if err != nil || other.TopPerformer {
		t.Errorf("U0CAT marked %v (%v)", other.TopPerformer, err)
	}
}

// TestTopPerformersFromCRMDeals: when the CRM reported deals closed in the window, the
// ranking is by their won value per owner, not by what reps filed; deals in another
// currency and owners not found in Slack are left out.
func TestTopPerformersFromCRMDeals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	cfg := feedbacktest.Org()
	// By their feedback, U0REP and U0ANA lead.
	for i, rep := range []string{"U0REP", "U0ANA", "U0BOB", "U0CAT"} {
		wonDeal(t, s, rep, []int{500, 400, 100, 50}[i], "w"+rep)
	}
	// The CRM says otherwise.
	for i, d := range []struct {
		owner, currency, outcome string
		amount                   int
	}{{"U0CAT", "USD", "won", 9000}, {"U0BOB", "USD", "won", 8000}, {"U0ANA", "USD", "won", 10}, {"U0REP", "USD", "won", 5},
		{"U0REP", "JPY", "won", 9_000_000}, {"U0ANA", "USD", "lost", 50_000}} {
		if _, err := pool.Exec(ctx, `INSERT INTO deals (crm, deal_id, account, outcome, amount, currency, closed_at, owner_id, source, observed_at, created_at, updated_at)
            VALUES ('hubspot', $1, 'Acct', $2, $3, $4, $5, $6, 'import', $5, $5, $5)`,
			fmt.Sprint("d", i), d.outcome, d.amount, d.currency, now.Add(-24*time.Hour), d.owner); err != nil {
			t.Fatal(err)
		}
	}
	top, err := s.TopPerformers(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(slices.Sorted(maps.Keys(top)), ","); got != "U0BOB,U0CAT" {
		t.Errorf("top performers %s, want U0BOB,U0CAT (by the CRM's won deals in USD)", got)
	}
}
