package themes

import (
	"math"
	"slices"
	"testing"
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

func TestOrthonormalize(t *testing.T) {
	t.Parallel()
	// 4 × 3, the third column a combination of the first two: it must become zero.
	a := []float64{
		1, 2, 3,
		0, 1, 1,
		2, 0, 2,
		1, 1, 2,
	}
	l := 3
	orthonormalize(a, l, 2)
	g := gram(a, l)
	nonzero := 0
	for c := range l {
		switch d := g[c*l+c]; {
		case math.Abs(d-1) < 1e-9:
			nonzero++
		case math.Abs(d) > 1e-9:
			t.Errorf("column %d has squared norm %v, want 1 or 0", c, d)
		}
		for q := range l {
			if q != c && math.Abs(g[c*l+q]) > 1e-9 {
				t.Errorf("columns %d and %d not orthogonal: %v", c, q, g[c*l+q])
			}
		}
	}
	if nonzero != 2 {
		t.Errorf("%d unit columns, want the rank 2", nonzero)
	}
}
