package measures_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/feedback/measures/measurestest"
	"github.com/vosbot/vosbot/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	store *measures.Store
	esc   *feedback.Store
	sc    *measures.Scorecard
	org   *feedback.Org
	mu    sync.Mutex
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), pool: pgtest.New(t), org: feedbacktest.Org(),
		now: time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)}
	f.sc = measurestest.Scorecard(time.UTC, nil)
	var err error
	if f.store, err = measures.NewStore(f.pool, measures.StoreOptions{Now: f.clock}); err != nil {
		t.Fatal(err)
	}
	if f.esc, err = feedback.NewStore(f.pool, feedback.StoreOptions{Now: f.clock}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) clock() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.now }

func (f *fixture) set(t time.Time) { f.mu.Lock(); f.now = t; f.mu.Unlock() }

func (f *fixture) week(s string) measures.Week {
	f.t.Helper()
	w, err := measures.ParseWeek(s)
	if err != nil {
		f.t.Fatal(err)
	}
	return w
}

func (f *fixture) record(team, week, by string, values map[string]float64) measures.RecordResult {
	f.t.Helper()
	res, err := f.store.Record(f.ctx, f.sc, measures.Report{Team: team, Week: f.week(week), Values: values, ReporterID: by, Source: measures.SourceSlack})
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

// jobs counts the jobs of a kind enqueued so far (args as JSON text containing match).
func (f *fixture) jobs(kind, match string) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND args::text LIKE '%' || $2 || '%'`, kind, match).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestRecordCorrectionIsAudited(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.record("billing", "2026-11-11", "U0FIN", map[string]float64{"invoices_on_time": 97})
	if len(res.Changed) != 1 || len(res.Corrected) != 0 {
		t.Fatalf("first report: %+v", res)
	}
	f.set(f.now.Add(time.Hour))
	res, err := f.store.Record(f.ctx, f.sc, measures.Report{Team: "billing", Week: f.week("2026-11-09"),
		Values: map[string]float64{"invoices_on_time": 93.5}, Note: "two invoices were late after all", ReporterID: "U0ADMIN", Source: measures.SourceAppHome})
	if err != nil || len(res.Corrected) != 1 {
		t.Fatalf("correction: %+v %v", res, err)
	}
	es, err := f.store.Entries(f.ctx, "billing", f.week("2026-11-09"))
	if err != nil || len(es) != 1 || es[0].Value != 93.5 || es[0].ReportedBy != "U0ADMIN" || es[0].Source != measures.SourceAppHome || !es[0].ReportedAt.Equal(f.now) {
		t.Fatalf("entries %+v %v", es, err)
	}
	revs, err := f.store.Revisions(f.ctx, "billing", "invoices_on_time", f.week("2026-11-09"))
	if err != nil || len(revs) != 1 {
		t.Fatalf("revisions %+v %v", revs, err)
	}
	if r := revs[0]; r.Value != 97 || r.ReportedBy != "U0FIN" || r.Source != measures.SourceSlack || r.ReplacedBy != "U0ADMIN" || !r.ReplacedAt.Equal(f.now) {
		t.Errorf("the earlier value was not kept as it was: %+v", r)
	}
	// The same answer again changes nothing and adds nothing to the trail.
	res, err = f.store.Record(f.ctx, f.sc, measures.Report{Team: "billing", Week: f.week("2026-11-09"),
		Values: map[string]float64{"invoices_on_time": 93.5}, Note: "two invoices were late after all", ReporterID: "U0FIN", Source: measures.SourceSlack})
	if err != nil || len(res.Changed) != 0 {
		t.Errorf("same again: %+v %v", res, err)
	}
	if revs, _ := f.store.Revisions(f.ctx, "billing", "invoices_on_time", f.week("2026-11-09")); len(revs) != 1 {
		t.Errorf("%d revisions after a repeat", len(revs))
	}
	// The audit trail cannot be rewritten.
	if _, err := f.pool.Exec(f.ctx, `UPDATE measure_revisions SET value = 100`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("revisions changed: %v", err)
	}
}

func TestRecordRefusesBadInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name string
		r    measures.Report
		want string
	}{
		{"unknown team", measures.Report{Team: "legal", Week: f.week("2026-11-09"), Values: map[string]float64{"x": 1}}, "unknown team"},
		{"unknown measure", measures.Report{Team: "billing", Week: f.week("2026-11-09"), Values: map[string]float64{"dso": 1}}, "has no measure \"dso\" (it has invoices_on_time)"},
		{"next week", measures.Report{Team: "billing", Week: f.week("2026-11-23"), Values: map[string]float64{"invoices_on_time": 1}}, "has not begun yet"},
		{"over a year ago", measures.Report{Team: "billing", Week: f.week("2025-11-10"), Values: map[string]float64{"invoices_on_time": 1}}, "more than a year ago"},
		{"negative percentage", measures.Report{Team: "billing", Week: f.week("2026-11-09"), Values: map[string]float64{"invoices_on_time": -1}}, "cannot be -1"},
		{"too large", measures.Report{Team: "billing", Week: f.week("2026-11-09"), Values: map[string]float64{"invoices_on_time": 2e12}}, "cannot be"},
		{"nothing", measures.Report{Team: "billing", Week: f.week("2026-11-09")}, "no value"},
		{"long note", measures.Report{Team: "billing", Week: f.week("2026-11-09"), Values: map[string]float64{"invoices_on_time": 1}, Note: strings.Repeat("x", 2001)}, "limit is 2000"},
	}
	for _, c := range cases {
		c.r.ReporterID, c.r.Source = "U0FIN", measures.SourceCLI
		if _, err := f.store.Record(f.ctx, f.sc, c.r); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// This week (not over yet) and a year ago are still accepted.
	f.record("billing", "2026-11-16", "U0FIN", map[string]float64{"invoices_on_time": 96})
	f.record("billing", "2025-11-17", "U0FIN", map[string]float64{"invoices_on_time": 96})
	var n int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM measure_values`).Scan(&n)
	if n != 2 {
		t.Errorf("%d values stored, want the 2 valid ones", n)
	}
}

