package digest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/slack-go/slack"
)

// PostArgs posts one digest for the period ending at PeriodEnd.
type PostArgs struct {
	Channel   string    `json:"channel"`
	PeriodEnd time.Time `json:"period_end"`
}

// Kind names the job.
func (PostArgs) Kind() string { return "digest_post" }

// InsertOpts makes one job per channel and period however many replicas schedule it,
// and retries for about a day.
func (PostArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 12, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// lateAfter is how long after its time a digest counts as late.
const lateAfter = 10 * time.Minute

// Worker posts scheduled digests.
type Worker struct {
	river.WorkerDefaults[PostArgs]
	Poster      *Poster
	Definitions []Definition
}

// Work posts the digest of the job's period, once. A digest missed while vosbot was
// down is posted when it comes back if it is less than one period late (and vosbot was
// installed before it was due), marked late; an older one is skipped with a log line.
func (w *Worker) Work(ctx context.Context, job *river.Job[PostArgs]) error {
	var d *Definition
	for i := range w.Definitions {
		if w.Definitions[i].Channel == job.Args.Channel {
			d = &w.Definitions[i]
		}
	}
	if d == nil {
		return river.JobCancel(fmt.Errorf("digest for %s is no longer configured", job.Args.Channel))
	}
	p := d.ending(job.Args.PeriodEnd)
	now := w.Poster.Now()
	late := now.Sub(p.End)
	if late > lateAfter {
		if late >= p.Duration() {
			w.Poster.Log.Warn("digest missed by more than one period; not posting it", "channel", d.Channel, "period_end", p.End, "late", late.String())
			return nil
		}
		installed, err := installedAt(ctx, w.Poster.Pool)
		if err != nil {
			return err
		}
		if installed.After(p.End) {
			return nil // the period ended before vosbot was set up: nothing was missed
		}
	}
	res, err := w.Poster.Post(ctx, *d, p, PostOptions{Late: late > lateAfter})
	if err == nil {
		// The text is out; the charts follow in its thread. A chart that fails fails
		// the job, whose retry finds the text posted and picks the charts up where
		// they stopped.
		err = w.Poster.PostCharts(ctx, *d, p, res)
	}
	if err != nil && Permanent(err) {
		w.Poster.Log.Error("digest not posted: invite the bot to the channel or fix its id in the configuration", "channel", d.Channel, "error", err)
		return river.JobCancel(err)
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		// The client's own retries ran out: wait out Slack's Retry-After.
		return river.JobSnooze(max(rl.RetryAfter, time.Second))
	}
	return err
}

const selectInstalledAt = `SELECT min(applied_at) FROM schema_migrations`

func installedAt(ctx context.Context, pool *pgxpool.Pool) (time.Time, error) {
	var t *time.Time
	if err := pool.QueryRow(ctx, selectInstalledAt).Scan(&t); err != nil || t == nil {
		return time.Time{}, err
	}
	return *t, nil
}

// PeriodicJobs schedules each digest on its own cron schedule in the configured zone.
// A schedule that never fires is reported (log and metric) and left out; the others
// are unaffected. Each also runs at start, which posts a digest missed while down.
func (ps *Poster) PeriodicJobs(defs []Definition) []*river.PeriodicJob {
	var jobs []*river.PeriodicJob
	for _, d := range defs {
		if d.Schedule.Next(ps.Now()).IsZero() {
			ps.metrics.invalid.WithLabelValues(d.Channel).Set(1)
			ps.Log.Error("digest schedule never fires; this digest will not be posted", "channel", d.Channel, "schedule", d.Spec)
			continue
		}
		ps.metrics.invalid.WithLabelValues(d.Channel).Set(0)
		jobs = append(jobs, river.NewPeriodicJob(d.Schedule, func() (river.JobArgs, *river.InsertOpts) {
			end, err := d.Schedule.Previous(ps.Now())
			if err != nil {
				return nil, nil
			}
			return PostArgs{Channel: d.Channel, PeriodEnd: end.UTC()}, nil
		}, &river.PeriodicJobOpts{ID: "digest_" + d.Channel, RunOnStart: true}))
	}
	return jobs
}
