package bot

import (
	"context"
	"slices"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// acceptedTTL is how long the themes admins accepted are reused before being read again.
const acceptedTTL = time.Minute

// reasons are the catalogue's reasons plus the themes admins accepted from discovery:
// one catalogue for what reps pick and what the text shows. On a database error the
// configured ones are still offered.
func (b *Bot) reasons(ctx context.Context) []Reason {
	b.accepted.Lock()
	defer b.accepted.Unlock()
	if time.Since(b.accepted.read) < acceptedTTL {
		return b.accepted.reasons
	}
	stored, err := b.deps.Store.Themes(ctx)
	if err != nil {
		b.log.Warn("accepted themes not read; offering the configured reasons", "error", err)
		return b.deps.Reasons
	}
	out := slices.Clone(b.deps.Reasons)
	for _, t := range stored {
		if t.Status == feedback.ThemeCatalogue && t.Origin == "admin" &&
			!slices.ContainsFunc(out, func(r Reason) bool { return r.Key == t.Key }) {
			out = append(out, Reason{Key: t.Key, Name: t.Name})
		}
	}
	b.accepted.reasons, b.accepted.read = out, time.Now()
	return out
}

// forgetAccepted makes the next reasons call read the store (after an admin decision).
func (b *Bot) forgetAccepted() {
	b.accepted.Lock()
	b.accepted.read = time.Time{}
	b.accepted.Unlock()
}

// rules validate feedback against the reasons on offer now.
func (b *Bot) rules(ctx context.Context) feedback.Rules {
	r := b.deps.Rules
	r.Reasons = nil
	for _, x := range b.reasons(ctx) {
		r.Reasons = append(r.Reasons, x.Key)
	}
	return r
}
