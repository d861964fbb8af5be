package bot

import (
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// escape makes user text inert in mrkdwn: no mentions (<!channel>, <@U…>), no links,
// no HTML entities of its own. Slack asks for exactly &, < and > to be escaped.
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// quote renders user text as an escaped mrkdwn block quote.
func quote(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + escape(l)
	}
	return strings.Join(lines, "\n")
}

// clip shortens text to n characters for a view, marking the cut. Stored text is never
// clipped; only what a view shows of it.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), func(r rune) bool { return r == ' ' || r == '\n' }) + "…"
}

// Slack's limits on text objects.
const (
	maxSectionText = 3000
	maxPlainLabel  = 75
	maxOptionText  = 75
	maxOptionValue = 150
	maxHeader      = 150
)

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func option(value, text string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(value, plain(clip(text, maxOptionText)), nil)
}

// section is a mrkdwn section, clipped to Slack's limit.
func section(blockID, text string) *slack.SectionBlock {
	s := slack.NewSectionBlock(mrkdwn(clip(text, maxSectionText)), nil, nil)
	s.BlockID = blockID
	return s
}

func contextText(blockID, text string) *slack.ContextBlock {
	return slack.NewContextBlock(blockID, mrkdwn(clip(text, maxSectionText)))
}

func button(actionID, value, text string, style slack.Style) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(actionID, value, plain(text))
	b.Style = style
	return b
}

// mention renders a Slack user as a mention, or "someone" when hidden or unknown.
func mention(userID string) string {
	if userID == "" || !validID(userID) {
		return "someone"
	}
	return "<@" + userID + ">"
}

// validID accepts Slack ids only, so an id can never smuggle mrkdwn into a message.
func validID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, r := range id {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// link renders a mrkdwn link whose URL and label cannot break out of the <…|…> syntax.
func link(url, label string) string {
	return "<" + escape(strings.ReplaceAll(url, "|", "%7C")) + "|" + escape(strings.ReplaceAll(label, "|", "¦")) + ">"
}
