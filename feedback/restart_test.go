package feedback_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/internal/pgtest"
)

// TestSaveAfterDatabaseRestart: after PostgreSQL restarts, the pool still holds idle
// connections to the old server. The first saves must not fail on them (a rep would be
// told "couldn't save" with the database up): the store notices the dead connection,
// reconnects and saves. The pool here never pings before handing out a connection (the
// default pings only those idle for over a second), so every stale one is met.
func TestSaveAfterDatabaseRestart(t *testing.T) {
	t.Parallel()
	srv, dir, conn := pgtest.OwnServer(t)
	cfg, err := pgxpool.ParseConfig(conn)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 4
	cfg.ShouldPing = func(context.Context, pgxpool.ShouldPingParams) bool { return false }
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s, err := feedback.NewStore(pool, feedback.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	escalations := feedbacktest.Org()

	pgtest.FillIdle(t, pool)
	if err := srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	pgtest.StartAgain(t, dir)

	for i := range cfg.MaxConns {
		f, errs := draft(fmt.Sprintf("VRESTART%d", i)).Validate(rules)
		if errs != nil {
			t.Fatal(errs)
		}
		if _, created, err := s.SaveFeedback(ctx, f); err != nil || !created {
			t.Errorf("save %d after the restart: created %v, %v", i, created, err)
		}
	}
	e, errs := feedback.EscalationDraft{ReporterID: "U0REP", Team: "billing", Summary: "Invoice twice", Source: feedback.SourceSlashCommand, Key: "VRESTARTESC"}.Validate(escalations)
	if errs != nil {
		t.Fatal(errs)
	}
	if _, _, err := s.RaiseEscalation(ctx, escalations, e); err != nil {
		t.Errorf("raise after the restart: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM feedback`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != int(cfg.MaxConns) {
		t.Errorf("%d records, want %d", n, cfg.MaxConns)
	}
}
