package digest

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strings"
	"unicode/utf8"

	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/vosbot/vosbot/feedback/measures"
)

// Chart is one picture attached to a digest: a PNG and the alt text that states its
// numbers (for screen readers, and for whoever cannot see images).
type Chart struct {
	// Name is the file name, unique within a digest.
	Name    string
	Title   string
	AltText string
	PNG     []byte
}

// Chart geometry: 800×450 pixels, readable on a phone.
const (
	chartDPI    = 96
	chartWidth  = 800
	chartHeight = 450
)

// palette is Okabe and Ito's colour-blind-safe palette.
var palette = []color.Color{
	color.RGBA{0x00, 0x72, 0xB2, 0xff}, // blue
	color.RGBA{0xE6, 0x9F, 0x00, 0xff}, // orange
	color.RGBA{0x00, 0x9E, 0x73, 0xff}, // bluish green
	color.RGBA{0xD5, 0x5E, 0x00, 0xff}, // vermillion
	color.RGBA{0xCC, 0x79, 0xA7, 0xff}, // reddish purple
}

// placeholder stands for a character the embedded font cannot draw: visible, never
// silently dropped (the alt text carries the exact text).
const placeholder = '□'

// Charts draws the digest's charts from the report alone: the same report gives the same
// bytes. A chart with nothing to show says so instead of being left out, so the set of
// files is the same every week.
func Charts(r *Report) ([]Chart, error) {
	builders := []func(*Report) (Chart, error){winRateChart, lossValueChart, escalationsChart}
	out := make([]Chart, 0, len(builders))
	for _, b := range builders {
		c, err := b(r)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		out = append(out, c)
	}
	if c, ok, err := measuresChart(r); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	} else if ok {
		out = append(out, c)
	}
	return out, nil
}

// periodLabel names a period by its end date, in the report's zone.
func (r *Report) periodLabel(p PeriodStat) string {
	loc := r.Location
	if loc == nil {
		loc = r.Period.End.Location()
	}
	return p.End.In(loc).Format("Jan 2")
}

func winRateChart(r *Report) (Chart, error) {
	c := Chart{Name: "win-rate.png", Title: "Win rate"}
	p := newPlot(c.Title, "Period ending", "Win rate")
	n := len(r.History)
	rates := make([]float64, n)
	var alt []string
	have := 0
	for i, h := range r.History {
		rate, ok := h.WinRate()
		if !ok {
			rates[i] = math.NaN()
			alt = append(alt, r.periodLabel(h)+" none won or lost")
			continue
		}
		rates[i] = rate * 100
		have++
		alt = append(alt, fmt.Sprintf("%s %s (%d won, %d lost)", r.periodLabel(h), pct(rate), h.Won, h.Lost))
	}
	// Above 100 % is room for the legend; the ticks stop at 100 %.
	p.Y.Min, p.Y.Max = 0, 118
	p.Y.Tick.Marker = percentTicks{}
	p.X.Tick.Marker = periodTicks(r)
	if have == 0 {
		c.AltText = fmt.Sprintf("Win rate over the last %d periods: no deal was won or lost, so there is no win rate to draw.", n)
		say(p, "No deal won or lost in these periods", float64(n+1)/2, 50)
		p.X.Min, p.X.Max = 0.5, float64(max(n, 1))+0.5
		return c, renderPNG(p, &c)
	}
	if err := addSeries(p, rates, "win rate", palette[0], false); err != nil {
		return c, err
	}
	avg := movingAverage(rates, trendPeriods)
	if err := addSeries(p, avg, fmt.Sprintf("%d-period average", trendPeriods), palette[1], true); err != nil {
		return c, err
	}
	if last, i := lastValue(rates); i >= 0 {
		if err := labelPoint(p, float64(i+1), last, fmt.Sprintf("%.0f%%", last)); err != nil {
			return c, err
		}
	}
	p.X.Min, p.X.Max = 0.5, float64(n)+0.5
	c.AltText = fmt.Sprintf("Win rate over the last %d periods: %s.", n, strings.Join(alt, "; "))
	if last, i := lastValue(avg); i >= 0 {
		c.AltText += fmt.Sprintf(" %d-period average at the end: %.0f%%.", trendPeriods, last)
	}
	return c, renderPNG(p, &c)
}

