package slackfake

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"
)

// Slack's limits on the interactive elements (Block Kit reference, block elements).
const (
	maxButtonText        = 75
	maxButtonValue       = 2000
	maxActionID          = 255
	maxPlaceholder       = 150
	maxHintText          = 2000
	maxPlainInputLength  = 3000
	maxNumberInputLength = 30
)

// elementErrors checks the elements of blocks (a decoded blocks array) against Slack's
// rules for each element type, with pointers under root ("/blocks" or "/view/blocks"):
// plain_text_input (max_length at most 3,000, min_length not above it, an initial_value
// within it, a placeholder of at most 150 characters), number_input (is_decimal_allowed
// given; min_value, max_value and initial_value strings that are numbers, whole unless
// decimals are allowed, in order), an input's hint (plain text, at most 2,000), buttons
// (text at most 75, value at most 2,000) and every action_id (at most 255).
func elementErrors(blocks any, root string) []string {
	var out []string
	bad := func(ptr, format string, args ...any) {
		out = append(out, fmt.Sprintf("[ERROR] "+format+" [json-pointer:%s]", append(args, ptr)...))
	}
	for i, b := range asSlice(blocks) {
		bm, _ := b.(map[string]any)
		at := fmt.Sprintf("%s/%d", root, i)
		switch bm["type"] {
		case "input":
			if h, ok := bm["hint"].(map[string]any); ok {
				checkText(h, maxHintText, true, at+"/hint", bad)
			}
			if el, ok := bm["element"].(map[string]any); ok {
				checkElementRules(el, at+"/element", bad)
			}
		case "actions":
			for j, el := range asSlice(bm["elements"]) {
				if em, ok := el.(map[string]any); ok {
					checkElementRules(em, fmt.Sprintf("%s/elements/%d", at, j), bad)
				}
			}
		case "section":
			if acc, ok := bm["accessory"].(map[string]any); ok {
				checkElementRules(acc, at+"/accessory", bad)
			}
		}
	}
	return out
}

func checkElementRules(el map[string]any, ptr string, bad func(ptr, format string, args ...any)) {
	if id, _ := el["action_id"].(string); utf8.RuneCountInString(id) > maxActionID {
		bad(ptr+"/action_id", "must be less than %d characters", maxActionID+1)
	}
	if ph, ok := el["placeholder"].(map[string]any); ok {
		checkText(ph, maxPlaceholder, true, ptr+"/placeholder", bad)
	}
	switch el["type"] {
	case "button":
		text, _ := el["text"].(map[string]any)
		checkText(text, maxButtonText, true, ptr+"/text", bad)
		if v, _ := el["value"].(string); utf8.RuneCountInString(v) > maxButtonValue {
			bad(ptr+"/value", "must be less than %d characters", maxButtonValue+1)
		}
	case "plain_text_input":
		maxLen, hasMax := intField(el, "max_length")
		minLen, hasMin := intField(el, "min_length")
		switch {
		case hasMax && (maxLen < 1 || maxLen > maxPlainInputLength):
			bad(ptr+"/max_length", "must be between 1 and %d", maxPlainInputLength)
		case hasMin && (minLen < 0 || minLen > maxPlainInputLength):
			bad(ptr+"/min_length", "must be between 0 and %d", maxPlainInputLength)
		case hasMin && hasMax && minLen > maxLen:
			bad(ptr+"/min_length", "must not be greater than max_length")
		}
		if iv, _ := el["initial_value"].(string); hasMax && utf8.RuneCountInString(iv) > maxLen {
			bad(ptr+"/initial_value", "must be less than %d characters (max_length)", maxLen+1)
		}
	case "number_input":
		decimals, ok := el["is_decimal_allowed"].(bool)
		if !ok {
			bad(ptr+"/is_decimal_allowed", "missing required field: is_decimal_allowed")
		}
		nums := map[string]float64{}
		for _, k := range []string{"min_value", "max_value", "initial_value"} {
			raw, present := el[k]
			if !present {
				continue
			}
			s, isString := raw.(string)
			if !isString {
				bad(ptr+"/"+k, "must be a string")
				continue
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || utf8.RuneCountInString(s) > maxNumberInputLength {
				bad(ptr+"/"+k, "must be a number")
				continue
			}
			if !decimals && f != math.Trunc(f) {
				bad(ptr+"/"+k, "must be an integer when is_decimal_allowed is false")
				continue
			}
			nums[k] = f
		}
		lo, hasLo := nums["min_value"]
		hi, hasHi := nums["max_value"]
		if hasLo && hasHi && lo > hi {
			bad(ptr+"/min_value", "must not be greater than max_value")
		}
		if iv, ok := nums["initial_value"]; ok && ((hasLo && iv < lo) || (hasHi && iv > hi)) {
			bad(ptr+"/initial_value", "must be between min_value and max_value")
		}
	}
}

// intField reads a JSON number field as an int.
func intField(m map[string]any, key string) (int, bool) {
	f, ok := m[key].(float64)
	if !ok {
		return 0, false
	}
	return int(f), true
}

// messageElementErrors checks the elements of a message's blocks parameter.
func messageElementErrors(blocks string) []string {
	if blocks == "" {
		return nil
	}
	var v []any
	if json.Unmarshal([]byte(blocks), &v) != nil {
		return nil // validateBlocks reports it
	}
	return elementErrors(v, "/blocks")
}
