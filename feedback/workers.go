package feedback

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// ReminderSweepEvery is how often the reminder sweep runs; reminders themselves are
// spaced by the configured remind_every.
const ReminderSweepEvery = 5 * time.Minute

// RemindWorker runs the reminder sweep.
type RemindWorker struct {
	river.WorkerDefaults[RemindArgs]
	Store *Store
	Org   *Org
	Log   *slog.Logger
}

// Work sends the reminders that are due and closes the "did this fix it?" questions
// nobody answered in time.
func (w *RemindWorker) Work(ctx context.Context, _ *river.Job[RemindArgs]) error {
	n, err := w.Store.SendDueReminders(ctx, w.Org)
	if err != nil {
		return err
	}
	if n > 0 {
		w.Log.Info("escalation reminders sent", "escalations", n)
	}
	x, err := w.Store.ExpireConfirmations(ctx)
	if err != nil {
		return err
	}
	if x > 0 {
		w.Log.Info("unanswered confirmations closed; those escalations stay closed, unconfirmed", "escalations", x)
	}
	return nil
}

// ReminderJob is the periodic job of the reminder sweep.
func ReminderJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(ReminderSweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return RemindArgs{}, nil },
		&river.PeriodicJobOpts{ID: "escalation_reminders", RunOnStart: true})
}

// MentionsArgs is the periodic recount of competitor mentions for the type-ahead.
type MentionsArgs struct{}

// Kind names the job.
func (MentionsArgs) Kind() string { return "competitor_mentions" }

// InsertOpts keeps one recount at a time.
func (MentionsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// MentionsEvery is how stale the type-ahead's ranking may get.
const MentionsEvery = 10 * time.Minute

// MentionsWorker recounts competitor mentions.
type MentionsWorker struct {
	river.WorkerDefaults[MentionsArgs]
	Store *Store
}

// Work recounts.
func (w *MentionsWorker) Work(ctx context.Context, _ *river.Job[MentionsArgs]) error {
	_, err := w.Store.RefreshCompetitorMentions(ctx)
	return err
}

// MentionsJob is the periodic job of MentionsWorker.
func MentionsJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(MentionsEvery),
		func() (river.JobArgs, *river.InsertOpts) { return MentionsArgs{}, nil },
		&river.PeriodicJobOpts{ID: "competitor_mentions", RunOnStart: true})
}
