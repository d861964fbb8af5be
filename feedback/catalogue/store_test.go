package catalogue_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestReplicasWithDifferentCatalogues: two replicas start at once, each syncing its own
// catalogue. The syncs take turns; whichever ran last is the catalogue both then read,
// nothing is stored twice, and the theme only one of them has is kept (retired or in
// the catalogue), never deleted.
func TestReplicasWithDifferentCatalogues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	a := catalogue.Catalogue{{Key: "price", Name: "Price"}, {Key: "timing", Name: "Timing"}}
	b := catalogue.Catalogue{{Key: "price", Name: "Price or packaging"}, {Key: "support", Name: "Support"}}
	for round := range 5 {
		var wg sync.WaitGroup
		for _, cat := range []catalogue.Catalogue{a, b} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, _, err := catalogue.NewStore(pool, nil).Sync(ctx, cat); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		one, two := catalogue.NewStore(pool, nil), catalogue.NewStore(pool, nil)
		c1, err := one.Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := two.Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		k1, k2 := c1.Keys(), c2.Keys()
		if len(k1) != 2 || len(k2) != 2 || k1[0] != k2[0] || k1[1] != k2[1] {
			t.Fatalf("round %d: replicas read %v and %v", round, k1, k2)
		}
		var rows, keys int
		if err := pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT key) FROM themes`).Scan(&rows, &keys); err != nil {
			t.Fatal(err)
		}
		if rows != 3 || keys != 3 {
			t.Fatalf("round %d: %d theme rows for %d keys, want 3 and 3", round, rows, keys)
		}
	}
}

// TestCatalogueChangeKeepsHistory: a theme renamed keeps its id; one removed is retired
// (its tags still resolve), and comes back with the same id when configured again.
func TestCatalogueChangeKeepsHistory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	s := catalogue.NewStore(pool, func() time.Time { return now })
	if _, _, err := s.Sync(ctx, catalogue.Catalogue{{Key: "price", Name: "Price"}, {Key: "timing", Name: "Timing"}}); err != nil {
		t.Fatal(err)
	}
	ids := func() map[string]catalogue.Theme {
		all, err := s.Themes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]catalogue.Theme{}
		for _, th := range all {
			m[th.Key] = th
		}
		return m
	}
	before := ids()
	if _, changed, err := s.Sync(ctx, catalogue.Catalogue{{Key: "price", Name: "Price or packaging"}}); err != nil || !changed {
		t.Fatalf("sync: changed %v, %v", changed, err)
	}
	after := ids()
	if after["price"].ID != before["price"].ID || after["price"].Name != "Price or packaging" {
		t.Errorf("renamed: %+v, was %+v", after["price"], before["price"])
	}
	if after["timing"].ID != before["timing"].ID || after["timing"].Status != catalogue.StatusRetired {
		t.Errorf("removed: %+v", after["timing"])
	}
	cur, err := s.Current(ctx)
	if err != nil || len(cur) != 1 {
		t.Fatalf("current = %+v, %v", cur, err)
	}
	if _, _, err := s.Sync(ctx, catalogue.Catalogue{{Key: "price", Name: "Price"}, {Key: "timing", Name: "Timing"}}); err != nil {
		t.Fatal(err)
	}
	if back := ids(); back["timing"].ID != before["timing"].ID || back["timing"].Status != catalogue.StatusCatalogue || back["price"].Name != "Price" {
		t.Errorf("configured again: %+v", back)
	}
}

// TestReaderCachesAndFallsBack: the reader reads the store at most once per TTL on its
// clock, offers the last catalogue read when the store fails, and the fallback before
// any read.
func TestReaderCachesAndFallsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	s := catalogue.NewStore(pool, nil)
	if _, _, err := s.Sync(ctx, catalogue.Catalogue{{Key: "price", Name: "Price"}}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	r := catalogue.NewReader(s, func() time.Time { return now }, time.Minute, catalogue.Catalogue{{Key: "fallback", Name: "F"}})
	if c, err := r.Catalogue(ctx); err != nil || len(c) != 1 || c[0].Key != "price" {
		t.Fatalf("first read = %+v, %v", c, err)
	}
	if _, _, err := s.Sync(ctx, catalogue.Catalogue{{Key: "price", Name: "Price"}, {Key: "timing", Name: "Timing"}}); err != nil {
		t.Fatal(err)
	}
	if c, _ := r.Catalogue(ctx); len(c) != 1 {
		t.Errorf("read again within the TTL = %v, want the cached one", c.Keys())
	}
	now = now.Add(time.Minute)
	if c, _ := r.Catalogue(ctx); len(c) != 2 {
		t.Errorf("read after the TTL = %v, want the new one", c.Keys())
	}
	if _, _, err := s.Sync(ctx, catalogue.Catalogue{{Key: "price", Name: "Price"}}); err != nil {
		t.Fatal(err)
	}
	r.Invalidate()
	if c, _ := r.Catalogue(ctx); len(c) != 1 {
		t.Errorf("read after Invalidate = %v, want the new one", c.Keys())
	}
	// The database goes away: the last read stands, with the error.
	now = now.Add(time.Hour)
	pool.Close()
	if c, err := r.Catalogue(ctx); err == nil || len(c) != 1 || c[0].Key != "price" {
		t.Errorf("store down = %v, %v; want the last read and an error", c.Keys(), err)
	}
	cold := catalogue.NewReader(s, nil, 0, catalogue.Catalogue{{Key: "fallback", Name: "F"}})
	if c, err := cold.Catalogue(ctx); err == nil || len(c) != 1 || c[0].Key != "fallback" {
		t.Errorf("never read, store down = %v, %v; want the fallback and an error", c.Keys(), err)
	}
}
