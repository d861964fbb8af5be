package digest

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// BuyerVoice is "In the buyers' words": what buyers answered to the survey links reps
// sent (issue 19), against what the reps said of the same deals.
type BuyerVoice struct {
	// Links were created in the period; Answers came in during it.
	Links, Answers int
	// BuyerReasons are the dominant themes of the period's answers; RepReasons the
	// reasons the reps picked for the deals those buyers answered about. Most first.
	BuyerReasons, RepReasons []ThemeCount
	// Ease is the average 0–10 ease of buying this period (EaseAnswers scores), and
	// PreviousEase over the previous four periods; nil without scores.
	Ease, PreviousEase *float64
	EaseAnswers        int
	// Quotes are up to two answers, those whose buyer allowed quoting first.
	Quotes []BuyerQuote
}

// BuyerQuote is a buyer's words; Account is set only when the buyer allowed quoting.
type BuyerQuote struct {
	Text    string
	Outcome feedback.Outcome
	Account string
}

// Rate is answers per link sent in the period, false when no link was sent.
func (b *BuyerVoice) Rate() (float64, bool) {
	if b.Links == 0 {
		return 0, false
	}
	return float64(b.Answers) / float64(b.Links), true
}

const (
	maxBuyerReasons = 3
	maxBuyerQuotes  = 2
	// easeTrendPeriods is how many previous periods the ease trend compares with.
	easeTrendPeriods = 4
)

// selectBuyerCounts counts the links sent and the answers received in the period ($3:
// the digest's region filter, by the rep's item).
const selectBuyerCounts = `
SELECT
    (SELECT count(*) FROM survey_links l JOIN feedback f ON f.id = l.feedback_id
     WHERE l.created_at >= $1 AND l.created_at < $2 AND ($3 = '' OR f.region = $3))::int,
    (SELECT count(*) FROM survey_answers a JOIN feedback f ON f.id = a.answer_id
     WHERE a.answered_at >= $1 AND a.answered_at < $2 AND ($3 = '' OR f.region = $3))::int`

// answeredCTE is the period's answers: the buyer's item and the rep's.
const answeredCTE = `answered AS (
    SELECT a.answer_id, a.feedback_id, a.may_quote, a.answered_at FROM survey_answers a
    JOIN feedback f ON f.id = a.answer_id
    WHERE a.answered_at >= $1 AND a.answered_at < $2 AND ($3 = '' OR f.region = $3))`

// selectBuyerReasons counts the answers by their dominant theme (the model's when it
// read them, else the offline engine's; merged themes as their target).
const selectBuyerReasons = `WITH ` + answeredCTE + `
SELECT th.key, th.name, count(*)::int AS n
FROM answered a
CROSS JOIN LATERAL (
    SELECT x.theme_id FROM feedback_themes x
    WHERE x.feedback_id = a.answer_id AND x.rank = 1 ORDER BY x.method = 'llm' DESC LIMIT 1) AS ft
JOIN themes t ON t.id = ft.theme_id JOIN themes th ON th.id = COALESCE(t.merged_into, t.id)
GROUP BY th.key, th.name ORDER BY n DESC, th.name LIMIT $4`

// selectRepReasons counts the reasons the reps picked for the deals those buyers
// answered about.
const selectRepReasons = `WITH ` + answeredCTE + `
SELECT th.key, th.name, count(*)::int AS n
FROM answered a JOIN feedback rf ON rf.id = a.feedback_id
CROSS JOIN LATERAL unnest(rf.reasons) AS r(key)
JOIN themes t ON t.key = r.key JOIN themes th ON th.id = COALESCE(t.merged_into, t.id)
GROUP BY th.key, th.name ORDER BY n DESC, th.name LIMIT $4`

// selectEase sums the ease scores per period (1 is the reported one).
const selectEase = `
WITH periods AS (
    SELECT start_at, end_at, i::int AS i
    FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(start_at, end_at, i))
SELECT p.i, sum(a.ease)::int, count(a.ease)::int
FROM periods p
JOIN survey_answers a ON a.answered_at >= p.start_at AND a.answered_at < p.end_at
JOIN feedback f ON f.id = a.answer_id
WHERE a.ease IS NOT NULL AND ($3 = '' OR f.region = $3)
GROUP BY p.i`

// selectBuyerQuotes picks the answers to quote: those allowed first, then the newest.
// The words are the first question answered (why they chose us, or whom they chose).
const selectBuyerQuotes = `WITH ` + answeredCTE + `
SELECT f.outcome, a.may_quote, CASE WHEN a.may_quote THEN f.account ELSE '' END AS account,
    CASE WHEN f.outcome = 'won' THEN COALESCE(NULLIF(btrim(f.what_worked), ''), NULLIF(btrim(f.what_didnt), ''), f.verbatim)
         ELSE COALESCE(NULLIF(btrim(f.what_didnt), ''), f.verbatim) END AS words
FROM answered a JOIN feedback f ON f.id = a.answer_id
WHERE btrim(f.what_worked || f.what_didnt || f.verbatim) <> ''
ORDER BY a.may_quote DESC, a.answered_at DESC, a.answer_id DESC LIMIT $4`

