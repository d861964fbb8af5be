package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// FeedbackColumns are the export's columns: INTERFACE.md's, in order, then ours.
var FeedbackColumns = []string{
	"id", "created_at", "reporter_id", "outcome", "account", "deal_value", "currency", "region",
	"competitors", "reasons", "what_worked", "what_didnt", "themes", "source",
	// Extra columns, after the contract's.
	"verbatim", "crm_url", "message_url", "hide_name", "updated_at", "idempotency_key",
	"lost_to",
	// The CRM's id of the deal the feedback answers (export only: an import does not link).
	"deal_id",
}

// lateColumns were added after files were first exported: a row's content key
// (contentKey) counts them only when set, so a file exported before they existed still
// imports as a duplicate of itself.
var lateColumns = []string{"lost_to", "deal_id"}

// Period bounds an export; a zero time leaves that side open. Until is exclusive.
type Period struct {
	Since, Until time.Time
}

const selectFeedbackForExport = `SELECT ` + feedbackColumns + `,
    (SELECT dl.deal_id FROM deals dl WHERE dl.id = f.deal_id) AS deal_ref
FROM feedback f
WHERE ($1::timestamptz IS NULL OR f.created_at >= $1) AND ($2::timestamptz IS NULL OR f.created_at < $2)
ORDER BY f.created_at, f.id`

// ExportFeedback writes every feedback item of the period, oldest first, as CSV or JSON Lines.
func (s *Store) ExportFeedback(ctx context.Context, w io.Writer, format string, p Period) (int, error) {
	tw, err := newTableWriter(w, format, FeedbackColumns)
	if err != nil {
		return 0, err
	}
	rows, err := s.pool.Query(ctx, selectFeedbackForExport, timeOrNil(p.Since), timeOrNil(p.Until))
	if err != nil {
		return 0, fmt.Errorf("export feedback: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		r, err := pgx.RowToStructByName[feedbackExportRow](rows)
		if err != nil {
			return n, fmt.Errorf("export feedback: %w", err)
		}
		f := r.feedback()
		themes := make([]string, len(f.Themes))
		for i, t := range f.Themes {
			themes[i] = t.Key
		}
		if err := tw.write(f.ID, f.CreatedAt, f.ReporterID, string(f.Outcome), f.Account, f.DealValue, f.Currency, f.Region,
			f.Competitors, f.Reasons, f.WhatWorked, f.WhatDidnt, themes, string(f.Source),
			f.Verbatim, f.CRMURL, f.MessageURL, f.HideName, f.UpdatedAt, f.Key, f.LostTo, deref(r.DealRef)); err != nil {
			return n, fmt.Errorf("export feedback: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export feedback: %w", err)
	}
	return n, tw.flush()
}

// feedbackExportRow is a feedback row with the CRM's id of its deal.
type feedbackExportRow struct {
	feedbackRow
	DealRef *string `db:"deal_ref"`
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// ColumnsError means an import file's header is unusable; it names the columns.
type ColumnsError struct {
	Unknown []string
	Missing []string
}

func (e *ColumnsError) Error() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, "unknown columns: "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required columns: "+strings.Join(e.Missing, ", "))
	}
	return strings.Join(parts, "; ") + " (known columns: " + strings.Join(FeedbackColumns, ", ") + ")"
}

// RowError is one refused import row.
type RowError struct {
	Line   int
	Reason string
}

// ImportReport says what an import did.
type ImportReport struct {
	Imported   int
	Duplicates int
	Refused    []RowError
	// IDs are the new items, for tagging.
	IDs []int64
}

// importBatch rows go in one transaction.
const importBatch = 500

// ImportFeedback loads historical feedback from a CSV with the export's column names
// (outcome and account required). A row is refused with its line number and the rest
// go on; a row already imported (same idempotency_key, or same content) adds nothing.
func (s *Store) ImportFeedback(ctx context.Context, r io.Reader, rules Rules) (ImportReport, error) {
	var rep ImportReport
	var batch []Feedback
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ids, dups, err := s.insertImported(ctx, batch)
		if err != nil {
			return err
		}
		rep.Imported += len(ids)
		rep.Duplicates += dups
		rep.IDs = append(rep.IDs, ids...)
		batch = batch[:0]
		return nil
	}
	err := ReadImport(r, rules, s.now(), func(f Feedback) error {
		batch = append(batch, f)
		if len(batch) >= importBatch {
			return flush()
		}
		return nil
	}, func(e RowError) { rep.Refused = append(rep.Refused, e) })
	if err != nil {
		return rep, err
	}
	return rep, flush()
}

// ReadImport parses an import CSV, calling accept with each valid row and refuse with
// each refused one. It fails only on an unusable header (a *ColumnsError) or a file
// it cannot read past.
func ReadImport(r io.Reader, rules Rules, now time.Time, accept func(Feedback) error, refuse func(RowError)) error {
	return ReadCSV(r, "import", FeedbackColumns, []string{"outcome", "account"}, func(line int, get func(string) string) error {
		f, reason := importRow(get, rules, now)
		if reason != "" {
			refuse(RowError{Line: line, Reason: reason})
			return nil
		}
		return accept(f)
	}, refuse)
}

