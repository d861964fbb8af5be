package slackfake

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Slack's limits that vosbot can run into.
const (
	maxMessageBlocks   = 50
	maxViewBlocks      = 100
	maxMessageText     = 40000
	maxSectionText     = 3000
	maxSectionFields   = 10
	maxFieldText       = 2000
	maxHeaderText      = 150
	maxContextElements = 10
	maxActionElements  = 25
	maxBlockID         = 255
	maxLabelText       = 2000
	maxViewTitle       = 24
	maxPrivateMetadata = 3000
	maxCallbackID      = 255
	maxSelectOptions   = 100
	maxOptionText      = 75
	maxOptionValue     = 150
	maxOptionDesc      = 75
	maxGroupLabel      = 75
)

// validateBlocks checks a blocks array against Slack's layout rules and
// returns Slack-style messages ("[ERROR] … [json-pointer:/blocks/0/text]"),
// none when it is acceptable. Empty raw is acceptable.
func validateBlocks(raw json.RawMessage, max int) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return []string{fmt.Sprintf("[ERROR] blocks must be an array of objects: %v [json-pointer:/blocks]", err)}
	}
	var out []string
	bad := func(ptr, format string, args ...any) {
		out = append(out, fmt.Sprintf("[ERROR] "+format+" [json-pointer:/blocks%s]", append(args, ptr)...))
	}
	if len(blocks) > max {
		bad("", "no more than %d items allowed", max)
	}
	seen := map[string]bool{}
	for i, b := range blocks {
		at := fmt.Sprintf("/%d", i)
		if id, ok := b["block_id"].(string); ok {
			if utf8.RuneCountInString(id) > maxBlockID {
				bad(at+"/block_id", "must be less than %d characters", maxBlockID+1)
			}
			if seen[id] {
				bad(at+"/block_id", "duplicate block_id %q", id)
			}
			seen[id] = true
		}
		typ, _ := b["type"].(string)
		switch typ {
		case "":
			bad(at, "missing required field: type")
		case "section":
			text, hasText := b["text"].(map[string]any)
			fields, _ := b["fields"].([]any)
			if !hasText && len(fields) == 0 {
				bad(at, "must provide either text or fields")
			}
			if hasText {
				checkText(text, maxSectionText, false, at+"/text", bad)
			}
			if len(fields) > maxSectionFields {
				bad(at+"/fields", "no more than %d items allowed", maxSectionFields)
			}
			for j, f := range fields {
				fm, _ := f.(map[string]any)
				checkText(fm, maxFieldText, false, fmt.Sprintf("%s/fields/%d", at, j), bad)
			}
			if acc, ok := b["accessory"].(map[string]any); ok {
				checkElement(acc, at+"/accessory", bad)
			}
		case "header":
			text, _ := b["text"].(map[string]any)
			checkText(text, maxHeaderText, true, at+"/text", bad)
		case "context":
			elems, _ := b["elements"].([]any)
			if len(elems) == 0 {
				bad(at+"/elements", "must provide at least 1 item")
			}
			if len(elems) > maxContextElements {
				bad(at+"/elements", "no more than %d items allowed", maxContextElements)
			}
		case "actions":
			elems, _ := b["elements"].([]any)
			if len(elems) == 0 {
				bad(at+"/elements", "must provide at least 1 item")
			}
			if len(elems) > maxActionElements {
				bad(at+"/elements", "no more than %d items allowed", maxActionElements)
			}
			for j, e := range elems {
				if em, ok := e.(map[string]any); ok {
					checkElement(em, fmt.Sprintf("%s/elements/%d", at, j), bad)
				}
			}
		case "input":
			label, _ := b["label"].(map[string]any)
			checkText(label, maxLabelText, true, at+"/label", bad)
			el, ok := b["element"].(map[string]any)
			if !ok {
				bad(at+"/element", "missing required field: element")
			} else {
				checkElement(el, at+"/element", bad)
			}
		}
	}
	return out
}

// checkElement applies Slack's rules on the options of an interactive element: a static
// select needs options or option_groups (one of them, not both) and at most 100 of
// either; every option (listed or initial, in any element) has a text of at most 75
// characters and a value of at most 150.
// maxOverflowOptions is the most options an overflow menu has.
const maxOverflowOptions = 5

