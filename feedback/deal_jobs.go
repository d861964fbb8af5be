package feedback

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// DealExpireArgs is the periodic sweep that expires deals nobody answered in time.
type DealExpireArgs struct{}

// Kind names the job.
func (DealExpireArgs) Kind() string { return "deal_expire" }

// InsertOpts keeps one sweep at a time across replicas.
func (DealExpireArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// DealExpireEvery is how late past nudge_within a deal may still show as waiting.
const DealExpireEvery = 15 * time.Minute

// DealExpireWorker runs the expiry sweep.
type DealExpireWorker struct {
	river.WorkerDefaults[DealExpireArgs]
	Store *Store
	Org   *Org
	Log   *slog.Logger
}

// Work expires what is due.
func (w *DealExpireWorker) Work(ctx context.Context, _ *river.Job[DealExpireArgs]) error {
	n, err := w.Store.ExpireDeals(ctx, w.Org)
	if n > 0 {
		w.Log.Info("deals expired without feedback", "deals", n)
	}
	return err
}

// DealExpireJob is the periodic job of DealExpireWorker.
func DealExpireJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(DealExpireEvery),
		func() (river.JobArgs, *river.InsertOpts) { return DealExpireArgs{}, nil },
		&river.PeriodicJobOpts{ID: "deal_expire", RunOnStart: true})
}

// DealRemindArgs is the daily (deals.remind) sweep that sends each rep one list.
type DealRemindArgs struct{}

// Kind names the job.
func (DealRemindArgs) Kind() string { return "deal_remind_sweep" }

// InsertOpts keeps one sweep at a time across replicas.
func (DealRemindArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// DealRemindWorker runs the reminder sweep: it enqueues one reminder per rep.
type DealRemindWorker struct {
	river.WorkerDefaults[DealRemindArgs]
	Store *Store
	Org   *Org
	Log   *slog.Logger
}

// Work enqueues the day's reminders.
func (w *DealRemindWorker) Work(ctx context.Context, _ *river.Job[DealRemindArgs]) error {
	n, err := w.Store.EnqueueDealReminders(ctx, w.Org)
	if n > 0 {
		w.Log.Info("deal reminders enqueued", "reps", n)
	}
	return err
}

// DealRemindJob runs the reminder sweep on schedule (deals.remind in the configured
// time zone; cmd builds it).
func DealRemindJob(schedule river.PeriodicSchedule) *river.PeriodicJob {
	return river.NewPeriodicJob(schedule,
		func() (river.JobArgs, *river.InsertOpts) { return DealRemindArgs{}, nil },
		&river.PeriodicJobOpts{ID: "deal_remind"})
}
