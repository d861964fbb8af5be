package feedback

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// TopPerformerPolicy says whose escalations carry a top performer's weight: the reps
// with the most won deal value over Window, the top Share of those ranked, and Always.
type TopPerformerPolicy struct {
	Window time.Duration
	Share  float64
	Always []string
}

// MinRankedReps is the fewest reps with won deals for the ranking to mark anyone: among
// three reps "the top half" is one person, and the mark would name them.
const MinRankedReps = 4

// Why a rep is a top performer.
const (
	TopRanked = "ranked"
	TopAlways = "always"
)

// RepValue is one rep's won deal value, in cents of the organisation's currency.
type RepValue struct {
	RepID string
	Cents int64
}

// RankTopPerformers picks the top performers from the reps' won values: the top Share
// of the reps with any value (rounded down, at least one), everyone tied with the last
// of them (a tie is never broken by chance), and Always. With fewer than MinRankedReps
// ranked reps the ranking marks nobody; Always still counts, being an explicit choice.
// It returns each top performer's id and why.
func RankTopPerformers(values []RepValue, p TopPerformerPolicy) map[string]string {
	out := map[string]string{}
	var ranked []RepValue
	for _, v := range values {
		if v.Cents > 0 && v.RepID != "" && v.RepID != Forgotten {
			ranked = append(ranked, v)
		}
	}
	if len(ranked) >= MinRankedReps && p.Share > 0 {
		slices.SortFunc(ranked, func(a, b RepValue) int {
			if a.Cents != b.Cents {
				if a.Cents > b.Cents {
					return -1
				}
				return 1
			}
			return 0
		})
		k := max(int(math.Floor(p.Share*float64(len(ranked))+1e-9)), 1)
		k = min(k, len(ranked))
		cut := ranked[k-1].Cents
		for _, v := range ranked {
			if v.Cents >= cut {
				out[v.RepID] = TopRanked
			}
		}
	}
	for _, id := range p.Always {
		out[id] = TopAlways
	}
	return out
}

// DealValues gives each rep's won deal value over a period: the seam between the
// ranking and where deals come from. The default, CRMOrFeedbackDealValues, uses the
// CRM's closed deals when any closed in the window, and vosbot's own won feedback
// otherwise.
type DealValues interface {
	WonByRep(ctx context.Context, q querier, since, until time.Time, currency string) ([]RepValue, error)
}

// FeedbackDealValues ranks by the deal value of won feedback filed in the period. Values
// in other currencies than the organisation's are left out: summing them at face value
// would rank a yen seller first.
type FeedbackDealValues struct{}

const selectWonByRep = `
SELECT reporter_id, sum(deal_value * 100)::bigint AS cents
FROM feedback
WHERE outcome = 'won' AND deal_value > 0 AND currency = $3 AND created_at >= $1 AND created_at <= $2
GROUP BY reporter_id`

// WonByRep sums won feedback's deal values per rep.
func (FeedbackDealValues) WonByRep(ctx context.Context, q querier, since, until time.Time, currency string) ([]RepValue, error) {
	rows, err := q.Query(ctx, selectWonByRep, since, until, currency)
	if err != nil {
		return nil, fmt.Errorf("won deal value by rep: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RepValue, error) {
		var v RepValue
		err := r.Scan(&v.RepID, &v.Cents)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("won deal value by rep: %w", err)
	}
	return vs, nil
}

// CRMOrFeedbackDealValues ranks by the CRM's won deals (their owner as found in Slack)
// when the CRM reported any deal closed in the window, and by won feedback otherwise:
// a CRM is the truth about who sold what, but an installation without one still ranks.
type CRMOrFeedbackDealValues struct{}

const countCRMDeals = `SELECT count(*) FROM deals WHERE closed_at >= $1 AND closed_at <= $2`

const selectCRMWonByRep = `
SELECT owner_id, sum(amount * 100)::bigint AS cents
FROM deals
WHERE outcome = 'won' AND amount > 0 AND currency = $3 AND closed_at >= $1 AND closed_at <= $2 AND owner_id IS NOT NULL
GROUP BY owner_id`

// WonByRep sums the CRM's won deal values per owner, or won feedback's when the CRM
// reported nothing in the window.
func (CRMOrFeedbackDealValues) WonByRep(ctx context.Context, q querier, since, until time.Time, currency string) ([]RepValue, error) {
	rows, err := q.Query(ctx, countCRMDeals, since, until)
	if err != nil {
		return nil, fmt.Errorf("crm deals in the window: %w", err)
	}
	n, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("crm deals in the window: %w", err)
	}
	if n == 0 {
		return FeedbackDealValues{}.WonByRep(ctx, q, since, until, currency)
	}
	rows, err = q.Query(ctx, selectCRMWonByRep, since, until, currency)
	if err != nil {
		return nil, fmt.Errorf("won deal value by owner: %w", err)
	}
	vs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (RepValue, error) {
		var v RepValue
		err := r.Scan(&v.RepID, &v.Cents)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("won deal value by owner: %w", err)
	}
	return vs, nil
}

