package feedback

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseOutcome(t *testing.T) {
	t.Parallel()
	tests := map[string]Outcome{
		"won": Won, "WIN": Won, "Closed Won": Won, "closed-won": Won, "closed_won": Won, "CW": Won, " win ": Won,
		"lost": Lost, "loss": Lost, "LOSE": Lost, "closed lost": Lost, "Closed-Lost": Lost, "cl": Lost,
		"no decision": NoDecision, "no-decision": NoDecision, "NO_DECISION": NoDecision, "nd": NoDecision, "ND": NoDecision, "No  Decision": NoDecision,
	}
	for in, want := range tests {
		if got, ok := ParseOutcome(in); !ok || got != want {
			t.Errorf("ParseOutcome(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "acme", "maybe", "wonton", "closed"} {
		if got, ok := ParseOutcome(in); ok {
			t.Errorf("ParseOutcome(%q) = %q, want no outcome", in, got)
		}
	}
}

func TestSplitOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		text    string
		outcome Outcome
		rest    string
	}{
		{"", "", ""},
		{"lost Acme", Lost, "Acme"},
		{"closed won Acme Corp", Won, "Acme Corp"},
		{"Closed-Lost  Globex   Inc", Lost, "Globex   Inc"},
		{"no decision Initech", NoDecision, "Initech"},
		{"nd", NoDecision, ""},
		{"Acme lost", "", "Acme lost"},
		{"  win  ", Won, ""},
		{"Wonderful Co", "", "Wonderful Co"},
		{"<!channel> lost", "", "<!channel> lost"},
	}
	for _, tt := range tests {
		o, rest := SplitOutcome(tt.text)
		if o != tt.outcome || rest != tt.rest {
			t.Errorf("SplitOutcome(%q) = %q, %q; want %q, %q", tt.text, o, rest, tt.outcome, tt.rest)
		}
	}
}

func TestParseAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       string
		cents    int64
		currency string
	}{
		{"50k", 5_000_000, ""},
		{"50K", 5_000_000, ""},
		{"$1.2M", 120_000_000, "USD"},
		{"50,000", 5_000_000, ""},
		{"1 200,50 €", 120_050, "EUR"},
		{"1\u00a0200,50\u00a0€", 120_050, "EUR"},
		{"1,234.56", 123_456, ""},
		{"1.234,56", 123_456, ""},
		{"1.200.000", 120_000_000, ""},
		{"1'000'000", 100_000_000, ""},
		{"EUR 3.5m", 350_000_000, "EUR"},
		{"3.5m eur", 350_000_000, "EUR"},
		{"£75k", 7_500_000, "GBP"},
		{"US$ 10", 1_000, "USD"},
		{"0.5k", 50_000, ""},
		{"1,5", 150, ""},
		{"1.5bn", 150_000_000_000, ""},
		{"0", 0, ""},
		{"999", 99_900, ""},
		{"12.345", 1_234_500, ""},
		{"$0.99", 99, "USD"},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in)
		if err != nil {
			t.Errorf("ParseAmount(%q): %v", tt.in, err)
			continue
		}
		if got.Cents != tt.cents || got.Currency != tt.currency {
			t.Errorf("ParseAmount(%q) = %d %q, want %d %q", tt.in, got.Cents, got.Currency, tt.cents, tt.currency)
		}
	}
	for _, in := range []string{"", "abc", "-5", "$", "five thousand", "1e9", "99999999999999999999", "50k?", "\xff"} {
		if got, err := ParseAmount(in); err == nil || !errors.Is(err, ErrAmount) {
			t.Errorf("ParseAmount(%q) = %+v, %v; want ErrAmount", in, got, err)
		}
	}
	if a := (Amount{Cents: 120_050}); a.String() != "1200.50" {
		t.Errorf("String = %s", a)
	}
}

func TestCompetitors(t *testing.T) {
	t.Parallel()
	same := [][]string{
		{"gong", "Gong.io", "GONG", " gong.io ", "Gong, Inc."},
		{"Salesforce", "salesforce.com", "SalesForce Inc"},
		{"Clari", "clari.com"},
	}
	for _, group := range same {
		key := CompetitorKey(group[0])
		for _, name := range group[1:] {
			if got := CompetitorKey(name); got != key {
				t.Errorf("CompetitorKey(%q) = %q, want %q like %q", name, got, key, group[0])
			}
		}
	}
	if CompetitorKey("Gong") == CompetitorKey("Chorus") {
		t.Error("different competitors share a key")
	}
	names := map[string]string{"gong.io": "Gong", "HubSpot": "HubSpot", "  outreach  ": "Outreach", "Salesforce, Inc.": "Salesforce", "élan": "Élan", "People.ai": "People.ai"}
	if CompetitorKey("People.ai") != CompetitorKey("People") {
		t.Error("People.ai and People must share a key")
	}
	for in, want := range names {
		if got := CompetitorName(in); got != want {
			t.Errorf("CompetitorName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"50k", "$1.2M", "50,000", "1 200,50 €", "EUR 3.5m", "1'000", "", "-1", "1.2.3,4,5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAmount(s)
		if err != nil {
			if !errors.Is(err, ErrAmount) {
				t.Fatalf("error does not wrap ErrAmount: %v", err)
			}
			return
		}
		if a.Cents < 0 || a.Cents > maxCents {
			t.Fatalf("ParseAmount(%q) = %d out of range", s, a.Cents)
		}
		if a.Currency != "" && !isCurrencyCode(a.Currency) {
			t.Fatalf("unknown currency %q", a.Currency)
		}
	})
}

func FuzzSplitOutcome(f *testing.F) {
	for _, s := range []string{"lost Acme", "closed won Acme", "nd", "", "Wonder", "<!here> win"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		o, rest := SplitOutcome(text)
		if o != "" && !o.Valid() {
			t.Fatalf("invalid outcome %q", o)
		}
		if o == "" && rest != strings.TrimSpace(text) {
			t.Fatalf("without an outcome the text must be kept: %q → %q", text, rest)
		}
		if !strings.Contains(text, rest) {
			t.Fatalf("the account %q is not part of the text %q", rest, text)
		}
		if utf8.ValidString(text) && !utf8.ValidString(rest) {
			t.Fatalf("valid text gave invalid account %q", rest)
		}
	})
}
