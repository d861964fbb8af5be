package measures

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// collectEvery bounds how often a scrape reads the database; scrapes in between get the
// last reading.
const collectEvery = 30 * time.Second

// Collector exports every measure's latest week that ended (the one owners were asked
// about): its value, target, status and streak. It reads the database when scraped, so
// every replica says the same. A week nobody reported has no value sample: missing is
// never exported as zero.
type Collector struct {
	store *Store
	sc    *Scorecard
	log   *slog.Logger

	value, target, status, streak, week *prometheus.Desc

	mu   sync.Mutex
	at   time.Time
	last []prometheus.Metric
}

// NewCollector returns the collector of the scorecard's measures.
func NewCollector(store *Store, sc *Scorecard, log *slog.Logger) *Collector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	labels := []string{"team", "measure"}
	return &Collector{store: store, sc: sc, log: log,
		value:  prometheus.NewDesc("vosbot_measure_value", "A measure's value for the latest week that ended; absent when nobody reported it.", labels, nil),
		target: prometheus.NewDesc("vosbot_measure_target", "A measure's weekly target.", labels, nil),
		status: prometheus.NewDesc("vosbot_measure_status", "1 for the status (met, missed, missing) of a measure's latest week that ended, 0 for the others.", append(labels, "status"), nil),
		streak: prometheus.NewDesc("vosbot_measure_streak_weeks", "How many weeks in a row, up to the latest, a measure had its latest status.", labels, nil),
		week:   prometheus.NewDesc("vosbot_measure_week_start_seconds", "Start (Monday 00:00 in the configured zone, Unix time) of the week the measure samples describe.", labels, nil),
	}
}

// Describe sends the descriptors.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.value, c.target, c.status, c.streak, c.week} {
		ch <- d
	}
}

// Collect reads the latest weeks (at most every 30 s) and sends the samples; when the
// database does not answer, the last reading is sent again.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.store.now()
	if c.last == nil || now.Sub(c.at) >= collectEvery || now.Before(c.at) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		ms, err := c.read(ctx, now)
		cancel()
		if err != nil {
			c.log.Warn("measure metrics not read; sending the last reading", "error", err)
		} else {
			c.last, c.at = ms, now
		}
	}
	for _, m := range c.last {
		ch <- m
	}
}

func (c *Collector) read(ctx context.Context, now time.Time) ([]prometheus.Metric, error) {
	if c.sc.Empty() {
		return []prometheus.Metric{}, nil
	}
	last := LastComplete(now, c.sc.Location)
	h, err := c.store.History(ctx, last.Add(1-SeriesWeeks), last)
	if err != nil {
		return nil, err
	}
	out := []prometheus.Metric{}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		out = append(out, prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	for _, t := range c.sc.Teams {
		for _, m := range t.Measures {
			s := h.Series(m, last, SeriesWeeks)
			p := s.Last()
			if p.Value != nil {
				gauge(c.value, *p.Value, t.Key, m.Key)
			}
			gauge(c.target, m.Target, t.Key, m.Key)
			for _, st := range []Status{Met, Missed, Missing} {
				v := 0.0
				if p.Status == st {
					v = 1
				}
				gauge(c.status, v, t.Key, m.Key, string(st))
			}
			gauge(c.streak, float64(s.Streak().Weeks), t.Key, m.Key)
			gauge(c.week, float64(last.Start(c.sc.Location).Unix()), t.Key, m.Key)
		}
	}
	return out, nil
}
