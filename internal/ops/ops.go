// Package ops is what operators see of a running vosbot: the Prometheus registry and
// the HTTP server of /healthz, /readyz and /metrics.
package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/riverqueue/river"
)

// NewRegistry returns a registry with the Go runtime and process collectors; each
// package registers its own metrics on it.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Check is one readiness condition; it returns why it is not ready.
type Check struct {
	Name string
	Test func(ctx context.Context) error
}

// Handler serves /healthz (the process is alive), /readyz (every check passes) and /metrics.
func Handler(reg *prometheus.Registry, checks ...Check) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		var failed []string
		for _, c := range checks {
			if err := c.Test(ctx); err != nil {
				failed = append(failed, c.Name+": "+err.Error())
			}
		}
		if len(failed) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
			for _, f := range failed {
				fmt.Fprintln(w, "not ready:", f)
			}
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// Serve listens on addr until ctx ends, then shuts down gracefully. addr "off" disables it.
// The listener is opened before Serve returns its first error so a busy port is reported at start.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) (wait func() error, err error) {
	if addr == "off" {
		return func() error { return nil }, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("VOS_HTTP_ADDR=%s: %w", addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		done <- err
	}()
	log.Info("serving health and metrics", "addr", ln.Addr().String())
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	return func() error { return <-done }, nil
}

// poolCollector exports pgxpool statistics.
type poolCollector struct {
	pool                                         *pgxpool.Pool
	total, idle, acquired, max, acquires, waited *prometheus.Desc
	waitSeconds                                  *prometheus.Desc
}

// RegisterPool exports the database pool's size and waits.
func RegisterPool(reg prometheus.Registerer, pool *pgxpool.Pool) {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("vosbot_db_pool_"+name, help, nil, nil)
	}
	reg.MustRegister(&poolCollector{
		pool:        pool,
		total:       d("connections", "Open connections."),
		idle:        d("idle_connections", "Idle connections."),
		acquired:    d("acquired_connections", "Connections in use."),
		max:         d("max_connections", "Pool size limit."),
		acquires:    d("acquires_total", "Connections acquired."),
		waited:      d("empty_acquires_total", "Acquires that had to wait for a connection."),
		waitSeconds: d("acquire_wait_seconds_total", "Time spent waiting for a connection."),
	})
}

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.total, c.idle, c.acquired, c.max, c.acquires, c.waited, c.waitSeconds} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(c.total, prometheus.GaugeValue, float64(s.TotalConns()))
	ch <- prometheus.MustNewConstMetric(c.idle, prometheus.GaugeValue, float64(s.IdleConns()))
	ch <- prometheus.MustNewConstMetric(c.acquired, prometheus.GaugeValue, float64(s.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(c.max, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(c.acquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waited, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(c.waitSeconds, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds())
}

// jobEvents is the part of a River client WatchJobs needs.
type jobEvents interface {
	Subscribe(kinds ...river.EventKind) (<-chan *river.Event, func())
}

// WatchJobs counts job outcomes by kind until ctx ends.
func WatchJobs(ctx context.Context, reg prometheus.Registerer, client jobEvents) {
	outcomes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vosbot_jobs_total", Help: "Background jobs finished, by kind and outcome (completed, failed, cancelled, snoozed).",
	}, []string{"kind", "outcome"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "vosbot_job_duration_seconds", Help: "Time spent running a job, by kind.",
		Buckets: prometheus.ExponentialBuckets(0.005, 3, 10),
	}, []string{"kind"})
	reg.MustRegister(outcomes, duration)
	events, cancel := client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed, river.EventKindJobCancelled, river.EventKindJobSnoozed)
	go func() {
		defer cancel()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				kind := "unknown"
				if ev.Job != nil {
					kind = ev.Job.Kind
				}
				outcomes.WithLabelValues(kind, string(ev.Kind)).Inc()
				if ev.JobStats != nil {
					duration.WithLabelValues(kind).Observe(ev.JobStats.RunDuration.Seconds())
				}
			}
		}
	}()
}
