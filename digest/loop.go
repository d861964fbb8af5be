package digest

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vosbot/vosbot/feedback"
)

// maxTopPerformerOpen is how many of the top performers' open escalations a report names.
const maxTopPerformerOpen = 10

// selectLoopByTeam counts, per team as it stands now, what the period's audit trail says
// of the loop: fixes the reporter reopened (did not hold), fixes the reporter
// confirmed, and escalations whose reminders went past the owners.
const selectLoopByTeam = `
SELECT e.team,
    count(*) FILTER (WHERE ev.action = 'reopened')::int AS reopened,
    count(*) FILTER (WHERE ev.action = 'confirmed')::int AS confirmed,
    count(DISTINCT ev.escalation_id) FILTER (WHERE ev.action = 'escalated')::int AS escalated
FROM escalation_events ev JOIN escalations e ON e.id = ev.escalation_id
WHERE ev.at >= $1 AND ev.at < $2 AND ev.action IN ('reopened', 'confirmed', 'escalated')
GROUP BY e.team`

// selectTopPerformerRaised counts, per team, the escalations top performers raised in
// the period, and those of theirs still open at its end (whenever raised).
const selectTopPerformerRaised = `
SELECT team,
    count(*) FILTER (WHERE created_at >= $1 AND created_at < $2)::int AS raised,
    count(*) FILTER (WHERE resolved_at IS NULL OR resolved_at >= $2)::int AS still_open
FROM escalations
WHERE top_performer AND created_at < $2
GROUP BY team`

// selectTopPerformerOpen names the top performers' escalations open at the period's end,
// the most severe and oldest first.
const selectTopPerformerOpen = `
SELECT id, team, account, severity, created_at
FROM escalations
WHERE top_performer AND created_at < $1 AND (resolved_at IS NULL OR resolved_at >= $1)
ORDER BY array_position(ARRAY['critical', 'high', 'medium', 'low'], severity), created_at, id
LIMIT $2`

// loop adds the loop's numbers to the scorecard (built before it) and the top
// performers' escalations.
func (b *Builder) loop(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	at := map[string]int{}
	for i, t := range r.Teams {
		at[t.Key] = i
	}
	team := func(key string) *TeamStat {
		i, ok := at[key]
		if !ok {
			// A team only the audit trail still names (its escalations are older than the
			// scorecard's rows): it is listed after the configured ones.
			r.Teams = append(r.Teams, TeamStat{Key: key, Name: key})
			i = len(r.Teams) - 1
			at[key] = i
		}
		return &r.Teams[i]
	}
	rows, err := q.Query(ctx, selectLoopByTeam, starts[0], ends[0])
	if err != nil {
		return err
	}
	var key string
	var reopened, confirmed, escalated int
	if _, err := pgx.ForEachRow(rows, []any{&key, &reopened, &confirmed, &escalated}, func() error {
		t := team(key)
		t.Reopened, t.Confirmed, t.Escalated = reopened, confirmed, escalated
		return nil
	}); err != nil {
		return err
	}

	var raised, open int
	rows, err = q.Query(ctx, selectTopPerformerRaised, starts[0], ends[0])
	if err != nil {
		return err
	}
	tp := TopPerformerStat{}
	if _, err := pgx.ForEachRow(rows, []any{&key, &raised, &open}, func() error {
		if raised > 0 {
			team(key).TopPerformerRaised = raised
		}
		tp.Raised += raised
		tp.StillOpen += open
		return nil
	}); err != nil {
		return err
	}
	if tp.StillOpen > 0 {
		rows, err = q.Query(ctx, selectTopPerformerOpen, ends[0], maxTopPerformerOpen)
		if err != nil {
			return err
		}
		tp.Open, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (OpenItem, error) {
			var o OpenItem
			var created time.Time
			if err := row.Scan(&o.ID, &o.Team, &o.Account, &o.Severity, &created); err != nil {
				return o, err
			}
			o.Age = ends[0].Sub(created)
			o.TeamName = o.Team
			if t, ok := b.Org.Team(o.Team); ok {
				o.TeamName = t.Name
			}
			return o, nil
		})
		if err != nil {
			return err
		}
	}
	if tp.Raised > 0 || tp.StillOpen > 0 {
		r.TopPerformers = &tp
	}
	return nil
}

// TopPerformerStat is what top performers raised: their voice, counted apart.
type TopPerformerStat struct {
	// Raised in the period; StillOpen at its end, whenever raised; Open names the first
	// of those, the most severe and oldest first.
	Raised    int
	StillOpen int
	Open      []OpenItem
}

// OpenItem is an escalation still open at the period's end.
type OpenItem struct {
	ID       int64
	Team     string
	TeamName string
	Account  string
	Severity feedback.Severity
	Age      time.Duration
}
