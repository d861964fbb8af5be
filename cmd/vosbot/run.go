package main

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/vosbot/vosbot/bot"
	"github.com/vosbot/vosbot/digest"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/internal/ops"
)

// shutdownBudget is how long a stop may take after SIGTERM: Kubernetes waits 30 s by
// default, the contract promises 10.
const shutdownBudget = 10 * time.Second

func cmdRun(ctx context.Context, a *app, args []string) error {
	fs := a.flags("run", "", "Start the bot: Socket Mode connection, background workers (theme tagging, reminders,\nscheduled digests) and the health server on VOS_HTTP_ADDR. Applies pending migrations first.\nStops cleanly on SIGINT or SIGTERM.")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if err := a.setup(); err != nil {
		return err
	}
	if err := a.env.RequireSlack(true); err != nil {
		return usageError{err}
	}
	if err := a.env.RequireWebhooks(); err != nil {
		return usageError{err}
	}
	a.log.Info("starting vosbot", "version", versionString(), "config", a.cfg.Path)

	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()

	reg := ops.NewRegistry()
	ops.RegisterPool(reg, db.Pool)

	store, err := feedback.NewStore(db.Pool, feedback.StoreOptions{Logger: a.log})
	if err != nil {
		return err
	}
	// The configuration seeds the catalogue; from here on the themes table is the truth.
	if _, _, err := store.Catalogue.Sync(ctx, a.catalogue()); err != nil {
		return err
	}
	org := a.org()
	scorecard := a.scorecard()
	mstore, err := measures.NewStore(db.Pool, measures.StoreOptions{Logger: a.log.With("component", "measures")})
	if err != nil {
		return err
	}
	reg.MustRegister(measures.NewCollector(mstore, scorecard, a.log.With("component", "measures")))
	slackClient := bot.NewClient(a.env.SlackBotToken, a.env.SlackAppToken, a.env.SlackAPIURL)
	b := bot.New(bot.Options{Client: slackClient, Logger: a.log.With("component", "bot"), Registry: reg,
		Deps: bot.Deps{Store: store, Org: org, Catalogue: catalogue.NewReader(store.Catalogue, nil, 0, a.catalogue()),
			Measures: mstore, Scorecard: scorecard, SurveyBaseURL: a.surveyBaseURLOrEmpty()}})

	defs := a.digests()
	poster := digest.NewPoster(db.Pool, slackClient, &digest.Builder{Pool: db.Pool, Org: org, LLMEnabled: a.env.LLMEnabled(), Scorecard: scorecard}, a.log.With("component", "digest"), reg)

	workers := river.NewWorkers()
	b.AddWorkers(workers)
	river.AddWorker(workers, &digest.Worker{Poster: poster, Definitions: defs})
	river.AddWorker(workers, &feedback.TagWorker{Tagger: &feedback.OfflineTagger{Store: store, Log: a.log.With("component", "themes")}})
	river.AddWorker(workers, &feedback.DiscoverWorker{Store: store, Log: a.log.With("component", "themes")})
	river.AddWorker(workers, &feedback.MentionsWorker{Store: store})
	river.AddWorker(workers, &feedback.TopPerformersWorker{Store: store, Org: org, Log: a.log.With("component", "top_performers")})
	river.AddWorker(workers, &feedback.EnvelopesWorker{Store: store, Log: a.log.With("component", "bot")})
	periodic := append(poster.PeriodicJobs(defs), feedback.ReminderJob(), feedback.DiscoverJob(a.cfg.Location), feedback.MentionsJob(),
		feedback.TopPerformersJob(a.cfg.Location), feedback.EnvelopesJob())
	if a.env.LLMEnabled() {
		river.AddWorker(workers, &feedback.LLMTagWorker{Store: store, Tagger: a.llmTagger(store, reg),
			PerPass: 5 * a.cfg.LLM.BatchSize, Log: a.log.With("component", "llm")})
		periodic = append(periodic, feedback.LLMTagJob())
	}
	river.AddWorker(workers, &feedback.RemindWorker{Store: store, Org: org, Log: a.log.With("component", "reminders")})
	// Revenue measures: each team asked on its own schedule, reminders, misses escalated.
	mlog := a.log.With("component", "measures")
	river.AddWorker(workers, &measures.AskWorker{Store: mstore, Scorecard: scorecard, Org: org, Log: mlog})
	river.AddWorker(workers, &measures.RemindWorker{Store: mstore, Org: org, Log: mlog})
	river.AddWorker(workers, &measures.StreakWorker{Store: mstore, Escalations: store, Org: org, Scorecard: scorecard, Log: mlog})
	periodic = append(periodic, measures.AskJobs(scorecard, time.Now, mlog)...)
	if !scorecard.Empty() {
		periodic = append(periodic, measures.ReminderJob())
	}
	periodic = append(periodic, a.addDealWorkers(workers, store, org, reg)...)
	periodic = append(periodic, a.addSurveyWorkers(workers, store)...)
	jobs, err := river.NewClient(riverpgxv5.New(db.Pool), &river.Config{
		Logger: a.log.With("component", "jobs"),
		// CRM API reads have their own queue: a CRM's rate limit never holds up Slack's work.
		Queues:       map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 20}, feedback.QueueCRM: {MaxWorkers: 4}},
		Workers:      workers,
		PeriodicJobs: periodic,
	})
	if err != nil {
		return fmt.Errorf("background jobs: %w", err)
	}
	// These outlive the signal: they stop last, after the work in flight.
	httpCtx, stopHTTP := context.WithCancel(context.WithoutCancel(ctx))
	defer stopHTTP()
	ops.WatchJobs(httpCtx, reg, jobs)
	waitHTTP, err := ops.Serve(httpCtx, a.env.HTTPAddr, ops.Handler(reg,
		ops.Check{Name: "database", Test: func(ctx context.Context) error { return db.Pool.Ping(ctx) }},
		ops.Check{Name: "slack", Test: b.Ready},
	), a.log)
	if err != nil {
		return usageError{err}
	}
	waitWebhooks, err := a.serveWebhooks(httpCtx, store, org, reg)
	if err != nil {
		return err
	}

	if err := jobs.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("background jobs: %w", err)
	}

	runErr := b.Run(ctx, shutdownBudget-3*time.Second)

	// Stop in order: no new envelopes (done), jobs finish or are cancelled, then HTTP and
	// the database (deferred).
	stopCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := jobs.Stop(stopCtx); err != nil {
		a.log.Warn("jobs did not finish in time, cancelling them", "error", err)
		cancelCtx, cancel2 := context.WithTimeout(context.Background(), time.Second)
		_ = jobs.StopAndCancel(cancelCtx)
		cancel2()
	}
	stopHTTP()
	if err := waitHTTP(); err != nil {
		a.log.Warn("health server", "error", err)
	}
	if err := waitWebhooks(); err != nil {
		a.log.Warn("webhook listener", "error", err)
	}
	if runErr != nil {
		return runErr
	}
	a.log.Info("vosbot stopped")
	return nil
}
