package themes

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// lsa reduces L2-normalised TF-IDF rows over m terms to at most dims latent
// dimensions by truncated SVD, returning the rows of U·Σ re-normalised to unit length
// (row-major, n × d) and d. It uses a randomised range finder (Halko, Martinsson and
// Tropp 2011) with power iterations, orthonormalising through the small Gram matrix,
// so the cost is a few passes over the non-zeros plus O(n·d²).
// powerIterations sharpen the range finder; fewer cost quality on the eval sets.
const powerIterations = 4

func lsa(rows []sparse, m, dims int, seed uint64) ([]float64, int) {
	n := len(rows)
	d := min(dims, n-1, m-1)
	if d < 1 {
		return unitColumn(n), 1
	}
	l := min(d+10, n, m)
	rng := rand.New(rand.NewPCG(seed, 0x15a))
	omega := make([]float64, m*l)
	for i := range omega {
		omega[i] = rng.NormFloat64()
	}
	// Power iterations normalise on the smaller side only (texts or terms): X·Xᵀ
	// squares the spread of the singular values, well within what the Gram matrix
	// holds in float64.
	var y []float64
	if m < n {
		z := omega
		for range powerIterations {
			orthonormalize(z, l, 1)
			z = mulXtY(rows, mulXW(rows, z, l), m, l)
		}
		orthonormalize(z, l, 1)
		y = mulXW(rows, z, l)
	} else {
		y = mulXW(rows, omega, l)
		for range powerIterations {
			orthonormalize(y, l, 1)
			y = mulXW(rows, mulXtY(rows, y, m, l), l)
		}
	}
	orthonormalize(y, l, 2)
	// B = Qᵀ X is l × m; its SVD comes from the eigenvectors of B·Bᵀ = (XᵀQ)ᵀ(XᵀQ).
	bt := mulXtY(rows, y, m, l)
	g := gram(bt, l)
	var eig mat.EigenSym
	if !eig.Factorize(mat.NewSymDense(l, g), true) {
		return unitColumn(n), 1
	}
	vals := eig.Values(nil) // ascending
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	// Top d components, largest first, scaled by the singular value.
	proj := make([]float64, l*d)
	for c := range d {
		src := l - 1 - c
		s := math.Sqrt(max(vals[src], 0))
		for r := range l {
			proj[r*d+c] = vecs.At(r, src) * s
		}
	}
	var prod mat.Dense
	prod.Mul(mat.NewDense(n, l, y), mat.NewDense(l, d, proj))
	out := prod.RawMatrix().Data
	parallel(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			normalizeRow(out[i*d : (i+1)*d])
		}
	})
	return out, d
}

func unitColumn(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1
	}
	return out
}

func normalizeRow(v []float64) {
	var s float64
	for _, x := range v {
		s += x * x
	}
	if s > 0 {
		inv := 1 / math.Sqrt(s)
		for i := range v {
			v[i] *= inv
		}
	}
}

// mulXW returns X·W (n × l, row-major) for sparse X and dense W (m × l).
func mulXW(rows []sparse, w []float64, l int) []float64 {
	out := make([]float64, len(rows)*l)
	parallel(len(rows), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			oi := out[i*l : (i+1)*l]
			for k, id := range rows[i].idx {
				v := float64(rows[i].val[k])
				wr := w[int(id)*l : (int(id)+1)*l]
				for c := range oi {
					oi[c] += v * wr[c]
				}
			}
		}
	})
	return out
}

// mulXtY returns Xᵀ·Y (m × l) for sparse X (n × m) and dense Y (n × l). Work is split
// by output column, so every sum is taken in the same order whatever the CPU count.
func mulXtY(rows []sparse, y []float64, m, l int) []float64 {
	out := make([]float64, m*l)
	parallel(l, func(c0, c1 int) {
		for i, r := range rows {
			yi := y[i*l : (i+1)*l]
			for k, id := range r.idx {
				v := float64(r.val[k])
				or := out[int(id)*l : (int(id)+1)*l]
				for c := c0; c < c1; c++ {
					or[c] += v * yi[c]
				}
			}
		}
	})
	return out
}

// gram returns AᵀA (l × l, row-major) for A row-major with l columns.
func gram(a []float64, l int) []float64 {
	n := len(a) / l
	var g mat.SymDense
	g.SymOuterK(1, mat.NewDense(n, l, a).T())
	out := make([]float64, l*l)
	for p := range l {
		for q := range l {
			out[p*l+q] = g.At(p, q)
		}
	}
	return out
}

// orthonormalize makes the columns of a (row-major, l columns) orthonormal in place,
// through the eigen-decomposition of its Gram matrix; columns in the null space become
// zero. The final basis takes two passes (Cholesky-QR2) to recover the precision the
// Gram matrix loses; inside the power iterations one is enough.
func orthonormalize(a []float64, l, passes int) {
	for range passes {
		g := gram(a, l)
		var eig mat.EigenSym
		if !eig.Factorize(mat.NewSymDense(l, g), true) {
			return
		}
		vals := eig.Values(nil)
		var vecs mat.Dense
		eig.VectorsTo(&vecs)
		top := vals[l-1]
		t := make([]float64, l*l)
		for c := range l {
			if vals[c] <= top*1e-12 {
				continue
			}
			s := 1 / math.Sqrt(vals[c])
			for r := range l {
				t[r*l+c] = vecs.At(r, c) * s
			}
		}
		n := len(a) / l
		var prod mat.Dense
		prod.Mul(mat.NewDense(n, l, a), mat.NewDense(l, l, t))
		copy(a, prod.RawMatrix().Data)
	}
}