// buyers reads the period's buyer answers.
func (b *Builder) buyers(ctx context.Context, q Querier, r *Report, starts, ends []time.Time) error {
	v := &BuyerVoice{}
	if err := q.QueryRow(ctx, selectBuyerCounts, starts[0], ends[0], r.Region).Scan(&v.Links, &v.Answers); err != nil {
		return fmt.Errorf("buyer answers: %w", err)
	}
	if v.Links == 0 && v.Answers == 0 {
		return nil
	}
	themeCounts := func(sql string) ([]ThemeCount, error) {
		rows, err := q.Query(ctx, sql, starts[0], ends[0], r.Region, maxBuyerReasons)
		if err != nil {
			return nil, err
		}
		return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ThemeCount, error) {
			var t ThemeCount
			err := row.Scan(&t.Key, &t.Name, &t.Count)
			return t, err
		})
	}
	var err error
	if v.BuyerReasons, err = themeCounts(selectBuyerReasons); err != nil {
		return fmt.Errorf("buyers' reasons: %w", err)
	}
	if v.RepReasons, err = themeCounts(selectRepReasons); err != nil {
		return fmt.Errorf("reps' reasons for the buyers' deals: %w", err)
	}
	n := min(len(starts), easeTrendPeriods+1)
	rows, err := q.Query(ctx, selectEase, starts[:n], ends[:n], r.Region)
	if err != nil {
		return fmt.Errorf("ease of buying: %w", err)
	}
	var i, sum, count, prevSum, prevCount int
	if _, err := pgx.ForEachRow(rows, []any{&i, &sum, &count}, func() error {
		if i == 1 {
			e := float64(sum) / float64(count)
			v.Ease, v.EaseAnswers = &e, count
		} else {
			prevSum, prevCount = prevSum+sum, prevCount+count
		}
		return nil
	}); err != nil {
		return fmt.Errorf("ease of buying: %w", err)
	}
	if prevCount > 0 {
		e := float64(prevSum) / float64(prevCount)
		v.PreviousEase = &e
	}
	rows, err = q.Query(ctx, selectBuyerQuotes, starts[0], ends[0], r.Region, maxBuyerQuotes)
	if err != nil {
		return fmt.Errorf("buyer quotes: %w", err)
	}
	var (
		outcome, account, words string
		mayQuote                bool
	)
	if _, err := pgx.ForEachRow(rows, []any{&outcome, &mayQuote, &account, &words}, func() error {
		v.Quotes = append(v.Quotes, BuyerQuote{Text: words, Outcome: feedback.Outcome(outcome), Account: account})
		return nil
	}); err != nil {
		return fmt.Errorf("buyer quotes: %w", err)
	}
	r.Buyers = v
	return nil
}

// buyersSection is "In the buyers' words".
func buyersSection(r *Report, s style) *section {
	v := r.Buyers
	if v == nil {
		return nil
	}
	head := fmt.Sprintf("%d buyer%s answered", v.Answers, plural(v.Answers))
	if rate, ok := v.Rate(); ok {
		head += fmt.Sprintf(" · %d survey link%s sent (%s answered)", v.Links, plural(v.Links), pct(rate))
	} else {
		head += " · no survey link sent this period"
	}
	lines := []string{s.bold(head)}
	if len(v.RepReasons) > 0 || len(v.BuyerReasons) > 0 {
		lines = append(lines, fmt.Sprintf("Reps said %s; the buyers of those deals said %s",
			reasonCounts(v.RepReasons, "no reason", s), reasonCounts(v.BuyerReasons, "nothing we could tag", s)))
	}
	if v.Ease != nil {
		l := fmt.Sprintf("Ease of buying: %s/10 (%d score%s)", s.bold(oneDecimal(*v.Ease)), v.EaseAnswers, plural(v.EaseAnswers))
		if v.PreviousEase != nil {
			delta := math.Round((*v.Ease-*v.PreviousEase)*10) / 10
			l += fmt.Sprintf(", previous four periods %s/10, %s", oneDecimal(*v.PreviousEase), arrow(delta, "points"))
		}
		lines = append(lines, l)
	}
	for _, q := range v.Quotes {
		who := "a buyer"
		if q.Account != "" {
			who = s.text(blockkit.Clip(q.Account, 80))
		}
		lines = append(lines, s.quote(q.Text)+" — "+who+" ("+strings.ToLower(q.Outcome.Label())+")")
	}
	return &section{Title: "In the buyers' words", Lines: lines}
}

// reasonCounts writes "Price 6 times, Implementation 2 times" or none.
func reasonCounts(ts []ThemeCount, none string, s style) string {
	if len(ts) == 0 {
		return none
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		if t.Count == 1 {
			parts[i] = s.bold(s.text(t.Name)) + " once"
		} else {
			parts[i] = fmt.Sprintf("%s %d times", s.bold(s.text(t.Name)), t.Count)
		}
	}
	return strings.Join(parts, ", ")
}
