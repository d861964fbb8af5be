package main

import (
	"math"
	"testing"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	tests := []struct {
		name           string
		pred, gold     []int
		nmi, ari, accu float64
	}{
		{"perfect", []int{0, 0, 1, 1, 2}, []int{0, 0, 1, 1, 2}, 1, 1, 1},
		{"relabelled", []int{2, 2, 0, 0, 1}, []int{0, 0, 1, 1, 2}, 1, 1, 1},
		// NMI and ARI from scikit-learn 1.2.1 (normalized_mutual_info_score,
		// adjusted_rand_score); ACC by hand: the best mapping 0→0, 1→1, 2→2 gets 2+2+2 of 10.
		{"mixed", []int{0, 0, 0, 1, 1, 1, 2, 2, 2, 2}, []int{0, 0, 1, 1, 1, 2, 2, 2, 0, 0}, 0.39464837163589433, 0.09090909090909091, 0.6},
		// More groups than labels: unmatched groups count as wrong (scikit-learn: 2/3, 0).
		{"split", []int{0, 1, 2, 3}, []int{0, 0, 1, 1}, 2.0 / 3, 0, 0.5},
	}
	for _, tc := range tests {
		if got := nmi(tc.pred, tc.gold); !near(got, tc.nmi) {
			t.Errorf("%s: nmi = %v, want %v", tc.name, got, tc.nmi)
		}
		if got := ari(tc.pred, tc.gold); !near(got, tc.ari) {
			t.Errorf("%s: ari = %v, want %v", tc.name, got, tc.ari)
		}
		if got := acc(tc.pred, tc.gold); !near(got, tc.accu) {
			t.Errorf("%s: acc = %v, want %v", tc.name, got, tc.accu)
		}
	}
}

func TestHungarianMax(t *testing.T) {
	t.Parallel()
	w := [][]float64{{1, 9, 1}, {9, 1, 1}, {1, 1, 5}}
	m := hungarianMax(w)
	if m[0] != 1 || m[1] != 0 || m[2] != 2 {
		t.Errorf("match = %v, want [1 0 2]", m)
	}
}