func checkElement(el map[string]any, ptr string, bad func(ptr, format string, args ...any)) {
	typ, _ := el["type"].(string)
	opts, hasOpts := el["options"].([]any)
	groups, hasGroups := el["option_groups"].([]any)
	switch typ {
	case "static_select", "multi_static_select":
		switch {
		case !hasOpts && !hasGroups:
			bad(ptr, "must provide either options or option_groups")
		case hasOpts && hasGroups:
			bad(ptr, "must provide either options or option_groups, not both")
		case hasOpts && len(opts) == 0:
			bad(ptr+"/options", "must provide at least 1 item")
		case hasGroups && len(groups) == 0:
			bad(ptr+"/option_groups", "must provide at least 1 item")
		}
		if len(opts) > maxSelectOptions {
			bad(ptr+"/options", "no more than %d items allowed", maxSelectOptions)
		}
		if len(groups) > maxSelectOptions {
			bad(ptr+"/option_groups", "no more than %d items allowed", maxSelectOptions)
		}
	case "checkboxes", "radio_buttons", "overflow":
		if len(opts) == 0 {
			bad(ptr+"/options", "must provide at least 1 item")
		}
		if typ == "overflow" && len(opts) > maxOverflowOptions {
			bad(ptr+"/options", "no more than %d items allowed", maxOverflowOptions)
		}
	}
	// Checkboxes and radio buttons may show mrkdwn; selects and overflow menus plain text.
	plainOnly := typ != "checkboxes" && typ != "radio_buttons"
	for i, o := range opts {
		checkOption(o, plainOnly, fmt.Sprintf("%s/options/%d", ptr, i), bad)
	}
	for i, g := range groups {
		gm, _ := g.(map[string]any)
		at := fmt.Sprintf("%s/option_groups/%d", ptr, i)
		label, _ := gm["label"].(map[string]any)
		checkText(label, maxGroupLabel, true, at+"/label", bad)
		gopts, _ := gm["options"].([]any)
		if len(gopts) == 0 {
			bad(at+"/options", "must provide at least 1 item")
		}
		if len(gopts) > maxSelectOptions {
			bad(at+"/options", "no more than %d items allowed", maxSelectOptions)
		}
		for j, o := range gopts {
			checkOption(o, true, fmt.Sprintf("%s/options/%d", at, j), bad)
		}
	}
	if o, ok := el["initial_option"]; ok {
		checkOption(o, plainOnly, ptr+"/initial_option", bad)
	}
	if io, ok := el["initial_options"].([]any); ok {
		for i, o := range io {
			checkOption(o, plainOnly, fmt.Sprintf("%s/initial_options/%d", ptr, i), bad)
		}
	}
}

// checkOption validates one option object: text (at most 75 characters), value (at most
// 150) and an optional description (at most 75).
func checkOption(o any, plainOnly bool, ptr string, bad func(ptr, format string, args ...any)) {
	om, ok := o.(map[string]any)
	if !ok {
		bad(ptr, "must be an object")
		return
	}
	text, _ := om["text"].(map[string]any)
	checkText(text, maxOptionText, plainOnly, ptr+"/text", bad)
	value, _ := om["value"].(string)
	if n := utf8.RuneCountInString(value); n > maxOptionValue {
		bad(ptr+"/value", "must be less than %d characters", maxOptionValue+1)
	}
	if d, ok := om["description"].(map[string]any); ok {
		checkText(d, maxOptionDesc, plainOnly, ptr+"/description", bad)
	}
}

// checkText validates a text object: present, of a known type (plain_text
// only when plainOnly), non-empty and at most max characters.
func checkText(t map[string]any, max int, plainOnly bool, ptr string, bad func(ptr, format string, args ...any)) {
	if t == nil {
		bad(ptr, "missing required field: text")
		return
	}
	typ, _ := t["type"].(string)
	switch {
	case typ == "plain_text":
	case typ == "mrkdwn" && !plainOnly:
	default:
		bad(ptr+"/type", "must be a valid enum value")
	}
	text, _ := t["text"].(string)
	n := utf8.RuneCountInString(text)
	if n == 0 {
		bad(ptr+"/text", "must be more than 0 characters")
	}
	if n > max {
		bad(ptr+"/text", "must be less than %d characters", max+1)
	}
}

