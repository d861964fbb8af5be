package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/measures"
)

// measuresReporter is who a value recorded from the command line is reported by when
// --by is not given.
const measuresReporter = "cli"

func cmdMeasures(ctx context.Context, a *app, args []string) error {
	fs := a.flags("measures", "record --team T --measure M --week DATE --value N [--note TEXT] [--by USER]",
		"Record (or correct) one team measure for the ISO week containing DATE, as an owner would from\n"+
			"Slack. A correction keeps the earlier value in the audit trail. The value may be typed as\n"+
			"people do: 95, 95%, 1,200, 1.2k or 3.5m. A week in the future or more than a year ago is refused.")
	team := fs.String("team", "", "team key (teams[].key)")
	measure := fs.String("measure", "", "measure key (teams[].measures[].key)")
	week := fs.String("week", "", "any date of the week, YYYY-MM-DD (in the configured time zone)")
	value := fs.String("value", "", "the week's value")
	note := fs.String("note", "", "optional note shown with the value")
	by := fs.String("by", measuresReporter, "who reported it (a Slack user ID)")
	if _, err := a.subjectAndFlags(fs, args, "record"); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"team", *team}, {"measure", *measure}, {"week", *week}, {"value", *value}} {
		if strings.TrimSpace(f.v) == "" {
			return usagef("measures record: --%s is required", f.name)
		}
	}
	if err := a.setup(); err != nil {
		return err
	}
	sc := a.scorecard()
	t, ok := sc.Team(*team)
	if !ok {
		return usagef("measures record: --team %q owns no measure (teams with measures: %s)", *team, strings.Join(teamsWithMeasures(sc), ", "))
	}
	m, ok := t.Measure(*measure)
	if !ok {
		return usagef("measures record: team %s has no measure %q (it has %s)", t.Key, *measure, strings.Join(measureKeys(t), ", "))
	}
	w, err := measures.ParseWeek(*week)
	if err != nil {
		return usagef("measures record: --week: %s", measures.Reason(err))
	}
	v, err := m.Parse(*value)
	if err != nil {
		return usagef("measures record: --value %q: %s", *value, measures.Reason(err))
	}
	store, closeStore, err := a.openMeasures(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	before, err := store.Entries(ctx, t.Key, w)
	if err != nil {
		return err
	}
	res, err := store.Record(ctx, sc, measures.Report{Team: t.Key, Week: w, Values: map[string]float64{m.Key: v},
		Note: *note, ReporterID: strings.TrimSpace(*by), Source: measures.SourceCLI})
	if errors.Is(err, measures.ErrFutureWeek) || errors.Is(err, measures.ErrOldWeek) || errors.Is(err, measures.ErrNote) || errors.Is(err, measures.ErrValue) {
		return usagef("measures record: %s", measures.Reason(err))
	}
	if err != nil {
		return err
	}
	line := fmt.Sprintf("%s · %s · %s: %s (target %s, %s)", t.Key, m.Key, w.Label(), m.Format(v), m.TargetLabel(), m.StatusOf(&v))
	switch {
	case len(res.Corrected) > 0:
		for _, e := range before {
			if e.Measure == m.Key {
				line += fmt.Sprintf("; corrected from %s, kept in the audit trail", m.Format(e.Value))
			}
		}
	case len(res.Changed) == 0:
		line += "; unchanged"
	}
	fmt.Fprintln(a.io.out, line)
	return nil
}

// openMeasures opens the database and the measures store on it.
func (a *app) openMeasures(ctx context.Context) (*measures.Store, func(), error) {
	fstore, closeStore, err := a.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	store, err := measures.NewStore(fstore.Pool(), measures.StoreOptions{Logger: a.log})
	if err != nil {
		closeStore()
		return nil, nil, err
	}
	return store, closeStore, nil
}

func teamsWithMeasures(sc *measures.Scorecard) []string {
	var out []string
	for _, t := range sc.Teams {
		out = append(out, t.Key)
	}
	if len(out) == 0 {
		return []string{"none configured (teams[].measures)"}
	}
	return out
}

func measureKeys(t measures.Team) []string {
	out := make([]string, len(t.Measures))
	for i, m := range t.Measures {
		out[i] = m.Key
	}
	return out
}

// exportMeasures writes the measure history (export measures).
func (a *app) exportMeasures(ctx context.Context, w io.Writer, format string) (int, error) {
	store, closeStore, err := a.openMeasures(ctx)
	if err != nil {
		return 0, err
	}
	defer closeStore()
	return store.Export(ctx, w, format)
}

// importMeasures loads measure history (import measures).
func (a *app) importMeasures(ctx context.Context, input string, strict bool) error {
	r, closeInput, err := a.openInput("import", input)
	if err != nil {
		return err
	}
	defer closeInput()
	store, closeStore, err := a.openMeasures(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	rep, err := store.Import(ctx, a.scorecard(), r)
	var ce *feedback.ColumnsError
	if errors.As(err, &ce) {
		return usagef("import: %v", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.io.out, "imported %d measure value%s, %d corrected, %d already present, %d refused\n",
		rep.Recorded, plural(rep.Recorded), rep.Corrected, rep.Unchanged, len(rep.Refused))
	for _, r := range rep.Refused {
		fmt.Fprintf(a.io.out, "  line %d refused: %s\n", r.Line, r.Reason)
	}
	if strict && len(rep.Refused) > 0 {
		return fmt.Errorf("import: %d row%s refused", len(rep.Refused), plural(len(rep.Refused)))
	}
	return nil
}
