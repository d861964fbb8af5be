package feedback

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/feedback/themes"
)

// ExampleWindow is how far back reps' own reasons teach the offline tagger.
const ExampleWindow = 12 * 7 * 24 * time.Hour

// taggerTTL is how long a built offline tagger is reused before the catalogue and the
// examples are read again.
const taggerTTL = 10 * time.Minute

// OfflineTagger tags feedback text with the stored catalogue, learning from the
// reasons reps picked in the last 12 weeks. It is safe for concurrent use.
type OfflineTagger struct {
	Store *Store
	Log   *slog.Logger

	mu     sync.Mutex
	tagger *themes.Tagger
	built  time.Time
}

// get returns a tagger no older than taggerTTL.
func (o *OfflineTagger) get(ctx context.Context) (*themes.Tagger, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tagger != nil && time.Since(o.built) < taggerTTL {
		return o.tagger, nil
	}
	stored, err := o.Store.Themes(ctx)
	if err != nil {
		return nil, err
	}
	var cat []themes.Theme
	var examples []themes.Example
	for _, t := range stored {
		if t.Status == ThemeCatalogue {
			cat = append(cat, themes.Theme{Key: t.Key, Name: t.Name, Description: t.Description, Keywords: t.Keywords, AppliesTo: t.AppliesTo})
			// A theme an admin accepted from discovery is known by the texts it was found in.
			for _, ex := range t.Examples {
				examples = append(examples, themes.Example{Text: ex, Keys: []string{t.Key}})
			}
		}
	}
	recent, err := o.Store.FeedbackSince(ctx, o.Store.now().Add(-ExampleWindow))
	if err != nil {
		return nil, err
	}
	for _, f := range recent {
		if len(f.Reasons) > 0 {
			examples = append(examples, themes.Example{Text: f.Text(), Keys: f.Reasons})
		}
	}
	o.tagger, o.built = themes.NewTagger(cat, examples, nil), time.Now()
	return o.tagger, nil
}

// TagIDs tags the given items offline and stores what it found; an item deleted since
// (purged, or never committed) is skipped.
func (o *OfflineTagger) TagIDs(ctx context.Context, ids []int64) error {
	items, err := o.Store.FeedbackByIDs(ctx, ids)
	if err != nil {
		return err
	}
	return o.tag(ctx, items)
}

// TagSince tags every item created since a time (the demo), returning how many.
func (o *OfflineTagger) TagSince(ctx context.Context, since time.Time) (int, error) {
	items, err := o.Store.FeedbackSince(ctx, since)
	if err != nil {
		return 0, err
	}
	return len(items), o.tag(ctx, items)
}

// tag stores the offline themes of each item.
func (o *OfflineTagger) tag(ctx context.Context, items []Feedback) error {
	t, err := o.get(ctx)
	if err != nil {
		return fmt.Errorf("offline tagger: %w", err)
	}
	for _, f := range items {
		var matches []ThemeMatch
		for _, m := range t.Tag(f.Text(), string(f.Outcome)) {
			matches = append(matches, ThemeMatch{Key: m.Key, Confidence: m.Score})
		}
		if err := o.Store.SetThemes(ctx, f.ID, MethodOffline, matches); err != nil {
			return err
		}
	}
	return nil
}

// TagWorker runs the tagging job enqueued with each new or edited item.
type TagWorker struct {
	river.WorkerDefaults[TagFeedbackArgs]
	Tagger *OfflineTagger
}

// Work tags the job's items.
func (w *TagWorker) Work(ctx context.Context, job *river.Job[TagFeedbackArgs]) error {
	return w.Tagger.TagIDs(ctx, job.Args.FeedbackIDs)
}
