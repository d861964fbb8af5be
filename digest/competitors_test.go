package digest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// lostToAt files one deal with who won it (lostTo "" when the rep did not say).
func (f *fixture) lostToAt(at time.Time, outcome, region, value string, competitors []string, lostTo string) {
	f.t.Helper()
	f.seq++
	f.now = at
	d := feedback.Draft{ReporterID: "U0AVA", Outcome: outcome, Account: fmt.Sprint("Account ", f.seq), DealValue: value, Region: region,
		Competitors: competitors, LostTo: lostTo, Source: feedback.SourceImport, Key: fmt.Sprint("k", f.seq)}
	fb, errs := d.Validate(feedback.Rules{Currency: "USD"})
	if errs != nil {
		f.t.Fatal(errs)
	}
	if _, _, err := f.store.SaveFeedback(f.ctx, fb); err != nil {
		f.t.Fatal(err)
	}
}

// TestBuildCompetitors: per competitor met this period, the deals won against it, lost to
// it (with their value, currencies apart), lost to others, lost with no winner recorded
// and no decision, and the deals it won in each of the last four periods.
func TestBuildCompetitors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	defs := testDefinitions()
	end := time.Date(2026, 11, 20, 16, 0, 0, 0, f.cfg.Location)
	p, err := defs[0].PeriodAt(end)
	if err != nil {
		t.Fatal(err)
	}
	in := p.Start.Add(24 * time.Hour)
	f.lostToAt(in, "lost", "NA", "200k", []string{"Gong", "Clari"}, "Gong")
	f.lostToAt(in, "lost", "EMEA", "€50k", []string{"gong.io"}, "GONG")
	f.lostToAt(in, "lost", "NA", "", []string{"Gong"}, "Clari") // Clari joins the competitors
	f.lostToAt(in, "lost", "NA", "10k", []string{"Gong"}, "none")
	f.lostToAt(in, "lost", "NA", "5k", []string{"Gong"}, "") // filed before reps said who won
	f.lostToAt(in, "won", "NA", "70k", []string{"Gong", "Clari"}, "")
	f.lostToAt(in, "no_decision", "NA", "", []string{"Clari"}, "")
	f.lostToAt(in, "lost", "EMEA", "30k", []string{"Chorus"}, "Chorus")
	// Earlier weeks: Gong won 2, 0 and 1 deals; five weeks back is beyond the trend.
	for w, n := range []int{2, 0, 1, 1} {
		for range n {
			f.lostToAt(p.Start.Add(-time.Duration(w+1)*7*24*time.Hour+time.Hour), "lost", "NA", "1k", []string{"Gong"}, "Gong")
		}
	}
	f.lostToAt(end.Add(time.Minute), "lost", "NA", "1k", []string{"Gong"}, "Gong") // after the period

	b := &Builder{Pool: f.pool, Org: f.cfg}
	r, err := b.Build(f.ctx, defs[0], p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"{Name:Gong Met:6 Won:1 LostTo:2 LostToValue:20000000 LostToOther:map[EUR:5000000] LostElsewhere:2 LostPresent:1 NoDecision:0 LostToTrend:[1 0 2 2]}",
		"{Name:Clari Met:4 Won:1 LostTo:1 LostToValue:0 LostToOther:map[] LostElsewhere:1 LostPresent:0 NoDecision:1 LostToTrend:[0 0 0 1]}",
		"{Name:Chorus Met:1 Won:0 LostTo:1 LostToValue:3000000 LostToOther:map[] LostElsewhere:0 LostPresent:0 NoDecision:0 LostToTrend:[0 0 0 1]}",
	}
	var got []string
	for _, c := range r.Competitors {
		got = append(got, fmt.Sprintf("%+v", c))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("competitors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The text says it: lost to it with its value, lost where present only for the deal
	// without a winner, and the trend with its numbers.
	text := PlainText(r, nil)
	for _, line := range []string{
		"• Gong — met 6: won 1, lost to it 2 (USD 200k + EUR 50k), lost to others 2, lost where present 1 (winner not recorded) · lost to it over 4 periods ▅▁██ (1, 0, 2, 2)",
		"• Clari — met 4: won 1, lost to it 1, lost to others 1, 1 no decision · lost to it over 4 periods ▁▁▁█ (0, 0, 0, 1)",
		"• Chorus — met 1: won 0, lost to it 1 (USD 30k) · lost to it over 4 periods ▁▁▁█ (0, 0, 0, 1)",
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("digest lacks %q:\n%s", line, text)
		}
	}

	// A regional digest counts its region only, trend included.
	emea, err := b.Build(f.ctx, defs[1], p)
	if err != nil {
		t.Fatal(err)
	}
	got = got[:0]
	for _, c := range emea.Competitors {
		got = append(got, fmt.Sprintf("%s %d %d %d %v %v", c.Name, c.Met, c.LostTo, c.LostToValue, c.LostToOther, c.LostToTrend))
	}
	if s := strings.Join(got, "; "); s != "Chorus 1 1 3000000 map[] [0 0 0 1]; Gong 1 1 0 map[EUR:5000000] [0 0 0 1]" {
		t.Errorf("EMEA competitors: %s", s)
	}
}
