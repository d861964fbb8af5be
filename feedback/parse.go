package feedback

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Outcome is how a deal ended.
type Outcome string

// The outcomes of a deal.
const (
	Won        Outcome = "won"
	Lost       Outcome = "lost"
	NoDecision Outcome = "no_decision"
)

// Outcomes lists every outcome in display order.
var Outcomes = []Outcome{Won, Lost, NoDecision}

// Label is the outcome as people say it.
func (o Outcome) Label() string {
	switch o {
	case Won:
		return "Won"
	case Lost:
		return "Lost"
	case NoDecision:
		return "No decision"
	}
	return string(o)
}

// Valid reports whether o is one of the three outcomes.
func (o Outcome) Valid() bool { return o == Won || o == Lost || o == NoDecision }

// outcomeWords maps the usual spellings (lower case, '-' and '_' as spaces) to outcomes.
var outcomeWords = map[string]Outcome{
	"won": Won, "win": Won, "w": Won, "closed won": Won, "closedwon": Won, "cw": Won, "wins": Won,
	"lost": Lost, "loss": Lost, "lose": Lost, "l": Lost, "closed lost": Lost, "closedlost": Lost, "cl": Lost,
	"no decision": NoDecision, "nodecision": NoDecision, "nd": NoDecision, "no dec": NoDecision,
	"no_decision": NoDecision, "closed no decision": NoDecision, "no deal": NoDecision,
}

// ParseOutcome understands an outcome in any of its usual spellings and any case:
// "won", "Closed-Won", "CW", "loss", "closed lost", "nd", "no decision".
func ParseOutcome(s string) (Outcome, bool) {
	o, ok := outcomeWords[outcomeKey(s)]
	return o, ok
}

func outcomeKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.NewReplacer("-", " ", "_", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// SplitOutcome reads an outcome from the first one, two or three words of text and
// returns the rest as it was typed; without one, the whole text is the rest.
func SplitOutcome(text string) (Outcome, string) {
	text = strings.TrimSpace(text)
	fields := strings.Fields(text)
	for n := min(3, len(fields)); n >= 1; n-- {
		if o, ok := ParseOutcome(strings.Join(fields[:n], " ")); ok {
			rest := text
			for range n {
				rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
				rest = strings.TrimLeftFunc(rest, func(r rune) bool { return !unicode.IsSpace(r) })
			}
			return o, strings.TrimSpace(rest)
		}
	}
	return "", text
}

// Amount is a money amount in hundredths of its currency unit.
type Amount struct {
	Cents int64
	// Currency is the ISO code written with the amount ("€" → EUR), "" when none was.
	Currency string
}

// String formats the amount as a plain decimal: "1200.50".
func (a Amount) String() string {
	return fmt.Sprintf("%d.%02d", a.Cents/100, a.Cents%100)
}

// maxCents bounds amounts to what numeric(18,2) stores.
const maxCents = 999_999_999_999_999_99

// ErrAmount is wrapped by every amount parsing error.
var ErrAmount = errors.New("not an amount")

var currencySymbols = []struct{ sym, code string }{
	// Longest first so "US$" is not read as "$".
	{"US$", "USD"}, {"CA$", "CAD"}, {"C$", "CAD"}, {"A$", "AUD"}, {"AU$", "AUD"}, {"NZ$", "NZD"}, {"S$", "SGD"}, {"HK$", "HKD"}, {"R$", "BRL"},
	{"$", "USD"}, {"€", "EUR"}, {"£", "GBP"}, {"¥", "JPY"}, {"₹", "INR"}, {"₩", "KRW"}, {"₪", "ILS"}, {"zł", "PLN"}, {"kr", "SEK"}, {"Fr.", "CHF"},
}

// ParseAmount understands deal values as reps type them: "50k", "$1.2M", "50,000",
// "1 200,50 €", "EUR 3.5m", "1'000'000". A separator followed by exactly three digits
// groups thousands; otherwise it is the decimal point.
func ParseAmount(s string) (Amount, error) {
	orig := s
	fail := func(why string) (Amount, error) {
		return Amount{}, fmt.Errorf("%w: couldn't read %q as an amount (%s); try 50k, $1.2M, 50,000 or 1 200,50 €", ErrAmount, truncate(orig, 40), why)
	}
	if !utf8.ValidString(s) {
		return fail("invalid characters")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return fail("empty")
	}
	var a Amount
	// An ISO code before or after the number.
	if len(s) > 3 {
		if code := strings.ToUpper(s[:3]); isCurrencyCode(code) && !unicode.IsLetter(rune(s[3])) {
			a.Currency, s = code, strings.TrimSpace(s[3:])
		} else if code := strings.ToUpper(s[len(s)-3:]); isCurrencyCode(code) && !unicode.IsLetter(rune(s[len(s)-4])) {
			a.Currency, s = code, strings.TrimSpace(s[:len(s)-3])
		}
	}
	for _, c := range currencySymbols {
		if strings.HasPrefix(s, c.sym) {
			a.Currency, s = pick(a.Currency, c.code), strings.TrimSpace(s[len(c.sym):])
			break
		}
		if strings.HasSuffix(s, c.sym) {
			a.Currency, s = pick(a.Currency, c.code), strings.TrimSpace(s[:len(s)-len(c.sym)])
			break
		}
	}
	if strings.HasPrefix(s, "-") {
		return fail("negative")
	}
	mult := int64(1)
	lower := strings.ToLower(s)
	for _, m := range []struct {
		suffix string
		mult   int64
	}{{"bn", 1e9}, {"mm", 1e6}, {"k", 1e3}, {"m", 1e6}, {"b", 1e9}} {
		if strings.HasSuffix(lower, m.suffix) {
			mult, s = m.mult, strings.TrimSpace(s[:len(s)-len(m.suffix)])
			break
		}
	}
	// Keep digits and separators; spaces of any kind group thousands.
	var digits strings.Builder
	var seps []rune
	var sepAt []int
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits.WriteRune(r)
		case r == ',' || r == '.' || r == '\'' || r == '’':
			seps = append(seps, r)
			sepAt = append(sepAt, digits.Len())
		case unicode.IsSpace(r) || r == '\u202f' || r == '\u2009' || r == '_':
		default:
			return fail(fmt.Sprintf("unexpected %q", r))
		}
	}
	ds := digits.String()
	if ds == "" {
		return fail("no digits")
	}
	// Find the decimal separator: the last separator when two kinds are used, or a lone
	// separator not followed by exactly three digits.
	decimalAt := -1
	if n := len(seps); n > 0 {
		last := seps[n-1]
		kinds := map[rune]bool{}
		for _, r := range seps {
			kinds[r] = true
		}
		count := 0
		for _, r := range seps {
			if r == last {
				count++
			}
		}
		after := len(ds) - sepAt[n-1]
		switch {
		case last == '\'' || last == '’':
		case len(kinds) > 1 && count == 1:
			decimalAt = sepAt[n-1]
		case len(kinds) == 1 && count == 1 && after != 3:
			decimalAt = sepAt[n-1]
		}
	}
	intPart, fracPart := ds, ""
	if decimalAt >= 0 {
		intPart, fracPart = ds[:decimalAt], ds[decimalAt:]
	}
	if intPart == "" {
		intPart = "0"
	}
	// Scale: value = int.frac × mult, in cents. The fraction is below one unit, so its
	// share (< scale ≤ 1e11 cents) is exact enough in a float.
	scale := mult * 100
	whole, ok := atoiCapped(intPart)
	if !ok || whole > maxCents/scale {
		return fail("too large")
	}
	a.Cents = whole * scale
	if fracPart != "" {
		fracPart = fracPart[:min(len(fracPart), 15)]
		f, _ := atoiCapped(fracPart)
		a.Cents += int64(math.Round(float64(f) / math.Pow10(len(fracPart)) * float64(scale)))
	}
	if a.Cents > maxCents {
		return fail("too large")
	}
	return a, nil
}

