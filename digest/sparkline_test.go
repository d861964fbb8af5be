package digest

import (
	"math"
	"testing"
)

func TestSparkline(t *testing.T) {
	t.Parallel()
	nan := math.NaN()
	tests := []struct {
		in   []float64
		want string
	}{
		{nil, ""},
		{[]float64{3}, "▁"},
		{[]float64{2, 2, 2}, "▁▁▁"},
		{[]float64{0, 7}, "▁█"},
		{[]float64{0, 1, 2, 3, 4, 5, 6, 7}, "▁▂▃▄▅▆▇█"},
		{[]float64{1, nan, 3}, "▁·█"},
		{[]float64{nan, nan}, "··"},
		{[]float64{-5, 0, 5}, "▁▅█"},
	}
	for _, tt := range tests {
		if got := Sparkline(tt.in); got != tt.want {
			t.Errorf("Sparkline(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTrendsCarryTheirNumbers(t *testing.T) {
	t.Parallel()
	h := []PeriodStat{{Won: 1, Lost: 1}, {}, {Won: 3, Lost: 1}, {Won: 1, Lost: 3}}
	if got, want := winRateTrend(h), "4 periods ▅·█▁ (from 50% to 25%; low 25%, high 75%)"; got != want {
		t.Errorf("winRateTrend = %q, want %q", got, want)
	}
	if got := winRateTrend([]PeriodStat{{Won: 1}}); got != "" {
		t.Errorf("one period drew a trend: %q", got)
	}
	if got, want := countTrend([]int{0, 2, 4}, "deals"), "3 periods ▁▅█ (0–4 deals)"; got != want {
		t.Errorf("countTrend = %q, want %q", got, want)
	}
}
