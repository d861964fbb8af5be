package themes

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randomMatrix(rng *rand.Rand, r, c int) []float64 {
	a := make([]float64, r*c)
	for i := range a {
		a[i] = rng.NormFloat64()
	}
	return a
}

// TestDenseProducts checks the block-summed products against the textbook triple loop,
// across block boundaries (n not a multiple of blockRows) and for tiny shapes.
func TestDenseProducts(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 4))
	for _, sh := range []struct{ n, wa, wb int }{{1, 1, 1}, {3, 2, 5}, {blockRows*2 + 37, 7, 4}, {300, 17, 17}} {
		a := randomMatrix(rng, sh.n, sh.wa)
		b := randomMatrix(rng, sh.n, sh.wb)
		naive := func(x, y []float64, wx, wy int) []float64 {
			out := make([]float64, wx*wy)
			for p := range wx {
				for q := range wy {
					for i := range sh.n {
						out[p*wy+q] += x[i*wx+p] * y[i*wy+q]
					}
				}
			}
			return out
		}
		check := func(what string, got, want []float64) {
			t.Helper()
			for i := range want {
				if math.Abs(got[i]-want[i]) > 1e-9*(1+math.Abs(want[i])) {
					t.Fatalf("%v %s: entry %d = %v, want %v", sh, what, i, got[i], want[i])
				}
			}
		}
		check("AᵀB", mulAtB(a, b, sh.wa, sh.wb), naive(a, b, sh.wa, sh.wb))
		check("AᵀA", mulAtB(a, nil, sh.wa, sh.wa), naive(a, a, sh.wa, sh.wa))
		bt := randomMatrix(rng, sh.wb, sh.wa)
		got := make([]float64, sh.n*sh.wb)
		mulABt(got, a, bt, sh.wa)
		want := make([]float64, sh.n*sh.wb)
		for i := range sh.n {
			for j := range sh.wb {
				for c := range sh.wa {
					want[i*sh.wb+j] += a[i*sh.wa+c] * bt[j*sh.wa+c]
				}
			}
		}
		check("ABᵀ", got, want)
	}
}
