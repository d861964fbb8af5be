package digest

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vosbot/vosbot/feedback"
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
