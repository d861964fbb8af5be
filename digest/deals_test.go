package digest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/goldenfile"
)

func TestBuildCountsCRMDeals(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.cfg.Deals = feedback.DealPolicy{NudgeAfter: time.Hour, NudgeWithin: 336 * time.Hour}
	defs := testDefinitions()
	end := time.Date(2026, 11, 20, 16, 0, 0, 0, f.cfg.Location)
	p, _ := defs[0].PeriodAt(end)
	in := p.Start.Add(24 * time.Hour)
	deal := func(closed time.Time, id, outcome, amount, currency, owner string) feedback.Deal {
		t.Helper()
		f.now = closed.Add(time.Minute)
		rec, err := f.store.ReceiveDeal(f.ctx, f.cfg, feedback.DealInput{CRM: map[bool]string{true: "hubspot", false: "salesforce"}[strings.HasPrefix(id, "h")],
			DealID: id, Account: "Account " + id, Outcome: outcome, Amount: amount, Currency: currency, ClosedAt: closed.Format(time.RFC3339), OwnerSlackID: owner})
		if err != nil {
			t.Fatal(err)
		}
		return rec.Deal
	}
	file := func(d feedback.Deal, reporter string) {
		t.Helper()
		f.seq++
		dr := feedback.Draft{ReporterID: reporter, Outcome: string(d.Outcome), Account: d.Account, Source: feedback.SourceDealNudge, Key: fmt.Sprint("deal-", f.seq), DealID: d.ID}
		fb, errs := dr.Validate(feedback.Rules{Currency: "USD"})
		if errs != nil {
			t.Fatal(errs)
		}
		if _, _, err := f.store.SaveFeedback(f.ctx, fb); err != nil {
			t.Fatal(err)
		}
	}
	// This week: 3 won (one in EUR), 3 lost, 1 no decision; 4 have feedback (one by two reps).
	w1 := deal(in, "h1", "won", "1000000", "USD", "U0AVA")
	w2 := deal(in, "h2", "won", "500000", "USD", "U0AVA")
	deal(in, "s3", "won", "300000", "EUR", "U0BEN")
	l1 := deal(in.Add(time.Hour), "h4", "lost", "800000", "USD", "U0BEN")
	deal(in.Add(time.Hour), "h5", "lost", "300000", "USD", "U0AVA")
	l3 := deal(in.Add(2*time.Hour), "s6", "lost", "", "USD", "U0CAL")
	deal(in.Add(2*time.Hour), "s7", "no_decision", "100000", "USD", "U0AVA")
	file(w1, "U0AVA")
	file(w1, "U0SE")
	file(w2, "U0AVA")
	file(l1, "U0BEN")
	file(l3, "U0CAL")
	// Before the period: 1 won and 3 lost, the CRM's previous win rate 25%.
	for i, o := range []string{"won", "lost", "lost", "lost"} {
		deal(p.Start.Add(-time.Duration(i+1)*24*time.Hour), fmt.Sprint("old", i), o, "", "", "")
	}
	// After the period: not counted.
	deal(end.Add(time.Minute), "late", "won", "1", "USD", "U0AVA")

	f.now = end
	b := &Builder{Pool: f.pool, Org: f.cfg}
	r, err := b.Build(f.ctx, defs[0], p)
	if err != nil {
		t.Fatal(err)
	}
	c := r.CRM
	if c == nil {
		t.Fatal("no CRM deals in the report")
	}
	if c.Closed != 7 || c.WithFeedback != 4 || c.outcome(feedback.Won).Count != 3 || c.outcome(feedback.Lost).Count != 3 || c.outcome(feedback.NoDecision).Count != 1 {
		t.Errorf("counts %+v", c)
	}
	if c.Value != 270_000_000 || c.ValueWithFeedback != 230_000_000 || c.OtherCurrency != 1 || c.outcome(feedback.Won).Other["EUR"] != 30_000_000 {
		t.Errorf("values %d / %d, other %d %v", c.ValueWithFeedback, c.Value, c.OtherCurrency, c.outcome(feedback.Won).Other)
	}
	if *c.WinRate != 0.5 || *c.PreviousWinRate != 0.25 {
		t.Errorf("win rates %v %v", *c.WinRate, *c.PreviousWinRate)
	}
	if len(c.Sources) != 2 || c.Sources[0] != (CRMSource{"hubspot", 4}) || c.Sources[1] != (CRMSource{"salesforce", 3}) {
		t.Errorf("sources %+v", c.Sources)
	}
	if len(c.Waiting) != 2 || c.Waiting[0] != (RepWaiting{"U0AVA", 2}) || c.Waiting[1] != (RepWaiting{"U0BEN", 1}) {
		t.Errorf("waiting %+v", c.Waiting)
	}
	text := PlainText(r, map[string]string{"U0AVA": "ava", "U0BEN": "ben"})
	for _, want := range []string{
		"7 deals closed in the CRM: 3 won (USD 1.5M, EUR 300k) · 3 lost (USD 1.1M) · 1 no decision (USD 100k)",
		"Win rate 50% (previous four periods: 25%, ▲ +25 pts)",
		"4 of 7 closed deals have feedback (57 %), USD 2.3M of 2.7M",
		"Still waiting for feedback: @ava 2 · @ben 1",
		"Deal counts and values come from the CRM (HubSpot 4, Salesforce 3), not from what reps filed; 1 deal in other currencies, counted as given and never converted.",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("digest lacks %q:\n%s", want, text)
		}
	}
	// A region's digest has no CRM numbers: deals carry no region.
	if r, err := b.Build(f.ctx, defs[1], p); err != nil || r.CRM != nil {
		t.Errorf("EMEA digest CRM = %+v, %v", r.CRM, err)
	}
}

