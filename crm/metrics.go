package crm

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	requests *prometheus.CounterVec
	refusals *prometheus.CounterVec
	duration *prometheus.HistogramVec
	deals    *prometheus.CounterVec
	events   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_webhook_requests_total", Help: "Requests to the CRM webhook listener, by endpoint and HTTP status.",
		}, []string{"endpoint", "code"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_webhook_refusals_total",
			Help: "Webhook requests refused, by endpoint and reason (no_signature, bad_signature, stale_timestamp, bad_timestamp, too_large, bad_json, bad_field, rate_limited, unreadable, store_failed).",
		}, []string{"endpoint", "reason"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "vosbot_webhook_request_seconds", Help: "Time to answer a webhook request, by endpoint.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"endpoint"}),
		deals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_webhook_deals_total", Help: "Deals accepted by POST /hooks/deals, by what they changed (created, outcome_changed, updated, unchanged, stale, duplicate).",
		}, []string{"change"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_hubspot_events_total", Help: "HubSpot webhook events, by what became of them (new, duplicate, ignored).",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.refusals, m.duration, m.deals, m.events)
	}
	return m
}
