package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/measures"
)

// sampleScorecard is the demo company's revenue measures: most teams own one or two;
// Engineering owns one and stopped reporting it; Security & Legal owns none.
func sampleScorecard(loc *time.Location) *measures.Scorecard {
	m := func(team, key, name string, target float64, better measures.Better, unit string, escalate int) measures.Measure {
		return measures.Measure{Team: team, Key: key, Name: name, Target: target, Better: better, Unit: unit, EscalateAfter: escalate}
	}
	return &measures.Scorecard{Location: loc, Teams: []measures.Team{
		{Key: "product", AskSpec: "0 10 * * MON", Measures: []measures.Measure{
			m("product", "trial_activation", "Trials activated in week one", 40, measures.Higher, "%", 0)}},
		{Key: "engineering", AskSpec: "0 10 * * MON", Measures: []measures.Measure{
			m("engineering", "uptime", "Uptime", 99.9, measures.Higher, "%", 0)}},
		{Key: "billing", AskSpec: "0 10 * * MON", Measures: []measures.Measure{
			m("billing", "invoices_on_time", "Invoices sent on time", 95, measures.Higher, "%", 3)}},
		{Key: "support", AskSpec: "0 10 * * MON", Measures: []measures.Measure{
			m("support", "retention", "Customer retention", 97, measures.Higher, "%", 0),
			m("support", "first_response", "Hours to first response", 4, measures.Lower, "h", 0)}},
		{Key: "marketing", AskSpec: "0 10 * * MON", Measures: []measures.Measure{
			m("marketing", "qualified_leads", "Marketing qualified leads", 150, measures.Higher, "leads", 3)}},
	}}
}

// measureStory is how a measure went over the weeks, oldest first: a base, a weekly
// drift and noise; from stopAfter weeks on nobody reports it (0: reported throughout).
type measureStory struct {
	base, drift, noise float64
	stopAfter          int
}

var measureStories = map[string]measureStory{
	"product/trial_activation":  {base: 39, drift: 0.5, noise: 2.5},
	"engineering/uptime":        {base: 99.95, drift: 0, noise: 0.04, stopAfter: 9},
	"billing/invoices_on_time":  {base: 94.6, drift: 0.25, noise: 1.4},
	"support/retention":         {base: 97.6, drift: 0.02, noise: 0.5},
	"support/first_response":    {base: 3.6, drift: -0.05, noise: 0.5},
	"marketing/qualified_leads": {base: 185, drift: -6.5, noise: 6},
}

// MeasuresResult says what GenerateMeasures stored.
type MeasuresResult struct {
	Values      int
	Escalations int
}

// GenerateMeasures stores thirteen weeks of the teams' measures up to the last week
// before end, each reported by an owner on the Monday after, through the measures
// store (whose clock it moves): most are met, Marketing's leads have been missed for
// weeks (which raised a dropped ball, as escalate_after_misses asks) and Engineering
// stopped reporting. The same seed gives the same values.
func GenerateMeasures(ctx context.Context, ms *measures.Store, esc *feedback.Store, setNow func(time.Time), org *Org, end time.Time, seed uint64) (MeasuresResult, error) {
	var res MeasuresResult
	r := rand.New(rand.NewPCG(seed, seed^0x51ed27f3))
	sc, loc := org.Scorecard, org.Org.Location
	last := measures.LastComplete(end, loc)
	first := last.Add(1 - measures.SeriesWeeks)
	for i := range measures.SeriesWeeks {
		w := first.Add(i)
		// Reported on the Monday after, mid-morning, as the ask DM asks.
		setNow(w.Add(1).Start(loc).Add(10*time.Hour + time.Duration(r.IntN(120))*time.Minute))
		for _, t := range sc.Teams {
			ft, _ := org.Org.Team(t.Key)
			values := map[string]float64{}
			for _, m := range t.Measures {
				st := measureStories[t.Key+"/"+m.Key]
				if st.stopAfter > 0 && i >= st.stopAfter {
					continue
				}
				v := st.base + st.drift*float64(i) + (r.Float64()*2-1)*st.noise
				switch m.Unit {
				case "%":
					v = min(float64(int(v*10))/10, 100)
				case "leads":
					v = float64(int(v))
				default:
					v = float64(int(v*10)) / 10
				}
				values[m.Key] = v
			}
			if len(values) == 0 {
				continue
			}
			rr, err := ms.Record(ctx, sc, measures.Report{Team: t.Key, Week: w, Values: values, ReporterID: ft.Owners[r.IntN(len(ft.Owners))], Source: measures.SourceDemo})
			if err != nil {
				return res, fmt.Errorf("demo measures of %s, %s: %w", t.Key, w, err)
			}
			res.Values += len(rr.Changed)
			// What the streak job does after a report: a run of misses becomes a dropped ball.
			for _, m := range t.Measures {
				if m.EscalateAfter == 0 {
					continue
				}
				if _, raised, err := ms.EscalateMisses(ctx, esc, org.Org, m, w); err != nil {
					return res, err
				} else if raised {
					res.Escalations++
				}
			}
		}
	}
	setNow(end)
	return res, nil
}