func TestRenderCRMDealsGolden(t *testing.T) {
	t.Parallel()
	r := fixedReport()
	r.CRM = &CRMDeals{
		Closed: 37, WithFeedback: 31, Value: 260_000_000, ValueWithFeedback: 210_000_000, OtherCurrency: 2,
		Outcomes: map[feedback.Outcome]*OutcomeStat{
			feedback.Won:        {Count: 11, Value: 130_000_000, Other: map[string]int64{"EUR": 4_000_000}},
			feedback.Lost:       {Count: 19, Value: 100_000_000},
			feedback.NoDecision: {Count: 7, Value: 30_000_000},
		},
		Sources: []CRMSource{{"hubspot", 30}, {"salesforce <x>", 7}},
		Waiting: []RepWaiting{{"U0MAYA", 4}, {"U0OLIVIA", 2}},
		WinRate: rate(11.0 / 30), PreviousWinRate: rate(0.51),
	}
	text, blocks := Blocks(r)
	goldenfile.JSON(t, "digest_week_crm", map[string]any{"text": text, "blocks": blocks})
	plain := PlainText(r, map[string]string{"U0MAYA": "maya"})
	goldenfile.File(t, "digest_week_crm.golden.txt", []byte(plain))
	if !strings.Contains(plain, "31 of 37 closed deals have feedback (84 %), USD 2.1M of 2.6M") {
		t.Errorf("coverage line missing:\n%s", plain)
	}
	// Deals closed with no feedback at all still make a digest.
	quiet := &Report{Channel: "C0LEADERSHIP", Period: r.Period, Location: ny(), Currency: "USD", Outcomes: map[feedback.Outcome]*OutcomeStat{},
		CRM: &CRMDeals{Closed: 5, Outcomes: map[feedback.Outcome]*OutcomeStat{feedback.Lost: {Count: 5}}, Sources: []CRMSource{{"hubspot", 5}}, WinRate: rate(0)}}
	if q := PlainText(quiet, nil); !strings.Contains(q, "0 of 5 closed deals have feedback (0 %)") || strings.Contains(q, "A quiet week") {
		t.Errorf("deals without feedback:\n%s", q)
	}
}
