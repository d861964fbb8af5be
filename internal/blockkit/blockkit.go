// Package blockkit holds the small Block Kit and mrkdwn helpers that bot and digest
// share: escaping user text, clipping to Slack's limits, and the common blocks.
package blockkit

import (
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's limits on text objects and views.
const (
	MaxSectionText = 3000
	MaxOptionText  = 75
	MaxOptionValue = 150
	MaxHeader      = 150
	MaxBlocks      = 50
)

// Escape makes user text inert in mrkdwn: no mentions (<!channel>, <@U…>), no links, no
// HTML entities of its own. Slack asks for exactly &, < and > to be escaped.
func Escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Quote renders user text as an escaped mrkdwn block quote.
func Quote(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "> " + Escape(l)
	}
	return strings.Join(lines, "\n")
}

// Clip shortens text to n characters for a view, marking the cut. Stored text is never
// clipped; only what a view shows of it.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimRightFunc(string(r[:n-1]), func(r rune) bool { return r == ' ' || r == '\n' }) + "…"
}

// Plain is a plain_text object.
func Plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// Mrkdwn is a mrkdwn text object; the caller escapes what it interpolates.
func Mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// Option is a select or checkbox option with its text clipped to Slack's limit.
func Option(value, text string) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(value, Plain(Clip(text, MaxOptionText)), nil)
}

// Section is a mrkdwn section, clipped to Slack's limit.
func Section(blockID, text string) *slack.SectionBlock {
	s := slack.NewSectionBlock(Mrkdwn(Clip(text, MaxSectionText)), nil, nil)
	s.BlockID = blockID
	return s
}

// Context is a context block of one mrkdwn text.
func Context(blockID, text string) *slack.ContextBlock {
	return slack.NewContextBlock(blockID, Mrkdwn(Clip(text, MaxSectionText)))
}

// Header is a header block, clipped to Slack's 150 characters.
func Header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(Plain(Clip(text, MaxHeader)))
}

// Button is a button with an optional style.
func Button(actionID, value, text string, style slack.Style) *slack.ButtonBlockElement {
	b := slack.NewButtonBlockElement(actionID, value, Plain(text))
	b.Style = style
	return b
}

// Mention renders a Slack user as a mention, or "someone" when unknown or not an id.
func Mention(userID string) string {
	if !ValidID(userID) {
		return "someone"
	}
	return "<@" + userID + ">"
}

// ValidID accepts Slack ids only, so an id can never smuggle mrkdwn into a message.
func ValidID(id string) bool {
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

// Link renders a mrkdwn link whose URL and label cannot break out of the <…|…> syntax.
func Link(url, label string) string {
	return "<" + Escape(strings.ReplaceAll(url, "|", "%7C")) + "|" + Escape(strings.ReplaceAll(label, "|", "¦")) + ">"
}
