package catalogue

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ReadTimeout bounds one read of the catalogue on an interactive path: a database
// that hangs must not hold a Slack handler past its 3 seconds.
const ReadTimeout = 1500 * time.Millisecond

// DefaultTTL is how long a read catalogue is reused.
const DefaultTTL = time.Minute

// RetryAfterFailure is how long, after a read that failed, the last catalogue is used
// without asking the store again: on a database that hangs, one caller in that time
// waits ReadTimeout, not every caller (a slash command has 3 s to open its modal).
const RetryAfterFailure = 10 * time.Second

// Reader is a cached view of the stored catalogue, safe for concurrent use. Every
// part of vosbot that needs the catalogue at the time it runs reads it here (or from
// Store.Current when it must see a change made a moment ago by another process).
type Reader struct {
	store *Store
	now   func() time.Time
	ttl   time.Duration

	mu   sync.Mutex
	cat  Catalogue
	read time.Time
	ok   bool
	// failed is when the last read failed (zero: it did not), with its error.
	failed  time.Time
	failErr error
	// fallback is offered when the store cannot be read and nothing was read before.
	fallback Catalogue
}

// NewReader returns a reader over store with a clock (nil: time.Now) and a time to
// live (0: DefaultTTL). fallback (the configured catalogue) is what it offers when the
// store has never been read successfully.
func NewReader(store *Store, now func() time.Time, ttl time.Duration, fallback Catalogue) *Reader {
	if now == nil {
		now = time.Now
	}
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Reader{store: store, now: now, ttl: ttl, fallback: fallback}
}

// Catalogue returns the catalogue in use, read at most ttl ago. When the store does
// not answer in ReadTimeout, the last catalogue read (or the fallback) is returned with
// the error, so a caller can go on with it, and for RetryAfterFailure after that it is
// returned with that error without asking the store; the lock is never held across the
// query.
func (r *Reader) Catalogue(ctx context.Context) (Catalogue, error) {
	r.mu.Lock()
	now := r.now()
	if r.ok && now.Sub(r.read) < r.ttl {
		cat := r.cat
		r.mu.Unlock()
		return cat, nil
	}
	last := r.fallback
	if r.ok {
		last = r.cat
	}
	if !r.failed.IsZero() && now.Sub(r.failed) < RetryAfterFailure {
		err := r.failErr
		r.mu.Unlock()
		return last, fmt.Errorf("theme catalogue not read again yet: %w", err)
	}
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, ReadTimeout)
	defer cancel()
	cat, err := r.store.Current(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.failed, r.failErr = r.now(), err
		return last, fmt.Errorf("read theme catalogue: %w", err)
	}
	r.cat, r.read, r.ok = cat, r.now(), true
	r.failed, r.failErr = time.Time{}, nil
	return cat, nil
}

// Invalidate makes the next read go to the store (after an admin decision).
func (r *Reader) Invalidate() {
	r.mu.Lock()
	r.ok = false
	r.failed, r.failErr = time.Time{}, nil
	r.mu.Unlock()
}
