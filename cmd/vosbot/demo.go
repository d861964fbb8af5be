package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/vosbot/vosbot/demo"
	"github.com/vosbot/vosbot/digest"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/internal/database"
)

// demoSeed fixes the sample data: every run tells the same story.
const demoSeed = 20261120

func cmdDemo(ctx context.Context, a *app, args []string) error {
	fs := a.flags("demo", "", "Run the whole pipeline on a private, temporary embedded database with a built-in realistic\n"+
		"organisation (40 reps, 6 teams, 8 competitors, 12 weeks of feedback and dropped balls), tag the\n"+
		"themes offline and print the digest of the latest week. No Slack, no LLM, nothing to set up.")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	env := a.getenv
	a.getenv = func(k string) string {
		if k == "VOS_CONFIG" || k == "DATABASE_URL" {
			return "" // the demo never touches a real installation
		}
		return env(k)
	}
	if err := a.setup(); err != nil {
		return err
	}
	started := time.Now()
	dir, err := os.MkdirTemp("", "vosbot-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := database.Open(ctx, database.Options{DataDir: dir, Migrate: true, Logger: a.log})
	if err != nil {
		return a.dbError(err)
	}
	defer db.Close()

	org, err := demo.NewOrg(demo.Default)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	setNow := func(t time.Time) { mu.Lock(); clock = t; mu.Unlock() }
	store, err := feedback.NewStore(db.Pool, feedback.StoreOptions{Now: now, Logger: a.log})
	if err != nil {
		return err
	}
	if _, _, err := store.Catalogue.Sync(ctx, a.catalogue()); err != nil {
		return err
	}
	res, err := demo.Generate(ctx, store, setNow, org, demo.Default, time.Now(), demoSeed)
	if err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	mstore, err := measures.NewStore(db.Pool, measures.StoreOptions{Now: now, Logger: a.log})
	if err != nil {
		return err
	}
	mres, err := demo.GenerateMeasures(ctx, mstore, store, setNow, org, res.End, demoSeed)
	if err != nil {
		return fmt.Errorf("demo measures: %w", err)
	}
	tagger := &feedback.OfflineTagger{Store: store, Log: a.log}
	if _, err := tagger.TagSince(ctx, time.Time{}); err != nil {
		return fmt.Errorf("demo themes: %w", err)
	}
	p, err := org.Digest.PeriodAt(res.End)
	if err != nil {
		return err
	}
	r, err := (&digest.Builder{Pool: db.Pool, Org: org.Org, Scorecard: org.Scorecard}).Build(ctx, org.Digest, p)
	if err != nil {
		return err
	}
	fmt.Fprint(a.io.out, digest.PlainText(r, org.Names))
	chartDir, err := os.MkdirTemp("", "vosbot-demo-charts-")
	if err != nil {
		return err
	}
	paths, err := writeCharts(r, chartDir)
	if err != nil {
		return fmt.Errorf("demo charts: %w", err)
	}
	fmt.Fprintf(a.io.out, "\nCharts the digest attaches in Slack (%d PNG files): %s\n", len(paths), chartDir)
	fmt.Fprintf(a.io.err, "\nvosbot demo: %d reps filed %d feedback items and raised %d dropped balls over %d weeks, and %d teams reported %d measure values (%d dropped ball%s raised by vosbot for a measure missed weeks running); digest of the latest week above (%.1f s). "+
		"Next: create the Slack app (README.md) and run vosbot run.\n",
		len(org.Reps), res.Feedback, res.Escalations, demo.Default.Weeks, len(org.Scorecard.Teams), mres.Values, mres.Escalations, plural(mres.Escalations), time.Since(started).Seconds())
	return nil
}
