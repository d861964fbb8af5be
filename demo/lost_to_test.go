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

// TestDemoSaysWhoBeatUs: most of the demo's lost deals name who won them (a competitor,
// or no one), and its digest's competitor table counts deals lost to each.
func TestDemoSaysWhoBeatUs(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	var mu sync.Mutex
	clock := time.Now()
	store, err := feedback.NewStore(pool, feedback.StoreOptions{Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	org, err := NewOrg(Default)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Generate(ctx, store, func(at time.Time) { mu.Lock(); clock = at; mu.Unlock() }, org, Default, time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), 20261120)
	if err != nil {
		t.Fatal(err)
	}
	var lost, named, none int
	if err := pool.QueryRow(ctx, `SELECT count(*)::int, count(*) FILTER (WHERE lost_to <> '')::int, count(*) FILTER (WHERE lost_to = 'none')::int
        FROM feedback WHERE outcome = 'lost'`).Scan(&lost, &named, &none); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d lost deals: %d say who won, %d of them no one", lost, named, none)
	if lost == 0 || named*10 < lost*7 || none == 0 || none*2 > named {
		t.Errorf("%d lost deals, %d say who won, %d no one: want most to name a winner, a few no one", lost, named, none)
	}
	p, err := org.Digest.PeriodAt(res.End)
	if err != nil {
		t.Fatal(err)
	}
	r, err := (&digest.Builder{Pool: pool, Org: org.Org}).Build(ctx, org.Digest, p)
	if err != nil {
		t.Fatal(err)
	}
	lostTo := 0
	for _, c := range r.Competitors {
		lostTo += c.LostTo
	}
	if text := digest.PlainText(r, org.Names); lostTo == 0 || !strings.Contains(text, "lost to it over 4 periods") {
		t.Errorf("the demo's digest counts %d deals lost to competitors:\n%s", lostTo, text)
	}
}
