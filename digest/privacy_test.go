package digest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vosbot/vosbot/feedback"
)

// seedWeek files a week of feedback and escalations for U0AVA and others.
func seedWeek(t *testing.T, f *fixture, p Period) (raised feedback.Escalation) {
	t.Helper()
	in := p.Start.Add(24 * time.Hour)
	f.feedbackAt(in, "U0AVA", "lost", "NA", "100k", []string{"Gong"}, []string{"price"}, []string{"price"}, "Ava's prospect: too expensive", false)
	f.feedbackAt(in, "U0AVA", "won", "NA", "50k", nil, []string{"support"}, nil, "Ava's prospect loved support", false)
	f.feedbackAt(in, "U0BEN", "lost", "NA", "", []string{"Gong"}, []string{"price"}, nil, "Ben's prospect: pricey", false)
	f.now = in
	e, errs := feedback.EscalationDraft{ReporterID: "U0AVA", Team: "billing", Account: "Acme", Summary: "Ava says: invoice twice", Needed: "credit",
		Source: feedback.SourceImport, Key: "esc-ava"}.Validate(f.cfg)
	if errs != nil {
		t.Fatal(errs)
	}
	raised, _, err := f.store.RaiseEscalation(f.ctx, f.cfg, e)
	if err != nil {
		t.Fatal(err)
	}
	f.now = in.Add(time.Hour)
	if _, _, err := f.store.ApplyAct(f.ctx, f.cfg, feedback.Act{EscalationID: raised.ID, ActorID: "U0FIN", Action: feedback.ActionResolve, Note: "Fatima fixed it for Ava"}); err != nil {
		t.Fatal(err)
	}
	return raised
}

func TestForgetKeepsDigestNumbers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := testDefinitions()[0]
	p, _ := d.PeriodAt(time.Date(2026, 11, 20, 17, 0, 0, 0, f.cfg.Location))
	e := seedWeek(t, f, p)
	b := &Builder{Pool: f.pool, Org: f.cfg}
	before, err := b.Build(f.ctx, d, p)
	if err != nil {
		t.Fatal(err)
	}

	dry := snapshot(t, f)
	plan, err := f.store.Forget(f.ctx, "U0AVA", false)
	if err != nil {
		t.Fatal(err)
	}
	if plan.FeedbackReported != 2 || plan.EscalationsReported != 1 || plan.Events != 1 {
		t.Errorf("plan = %+v", plan)
	}
	unchanged(t, "forget's dry run", dry, snapshot(t, f))
	if _, err := f.store.Forget(f.ctx, "U0AVA", true); err != nil {
		t.Fatal(err)
	}
	// Forget the owner who wrote a resolution note, too.
	if _, err := f.store.Forget(f.ctx, "U0FIN", true); err != nil {
		t.Fatal(err)
	}
	after, err := b.Build(f.ctx, d, p)
	if err != nil {
		t.Fatal(err)
	}
	if before.Total() != after.Total() || before.FeedbackItems != after.FeedbackItems || before.Reporters != after.Reporters ||
		*before.WinRate != *after.WinRate || before.LossThemes[0].Count != after.LossThemes[0].Count ||
		before.Teams[1].Resolved != after.Teams[1].Resolved || before.EscalationsRaised != after.EscalationsRaised {
		t.Errorf("numbers changed:\nbefore %+v\nafter  %+v", before, after)
	}
	for _, v := range after.LossThemes[0].Verbatims {
		if v.ReporterID == "U0AVA" || strings.Contains(v.Text, "Ava") {
			t.Errorf("Ava still in the digest: %+v", v)
		}
	}
	for _, q := range []string{
		`SELECT count(*) FROM feedback WHERE reporter_id IN ('U0AVA', 'U0FIN') OR verbatim LIKE '%Ava%' OR what_didnt LIKE '%Ava%'`,
		`SELECT count(*) FROM escalations WHERE reporter_id = 'U0AVA' OR owner_id = 'U0FIN' OR summary LIKE '%Ava%' OR resolution LIKE '%Ava%'`,
		`SELECT count(*) FROM escalation_events WHERE actor_id IN ('U0AVA', 'U0FIN') OR note LIKE '%Ava%'`,
		`SELECT count(*) FROM feedback_revisions WHERE previous::text LIKE '%Ava%'`,
	} {
		if n := countWhere(t, f, q); n != 0 {
			t.Errorf("%d rows still name them: %s", n, q)
		}
	}
	// Ben is untouched.
	if n := countWhere(t, f, `SELECT count(*) FROM feedback WHERE reporter_id = 'U0BEN' AND verbatim = 'Ben''s prospect: pricey'`); n != 1 {
		t.Error("forgetting Ava changed Ben's feedback")
	}
	got, _ := f.store.Escalation(f.ctx, e.ID)
	if got.Status != feedback.StatusResolved || got.Summary != feedback.RemovedText {
		t.Errorf("escalation after forget: %+v", got)
	}
	if n := countWhere(t, f, `SELECT count(*) FROM privacy_log WHERE action = 'forget' AND subject LIKE 'hmac-sha256:%' AND subject NOT LIKE '%U0AVA%'`); n != 2 {
		t.Errorf("%d forget log rows, want 2 with hashed subjects", n)
	}
	// The audit trail is still append-only outside the privacy commands.
	if _, err := f.pool.Exec(f.ctx, `UPDATE escalation_events SET note = 'x'`); err == nil {
		t.Error("the audit trail accepted an update")
	}
	if _, err := f.pool.Exec(f.ctx, `DELETE FROM escalation_events`); err == nil {
		t.Error("the audit trail accepted a delete")
	}
}

