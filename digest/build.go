package digest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/feedback"
)

// Limits of what a report carries; rendering shortens further when needed.
const (
	topThemes        = 5
	verbatimsByTheme = 2
	maxOverdue       = 25
	trendPeriods     = 4
)

// Querier runs read queries: a pool, or the transaction a post holds.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Builder reads the store to build reports.
type Builder struct {
	Pool *pgxpool.Pool
	Org  *feedback.Org
	// LLMEnabled adds the period's token use to reports.
	LLMEnabled bool
}

// Build computes the report of the digest d for period p.
func (b *Builder) Build(ctx context.Context, d Definition, p Period) (*Report, error) {
	return b.BuildWith(ctx, b.Pool, d, p)
}

// BuildWith computes the report reading through q.
func (b *Builder) BuildWith(ctx context.Context, q Querier, d Definition, p Period) (*Report, error) {
	r := &Report{Channel: d.Channel, Period: p, Location: b.Org.Location, Region: d.Filter.Region, Currency: b.Org.Currency,
		Outcomes: map[feedback.Outcome]*OutcomeStat{}}
	periods := append([]Period{p}, d.Previous(p, trendPeriods)...)
	starts, ends := make([]time.Time, len(periods)), make([]time.Time, len(periods))
	for i, pp := range periods {
		starts[i], ends[i] = pp.Start, pp.End
	}
	steps := []func(context.Context, Querier, *Report, []time.Time, []time.Time) error{
		b.outcomes, b.themes, b.competitors, b.participation, b.scorecard, b.escalationThemes, b.overdue, b.llm,
		b.crmDeals,
	}
	for _, step := range steps {
		if err := step(ctx, q, r, starts, ends); err != nil {
			return nil, fmt.Errorf("build digest %s for %s: %w", d.Channel, p, err)
		}
	}
	return r, nil
}

// periodsCTE numbers the periods: 1 is the reported one, 2… the previous ones.
const periodsCTE = `periods AS (
    SELECT start_at, end_at, i::int AS i
    FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(start_at, end_at, i)),
filed AS (
    SELECT p.i, f.* FROM periods p
    JOIN feedback f ON f.created_at >= p.start_at AND f.created_at < p.end_at AND ($3 = '' OR f.region = $3))`

const selectOutcomes = `WITH ` + periodsCTE + `
SELECT i, outcome, currency, count(*)::int AS n, COALESCE(sum(deal_value * 100), 0)::bigint AS cents
FROM filed GROUP BY i, outcome, currency`

func (b *Builder) outcomes(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	rows, err := q.Query(ctx, selectOutcomes, starts, ends, r.Region)
	if err != nil {
		return err
	}
	var (
		i            int
		outcome, cur string
		n            int
		cents        int64
	)
	won, lost := make([]int, len(starts)), make([]int, len(starts))
	_, err = pgx.ForEachRow(rows, []any{&i, &outcome, &cur, &n, &cents}, func() error {
		switch feedback.Outcome(outcome) {
		case feedback.Won:
			won[i-1] += n
		case feedback.Lost:
			lost[i-1] += n
		}
		if i != 1 {
			return nil
		}
		s := r.Outcomes[feedback.Outcome(outcome)]
		if s == nil {
			s = &OutcomeStat{Other: map[string]int64{}}
			r.Outcomes[feedback.Outcome(outcome)] = s
		}
		s.Count += n
		if cur == r.Currency {
			s.Value += cents
		} else if cents > 0 {
			s.Other[cur] += cents
		}
		return nil
	})
	if err != nil {
		return err
	}
	if won[0]+lost[0] > 0 {
		rate := float64(won[0]) / float64(won[0]+lost[0])
		r.WinRate = &rate
	}
	pw, pl := 0, 0
	for k := 1; k < len(starts); k++ {
		pw, pl = pw+won[k], pl+lost[k]
	}
	if pw+pl > 0 {
		rate := float64(pw) / float64(pw+pl)
		r.PreviousWinRate = &rate
	}
	return nil
}

// selectThemeStats counts, per period, outcome and theme, the items the rep gave the
// theme as a reason for or whose text was tagged with it (merged themes count as the
// theme they were merged into).
const selectThemeStats = `WITH ` + periodsCTE + `,
tags AS (
    SELECT f.i, f.id, f.outcome, COALESCE(t.merged_into, t.id) AS theme_id, 'text' AS via
    FROM filed f JOIN feedback_themes ft ON ft.feedback_id = f.id JOIN themes t ON t.id = ft.theme_id
    UNION ALL
    SELECT f.i, f.id, f.outcome, COALESCE(t.merged_into, t.id), 'rep'
    FROM filed f CROSS JOIN LATERAL unnest(f.reasons) AS r(key) JOIN themes t ON t.key = r.key)
SELECT tags.i, tags.outcome, th.key, th.name,
    count(DISTINCT tags.id)::int AS items,
    count(DISTINCT tags.id) FILTER (WHERE via = 'rep')::int AS by_rep,
    count(DISTINCT tags.id) FILTER (WHERE via = 'text')::int AS in_text
FROM tags JOIN themes th ON th.id = tags.theme_id
WHERE tags.outcome IN ('won', 'lost')
GROUP BY tags.i, tags.outcome, th.key, th.name`

