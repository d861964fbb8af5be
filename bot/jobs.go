package bot

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
)

// AddWorkers registers the bot's durable jobs: everything vosbot tells people after a
// change was saved.
func (b *Bot) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &feedbackSavedWorker{bot: b})
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[feedback.EscalationPostArgs]) error {
		return b.jobResult(b.postEscalation(ctx, job.Args.EscalationID, job.Attempt > 1))
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[feedback.EscalationNotifyArgs]) error {
		return b.jobResult(b.notifyEscalation(ctx, job.Args))
	}))
	b.addMeasuresWorkers(workers)
	b.addDealWorkers(workers)
	b.addSurveyWorkers(workers)
}

// jobResult gives up on records that no longer exist, and waits out Slack's Retry-After
// when the client's own retries of a rate limit ran out; anything else is retried.
func (b *Bot) jobResult(err error) error {
	if errors.Is(err, feedback.ErrNotFound) {
		return river.JobCancel(err)
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		b.log.Warn("Slack rate limit outlasted the client's retries; the job waits it out", "retry_after", rl.RetryAfter, "error", err)
		return river.JobSnooze(max(rl.RetryAfter, time.Second))
	}
	return err
}

type feedbackSavedWorker struct {
	river.WorkerDefaults[feedback.FeedbackSavedArgs]
	bot *Bot
}

// Work refreshes the rep's App Home, then sends the confirmation. The DM goes last so
// a retry never sends it twice for a failure that came after it.
func (w *feedbackSavedWorker) Work(ctx context.Context, job *river.Job[feedback.FeedbackSavedArgs]) error {
	b := w.bot
	f, err := b.deps.Store.Feedback(ctx, job.Args.FeedbackID)
	if errors.Is(err, feedback.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if err := b.publishHome(ctx, f.ReporterID); err != nil {
		b.log.Warn("app home not refreshed after save", "user", f.ReporterID, "error", err)
	}
	text, blocks := feedbackSummary(f, job.Args.Edited, b.reasons(ctx))
	if _, _, err := b.api.PostMessageContext(ctx, f.ReporterID, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err != nil {
		return b.jobResult(fmt.Errorf("confirm feedback %d to %s: %w", f.ID, f.ReporterID, err))
	}
	return nil
}
