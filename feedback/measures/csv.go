package measures

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vosbot/vosbot/feedback"
)

// Columns are the export's columns: INTERFACE.md's, in order, then ours.
var Columns = []string{"team", "measure", "week", "value", "note", "reported_by", "reported_at", "source"}

// requiredColumns are what an import cannot do without.
var requiredColumns = []string{"team", "measure", "week", "value"}

const selectAllValues = `
SELECT team, measure, week, value::float8 AS value, note, reported_by, reported_at, source
FROM measure_values ORDER BY team, measure, week`

// Export writes every value, by team, measure and week, as CSV or JSON Lines.
func (s *Store) Export(ctx context.Context, w io.Writer, format string) (int, error) {
	tw, err := feedback.NewTableWriter(w, format, Columns)
	if err != nil {
		return 0, err
	}
	rows, err := s.pool.Query(ctx, selectAllValues)
	if err != nil {
		return 0, fmt.Errorf("export measures: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		r, err := pgx.RowToStructByName[entryRow](rows)
		if err != nil {
			return n, fmt.Errorf("export measures: %w", err)
		}
		e := r.entry()
		if err := tw.Write(e.Team, e.Measure, e.Week.String(), json.Number(strconv.FormatFloat(e.Value, 'f', -1, 64)),
			e.Note, e.ReportedBy, e.ReportedAt, string(e.Source)); err != nil {
			return n, fmt.Errorf("export measures: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export measures: %w", err)
	}
	return n, tw.Flush()
}

// ImportReport says what an import did.
type ImportReport struct {
	// Recorded are new values; Corrected replaced a different one (kept in the audit
	// trail); Unchanged were there already.
	Recorded  int
	Corrected int
	Unchanged int
	Refused   []feedback.RowError
}

// Import loads measure history from a CSV with the export's column names (team,
// measure, week and value required; week is any date of the week). Each row is
// recorded like `vosbot measures record`: a row is refused with its line number and the
// rest go on, and the same file twice changes nothing the second time. Rows without a
// reporter are recorded as reported by "import".
func (s *Store) Import(ctx context.Context, sc *Scorecard, r io.Reader) (ImportReport, error) {
	var rep ImportReport
	err := feedback.ReadCSV(r, "import measures", Columns, requiredColumns, func(line int, get func(string) string) error {
		report, reason := importRow(get, sc)
		if reason != "" {
			rep.Refused = append(rep.Refused, feedback.RowError{Line: line, Reason: reason})
			return nil
		}
		res, err := s.Record(ctx, sc, report)
		switch {
		case err == nil:
		case errors.Is(err, ErrFutureWeek), errors.Is(err, ErrOldWeek), errors.Is(err, ErrValue), errors.Is(err, ErrNote):
			rep.Refused = append(rep.Refused, feedback.RowError{Line: line, Reason: Reason(err)})
			return nil
		default:
			return err
		}
		switch {
		case len(res.Corrected) > 0:
			rep.Corrected++
		case len(res.Changed) > 0:
			rep.Recorded++
		default:
			rep.Unchanged++
		}
		return nil
	}, func(e feedback.RowError) { rep.Refused = append(rep.Refused, e) })
	return rep, err
}

// importRow reads one row as a report; reason is why it is refused.
func importRow(get func(string) string, sc *Scorecard) (Report, string) {
	team := strings.TrimSpace(get("team"))
	t, ok := sc.Team(team)
	if !ok {
		return Report{}, fmt.Sprintf("team %q owns no measure (teams with measures: %s)", clip(team, 40), strings.Join(sc.teamKeys(), ", "))
	}
	key := strings.TrimSpace(get("measure"))
	m, ok := t.Measure(key)
	if !ok {
		return Report{}, fmt.Sprintf("team %s has no measure %q (it has %s)", team, clip(key, 40), strings.Join(t.keys(), ", "))
	}
	week, err := ParseWeek(get("week"))
	if err != nil {
		return Report{}, "week: " + Reason(err)
	}
	v, err := m.Parse(get("value"))
	if err != nil {
		return Report{}, "value: " + Reason(err)
	}
	by := strings.TrimSpace(get("reported_by"))
	if by == "" {
		by = "import"
	}
	if len(by) > 64 || strings.ContainsFunc(by, func(r rune) bool { return r < ' ' }) {
		return Report{}, fmt.Sprintf("reported_by %q is not a Slack user id", clip(by, 20))
	}
	src := SourceImport
	if v := Source(strings.TrimSpace(get("source"))); slices.Contains(Sources, v) {
		src = v // restoring an export keeps where each value first came from
	}
	var at time.Time
	if v := strings.TrimSpace(get("reported_at")); v != "" {
		if at, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return Report{}, fmt.Sprintf("reported_at %q is not an RFC 3339 time such as 2026-11-20T15:04:05Z", clip(v, 40))
		}
	}
	return Report{Team: team, Week: week, Values: map[string]float64{key: v}, Note: get("note"), ReporterID: by, Source: src, At: at}, ""
}

func (s *Scorecard) teamKeys() []string {
	var out []string
	if s == nil {
		return out
	}
	for _, t := range s.Teams {
		if len(t.Measures) > 0 {
			out = append(out, t.Key)
		}
	}
	return out
}

// Reason is the part of an error a person needs: what is wrong and what to type,
// without the sentinel's name.
func Reason(err error) string {
	msg := err.Error()
	for _, s := range []error{ErrValue, ErrWeek, ErrFutureWeek, ErrOldWeek, ErrNote, ErrUnknownTeam, ErrUnknownMeasure} {
		if i := strings.Index(msg, s.Error()+": "); i >= 0 {
			return msg[i+len(s.Error())+2:]
		}
	}
	return msg
}
