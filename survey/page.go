package survey

import (
	_ "embed"
	"html/template"
	"strconv"

	"github.com/vosbot/vosbot/feedback"
)

//go:embed page.html
var pageHTML string

//go:embed survey.css
var surveyCSS []byte

// surveyIcon is the page's icon: without one, browsers ask for /favicon.ico, which the
// listener does not serve.
//
//go:embed icon.svg
var surveyIcon []byte

var pageTemplate = template.Must(template.New("page").Parse(pageHTML))

// page is what the template shows: a message, and the form when there is one.
type page struct {
	Title      string
	Paragraphs []string
	Form       *formView
}

// formView is the form as shown, with what was typed and the errors on each field.
type formView struct {
	CSRF           string
	Errors         bool
	Problem        string
	Texts          []textField
	TalkAgainLabel string
	TalkAgain      []choice
	TalkAgainError string
	EaseLabel      string
	Ease           []choice
	EaseError      string
	MayQuote       bool
	QuoteLabel     string
}

type textField struct {
	Name, Label, Value, Error string
}

type choice struct {
	Value, Label string
	Checked      bool
}

// company is how the page names the company: "us" reads "we".
type company string

func (c company) named() bool { return c != "" && c != "us" }

// questionLabel is the label of a text question.
func (c company) questionLabel(field string) string {
	name := "us"
	if c.named() {
		name = string(c)
	}
	switch field {
	case feedback.SurveyChoseUs:
		return "What made you choose " + name + "?"
	case feedback.SurveyNearlyStopped:
		return "What nearly stopped you?"
	case feedback.SurveyLookedAt:
		return "Who else did you look at?"
	case feedback.SurveyChoseOther:
		return "Who did you choose instead, and why?"
	case feedback.SurveyChangeMind:
		return "What would have changed your mind?"
	}
	return field
}

func (c company) easeLabel() string {
	if c.named() {
		return "How easy was " + string(c) + " to buy from?"
	}
	return "How easy were we to buy from?"
}

func (c company) talkAgainLabel() string {
	if c.named() {
		return "Would you talk to " + string(c) + " again?"
	}
	return "Would you talk to us again?"
}

func (c company) title() string {
	if c.named() {
		return "A few questions from " + string(c)
	}
	return "A few questions about your decision"
}

// formPage is the form for a link's outcome, filled with a (what was typed) and errs.
func (c company) formPage(o feedback.Outcome, csrf string, a feedback.SurveyAnswer, errs feedback.FieldErrors, problem string) page {
	intro := "Thank you for taking three minutes. Your answers go to the team, not to a sales list; every question is optional."
	v := &formView{CSRF: csrf, Errors: len(errs) > 0 || problem != "", Problem: problem, MayQuote: a.MayQuote,
		EaseLabel: c.easeLabel(), QuoteLabel: "You may quote me by name and company"}
	for _, f := range feedback.SurveyQuestions(o) {
		v.Texts = append(v.Texts, textField{Name: f, Label: c.questionLabel(f), Value: a.Text(f), Error: errs[f]})
	}
	if o != feedback.Won {
		v.TalkAgainLabel = c.talkAgainLabel()
		v.TalkAgainError = errs[feedback.SurveyTalkAgain]
		for _, ch := range feedback.TalkAgainChoices {
			v.TalkAgain = append(v.TalkAgain, choice{Value: ch, Label: map[string]string{"yes": "Yes", "maybe": "Maybe", "no": "No"}[ch], Checked: a.TalkAgain == ch})
		}
	}
	v.EaseError = errs[feedback.SurveyEase]
	for i := 0; i <= 10; i++ {
		s := strconv.Itoa(i)
		v.Ease = append(v.Ease, choice{Value: s, Label: s, Checked: a.Ease == s})
	}
	return page{Title: c.title(), Paragraphs: []string{intro}, Form: v}
}

// Pages without a form.
var (
	pageGone = page{Title: "This link does not work",
		Paragraphs: []string{"This survey link is unknown, has expired or was withdrawn. If you were asked for your opinion, reply to the e-mail that sent it."}}
	pageAnswered = page{Title: "Already answered",
		Paragraphs: []string{"This survey was answered already; thank you. Each link takes one answer."}}
	pageThanks = page{Title: "Thank you",
		Paragraphs: []string{"Your answers were saved. Thank you for your time; they will be read."}}
	pageTooMany = page{Title: "Too many requests",
		Paragraphs: []string{"Please wait a minute and try again."}}
	pageTooLarge = page{Title: "Answer too long",
		Paragraphs: []string{"The answer sent is larger than the form allows (64 KiB). Nothing was saved; go back, shorten it and send again."}}
	pageExpiredForm = page{Title: "Please reload the form",
		Paragraphs: []string{"The form was not sent from this survey's page (its security token is missing or wrong). Nothing was saved: open the link again and send your answers from there."}}
	pageError = page{Title: "Something went wrong",
		Paragraphs: []string{"Your answers could not be saved just now; nothing was lost on your side. Please go back and send them again in a minute."}}
)

func badRequestPage(reason string) page {
	return page{Title: "This answer could not be read",
		Paragraphs: []string{"Nothing was saved: " + reason + ". Please open the link again and send your answers from the form."}}
}
