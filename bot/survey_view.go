package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// Action ids of the buyer survey.
const (
	surveyAskAction    = "survey_ask"
	surveyRevokeAction = "survey_revoke"
)

// surveyLinkMessage gives the rep a survey link and a message to paste into their own
// e-mail (vosbot never writes to a buyer), with a Revoke button.
func surveyLinkMessage(url string, l feedback.SurveyLink) (text string, blocks []slack.Block) {
	account := blockkit.Escape(blockkit.Clip(l.Account, 200))
	until := l.ExpiresAt.UTC().Format("2 January 2006")
	text = fmt.Sprintf("Survey link for the buyer of %s: %s", account, blockkit.Escape(url))
	blocks = append(blocks, blockkit.Section("survey_link",
		fmt.Sprintf("Here is a survey link for the buyer of *%s* (%s). It works until %s and takes one answer. "+
			"vosbot never e-mails the buyer: paste this into your own e-mail.", account, l.Outcome.Label(), until)))
	paste := "Hi,\n\nThank you for the time you spent with us while you decided. Would you tell us, in three minutes and in " +
		"your own words, what mattered to you? It is a short page, no login needed:\n\n" + url +
		"\n\nYour answers go to our team. We will not quote you by name unless you tick the box that says we may."
	blocks = append(blocks, blockkit.Section("survey_paste", "```"+blockkit.Escape(paste)+"```"))
	blocks = append(blocks, slack.NewActionBlock("survey_actions",
		blockkit.Button(surveyRevokeAction, fmt.Sprint(l.ID), "Revoke this link", slack.StyleDanger)))
	blocks = append(blocks, blockkit.Context("survey_notes",
		fmt.Sprintf("Only you were sent this link · survey link #%d for feedback #%d · each press of Ask the buyer makes a new link", l.ID, l.FeedbackID)))
	return text, blocks
}

// surveyQuestionLabels name the buyer's answers for the rep.
var surveyQuestionLabels = map[string]string{
	feedback.SurveyChoseUs:       "What made them choose us",
	feedback.SurveyNearlyStopped: "What nearly stopped them",
	feedback.SurveyLookedAt:      "Who else they looked at",
	feedback.SurveyChoseOther:    "Who they chose instead, and why",
	feedback.SurveyChangeMind:    "What would have changed their mind",
}

// surveyAnswerMessage tells the rep what their buyer answered, every word escaped.
func surveyAnswerMessage(r feedback.SurveyReply) (text string, blocks []slack.Block) {
	f := r.Answer
	account := blockkit.Escape(blockkit.Clip(f.Account, 200))
	text = fmt.Sprintf("The buyer of %s answered your survey", account)
	blocks = append(blocks, blockkit.Section("survey_answered",
		fmt.Sprintf("The buyer of *%s* (%s) answered your survey.", account, f.Outcome.Label())))
	a := feedback.SurveyAnswerOf(f)
	for _, q := range feedback.SurveyQuestions(f.Outcome) {
		if t := a.Text(q); strings.TrimSpace(t) != "" {
			blocks = append(blocks, blockkit.Section(q, "*"+surveyQuestionLabels[q]+"*\n"+blockkit.Quote(blockkit.Clip(t, 2500))))
		}
	}
	var facts []string
	if r.Ease != nil {
		facts = append(facts, fmt.Sprintf("*Ease of buying:* %d/10", *r.Ease))
	}
	if r.TalkAgain != "" {
		facts = append(facts, "*Would talk to us again:* "+r.TalkAgain)
	}
	if r.MayQuote {
		facts = append(facts, "*Quoting:* may be quoted by name and company")
	} else {
		facts = append(facts, "*Quoting:* quoted only as \"a buyer\"")
	}
	blocks = append(blocks, blockkit.Section("survey_facts", strings.Join(facts, "\n")))
	blocks = append(blocks, blockkit.Context("survey_notes",
		fmt.Sprintf("buyer's answer, feedback #%d · about your feedback #%d · answered %s", f.ID, r.Link.FeedbackID, f.CreatedAt.UTC().Format(time.DateOnly))))
	return text, blocks
}
