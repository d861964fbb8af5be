// Package database opens vosbot's PostgreSQL: the server at DATABASE_URL, or the
// embedded local server in VOS_DATA_DIR, retrying while it is unreachable.
package database

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/internal/pglocal"
	"github.com/vosbot/vosbot/migrations"
)

// Options say where the database is.
type Options struct {
	// URL is DATABASE_URL; empty means the embedded server in DataDir.
	URL     string
	DataDir string
	// RetryFor bounds the wait for an unreachable server. Default 30 s.
	RetryFor time.Duration
	// Migrate applies pending migrations once connected.
	Migrate bool
	Logger  *slog.Logger
}

// DB is an open pool and, for the embedded default, the local server behind it.
type DB struct {
	Pool  *pgxpool.Pool
	local *pglocal.Server
}

// DefaultMaxConns sizes the pool when DATABASE_URL does not (pool_max_conns=N): room
// for the jobs' workers and a burst of submissions stored before their acks.
const DefaultMaxConns = 20

// DefaultConnectTimeout bounds the making of one connection when DATABASE_URL does not
// (connect_timeout=N). Without it, on a server that accepts connections and never
// answers, each new connection waits for ever, even after its caller gave up; they fill
// the pool, and when the server recovers every query still waits behind them.
const DefaultConnectTimeout = 3 * time.Second

// Tune applies vosbot's pool settings to cfg, parsed from connString, where
// connString does not choose otherwise.
func Tune(cfg *pgxpool.Config, connString string) {
	if !strings.Contains(connString, "pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	if !strings.Contains(connString, "connect_timeout") {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "vosbot"
}

// ErrUnreachable means the server did not answer within the retry window.
var ErrUnreachable = errors.New("database unreachable")

// Open connects, starting the embedded server when no URL is given.
func Open(ctx context.Context, opts Options) (*DB, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.RetryFor == 0 {
		opts.RetryFor = 30 * time.Second
	}
	db := &DB{}
	connString := opts.URL
	if connString == "" {
		srv, err := pglocal.Start(ctx, pglocal.Options{Dir: opts.DataDir, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("embedded database in %s: %w", opts.DataDir, err)
		}
		db.local = srv
		if err := ensureDatabase(ctx, srv); err != nil {
			db.Close()
			return nil, err
		}
		connString = srv.ConnString("vosbot")
	}
	cfg, err := pgxpool.ParseConfig(connString)
	if err != nil {
		db.Close()
		// The parse error can echo the URL, password included.
		return nil, errors.New("DATABASE_URL is not a valid PostgreSQL URL (postgres://user:password@host:5432/dbname)")
	}
	Tune(cfg, connString)
	if db.Pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		db.Close()
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := waitReachable(ctx, db.Pool, opts.RetryFor, log); err != nil {
		db.Close()
		return nil, err
	}
	if opts.Migrate {
		res, err := migrations.Apply(ctx, db.Pool, log)
		if err != nil {
			db.Close()
			return nil, err
		}
		if len(res.Applied) > 0 || res.River > 0 {
			log.Info("database schema up to date", "applied", len(res.Applied), "river_applied", res.River)
		}
	}
	return db, nil
}

// ensureDatabase creates the vosbot database on a fresh embedded cluster.
func ensureDatabase(ctx context.Context, srv *pglocal.Server) error {
	pool, err := pgxpool.New(ctx, srv.ConnString("postgres"))
	if err != nil {
		return fmt.Errorf("embedded database: %w", err)
	}
	defer pool.Close()
	var exists bool
	if err := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'vosbot')`).Scan(&exists); err != nil {
		return fmt.Errorf("embedded database: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := pool.Exec(ctx, `CREATE DATABASE vosbot`); err != nil {
		var exists bool
		// Another vosbot may have created it in the meantime.
		if e2 := pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'vosbot')`).Scan(&exists); e2 == nil && exists {
			return nil
		}
		return fmt.Errorf("embedded database: create database vosbot: %w", err)
	}
	return nil
}

// waitReachable pings with exponential backoff and jitter until the server answers or
// the window closes.
func waitReachable(ctx context.Context, pool *pgxpool.Pool, window time.Duration, log *slog.Logger) error {
	deadline := time.Now().Add(window)
	delay := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := pool.Ping(pingCtx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		remaining := time.Until(deadline)
		if remaining <= 0 {
			return fmt.Errorf("%w after %s: %v", ErrUnreachable, window, err)
		}
		wait := min(delay+rand.N(delay/4), remaining)
		log.Warn("database not reachable yet, retrying", "attempt", attempt, "retry_in", wait.Round(time.Millisecond).String(), "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		delay = min(delay*2, 5*time.Second)
	}
}

// Close closes the pool and stops the embedded server if this process started it.
func (db *DB) Close() {
	if db.Pool != nil {
		db.Pool.Close()
	}
	if db.local != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		_ = db.local.Stop(ctx)
	}
}
