package themes

import (
	"math"
	"slices"
	"testing"
)

// plainDoc is a document of unigram terms that are their own surface.
func plainDoc(terms ...string) doc {
	return doc{terms: terms, surfaces: terms}
}

// toyDocs has n = 3 and document frequencies zeta 3, beta 2, alpha 1, gamma 1.
func toyDocs() []doc {
	return []doc{
		plainDoc("zeta", "beta", "beta"),
		plainDoc("zeta", "alpha", "zeta"),
		plainDoc("gamma", "beta", "zeta"),
	}
}

func TestBuildVocabularyMinDF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		minDF int
		want  []string
	}{
		{0, []string{"alpha", "beta", "gamma", "zeta"}},
		{1, []string{"alpha", "beta", "gamma", "zeta"}},
		{2, []string{"beta", "zeta"}},
		{3, []string{"zeta"}},
		{4, nil},
	}
	for _, tt := range tests {
		v := buildVocabulary(toyDocs(), vocabOptions{minDF: tt.minDF})
		if !slices.Equal(v.terms, tt.want) {
			t.Errorf("minDF %d: terms %q, want %q", tt.minDF, v.terms, tt.want)
		}
		if len(v.ids) != len(tt.want) || len(v.idf) != len(tt.want) || len(v.surface) != len(tt.want) {
			t.Errorf("minDF %d: %d ids, %d idf, %d surfaces for %d terms", tt.minDF, len(v.ids), len(v.idf), len(v.surface), len(tt.want))
		}
		for i, term := range tt.want {
			if id, ok := v.ids[term]; !ok || int(id) != i {
				t.Errorf("minDF %d: id of %q = %d, %v; want %d", tt.minDF, term, id, ok, i)
			}
		}
	}
}

func TestBuildVocabularyDeterministic(t *testing.T) {
	t.Parallel()
	docs := toyDocs()
	first := buildVocabulary(docs, vocabOptions{minDF: 1})
	for range 20 {
		v := buildVocabulary(docs, vocabOptions{minDF: 1})
		if !slices.Equal(v.terms, first.terms) || !slices.Equal(v.idf, first.idf) || !slices.Equal(v.surface, first.surface) {
			t.Fatalf("vocabulary changed between runs: %+v vs %+v", v, first)
		}
	}
	// Document order does not change ids either.
	rev := slices.Clone(docs)
	slices.Reverse(rev)
	if v := buildVocabulary(rev, vocabOptions{minDF: 1}); !slices.Equal(v.terms, first.terms) {
		t.Errorf("reversed docs give terms %q, want %q", v.terms, first.terms)
	}
}

func TestIDFSmoothed(t *testing.T) {
	t.Parallel()
	v := buildVocabulary(toyDocs(), vocabOptions{minDF: 1})
	// n = 3: idf = ln((1+3)/(1+df)) + 1.
	want := map[string]float64{
		"zeta":  1,                   // df 3: ln(4/4) + 1
		"beta":  math.Log(4.0/3) + 1, // df 2
		"alpha": math.Log(4.0/2) + 1, // df 1
		"gamma": math.Log(2) + 1,     // df 1
	}
	for term, w := range want {
		if got := float64(v.idf[v.ids[term]]); math.Abs(got-w) > 1e-6 {
			t.Errorf("idf(%s) = %v, want %v", term, got, w)
		}
	}
	// A term repeated in one document still counts once towards df.
	if v.idf[v.ids["beta"]] >= v.idf[v.ids["alpha"]] {
		t.Errorf("beta (df 2) should weigh less than alpha (df 1): %v vs %v", v.idf[v.ids["beta"]], v.idf[v.ids["alpha"]])
	}
}

func TestVocabularySurface(t *testing.T) {
	t.Parallel()
	docs := []doc{
		{terms: []string{"price", "price"}, surfaces: []string{"pricing", "price"}},
		{terms: []string{"price", "secur"}, surfaces: []string{"pricing", "security"}},
		{terms: []string{"tie"}, surfaces: []string{"tied"}},
		{terms: []string{"tie"}, surfaces: []string{"ties"}},
	}
	v := buildVocabulary(docs, vocabOptions{minDF: 1})
	for term, want := range map[string]string{"price": "pricing", "secur": "security", "tie": "tied"} {
		if got := v.surface[v.ids[term]]; got != want {
			t.Errorf("surface(%s) = %q, want %q", term, got, want)
		}
	}
}

func norm2(s sparse) float64 {
	var n float64
	for _, x := range s.val {
		n += float64(x) * float64(x)
	}
	return n
}

func TestVectorSublinearTF(t *testing.T) {
	t.Parallel()
	docs := toyDocs()
	v := buildVocabulary(docs, vocabOptions{minDF: 1})
	idf := func(term string) float64 { return float64(v.idf[v.ids[term]]) }
	// Document 0 has beta twice, zeta once.
	row := v.vector(docs[0], nil)
	if !slices.Equal(row.idx, []int32{v.ids["beta"], v.ids["zeta"]}) {
		t.Fatalf("idx = %v, want beta, zeta ids", row.idx)
	}
	gotRatio := float64(row.val[0]) / float64(row.val[1])
	wantRatio := (1 + math.Ln2) * idf("beta") / idf("zeta")
	if math.Abs(gotRatio-wantRatio) > 1e-5 {
		t.Errorf("beta/zeta weight ratio = %v, want (1+ln 2)·idf ratio %v", gotRatio, wantRatio)
	}
	// Exact values after normalisation.
	b, z := (1+math.Ln2)*idf("beta"), idf("zeta")
	n := math.Hypot(b, z)
	if math.Abs(float64(row.val[0])-b/n) > 1e-6 || math.Abs(float64(row.val[1])-z/n) > 1e-6 {
		t.Errorf("row = %v, want [%v %v]", row.val, b/n, z/n)
	}
}

