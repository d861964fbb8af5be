package themes

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// groupedPoints returns unit vectors in d dimensions, sizes[g] of them near centre g
// (a unit vector), perturbed by up to noise in each coordinate, and the true groups.
func groupedPoints(seed uint64, d int, centres [][]float64, sizes []int, noise float64) (points, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	p := points{d: d}
	var truth []int
	for g, c := range centres {
		for range sizes[g] {
			row := make([]float64, d)
			for j := range row {
				row[j] = c[j] + noise*(2*rng.Float64()-1)
			}
			normalizeRow(row)
			p.x = append(p.x, row...)
			p.n++
			truth = append(truth, g)
		}
	}
	return p, truth
}

func axis(d, i int) []float64 {
	v := make([]float64, d)
	v[i] = 1
	return v
}

// arc returns the unit vector at angle deg from axis i towards axis j.
func arc(d, i, j int, deg float64) []float64 {
	v := make([]float64, d)
	r := deg * math.Pi / 180
	v[i], v[j] = math.Cos(r), math.Sin(r)
	return v
}

// samePartition reports whether a and b group the points identically, whatever the
// group numbers.
func samePartition(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if x, ok := ab[a[i]]; ok && x != b[i] {
			return false
		}
		if y, ok := ba[b[i]]; ok && y != a[i] {
			return false
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	return true
}

func TestSamePartition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b []int
		want bool
	}{
		{[]int{0, 0, 1, 2}, []int{2, 2, 0, 1}, true},
		{[]int{0, 0, 1, 2}, []int{1, 1, 1, 2}, false}, // merges two groups
		{[]int{0, 0, 1, 1}, []int{0, 1, 1, 1}, false},
		{[]int{0, 1}, []int{0, 0}, false},
		{[]int{0, 0}, []int{0, 1}, false}, // splits a group
		{[]int{0}, []int{0, 1}, false},
	}
	for _, tt := range tests {
		if got := samePartition(tt.a, tt.b); got != tt.want {
			t.Errorf("samePartition(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestKMeansRecoversGroups(t *testing.T) {
	t.Parallel()
	const d = 5
	compact := [][]float64{axis(d, 0), axis(d, 1), axis(d, 2)}
	tests := []struct {
		name    string
		centres [][]float64
		sizes   []int
		noise   float64
		k       int
	}{
		{"three tight groups", compact, []int{10, 10, 10}, 0.15, 3},
		{"unequal sizes", compact, []int{4, 25, 50}, 0.15, 3},
		{
			// Elongated groups: each an arc of 40° in its own plane, far from the others.
			"elongated groups",
			[][]float64{arc(d, 0, 3, 0), arc(d, 0, 3, 20), arc(d, 0, 3, 40),
				arc(d, 1, 4, 0), arc(d, 1, 4, 20), arc(d, 1, 4, 40),
				axis(d, 2)},
			[]int{6, 6, 6, 6, 6, 6, 12},
			0.05, 3,
		},
	}
	for _, tt := range tests {
		for _, spherical := range []bool{false, true} {
			for seed := range uint64(5) {
				p, truth := groupedPoints(seed, d, tt.centres, tt.sizes, tt.noise)
				if tt.name == "elongated groups" {
					// The six arc centres form two groups of three.
					for i, g := range truth {
						truth[i] = min(g/3, 2)
					}
				}
				part := kmeans(p, tt.k, 5, spherical, rand.New(rand.NewPCG(seed, 2)))
				if part.k != tt.k || len(part.assign) != p.n || len(part.cent) != tt.k*d {
					t.Fatalf("%s: k %d, %d assignments, %d centroid values", tt.name, part.k, len(part.assign), len(part.cent))
				}
				if !samePartition(part.assign, truth) {
					t.Errorf("%s (spherical %v, seed %d): got %v, want %v", tt.name, spherical, seed, part.assign, truth)
				}
			}
		}
	}
}

func TestKMeansDeterministic(t *testing.T) {
	t.Parallel()
	// Overlapping groups, so that different seeds could well give different answers.
	p, _ := groupedPoints(9, 6, [][]float64{axis(6, 0), axis(6, 1), axis(6, 2), axis(6, 3)}, []int{20, 20, 20, 20}, 1.2)
	for _, spherical := range []bool{false, true} {
		a := kmeans(p, 4, 3, spherical, rand.New(rand.NewPCG(5, 5)))
		b := kmeans(p, 4, 3, spherical, rand.New(rand.NewPCG(5, 5)))
		if !slices.Equal(a.assign, b.assign) || !slices.Equal(a.cent, b.cent) || a.score != b.score {
			t.Errorf("spherical %v: same seed gave different partitions", spherical)
		}
	}
}

func TestKMeansClampsK(t *testing.T) {
	t.Parallel()
	p, _ := groupedPoints(1, 3, [][]float64{axis(3, 0), axis(3, 1)}, []int{2, 1}, 0.1)
	for _, k := range []int{0, -2, 3, 10} {
		part := kmeans(p, k, 2, false, rand.New(rand.NewPCG(1, 1)))
		want := max(1, min(k, 3))
		if part.k != want {
			t.Errorf("k %d: got %d groups, want %d", k, part.k, want)
		}
		for _, a := range part.assign {
			if a < 0 || a >= want {
				t.Errorf("k %d: assignment %d out of range", k, a)
			}
		}
	}
}

func TestKMeansPPDistinctSeeds(t *testing.T) {
	t.Parallel()
	p, truth := groupedPoints(3, 5, [][]float64{axis(5, 0), axis(5, 1), axis(5, 2)}, []int{10, 10, 10}, 0.1)
	rowOf := func(c []float64) int {
		for i := range p.n {
			if slices.Equal(p.row(i), c) {
				return i
			}
		}
		return -1
	}
	for _, k := range []int{1, 3, 7, 30} {
		for seed := range uint64(10) {
			cent, seedDist := kmeansPP(p, nil, k, rand.New(rand.NewPCG(seed, 0)))
			// The float32 distances to the seeds are within the margin lloydFrom allows.
			for i := range p.n {
				for c := range k {
					want := 1 - floats.Dot(p.row(i), cent[c*p.d:(c+1)*p.d])
					if got := float64(seedDist[i*k+c]); math.Abs(got-want) > seedMargin/10 {
						t.Fatalf("k %d seed %d: distance of point %d to seed %d = %v, want %v", k, seed, i, c, got, want)
					}
				}
			}
			if len(cent) != k*p.d {
				t.Fatalf("k %d: %d centroid values", k, len(cent))
			}
			seen := map[int]bool{}
			groups := map[int]bool{}
			for c := range k {
				i := rowOf(cent[c*p.d : (c+1)*p.d])
				if i < 0 {
					t.Fatalf("k %d seed %d: seed %d is not one of the points", k, seed, c)
				}
				if seen[i] {
					t.Errorf("k %d seed %d: point %d chosen twice", k, seed, i)
				}
				seen[i] = true
				groups[truth[i]] = true
			}
			// Far-apart groups: k-means++ puts one of the first three seeds in each.
			if k == 3 && len(groups) != 3 {
				t.Errorf("seed %d: 3 seeds cover only %d of the 3 groups", seed, len(groups))
			}
		}
	}
}

func TestPick(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 1))
	w := []float64{0, 3, 0, 1, 0}
	count := make([]int, len(w))
	for range 4000 {
		count[pick(w, 4, rng)]++
	}
	if count[0]+count[2]+count[4] != 0 {
		t.Errorf("picked zero-weight indices: %v", count)
	}
	if r := float64(count[1]) / float64(count[3]); r < 2.5 || r > 3.5 {
		t.Errorf("weights 3:1 picked %v", count)
	}
	// All zero: uniform, always in range.
	for range 100 {
		if i := pick(make([]float64, 4), 0, rng); i < 0 || i >= 4 {
			t.Fatalf("pick out of range: %d", i)
		}
	}
}

