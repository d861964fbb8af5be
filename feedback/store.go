package feedback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/vosbot/vosbot/feedback/catalogue"
)

// ErrNotFound means no record has that id.
var ErrNotFound = errors.New("not found")

// ErrForbidden means the user may not do that to the record.
var ErrForbidden = errors.New("not allowed")

// Store keeps feedback and escalations in PostgreSQL. Every change is written in one
// transaction with the durable jobs it causes (notifications, tagging).
type Store struct {
	pool *pgxpool.Pool
	jobs *river.Client[pgx.Tx]
	now  func() time.Time
	log  *slog.Logger
	// Catalogue is the theme catalogue kept in the same database.
	Catalogue *catalogue.Store
	// dealValues ranks top performers.
	dealValues DealValues
}

// StoreOptions configure a Store.
type StoreOptions struct {
	// Now is the clock; tests control it. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// DealValues is where top performers' won deal values come from. Default: the
	// CRM's won deals when any closed in the window, else won feedback.
	DealValues DealValues
}

// NewStore returns a store on pool; it enqueues jobs through an insert-only River client.
func NewStore(pool *pgxpool.Pool, opts StoreOptions) (*Store, error) {
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("feedback store: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DealValues == nil {
		opts.DealValues = CRMOrFeedbackDealValues{}
	}
	return &Store{pool: pool, jobs: jobs, now: opts.Now, log: opts.Logger, Catalogue: catalogue.NewStore(pool, opts.Now),
		dealValues: opts.DealValues}, nil
}

// Pool is the store's connection pool.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// querier runs queries: a pool or a transaction.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// enqueue inserts jobs inside tx, so they exist if and only if the change does.
func (s *Store) enqueue(ctx context.Context, tx pgx.Tx, jobs ...river.JobArgs) error {
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	if _, err := s.jobs.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue %s: %w", jobs[0].Kind(), err)
	}
	return nil
}

// inTx runs fn in a transaction. When the first attempt fails on a dead connection
// before anything reached the server (after a database restart the pool still holds
// connections to the old server), the pool's connections are dropped and fn runs once
// more: nothing was done, so this is safe, and a rep's first submission after the
// database came back is not refused for nothing. fn must start from scratch each time.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, s.pool, fn)
	if err != nil && pgconn.SafeToRetry(err) && ctx.Err() == nil {
		s.log.Warn("database connection was dead (restarted?); reconnecting and trying again", "error", err)
		s.pool.Reset()
		err = pgx.BeginFunc(ctx, s.pool, fn)
	}
	return err
}
