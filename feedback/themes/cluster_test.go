package themes

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// topicWords are three sales topics with no word (or stem) in common.
var topicWords = [][]string{
	{"expensive", "pricing", "discount", "cheaper", "quote", "licensing", "overpriced", "seats"},
	{"security", "audit", "encryption", "compliance", "questionnaire", "gdpr", "certification", "privacy"},
	{"salesforce", "integration", "connector", "webhook", "hubspot", "sync", "export", "zapier"},
}

// syntheticCorpus returns perTopic short texts per topic, each built from three to
// five words of its topic in a varied order, wrapped in stop words, sales filler,
// numbers and words shared by all topics; and the topic of each text.
func syntheticCorpus(perTopic int) ([]string, []int) {
	rng := rand.New(rand.NewPCG(11, 12))
	frames := []string{
		"The prospect said %s.",
		"Customer told us they went with %s, on the call",
		"%s — deal lost after 3 weeks",
		"Rep notes: %s; follow up next week",
		"they mentioned %s again <@U123>",
		"%s",
	}
	var texts []string
	var topic []int
	for i := range perTopic {
		for tp, words := range topicWords {
			w := slices.Clone(words)
			rng.Shuffle(len(w), func(a, b int) { w[a], w[b] = w[b], w[a] })
			body := strings.Join(w[:3+rng.IntN(3)], " and ")
			texts = append(texts, fmt.Sprintf(frames[(i+tp)%len(frames)], body))
			topic = append(topic, tp)
		}
	}
	return texts, topic
}

// noWords are texts left with no term to go by.
var noWords = []string{"", "   ", "🔥🔥🙂", "the and of they", "https://example.com/x", "<@U1> <!channel>", "50k $1.2M"}

// checkTopics verifies a clustering of syntheticCorpus texts (then noWords) against
// the topics.
func checkTopics(t *testing.T, c *Clustering, topic []int) {
	t.Helper()
	if len(c.Assign) != len(topic)+len(noWords) {
		t.Fatalf("%d assignments for %d texts", len(c.Assign), len(topic)+len(noWords))
	}
	if c.K != 3 || len(c.Labels) != 3 || len(c.Sizes) != 3 || len(c.Mixed) != 3 {
		t.Fatalf("K %d, %d labels, %d sizes, %d mixed flags; want 3 of each", c.K, len(c.Labels), len(c.Sizes), len(c.Mixed))
	}
	for g, m := range c.Mixed {
		if m || strings.HasPrefix(c.Labels[g], "mixed") {
			t.Errorf("clean topic group %d (%q) reported as mixed", g, c.Labels[g])
		}
	}
	for i := len(topic); i < len(c.Assign); i++ {
		if c.Assign[i] != -1 {
			t.Errorf("text %q with no words in group %d, want -1", noWords[i-len(topic)], c.Assign[i])
		}
	}
	got := c.Assign[:len(topic)]
	if !samePartition(got, topic) {
		t.Fatalf("groups %v do not match topics %v", got, topic)
	}
	size := make([]int, c.K)
	for _, a := range got {
		size[a]++
	}
	if !slices.Equal(size, c.Sizes) {
		t.Errorf("Sizes %v, counted %v", c.Sizes, size)
	}
	seen := map[string]bool{}
	for i, a := range got {
		label := c.Labels[a]
		words := strings.FieldsFunc(label, func(r rune) bool { return r == ',' || r == ' ' })
		if !slices.ContainsFunc(words, func(w string) bool { return slices.Contains(topicWords[topic[i]], w) }) {
			t.Errorf("label %q of group %d has no word of its topic %v", label, a, topicWords[topic[i]])
		}
		seen[label] = true
	}
	if len(seen) != 3 {
		t.Errorf("labels not unique: %q", c.Labels)
	}
}

func TestClusterRecoversTopics(t *testing.T) {
	t.Parallel()
	texts, topic := syntheticCorpus(30)
	texts = append(texts, noWords...)
	for _, spherical := range []bool{false, true} {
		for _, seed := range []uint64{0, 1, 99} {
			c, err := Cluster(texts, ClusterOptions{K: 3, Seed: seed, Spherical: spherical})
			if err != nil {
				t.Fatal(err)
			}
			if c.Chosen {
				t.Errorf("K given, yet Chosen")
			}
			checkTopics(t, c, topic)
		}
	}
}