// TestMissingIsNotZero: a week nobody reported has no value in the history, is missing
// in the series, and is left out of the average.
func TestMissingIsNotZero(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.record("product", "2026-11-09", "U0PM1", map[string]float64{"activation_rate": 50, "days_to_value": 10})
	f.record("product", "2026-10-26", "U0PM1", map[string]float64{"activation_rate": 30, "days_to_value": 20})
	h, err := f.store.History(f.ctx, f.week("2026-08-17"), f.week("2026-11-09"))
	if err != nil {
		t.Fatal(err)
	}
	m, _ := f.sc.Measure("product", "days_to_value")
	s := h.Series(m, f.week("2026-11-09"), measures.SeriesWeeks)
	gap := s[len(s)-2]
	if gap.Week != f.week("2026-11-02") || gap.Value != nil || gap.Status != measures.Missing {
		t.Errorf("the unreported week is %+v", gap)
	}
	if a := s.Average(measures.AverageWeeks); a == nil || *a != 15 {
		t.Errorf("average %v, want 15 (the missing week left out)", a)
	}
	if s.Last().Status != measures.Met || s[len(s)-3].Status != measures.Missed {
		t.Errorf("statuses %s %s", s.Last().Status, s[len(s)-3].Status)
	}
}

func TestAskOnceAnsweredForAllOwners(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	w := f.week("2026-11-09")
	owners := []string{"U0PM1", "U0PM2"}
	for i := range 2 {
		asked, err := f.store.OpenAsk(f.ctx, f.sc, "product", w, owners)
		if err != nil || asked != (i == 0) {
			t.Fatalf("ask %d: %v %v", i, asked, err)
		}
	}
	if n := f.jobs("measures_ask_dm", `"dm": "ask"`); n != 2 {
		t.Errorf("%d ask DMs queued, want one per owner", n)
	}
	// One measure reported: the ask stays open.
	if res := f.record("product", "2026-11-09", "U0PM2", map[string]float64{"activation_rate": 44}); res.Closed {
		t.Error("half the week answered the ask")
	}
	if a, err := f.store.Ask(f.ctx, "product", w); err != nil || a.Answered() {
		t.Errorf("ask %+v %v", a, err)
	}
	res := f.record("product", "2026-11-09", "U0PM2", map[string]float64{"activation_rate": 44, "days_to_value": 12})
	if !res.Closed {
		t.Error("the complete week did not answer the ask")
	}
	a, err := f.store.Ask(f.ctx, "product", w)
	if err != nil || !a.Answered() || a.AnsweredBy != "U0PM2" {
		t.Errorf("ask %+v %v", a, err)
	}
	if n := f.jobs("measures_ask_answered", `"team": "product"`); n != 1 {
		t.Errorf("%d answered jobs, want 1 (to update both owners' DMs)", n)
	}
	// A correction after the answer refreshes the DMs again, and never reopens the ask.
	f.record("product", "2026-11-09", "U0PM1", map[string]float64{"days_to_value": 13})
	if n := f.jobs("measures_ask_answered", `"team": "product"`); n != 2 {
		t.Errorf("%d answered jobs after a correction, want 2", n)
	}
	// Nobody is asked for a week that is already complete.
	f.record("billing", "2026-11-09", "U0FIN", map[string]float64{"invoices_on_time": 99})
	if asked, err := f.store.OpenAsk(f.ctx, f.sc, "billing", w, []string{"U0FIN"}); err != nil || asked {
		t.Errorf("asked for a complete week: %v %v", asked, err)
	}
	if _, err := f.store.Ask(f.ctx, "billing", w); err == nil {
		t.Error("an ask exists for the complete week")
	}
}

