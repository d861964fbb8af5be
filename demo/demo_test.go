package demo

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vosbot/vosbot/digest"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestDemoShowsTheLoop: the demo's twelve weeks give its digest the loop's numbers:
// reopened and confirmed fixes, escalations past the owners, and the top performers'
// dropped balls, without naming a top performer.
func TestDemoShowsTheLoop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	setNow := func(at time.Time) { mu.Lock(); clock = at; mu.Unlock() }
	store, err := feedback.NewStore(pool, feedback.StoreOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	org, err := NewOrg(Default)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(ctx, store, setNow, org, Default, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), 20261120)
	if err != nil {
		t.Fatal(err)
	}
	var counts = map[string]int{}
	rows, err := pool.Query(ctx, `SELECT action, count(*)::int FROM escalation_events GROUP BY action`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a string
		var n int
		if err := rows.Scan(&a, &n); err != nil {
			t.Fatal(err)
		}
		counts[a] = n
	}
	rows.Close()
	var top, all int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE top_performer)::int, count(*)::int FROM escalations`).Scan(&top, &all); err != nil {
		t.Fatal(err)
	}
	t.Logf("events %v; %d of %d escalations from top performers", counts, top, all)
	for _, a := range []string{"confirmed", "reopened", "escalated", "unconfirmed", "accepted"} {
		if counts[a] == 0 {
			t.Errorf("the demo has no %q event", a)
		}
	}
	if top == 0 || top > all/2 {
		t.Errorf("%d of %d escalations from top performers (the top quarter)", top, all)
	}
	p, err := org.Digest.PeriodAt(res.End)
	if err != nil {
		t.Fatal(err)
	}
	r, err := (&digest.Builder{Pool: pool, Org: org.Org}).Build(ctx, org.Digest, p)
	if err != nil {
		t.Fatal(err)
	}
	text := digest.PlainText(r, org.Names)
	for _, want := range []string{"From top performers — raised", "confirmed by the reporter", "reopened", "escalated past owners"} {
		if !strings.Contains(text, want) {
			t.Errorf("the demo's digest lacks %q:\n%s", want, text)
		}
	}
}