func TestRecenterRefillsEmptyCluster(t *testing.T) {
	t.Parallel()
	p := points{d: 2, n: 4, x: []float64{
		1, 0,
		0.8, 0.6,
		0.6, 0.8, // fits cluster 0 worst
		1, 0,
	}}
	for _, spherical := range []bool{false, true} {
		assign := []int{0, 0, 0, 0}
		sim := []float64{1, 0.9, 0.5, 1}
		cent := make([]float64, 2*p.d)
		recenter(p, cent, 2, assign, sim, spherical)
		if !slices.Equal(assign, []int{0, 0, 1, 0}) {
			t.Fatalf("spherical %v: assign = %v, want point 2 moved to the empty cluster", spherical, assign)
		}
		if math.Abs(cent[2]-0.6) > 1e-12 || math.Abs(cent[3]-0.8) > 1e-12 {
			t.Errorf("spherical %v: refilled centroid %v, want point 2", spherical, cent[2:])
		}
		// Cluster 0 keeps points 0, 1, 3: sum (2.8, 0.6).
		want := []float64{2.8 / 3, 0.6 / 3}
		if spherical {
			n := math.Hypot(2.8, 0.6)
			want = []float64{2.8 / n, 0.6 / n}
		}
		for j := range want {
			if math.Abs(cent[j]-want[j]) > 1e-12 {
				t.Errorf("spherical %v: centroid 0 = %v, want %v", spherical, cent[:2], want)
				break
			}
		}
	}
}