// bestTagsCTE are the themes found in each item's text by the best method that read it
// (the model's when it did, else the offline engine's), merged themes as their target.
const bestTagsCTE = `best_tags AS (
    SELECT ft.feedback_id, th.id AS theme_id, th.key AS theme_key, ft.rank, ft.confidence
    FROM feedback_themes ft JOIN themes t ON t.id = ft.theme_id JOIN themes th ON th.id = COALESCE(t.merged_into, t.id)
    WHERE ft.feedback_id IN (SELECT id FROM filed WHERE i = 1)
      AND ft.method = CASE WHEN EXISTS (SELECT 1 FROM feedback_themes x WHERE x.feedback_id = ft.feedback_id AND x.method = 'llm')
                           THEN 'llm' ELSE 'offline' END)`

// selectVerbatims picks up to two quotes per theme of the period that prove it: items
// whose text has the theme as its dominant one and whose rep named it too (or named no
// reason at all; a rep who named another reason disagrees with the text), the rep's
// agreement first, then the most confident, then the prospect's own words, the newest.
// An item where the theme is only second or third is never quoted under it.
const selectVerbatims = `WITH ` + periodsCTE + `, ` + bestTagsCTE + `,
worded AS (
    SELECT b.theme_key, f.outcome, f.account, f.reporter_id, f.hide_name, f.created_at, f.id, b.confidence,
        EXISTS (SELECT 1 FROM unnest(f.reasons) AS r(key) JOIN themes t ON t.key = r.key
                JOIN themes th ON th.id = COALESCE(t.merged_into, t.id) WHERE th.key = b.theme_key) AS agree,
        cardinality(f.reasons) = 0 AS silent,
        btrim(f.verbatim) <> '' AS prospect,
        CASE WHEN btrim(f.verbatim) <> '' THEN f.verbatim
             WHEN f.outcome = 'won' AND btrim(f.what_worked) <> '' THEN f.what_worked
             WHEN btrim(f.what_didnt) <> '' THEN f.what_didnt
             ELSE f.what_worked END AS words
    FROM best_tags b JOIN filed f ON f.id = b.feedback_id AND f.i = 1
    WHERE b.rank = 1 AND b.theme_key = ANY($4) AND f.outcome IN ('won', 'lost')),
distinct_words AS (
    -- The same words twice say nothing new: keep the best-placed of each.
    SELECT DISTINCT ON (theme_key, outcome, words) * FROM worded
    WHERE agree OR silent
    ORDER BY theme_key, outcome, words, agree DESC, confidence DESC, created_at DESC, id DESC),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY theme_key, outcome
        ORDER BY agree DESC, confidence DESC, prospect DESC, created_at DESC, id DESC) AS n
    FROM distinct_words)
SELECT theme_key, outcome, account, reporter_id, hide_name, words
FROM ranked WHERE n <= $5 AND btrim(words) <> ''
ORDER BY theme_key, outcome, n`

func (b *Builder) themes(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	rows, err := q.Query(ctx, selectThemeStats, starts, ends, r.Region)
	if err != nil {
		return err
	}
	type key struct{ outcome, theme string }
	stats := map[key]*ThemeStat{}
	prev := map[key]int{}
	var (
		i                    int
		outcome, theme, name string
		items, byRep, inText int
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &outcome, &theme, &name, &items, &byRep, &inText}, func() error {
		k := key{outcome, theme}
		if i > 1 {
			prev[k] += items
			return nil
		}
		stats[k] = &ThemeStat{Key: theme, Name: name, Count: items, ByRep: byRep, InText: inText}
		return nil
	})
	if err != nil {
		return err
	}
	previous := len(starts) - 1
	pick := func(outcome string) []ThemeStat {
		var out []ThemeStat
		for k, s := range stats {
			if k.outcome == outcome {
				s.PreviousAverage = float64(prev[k]) / float64(max(previous, 1))
				out = append(out, *s)
			}
		}
		sort.Slice(out, func(a, b int) bool {
			if out[a].Count != out[b].Count {
				return out[a].Count > out[b].Count
			}
			return out[a].Key < out[b].Key
		})
		return out[:min(len(out), topThemes)]
	}
	r.LossThemes, r.WinThemes = pick("lost"), pick("won")

	var keys []string
	for _, ts := range [][]ThemeStat{r.LossThemes, r.WinThemes} {
		for _, t := range ts {
			if !slices.Contains(keys, t.Key) {
				keys = append(keys, t.Key)
			}
		}
	}
	if len(keys) == 0 {
		return nil
	}
	rows, err = q.Query(ctx, selectVerbatims, starts[:1], ends[:1], r.Region, keys, verbatimsByTheme)
	if err != nil {
		return err
	}
	var (
		account, reporter, words string
		hide                     bool
	)
	_, err = pgx.ForEachRow(rows, []any{&theme, &outcome, &account, &reporter, &hide, &words}, func() error {
		list := r.LossThemes
		if outcome == "won" {
			list = r.WinThemes
		}
		for j := range list {
			if list[j].Key == theme {
				v := Verbatim{Text: words, Account: account, ReporterID: reporter}
				if hide {
					v.ReporterID = ""
				}
				list[j].Verbatims = append(list[j].Verbatims, v)
			}
		}
		return nil
	})
	return err
}

