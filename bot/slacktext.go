package bot

import "strings"

// fromSlack turns text as Slack sends it (a slash command's text, a message's text)
// back into what the person typed, once, at the edge: Slack writes &, < and > as &amp;,
// &lt; and &gt;, and writes mentions and links as markup, which becomes readable:
//
//	<@U1|jane> → @jane    <@U1> → @U1       <#C1|deals> → #deals    <!here> → @here
//	<!subteam^S1|@sales> → @sales           <!date^…|Feb 18> → Feb 18
//	<https://x.example|x.example> → x.example                       <https://x> → https://x
//	<https://x.example/y|the deal> → the deal (https://x.example/y)
//
// Anything else stays as it came: a broken entity (&amp without ;), an entity Slack
// never writes (&quot;), a lone < or >. Text a view submission carries is never encoded
// by Slack and must not go through here.
func fromSlack(s string) string {
	if !strings.ContainsAny(s, "&<") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		switch s[i] {
		case '&':
			if r, n := entity(s[i:]); n > 0 {
				b.WriteByte(r)
				i += n
				continue
			}
		case '<':
			if end := strings.IndexAny(s[i+1:], "<>"); end >= 0 && s[i+1+end] == '>' {
				b.WriteString(readableMarkup(s[i+1 : i+1+end]))
				i += end + 2
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// entity decodes one of the three entities Slack writes at the start of s.
func entity(s string) (byte, int) {
	switch {
	case strings.HasPrefix(s, "&amp;"):
		return '&', 5
	case strings.HasPrefix(s, "&lt;"):
		return '<', 4
	case strings.HasPrefix(s, "&gt;"):
		return '>', 4
	}
	return 0, 0
}

// decodeEntities decodes Slack's three entities, once, everywhere in s.
func decodeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if r, n := entity(s[i:]); n > 0 {
			b.WriteByte(r)
			i += n
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// readableMarkup renders the inside of one <…> as a person reads it in Slack.
func readableMarkup(inner string) string {
	target, label, _ := strings.Cut(inner, "|")
	target, label = decodeEntities(target), decodeEntities(label)
	switch {
	case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
		if label != "" {
			return target[:1] + strings.TrimPrefix(label, target[:1])
		}
		return target
	case strings.HasPrefix(target, "!"):
		name, arg, _ := strings.Cut(target[1:], "^")
		switch {
		case name == "here" || name == "channel" || name == "everyone":
			return "@" + name
		case label != "":
			return label
		case name == "subteam" && arg != "":
			return "@" + arg
		}
		return "@" + name
	}
	shown := strings.TrimPrefix(target, "mailto:")
	bare := strings.TrimPrefix(strings.TrimPrefix(shown, "https://"), "http://")
	if label == "" || label == target || label == shown || label == bare {
		if label != "" {
			return label
		}
		return shown
	}
	return label + " (" + shown + ")"
}
