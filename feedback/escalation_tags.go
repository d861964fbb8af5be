package feedback

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Text is what the escalation says happened and what is needed: what its themes are
// found in.
func (e Escalation) Text() string {
	return strings.Join(nonEmpty(e.Summary, e.Needed), "\n")
}

// listEscalations runs a query selecting escalationColumns; what names it in errors.
func listEscalations(ctx context.Context, q querier, what, sql string, args ...any) ([]Escalation, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	es, err := collectEscalations(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return es, nil
}

const selectEscalationsByIDs = `SELECT ` + escalationColumns + `
FROM escalations e WHERE e.id = ANY($1) ORDER BY e.id`

// EscalationsByIDs returns the escalations with these ids that exist, by id.
func (s *Store) EscalationsByIDs(ctx context.Context, ids []int64) ([]Escalation, error) {
	return listEscalations(ctx, s.pool, "escalations by ids", selectEscalationsByIDs, ids)
}

const selectEscalationsSince = `SELECT ` + escalationColumns + `
FROM escalations e WHERE e.created_at >= $1 ORDER BY e.created_at, e.id`

// EscalationsSince returns every escalation raised since a time, oldest first.
func (s *Store) EscalationsSince(ctx context.Context, since time.Time) ([]Escalation, error) {
	return listEscalations(ctx, s.pool, "escalations since", selectEscalationsSince, since)
}

const selectPendingLLMEscalations = `SELECT ` + escalationColumns + `
FROM escalations e
WHERE NOT EXISTS (SELECT 1 FROM escalation_tagging t WHERE t.escalation_id = e.id AND t.llm_tagged_at IS NOT NULL)
ORDER BY e.created_at DESC, e.id DESC LIMIT $1`

// PendingLLMEscalations returns escalations the language model has not read, newest first.
func (s *Store) PendingLLMEscalations(ctx context.Context, limit int) ([]Escalation, error) {
	return listEscalations(ctx, s.pool, "pending llm escalations", selectPendingLLMEscalations, limit)
}
