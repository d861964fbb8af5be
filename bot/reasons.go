package bot

import (
	"context"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
)

// catalogue is the theme catalogue in use, as its reader has it (read at most a minute
// ago, and never waiting on the database past catalogue.ReadTimeout). When the store
// does not answer, the last catalogue read is used, so reps can still file.
func (b *Bot) catalogue(ctx context.Context) catalogue.Catalogue {
	cat, err := b.deps.Catalogue.Catalogue(ctx)
	if err != nil {
		b.log.Warn("theme catalogue not read; using the last one read", "error", err)
	}
	return cat
}

// reasons are the themes a rep can pick for feedback.
func (b *Bot) reasons(ctx context.Context) catalogue.Catalogue { return b.catalogue(ctx).Reasons() }

// rules validate feedback against the reasons on offer now and the organisation.
func (b *Bot) rules(ctx context.Context) feedback.Rules {
	return feedback.Rules{Reasons: b.reasons(ctx).Keys(), Regions: b.deps.Org.Regions, Currency: b.deps.Org.Currency}
}
