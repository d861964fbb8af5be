package digest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vosbot/vosbot/feedback"
)

// CRMDeals is what the CRMs said of the deals closed in the period, and how many of them
// have feedback: when present, the digest's deal counts, values and win rate come from
// it, not from what reps filed.
type CRMDeals struct {
	Closed   int
	Outcomes map[feedback.Outcome]*OutcomeStat
	// WithFeedback deals are named by at least one feedback item.
	WithFeedback int
	// Value and ValueWithFeedback sum amounts in the configured currency, in cents;
	// OtherCurrency counts deals in other currencies (never converted).
	Value, ValueWithFeedback int64
	OtherCurrency            int
	// Sources counts the deals by CRM, most first.
	Sources []CRMSource
	// Waiting are the reps holding the most of the period's deals still waiting for
	// their feedback, most first (three at most).
	Waiting []RepWaiting
	// WinRate is won / (won + lost) by the CRM; PreviousWinRate the same over the
	// previous four periods, nil when the CRM reported no deal then.
	WinRate, PreviousWinRate *float64
}

// CRMSource is how many deals one CRM reported.
type CRMSource struct {
	CRM   string
	Count int
}

// RepWaiting is a rep and how many deals wait for their feedback.
type RepWaiting struct {
	UserID string
	Count  int
}

// Coverage is the share of closed deals with feedback.
func (c *CRMDeals) Coverage() float64 {
	if c.Closed == 0 {
		return 0
	}
	return float64(c.WithFeedback) / float64(c.Closed)
}

const maxWaitingReps = 3

// selectCRMDeals counts, per period, the deals closed in it by outcome and currency,
// with and without feedback.
const selectCRMDeals = `
WITH periods AS (
    SELECT start_at, end_at, i::int AS i
    FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(start_at, end_at, i))
SELECT p.i, d.outcome, d.currency,
    count(*)::int AS n,
    count(*) FILTER (WHERE EXISTS (SELECT 1 FROM feedback f WHERE f.deal_id = d.id))::int AS with_feedback,
    COALESCE(sum(d.amount * 100), 0)::bigint AS cents,
    COALESCE(sum(d.amount * 100) FILTER (WHERE EXISTS (SELECT 1 FROM feedback f WHERE f.deal_id = d.id)), 0)::bigint AS cents_with_feedback
FROM periods p JOIN deals d ON d.closed_at >= p.start_at AND d.closed_at < p.end_at
GROUP BY p.i, d.outcome, d.currency`

const selectCRMSources = `
SELECT crm, count(*)::int FROM deals WHERE closed_at >= $1 AND closed_at < $2
GROUP BY crm ORDER BY count(*) DESC, crm`

const selectWaitingReps = `
SELECT owner_id, count(*)::int FROM deals
WHERE closed_at >= $1 AND closed_at < $2 AND status IN ('waiting', 'nudged') AND owner_id IS NOT NULL
GROUP BY owner_id ORDER BY count(*) DESC, owner_id LIMIT $3`

