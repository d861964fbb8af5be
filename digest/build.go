package digest

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/measures"
)

// Limits of what a report carries; rendering shortens further when needed.
const (
	topThemes        = 5
	verbatimsByTheme = 2
	maxOverdue       = 25
	// trendPeriods is how many earlier periods a figure is compared with.
	trendPeriods = 4
	// historyPeriods is how many periods, this one included, trends and charts show.
	historyPeriods = 13
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
	// Scorecard is the teams' revenue measures; nil or empty: no Revenue drivers section.
	Scorecard *measures.Scorecard
}

// Build computes the report of the digest d for period p.
func (b *Builder) Build(ctx context.Context, d Definition, p Period) (*Report, error) {
	return b.BuildWith(ctx, b.Pool, d, p)
}

// BuildWith computes the report reading through q.
func (b *Builder) BuildWith(ctx context.Context, q Querier, d Definition, p Period) (*Report, error) {
	r := &Report{Channel: d.Channel, Period: p, Location: b.Org.Location, Region: d.Filter.Region, Currency: b.Org.Currency,
		Outcomes: map[feedback.Outcome]*OutcomeStat{}}
	periods := append([]Period{p}, d.Previous(p, historyPeriods-1)...)
	starts, ends := make([]time.Time, len(periods)), make([]time.Time, len(periods))
	for i, pp := range periods {
		starts[i], ends[i] = pp.Start, pp.End
	}
	steps := []func(context.Context, Querier, *Report, []time.Time, []time.Time) error{
		b.outcomes, b.themes, b.disagreements, b.competitors, b.participation, b.scorecard, b.loop, b.escalationThemes, b.overdue, b.llm,
		b.crmDeals, b.buyers,
	}
	for _, step := range steps {
		if err := step(ctx, q, r, starts, ends); err != nil {
			return nil, fmt.Errorf("build digest %s for %s: %w", d.Channel, p, err)
		}
	}
	if err := b.revenueDrivers(ctx, q, d, r); err != nil {
		return nil, fmt.Errorf("build digest %s for %s: revenue drivers: %w", d.Channel, p, err)
	}
	return r, nil
}

