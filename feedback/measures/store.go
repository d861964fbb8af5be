package measures

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// Sentinel errors of recording a value.
var (
	ErrUnknownTeam    = errors.New("unknown team")
	ErrUnknownMeasure = errors.New("unknown measure")
	ErrFutureWeek     = errors.New("week in the future")
	ErrOldWeek        = errors.New("week too old")
	ErrNote           = errors.New("note refused")
)

// MaxNote is the longest note, in characters; longer is refused, never cut.
const MaxNote = 2000

// OldestWeeks bounds the history read to find a run of misses: a year and a bit.
const OldestWeeks = 53

// Source says where a value came from.
type Source string

// Where values come from.
const (
	SourceSlack   Source = "slack"
	SourceAppHome Source = "app_home"
	SourceCLI     Source = "cli"
	SourceImport  Source = "import"
	SourceDemo    Source = "demo"
)

// Sources lists every source.
var Sources = []Source{SourceSlack, SourceAppHome, SourceCLI, SourceImport, SourceDemo}

// Entry is one reported value of one measure and week.
type Entry struct {
	Team       string
	Measure    string
	Week       Week
	Value      float64
	Note       string
	ReportedBy string
	ReportedAt time.Time
	Source     Source
}

// Revision is a value that a correction replaced.
type Revision struct {
	Entry
	ReplacedBy string
	ReplacedAt time.Time
}

// Store keeps measure values, their corrections and the asks in PostgreSQL; every change
// is written in one transaction with the jobs it causes.
type Store struct {
	pool *pgxpool.Pool
	jobs *river.Client[pgx.Tx]
	now  func() time.Time
	log  *slog.Logger
}

// StoreOptions configure a Store.
type StoreOptions struct {
	// Now is the clock; tests control it. Default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// NewStore returns a store on pool; it enqueues jobs through an insert-only River client.
func NewStore(pool *pgxpool.Pool, opts StoreOptions) (*Store, error) {
	jobs, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return nil, fmt.Errorf("measures store: %w", err)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Store{pool: pool, jobs: jobs, now: opts.Now, log: opts.Logger}, nil
}

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Querier runs read queries: a pool, or a transaction (the digest reads in its own).
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (s *Store) enqueue(ctx context.Context, tx pgx.Tx, jobs ...river.JobArgs) error {
	if len(jobs) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: j}
	}
	if _, err := s.jobs.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue %s: %w", jobs[0].Kind(), err)
	}
	return nil
}

// Report is one submission: the values of one team's week, as an owner gives them.
type Report struct {
	Team string
	Week Week
	// Values by measure key.
	Values     map[string]float64
	Note       string
	ReporterID string
	Source     Source
	// At is when it was reported; zero is now (an import restores an export's times).
	At time.Time
}

// RecordResult says what a report changed.
type RecordResult struct {
	// Changed are the measures whose value was new or different; Corrected those of them
	// that had a value before (kept in the audit trail).
	Changed   []string
	Corrected []string
	// Closed is set when the report answered the week's ask.
	Closed bool
}

// CheckWeek refuses a week in the future (at now in loc: this week is fine) or one that
// ended more than a year ago.
func CheckWeek(w Week, now time.Time, loc *time.Location) error {
	current := WeekOf(now, loc)
	switch {
	case w.IsZero():
		return fmt.Errorf("%w: no week given", ErrWeek)
	case w.After(current):
		return fmt.Errorf("%w: the week of %s has not begun yet (this week is the week of %s)", ErrFutureWeek, w, current)
	case w.End(loc).Before(now.AddDate(-1, 0, 0)):
		return fmt.Errorf("%w: the week of %s is more than a year ago (the oldest is the week of %s)", ErrOldWeek, w, WeekOf(now.AddDate(-1, 0, 0), loc))
	}
	return nil
}

// CheckNote refuses a note that cannot be stored as typed.
func CheckNote(note string) error {
	switch {
	case !utf8.ValidString(note):
		return fmt.Errorf("%w: it has invalid characters; paste it again as plain text", ErrNote)
	case strings.ContainsRune(note, 0):
		return fmt.Errorf("%w: it contains a NUL character; remove it", ErrNote)
	case utf8.RuneCountInString(note) > MaxNote:
		return fmt.Errorf("%w: it is %d characters, the limit is %d (nothing was cut)", ErrNote, utf8.RuneCountInString(note), MaxNote)
	}
	return nil
}

// lockTeamWeek serialises reports of one team's week, so two owners answering at once
// both land in the audit trail.
const lockTeamWeek = `SELECT pg_advisory_xact_lock(7759221, hashtext($1 || '/' || $2::text))`

const selectEntryForUpdate = `
SELECT team, measure, week, value::float8 AS value, note, reported_by, reported_at, source
FROM measure_values WHERE team = $1 AND measure = $2 AND week = $3 FOR UPDATE`

const insertRevision = `
INSERT INTO measure_revisions (team, measure, week, value, note, reported_by, reported_at, source, replaced_by, replaced_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`

