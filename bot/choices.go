package bot

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// Slack's limits on what a select offers: 100 options in a static select or in the answer
// to a type-ahead, whose ack Slack drops silently from 20 KB (we stay well below).
const (
	maxStaticOptions = 100
	maxSuggestBytes  = 16 << 10
)

// choice is one thing a select offers: the key stored and the name people read.
type choice = struct{ Key, Name string }

// reasonChoices lists the reasons on offer as choices.
func reasonChoices(reasons catalogue.Catalogue) []choice {
	out := make([]choice, len(reasons))
	for i, r := range reasons {
		out[i] = choice{Key: r.Key, Name: r.Name}
	}
	return out
}

// matchChoices answers a type-ahead: the choices whose name or key holds what was typed
// (any case), those starting with it first, in list order otherwise; everything when
// nothing was typed.
func matchChoices(list []choice, typed string) []choice {
	q := strings.ToLower(strings.TrimSpace(typed))
	var first, then []choice
	for _, c := range list {
		name, key := strings.ToLower(c.Name), strings.ToLower(c.Key)
		switch {
		case q == "" || strings.HasPrefix(name, q) || strings.HasPrefix(key, q):
			first = append(first, c)
		case strings.Contains(name, q) || strings.Contains(key, q):
			then = append(then, c)
		}
	}
	return append(first, then...)
}

// suggestOptions turns matching choices into a type-ahead answer that Slack accepts: at
// most 100 options, each value prefix+key, and small enough for the ack.
func suggestOptions(list []choice, prefix string) slack.OptionsResponse {
	opts := []*slack.OptionBlockObject{}
	size := 0
	for _, c := range list {
		if len(opts) == maxStaticOptions {
			break
		}
		o := blockkit.Option(prefix+c.Key, c.Name)
		b, _ := json.Marshal(o)
		if size += len(b) + 1; size > maxSuggestBytes {
			break
		}
		opts = append(opts, o)
	}
	return slack.OptionsResponse{Options: opts}
}

// choiceOptions are the options of the chosen keys, in list order, for a select's
// initial options.
func choiceOptions(list []choice, keys []string, prefix string) []*slack.OptionBlockObject {
	var out []*slack.OptionBlockObject
	for _, c := range list {
		if slices.Contains(keys, c.Key) {
			out = append(out, blockkit.Option(prefix+c.Key, c.Name))
		}
	}
	return out
}
