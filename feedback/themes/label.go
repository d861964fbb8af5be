package themes

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// labelWords is how many distinctive terms name a group.
const labelWords = 3

// labelGroups names each group by its most distinctive terms, by class-based TF-IDF
// (Grootendorst 2022): a term's frequency in the group, relative to the group's size,
// times ln(1 + average group size / the term's frequency over all groups). Labels are
// unique within the run: a clash takes the next distinctive term, then a number.
func labelGroups(c *corpus, live []int, assign []int, k int) []string {
	m := len(c.vocab.terms)
	tf := make([][]float64, k)
	for g := range tf {
		tf[g] = make([]float64, m)
	}
	words := make([]float64, k)
	total := make([]float64, m)
	for j, i := range live {
		g := assign[j]
		for _, t := range c.docs[i].terms {
			if id, ok := c.vocab.ids[t]; ok {
				tf[g][id]++
				total[id]++
				words[g]++
			}
		}
	}
	var all float64
	for _, w := range words {
		all += w
	}
	avg := all / float64(k)
	labels := make([]string, k)
	used := map[string]bool{}
	for g := range k {
		ranked := make([]int32, 0, 64)
		score := make(map[int32]float64)
		for id, f := range tf[g] {
			if f == 0 || words[g] == 0 {
				continue
			}
			score[int32(id)] = f / words[g] * math.Log(1+avg/total[id])
			ranked = append(ranked, int32(id))
		}
		slices.SortFunc(ranked, func(a, b int32) int {
			if score[a] != score[b] {
				if score[a] > score[b] {
					return -1
				}
				return 1
			}
			return strings.Compare(c.vocab.terms[a], c.vocab.terms[b])
		})
		labels[g] = uniqueLabel(c.vocab, ranked, used)
	}
	return labels
}

// uniqueLabel joins the first distinctive terms not already said by an earlier one
// (a word inside a chosen pair, or a pair of chosen words), adding terms or a number
// until the label is new.
func uniqueLabel(v *vocabulary, ranked []int32, used map[string]bool) string {
	var chosen []string
	said := map[string]bool{}
	label := ""
	for _, id := range ranked {
		s := v.surface[id]
		parts := strings.Fields(s)
		if len(parts) == 1 && said[s] || len(parts) == 2 && said[parts[0]] && said[parts[1]] {
			continue
		}
		chosen = append(chosen, s)
		for _, p := range parts {
			said[p] = true
		}
		if len(chosen) >= labelWords {
			label = strings.Join(chosen, ", ")
			if !used[label] {
				break
			}
		}
	}
	if len(chosen) < labelWords || used[label] {
		label = strings.Join(chosen, ", ")
	}
	if label == "" {
		label = "misc"
	}
	base := label
	for n := 2; used[label]; n++ {
		label = fmt.Sprintf("%s (%d)", base, n)
	}
	used[label] = true
	return label
}
