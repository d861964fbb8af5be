package pgtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

func TestMain(m *testing.M) { Main(m) }

func TestFreshDatabasePerTest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := New(t), New(t)
	if _, err := a.Exec(ctx, `INSERT INTO competitors (key, name) VALUES ('gong', 'Gong')`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := b.QueryRow(ctx, `SELECT count(*) FROM competitors`).Scan(&n); err != nil || n != 0 {
		t.Errorf("databases leak into each other: %d rows, %v", n, err)
	}
	var names []string
	if err := a.QueryRow(ctx, `SELECT array_agg(name ORDER BY name) FROM schema_migrations`).Scan(&names); err != nil || len(names) == 0 {
		t.Errorf("clone is not migrated: %v %v", names, err)
	}
}

// BenchmarkNewDatabase measures one test's database: clone the migrated template and
// connect (the drops run at the end, as cleanups).
func BenchmarkNewDatabase(b *testing.B) {
	New(b) // the server and template are made once per binary, outside the loop
	for b.Loop() {
		if err := New(b).Ping(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestProxiedBlackhole: through the proxy a query works; blackholed, it waits until its
// context ends (the database hangs, nothing fails); healed, a new query works again.
func TestProxiedBlackhole(t *testing.T) {
	t.Parallel()
	proxy, conn := Proxied(t, ConnString(t))
	pool, err := pgxpool.New(context.Background(), conn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	query := func(wait time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		var n int
		return pool.QueryRow(ctx, `SELECT 1`).Scan(&n)
	}
	if err := query(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	proxy.Blackhole(true)
	if err := query(300 * time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("blackholed query: %v, want the deadline", err)
	}
	proxy.Blackhole(false)
	if err := query(5 * time.Second); err != nil {
		t.Fatalf("after healing: %v", err)
	}
	if proxy.Accepted() == 0 {
		t.Error("the pool did not go through the proxy")
	}
}
