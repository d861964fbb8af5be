package demo

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vosbot/vosbot/digest"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/internal/pgtest"
)

// TestDemoMeasures: the demo's teams report their measures — a few met, Marketing's
// missed for weeks (which raised a dropped ball), Engineering not reporting — and the
// digest's Revenue drivers show it; the same seed gives the same values.
func TestDemoMeasures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	org, err := NewOrg(Size{Weeks: 12, Reps: 4})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	clock := time.Date(2026, 11, 21, 9, 0, 0, 0, org.Org.Location)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	setNow := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }
	store, err := feedback.NewStore(pool, feedback.StoreOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ms, err := measures.NewStore(pool, measures.StoreOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 11, 20, 16, 0, 0, 0, org.Org.Location)
	res, err := GenerateMeasures(ctx, ms, store, setNow, org, end, 20261120)
	if err != nil {
		t.Fatal(err)
	}
	if res.Values != 74 || res.Escalations != 1 {
		t.Errorf("generated %+v", res)
	}
	p, err := org.Digest.PeriodAt(end)
	if err != nil {
		t.Fatal(err)
	}
	r, err := (&digest.Builder{Pool: pool, Org: org.Org, Scorecard: org.Scorecard}).Build(ctx, org.Digest, p)
	if err != nil {
		t.Fatal(err)
	}
	met, missed, _ := r.Measures.Counts()
	if met < 3 || missed != 1 {
		t.Errorf("%d met, %d missed", met, missed)
	}
	for _, tm := range r.Measures.Teams {
		switch tm.Key {
		case "marketing":
			if st := tm.Measures[0].Streak; st.Status != measures.Missed || st.Weeks < 4 {
				t.Errorf("marketing's streak %+v", st)
			}
		case "engineering":
			if !tm.NotReporting || tm.SilentWeeks != 4 {
				t.Errorf("engineering %+v", tm)
			}
		default:
			if tm.NotReporting {
				t.Errorf("%s not reporting", tm.Key)
			}
		}
	}
	ids, err := ms.Escalations(ctx, "marketing", "qualified_leads")
	if err != nil || len(ids) != 1 {
		t.Errorf("marketing's dropped balls %v %v", ids, err)
	}
}
