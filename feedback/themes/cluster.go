package themes

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// ClusterOptions tune discovery. The zero value chooses k automatically with seed 0.
type ClusterOptions struct {
	K        int    // number of groups; 0 chooses it
	Seed     uint64 // same texts and seed, same groups
	Dims     int    // LSA dimensions (default 150)
	Restarts int    // k-means++ restarts (default 10)
	MinK     int    // smallest k tried when choosing (default 2)
	MaxK     int    // largest k tried when choosing (default 80, at most a tenth of the texts)
	// Progress, when set, hears of each finished step (for long runs).
	Progress func(step string)
	// Spherical normalises centroids (cosine assignment) instead of keeping the
	// mean's length: more even groups, fewer left in a mixed group.
	Spherical bool
}

func (o ClusterOptions) withDefaults() ClusterOptions {
	if o.Dims <= 0 {
		o.Dims = 150
	}
	if o.Restarts <= 0 {
		o.Restarts = 10
	}
	if o.MinK <= 0 {
		o.MinK = 2
	}
	if o.MaxK <= 0 {
		o.MaxK = 80
	}
	return o
}

// Clustering is the outcome of discovery.
type Clustering struct {
	// Group of each text, in input order; -1 for a text with no words to go by.
	Assign []int
	// Labels of the groups, unique within the run.
	Labels []string
	// Sizes of the groups.
	Sizes []int
	// K is the number of groups, given or chosen.
	K int
	// Mixed marks groups of texts with little in common (a centroid much shorter than
	// the typical one): what is left when the topics are taken out. Their labels start
	// with "mixed: " and they are never proposed as emerging themes.
	Mixed []bool
	// Chosen reports whether K was chosen automatically, and Silhouette its score.
	Chosen     bool
	Silhouette float64
}

// ErrNoTexts is returned when there is nothing to cluster.
var ErrNoTexts = errors.New("themes: no texts with words to cluster")

// corpus is the analysed form of a set of texts.
type corpus struct {
	docs  []doc
	vocab *vocabulary
	rows  []sparse
}

func newCorpus(texts []string) *corpus {
	s := newStemmer(1 << 20)
	docs := make([]doc, len(texts))
	parallel(len(texts), func(lo, hi int) {
		var buf []token
		for i := lo; i < hi; i++ {
			docs[i], buf = analyze(s, texts[i], buf)
		}
	})
	minDF := 1
	if len(texts) >= 200 {
		minDF = 2
	}
	v := buildVocabulary(docs, vocabOptions{minDF: minDF})
	rows := make([]sparse, len(docs))
	parallel(len(docs), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			rows[i] = v.vector(docs[i], nil)
		}
	})
	return &corpus{docs: docs, vocab: v, rows: rows}
}

// Cluster discovers groups among texts with no catalogue: see the package comment.
func Cluster(texts []string, o ClusterOptions) (*Clustering, error) {
	o = o.withDefaults()
	c := newCorpus(texts)
	// Texts left with no known term cannot be placed; they get group -1.
	var live []int
	for i, r := range c.rows {
		if len(r.idx) > 0 {
			live = append(live, i)
		}
	}
	if len(live) == 0 {
		return nil, ErrNoTexts
	}
	rows := make([]sparse, len(live))
	for j, i := range live {
		rows[j] = c.rows[i]
	}
	o.progress(fmt.Sprintf("features: %d terms", len(c.vocab.terms)))
	rng := rand.New(rand.NewPCG(o.Seed, 0x7e4e5))
	z, d := lsa(rows, len(c.vocab.terms), o.Dims, o.Seed)
	o.progress(fmt.Sprintf("reduced to %d dimensions", d))
	p := points{x: z, n: len(rows), d: d}
	res := &Clustering{Assign: make([]int, len(texts))}
	k := o.K
	if k <= 0 {
		k, res.Silhouette = chooseK(p, o, rng)
		res.Chosen = true
		o.progress(fmt.Sprintf("chose k = %d", k))
	}
	k = min(k, len(rows))
	part := kmeans(p, k, o.Restarts, o.Spherical, rng)
	o.progress(fmt.Sprintf("grouped into %d", k))
	assign, k := compact(part.assign, k)
	for i := range res.Assign {
		res.Assign[i] = -1
	}
	for j, i := range live {
		res.Assign[i] = assign[j]
	}
	res.K = k
	res.Sizes = make([]int, k)
	for _, a := range assign {
		res.Sizes[a]++
	}
	res.Labels = labelGroups(c, live, assign, k)
	res.Mixed = mixedGroups(part, p.d, assign, k, o.Spherical)
	for g, m := range res.Mixed {
		if m {
			res.Labels[g] = "mixed: " + res.Labels[g]
		}
	}
	return res, nil
}

// compact renumbers groups 0..k'-1 by first appearance, dropping empty ones.
func compact(assign []int, k int) ([]int, int) {
	m := make([]int, k)
	for i := range m {
		m[i] = -1
	}
	next := 0
	out := make([]int, len(assign))
	for i, a := range assign {
		if m[a] < 0 {
			m[a] = next
			next++
		}
		out[i] = m[a]
	}
	return out, next
}

func (o ClusterOptions) progress(step string) {
	if o.Progress != nil {
		o.Progress(step)
	}
}

// mixedShare is how much shorter than the median centroid a mixed group's is.
const mixedShare = 0.7

// mixedGroups flags the groups whose mean vector is short: their texts point in many
// directions. Spherical centroids have no length to go by, so nothing is flagged.
func mixedGroups(part partition, d int, assign []int, k int, spherical bool) []bool {
	out := make([]bool, k)
	if spherical || k < 3 {
		return out
	}
	// Centroids are indexed by the k-means group; assign is compacted, so map back.
	norms := make([]float64, k)
	for i, g := range assign {
		c := part.cent[part.assign[i]*d : (part.assign[i]+1)*d]
		norms[g] = math.Sqrt(dot(c, c))
	}
	sorted := slices.Clone(norms)
	slices.Sort(sorted)
	median := sorted[k/2]
	for g, n := range norms {
		out[g] = n < mixedShare*median
	}
	return out
}
