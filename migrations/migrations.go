// Package migrations holds vosbot's schema as embedded, forward-only SQL files and
// applies them, with River's own migrations, under an advisory lock so that several
// replicas starting at once all succeed.
package migrations

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed sql/*.sql
var files embed.FS

// lockKey identifies vosbot's migration advisory lock ("vosbot" in ASCII).
const lockKey int64 = 0x766f73626f74

// Migration is one embedded SQL file, named NNNN_description.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// All returns the embedded migrations in version order.
func All() ([]Migration, error) {
	entries, err := fs.ReadDir(files, "sql")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		prefix, _, ok := strings.Cut(name, "_")
		version, err := strconv.Atoi(prefix)
		if !ok || err != nil || version <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", name)
		}
		body, err := fs.ReadFile(files, path.Join("sql", name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		if len(out) > 0 && out[len(out)-1].Version == version {
			return nil, fmt.Errorf("two migrations numbered %d", version)
		}
		out = append(out, Migration{Version: version, Name: strings.TrimSuffix(name, ".sql"), SQL: string(body)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	return out, nil
}

// Checksum identifies the whole schema: test templates are rebuilt when it changes.
func Checksum() (string, error) {
	all, err := All()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range all {
		fmt.Fprintf(h, "%d\x00%s\x00", m.Version, m.SQL)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Result says what Apply did.
type Result struct {
	Applied []string
	River   int
}

const createVersionsTable = `
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer PRIMARY KEY,
    name       text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)`

const selectApplied = `SELECT version FROM schema_migrations`

const insertApplied = `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`

// Apply brings the database up to date: River's migrations, then vosbot's, each file in
// its own transaction. Concurrent callers wait on the lock and then find nothing to do.
func Apply(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) (Result, error) {
	var res Result
	all, err := All()
	if err != nil {
		return res, err
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return res, fmt.Errorf("migrate: acquire a connection: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, lockKey); err != nil {
		return res, fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	defer func() {
		// A fresh context: the lock must be released even when ctx was cancelled.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, lockKey); err != nil {
			// Closing the session releases the lock too.
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()

	// River's versions cannot share one transaction (an enum value is added and used),
	// so its migrator runs on other pool connections while this one holds the lock.
	// River narrates every step at info; its warnings are what matter here.
	quiet := slog.New(levelFloor{log.Handler(), slog.LevelWarn})
	river, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: quiet})
	if err != nil {
		return res, fmt.Errorf("migrate: river: %w", err)
	}
	r, err := river.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return res, fmt.Errorf("migrate: river's migrations: %w", err)
	}
	res.River = len(r.Versions)

	if _, err := conn.Exec(ctx, createVersionsTable); err != nil {
		return res, fmt.Errorf("migrate: create schema_migrations: %w", err)
	}
	rows, err := conn.Query(ctx, selectApplied)
	if err != nil {
		return res, fmt.Errorf("migrate: read applied versions: %w", err)
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return res, fmt.Errorf("migrate: read applied versions: %w", err)
	}
	if len(applied) > 0 && slices.Max(applied) > all[len(all)-1].Version {
		return res, fmt.Errorf("migrate: the database is at schema version %d but this vosbot only knows up to %d: run the newer vosbot", slices.Max(applied), all[len(all)-1].Version)
	}
	for _, m := range all {
		if slices.Contains(applied, m.Version) {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, insertApplied, m.Version, m.Name)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("migrate: %s: %w", m.Name, err)
		}
		log.Info("applied migration", "migration", m.Name)
		res.Applied = append(res.Applied, m.Name)
	}
	return res, nil
}

// levelFloor drops records below min.
type levelFloor struct {
	slog.Handler
	min slog.Level
}

func (h levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
