package feedback

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
)

// EnvelopeTTL is how long a handled envelope id is remembered: far longer than Slack
// takes to retry an envelope (3 attempts within minutes).
const EnvelopeTTL = time.Hour

const insertEnvelope = `
INSERT INTO slack_envelopes (envelope_id, created_at) VALUES ($1, $2)
ON CONFLICT (envelope_id) DO NOTHING`

// ClaimEnvelope records that a Socket Mode envelope is being handled. It reports
// whether this call was the first for id, by any replica: false means another one (or
// this one, before a restart) has it, and it must not be handled again.
func (s *Store) ClaimEnvelope(ctx context.Context, id string) (bool, error) {
	tag, err := s.pool.Exec(ctx, insertEnvelope, id, s.now())
	if err != nil {
		return false, fmt.Errorf("claim envelope %s: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

const deleteEnvelopes = `DELETE FROM slack_envelopes WHERE created_at < $1`

// ForgetEnvelopes deletes the envelope ids claimed before before; it returns how many.
func (s *Store) ForgetEnvelopes(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, deleteEnvelopes, before)
	if err != nil {
		return 0, fmt.Errorf("forget envelopes: %w", err)
	}
	return tag.RowsAffected(), nil
}

// EnvelopesArgs is the periodic clean-up of old envelope ids.
type EnvelopesArgs struct{}

// Kind names the job.
func (EnvelopesArgs) Kind() string { return "slack_envelopes_cleanup" }

// InsertOpts keeps one clean-up at a time, across replicas.
func (EnvelopesArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Minute}}
}

// EnvelopesEvery is how often old envelope ids are deleted.
const EnvelopesEvery = 10 * time.Minute

// EnvelopesWorker deletes envelope ids older than EnvelopeTTL.
type EnvelopesWorker struct {
	river.WorkerDefaults[EnvelopesArgs]
	Store *Store
	Log   *slog.Logger
}

// Work deletes.
func (w *EnvelopesWorker) Work(ctx context.Context, _ *river.Job[EnvelopesArgs]) error {
	n, err := w.Store.ForgetEnvelopes(ctx, w.Store.Now().Add(-EnvelopeTTL))
	if err != nil {
		return err
	}
	if n > 0 && w.Log != nil {
		w.Log.Debug("old envelope ids deleted", "envelopes", n)
	}
	return nil
}

// EnvelopesJob is the periodic job of EnvelopesWorker.
func EnvelopesJob() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(EnvelopesEvery),
		func() (river.JobArgs, *river.InsertOpts) { return EnvelopesArgs{}, nil },
		&river.PeriodicJobOpts{ID: "slack_envelopes_cleanup", RunOnStart: true})
}
