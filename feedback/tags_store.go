package feedback

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Methods that find themes in text.
const (
	MethodOffline = "offline"
	MethodLLM     = "llm"
)

// ThemeMatch is a theme found in a text, by key, with the engine's confidence.
type ThemeMatch struct {
	Key        string
	Confidence float64
}

const deleteTags = `DELETE FROM feedback_themes WHERE feedback_id = $1 AND method = $2`

const insertTags = `
INSERT INTO feedback_themes (feedback_id, theme_id, method, confidence, rank, tagged_at)
SELECT $1, t.id, $2, m.confidence, m.rank, $5
FROM unnest($3::text[], $4::real[]) WITH ORDINALITY AS m(key, confidence, rank)
JOIN themes t ON t.key = m.key AND t.status IN ('catalogue', 'emerging')
ON CONFLICT DO NOTHING`

const markOfflineTagged = `UPDATE feedback SET tagged_at = $2 WHERE id = $1`

const markLLMTagged = `UPDATE feedback SET llm_tagged_at = $2 WHERE id = $1`

// SetThemes replaces what one method found in an item's text, dominant first. Tagging
// again never duplicates rows; keys not in the stored catalogue are ignored.
func (s *Store) SetThemes(ctx context.Context, feedbackID int64, method string, matches []ThemeMatch) error {
	keys := make([]string, len(matches))
	conf := make([]float32, len(matches))
	for i, m := range matches {
		keys[i], conf[i] = m.Key, float32(min(max(m.Confidence, 0), 1))
	}
	mark := markOfflineTagged
	if method == MethodLLM {
		mark = markLLMTagged
	}
	now := s.now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, deleteTags, feedbackID, method); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertTags, feedbackID, method, keys, conf, now); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, mark, feedbackID, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("set %s themes of feedback %d: %w", method, feedbackID, err)
	}
	return nil
}

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

// Emerging is a theme found in texts that fit no catalogue theme.
type Emerging struct {
	Name        string
	Description string
	Examples    []string
	Size        int
	// Origin is offline (discovery clustering) or llm (a model's proposal).
	Origin string
}

var slugPattern = regexp.MustCompile(`[^a-z0-9]+`)

// EmergingKey derives a theme key from a name.
func EmergingKey(name string) string {
	k := strings.Trim(slugPattern.ReplaceAllString(strings.ToLower(name), "_"), "_")
	if k == "" {
		k = "theme"
	}
	if len(k) > 48 {
		k = strings.TrimRight(k[:48], "_")
	}
	if k[0] < 'a' || k[0] > 'z' {
		k = "t_" + k
	}
	return "emerging_" + k
}

const upsertEmerging = `
INSERT INTO themes (key, name, description, status, origin, example_texts, size, created_at, updated_at)
VALUES ($1, $2, $3, 'emerging', $4, $5, $6, $7, $7)
ON CONFLICT (key) DO UPDATE SET example_texts = EXCLUDED.example_texts, size = EXCLUDED.size,
    description = CASE WHEN themes.description = '' THEN EXCLUDED.description ELSE themes.description END,
    updated_at = EXCLUDED.updated_at
WHERE themes.status = 'emerging'`

// AddEmerging records themes waiting for an admin; an emerging theme found again is
// refreshed, and one an admin already accepted, merged or dismissed is left alone.
func (s *Store) AddEmerging(ctx context.Context, themes []Emerging) error {
	now := s.now()
	for _, e := range themes {
		examples := e.Examples
		if len(examples) > 5 {
			examples = examples[:5]
		}
		if _, err := s.pool.Exec(ctx, upsertEmerging, EmergingKey(e.Name), truncate(e.Name, 80), truncate(e.Description, 300), e.Origin, nonNil(examples), e.Size, now); err != nil {
			return fmt.Errorf("add emerging theme %q: %w", e.Name, err)
		}
	}
	return nil
}

// ErrThemeState means the theme is not in a state that allows the change.
var ErrThemeState = errors.New("theme cannot be changed that way")

const acceptTheme = `
UPDATE themes SET status = 'catalogue', origin = 'admin', name = COALESCE(NULLIF($2, ''), name), updated_at = $3
WHERE key = $1 AND status = 'emerging'`

// AcceptTheme makes an emerging theme part of the catalogue (optionally renamed). It
// stays when the configured catalogue changes, since an admin chose it.
func (s *Store) AcceptTheme(ctx context.Context, key, newName string) error {
	return s.themeChange(ctx, acceptTheme, key, strings.TrimSpace(newName), s.now())
}

const dismissTheme = `UPDATE themes SET status = 'dismissed', updated_at = $2 WHERE key = $1 AND status = 'emerging'`

// DismissTheme drops an emerging theme for good (found again, it stays dismissed).
func (s *Store) DismissTheme(ctx context.Context, key string) error {
	return s.themeChange(ctx, dismissTheme, key, s.now())
}

const mergeTheme = `
UPDATE themes SET status = 'merged', merged_into = (SELECT id FROM themes WHERE key = $2 AND status = 'catalogue'), updated_at = $3
WHERE key = $1 AND key <> $2 AND status IN ('emerging', 'catalogue', 'retired')
  AND EXISTS (SELECT 1 FROM themes WHERE key = $2 AND status = 'catalogue')`

// MergeTheme folds one theme into a catalogue theme: its past and future tags count as
// the target's in digests, and its history is kept.
func (s *Store) MergeTheme(ctx context.Context, key, into string) error {
	return s.themeChange(ctx, mergeTheme, key, into, s.now())
}

func (s *Store) themeChange(ctx context.Context, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("theme %v: %w", args[0], err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("theme %v: %w", args[0], ErrThemeState)
	}
	return nil
}
