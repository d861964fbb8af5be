package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"
)

// SlackAPI is what posting a digest needs from Slack; *slack.Client has it.
type SlackAPI interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	// The charts, uploaded into the digest's thread.
	GetUploadURLExternalContext(ctx context.Context, params slack.GetUploadURLExternalParameters) (*slack.GetUploadURLExternalResponse, error)
	UploadToURL(ctx context.Context, params slack.UploadToURLParameters) error
	CompleteUploadExternalContext(ctx context.Context, params slack.CompleteUploadExternalParameters) (*slack.CompleteUploadExternalResponse, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
}

// metadataEvent marks digest messages, so that a crash between posting and recording
// can be recognised in the channel instead of posting again.
const metadataEvent = "vosbot_digest"

// Poster posts digests exactly once per channel and period.
type Poster struct {
	Pool    *pgxpool.Pool
	Slack   SlackAPI
	Builder *Builder
	Log     *slog.Logger
	Now     func() time.Time
	metrics posterMetrics
}

type posterMetrics struct {
	posted   *prometheus.CounterVec
	failures *prometheus.CounterVec
	invalid  *prometheus.GaugeVec
}

// NewPoster returns a poster whose metrics are registered on reg (nil: not exported).
func NewPoster(pool *pgxpool.Pool, api SlackAPI, b *Builder, log *slog.Logger, reg prometheus.Registerer) *Poster {
	m := posterMetrics{
		posted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_digests_posted_total", Help: "Digests posted, by channel (late ones too).",
		}, []string{"channel"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_digest_failures_total", Help: "Digest posts that failed, by channel and Slack error (not_in_channel: invite the bot).",
		}, []string{"channel", "reason"}),
		invalid: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vosbot_digest_schedule_never_fires", Help: "1 for a configured digest whose schedule never fires.",
		}, []string{"channel"}),
	}
	if reg != nil {
		reg.MustRegister(m.posted, m.failures, m.invalid)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Poster{Pool: pool, Slack: api, Builder: b, Log: log, Now: time.Now, metrics: m}
}

// PostOptions modify one post.
type PostOptions struct {
	// Force posts even if this channel and period were posted already.
	Force bool
	// Late marks a digest posted after its time.
	Late bool
}

// Result says what Post did.
type Result struct {
	TS string
	// RunID is the digest's record (its charts are recorded against it).
	RunID int64
	// Posted is false when the digest had been posted before (TS is that message).
	Posted bool
}

const insertRun = `
INSERT INTO digest_runs (channel_id, period_start, period_end, status, late, started_at)
VALUES ($1, $2, $3, 'posting', $4, $5)
ON CONFLICT (channel_id, period_end) WHERE NOT forced DO NOTHING`

const lockRun = `
SELECT id, status, message_ts FROM digest_runs
WHERE channel_id = $1 AND period_end = $2 AND NOT forced FOR UPDATE`

const insertForcedRun = `
INSERT INTO digest_runs (channel_id, period_start, period_end, status, late, forced, started_at)
VALUES ($1, $2, $3, 'posting', $4, true, $5) RETURNING id`

const markPosted = `
UPDATE digest_runs SET status = 'posted', message_ts = $2, posted_at = $3, attempts = attempts + 1, error = '',
    summary = COALESCE($4, summary)
WHERE id = $1`

const recordFailure = `
INSERT INTO digest_runs (channel_id, period_start, period_end, status, late, started_at, attempts, error)
VALUES ($1, $2, $3, 'failed', $4, $5, 1, $6)
ON CONFLICT (channel_id, period_end) WHERE NOT forced
DO UPDATE SET status = 'failed', attempts = digest_runs.attempts + 1, error = EXCLUDED.error
WHERE digest_runs.status <> 'posted'`

// sentGrace is how long a digest post already sent to Slack may still take after a stop
// was asked for, to be answered and recorded; `vosbot run` stops within its 10 s budget
// all the same.
const sentGrace = 5 * time.Second

