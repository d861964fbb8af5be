// Package crm turns what CRMs say about closed deals into domain calls: the public
// webhook listener (VOS_WEBHOOK_ADDR) with the signed generic hook POST /hooks/deals and
// HubSpot's POST /hooks/hubspot, and the HubSpot adapter that reads deals and owners
// from HubSpot's CRM API. It holds no deal rules and never talks to Slack.
package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vosbot/vosbot/feedback"
)

// Store is the domain the listener and the HubSpot job hand deals to; *feedback.Store.
type Store interface {
	ReceiveDeal(ctx context.Context, org *feedback.Org, in feedback.DealInput) (feedback.DealReceipt, error)
	RecordCRMEvents(ctx context.Context, events []feedback.CRMEvent) (feedback.CRMEventsReceipt, error)
}

// Limits of the listener.
const (
	// MaxBody is the largest body accepted (64 KiB): a deal is a few hundred bytes and
	// HubSpot's batches of up to 100 events are a few tens of KiB.
	MaxBody = 64 << 10
	// SignatureWindow is how far a signed timestamp may be from vosbot's clock.
	SignatureWindow = 5 * time.Minute
	// Default rate limit of the whole listener, in requests per second and burst.
	DefaultRate  = 200
	DefaultBurst = 1000
)

// Options configure the listener's handler.
type Options struct {
	Store Store
	Org   *feedback.Org
	// Secret signs POST /hooks/deals (VOS_WEBHOOK_SECRET).
	Secret string
	// HubSpotSecret verifies POST /hooks/hubspot; empty: that path answers 404.
	HubSpotSecret string
	// PublicURL is VOS_PUBLIC_URL ("" to rebuild HubSpot's signed URI from the request).
	PublicURL string
	// Rate and Burst limit the requests of the whole listener; 0 for the defaults,
	// negative for none (benchmarks).
	Rate  float64
	Burst int
	// Survey, when set, serves the buyer survey under /s/ (package survey).
	Survey http.Handler
	// Now is the clock the timestamps are checked against.
	Now      func() time.Time
	Log      *slog.Logger
	Registry prometheus.Registerer
}

// handler serves the listener's endpoints.
type handler struct {
	opts    Options
	limit   *limiter
	m       *metrics
	mux     *http.ServeMux
	timeout time.Duration
}

// NewHandler returns the listener's handler: POST /hooks/deals and POST /hooks/hubspot,
// and the buyer survey under /s/ when Options.Survey is set.
func NewHandler(opts Options) http.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	h := &handler{opts: opts, m: newMetrics(opts.Registry), mux: http.NewServeMux(), timeout: 5 * time.Second}
	rate, burst := opts.Rate, opts.Burst
	if rate == 0 {
		rate = DefaultRate
	}
	if burst == 0 {
		burst = DefaultBurst
	}
	if rate > 0 {
		h.limit = newLimiter(rate, burst)
	}
	h.mux.HandleFunc("POST /hooks/deals", h.deals)
	h.mux.HandleFunc("POST /hooks/hubspot", h.hubspot)
	if opts.Survey != nil {
		h.mux.Handle("/s/", opts.Survey)
	}
	return h
}

// endpoint names a request's endpoint for metrics, bounded whatever the path.
func endpoint(path string) string {
	switch path {
	case "/hooks/deals":
		return "deals"
	case "/hooks/hubspot":
		return "hubspot"
	}
	if strings.HasPrefix(path, "/s/") {
		return "survey"
	}
	return "other"
}

// ServeHTTP applies what every request goes through: the rate limit, then the route.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ep := endpoint(r.URL.Path)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		h.m.requests.WithLabelValues(ep, strconv.Itoa(rec.status)).Inc()
		h.m.duration.WithLabelValues(ep).Observe(time.Since(start).Seconds())
	}()
	if h.limit != nil {
		if ok, wait := h.limit.allow(time.Now()); !ok {
			rec.Header().Set("Retry-After", strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second))))
			h.refuse(rec, ep, http.StatusTooManyRequests, "rate_limited", "too many requests: slow down and send again after Retry-After")
			return
		}
	}
	h.mux.ServeHTTP(rec, r)
}

// readBody reads the raw body, refusing one over MaxBody with 413 before reading it
// when its length is declared. ok is false when an answer was written.
func (h *handler) readBody(w http.ResponseWriter, r *http.Request, ep string) ([]byte, bool) {
	if r.ContentLength > MaxBody {
		w.Header().Set("Connection", "close")
		h.refuse(w, ep, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body of %d bytes: the limit is %d (64 KiB)", r.ContentLength, MaxBody))
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		h.refuse(w, ep, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body over %d bytes (64 KiB)", MaxBody))
		return nil, false
	}
	if err != nil {
		h.refuse(w, ep, http.StatusBadRequest, "unreadable", "the body could not be read: "+err.Error())
		return nil, false
	}
	return body, true
}

// refuse answers an error as one line of JSON and counts it by reason.
func (h *handler) refuse(w http.ResponseWriter, ep string, status int, reason, msg string) {
	h.m.refusals.WithLabelValues(ep, reason).Inc()
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// limiter is a token bucket: rate requests a second on average, burst at once. Checked
// before any work (reading, verifying), so a flood costs little.
type limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	return &limiter{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// allow takes a token; when there is none it says how long until there is.
func (l *limiter) allow(now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if l.tokens >= 1 {
		l.tokens--
		return true, 0
	}
	return false, time.Duration((1 - l.tokens) / l.rate * float64(time.Second))
}

// Serve listens on addr until ctx ends, with the listener's own timeouts: it faces the
// internet, so a slow or stalled client is cut off. The listener is opened before Serve
// returns so a busy port is reported at start.
func Serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger) (wait func() error, err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("VOS_WEBHOOK_ADDR=%s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      15 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		done <- err
	}()
	log.Info("serving the CRM webhooks", "addr", ln.Addr().String())
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	return func() error { return <-done }, nil
}
