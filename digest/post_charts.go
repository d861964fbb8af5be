package digest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/slack-go/slack"
)

// maxAltText is Slack's limit on a file's alt text.
const maxAltText = 1000

// lockRunByID serialises chart posters on the digest's row; NO KEY UPDATE, because
// recording a chart (a foreign key to the row) takes KEY SHARE on it from another
// connection, which FOR UPDATE would block forever.
const lockRunByID = `SELECT id FROM digest_runs WHERE id = $1 AND status = 'posted' FOR NO KEY UPDATE`

const selectChartState = `SELECT status, file_id FROM digest_charts WHERE run_id = $1 AND name = $2`

const recordChart = `
INSERT INTO digest_charts (run_id, name, file_id, status, updated_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (run_id, name) DO UPDATE SET file_id = EXCLUDED.file_id, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at`

// PostCharts uploads the digest's charts into the thread of its message, each once: a
// chart already posted is skipped, and one whose upload was completed but not recorded
// (a crash, or Slack's answer lost) is found in the thread instead of being posted again.
// It runs after the message is posted, so a chart that fails never holds back the text;
// the caller retries (the digest job, or the same command again). A chart that cannot
// be drawn is logged and left out.
func (ps *Poster) PostCharts(ctx context.Context, d Definition, p Period, res Result) error {
	if res.RunID == 0 || res.TS == "" {
		return nil
	}
	r, err := ps.Builder.Build(ctx, d, p)
	if err != nil {
		return err
	}
	charts, err := Charts(r)
	if err != nil {
		ps.Log.Error("digest charts could not be drawn; the digest goes without them", "channel", d.Channel, "error", err)
		return nil
	}
	posted := 0
	err = pgx.BeginFunc(ctx, ps.Pool, func(tx pgx.Tx) error {
		// One poster at a time for a digest: a replica or a command run at the same time
		// waits here and then finds the charts posted. Progress is written outside this
		// transaction, so that what reached Slack is recorded even if a later chart fails.
		var id int64
		if err := tx.QueryRow(ctx, lockRunByID, res.RunID).Scan(&id); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil // forced away or purged since
			}
			return err
		}
		for _, c := range charts {
			did, err := ps.postChart(ctx, d.Channel, res, c)
			if err != nil {
				ps.metrics.failures.WithLabelValues(d.Channel, "chart_"+slackCode(err)).Inc()
				return fmt.Errorf("chart %s: %w", c.Name, err)
			}
			if did {
				posted++
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("digest charts for %s, period ending %s: %w", d.Channel, p.End.Format(time.RFC3339), err)
	}
	if posted > 0 {
		ps.Log.Info("digest charts posted", "channel", d.Channel, "ts", res.TS, "charts", posted)
	}
	return nil
}

// postChart uploads one chart into the digest's thread unless it is there already, and
// says whether it posted it now.
func (ps *Poster) postChart(ctx context.Context, channel string, res Result, c Chart) (bool, error) {
	var status, fileID string
	err := ps.Pool.QueryRow(ctx, selectChartState, res.RunID, c.Name).Scan(&status, &fileID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, err
	}
	switch status {
	case "posted":
		return false, nil
	case "uploaded":
		// Completed before, perhaps: look in the thread before sharing it again.
		found, err := ps.inThread(ctx, channel, res.TS, fileID)
		if err != nil {
			return false, err
		}
		if found {
			return false, ps.markChart(ctx, res.RunID, c.Name, fileID, "posted")
		}
	default:
		alt := []rune(c.AltText)
		if len(alt) > maxAltText {
			alt = append(alt[:maxAltText-1], '…')
		}
		u, err := ps.Slack.GetUploadURLExternalContext(ctx, slack.GetUploadURLExternalParameters{
			FileName: c.Name, FileSize: len(c.PNG), AltTxt: string(alt)})
		if err != nil {
			return false, err
		}
		if err := ps.Slack.UploadToURL(ctx, slack.UploadToURLParameters{UploadURL: u.UploadURL, Filename: c.Name, Reader: bytes.NewReader(c.PNG)}); err != nil {
			return false, err
		}
		fileID = u.FileID
		if err := ps.markChart(ctx, res.RunID, c.Name, fileID, "uploaded"); err != nil {
			return false, err
		}
	}
	if _, err := ps.Slack.CompleteUploadExternalContext(ctx, slack.CompleteUploadExternalParameters{
		Files: []slack.FileSummary{{ID: fileID, Title: c.Title}}, Channel: channel, ThreadTimestamp: res.TS}); err != nil {
		return false, err
	}
	return true, ps.markChart(ctx, res.RunID, c.Name, fileID, "posted")
}

func (ps *Poster) markChart(ctx context.Context, runID int64, name, fileID, status string) error {
	if _, err := ps.Pool.Exec(ctx, recordChart, runID, name, fileID, status, ps.Now()); err != nil {
		return fmt.Errorf("record chart %s: %w", name, err)
	}
	return nil
}

// inThread reports whether the file was shared in the digest's thread.
func (ps *Poster) inThread(ctx context.Context, channel, ts, fileID string) (bool, error) {
	params := &slack.GetConversationRepliesParameters{ChannelID: channel, Timestamp: ts, Limit: 200}
	for range historyPages {
		msgs, more, cursor, err := ps.Slack.GetConversationRepliesContext(ctx, params)
		if err != nil {
			return false, err
		}
		for _, m := range msgs {
			if slices.ContainsFunc(m.Files, func(f slack.File) bool { return f.ID == fileID }) {
				return true, nil
			}
		}
		if !more || cursor == "" {
			return false, nil
		}
		params.Cursor = cursor
	}
	return false, nil
}