func TestRecenterNoDonor(t *testing.T) {
	t.Parallel()
	// Two points in two clusters of one, a third cluster empty: nothing to take.
	p := points{d: 2, n: 2, x: []float64{1, 0, 0, 1}}
	assign := []int{0, 1}
	cent := make([]float64, 3*2)
	recenter(p, cent, 3, assign, []float64{1, 1}, false)
	if !slices.Equal(assign, []int{0, 1}) || !slices.Equal(cent, []float64{1, 0, 0, 1, 0, 0}) {
		t.Errorf("assign %v cent %v", assign, cent)
	}
}

func TestLloydEmptyClusterRefill(t *testing.T) {
	t.Parallel()
	p, truth := groupedPoints(4, 3, [][]float64{axis(3, 0), axis(3, 1)}, []int{8, 8}, 0.1)
	for _, spherical := range []bool{false, true} {
		// The third centroid points away from every point, so it starts empty.
		cent := []float64{1, 0, 0, 0, 1, 0, -1, -1, 0}
		normalizeRow(cent[6:])
		part := lloyd(p, slices.Clone(cent), 3, 100, spherical, false)
		size := make([]int, 3)
		for _, a := range part.assign {
			size[a]++
		}
		for c, s := range size {
			if s == 0 {
				t.Errorf("spherical %v: cluster %d left empty (%v)", spherical, c, part.assign)
			}
		}
		// The two real groups are not mixed: each cluster lies within one of them.
		for c := range 3 {
			g := -1
			for i, a := range part.assign {
				if a != c {
					continue
				}
				if g >= 0 && truth[i] != g {
					t.Errorf("spherical %v: cluster %d mixes groups", spherical, c)
				}
				g = truth[i]
			}
		}
	}
}

