package catalogue

import (
	"slices"
	"strings"
	"testing"
)

func TestThemeAppliesToRecord(t *testing.T) {
	t.Parallel()
	deals := Theme{AppliesTo: []string{KindWon, KindLost}}
	tests := []struct {
		th   Theme
		kind string
		want bool
	}{
		{deals, KindWon, true},
		{deals, KindLost, true},
		{deals, KindEscalation, false},
		{deals, "", true},
		{Theme{}, KindEscalation, true},
		{Theme{AppliesTo: []string{KindEscalation}}, KindEscalation, true},
		{Theme{AppliesTo: []string{KindEscalation}}, KindNoDecision, false},
	}
	for _, tt := range tests {
		if got := tt.th.AppliesToRecord(tt.kind); got != tt.want {
			t.Errorf("%v.AppliesToRecord(%q) = %v, want %v", tt.th.AppliesTo, tt.kind, got, tt.want)
		}
	}
}

func TestBuiltinCatalogue(t *testing.T) {
	t.Parallel()
	a := Builtin()
	keys := map[string]bool{}
	for _, th := range a {
		if th.Key == "" || th.Name == "" || th.Description == "" || len(th.Keywords) == 0 {
			t.Errorf("incomplete theme %+v", th)
		}
		if keys[th.Key] {
			t.Errorf("duplicate key %s", th.Key)
		}
		keys[th.Key] = true
		for _, k := range th.AppliesTo {
			if !slices.Contains([]string{KindWon, KindLost, KindNoDecision, KindEscalation}, k) {
				t.Errorf("%s applies to unknown kind %q", th.Key, k)
			}
		}
		for _, kw := range th.Keywords {
			if kw != strings.TrimSpace(kw) || kw == "" {
				t.Errorf("%s: bad keyword %q", th.Key, kw)
			}
		}
	}
	// A fresh copy each call.
	a[0].Keywords[0] = "changed"
	a[0].AppliesTo[0] = "changed"
	b := Builtin()
	if b[0].Keywords[0] == "changed" || b[0].AppliesTo[0] == "changed" {
		t.Error("Builtin shares its slices between calls")
	}
}