// periodsCTE numbers the periods: 1 is the reported one, 2… the previous ones.
const periodsCTE = `periods AS (
    SELECT start_at, end_at, i::int AS i
    FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(start_at, end_at, i)),
filed AS (
    SELECT p.i, f.* FROM periods p
    JOIN feedback f ON f.created_at >= p.start_at AND f.created_at < p.end_at AND ($3 = '' OR f.region = $3)
    -- Buyers' survey answers have their own section (buyers.go): the reps' counts,
    -- themes and quotes are the reps' (and a deal is not counted twice).
    WHERE f.source <> 'buyer_survey')`

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
	history := make([]PeriodStat, len(starts))
	_, err = pgx.ForEachRow(rows, []any{&i, &outcome, &cur, &n, &cents}, func() error {
		h := &history[i-1]
		switch feedback.Outcome(outcome) {
		case feedback.Won:
			won[i-1] += n
			h.Won += n
			if cur == r.Currency {
				h.WonValue += cents
			}
		case feedback.Lost:
			lost[i-1] += n
			h.Lost += n
			if cur == r.Currency {
				h.LostValue += cents
			}
		case feedback.NoDecision:
			h.NoDecision += n
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
	// Oldest first, as a chart reads.
	for k := len(starts) - 1; k >= 0; k-- {
		h := history[k]
		h.Start, h.End = starts[k], ends[k]
		r.History = append(r.History, h)
	}
	pw, pl := 0, 0
	for k := 1; k < min(len(starts), trendPeriods+1); k++ {
		pw, pl = pw+won[k], pl+lost[k]
	}
	if pw+pl > 0 {
		rate := float64(pw) / float64(pw+pl)
		r.PreviousWinRate = &rate
	}
	return nil
}

// selectThemeStats counts, per period, outcome, theme and currency, the items the rep
// gave the theme as a reason for or whose text was tagged with it (each item once, merged
// themes as the theme they were merged into), how many of each kind, and their deal
// value. It reads only the columns it needs: the periods' feedback is materialised once.
const selectThemeStats = `WITH periods AS (
    SELECT start_at, end_at, i::int AS i
    FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(start_at, end_at, i)),
filed AS MATERIALIZED (
    SELECT p.i, f.id, f.outcome, f.reasons, f.currency, f.deal_value FROM periods p
    JOIN feedback f ON f.created_at >= p.start_at AND f.created_at < p.end_at AND ($3 = '' OR f.region = $3)
    WHERE f.outcome IN ('won', 'lost') AND f.source <> 'buyer_survey'),
tags AS (
    SELECT f.i, f.id, f.outcome, f.currency, f.deal_value, COALESCE(t.merged_into, t.id) AS theme_id, false AS rep, true AS text
    FROM filed f JOIN feedback_themes ft ON ft.feedback_id = f.id JOIN themes t ON t.id = ft.theme_id
    UNION ALL
    SELECT f.i, f.id, f.outcome, f.currency, f.deal_value, COALESCE(t.merged_into, t.id), true, false
    FROM filed f CROSS JOIN LATERAL unnest(f.reasons) AS r(key) JOIN themes t ON t.key = r.key),
items AS (
    SELECT i, id, outcome, currency, deal_value, theme_id, bool_or(rep) AS rep, bool_or(text) AS text
    FROM tags GROUP BY i, id, outcome, currency, deal_value, theme_id)
SELECT it.i, it.outcome, th.key, th.name, it.currency,
    count(*)::int AS items,
    count(*) FILTER (WHERE it.rep)::int AS by_rep,
    count(*) FILTER (WHERE it.text)::int AS in_text,
    COALESCE(sum(it.deal_value) * 100, 0)::bigint AS cents
FROM items it JOIN themes th ON th.id = it.theme_id
GROUP BY it.i, it.outcome, th.key, th.name, it.currency`

// selectVerbatims picks up to two quotes per theme of the period that prove it: items
// whose text has the theme as its dominant one and whose rep named it too (or named no
// reason at all; a rep who named another reason disagrees with the text), the rep's
// agreement first, then the most confident, then the prospect's own words, the newest.
// An item where the theme is only second or third is never quoted under it.
const selectVerbatims = `WITH ` + periodsCTE + `,
dominant AS (
    -- Each item's dominant theme, by the best method that read it: the model's when it
    -- did, else the offline engine's (merged themes as their target).
    SELECT f.*, th.key AS theme_key, ft.confidence
    FROM filed f
    CROSS JOIN LATERAL (
        SELECT x.theme_id, x.confidence FROM feedback_themes x
        WHERE x.feedback_id = f.id AND x.rank = 1 ORDER BY x.method = 'llm' DESC LIMIT 1) AS ft
    JOIN themes t ON t.id = ft.theme_id JOIN themes th ON th.id = COALESCE(t.merged_into, t.id)
    WHERE f.i = 1 AND f.outcome IN ('won', 'lost') AND th.key = ANY($4)),
worded AS (
    SELECT f.theme_key, f.outcome, f.account, f.reporter_id, f.hide_name, f.created_at, f.id, f.confidence,
        EXISTS (SELECT 1 FROM unnest(f.reasons) AS r(key) JOIN themes t ON t.key = r.key
                JOIN themes th ON th.id = COALESCE(t.merged_into, t.id) WHERE th.key = f.theme_key) AS agree,
        cardinality(f.reasons) = 0 AS silent,
        btrim(f.verbatim) <> '' AS prospect,
        CASE WHEN btrim(f.verbatim) <> '' THEN f.verbatim
             WHEN f.outcome = 'won' AND btrim(f.what_worked) <> '' THEN f.what_worked
             WHEN btrim(f.what_didnt) <> '' THEN f.what_didnt
             ELSE f.what_worked END AS words
    FROM dominant f),
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
	counts := map[key][]int{}
	values := map[key][]int64{}
	var (
		i                         int
		outcome, theme, name, cur string
		items, byRep, inText      int
		cents                     int64
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &outcome, &theme, &name, &cur, &items, &byRep, &inText, &cents}, func() error {
		k := key{outcome, theme}
		if counts[k] == nil {
			counts[k], values[k] = make([]int, len(starts)), make([]int64, len(starts))
		}
		counts[k][len(starts)-i] += items // oldest first
		if cur == r.Currency {
			values[k][len(starts)-i] += cents
		}
		if i > 1 {
			if i <= trendPeriods+1 {
				prev[k] += items
			}
			return nil
		}
		s := stats[k]
		if s == nil {
			s = &ThemeStat{Key: theme, Name: name}
			stats[k] = s
		}
		s.Count, s.ByRep, s.InText = s.Count+items, s.ByRep+byRep, s.InText+inText
		switch {
		case cur == r.Currency:
			s.Value += cents
		case cents > 0:
			if s.OtherValues == nil {
				s.OtherValues = map[string]int64{}
			}
			s.OtherValues[cur] += cents
		}
		return nil
	})
	if err != nil {
		return err
	}
	previous := min(len(starts)-1, trendPeriods)
	pick := func(outcome string) []ThemeStat {
		var out []ThemeStat
		for k, s := range stats {
			if k.outcome == outcome {
				s.PreviousAverage = float64(prev[k]) / float64(max(previous, 1))
				s.Counts, s.Values = counts[k], values[k]
				out = append(out, *s)
			}
		}
		// Money at stake first: the value of the deals a theme came up in, then how
		// many deals (values in other currencies are shown apart, never added).
		sort.Slice(out, func(a, b int) bool {
			if out[a].Value != out[b].Value {
				return out[a].Value > out[b].Value
			}
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

// selectCompetitors counts, per period, competitor and currency, the deals each
// competitor was in: won, lost to it (the rep named it as the winner) with their value,
// lost to someone else or no one, lost with no winner recorded, and no decision (in
// earlier periods, only lost to it counts). $4 and $5 bound all the periods: without
// them the planner joins the periods to every row of the table.
const selectCompetitors = `WITH periods AS (
    SELECT start_at, end_at, i::int AS i
    FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(start_at, end_at, i)),
filed AS (
    SELECT p.i, f.outcome, f.currency, f.deal_value, f.competitors, f.lost_to FROM periods p
    JOIN feedback f ON f.created_at >= p.start_at AND f.created_at < p.end_at
    WHERE f.created_at >= $4 AND f.created_at < $5 AND ($3 = '' OR f.region = $3) AND f.source <> 'buyer_survey'
        -- Earlier periods only count the deals a competitor won.
        AND (p.i = 1 OR (f.outcome = 'lost' AND f.lost_to NOT IN ('', 'none'))))
SELECT f.i, c.name, f.currency,
    count(*)::int AS met,
    count(*) FILTER (WHERE f.outcome = 'won')::int AS won,
    count(*) FILTER (WHERE f.outcome = 'lost' AND f.lost_to = c.name)::int AS lost_to,
    COALESCE(sum(f.deal_value) FILTER (WHERE f.outcome = 'lost' AND f.lost_to = c.name) * 100, 0)::bigint AS lost_to_cents,
    count(*) FILTER (WHERE f.outcome = 'lost' AND f.lost_to NOT IN ('', c.name))::int AS lost_elsewhere,
    count(*) FILTER (WHERE f.outcome = 'lost' AND f.lost_to = '')::int AS lost_present,
    count(*) FILTER (WHERE f.outcome = 'no_decision')::int AS no_decision
FROM filed f CROSS JOIN LATERAL unnest(f.competitors) AS c(name)
GROUP BY f.i, c.name, f.currency`

// competitorTrendPeriods is how many periods, this one last, a competitor's trend shows.
const competitorTrendPeriods = 4

// competitors lists the competitors met this period, with who beat us and the trend of
// the deals they won over the last competitorTrendPeriods periods.
func (b *Builder) competitors(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	n := min(len(starts), competitorTrendPeriods)
	from, until := starts[0], ends[0]
	for k := range n {
		if starts[k].Before(from) {
			from = starts[k]
		}
		if ends[k].After(until) {
			until = ends[k]
		}
	}
	rows, err := q.Query(ctx, selectCompetitors, starts[:n], ends[:n], r.Region, from, until)
	if err != nil {
		return err
	}
	stats := map[string]*CompetitorStat{}
	trends := map[string][]int{}
	var (
		i                                                        int
		name, cur                                                string
		met, won, lostTo, lostElsewhere, lostPresent, noDecision int
		cents                                                    int64
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &name, &cur, &met, &won, &lostTo, &cents, &lostElsewhere, &lostPresent, &noDecision}, func() error {
		if trends[name] == nil {
			trends[name] = make([]int, n)
		}
		trends[name][n-i] += lostTo // oldest first
		if i != 1 {
			return nil
		}
		c := stats[name]
		if c == nil {
			c = &CompetitorStat{Name: name}
			stats[name] = c
		}
		c.Met, c.Won, c.LostTo = c.Met+met, c.Won+won, c.LostTo+lostTo
		c.LostElsewhere, c.LostPresent, c.NoDecision = c.LostElsewhere+lostElsewhere, c.LostPresent+lostPresent, c.NoDecision+noDecision
		switch {
		case cur == r.Currency:
			c.LostToValue += cents
		case cents > 0:
			if c.LostToOther == nil {
				c.LostToOther = map[string]int64{}
			}
			c.LostToOther[cur] += cents
		}
		return nil
	})
	if err != nil {
		return err
	}
	r.Competitors = make([]CompetitorStat, 0, len(stats))
	for name, c := range stats {
		c.LostToTrend = trends[name]
		r.Competitors = append(r.Competitors, *c)
	}
	slices.SortFunc(r.Competitors, func(a, b CompetitorStat) int {
		if a.Met != b.Met {
			return b.Met - a.Met
		}
		if a.LostTo != b.LostTo {
			return b.LostTo - a.LostTo
		}
		return strings.Compare(a.Name, b.Name)
	})
	return nil
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
// time (resolving counts as acknowledging), resolved (confirmed by the reporter or not)
// or closed in the period, and still open at its end (a reopened fix is open again).
// Teams are as they stand now (a reassigned item counts for its new team).
const selectScorecard = `
SELECT team,
    count(*) FILTER (WHERE created_at >= $1 AND created_at < $2)::int AS raised,
    count(*) FILTER (WHERE created_at >= $1 AND created_at < $2
        AND (COALESCE(acknowledged_at, resolved_at) IS NOT NULL OR ack_due_at < $2))::int AS ack_decided,
    count(*) FILTER (WHERE created_at >= $1 AND created_at < $2
        AND COALESCE(acknowledged_at, resolved_at) <= ack_due_at)::int AS ack_on_time,
    count(*) FILTER (WHERE status IN ('resolved', 'confirmed') AND resolved_at >= $1 AND resolved_at < $2)::int AS resolved,
    count(*) FILTER (WHERE status = 'wont_fix' AND resolved_at >= $1 AND resolved_at < $2)::int AS wont_fix,
    COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - created_at))
        FILTER (WHERE status IN ('resolved', 'confirmed') AND resolved_at >= $1 AND resolved_at < $2), 0)::float8 AS median_resolve,
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
