package catalogue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrThemeState means the theme is not in a state that allows the change.
var ErrThemeState = errors.New("theme cannot be changed that way")

// Store keeps the catalogue in PostgreSQL: the themes table is the truth.
type Store struct {
	pool *pgxpool.Pool
	now  func() time.Time
}

// NewStore returns the catalogue store on pool with a clock (nil: time.Now).
func NewStore(pool *pgxpool.Pool, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{pool: pool, now: now}
}

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

// syncLock serialises catalogue syncs across replicas.
const syncLock = 7759220

// Sync stores the configured (or built-in) catalogue: the one way the configuration
// reaches the themes table. When it changed since the last sync it gets a new version;
// themes are matched by key, so a renamed theme keeps its id and history, and a
// catalogue theme no longer listed is retired, not deleted. Replicas starting with
// different catalogues take turns under a lock: each sync is whole, and the last one wins.
func (s *Store) Sync(ctx context.Context, themes []Theme) (version int, changed bool, err error) {
	canon := make([]Theme, len(themes))
	for i, t := range themes {
		applies := slices.Clone(t.AppliesTo)
		if len(applies) == 0 {
			applies = slices.Clone(Kinds)
		}
		canon[i] = Theme{Key: t.Key, Name: t.Name, Description: t.Description, Keywords: nonNil(t.Keywords), AppliesTo: applies}
	}
	body, err := json.Marshal(canon)
	if err != nil {
		return 0, false, err
	}
	sum := sha256.Sum256(body)
	checksum := hex.EncodeToString(sum[:])
	now := s.now()
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, syncLock); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, selectCatalogueVersion, checksum).Scan(&version)
		if err == nil {
			// Stored before; make it current again if another catalogue replaced it since.
			var latest int
			if err := tx.QueryRow(ctx, `SELECT max(version) FROM theme_catalogue_versions`).Scan(&latest); err != nil {
				return err
			}
			if latest == version {
				return nil
			}
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		} else if err := tx.QueryRow(ctx, insertCatalogueVersion, checksum, now).Scan(&version); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE theme_catalogue_versions SET loaded_at = $2 WHERE version = $1`, version, now); err != nil {
			return err
		}
		keys := make([]string, len(canon))
		for i, t := range canon {
			keys[i] = t.Key
			if _, err := tx.Exec(ctx, upsertCatalogueTheme, t.Key, t.Name, t.Description, t.Keywords, t.AppliesTo, version, now); err != nil {
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

// Themes returns every stored theme, catalogue first: retired, merged and dismissed
// ones too, so that past records still resolve.
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

// Current returns the catalogue in use now: the configured themes and those admins
// accepted, in the order they were added.
func (s *Store) Current(ctx context.Context) (Catalogue, error) {
	all, err := s.Themes(ctx)
	if err != nil {
		return nil, err
	}
	var out Catalogue
	for _, t := range all {
		if t.Status == StatusCatalogue {
			out = append(out, t)
		}
	}
	return out, nil
}

// Count is how often a theme came up in a period.
type Count struct {
	Key        string `db:"key"`
	Name       string `db:"name"`
	Status     string `db:"status"`
	Feedback   int    `db:"feedback"`
	Escalation int    `db:"escalations"`
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
), etags AS (
    SELECT DISTINCT COALESCE(t.merged_into, t.id) AS theme_id, e.id AS escalation_id
    FROM escalations e JOIN escalation_themes et ON et.escalation_id = e.id JOIN themes t ON t.id = et.theme_id
    WHERE e.created_at >= $1
)
SELECT t.key, t.name, t.status,
    (SELECT count(DISTINCT feedback_id) FROM tags WHERE tags.theme_id = t.id)::int AS feedback,
    (SELECT count(*) FROM etags WHERE etags.theme_id = t.id)::int AS escalations
FROM themes t
WHERE t.status IN ('catalogue', 'emerging')
ORDER BY t.status = 'catalogue' DESC, feedback DESC, escalations DESC, t.key`

// Counts counts, for each catalogue and emerging theme, the feedback items since since
// that the rep gave it as a reason or whose text was tagged with it, and the
// escalations tagged with it.
func (s *Store) Counts(ctx context.Context, since time.Time) ([]Count, error) {
	rows, err := s.pool.Query(ctx, selectThemeCounts, since)
	if err != nil {
		return nil, fmt.Errorf("theme counts: %w", err)
	}
	cs, err := pgx.CollectRows(rows, pgx.RowToStructByName[Count])
	if err != nil {
		return nil, fmt.Errorf("theme counts: %w", err)
	}
	return cs, nil
}

// Methods that find themes in text.
const (
	MethodOffline = "offline"
	MethodLLM     = "llm"
)

// Subjects that carry themes.
const (
	SubjectFeedback   = "feedback"
	SubjectEscalation = "escalation"
)

// Match is a theme found in a text, by key, with the engine's confidence.
type Match struct {
	Key        string
	Confidence float64
}

// Tagging is what one method found in one record's text, dominant first.
type Tagging struct {
	Subject string // SubjectFeedback or SubjectEscalation
	ID      int64
	Matches []Match
}

// tagTables are the statements of one subject; the table names are constants.
type tagTables struct{ delete, insert, markOffline, markLLM string }

