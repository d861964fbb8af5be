package slackfake

import (
	"regexp"
	"strings"
)

// slackMarkup matches Slack's own markup as it appears in the text Slack sends: user and
// channel mentions, special mentions (<!here>, <!subteam^S…|@team>, <!date^…|…>) and
// links (<https://…|label>, <mailto:…|label>).
var slackMarkup = regexp.MustCompile(`<(?:@[UW][A-Z0-9]+|#[CG][A-Z0-9]+|![a-z]+(?:\^[^<>|]*)*|(?:https?|mailto):[^<>|\s]+)(?:\|[^<>]*)?>`)

// SlackText is typed text as Slack delivers it to an app in a slash command's text or a
// message's text: &, < and > become &amp;, &lt; and &gt;, except that Slack's own markup
// (a mention or link the client made, written in the text as <@U…>, <#C…|name>,
// <!here>, <https://…|label>) stays markup, with only & inside it encoded.
//
// Tests write what the user typed and the markup their client produced in one string,
// so a user who literally typed "<@U123>" cannot be expressed; that is rare enough.
func SlackText(typed string) string {
	var b strings.Builder
	last := 0
	for _, m := range slackMarkup.FindAllStringIndex(typed, -1) {
		b.WriteString(encodeEntities(typed[last:m[0]]))
		b.WriteString(strings.ReplaceAll(typed[m[0]:m[1]], "&", "&amp;"))
		last = m[1]
	}
	b.WriteString(encodeEntities(typed[last:]))
	return b.String()
}

var entities = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func encodeEntities(s string) string { return entities.Replace(s) }
