package measures

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/feedback"
)

// StreakWorker turns a measure's run of misses into a dropped ball.
type StreakWorker struct {
	river.WorkerDefaults[StreakArgs]
	Store       *Store
	Escalations *feedback.Store
	Org         *feedback.Org
	Scorecard   *Scorecard
	Log         *slog.Logger
}

// Work checks the run of misses around the week that changed.
func (w *StreakWorker) Work(ctx context.Context, job *river.Job[StreakArgs]) error {
	m, ok := w.Scorecard.Measure(job.Args.Team, job.Args.Measure)
	if !ok || m.EscalateAfter <= 0 {
		return nil // no longer configured to escalate
	}
	week, err := ParseWeek(job.Args.Week)
	if err != nil {
		return river.JobCancel(err)
	}
	e, raised, err := w.Store.EscalateMisses(ctx, w.Escalations, w.Org, m, week)
	if err != nil {
		return err
	}
	if raised {
		w.Log.Info("dropped ball raised for a measure missed weeks running", "team", m.Team, "measure", m.Key, "escalation_id", e.ID)
	}
	return nil
}

// lockMeasure serialises the escalation checks of one measure (a session lock: raising
// the escalation runs in its own transaction).
const lockMeasure = `SELECT pg_advisory_lock(7759222, hashtext($1 || '/' || $2))`

const unlockMeasure = `SELECT pg_advisory_unlock(7759222, hashtext($1 || '/' || $2))`

const selectMeasureValues = `
SELECT week, value::float8 FROM measure_values WHERE team = $1 AND measure = $2 AND week >= $3 AND week <= $4`

const selectOverlappingEscalation = `
SELECT EXISTS (SELECT 1 FROM measure_escalations
    WHERE team = $1 AND measure = $2 AND first_week <= $4 AND last_week >= $3)`

const insertMeasureEscalation = `
INSERT INTO measure_escalations (escalation_id, team, measure, first_week, last_week, misses)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (escalation_id) DO NOTHING`

// EscalateMisses raises a dropped ball against the measure's team when the run of
// consecutive missed weeks containing week is at least its EscalateAfter long and still
// current (it reaches one of the last two weeks that ended, or this one): an old run
// found in a backfill raises nothing. Once per run: a run that overlaps one that raised
// a dropped ball raises no other, however it grows. A missing week is not a miss (nobody
// knows), so it ends a run; not reporting is named in the digest instead.
func (s *Store) EscalateMisses(ctx context.Context, esc *feedback.Store, org *feedback.Org, m Measure, week Week) (feedback.Escalation, bool, error) {
	if m.EscalateAfter <= 0 {
		return feedback.Escalation{}, false, nil
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return feedback.Escalation{}, false, fmt.Errorf("escalate misses: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, lockMeasure, m.Team, m.Key); err != nil {
		return feedback.Escalation{}, false, fmt.Errorf("escalate misses: lock: %w", err)
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), unlockMeasure, m.Team, m.Key); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx)) // closing the session releases it too
		}
	}()

	now := s.now()
	loc := time.UTC
	if org != nil && org.Location != nil {
		loc = org.Location
	}
	current := WeekOf(now, loc)
	first := current.Add(-2 * OldestWeeks)
	rows, err := conn.Query(ctx, selectMeasureValues, m.Team, m.Key, first.Date(), current.Date())
	if err != nil {
		return feedback.Escalation{}, false, fmt.Errorf("escalate misses: %w", err)
	}
	values := map[Week]float64{}
	var (
		d time.Time
		v float64
	)
	if _, err := pgx.ForEachRow(rows, []any{&d, &v}, func() error { values[WeekFromDate(d)] = v; return nil }); err != nil {
		return feedback.Escalation{}, false, fmt.Errorf("escalate misses: %w", err)
	}
	series := NewSeries(m, values, current, current.Since(first)+1)
	run := series.MissRunAt(week)
	if run.Weeks < m.EscalateAfter || run.Last.Before(LastComplete(now, loc).Add(-1)) {
		return feedback.Escalation{}, false, nil
	}
	var overlap bool
	if err := conn.QueryRow(ctx, selectOverlappingEscalation, m.Team, m.Key, run.First.Date(), run.Last.Date()).Scan(&overlap); err != nil {
		return feedback.Escalation{}, false, fmt.Errorf("escalate misses: %w", err)
	}
	if overlap {
		return feedback.Escalation{}, false, nil
	}
	e := missEscalation(m, series, run, org)
	saved, created, err := esc.RaiseEscalation(ctx, org, e)
	if err != nil {
		return feedback.Escalation{}, false, fmt.Errorf("escalate misses of %s/%s: %w", m.Team, m.Key, err)
	}
	// A retry after a crash between the two finds the escalation by its key and links it.
	if _, err := conn.Exec(ctx, insertMeasureEscalation, saved.ID, m.Team, m.Key, run.First.Date(), run.Last.Date(), run.Weeks); err != nil {
		return feedback.Escalation{}, false, fmt.Errorf("escalate misses: link: %w", err)
	}
	return saved, created, nil
}

// missEscalation words the dropped ball: the measure, the run, the values.
func missEscalation(m Measure, s Series, run MissRun, org *feedback.Org) feedback.Escalation {
	var weeks []string
	for _, p := range s {
		if !p.Week.Before(run.First) && !p.Week.After(run.Last) && p.Value != nil {
			weeks = append(weeks, fmt.Sprintf("%s (%s)", m.Format(*p.Value), p.Week.Label()))
		}
	}
	if len(weeks) > 6 {
		weeks = append([]string{"…"}, weeks[len(weeks)-6:]...)
	}
	currency := "USD"
	if org != nil && org.Currency != "" {
		currency = org.Currency
	}
	return feedback.Escalation{
		ReporterID: feedback.ReporterVosbot,
		Team:       m.Team,
		Severity:   feedback.SeverityHigh,
		Currency:   currency,
		Summary: fmt.Sprintf("%s missed its target (%s) %d weeks running: %s.",
			m.Name, m.TargetLabel(), run.Weeks, strings.Join(weeks, ", ")),
		Needed: fmt.Sprintf("Get %s back to %s, or tell sales what stands in the way.", m.Name, m.TargetLabel()),
		Status: feedback.StatusOpen,
		Source: feedback.SourceMeasure,
		Key:    fmt.Sprintf("measure:%s:%s:%s", m.Team, m.Key, run.First),
	}
}

const selectMeasureEscalations = `
SELECT escalation_id FROM measure_escalations WHERE team = $1 AND measure = $2 ORDER BY first_week DESC`

// Escalations returns the dropped balls a measure raised, newest first.
func (s *Store) Escalations(ctx context.Context, team, measure string) ([]int64, error) {
	rows, err := s.pool.Query(ctx, selectMeasureEscalations, team, measure)
	if err != nil {
		return nil, fmt.Errorf("measure escalations: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("measure escalations: %w", err)
	}
	return ids, nil
}