func TestSilhouette(t *testing.T) {
	t.Parallel()
	// Points 0, 1 identical, 2, 3 identical and orthogonal to them.
	x := []float64{1, 0, 1, 0, 0, 1, 0, 1}
	n := 4
	sim := make([]float64, n*n)
	for i := range n {
		for j := range n {
			sim[i*n+j] = dot(x[2*i:2*i+2], x[2*j:2*j+2])
		}
	}
	tests := []struct {
		name   string
		assign []int
		k      int
		want   float64
	}{
		{"perfect", []int{0, 0, 1, 1}, 2, 1},
		// Each point: a = distance to its group's other point = 1, b = mean distance to
		// the other group (0 and 1) = 0.5: (0.5 − 1)/1.
		{"crossed", []int{0, 1, 0, 1}, 2, -0.5},
		{"one group", []int{0, 0, 0, 0}, 1, 0},
		// Points 0, 1: a = 0, b = 1, so 1; points 2 and 3 are alone and count 0.
		{"singleton", []int{0, 0, 1, 2}, 3, 0.5},
	}
	for _, tt := range tests {
		if got := silhouette(sim, n, tt.assign, tt.k); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("%s: silhouette %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestChooseK(t *testing.T) {
	t.Parallel()
	for _, groups := range []int{2, 3, 5} {
		var centres [][]float64
		var sizes []int
		for g := range groups {
			centres = append(centres, axis(8, g))
			sizes = append(sizes, 20)
		}
		p, _ := groupedPoints(uint64(groups), 8, centres, sizes, 0.15)
		o := ClusterOptions{MinK: 2, MaxK: 8}
		k, s := chooseK(p, o, rand.New(rand.NewPCG(1, 2)))
		if k != groups {
			t.Errorf("%d groups: chose k = %d", groups, k)
		}
		if s <= 0.5 || s > 1 {
			t.Errorf("%d groups: silhouette %v, want high for well separated groups", groups, s)
		}
	}
}

func TestCompact(t *testing.T) {
	t.Parallel()
	got, k := compact([]int{3, 3, 0, 3, 0, 5}, 6)
	if !slices.Equal(got, []int{0, 0, 1, 0, 1, 2}) || k != 3 {
		t.Errorf("compact = %v, %d", got, k)
	}
}

// lloydReference is plain Lloyd on the same scores as lloyd: every point compared with
// every centroid in every round.
func lloydReference(p points, cent []float64, k, maxIter int, spherical bool) partition {
	assign := make([]int, p.n)
	for i := range assign {
		assign[i] = -1
	}
	sim := make([]float64, p.n)
	round := func() int {
		cn := make([]float64, k)
		for c := range k {
			cn[c] = floats.Dot(cent[c*p.d:(c+1)*p.d], cent[c*p.d:(c+1)*p.d])
		}
		moved := 0
		for i := range p.n {
			bc, bs := 0, math.Inf(-1)
			for c := range k {
				s := floats.Dot(p.row(i), cent[c*p.d:(c+1)*p.d])
				if !spherical {
					s = 2*s - cn[c]
				}
				if s > bs {
					bc, bs = c, s
				}
			}
			if assign[i] != bc {
				moved++
			}
			assign[i], sim[i] = bc, bs
		}
		return moved
	}
	for range maxIter {
		moved := round()
		recenter(p, cent, k, assign, sim, spherical)
		if moved == 0 {
			break
		}
	}
	round()
	var score float64
	for _, s := range sim {
		score += s
	}
	return partition{assign: assign, cent: cent, k: k, score: score}
}

// randomPoints returns n unit vectors in d dimensions around a few random directions,
// with every fifth point a copy of an earlier one (texts repeat).
func randomPoints(seed uint64, n, d, dirs int, noise float64) points {
	rng := rand.New(rand.NewPCG(seed, 3))
	centres := make([][]float64, dirs)
	for g := range centres {
		centres[g] = make([]float64, d)
		for j := range centres[g] {
			centres[g][j] = rng.NormFloat64()
		}
		normalizeRow(centres[g])
	}
	p := points{n: n, d: d, x: make([]float64, 0, n*d)}
	for i := range n {
		if i%5 == 4 {
			p.x = append(p.x, p.row(rng.IntN(i))...)
			continue
		}
		c := centres[rng.IntN(dirs)]
		row := make([]float64, d)
		for j := range row {
			row[j] = c[j] + noise*rng.NormFloat64()
		}
		normalizeRow(row)
		p.x = append(p.x, row...)
	}
	return p
}

// TestElkanIsLloyd checks that the bounds never change an assignment: from the same
// start, lloyd (Elkan) and plain Lloyd give the same groups, centroids and objective,
// bit for bit, on overlapping groups (many rounds), with and without spherical
// centroids, serial and parallel, and from starts that leave groups empty.
func TestElkanIsLloyd(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n, d, dirs, k int
		noise         float64
	}{
		{600, 20, 8, 12, 0.3},
		{600, 20, 8, 12, 0.05},
		{400, 50, 3, 40, 0.5},
		{300, 5, 2, 7, 1},
	} {
		p := randomPoints(uint64(tt.n+tt.k), tt.n, tt.d, tt.dirs, tt.noise)
		for seed := range uint64(3) {
			first, seedDist := kmeansPP(p, nil, tt.k, rand.New(rand.NewPCG(seed, 1)))
			starts := [][]float64{first}
			// Duplicate seeds: all but one of each pair starts empty.
			dup := slices.Clone(starts[0])
			for c := 1; c < tt.k; c += 2 {
				copy(dup[c*p.d:(c+1)*p.d], dup[(c-1)*p.d:c*p.d])
			}
			starts = append(starts, dup)
			for s, start := range starts {
				for _, spherical := range []bool{false, true} {
					want := lloydReference(p, slices.Clone(start), tt.k, 100, spherical)
					for _, par := range []bool{false, true} {
						got := lloyd(p, slices.Clone(start), tt.k, 100, spherical, par)
						if !slices.Equal(got.assign, want.assign) || !slices.Equal(got.cent, want.cent) || got.score != want.score {
							t.Errorf("n %d k %d noise %v seed %d start %d spherical %v parallel %v: Elkan differs from Lloyd (score %v, want %v)",
								tt.n, tt.k, tt.noise, seed, s, spherical, par, got.score, want.score)
						}
						if s > 0 {
							continue
						}
						// From k-means++'s float32 distances as first bounds.
						got = lloydFrom(p, slices.Clone(start), seedDist, tt.k, 100, spherical, par)
						if !slices.Equal(got.assign, want.assign) || !slices.Equal(got.cent, want.cent) || got.score != want.score {
							t.Errorf("n %d k %d noise %v seed %d spherical %v parallel %v: Elkan from seed bounds differs from Lloyd (score %v, want %v)",
								tt.n, tt.k, tt.noise, seed, spherical, par, got.score, want.score)
						}
					}
				}
			}
		}
	}
}

// TestPPDrawsReplay checks what lets restarts run in parallel: replaying ppDraws'
// values gives kmeansPP the seeds it picks drawing from the generator itself, and
// ppDraws leaves the generator where kmeansPP would, so the next restart (or the next
// k tried) sees the same draws too.
func TestPPDrawsReplay(t *testing.T) {
	t.Parallel()
	p := randomPoints(7, 300, 10, 5, 0.3)
	for _, k := range []int{1, 2, 9, 40} {
		direct := rand.New(rand.NewPCG(uint64(k), 9))
		recorded := rand.New(rand.NewPCG(uint64(k), 9))
		for restart := range 3 {
			want, wantDist := kmeansPP(p, nil, k, direct)
			got, gotDist := kmeansPP(p, nil, k, rand.New(&replay{vals: ppDraws(recorded, p.n, k)}))
			if !slices.Equal(got, want) || !slices.Equal(gotDist, wantDist) {
				t.Fatalf("k %d restart %d: replayed draws gave other seeds", k, restart)
			}
		}
		if a, b := direct.Uint64(), recorded.Uint64(); a != b {
			t.Errorf("k %d: generator left at a different place (%x, %x)", k, a, b)
		}
	}
}

// TestKMeansRestartsAnyCPUCount checks that parallel restarts give the same grouping
// with one CPU or several.
func TestKMeansRestartsAnyCPUCount(t *testing.T) {
	p := randomPoints(8, 500, 12, 6, 0.4)
	run := func(procs int) partition {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		return kmeans(p, 9, 7, false, rand.New(rand.NewPCG(3, 3)))
	}
	one, four := run(1), run(4)
	if !slices.Equal(one.assign, four.assign) || one.score != four.score {
		t.Errorf("1 CPU and 4 CPUs grouped differently (score %v, %v)", one.score, four.score)
	}
}