// Post builds and posts the digest d for period p, once: the (channel, period end) row
// is locked while posting, so replicas and retries wait and then find it posted; and
// when an earlier attempt posted but crashed before recording it, the message is found
// in the channel by its metadata instead of being posted again.
//
// A stop (SIGTERM, a cancelled job) before the message is sent abandons the post; once
// it is sent, the post is seen through for up to sentGrace: Slack posts a message it
// has received even when the client stops waiting, and a restart that came before
// Slack had finished would not find it in the channel and would post it again.
func (ps *Poster) Post(ctx context.Context, d Definition, p Period, opts PostOptions) (Result, error) {
	var res Result
	now := ps.Now()
	// The transaction's context follows ctx until the message is sent; from then on a
	// stop leaves it sentGrace to finish, so that what was posted is recorded.
	txCtx, cancelTx := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTx()
	var sending atomic.Bool
	stopWatching := context.AfterFunc(ctx, func() {
		if !sending.Load() {
			cancelTx()
			return
		}
		time.AfterFunc(sentGrace, cancelTx)
	})
	defer stopWatching()
	err := pgx.BeginFunc(txCtx, ps.Pool, func(tx pgx.Tx) error {
		var runID int64
		if opts.Force {
			if err := tx.QueryRow(txCtx, insertForcedRun, d.Channel, p.Start, p.End, opts.Late, now).Scan(&runID); err != nil {
				return err
			}
		} else {
			if _, err := tx.Exec(txCtx, insertRun, d.Channel, p.Start, p.End, opts.Late, now); err != nil {
				return err
			}
			var status string
			var ts *string
			if err := tx.QueryRow(txCtx, lockRun, d.Channel, p.End).Scan(&runID, &status, &ts); err != nil {
				return err
			}
			res.RunID = runID
			if status == "posted" && ts != nil {
				res.TS = *ts
				return nil
			}
			if found, err := ps.findPosted(txCtx, d.Channel, p); err != nil {
				ps.Log.Warn("could not read the channel to check for an earlier post; posting", "channel", d.Channel, "error", err)
			} else if found != "" {
				ps.Log.Info("digest found already posted in the channel; recording it", "channel", d.Channel, "period_end", p.End, "ts", found)
				res.TS = found
				_, err := tx.Exec(txCtx, markPosted, runID, found, now, nil)
				return err
			}
		}
		// Built on this transaction's connection: a post holds one connection at most.
		r, err := ps.Builder.BuildWith(txCtx, tx, d, p)
		if err != nil {
			return err
		}
		r.Late = opts.Late
		text, blocks := Blocks(r)
		meta := slack.SlackMetadata{EventType: metadataEvent, EventPayload: map[string]any{
			"channel": d.Channel, "period_start": p.Start.Format(time.RFC3339), "period_end": p.End.Format(time.RFC3339),
		}}
		sending.Store(true)
		if err := txCtx.Err(); err != nil {
			return err // stopped before anything was sent
		}
		_, ts, err := ps.Slack.PostMessageContext(txCtx, d.Channel, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...), slack.MsgOptionMetadata(meta))
		if err != nil {
			return &postError{err: err}
		}
		res.TS, res.Posted, res.RunID = ts, true, runID
		_, err = tx.Exec(txCtx, markPosted, runID, ts, ps.Now(), r.Summary())
		return err
	})
	if err != nil {
		reason := "error"
		var pe *postError
		if errors.As(err, &pe) {
			reason = slackCode(pe.err)
		}
		ps.metrics.failures.WithLabelValues(d.Channel, reason).Inc()
		if _, ferr := ps.Pool.Exec(context.WithoutCancel(ctx), recordFailure, d.Channel, p.Start, p.End, opts.Late, now, err.Error()); ferr != nil {
			ps.Log.Warn("could not record the digest failure", "channel", d.Channel, "error", ferr)
		}
		return res, fmt.Errorf("digest for %s, period ending %s: %w", d.Channel, p.End.Format(time.RFC3339), err)
	}
	if res.Posted {
		ps.metrics.posted.WithLabelValues(d.Channel).Inc()
		ps.Log.Info("digest posted", "channel", d.Channel, "period_end", p.End, "ts", res.TS, "late", opts.Late, "forced", opts.Force)
	}
	return res, nil
}

// postError is Slack refusing or failing the post.
type postError struct{ err error }

func (e *postError) Error() string { return "post to Slack: " + e.err.Error() }
func (e *postError) Unwrap() error { return e.err }

// Permanent reports whether retrying cannot help (the bot is not in the channel, or the
// channel does not exist): fix the configuration or invite the bot.
func Permanent(err error) bool {
	switch slackCode(err) {
	case "not_in_channel", "channel_not_found", "is_archived", "invalid_auth", "account_inactive", "token_revoked", "missing_scope":
		return true
	}
	return false
}

func slackCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return "ratelimited"
	}
	return "error"
}

// historyPages bounds how far back a lookup reads (200 messages a page): a digest
// channel with over 20,000 messages in one period is not one a digest is read in.
const historyPages = 100

// findPosted looks for this period's digest among every message of the channel since
// the period started, by its metadata, page after page: a busy channel may hold hundreds
// of messages after it by the time a retry looks.
func (ps *Poster) findPosted(ctx context.Context, channel string, p Period) (string, error) {
	params := &slack.GetConversationHistoryParameters{
		ChannelID: channel, Limit: 200, IncludeAllMetadata: true,
		Oldest: fmt.Sprintf("%d.000000", p.Start.Unix()),
	}
	want := p.End.Format(time.RFC3339)
	for range historyPages {
		h, err := ps.Slack.GetConversationHistoryContext(ctx, params)
		if err != nil {
			return "", err
		}
		for _, m := range h.Messages {
			if m.Metadata.EventType == metadataEvent && m.Metadata.EventPayload["period_end"] == want && m.Metadata.EventPayload["channel"] == channel {
				return m.Timestamp, nil
			}
		}
		if !h.HasMore || h.ResponseMetaData.NextCursor == "" {
			return "", nil
		}
		params.Cursor = h.ResponseMetaData.NextCursor
	}
	ps.Log.Warn("digest lookup stopped after reading the channel's latest messages", "channel", channel, "messages", historyPages*200)
	return "", nil
}
