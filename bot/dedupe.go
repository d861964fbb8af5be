package bot

import (
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack/socketmode"
)

// claimTimeout bounds the database's say on an envelope. It comes after the ack and
// before the handler, whose modal must open inside its trigger's 3 s.
const claimTimeout = 500 * time.Millisecond

// redelivered reports (and logs) an envelope already handled, by this replica or
// another. Slack redelivers an envelope whose ack it did not get (a socket dropped in
// between), down any of the app's connections, so to any replica; a command, button
// press or event seen before is acked again but not run twice, so nobody gets two
// modals or two answers. This process's own memory answers first, without a round trip;
// then the id is claimed in PostgreSQL, which every replica (and this one after a
// restart) shares. When the database does not answer within claimTimeout the envelope
// is handled: a command run twice on a bad day is better than a command lost.
// Submissions are not deduplicated: storing is idempotent per view, and a redelivered
// submission must get the same answer in its ack.
func (b *Bot) redelivered(ctx context.Context, req socketmode.Request) bool {
	if req.EnvelopeID == "" {
		return false
	}
	if !b.seen.first(req.EnvelopeID, time.Now()) {
		b.m.redelivered.Inc()
		b.log.Info("slack: redelivered envelope acked, not handled again", "envelope_id", req.EnvelopeID, "retry_attempt", req.RetryAttempt)
		return true
	}
	if b.deps.Store == nil {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, claimTimeout)
	defer cancel()
	first, err := b.deps.Store.ClaimEnvelope(ctx, req.EnvelopeID)
	if err != nil {
		b.log.Warn("slack: envelope not claimed in the database; handling it", "envelope_id", req.EnvelopeID, "error", err)
		return false
	}
	if !first {
		b.m.redelivered.Inc()
		b.log.Info("slack: envelope already handled by another replica, not handled again", "envelope_id", req.EnvelopeID, "retry_attempt", req.RetryAttempt)
		return true
	}
	return false
}

// seenEnvelopes remembers the envelope ids this process handled recently.
type seenEnvelopes struct {
	mu   sync.Mutex
	ids  map[string]time.Time
	ttl  time.Duration
	next time.Time
}

func newSeenEnvelopes(ttl time.Duration) *seenEnvelopes {
	return &seenEnvelopes{ids: map[string]time.Time{}, ttl: ttl}
}

// first reports whether id is new, remembering it.
func (s *seenEnvelopes) first(id string, now time.Time) bool {
	if id == "" {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if now.After(s.next) {
		for k, at := range s.ids {
			if now.Sub(at) > s.ttl {
				delete(s.ids, k)
			}
		}
		s.next = now.Add(s.ttl / 4)
	}
	if _, ok := s.ids[id]; ok {
		return false
	}
	s.ids[id] = now
	return true
}
