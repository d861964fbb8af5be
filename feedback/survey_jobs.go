package feedback

import (
	"context"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// SurveySweepArgs is the periodic sweep that deletes expired and revoked survey tokens.
type SurveySweepArgs struct{}

// Kind names the job.
func (SurveySweepArgs) Kind() string { return "survey_sweep" }

// InsertOpts keeps one sweep at a time across replicas.
func (SurveySweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// SurveySweepEvery is how long an expired token's hash may outlive its expiry (it
// opens nothing meanwhile: every read checks the expiry).
const SurveySweepEvery = time.Hour

// SurveySweepWorker runs the sweep.
type SurveySweepWorker struct {
	river.WorkerDefaults[SurveySweepArgs]
	Store *Store
	Log   *slog.Logger
}

// Work deletes what is due.
func (w *SurveySweepWorker) Work(ctx context.Context, _ *river.Job[SurveySweepArgs]) error {
	n, err := w.Store.SweepSurveyTokens(ctx)
	if n > 0 {
		w.Log.Info("expired survey tokens deleted", "links", n)
	}
	return err
}

// SurveySweepJob is the periodic job of SurveySweepWorker.
func SurveySweepJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(SurveySweepEvery),
		func() (river.JobArgs, *river.InsertOpts) { return SurveySweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "survey_sweep", RunOnStart: true})
}

// SurveyAnsweredArgs tells the rep that their buyer answered (the bot's job).
type SurveyAnsweredArgs struct {
	// AnswerID is the buyer's answer, a feedback item.
	AnswerID int64 `json:"answer_id"`
}

// Kind names the job.
func (SurveyAnsweredArgs) Kind() string { return "survey_answered" }
