package themes

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// twoTopicRows builds TF-IDF rows for texts that each leave out one of the first three
// of the four words of topic A or of topic B (disjoint vocabularies), every pattern
// twice: n = 12 rows over m = 8 terms, of rank 6 (three independent patterns a topic).
func twoTopicRows() (rows []sparse, m int, topic []int) {
	a := []string{"alpha", "beta", "gamma", "delta"}
	b := []string{"kappa", "lambda", "omicron", "sigma"}
	var docs []doc
	for range 2 {
		for t, words := range [][]string{a, b} {
			for skip := range 3 {
				var terms []string
				for i, w := range words {
					if i != skip {
						terms = append(terms, w)
					}
				}
				docs = append(docs, plainDoc(terms...))
				topic = append(topic, t)
			}
		}
	}
	v := buildVocabulary(docs, vocabOptions{minDF: 1})
	for _, d := range docs {
		rows = append(rows, v.vector(d, nil))
	}
	return rows, len(v.terms), topic
}

func rowDot(z []float64, d, i, j int) float64 {
	return dot(z[i*d:(i+1)*d], z[j*d:(j+1)*d])
}

func checkUnitRows(t *testing.T, z []float64, n, d int) {
	t.Helper()
	if len(z) != n*d {
		t.Fatalf("lsa returned %d values, want %d×%d", len(z), n, d)
	}
	for i := range n {
		if got := rowDot(z, d, i, i); math.Abs(got-1) > 1e-9 {
			t.Errorf("row %d has squared norm %v, want 1", i, got)
		}
	}
}

func TestLSASeparatesDisjointVocabularies(t *testing.T) {
	t.Parallel()
	rows, m, topic := twoTopicRows()
	n := len(rows)
	// Two latent dimensions: one per topic, so rows collapse onto their topic's axis.
	z, d := lsa(rows, m, 2, 7)
	if d != 2 {
		t.Fatalf("d = %d, want 2", d)
	}
	checkUnitRows(t, z, n, d)
	for i := range n {
		for j := range n {
			c := rowDot(z, d, i, j)
			if topic[i] == topic[j] && math.Abs(c-1) > 1e-6 {
				t.Errorf("same topic rows %d, %d: cosine %v, want 1", i, j, c)
			}
			if topic[i] != topic[j] && math.Abs(c) > 1e-6 {
				t.Errorf("different topic rows %d, %d: cosine %v, want 0", i, j, c)
			}
		}
	}
}

func TestLSAPreservesCosinesWhenLossless(t *testing.T) {
	t.Parallel()
	rows, m, topic := twoTopicRows()
	n := len(rows)
	// d = min(150, n-1, m-1) = 7 ≥ rank 6: nothing is lost, so U·Σ has the cosines of
	// the input, exactly 0 between topics.
	z, d := lsa(rows, m, 150, 1)
	if d != 7 {
		t.Fatalf("d = %d, want 7", d)
	}
	checkUnitRows(t, z, n, d)
	for i := range n {
		for j := range n {
			got, want := rowDot(z, d, i, j), rows[i].dot(rows[j])
			if math.Abs(got-want) > 1e-6 {
				t.Errorf("cosine(%d, %d) = %v after LSA, %v before", i, j, got, want)
			}
			if topic[i] != topic[j] && want != 0 {
				t.Fatalf("toy corpus broken: rows %d, %d of different topics overlap", i, j)
			}
		}
	}
}

func TestLSAExactWhenRankIsLow(t *testing.T) {
	t.Parallel()
	// Five texts over six terms, of which the last two repeat the first two: rank 3,
	// d = min(150, 4, 5) = 4 > 3, so U·Σ keeps every cosine of the input.
	docs := []doc{
		plainDoc("alpha", "beta"),
		plainDoc("beta", "gamma", "delta"),
		plainDoc("epsilon", "zeta", "alpha"),
		plainDoc("alpha", "beta"),
		plainDoc("beta", "gamma", "delta"),
	}
	v := buildVocabulary(docs, vocabOptions{minDF: 1})
	var rows []sparse
	for _, d := range docs {
		rows = append(rows, v.vector(d, nil))
	}
	z, d := lsa(rows, len(v.terms), 150, 3)
	if d != 4 {
		t.Fatalf("d = %d, want 4", d)
	}
	checkUnitRows(t, z, len(rows), d)
	for i := range rows {
		for j := range rows {
			if got, want := rowDot(z, d, i, j), rows[i].dot(rows[j]); math.Abs(got-want) > 1e-6 {
				t.Errorf("cosine(%d, %d) = %v after LSA, %v before", i, j, got, want)
			}
		}
	}
}

func TestLSADeterministic(t *testing.T) {
	t.Parallel()
	rows, m, _ := twoTopicRows()
	z1, d1 := lsa(rows, m, 5, 42)
	z2, d2 := lsa(rows, m, 5, 42)
	if d1 != d2 || !slices.Equal(z1, z2) {
		t.Errorf("same seed gave different output")
	}
}

