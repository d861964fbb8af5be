package demo

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// What buyers say when asked: the implementation and the integrations more often than
// the price reps blame.
var (
	buyerChoseOther = []string{
		"We went with Gong: their implementation plan fit our quarter and yours did not.",
		"Clari's Salesforce integration worked out of the box; yours needed a consultant.",
		"Price mattered less than the onboarding timeline you quoted.",
		"Another vendor already ran in our sister company, so IT said yes faster.",
		"Honestly, the price. The discount came too late.",
	}
	buyerChangeMind = []string{
		"A fixed go-live date with a named engineer.",
		"A pilot with our own data before the contract.",
		"Seeing the Salesforce sync working during the demo.",
		"",
	}
	buyerChoseUs = []string{
		"Your team answered every security question within a day.",
		"The onboarding plan was concrete and realistic.",
		"Support answered during the trial faster than anyone else.",
		"The price was fair for what we get.",
	}
	buyerNearlyStopped = []string{
		"The integration with our CRM looked fragile in the demo.",
		"Procurement wanted a multi-year discount.",
		"The implementation estimate was vague.",
		"",
	}
)

// buyerAnswers sends a survey link for about a third of the won and lost deals of the
// last four weeks, two days after filing, and has about two thirds of the buyers answer.
func buyerAnswers(ctx context.Context, store *feedback.Store, setNow func(time.Time), filed []feedback.Feedback, end time.Time, seed uint64) (int, error) {
	r := rand.New(rand.NewPCG(seed^0xb0e1, seed))
	from := end.AddDate(0, 0, -28)
	answers := 0
	for _, f := range filed {
		if f.CreatedAt.Before(from) || f.Outcome == feedback.NoDecision || r.IntN(3) != 0 {
			continue
		}
		sent := f.CreatedAt.Add(2 * time.Hour)
		setNow(sent)
		token, _, err := store.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: f.ID, By: f.ReporterID})
		if err != nil {
			return answers, err
		}
		at := sent.Add(time.Duration(6+r.IntN(60)) * time.Hour)
		if r.IntN(3) == 0 || at.After(end) {
			continue // not answered (yet)
		}
		a := feedback.SurveyAnswer{Ease: []string{"3", "5", "6", "7", "7", "8", "9"}[r.IntN(7)], MayQuote: r.IntN(4) == 0}
		if f.Outcome == feedback.Won {
			a.ChoseUs, a.NearlyStopped = pick(r, buyerChoseUs), pick(r, buyerNearlyStopped)
		} else {
			a.ChoseOther, a.ChangeMind, a.TalkAgain = pick(r, buyerChoseOther), pick(r, buyerChangeMind), pick(r, feedback.TalkAgainChoices)
		}
		setNow(at)
		if _, err := store.AnswerSurvey(ctx, token, a); err != nil {
			return answers, err
		}
		answers++
	}
	return answers, nil
}
