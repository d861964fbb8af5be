package digest

import (
	"bytes"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/measures"
)

// decode checks a chart is an 800×450 PNG with something drawn on it.
func decode(t *testing.T, c Chart) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(c.PNG))
	if err != nil {
		t.Fatalf("%s: not a PNG: %v", c.Name, err)
	}
	if b := img.Bounds(); b.Dx() != chartWidth || b.Dy() != chartHeight {
		t.Errorf("%s: %dx%d, want %dx%d", c.Name, b.Dx(), b.Dy(), chartWidth, chartHeight)
	}
	return img
}

func TestChartsFromReport(t *testing.T) {
	t.Parallel()
	r := fixedReport()
	charts, err := Charts(r)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, c := range charts {
		decode(t, c)
		if names[c.Name] || !strings.HasSuffix(c.Name, ".png") {
			t.Errorf("chart name %q duplicated or not a .png", c.Name)
		}
		names[c.Name] = true
		if c.Title == "" || c.AltText == "" {
			t.Errorf("%s: no title or alt text", c.Name)
		}
	}
	if len(charts) != 3 {
		t.Fatalf("%d charts, want 3", len(charts))
	}
	// The alt text states the numbers: the latest win rate, each theme's values, each team.
	if alt := charts[0].AltText; !strings.Contains(alt, "Nov 20 44% (7 won, 9 lost)") || !strings.Contains(alt, "Aug 28 50%") || !strings.Contains(alt, "none won or lost") {
		t.Errorf("win-rate alt text: %s", alt)
	}
	if alt := charts[2].AltText; !strings.Contains(alt, "Product raised 3, resolved 1") || !strings.Contains(alt, "Finance & Billing raised 1, resolved 2") {
		t.Errorf("escalations alt text: %s", alt)
	}
	// Deterministic: the same report draws the same bytes.
	again, err := Charts(fixedReport())
	if err != nil {
		t.Fatal(err)
	}
	for i := range charts {
		if !bytes.Equal(charts[i].PNG, again[i].PNG) {
			t.Errorf("%s: two renders of the same report differ", charts[i].Name)
		}
	}
	// Different data, different picture.
	other := fixedReport()
	other.History[len(other.History)-1].Won = 1
	changed, err := Charts(other)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(changed[0].PNG, charts[0].PNG) {
		t.Error("the win-rate chart did not change with the latest win rate")
	}
	if dir := os.Getenv("VOS_CHART_DIR"); dir != "" { // to look at them
		for _, c := range charts {
			_ = os.WriteFile(filepath.Join(dir, c.Name), c.PNG, 0o644)
		}
	}
}

func TestChartsWithLittleOrNothing(t *testing.T) {
	t.Parallel()
	base := fixedReport()
	tests := []struct {
		name  string
		edit  func(*Report)
		chart int
		alt   string
	}{
		{"no deals at all", func(r *Report) {
			for i := range r.History {
				r.History[i] = PeriodStat{Start: r.History[i].Start, End: r.History[i].End}
			}
		}, 0, "no deal was won or lost"},
		{"one deal", func(r *Report) {
			for i := range r.History {
				r.History[i] = PeriodStat{Start: r.History[i].Start, End: r.History[i].End}
			}
			r.History[12].Won = 1
		}, 0, "Nov 20 100% (1 won, 0 lost)"},
		{"0% win rate", func(r *Report) {
			for i := range r.History {
				r.History[i].Won = 0
			}
		}, 0, "Nov 20 0% (0 won, 9 lost)"},
		{"no lost value", func(r *Report) { r.LossThemes = nil }, 1, "no lost deal had a value"},
		{"no escalations", func(r *Report) {
			for i := range r.Teams {
				r.Teams[i].Raised, r.Teams[i].Resolved = 0, 0
			}
		}, 2, "none raised and none resolved"},
		{"no teams", func(r *Report) { r.Teams = nil }, 2, "none raised and none resolved"},
		{"no history", func(r *Report) { r.History = nil }, 0, "no deal was won or lost"},
	}
	for _, tt := range tests {
		r := fixedReport()
		r.Period = base.Period
		tt.edit(r)
		charts, err := Charts(r)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		for _, c := range charts {
			decode(t, c)
		}
		if !strings.Contains(charts[tt.chart].AltText, tt.alt) {
			t.Errorf("%s: %s alt text %q does not say %q", tt.name, charts[tt.chart].Name, charts[tt.chart].AltText, tt.alt)
		}
	}
}

func TestChartsHostileNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{
		strings.Repeat("Pricing and packaging too complex ", 3)[:75],
		"Price 💸 and 🚀 speed",
		"מחיר גבוה מדי",
		"سعر مرتفع",
		"价格太高",
		"<script>&amp;\n\t",
	} {
		r := fixedReport()
		r.LossThemes[0].Name = name
		r.LossThemes[0].Values = []int64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100_000_00, 200_000_00}
		r.Teams[0].Name = name
		charts, err := Charts(r)
		if err != nil {
			t.Errorf("%q: %v", name, err)
			continue
		}
		for _, c := range charts {
			decode(t, c)
		}
		if !strings.Contains(charts[1].AltText, name) || !strings.Contains(charts[2].AltText, name) {
			t.Errorf("%q: the alt text does not carry the exact name", name)
		}
	}
}

func TestDrawableShowsMissingGlyphs(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Price or packaging", "Price or packaging"},
		{"Preis für Ärger", "Preis für Ärger"},
		{"Price 💸", "Price □"},
		{"a\nb", "a b"},
	}
	for _, tt := range tests {
		if got := drawable(tt.in); got != tt.want {
			t.Errorf("drawable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// The placeholder itself is in the font, or it would not be visible.
	var buf = new(struct{})
	_ = buf
	if drawable(string(placeholder)) != string(placeholder) {
		t.Error("the embedded font cannot draw the placeholder")
	}
}

func TestChartsKeepTheReportsOutcomes(t *testing.T) {
	t.Parallel()
	// Charts read only the report: one built with no history still gives three charts.
	r := &Report{Channel: "C1", Currency: "USD", Outcomes: map[feedback.Outcome]*OutcomeStat{}}
	charts, err := Charts(r)
	if err != nil || len(charts) != 3 {
		t.Fatalf("charts of an empty report: %d, %v", len(charts), err)
	}
}

// TestMeasuresChart: with measures, a fourth chart shows each against its target; its
// alt text states each value, target and status, and says which were not reported.
func TestMeasuresChart(t *testing.T) {
	t.Parallel()
	r := fixedReport()
	r.Measures = revenueDrivers(t)
	charts, err := Charts(r)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 4 || charts[3].Name != "measures.png" {
		t.Fatalf("%d charts, last %q; want a fourth, measures.png", len(charts), charts[len(charts)-1].Name)
	}
	decode(t, charts[3])
	alt := charts[3].AltText
	for _, want := range []string{"Marketing, Marketing qualified leads: 112 leads against a target of ≥ 150 leads, missed (75% of target)",
		"Customer service, Hours to first response: not reported (target ≤ 4 h)", "Customer retention: 96.4%"} {
		if !strings.Contains(alt, want) {
			t.Errorf("alt text lacks %q:\n%s", want, alt)
		}
	}
	if dir := os.Getenv("VOS_CHART_DIR"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, charts[3].Name), charts[3].PNG, 0o644)
	}
	// Without measures, three charts.
	if cs, _ := Charts(fixedReport()); len(cs) != 3 {
		t.Errorf("%d charts without measures, want 3", len(cs))
	}
}

func TestAttainment(t *testing.T) {
	t.Parallel()
	higher := measures.Measure{Target: 150, Better: measures.Higher}
	lower := measures.Measure{Target: 4, Better: measures.Lower}
	tests := []struct {
		m    measures.Measure
		v    float64
		want float64
	}{
		{higher, 150, 100}, {higher, 75, 50}, {higher, 600, 200}, {higher, 0, 0},
		{lower, 4, 100}, {lower, 8, 50}, {lower, 2, 200}, {lower, 0, 200},
		{measures.Measure{Target: 0, Better: measures.Higher}, 3, 200},
	}
	for _, tt := range tests {
		if got := attainment(tt.m, tt.v); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("attainment(%+v, %v) = %v, want %v", tt.m, tt.v, got, tt.want)
		}
	}
}
