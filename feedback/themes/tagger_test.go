package themes

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vosbot/vosbot/feedback/catalogue"
)

// salesTexts are realistic notes with the theme each is mostly about.
var salesTexts = []struct {
	text string
	want string
}{
	{"Too expensive, they went with a cheaper competitor on price", "price"},
	{"Their SOC 2 report request and security review stalled us", "security_compliance"},
	{"Needed a Salesforce integration we don't have", "integration"},
	{"Champion left the company and budget was frozen", "budget_or_champion"},
	{"Support tickets went unanswered for weeks", "support"},
	{"invoiced twice, wrong charge", "billing"},
	{"Migration would take months and their IT team had no resources for the rollout", "implementation"},
	{"They renewed with the incumbent vendor, long standing relationship", "competitor_relationship"},
	{"The demo crashed twice and the trial was buggy and slow", "product_quality"},
	{"Not a priority this year, pushed to next fiscal year", "timing"},
	{"Inbound lead was handed over cold with no context from marketing", "lead_handling"},
	{"They need offline mode and custom fields, which are only on our roadmap", "missing_feature"},
}

func themeKeys(ms []Match) []string {
	var keys []string
	for _, m := range ms {
		keys = append(keys, m.Key)
	}
	return keys
}

func TestTaggerDominantTheme(t *testing.T) {
	t.Parallel()
	var background []string
	for _, s := range salesTexts {
		background = append(background, s.text)
	}
	for _, bg := range [][]string{nil, background} {
		tg := NewTagger(catalogue.Builtin(), nil, bg)
		for _, s := range salesTexts {
			got := tg.Tag(s.text, catalogue.KindLost)
			if len(got) == 0 || got[0].Key != s.want {
				t.Errorf("background %v: Tag(%q) = %v, want %s first", bg != nil, s.text, got, s.want)
			}
		}
	}
}

func TestTaggerMatchesOrderedAndCapped(t *testing.T) {
	t.Parallel()
	tg := NewTagger(catalogue.Builtin(), nil, nil)
	texts := []string{
		"Too expensive and the security review failed, the Salesforce integration was missing, " +
			"support tickets went unanswered, the invoice was wrong and the budget was frozen",
		"pricing discount security audit integration webhook invoice refund",
	}
	for _, s := range salesTexts {
		texts = append(texts, s.text)
	}
	for _, text := range texts {
		got := tg.Tag(text, "")
		if len(got) > MaxMatches {
			t.Errorf("Tag(%q) gave %d themes, more than %d", text, len(got), MaxMatches)
		}
		keys := themeKeys(got)
		if len(slices.Compact(slices.Sorted(slices.Values(keys)))) != len(keys) {
			t.Errorf("Tag(%q) repeats a theme: %v", text, keys)
		}
		for i, m := range got {
			if m.Score < tg.Threshold {
				t.Errorf("Tag(%q): %s scores %v under the threshold", text, m.Key, m.Score)
			}
			if i > 0 && m.Score > got[i-1].Score {
				t.Errorf("Tag(%q) not ordered by score: %v", text, got)
			}
			if m.Score < relativeCut*got[0].Score {
				t.Errorf("Tag(%q): %s scores under half the best: %v", text, m.Key, got)
			}
		}
	}
	// The text about six themes keeps three.
	if got := tg.Tag(texts[0], ""); len(got) != MaxMatches {
		t.Errorf("six-theme text got %v, want %d themes", got, MaxMatches)
	}
}

func TestTaggerNothingToSay(t *testing.T) {
	t.Parallel()
	nothing := []string{
		"", "   ", "🔥🔥🙂👍🏽", "\xff\xfe\xfd", "<@U123> <!channel>", "https://example.com", "50k",
		"the and of they it was", "Der Preis war viel zu hoch und der Wettbewerber war günstiger",
		"价格太贵了", "Нам не понравилась цена", "مرحبا بالعالم",
	}
	background := append(slices.Clone(nothing), "See you next week at lunch")
	tg := NewTagger(catalogue.Builtin(), nil, background)
	for _, text := range append(nothing, "See you next week at lunch") {
		for _, kind := range []string{"", catalogue.KindLost, catalogue.KindEscalation} {
			if got := tg.Tag(text, kind); len(got) != 0 {
				t.Errorf("Tag(%q, %q) = %v, want no theme", text, kind, got)
			}
		}
	}
}

func TestTaggerUnrelatedTextWithoutBackground(t *testing.T) {
	t.Parallel()
	tg := NewTagger(catalogue.Builtin(), nil, nil)
	if got := tg.Tag("See you next week at lunch", catalogue.KindLost); len(got) != 0 {
		t.Errorf("got %v, want no theme", got)
	}
}