func lossValueChart(r *Report) (Chart, error) {
	c := Chart{Name: "loss-themes-value.png", Title: "Why we lose: value of lost deals by theme"}
	p := newPlot(c.Title, "Period ending", "Lost value ("+r.Currency+")")
	p.X.Tick.Marker = periodTicks(r)
	p.Y.Tick.Marker = moneyTicks{}
	n := len(r.History)
	p.X.Min, p.X.Max = 0.5, float64(max(n, 1))+0.5
	var alt []string
	drawn := 0
	for _, t := range r.LossThemes {
		if drawn == 3 {
			break
		}
		total := int64(0)
		for _, v := range t.Values {
			total += v
		}
		if total == 0 {
			continue
		}
		ys := make([]float64, len(t.Values))
		var parts []string
		for i, v := range t.Values {
			ys[i] = float64(v) / 100
			label := fmt.Sprint(i + 1)
			if i < n {
				label = r.periodLabel(r.History[i])
			}
			parts = append(parts, label+" "+compactMoney(v, r.Currency))
		}
		if err := addSeries(p, ys, drawable(t.Name), palette[drawn%len(palette)], false); err != nil {
			return c, err
		}
		if last, i := lastValue(ys); i >= 0 {
			if err := labelPoint(p, float64(i+1), last, strings.TrimPrefix(compactMoney(int64(last*100), r.Currency), r.Currency+" ")); err != nil {
				return c, err
			}
		}
		alt = append(alt, fmt.Sprintf("%s: %s", t.Name, strings.Join(parts, ", ")))
		drawn++
	}
	if drawn == 0 {
		p.Y.Min, p.Y.Max = 0, 1
		say(p, "No lost deal with a value in these periods", float64(max(n, 1)+1)/2, 0.5)
		c.AltText = fmt.Sprintf("Value of lost deals by theme over the last %d periods: no lost deal had a value in %s.", n, r.Currency)
		return c, renderPNG(p, &c)
	}
	p.Y.Min = 0
	if _, hi := p.Y.Min, p.Y.Max; hi > 0 {
		p.Y.Max = hi * 1.3 // room for the legend above the lines
	}
	c.AltText = fmt.Sprintf("Value of lost deals by theme over the last %d periods, in %s. %s.", n, r.Currency, strings.Join(alt, ". "))
	return c, renderPNG(p, &c)
}

func escalationsChart(r *Report) (Chart, error) {
	c := Chart{Name: "escalations-by-team.png", Title: "Dropped balls this period: raised and resolved by team"}
	p := newPlot(c.Title, "", "Escalations")
	var raised, resolved plotter.Values
	var names, alt []string
	for _, t := range r.Teams {
		raised, resolved = append(raised, float64(t.Raised)), append(resolved, float64(t.Resolved))
		names = append(names, drawable(clipRunes(t.Name, 16)))
		alt = append(alt, fmt.Sprintf("%s raised %d, resolved %d", t.Name, t.Raised, t.Resolved))
	}
	total := 0.0
	for i := range raised {
		total += raised[i] + resolved[i]
	}
	if total == 0 {
		p.Y.Min, p.Y.Max = 0, 1
		p.X.Min, p.X.Max = 0, 1
		p.HideX()
		say(p, "No dropped ball raised or resolved this period", 0.5, 0.5)
		c.AltText = "Escalations this period by team: none raised and none resolved."
		return c, renderPNG(p, &c)
	}
	w := vg.Points(min(40, 300/float64(len(names)+1)))
	for i, series := range []struct {
		name string
		v    plotter.Values
	}{{"raised", raised}, {"resolved", resolved}} {
		b, err := plotter.NewBarChart(series.v, w)
		if err != nil {
			return c, err
		}
		b.Color, b.LineStyle.Width = palette[i*3%len(palette)], 0
		b.Offset = w * vg.Length(float64(i)-0.5)
		p.Add(b)
		p.Legend.Add(series.name, b)
	}
	p.NominalX(names...)
	// Room at the sides for the outer bars and their names, and above for the legend.
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	top := 0.0
	for i := range raised {
		top = max(top, raised[i], resolved[i])
	}
	p.Y.Min, p.Y.Max = 0, top*1.25
	p.Y.Tick.Marker = integerTicks{}
	c.AltText = "Escalations this period by team: " + strings.Join(alt, "; ") + "."
	return c, renderPNG(p, &c)
}

// newPlot is a plot in vosbot's style: large type, a legend on top.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.TextStyle.Font.Variant = chartVariant
	p.X.Label.TextStyle.Font.Variant, p.Y.Label.TextStyle.Font.Variant = chartVariant, chartVariant
	p.X.Tick.Label.Font.Variant, p.Y.Tick.Label.Font.Variant = chartVariant, chartVariant
	p.Legend.TextStyle.Font.Variant = chartVariant
	p.Title.Text = drawable(title)
	p.Title.TextStyle.Font.Size = vg.Points(18)
	p.X.Label.Text, p.Y.Label.Text = x, y
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(14)
		a.Tick.Label.Font.Size = vg.Points(12)
	}
	p.Legend.Top = true
	p.Legend.TextStyle.Font.Size = vg.Points(12)
	p.Add(plotter.NewGrid())
	return p
}

