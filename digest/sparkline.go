package digest

import (
	"fmt"
	"math"
	"strings"
)

// sparkBars are the eight heights of a Unicode sparkline.
var sparkBars = []rune("▁▂▃▄▅▆▇█")

// sparkGap stands for a period with nothing to measure.
const sparkGap = '·'

// Sparkline draws values (oldest first) as Unicode bars scaled between their minimum and
// maximum; NaN is a period with nothing to measure. Equal values draw a flat line.
func Sparkline(values []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if !math.IsNaN(v) {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	var b strings.Builder
	for _, v := range values {
		switch {
		case math.IsNaN(v):
			b.WriteRune(sparkGap)
		case hi == lo:
			b.WriteRune(sparkBars[0])
		default:
			i := int(math.Round((v - lo) / (hi - lo) * float64(len(sparkBars)-1)))
			b.WriteRune(sparkBars[i])
		}
	}
	return b.String()
}

// winRateTrend is the win rate's sparkline over the history with its numbers, for
// clients that show no images and for screen readers.
func winRateTrend(h []PeriodStat) string {
	vals := make([]float64, len(h))
	var lo, hi, first, last float64
	n := 0
	for i, p := range h {
		rate, ok := p.WinRate()
		if !ok {
			vals[i] = math.NaN()
			continue
		}
		vals[i] = rate
		if n == 0 {
			first, lo, hi = rate, rate, rate
		}
		lo, hi, last = min(lo, rate), max(hi, rate), rate
		n++
	}
	if n < 2 {
		return ""
	}
	return fmt.Sprintf("%d periods %s (from %s to %s; low %s, high %s)", len(h), Sparkline(vals), pct(first), pct(last), pct(lo), pct(hi))
}

// countTrend is a count's sparkline with its range.
func countTrend(counts []int, unit string) string {
	if len(counts) < 2 {
		return ""
	}
	vals := make([]float64, len(counts))
	lo, hi := counts[0], counts[0]
	for i, c := range counts {
		vals[i] = float64(c)
		lo, hi = min(lo, c), max(hi, c)
	}
	return fmt.Sprintf("%d periods %s (%d–%d %s)", len(counts), Sparkline(vals), lo, hi, unit)
}
