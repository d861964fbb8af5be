package feedback

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5"
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
	err := ReadCSV(r, "import deals", DealColumns, dealRequired, func(line int, get func(string) string) error {
		in := DealInput{
			CRM: get("crm"), DealID: get("deal_id"), Account: get("account"), Outcome: get("outcome"), Amount: get("amount"),
			Currency: get("currency"), ClosedAt: get("closed_at"), OwnerEmail: get("owner_email"), OwnerSlackID: get("owner_id"),
			CRMURL: get("crm_url"), Source: DealFromImport, Actor: "import",
		}
		if strings.TrimSpace(in.ClosedAt) == "" {
			rep.Refused = append(rep.Refused, RowError{Line: line, Reason: "closed_at: missing: when the deal closed (RFC 3339 or a date)"})
			return nil
		}
		got, err := s.ReceiveDeal(ctx, org, in)
		var fe FieldErrors
		if errors.As(err, &fe) {
			rep.Refused = append(rep.Refused, RowError{Line: line, Reason: fe.Error()})
			return nil
		}
		if err != nil {
			return fmt.Errorf("import deals: line %d: %w", line, err)
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
		return nil
	}, func(e RowError) { rep.Refused = append(rep.Refused, e) })
	return rep, err
}