const selectCompetitors = `WITH ` + periodsCTE + `
SELECT c.name, count(*)::int AS met,
    count(*) FILTER (WHERE f.outcome = 'won')::int AS won,
    count(*) FILTER (WHERE f.outcome = 'lost')::int AS lost,
    count(*) FILTER (WHERE f.outcome = 'no_decision')::int AS no_decision
FROM filed f CROSS JOIN LATERAL unnest(f.competitors) AS c(name)
WHERE f.i = 1
GROUP BY c.name ORDER BY met DESC, c.name`

func (b *Builder) competitors(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	rows, err := q.Query(ctx, selectCompetitors, starts[:1], ends[:1], r.Region)
	if err != nil {
		return err
	}
	r.Competitors, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (CompetitorStat, error) {
		var c CompetitorStat
		err := row.Scan(&c.Name, &c.Met, &c.Won, &c.Lost, &c.NoDecision)
		return c, err
	})
	return err
}

const selectParticipation = `WITH ` + periodsCTE + `
SELECT count(DISTINCT reporter_id)::int, count(*)::int FROM filed WHERE i = 1`

const selectRaised = `SELECT count(*)::int FROM escalations WHERE created_at >= $1 AND created_at < $2`

func (b *Builder) participation(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	if err := q.QueryRow(ctx, selectParticipation, starts[:1], ends[:1], r.Region).Scan(&r.Reporters, &r.FeedbackItems); err != nil {
		return err
	}
	return q.QueryRow(ctx, selectRaised, starts[0], ends[0]).Scan(&r.EscalationsRaised)
}

// selectScorecard is each team's promises: raised in the period and acknowledged in
// time (resolving counts as acknowledging), resolved or closed in the period, and still
// open at its end. Teams are as they stand now (a reassigned item counts for its new team).
const selectScorecard = `
SELECT team,
    count(*) FILTER (WHERE created_at >= $1 AND created_at < $2)::int AS raised,
    count(*) FILTER (WHERE created_at >= $1 AND created_at < $2
        AND (COALESCE(acknowledged_at, resolved_at) IS NOT NULL OR ack_due_at < $2))::int AS ack_decided,
    count(*) FILTER (WHERE created_at >= $1 AND created_at < $2
        AND COALESCE(acknowledged_at, resolved_at) <= ack_due_at)::int AS ack_on_time,
    count(*) FILTER (WHERE status = 'resolved' AND resolved_at >= $1 AND resolved_at < $2)::int AS resolved,
    count(*) FILTER (WHERE status = 'wont_fix' AND resolved_at >= $1 AND resolved_at < $2)::int AS wont_fix,
    COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at))
        FILTER (WHERE status = 'resolved' AND resolved_at >= $1 AND resolved_at < $2), 0)::float8 AS median_resolve,
    count(*) FILTER (WHERE created_at < $2 AND (resolved_at IS NULL OR resolved_at >= $2))::int AS still_open,
    COALESCE((array_agg(id ORDER BY created_at, id)
        FILTER (WHERE created_at < $2 AND (resolved_at IS NULL OR resolved_at >= $2)))[1], 0) AS oldest_id,
    min(created_at) FILTER (WHERE created_at < $2 AND (resolved_at IS NULL OR resolved_at >= $2)) AS oldest_at
FROM escalations
WHERE created_at < $2
GROUP BY team`