var tagSQL = map[string]tagTables{
	SubjectFeedback: {
		delete: `DELETE FROM feedback_themes WHERE feedback_id = $1 AND method = $2`,
		insert: `
INSERT INTO feedback_themes (feedback_id, theme_id, method, confidence, rank, tagged_at)
SELECT $1, t.id, $2, m.confidence, m.rank, $5
FROM unnest($3::text[], $4::real[]) WITH ORDINALITY AS m(key, confidence, rank)
JOIN themes t ON t.key = m.key AND t.status IN ('catalogue', 'emerging')
WHERE EXISTS (SELECT 1 FROM feedback WHERE id = $1)
ON CONFLICT DO NOTHING`,
		markOffline: `UPDATE feedback SET tagged_at = $2 WHERE id = $1`,
		markLLM:     `UPDATE feedback SET llm_tagged_at = $2 WHERE id = $1`,
	},
	SubjectEscalation: {
		delete: `DELETE FROM escalation_themes WHERE escalation_id = $1 AND method = $2`,
		insert: `
INSERT INTO escalation_themes (escalation_id, theme_id, method, confidence, rank, tagged_at)
SELECT $1, t.id, $2, m.confidence, m.rank, $5
FROM unnest($3::text[], $4::real[]) WITH ORDINALITY AS m(key, confidence, rank)
JOIN themes t ON t.key = m.key AND t.status IN ('catalogue', 'emerging')
WHERE EXISTS (SELECT 1 FROM escalations WHERE id = $1)
ON CONFLICT DO NOTHING`,
		// Marks live beside the escalation, not on its row: tagging must not lock the row
		// that presses and the reminder sweep (SKIP LOCKED) take.
		markOffline: `
INSERT INTO escalation_tagging (escalation_id, tagged_at) SELECT id, $2 FROM escalations WHERE id = $1
ON CONFLICT (escalation_id) DO UPDATE SET tagged_at = EXCLUDED.tagged_at`,
		markLLM: `
INSERT INTO escalation_tagging (escalation_id, llm_tagged_at) SELECT id, $2 FROM escalations WHERE id = $1
ON CONFLICT (escalation_id) DO UPDATE SET llm_tagged_at = EXCLUDED.llm_tagged_at`,
	},
}

// SetThemes replaces what one method found in each record's text, for a whole batch in
// one transaction. Tagging again never duplicates rows; keys not in the stored
// catalogue are ignored, and so are records deleted since (purged).
func (s *Store) SetThemes(ctx context.Context, method string, batch []Tagging) error {
	if method != MethodOffline && method != MethodLLM {
		return fmt.Errorf("set themes: unknown method %q", method)
	}
	if len(batch) == 0 {
		return nil
	}
	now := s.now()
	b := &pgx.Batch{}
	for _, tg := range batch {
		q, ok := tagSQL[tg.Subject]
		if !ok {
			return fmt.Errorf("set themes: unknown subject %q", tg.Subject)
		}
		keys := make([]string, len(tg.Matches))
		conf := make([]float32, len(tg.Matches))
		for i, m := range tg.Matches {
			keys[i], conf[i] = m.Key, float32(min(max(m.Confidence, 0), 1))
		}
		mark := q.markOffline
		if method == MethodLLM {
			mark = q.markLLM
		}
		b.Queue(q.delete, tg.ID, method)
		b.Queue(q.insert, tg.ID, method, keys, conf, now)
		b.Queue(mark, tg.ID, now)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return fmt.Errorf("set %s themes of %d records: %w", method, len(batch), err)
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
		if _, err := s.pool.Exec(ctx, upsertEmerging, EmergingKey(e.Name), clip(e.Name, 80), clip(e.Description, 300), e.Origin, nonNil(examples), e.Size, now); err != nil {
			return fmt.Errorf("add emerging theme %q: %w", e.Name, err)
		}
	}
	return nil
}

const acceptTheme = `
UPDATE themes SET status = 'catalogue', origin = 'admin', name = COALESCE(NULLIF($2, ''), name), updated_at = $3
WHERE key = $1 AND status = 'emerging'`

// Accept makes an emerging theme part of the catalogue (optionally renamed). It stays
// when the configured catalogue changes, since an admin chose it.
func (s *Store) Accept(ctx context.Context, key, newName string) error {
	return s.change(ctx, acceptTheme, key, strings.TrimSpace(newName), s.now())
}

const dismissTheme = `UPDATE themes SET status = 'dismissed', updated_at = $2 WHERE key = $1 AND status = 'emerging'`

// Dismiss drops an emerging theme for good (found again, it stays dismissed).
func (s *Store) Dismiss(ctx context.Context, key string) error {
	return s.change(ctx, dismissTheme, key, s.now())
}

const mergeTheme = `
UPDATE themes SET status = 'merged', merged_into = (SELECT id FROM themes WHERE key = $2 AND status = 'catalogue'), updated_at = $3
WHERE key = $1 AND key <> $2 AND status IN ('emerging', 'catalogue', 'retired')
  AND EXISTS (SELECT 1 FROM themes WHERE key = $2 AND status = 'catalogue')`

// Merge folds one theme into a catalogue theme: its past and future tags count as the
// target's in digests, and its history is kept.
func (s *Store) Merge(ctx context.Context, key, into string) error {
	return s.change(ctx, mergeTheme, key, into, s.now())
}

func (s *Store) change(ctx context.Context, sql string, args ...any) error {
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("theme %v: %w", args[0], err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("theme %v: %w", args[0], ErrThemeState)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// clip shortens s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
