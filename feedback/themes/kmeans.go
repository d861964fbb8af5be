package themes

import (
	"math"
	"math/rand/v2"
	"slices"

	gblas "gonum.org/v1/gonum/blas/gonum"
	"gonum.org/v1/gonum/floats"
)

// points is a row-major matrix of unit vectors.
type points struct {
	x    []float64
	n, d int
}

func (p points) row(i int) []float64 { return p.x[i*p.d : (i+1)*p.d] }

// float32s returns the coordinates rounded to float32.
func (p points) float32s() []float32 {
	x := make([]float32, len(p.x))
	for i, v := range p.x {
		x[i] = float32(v)
	}
	return x
}

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
// seed so far, and keeps the one that lowers the total distance most). It is most of
// the work of a restart (n·k·(2 + ln k) products), and only steers where Lloyd starts,
// so its products are taken in float32: twice gonum's float64 throughput, with errors
// (~1e-7) far below anything that moves a draw or a choice.
//
// Besides the seeds it returns the cosine distance of every point to every seed (n × k,
// float32 products): bounds for the first round of Lloyd (see lloydFrom). x is p in
// float32 (nil: converted here), so that restarts convert it once. It runs on one CPU
// (restarts run in parallel) and draws from rng as ppDraws says.
func kmeansPP(p points, x []float32, k int, rng *rand.Rand) ([]float64, []float32) {
	if x == nil {
		x = p.float32s()
	}
	row := func(i int) []float32 { return x[i*p.d : (i+1)*p.d] }
	var sdot gblas.Implementation
	seedDist := make([]float32, p.n*k)
	cent := make([]float64, 0, k*p.d)
	first := rng.IntN(p.n)
	cent = append(cent, p.row(first)...)
	dist := make([]float64, p.n)
	for i := range p.n {
		raw := 1 - float64(sdot.Sdot(p.d, row(i), 1, row(first), 1))
		seedDist[i*k] = float32(raw)
		dist[i] = max(0, raw)
	}
	trials := ppTrials(k)
	raw := make([]float64, trials*p.n)
	pot := make([]float64, trials)
	cands := make([]int, trials)
	for j := 1; j < k; j++ {
		var total float64
		for _, v := range dist {
			total += v
		}
		for t := range cands {
			cands[t] = pick(dist, total, rng)
		}
		for i := range p.n {
			xi := row(i)
			for t, c := range cands {
				raw[t*p.n+i] = 1 - float64(sdot.Sdot(p.d, xi, 1, row(c), 1))
			}
		}
		for t := range cands {
			var s float64
			for i, r := range raw[t*p.n : (t+1)*p.n] {
				s += clampDist(r, dist[i])
			}
			pot[t] = s
		}
		bestT := 0
		for t := range cands {
			if pot[t] < pot[bestT] {
				bestT = t
			}
		}
		cent = append(cent, p.row(cands[bestT])...)
		for i, r := range raw[bestT*p.n : (bestT+1)*p.n] {
			seedDist[i*k+j] = float32(r)
			dist[i] = clampDist(r, dist[i])
		}
	}
	return cent, seedDist
}

// ppTrials is how many candidates kmeansPP tries for each seed after the first.
func ppTrials(k int) int { return 2 + int(math.Log(float64(k))) }

// ppDraws takes from rng what kmeansPP(p, …, k, …) takes from it, for p of n points
// (one IntN(n), then a Float64 for each candidate), and returns the values drawn, for
// replay: restarts then run in parallel with the draws they would have had one after
// the other. The one difference, a pick among all-zero weights (every point on a
// seed) drawing by IntN where a Float64 was recorded, changes nothing unless IntN
// also rejects its first value (a chance of n/2⁶⁴): the outcome is still
// deterministic.
func ppDraws(rng *rand.Rand, n, k int) []uint64 {
	rec := &recorder{from: rng}
	r := rand.New(rec)
	r.IntN(n)
	for range (k - 1) * ppTrials(k) {
		r.Float64()
	}
	return rec.vals
}

// recorder is a rand.Source drawing from another generator and keeping the values.
type recorder struct {
	from *rand.Rand
	vals []uint64
}

func (r *recorder) Uint64() uint64 {
	v := r.from.Uint64()
	r.vals = append(r.vals, v)
	return v
}

// replay is a rand.Source giving back recorded values, then (never in practice) a
// generator seeded from the last of them.
type replay struct {
	vals []uint64
	next int
	more *rand.PCG
}

