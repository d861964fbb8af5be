package feedback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// feedbackRow is a feedback row as selected by feedbackColumns.
type feedbackRow struct {
	ID             int64       `db:"id"`
	CreatedAt      time.Time   `db:"created_at"`
	UpdatedAt      time.Time   `db:"updated_at"`
	ReporterID     string      `db:"reporter_id"`
	Outcome        string      `db:"outcome"`
	Account        string      `db:"account"`
	DealValueCents *int64      `db:"deal_value_cents"`
	Currency       string      `db:"currency"`
	Region         string      `db:"region"`
	Competitors    []string    `db:"competitors"`
	LostTo         string      `db:"lost_to"`
	Reasons        []string    `db:"reasons"`
	WhatWorked     string      `db:"what_worked"`
	WhatDidnt      string      `db:"what_didnt"`
	Verbatim       string      `db:"verbatim"`
	CRMURL         string      `db:"crm_url"`
	MessageURL     string      `db:"message_url"`
	HideName       bool        `db:"hide_name"`
	Source         string      `db:"source"`
	Key            string      `db:"idempotency_key"`
	EditCount      int         `db:"edit_count"`
	DealID         *int64      `db:"deal_id"`
	Themes         []themeJSON `db:"themes"`
}

type themeJSON struct {
	Key        string  `json:"key"`
	Name       string  `json:"name"`
	Method     string  `json:"method"`
	Confidence float64 `json:"confidence"`
}

func (r feedbackRow) feedback() Feedback {
	f := Feedback{
		ID: r.ID, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC(), ReporterID: r.ReporterID,
		Outcome: Outcome(r.Outcome), Account: r.Account, Currency: r.Currency, Region: r.Region,
		Competitors: r.Competitors, LostTo: r.LostTo, Reasons: r.Reasons, WhatWorked: r.WhatWorked, WhatDidnt: r.WhatDidnt,
		Verbatim: r.Verbatim, CRMURL: r.CRMURL, MessageURL: r.MessageURL, HideName: r.HideName,
		Source: Source(r.Source), Key: r.Key, EditCount: r.EditCount,
	}
	if r.DealID != nil {
		f.DealID = *r.DealID
	}
	if r.DealValueCents != nil {
		f.DealValue = &Amount{Cents: *r.DealValueCents, Currency: r.Currency}
	}
	// Themes come ordered LLM first; keep the best method present only.
	for _, t := range r.Themes {
		if len(f.Themes) > 0 && f.Themes[0].Method != t.Method {
			break
		}
		f.Themes = append(f.Themes, ThemeTag(t))
	}
	return f
}

// feedbackColumns selects a feedbackRow from feedback f, with its detected themes
// (merged themes shown as the theme they were merged into).
const feedbackColumns = `
    f.id, f.created_at, f.updated_at, f.reporter_id, f.outcome, f.account,
    (f.deal_value * 100)::bigint AS deal_value_cents, f.currency, f.region, f.competitors, f.lost_to,
    f.reasons, f.what_worked, f.what_didnt, f.verbatim, f.crm_url, f.message_url,
    f.hide_name, f.source, f.idempotency_key, f.edit_count, f.deal_id,
    COALESCE((
        SELECT json_agg(json_build_object(
                   'key', COALESCE(m.key, t.key), 'name', COALESCE(m.name, t.name),
                   'method', ft.method, 'confidence', ft.confidence)
               ORDER BY ft.method = 'llm' DESC, ft.rank)
        FROM feedback_themes ft
        JOIN themes t ON t.id = ft.theme_id
        LEFT JOIN themes m ON m.id = t.merged_into
        WHERE ft.feedback_id = f.id), '[]') AS themes`

func collectFeedback(rows pgx.Rows) ([]Feedback, error) {
	rs, err := pgx.CollectRows(rows, pgx.RowToStructByName[feedbackRow])
	if err != nil {
		return nil, err
	}
	out := make([]Feedback, len(rs))
	for i, r := range rs {
		out[i] = r.feedback()
	}
	return out, nil
}

const selectFeedbackByID = `SELECT ` + feedbackColumns + ` FROM feedback f WHERE f.id = $1`

// Feedback returns one feedback item, or ErrNotFound.
func (s *Store) Feedback(ctx context.Context, id int64) (Feedback, error) {
	return feedbackWhere(ctx, s.pool, selectFeedbackByID, id)
}

const selectFeedbackByKey = `SELECT ` + feedbackColumns + ` FROM feedback f WHERE f.idempotency_key = $1`

