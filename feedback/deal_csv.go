package feedback

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/vosbot/vosbot/feedback/csvcell"
)

// DealColumns are `export deals`' columns: INTERFACE.md's, in order, then ours. An
// import takes the same names.
var DealColumns = []string{
	"crm", "deal_id", "account", "outcome", "amount", "currency", "closed_at", "owner_id", "nudged_at",
	"feedback_count", "status",
	// Extra columns, after the contract's.
	"owner_email", "crm_url", "skip_reason", "source", "created_at", "updated_at",
}

// dealRequired are the columns an import must have.
var dealRequired = []string{"crm", "deal_id", "account", "outcome", "closed_at"}

const selectDealsForExport = `SELECT ` + dealColumns + `
FROM deals d
WHERE ($1::timestamptz IS NULL OR d.closed_at >= $1) AND ($2::timestamptz IS NULL OR d.closed_at < $2)
ORDER BY d.closed_at, d.id`

// ExportDeals writes the deals closed in the period, oldest first, as CSV or JSON Lines.
func (s *Store) ExportDeals(ctx context.Context, w io.Writer, format string, p Period) (int, error) {
	tw, err := newTableWriter(w, format, DealColumns)
	if err != nil {
		return 0, err
	}
	rows, err := s.pool.Query(ctx, selectDealsForExport, timeOrNil(p.Since), timeOrNil(p.Until))
	if err != nil {
		return 0, fmt.Errorf("export deals: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		r, err := pgx.RowToStructByName[dealRow](rows)
		if err != nil {
			return n, fmt.Errorf("export deals: %w", err)
		}
		d := r.deal()
		owner := d.OwnerID
		if owner == "" {
			owner = d.OwnerSlackID
		}
		// Text cells a spreadsheet would run as a formula are guarded by the table writer.
		if err := tw.write(d.CRM, d.DealID, d.Account, string(d.Outcome), d.Amount, d.Currency, d.ClosedAt,
			owner, d.NudgedAt, int64(d.FeedbackCount), string(d.Status),
			d.OwnerEmail, d.CRMURL, d.SkipReason, string(d.Source), d.CreatedAt, d.UpdatedAt); err != nil {
			return n, fmt.Errorf("export deals: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("export deals: %w", err)
	}
	return n, tw.flush()
}

// DealColumnsError means an import file's header is unusable; it names the columns.
type DealColumnsError struct {
	Unknown []string
	Missing []string
}

func (e *DealColumnsError) Error() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, "unknown columns: "+strings.Join(e.Unknown, ", "))
	}
	if len(e.Missing) > 0 {
		parts = append(parts, "missing required columns: "+strings.Join(e.Missing, ", "))
	}
	return strings.Join(parts, "; ") + " (known columns: " + strings.Join(DealColumns, ", ") + ")"
}

// DealImportReport says what an import of deals did.
type DealImportReport struct {
	Created int
	// Updated deals were known with other values (a new outcome is a new state).
	Updated int
	// Present were known exactly as the file says.
	Present int
	Refused []RowError
	// Nudges are the new deals whose owners will be asked (closed within nudge_within).
	Nudges int
}

// ImportDeals loads closed deals from a CSV with export deals' column names (crm,
// deal_id, account, outcome and closed_at required), each row through ReceiveDeal like
// a webhook: refused rows are reported with their line and the rest go on, the same file
// twice adds nothing, and deals closed within nudge_within are nudged. nudged_at,
// feedback_count, status, skip_reason, source, created_at and updated_at are vosbot's
// own and ignored; owner_id is taken as the owner's Slack id.
func (s *Store) ImportDeals(ctx context.Context, org *Org, r io.Reader) (DealImportReport, error) {
	var rep DealImportReport
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return rep, &DealColumnsError{Missing: dealRequired}
	}
	if err != nil {
		return rep, fmt.Errorf("import deals: read header: %w", err)
	}
	col := map[string]int{}
	var unknown, missing []string
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(DealColumns, h) {
			unknown = append(unknown, h)
			continue
		}
		col[h] = i
	}
	for _, req := range dealRequired {
		if _, ok := col[req]; !ok {
			missing = append(missing, req)
		}
	}
	if len(unknown) > 0 || len(missing) > 0 {
		return rep, &DealColumnsError{Unknown: unknown, Missing: missing}
	}
	lastErrLine := -1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rep, nil
		}
		if err != nil {
			line := lastErrLine + 1
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			if line == lastErrLine {
				return rep, fmt.Errorf("import deals: cannot read past line %d: %w", line, err)
			}
			lastErrLine = line
			rep.Refused = append(rep.Refused, RowError{Line: line, Reason: "not valid CSV: " + err.Error()})
			continue
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return csvcell.Unescape(rec[i])
			}
			return ""
		}
		in := DealInput{
			CRM: get("crm"), DealID: get("deal_id"), Account: get("account"), Outcome: get("outcome"), Amount: get("amount"),
			Currency: get("currency"), ClosedAt: get("closed_at"), OwnerEmail: get("owner_email"), OwnerSlackID: get("owner_id"),
			CRMURL: get("crm_url"), Source: DealFromImport, Actor: "import",
		}
		if strings.TrimSpace(in.ClosedAt) == "" {
			rep.Refused = append(rep.Refused, RowError{Line: line, Reason: "closed_at: missing: when the deal closed (RFC 3339 or a date)"})
			continue
		}
		got, err := s.ReceiveDeal(ctx, org, in)
		var fe FieldErrors
		if errors.As(err, &fe) {
			rep.Refused = append(rep.Refused, RowError{Line: line, Reason: fe.Error()})
			continue
		}
		if err != nil {
			return rep, fmt.Errorf("import deals: line %d: %w", line, err)
		}
		switch got.Change {
		case DealCreated:
			rep.Created++
		case DealOutcomeChanged, DealUpdated:
			rep.Updated++
		default:
			rep.Present++
		}
		if got.NudgeAt != nil {
			rep.Nudges++
		}
	}
}