const upsertValue = `
INSERT INTO measure_values (team, measure, week, value, note, reported_by, reported_at, source)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (team, measure, week) DO UPDATE SET value = EXCLUDED.value, note = EXCLUDED.note,
    reported_by = EXCLUDED.reported_by, reported_at = EXCLUDED.reported_at, source = EXCLUDED.source`

const countWeekValues = `SELECT count(*)::int FROM measure_values WHERE team = $1 AND week = $2 AND measure = ANY($3)`

const answerAsk = `
UPDATE measure_asks SET answered_by = $3, answered_at = $4
WHERE team = $1 AND week = $2 AND answered_at IS NULL`

const selectAskAnswered = `SELECT answered_at IS NOT NULL FROM measure_asks WHERE team = $1 AND week = $2`

// Record stores a report: each value replaces the week's earlier one (which is kept in
// the audit trail, with who replaced it and when), in one transaction with the jobs it
// causes. When the team's week is complete its ask is answered for every owner (their
// DMs are updated), and measures that escalate have their run of misses checked.
func (s *Store) Record(ctx context.Context, sc *Scorecard, r Report) (RecordResult, error) {
	var res RecordResult
	team, ok := sc.Team(r.Team)
	if !ok {
		return res, fmt.Errorf("%w: %q", ErrUnknownTeam, clip(r.Team, 40))
	}
	now := s.now()
	if err := CheckWeek(r.Week, now, sc.Location); err != nil {
		return res, err
	}
	if err := CheckNote(r.Note); err != nil {
		return res, err
	}
	if r.ReporterID == "" {
		return res, errors.New("record measures: no reporter")
	}
	if !slices.Contains(Sources, r.Source) {
		return res, fmt.Errorf("record measures: unknown source %q", r.Source)
	}
	keys := make([]string, 0, len(r.Values))
	for k, v := range r.Values {
		m, ok := team.Measure(k)
		if !ok {
			return res, fmt.Errorf("%w: %s has no measure %q (it has %s)", ErrUnknownMeasure, team.Key, clip(k, 40), strings.Join(team.keys(), ", "))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > MaxValue || (v < 0 && !m.AllowsNegative()) {
			return res, fmt.Errorf("%w: %s cannot be %s", ErrValue, m.Name, FormatNumber(v))
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return res, fmt.Errorf("%w: no value given", ErrValue)
	}
	slices.Sort(keys)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		res = RecordResult{}
		if _, err := tx.Exec(ctx, lockTeamWeek, r.Team, r.Week.Date()); err != nil {
			return fmt.Errorf("lock week: %w", err)
		}
		var jobs []river.JobArgs
		for _, k := range keys {
			v := math.Round(r.Values[k]*1e4) / 1e4
			old, found, err := entryForUpdate(ctx, tx, r.Team, k, r.Week)
			if err != nil {
				return err
			}
			if found && old.Value == v && old.Note == r.Note {
				continue // the same answer again changes nothing
			}
			if found {
				if _, err := tx.Exec(ctx, insertRevision, old.Team, old.Measure, r.Week.Date(), old.Value, old.Note, old.ReportedBy,
					old.ReportedAt, old.Source, r.ReporterID, now); err != nil {
					return fmt.Errorf("keep the earlier value: %w", err)
				}
				res.Corrected = append(res.Corrected, k)
			}
			at := now
			if !r.At.IsZero() {
				at = r.At
			}
			if _, err := tx.Exec(ctx, upsertValue, r.Team, k, r.Week.Date(), v, r.Note, r.ReporterID, at, r.Source); err != nil {
				return fmt.Errorf("store value: %w", err)
			}
			res.Changed = append(res.Changed, k)
			if m, _ := team.Measure(k); m.EscalateAfter > 0 {
				jobs = append(jobs, StreakArgs{Team: r.Team, Measure: k, Week: r.Week.String()})
			}
		}
		var complete int
		if err := tx.QueryRow(ctx, countWeekValues, r.Team, r.Week.Date(), team.keys()).Scan(&complete); err != nil {
			return fmt.Errorf("count the week's values: %w", err)
		}
		if complete == len(team.Measures) {
			tag, err := tx.Exec(ctx, answerAsk, r.Team, r.Week.Date(), r.ReporterID, now)
			if err != nil {
				return fmt.Errorf("answer the ask: %w", err)
			}
			res.Closed = tag.RowsAffected() == 1
		}
		var answered bool
		err := tx.QueryRow(ctx, selectAskAnswered, r.Team, r.Week.Date()).Scan(&answered)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("read the ask: %w", err)
		}
		// The owners' DMs show what was reported: updated on the answer and on every
		// correction after it.
		if answered && (res.Closed || len(res.Changed) > 0) {
			jobs = append(jobs, AskAnsweredArgs{Team: r.Team, Week: r.Week.String()})
		}
		return s.enqueue(ctx, tx, jobs...)
	})
	if err != nil {
		return RecordResult{}, fmt.Errorf("record %s measures for the week of %s: %w", r.Team, r.Week, err)
	}
	return res, nil
}

func (t Team) keys() []string {
	out := make([]string, len(t.Measures))
	for i, m := range t.Measures {
		out[i] = m.Key
	}
	return out
}