// snapshot is every table of the database with its row count and a digest of its rows,
// to show that a dry run changed nothing anywhere (tables added later included).
func snapshot(t *testing.T, f *fixture) map[string]string {
	t.Helper()
	rows, err := f.pool.Query(f.ctx, `SELECT quote_ident(table_name) FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		var n int
		var sum string
		if err := f.pool.QueryRow(f.ctx, `SELECT count(*), COALESCE(md5(string_agg(r::text, ',' ORDER BY r::text)), '') FROM `+table+` r`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		out[table] = fmt.Sprintf("%d rows %s", n, sum)
	}
	if len(out) < 10 {
		t.Fatalf("only %d tables found: %v", len(out), tables)
	}
	return out
}

// unchanged fails the test for each table that differs between two snapshots.
func unchanged(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for table, b := range before {
		if a := after[table]; a != b {
			t.Errorf("%s changed %s: %s before, %s after", what, table, b, a)
		}
	}
	for table := range after {
		if _, ok := before[table]; !ok {
			t.Errorf("%s created table %s", what, table)
		}
	}
}

func countWhere(t *testing.T, f *fixture, q string) int {
	t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPurgeKeepsLaterDigests(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := testDefinitions()[0]
	p, _ := d.PeriodAt(time.Date(2026, 11, 20, 17, 0, 0, 0, f.cfg.Location))
	old := d.Previous(p, 10)[9] // ten weeks earlier
	seedWeek(t, f, old)
	// An old escalation still open: live work must stay.
	f.now = old.Start.Add(time.Hour)
	open, errs := feedback.EscalationDraft{ReporterID: "U0BEN", Team: "product", Summary: "still open", Source: feedback.SourceImport, Key: "open-old"}.Validate(f.cfg)
	if errs != nil {
		t.Fatal(errs)
	}
	if _, _, err := f.store.RaiseEscalation(f.ctx, f.cfg, open); err != nil {
		t.Fatal(err)
	}
	seedWeek2 := func() {
		in := p.Start.Add(48 * time.Hour)
		f.feedbackAt(in, "U0CAL", "won", "NA", "", nil, []string{"support"}, nil, "recent", false)
	}
	seedWeek2()
	b := &Builder{Pool: f.pool, Org: f.cfg}
	before, _ := b.Build(f.ctx, d, p)
	cut := p.Start.Add(-7 * 24 * time.Hour)
	dry := snapshot(t, f)
	plan, err := f.store.Purge(f.ctx, cut, false)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Feedback != 3 || plan.Escalations != 1 || plan.EscalationsKept != 1 {
		t.Errorf("plan = %+v", plan)
	}
	// The dry run deleted nothing, anywhere; the same purge for real does.
	unchanged(t, "purge's dry run", dry, snapshot(t, f))
	if _, err := f.store.Purge(f.ctx, cut, true); err != nil {
		t.Fatal(err)
	}
	after, _ := b.Build(f.ctx, d, p)
	if before.Total() != after.Total() || before.Teams[0].StillOpen != after.Teams[0].StillOpen || len(before.Overdue) != len(after.Overdue) {
		t.Errorf("a period after the purge date changed: before %+v after %+v", before, after)
	}
	if n := countWhere(t, f, `SELECT count(*) FROM feedback`); n != 1 {
		t.Errorf("%d feedback rows left, want the recent one", n)
	}
	if n := countWhere(t, f, `SELECT count(*) FROM escalations WHERE idempotency_key = 'open-old'`); n != 1 {
		t.Error("an open escalation was purged")
	}
	if n := countWhere(t, f, `SELECT count(*) FROM themes`); n != 3 {
		t.Error("themes were purged")
	}
}
