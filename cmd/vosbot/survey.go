package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/config"
	"github.com/vosbot/vosbot/survey"
)

// This file wires the buyer survey (issue 19): `vosbot survey link`, the page on the
// public listener and the sweep of expired tokens.

func cmdSurvey(ctx context.Context, a *app, args []string) error {
	fs := a.flags("survey", "link --feedback ID [--expires DURATION]",
		"Print the buyer-survey URL for that feedback item's deal, as the rep's \"Ask the buyer\" button\n"+
			"gives it. The URL is built on VOS_PUBLIC_URL (default http:// + VOS_WEBHOOK_ADDR). vosbot never\n"+
			"e-mails the buyer: send the link yourself. Each run makes a new link; one answer per link.")
	id := fs.String("feedback", "", "the feedback item's id (the id column of `vosbot export feedback`)")
	expires := fs.Duration("expires", feedback.DefaultSurveyExpiry, "how long the link works (Go duration, at most 2160h)")
	if _, err := a.subjectAndFlags(fs, args, "link"); err != nil {
		return err
	}
	if *id == "" {
		return usagef("survey link: --feedback is required")
	}
	fid, err := strconv.ParseInt(*id, 10, 64)
	if err != nil || fid <= 0 {
		return usagef("survey link: --feedback %q is not a feedback id (a positive number)", *id)
	}
	if *expires < time.Minute || *expires > feedback.MaxSurveyExpiry {
		return usagef("survey link: --expires %v: use a duration between 1m and %v", *expires, feedback.MaxSurveyExpiry)
	}
	if err := a.setup(); err != nil {
		return err
	}
	base, err := surveyBaseURL(a.env.Webhooks)
	if err != nil {
		return usageError{err}
	}
	store, closeStore, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	token, link, err := store.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: fid, Operator: true, TTL: *expires})
	switch {
	case errors.Is(err, feedback.ErrNotFound):
		return usagef("survey link: no feedback item %d", fid)
	case errors.Is(err, feedback.ErrSurveyOfSurvey):
		return usagef("survey link: feedback %d is a buyer's answer; ask about the rep's item instead", fid)
	case err != nil:
		return err
	}
	fmt.Fprintln(a.io.out, feedback.SurveyURL(base, token))
	a.log.Info("survey link made", "feedback", fid, "link", link.ID, "expires", link.ExpiresAt.Format(time.RFC3339))
	return nil
}

// surveyBaseURL is where buyers reach the listener, refused when there is none.
func surveyBaseURL(w config.Webhooks) (string, error) {
	if w.PublicURL == "" && !w.Enabled() {
		return "", errors.New("survey links need a public address: set VOS_PUBLIC_URL (such as https://vos.example.com) or VOS_WEBHOOK_ADDR")
	}
	return w.BaseURL(), nil
}

// surveyHandler is the survey page mounted on the public listener, naming the company
// of the configuration.
func (a *app) surveyHandler(store *feedback.Store) http.Handler {
	return survey.NewHandler(survey.Options{Store: store, Company: a.cfg.Company, Log: a.log.With("component", "survey")})
}

// addSurveyWorkers registers the sweep of expired survey tokens.
func (a *app) addSurveyWorkers(workers *river.Workers, store *feedback.Store) []*river.PeriodicJob {
	river.AddWorker(workers, &feedback.SurveySweepWorker{Store: store, Log: a.log.With("component", "survey")})
	return []*river.PeriodicJob{feedback.SurveySweepJob()}
}

// surveyBaseURLOrEmpty is the base of survey links for the bot, "" when buyers cannot
// reach vosbot (the button then says so).
func (a *app) surveyBaseURLOrEmpty() string {
	base, err := surveyBaseURL(a.env.Webhooks)
	if err != nil {
		return ""
	}
	return base
}
