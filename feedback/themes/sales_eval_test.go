package themes

import (
	"os"
	"strings"
	"testing"

	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/themes/internal/tageval"
)

// salesEval is the labelled set of reps' win/loss and escalation notes
// (testdata/README.md says how it was written and labelled).
const salesEval = "testdata/sales_eval.csv"

// salesEvalRun is one way the offline tagger is used, measured on one split.
type salesEvalRun struct {
	mode, split string
	result      tageval.Result
}

// runSalesEval tags the labelled set the ways vosbot does:
//   - cli: as `vosbot themes tag --offline`: the built-in catalogue, no examples, every
//     text of the file as background, no record kind;
//   - kind: the same tagger given each text's record kind, so AppliesTo counts;
//   - learned: as the feedback worker: no background, the record kind, and the dev
//     half's labels as the reasons reps ticked (examples); measured on test only.
func runSalesEval(t *testing.T) []salesEvalRun {
	t.Helper()
	f, err := os.Open(salesEval)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := tageval.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalogue.Builtin()
	var keys, texts []string
	for _, th := range cat {
		keys = append(keys, th.Key)
	}
	var examples []Example
	for _, it := range items {
		texts = append(texts, it.Text)
		if it.Split == "dev" && len(it.Gold) > 0 {
			examples = append(examples, Example{Text: it.Text, Keys: it.Gold})
		}
	}
	cli := NewTagger(cat, nil, texts)
	learned := NewTagger(cat, examples, nil)
	tag := func(tg *Tagger, text, kind string) []string {
		var ks []string
		for _, m := range tg.Tag(text, kind) {
			ks = append(ks, m.Key)
		}
		return ks
	}
	predictions := map[string][][]string{
		"cli":  cli.TagAll(texts, "", nil),
		"kind": make([][]string, len(items)),
	}
	predictions["learned"] = make([][]string, len(items))
	for i, it := range items {
		predictions["kind"][i] = tag(cli, it.Text, it.Kind)
		predictions["learned"][i] = tag(learned, it.Text, it.Kind)
	}
	var runs []salesEvalRun
	for _, mode := range []string{"cli", "kind", "learned"} {
		for _, split := range []string{"dev", "test", "all"} {
			if mode == "learned" && split != "test" {
				continue // it learned from dev
			}
			var gold, pred [][]string
			for i, it := range items {
				if split == "all" || it.Split == split {
					gold = append(gold, it.Gold)
					pred = append(pred, predictions[mode][i])
				}
			}
			r, err := tageval.Score(gold, pred, keys)
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, salesEvalRun{mode: mode, split: split, result: r})
		}
	}
	return runs
}

// TestSalesEval measures the offline tagger on reps' own language and guards the
// figures written in BENCHMARKS.md: the floors sit a little under what was measured,
// so a change that makes tagging worse fails here.
func TestSalesEval(t *testing.T) {
	t.Parallel()
	// Measured on 2026-11-27 (BENCHMARKS.md): accuracy, macro-F1, untagged themed share.
	floors := map[string]struct {
		accuracy, macroF1, untaggedThemed float64 // untaggedThemed is a ceiling
	}{
		"cli/dev":      {0.82, 0.79, 0.08}, // 84.6, 81.8, 5.2
		"cli/test":     {0.73, 0.73, 0.12}, // 75.2, 75.3, 9.9
		"kind/dev":     {0.82, 0.80, 0.08}, // 84.6, 82.4, 5.7
		"kind/test":    {0.73, 0.74, 0.13}, // 75.2, 76.3, 10.5
		"learned/test": {0.72, 0.72, 0.12}, // 74.3, 74.8, 9.4
	}
	for _, r := range runSalesEval(t) {
		name := r.mode + "/" + r.split
		t.Logf("%-13s %s", name, r.result.Summary())
		if r.mode == "cli" && r.split == "test" || testing.Verbose() && r.split != "all" {
			var b strings.Builder
			if err := r.result.Table(&b); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s per key:\n%s", name, b.String())
		}
		f, ok := floors[name]
		if !ok {
			continue
		}
		if got := r.result.Accuracy(); got < f.accuracy {
			t.Errorf("%s: dominant-theme accuracy %.3f under the floor %.3f", name, got, f.accuracy)
		}
		if got := r.result.MacroF1(); got < f.macroF1 {
			t.Errorf("%s: macro-F1 %.3f under the floor %.3f", name, got, f.macroF1)
		}
		if got := r.result.UntaggedThemedShare(); got > f.untaggedThemed {
			t.Errorf("%s: %.3f of themed texts untagged, over the ceiling %.3f", name, got, f.untaggedThemed)
		}
	}
}
