package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vosbot/vosbot/internal/config"
)

// Theme is a theme as stored: the catalogue's, an accepted or emerging one, or a retired
// or merged one kept so that past records still resolve.
type Theme struct {
	ID          int64    `db:"id"`
	Key         string   `db:"key"`
	Name        string   `db:"name"`
	Description string   `db:"description"`
	Keywords    []string `db:"keywords"`
	AppliesTo   []string `db:"applies_to"`
	Status      string   `db:"status"`
	Origin      string   `db:"origin"`
	MergedInto  *int64   `db:"merged_into"`
	Examples    []string `db:"example_texts"`
	Size        int      `db:"size"`
}

// Theme statuses.
const (
	ThemeCatalogue = "catalogue"
	ThemeEmerging  = "emerging"
	ThemeRetired   = "retired"
	ThemeMerged    = "merged"
	ThemeDismissed = "dismissed"
)

const selectCatalogueVersion = `SELECT version FROM theme_catalogue_versions WHERE checksum = $1`

const insertCatalogueVersion = `
INSERT INTO theme_catalogue_versions (version, checksum, loaded_at)
SELECT COALESCE(max(version), 0) + 1, $1, $2 FROM theme_catalogue_versions
RETURNING version`

const upsertCatalogueTheme = `
INSERT INTO themes (key, name, description, keywords, applies_to, status, origin, catalogue_version, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, 'catalogue', 'catalogue', $6, $7, $7)
ON CONFLICT (key) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,
    keywords = EXCLUDED.keywords, applies_to = EXCLUDED.applies_to,
    status = CASE WHEN themes.status = 'merged' THEN themes.status ELSE 'catalogue' END,
    catalogue_version = EXCLUDED.catalogue_version, updated_at = EXCLUDED.updated_at`

const retireCatalogueThemes = `
UPDATE themes SET status = 'retired', updated_at = $2
WHERE origin = 'catalogue' AND status = 'catalogue' AND NOT (key = ANY($1))`

// SyncCatalogue stores the configured (or built-in) catalogue. When it changed since the
// last start it gets a new version; themes are matched by key, so a renamed theme keeps
// its id and history, and a catalogue theme no longer listed is retired, not deleted.
func (s *Store) SyncCatalogue(ctx context.Context, themes []config.Theme) (version int, changed bool, err error) {
	body, err := json.Marshal(themes)
	if err != nil {
		return 0, false, err
	}
	sum := sha256.Sum256(body)
	checksum := hex.EncodeToString(sum[:])
	now := s.now()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One replica at a time; the others find the version already stored.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(7759220)`); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, selectCatalogueVersion, checksum).Scan(&version)
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if err := tx.QueryRow(ctx, insertCatalogueVersion, checksum, now).Scan(&version); err != nil {
			return err
		}
		keys := make([]string, len(themes))
		for i, t := range themes {
			keys[i] = t.Key
			if _, err := tx.Exec(ctx, upsertCatalogueTheme, t.Key, t.Name, t.Description, nonNil(t.Keywords), nonNil(t.AppliesTo), version, now); err != nil {
				return fmt.Errorf("theme %s: %w", t.Key, err)
			}
		}
		if _, err := tx.Exec(ctx, retireCatalogueThemes, keys, now); err != nil {
			return err
		}
		changed = true
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("sync theme catalogue: %w", err)
	}
	return version, changed, nil
}

const selectThemes = `
SELECT id, key, name, description, keywords, applies_to, status, origin, merged_into, example_texts, size
FROM themes ORDER BY status = 'catalogue' DESC, id`

// Themes returns every stored theme, catalogue first.
func (s *Store) Themes(ctx context.Context) ([]Theme, error) {
	rows, err := s.pool.Query(ctx, selectThemes)
	if err != nil {
		return nil, fmt.Errorf("themes: %w", err)
	}
	ts, err := pgx.CollectRows(rows, pgx.RowToStructByName[Theme])
	if err != nil {
		return nil, fmt.Errorf("themes: %w", err)
	}
	return ts, nil
}

// ThemeCount is how often a theme came up in a period.
type ThemeCount struct {
	Key      string `db:"key"`
	Name     string `db:"name"`
	Status   string `db:"status"`
	Feedback int    `db:"feedback"`
}

const selectThemeCounts = `
WITH tags AS (
    SELECT COALESCE(t.merged_into, t.id) AS theme_id, f.id AS feedback_id
    FROM feedback f JOIN feedback_themes ft ON ft.feedback_id = f.id JOIN themes t ON t.id = ft.theme_id
    WHERE f.created_at >= $1
    UNION
    SELECT COALESCE(t.merged_into, t.id), f.id
    FROM feedback f CROSS JOIN LATERAL unnest(f.reasons) AS r(key) JOIN themes t ON t.key = r.key
    WHERE f.created_at >= $1
)
SELECT t.key, t.name, t.status, count(DISTINCT tags.feedback_id)::int AS feedback
FROM themes t LEFT JOIN tags ON tags.theme_id = t.id
WHERE t.status IN ('catalogue', 'emerging')
GROUP BY t.id ORDER BY t.status = 'catalogue' DESC, feedback DESC, t.key`

// ThemeCounts counts, for each catalogue and emerging theme, the feedback items since
// since that the rep gave it as a reason or whose text was tagged with it.
func (s *Store) ThemeCounts(ctx context.Context, since time.Time) ([]ThemeCount, error) {
	rows, err := s.pool.Query(ctx, selectThemeCounts, since)
	if err != nil {
		return nil, fmt.Errorf("theme counts: %w", err)
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[ThemeCount])
	if err != nil {
		return nil, fmt.Errorf("theme counts: %w", err)
	}
	return cs, nil
}