// entryRow is a measure_values row.
type entryRow struct {
	Team       string    `db:"team"`
	Measure    string    `db:"measure"`
	Week       time.Time `db:"week"`
	Value      float64   `db:"value"`
	Note       string    `db:"note"`
	ReportedBy string    `db:"reported_by"`
	ReportedAt time.Time `db:"reported_at"`
	Source     string    `db:"source"`
}

func (r entryRow) entry() Entry {
	return Entry{Team: r.Team, Measure: r.Measure, Week: WeekFromDate(r.Week), Value: r.Value, Note: r.Note,
		ReportedBy: r.ReportedBy, ReportedAt: r.ReportedAt.UTC(), Source: Source(r.Source)}
}

func collectEntries(rows pgx.Rows) ([]Entry, error) {
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[entryRow])
	if err != nil {
		return nil, err
	}
	out := make([]Entry, len(rs))
	for i, r := range rs {
		out[i] = r.entry()
	}
	return out, nil
}

func entryForUpdate(ctx context.Context, tx pgx.Tx, team, measure string, w Week) (Entry, bool, error) {
	rows, err := tx.Query(ctx, selectEntryForUpdate, team, measure, w.Date())
	if err != nil {
		return Entry{}, false, fmt.Errorf("read the earlier value: %w", err)
	}
	es, err := collectEntries(rows)
	if err != nil {
		return Entry{}, false, fmt.Errorf("read the earlier value: %w", err)
	}
	if len(es) == 0 {
		return Entry{}, false, nil
	}
	return es[0], true, nil
}

const selectWeekEntries = `
SELECT team, measure, week, value::float8 AS value, note, reported_by, reported_at, source
FROM measure_values WHERE team = $1 AND week = $2 ORDER BY measure`

// Entries returns a team's values of one week.
func (s *Store) Entries(ctx context.Context, team string, w Week) ([]Entry, error) {
	rows, err := s.pool.Query(ctx, selectWeekEntries, team, w.Date())
	if err != nil {
		return nil, fmt.Errorf("%s measures of the week of %s: %w", team, w, err)
	}
	es, err := collectEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("%s measures of the week of %s: %w", team, w, err)
	}
	return es, nil
}

const selectRevisions = `
SELECT team, measure, week, value::float8, note, reported_by, reported_at, source, replaced_by, replaced_at
FROM measure_revisions WHERE team = $1 AND measure = $2 AND week = $3 ORDER BY replaced_at, id`

// Revisions returns the values a measure's week had before its corrections, oldest first.
func (s *Store) Revisions(ctx context.Context, team, measure string, w Week) ([]Revision, error) {
	rows, err := s.pool.Query(ctx, selectRevisions, team, measure, w.Date())
	if err != nil {
		return nil, fmt.Errorf("revisions: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Revision, error) {
		var r Revision
		var week time.Time
		var src string
		err := row.Scan(&r.Team, &r.Measure, &week, &r.Value, &r.Note, &r.ReportedBy, &r.ReportedAt, &src, &r.ReplacedBy, &r.ReplacedAt)
		r.Week, r.Source, r.ReportedAt, r.ReplacedAt = WeekFromDate(week), Source(src), r.ReportedAt.UTC(), r.ReplacedAt.UTC()
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("revisions: %w", err)
	}
	return out, nil
}

// Key names one team's measure.
type Key struct{ Team, Measure string }

// History is the values of a span of weeks, by measure.
type History map[Key]map[Week]Entry

// Series is one measure's series of n weeks ending with last.
func (h History) Series(m Measure, last Week, n int) Series {
	values := map[Week]float64{}
	for w, e := range h[Key{m.Team, m.Key}] {
		values[w] = e.Value
	}
	return NewSeries(m, values, last, n)
}

// Entry is a measure's reported value of a week, if any.
func (h History) Entry(m Measure, w Week) (Entry, bool) {
	e, ok := h[Key{m.Team, m.Key}][w]
	return e, ok
}

const selectHistory = `
SELECT team, measure, week, value::float8 AS value, note, reported_by, reported_at, source
FROM measure_values WHERE week >= $1 AND week <= $2 ORDER BY team, measure, week`

// ReadHistory reads every value of the weeks from first to last through q.
func ReadHistory(ctx context.Context, q Querier, first, last Week) (History, error) {
	rows, err := q.Query(ctx, selectHistory, first.Date(), last.Date())
	if err != nil {
		return nil, fmt.Errorf("measure history: %w", err)
	}
	es, err := collectEntries(rows)
	if err != nil {
		return nil, fmt.Errorf("measure history: %w", err)
	}
	h := History{}
	for _, e := range es {
		k := Key{e.Team, e.Measure}
		if h[k] == nil {
			h[k] = map[Week]Entry{}
		}
		h[k][e.Week] = e
	}
	return h, nil
}

// History reads every value of the weeks from first to last.
func (s *Store) History(ctx context.Context, first, last Week) (History, error) {
	return ReadHistory(ctx, s.pool, first, last)
}
