package themes

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
)

// silhouetteSample bounds the texts the choice of k looks at: silhouettes need all
// pairwise similarities.
const silhouetteSample = 2000

// candidateKs are the k tried when choosing, within [MinK, MaxK].
var candidateKs = []int{2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 18, 20, 23, 26, 30, 35, 40, 45, 50, 60, 70, 80, 90, 100, 120, 150}

// kneeShare is how close to the best silhouette the chosen k must come.
const kneeShare = 0.9

// chooseK scores each candidate k by the mean cosine silhouette of a spherical k-means
// grouping of a sample and picks the smallest k within kneeShare of the best score. It
// returns the k and its silhouette.
func chooseK(p points, o ClusterOptions, rng *rand.Rand) (int, float64) {
	s := p.sample(silhouetteSample, rng)
	hi := min(o.MaxK, max(2, s.n/10))
	// Cosines of every pair, each taken once (gonum's assembly dot product) and
	// mirrored: the row owning i writes both (i, j) and (j, i) for j ≥ i.
	sim := make([]float64, s.n*s.n)
	parallel(s.n, func(lo, up int) {
		for i := lo; i < up; i++ {
			for j := i; j < s.n; j++ {
				v := floats.Dot(s.row(i), s.row(j))
				sim[i*s.n+j], sim[j*s.n+i] = v, v
			}
		}
	})
	type scored struct {
		k   int
		sil float64
	}
	var curve []scored
	best := math.Inf(-1)
	for _, k := range candidateKs {
		if k < o.MinK || k > hi {
			continue
		}
		part := kmeans(s, k, 3, true, rng)
		sc := silhouette(sim, s.n, part.assign, k)
		curve = append(curve, scored{k, sc})
		best = max(best, sc)
	}
	if len(curve) == 0 {
		return min(max(o.MinK, 1), s.n), 0
	}
	// On short texts the silhouette climbs while real topics separate, then plateaus
	// while k only splits them further; the knee, not the noisy maximum of the plateau,
	// is the number of topics.
	for _, c := range curve {
		if c.sil >= kneeShare*best {
			return c.k, c.sil
		}
	}
	return curve[len(curve)-1].k, curve[len(curve)-1].sil
}

// silhouette is the mean over points of (b − a)/max(a, b), where a is the mean cosine
// distance to the point's own group and b the smallest mean distance to another group;
// points alone in their group count 0.
func silhouette(sim []float64, n int, assign []int, k int) float64 {
	size := make([]int, k)
	for _, a := range assign {
		size[a]++
	}
	scores := make([]float64, n)
	parallel(n, func(lo, hi int) {
		sum := make([]float64, k)
		for i := lo; i < hi; i++ {
			own := assign[i]
			if size[own] < 2 {
				continue
			}
			clear(sum)
			row := sim[i*n : (i+1)*n]
			for j, a := range assign {
				sum[a] += 1 - row[j]
			}
			a := (sum[own] - (1 - row[i])) / float64(size[own]-1)
			b := math.Inf(1)
			for c := range k {
				if c != own && size[c] > 0 {
					b = min(b, sum[c]/float64(size[c]))
				}
			}
			if math.IsInf(b, 1) {
				continue
			}
			if m := max(a, b); m > 0 {
				scores[i] = (b - a) / m
			}
		}
	})
	var t float64
	for _, v := range scores {
		t += v
	}
	return t / float64(n)
}
