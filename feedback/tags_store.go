package feedback

import (
	"context"
	"fmt"
	"time"
)

const selectPendingLLM = `SELECT ` + feedbackColumns + `
FROM feedback f WHERE f.llm_tagged_at IS NULL ORDER BY f.created_at DESC, f.id DESC LIMIT $1`

// PendingLLM returns items the language model has not read yet, newest first.
func (s *Store) PendingLLM(ctx context.Context, limit int) ([]Feedback, error) {
	return listFeedback(ctx, s.pool, "pending llm", selectPendingLLM, limit)
}

const selectFeedbackSince = `SELECT ` + feedbackColumns + `
FROM feedback f WHERE f.created_at >= $1 ORDER BY f.created_at, f.id`

// FeedbackSince returns every item created since a time, oldest first (for discovery).
func (s *Store) FeedbackSince(ctx context.Context, since time.Time) ([]Feedback, error) {
	return listFeedback(ctx, s.pool, "feedback since", selectFeedbackSince, since)
}

const selectFeedbackByIDs = `SELECT ` + feedbackColumns + `
FROM feedback f WHERE f.id = ANY($1) ORDER BY f.id`

// FeedbackByIDs returns the items with these ids that exist, by id.
func (s *Store) FeedbackByIDs(ctx context.Context, ids []int64) ([]Feedback, error) {
	return listFeedback(ctx, s.pool, "feedback by ids", selectFeedbackByIDs, ids)
}

// LLMUsage is one language-model call's token use.
type LLMUsage struct {
	At               time.Time
	Model, Purpose   string
	PromptTokens     int
	CompletionTokens int
	TotalTokens      int
	Duration         time.Duration
	OK               bool
	Error            string
}

const insertLLMUsage = `
INSERT INTO llm_usage (at, model, purpose, prompt_tokens, completion_tokens, total_tokens, duration_ms, ok, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`

// RecordLLMUsage stores one call's token use.
func (s *Store) RecordLLMUsage(ctx context.Context, u LLMUsage) error {
	if u.At.IsZero() {
		u.At = s.now()
	}
	_, err := s.pool.Exec(ctx, insertLLMUsage, u.At, u.Model, u.Purpose, u.PromptTokens, u.CompletionTokens, u.TotalTokens,
		u.Duration.Milliseconds(), u.OK, u.Error)
	if err != nil {
		return fmt.Errorf("record llm usage: %w", err)
	}
	return nil
}