func TestRemindersAfterHalfADay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	owners := func(team string) []string {
		if tm, ok := f.org.Team(team); ok {
			return tm.Owners
		}
		return nil
	}
	asked := time.Date(2026, 11, 16, 10, 0, 0, 0, time.UTC)
	f.set(asked)
	for _, team := range []string{"product", "billing"} {
		if _, err := f.store.OpenAsk(f.ctx, f.sc, team, f.week("2026-11-09"), owners(team)); err != nil {
			t.Fatal(err)
		}
	}
	// Billing answers within the morning; product stays silent.
	f.set(asked.Add(2 * time.Hour))
	f.record("billing", "2026-11-09", "U0FIN", map[string]float64{"invoices_on_time": 96})
	f.set(asked.Add(12*time.Hour - time.Minute))
	if n, err := f.store.SendDueReminders(f.ctx, owners); err != nil || n != 0 {
		t.Fatalf("reminded before half a day: %d %v", n, err)
	}
	f.set(asked.Add(12 * time.Hour))
	if n, err := f.store.SendDueReminders(f.ctx, owners); err != nil || n != 1 {
		t.Fatalf("reminders after half a day: %d %v", n, err)
	}
	if n := f.jobs("measures_ask_dm", `"dm": "reminder"`); n != 2 {
		t.Errorf("%d reminder DMs, want one per silent product owner", n)
	}
	if n := f.jobs("measures_ask_dm", `"user": "U0FIN", "week": "2026-11-09", "dm": "reminder"`); n != 0 {
		t.Error("the owner who answered was reminded")
	}
	f.set(asked.Add(36 * time.Hour))
	if n, _ := f.store.SendDueReminders(f.ctx, owners); n != 0 {
		t.Errorf("reminded twice: %d", n)
	}
}

