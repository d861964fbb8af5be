package feedback

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
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
	// FinishedJobs are done background jobs that named them (a DM sent, its error).
	FinishedJobs int `json:"finished_jobs"`
	// ThemeExamples are their texts kept as examples of a theme (and examples whose
	// feedback no longer says them).
	ThemeExamples int `json:"theme_examples"`
	// LLMErrors are language model errors that quoted their words.
	LLMErrors int `json:"llm_errors"`
	// MeasureValues are measure values and corrections they reported or made.
	MeasureValues int `json:"measure_values"`

	DealsOwned int `json:"deals_owned"`
	DealEvents int `json:"deal_events"`
	// SurveyLinks are buyer-survey links they made (anonymised and revoked).
	SurveyLinks int `json:"survey_links"`
}

// PurgeCounts says what purging before a date deletes (or deleted).
type PurgeCounts struct {
	Feedback    int `json:"feedback"`
	Escalations int `json:"escalations"`
	// EscalationsKept are older escalations still open at the date: live work is kept.
	EscalationsKept int `json:"escalations_kept"`
	LLMUsage        int `json:"llm_usage"`
	// ThemeExamples are texts of deleted feedback kept as examples of a theme.
	ThemeExamples int `json:"theme_examples"`
	// MeasureValues are measure values reported, and corrections made, before the date.
	MeasureValues int `json:"measure_values"`

	Deals     int `json:"deals"`
	CRMEvents int `json:"crm_events"`
	// SurveyLinks are buyer-survey links made before the date or about purged feedback.
	SurveyLinks int `json:"survey_links"`
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

// feedbackText is Feedback.Text in SQL: the non-blank texts, joined by newlines. Theme
// examples are copies of it.
const feedbackText = `concat_ws(E'\n',
    CASE WHEN btrim(what_worked, E' \t\n\r\f\v') <> '' THEN what_worked END,
    CASE WHEN btrim(what_didnt, E' \t\n\r\f\v') <> '' THEN what_didnt END,
    CASE WHEN btrim(verbatim, E' \t\n\r\f\v') <> '' THEN verbatim END)`

// theirTexts are the free texts a person wrote, for finding copies of them: their
// feedback (and its earlier versions), what they raised, resolved and noted. A text of at
// least 12 characters whose first 60 appear inside another is taken as copied there.
const theirTexts = `theirs AS (
    SELECT unnest(ARRAY[what_worked, what_didnt, verbatim]) AS t FROM feedback WHERE reporter_id = $1
    UNION SELECT unnest(ARRAY[r.previous->>'what_worked', r.previous->>'what_didnt', r.previous->>'verbatim'])
        FROM feedback_revisions r JOIN feedback f ON f.id = r.feedback_id WHERE f.reporter_id = $1
    UNION SELECT unnest(ARRAY[summary, needed]) FROM escalations WHERE reporter_id = $1
    UNION SELECT resolution FROM escalations WHERE owner_id = $1
    UNION SELECT note FROM escalation_events WHERE actor_id = $1)`

// finishedJobsNaming selects done background jobs whose arguments or errors name $1.
const finishedJobsNaming = `FROM river_job WHERE state IN ('completed', 'cancelled', 'discarded')
    AND (args->>'recipient' = $1 OR errors::text ~ ('\m' || $1 || '\M'))`

const countForget = `
WITH ` + theirTexts + `
SELECT
    (SELECT count(*) FROM feedback WHERE reporter_id = $1)::int,
    (SELECT count(*) FROM feedback_revisions r JOIN feedback f ON f.id = r.feedback_id
        WHERE f.reporter_id = $1 OR r.editor_id = $1)::int,
    (SELECT count(*) FROM escalations WHERE reporter_id = $1)::int,
    (SELECT count(*) FROM escalations WHERE owner_id = $1)::int,
    (SELECT count(*) FROM escalation_events WHERE actor_id = $1)::int,
    (SELECT count(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded')
        AND (args->>'recipient' = $1))::int,
    (SELECT count(*) ` + finishedJobsNaming + `)::int,
    (SELECT count(*) FROM themes t, unnest(t.example_texts) x
        WHERE x NOT IN (SELECT ` + feedbackText + ` FROM feedback WHERE reporter_id <> $1))::int,
    (SELECT count(*) FROM llm_usage u WHERE u.error <> '' AND EXISTS (
        SELECT 1 FROM theirs WHERE length(t) >= 12 AND strpos(u.error, left(t, 60)) > 0))::int`

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
    needed = CASE WHEN needed <> '' THEN $3 ELSE '' END,
    reporter_note = CASE WHEN reporter_note <> '' THEN $3 ELSE '' END
WHERE reporter_id = $1`
	// Their place in the last ranking goes too (their won feedback is no longer theirs).
	forgetTopPerformer = `DELETE FROM top_performers WHERE user_id = $1`
	forgetOwner        = `
UPDATE escalations SET owner_id = $2, resolution = CASE WHEN resolution <> '' THEN $3 ELSE '' END
WHERE owner_id = $1`
	forgetActor = `
UPDATE escalation_events SET actor_id = $2, note = CASE WHEN note <> '' THEN $3 ELSE '' END
WHERE actor_id = $1`
	// Messages not yet sent to them will not be, and the record of those sent goes.
	forgetPending  = `DELETE FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded') AND args->>'recipient' = $1`
	forgetFinished = `DELETE ` + finishedJobsNaming
	// A model's error that quoted their words (before those words are replaced).
	forgetLLMErrors = `
WITH ` + theirTexts + `
UPDATE llm_usage u SET error = $2
WHERE u.error <> '' AND EXISTS (SELECT 1 FROM theirs WHERE length(t) >= 12 AND strpos(u.error, left(t, 60)) > 0)`
)

