package bot

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	envelopes   *prometheus.CounterVec
	ignored     *prometheus.CounterVec
	ackLatency  *prometheus.HistogramVec
	connected   prometheus.Gauge
	reconnects  prometheus.Counter
	panics      prometheus.Counter
	redelivered prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) metrics {
	m := metrics{
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_envelopes_total", Help: "Socket Mode envelopes received, by type.",
		}, []string{"type"}),
		ignored: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_envelopes_ignored_total", Help: "Envelopes acked but not understood (malformed or unknown), by type.",
		}, []string{"type"}),
		ackLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vosbot_ack_latency_seconds",
			Help:    "Time from receiving an envelope to acking it. Slack gives up after 3 s.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2, 3},
		}, []string{"type"}),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vosbot_slack_connected", Help: "1 while the Socket Mode connection is up.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vosbot_slack_connections_total", Help: "Socket Mode connections opened (the first and every reconnection).",
		}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vosbot_handler_panics_total", Help: "Handlers that panicked (and were recovered).",
		}),
		redelivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vosbot_envelopes_redelivered_total", Help: "Envelopes Slack sent again after a lost ack, acked and not handled twice.",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.envelopes, m.ignored, m.ackLatency, m.connected, m.reconnects, m.panics, m.redelivered)
	}
	return m
}