func TestVectorWeightAndUnknownTerms(t *testing.T) {
	t.Parallel()
	docs := toyDocs()
	v := buildVocabulary(docs, vocabOptions{minDF: 2}) // beta, zeta
	row := v.vector(plainDoc("beta", "zeta", "alpha", "unknown"), func(term string) float32 {
		if term == "beta" {
			return 0.5
		}
		return 1
	})
	if len(row.idx) != 2 {
		t.Fatalf("terms outside the vocabulary kept: %+v", row)
	}
	// A weighted count under 1 is used as is: 0.5·idf against 1·idf.
	got := float64(row.val[0]) / float64(row.val[1])
	want := 0.5 * float64(v.idf[v.ids["beta"]]) / float64(v.idf[v.ids["zeta"]])
	if math.Abs(got-want) > 1e-5 {
		t.Errorf("weighted ratio = %v, want %v", got, want)
	}
	if empty := v.vector(plainDoc("alpha", "nothing"), nil); len(empty.idx) != 0 || len(empty.val) != 0 {
		t.Errorf("doc with no known term gave %+v", empty)
	}
	if empty := v.vector(doc{}, nil); len(empty.idx) != 0 {
		t.Errorf("empty doc gave %+v", empty)
	}
}

func TestVectorUnitNormSorted(t *testing.T) {
	t.Parallel()
	s := newStemmer(1000)
	texts := []string{
		"Pricing was too high, pricing pricing and discounts. Security review stalled.",
		"Salesforce integration missing; integration roadmap unclear",
		"budget",
		"",
	}
	docs := make([]doc, len(texts))
	for i, x := range texts {
		docs[i], _ = analyze(s, x, nil)
	}
	v := buildVocabulary(docs, vocabOptions{minDF: 1})
	for i, d := range docs {
		row := v.vector(d, nil)
		if !slices.IsSorted(row.idx) {
			t.Errorf("row %d idx not ascending: %v", i, row.idx)
		}
		if len(row.idx) != len(slices.Compact(slices.Clone(row.idx))) {
			t.Errorf("row %d has duplicate ids: %v", i, row.idx)
		}
		n := norm2(row)
		if len(d.terms) == 0 {
			if n != 0 {
				t.Errorf("empty row %d has norm %v", i, n)
			}
			continue
		}
		if math.Abs(n-1) > 1e-5 {
			t.Errorf("row %d has squared norm %v, want 1", i, n)
		}
		if d := row.dot(row); math.Abs(d-1) > 1e-5 {
			t.Errorf("row %d self dot = %v", i, d)
		}
	}
}

func TestAnalyzeBigramsWithinSentence(t *testing.T) {
	t.Parallel()
	d, toks := analyze(newStemmer(100), "Pricing too high. Security review\nstalled, legal redlines", nil)
	want := []string{
		"price", "high", "price high",
		"secur", "review", "secur review",
		"stall", "legal", "stall legal", "redlin", "legal redlin",
	}
	if !slices.Equal(d.terms, want) {
		t.Errorf("terms = %q, want %q", d.terms, want)
	}
	if len(d.surfaces) != len(d.terms) {
		t.Fatalf("%d surfaces for %d terms", len(d.surfaces), len(d.terms))
	}
	if i := slices.Index(d.terms, "secur review"); d.surfaces[i] != "security review" {
		t.Errorf("bigram surface = %q", d.surfaces[i])
	}
	if len(toks) != 7 {
		t.Errorf("%d tokens, want 7", len(toks))
	}
	for _, forbidden := range []string{"high secur", "review stall"} {
		if slices.Contains(d.terms, forbidden) {
			t.Errorf("bigram %q crosses a sentence break", forbidden)
		}
	}
}

func TestSparseDot(t *testing.T) {
	t.Parallel()
	a := sparse{idx: []int32{1, 3, 5}, val: []float32{1, 2, 3}}
	b := sparse{idx: []int32{0, 3, 5, 7}, val: []float32{4, 5, 6, 7}}
	tests := []struct {
		name string
		x, y sparse
		want float64
	}{
		{"overlap", a, b, 2*5 + 3*6},
		{"self", a, a, 1 + 4 + 9},
		{"disjoint", a, sparse{idx: []int32{0, 2, 4, 6}, val: []float32{9, 9, 9, 9}}, 0},
		{"empty", a, sparse{}, 0},
		{"both empty", sparse{}, sparse{}, 0},
		{"last only", a, sparse{idx: []int32{5}, val: []float32{-2}}, -6},
	}
	for _, tt := range tests {
		if got := tt.x.dot(tt.y); got != tt.want {
			t.Errorf("%s: dot = %v, want %v", tt.name, got, tt.want)
		}
		if got := tt.y.dot(tt.x); got != tt.want {
			t.Errorf("%s: reversed dot = %v, want %v", tt.name, got, tt.want)
		}
	}
}