func TestLSADegenerate(t *testing.T) {
	t.Parallel()
	one := []sparse{{idx: []int32{0, 1}, val: []float32{0.6, 0.8}}}
	tests := []struct {
		name string
		rows []sparse
		m    int
		n    int
	}{
		{"one text", one, 2, 1},
		{"one term", []sparse{{idx: []int32{0}, val: []float32{1}}, {idx: []int32{0}, val: []float32{1}}}, 1, 2},
		{"no texts", nil, 3, 0},
	}
	for _, tt := range tests {
		z, d := lsa(tt.rows, tt.m, 150, 0)
		if d != 1 || len(z) != tt.n {
			t.Errorf("%s: got %d values of dimension %d, want %d of dimension 1", tt.name, len(z), d, tt.n)
		}
		for _, x := range z {
			if x != 1 {
				t.Errorf("%s: got %v, want a unit column", tt.name, z)
				break
			}
		}
	}
}

func TestLUBasisKeepsSpan(t *testing.T) {
	t.Parallel()
	// 5 × 3 with columns of very different sizes: P·L spans the same space, with a
	// unit entry heading each column.
	a := []float64{
		1e6, 2, 0.001,
		3e6, 1, 0.002,
		0, 5, 0.001,
		2e6, 0, 0.004,
		1e6, 1, 0,
	}
	l := 3
	b := slices.Clone(a)
	luBasis(b, l)
	// Every column of a must lie in the span of b: the residual of its least-squares
	// fit is zero.
	bm := mat.NewDense(5, l, b)
	var qr mat.QR
	qr.Factorize(bm)
	for c := range l {
		col := mat.NewVecDense(5, mat.Col(nil, c, mat.NewDense(5, l, a)))
		var x, fit mat.VecDense
		if err := qr.SolveVecTo(&x, false, col); err != nil {
			t.Fatal(err)
		}
		fit.MulVec(bm, &x)
		fit.SubVec(&fit, col)
		if r := mat.Norm(&fit, 2) / mat.Norm(col, 2); r > 1e-9 {
			t.Errorf("column %d: relative residual %v outside the span of P·L", c, r)
		}
	}
	for c := range l {
		var big float64
		for r := range 5 {
			big = max(big, math.Abs(b[r*l+c]))
		}
		if math.Abs(big-1) > 1e-12 {
			t.Errorf("column %d: largest entry %v, want 1 (partial pivoting)", c, big)
		}
	}
}

// TestLSAMatchesReference checks the fast LSA against the former one (Gram-based
// orthonormalisation of the range, B = QᵀX formed explicitly), both sides of the
// texts/terms switch: same random start, so the same subspace and the same cosines
// between texts up to rounding.
func TestLSAMatchesReference(t *testing.T) {
	t.Parallel()
	for _, perTopic := range []int{40, 400} { // terms > texts, then texts > terms
		texts, _ := syntheticCorpus(perTopic)
		c := newCorpus(texts)
		var rows []sparse
		for _, r := range c.rows {
			if len(r.idx) > 0 {
				rows = append(rows, r)
			}
		}
		m := len(c.vocab.terms)
		for _, dims := range []int{5, 150} {
			got, d := lsa(rows, m, dims, 9)
			want, wd := lsaReference(rows, m, dims, 9)
			if d != wd {
				t.Fatalf("%d texts, %d terms, dims %d: d = %d, reference %d", len(rows), m, dims, d, wd)
			}
			checkUnitRows(t, got, len(rows), d)
			var worst float64
			for i := range rows {
				for j := range i {
					worst = max(worst, math.Abs(rowDot(got, d, i, j)-rowDot(want, d, i, j)))
				}
			}
			if worst > 1e-6 {
				t.Errorf("%d texts, %d terms, dims %d: cosines differ from the reference by up to %v", len(rows), m, dims, worst)
			}
		}
	}
}

// lsaReference is the engine's former LSA: a Gram-orthonormalised range finder (Cholesky-QR2
// on the final basis) and B = QᵀX. The faster lsa must give the same embedding.
func lsaReference(rows []sparse, m, dims int, seed uint64) ([]float64, int) {
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
			refOrthonormalize(z, l, 1)
			z = mulXtY(rows, mulXW(rows, z, l), m, l)
		}
		refOrthonormalize(z, l, 1)
		y = mulXW(rows, z, l)
	} else {
		y = mulXW(rows, omega, l)
		for range powerIterations {
			refOrthonormalize(y, l, 1)
			y = mulXW(rows, mulXtY(rows, y, m, l), l)
		}
	}
	refOrthonormalize(y, l, 2)
	// B = Qᵀ X is l × m; its SVD comes from the eigenvectors of B·Bᵀ = (XᵀQ)ᵀ(XᵀQ).
	bt := mulXtY(rows, y, m, l)
	g := refGram(bt, l)
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

func refGram(a []float64, l int) []float64 {
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

func refOrthonormalize(a []float64, l, passes int) {
	for range passes {
		g := refGram(a, l)
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
