package themes

import (
	"encoding/csv"
	"fmt"
	"os"
	"testing"
)

// BenchmarkCluster times discovery at k = 20 and 77 on the public StackOverflow titles,
// repeated to reach the larger sizes (see BENCHMARKS.md; cmd/eval/bench.sh compares
// with scikit-learn).
func BenchmarkCluster(b *testing.B) {
	f, err := os.Open("../../../shared/eval/stackoverflow-test.csv")
	if err != nil {
		b.Skip("eval data not found:", err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{6000, 10000, 50000} {
		texts := make([]string, 0, n)
		for len(texts) < n {
			for _, r := range rows[1:] {
				texts = append(texts, r[0])
			}
		}
		texts = texts[:n]
		for _, k := range []int{20, 77} {
			b.Run(fmt.Sprintf("rows=%d/k=%d", n, k), func(b *testing.B) {
				for b.Loop() {
					c, err := Cluster(texts, ClusterOptions{K: k})
					if err != nil || c.K != k {
						b.Fatalf("k = %v, err = %v", c, err)
					}
				}
			})
		}
	}
}