// listFeedback runs a query selecting feedbackColumns and collects its items; what
// names the query in errors.
func listFeedback(ctx context.Context, q querier, what, sql string, args ...any) ([]Feedback, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	fs, err := collectFeedback(rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return fs, nil
}

func feedbackWhere(ctx context.Context, q querier, sql string, arg any) (Feedback, error) {
	fs, err := listFeedback(ctx, q, "load feedback", sql, arg)
	if err != nil {
		return Feedback{}, err
	}
	if len(fs) == 0 {
		return Feedback{}, fmt.Errorf("feedback %v: %w", arg, ErrNotFound)
	}
	return fs[0], nil
}

const selectCompetitorNames = `SELECT key, name FROM competitors WHERE key = ANY($1)`

// canonicalCompetitors spells each competitor as it was first named by anyone.
func canonicalCompetitors(ctx context.Context, tx pgx.Tx, names []string) ([]string, []string, error) {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = CompetitorKey(n)
	}
	rows, err := tx.Query(ctx, selectCompetitorNames, keys)
	if err != nil {
		return nil, nil, fmt.Errorf("competitor names: %w", err)
	}
	known := map[string]string{}
	var k, n string
	_, err = pgx.ForEachRow(rows, []any{&k, &n}, func() error { known[k] = n; return nil })
	if err != nil {
		return nil, nil, fmt.Errorf("competitor names: %w", err)
	}
	out := make([]string, len(names))
	for i, name := range names {
		out[i] = name
		if canonical, ok := known[keys[i]]; ok {
			out[i] = canonical
		}
	}
	return out, keys, nil
}

// canonicalLostTo spells who won a lost deal as its competitors list (canonical) does.
func canonicalLostTo(lostTo string, competitors []string) string {
	if lostTo == "" || lostTo == LostToNone {
		return lostTo
	}
	key := CompetitorKey(lostTo)
	for _, c := range competitors {
		if CompetitorKey(c) == key {
			return c
		}
	}
	return lostTo // not among them: the table's check refuses it
}

const upsertCompetitors = `
INSERT INTO competitors (key, name, first_seen)
SELECT c.key, c.name, $3 FROM unnest($1::text[], $2::text[]) AS c(key, name)
ON CONFLICT (key) DO UPDATE SET mentions = competitors.mentions + 1`

// insertNewCompetitors records competitors named for the first time, inside the saving
// transaction. Known ones are left untouched there: bumping a popular competitor's
// mention count would lock its row in every save until commit and queue all reps behind
// one another. Counts (a ranking hint for the type-ahead) are recounted in the
// background instead (RefreshCompetitorMentions).
const insertNewCompetitors = `
INSERT INTO competitors (key, name, first_seen)
SELECT c.key, c.name, $3 FROM unnest($1::text[], $2::text[]) AS c(key, name)
ON CONFLICT (key) DO NOTHING`

const refreshCompetitorMentions = `
UPDATE competitors c SET mentions = m.n
FROM (SELECT name, count(*)::int AS n FROM feedback, unnest(competitors) AS name GROUP BY name) AS m
WHERE c.name = m.name AND c.mentions <> m.n`

// RefreshCompetitorMentions recounts how many items name each competitor, in one
// statement, returning how many counts changed.
func (s *Store) RefreshCompetitorMentions(ctx context.Context) (int64, error) {
	tag, err := s.pool.Exec(ctx, refreshCompetitorMentions)
	if err != nil {
		return 0, fmt.Errorf("refresh competitor mentions: %w", err)
	}
	return tag.RowsAffected(), nil
}

const insertFeedback = `
INSERT INTO feedback (created_at, updated_at, reporter_id, outcome, account, deal_value, currency,
    region, competitors, reasons, what_worked, what_didnt, verbatim, crm_url, message_url,
    hide_name, source, idempotency_key, lost_to)
VALUES ($1, $1, $2, $3, $4, $5::numeric / 100, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id`

// SaveFeedback stores new feedback once per idempotency key (a Slack view id): a
// repeated submission returns the stored item and created=false. The tagging job and
// the rep's confirmation are enqueued in the same transaction.
func (s *Store) SaveFeedback(ctx context.Context, f Feedback) (saved Feedback, created bool, err error) {
	if f.Key == "" {
		return Feedback{}, false, errors.New("save feedback: no idempotency key")
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = s.now()
	}
	var id int64
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		created = false
		names, keys, err := canonicalCompetitors(ctx, tx, f.Competitors)
		if err != nil {
			return err
		}
		f.Competitors, f.LostTo = names, canonicalLostTo(f.LostTo, names)
		err = tx.QueryRow(ctx, insertFeedback, f.CreatedAt, f.ReporterID, f.Outcome, f.Account, centsOrNil(f.DealValue),
			f.Currency, f.Region, nonNil(names), nonNil(f.Reasons), f.WhatWorked, f.WhatDidnt, f.Verbatim, f.CRMURL,
			f.MessageURL, f.HideName, f.Source, f.Key, f.LostTo).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // stored before: nothing new
		}
		if err != nil {
			return fmt.Errorf("insert feedback: %w", err)
		}
		created = true
		if _, err := tx.Exec(ctx, insertNewCompetitors, keys, names, f.CreatedAt); err != nil {
			return fmt.Errorf("record competitors: %w", err)
		}
		if err := s.linkFeedbackToDeal(ctx, tx, id, f); err != nil {
			return err
		}
		jobs := []river.JobArgs{TagFeedbackArgs{FeedbackIDs: []int64{id}}}
		if notifies(f.Source) {
			jobs = append(jobs, FeedbackSavedArgs{FeedbackID: id})
		}
		return s.enqueue(ctx, tx, jobs...)
	})
	if err != nil {
		return Feedback{}, false, fmt.Errorf("save feedback: %w", err)
	}
	if !created {
		saved, err = feedbackWhere(ctx, s.pool, selectFeedbackByKey, f.Key)
		return saved, false, err
	}
	// What was inserted, without reading it back: this runs before a submission's ack.
	f.ID, f.UpdatedAt, f.CreatedAt = id, f.CreatedAt.UTC(), f.CreatedAt.UTC()
	if f.DealValue != nil {
		f.DealValue.Currency = f.Currency
	}
	return f, true, nil
}

