package themes

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/lapack/gonum"
	"gonum.org/v1/gonum/mat"
)

// powerIterations sharpen the range finder; fewer cost quality on the eval sets.
const powerIterations = 4

// renormEvery is how many products with XᵀX (or XXᵀ) the basis takes between two
// renormalisations. Each product spreads its columns by (σ₁/σₗ)², 10 to 25 on the
// eval sets: two in a row leave it well within float64 (a spread of 10⁸, as for
// σ₁/σₗ = 100, still keeps eight digits of the weakest direction), at half the LU
// factorisations.
const renormEvery = 2

// lsa reduces L2-normalised TF-IDF rows over m terms to at most dims latent
// dimensions by truncated SVD, returning the rows of U·Σ re-normalised to unit length
// (row-major, n × d) and d.
//
// It is the randomised SVD of Halko, Martinsson and Tropp (2011): a range finder with
// power iterations on the smaller side (texts or terms), then the Rayleigh–Ritz step
// on the basis Y it finds. The dense work is kept to a few l-column passes over the
// smaller side (l = d + 10):
//   - every renormEvery power iterations the basis is renormalised by LU with partial
//     pivoting (as scikit-learn does), not orthonormalised: only its span matters, and
//     the LU factor costs a third of a Gram-based orthonormalisation;
//   - Y is never orthonormalised: the SVD of QᵀX, Q an orthonormal basis of Y, comes
//     from the l × l matrices YᵀY and YᵀXXᵀY (Q = Y·(YᵀY)^-½). The flat spectrum of
//     TF-IDF keeps YᵀY well conditioned (σ₁/σₗ is 3 to 5 on the eval sets, and the LU
//     factor bounds the rest), so nothing is lost to the Gram matrix in float64;
//   - when terms are fewer than texts, Y = X·Z and U·Σ = X·(Z·P) for an l × d matrix
//     P, so no n × l dense product is taken at all;
//   - the l × l and l × d products are dot products of contiguous rows (dense.go).
func lsa(rows []sparse, m, dims int, seed uint64) ([]float64, int) {
	n := len(rows)
	d := min(dims, n-1, m-1)
	if d < 1 {
		return unitColumn(n), 1
	}
	l := min(d+10, n, m)
	rng := rand.New(rand.NewPCG(seed, 0x15a))
	cols := transpose(rows, m)
	if m < n {
		z := make([]float64, m*l)
		for i := range z {
			z[i] = rng.NormFloat64()
		}
		y := make([]float64, n*l)
		for q := range powerIterations {
			if q > 0 && q%renormEvery == 0 {
				luBasis(z, l)
			}
			mulSparse(y, rows, z, l)
			mulSparse(z, cols, y, l)
		}
		luBasis(z, l)
		c := make([]float64, m*l)
		mulSparse(y, rows, z, l)
		mulSparse(c, cols, y, l)
		// YᵀY = Zᵀ·XᵀX·Z = ZᵀC: an m-side product instead of an n-side one.
		g := mulAtB(z, c, l, l)
		symmetrize(g, l)
		p, dd := ritz(g, mulAtB(c, nil, l, l), l, d)
		if dd == 0 {
			return unitColumn(n), 1
		}
		// U·Σ = Y·P = X·(Z·P), in the memory of C and Y (d < l), no longer needed: at
		// 50,000 texts that is 90 MB less to collect.
		zp := c[:m*d]
		mulABt(zp, z, transposeRows(p, d, 0, l), l)
		out := y[:n*d]
		mulSparse(out, rows, zp, d)
		normalizeRows(out, d)
		return out, d
	}
	// Y = X·Ω with Ω Gaussian over the terms, as in the other branch.
	c := make([]float64, m*l)
	for i := range c {
		c[i] = rng.NormFloat64()
	}
	y := make([]float64, n*l)
	mulSparse(y, rows, c, l)
	for q := range powerIterations {
		if q > 0 && q%renormEvery == 0 {
			luBasis(y, l)
		}
		mulSparse(c, cols, y, l)
		mulSparse(y, rows, c, l)
	}
	luBasis(y, l)
	mulSparse(c, cols, y, l)
	p, dd := ritz(mulAtB(y, nil, l, l), mulAtB(c, nil, l, l), l, d)
	if dd == 0 {
		return unitColumn(n), 1
	}
	out := c[:n*d] // C is no longer needed, and m ≥ n
	mulABt(out, y, transposeRows(p, d, 0, l), l)
	normalizeRows(out, d)
	return out, d
}

