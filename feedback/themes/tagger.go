package themes

import (
	"math"
	"slices"
	"strings"

	"github.com/vosbot/vosbot/feedback/catalogue"
)

// Match is one catalogue theme found in a text, with its score (cosine similarity to
// the theme's prototype plus the keyword bonus; higher is surer).
type Match struct {
	Key   string
	Score float64
}

// Example is a text people already tagged: it teaches the tagger how the theme is
// talked about here.
type Example struct {
	Text string
	Keys []string
}

// Tagging limits.
const (
	// MaxMatches is the most themes one text gets.
	MaxMatches = 3
	// DefaultThreshold is the score below which a theme is not given.
	DefaultThreshold = 0.12
	// keywordBonus is added per keyword phrase the text contains (at most two).
	keywordBonus = 0.1
	// relativeCut drops themes scoring under this share of the best one.
	relativeCut = 0.5
	// maxExamplesPerTheme bounds the prototype cost.
	maxExamplesPerTheme = 200
)

// Tagger gives texts the catalogue themes they are about. Build it once per
// catalogue and corpus; it is safe for concurrent use.
type Tagger struct {
	themes []catalogue.Theme
	vocab  *vocabulary
	protos []sparse
	// Keyword phrases by their first element: stem sequences, and (for phrases made
	// of stop words but one) lower-case word sequences.
	stemPhrases, wordPhrases phraseIndex
	stems                    *stemmer
	docs                     int // documents behind the idf
	Threshold                float64
}

// NewTagger builds prototypes for the catalogue from each theme's name, description
// and keywords (keywords count twice) and the examples tagged with it. Term weights
// come from the prototypes, the examples and background, the texts about to be tagged
// (any of them may be empty).
func NewTagger(cat []catalogue.Theme, examples []Example, background []string) *Tagger {
	s := newStemmer(1 << 18)
	t := &Tagger{themes: slices.Clone(cat), stems: s, Threshold: DefaultThreshold}
	protoDocs := make([]doc, len(cat))
	index := map[string]int{}
	for i, th := range cat {
		index[th.Key] = i
		text := th.Name + ". " + th.Description + ".\n" + strings.Join(th.Keywords, ".\n") + ".\n" + strings.Join(th.Keywords, ".\n")
		protoDocs[i], _ = analyze(s, text, nil)
		var phrases, wordPhrases [][]string
		for _, kw := range th.Keywords {
			st := Normalize(kw)
			// A phrase left with one word or none once its stop words are gone ("go
			// live", "on hold", "per user", "went with") means something only as a
			// phrase: it is matched on the text's words as written, so that it does not
			// fire on every "live", "hold" or "user".
			if raw := plainWords(kw); len(raw) > 1 && len(st) <= 1 {
				if !slices.ContainsFunc(wordPhrases, func(p []string) bool { return slices.Equal(p, raw) }) {
					wordPhrases = append(wordPhrases, raw)
				}
				continue
			}
			if len(st) == 0 {
				continue
			}
			// Keywords with the same stems ("price", "pricing") are one hint, not two.
			if !slices.ContainsFunc(phrases, func(p []string) bool { return slices.Equal(p, st) }) {
				phrases = append(phrases, st)
			}
		}
		t.stemPhrases.add(i, phrases)
		t.wordPhrases.add(i, wordPhrases)
	}
	all := slices.Clone(protoDocs)
	used := make([]int, len(cat))
	for _, ex := range examples {
		// Examples join their themes' prototypes, not the document frequencies: more
		// examples of a phrase must make it count more, not less.
		d, _ := analyze(s, ex.Text, nil)
		for _, k := range ex.Keys {
			if i, ok := index[k]; ok && used[i] < maxExamplesPerTheme {
				used[i]++
				protoDocs[i].terms = append(protoDocs[i].terms, d.terms...)
				protoDocs[i].surfaces = append(protoDocs[i].surfaces, d.surfaces...)
			}
		}
	}
	for _, b := range background {
		d, _ := analyze(s, b, nil)
		all = append(all, d)
	}
	t.vocab = buildVocabulary(all, vocabOptions{minDF: 1})
	t.docs = len(all)
	t.protos = make([]sparse, len(cat))
	for i, d := range protoDocs {
		t.protos[i] = t.vocab.vector(d, nil)
	}
	return t
}

