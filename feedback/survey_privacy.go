package feedback

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The buyer survey's part of Forget and Purge. A buyer's answer is feedback whose
// reporter is the rep who sent the link, so forgetting the rep anonymises it with the
// rep's other items (by the feedback statements); here the links they made stop
// naming them and stop working.

const countForgetSurveys = `SELECT count(*)::int FROM survey_links WHERE created_by = $1`

// forgetSurveyLinks: the links a forgotten rep made name nobody, and stop opening (a
// buyer's answer would be addressed to no one).
const forgetSurveyLinks = `
UPDATE survey_links SET created_by = $2, token_hash = NULL, revoked_at = COALESCE(revoked_at, $3)
WHERE created_by = $1`

// forgetSurveys is Forget's part for survey links, in its transaction.
func forgetSurveys(ctx context.Context, tx pgx.Tx, userID string, at time.Time, apply bool, c *ForgetCounts) error {
	if err := tx.QueryRow(ctx, countForgetSurveys, userID).Scan(&c.SurveyLinks); err != nil {
		return fmt.Errorf("count survey links: %w", err)
	}
	if !apply {
		return nil
	}
	if _, err := tx.Exec(ctx, forgetSurveyLinks, userID, Forgotten, at); err != nil {
		return fmt.Errorf("forget survey links: %w", err)
	}
	return nil
}

// countPurgeSurveys counts the links made before the date and those of items purged
// (deleted with them); answers are feedback and go by their own date.
const countPurgeSurveys = `
SELECT count(*)::int FROM survey_links l JOIN feedback f ON f.id = l.feedback_id
WHERE l.created_at < $1 OR f.created_at < $1`

const purgeSurveyLinks = `DELETE FROM survey_links WHERE created_at < $1`

// purgeSurveys is Purge's part for survey links, in its transaction (before the
// feedback is deleted; the links of purged items go with them by the foreign key).
func purgeSurveys(ctx context.Context, tx pgx.Tx, before time.Time, apply bool, c *PurgeCounts) error {
	if err := tx.QueryRow(ctx, countPurgeSurveys, before).Scan(&c.SurveyLinks); err != nil {
		return fmt.Errorf("count survey links: %w", err)
	}
	if !apply {
		return nil
	}
	if _, err := tx.Exec(ctx, purgeSurveyLinks, before); err != nil {
		return fmt.Errorf("purge survey links: %w", err)
	}
	return nil
}
