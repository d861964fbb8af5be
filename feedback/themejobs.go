package feedback

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/themes"
	"github.com/vosbot/vosbot/feedback/themes/llm"
)

// LLMTagArgs is the periodic pass of the language model over items it has not read.
type LLMTagArgs struct{}

// Kind names the job.
func (LLMTagArgs) Kind() string { return "llm_tag" }

// InsertOpts keeps one pass at a time; a failed pass is simply the next one's work.
func (LLMTagArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 1, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// LLMTagEvery is how often pending items go to the model.
const LLMTagEvery = 5 * time.Minute

// LLMTagWorker sends pending feedback and escalations to the model in batches, with the
// catalogue as stored at the start of the pass (so a theme an admin accepted is used in
// the very next pass). On any failure the offline themes stand and the records stay
// pending for the next pass; capture and the digest never wait for it.
type LLMTagWorker struct {
	river.WorkerDefaults[LLMTagArgs]
	Store  *Store
	Tagger *llm.Tagger
	// PerPass bounds the records read per pass, of each kind (default 100).
	PerPass int
	Log     *slog.Logger
}

// Timeout leaves the pass time for several calls.
func (w *LLMTagWorker) Timeout(*river.Job[LLMTagArgs]) time.Duration { return 4 * time.Minute }

// Work tags one pass of pending records.
func (w *LLMTagWorker) Work(ctx context.Context, _ *river.Job[LLMTagArgs]) error {
	limit := w.PerPass
	if limit <= 0 {
		limit = 100
	}
	pending, err := w.Store.PendingLLM(ctx, limit)
	if err != nil {
		return err
	}
	pendingEsc, err := w.Store.PendingLLMEscalations(ctx, limit)
	if err != nil {
		return err
	}
	if len(pending)+len(pendingEsc) == 0 {
		return nil
	}
	cat, err := w.Store.Catalogue.Current(ctx)
	if err != nil {
		return err
	}
	// Ids are prefixed by kind of record: f12 is feedback 12, e7 escalation 7.
	items := make([]llm.Item, 0, len(pending)+len(pendingEsc))
	for _, f := range pending {
		items = append(items, llm.Item{ID: "f" + strconv.FormatInt(f.ID, 10), Kind: string(f.Outcome), Text: f.Text()})
	}
	for _, e := range pendingEsc {
		items = append(items, llm.Item{ID: "e" + strconv.FormatInt(e.ID, 10), Kind: catalogue.KindEscalation, Text: e.Text()})
	}
	results, proposals, err := w.Tagger.Tag(ctx, cat, items)
	if err != nil {
		// Batches answered before the failure are kept below; the rest wait.
		w.Log.Warn("llm tagging failed; offline themes stand", "items", len(items), "answered", len(results), "err", err)
	}
	batch := make([]catalogue.Tagging, 0, len(results))
	for _, r := range results {
		tg, ok := llmSubject(r.ID)
		if !ok {
			continue
		}
		for _, m := range r.Themes {
			tg.Matches = append(tg.Matches, catalogue.Match{Key: m.Key, Confidence: m.Confidence})
		}
		batch = append(batch, tg)
	}
	if err := w.Store.Catalogue.SetThemes(ctx, catalogue.MethodLLM, batch); err != nil {
		return err
	}
	if len(proposals) > 0 {
		byID := map[string]string{}
		for _, it := range items {
			byID[it.ID] = it.Text
		}
		em := make([]catalogue.Emerging, 0, len(proposals))
		for _, p := range proposals {
			e := catalogue.Emerging{Name: p.Name, Description: p.Description, Size: len(p.ExampleIDs), Origin: catalogue.MethodLLM}
			for _, id := range p.ExampleIDs {
				if t, ok := byID[id]; ok {
					e.Examples = append(e.Examples, t)
				}
			}
			em = append(em, e)
		}
		if err := w.Store.Catalogue.AddEmerging(ctx, em); err != nil {
			return err
		}
	}
	return nil
}

// llmSubject reads an item id given to the model back into the record it names.
func llmSubject(id string) (catalogue.Tagging, bool) {
	if len(id) < 2 {
		return catalogue.Tagging{}, false
	}
	n, err := strconv.ParseInt(id[1:], 10, 64)
	if err != nil {
		return catalogue.Tagging{}, false
	}
	switch id[0] {
	case 'f':
		return catalogue.Tagging{Subject: catalogue.SubjectFeedback, ID: n}, true
	case 'e':
		return catalogue.Tagging{Subject: catalogue.SubjectEscalation, ID: n}, true
	}
	return catalogue.Tagging{}, false
}

// LLMTagJob is the periodic job of LLMTagWorker.
func LLMTagJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(LLMTagEvery),
		func() (river.JobArgs, *river.InsertOpts) { return LLMTagArgs{}, nil },
		&river.PeriodicJobOpts{ID: "llm_tag", RunOnStart: true})
}

