package themes

import "gonum.org/v1/gonum/floats"

// Dense products for LSA, written as dot products of contiguous rows. gonum's
// assembly dot kernel runs at about twice the speed of its Dgemm on these shapes and
// four to five times that of its Dsyrk (serial), measured on the 2-core machine of
// BENCHMARKS.md; each entry is one dot product, and sums over rows are taken over
// fixed blocks in a fixed order, so results do not depend on the number of CPUs.

// mulABt sets out (r × s, row-major) to A·Bᵀ for row-major A (r × w) and B (s × w).
func mulABt(out, a, b []float64, w int) {
	s := len(b) / w
	parallel(len(a)/w, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ai := a[i*w : (i+1)*w]
			oi := out[i*s : (i+1)*s]
			for j := range oi {
				oi[j] = floats.Dot(ai, b[j*w:(j+1)*w])
			}
		}
	})
}

// blockRows is the row count of the blocks AᵀB is summed over: large enough for long
// dot products, small enough for a block of 160 columns to stay in L2.
const blockRows = 1024

// mulAtB returns AᵀB (wa × wb, row-major) for row-major A (n × wa) and B (n × wb), or
// AᵀA when b is nil (computed on one triangle and mirrored).
func mulAtB(a, b []float64, wa, wb int) []float64 {
	n := len(a) / wa
	sym := b == nil
	if sym {
		b, wb = a, wa
	}
	blocks := (n + blockRows - 1) / blockRows
	parts := make([][]float64, blocks)
	forEach(blocks, func() func(int) {
		at := make([]float64, wa*blockRows)
		bt := at
		if !sym {
			bt = make([]float64, wb*blockRows)
		}
		return func(blk int) {
			lo, hi := blk*blockRows, min(n, (blk+1)*blockRows)
			h := hi - lo
			transposeRowsTo(at, a, wa, lo, hi)
			if !sym {
				transposeRowsTo(bt, b, wb, lo, hi)
			}
			g := make([]float64, wa*wb)
			for p := range wa {
				ap := at[p*h : (p+1)*h]
				q0 := 0
				if sym {
					q0 = p
				}
				for q := q0; q < wb; q++ {
					g[p*wb+q] = floats.Dot(ap, bt[q*h:(q+1)*h])
				}
			}
			parts[blk] = g
		}
	})
	out := make([]float64, wa*wb)
	for _, g := range parts {
		floats.Add(out, g)
	}
	if sym {
		for p := range wa {
			for q := p + 1; q < wa; q++ {
				out[q*wa+p] = out[p*wa+q]
			}
		}
	}
	return out
}

// transposeRows returns rows lo..hi of the row-major matrix a (w columns) transposed:
// w rows of hi−lo values.
func transposeRows(a []float64, w, lo, hi int) []float64 {
	t := make([]float64, w*(hi-lo))
	transposeRowsTo(t, a, w, lo, hi)
	return t
}

// transposeRowsTo is transposeRows into t (at least w·(hi−lo) long).
func transposeRowsTo(t, a []float64, w, lo, hi int) {
	h := hi - lo
	for i := lo; i < hi; i++ {
		for c, v := range a[i*w : (i+1)*w] {
			t[c*h+i-lo] = v
		}
	}
}
