package main

import "math"

// contingency counts pairs (predicted group, gold label); predicted -1 counts as a
// group of its own.
type contingency struct {
	n      int
	table  map[[2]int]int
	rows   map[int]int // per predicted group
	cols   map[int]int // per gold label
	groups []int
	labels []int
}

func newContingency(pred, gold []int) contingency {
	c := contingency{n: len(pred), table: map[[2]int]int{}, rows: map[int]int{}, cols: map[int]int{}}
	for i := range pred {
		c.table[[2]int{pred[i], gold[i]}]++
		c.rows[pred[i]]++
		c.cols[gold[i]]++
	}
	for g := range c.rows {
		c.groups = append(c.groups, g)
	}
	for l := range c.cols {
		c.labels = append(c.labels, l)
	}
	return c
}

func entropy(counts map[int]int, n int) float64 {
	var h float64
	for _, v := range counts {
		if v > 0 {
			p := float64(v) / float64(n)
			h -= p * math.Log(p)
		}
	}
	return h
}

// nmi is normalized mutual information with the arithmetic mean of the entropies
// (scikit-learn's default).
func nmi(pred, gold []int) float64 {
	c := newContingency(pred, gold)
	n := float64(c.n)
	var mi float64
	for key, v := range c.table {
		p := float64(v) / n
		mi += p * math.Log(p*n*n/(float64(c.rows[key[0]])*float64(c.cols[key[1]])))
	}
	hp, hg := entropy(c.rows, c.n), entropy(c.cols, c.n)
	if hp+hg == 0 {
		return 1
	}
	return mi / ((hp + hg) / 2)
}

func comb2(x int) float64 { return float64(x) * float64(x-1) / 2 }

// ari is the adjusted Rand index (Hubert and Arabie 1985).
func ari(pred, gold []int) float64 {
	c := newContingency(pred, gold)
	var sumIJ, sumA, sumB float64
	for _, v := range c.table {
		sumIJ += comb2(v)
	}
	for _, v := range c.rows {
		sumA += comb2(v)
	}
	for _, v := range c.cols {
		sumB += comb2(v)
	}
	expected := sumA * sumB / comb2(c.n)
	maxIdx := (sumA + sumB) / 2
	if maxIdx == expected {
		return 1
	}
	return (sumIJ - expected) / (maxIdx - expected)
}

// acc is the accuracy under the best one-to-one mapping of groups to labels.
func acc(pred, gold []int) float64 {
	c := newContingency(pred, gold)
	size := max(len(c.groups), len(c.labels))
	w := make([][]float64, size)
	for i := range w {
		w[i] = make([]float64, size)
		if i >= len(c.groups) {
			continue
		}
		for j := range c.labels {
			if j < len(c.labels) {
				w[i][j] = float64(c.table[[2]int{c.groups[i], c.labels[j]}])
			}
		}
	}
	match := hungarianMax(w)
	var hit float64
	for i, j := range match {
		hit += w[i][j]
	}
	return hit / float64(c.n)
}

// hungarianMax returns, for a square weight matrix, the column assigned to each row
// maximising the total weight (Kuhn–Munkres, O(n³), on costs max−w).
func hungarianMax(w [][]float64) []int {
	n := len(w)
	var top float64
	for _, r := range w {
		for _, v := range r {
			top = max(top, v)
		}
	}
	inf := math.Inf(1)
	u := make([]float64, n+1)
	v := make([]float64, n+1)
	p := make([]int, n+1)
	way := make([]int, n+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		minv := make([]float64, n+1)
		used := make([]bool, n+1)
		for j := range minv {
			minv[j] = inf
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], inf, 0
			for j := 1; j <= n; j++ {
				if used[j] {
					continue
				}
				cur := (top - w[i0-1][j-1]) - u[i0] - v[j]
				if cur < minv[j] {
					minv[j], way[j] = cur, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= n; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
			if j0 == 0 {
				break
			}
		}
	}
	match := make([]int, n)
	for j := 1; j <= n; j++ {
		if p[j] > 0 {
			match[p[j]-1] = j - 1
		}
	}
	return match
}
