// Command eval measures the offline theme engine's discovery against the labeled public
// benchmarks in ../shared/eval: it clusters each file with k = its number of labels
// over several seeds and reports NMI, ARI and ACC (mean ± standard deviation, in %),
// then lets the engine choose k and reports that k and its scores.
//
//	go run ./feedback/themes/cmd/eval [-dir ../shared/eval] [-seeds 5]
//
// With -sales it measures tagging instead, on the labelled reps' notes of
// feedback/themes/testdata: dominant-theme accuracy, macro-F1 and the untagged share per
// split, tagging in-process as `vosbot themes tag --offline` does, or scoring a file that
// command wrote (-tagged) against the labels.
//
//	go run ./feedback/themes/cmd/eval -sales feedback/themes/testdata/sales_eval.csv [-tagged OUT.csv] [-v]
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/vosbot/vosbot/feedback/themes"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	dir := fs.String("dir", "../shared/eval", "directory of the labeled CSV files")
	seeds := fs.Int("seeds", 5, "seeds to average over at the true k")
	auto := fs.Bool("auto", true, "also let the engine choose k")
	dims := fs.Int("dims", 0, "LSA dimensions (0: engine default)")
	spherical := fs.Bool("spherical", false, "normalise centroids (spherical k-means)")
	restarts := fs.Int("restarts", 0, "k-means++ restarts (0: default)")
	sales := fs.String("sales", "", "labelled tagging set: measure tagging instead of discovery")
	tagged := fs.String("tagged", "", "with -sales: score this output of `vosbot themes tag` instead of tagging")
	verbose := fs.Bool("v", false, "with -sales: per-key precision, recall and F1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *sales != "" {
		return runSales(out, *sales, *tagged, *verbose)
	}
	files := []string{"banking77-test.csv", "stackoverflow-test.csv"}
	if fs.NArg() > 0 {
		files = fs.Args()
	}
	fmt.Fprintf(out, "%-24s %-8s %5s %13s %13s %13s %8s\n", "file", "k", "seeds", "NMI", "ARI", "ACC", "time")
	for _, name := range files {
		texts, gold, k, err := load(filepath.Join(*dir, name))
		if err != nil {
			return err
		}
		opts := themes.ClusterOptions{K: k, Dims: *dims, Spherical: *spherical, Restarts: *restarts}
		var scores [3][]float64
		var elapsed time.Duration
		for s := range *seeds {
			opts.Seed = uint64(s)
			start := time.Now()
			c, err := themes.Cluster(texts, opts)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			elapsed += time.Since(start)
			scores[0] = append(scores[0], 100*nmi(c.Assign, gold))
			scores[1] = append(scores[1], 100*ari(c.Assign, gold))
			scores[2] = append(scores[2], 100*acc(c.Assign, gold))
		}
		fmt.Fprintf(out, "%-24s %-8d %5d %13s %13s %13s %7.2fs\n", name, k, *seeds,
			meanStd(scores[0]), meanStd(scores[1]), meanStd(scores[2]), elapsed.Seconds()/float64(*seeds))
		if !*auto {
			continue
		}
		opts.K, opts.Seed = 0, 0
		start := time.Now()
		c, err := themes.Cluster(texts, opts)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(out, "%-24s %-8s %5d %13.1f %13.1f %13.1f %7.2fs\n", name, fmt.Sprintf("auto=%d", c.K), 1,
			100*nmi(c.Assign, gold), 100*ari(c.Assign, gold), 100*acc(c.Assign, gold), time.Since(start).Seconds())
	}
	return nil
}

func meanStd(v []float64) string {
	var m, s float64
	for _, x := range v {
		m += x
	}
	m /= float64(len(v))
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return fmt.Sprintf("%.1f ± %.1f", m, math.Sqrt(s/float64(len(v))))
}

// load reads a text,label CSV, returning the texts, label ids and number of labels.
func load(path string) ([]string, []int, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil {
		return nil, nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	ti, li := -1, -1
	for i, h := range head {
		switch h {
		case "text":
			ti = i
		case "label":
			li = i
		}
	}
	if ti < 0 || li < 0 {
		return nil, nil, 0, fmt.Errorf("%s: want text and label columns, found %v", path, head)
	}
	ids := map[string]int{}
	var texts []string
	var gold []int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, 0, fmt.Errorf("%s: %w", path, err)
		}
		id, ok := ids[rec[li]]
		if !ok {
			id = len(ids)
			ids[rec[li]] = id
		}
		texts = append(texts, rec[ti])
		gold = append(gold, id)
	}
	return texts, gold, len(ids), nil
}
