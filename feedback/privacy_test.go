package feedback_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
)

// traces names every stored text that holds needle: each text, varchar, text[], json and
// jsonb column of every table in the database (ours and River's), found in
// information_schema so that a table added later is searched too.
func traces(t *testing.T, pool *pgxpool.Pool, needle string) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := pool.Query(ctx, `
SELECT c.table_name, c.column_name
FROM information_schema.columns c
JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
  AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb')
       OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar', '_json', '_jsonb')))
ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[textColumn])
	if err != nil {
		t.Fatal(err)
	}
	if len(cols) < 20 {
		t.Fatalf("only %d text columns found: %v", len(cols), cols)
	}
	t.Logf("searching %d text columns of %d tables for %q", len(cols), countTables(cols), needle)
	var found []string
	for _, c := range cols {
		q := fmt.Sprintf(`SELECT count(*) FROM %s WHERE strpos(%s::text, $1) > 0`, pgx.Identifier{c.Table}.Sanitize(), pgx.Identifier{c.Name}.Sanitize())
		var n int
		if err := pool.QueryRow(ctx, q, needle).Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", c.Table, c.Name, err)
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%s.%s (%d rows)", c.Table, c.Name, n))
		}
	}
	return found
}

type textColumn struct{ Table, Name string }

func countTables(cols []textColumn) int {
	seen := map[string]bool{}
	for _, c := range cols {
		seen[c.Table] = true
	}
	return len(seen)
}

const (
	gone      = "U0PM1" // an owner of product, who also files feedback and raises
	goneWords = "Quokka-marmalade"
	keptWords = "Wombat-custard"
)

// seedPerson gives gone every kind of record and copy of their words, and another rep
// feedback whose words must stay.
func seedPerson(t *testing.T, ctx context.Context, s *feedback.Store, pool *pgxpool.Pool, now *time.Time) {
	t.Helper()
	cfg := feedbacktest.Org()
	save := func(key, reporter, words string) feedback.Feedback {
		d := draft(key)
		d.ReporterID = reporter
		d.WhatWorked, d.WhatDidnt, d.Verbatim = words+" liked our onboarding", words+" found us pricey", words+" said so out loud"
		f, errs := d.Validate(rules)
		if errs != nil {
			t.Fatal(errs)
		}
		saved, _, err := s.SaveFeedback(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}
	first := save("VG1", gone, goneWords)
	kept := save("VK1", "U0REP", keptWords)
	// An edit keeps the first version in the item's history.
	*now = now.Add(time.Minute)
	d := first.ToDraft()
	d.Verbatim = goneWords + " second version"
	edited, errs := d.Validate(rules)
	if errs != nil {
		t.Fatal(errs)
	}
	current, _, err := s.EditFeedback(ctx, first.ID, gone, "VG1-edit", false, edited)
	if err != nil {
		t.Fatal(err)
	}
	// What they raised, and a note they wrote as an owner.
	raised, errs := feedback.EscalationDraft{ReporterID: gone, Team: "billing", Account: "Acme", Severity: "high",
		Summary: goneWords + " invoice sent twice", Needed: goneWords + " needs a credit note", Source: feedback.SourceSlashCommand, Key: "VGE1"}.Validate(cfg)
	if errs != nil {
		t.Fatal(errs)
	}
	if _, _, err := s.RaiseEscalation(ctx, cfg, raised); err != nil {
		t.Fatal(err)
	}
	other := raise(t, s, cfg, "VRE1", "product")
	for _, a := range []feedback.Act{
		{EscalationID: other.ID, ActorID: gone, Action: feedback.ActionAcknowledge},
		{EscalationID: other.ID, ActorID: gone, Action: feedback.ActionResolve, Note: goneWords + " refunded them"},
	} {
		*now = now.Add(time.Minute)
		if _, _, err := s.ApplyAct(ctx, cfg, a); err != nil {
			t.Fatal(err)
		}
	}
	// Copies: theme examples (their current text, the first version, and another rep's),
	// an accepted theme learning from them, a model error quoting them, a DM sent to them.
	if err := s.Catalogue.AddEmerging(ctx, []catalogue.Emerging{
		{Name: "onboarding praise", Size: 3, Examples: []string{current.Text(), first.Text(), kept.Text()}, Origin: catalogue.MethodOffline},
		{Name: "pricey vendors", Size: 2, Examples: []string{current.Text()}, Origin: catalogue.MethodLLM},
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Catalogue.Accept(ctx, catalogue.EmergingKey("pricey vendors"), ""); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordLLMUsage(ctx, feedback.LLMUsage{Model: "m", Purpose: "tag", Error: `malformed: "` + goneWords + ` liked our onboarding" is not a theme`}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE river_job SET state = 'completed', finalized_at = now(), attempt = 1, attempted_at = now(),
        errors = ARRAY['{"error": "notify `+gone+` of escalation: timeout", "attempt": 1, "at": "2026-11-20T15:00:00Z"}'::jsonb]
        WHERE id = (SELECT min(id) FROM river_job WHERE args->>'recipient' = $1)`, gone); err != nil {
		t.Fatal(err)
	}
}

