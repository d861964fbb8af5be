// Package tageval measures theme tagging against a labelled set: dominant-theme
// accuracy, macro-F1 over catalogue keys and the share of texts left untagged. It is
// shared by the tagger's regression test and the eval command, so both report the
// same figures.
package tageval

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Item is one labelled text.
type Item struct {
	Text  string
	Kind  string   // won, lost, no_decision or escalation
	Gold  []string // catalogue keys, dominant first; empty when no theme applies
	Split string   // dev or test
}

// ErrColumns says the labelled CSV lacks a column the evaluation needs.
var ErrColumns = errors.New("labelled CSV needs the columns text, kind, themes and split")

// Load reads a labelled CSV (header text,kind,themes,split, any order; themes
// ;-joined).
func Load(r io.Reader) ([]Item, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read labelled CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(h)] = i
	}
	for _, need := range []string{"text", "kind", "themes", "split"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%w (found %v)", ErrColumns, head)
		}
	}
	var items []Item
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return items, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read labelled CSV: %w", err)
		}
		items = append(items, Item{Text: rec[col["text"]], Kind: rec[col["kind"]],
			Gold: SplitKeys(rec[col["themes"]]), Split: rec[col["split"]]})
	}
}

// SplitKeys parses a ;-joined themes cell.
func SplitKeys(cell string) []string {
	var keys []string
	for _, k := range strings.Split(cell, ";") {
		if k = strings.TrimSpace(k); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// KeyScore is one key's multi-label counts over all predicted and gold keys of a text.
type KeyScore struct {
	Key        string
	TP, FP, FN int
}

// Precision is TP/(TP+FP), 0 when nothing was predicted.
func (k KeyScore) Precision() float64 { return ratio(k.TP, k.TP+k.FP) }

// Recall is TP/(TP+FN), 0 when the key is never gold.
func (k KeyScore) Recall() float64 { return ratio(k.TP, k.TP+k.FN) }

// F1 is the harmonic mean of precision and recall.
func (k KeyScore) F1() float64 { return ratio(2*k.TP, 2*k.TP+k.FP+k.FN) }

// Result is the measure of one set of predictions.
type Result struct {
	Texts          int
	DominantRight  int // first predicted key == first gold key; no theme right when none predicted
	Themed         int // texts with a gold theme
	Untagged       int // texts with no predicted theme
	UntaggedThemed int // of those, texts that have a gold theme
	Keys           []KeyScore
}

// Accuracy is the dominant-theme accuracy.
func (r Result) Accuracy() float64 { return ratio(r.DominantRight, r.Texts) }

// UntaggedShare is the share of all texts with no predicted theme.
func (r Result) UntaggedShare() float64 { return ratio(r.Untagged, r.Texts) }

// UntaggedThemedShare is the share of texts with a gold theme that got none.
func (r Result) UntaggedThemedShare() float64 { return ratio(r.UntaggedThemed, r.Themed) }

// MacroF1 averages F1 over the keys that are gold or predicted at least once (a key
// absent from both says nothing).
func (r Result) MacroF1() float64 {
	var sum float64
	n := 0
	for _, k := range r.Keys {
		if k.TP+k.FP+k.FN > 0 {
			sum += k.F1()
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

// Score compares predictions with gold keys, text by text; keys lists the catalogue
// (the order of the per-key table). A predicted or gold key outside it is counted
// under its own name at the end.
func Score(gold, pred [][]string, keys []string) (Result, error) {
	if len(gold) != len(pred) {
		return Result{}, fmt.Errorf("tageval: %d gold rows but %d predicted", len(gold), len(pred))
	}
	r := Result{Texts: len(gold)}
	index := map[string]int{}
	add := func(k string) int {
		i, ok := index[k]
		if !ok {
			i = len(r.Keys)
			index[k] = i
			r.Keys = append(r.Keys, KeyScore{Key: k})
		}
		return i
	}
	for _, k := range keys {
		add(k)
	}
	for i, g := range gold {
		p := pred[i]
		switch {
		case len(g) == 0 && len(p) == 0:
			r.DominantRight++
		case len(g) > 0 && len(p) > 0 && g[0] == p[0]:
			r.DominantRight++
		}
		if len(g) > 0 {
			r.Themed++
		}
		if len(p) == 0 {
			r.Untagged++
			if len(g) > 0 {
				r.UntaggedThemed++
			}
		}
		for _, k := range p {
			if slices.Contains(g, k) {
				r.Keys[add(k)].TP++
			} else {
				r.Keys[add(k)].FP++
			}
		}
		for _, k := range g {
			if !slices.Contains(p, k) {
				r.Keys[add(k)].FN++
			}
		}
	}
	return r, nil
}

// Summary is one line: texts, accuracy, macro-F1 and untagged shares, in %.
func (r Result) Summary() string {
	return fmt.Sprintf("%4d texts  dominant %5.1f%%  macro-F1 %5.1f%%  untagged %5.1f%% (%d), of themed %5.1f%% (%d/%d)",
		r.Texts, 100*r.Accuracy(), 100*r.MacroF1(), 100*r.UntaggedShare(), r.Untagged,
		100*r.UntaggedThemedShare(), r.UntaggedThemed, r.Themed)
}

// Table writes the per-key precision, recall and F1 (in %) with their counts.
func (r Result) Table(w io.Writer) error {
	if _, err := fmt.Fprintf(w, "%-24s %5s %5s %5s %4s %4s %4s\n", "key", "P", "R", "F1", "tp", "fp", "fn"); err != nil {
		return err
	}
	for _, k := range r.Keys {
		if _, err := fmt.Fprintf(w, "%-24s %5.1f %5.1f %5.1f %4d %4d %4d\n", k.Key,
			100*k.Precision(), 100*k.Recall(), 100*k.F1(), k.TP, k.FP, k.FN); err != nil {
			return err
		}
	}
	return nil
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
