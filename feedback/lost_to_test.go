package feedback_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// TestValidateLostTo: who won a lost deal is one of its competitors, spelled as listed,
// or none; a winner not listed joins the competitors; any other outcome refuses it.
func TestValidateLostTo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		outcome, lostTo string
		want            string   // stored LostTo
		competitors     []string // stored competitors
		err             string   // part of the lost_to error, "" for none
	}{
		{"lost", "", "", []string{"Gong", "Clari"}, ""},
		{"lost", "  ", "", []string{"Gong", "Clari"}, ""},
		{"lost", "clari", "Clari", []string{"Gong", "Clari"}, ""},
		{"lost", "GONG", "Gong", []string{"Gong", "Clari"}, ""},
		{"lost", "Clari, Inc.", "Clari", []string{"Gong", "Clari"}, ""},
		{"lost", "chorus", "Chorus", []string{"Gong", "Clari", "Chorus"}, ""},
		{"lost", "None", feedback.LostToNone, []string{"Gong", "Clari"}, ""},
		{"lost", "None / no decision", feedback.LostToNone, []string{"Gong", "Clari"}, ""},
		{"lost", "no one", feedback.LostToNone, []string{"Gong", "Clari"}, ""},
		{"lost", "!!!", "", nil, "not a competitor's name"},
		{"lost", "a\x00b", "", nil, "NUL"},
		{"won", "Gong", "", nil, "Only a lost deal is lost to someone: this one is won"},
		{"won", "none", "", nil, "Only a lost deal"},
		{"no_decision", "Clari", "", nil, "this one is no decision"},
	}
	for _, tt := range tests {
		d := draft("V")
		d.Outcome, d.LostTo = tt.outcome, tt.lostTo
		f, errs := d.Validate(rules)
		if tt.err != "" {
			if !strings.Contains(errs[feedback.FieldLostTo], tt.err) || len(errs) != 1 {
				t.Errorf("%s lost to %q: errors %v, want only lost_to: …%s…", tt.outcome, tt.lostTo, errs, tt.err)
			}
			continue
		}
		if errs != nil {
			t.Errorf("%s lost to %q: %v", tt.outcome, tt.lostTo, errs)
			continue
		}
		if f.LostTo != tt.want || !slices.Equal(f.Competitors, tt.competitors) {
			t.Errorf("%s lost to %q: stored %q among %q, want %q among %q", tt.outcome, tt.lostTo, f.LostTo, f.Competitors, tt.want, tt.competitors)
		}
	}
	// A bad outcome is the error to fix first: no second one on lost_to.
	d := draft("V")
	d.Outcome, d.LostTo = "maybe", "Gong"
	if _, errs := d.Validate(rules); errs[feedback.FieldOutcome] == "" || errs[feedback.FieldLostTo] != "" {
		t.Errorf("bad outcome with lost_to: %v", errs)
	}
}