// notifies reports whether a rep is told about a record from this source.
func notifies(src Source) bool { return src != SourceImport && src != SourceDemo }

const lockFeedback = `SELECT reporter_id, source FROM feedback WHERE id = $1 FOR UPDATE`

const insertRevision = `
INSERT INTO feedback_revisions (feedback_id, editor_id, edited_at, view_id, previous)
SELECT f.id, $2, $3, $4, to_jsonb(f) FROM feedback f WHERE f.id = $1
ON CONFLICT (view_id) DO NOTHING
RETURNING id`

const updateFeedback = `
UPDATE feedback SET updated_at = $2, outcome = $3, account = $4, deal_value = $5::numeric / 100,
    currency = $6, region = $7, competitors = $8, reasons = $9, what_worked = $10,
    what_didnt = $11, verbatim = $12, crm_url = $13, hide_name = $14, lost_to = $15,
    edit_count = edit_count + 1, tagged_at = NULL, llm_tagged_at = NULL
WHERE id = $1`

// EditFeedback replaces an item's content in place, keeping the previous version as a
// revision. Only the reporter (or an admin) may edit; a repeated submission of the same
// edit view (viewID) changes nothing and returns changed=false.
func (s *Store) EditFeedback(ctx context.Context, id int64, editorID, viewID string, isAdmin bool, f Feedback) (saved Feedback, changed bool, err error) {
	now := s.now()
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		changed = false
		var reporter string
		var source Source
		if err := tx.QueryRow(ctx, lockFeedback, id).Scan(&reporter, &source); errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("feedback %d: %w", id, ErrNotFound)
		} else if err != nil {
			return err
		}
		if source == SourceBuyerSurvey {
			// The buyer's own words: nobody at the company rewrites them.
			return fmt.Errorf("feedback %d is a buyer's answer: %w", id, ErrForbidden)
		}
		if reporter != editorID && !isAdmin {
			return fmt.Errorf("feedback %d belongs to %s: %w", id, reporter, ErrForbidden)
		}
		var revision int64
		if err := tx.QueryRow(ctx, insertRevision, id, editorID, now, viewID).Scan(&revision); errors.Is(err, pgx.ErrNoRows) {
			return nil // this edit was saved already
		} else if err != nil {
			return fmt.Errorf("record revision: %w", err)
		}
		names, keys, err := canonicalCompetitors(ctx, tx, f.Competitors)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, updateFeedback, id, now, f.Outcome, f.Account, centsOrNil(f.DealValue), f.Currency,
			f.Region, nonNil(names), nonNil(f.Reasons), f.WhatWorked, f.WhatDidnt, f.Verbatim, f.CRMURL, f.HideName,
			canonicalLostTo(f.LostTo, names)); err != nil {
			return fmt.Errorf("update feedback: %w", err)
		}
		if _, err := tx.Exec(ctx, insertNewCompetitors, keys, names, now); err != nil {
			return fmt.Errorf("record competitors: %w", err)
		}
		changed = true
		return s.enqueue(ctx, tx, TagFeedbackArgs{FeedbackIDs: []int64{id}}, FeedbackSavedArgs{FeedbackID: id, Edited: true})
	})
	if err != nil {
		return Feedback{}, false, fmt.Errorf("edit feedback: %w", err)
	}
	saved, err = s.Feedback(ctx, id)
	return saved, changed, err
}

const selectRecentFeedback = `SELECT ` + feedbackColumns + `
FROM feedback f WHERE f.reporter_id = $1 ORDER BY f.created_at DESC, f.id DESC LIMIT $2`

// RecentFeedback returns a rep's latest items, newest first.
func (s *Store) RecentFeedback(ctx context.Context, reporterID string, limit int) ([]Feedback, error) {
	return listFeedback(ctx, s.pool, "recent feedback", selectRecentFeedback, reporterID, limit)
}

const selectCompetitors = `
SELECT name FROM competitors
WHERE $1 = '' OR strpos(key, $1) > 0
ORDER BY (strpos(key, $1) = 1) DESC, mentions DESC, name
LIMIT $2`

// Competitors suggests known competitors matching what was typed, best first.
func (s *Store) Competitors(ctx context.Context, typed string, limit int) ([]string, error) {
	rows, err := s.pool.Query(ctx, selectCompetitors, CompetitorKey(typed), limit)
	if err != nil {
		return nil, fmt.Errorf("competitors: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("competitors: %w", err)
	}
	return names, nil
}

func centsOrNil(a *Amount) *int64 {
	if a == nil {
		return nil
	}
	return &a.Cents
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