// TestEscalateAfterMisses: billing's invoices escalate after 3 misses in a row: not after
// 2, once at 3, not again while the run grows, again for a new run; a missing week ends
// a run; an old run found in a backfill raises nothing.
func TestEscalateAfterMisses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	m, _ := f.sc.Measure("billing", "invoices_on_time")
	escalate := func(week string) (feedback.Escalation, bool) {
		t.Helper()
		e, raised, err := f.store.EscalateMisses(f.ctx, f.esc, f.org, m, f.week(week))
		if err != nil {
			t.Fatal(err)
		}
		return e, raised
	}
	miss := func(week string) { f.record("billing", week, "U0FIN", map[string]float64{"invoices_on_time": 90}) }

	// An old run of five misses, backfilled: nothing.
	for _, w := range []string{"2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30"} {
		miss(w)
		if _, raised := escalate(w); raised {
			t.Fatalf("a run in March raised a dropped ball in November (week %s)", w)
		}
	}
	// Miss, miss, nobody reports, miss: no run of three.
	for _, w := range []string{"2026-10-12", "2026-10-19", "2026-11-02"} {
		miss(w)
		if _, raised := escalate(w); raised {
			t.Fatalf("raised at %s across a missing week", w)
		}
	}
	// Two misses: not yet.
	f.set(time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC))
	miss("2026-11-09")
	if _, raised := escalate("2026-11-09"); raised {
		t.Fatal("raised after 2 misses")
	}
	// Filling the gap with a miss makes a run of five, which is current: one dropped ball.
	miss("2026-10-26")
	e, raised := escalate("2026-10-26")
	if !raised {
		t.Fatal("no dropped ball after 5 misses in a row")
	}
	if e.ReporterID != feedback.ReporterVosbot || e.Team != "billing" || e.Source != feedback.SourceMeasure || e.Status != feedback.StatusOpen ||
		!strings.Contains(e.Summary, "Invoices sent on time missed its target (≥ 95%) 5 weeks running") ||
		!e.AckDueAt.Equal(f.now.Add(4*time.Hour)) {
		t.Errorf("escalation %+v", e)
	}
	// The run grows: no second dropped ball.
	f.set(time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC))
	miss("2026-11-16")
	if _, raised := escalate("2026-11-16"); raised {
		t.Error("a second dropped ball for the same run")
	}
	// Met, then three new misses: a new run, a new dropped ball.
	f.record("billing", "2026-11-23", "U0FIN", map[string]float64{"invoices_on_time": 99})
	var second feedback.Escalation
	for i, w := range []string{"2026-11-30", "2026-12-07", "2026-12-14"} {
		f.set(f.week(w).Add(1).Start(time.UTC).Add(10 * time.Hour))
		miss(w)
		e, raised := escalate(w)
		if raised != (i == 2) {
			t.Fatalf("week %s (miss %d of the new run): raised %v", w, i+1, raised)
		}
		second = e
	}
	ids, err := f.store.Escalations(f.ctx, "billing", "invoices_on_time")
	if err != nil || len(ids) != 2 || ids[0] != second.ID || ids[1] != e.ID {
		t.Errorf("linked escalations %v %v", ids, err)
	}
	// The job behind a report does the same, once.
	if n := f.jobs("measures_streak", `"measure": "invoices_on_time"`); n == 0 {
		t.Error("recording a value of an escalating measure queued no streak check")
	}
	w := &measures.StreakWorker{Store: f.store, Escalations: f.esc, Org: f.org, Scorecard: f.sc, Log: discard()}
	if err := w.Work(f.ctx, &river.Job[measures.StreakArgs]{Args: measures.StreakArgs{Team: "billing", Measure: "invoices_on_time", Week: "2026-12-14"}}); err != nil {
		t.Fatal(err)
	}
	var n int
	_ = f.pool.QueryRow(f.ctx, `SELECT count(*) FROM escalations WHERE source = 'measure'`).Scan(&n)
	if n != 2 {
		t.Errorf("%d dropped balls, want 2", n)
	}
	// The dropped ball tells its team, never "vosbot" as a reporter.
	if n := f.jobs("escalation_notify", `"recipient": "vosbot"`); n != 0 {
		t.Error("a notification was queued for the vosbot reporter")
	}
	if n := f.jobs("escalation_notify", `"recipient": "U0FIN"`); n != 2 {
		t.Errorf("%d notifications to the billing owner, want 2", n)
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	in := "team,measure,week,value,note\n" +
		"billing,invoices_on_time,2026-11-09,96%,\n" + // line 2
		"billing,invoices_on_time,2026-11-04,\"91.5\",'=late batch\n" + // 3: any date of the week; a note that looks like a formula
		"product,activation_rate,2026-11-09,lots,\n" + // 4
		"product,days_to_value,2026-11-30,3,\n" + // 5: a week in the future
		"product,days_to_value,2024-11-04,3,\n" + // 6: over a year ago
		"legal,contracts,2026-11-09,3,\n" + // 7
		"product,nps,2026-11-09,3,\n" + // 8
		"product,days_to_value,2026-11-09,\"1,2\",\n" + // 9
		"product,days_to_value,2026-11-09,12,\n" // 10
	rep, err := f.store.Import(f.ctx, f.sc, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Recorded != 3 || rep.Corrected != 0 || len(rep.Refused) != 6 {
		t.Fatalf("import %+v", rep)
	}
	wantRefused := map[int]string{4: "not a number", 5: "has not begun yet", 6: "more than a year ago", 7: "owns no measure", 8: "has no measure \"nps\"", 9: "use a dot for decimals"}
	for _, r := range rep.Refused {
		if !strings.Contains(r.Reason, wantRefused[r.Line]) {
			t.Errorf("line %d refused for %q, want %q", r.Line, r.Reason, wantRefused[r.Line])
		}
	}
	var csvOut bytes.Buffer
	if n, err := f.store.Export(f.ctx, &csvOut, feedback.FormatCSV); err != nil || n != 3 {
		t.Fatalf("export %d %v", n, err)
	}
	lines := strings.Split(strings.TrimSpace(csvOut.String()), "\n")
	if lines[0] != "team,measure,week,value,note,reported_by,reported_at,source" ||
		!strings.HasPrefix(lines[1], "billing,invoices_on_time,2026-11-02,91.5,'=late batch,import,2026-11-20T15:00:00Z,import") ||
		!strings.HasPrefix(lines[3], "product,days_to_value,2026-11-09,12,,import,") {
		t.Errorf("export:\n%s", csvOut.String())
	}
	// Its own export imports back as nothing new.
	rep, err = f.store.Import(f.ctx, f.sc, bytes.NewReader(csvOut.Bytes()))
	if err != nil || rep.Unchanged != 3 || rep.Recorded+rep.Corrected+len(rep.Refused) != 0 {
		t.Errorf("re-import %+v %v", rep, err)
	}
	var jsonOut bytes.Buffer
	if _, err := f.store.Export(f.ctx, &jsonOut, feedback.FormatJSON); err != nil {
		t.Fatal(err)
	}
	if first := strings.Split(jsonOut.String(), "\n")[0]; first != `{"team":"billing","measure":"invoices_on_time","week":"2026-11-02","value":91.5,"note":"=late batch","reported_by":"import","reported_at":"2026-11-20T15:00:00Z","source":"import"}` {
		t.Errorf("json line %s", first)
	}
	// A bad header is refused whole, naming the columns.
	if _, err := f.store.Import(f.ctx, f.sc, strings.NewReader("team,measure,wk,value,colour\n")); err == nil ||
		!strings.Contains(err.Error(), "unknown columns: wk, colour; missing required columns: week") {
		t.Errorf("bad header: %v", err)
	}
}

// TestForgetAndPurgeMeasures: forgetting a person anonymises who reported and their
// notes, keeping the team's values; purging removes history older than the date.
func TestForgetAndPurgeMeasures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.store.OpenAsk(f.ctx, f.sc, "billing", f.week("2026-11-09"), []string{"U0FIN"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Record(f.ctx, f.sc, measures.Report{Team: "billing", Week: f.week("2026-11-09"), Values: map[string]float64{"invoices_on_time": 97},
		Note: "my own words", ReporterID: "U0FIN", Source: measures.SourceSlack}); err != nil {
		t.Fatal(err)
	}
	f.record("billing", "2026-11-09", "U0ADMIN", map[string]float64{"invoices_on_time": 96})
	c, err := f.esc.Forget(f.ctx, "U0FIN", true)
	if err != nil || c.MeasureValues != 1 {
		t.Fatalf("forget %+v %v", c, err)
	}
	var n int
	_ = f.pool.QueryRow(f.ctx, `SELECT (SELECT count(*) FROM measure_values WHERE reported_by = 'U0FIN') + (SELECT count(*) FROM measure_revisions WHERE reported_by = 'U0FIN' OR note LIKE '%own words%')
	    + (SELECT count(*) FROM measure_asks WHERE answered_by = 'U0FIN')`).Scan(&n)
	if n != 0 {
		t.Errorf("%d traces of the forgotten owner", n)
	}
	if es, _ := f.store.Entries(f.ctx, "billing", f.week("2026-11-09")); len(es) != 1 || es[0].Value != 96 {
		t.Errorf("the team's value changed: %+v", es)
	}
	p, err := f.esc.Purge(f.ctx, f.now.Add(time.Hour), true)
	if err != nil || p.MeasureValues != 2 {
		t.Fatalf("purge %+v %v", p, err)
	}
	if h, _ := f.store.History(f.ctx, f.week("2026-11-09"), f.week("2026-11-09")); len(h) != 0 {
		t.Errorf("purged history remains: %+v", h)
	}
}