// importRow validates one row like a modal submission; reason is why it is refused.
func importRow(get func(string) string, rules Rules, now time.Time) (Feedback, string) {
	d := Draft{
		ReporterID:  get("reporter_id"),
		Outcome:     get("outcome"),
		Account:     get("account"),
		DealValue:   get("deal_value"),
		Currency:    get("currency"),
		Region:      get("region"),
		Competitors: splitList(get("competitors")),
		LostTo:      get("lost_to"),
		Reasons:     splitList(get("reasons")),
		WhatWorked:  get("what_worked"),
		WhatDidnt:   get("what_didnt"),
		Verbatim:    get("verbatim"),
		CRMURL:      get("crm_url"),
		MessageURL:  get("message_url"),
		Source:      SourceImport,
		Key:         get("idempotency_key"),
	}
	if d.ReporterID == "" {
		d.ReporterID = "import"
	}
	switch src := Source(get("source")); src {
	case SourceSlashCommand, SourceMessageShortcut, SourceAppHome, SourceImport, SourceDemo, SourceDealNudge:
		// Restoring an export keeps where each record first came from.
		d.Source = src
	}
	switch strings.ToLower(strings.TrimSpace(get("hide_name"))) {
	case "", "false", "0", "no", "n":
	case "true", "1", "yes", "y":
		d.HideName = true
	default:
		return Feedback{}, fmt.Sprintf("hide_name %q is not true or false", truncate(get("hide_name"), 20))
	}
	d.CreatedAt = now
	if v := strings.TrimSpace(get("created_at")); v != "" {
		t, err := parseTime(v)
		if err != nil {
			return Feedback{}, fmt.Sprintf("created_at %q is not a date (use RFC 3339 such as 2026-11-20T15:04:05Z, or 2026-11-20)", truncate(v, 40))
		}
		d.CreatedAt = t
	}
	if d.Key == "" {
		d.Key = "import:" + contentKey(get)
	}
	f, errs := d.Validate(rules)
	if errs != nil {
		return Feedback{}, errs.Error()
	}
	if v := strings.TrimSpace(get("updated_at")); v != "" {
		if t, err := parseTime(v); err == nil {
			f.UpdatedAt = t
		}
	}
	return f, ""
}

func parseTime(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	return t.UTC(), err
}

// contentKey identifies a row by everything it says, so the same file imported twice
// adds nothing.
func contentKey(get func(string) string) string {
	h := sha256.New()
	for _, c := range FeedbackColumns {
		switch c {
		case "id", "themes", "updated_at":
			continue
		}
		if slices.Contains(lateColumns, c) && get(c) == "" {
			continue
		}
		fmt.Fprintf(h, "%s\x00%s\x00", c, get(c))
	}
	return hex.EncodeToString(h.Sum(nil))[:32]
}

const insertImportedFeedback = `
INSERT INTO feedback (created_at, updated_at, reporter_id, outcome, account, deal_value, currency,
    region, competitors, reasons, what_worked, what_didnt, verbatim, crm_url, message_url,
    hide_name, source, idempotency_key, lost_to)
VALUES ($1, $2, $3, $4, $5, $6::numeric / 100, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id`

// insertImported stores a batch in one transaction, with one tagging job for it.
func (s *Store) insertImported(ctx context.Context, batch []Feedback) (ids []int64, duplicates int, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ids, duplicates = nil, 0
		var allNames, allKeys []string
		for _, f := range batch {
			allNames = append(allNames, f.Competitors...)
		}
		canonical, keys, err := canonicalCompetitors(ctx, tx, allNames)
		if err != nil {
			return err
		}
		byKey := map[string]string{}
		for i, k := range keys {
			if _, seen := byKey[k]; !seen {
				byKey[k] = canonical[i]
				allKeys = append(allKeys, k)
			}
		}
		b := &pgx.Batch{}
		for _, f := range batch {
			names := make([]string, len(f.Competitors))
			for i, n := range f.Competitors {
				names[i] = byKey[CompetitorKey(n)]
			}
			updated := f.UpdatedAt
			if updated.IsZero() {
				updated = f.CreatedAt
			}
			b.Queue(insertImportedFeedback, f.CreatedAt, updated, f.ReporterID, f.Outcome, f.Account, centsOrNil(f.DealValue),
				f.Currency, f.Region, nonNil(names), nonNil(f.Reasons), f.WhatWorked, f.WhatDidnt, f.Verbatim, f.CRMURL,
				f.MessageURL, f.HideName, f.Source, f.Key, canonicalLostTo(f.LostTo, names))
		}
		results := tx.SendBatch(ctx, b)
		for range batch {
			var id int64
			err := results.QueryRow().Scan(&id)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				duplicates++
			case err != nil:
				_ = results.Close()
				return fmt.Errorf("insert imported feedback: %w", err)
			default:
				ids = append(ids, id)
			}
		}
		if err := results.Close(); err != nil {
			return fmt.Errorf("insert imported feedback: %w", err)
		}
		if len(allKeys) > 0 {
			names := make([]string, len(allKeys))
			for i, k := range allKeys {
				names[i] = byKey[k]
			}
			if _, err := tx.Exec(ctx, upsertCompetitors, allKeys, names, s.now()); err != nil {
				return fmt.Errorf("record competitors: %w", err)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		return s.enqueue(ctx, tx, TagFeedbackArgs{FeedbackIDs: ids})
	})
	if err != nil {
		return nil, 0, fmt.Errorf("import: %w", err)
	}
	return ids, duplicates, nil
}