// crmDeals reads the CRMs' deals of the period. A digest filtered by region has none:
// a CRM's deal carries no region.
func (b *Builder) crmDeals(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	if r.Region != "" {
		return nil
	}
	rows, err := q.Query(ctx, selectCRMDeals, starts, ends)
	if err != nil {
		return err
	}
	c := &CRMDeals{Outcomes: map[feedback.Outcome]*OutcomeStat{}}
	won, lost := make([]int, len(starts)), make([]int, len(starts))
	var (
		i, n, withFeedback   int
		outcome, cur         string
		cents, centsFeedback int64
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &outcome, &cur, &n, &withFeedback, &cents, &centsFeedback}, func() error {
		switch feedback.Outcome(outcome) {
		case feedback.Won:
			won[i-1] += n
		case feedback.Lost:
			lost[i-1] += n
		}
		if i != 1 {
			return nil
		}
		s := c.Outcomes[feedback.Outcome(outcome)]
		if s == nil {
			s = &OutcomeStat{Other: map[string]int64{}}
			c.Outcomes[feedback.Outcome(outcome)] = s
		}
		s.Count += n
		c.Closed += n
		c.WithFeedback += withFeedback
		if cur == r.Currency {
			s.Value += cents
			c.Value += cents
			c.ValueWithFeedback += centsFeedback
		} else {
			c.OtherCurrency += n
			if cents > 0 {
				s.Other[cur] += cents
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if c.Closed == 0 {
		return nil
	}
	if won[0]+lost[0] > 0 {
		rate := float64(won[0]) / float64(won[0]+lost[0])
		c.WinRate = &rate
	}
	pw, pl := 0, 0
	for k := 1; k < len(starts); k++ {
		pw, pl = pw+won[k], pl+lost[k]
	}
	if pw+pl > 0 {
		rate := float64(pw) / float64(pw+pl)
		c.PreviousWinRate = &rate
	}
	rows, err = q.Query(ctx, selectCRMSources, starts[0], ends[0])
	if err != nil {
		return err
	}
	if c.Sources, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (CRMSource, error) {
		var s CRMSource
		err := row.Scan(&s.CRM, &s.Count)
		return s, err
	}); err != nil {
		return err
	}
	rows, err = q.Query(ctx, selectWaitingReps, starts[0], ends[0], maxWaitingReps)
	if err != nil {
		return err
	}
	if c.Waiting, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (RepWaiting, error) {
		var w RepWaiting
		err := row.Scan(&w.UserID, &w.Count)
		return w, err
	}); err != nil {
		return err
	}
	r.CRM = c
	return nil
}

func (c *CRMDeals) outcome(o feedback.Outcome) *OutcomeStat {
	if s, ok := c.Outcomes[o]; ok {
		return s
	}
	return &OutcomeStat{}
}

// crmDealsSection is the Deals section when the CRM reported deals: its counts and
// values, its win rate, how many have feedback, and where the numbers come from.
func crmDealsSection(r *Report, s style) section {
	c := r.CRM
	part := func(label string, o *OutcomeStat) string {
		p := fmt.Sprintf("%d %s", o.Count, label)
		if o.Value > 0 || len(o.Other) > 0 {
			var vals []string
			if o.Value > 0 {
				vals = append(vals, compactMoney(o.Value, r.Currency))
			}
			for _, m := range sortedCurrencies(o.Other) {
				vals = append(vals, compactMoney(m.cents, m.cur))
			}
			p += " (" + strings.Join(vals, ", ") + ")"
		}
		return p
	}
	lines := []string{fmt.Sprintf("%d deal%s closed in the CRM: %s · %s · %s", c.Closed, plural(c.Closed),
		s.bold(part("won", c.outcome(feedback.Won))), s.bold(part("lost", c.outcome(feedback.Lost))), part("no decision", c.outcome(feedback.NoDecision)))}
	if c.WinRate != nil {
		l := fmt.Sprintf("Win rate %s", s.bold(pct(*c.WinRate)))
		if c.PreviousWinRate != nil {
			delta := math.Round((*c.WinRate - *c.PreviousWinRate) * 100)
			l += fmt.Sprintf(" (previous four periods: %s, %s)", pct(*c.PreviousWinRate), arrow(delta, "pts"))
		}
		lines = append(lines, l)
	}
	cov := fmt.Sprintf("%d of %d closed deals have feedback (%.0f %%)", c.WithFeedback, c.Closed, math.Round(c.Coverage()*100))
	if c.Value > 0 {
		cov += fmt.Sprintf(", %s of %s", compactMoney(c.ValueWithFeedback, r.Currency), strings.TrimPrefix(compactMoney(c.Value, r.Currency), r.Currency+" "))
	}
	lines = append(lines, s.bold(cov))
	if len(c.Waiting) > 0 {
		reps := make([]string, len(c.Waiting))
		for i, w := range c.Waiting {
			reps[i] = fmt.Sprintf("%s %d", s.mention(w.UserID), w.Count)
		}
		lines = append(lines, "Still waiting for feedback: "+strings.Join(reps, " · "))
	}
	sources := make([]string, len(c.Sources))
	for i, src := range slices.Clone(c.Sources) {
		sources[i] = fmt.Sprintf("%s %d", s.text(feedback.CRMName(src.CRM)), src.Count)
	}
	from := "Deal counts and values come from the CRM (" + strings.Join(sources, ", ") + "), not from what reps filed"
	if c.OtherCurrency > 0 {
		from += fmt.Sprintf("; %d deal%s in other currencies, counted as given and never converted", c.OtherCurrency, plural(c.OtherCurrency))
	}
	lines = append(lines, from+".")
	return section{Title: "Deals", Lines: lines}
}

// crmFallback is the notification's headline when the CRM reported the deals.
func crmFallback(title string, c *CRMDeals) string {
	t := fmt.Sprintf("%s: %d deals closed (%d won, %d lost, %d no decision)", title, c.Closed,
		c.outcome(feedback.Won).Count, c.outcome(feedback.Lost).Count, c.outcome(feedback.NoDecision).Count)
	if c.WinRate != nil {
		t += ", win rate " + pct(*c.WinRate)
	}
	return t + fmt.Sprintf(", %d with feedback", c.WithFeedback)
}