// Tag returns the themes text is about, dominant first, at most MaxMatches, only
// those applying to records of kind ("" for any).
func (t *Tagger) Tag(text, kind string) []Match {
	d, toks := analyze(t.stems, text, nil)
	if len(d.terms) == 0 {
		return nil
	}
	v := t.textVector(d)
	stems := make([]string, len(toks))
	for i, tk := range toks {
		stems[i] = tk.stem
	}
	// Each theme earns a bonus per distinct keyword phrase found, at most two.
	hits := make([]int, len(t.themes))
	t.stemPhrases.find(stems, hits)
	if t.wordPhrases.n > 0 {
		t.wordPhrases.find(plainWords(text), hits)
	}
	var out []Match
	for i, th := range t.themes {
		if !th.AppliesToRecord(kind) {
			continue
		}
		score := v.dot(t.protos[i]) + keywordBonus*float64(min(hits[i], 2))
		if score >= t.Threshold {
			out = append(out, Match{Key: th.Key, Score: score})
		}
	}
	slices.SortStableFunc(out, func(a, b Match) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return strings.Compare(a.Key, b.Key)
	})
	for i, m := range out {
		if i >= MaxMatches || m.Score < relativeCut*out[0].Score {
			return out[:i]
		}
	}
	return out
}

// textVector weighs a text like vocabulary.vector but counts the words the vocabulary
// lacks in the norm (with the idf of a word seen nowhere), so a text that is mostly
// about something else scores low instead of resting on the one known word it has.
func (t *Tagger) textVector(d doc) sparse {
	v := t.vocab.vector(d, nil)
	tf := map[string]float64{}
	for _, term := range d.terms {
		tf[term]++
	}
	unseen := math.Log(1+float64(t.docs)) + 1
	var known, unknown float64
	for term, n := range tf {
		w := 1 + math.Log(n)
		if id, ok := t.vocab.ids[term]; ok {
			w *= float64(t.vocab.idf[id])
			known += w * w
		} else if !strings.Contains(term, " ") {
			// Unknown words say the text is about something else; an unknown pair
			// of words says nothing more than its words do.
			w *= unseen
			unknown += w * w
		}
	}
	if known == 0 {
		return sparse{}
	}
	scale := float32(math.Sqrt(known / (known + unknown)))
	for i := range v.val {
		v.val[i] *= scale
	}
	return v
}

// plainWords returns the lower-case words of text as written, apostrophes dropped
// ("Doesn't" -> "doesnt"), with no stop word removed and nothing stemmed.
func plainWords(text string) []string {
	var out []string
	for _, chunk := range strings.Fields(text) {
		if len(out) >= maxTokensPerText {
			break
		}
		for _, w := range words(chunk) {
			lw := strings.ToLower(w.text)
			lw = strings.ReplaceAll(lw, "’", "")
			out = append(out, strings.ReplaceAll(lw, "'", ""))
		}
	}
	return out
}

// phraseIndex finds keyword phrases in a sequence of words by looking up each word,
// so a text costs one map lookup per word rather than one scan per phrase.
type phraseIndex struct {
	byFirst map[string][]phrase
	n       int // phrases indexed; each has its own id
}

type phrase struct {
	theme, id int
	seq       []string
}

func (x *phraseIndex) add(theme int, seqs [][]string) {
	if x.byFirst == nil {
		x.byFirst = map[string][]phrase{}
	}
	for _, seq := range seqs {
		x.byFirst[seq[0]] = append(x.byFirst[seq[0]], phrase{theme: theme, id: x.n, seq: seq})
		x.n++
	}
}

// find adds to hits, per theme, the number of distinct phrases of x that occur in seq.
func (x *phraseIndex) find(seq []string, hits []int) {
	var found map[int]bool
	for i, w := range seq {
		for _, p := range x.byFirst[w] {
			if !found[p.id] && i+len(p.seq) <= len(seq) && slices.Equal(seq[i:i+len(p.seq)], p.seq) {
				if found == nil {
					found = map[int]bool{}
				}
				found[p.id] = true
				hits[p.theme]++
			}
		}
	}
}