// DiscoverArgs is the nightly discovery over recent feedback.
type DiscoverArgs struct{}

// Kind names the job.
func (DiscoverArgs) Kind() string { return "discover_themes" }

// InsertOpts keeps one run per hour at most.
func (DiscoverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// Discovery limits: groups smaller than this are noise; a group is emerging when at
// most this share of its items carry a catalogue theme (picked or found).
const (
	minEmergingSize  = 4
	maxCoveredShare  = 0.25
	minDiscoverTexts = 30
)

// DiscoverWorker clusters the last 12 weeks of feedback text and records the groups
// that no catalogue theme covers as emerging themes for an admin.
type DiscoverWorker struct {
	river.WorkerDefaults[DiscoverArgs]
	Store *Store
	Log   *slog.Logger
}

// Work runs discovery once.
func (w *DiscoverWorker) Work(ctx context.Context, _ *river.Job[DiscoverArgs]) error {
	n, err := Discover(ctx, w.Store)
	if err == nil && n > 0 {
		w.Log.Info("emerging themes found", "themes", n)
	}
	return err
}

// Discover clusters recent feedback text and stores uncovered groups as emerging
// themes, returning how many it found.
func Discover(ctx context.Context, s *Store) (int, error) {
	items, err := s.FeedbackSince(ctx, s.now().Add(-ExampleWindow))
	if err != nil {
		return 0, err
	}
	var texts []string
	var kept []Feedback
	for _, f := range items {
		if t := f.Text(); t != "" {
			texts, kept = append(texts, t), append(kept, f)
		}
	}
	if len(texts) < minDiscoverTexts {
		return 0, nil
	}
	c, err := themes.Cluster(texts, themes.ClusterOptions{MaxK: 20})
	if err != nil {
		return 0, nil // nothing with words to group
	}
	stored, err := s.Catalogue.Themes(ctx)
	if err != nil {
		return 0, err
	}
	covered := make([]int, c.K)
	examples := make([][]string, c.K)
	members := make([]map[string]bool, c.K)
	for i, g := range c.Assign {
		if g < 0 {
			continue
		}
		if members[g] == nil {
			members[g] = map[string]bool{}
		}
		members[g][texts[i]] = true
		if len(kept[i].Reasons) > 0 || len(kept[i].Themes) > 0 {
			covered[g]++
		}
		if len(examples[g]) < 5 {
			examples[g] = append(examples[g], texts[i])
		}
	}
	var em []catalogue.Emerging
	for g := range c.K {
		if c.Mixed[g] || c.Sizes[g] < minEmergingSize || float64(covered[g]) > maxCoveredShare*float64(c.Sizes[g]) {
			continue
		}
		name := c.Labels[g]
		// The same group found again (its label may have shifted with new texts) keeps
		// its theme; one an admin already decided on is not proposed again.
		if prior, ok := priorTheme(stored, members[g]); ok {
			if prior.Status != catalogue.StatusEmerging {
				continue
			}
			name = prior.Name
		}
		em = append(em, catalogue.Emerging{Name: name, Description: "feedback about " + c.Labels[g] + ", which no catalogue theme covers",
			Examples: examples[g], Size: c.Sizes[g], Origin: catalogue.MethodOffline})
	}
	return len(em), s.Catalogue.AddEmerging(ctx, em)
}

// priorTheme finds the stored theme whose example texts are mostly members of a group:
// at least half of them, and at least one.
func priorTheme(stored []catalogue.Theme, members map[string]bool) (catalogue.Theme, bool) {
	best, bestHits := catalogue.Theme{}, 0
	for _, t := range stored {
		hits := 0
		for _, ex := range t.Examples {
			if members[ex] {
				hits++
			}
		}
		if hits > 0 && 2*hits >= len(t.Examples) && hits > bestHits {
			best, bestHits = t, hits
		}
	}
	return best, bestHits > 0
}

// DiscoverJob runs discovery every night at 02:00 in the configured time zone.
func DiscoverJob(loc *time.Location) *river.PeriodicJob {
	return river.NewPeriodicJob(nightly{loc},
		func() (river.JobArgs, *river.InsertOpts) { return DiscoverArgs{}, nil },
		&river.PeriodicJobOpts{ID: "discover_themes"})
}

// nightly is a River schedule firing at 02:00 local time.
type nightly struct{ loc *time.Location }

func (n nightly) Next(t time.Time) time.Time {
	l := t.In(n.loc)
	next := time.Date(l.Year(), l.Month(), l.Day(), 2, 0, 0, 0, n.loc)
	if !next.After(t) {
		next = time.Date(l.Year(), l.Month(), l.Day()+1, 2, 0, 0, 0, n.loc)
	}
	return next
}
