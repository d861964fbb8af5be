package bot

import (
	"sync"
	"time"
)

// seenEnvelopes remembers recent envelope ids. Slack redelivers an envelope whose ack
// it did not get (a socket dropped in between); a command, button press or event seen
// before is acked again but not run twice, so nobody gets two modals or two answers.
// Submissions are not deduplicated: storing is idempotent per view, and a redelivered
// submission must get the same answer in its ack.
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