// addSeries draws ys (one per period, NaN where there is nothing) as a line broken at
// the gaps, with a point at each value.
func addSeries(p *plot.Plot, ys []float64, name string, col color.Color, dashed bool) error {
	var seg plotter.XYs
	first := true
	flush := func() error {
		if len(seg) == 0 {
			return nil
		}
		l, s, err := plotter.NewLinePoints(seg)
		if err != nil {
			return err
		}
		l.Color, l.Width = col, vg.Points(3)
		if dashed {
			l.Dashes = []vg.Length{vg.Points(6), vg.Points(4)}
			s.Radius = 0
		} else {
			s.Color, s.Radius = col, vg.Points(3.5)
		}
		p.Add(l, s)
		if first {
			p.Legend.Add(name, l)
			first = false
		}
		seg = nil
		return nil
	}
	for i, y := range ys {
		if math.IsNaN(y) {
			if err := flush(); err != nil {
				return err
			}
			continue
		}
		seg = append(seg, plotter.XY{X: float64(i + 1), Y: y})
	}
	return flush()
}

// labelPoint writes text just above a point (the latest value of a series).
func labelPoint(p *plot.Plot, x, y float64, text string) error {
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{text}})
	if err != nil {
		return err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Variant = chartVariant
		l.TextStyle[i].Font.Size = vg.Points(13)
		l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YBottom
	}
	l.Offset = vg.Point{Y: vg.Points(6)}
	p.Add(l)
	return nil
}

// say writes a message in the middle of an empty chart.
func say(p *plot.Plot, text string, x, y float64) {
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{drawable(text)}})
	if err != nil {
		return
	}
	p.Y.Tick.Marker = plot.ConstantTicks{}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Variant = chartVariant
		l.TextStyle[i].Font.Size = vg.Points(16)
		l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
	}
	p.Add(l)
}

// renderPNG renders the plot into c.PNG at 800×450 pixels.
func renderPNG(p *plot.Plot, c *Chart) error {
	px := func(n int) vg.Length { return vg.Length(float64(n) * vg.Inch.Points() / chartDPI) }
	canvas := vgimg.NewWith(vgimg.UseWH(px(chartWidth), px(chartHeight)), vgimg.UseDPI(chartDPI), vgimg.UseBackgroundColor(color.White))
	p.Draw(draw.New(canvas))
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(&buf); err != nil {
		return fmt.Errorf("%s: %w", c.Name, err)
	}
	c.PNG = buf.Bytes()
	return nil
}

// movingAverage is the mean of the values available in each window of n periods
// ending at each period (NaN when the window has none).
func movingAverage(ys []float64, n int) []float64 {
	out := make([]float64, len(ys))
	for i := range ys {
		sum, k := 0.0, 0
		for j := max(0, i-n+1); j <= i; j++ {
			if !math.IsNaN(ys[j]) {
				sum, k = sum+ys[j], k+1
			}
		}
		out[i] = math.NaN()
		if k > 0 {
			out[i] = sum / float64(k)
		}
	}
	return out
}

// lastValue is the latest value that is not NaN, and its index (-1 when none).
func lastValue(ys []float64) (float64, int) {
	for i := len(ys) - 1; i >= 0; i-- {
		if !math.IsNaN(ys[i]) {
			return ys[i], i
		}
	}
	return 0, -1
}

// chartVariant is the embedded Liberation face the charts use: sans serif reads best small.
const chartVariant = "Sans"

// chartFont is the embedded face every chart text is drawn in.
var chartFont = func() *sfnt.Font {
	f := plot.DefaultFont
	f.Variant = chartVariant
	return font.DefaultCache.Lookup(f, vg.Points(12)).Face
}()

