package bot

import (
	"testing"
	"unicode/utf8"

	"github.com/vosbot/vosbot/internal/blockkit"
	"github.com/vosbot/vosbot/internal/slackfake"
)

func TestFromSlack(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ wire, want string }{
		{"", ""},
		{"plain words", "plain words"},
		{"AT&amp;T", "AT&T"},
		{"1 &lt; 2 &gt; 0", "1 < 2 > 0"},
		// Decoded once: a typed entity stays the entity the person typed.
		{"AT&amp;amp;T &amp;lt;b&amp;gt;", "AT&amp;T &lt;b&gt;"},
		// Broken or foreign entities stay as typed.
		{"AT&amp T &amp", "AT&amp T &amp"},
		{"&quot;quoted&quot; &#60; &AMP;", "&quot;quoted&quot; &#60; &AMP;"},
		{"&", "&"},
		{"ping <@U0CEO> and <@U0CFO|jane>", "ping @U0CEO and @jane"},
		{"<#C0DEALS|deals> <#C0DEALS>", "#deals #C0DEALS"},
		{"<!here> <!channel> <!everyone> <!here|here>", "@here @channel @everyone @here"},
		{"<!subteam^S0123|@sales> heads up", "@sales heads up"},
		{"<!date^1392734382^{date_short}|Feb 18, 2014>", "Feb 18, 2014"},
		{"<https://acme.example>", "https://acme.example"},
		{"<http://acme.example|acme.example>", "acme.example"},
		{"<https://acme.example/deal?a=1&amp;b=2|the deal>", "the deal (https://acme.example/deal?a=1&b=2)"},
		{"<mailto:ceo@acme.example|ceo@acme.example>", "ceo@acme.example"},
		{"<mailto:ceo@acme.example|the CEO>", "the CEO (ceo@acme.example)"},
		{"<https://x.example|a &amp; b>", "a & b (https://x.example)"},
		// Not markup Slack writes: left as it came.
		{"a < b", "a < b"},
		{"a > b", "a > b"},
		{"<<@U1>", "<@U1"},
	} {
		if got := fromSlack(tt.wire); got != tt.want {
			t.Errorf("fromSlack(%q) = %q, want %q", tt.wire, got, tt.want)
		}
	}
}

// TestFromSlackUndoesTheFake holds the decoder to the fake's encoder: what a person
// typed, sent as Slack sends it, comes back as typed (markup aside).
func TestFromSlackUndoesTheFake(t *testing.T) {
	t.Parallel()
	for _, typed := range []string{"AT&T", "AT&amp;T", "&amp", "<b>bold</b>", "1 > 0 & 2 < 3", "&lt;@U1&gt;", "Bad &amp entity"} {
		if got := fromSlack(slackfake.SlackText(typed)); got != typed {
			t.Errorf("typed %q, got back %q", typed, got)
		}
	}
}

// FuzzFromSlack: any text without markup, encoded as Slack encodes it, decodes back to
// itself; and no input makes the decoder panic or produce invalid UTF-8 from valid.
func FuzzFromSlack(f *testing.F) {
	for _, s := range []string{"AT&T", "&amp;", "<@U1|a>", "<https://x|y>", "&amp", "<", ">", "&lt;&gt;", "<!date^1^{x}|d>", "é&€"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := fromSlack(blockkit.Escape(s)); got != s {
			t.Errorf("fromSlack(Escape(%q)) = %q", s, got)
		}
		out := fromSlack(s)
		if utf8.ValidString(s) && !utf8.ValidString(out) {
			t.Errorf("fromSlack(%q) = %q is not valid UTF-8", s, out)
		}
		if len(out) > len(s)+len(" ()") {
			// Only a relabelled link grows, by " (" and ")", at most once per <…>.
			if n := countMarkup(s); len(out) > len(s)+3*n {
				t.Errorf("fromSlack(%q) grew to %q", s, out)
			}
		}
	})
}

func countMarkup(s string) int {
	n := 0
	for _, r := range s {
		if r == '<' {
			n++
		}
	}
	return n
}