// parseViewRequest decodes and validates the view of views.open, push,
// update or publish (or of a response_action), which must be of type typ.
func parseViewRequest(raw json.RawMessage, typ string) (map[string]any, []string) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, []string{"[ERROR] missing required field: view"}
	}
	// A form-encoded view arrives as a JSON string holding the JSON object.
	var inner string
	if json.Unmarshal(raw, &inner) == nil {
		raw = json.RawMessage(inner)
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, []string{fmt.Sprintf("[ERROR] view must be a JSON object: %v [json-pointer:/view]", err)}
	}
	var out []string
	bad := func(ptr, format string, args ...any) {
		out = append(out, fmt.Sprintf("[ERROR] "+format+" [json-pointer:/view%s]", append(args, ptr)...))
	}
	if got, _ := obj["type"].(string); got != typ {
		bad("/type", "must be %q here, not %q", typ, got)
	}
	if typ == "modal" {
		title, _ := obj["title"].(map[string]any)
		checkText(title, maxViewTitle, true, "/title", bad)
		for _, k := range []string{"submit", "close"} {
			if t, ok := obj[k].(map[string]any); ok {
				checkText(t, maxViewTitle, true, "/"+k, bad)
			}
		}
		if _, ok := obj["submit"].(map[string]any); !ok {
			for _, b := range asSlice(obj["blocks"]) {
				if m, _ := b.(map[string]any); m["type"] == "input" {
					bad("/submit", "submit is required when an input block is present")
					break
				}
			}
		}
	}
	if pm, _ := obj["private_metadata"].(string); utf8.RuneCountInString(pm) > maxPrivateMetadata {
		bad("/private_metadata", "must be less than %d characters", maxPrivateMetadata+1)
	}
	if cb, _ := obj["callback_id"].(string); utf8.RuneCountInString(cb) > maxCallbackID {
		bad("/callback_id", "must be less than %d characters", maxCallbackID+1)
	}
	blocks, _ := json.Marshal(obj["blocks"])
	for _, p := range validateBlocks(blocks, maxViewBlocks) {
		out = append(out, replacePointerRoot(p))
	}
	return obj, out
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

// replacePointerRoot turns a /blocks pointer into /view/blocks.
func replacePointerRoot(msg string) string {
	return strings.Replace(msg, "[json-pointer:/blocks", "[json-pointer:/view/blocks", 1)
}

// validateOptionsResponse checks the answer to a block_suggestion request: options
// or option_groups, at most 100, each option within Slack's limits.
func validateOptionsResponse(raw json.RawMessage) []string {
	var resp map[string]any
	if err := json.Unmarshal(raw, &resp); err != nil || resp == nil {
		return []string{"[ERROR] the answer must be a JSON object with options or option_groups"}
	}
	var out []string
	bad := func(ptr, format string, args ...any) {
		out = append(out, fmt.Sprintf("[ERROR] "+format+" [json-pointer:%s]", append(args, ptr)...))
	}
	// The answer has a static select's shape; no options ({} as slack-go writes an
	// empty list) is a valid "nothing matches".
	el := map[string]any{"type": "suggestion", "options": resp["options"], "option_groups": resp["option_groups"]}
	if opts, _ := resp["options"].([]any); len(opts) > maxSelectOptions {
		bad("/options", "no more than %d items allowed", maxSelectOptions)
	}
	if groups, _ := resp["option_groups"].([]any); len(groups) > maxSelectOptions {
		bad("/option_groups", "no more than %d items allowed", maxSelectOptions)
	}
	checkElement(el, "", bad)
	return out
}

// validateMetadata checks the metadata parameter of chat.postMessage and
// chat.update: a JSON object with a non-empty event_type and an object
// event_payload. It returns the normalised JSON.
func validateMetadata(text string) (json.RawMessage, bool) {
	var md struct {
		EventType    string          `json:"event_type"`
		EventPayload json.RawMessage `json:"event_payload"`
	}
	if json.Unmarshal([]byte(text), &md) != nil || md.EventType == "" {
		return nil, false
	}
	var payload map[string]any
	if json.Unmarshal(md.EventPayload, &payload) != nil || payload == nil {
		return nil, false
	}
	out, _ := json.Marshal(map[string]any{"event_type": md.EventType, "event_payload": json.RawMessage(md.EventPayload)})
	return out, true
}
