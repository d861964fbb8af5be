package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// subjectAndFlags parses "export feedback --format json" and "export --format json feedback".
func (a *app) subjectAndFlags(fs *flag.FlagSet, args []string, subjects ...string) (string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return "", errHelp
		}
		return "", usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() == 0 {
		return "", usagef("%s: say what: %s", fs.Name(), strings.Join(subjects, " or "))
	}
	subject := fs.Arg(0)
	if err := a.parse(fs, fs.Args()[1:]); err != nil {
		return "", err
	}
	for _, s := range subjects {
		if s == subject {
			return subject, nil
		}
	}
	return "", usagef("%s: unknown %q: use %s", fs.Name(), subject, strings.Join(subjects, " or "))
}

// parseDate reads a --since/--until value: RFC 3339, or a date in the configured time
// zone (an --until date includes that whole day).
func parseDate(flagName, v string, loc *time.Location, endOfDay bool) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, usagef("--%s %q: use a date such as 2026-11-01 or a time such as 2026-11-01T09:00:00Z", flagName, v)
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

func cmdExport(ctx context.Context, a *app, args []string) error {
	fs := a.flags("export", "feedback|escalations|measures|deals [--format csv|json] [--since DATE] [--until DATE]",
		"Write every matching record to stdout: CSV (RFC 4180, one header row) or JSON Lines.\nDates are in the configured time zone; --until includes that day (for deals: the day they\nclosed). measures: every value (team,measure,week,value,note,reported_by,reported_at),\nwithout --since or --until.")
	format := fs.String("format", "csv", "csv or json (JSON Lines)")
	since := fs.String("since", "", "only records created on or after this date or time")
	until := fs.String("until", "", "only records created up to this date (inclusive) or before this time")
	subject, err := a.subjectAndFlags(fs, args, "feedback", "escalations", "measures", "deals")
	if err != nil {
		return err
	}
	if *format != feedback.FormatCSV && *format != feedback.FormatJSON {
		return usagef("export: --format %q: use csv or json", *format)
	}
	if subject == "measures" && (*since != "" || *until != "") {
		return usagef("export measures: --since and --until do not apply; it writes every week")
	}
	if err := a.setup(); err != nil {
		return err
	}
	if subject == "measures" {
		n, err := a.exportMeasures(ctx, a.io.out, *format)
		if err == nil {
			a.log.Info("exported", "records", n, "what", subject)
		}
		return err
	}
	var p feedback.Period
	if p.Since, err = parseDate("since", *since, a.cfg.Location, false); err != nil {
		return err
	}
	if p.Until, err = parseDate("until", *until, a.cfg.Location, true); err != nil {
		return err
	}
	store, closeStore, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	var n int
	switch subject {
	case "feedback":
		n, err = store.ExportFeedback(ctx, a.io.out, *format, p)
	case "escalations":
		n, err = store.ExportEscalations(ctx, a.io.out, *format, p)
	case "deals":
		n, err = exportDeals(ctx, a, store, *format, p)
	}
	if err != nil {
		return err
	}
	a.log.Info("exported", "records", n, "what", subject)
	return nil
}

func cmdImport(ctx context.Context, a *app, args []string) error {
	fs := a.flags("import", "feedback|measures|deals [--input FILE|-] [--strict]",
		"Load historical win/loss notes (feedback: outcome and account required), measure history\n(measures: team, measure, week and value required) or closed deals (deals: crm, deal_id,\naccount, outcome and closed_at required) from a CSV with the export's column names.\nRefused rows are reported with their line numbers and never stop the others.\nImporting the same file twice adds nothing the second time. Deals closed within\ndeals.nudge_within are nudged like webhook deals.")
	input := fs.String("input", "-", "CSV file to read, - for stdin")
	strict := fs.Bool("strict", false, "exit with status 1 when any row was refused")
	subject, err := a.subjectAndFlags(fs, args, "feedback", "measures", "deals")
	if err != nil {
		return err
	}
	if err := a.setup(); err != nil {
		return err
	}
	if subject == "measures" {
		return a.importMeasures(ctx, *input, *strict)
	}
	if subject == "deals" {
		return importDeals(ctx, a, *input, *strict)
	}
	r, closeInput, err := a.openInput("import", *input)
	if err != nil {
		return err
	}
	defer closeInput()
	store, closeStore, err := a.themeStore(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	// Reasons are checked against the catalogue as stored, with the themes admins
	// accepted: what the modal offers, an import accepts.
	cat, err := store.Catalogue.Current(ctx)
	if err != nil {
		return err
	}
	rules := feedback.Rules{Reasons: cat.Reasons().Keys(), Regions: a.cfg.Regions, Currency: a.cfg.Currency}
	rep, err := store.ImportFeedback(ctx, r, rules)
	var ce *feedback.ColumnsError
	if errors.As(err, &ce) {
		return usagef("import: %v", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.io.out, "imported %d feedback item%s, %d already present, %d refused\n", rep.Imported, plural(rep.Imported), rep.Duplicates, len(rep.Refused))
	for _, r := range rep.Refused {
		fmt.Fprintf(a.io.out, "  line %d refused: %s\n", r.Line, r.Reason)
	}
	if *strict && len(rep.Refused) > 0 {
		return fmt.Errorf("import: %d row%s refused", len(rep.Refused), plural(len(rep.Refused)))
	}
	return nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