// topPerformers ranks the reps as of at.
func (s *Store) topPerformers(ctx context.Context, q querier, cfg *Org, at time.Time) (map[string]string, error) {
	p := cfg.TopPerformers
	if p.Window <= 0 {
		return RankTopPerformers(nil, p), nil
	}
	values, err := s.dealValues.WonByRep(ctx, q, at.Add(-p.Window), at, cfg.Currency)
	if err != nil {
		return nil, err
	}
	return RankTopPerformers(values, p), nil
}

// TopPerformers returns the top performers as of now, each with why.
func (s *Store) TopPerformers(ctx context.Context, cfg *Org) (map[string]string, error) {
	return s.topPerformers(ctx, s.pool, cfg, s.now())
}

const (
	deleteTopPerformers = `DELETE FROM top_performers`
	insertTopPerformer  = `INSERT INTO top_performers (user_id, why, computed_at) VALUES ($1, $2, $3)`
)

// RefreshTopPerformers ranks the reps and replaces the stored ranking with it; it
// returns how many are top performers. Escalations raised meanwhile rank afresh, so
// this is the nightly record, not what marks them.
func (s *Store) RefreshTopPerformers(ctx context.Context, cfg *Org) (int, error) {
	now := s.now()
	n := 0
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		top, err := s.topPerformers(ctx, tx, cfg, now)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, deleteTopPerformers); err != nil {
			return fmt.Errorf("clear top performers: %w", err)
		}
		for id, why := range top {
			if _, err := tx.Exec(ctx, insertTopPerformer, id, why, now); err != nil {
				return fmt.Errorf("store top performer: %w", err)
			}
		}
		n = len(top)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("refresh top performers: %w", err)
	}
	return n, nil
}

const selectStoredTopPerformers = `SELECT user_id, why FROM top_performers ORDER BY user_id`

// StoredTopPerformers returns the last nightly ranking.
func (s *Store) StoredTopPerformers(ctx context.Context) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, selectStoredTopPerformers)
	if err != nil {
		return nil, fmt.Errorf("stored top performers: %w", err)
	}
	out := map[string]string{}
	var id, why string
	if _, err := pgx.ForEachRow(rows, []any{&id, &why}, func() error { out[id] = why; return nil }); err != nil {
		return nil, fmt.Errorf("stored top performers: %w", err)
	}
	return out, nil
}

// TopPerformersArgs is the nightly ranking of top performers.
type TopPerformersArgs struct{}

// Kind names the job.
func (TopPerformersArgs) Kind() string { return "top_performers" }

// InsertOpts keeps one ranking at a time, across replicas.
func (TopPerformersArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
}

// TopPerformersWorker ranks the reps.
type TopPerformersWorker struct {
	river.WorkerDefaults[TopPerformersArgs]
	Store *Store
	Org   *Org
	Log   *slog.Logger
}

// Work ranks and stores.
func (w *TopPerformersWorker) Work(ctx context.Context, _ *river.Job[TopPerformersArgs]) error {
	n, err := w.Store.RefreshTopPerformers(ctx, w.Org)
	if err != nil {
		return err
	}
	w.Log.Info("top performers ranked", "top_performers", n)
	return nil
}

// TopPerformersJob ranks every night at 02:00 in the configured time zone, and once at
// start so a new installation has a ranking.
func TopPerformersJob(loc *time.Location) *river.PeriodicJob {
	return river.NewPeriodicJob(nightly{orUTC(loc)},
		func() (river.JobArgs, *river.InsertOpts) { return TopPerformersArgs{}, nil },
		&river.PeriodicJobOpts{ID: "top_performers", RunOnStart: true})
}
