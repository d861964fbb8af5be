package feedback_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

func TestForgetAndPurgeDeals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	org := dealOrg()
	in := dealInput("1", "lost")
	in.OwnerSlackID = "U0GONE"
	rec, err := s.ReceiveDeal(ctx, org, in)
	if err != nil {
		t.Fatal(err)
	}
	var dm sent
	if _, err := s.NudgeDeal(ctx, org, rec.Deal.ID, feedback.Lost, "U0GONE", dm.send); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SkipDeal(ctx, org, rec.Deal.ID, "U0GONE", feedback.SkipNoContact); err != nil {
		t.Fatal(err)
	}
	c, err := s.Forget(ctx, "U0GONE", true)
	if err != nil || c.DealsOwned != 1 || c.DealEvents != 1 {
		t.Fatalf("forget = %+v, %v", c, err)
	}
	d, _ := s.Deal(ctx, rec.Deal.ID)
	if d.OwnerID != feedback.Forgotten || d.OwnerSlackID != feedback.Forgotten || d.OwnerEmail != "" {
		t.Errorf("deal after forget %+v", d)
	}
	evs, _ := s.DealEvents(ctx, rec.Deal.ID)
	for _, e := range evs {
		if e.ActorID == "U0GONE" || strings.Contains(e.Note, "U0GONE") {
			t.Errorf("event still names them: %+v", e)
		}
	}
	var left int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM deal_nudges WHERE owner_id = 'U0GONE'`).Scan(&left)
	if left != 0 {
		t.Error("the nudge still names them")
	}

	*now = now.Add(24 * time.Hour)
	p, err := s.Purge(ctx, *now, true)
	if err != nil || p.Deals != 1 {
		t.Fatalf("purge = %+v, %v", p, err)
	}
	if _, err := s.Deal(ctx, rec.Deal.ID); err == nil {
		t.Error("the deal survived the purge")
	}
}
