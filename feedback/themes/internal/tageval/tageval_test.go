package tageval

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestScore(t *testing.T) {
	t.Parallel()
	gold := [][]string{{"a"}, {"a", "b"}, nil, {"b"}, nil, {"c"}}
	pred := [][]string{{"a"}, {"b", "a"}, nil, nil, {"a"}, {"c", "zz"}}
	r, err := Score(gold, pred, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	// Right: row 0 (a), row 2 (none, none), row 5 (c). Row 1 has b first, row 3 none,
	// row 4 predicts a for a no-theme text.
	if r.DominantRight != 3 || r.Texts != 6 {
		t.Errorf("dominant right %d of %d, want 3 of 6", r.DominantRight, r.Texts)
	}
	if r.Untagged != 2 || r.UntaggedThemed != 1 || r.Themed != 4 {
		t.Errorf("untagged %d, untagged themed %d, themed %d; want 2, 1, 4", r.Untagged, r.UntaggedThemed, r.Themed)
	}
	want := map[string][3]int{"a": {2, 1, 0}, "b": {1, 0, 1}, "c": {1, 0, 0}, "zz": {0, 1, 0}}
	if len(r.Keys) != len(want) || r.Keys[3].Key != "zz" {
		t.Fatalf("keys %+v", r.Keys)
	}
	for _, k := range r.Keys {
		if w := want[k.Key]; [3]int{k.TP, k.FP, k.FN} != w {
			t.Errorf("%s: tp,fp,fn %d,%d,%d want %v", k.Key, k.TP, k.FP, k.FN, w)
		}
	}
	// F1: a 4/5, b 2/3, c 1, zz 0.
	if got, want := r.MacroF1(), (0.8+2.0/3+1+0)/4; math.Abs(got-want) > 1e-12 {
		t.Errorf("macro-F1 %v, want %v", got, want)
	}
	if _, err := Score(gold, pred[:2], nil); err == nil {
		t.Error("mismatched lengths accepted")
	}
}

func TestMacroF1SkipsAbsentKeys(t *testing.T) {
	t.Parallel()
	r, err := Score([][]string{{"a"}}, [][]string{{"a"}}, []string{"a", "never"})
	if err != nil {
		t.Fatal(err)
	}
	if r.MacroF1() != 1 {
		t.Errorf("macro-F1 %v, want 1 (a key neither gold nor predicted is left out)", r.MacroF1())
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	in := "split,text,themes,kind\r\ndev,\"invoice sent twice, AP furious\",billing; support ,escalation\r\ntest,CW 🎉,,won\r\n"
	items, err := Load(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || items[0].Text != "invoice sent twice, AP furious" || items[0].Kind != "escalation" ||
		strings.Join(items[0].Gold, "|") != "billing|support" || items[0].Split != "dev" ||
		items[1].Gold != nil || items[1].Split != "test" {
		t.Errorf("Load = %+v", items)
	}
	if _, err := Load(strings.NewReader("text,themes\nx,y\n")); !errors.Is(err, ErrColumns) {
		t.Errorf("missing columns: err %v, want ErrColumns", err)
	}
}