// pruneThemeExamples keeps a theme's example texts only while they are the text of a
// stored feedback item: after forget and purge, a person's words kept as an example go
// with their record (an example whose item was since edited goes too: its text now lives
// only in the item's history).
const pruneThemeExamples = `
WITH current AS (SELECT ` + feedbackText + ` AS t FROM feedback)
UPDATE themes SET example_texts = ARRAY(
    SELECT x FROM unnest(example_texts) WITH ORDINALITY AS e(x, n)
    WHERE x IN (SELECT t FROM current) ORDER BY n)
WHERE EXISTS (SELECT 1 FROM unnest(example_texts) x WHERE x NOT IN (SELECT t FROM current))`

// The privacy log's secret: made once, by the first forget of an installation.
const (
	insertPrivacySecret = `INSERT INTO privacy_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`
	selectPrivacySecret = `SELECT secret FROM privacy_secret WHERE id = 1`
)

// subjectHash is how the privacy log names a person: HMAC-SHA256 of their id under the
// installation's secret. The same person gets the same subject (a repeated request can
// be recognised), but without the secret the workspace's ids cannot be tried against it.
func subjectHash(ctx context.Context, tx pgx.Tx, userID string) (string, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, insertPrivacySecret, fresh); err != nil {
		return "", fmt.Errorf("privacy secret: %w", err)
	}
	var secret []byte
	if err := tx.QueryRow(ctx, selectPrivacySecret).Scan(&secret); err != nil {
		return "", fmt.Errorf("privacy secret: %w", err)
	}
	return SubjectHash(secret, userID), nil
}

// SubjectHash is the privacy log's subject for a user id under secret.
func SubjectHash(secret []byte, userID string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(userID))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}

// ErrUserID means a forget was asked for something that is not a Slack user id.
var ErrUserID = errors.New("not a Slack user id")

var slackUserID = regexp.MustCompile(`^[A-Z0-9]{2,32}$`)

const insertPrivacyLog = `INSERT INTO privacy_log (at, action, subject, counts) VALUES ($1, $2, $3, $4)`

