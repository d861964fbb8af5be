package bot

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/vosbot/vosbot/feedback/catalogue"
)

func manyReasons(n int) catalogue.Catalogue {
	out := make(catalogue.Catalogue, n)
	for i := range out {
		out[i] = catalogue.Theme{Key: fmt.Sprintf("theme_%03d", i), Name: fmt.Sprintf("Theme %d", i)}
	}
	return out
}

// TestSelectsCappedAt100: a select offers its options at once up to Slack's 100, and
// switches to type-ahead past them, keeping what was picked.
func TestSelectsCappedAt100(t *testing.T) {
	t.Parallel()
	r100 := reasonsSelect(manyReasons(100), []string{"theme_099"})
	if r100.Type != slack.MultiOptTypeStatic || len(r100.Options) != 100 || len(r100.InitialOptions) != 1 {
		t.Errorf("100 reasons: %s with %d options", r100.Type, len(r100.Options))
	}
	r101 := reasonsSelect(manyReasons(101), []string{"theme_100", "theme_000"})
	if r101.Type != slack.MultiOptTypeExternal || len(r101.Options) != 0 || r101.MinQueryLength == nil || *r101.MinQueryLength != 0 {
		t.Errorf("101 reasons: %s with %d options", r101.Type, len(r101.Options))
	}
	if len(r101.InitialOptions) != 2 || r101.InitialOptions[0].Value != "theme_000" || r101.InitialOptions[1].Value != "theme_100" {
		t.Errorf("picked reasons lost: %+v", r101.InitialOptions)
	}
	if m := mergeSelect("emerging_x", manyReasons(100)); m.Type != slack.OptTypeStatic || len(m.Options) != 100 || m.Options[99].Value != "emerging_x>theme_099" {
		t.Errorf("merge into 100: %s with %d options", m.Type, len(m.Options))
	}
	if m := mergeSelect("emerging_x", manyReasons(101)); m.Type != slack.OptTypeExternal || len(m.Options) != 0 {
		t.Errorf("merge into 101: %s with %d options", m.Type, len(m.Options))
	}
}

// TestSuggestOptionsFitSlack: at most 100 suggestions, each within the option limits,
// and an answer small enough for Slack to take it (it drops acks from 20 KB).
func TestSuggestOptionsFitSlack(t *testing.T) {
	t.Parallel()
	long := make([]choice, 300)
	for i := range long {
		long[i] = choice{Key: fmt.Sprintf("k%03d_%s", i, strings.Repeat("k", 60)), Name: strings.Repeat("é", 200)}
	}
	resp := suggestOptions(long, strings.Repeat("e", 64)+mergeSep)
	b, _ := json.Marshal(resp)
	if len(resp.Options) == 0 || len(resp.Options) > 100 || len(b) >= 20<<10-200 {
		t.Errorf("%d options in %d bytes", len(resp.Options), len(b))
	}
	for _, o := range resp.Options {
		if n := len([]rune(o.Text.Text)); n > 75 || len([]rune(o.Value)) > 150 {
			t.Errorf("option of %d characters, value of %d", n, len([]rune(o.Value)))
		}
	}
	short := suggestOptions(reasonChoices(manyReasons(300)), "")
	if len(short.Options) != 100 {
		t.Errorf("%d short options, want 100", len(short.Options))
	}
	if none := suggestOptions(nil, ""); none.Options == nil {
		t.Error("no match must still be a list")
	}
}

func TestMatchChoices(t *testing.T) {
	t.Parallel()
	list := []choice{{"price", "Price or packaging"}, {"support", "Support and customer success"}, {"billing", "Billing and invoicing"}, {"competitor_price", "Competitor's price"}}
	var keys []string
	for _, c := range matchChoices(list, " PRICE ") {
		keys = append(keys, c.Key)
	}
	if strings.Join(keys, ",") != "price,competitor_price" {
		t.Errorf("matches for PRICE: %v", keys)
	}
	if n := len(matchChoices(list, "")); n != 4 {
		t.Errorf("%d matches for nothing typed", n)
	}
	if n := len(matchChoices(list, "zzz")); n != 0 {
		t.Errorf("%d matches for zzz", n)
	}
}