// TestLostToStored: the winner is stored spelled as the competitor was first named by
// anyone, survives an edit, and the database refuses a winner on a deal not lost or
// not among its competitors whatever the caller skipped.
func TestLostToStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	first := draft("V1")
	first.Competitors = []string{"Gong"}
	f, errs := first.Validate(rules)
	if errs != nil {
		t.Fatal(errs)
	}
	if _, _, err := s.SaveFeedback(ctx, f); err != nil {
		t.Fatal(err)
	}
	second := draft("V2")
	second.Competitors, second.LostTo = []string{"GONG"}, "gong.io"
	f, errs = second.Validate(rules)
	if errs != nil {
		t.Fatal(errs)
	}
	saved, _, err := s.SaveFeedback(ctx, f)
	if err != nil || saved.LostTo != "Gong" || !slices.Equal(saved.Competitors, []string{"Gong"}) {
		t.Fatalf("saved lost to %q among %q (%v), want Gong as first named", saved.LostTo, saved.Competitors, err)
	}
	if back, err := s.Feedback(ctx, saved.ID); err != nil || back.LostTo != "Gong" || back.ToDraft().LostTo != "Gong" {
		t.Errorf("read back lost to %q (%v)", back.LostTo, err)
	}

	// Edit: now lost to no one; then won, which must clear it.
	*now = now.Add(time.Hour)
	d := saved.ToDraft()
	d.LostTo = "none"
	edit, errs := d.Validate(rules)
	if errs != nil {
		t.Fatal(errs)
	}
	if updated, _, err := s.EditFeedback(ctx, saved.ID, "U0REP", "VE1", false, edit); err != nil || updated.LostTo != feedback.LostToNone {
		t.Errorf("edited lost to %q (%v), want none", updated.LostTo, err)
	}
	d.Outcome = "won"
	if _, errs := d.Validate(rules); errs[feedback.FieldLostTo] == "" {
		t.Errorf("a won deal kept its winner: %v", errs)
	}

	// The table's check, for any writer that skips Validate.
	bad := saved
	bad.Key, bad.Outcome = "V3", feedback.Won
	if _, _, err := s.SaveFeedback(ctx, bad); err == nil {
		t.Error("a won deal with lost_to was stored")
	}
	bad.Key, bad.Outcome, bad.LostTo = "V4", feedback.Lost, "Chorus"
	if _, _, err := s.SaveFeedback(ctx, bad); err == nil {
		t.Error("a winner missing from the competitors was stored")
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM feedback`).Scan(&n); err != nil || n != 2 {
		t.Errorf("%d rows (%v), want 2", n, err)
	}
}

// TestLostToExportImport: lost_to is exported after the contract's columns (CSV guarded
// against formulas, JSON as is), imported back, and export → import → export is byte
// for byte; a won row with lost_to is refused by line.
func TestLostToExportImport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, _, now := newStore(t)
	for i, lt := range []string{"Clari", "", "none", "@Chorus", "GONG.IO"} {
		*now = now.Add(time.Minute)
		d := draft(fmt.Sprint("V", i))
		d.LostTo = lt
		f, errs := d.Validate(rules)
		if errs != nil {
			t.Fatalf("%q: %v", lt, errs)
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
	col := csvColumn(t, recs, "lost_to")
	if col < 14 {
		t.Errorf("lost_to is column %d, want after the contract's 14", col)
	}
	var got []string
	for _, row := range recs[1:] {
		got = append(got, row[col]+"|"+row[csvColumn(t, recs, "competitors")])
	}
	if want := []string{"Clari|Gong;Clari", "|Gong;Clari", "none|Gong;Clari", "'@Chorus|Gong;Clari;@Chorus", "Gong|Gong;Clari"}; !slices.Equal(got, want) {
		t.Errorf("exported lost_to|competitors = %q, want %q", got, want)
	}
	var lines bytes.Buffer
	if _, err := src.ExportFeedback(ctx, &lines, feedback.FormatJSON, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(lines.String(), `"lost_to":"@Chorus"`) || !strings.Contains(lines.String(), `"lost_to":""`) {
		t.Errorf("JSON lines lack lost_to as stored:\n%s", lines.String())
	}

	dst, _, _ := newStore(t)
	rep, err := dst.ImportFeedback(ctx, bytes.NewReader(first.Bytes()), rules)
	if err != nil || rep.Imported != 5 || len(rep.Refused) != 0 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	var second bytes.Buffer
	if _, err := dst.ExportFeedback(ctx, &second, feedback.FormatCSV, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	if first.String() != second.String() {
		t.Errorf("export → import → export changed the file:\nfirst:\n%s\nsecond:\n%s", first.String(), second.String())
	}
	var jsonBack bytes.Buffer
	if _, err := dst.ExportFeedback(ctx, &jsonBack, feedback.FormatJSON, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(&jsonBack)
	var lostTo []any
	for dec.More() {
		var rec map[string]any
		if err := dec.Decode(&rec); err != nil {
			t.Fatal(err)
		}
		lostTo = append(lostTo, rec["lost_to"])
	}
	if fmt.Sprint(lostTo) != "[Clari  none @Chorus Gong]" {
		t.Errorf("imported lost_to = %q", lostTo)
	}

	in := "outcome,account,competitors,lost_to\n" +
		"lost,Acme,Gong,gong\n" +
		"won,Globex,Gong,Gong\n" + // line 3: a won deal lost to nobody
		"lost,Initech,,Chorus\n" +
		"lost,Hooli,,!!!\n" // line 5
	rep, err = dst.ImportFeedback(ctx, strings.NewReader(in), rules)
	if err != nil || rep.Imported != 2 || len(rep.Refused) != 2 || rep.Refused[0].Line != 3 || rep.Refused[1].Line != 5 ||
		!strings.Contains(rep.Refused[0].Reason, "lost_to: Only a lost deal") {
		t.Errorf("import with lost_to: %+v %v", rep, err)
	}
}

// TestLostToKeepsOldFilesDuplicates: a row without lost_to keeps the content key it had
// before the column existed, so a file imported before the upgrade adds nothing when
// imported again after it; a row that says who won is new content.
func TestLostToKeepsOldFilesDuplicates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	// The key as computed before lost_to: every column of the time but id, themes and
	// updated_at, in order.
	before := []string{"created_at", "reporter_id", "outcome", "account", "deal_value", "currency", "region",
		"competitors", "reasons", "what_worked", "what_didnt", "source", "verbatim", "crm_url", "message_url", "hide_name", "idempotency_key"}
	row := map[string]string{"outcome": "lost", "account": "Acme", "competitors": "Gong"}
	h := sha256.New()
	for _, c := range before {
		fmt.Fprintf(h, "%s\x00%s\x00", c, row[c])
	}
	want := "import:" + hex.EncodeToString(h.Sum(nil))[:32]

	in := "outcome,account,competitors,lost_to\nlost,Acme,Gong,\n"
	if rep, err := s.ImportFeedback(ctx, strings.NewReader(in), rules); err != nil || rep.Imported != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	var key string
	if err := pool.QueryRow(ctx, `SELECT idempotency_key FROM feedback`).Scan(&key); err != nil || key != want {
		t.Errorf("content key %q (%v), want %q as before lost_to existed", key, err, want)
	}
	if rep, err := s.ImportFeedback(ctx, strings.NewReader("outcome,account,competitors\nlost,Acme,Gong\n"), rules); err != nil || rep.Duplicates != 1 {
		t.Errorf("the same row without the column: %+v %v, want a duplicate", rep, err)
	}
	said := "outcome,account,competitors,lost_to\nlost,Acme,Gong,Gong\n"
	if rep, err := s.ImportFeedback(ctx, strings.NewReader(said), rules); err != nil || rep.Imported != 1 {
		t.Errorf("a row that says who won is new content: %+v %v", rep, err)
	}
}

// FuzzLostTo: whatever is typed, an accepted lost_to is empty, none, or exactly one of
// the stored competitors (what the table's check demands), and only on a lost deal.
func FuzzLostTo(f *testing.F) {
	for _, s := range [][3]string{{"lost", "gong.io;Clari", "GONG"}, {"lost", "", "None / no decision"}, {"won", "Gong", "Gong"},
		{"lost", "People.ai", "people"}, {"lost", "Acme, Inc.", "acme inc"}, {"lost", "", ";;"}, {"lost", "None", "none"}} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, outcome, competitors, lostTo string) {
		d := draft("V")
		d.Outcome, d.Competitors, d.LostTo = outcome, strings.Split(competitors, ";"), lostTo
		fb, errs := d.Validate(rules)
		if errs != nil {
			return
		}
		switch {
		case fb.LostTo == "":
			if strings.TrimSpace(lostTo) != "" {
				t.Fatalf("%q accepted and dropped", lostTo)
			}
		case fb.Outcome != feedback.Lost:
			t.Fatalf("%s deal lost to %q", fb.Outcome, fb.LostTo)
		case fb.LostTo != feedback.LostToNone && !slices.Contains(fb.Competitors, fb.LostTo):
			t.Fatalf("lost to %q, not among %q", fb.LostTo, fb.Competitors)
		}
	})
}