// ritz is the Rayleigh–Ritz step: given G = YᵀY and H = YᵀXXᵀY (l × l), it returns
// the l × d matrix P with Y·P = U·Σ, the top d left singular vectors of QᵀX scaled by
// their singular values, Q = Y·G^-½ (directions of Y with no weight left out). The
// count of usable directions is returned, 0 when there is none.
func ritz(g, h []float64, l, d int) ([]float64, int) {
	var eg mat.EigenSym
	if !eg.Factorize(mat.NewSymDense(l, g), true) {
		return nil, 0
	}
	gv := eg.Values(nil)
	var gvec mat.Dense
	eg.VectorsTo(&gvec)
	// T = V·D^-½, dropping directions of no weight.
	t := mat.NewDense(l, l, nil)
	top := gv[l-1]
	if top <= 0 {
		return nil, 0
	}
	for c := range l {
		if gv[c] <= top*1e-12 {
			continue
		}
		s := 1 / math.Sqrt(gv[c])
		for r := range l {
			t.Set(r, c, gvec.At(r, c)*s)
		}
	}
	// B·Bᵀ = Tᵀ·H·T, B = QᵀX.
	var ht, bb mat.Dense
	ht.Mul(mat.NewDense(l, l, h), t)
	bb.Mul(t.T(), &ht)
	b := bb.RawMatrix().Data
	symmetrize(b, l)
	var eb mat.EigenSym
	if !eb.Factorize(mat.NewSymDense(l, b), true) {
		return nil, 0
	}
	bv := eb.Values(nil) // ascending
	var bvec mat.Dense
	eb.VectorsTo(&bvec)
	// P = T·U_b·Σ over the top d components, largest first.
	us := mat.NewDense(l, d, nil)
	for c := range d {
		src := l - 1 - c
		s := math.Sqrt(max(bv[src], 0))
		for r := range l {
			us.Set(r, c, bvec.At(r, src)*s)
		}
	}
	var p mat.Dense
	p.Mul(t, us)
	return p.RawMatrix().Data, d
}

// symmetrize replaces the l × l matrix a by (a + aᵀ)/2, removing rounding asymmetry.
func symmetrize(a []float64, l int) {
	for r := range l {
		for c := r + 1; c < l; c++ {
			v := (a[r*l+c] + a[c*l+r]) / 2
			a[r*l+c], a[c*l+r] = v, v
		}
	}
}

// luBasis replaces the columns of a (row-major, l columns, at least l rows) by P·L of
// its LU factorisation with partial pivoting: the same span, columns of comparable
// size whatever the spread of the original ones.
func luBasis(a []float64, l int) {
	r := len(a) / l
	ipiv := make([]int, l)
	impl := gonum.Implementation{}
	impl.Dgetrf(r, l, a, l, ipiv)
	// L is unit lower trapezoidal: clear U out of the top l × l block.
	for i := range l {
		row := a[i*l : (i+1)*l]
		row[i] = 1
		clear(row[i+1:])
	}
	// a = P·L·U: undo the row interchanges, last first, to get P·L.
	impl.Dlaswp(l, a, l, 0, l-1, ipiv, -1)
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

func normalizeRows(a []float64, d int) {
	parallel(len(a)/d, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			normalizeRow(a[i*d : (i+1)*d])
		}
	})
}

// transpose returns the columns of the sparse matrix with the given rows over m terms,
// as rows of Xᵀ (text indices ascending), so both X·W and Xᵀ·Y are row-wise sums.
func transpose(rows []sparse, m int) []sparse {
	count := make([]int, m)
	nnz := 0
	for _, r := range rows {
		for _, id := range r.idx {
			count[id]++
		}
		nnz += len(r.idx)
	}
	idx := make([]int32, nnz)
	val := make([]float32, nnz)
	cols := make([]sparse, m)
	off := 0
	for j, c := range count {
		cols[j] = sparse{idx: idx[off : off : off+c], val: val[off : off : off+c]}
		off += c
	}
	for i, r := range rows {
		for k, id := range r.idx {
			cols[id].idx = append(cols[id].idx, int32(i))
			cols[id].val = append(cols[id].val, r.val[k])
		}
	}
	return cols
}

// mulSparse sets out (len(rows) × l, row-major) to X·W for the sparse rows of X and
// dense W (l columns). Each output row is summed by one goroutine in a fixed order, so
// the result does not depend on the CPU count.
func mulSparse(out []float64, rows []sparse, w []float64, l int) {
	parallel(len(rows), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			oi := out[i*l : (i+1)*l]
			clear(oi)
			for k, id := range rows[i].idx {
				floats.AddScaled(oi, float64(rows[i].val[k]), w[int(id)*l:(int(id)+1)*l])
			}
		}
	})
}