// TestForgetLeavesNoTrace looks in every table for the forgotten person's words and id.
func TestForgetLeavesNoTrace(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	seedPerson(t, ctx, s, pool, now)
	if len(traces(t, pool, goneWords)) < 6 || len(traces(t, pool, gone)) < 4 {
		t.Fatalf("the seed left too few traces to test: %v / %v", traces(t, pool, goneWords), traces(t, pool, gone))
	}

	plan, err := s.Forget(ctx, gone, false)
	if err != nil {
		t.Fatal(err)
	}
	if plan.ThemeExamples != 3 || plan.LLMErrors != 1 || plan.FinishedJobs != 1 || plan.FeedbackReported != 1 || plan.Events != 3 {
		t.Errorf("plan = %+v", plan)
	}
	before := traces(t, pool, goneWords)
	if _, err := s.Forget(ctx, gone, true); err != nil {
		t.Fatal(err)
	}
	if left := traces(t, pool, goneWords); len(left) > 0 {
		t.Errorf("their words are still in %v (were in %v)", left, before)
	}
	if left := traces(t, pool, gone); len(left) > 0 {
		t.Errorf("their id is still in %v", left)
	}
	// The other rep's words stay, as a record and as a theme example.
	if got := strings.Join(traces(t, pool, keptWords), ", "); got != "feedback.verbatim (1 rows), feedback.what_didnt (1 rows), feedback.what_worked (1 rows), themes.example_texts (1 rows)" {
		t.Errorf("the other rep's words are in %s, want their feedback and a theme example", got)
	}
	var examples []string
	if err := pool.QueryRow(ctx, `SELECT example_texts FROM themes WHERE key = $1`, catalogue.EmergingKey("onboarding praise")).Scan(&examples); err != nil {
		t.Fatal(err)
	}
	if len(examples) != 1 || !strings.HasPrefix(examples[0], keptWords) {
		t.Errorf("examples left: %q", examples)
	}
}

// TestPrivacyLogKeyedHash: the log names the person by HMAC-SHA256 under a secret made
// once per installation, never by a bare hash anyone could recompute.
func TestPrivacyLogKeyedHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	for range 2 {
		if _, err := s.Forget(ctx, gone, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Forget(ctx, "U0OTHER", true); err != nil {
		t.Fatal(err)
	}
	var secrets int
	var secret []byte
	if err := pool.QueryRow(ctx, `SELECT count(*), (SELECT secret FROM privacy_secret LIMIT 1) FROM privacy_secret`).Scan(&secrets, &secret); err != nil {
		t.Fatal(err)
	}
	if secrets != 1 || len(secret) != 32 {
		t.Fatalf("%d secrets of %d bytes, want one of 32", secrets, len(secret))
	}
	rows, err := pool.Query(ctx, `SELECT subject FROM privacy_log WHERE action = 'forget' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	subjects, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := feedback.SubjectHash(secret, gone)
	if len(subjects) != 3 || subjects[0] != want || subjects[1] != want || subjects[2] != feedback.SubjectHash(secret, "U0OTHER") || subjects[2] == want {
		t.Errorf("subjects %q, want %q twice then U0OTHER's", subjects, want)
	}
	// A fresh installation has another secret: its subjects cannot be matched with ours.
	s2, pool2, _ := newStore(t)
	if _, err := s2.Forget(ctx, gone, true); err != nil {
		t.Fatal(err)
	}
	var other string
	if err := pool2.QueryRow(ctx, `SELECT subject FROM privacy_log`).Scan(&other); err != nil {
		t.Fatal(err)
	}
	if other == want || !strings.HasPrefix(other, "hmac-sha256:") {
		t.Errorf("another installation logged %q", other)
	}
	if _, err := s.Forget(ctx, "U0X'; DROP TABLE feedback; --", false); err == nil {
		t.Error("forget of something that is not a user id")
	}
}

// TestPurgeRemovesThemeExamples: deleted feedback's words go from theme examples too.
func TestPurgeRemovesThemeExamples(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	old := time.Date(2025, 1, 10, 12, 0, 0, 0, time.UTC)
	*now = old
	d := draft("VOLD")
	d.Verbatim = goneWords + " from long ago"
	f, _ := d.Validate(rules)
	oldItem, _, err := s.SaveFeedback(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	*now = old.AddDate(1, 0, 0)
	d = draft("VNEW")
	d.Verbatim = keptWords + " this year"
	f, _ = d.Validate(rules)
	newItem, _, err := s.SaveFeedback(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Catalogue.AddEmerging(ctx, []catalogue.Emerging{{Name: "old and new", Size: 2, Examples: []string{oldItem.Text(), newItem.Text()}, Origin: catalogue.MethodOffline}}); err != nil {
		t.Fatal(err)
	}
	plan, err := s.Purge(ctx, old.AddDate(0, 6, 0), false)
	if err != nil || plan.Feedback != 1 || plan.ThemeExamples != 1 {
		t.Fatalf("plan = %+v, %v", plan, err)
	}
	if len(traces(t, pool, goneWords)) != 2 {
		t.Fatalf("a dry run removed words: %v", traces(t, pool, goneWords))
	}
	if _, err := s.Purge(ctx, old.AddDate(0, 6, 0), true); err != nil {
		t.Fatal(err)
	}
	if left := traces(t, pool, goneWords); len(left) > 0 {
		t.Errorf("purged words are still in %v", left)
	}
	if n := len(traces(t, pool, keptWords)); n != 2 {
		t.Errorf("recent words are in %v, want feedback and themes", traces(t, pool, keptWords))
	}
}