func TestTaggerAppliesTo(t *testing.T) {
	t.Parallel()
	tg := NewTagger(catalogue.Builtin(), nil, nil)
	price := "Too expensive, they went with a cheaper competitor on price"
	tests := []struct {
		text, kind string
		key        string
		want       bool
	}{
		{price, "", "price", true},
		{price, catalogue.KindLost, "price", true},
		{price, catalogue.KindWon, "price", true},
		{price, catalogue.KindEscalation, "price", false},
		{"Champion left and budget was frozen", catalogue.KindEscalation, "budget_or_champion", false},
		{"Champion left and budget was frozen", catalogue.KindNoDecision, "budget_or_champion", true},
		// Billing has no AppliesTo: every kind.
		{"invoiced twice, wrong charge", catalogue.KindEscalation, "billing", true},
		{"invoiced twice, wrong charge", catalogue.KindWon, "billing", true},
		{"invoiced twice, wrong charge", "some_new_kind", "billing", true},
	}
	for _, tt := range tests {
		got := tg.Tag(tt.text, tt.kind)
		if has := slices.Contains(themeKeys(got), tt.key); has != tt.want {
			t.Errorf("Tag(%q, %q) = %v; has %s %v, want %v", tt.text, tt.kind, got, tt.key, has, tt.want)
		}
	}
}

func TestTaggerExamplesShiftResult(t *testing.T) {
	t.Parallel()
	text := "Zorblax reconciliation again"
	plain := NewTagger(catalogue.Builtin(), nil, []string{text})
	if got := plain.Tag(text, catalogue.KindLost); len(got) != 0 {
		t.Fatalf("without examples the made-up phrase already gives %v", got)
	}
	examples := []Example{
		{Text: "Customer angry about zorblax reconciliation", Keys: []string{"billing"}},
		{Text: "zorblax reconciliation broke on the last run", Keys: []string{"billing", "no_such_theme"}},
		{Text: "Another zorblax reconciliation complaint", Keys: []string{"billing"}},
		{Text: "Pricing was fine", Keys: []string{"price"}},
	}
	tg := NewTagger(catalogue.Builtin(), examples, []string{text})
	got := tg.Tag(text, catalogue.KindLost)
	if len(got) == 0 || got[0].Key != "billing" {
		t.Errorf("with examples Tag(%q) = %v, want billing first", text, got)
	}
	// Examples for other themes do not leak: security is unaffected.
	if got := tg.Tag("security review stalled", catalogue.KindLost); len(got) == 0 || got[0].Key != "security_compliance" {
		t.Errorf("security text now gives %v", got)
	}
}

func TestTaggerMoreExamplesNotWeaker(t *testing.T) {
	t.Parallel()
	text := "The zorblax reconciliation blew up again"
	score := func(n int) float64 {
		var ex []Example
		for i := range n {
			ex = append(ex, Example{Text: fmt.Sprintf("zorblax reconciliation problem %d", i), Keys: []string{"billing"}})
		}
		tg := NewTagger(catalogue.Builtin(), ex, []string{text})
		i := slices.IndexFunc(tg.themes, func(th catalogue.Theme) bool { return th.Key == "billing" })
		d, _ := analyze(newStemmer(10), text, nil)
		return tg.vocab.vector(d, nil).dot(tg.protos[i]) // no keyword in the text: the score
	}
	if few, many := score(2), score(20); many < few {
		t.Errorf("billing scores %v with 2 examples, %v with 20", few, many)
	}
}

func TestTaggerThreshold(t *testing.T) {
	t.Parallel()
	tg := NewTagger(catalogue.Builtin(), nil, nil)
	text := "Too expensive, they went with a cheaper competitor on price"
	if got := tg.Tag(text, ""); len(got) == 0 {
		t.Fatal("no theme at the default threshold")
	}
	tg.Threshold = 10
	if got := tg.Tag(text, ""); len(got) != 0 {
		t.Errorf("threshold 10 still gives %v", got)
	}
}

// TestTaggerScore checks a score is the cosine to the prototype plus the keyword bonus.
func TestTaggerScore(t *testing.T) {
	t.Parallel()
	cat := []catalogue.Theme{
		{Key: "a", Name: "Widgets", Description: "widgets and gadgets", Keywords: []string{"widget", "blue gadget"}},
		{Key: "b", Name: "Sprockets", Description: "sprockets and cogs", Keywords: []string{"sprocket"}},
	}
	tg := NewTagger(cat, nil, nil)
	// Every term of these texts is in the vocabulary (sentence breaks keep out bigrams
	// the catalogue never has), so the text vector is the whole text.
	tests := []struct {
		text string
		hits int
	}{
		{"widget", 1},
		{"blue gadget", 1},
		{"blue gadget. Widget", 2},
		{"gadget. Blue", 0}, // the phrase's words, not in order
		{"widget. Blue gadget. Widget", 2},
	}
	for _, tt := range tests {
		d, _ := analyze(newStemmer(10), tt.text, nil)
		cos := tg.vocab.vector(d, nil).dot(tg.protos[0])
		want := cos + keywordBonus*float64(tt.hits)
		got := tg.Tag(tt.text, "")
		if len(got) == 0 || got[0].Key != "a" || math.Abs(got[0].Score-want) > 1e-9 {
			t.Errorf("Tag(%q) = %v, want a scoring %v (cosine %v + %d bonuses)", tt.text, got, want, cos, tt.hits)
		}
		if slices.Contains(themeKeys(got), "b") {
			t.Errorf("Tag(%q) = %v also gives b", tt.text, got)
		}
	}
}

