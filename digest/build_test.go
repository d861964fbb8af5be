package digest

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/robfig/cron/v3"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testOrg is the shared sample organisation in New York time, as the digest tests read it.
func testOrg() *feedback.Org {
	o := feedbacktest.Org()
	o.Location = mustLoad("America/New_York")
	return o
}

// testDefinitions are a company-wide digest and an EMEA one, both Fridays at 16:00 New
// York time over the last week.
func testDefinitions() []Definition {
	sched, err := cron.ParseStandard("0 16 * * FRI")
	if err != nil {
		panic(err)
	}
	s := Schedule{Cron: sched, Location: mustLoad("America/New_York")}
	return []Definition{
		{Channel: "C0LEAD", Spec: "0 16 * * FRI", Schedule: s, Lookback: DefaultLookback},
		{Channel: "C0EMEA", Spec: "0 16 * * FRI", Schedule: s, Lookback: DefaultLookback, Filter: Filter{Region: "EMEA"}},
	}
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	pool  *pgxpool.Pool
	store *feedback.Store
	cfg   *feedback.Org
	now   time.Time
	seq   int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	cfg := testOrg()
	f := &fixture{t: t, ctx: context.Background(), pool: pgtest.New(t), cfg: cfg}
	var err error
	f.store, err = feedback.NewStore(f.pool, feedback.StoreOptions{Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.Catalogue.Sync(f.ctx, []catalogue.Theme{
		{Key: "price", Name: "Price or packaging", AppliesTo: []string{"won", "lost"}},
		{Key: "integration", Name: "Integrations", AppliesTo: []string{"won", "lost"}},
		{Key: "support", Name: "Support and customer success", AppliesTo: []string{"won", "lost"}},
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

// feedbackAt files one item at a time, with reasons and themes found in its text.
func (f *fixture) feedbackAt(at time.Time, reporter, outcome, region string, value string, competitors, reasons, textThemes []string, verbatim string, hide bool) {
	f.t.Helper()
	f.seq++
	f.now = at
	d := feedback.Draft{ReporterID: reporter, Outcome: outcome, Account: fmt.Sprint("Account ", f.seq), DealValue: value, Region: region,
		Competitors: competitors, Reasons: reasons, Verbatim: verbatim, WhatDidnt: "what didn't " + fmt.Sprint(f.seq), HideName: hide,
		Source: feedback.SourceImport, Key: fmt.Sprint("k", f.seq)}
	fb, errs := d.Validate(feedback.Rules{Reasons: []string{"price", "integration", "support"}, Currency: "USD"})
	if errs != nil {
		f.t.Fatal(errs)
	}
	saved, _, err := f.store.SaveFeedback(f.ctx, fb)
	if err != nil {
		f.t.Fatal(err)
	}
	for i, key := range textThemes {
		if _, err := f.pool.Exec(f.ctx, `INSERT INTO feedback_themes (feedback_id, theme_id, method, confidence, rank) SELECT $1, id, 'offline', 0.8, $3 FROM themes WHERE key = $2`, saved.ID, key, i+1); err != nil {
			f.t.Fatal(err)
		}
	}
}

func TestBuildFromStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	defs := testDefinitions()
	end := time.Date(2026, 11, 20, 16, 0, 0, 0, f.cfg.Location)
	p, err := defs[0].PeriodAt(end.Add(time.Hour))
	if err != nil || !p.End.Equal(end) {
		t.Fatalf("period %v %v", p, err)
	}
	in := p.Start.Add(24 * time.Hour)
	// This week: 3 won (one EUR), 4 lost, 1 no decision.
	f.feedbackAt(in, "U0AVA", "won", "NA", "100k", []string{"Gong"}, []string{"support"}, []string{"support"}, "Your support team is amazing", false)
	f.feedbackAt(in, "U0AVA", "won", "EMEA", "€50k", []string{"Clari"}, nil, []string{"support"}, "", false)
	f.feedbackAt(in, "U0BEN", "won", "NA", "20k", nil, []string{"price"}, nil, "", false)
	f.feedbackAt(in.Add(time.Hour), "U0BEN", "lost", "EMEA", "200k", []string{"Gong"}, []string{"price"}, []string{"price"}, "Half the price and we'd sign", false)
	f.feedbackAt(in.Add(2*time.Hour), "U0CAL", "lost", "NA", "300k", []string{"Gong", "Clari"}, []string{"price"}, nil, "Too expensive for us", true)
	f.feedbackAt(in.Add(3*time.Hour), "U0CAL", "lost", "NA", "", []string{"gong.io"}, nil, []string{"price", "integration"}, "", false)
	f.feedbackAt(in.Add(4*time.Hour), "U0DEE", "lost", "NA", "10k", nil, []string{"integration"}, []string{"integration"}, "No Salesforce sync", false)
	f.feedbackAt(in.Add(5*time.Hour), "U0DEE", "no_decision", "NA", "", nil, nil, nil, "", false)
	// Previous four weeks: 4 lost for price in all, 4 won: previous win rate 50%.
	for w := 1; w <= 4; w++ {
		at := p.Start.Add(-time.Duration(w)*7*24*time.Hour + time.Hour)
		f.feedbackAt(at, "U0AVA", "lost", "NA", "", nil, []string{"price"}, nil, "", false)
		f.feedbackAt(at, "U0AVA", "won", "NA", "", nil, nil, nil, "", false)
	}
	// After the period: must not count.
	f.feedbackAt(end.Add(time.Minute), "U0ZED", "lost", "NA", "", nil, []string{"price"}, nil, "", false)

	// Escalations: product raised two this week (one acknowledged in time and resolved
	// after 10h, one never acknowledged and overdue); billing has an old open one acknowledged
	// late and past its resolution date.
	raise := func(at time.Time, team, key string) feedback.Escalation {
		t.Helper()
		f.now = at
		e, errs := feedback.EscalationDraft{ReporterID: "U0AVA", Team: team, Account: "Acct " + key, Summary: "s", Severity: "high", Source: feedback.SourceImport, Key: key}.Validate(f.cfg)
		if errs != nil {
			t.Fatal(errs)
		}
		saved, _, err := f.store.RaiseEscalation(f.ctx, f.cfg, e)
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}
	act := func(at time.Time, id int64, actor string, a feedback.Action) {
		t.Helper()
		f.now = at
		if _, _, err := f.store.ApplyAct(f.ctx, f.cfg, feedback.Act{EscalationID: id, ActorID: actor, Action: a, Note: "done"}); err != nil {
			t.Fatal(err)
		}
	}
	e1 := raise(in, "product", "e1")
	act(in.Add(2*time.Hour), e1.ID, "U0PM1", feedback.ActionAcknowledge)
	act(in.Add(10*time.Hour), e1.ID, "U0PM1", feedback.ActionResolve)
	e2 := raise(in.Add(time.Hour), "product", "e2")
	old := raise(p.Start.Add(-20*24*time.Hour), "billing", "old")
	act(p.Start.Add(-18*24*time.Hour), old.ID, "U0FIN", feedback.ActionAcknowledge)

	b := &Builder{Pool: f.pool, Org: f.cfg, LLMEnabled: true}
	r, err := b.Build(f.ctx, defs[0], p)
	if err != nil {
		t.Fatal(err)
	}
	won, lost, nd := r.outcome(feedback.Won), r.outcome(feedback.Lost), r.outcome(feedback.NoDecision)
	if won.Count != 3 || lost.Count != 4 || nd.Count != 1 || won.Value != 12_000_000 || won.Other["EUR"] != 5_000_000 || lost.Value != 51_000_000 {
		t.Errorf("outcomes won %+v lost %+v nd %+v", won, lost, nd)
	}
	if r.WinRate == nil || *r.WinRate != 3.0/7 || r.PreviousWinRate == nil || *r.PreviousWinRate != 0.5 {
		t.Errorf("win rate %v previous %v", r.WinRate, r.PreviousWinRate)
	}
	if len(r.LossThemes) != 2 {
		t.Fatalf("loss themes %+v", r.LossThemes)
	}
	price := r.LossThemes[0]
	// price: items 4 (reason+text), 5 (reason), 6 (text) = 3; by rep 2, in text 2; previous 4 weeks 1 each.
	if price.Key != "price" || price.Count != 3 || price.ByRep != 2 || price.InText != 2 || price.PreviousAverage != 1 {
		t.Errorf("price = %+v", price)
	}
	// Quotes prove the theme: item 4 (rep and text agree) before item 6 (no reason given,
	// the text is about price); item 5's words were never found to be about price.
	if len(price.Verbatims) != 2 || price.Verbatims[0].Text != "Half the price and we'd sign" || price.Verbatims[0].ReporterID != "U0BEN" ||
		price.Verbatims[1].Text != "what didn't 6" || price.Verbatims[1].ReporterID != "U0CAL" {
		t.Errorf("price verbatims = %+v (agreeing items first, only items whose text is mainly about price)", price.Verbatims)
	}
	if in := r.LossThemes[1]; in.Key != "integration" || in.Count != 2 || in.ByRep != 1 || in.InText != 2 {
		t.Errorf("integration = %+v", in)
	}
	if len(r.WinThemes) != 2 || r.WinThemes[0].Key != "support" || r.WinThemes[0].Count != 2 || r.WinThemes[1].Key != "price" {
		t.Errorf("win themes = %+v", r.WinThemes)
	}
	// Nobody said who won these deals: lost where present, never lost to it.
	if got := fmt.Sprintf("%+v", r.Competitors); got != "[{Name:Gong Met:4 Won:1 LostTo:0 LostToValue:0 LostToOther:map[] LostElsewhere:0 LostPresent:3 NoDecision:0 LostToTrend:[0 0 0 0]} "+
		"{Name:Clari Met:2 Won:1 LostTo:0 LostToValue:0 LostToOther:map[] LostElsewhere:0 LostPresent:1 NoDecision:0 LostToTrend:[0 0 0 0]}]" {
		t.Errorf("competitors = %+v", r.Competitors)
	}
	if r.Reporters != 4 || r.FeedbackItems != 8 || r.EscalationsRaised != 2 {
		t.Errorf("participation %d reps %d items %d raised", r.Reporters, r.FeedbackItems, r.EscalationsRaised)
	}
	if len(r.Teams) != 2 {
		t.Fatalf("teams = %+v", r.Teams)
	}
	prod, bill := r.Teams[0], r.Teams[1]
	if prod.Name != "Product" || prod.Raised != 2 || prod.AckDecided != 2 || prod.AckOnTime != 1 || prod.Resolved != 1 || prod.MedianResolve != 10*time.Hour || prod.StillOpen != 1 || prod.OldestOpenID != e2.ID {
		t.Errorf("product = %+v", prod)
	}
	if bill.Raised != 0 || bill.StillOpen != 1 || bill.OldestOpenID != old.ID || bill.OldestOpenAge != 27*24*time.Hour {
		t.Errorf("billing = %+v", bill)
	}
	if len(r.Overdue) != 2 || r.Overdue[0].ID != old.ID || r.Overdue[0].What != "resolve" || r.Overdue[0].Owners[0] != "U0FIN" ||
		r.Overdue[1].ID != e2.ID || r.Overdue[1].What != "acknowledge" || len(r.Overdue[1].Owners) != 2 {
		t.Errorf("overdue = %+v", r.Overdue)
	}
	if r.LLM == nil || r.LLM.Calls != 0 {
		t.Errorf("llm = %+v", r.LLM)
	}

	// The regional digest only counts EMEA feedback; the scorecard is company-wide.
	emea, err := b.Build(f.ctx, defs[1], p)
	if err != nil {
		t.Fatal(err)
	}
	if emea.Total() != 2 || emea.FeedbackItems != 2 || len(emea.Teams) != 2 {
		t.Errorf("EMEA: %d deals, %d items, %d teams", emea.Total(), emea.FeedbackItems, len(emea.Teams))
	}

	// A week with nothing filed is empty but still names overdue work.
	quiet, err := b.Build(f.ctx, defs[0], Period{Start: p.End.Add(30 * 24 * time.Hour), End: p.End.Add(37 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if quiet.FeedbackItems != 0 || quiet.Total() != 0 || quiet.WinRate != nil || len(quiet.Overdue) != 2 {
		t.Errorf("quiet week: %+v", quiet)
	}
}

// TestBuildLoopFromStore: the scorecard's reopened, confirmed and escalated come from
// the period's audit trail, per team; the top performers' escalations are counted with
// their open ones named.
func TestBuildLoopFromStore(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	defs := testDefinitions()
	end := time.Date(2026, 11, 20, 16, 0, 0, 0, f.cfg.Location)
	p, err := defs[0].PeriodAt(end)
	if err != nil {
		t.Fatal(err)
	}
	before := p.Start.Add(-30 * 24 * time.Hour)
	// Four reps with won deals; U0AVA and U0BEN are the top half.
	for i, rep := range []string{"U0AVA", "U0BEN", "U0CAL", "U0DEE"} {
		f.feedbackAt(before, rep, "won", "NA", fmt.Sprintf("%dk", 400-100*i), nil, nil, nil, "", false)
	}
	raise := func(at time.Time, reporter, team, key string) feedback.Escalation {
		t.Helper()
		f.now = at
		e, errs := feedback.EscalationDraft{ReporterID: reporter, Team: team, Account: "Acct " + key, Summary: "s", Severity: "high",
			Source: feedback.SourceSlashCommand, Key: key}.Validate(f.cfg)
		if errs != nil {
			t.Fatal(errs)
		}
		saved, _, err := f.store.RaiseEscalation(f.ctx, f.cfg, e)
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}
	act := func(at time.Time, id int64, actor string, a feedback.Action) {
		t.Helper()
		f.now = at
		if _, _, err := f.store.ApplyAct(f.ctx, f.cfg, feedback.Act{EscalationID: id, ActorID: actor, Action: a, Note: "done"}); err != nil {
			t.Fatal(err)
		}
	}
	answer := func(at time.Time, id int64, reporter string, a feedback.Action) {
		t.Helper()
		f.now = at
		if _, _, err := f.store.AnswerAsReporter(f.ctx, f.cfg, feedback.ReporterAnswer{EscalationID: id, ReporterID: reporter, Action: a, Reply: "still broken"}); err != nil {
			t.Fatal(err)
		}
	}
	in := p.Start.Add(time.Hour)
	// Product: one fixed and confirmed, one fixed and reopened (still open at the end).
	fixed := raise(in, "U0AVA", "product", "fixed")
	act(in.Add(time.Hour), fixed.ID, "U0PM1", feedback.ActionResolve)
	answer(in.Add(2*time.Hour), fixed.ID, "U0AVA", feedback.ActionConfirm)
	broken := raise(in, "U0CAL", "product", "broken")
	act(in.Add(time.Hour), broken.ID, "U0PM1", feedback.ActionResolve)
	answer(in.Add(3*time.Hour), broken.ID, "U0CAL", feedback.ActionReopen)
	// Billing: nobody answers; the third reminder escalates. The reopened product one is
	// not acknowledged again either, and escalates too.
	ignored := raise(in, "U0BEN", "billing", "ignored")
	for _, after := range []time.Duration{5 * time.Hour, 29*time.Hour + time.Minute, 53*time.Hour + 2*time.Minute, 77*time.Hour + 3*time.Minute} {
		f.now = in.Add(after)
		if _, err := f.store.SendDueReminders(f.ctx, f.cfg); err != nil {
			t.Fatal(err)
		}
	}
	// Before the period: a top performer's dropped ball confirmed last month counts
	// neither as raised nor as confirmed in this period.
	old := raise(before, "U0AVA", "billing", "old")
	act(before.Add(time.Hour), old.ID, "U0FIN", feedback.ActionResolve)
	answer(before.Add(2*time.Hour), old.ID, "U0AVA", feedback.ActionConfirm)

	r, err := (&Builder{Pool: f.pool, Org: f.cfg}).Build(f.ctx, defs[0], p)
	if err != nil {
		t.Fatal(err)
	}
	prod, bill := r.Teams[0], r.Teams[1]
	if prod.Key != "product" || prod.Confirmed != 1 || prod.Reopened != 1 || prod.Escalated != 1 || prod.Raised != 2 || prod.Resolved != 1 || prod.TopPerformerRaised != 1 || prod.StillOpen != 1 {
		t.Errorf("product = %+v", prod)
	}
	if bill.Key != "billing" || bill.Escalated != 1 || bill.Confirmed != 0 || bill.Reopened != 0 || bill.TopPerformerRaised != 1 {
		t.Errorf("billing = %+v", bill)
	}
	tp := r.TopPerformers
	if tp == nil || tp.Raised != 2 || tp.StillOpen != 1 || len(tp.Open) != 1 || tp.Open[0].ID != ignored.ID || tp.Open[0].TeamName != "Finance & Billing" {
		t.Fatalf("top performers = %+v", tp)
	}
	sum := r.Summary()
	if sum["teams"].(map[string]map[string]int)["billing"]["escalated"] != 1 || sum["top_performers"].(map[string]int)["raised"] != 2 {
		t.Errorf("summary = %v", sum)
	}
	text := PlainText(r, nil)
	for _, want := range []string{"From top performers — raised 2 this period · still open 1: #" + fmt.Sprint(ignored.ID) + " Finance & Billing",
		"Product — raised 2 (1 from top performers)", "resolved 1 (median 1h 0m) · confirmed by the reporter 1 · reopened 1 · escalated past owners 1", "escalated past owners 1"} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "U0AVA") || strings.Contains(text, "U0BEN") {
		t.Errorf("the digest names a top performer:\n%s", text)
	}
}

// TestQuotesProveTheirTheme: a quote under a theme comes from an item whose text has that
// theme as its dominant one and whose rep did not name another reason; an item where
// the theme is third of three is never quoted under it.
func TestQuotesProveTheirTheme(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	d := testDefinitions()[0]
	end := time.Date(2026, 11, 20, 16, 0, 0, 0, f.cfg.Location)
	p, err := d.PeriodAt(end)
	if err != nil {
		t.Fatal(err)
	}
	in := p.Start.Add(24 * time.Hour)
	f.feedbackAt(in, "U0AVA", "lost", "NA", "", nil, []string{"price"}, []string{"price"}, "A: rep and words agree on price", false)
	f.feedbackAt(in.Add(time.Hour), "U0BEN", "lost", "NA", "", nil, []string{"integration"}, []string{"price"}, "B: rep says integration, words say price", false)
	f.feedbackAt(in.Add(2*time.Hour), "U0CAL", "lost", "NA", "", nil, nil, []string{"integration", "support", "price"}, "C: price only third", false)
	f.feedbackAt(in.Add(3*time.Hour), "U0DEE", "lost", "NA", "", nil, []string{"price"}, nil, "D: words never tagged", false)
	f.feedbackAt(in.Add(4*time.Hour), "U0EVE", "lost", "NA", "", nil, nil, []string{"price"}, "E: no reason given, words about price", false)
	r, err := (&Builder{Pool: f.pool, Org: f.cfg}).Build(f.ctx, d, p)
	if err != nil {
		t.Fatal(err)
	}
	quotes := map[string][]string{}
	for _, th := range r.LossThemes {
		for _, v := range th.Verbatims {
			quotes[th.Key] = append(quotes[th.Key], v.Text[:1])
			var dominant string
			if err := f.pool.QueryRow(f.ctx, `SELECT t.key FROM feedback f JOIN feedback_themes ft ON ft.feedback_id = f.id AND ft.rank = 1
                JOIN themes t ON t.id = ft.theme_id WHERE f.verbatim = $1`, v.Text).Scan(&dominant); err != nil {
				t.Fatalf("quote %q: %v", v.Text, err)
			}
			if dominant != th.Key {
				t.Errorf("%q quoted under %s, but its dominant theme is %s", v.Text, th.Key, dominant)
			}
		}
	}
	if got := fmt.Sprint(quotes); got != "map[integration:[C] price:[A E]]" {
		t.Errorf("quotes by theme = %s, want price: A then E, integration: C", got)
	}
	// Only B's rep named a reason its words are not mainly about.
	if len(r.Disagreements) != 1 || r.Disagreements[0].ReporterID != "U0BEN" || fmt.Sprint(r.Disagreements[0].RepSays) != "[Integrations]" ||
		r.Disagreements[0].WordsSay != "Price or packaging" {
		t.Errorf("disagreements = %+v, want B: rep says Integrations, the words say Price or packaging", r.Disagreements)
	}
}

// TestEscalationThemes: the promises section says what the dropped balls raised in the
// period were about, each escalation counted once under its dominant theme, as the
// offline tagger found it.
func TestEscalationThemes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, _, err := f.store.Catalogue.Sync(f.ctx, catalogue.Builtin()); err != nil {
		t.Fatal(err)
	}
	d := testDefinitions()[0]
	p, err := d.PeriodAt(time.Date(2026, 11, 20, 16, 0, 0, 0, f.cfg.Location))
	if err != nil {
		t.Fatal(err)
	}
	f.now = p.Start.Add(time.Hour)
	var ids []int64
	for i, s := range []string{
		"Invoice sent twice to Acme, their AP team is furious and wants a credit note",
		"We invoiced Globex the wrong amount again; billing charged them for 40 seats instead of 20",
		"Webinar lead sat untouched for 9 days before an SDR called, and the hand-off had no context",
	} {
		e, errs := feedback.EscalationDraft{ReporterID: "U0AVA", Team: "billing", Summary: s, Severity: "high",
			Source: feedback.SourceImport, Key: fmt.Sprint("esc", i)}.Validate(f.cfg)
		if errs != nil {
			t.Fatal(errs)
		}
		saved, _, err := f.store.RaiseEscalation(f.ctx, f.cfg, e)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, saved.ID)
	}
	if err := (&feedback.OfflineTagger{Store: f.store, Log: slog.New(slog.DiscardHandler)}).Tag(f.ctx, nil, ids); err != nil {
		t.Fatal(err)
	}
	r, err := (&Builder{Pool: f.pool, Org: f.cfg}).Build(f.ctx, d, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(r.EscalationThemes); got != "[{billing Billing and invoicing 2} {lead_handling Leads and hand-offs from marketing 1}]" {
		t.Errorf("escalation themes = %s", got)
	}
	text := PlainText(r, nil)
	if !strings.Contains(text, "What the dropped balls were about: Billing and invoicing 2 · Leads and hand-offs from marketing 1") {
		t.Errorf("the promises section does not say what the dropped balls were about:\n%s", text)
	}
}
