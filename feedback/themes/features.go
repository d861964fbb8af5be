package themes

import (
	"math"
	"slices"
)

// doc is one text's terms: stem unigrams and bigrams, with the surface words that
// produced them (for readable labels).
type doc struct {
	terms    []string
	surfaces []string
}

// analyze turns a text into its terms: every stem, and every pair of adjacent stems
// not separated by a sentence break or a dropped entity.
func analyze(s *stemmer, text string, buf []token) (doc, []token) {
	toks := s.tokens(text, buf[:0])
	d := doc{terms: make([]string, 0, 2*len(toks)), surfaces: make([]string, 0, 2*len(toks))}
	for i, t := range toks {
		d.terms = append(d.terms, t.stem)
		d.surfaces = append(d.surfaces, t.surface)
		if i > 0 && !t.brk {
			d.terms = append(d.terms, toks[i-1].stem+" "+t.stem)
			d.surfaces = append(d.surfaces, toks[i-1].surface+" "+t.surface)
		}
	}
	return d, toks
}

// sparse is an L2-normalised TF-IDF row: term ids ascending, with weights.
type sparse struct {
	idx []int32
	val []float32
}

func (a sparse) dot(b sparse) float64 {
	var s float64
	i, j := 0, 0
	for i < len(a.idx) && j < len(b.idx) {
		switch {
		case a.idx[i] == b.idx[j]:
			s += float64(a.val[i]) * float64(b.val[j])
			i++
			j++
		case a.idx[i] < b.idx[j]:
			i++
		default:
			j++
		}
	}
	return s
}

// vocabulary maps kept terms to ids, with their idf and a readable surface form.
type vocabulary struct {
	ids     map[string]int32
	terms   []string
	surface []string
	idf     []float32
}

// vocabOptions say which terms are kept.
type vocabOptions struct {
	minDF int // a term must occur in at least this many texts
}

// buildVocabulary counts document frequencies over docs and keeps the terms occurring
// in at least minDF of them. Ids follow the sorted term order, so the vocabulary does
// not depend on map iteration.
func buildVocabulary(docs []doc, o vocabOptions) *vocabulary {
	df := map[string]int{}
	surf := map[string]map[string]int{}
	seen := map[string]bool{}
	for _, d := range docs {
		clear(seen)
		for i, t := range d.terms {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
			m := surf[t]
			if m == nil {
				m = map[string]int{}
				surf[t] = m
			}
			m[d.surfaces[i]]++
		}
	}
	var kept []string
	for t, n := range df {
		if n >= o.minDF {
			kept = append(kept, t)
		}
	}
	slices.Sort(kept)
	v := &vocabulary{ids: make(map[string]int32, len(kept)), terms: kept,
		surface: make([]string, len(kept)), idf: make([]float32, len(kept))}
	n := float64(len(docs))
	for i, t := range kept {
		v.ids[t] = int32(i)
		// Smoothed idf, as scikit-learn: ln((1+n)/(1+df)) + 1.
		v.idf[i] = float32(math.Log((1+n)/(1+float64(df[t]))) + 1)
		v.surface[i] = mostCommon(surf[t])
	}
	return v
}

// mostCommon returns the most frequent key, the smallest on ties.
func mostCommon(m map[string]int) string {
	best, bn := "", -1
	for s, n := range m {
		if n > bn || n == bn && s < best {
			best, bn = s, n
		}
	}
	return best
}

// vector weighs a document's terms: (1 + ln tf) · idf, L2-normalised. Terms outside
// the vocabulary are ignored; weight scales individual terms (nil: 1).
func (v *vocabulary) vector(d doc, weight func(term string) float32) sparse {
	tf := map[int32]float32{}
	for _, t := range d.terms {
		if id, ok := v.ids[t]; ok {
			w := float32(1)
			if weight != nil {
				w = weight(t)
			}
			tf[id] += w
		}
	}
	out := sparse{idx: make([]int32, 0, len(tf)), val: make([]float32, 0, len(tf))}
	for id := range tf {
		out.idx = append(out.idx, id)
	}
	slices.Sort(out.idx)
	var norm float64
	for _, id := range out.idx {
		w := (1 + float32(math.Log(float64(tf[id])))) * v.idf[id]
		if tf[id] < 1 {
			w = tf[id] * v.idf[id]
		}
		out.val = append(out.val, w)
		norm += float64(w) * float64(w)
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range out.val {
			out.val[i] *= inv
		}
	}
	return out
}
