package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Forgotten replaces a forgotten person's id; it is not a Slack id, so it renders as
// "someone" and mentions nobody.
const Forgotten = "forgotten"

// RemovedText replaces a forgotten person's free text.
const RemovedText = "[removed at the author's request]"

// ForgetCounts says what forgetting a person changes (or changed).
type ForgetCounts struct {
	FeedbackReported    int `json:"feedback_reported"`
	FeedbackRevisions   int `json:"feedback_revisions"`
	EscalationsReported int `json:"escalations_reported"`
	EscalationsOwned    int `json:"escalations_owned"`
	Events              int `json:"events"`
	PendingMessages     int `json:"pending_messages"`

	DealsOwned int `json:"deals_owned"`
	DealEvents int `json:"deal_events"`
}

// PurgeCounts says what purging before a date deletes (or deleted).
type PurgeCounts struct {
	Feedback    int `json:"feedback"`
	Escalations int `json:"escalations"`
	// EscalationsKept are older escalations still open at the date: live work is kept.
	EscalationsKept int `json:"escalations_kept"`
	LLMUsage        int `json:"llm_usage"`

	Deals     int `json:"deals"`
	CRMEvents int `json:"crm_events"`
}

// privacyTx runs fn in a transaction allowed to change the audit trail.
func (s *Store) privacyTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('vosbot.privacy', 'on', true)`); err != nil {
			return err
		}
		return fn(tx)
	})
}

const countForget = `
SELECT
    (SELECT count(*) FROM feedback WHERE reporter_id = $1)::int,
    (SELECT count(*) FROM feedback_revisions r JOIN feedback f ON f.id = r.feedback_id
        WHERE f.reporter_id = $1 OR r.editor_id = $1)::int,
    (SELECT count(*) FROM escalations WHERE reporter_id = $1)::int,
    (SELECT count(*) FROM escalations WHERE owner_id = $1)::int,
    (SELECT count(*) FROM escalation_events WHERE actor_id = $1)::int,
    (SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')
        AND (args->>'recipient' = $1))::int`

// The forget statements anonymise a person everywhere, keeping every record (and so
// every count) in place: their id ($1) becomes $2 (Forgotten), their words $3 (RemovedText).
const (
	// Revisions hold earlier copies of their text: gone.
	forgetRevisions = `DELETE FROM feedback_revisions WHERE feedback_id IN (SELECT id FROM feedback WHERE reporter_id = $1)`
	forgetEditor    = `UPDATE feedback_revisions SET editor_id = $2 WHERE editor_id = $1`
	forgetFeedback  = `
UPDATE feedback SET reporter_id = $2, hide_name = true, message_url = '',
    what_worked = CASE WHEN what_worked <> '' THEN $3 ELSE '' END,
    what_didnt = CASE WHEN what_didnt <> '' THEN $3 ELSE '' END,
    verbatim = CASE WHEN verbatim <> '' THEN $3 ELSE '' END
WHERE reporter_id = $1`
	forgetReporter = `
UPDATE escalations SET reporter_id = $2, hide_name = true, summary = $3,
    needed = CASE WHEN needed <> '' THEN $3 ELSE '' END
WHERE reporter_id = $1`
	forgetOwner = `
UPDATE escalations SET owner_id = $2, resolution = CASE WHEN resolution <> '' THEN $3 ELSE '' END
WHERE owner_id = $1`
	forgetActor = `
UPDATE escalation_events SET actor_id = $2, note = CASE WHEN note <> '' THEN $3 ELSE '' END
WHERE actor_id = $1`
	// Messages not yet sent to them will not be.
	forgetPending = `DELETE FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded') AND args->>'recipient' = $1`
)

const insertPrivacyLog = `INSERT INTO privacy_log (at, action, subject, counts) VALUES ($1, $2, $3, $4)`

// Forget anonymises a person: their ids become Forgotten and their free text
// RemovedText in feedback, escalations and the audit trail; records stay, so counts in
// past and future digests do not change. Without apply it only counts. The log keeps a
// hash of the id, never the id.
func (s *Store) Forget(ctx context.Context, userID string, apply bool) (ForgetCounts, error) {
	var c ForgetCounts
	err := s.privacyTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, countForget, userID).Scan(&c.FeedbackReported, &c.FeedbackRevisions, &c.EscalationsReported,
			&c.EscalationsOwned, &c.Events, &c.PendingMessages); err != nil {
			return err
		}
		if err := forgetDeals(ctx, tx, userID, apply, &c); err != nil {
			return err
		}
		if !apply {
			return nil
		}
		for _, step := range []struct {
			sql  string
			args []any
		}{
			{forgetRevisions, []any{userID}},
			{forgetEditor, []any{userID, Forgotten}},
			{forgetFeedback, []any{userID, Forgotten, RemovedText}},
			{forgetReporter, []any{userID, Forgotten, RemovedText}},
			{forgetOwner, []any{userID, Forgotten, RemovedText}},
			{forgetActor, []any{userID, Forgotten, RemovedText}},
			{forgetPending, []any{userID}},
		} {
			if _, err := tx.Exec(ctx, step.sql, step.args...); err != nil {
				return err
			}
		}
		counts, _ := json.Marshal(c)
		sum := sha256.Sum256([]byte(userID))
		_, err := tx.Exec(ctx, insertPrivacyLog, s.now(), "forget", "sha256:"+hex.EncodeToString(sum[:]), counts)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("forget: %w", err)
	}
	return c, nil
}

const countPurge = `
SELECT
    (SELECT count(*) FROM feedback WHERE created_at < $1)::int,
    (SELECT count(*) FROM escalations WHERE created_at < $1 AND resolved_at < $1)::int,
    (SELECT count(*) FROM escalations WHERE created_at < $1 AND (resolved_at IS NULL OR resolved_at >= $1))::int,
    (SELECT count(*) FROM llm_usage WHERE at < $1)::int`

var purgeStatements = []string{
	`DELETE FROM feedback WHERE created_at < $1`,
	// Only what was closed before the date: open work, and work closed later (which
	// later digests counted), stays.
	`DELETE FROM escalations WHERE created_at < $1 AND resolved_at < $1`,
	`DELETE FROM llm_usage WHERE at < $1`,
}

// Purge deletes feedback and LLM usage older than before, and escalations raised and
// closed before it (older escalations still open, or closed after it, are kept). Themes,
// competitors and the numbers of posted digests stay. Without apply it only counts.
func (s *Store) Purge(ctx context.Context, before time.Time, apply bool) (PurgeCounts, error) {
	var c PurgeCounts
	err := s.privacyTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, countPurge, before).Scan(&c.Feedback, &c.Escalations, &c.EscalationsKept, &c.LLMUsage); err != nil {
			return err
		}
		if err := purgeDeals(ctx, tx, before, apply, &c); err != nil {
			return err
		}
		if !apply {
			return nil
		}
		for _, stmt := range purgeStatements {
			if _, err := tx.Exec(ctx, stmt, before); err != nil {
				return err
			}
		}
		counts, _ := json.Marshal(c)
		_, err := tx.Exec(ctx, insertPrivacyLog, s.now(), "purge", "before "+before.UTC().Format(time.RFC3339), counts)
		return err
	})
	if err != nil {
		return c, fmt.Errorf("purge: %w", err)
	}
	return c, nil
}
