package feedback_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var rules = feedback.Rules{Reasons: []string{"price", "missing_feature", "integration"}, Currency: "USD"}

func newStore(t testing.TB) (*feedback.Store, *pgxpool.Pool, *time.Time) {
	t.Helper()
	pool := pgtest.New(t)
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	s, err := feedback.NewStore(pool, feedback.StoreOptions{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s, pool, &now
}

func draft(key string) feedback.Draft {
	return feedback.Draft{
		ReporterID: "U0REP", Outcome: "lost", Account: "Acme <Corp> & \"Sons\"", DealValue: "$50k",
		Competitors: []string{"gong.io", "Clari"}, Reasons: []string{"price"},
		WhatDidnt: "Too expensive; <!channel> they said", Verbatim: "We'd love it at half the price 😅",
		Source: feedback.SourceSlashCommand, Key: key,
	}
}

func jobCount(t *testing.T, pool *pgxpool.Pool, kind string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM river_job WHERE kind = $1`, kind).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSaveFeedbackOncePerView(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	f, errs := draft("V1").Validate(rules)
	if errs != nil {
		t.Fatal(errs)
	}
	saved, created, err := s.SaveFeedback(ctx, f)
	if err != nil || !created {
		t.Fatalf("SaveFeedback = %v, %v", created, err)
	}
	if saved.ID == 0 || saved.Account != "Acme <Corp> & \"Sons\"" || saved.WhatDidnt != f.WhatDidnt || saved.Verbatim != f.Verbatim {
		t.Errorf("stored %+v", saved)
	}
	if saved.DealValue == nil || saved.DealValue.Cents != 5_000_000 || saved.Currency != "USD" {
		t.Errorf("deal value %+v %s", saved.DealValue, saved.Currency)
	}
	if !saved.CreatedAt.Equal(*now) {
		t.Errorf("created_at = %s, want the store clock %s", saved.CreatedAt, *now)
	}
	if !slices.Equal(saved.Competitors, []string{"Gong", "Clari"}) {
		t.Errorf("competitors = %q", saved.Competitors)
	}
	again, created, err := s.SaveFeedback(ctx, f)
	if err != nil || created || again.ID != saved.ID {
		t.Fatalf("repeat = %d, %v, %v; want the same item, not created", again.ID, created, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM feedback`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d rows, %v", n, err)
	}
	if got := jobCount(t, pool, "tag_feedback"); got != 1 {
		t.Errorf("tag jobs = %d, want 1 (enqueued with the record, not with the repeat)", got)
	}
	if got := jobCount(t, pool, "feedback_saved"); got != 1 {
		t.Errorf("confirmation jobs = %d, want 1", got)
	}
}

func TestCompetitorSpellingsCountAsOne(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	for i, spelling := range []string{"gong", "Gong.io", "GONG"} {
		d := draft(fmt.Sprint("V", i))
		d.Competitors = []string{spelling}
		f, errs := d.Validate(rules)
		if errs != nil {
			t.Fatal(errs)
		}
		saved, _, err := s.SaveFeedback(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(saved.Competitors, []string{"Gong"}) {
			t.Errorf("%q stored as %q, want the first spelling Gong", spelling, saved.Competitors)
		}
	}
	got, err := s.Competitors(ctx, "go", 10)
	if err != nil || !slices.Equal(got, []string{"Gong"}) {
		t.Errorf("suggestions for go = %q, %v", got, err)
	}
	if got, _ := s.Competitors(ctx, "", 10); len(got) != 1 {
		t.Errorf("all suggestions = %q", got)
	}
	if got, _ := s.Competitors(ctx, "%_", 10); len(got) != 1 {
		t.Errorf("wildcards are not special: %q", got)
	}
}

func TestCompetitorMentionsRanking(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	// Gorgias is named four times, Gong twice: with equal counts the type-ahead would
	// rank them alphabetically (Gong first).
	for i, names := range [][]string{{"Gong"}, {"Gorgias"}, {"gorgias"}, {"GORGIAS"}, {"Gong", "Gorgias"}} {
		d := draft(fmt.Sprint("M", i))
		d.Competitors = names
		f, errs := d.Validate(rules)
		if errs != nil {
			t.Fatal(errs)
		}
		if _, _, err := s.SaveFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.RefreshCompetitorMentions(ctx)
	if err != nil || n != 2 {
		t.Fatalf("recount changed %d counts, %v; want 2 (Gorgias 4, Gong 2)", n, err)
	}
	if n, _ := s.RefreshCompetitorMentions(ctx); n != 0 {
		t.Errorf("a second recount changed %d counts", n)
	}
	if got, _ := s.Competitors(ctx, "go", 10); !slices.Equal(got, []string{"Gorgias", "Gong"}) {
		t.Errorf("suggestions = %q, want the most named first", got)
	}
}

func TestEditFeedback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	f, _ := draft("V1").Validate(rules)
	saved, _, err := s.SaveFeedback(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(time.Hour)
	d := saved.ToDraft()
	d.Outcome, d.WhatDidnt, d.DealValue = "won", "Actually they came back", "60k"
	edit, errs := d.Validate(rules)
	if errs != nil {
		t.Fatal(errs)
	}
	if _, _, err := s.EditFeedback(ctx, saved.ID, "U0OTHER", "VEDIT1", false, edit); !errors.Is(err, feedback.ErrForbidden) {
		t.Fatalf("edit by another rep = %v, want ErrForbidden", err)
	}
	updated, changed, err := s.EditFeedback(ctx, saved.ID, "U0REP", "VEDIT1", false, edit)
	if err != nil || !changed {
		t.Fatalf("edit = %v, %v", changed, err)
	}
	if updated.ID != saved.ID || updated.Outcome != feedback.Won || updated.WhatDidnt != "Actually they came back" ||
		updated.DealValue.Cents != 6_000_000 || updated.EditCount != 1 || !updated.UpdatedAt.Equal(*now) || !updated.CreatedAt.Equal(saved.CreatedAt) {
		t.Errorf("after edit: %+v", updated)
	}
	if _, changed, err := s.EditFeedback(ctx, saved.ID, "U0REP", "VEDIT1", false, edit); err != nil || changed {
		t.Errorf("repeated edit submission: changed=%v err=%v, want a no-op", changed, err)
	}
	if _, changed, err := s.EditFeedback(ctx, saved.ID, "U0ADMIN", "VEDIT2", true, edit); err != nil || !changed {
		t.Errorf("admin edit: %v %v", changed, err)
	}
	var revisions int
	var previousOutcome string
	if err := pool.QueryRow(ctx, `SELECT count(*), min(previous->>'outcome') FILTER (WHERE view_id = 'VEDIT1') FROM feedback_revisions`).Scan(&revisions, &previousOutcome); err != nil {
		t.Fatal(err)
	}
	if revisions != 2 || previousOutcome != "lost" {
		t.Errorf("revisions = %d, first previous outcome %q; want 2 and lost", revisions, previousOutcome)
	}
	if _, _, err := s.EditFeedback(ctx, 999, "U0REP", "VEDIT3", false, edit); !errors.Is(err, feedback.ErrNotFound) {
		t.Errorf("edit of a missing item = %v", err)
	}
	if got := jobCount(t, pool, "tag_feedback"); got != 3 {
		t.Errorf("tag jobs = %d, want 3 (save + 2 edits)", got)
	}
}

func TestRecentFeedback(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, now := newStore(t)
	for i := range 12 {
		*now = now.Add(time.Minute)
		d := draft(fmt.Sprint("V", i))
		d.Account = fmt.Sprint("Account ", i)
		f, _ := d.Validate(rules)
		if _, _, err := s.SaveFeedback(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	other := draft("VX")
	other.ReporterID = "U0OTHER"
	f, _ := other.Validate(rules)
	if _, _, err := s.SaveFeedback(ctx, f); err != nil {
		t.Fatal(err)
	}
	got, err := s.RecentFeedback(ctx, "U0REP", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || got[0].Account != "Account 11" || got[9].Account != "Account 2" {
		t.Errorf("recent = %d items, first %q", len(got), got[0].Account)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	long := make([]rune, feedback.MaxText+1)
	for i := range long {
		long[i] = 'é'
	}
	tests := []struct {
		name  string
		edit  func(*feedback.Draft)
		field string
	}{
		{"no outcome", func(d *feedback.Draft) { d.Outcome = "" }, feedback.FieldOutcome},
		{"bad outcome", func(d *feedback.Draft) { d.Outcome = "maybe" }, feedback.FieldOutcome},
		{"blank account", func(d *feedback.Draft) { d.Account = "   " }, feedback.FieldAccount},
		{"bad amount", func(d *feedback.Draft) { d.DealValue = "lots" }, feedback.FieldDealValue},
		{"too long", func(d *feedback.Draft) { d.WhatWorked = string(long) }, feedback.FieldWhatWorked},
		{"too long verbatim", func(d *feedback.Draft) { d.Verbatim = string(long) }, feedback.FieldVerbatim},
		{"nul byte", func(d *feedback.Draft) { d.WhatDidnt = "a\x00b" }, feedback.FieldWhatDidnt},
		{"bad url", func(d *feedback.Draft) { d.CRMURL = "javascript:alert(1)" }, feedback.FieldCRMURL},
		{"unknown reason", func(d *feedback.Draft) { d.Reasons = []string{"vibes"} }, feedback.FieldReasons},
		{"region not listed", func(d *feedback.Draft) { d.Region = "Mars" }, feedback.FieldRegion},
	}
	r := rules
	r.Regions = []string{"NA", "EMEA"}
	for _, tt := range tests {
		d := draft("V")
		tt.edit(&d)
		_, errs := d.Validate(r)
		if errs[tt.field] == "" {
			t.Errorf("%s: no error on %s (errors: %v)", tt.name, tt.field, errs)
		}
		if len(errs) != 1 {
			t.Errorf("%s: errors on other fields too: %v", tt.name, errs)
		}
	}
	exact := draft("V")
	exact.WhatWorked = string(long[:feedback.MaxText])
	if _, errs := exact.Validate(r); errs != nil {
		t.Errorf("exactly %d characters refused: %v", feedback.MaxText, errs)
	}
	eur := draft("V")
	eur.DealValue = "1 200,50 €"
	f, errs := eur.Validate(r)
	if errs != nil || f.Currency != "EUR" || f.DealValue.Cents != 120050 {
		t.Errorf("€ amount: %+v %v", f, errs)
	}
}