func TestClusterChoosesK(t *testing.T) {
	t.Parallel()
	texts, topic := syntheticCorpus(30)
	texts = append(texts, noWords...)
	for _, o := range []ClusterOptions{{}, {MinK: 2, MaxK: 5, Seed: 3}, {MinK: 3, MaxK: 4, Seed: 4}} {
		c, err := Cluster(texts, o)
		if err != nil {
			t.Fatal(err)
		}
		lo, hi := max(o.MinK, 2), o.MaxK
		if hi == 0 {
			hi = 80
		}
		if !c.Chosen || c.K < lo || c.K > hi {
			t.Errorf("%+v: Chosen %v, K %d, want chosen within [%d, %d]", o, c.Chosen, c.K, lo, hi)
		}
		if c.Silhouette <= 0 || c.Silhouette > 1 {
			t.Errorf("%+v: silhouette %v for three clear topics", o, c.Silhouette)
		}
		// Three disjoint topics: the best silhouette is at k = 3.
		checkTopics(t, c, topic)
	}
}

// plainTopicTexts returns perTopic texts per topic of three to five topic words each.
func plainTopicTexts(perTopic int) ([]string, []int) {
	rng := rand.New(rand.NewPCG(21, 22))
	var texts []string
	var topic []int
	for range perTopic {
		for tp, words := range topicWords {
			w := slices.Clone(words)
			rng.Shuffle(len(w), func(a, b int) { w[a], w[b] = w[b], w[a] })
			texts = append(texts, strings.Join(w[:3+rng.IntN(3)], " "))
			topic = append(topic, tp)
		}
	}
	return texts, topic
}

func TestClusterMixedGroup(t *testing.T) {
	t.Parallel()
	texts, topic := plainTopicTexts(30)
	// Thirty texts sharing no word with any other: "zqaaa zqaab zqaac"…
	for i := range 30 {
		var w []string
		for _, suffix := range []string{"a", "b", "c"} {
			w = append(w, fmt.Sprintf("zq%c%c%s", 'a'+rune(i/26), 'a'+rune(i%26), suffix))
		}
		texts = append(texts, strings.Join(w, " "))
		topic = append(topic, 3)
	}
	// k-means finds a local optimum: on this corpus about one seed in twenty merges the
	// unrelated texts into topics. Ask for most seeds, and exact flags when it works.
	found := 0
	for seed := range uint64(8) {
		c, err := Cluster(texts, ClusterOptions{K: 4, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		if !samePartition(c.Assign, topic) {
			t.Logf("seed %d: sizes %v", seed, c.Sizes)
			continue
		}
		found++
		// The unrelated texts gather in one group of their own, flagged as mixed.
		mixed := c.Assign[len(texts)-1]
		for g := range c.K {
			if c.Mixed[g] != (g == mixed) {
				t.Errorf("seed %d: group %d (%q): Mixed %v", seed, g, c.Labels[g], c.Mixed[g])
			}
			if strings.HasPrefix(c.Labels[g], "mixed: ") != (g == mixed) {
				t.Errorf("seed %d: group %d label %q", seed, g, c.Labels[g])
			}
		}
	}
	if found < 6 {
		t.Errorf("only %d of 8 seeds put the unrelated texts in a group of their own", found)
	}
	// Spherical centroids have no length: nothing is flagged.
	c, err := Cluster(texts, ClusterOptions{K: 4, Seed: 2, Spherical: true})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(c.Mixed, true) {
		t.Errorf("spherical run flags mixed groups: %v %q", c.Mixed, c.Labels)
	}
}

func TestMixedGroups(t *testing.T) {
	t.Parallel()
	// k-means groups 0..3 with centroid lengths 0.9, 0.3, 0.8, 0.85 (along the first
	// axis); the compacted numbering follows first appearance: 2→0, 1→1, 0→2, 3→3.
	d := 2
	part := partition{
		assign: []int{2, 1, 0, 3, 2},
		cent:   []float64{0.9, 0, 0.3, 0, 0.8, 0, 0, 0.85},
		k:      4,
	}
	assign, k := compact(part.assign, 4)
	if !slices.Equal(assign, []int{0, 1, 2, 3, 0}) || k != 4 {
		t.Fatalf("compact = %v, %d", assign, k)
	}
	// Median of the sorted lengths [0.3 0.8 0.85 0.9] is 0.85; 0.3 < 0.7·0.85.
	if got := mixedGroups(part, d, assign, k, false); !slices.Equal(got, []bool{false, true, false, false}) {
		t.Errorf("mixed = %v, want only compacted group 1 (k-means group 1, length 0.3)", got)
	}
	if got := mixedGroups(part, d, assign, k, true); slices.Contains(got, true) {
		t.Errorf("spherical: mixed = %v", got)
	}
	// Fewer than three groups: no median to compare with.
	two := partition{assign: []int{0, 1}, cent: []float64{1, 0, 0.1, 0}, k: 2}
	if got := mixedGroups(two, d, []int{0, 1}, 2, false); slices.Contains(got, true) {
		t.Errorf("k = 2: mixed = %v", got)
	}
}

func TestClusterProgress(t *testing.T) {
	t.Parallel()
	texts, _ := syntheticCorpus(10)
	for _, k := range []int{0, 3} {
		var steps []string
		if _, err := Cluster(texts, ClusterOptions{K: k, Progress: func(s string) { steps = append(steps, s) }}); err != nil {
			t.Fatal(err)
		}
		chose := slices.ContainsFunc(steps, func(s string) bool { return strings.HasPrefix(s, "chose k") })
		if len(steps) < 3 || chose != (k == 0) {
			t.Errorf("K %d: progress %q", k, steps)
		}
	}
}

func TestClusterDeterministic(t *testing.T) {
	t.Parallel()
	texts, _ := syntheticCorpus(15)
	texts = append(texts, "pricing security integration all at once", "weather lunch holiday")
	for _, o := range []ClusterOptions{{K: 4, Seed: 8}, {Seed: 8}} {
		a, err := Cluster(texts, o)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Cluster(slices.Clone(texts), o)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%+v: same seed, different clusterings:\n%+v\n%+v", o, a, b)
		}
	}
}

func TestClusterNoTexts(t *testing.T) {
	t.Parallel()
	for _, texts := range [][]string{nil, {}, noWords, {"🙂"}} {
		c, err := Cluster(texts, ClusterOptions{K: 2})
		if !errors.Is(err, ErrNoTexts) || c != nil {
			t.Errorf("Cluster(%q) = %v, %v; want ErrNoTexts", texts, c, err)
		}
	}
}

func TestClusterSmallInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		texts  []string
		o      ClusterOptions
		assign []int
	}{
		{"one text", []string{"pricing too high"}, ClusterOptions{K: 3}, []int{0}},
		{"one text, k chosen", []string{"", "pricing too high"}, ClusterOptions{}, []int{-1, 0}},
		{"k above the texts", []string{"pricing", "security", "integration"}, ClusterOptions{K: 10}, []int{0, 1, 2}},
		{"identical texts", []string{"pricing discount", "pricing discount", "pricing discount"}, ClusterOptions{K: 1}, []int{0, 0, 0}},
	}
	for _, tt := range tests {
		c, err := Cluster(tt.texts, tt.o)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !slices.Equal(c.Assign, tt.assign) {
			t.Errorf("%s: assign %v, want %v", tt.name, c.Assign, tt.assign)
		}
		if len(c.Labels) != c.K || len(c.Sizes) != c.K {
			t.Errorf("%s: K %d with %d labels and %d sizes", tt.name, c.K, len(c.Labels), len(c.Sizes))
		}
	}
}

