package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/feedback/measures/measurestest"
)

func mustWeek(t testing.TB, s string) measures.Week {
	t.Helper()
	w, err := measures.ParseWeek(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// hostileScorecard is the sample scorecard with mrkdwn in a measure's name and unit.
func hostileScorecard() *measures.Scorecard {
	sc := measurestest.Scorecard(time.UTC, nil)
	sc.Teams[1].Measures[0].Name = "Invoices <!channel> on time & right"
	return sc
}

func TestMeasuresViewsGolden(t *testing.T) {
	t.Parallel()
	sc := hostileScorecard()
	product, billing := sc.Teams[0], sc.Teams[1]
	ref := reportRef{Team: "product", Week: mustWeek(t, "2026-11-09")}
	text, blocks := askMessage(askData{Ref: ref, TeamName: "Product", Measures: product.Measures})
	golden(t, "measures_ask_dm", map[string]any{"text": text, "blocks": blocks})
	text, blocks = askMessage(askData{Ref: reportRef{Team: "billing", Week: ref.Week}, TeamName: "Finance & Billing", Measures: billing.Measures, Reminder: true})
	golden(t, "measures_ask_reminder", map[string]any{"text": text, "blocks": blocks})

	at := time.Date(2026, 11, 16, 15, 30, 0, 0, time.UTC)
	entries := []measures.Entry{{Team: "product", Measure: "activation_rate", Week: ref.Week, Value: 42.5, Note: "Onboarding <b>redesign</b> shipped", ReportedBy: "U0PM1", ReportedAt: at}}
	text, blocks = answeredMessage(ref, "Product", product.Measures, entries, "U0PM1", at)
	golden(t, "measures_answered_dm", map[string]any{"text": text, "blocks": blocks})

	golden(t, "measures_modal_empty", measuresModal(measuresModalData{Ref: ref, TeamName: "Product", Measures: product.Measures, Source: measures.SourceSlack}))
	golden(t, "measures_modal_correction", measuresModal(measuresModalData{Ref: ref, TeamName: "Product", Measures: product.Measures, Entries: entries, Source: measures.SourceAppHome}))

	last := mustWeek(t, "2026-11-09")
	values := map[measures.Week]float64{last: 96, last.Add(-1): 94, last.Add(-2): 97, last.Add(-5): 99}
	home := homeMeasures{Team: "billing", TeamName: "Finance & Billing", Last: last, Series: []measureSeries{
		{Measure: billing.Measures[0], Series: measures.NewSeries(billing.Measures[0], values, last, measures.SeriesWeeks)}}}
	empty := homeMeasures{Team: "product", TeamName: "Product", Last: last}
	for _, m := range product.Measures {
		empty.Series = append(empty.Series, measureSeries{Measure: m, Series: measures.NewSeries(m, nil, last, measures.SeriesWeeks)})
	}
	golden(t, "home_measures", homeView(homeData{UserID: "U0FIN", Catalogue: testReasons, Org: testConfig(t), Measures: []homeMeasures{home, empty}}))

	all, _ := json.Marshal([]any{text, blocks, measuresModal(measuresModalData{Ref: reportRef{Team: "billing", Week: ref.Week}, TeamName: "Finance & Billing", Measures: billing.Measures}),
		measuresHomeBlocks([]homeMeasures{home})})
	// mrkdwn is where Slack reads mentions and links; plain_text (labels, inputs) shows
	// text as it is.
	for _, txt := range mrkdwnTexts(all) {
		for _, bad := range []string{"<!channel>", "<b>"} {
			if strings.Contains(txt, bad) {
				t.Errorf("unescaped %q in %q", bad, txt)
			}
		}
	}
	if !strings.Contains(readable(all), "Invoices &lt;!channel&gt; on time &amp; right") {
		t.Error("the escaped measure name is missing")
	}
}