// Forget anonymises a person: their ids become Forgotten and their free text
// RemovedText in feedback, escalations and the audit trail; records stay, so counts in
// past and future digests do not change. Copies of their words go too: theme examples,
// a model's error quoting them, done jobs naming them. Without apply it only counts. The
// log keeps a keyed hash of the id, never the id.
func (s *Store) Forget(ctx context.Context, userID string, apply bool) (ForgetCounts, error) {
	var c ForgetCounts
	if !slackUserID.MatchString(userID) {
		return c, fmt.Errorf("forget %q: %w", userID, ErrUserID)
	}
	err := s.privacyTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, countForget, userID).Scan(&c.FeedbackReported, &c.FeedbackRevisions, &c.EscalationsReported,
			&c.EscalationsOwned, &c.Events, &c.PendingMessages, &c.FinishedJobs, &c.ThemeExamples, &c.LLMErrors); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, countForgetMeasures, userID).Scan(&c.MeasureValues); err != nil {
			return err
		}
		if err := forgetDeals(ctx, tx, userID, apply, &c); err != nil {
			return err
		}
		if err := forgetSurveys(ctx, tx, userID, s.now(), apply, &c); err != nil {
			return err
		}
		if !apply {
			return nil
		}
		for _, step := range []struct {
			sql  string
			args []any
		}{
			// First, while their words are still there to be recognised.
			{forgetLLMErrors, []any{userID, RemovedText}},
			{forgetRevisions, []any{userID}},
			{forgetEditor, []any{userID, Forgotten}},
			{forgetFeedback, []any{userID, Forgotten, RemovedText}},
			{forgetReporter, []any{userID, Forgotten, RemovedText}},
			{forgetOwner, []any{userID, Forgotten, RemovedText}},
			{forgetActor, []any{userID, Forgotten, RemovedText}},
			{forgetTopPerformer, []any{userID}},
			{forgetPending, []any{userID}},
			{forgetFinished, []any{userID}},
			{pruneThemeExamples, nil},
		} {
			if _, err := tx.Exec(ctx, step.sql, step.args...); err != nil {
				return err
			}
		}
		for _, stmt := range forgetMeasures {
			if _, err := tx.Exec(ctx, stmt.sql, []any{userID, Forgotten, RemovedText}[:stmt.n]...); err != nil {
				return err
			}
		}
		counts, _ := json.Marshal(c)
		subject, err := subjectHash(ctx, tx, userID)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, insertPrivacyLog, s.now(), "forget", subject, counts)
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
    (SELECT count(*) FROM llm_usage WHERE at < $1)::int,
    (SELECT count(*) FROM themes t, unnest(t.example_texts) x
        WHERE x NOT IN (SELECT ` + feedbackText + ` FROM feedback WHERE created_at >= $1))::int`

var purgeStatements = []string{
	`DELETE FROM feedback WHERE created_at < $1`,
	// Only what was closed before the date: open work, and work closed later (which
	// later digests counted), stays.
	`DELETE FROM escalations WHERE created_at < $1 AND resolved_at < $1`,
	`DELETE FROM llm_usage WHERE at < $1`,
}

// Purge deletes feedback and LLM usage older than before, and escalations raised and
// closed before it (older escalations still open, or closed after it, are kept), and the
// texts of deleted feedback kept as theme examples. Themes, competitors and the numbers
// of posted digests stay. Without apply it only counts.
func (s *Store) Purge(ctx context.Context, before time.Time, apply bool) (PurgeCounts, error) {
	var c PurgeCounts
	err := s.privacyTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, countPurge, before).Scan(&c.Feedback, &c.Escalations, &c.EscalationsKept, &c.LLMUsage, &c.ThemeExamples); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, countPurgeMeasures, before).Scan(&c.MeasureValues); err != nil {
			return err
		}
		if err := purgeDeals(ctx, tx, before, apply, &c); err != nil {
			return err
		}
		if err := purgeSurveys(ctx, tx, before, apply, &c); err != nil {
			return err
		}
		if !apply {
			return nil
		}
		for _, stmt := range append(purgeStatements, purgeMeasures...) {
			if _, err := tx.Exec(ctx, stmt, before); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, pruneThemeExamples); err != nil {
			return err
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