func TestUniqueLabel(t *testing.T) {
	t.Parallel()
	v := &vocabulary{surface: []string{"pricing", "discount", "quote", "seats", "pricing discount", "audit"}}
	used := map[string]bool{}
	tests := []struct {
		ranked []int32
		want   string
	}{
		{[]int32{0, 1, 2, 3}, "pricing, discount, quote"},
		// Same best terms: the next distinctive term makes it new.
		{[]int32{0, 1, 2, 3}, "pricing, discount, quote, seats"},
		// Nothing left to add: numbered.
		{[]int32{0, 1, 2}, "pricing, discount, quote (2)"},
		{[]int32{0, 1, 2}, "pricing, discount, quote (3)"},
		// A pair whose words are both said is skipped; so is a word inside a chosen pair.
		{[]int32{0, 1, 4, 3}, "pricing, discount, seats"},
		{[]int32{4, 0, 1, 2, 3}, "pricing discount, quote, seats"},
		// Fewer than three terms, then none at all.
		{[]int32{5}, "audit"},
		{nil, "misc"},
		{nil, "misc (2)"},
	}
	for _, tt := range tests {
		if got := uniqueLabel(v, tt.ranked, used); got != tt.want {
			t.Errorf("uniqueLabel(%v) = %q, want %q", tt.ranked, got, tt.want)
		}
	}
}

func TestLabelGroupsCollidingTerms(t *testing.T) {
	t.Parallel()
	// Groups 0 and 1 have the same texts, so the same best terms.
	texts := []string{
		"pricing discount quote", "pricing discount quote",
		"pricing discount quote", "pricing discount quote",
		"security audit encryption",
	}
	c := newCorpus(texts)
	live := []int{0, 1, 2, 3, 4}
	labels := labelGroups(c, live, []int{0, 0, 1, 1, 2}, 3)
	if len(labels) != 3 {
		t.Fatalf("labels %q", labels)
	}
	if labels[0] == labels[1] || labels[0] == labels[2] || labels[1] == labels[2] {
		t.Errorf("labels not unique: %q", labels)
	}
	for g, word := range []string{"pricing", "pricing", "security"} {
		if !strings.Contains(labels[g], word) {
			t.Errorf("label %q of group %d lacks %q", labels[g], g, word)
		}
	}
	// The distinctive terms come first: "security" only in group 2.
	if strings.Contains(labels[2], "pricing") {
		t.Errorf("group 2 label %q borrows another group's term", labels[2])
	}
}
