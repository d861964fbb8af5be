package themes

import (
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/english"
)

// hostileTexts are inputs the normaliser must survive; they also seed FuzzNormalize.
var hostileTexts = []string{
	"",
	" \t\n\r  \u00a0\u2003 ",
	"🔥🔥🙂👍🏽 🚀",
	"\xff\xfe\xfd pricing \xc3",
	"\xc3\x28 security \xe2\x82",
	"<", ">", "<>", "<<<>>>", "<@", "<@U123", "<@U123>", "<!channel>", "<#C1|general>",
	"<!subteam^S1|@sales>", "<https://x.com|pricing page>", "<https://x.com|https://x.com>",
	"<mailto:bob@x.com|bob@x.com>", "<https://x.com>", "<https://x.com|>", "<|>", "<\n>",
	"https://example.com/pricing?x=1", "www.example.org", "bob@example.com", "@bob",
	"50k $1.2M 2024 3rd 10:30 15% €20", "CW CL EB PS poc POCs SSO sow ACV",
	"Café Straße 東京 مرحبا بالعالم", "'''", "’’’s", "a'b's", "c++ c# ++ ## x++y",
	"pricing. security\nreview", "…!?;:()[]\"", "\u0301\u0301\u0301", "İSTANBUL ǅemal",
	"\x00\x01\x02 nul bytes", strings.Repeat("a", 200), strings.Repeat("é", 100),
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"lower case", "PRICING Security REVIEW", []string{"price", "secur", "review"}},
		{"accented capitals lowered, not stemmed", "ÉCOLE Naïve", []string{"école", "naïve"}},
		{"sharp s and capital sharp s", "Straße STRAẞE", []string{"straße", "straße"}},
		{"greek", "ΤΙΜΉ", []string{"τιμή"}},
		{"cjk and arabic kept as words", "東京 مرحبا", []string{"東京", "مرحبا"}},
		{"url dropped", "pricing https://example.com/pricing?x=1 review", []string{"price", "review"}},
		{"www and bare domains dropped", "pricing www.example.org example.io/path acme.com, review", []string{"price", "review"}},
		{"e-mail and handle dropped", "ask bob@example.com or @bob about pricing", []string{"ask", "price"}},
		{"numbers and amounts dropped", "budget 50k $1.2M 2024 3rd 10:30 15% €20", []string{"budget"}},
		{"slack mentions dropped with their names", "<@U123> <!channel> <#C1|general> <!subteam^S1|@sales> pricing",
			[]string{"price"}},
		{"slack link keeps its label", "see <https://x.com|pricing page>", []string{"see", "price", "page"}},
		{"slack link without label", "see <https://x.com/pricing>", []string{"see"}},
		{"slack link whose label is the url", "<https://x.com/a|x.com/a> <mailto:bob@x.com|bob@x.com>", nil},
		{"angle brackets that are no entity", "<pricing> a < b", []string{"price"}},
		{"stop words and sales filler", "The deal with the prospect and their customer, they said it was a great fit",
			[]string{"great", "fit"}},
		{"contractions", "We don't and can't; it's Salesforce’s pricing", []string{"salesforc", "price"}},
		{"c++ and c#", "C++ and C# skills", []string{"c++", "c#", "skill"}},
		{"single letters dropped", "a b c x y z", nil},
		{"mixed letters and digits unstemmed", "q4 s3 buckets", []string{"q4", "s3", "bucket"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Normalize(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNormalizeStems checks stems against the Snowball English (Porter2) stemmer
// itself, and a few worked by hand from the Porter2 rules.
func TestNormalizeStems(t *testing.T) {
	t.Parallel()
	byHand := map[string]string{
		// -ing removed, "pric" is a short word, so e is restored.
		"pricing": "price",
		// -s, then Step 2 ation→ate, then Step 4 deletes ate in R2 ("rate").
		"integrations": "integr",
		// y→i (Step 1c), then Step 4 deletes iti in R2.
		"security": "secur",
		"stalled":  "stall",
		"closed":   "close",
	}
	for w, want := range byHand {
		if got := Normalize(w); !slices.Equal(got, []string{want}) {
			t.Errorf("Normalize(%q) = %q, want [%q]", w, got, want)
		}
	}
	for _, w := range []string{"pricing", "integrations", "renewals", "onboarding", "discounts",
		"competitors", "reliability", "invoiced", "unanswered", "frozen", "questionnaire", "happily"} {
		want := english.Stem(w, true)
		if got := Normalize(w); !slices.Equal(got, []string{want}) {
			t.Errorf("Normalize(%q) = %q, want Snowball's [%q]", w, got, want)
		}
		if got := Normalize(strings.ToUpper(w[:1]) + w[1:]); !slices.Equal(got, []string{want}) {
			t.Errorf("capitalised %q gives %q, want [%q]", w, got, want)
		}
	}
}

func TestNormalizeShorthand(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		// Capitals only: in lower case these stay as (unstemmed) words.
		{"CW", []string{"close", "won"}},
		{"cw", []string{"cw"}},
		{"CL", []string{"close", "lost"}},
		{"cl", []string{"cl"}},
		{"EB", []string{"econom", "buyer"}},
		{"eb", []string{"eb"}},
		{"PS", []string{"profession", "servic"}},
		{"ps", []string{"ps"}},
		{"Ps", []string{"ps"}},
		// Any case; "of" and "on" are stop words.
		{"poc", []string{"proof", "concept"}},
		{"POC", []string{"proof", "concept"}},
		{"Poc", []string{"proof", "concept"}},
		{"POCs", []string{"proof", "concept"}},
		{"SSO", []string{"singl", "sign"}},
		{"sso", []string{"singl", "sign"}},
		{"SOW", []string{"statement", "work"}},
		{"SOWs", []string{"statement", "work"}},
		{"sow", []string{"statement", "work"}},
		{"ACV", []string{"annual", "contract", "valu"}},
		{"acv", []string{"annual", "contract", "valu"}},
		// Inside a sentence, with punctuation attached.
		{"CW after the POC, pending SSO.", []string{"close", "won", "proof", "concept", "pend", "singl", "sign"}},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokensSentenceBreaks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []bool // brk of each token
	}{
		{"full stop and newline", "pricing high. security review\nstalled", []bool{false, false, true, false, true}},
		{"comma is no break", "pricing, security", []bool{false, false}},
		{"stop words carry the break", "pricing. The security", []bool{false, true}},
		{"punctuation inside a chunk", "pricing.security!review?audit;legal:rollout", []bool{false, true, true, true, true, true}},
		{"brackets and quotes", `pricing (security) "review"`, []bool{false, true, true}},
		{"carriage return", "pricing\r\nsecurity", []bool{false, true}},
		{"ellipsis", "pricing… security", []bool{false, true}},
		{"dropped url", "pricing https://x.com security", []bool{false, true}},
		{"dropped mention", "pricing <@U1> security", []bool{false, true}},
		{"slack link label", "pricing <https://x.com|audit log> security", []bool{false, true, false, true}},
		{"numbers are no break", "pricing 50k security", []bool{false, false}},
	}
	s := newStemmer(100)
	for _, tt := range tests {
		toks := s.tokens(tt.in, nil)
		got := make([]bool, len(toks))
		for i, tk := range toks {
			got[i] = tk.brk
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: breaks of %q = %v, want %v (tokens %+v)", tt.name, tt.in, got, tt.want, toks)
		}
	}
}

func TestTokensSurface(t *testing.T) {
	t.Parallel()
	toks := newStemmer(10).tokens("Pricing INTEGRATIONS’s CW", nil)
	var surf []string
	for _, tk := range toks {
		surf = append(surf, tk.surface)
	}
	want := []string{"pricing", "integrations", "closed", "won"}
	if !slices.Equal(surf, want) {
		t.Errorf("surfaces = %q, want %q", surf, want)
	}
	// tokens appends to dst without touching what is there.
	dst := []token{{stem: "keep"}}
	dst = newStemmer(10).tokens("pricing", dst)
	if len(dst) != 2 || dst[0].stem != "keep" || dst[1].stem != "price" {
		t.Errorf("tokens did not append: %+v", dst)
	}
}

func TestNormalizeHostile(t *testing.T) {
	t.Parallel()
	for _, in := range hostileTexts {
		for _, tok := range Normalize(in) {
			if tok == "" || !utf8.ValidString(tok) {
				t.Errorf("Normalize(%q) gave bad token %q", in, tok)
			}
		}
	}
	for _, in := range []string{"", "   ", "\n\t\r", "🔥🙂👍🏽", "\xff\xfe\xfd", "<@U1> <!here>", "the and of they"} {
		if got := Normalize(in); len(got) != 0 {
			t.Errorf("Normalize(%q) = %q, want nothing", in, got)
		}
	}
	if got := Normalize("\xff\xfe pricing \xc3 security\xe2"); !slices.Equal(got, []string{"price", "secur"}) {
		t.Errorf("invalid UTF-8 around words: got %q", got)
	}
}

func TestNormalizeLargeInputCapped(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("pricing security ", 100_000/17+1)
	if len(big) < 100_000 {
		t.Fatalf("input is only %d bytes", len(big))
	}
	if got := Normalize(big); len(got) != maxTokensPerText {
		t.Errorf("100 KB of words gave %d tokens, want the cap %d", len(got), maxTokensPerText)
	}
	// Pathological 100 KB inputs: unterminated entities, one huge chunk, many '<'.
	for _, in := range []string{
		strings.Repeat("<", 100_000),
		"<@" + strings.Repeat("x", 100_000),
		strings.Repeat("<https://x.com|pricing ", 5_000),
		strings.Repeat("x", 100_000),
		strings.Repeat("pricing.", 12_500),
		strings.Repeat("🔥", 25_000),
	} {
		if got := Normalize(in); len(got) > maxTokensPerText {
			t.Errorf("%.20q…: %d tokens, over the cap", in, len(got))
		}
	}
}

func TestNormalizeCapWithShorthand(t *testing.T) {
	t.Parallel()
	got := Normalize(strings.Repeat("tco ", 25_000)) // total cost (of) ownership: 3 tokens each
	if len(got) > maxTokensPerText {
		t.Errorf("%d tokens, over the cap %d", len(got), maxTokensPerText)
	}
}

func TestNormalizeSlackLabelWithDomain(t *testing.T) {
	t.Parallel()
	got := Normalize("<https://acme.com/p|pricing page on acme.com>")
	if want := []string{"price", "page"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNormalizeSpacingCombiningMarks(t *testing.T) {
	t.Parallel()
	got := Normalize("हिन्दी भाषा")
	if want := []string{"हिन्दी", "भाषा"}; !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestNormalizeDeterministicAndConcurrent(t *testing.T) {
	t.Parallel()
	in := "Too expensive; CW after POC <https://x.com|pricing page>. Security review stalled."
	want := Normalize(in)
	done := make(chan []string, 8)
	for range 8 {
		go func() { done <- Normalize(in) }()
	}
	for range 8 {
		if got := <-done; !slices.Equal(got, want) {
			t.Errorf("concurrent Normalize = %q, want %q", got, want)
		}
	}
}

func TestStemmerCacheLimit(t *testing.T) {
	t.Parallel()
	s := newStemmer(2)
	for _, w := range []string{"pricing", "security", "review", "pricing"} {
		if got, want := s.stem(w), english.Stem(w, true); got != want {
			t.Errorf("stem(%q) = %q, want %q", w, got, want)
		}
	}
	if len(s.cache) != 2 {
		t.Errorf("cache holds %d words, want the limit 2", len(s.cache))
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range hostileTexts {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got := Normalize(in)
		for _, tok := range got {
			switch {
			case tok == "":
				t.Fatalf("Normalize(%q) has an empty token", in)
			case !utf8.ValidString(tok):
				t.Fatalf("Normalize(%q) has invalid UTF-8 token %q", in, tok)
			case strings.ToLower(tok) != tok:
				t.Fatalf("Normalize(%q) has token %q not in lower case", in, tok)
			case strings.IndexFunc(tok, unicode.IsSpace) >= 0:
				t.Fatalf("Normalize(%q) has token %q with a space", in, tok)
			}
		}
		if again := Normalize(in); !slices.Equal(got, again) {
			t.Fatalf("Normalize(%q) not deterministic: %q then %q", in, got, again)
		}
	})
}
