package feedback_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/csvcell"
)

// hostileTexts are what the round trip must carry byte for byte.
var hostileTexts = []string{
	"Emoji 😅🚀 and a flag 🇫🇷",
	`Quotes "double" and 'single', commas, semicolons; all in one`,
	"Line one\nline two\n\nline four",
	"עברית מימין לשמאל and العربية too",
	"<!channel> <@U123> <https://evil.example|click> & &amp;",
	"'; DROP TABLE feedback; --",
	"  leading and trailing spaces  ",
	"tab\there and a zero-width\u200bjoiner",
}

func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, _, now := newStore(t)
	for i, text := range hostileTexts {
		*now = now.Add(time.Minute)
		d := draft(fmt.Sprint("V", i))
		d.Account, d.WhatWorked, d.WhatDidnt, d.Verbatim = text, text, strings.ToUpper(text), text
		d.Competitors = []string{"Gong", "Clari, Inc."}
		d.HideName = i%2 == 0
		f, errs := d.Validate(rules)
		if errs != nil {
			t.Fatalf("%q: %v", text, errs)
		}
		if _, _, err := src.SaveFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	var first bytes.Buffer
	n, err := src.ExportFeedback(ctx, &first, feedback.FormatCSV, feedback.Period{})
	if err != nil || n != len(hostileTexts) {
		t.Fatalf("export: %d, %v", n, err)
	}

	dst, _, _ := newStore(t)
	rep, err := dst.ImportFeedback(ctx, bytes.NewReader(first.Bytes()), rules)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != len(hostileTexts) || len(rep.Refused) != 0 {
		t.Fatalf("import: %+v", rep)
	}
	var second bytes.Buffer
	if _, err := dst.ExportFeedback(ctx, &second, feedback.FormatCSV, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Errorf("export → import → export changed the file:\nfirst:\n%s\nsecond:\n%s", first.String(), second.String())
	}

	// Texts survive exactly, column by column.
	recs, err := csv.NewReader(&second).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	colOf := func(name string) int {
		for i, h := range header {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	for i, text := range hostileTexts {
		row := recs[i+1]
		// A cell starting with ' carries one more (TestCSVFormulaCells).
		if row[colOf("account")] != csvcell.Escape(text) || row[colOf("verbatim")] != csvcell.Escape(text) || row[colOf("what_didnt")] != csvcell.Escape(strings.ToUpper(text)) {
			t.Errorf("row %d: %q / %q", i, row[colOf("account")], row[colOf("verbatim")])
		}
	}
	if got := strings.Join(header[:14], ","); got != "id,created_at,reporter_id,outcome,account,deal_value,currency,region,competitors,reasons,what_worked,what_didnt,themes,source" {
		t.Errorf("contract columns = %s", got)
	}

	// The same file again adds nothing.
	rep, err = dst.ImportFeedback(ctx, bytes.NewReader(first.Bytes()), rules)
	if err != nil || rep.Imported != 0 || rep.Duplicates != len(hostileTexts) {
		t.Errorf("second import: %+v %v", rep, err)
	}
}

func TestImportRefusesRowsNotFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	in := "outcome,account,deal_value,created_at,what_didnt\n" +
		"won,Acme,50k,2026-01-05,\n" +
		"maybe,Globex,,,\n" + // line 3: bad outcome
		"lost,,10k,,\n" + // line 4: no account
		"lost,Initech,lots,,\n" + // line 5: bad amount
		"\"lost\",\"Multi\nline\",,,\"said \"\"no\"\"\"\n" + // lines 6-7: fine
		"no_decision,Umbrella,,yesterday,\n" + // line 8: bad date
		"nd,Hooli,1 200,50 €,2026-02-01T10:00:00Z,ok\n" // line 9: an unquoted comma shifts the columns
	rep, err := s.ImportFeedback(ctx, strings.NewReader(in), rules)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for _, r := range rep.Refused {
		lines = append(lines, r.Line)
	}
	if fmt.Sprint(lines) != "[3 4 5 8 9]" || rep.Imported != 2 {
		t.Errorf("imported %d, refused lines %v (%+v)", rep.Imported, lines, rep.Refused)
	}
	var buf bytes.Buffer
	if _, err := s.ExportFeedback(ctx, &buf, feedback.FormatJSON, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&buf)
	var first map[string]any
	if err := dec.Decode(&first); err != nil {
		t.Fatal(err)
	}
	if first["account"] != "Acme" || first["created_at"] != "2026-01-05T00:00:00Z" || first["deal_value"] != 50000.0 {
		t.Errorf("first JSON line = %v", first)
	}
	if _, ok := first["competitors"].([]any); !ok {
		t.Errorf("list columns must be arrays: %v", first["competitors"])
	}
}

func TestImportColumns(t *testing.T) {
	t.Parallel()
	s, _, _ := newStore(t)
	_, err := s.ImportFeedback(context.Background(), strings.NewReader("outcome,account,mood,colour\nwon,Acme,happy,red\n"), rules)
	var ce *feedback.ColumnsError
	if !errors.As(err, &ce) || fmt.Sprint(ce.Unknown) != "[mood colour]" || !strings.Contains(err.Error(), "mood, colour") {
		t.Errorf("unknown columns: %v", err)
	}
	_, err = s.ImportFeedback(context.Background(), strings.NewReader("account\nAcme\n"), rules)
	if !errors.As(err, &ce) || fmt.Sprint(ce.Missing) != "[outcome]" {
		t.Errorf("missing outcome: %v", err)
	}
}

func TestExportPeriod(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, now := newStore(t)
	for i := range 5 {
		*now = time.Date(2026, 11, 1+i, 12, 0, 0, 0, time.UTC)
		f, _ := draft(fmt.Sprint("V", i)).Validate(rules)
		if _, _, err := s.SaveFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	n, err := s.ExportFeedback(ctx, &buf, feedback.FormatCSV, feedback.Period{Since: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)})
	if err != nil || n != 2 {
		t.Errorf("period export: %d rows, %v", n, err)
	}
}

func BenchmarkImport10k(b *testing.B) {
	ctx := context.Background()
	var in strings.Builder
	in.WriteString("outcome,account,deal_value,competitors,reasons,what_didnt,created_at\n")
	for i := range 10_000 {
		fmt.Fprintf(&in, "lost,Account %d,%dk,Gong;Clari,price,\"Too expensive, they said \"\"no\"\" (%d)\",2026-%02d-%02d\n", i, i%900+1, i, i%12+1, i%28+1)
	}
	for b.Loop() {
		b.StopTimer()
		s, _, _ := newStore(b)
		b.StartTimer()
		rep, err := s.ImportFeedback(ctx, strings.NewReader(in.String()), rules)
		if err != nil || rep.Imported != 10_000 {
			b.Fatalf("%+v %v", rep.Refused[:min(3, len(rep.Refused))], err)
		}
	}
}

func FuzzReadImport(f *testing.F) {
	f.Add("outcome,account\nwon,Acme\n")
	f.Add("outcome,account,deal_value,competitors,created_at,hide_name\nlost,\"A\"\"c\nme\",50k,Gong;Clari,2026-01-01,yes\n")
	f.Add("outcome,account\n\"unterminated,x\n")
	f.Add("\ufeffoutcome,account,what_didnt\nnd,Initech,\"<!channel>\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		lines := 0
		err := feedback.ReadImport(strings.NewReader(in), rules, time.Unix(0, 0), func(fb feedback.Feedback) error {
			if !fb.Outcome.Valid() || strings.TrimSpace(fb.Account) == "" || fb.Key == "" {
				t.Fatalf("accepted an invalid row: %+v", fb)
			}
			lines++
			return nil
		}, func(e feedback.RowError) {
			if e.Line < 1 || e.Reason == "" {
				t.Fatalf("refusal without line or reason: %+v", e)
			}
		})
		var ce *feedback.ColumnsError
		if err != nil && !errors.As(err, &ce) && !strings.Contains(err.Error(), "import:") {
			t.Fatalf("unexpected error: %v", err)
		}
	})
}
