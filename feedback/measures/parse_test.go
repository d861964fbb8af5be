package measures

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseValueAcceptsWhatPeopleType(t *testing.T) {
	t.Parallel()
	cases := map[string]Value{
		"95":            {Number: 95},
		" 95.5 ":        {Number: 95.5},
		"95%":           {Number: 95, Percent: true},
		"95 %":          {Number: 95, Percent: true},
		"1,200":         {Number: 1200},
		"1 200":         {Number: 1200},
		"1\u202f200":    {Number: 1200},
		"1'200":         {Number: 1200},
		"1,234,567.5":   {Number: 1234567.5},
		"1.2k":          {Number: 1200},
		"1.2K":          {Number: 1200},
		"3.5m":          {Number: 3_500_000},
		"3.5 M":         {Number: 3_500_000},
		"2mm":           {Number: 2_000_000},
		"1.5bn":         {Number: 1_500_000_000},
		"$1.2M":         {Number: 1_200_000},
		"€300":          {Number: 300},
		"-3":            {Number: -3},
		"−3.5":          {Number: -3.5},
		"+4":            {Number: 4},
		"0":             {Number: 0},
		"-0":            {Number: 0},
		".5":            {Number: 0.5},
		"1000000000000": {Number: 1e12},
		"1,000b":        {Number: 1e12},
	}
	for in, want := range cases {
		got, err := ParseValue(in)
		if err != nil || got != want {
			t.Errorf("ParseValue(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
}

func TestParseValueRefusesWithWhatToType(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"lots", "", "   ", "NaN", "nan", "Inf", "-Inf", "1e400", "1e3", "12,34", "1,2345", "1.2.3",
		"1000000000001", "1.1bn%x", "2 trillion", "1,000.000,5", "--3", "k", "%", "$", "0x10", "١٢٣", "1_00", "95%%", "\xff"} {
		_, err := ParseValue(in)
		if err == nil {
			t.Errorf("ParseValue(%q) accepted", in)
			continue
		}
		if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "type a number such as") {
			t.Errorf("ParseValue(%q) = %v: no hint of what to type", in, err)
		}
	}
	if _, err := ParseValue("1,5"); err == nil || !strings.Contains(err.Error(), "use a dot for decimals") {
		t.Errorf("a decimal comma is not explained: %v", err)
	}
	if _, err := ParseValue("1e400"); err == nil || !strings.Contains(err.Error(), "without an exponent") {
		t.Errorf("an exponent is not explained: %v", err)
	}
}

func TestMeasureParseUnits(t *testing.T) {
	t.Parallel()
	pct := Measure{Name: "Retention", Target: 95, Unit: "%"}
	leads := Measure{Name: "Qualified leads", Target: 150, Unit: "leads"}
	change := Measure{Name: "NRR change", Target: 2, Unit: "± pts"}
	if v, err := pct.Parse("95%"); err != nil || v != 95 {
		t.Errorf("95%% for a %% measure: %v %v", v, err)
	}
	if v, err := pct.Parse("95"); err != nil || v != 95 {
		t.Errorf("95 for a %% measure: %v %v", v, err)
	}
	if _, err := leads.Parse("95%"); err == nil || !strings.Contains(err.Error(), "counted in leads") {
		t.Errorf("a %% for a count: %v", err)
	}
	if _, err := leads.Parse("-4"); err == nil || !strings.Contains(err.Error(), "cannot be below zero") {
		t.Errorf("a negative count: %v", err)
	}
	if v, err := change.Parse("-1.5"); err != nil || v != -1.5 {
		t.Errorf("a negative change: %v %v", v, err)
	}
	if v, err := (Measure{Name: "Net burn", Target: -50, Unit: "k"}).Parse("-40"); err != nil || v != -40 {
		t.Errorf("a negative for a negative target: %v %v", v, err)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for v, want := range map[float64]string{0: "0", 95: "95", 95.5: "95.5", 1200: "1,200", 1234567.891: "1,234,567.89", -3: "-3", 0.125: "0.13", -0.001: "0"} {
		if got := FormatNumber(v); got != want {
			t.Errorf("FormatNumber(%v) = %q, want %q", v, got, want)
		}
	}
	if got := (Measure{Unit: "%"}).Format(95); got != "95%" {
		t.Errorf("%q", got)
	}
	if got := (Measure{Unit: "leads"}).Format(1200); got != "1,200 leads" {
		t.Errorf("%q", got)
	}
	if got := (Measure{Unit: "± pts"}).Format(2); got != "+2 pts" {
		t.Errorf("%q", got)
	}
	if got := (Measure{Target: 14, Better: Lower, Unit: "days"}).TargetLabel(); got != "≤ 14 days" {
		t.Errorf("%q", got)
	}
}

// FuzzParseValue: whatever is typed, a value is finite, within ±1e12, and what it says
// again reads back as itself; a refusal always says what to type.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"95%", "1,200", "1.2k", "3.5m", "lots", "", "NaN", "1e400", "-3", "$1.2M", "1 200", "1,2", "9999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseValue(s)
		if err != nil {
			if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), hint) {
				t.Fatalf("ParseValue(%q): %v", s, err)
			}
			return
		}
		if math.IsNaN(v.Number) || math.IsInf(v.Number, 0) || math.Abs(v.Number) > MaxValue {
			t.Fatalf("ParseValue(%q) = %v", s, v.Number)
		}
		again, err := ParseValue(strings.ReplaceAll(FormatNumber(v.Number), ",", ""))
		if err != nil || math.Abs(again.Number-v.Number) > 0.005+1e-9*math.Abs(v.Number) {
			t.Fatalf("ParseValue(%q) = %v, which reads back as %v (%v)", s, v.Number, again.Number, err)
		}
		m := Measure{Name: "M", Target: 1, Unit: "%"}
		if n, err := m.Parse(s); err == nil && n < 0 {
			t.Fatalf("a %% measure accepted the negative %v from %q", n, s)
		}
	})
}
