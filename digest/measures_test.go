package digest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/feedback/measures/measurestest"
	"github.com/vosbot/vosbot/internal/blockkit"
	"github.com/vosbot/vosbot/internal/goldenfile"
)

func mweek(t testing.TB, s string) measures.Week {
	t.Helper()
	w, err := measures.ParseWeek(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func f64(v float64) *float64 { return &v }

// revenueDrivers has a met, a missed (weeks running), a missing measure, one reported
// early for the current week, and two teams that reported nothing.
func revenueDrivers(t testing.TB) *RevenueDrivers {
	week := mweek(t, "2026-11-09")
	leads := measures.Measure{Team: "marketing", Key: "qualified_leads", Name: "Marketing qualified leads", Target: 150, Better: measures.Higher, Unit: "leads"}
	retention := measures.Measure{Team: "service", Key: "retention", Name: "Customer retention", Target: 95, Better: measures.Higher, Unit: "%"}
	response := measures.Measure{Team: "service", Key: "first_response", Name: "Hours to first response", Target: 4, Better: measures.Lower, Unit: "h"}
	invoices := measures.Measure{Team: "billing", Key: "invoices_on_time", Name: "Invoices <sent> on time", Target: 95, Better: measures.Higher, Unit: "%"}
	return &RevenueDrivers{Week: week, Teams: []TeamMeasures{
		{Key: "marketing", Name: "Marketing", Measures: []MeasureStat{{Measure: leads, Week: week, Value: f64(112), Status: measures.Missed,
			Sparkline: "▆▇█▇▅▆▄··▃▂▂▁", Average: f64(121.5), Streak: measures.Streak{Status: measures.Missed, Weeks: 3}}}},
		{Key: "service", Name: "Customer service", Measures: []MeasureStat{
			{Measure: retention, Week: week, Value: f64(96.4), Status: measures.Met, Sparkline: "▁▂▄▄▅▅▆▆▇▇▇██", Average: f64(96.1), Streak: measures.Streak{Status: measures.Met, Weeks: 5}},
			{Measure: response, Week: week, Status: measures.Missing, Sparkline: "▄▅▃▂▄▃▂▂▃▂▂▁·", Average: f64(3.2), Streak: measures.Streak{Status: measures.Missing, Weeks: 1}},
		}},
		{Key: "billing", Name: "Finance & Billing", Measures: []MeasureStat{{Measure: invoices, Week: week.Add(1), Value: f64(97), Status: measures.Met,
			Sparkline: "▁▁▂▁▃▂▄▅▅▆▇▇█", Average: f64(96), Streak: measures.Streak{Status: measures.Met, Weeks: 2}}}},
		{Key: "engineering", Name: "Engineering", NotReporting: true, SilentWeeks: 4, Measures: []MeasureStat{{Status: measures.Missing}}},
		{Key: "security", Name: "Security & Legal", NotReporting: true, SilentWeeks: 1, Measures: []MeasureStat{{Status: measures.Missing}}},
	}}
}

func TestRevenueDriversGolden(t *testing.T) {
	t.Parallel()
	r := fixedReport()
	r.Measures = revenueDrivers(t)
	text, blocks := Blocks(r)
	goldenfile.JSON(t, "digest_revenue", map[string]any{"text": text, "blocks": blocks})
	goldenfile.File(t, "digest_revenue.golden.txt", []byte(PlainText(r, map[string]string{"U0AVA": "ava", "U0PM1": "priya"})))

	// A quiet week still shows the measures: they are reported whatever reps filed.
	quiet := &Report{Channel: "C0LEADERSHIP", Period: r.Period, Location: ny(), Currency: "USD", Outcomes: map[feedback.Outcome]*OutcomeStat{},
		Region: "EMEA", Measures: revenueDrivers(t)}
	text, blocks = Blocks(quiet)
	goldenfile.JSON(t, "digest_revenue_quiet", map[string]any{"text": text, "blocks": blocks})

	all, _ := json.Marshal([]any{text, blocks})
	s := readableJSON(all)
	for _, want := range []string{"🔴 *Marketing* — Marketing qualified leads: *112 leads* · target ≥ 150 leads", "*missed 3 weeks running*",
		"✅ *Customer service* — Customer retention: *96.4%*", "met 5 weeks running", "⚪ *Customer service* — Hours to first response: not reported · target ≤ 4 h",
		"Invoices &lt;sent&gt; on time: *97%* · target ≥ 95% (week of Nov 16)", "⚪ Not reporting: *Engineering* (nothing for 4 weeks), *Security &amp; Legal*",
		"Revenue drivers: 2 of 6 met, 1 missed, 3 not reported"} {
		if !strings.Contains(s, want) {
			t.Errorf("the quiet digest lacks %q", want)
		}
	}
	if strings.Contains(s, "<sent>") {
		t.Error("a measure name went out unescaped")
	}
}

func readableJSON(b []byte) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
}

// TestRevenueDriversWithinSlackLimits: forty teams with two long-named measures each
// still fit in 50 blocks of at most 3,000 characters, and the digest says what it left out.
func TestRevenueDriversWithinSlackLimits(t *testing.T) {
	t.Parallel()
	r := hugeReport()
	rd := &RevenueDrivers{Week: mweek(t, "2026-11-09")}
	for i := range 40 {
		tm := TeamMeasures{Key: fmt.Sprint("team", i), Name: strings.Repeat("Team ", 10) + fmt.Sprint(i)}
		for j := range 2 {
			m := measures.Measure{Key: fmt.Sprint("m", j), Name: strings.Repeat("A very long measure name ", 3), Target: 1e9, Unit: "pipeline USD"}
			tm.Measures = append(tm.Measures, MeasureStat{Measure: m, Week: rd.Week, Value: f64(123456789.12), Status: measures.Missed,
				Sparkline: "▁▂▃▄▅▆▇█▇▆▅▄▃", Average: f64(987654321), Streak: measures.Streak{Status: measures.Missed, Weeks: 13}})
		}
		if i%3 == 0 {
			tm.NotReporting, tm.SilentWeeks = true, 13
		}
		rd.Teams = append(rd.Teams, tm)
	}
	r.Measures = rd
	text, blocks := Blocks(r)
	if len(blocks) > blockkit.MaxBlocks {
		t.Errorf("%d blocks", len(blocks))
	}
	if n := utf8.RuneCountInString(text); n > 3000 {
		t.Errorf("fallback of %d characters", n)
	}
	all, _ := json.Marshal(blocks)
	var raw []map[string]any
	_ = json.Unmarshal(all, &raw)
	for i, b := range raw {
		for _, txt := range texts(b) {
			if n := utf8.RuneCountInString(txt); n > 3000 {
				t.Errorf("block %d text of %d characters", i, n)
			}
		}
	}
	// Alone, the section is cut with a count of what was left out.
	small := fixedReport()
	small.Measures = rd
	_, blocks = Blocks(small)
	all, _ = json.Marshal(blocks)
	if !strings.Contains(string(all), "more") || !strings.Contains(string(all), "Revenue drivers") {
		t.Errorf("the long section does not say what it left out")
	}
}

// TestBuildRevenueDrivers reads the section from the store: the week shown, met, missed
// weeks running, missing, a team that reports nothing, and the same section in a
// regional digest.
func TestBuildRevenueDrivers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.cfg.Teams = append(f.cfg.Teams, feedback.Team{Key: "support", Name: "Support", Owners: []string{"U0SUP"}})
	sc := measurestest.Scorecard(f.cfg.Location, nil)
	sc.Teams = append(sc.Teams, measures.Team{Key: "support", Measures: []measures.Measure{{Team: "support", Key: "csat", Name: "CSAT", Target: 90, Better: measures.Higher, Unit: "%"}}})
	ms, err := measures.NewStore(f.pool, measures.StoreOptions{Now: func() time.Time { return f.now }})
	if err != nil {
		t.Fatal(err)
	}
	f.now = time.Date(2026, 11, 20, 15, 0, 0, 0, f.cfg.Location)
	record := func(team, week string, values map[string]float64) {
		t.Helper()
		if _, err := ms.Record(f.ctx, sc, measures.Report{Team: team, Week: mweek(t, week), Values: values, ReporterID: "U0FIN", Source: measures.SourceCLI}); err != nil {
			t.Fatal(err)
		}
	}
	record("billing", "2026-10-19", map[string]float64{"invoices_on_time": 99})
	record("billing", "2026-10-26", map[string]float64{"invoices_on_time": 90})
	record("billing", "2026-11-02", map[string]float64{"invoices_on_time": 91})
	record("billing", "2026-11-09", map[string]float64{"invoices_on_time": 92})
	record("product", "2026-11-09", map[string]float64{"activation_rate": 45})
	record("product", "2026-11-16", map[string]float64{"activation_rate": 38}) // reported early, before the digest
	record("support", "2026-10-05", map[string]float64{"csat": 95})

	defs := testDefinitions()
	p, err := defs[0].PeriodAt(time.Date(2026, 11, 20, 17, 0, 0, 0, f.cfg.Location))
	if err != nil {
		t.Fatal(err)
	}
	b := &Builder{Pool: f.pool, Org: f.cfg, Scorecard: sc}
	r, err := b.Build(f.ctx, defs[0], p)
	if err != nil {
		t.Fatal(err)
	}
	rd := r.Measures
	if rd == nil || len(rd.Teams) != 3 || rd.Week != mweek(t, "2026-11-09") {
		t.Fatalf("revenue drivers %+v", rd)
	}
	prod, bill, sup := rd.Teams[0], rd.Teams[1], rd.Teams[2]
	act, days := prod.Measures[0], prod.Measures[1]
	if act.Week != mweek(t, "2026-11-16") || act.Status != measures.Missed || *act.Value != 38 || act.Average == nil || *act.Average != 41.5 {
		t.Errorf("activation (reported early): %+v", act)
	}
	if days.Week != mweek(t, "2026-11-09") || days.Status != measures.Missing || days.Value != nil || days.Average != nil || days.Sparkline != strings.Repeat("·", 13) {
		t.Errorf("days to value (never reported): %+v", days)
	}
	if prod.NotReporting {
		t.Error("product reported one measure but is listed as not reporting")
	}
	inv := bill.Measures[0]
	if inv.Status != measures.Missed || inv.Streak != (measures.Streak{Status: measures.Missed, Weeks: 3}) || *inv.Average != (99+90+91+92)/4.0 ||
		inv.Sparkline != "·········█▁▂▃" || bill.Name != "Finance & Billing" {
		t.Errorf("invoices: %+v", inv)
	}
	if !sup.NotReporting || sup.SilentWeeks != 5 || sup.Name != "Support" {
		t.Errorf("support (nothing since Oct 5): %+v", sup)
	}
	txt := PlainText(r, nil)
	for _, want := range []string{"Revenue drivers · week of Nov 9", "🔴 Finance & Billing — Invoices sent on time: 92% · target ≥ 95% · ·········█▁▂▃ · 4-wk avg 93% · missed 3 weeks running",
		"⚪ Not reporting: Support (nothing for 5 weeks)"} {
		if !strings.Contains(txt, want) {
			t.Errorf("preview lacks %q:\n%s", want, txt)
		}
	}
	// A regional digest shows the same (company-wide) section; one configured without it does not.
	emea, err := b.Build(f.ctx, defs[1], p)
	if err != nil || emea.Measures == nil || len(emea.Measures.Teams) != 3 {
		t.Errorf("EMEA digest measures %+v %v", emea.Measures, err)
	}
	hidden := defs[1]
	hidden.HideMeasures = true
	if r, err := b.Build(f.ctx, hidden, p); err != nil || r.Measures != nil {
		t.Errorf("hidden measures %+v %v", r.Measures, err)
	}
	if r, err := (&Builder{Pool: f.pool, Org: f.cfg}).Build(f.ctx, defs[0], p); err != nil || r.Measures != nil || strings.Contains(PlainText(r, nil), "Revenue drivers") {
		t.Errorf("no scorecard: %+v %v", r.Measures, err)
	}
	if s := r.Summary()["measures"].(map[string]string); s["billing/invoices_on_time"] != "missed" || s["support/csat"] != "missing" {
		t.Errorf("summary %v", s)
	}
}