func (b *Builder) scorecard(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	rows, err := q.Query(ctx, selectScorecard, starts[0], ends[0])
	if err != nil {
		return err
	}
	byTeam := map[string]TeamStat{}
	_, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (struct{}, error) {
		var t TeamStat
		var median float64
		var oldest *time.Time
		if err := row.Scan(&t.Key, &t.Raised, &t.AckDecided, &t.AckOnTime, &t.Resolved, &t.WontFix, &median, &t.StillOpen, &t.OldestOpenID, &oldest); err != nil {
			return struct{}{}, err
		}
		t.MedianResolve = time.Duration(median * float64(time.Second)).Round(time.Minute)
		if oldest != nil {
			t.OldestOpenAge = ends[0].Sub(*oldest)
		}
		byTeam[t.Key] = t
		return struct{}{}, nil
	})
	if err != nil {
		return err
	}
	// Every configured team appears, in configuration order, even with nothing to show:
	// a clean week is worth saying. Teams no longer configured follow.
	for _, ct := range b.Org.Teams {
		t := byTeam[ct.Key]
		t.Key, t.Name = ct.Key, ct.Name
		r.Teams = append(r.Teams, t)
		delete(byTeam, ct.Key)
	}
	rest := make([]string, 0, len(byTeam))
	for k := range byTeam {
		rest = append(rest, k)
	}
	slices.Sort(rest)
	for _, k := range rest {
		t := byTeam[k]
		t.Name = k
		r.Teams = append(r.Teams, t)
	}
	return nil
}

// selectEscalationThemes counts the escalations raised in the period by what they
// were about: each under its dominant theme, found by the best method that read it.
const selectEscalationThemes = `
WITH raised AS (SELECT id FROM escalations WHERE created_at >= $1 AND created_at < $2),
dominant AS (
    SELECT et.escalation_id, COALESCE(t.merged_into, t.id) AS theme_id
    FROM escalation_themes et JOIN raised ON raised.id = et.escalation_id JOIN themes t ON t.id = et.theme_id
    WHERE et.rank = 1
      AND et.method = CASE WHEN EXISTS (SELECT 1 FROM escalation_themes x WHERE x.escalation_id = et.escalation_id AND x.method = 'llm')
                           THEN 'llm' ELSE 'offline' END)
SELECT th.key, th.name, count(*)::int AS n
FROM dominant d JOIN themes th ON th.id = d.theme_id
GROUP BY th.key, th.name ORDER BY n DESC, th.key LIMIT $3`

func (b *Builder) escalationThemes(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	rows, err := q.Query(ctx, selectEscalationThemes, starts[0], ends[0], topThemes)
	if err != nil {
		return err
	}
	r.EscalationThemes, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (ThemeCount, error) {
		var t ThemeCount
		err := row.Scan(&t.Key, &t.Name, &t.Count)
		return t, err
	})
	return err
}

// selectOverdue lists what was open and past a due time at the period's end, most
// severe and oldest first.
const selectOverdue = `
SELECT id, team, account, summary, severity, owner_id, ack_due_at, resolve_due_at, created_at,
    acknowledged_at IS NOT NULL AND acknowledged_at < $1 AS acknowledged
FROM escalations
WHERE created_at < $1 AND (resolved_at IS NULL OR resolved_at >= $1)
  AND ((NOT (acknowledged_at IS NOT NULL AND acknowledged_at < $1) AND ack_due_at < $1) OR resolve_due_at < $1)
ORDER BY array_position(ARRAY['critical', 'high', 'medium', 'low'], severity), created_at, id
LIMIT $2`

func (b *Builder) overdue(ctx context.Context, q Querier, r *Report, _, ends []time.Time) error {
	end := ends[0]
	rows, err := q.Query(ctx, selectOverdue, end, maxOverdue)
	if err != nil {
		return err
	}
	r.Overdue, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (OverdueItem, error) {
		var o OverdueItem
		var owner *string
		var ackDue, resolveDue, created time.Time
		var acknowledged bool
		if err := row.Scan(&o.ID, &o.Team, &o.Account, &o.Summary, &o.Severity, &owner, &ackDue, &resolveDue, &created, &acknowledged); err != nil {
			return o, err
		}
		o.What, o.Late = "resolve", end.Sub(resolveDue)
		if !acknowledged && ackDue.Before(end) {
			o.What, o.Late = "acknowledge", end.Sub(ackDue)
		}
		o.Age = end.Sub(created)
		o.TeamName = o.Team
		if t, ok := b.Org.Team(o.Team); ok {
			o.TeamName = t.Name
			o.Owners = t.Owners
		}
		if acknowledged && owner != nil {
			o.Owners = []string{*owner}
		}
		if len(o.Owners) == 0 {
			o.Owners = b.Org.Admins
		}
		return o, nil
	})
	return err
}

const selectLLMUsage = `SELECT count(*)::int, COALESCE(sum(total_tokens), 0)::int FROM llm_usage WHERE at >= $1 AND at < $2`

func (b *Builder) llm(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	if !b.LLMEnabled {
		return nil
	}
	u := &LLMUsage{}
	if err := q.QueryRow(ctx, selectLLMUsage, starts[0], ends[0]).Scan(&u.Calls, &u.Tokens); err != nil {
		return err
	}
	r.LLM = u
	return nil
}
