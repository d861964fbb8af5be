package measures

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxValue bounds a value: no revenue driver of a company is a 13-digit number, and a
// bigger one is a typing mistake (or 1e400).
const MaxValue = 1e12

// ErrValue means a text is not a value vosbot can record; its message says what to type.
var ErrValue = errors.New("not a value")

// hint is what to type, shown with every refusal.
const hint = "type a number such as 95, 95%, 1,200, 1.2k or 3.5m"

// Value is a number as a person typed it.
type Value struct {
	Number float64
	// Percent is set when it was typed with a % sign.
	Percent bool
}

// ParseValue reads a number the way a person means it:
//
//	95  95.5  -3  1,200  1 200  1'200  1.2k  3.5m  2mm  1.5bn  95%  $1.2M  €300
//
// Commas, spaces and apostrophes group thousands (in threes); the dot is the decimal
// point; k, m (or mm) and b (or bn) multiply by a thousand, a million and a billion; a
// leading currency symbol is ignored. Refused: words ("lots"), nothing, NaN and
// infinities, exponents (1e400), a comma that is not a thousands group ("1,5": write
// 1.5), and anything above 1e12.
func ParseValue(s string) (Value, error) {
	orig := s
	fail := func(why string) (Value, error) {
		return Value{}, fmt.Errorf("%w: %s; %s", ErrValue, why, hint)
	}
	if !utf8.ValidString(s) {
		return fail("that is not text")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return fail("nothing was typed")
	}
	var v Value
	if rest, ok := strings.CutSuffix(s, "%"); ok {
		v.Percent, s = true, strings.TrimSpace(rest)
	}
	neg := false
	for {
		switch {
		case strings.HasPrefix(s, "-"), strings.HasPrefix(s, "−"):
			if neg {
				return fail(fmt.Sprintf("%q has two minus signs", clip(orig, 30)))
			}
			neg = true
			_, size := utf8.DecodeRuneInString(s)
			s = strings.TrimSpace(s[size:])
			continue
		case strings.HasPrefix(s, "+"):
			s = strings.TrimSpace(s[1:])
			continue
		}
		if r, size := utf8.DecodeRuneInString(s); strings.ContainsRune("$€£¥", r) {
			s = strings.TrimSpace(s[size:])
			continue
		}
		break
	}
	mult := 1.0
	lower := strings.ToLower(s)
	for _, m := range []struct {
		suffix string
		mult   float64
	}{{"bn", 1e9}, {"mm", 1e6}, {"k", 1e3}, {"m", 1e6}, {"b", 1e9}} {
		if strings.HasSuffix(lower, m.suffix) {
			mult, s = m.mult, strings.TrimSpace(s[:len(s)-len(m.suffix)])
			break
		}
	}
	if s == "" {
		return fail(fmt.Sprintf("%q has no digits", clip(orig, 30)))
	}
	// Digits, thousands groups and at most one decimal point; nothing else.
	var b strings.Builder
	group, seenPoint, sinceSep, sepSeen := 0, false, 0, false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			sinceSep++
			group++
		case r == '.':
			if seenPoint {
				return fail(fmt.Sprintf("%q has two decimal points", clip(orig, 30)))
			}
			if sepSeen && sinceSep != 3 {
				return fail(fmt.Sprintf("%q groups thousands unevenly", clip(orig, 30)))
			}
			seenPoint, sinceSep = true, 0
			b.WriteRune('.')
		case r == ',' || r == '\'' || r == '’' || r == '_' || unicode.IsSpace(r) || r == '\u202f' || r == '\u2009':
			if seenPoint {
				return fail(fmt.Sprintf("%q has a separator after the decimal point", clip(orig, 30)))
			}
			if group == 0 || (sepSeen && sinceSep != 3) || (!sepSeen && sinceSep > 3) {
				if r == ',' {
					return fail(fmt.Sprintf("%q: a comma groups thousands (1,200); use a dot for decimals (1.5)", clip(orig, 30)))
				}
				return fail(fmt.Sprintf("%q groups thousands unevenly", clip(orig, 30)))
			}
			sepSeen, sinceSep = true, 0
		case r == 'e' || r == 'E':
			return fail(fmt.Sprintf("%q: write the number out, without an exponent", clip(orig, 30)))
		default:
			return fail(fmt.Sprintf("%q is not a number", clip(orig, 30)))
		}
	}
	if sepSeen && !seenPoint && sinceSep != 3 {
		if strings.Contains(s, ",") {
			return fail(fmt.Sprintf("%q: a comma groups thousands (1,200); use a dot for decimals (1.5)", clip(orig, 30)))
		}
		return fail(fmt.Sprintf("%q groups thousands unevenly", clip(orig, 30)))
	}
	digits := b.String()
	if strings.Trim(digits, ".") == "" {
		return fail(fmt.Sprintf("%q has no digits", clip(orig, 30)))
	}
	if len(strings.SplitN(digits, ".", 2)[0]) > 16 {
		return fail("that is more than 1e12")
	}
	f, err := strconv.ParseFloat(digits, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fail(fmt.Sprintf("%q is not a number", clip(orig, 30)))
	}
	f *= mult
	if f > MaxValue {
		return fail("that is more than 1e12")
	}
	// Four decimals is what is stored; rounding here keeps 1.2k exactly 1200.
	f = math.Round(f*1e4) / 1e4
	if neg && f != 0 {
		f = -f
	}
	v.Number = f
	return v, nil
}

// Parse reads a value typed for this measure: a percentage only for a measure in %, and
// a negative only where the unit allows one.
func (m Measure) Parse(s string) (float64, error) {
	v, err := ParseValue(s)
	if err != nil {
		return 0, err
	}
	if v.Percent && !m.percent() {
		return 0, fmt.Errorf("%w: %s is counted in %s, not in %%; type a number such as %s", ErrValue, m.Name, unitName(m.Unit), FormatNumber(m.Target))
	}
	if v.Number < 0 && !m.AllowsNegative() {
		return 0, fmt.Errorf("%w: %s cannot be below zero; type a number such as %s", ErrValue, m.Name, FormatNumber(math.Abs(m.Target)))
	}
	return v.Number, nil
}

func unitName(u string) string {
	if strings.TrimSpace(u) == "" {
		return "plain numbers"
	}
	return strings.TrimSpace(u)
}

// FormatNumber writes a value as people read it: thousands grouped, at most two
// decimals, no trailing zeros (1,200 · 95.5 · 0.25).
func FormatNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "?"
	}
	neg := v < 0
	v = math.Abs(v)
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', 2, 64)
	whole, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg && out != "0" {
		out = "-" + out
	}
	return out
}