// TestTaggerStopWordPhrase checks that a keyword made of stop words but one ("on hold",
// "go live") is a hint only as the whole phrase, as written.
func TestTaggerStopWordPhrase(t *testing.T) {
	t.Parallel()
	cat := []catalogue.Theme{
		{Key: "a", Name: "Widgets", Description: "widgets", Keywords: []string{"widget", "on hold", "go live"}},
		{Key: "b", Name: "Sprockets", Description: "sprockets", Keywords: []string{"sprocket"}},
	}
	tg := NewTagger(cat, nil, nil)
	tests := []struct {
		text string
		hits int
	}{
		{"widget", 1},
		{"widget on hold", 2},
		{"Widget ON HOLD", 2},
		{"widget go-live", 2},
		{"widget hold", 1},         // "hold" alone is no hint
		{"widget live", 1},         // nor "live"
		{"widget hold on live", 1}, // the words out of order
	}
	for _, tt := range tests {
		d, _ := analyze(newStemmer(10), tt.text, nil)
		want := tg.vocab.vector(d, nil).dot(tg.protos[0]) + keywordBonus*float64(tt.hits)
		got := tg.Tag(tt.text, "")
		if len(got) == 0 || got[0].Key != "a" || math.Abs(got[0].Score-want) > 1e-9 {
			t.Errorf("Tag(%q) = %v, want a scoring %v (%d bonuses)", tt.text, got, want, tt.hits)
		}
	}
}

func TestTaggerKeywordCountedOnce(t *testing.T) {
	t.Parallel()
	cat := []catalogue.Theme{{Key: "a", Name: "Widgets", Description: "widgets", Keywords: []string{"widget", "widgets"}}}
	tg := NewTagger(cat, nil, nil)
	d, _ := analyze(newStemmer(10), "widget", nil)
	cos := tg.vocab.vector(d, nil).dot(tg.protos[0])
	if got := tg.Tag("widget", ""); len(got) != 1 || math.Abs(got[0].Score-(cos+keywordBonus)) > 1e-9 {
		t.Errorf("Tag = %v, want cosine %v plus one bonus", got, cos)
	}
	real := NewTagger(catalogue.Builtin(), nil, nil).Tag("Support tickets went unanswered for weeks", catalogue.KindLost)
	if slices.Contains(themeKeys(real), "missing_feature") {
		t.Errorf("support text tagged %v", real)
	}
}

func TestTaggerEmptyCatalogue(t *testing.T) {
	t.Parallel()
	for _, cat := range [][]catalogue.Theme{nil, {}} {
		tg := NewTagger(cat, []Example{{Text: "pricing", Keys: []string{"price"}}}, []string{"x"})
		if got := tg.Tag("too expensive", ""); len(got) != 0 {
			t.Errorf("empty catalogue gave %v", got)
		}
	}
}

func TestTaggerConcurrent(t *testing.T) {
	t.Parallel()
	tg := NewTagger(catalogue.Builtin(), nil, nil)
	want := make([][]Match, len(salesTexts))
	for i, s := range salesTexts {
		want[i] = tg.Tag(s.text, catalogue.KindLost)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(salesTexts))
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, s := range salesTexts {
				if got := tg.Tag(s.text, catalogue.KindLost); !slices.Equal(got, want[i]) {
					errs <- s.text
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for text := range errs {
		t.Errorf("concurrent Tag(%q) differs", text)
	}
}

// FuzzTag checks that any text, hostile or not, gets a well-formed answer: at most
// MaxMatches distinct catalogue themes, ordered, each over the threshold.
func FuzzTag(f *testing.F) {
	for _, s := range hostileTexts {
		f.Add(s)
	}
	for _, s := range salesTexts {
		f.Add(s.text)
	}
	f.Add("on hold on hold go-live per user doesn't support net 30 SOC 2")
	tg := NewTagger(catalogue.Builtin(), nil, []string{"see you next week", "on hold"})
	keys := catalogue.Catalogue(catalogue.Builtin()).Keys()
	f.Fuzz(func(t *testing.T, in string) {
		got := tg.Tag(in, "")
		if len(got) > MaxMatches {
			t.Fatalf("Tag(%q) gave %d themes", in, len(got))
		}
		seen := map[string]bool{}
		for i, m := range got {
			if !slices.Contains(keys, m.Key) || seen[m.Key] {
				t.Fatalf("Tag(%q) = %v: unknown or repeated key", in, got)
			}
			seen[m.Key] = true
			if m.Score < tg.Threshold || math.IsNaN(m.Score) || i > 0 && m.Score > got[i-1].Score {
				t.Fatalf("Tag(%q) = %v: score under the threshold or out of order", in, got)
			}
		}
		for _, w := range plainWords(in) {
			if w == "" || strings.ToLower(w) != w {
				t.Fatalf("plainWords(%q) has %q", in, w)
			}
		}
	})
}
