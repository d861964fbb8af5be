package migrations_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/migrations"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestAllOrdered(t *testing.T) {
	t.Parallel()
	all, err := migrations.All()
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range all {
		if m.Version != i+1 {
			t.Errorf("migration %s has version %d, want %d (no gaps)", m.Name, m.Version, i+1)
		}
	}
}

// TestTemplateIsMigrated checks the clone carries the whole schema and that applying
// again is a no-op.
func TestTemplateIsMigrated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	for _, table := range []string{"feedback", "escalations", "escalation_events", "themes", "feedback_themes", "llm_usage", "digest_runs", "river_job"} {
		var ok bool
		if err := pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok); err != nil || !ok {
			t.Errorf("table %s missing (%v)", table, err)
		}
	}
	res, err := migrations.Apply(ctx, pool, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Applied) != 0 || res.River != 0 {
		t.Errorf("second Apply did %+v, want nothing", res)
	}
}

// TestConcurrentApply starts from an empty database: every replica succeeds and each
// migration is applied exactly once.
func TestConcurrentApply(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	// Empty the clone so the replicas have real work to race over.
	if _, err := pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]migrations.Result, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Go(func() {
			p, err := pgxpool.New(ctx, pool.Config().ConnString())
			if err != nil {
				errs[i] = err
				return
			}
			defer p.Close()
			results[i], errs[i] = migrations.Apply(ctx, p, slog.New(slog.DiscardHandler))
		})
	}
	wg.Wait()
	applied := 0
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		applied += len(results[i].Applied)
	}
	all, _ := migrations.All()
	if applied != len(all) {
		t.Errorf("applied %d migrations in total, want %d (each exactly once)", applied, len(all))
	}
	rows, _ := pool.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil || len(versions) != len(all) {
		t.Errorf("schema_migrations = %v, %v", versions, err)
	}
}

func TestConstraints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.New(t)
	bad := map[string]string{
		"unknown outcome":       `INSERT INTO feedback (reporter_id, outcome, account, currency, source, idempotency_key) VALUES ('U1', 'maybe', 'Acme', 'USD', 'import', 'k1')`,
		"blank account":         `INSERT INTO feedback (reporter_id, outcome, account, currency, source, idempotency_key) VALUES ('U1', 'won', '  ', 'USD', 'import', 'k2')`,
		"negative deal value":   `INSERT INTO feedback (reporter_id, outcome, account, deal_value, currency, source, idempotency_key) VALUES ('U1', 'won', 'Acme', -1, 'USD', 'import', 'k3')`,
		"unknown status":        `INSERT INTO escalations (reporter_id, team, severity, currency, summary, status, ack_due_at, resolve_due_at, idempotency_key) VALUES ('U1', 'product', 'low', 'USD', 'x', 'lost', now(), now(), 'e1')`,
		"resolved without time": `INSERT INTO escalations (reporter_id, team, severity, currency, summary, status, owner_id, ack_due_at, resolve_due_at, idempotency_key) VALUES ('U1', 'product', 'low', 'USD', 'x', 'resolved', 'U2', now(), now(), 'e2')`,
		"bad severity":          `INSERT INTO escalations (reporter_id, team, severity, currency, summary, ack_due_at, resolve_due_at, idempotency_key) VALUES ('U1', 'product', 'urgent', 'USD', 'x', now(), now(), 'e3')`,
	}
	for name, sql := range bad {
		if _, err := pool.Exec(ctx, sql); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ok := `INSERT INTO feedback (reporter_id, outcome, account, currency, source, idempotency_key) VALUES ('U1', 'won', 'Acme', 'USD', 'import', 'same')`
	if _, err := pool.Exec(ctx, ok); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, ok); err == nil {
		t.Error("a repeated idempotency key was accepted")
	}
	if _, err := pool.Exec(ctx, `INSERT INTO escalations (reporter_id, team, severity, currency, summary, ack_due_at, resolve_due_at, idempotency_key) VALUES ('U1', 'product', 'low', 'USD', 'x', now() + interval '1h', now() + interval '2h', 'e4')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO escalation_events (escalation_id, actor_id, action, to_status) SELECT id, 'U1', 'raised', 'open' FROM escalations`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE escalation_events SET note = 'rewritten'`); err == nil {
		t.Error("escalation_events accepted an UPDATE: the audit trail must be append-only")
	}
}
