package themes

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// points is a row-major matrix of unit vectors.
type points struct {
	x    []float64
	n, d int
}

func (p points) row(i int) []float64 { return p.x[i*p.d : (i+1)*p.d] }

// sample returns at most n of the points, drawn at random (all of them, in order,
// when there are no more than n).
func (p points) sample(n int, rng *rand.Rand) points {
	if p.n <= n {
		return p
	}
	s := points{x: make([]float64, 0, n*p.d), n: n, d: p.d}
	for _, i := range rng.Perm(p.n)[:n] {
		s.x = append(s.x, p.row(i)...)
	}
	return s
}

func dot(a, b []float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// partition is a k-way grouping of points with its centroids and objective (higher is
// tighter).
type partition struct {
	assign []int
	cent   []float64
	k      int
	score  float64
}

// kmeansPP picks k seeds by greedy k-means++ (Arthur and Vassilvitskii 2007; each step
// tries 2 + ln k candidates drawn in proportion to the cosine distance to the nearest
// seed so far, and keeps the one that lowers the total distance most).
func kmeansPP(p points, k int, rng *rand.Rand) []float64 {
	cent := make([]float64, 0, k*p.d)
	first := rng.IntN(p.n)
	cent = append(cent, p.row(first)...)
	dist := make([]float64, p.n)
	for i := range p.n {
		dist[i] = max(0, 1-dot(p.row(i), p.row(first)))
	}
	trials := 2 + int(math.Log(float64(k)))
	cand := make([]float64, p.n)
	best := make([]float64, p.n)
	for len(cent) < k*p.d {
		var total float64
		for _, v := range dist {
			total += v
		}
		bestPot, bestIdx := math.Inf(1), -1
		cands := make([]int, trials)
		vecs := make([]float64, 0, trials*p.d)
		for t := range cands {
			cands[t] = pick(dist, total, rng)
			vecs = append(vecs, p.row(cands[t])...)
		}
		sims := similarities(p, vecs, trials)
		for t, c := range cands {
			var pot float64
			for i := range p.n {
				cand[i] = min(dist[i], max(0, 1-sims[i*trials+t]))
				pot += cand[i]
			}
			if pot < bestPot {
				bestPot, bestIdx = pot, c
				copy(best, cand)
			}
		}
		cent = append(cent, p.row(bestIdx)...)
		copy(dist, best)
	}
	return cent
}

// pick draws an index with probability proportional to w (uniformly when all are 0).
func pick(w []float64, total float64, rng *rand.Rand) int {
	if total <= 0 {
		return rng.IntN(len(w))
	}
	r := rng.Float64() * total
	for i, v := range w {
		r -= v
		if r < 0 {
			return i
		}
	}
	return len(w) - 1
}

// lloyd runs k-means on unit vectors from the given centroids until no point moves or
// maxIter rounds: assign each point to its nearest centroid, then move each centroid
// to the mean of its points. Spherical k-means normalises the centroids and assigns by
// cosine; otherwise centroids keep their length and points go to the least squared
// distance (|x−c|² = 1 − 2x·c + |c|²). The difference matters on short texts: a group
// of texts with little in common has a short mean, which attracts the texts that fit
// no topic, so the topical groups stay clean. An emptied group takes the point that
// fits its own group worst.
func lloyd(p points, cent []float64, k, maxIter int, spherical bool) partition {
	assign := make([]int, p.n)
	for i := range assign {
		assign[i] = -1
	}
	sim := make([]float64, p.n)
	for range maxIter {
		moved := assignAll(p, cent, k, assign, sim, spherical)
		recenter(p, cent, k, assign, sim, spherical)
		if moved == 0 {
			break
		}
	}
	assignAll(p, cent, k, assign, sim, spherical)
	var score float64
	for _, s := range sim {
		score += s
	}
	return partition{assign: assign, cent: cent, k: k, score: score}
}

func assignAll(p points, cent []float64, k int, assign []int, sim []float64, spherical bool) int {
	cnorm := make([]float64, k)
	for c := range k {
		cc := cent[c*p.d : (c+1)*p.d]
		cnorm[c] = dot(cc, cc)
	}
	prod := similarities(p, cent, k)
	moves := make([]int, p.n)
	parallel(p.n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := prod[i*k : (i+1)*k]
			bc, bs := 0, math.Inf(-1)
			for c, s := range row {
				if !spherical {
					s = 2*s - cnorm[c]
				}
				if s > bs {
					bc, bs = c, s
				}
			}
			if assign[i] != bc {
				moves[i] = 1
			}
			assign[i], sim[i] = bc, bs
		}
	})
	n := 0
	for _, m := range moves {
		n += m
	}
	return n
}

// similarities returns the n × k dot products of the points with k vectors (row-major
// in vecs), as one matrix product.
func similarities(p points, vecs []float64, k int) []float64 {
	var prod mat.Dense
	prod.Mul(mat.NewDense(p.n, p.d, p.x), mat.NewDense(k, p.d, vecs[:k*p.d]).T())
	return prod.RawMatrix().Data
}

func recenter(p points, cent []float64, k int, assign []int, sim []float64, spherical bool) {
	clear(cent)
	count := make([]int, k)
	for i, c := range assign {
		count[c]++
		cr := cent[c*p.d : (c+1)*p.d]
		for j, v := range p.row(i) {
			cr[j] += v
		}
	}
	for c := range k {
		if count[c] > 0 {
			continue
		}
		// Refill an empty cluster with the worst-fitting point of a cluster of two or more.
		worst := -1
		for i, a := range assign {
			if count[a] > 1 && (worst < 0 || sim[i] < sim[worst]) {
				worst = i
			}
		}
		if worst < 0 {
			continue
		}
		old := assign[worst]
		or := cent[old*p.d : (old+1)*p.d]
		for j, v := range p.row(worst) {
			or[j] -= v
		}
		count[old]--
		assign[worst] = c
		count[c] = 1
		sim[worst] = 1
		copy(cent[c*p.d:(c+1)*p.d], p.row(worst))
	}
	for c := range k {
		if !spherical && count[c] > 0 {
			cc := cent[c*p.d : (c+1)*p.d]
			for j := range cc {
				cc[j] /= float64(count[c])
			}
			continue
		}
		normalizeRow(cent[c*p.d : (c+1)*p.d])
	}
}

// kmeansSample is how many points the restarts look at; beyond it they run on a
// random sample and only the best one is refined on all points.
const kmeansSample = 6000

// kmeans groups p into k clusters from restarts k-means++ starts, keeping the tightest.
// Deterministic for a given rng state.
func kmeans(p points, k, restarts int, spherical bool, rng *rand.Rand) partition {
	k = max(1, min(k, p.n))
	sample := p.sample(kmeansSample, rng)
	var best partition
	for r := range restarts {
		part := lloyd(sample, kmeansPP(sample, k, rng), k, 100, spherical)
		if r == 0 || part.score > best.score {
			best = part
		}
	}
	if sample.n == p.n {
		return best
	}
	return lloyd(p, best.cent, k, 100, spherical)
}
