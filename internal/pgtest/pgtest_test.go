package pgtest

import (
	"context"
	"testing"
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