// drawable replaces each character the embedded font lacks by a visible placeholder.
func drawable(s string) string {
	var buf sfnt.Buffer
	var b strings.Builder
	for _, r := range s {
		if i, err := chartFont.GlyphIndex(&buf, r); err != nil || (i == 0 && r != ' ') {
			if r == '\n' || r == '\t' {
				b.WriteRune(' ')
				continue
			}
			r = placeholder
		}
		b.WriteRune(r)
	}
	return b.String()
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// periodTicks labels the x axis 1..n with the periods' end dates, every other one when
// there are many.
func periodTicks(r *Report) plot.ConstantTicks {
	var ticks []plot.Tick
	step := 1
	if len(r.History) > 7 {
		step = 2
	}
	for i, h := range r.History {
		t := plot.Tick{Value: float64(i + 1)}
		if (len(r.History)-1-i)%step == 0 {
			t.Label = r.periodLabel(h)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// percentTicks marks 0–100 % (or 0–max) every 25 points.
type percentTicks struct{ max float64 }

func (t percentTicks) Ticks(lo, hi float64) []plot.Tick {
	top := t.max
	if top == 0 {
		top = 100
	}
	var out []plot.Tick
	for v := 0.0; v <= top; v += 25 {
		if v >= lo && v <= hi {
			out = append(out, plot.Tick{Value: v, Label: fmt.Sprintf("%.0f%%", v)})
		}
	}
	return out
}

// moneyTicks marks amounts compactly (12k, 1.5M).
type moneyTicks struct{}

func (moneyTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strings.TrimPrefix(compactMoney(int64(ticks[i].Value*100), ""), " ")
		}
	}
	return ticks
}

// integerTicks marks whole numbers only.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(lo, hi) {
		if t.Value == math.Trunc(t.Value) {
			out = append(out, t)
		}
	}
	return out
}

// measuresChart shows each team measure's latest week against its target, as a share
// of the target (for a measure where lower is better, target ÷ value), green when met
// and red when missed; a week nobody reported is written as such, never drawn as zero.
func measuresChart(r *Report) (Chart, bool, error) {
	if r.Measures == nil {
		return Chart{}, false, nil
	}
	type bar struct {
		label  string
		share  float64
		status measures.Status
	}
	var bars []bar
	var alt []string
	for _, t := range r.Measures.Teams {
		for _, m := range t.Measures {
			b := bar{label: drawable(clipRunes(t.Name+": "+m.Measure.Name, 34)), status: m.Status}
			line := fmt.Sprintf("%s, %s: ", t.Name, m.Measure.Name)
			if m.Value == nil {
				line += fmt.Sprintf("not reported (target %s)", m.Measure.TargetLabel())
			} else {
				b.share = attainment(m.Measure, *m.Value)
				line += fmt.Sprintf("%s against a target of %s, %s (%.0f%% of target)", m.Measure.Format(*m.Value), m.Measure.TargetLabel(), m.Status, b.share)
			}
			bars = append(bars, b)
			alt = append(alt, line)
		}
	}
	if len(bars) == 0 {
		return Chart{}, false, nil
	}
	c := Chart{Name: "measures.png", Title: "Revenue drivers against target, " + r.Measures.Week.Label()}
	p := newPlot(c.Title, "Share of target (100% = target met)", "")
	// Bottom to top in the order the digest lists them.
	n := len(bars)
	met, missed := make(plotter.Values, n), make(plotter.Values, n)
	names := make([]string, n)
	for i, b := range bars {
		j := n - 1 - i
		names[j] = b.label
		switch b.status {
		case measures.Met:
			met[j] = b.share
		case measures.Missed:
			missed[j] = b.share
		default:
			say(p, "not reported", 50, float64(j))
		}
	}
	w := vg.Points(min(28, 260/float64(n)))
	for _, s := range []struct {
		v   plotter.Values
		col color.Color
		lbl string
	}{{met, palette[2], "met"}, {missed, palette[3], "missed"}} {
		bc, err := plotter.NewBarChart(s.v, w)
		if err != nil {
			return c, false, err
		}
		bc.Horizontal, bc.Color, bc.LineStyle.Width = true, s.col, 0
		p.Add(bc)
		p.Legend.Add(s.lbl, bc)
	}
	target, err := plotter.NewLine(plotter.XYs{{X: 100, Y: -0.6}, {X: 100, Y: float64(n) - 0.4}})
	if err != nil {
		return c, false, err
	}
	target.Color, target.Width, target.Dashes = color.Black, vg.Points(2), []vg.Length{vg.Points(5), vg.Points(4)}
	p.Add(target)
	p.NominalY(names...)
	p.X.Min, p.X.Max = 0, 200
	p.X.Tick.Marker = percentTicks{max: 200}
	p.Y.Min, p.Y.Max = -0.6, float64(n)+0.4
	c.AltText = "Revenue drivers, " + r.Measures.Week.Label() + ": " + strings.Join(alt, "; ") + "."
	return c, true, renderPNG(p, &c)
}

// attainment is a value as a share of its target, in percent (capped at 200): above 100
// is better than the target, whichever way the measure should move.
func attainment(m measures.Measure, v float64) float64 {
	var share float64
	switch {
	case m.Better == measures.Lower && v <= 0:
		share = 200
	case m.Better == measures.Lower:
		share = m.Target / v * 100
	case m.Target == 0:
		share = 200
	default:
		share = v / m.Target * 100
	}
	return math.Max(0, math.Min(share, 200))
}
