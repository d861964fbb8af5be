package bot

import (
	"testing"
	"time"
)

func TestSeenEnvelopes(t *testing.T) {
	t.Parallel()
	s := newSeenEnvelopes(time.Minute)
	t0 := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if !s.first("e1", t0) {
		t.Fatal("first sighting of e1 reported as seen")
	}
	if s.first("e1", t0.Add(time.Second)) {
		t.Fatal("redelivered e1 reported as new")
	}
	if !s.first("", t0) || !s.first("", t0) {
		t.Fatal("an envelope without id must always be handled")
	}
	// After the ttl the id is forgotten, so memory stays bounded.
	if !s.first("e1", t0.Add(2*time.Minute)) {
		t.Fatal("e1 remembered past its ttl")
	}
	if n := len(s.ids); n != 1 {
		t.Fatalf("ids kept = %d, want 1", n)
	}
}
