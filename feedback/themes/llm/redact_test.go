package llm

import (
	"regexp"
	"testing"
)

// TestRedactForms: the forms of contact details and identifiers people actually type,
// each replaced, with the words around them and ordinary business text kept.
func TestRedactForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		// URLs: any scheme, or none when a host is followed by a path.
		{"see https://crm.example.com/opp/1 now", "see [url] now"},
		{"see www.example.com/x now", "see [url] now"},
		{"see www.example.com now", "see [url] now"},
		{"see example.com/pricing?plan=pro now", "see [url] now"},
		{"notes at crm.acme.co.uk/opp/123.", "notes at [url]."},
		{"get ftp://files.acme.com/q.pdf", "get [url]"},
		{"get sftp://files.acme.com/q.pdf", "get [url]"},
		{"open FILE:///etc/passwd", "open [url]"},
		{"slack://user?team=T1&id=U1", "[url]"},
		// E-mail addresses, plain and disguised.
		{"mail jane.doe@acme.com", "mail [email]"},
		{"mail mailto:jo@x.io", "mail mailto:[email]"},
		{"mail jane(at)acme.com", "mail [email]"},
		{"mail jane (at) acme (dot) com", "mail [email]"},
		{"mail jane [at] acme [dot] co [dot] uk", "mail [email]"},
		{"mail Jane.Doe{AT}acme.com today", "mail [email] today"},
		// Slack: mentions in markup, and bare ids of users, channels and teams.
		{"ask <@U0123ABC|jane> in <#C0123ABC|deals>", "ask [mention] in [mention]"},
		{"ask U0123ABC please", "ask [mention] please"},
		{"ask W012AB3CD9 or U024BE7LH", "ask [mention] or [mention]"},
		{"posted in C01ABCDE2F", "posted in [mention]"},
		// Phone numbers.
		{"call +1 (415) 555-0132", "call [phone]"},
		{"call 020 7946 0958", "call [phone]"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Business text that looks a little like the above stays as it is.
	for _, kept := range []string{
		"Price is 40k; order 12345.",
		"They chose gong.io and Clari over us.",
		"SOC2 and ISO27001 are must-haves; GDPR too.",
		"We lost to CONTRACT terms, UNLIMITED seats and a DEADLINE.",
		"B2B2C pricing at 3.5 per seat, Q4 2026.",
		"at 10 a.m. we met; dot the i's.",
		"They use Salesforce/HubSpot and/or Excel.",
		"Their stack is Node.js/React and Vue.js/Nuxt.",
	} {
		if got := Redact(kept); got != kept {
			t.Errorf("Redact(%q) = %q, want it unchanged", kept, got)
		}
	}
	// Whatever the input, nothing that still looks like a contact survives.
	for _, s := range []string{"a(at)b.c(at)d.com", "x://y U0123ABC(at)acme.com www.a.b/c@d.com"} {
		r := Redact(s)
		if leak := leaks(r); leak != "" {
			t.Errorf("Redact(%q) = %q still holds %q", s, r, leak)
		}
	}
}

// leaks returns the first thing in a redacted text that should have been replaced.
func leaks(r string) string {
	for _, re := range []*regexp.Regexp{emailPattern, obfuscatedEmailPattern, urlPattern} {
		if m := re.FindString(r); m != "" {
			return m
		}
	}
	for _, m := range slackIDPattern.FindAllString(r, -1) {
		if isSlackID(m) {
			return m
		}
	}
	return ""
}
