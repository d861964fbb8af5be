package slackfake

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// TestElementRulesEnforced: each rule of elementErrors refuses the view (or message)
// that breaks it, and the same view without the mistake is accepted.
func TestElementRulesEnforced(t *testing.T) {
	t.Parallel()
	s := newFake(t)
	api := client(s)
	ctx := context.Background()
	plain := func(s string) *slack.TextBlockObject { return slack.NewTextBlockObject("plain_text", s, false, false) }
	input := func(el slack.BlockElement, hint string) slack.Block {
		b := slack.NewInputBlock("b", plain("Label"), nil, el)
		if hint != "" {
			b.Hint = plain(hint)
		}
		return b
	}
	text := func(mut func(*slack.PlainTextInputBlockElement)) slack.BlockElement {
		el := slack.NewPlainTextInputBlockElement(plain("e.g. 95%"), "v")
		el.MaxLength = 40
		mut(el)
		return el
	}
	number := func(mut func(*slack.NumberInputBlockElement)) slack.BlockElement {
		el := slack.NewNumberInputBlockElement(plain("e.g. 95"), "n", false)
		mut(el)
		return el
	}
	cases := []struct {
		name  string
		block slack.Block
		bad   string // "" when the block is fine
	}{
		{"a valid text input", input(text(func(*slack.PlainTextInputBlockElement) {}), "Target ≥ 95%"), ""},
		{"max_length over 3000", input(text(func(e *slack.PlainTextInputBlockElement) { e.MaxLength = 3001 }), ""), "/max_length"},
		{"min_length over max_length", input(text(func(e *slack.PlainTextInputBlockElement) { e.MinLength = 50 }), ""), "/min_length"},
		{"initial value longer than max_length", input(text(func(e *slack.PlainTextInputBlockElement) { e.InitialValue = strings.Repeat("9", 41) }), ""), "/initial_value"},
		{"placeholder over 150", input(text(func(e *slack.PlainTextInputBlockElement) { e.Placeholder = plain(strings.Repeat("p", 151)) }), ""), "/placeholder"},
		{"hint over 2000", input(text(func(*slack.PlainTextInputBlockElement) {}), strings.Repeat("h", 2001)), "/hint"},
		{"a valid number input", input(number(func(e *slack.NumberInputBlockElement) { e.MinValue, e.MaxValue, e.InitialValue = "0", "100", "95" }), ""), ""},
		{"number input decimals where not allowed", input(number(func(e *slack.NumberInputBlockElement) { e.InitialValue = "95.5" }), ""), "/initial_value"},
		{"number input min not a number", input(number(func(e *slack.NumberInputBlockElement) { e.MinValue = "zero" }), ""), "/min_value"},
		{"number input min above max", input(number(func(e *slack.NumberInputBlockElement) { e.MinValue, e.MaxValue = "10", "1" }), ""), "/min_value"},
		{"number input initial out of range", input(number(func(e *slack.NumberInputBlockElement) { e.MaxValue, e.InitialValue = "100", "101" }), ""), "/initial_value"},
		{"decimal number input", input(number(func(e *slack.NumberInputBlockElement) { e.IsDecimalAllowed, e.InitialValue = true, "95.5" }), ""), ""},
		{"button text over 75", slack.NewActionBlock("a", slack.NewButtonBlockElement("x", "v", plain(strings.Repeat("b", 76)))), "/elements/0/text"},
		{"button value over 2000", slack.NewActionBlock("a", slack.NewButtonBlockElement("x", strings.Repeat("v", 2001), plain("Report"))), "/elements/0/value"},
		{"action_id over 255", slack.NewActionBlock("a", slack.NewButtonBlockElement(strings.Repeat("x", 256), "v", plain("Report"))), "/elements/0/action_id"},
	}
	for _, c := range cases {
		modal := slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Report measures"), Submit: plain("Report"), Blocks: slack.Blocks{BlockSet: []slack.Block{c.block}}}
		_, err := api.OpenViewContext(ctx, s.trigger(""), modal)
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.bad != "" && err == nil:
			t.Errorf("%s: accepted", c.name)
		case c.bad != "":
			var se slack.SlackErrorResponse
			if !strings.Contains(strings.Join(errorMessages(err, &se), " "), "/view/blocks/0") || !strings.Contains(strings.Join(errorMessages(err, &se), " "), c.bad) {
				t.Errorf("%s: %v does not point at %s", c.name, err, c.bad)
			}
		}
	}
	// Messages are held to the same rules for their buttons.
	long := slack.NewActionBlock("a", slack.NewButtonBlockElement("x", "v", plain(strings.Repeat("b", 76))))
	if _, _, err := api.PostMessageContext(ctx, "U0A", slack.MsgOptionBlocks(long)); err == nil || !strings.Contains(err.Error(), "invalid_blocks") {
		t.Errorf("a message with a 76-character button: %v", err)
	}
}

// errorMessages are the response_metadata messages of a refused call.
func errorMessages(err error, se *slack.SlackErrorResponse) []string {
	if e, ok := err.(slack.SlackErrorResponse); ok {
		*se = e
		return e.ResponseMetadata.Messages
	}
	return []string{err.Error()}
}