func (r *replay) Uint64() uint64 {
	if r.next < len(r.vals) {
		r.next++
		return r.vals[r.next-1]
	}
	if r.more == nil {
		r.more = rand.NewPCG(r.vals[len(r.vals)-1], uint64(len(r.vals)))
	}
	return r.more.Uint64()
}

// clampDist is min(d, max(0, r)) for distances, which are never NaN: plain
// comparisons, cheaper than the builtins' NaN and signed-zero handling in this loop.
func clampDist(r, d float64) float64 {
	if r < 0 {
		r = 0
	}
	if r > d {
		return d
	}
	return r
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
//
// The assignment is Elkan's (2003): exactly Lloyd's, but most point–centroid
// products are skipped by the triangle inequality (see elkan). par spreads the points
// over the CPUs.
func lloyd(p points, cent []float64, k, maxIter int, spherical, par bool) partition {
	return lloydFrom(p, cent, nil, k, maxIter, spherical, par)
}

// lloydFrom is lloyd from k-means++ seeds, with kmeansPP's cosine distances of the
// points to them: the first round takes them as bounds (widened by the float32
// rounding) instead of computing every product again, so it only compares a point
// with the seeds it is nearly as close to as its nearest.
func lloydFrom(p points, cent []float64, seedDist []float32, k, maxIter int, spherical, par bool) partition {
	return newElkan(p, k, spherical, par).run(cent, seedDist, maxIter)
}

// run is lloydFrom on e's points, reusing its memory: restarts share one elkan.
func (e *elkan) run(cent []float64, seedDist []float32, maxIter int) partition {
	p, k, spherical := e.p, e.k, e.spherical
	for i := range e.a {
		e.a[i] = -1
	}
	clear(e.drift)
	e.seedDist = seedDist
	old := make([]float64, len(cent))
	count := make([]int, k)
	for range maxIter {
		moved := e.assign(cent)
		clear(count)
		for _, a := range e.a {
			count[a]++
		}
		var before []int
		if slices.Contains(count, 0) {
			// The refill takes the worst-fitting point: every score must be known.
			e.exactScores(cent)
			before = slices.Clone(e.a)
		}
		copy(old, cent)
		recenter(p, cent, k, e.a, e.score, spherical)
		e.moveCentroids(old, cent)
		for i, a := range before {
			if e.a[i] != a {
				e.upper[i] = math.Inf(1) // moved by the refill: its bound was for another centroid
			}
		}
		if moved == 0 {
			break
		}
	}
	e.assign(cent)
	e.exactScores(cent)
	var score float64
	for _, s := range e.score {
		score += s
	}
	return partition{assign: slices.Clone(e.a), cent: cent, k: k, score: score}
}

// elkanSlack is the margin the bounds must clear before a product is skipped: far more
// than the rounding of the bounds and of √(|x−c|²) near 0, far less than the
// distances that decide anything.
const elkanSlack = 1e-5

// elkan holds the state of Elkan's exact accelerated k-means (Elkan 2003): for each
// point an upper bound on the distance to its centroid and a lower bound on the
// distance to every centroid, loosened by how far the centroids move; a centroid is
// only compared when the bounds cannot rule it out. Decisions are taken on the same
// scores as plain Lloyd (x·c spherical, 2x·c − |c|² otherwise, ties to the lower
// index), so the assignment is the one Lloyd would make; the bounds are on the
// Euclidean distance that orders those scores.
//
// The lower bounds are stored with the distance their centroid had moved in all when
// they were set (drift), so that loosening them costs nothing: no pass over the n × k
// bounds each round.
type elkan struct {
	p         points
	k         int
	spherical bool
	par       bool
	a         []int     // centroid of each point, -1 before the first round
	score     []float64 // score of each point with its centroid, when known
	known     []bool    // score is exact for the current centroids
	upper     []float64 // |x − c_a| ≤ upper + drift[a]
	lower     []float32 // n × k: |x − c| ≥ lower − drift[c]; float32 rounding is within the slack
	drift     []float64 // how far each centroid has moved in all
	pn        []float64 // |x|²
	cn        []float64 // |c|²
	half      []float64 // k × k, ½|c − c'|
	near      []float64 // min over c' ≠ c of half[c][c']
	loose     []bool    // centroid whose distances do not order its scores (spherical, zero)
	anyLoose  bool
	moves     []int
	seedDist  []float32 // n × k, 1 − x·c in float32 for the first round; nil: exact
}

func newElkan(p points, k int, spherical, par bool) *elkan {
	e := &elkan{p: p, k: k, spherical: spherical, par: par,
		a: make([]int, p.n), score: make([]float64, p.n), known: make([]bool, p.n),
		upper: make([]float64, p.n), lower: make([]float32, p.n*k),
		drift: make([]float64, k), pn: make([]float64, p.n),
		cn: make([]float64, k), half: make([]float64, k*k), near: make([]float64, k),
		loose: make([]bool, k), moves: make([]int, p.n)}
	for i := range e.a {
		r := p.row(i)
		e.pn[i] = floats.Dot(r, r)
	}
	return e
}

func (e *elkan) each(fn func(lo, hi int)) {
	if e.par {
		parallel(e.p.n, fn)
		return
	}
	fn(0, e.p.n)
}

// scoreOf returns the score of point i with centroid c and their distance.
func (e *elkan) scoreOf(i int, cent []float64, c int) (float64, float64) {
	d := e.p.d
	x := floats.Dot(e.p.row(i), cent[c*d:(c+1)*d])
	s := x
	if !e.spherical {
		s = 2*x - e.cn[c]
	}
	return s, math.Sqrt(max(0, e.pn[i]+e.cn[c]-2*x))
}

// centroids takes in new centroids: their squared norms and half distances.
func (e *elkan) centroids(cent []float64) {
	d, k := e.p.d, e.k
	e.anyLoose = false
	for c := range k {
		cc := cent[c*d : (c+1)*d]
		e.cn[c] = floats.Dot(cc, cc)
		// A spherical score orders distances only for unit centroids; an emptied one
		// (zero) is always compared.
		e.loose[c] = e.spherical && math.Abs(e.cn[c]-1) > 1e-6
		e.anyLoose = e.anyLoose || e.loose[c]
	}
	for c := range k {
		e.near[c] = math.Inf(1)
	}
	for c := range k {
		for o := range c {
			h := distance(cent[c*d:(c+1)*d], cent[o*d:(o+1)*d]) / 2
			if e.loose[c] || e.loose[o] {
				h = 0
			}
			e.half[c*k+o], e.half[o*k+c] = h, h
			e.near[c] = min(e.near[c], h)
			e.near[o] = min(e.near[o], h)
		}
	}
}

// distance returns |a − b|, taken directly so that small moves keep their precision.
func distance(a, b []float64) float64 {
	var s float64
	for j, v := range a {
		t := v - b[j]
		s += t * t
	}
	return math.Sqrt(s)
}

// assign gives every point the centroid of best score and returns how many changed.
func (e *elkan) assign(cent []float64) int {
	e.centroids(cent)
	k := e.k
	e.each(func(lo, hi int) {
		for i := lo; i < hi; i++ {
			e.moves[i] = 0
			lb := e.lower[i*k : (i+1)*k]
			prev := e.a[i]
			a := prev
			var u float64
			switch {
			case prev < 0 && e.seedDist == nil:
				// First round: every product, every bound exact.
				for c := range k {
					s, dist := e.scoreOf(i, cent, c)
					lb[c] = float32(dist + e.drift[c])
					if c == 0 || s > e.score[i] {
						a, e.score[i], u = c, s, dist
					}
				}
				e.known[i] = true
				e.finish(i, a, u)
				continue
			case prev < 0:
				a, u = e.seedBounds(i, lb)
			default:
				u = e.upper[i] + e.drift[a]
				if !e.anyLoose && 2*e.near[a] > 2*u+elkanSlack {
					continue // every other centroid is more than twice as far from a
				}
			}
			best, bs := a, math.Inf(-1)
			stale := true
			half := e.half[best*k : (best+1)*k]
			drift := e.drift[:len(lb)]
			for c := range lb {
				// Inline for speed: ruledOut without the loose centroids.
				if c == best || !e.anyLoose && (float64(lb[c])-drift[c] > u+elkanSlack || 2*half[c] > 2*u+elkanSlack) ||
					e.anyLoose && e.ruledOut(lb, u, best, c) {
					continue
				}
				if stale {
					s, dist := e.scoreOf(i, cent, best)
					bs, u, lb[best], stale = s, dist, float32(dist+drift[best]), false
					if e.ruledOut(lb, u, best, c) {
						continue
					}
				}
				s, dist := e.scoreOf(i, cent, c)
				lb[c] = float32(dist + drift[c])
				if s > bs || s == bs && c < best {
					best, bs, u = c, s, dist
					half = e.half[best*k : (best+1)*k]
				}
			}
			e.known[i] = !stale
			if !stale {
				e.score[i] = bs
			}
			e.finish(i, best, u)
		}
	})
	n := 0
	for _, m := range e.moves {
		n += m
	}
	return n
}

// finish records point i's centroid a after a scan, with u bounding the distance to it.
func (e *elkan) finish(i, a int, u float64) {
	e.upper[i] = u - e.drift[a]
	if a != e.a[i] {
		e.a[i] = a
		e.moves[i] = 1
	}
}

// seedMargin widens the squared distances kmeansPP measured in float32 into bounds:
// the rounding of a 150-term float32 dot product of unit vectors is below 1e-5.
const seedMargin = 1e-4

// seedBounds sets point i's lower bounds from kmeansPP's distances to the seeds
// (the centroids of the first round) and returns the seed it found nearest with an
// upper bound on the distance to it.
func (e *elkan) seedBounds(i int, lb []float32) (int, float64) {
	sd := e.seedDist[i*e.k : (i+1)*e.k]
	a := 0
	for c, r := range sd {
		sq := e.pn[i] + e.cn[c] - 2*(1-float64(r))
		lb[c] = float32(math.Sqrt(max(0, sq-seedMargin)) + e.drift[c])
		if r < sd[a] {
			a = c
		}
	}
	return a, math.Sqrt(max(0, e.pn[i]+e.cn[a]-2*(1-float64(sd[a]))+seedMargin))
}

// ruledOut reports whether the bounds show centroid c farther than best (u bounding
// the distance to best) by more than the slack: through c's own lower bound, or
// through the triangle inequality |x−c| ≥ |c−best| − |x−best|.
func (e *elkan) ruledOut(lb []float32, u float64, best, c int) bool {
	if e.loose[c] || e.loose[best] {
		return false
	}
	return float64(lb[c])-e.drift[c] > u+elkanSlack || 2*e.half[best*e.k+c] > 2*u+elkanSlack
}

// exactScores fills in the scores the bounds let assign skip.
func (e *elkan) exactScores(cent []float64) {
	e.each(func(lo, hi int) {
		for i := lo; i < hi; i++ {
			if !e.known[i] {
				e.score[i], _ = e.scoreOf(i, cent, e.a[i])
				e.known[i] = true
			}
		}
	})
}

// moveCentroids loosens the bounds by how far each centroid moved.
func (e *elkan) moveCentroids(old, cent []float64) {
	d := e.p.d
	for c := range e.k {
		e.drift[c] += distance(old[c*d:(c+1)*d], cent[c*d:(c+1)*d])
	}
	clear(e.known)
}

func recenter(p points, cent []float64, k int, assign []int, sim []float64, spherical bool) {
	clear(cent)
	count := make([]int, k)
	for i, c := range assign {
		count[c]++
		floats.Add(cent[c*p.d:(c+1)*p.d], p.row(i))
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

// kmeans groups p into k clusters from restarts k-means++ starts, keeping the tightest
// (the first on ties). Deterministic for a given rng state.
func kmeans(p points, k, restarts int, spherical bool, rng *rand.Rand) partition {
	k = max(1, min(k, p.n))
	restarts = max(1, restarts)
	sample := p.sample(kmeansSample, rng)
	x := sample.float32s()
	// Restarts run in parallel, each on one CPU: no barrier inside one, which on a
	// loaded machine matters more than the CPU time. Each replays the draws it would
	// have taken from rng had they run in turn, so the outcome is the same.
	draws := make([][]uint64, restarts)
	for r := range draws {
		draws[r] = ppDraws(rng, sample.n, k)
	}
	parts := make([]partition, restarts)
	forEach(restarts, func() func(int) {
		e := newElkan(sample, k, spherical, false)
		return func(r int) {
			cent, seedDist := kmeansPP(sample, x, k, rand.New(&replay{vals: draws[r]}))
			parts[r] = e.run(cent, seedDist, 100)
		}
	})
	best := parts[0]
	for _, part := range parts[1:] {
		if part.score > best.score {
			best = part
		}
	}
	if sample.n == p.n {
		return best
	}
	return lloyd(p, best.cent, k, 100, spherical, true)
}
