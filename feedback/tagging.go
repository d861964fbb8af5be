package feedback

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/themes"
)

// ExampleWindow is how far back reps' own reasons teach the offline tagger.
const ExampleWindow = 12 * 7 * 24 * time.Hour

// taggerTTL is how long a built offline tagger is reused before the catalogue and the
// examples are read again.
const taggerTTL = 10 * time.Minute

// OfflineTagger tags feedback and escalation text with the stored catalogue, learning
// from the reasons reps picked in the last 12 weeks and from the texts discovery found
// an accepted theme in. It is safe for concurrent use.
type OfflineTagger struct {
	Store *Store
	Log   *slog.Logger

	mu     sync.Mutex
	tagger *themes.Tagger
	built  time.Time
}

// get returns a tagger built from the catalogue as stored no longer than taggerTTL ago.
func (o *OfflineTagger) get(ctx context.Context) (*themes.Tagger, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.Store.now()
	if o.tagger != nil && now.Sub(o.built) < taggerTTL && !now.Before(o.built) {
		return o.tagger, nil
	}
	cat, err := o.Store.Catalogue.Current(ctx)
	if err != nil {
		return nil, err
	}
	var examples []themes.Example
	for _, t := range cat {
		// A theme an admin accepted from discovery is known by the texts it was found in.
		for _, ex := range t.Examples {
			examples = append(examples, themes.Example{Text: ex, Keys: []string{t.Key}})
		}
	}
	recent, err := o.Store.FeedbackSince(ctx, now.Add(-ExampleWindow))
	if err != nil {
		return nil, err
	}
	for _, f := range recent {
		if len(f.Reasons) > 0 {
			examples = append(examples, themes.Example{Text: f.Text(), Keys: f.Reasons})
		}
	}
	o.tagger, o.built = themes.NewTagger(cat, examples, nil), now
	return o.tagger, nil
}

// Tag tags the given feedback items and escalations offline and stores what it found,
// in one transaction; a record deleted since (purged, or never committed) is skipped.
func (o *OfflineTagger) Tag(ctx context.Context, feedbackIDs, escalationIDs []int64) error {
	var fs []Feedback
	var es []Escalation
	var err error
	if len(feedbackIDs) > 0 {
		if fs, err = o.Store.FeedbackByIDs(ctx, feedbackIDs); err != nil {
			return err
		}
	}
	if len(escalationIDs) > 0 {
		if es, err = o.Store.EscalationsByIDs(ctx, escalationIDs); err != nil {
			return err
		}
	}
	return o.tag(ctx, fs, es)
}

// TagSince tags every feedback item and escalation created since a time (the demo),
// returning how many records it read.
func (o *OfflineTagger) TagSince(ctx context.Context, since time.Time) (int, error) {
	fs, err := o.Store.FeedbackSince(ctx, since)
	if err != nil {
		return 0, err
	}
	es, err := o.Store.EscalationsSince(ctx, since)
	if err != nil {
		return 0, err
	}
	return len(fs) + len(es), o.tag(ctx, fs, es)
}

// tag stores the offline themes of each record.
func (o *OfflineTagger) tag(ctx context.Context, fs []Feedback, es []Escalation) error {
	if len(fs)+len(es) == 0 {
		return nil
	}
	t, err := o.get(ctx)
	if err != nil {
		return fmt.Errorf("offline tagger: %w", err)
	}
	batch := make([]catalogue.Tagging, 0, len(fs)+len(es))
	for _, f := range fs {
		batch = append(batch, catalogue.Tagging{Subject: catalogue.SubjectFeedback, ID: f.ID, Matches: offlineMatches(t, f.Text(), string(f.Outcome))})
	}
	for _, e := range es {
		batch = append(batch, catalogue.Tagging{Subject: catalogue.SubjectEscalation, ID: e.ID, Matches: offlineMatches(t, e.Text(), catalogue.KindEscalation)})
	}
	return o.Store.Catalogue.SetThemes(ctx, catalogue.MethodOffline, batch)
}

func offlineMatches(t *themes.Tagger, text, kind string) []catalogue.Match {
	var out []catalogue.Match
	for _, m := range t.Tag(text, kind) {
		out = append(out, catalogue.Match{Key: m.Key, Confidence: m.Score})
	}
	return out
}

// TagWorker runs the tagging job enqueued with each new or edited record.
type TagWorker struct {
	river.WorkerDefaults[TagFeedbackArgs]
	Tagger *OfflineTagger
}

// Work tags the job's records.
func (w *TagWorker) Work(ctx context.Context, job *river.Job[TagFeedbackArgs]) error {
	return w.Tagger.Tag(ctx, job.Args.FeedbackIDs, job.Args.EscalationIDs)
}
