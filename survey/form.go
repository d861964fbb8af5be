package survey

import (
	"errors"
	"fmt"
	"mime"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/vosbot/vosbot/feedback"
)

// fieldCSRF is the hidden field carrying the form's CSRF token.
const fieldCSRF = "csrf"

// formFields are every field the form has; anything else is refused.
var formFields = []string{
	fieldCSRF,
	feedback.SurveyChoseUs, feedback.SurveyNearlyStopped, feedback.SurveyLookedAt,
	feedback.SurveyChoseOther, feedback.SurveyChangeMind, feedback.SurveyTalkAgain,
	feedback.SurveyEase, feedback.SurveyMayQuote,
}

// errForm and its kin say why a POST body is not the form's.
var (
	errContentType = errors.New("the answer must be sent by the form (application/x-www-form-urlencoded)")
	errEncoding    = errors.New("the answer is not valid UTF-8 text")
	errSyntax      = errors.New("the answer could not be read")
)

// form is a parsed POST body: the answer as typed and the CSRF token.
type form struct {
	CSRF   string
	Answer feedback.SurveyAnswer
}

// parseForm reads a POST body of the survey form. It refuses, with a reason the page
// shows, anything the form cannot send: another content type, invalid UTF-8 (before or
// after decoding), a field the form does not have, or a field given twice.
func parseForm(contentType string, body []byte) (form, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return form{}, errContentType
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return form{}, errEncoding
	}
	if !utf8.Valid(body) {
		return form{}, errEncoding
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return form{}, errSyntax
	}
	var f form
	for name, vs := range values {
		if !slices.Contains(formFields, name) {
			return form{}, fmt.Errorf("the form has no field %q", truncate(name, 40))
		}
		if len(vs) != 1 {
			return form{}, fmt.Errorf("the field %q was sent %d times", name, len(vs))
		}
		if !utf8.ValidString(vs[0]) {
			return form{}, errEncoding
		}
	}
	get := values.Get
	f.CSRF = get(fieldCSRF)
	f.Answer = feedback.SurveyAnswer{
		ChoseUs: get(feedback.SurveyChoseUs), NearlyStopped: get(feedback.SurveyNearlyStopped), LookedAt: get(feedback.SurveyLookedAt),
		ChoseOther: get(feedback.SurveyChoseOther), ChangeMind: get(feedback.SurveyChangeMind),
		TalkAgain: get(feedback.SurveyTalkAgain), Ease: get(feedback.SurveyEase),
	}
	switch get(feedback.SurveyMayQuote) {
	case "":
	case "yes":
		f.Answer.MayQuote = true
	default:
		return form{}, errors.New(`the field "may_quote" must be "yes" or absent`)
	}
	return f, nil
}

// truncate cuts s to n runes for an error message.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
