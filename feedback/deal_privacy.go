package feedback

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

const countForgetDeals = `
SELECT
    (SELECT count(*) FROM deals WHERE owner_id = $1 OR owner_slack_id = $1)::int,
    (SELECT count(*) FROM deal_events WHERE actor_id = $1)::int`

// The deal statements of Forget: the person stops being anyone's deal owner (their
// e-mail as the CRM gave it goes too), their actions in the audit trail are anonymous,
// and nothing more is sent to them about deals. $1 is their id, $2 Forgotten, $3
// RemovedText.
const (
	forgetDealOwner = `
UPDATE deals SET owner_id = CASE WHEN owner_id = $1 THEN $2 ELSE owner_id END,
    owner_slack_id = CASE WHEN owner_slack_id = $1 THEN $2 ELSE owner_slack_id END, owner_email = ''
WHERE owner_id = $1 OR owner_slack_id = $1`
	forgetDealActor    = `UPDATE deal_events SET actor_id = $2, note = CASE WHEN note <> '' THEN $3 ELSE '' END WHERE actor_id = $1`
	forgetDealAsked    = `UPDATE deal_events SET note = $2 WHERE note = 'asked ' || $1`
	forgetDealNudges   = `UPDATE deal_nudges SET owner_id = $2 WHERE owner_id = $1`
	forgetReminders    = `DELETE FROM deal_reminders WHERE owner_id = $1`
	forgetReminderJobs = `DELETE FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded') AND kind = 'deal_reminder' AND args->>'owner_id' = $1`
)

// forgetDeals is Forget's part for deals, in its transaction.
func forgetDeals(ctx context.Context, tx pgx.Tx, userID string, apply bool, c *ForgetCounts) error {
	if err := tx.QueryRow(ctx, countForgetDeals, userID).Scan(&c.DealsOwned, &c.DealEvents); err != nil {
		return fmt.Errorf("count deals: %w", err)
	}
	if !apply {
		return nil
	}
	for _, step := range []struct {
		sql  string
		args []any
	}{
		{forgetDealOwner, []any{userID, Forgotten}},
		{forgetDealActor, []any{userID, Forgotten, RemovedText}},
		{forgetDealAsked, []any{userID, "asked " + Forgotten}},
		{forgetDealNudges, []any{userID, Forgotten}},
		{forgetReminders, []any{userID}},
		{forgetReminderJobs, []any{userID}},
	} {
		if _, err := tx.Exec(ctx, step.sql, step.args...); err != nil {
			return fmt.Errorf("forget deals: %w", err)
		}
	}
	return nil
}

const countPurgeDeals = `
SELECT (SELECT count(*) FROM deals WHERE closed_at < $1)::int,
       (SELECT count(*) FROM crm_events WHERE received_at < $1)::int`

// Deals closed before the date go with their audit trail and nudges; feedback that
// named them stays, without the link.
var purgeDealStatements = []string{
	`DELETE FROM deals WHERE closed_at < $1`,
	`DELETE FROM crm_events WHERE received_at < $1`,
	`DELETE FROM deal_reminders WHERE sent_at < $1`,
}

// purgeDeals is Purge's part for deals, in its transaction.
func purgeDeals(ctx context.Context, tx pgx.Tx, before time.Time, apply bool, c *PurgeCounts) error {
	if err := tx.QueryRow(ctx, countPurgeDeals, before).Scan(&c.Deals, &c.CRMEvents); err != nil {
		return fmt.Errorf("count deals: %w", err)
	}
	if !apply {
		return nil
	}
	for _, stmt := range purgeDealStatements {
		if _, err := tx.Exec(ctx, stmt, before); err != nil {
			return fmt.Errorf("purge deals: %w", err)
		}
	}
	return nil
}
