package main

import (
	"fmt"
	"io"
	"os"

	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/themes"
	"github.com/vosbot/vosbot/feedback/themes/internal/tageval"
)

// runSales measures tagging on a labelled set per split: the offline tagger run as
// `vosbot themes tag --offline` runs it, or, with tagged, that command's output.
func runSales(out io.Writer, path, tagged string, verbose bool) error {
	items, err := loadItems(path)
	if err != nil {
		return err
	}
	cat := catalogue.Builtin()
	keys := make([]string, len(cat))
	for i, th := range cat {
		keys[i] = th.Key
	}
	texts := make([]string, len(items))
	for i, it := range items {
		texts[i] = it.Text
	}
	var pred [][]string
	source := "in-process, as themes tag --offline"
	if tagged == "" {
		pred = themes.NewTagger(cat, nil, texts).TagAll(texts, "", nil)
	} else {
		source = tagged
		if pred, err = loadTagged(tagged, texts); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "%s (%s)\n", path, source)
	for _, split := range []string{"dev", "test", "all"} {
		var gold, p [][]string
		for i, it := range items {
			if split == "all" || it.Split == split {
				gold = append(gold, it.Gold)
				p = append(p, pred[i])
			}
		}
		r, err := tageval.Score(gold, p, keys)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-5s %s\n", split, r.Summary())
		if verbose && split != "all" {
			if err := r.Table(out); err != nil {
				return err
			}
		}
	}
	return nil
}

func loadItems(path string) ([]tageval.Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := tageval.Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return items, nil
}

// loadTagged reads the themes column of a tagged copy of the labelled set, row by
// row; its texts must be the set's, in order (the command keeps every row).
func loadTagged(path string, texts []string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := themes.ReadTable(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	col := -1
	for i, h := range t.Header {
		if h == "themes" {
			col = i
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("%s: no themes column", path)
	}
	got := t.Texts()
	if len(got) != len(texts) {
		return nil, fmt.Errorf("%s: %d rows, the labelled set has %d", path, len(got), len(texts))
	}
	pred := make([][]string, len(got))
	for i, r := range t.Rows {
		if got[i] != texts[i] {
			return nil, fmt.Errorf("%s: row %d is %q, the labelled set has %q", path, i+2, got[i], texts[i])
		}
		if col < len(r) {
			pred[i] = tageval.SplitKeys(r[col])
		}
	}
	return pred, nil
}
