package catalogue

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/internal/pgtest"
)

type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestReaderOnHangingDatabase: the reader gives up on a database that hangs after
// ReadTimeout and goes on with the catalogue it read last; it does not ask again for
// RetryAfterFailure (so one caller waits, not each), and then reads the store again.
func TestReaderOnHangingDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	proxy, conn := pgtest.Proxied(t, pgtest.ConnString(t))
	pool, err := pgxpool.New(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	t.Cleanup(func() { _ = proxy.Close() }) // first: the pool then closes on refused connections
	clock := &testClock{now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	store := NewStore(pool, clock.Now)
	first := Builtin()[:3]
	if _, _, err := store.Sync(ctx, first); err != nil {
		t.Fatal(err)
	}
	r := NewReader(store, clock.Now, time.Minute, Builtin())
	cat, err := r.Catalogue(ctx)
	if err != nil || len(cat) != 3 {
		t.Fatalf("first read: %d themes, %v", len(cat), err)
	}
	// The stored catalogue changes, then the database hangs once the cache is stale.
	if _, _, err := store.Sync(ctx, Builtin()[:4]); err != nil {
		t.Fatal(err)
	}
	proxy.Blackhole(true)
	clock.Add(2 * time.Minute)
	cat, err = r.Catalogue(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || len(cat) != 3 {
		t.Fatalf("read on a hanging database: %d themes, %v; want the last 3 and the deadline", len(cat), err)
	}
	// Healed, but inside RetryAfterFailure: the last catalogue, without asking.
	proxy.Blackhole(false)
	clock.Add(RetryAfterFailure - time.Second)
	if cat, err = r.Catalogue(ctx); err == nil || len(cat) != 3 {
		t.Fatalf("read inside the retry window: %d themes, %v; want the last 3 and the earlier error", len(cat), err)
	}
	clock.Add(time.Second)
	if cat, err = r.Catalogue(ctx); err != nil || len(cat) != 4 {
		t.Fatalf("read after the retry window: %d themes, %v; want the 4 stored now", len(cat), err)
	}
}

// TestReaderFallback: a reader that never read the store offers the fallback.
func TestReaderFallback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	proxy, conn := pgtest.Proxied(t, pgtest.ConnString(t))
	pool, err := pgxpool.New(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	t.Cleanup(func() { _ = proxy.Close() })
	proxy.Blackhole(true)
	r := NewReader(NewStore(pool, nil), nil, 0, Builtin()[:2])
	if cat, err := r.Catalogue(ctx); err == nil || len(cat) != 2 {
		t.Fatalf("%d themes, %v; want the 2 of the fallback and an error", len(cat), err)
	}
}