func pick(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func atoiCapped(s string) (int64, bool) {
	var n int64
	for _, r := range s {
		if n > (math.MaxInt64-9)/10 {
			return 0, false
		}
		n = n*10 + int64(r-'0')
	}
	return n, true
}

func isCurrencyCode(s string) bool {
	for _, c := range Currencies {
		if c == s {
			return true
		}
	}
	return false
}

// Currencies offered in the modal, most used first.
var Currencies = []string{"USD", "EUR", "GBP", "CAD", "AUD", "JPY", "CHF", "INR", "SGD", "SEK", "NOK", "DKK", "NZD", "BRL", "MXN", "HKD", "PLN", "ILS", "KRW", "ZAR", "AED", "CNY"}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// CompetitorKey is what makes two spellings of a competitor the same: "gong",
// "Gong.io" and "GONG" all give "gong".
func CompetitorKey(name string) string {
	name = strings.ToLower(cleanCompetitor(name, true))
	var b strings.Builder
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var companySuffixes = []string{" inc", " inc.", ", inc", ", inc.", " ltd", " ltd.", " llc", " corp", " corp.", " corporation", " gmbh", " plc", " s.a.", " sa", " ag", " co.", " limited"}
var domainSuffixes = []string{".io", ".com", ".ai", ".co", ".net", ".org", ".app", ".so", ".dev", ".us", ".eu"}

// cleanCompetitor drops what is not the name: a legal form, a web domain's suffix
// (withDomain: all of them; otherwise those rarely part of a brand, so "People.ai"
// keeps its ".ai" on display while sharing its key with "People"), surrounding spaces
// and punctuation.
func cleanCompetitor(name string, allDomains bool) string {
	// ";" joins list columns in exports, so it never appears inside a name.
	name = strings.ReplaceAll(name, ";", ",")
	name = strings.Join(strings.Fields(name), " ")
	name = strings.Trim(name, " ,.-")
	for changed := true; changed; {
		changed = false
		lower := strings.ToLower(name)
		suffixes := companySuffixes
		if allDomains {
			suffixes = append(suffixes, domainSuffixes...)
		} else {
			suffixes = append(suffixes, ".com", ".io", ".co", ".net", ".org")
		}
		for _, suf := range suffixes {
			if len(lower) > len(suf) && strings.HasSuffix(lower, suf) {
				name, changed = strings.TrimRight(name[:len(name)-len(suf)], " ,"), true
				break
			}
		}
	}
	return name
}

// CompetitorName is the display spelling of a newly named competitor: cleaned, and
// capitalised when typed all in lower case ("gong.io" → "Gong").
func CompetitorName(name string) string {
	name = cleanCompetitor(name, false)
	if name != "" && name == strings.ToLower(name) {
		r, size := utf8.DecodeRuneInString(name)
		name = string(unicode.ToUpper(r)) + name[size:]
	}
	return truncate(name, 80)
}

// Format shows the amount with its currency code and thousands separators:
// "USD 1,200.50", or "USD 50,000" when there are no cents.
func (a Amount) Format(currency string) string {
	whole := groupThousands(a.Cents / 100)
	if cents := a.Cents % 100; cents != 0 {
		whole += fmt.Sprintf(".%02d", cents)
	}
	if currency == "" {
		return whole
	}
	return currency + " " + whole
}

func groupThousands(n int64) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
