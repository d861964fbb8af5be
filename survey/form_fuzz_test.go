package survey

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vosbot/vosbot/feedback"
)

// FuzzParseForm: whatever the body, the parser never panics, and what it accepts is
// valid UTF-8 and only the form's fields, each as sent.
func FuzzParseForm(f *testing.F) {
	const form = "application/x-www-form-urlencoded"
	for _, seed := range []struct{ ct, body string }{
		{form, "csrf=ab&chose_us=Because+%3Cb%3E&ease=7&may_quote=yes"},
		{form, "chose_other=%FF"},
		{form, "chose_us=a&chose_us=b"},
		{form, "account=x"},
		{form + "; charset=UTF-8", "talk_again=maybe"},
		{"text/plain", "chose_us=x"},
		{form, "looked_at=\xff"},
		{form, "%zz"},
		{form, ""},
	} {
		f.Add(seed.ct, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		got, err := parseForm(ct, body)
		if err != nil {
			return
		}
		a := got.Answer
		for _, s := range []string{got.CSRF, a.ChoseUs, a.NearlyStopped, a.LookedAt, a.ChoseOther, a.ChangeMind, a.TalkAgain, a.Ease} {
			if !utf8.ValidString(s) {
				t.Fatalf("accepted invalid UTF-8 %q", s)
			}
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted a body of invalid UTF-8")
		}
		if a.MayQuote && !strings.Contains(string(body), "may_quote=yes") {
			t.Fatalf("may_quote without may_quote=yes in %q", body)
		}
		// Validation never panics on what the parser accepts.
		_ = a.Validate(feedback.Won)
		_ = a.Validate(feedback.Lost)
	})
}
