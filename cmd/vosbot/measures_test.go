package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/internal/pgtest"
)

const measuresConfig = `timezone: America/New_York
teams:
  - key: billing
    name: Finance & Billing
    owners: [U0FIN]
    measures:
      - key: invoices_on_time
        name: Invoices sent on time
        target: 95
        unit: "%"
  - key: marketing
    owners: [U0MKT]
    measures:
      - key: qualified_leads
        name: Marketing qualified leads
        target: 150
        unit: leads
`

// TestMeasureConfigExitTwo: the configuration mistakes of issue 16 stop vosbot with
// exit 2 and file:line: reason.
func TestMeasureConfigExitTwo(t *testing.T) {
	t.Parallel()
	team := "teams:\n  - key: billing\n    owners: [U0FIN]\n    measures:\n"
	tests := []struct{ name, yaml, want string }{
		{"a third measure", team + "      - {key: a, target: 1}\n      - {key: b, target: 1}\n      - {key: c, target: 1}\n",
			`vosbot.yaml:7: teams[0].measures[2]: team "billing" has 3 measures; a team owns at most 2`},
		{"missing target", team + "      - key: invoices\n        unit: \"%\"\n", `vosbot.yaml:5: teams[0].measures[0]: measure "invoices" needs a target`},
		{"better sideways", team + "      - key: invoices\n        target: 95\n        better: sideways\n", `vosbot.yaml:7: teams[0].measures[0].better: better: "sideways" is not higher or lower`},
		{"bad ask cron", team + "      - key: invoices\n        target: 95\n        ask: \"0 25 * * MON\"\n", `vosbot.yaml:7: teams[0].measures[0].ask: invalid cron expression "0 25 * * MON"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "vosbot.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			code := report(&errb, run(context.Background(), []string{"migrate"}, &stdio{out: &out, err: &errb}, env(map[string]string{"VOS_CONFIG": path, "HOME": dir})))
			if code != 2 || !strings.Contains(lastLine(errb.String()), filepath.Join(dir, tt.want)) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, errb.String(), tt.want)
			}
		})
	}
}

// TestMeasuresCommands: record, correct, export and import through the commands, with
// the bad input of issue 16 refused with exit 2.
func TestMeasuresCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "vosbot.yaml")
	if err := os.WriteFile(cfg, []byte(measuresConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	e := env(map[string]string{"DATABASE_URL": pgtest.ConnString(t), "VOS_CONFIG": cfg, "HOME": dir, "VOS_LOG_FORMAT": "json"})
	vos := func(stdin string, args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := report(&errb, run(context.Background(), args, &stdio{in: strings.NewReader(stdin), out: &out, err: &errb}, e))
		return code, out.String(), errb.String()
	}
	ny, _ := time.LoadLocation("America/New_York")
	lastWeek := measures.LastComplete(time.Now(), ny)
	date := lastWeek.Add(0).Start(ny).AddDate(0, 0, 3).Format(time.DateOnly) // a Thursday: its week is meant

	code, out, errs := vos("", "measures", "record", "--team", "billing", "--measure", "invoices_on_time", "--week", date, "--value", "96.5%", "--by", "U0FIN")
	if code != 0 || !strings.Contains(out, "billing · invoices_on_time · "+lastWeek.Label()+": 96.5% (target ≥ 95%, met)") {
		t.Fatalf("record: exit %d, %q %q", code, out, errs)
	}
	code, out, _ = vos("", "measures", "record", "--team", "billing", "--measure", "invoices_on_time", "--week", lastWeek.String(), "--value", "93", "--note", "two late")
	if code != 0 || !strings.Contains(out, "93% (target ≥ 95%, missed); corrected from 96.5%, kept in the audit trail") {
		t.Fatalf("correction: exit %d, %q", code, out)
	}
	code, out, _ = vos("", "measures", "record", "--team", "marketing", "--measure", "qualified_leads", "--week", lastWeek.String(), "--value", "1.2k")
	if code != 0 || !strings.Contains(out, "1,200 leads") {
		t.Fatalf("1.2k: exit %d, %q", code, out)
	}

	// The digest shows them: Friday's preview of the week after.
	friday := lastWeek.Add(1).Start(ny).AddDate(0, 0, 4).Add(17 * time.Hour).Format(time.RFC3339)
	code, out, errs = vos("", "digest", "preview", "--at", friday)
	if code != 0 || !strings.Contains(out, "Revenue drivers · "+lastWeek.Label()) ||
		!strings.Contains(out, "🔴 Finance & Billing — Invoices sent on time: 93% · target ≥ 95%") ||
		!strings.Contains(out, "✅ marketing — Marketing qualified leads: 1,200 leads · target ≥ 150 leads") {
		t.Errorf("digest preview: exit %d %s\n%s", code, errs, out)
	}

	next := measures.WeekOf(time.Now(), ny).Add(1).String()
	old := time.Now().AddDate(-1, 0, -8).Format(time.DateOnly)
	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"--week", next, "--value", "90"}, "has not begun yet"},
		{[]string{"--week", old, "--value", "90"}, "more than a year ago"},
		{[]string{"--week", lastWeek.String(), "--value", "lots"}, `--value "lots": "lots" is not a number; type a number such as`},
		{[]string{"--week", lastWeek.String(), "--value", "NaN"}, "is not a number"},
		{[]string{"--week", lastWeek.String(), "--value", "1e400"}, "without an exponent"},
		{[]string{"--week", lastWeek.String(), "--value", "-5"}, "cannot be below zero"},
		{[]string{"--week", "last monday", "--value", "90"}, "is not a date such as 2026-11-16"},
		{[]string{"--week", lastWeek.String()}, "--value is required"},
	} {
		args := append([]string{"measures", "record", "--team", "billing", "--measure", "invoices_on_time"}, bad.args...)
		if code, _, errs := vos("", args...); code != 2 || !strings.Contains(errs, bad.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", bad.args, code, errs, bad.want)
		}
	}
	if code, _, errs := vos("", "measures", "record", "--team", "legal", "--measure", "x", "--week", lastWeek.String(), "--value", "1"); code != 2 || !strings.Contains(errs, `--team "legal" owns no measure (teams with measures: billing, marketing)`) {
		t.Errorf("unknown team: %d %q", code, errs)
	}

	code, csvOut, _ := vos("", "export", "measures")
	if code != 0 || !strings.HasPrefix(csvOut, "team,measure,week,value,note,reported_by,reported_at,source\n") ||
		!strings.Contains(csvOut, "billing,invoices_on_time,"+lastWeek.String()+",93,two late,cli,") ||
		!strings.Contains(csvOut, "marketing,qualified_leads,"+lastWeek.String()+",1200,,cli,") {
		t.Fatalf("export: %d\n%s", code, csvOut)
	}
	if code, out, _ := vos("", "export", "measures", "--format", "json"); code != 0 || !strings.Contains(out, `"value":1200`) {
		t.Errorf("export json: %d %s", code, out)
	}
	if code, _, errs := vos("", "export", "measures", "--since", "2026-01-01"); code != 2 || !strings.Contains(errs, "do not apply") {
		t.Errorf("export --since: %d %q", code, errs)
	}
	// The export imports back as nothing new; a backfill from a spreadsheet reports its refusals.
	if code, out, _ := vos(csvOut, "import", "measures"); code != 0 || !strings.Contains(out, "imported 0 measure values, 0 corrected, 2 already present, 0 refused") {
		t.Errorf("re-import: %d %q", code, out)
	}
	backfill := "team,measure,week,value\nbilling,invoices_on_time," + lastWeek.Add(-1).String() + ",97%\nbilling,invoices_on_time," + next + ",97\n"
	if code, out, _ := vos(backfill, "import", "measures", "--strict"); code != 1 || !strings.Contains(out, "imported 1 measure value, 0 corrected, 0 already present, 1 refused") || !strings.Contains(out, "line 3 refused: the week of "+next+" has not begun yet") {
		t.Errorf("backfill: %d %q", code, out)
	}
	if code, _, errs := vos("team,measure,when,value\n", "import", "measures"); code != 2 || !strings.Contains(errs, "unknown columns: when; missing required columns: week") {
		t.Errorf("bad header: %d %q", code, errs)
	}
}
