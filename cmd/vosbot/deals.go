package main

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/crm"
	"github.com/vosbot/vosbot/digest"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/config"
)

// This file wires closed deals from the CRMs: the deals policy from the configuration,
// the background jobs, the public webhook listener and the import and export commands.

// dealPolicyFromConfig is the configuration's deals section as the domain reads it.
func dealPolicyFromConfig(d config.Deals) feedback.DealPolicy {
	return feedback.DealPolicy{NudgeAfter: d.NudgeAfter, NudgeWithin: d.NudgeWithin, Owners: maps.Clone(d.Owners)}
}

// addDealWorkers registers the deal jobs run by every replica: the expiry and
// reminder sweeps, and the reads of HubSpot deals (cancelled when HubSpot is not set up).
func (a *app) addDealWorkers(workers *river.Workers, store *feedback.Store, org *feedback.Org, reg prometheus.Registerer) []*river.PeriodicJob {
	log := a.log.With("component", "deals")
	river.AddWorker(workers, &feedback.DealExpireWorker{Store: store, Org: org, Log: log})
	river.AddWorker(workers, &feedback.DealRemindWorker{Store: store, Org: org, Log: log})
	hs := &crm.HubSpotWorker{Store: store, Org: org, Log: a.log.With("component", "hubspot")}
	if w := a.env.Webhooks; w.HubSpot() {
		hs.Client = crm.NewHubSpotClient(w.HubSpotAPIURL, w.HubSpotToken, reg)
	}
	river.AddWorker(workers, hs)
	return []*river.PeriodicJob{
		feedback.DealExpireJob(),
		feedback.DealRemindJob(digest.Schedule{Cron: a.cfg.Deals.RemindCron, Location: a.cfg.Location}),
	}
}

// serveWebhooks starts the public listener when VOS_WEBHOOK_ADDR is set.
func (a *app) serveWebhooks(ctx context.Context, store *feedback.Store, org *feedback.Org, reg prometheus.Registerer) (wait func() error, err error) {
	w := a.env.Webhooks
	if !w.Enabled() {
		return func() error { return nil }, nil
	}
	opts := crm.Options{Store: store, Org: org, Secret: w.Secret, PublicURL: w.PublicURL, Log: a.log.With("component", "webhooks"), Registry: reg}
	if w.HubSpot() {
		opts.HubSpotSecret = w.HubSpotSecret
	}
	opts.Survey = a.surveyHandler(store)
	wait, err = crm.Serve(ctx, w.Addr, crm.NewHandler(opts), a.log.With("component", "webhooks"))
	if err != nil {
		return nil, usageError{err}
	}
	a.log.Info("CRM webhooks", "deals", w.BaseURL()+"/hooks/deals", "hubspot", w.HubSpot())
	return wait, nil
}

// exportDeals writes `export deals`.
func exportDeals(ctx context.Context, a *app, store *feedback.Store, format string, p feedback.Period) (int, error) {
	return store.ExportDeals(ctx, a.io.out, format, p)
}

// importDeals runs `import deals`.
func importDeals(ctx context.Context, a *app, input string, strict bool) error {
	r, closeInput, err := a.openInput("import", input)
	if err != nil {
		return err
	}
	defer closeInput()
	store, closeStore, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	rep, err := store.ImportDeals(ctx, a.org(), r)
	var ce *feedback.ColumnsError
	if errors.As(err, &ce) {
		return usagef("import deals: %v", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.io.out, "imported %d new deal%s, %d updated, %d already present, %d refused; %d owner%s will be asked for feedback\n",
		rep.Created, plural(rep.Created), rep.Updated, rep.Present, len(rep.Refused), rep.Nudges, plural(rep.Nudges))
	for _, r := range rep.Refused {
		fmt.Fprintf(a.io.out, "  line %d refused: %s\n", r.Line, r.Reason)
	}
	if strict && len(rep.Refused) > 0 {
		return fmt.Errorf("import deals: %d row%s refused", len(rep.Refused), plural(len(rep.Refused)))
	}
	return nil
}
