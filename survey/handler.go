// Package survey serves the buyer survey page on the public listener (GET and POST
// /s/{token}): a plain HTML form, no JavaScript, that stores a buyer's answer through
// the feedback domain. It holds no survey rules: links, answers and their limits are in
// package feedback.
package survey

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// Store is the domain the page reads and writes; *feedback.Store.
type Store interface {
	SurveyByToken(ctx context.Context, token string) (feedback.SurveyLink, error)
	AnswerSurvey(ctx context.Context, token string, a feedback.SurveyAnswer) (feedback.Feedback, error)
	SurveySecret(ctx context.Context) ([]byte, error)
}

// MaxBody is the largest POST body accepted: the form's texts at their limit are well
// under it.
const MaxBody = 64 << 10

// Default rate limits: per survey token (a buyer answers once; a guesser gets nowhere)
// and per client address (one address trying many tokens).
const (
	TokenRate  = 10.0 / 60 // per second
	TokenBurst = 20
	AddrRate   = 1.0
	AddrBurst  = 60
)

// Options configure the handler.
type Options struct {
	Store Store
	// Company names the company on the page; "" or "us" writes "we".
	Company string
	// Limits; 0 for the defaults above, negative for none (tests of other things).
	TokenRate, AddrRate   float64
	TokenBurst, AddrBurst int
	Now                   func() time.Time
	Log                   *slog.Logger
}

type handler struct {
	opts    Options
	company company
	mux     *http.ServeMux
	byToken *keyedLimiter
	byAddr  *keyedLimiter

	secretMu sync.Mutex
	secret   []byte
}

// NewHandler returns the survey's handler, to be mounted at /s/ on the public listener.
func NewHandler(opts Options) http.Handler {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	h := &handler{opts: opts, company: company(opts.Company), mux: http.NewServeMux()}
	h.byToken = newKeyedLimiter(orDefault(opts.TokenRate, TokenRate), orDefaultInt(opts.TokenBurst, TokenBurst))
	h.byAddr = newKeyedLimiter(orDefault(opts.AddrRate, AddrRate), orDefaultInt(opts.AddrBurst, AddrBurst))
	h.mux.HandleFunc("GET /s/static/survey.css", h.css)
	h.mux.HandleFunc("GET /s/static/icon.svg", h.icon)
	h.mux.HandleFunc("GET /s/{token}", h.get)
	h.mux.HandleFunc("POST /s/{token}", h.post)
	h.mux.HandleFunc("/s/", func(w http.ResponseWriter, r *http.Request) {
		h.render(w, http.StatusNotFound, pageGone)
	})
	return h
}

func orDefault(v, d float64) float64 {
	if v == 0 {
		return d
	}
	return v
}

func orDefaultInt(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

// csp allows the page's own stylesheet and form, nothing else: no script at all, no
// inline style, no framing.
const csp = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.mux.ServeHTTP(w, r)
}

func (h *handler) css(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(surveyCSS)
}

func (h *handler) icon(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, _ = w.Write(surveyIcon)
}

// render writes a page; never cached (it may carry a CSRF token and what was typed).
func (h *handler) render(w http.ResponseWriter, status int, p page) {
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		h.opts.Log.Error("survey page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// limited applies the per-address and per-token limits; true when it answered 429.
func (h *handler) limited(w http.ResponseWriter, r *http.Request, token string) bool {
	now := h.opts.Now()
	wait, ok := h.byAddr.allow(clientAddr(r), now)
	if ok {
		// The token's hash keys its bucket: the map never holds a live token.
		sum := sha256.Sum256([]byte(token))
		wait, ok = h.byToken.allow(string(sum[:16]), now)
	}
	if ok {
		return false
	}
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int((wait+time.Second-1)/time.Second))))
	h.render(w, http.StatusTooManyRequests, pageTooMany)
	return true
}

// clientAddr is the connection's address; forwarded headers are not trusted (anyone can
// send them).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (h *handler) get(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if h.limited(w, r, token) {
		return
	}
	link, err := h.opts.Store.SurveyByToken(r.Context(), token)
	if h.lookupFailed(w, err) {
		return
	}
	if link.Answered() {
		h.render(w, http.StatusOK, pageAnswered)
		return
	}
	csrf, err := h.csrf(r.Context(), token)
	if err != nil {
		h.opts.Log.Error("survey csrf", "err", err)
		h.render(w, http.StatusServiceUnavailable, pageError)
		return
	}
	h.render(w, http.StatusOK, h.company.formPage(link.Outcome, csrf, feedback.SurveyAnswer{}, nil, ""))
}

// lookupFailed answers a failed link lookup; true when it did.
func (h *handler) lookupFailed(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, feedback.ErrSurveyGone):
		h.render(w, http.StatusNotFound, pageGone)
	default:
		h.opts.Log.Error("survey link", "err", err)
		h.render(w, http.StatusServiceUnavailable, pageError)
	}
	return true
}

func (h *handler) post(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if h.limited(w, r, token) {
		return
	}
	// Junk of another type is refused before its body is read.
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		h.render(w, http.StatusUnsupportedMediaType, badRequestPage(errContentType.Error()))
		return
	}
	if r.ContentLength > MaxBody {
		w.Header().Set("Connection", "close")
		h.render(w, http.StatusRequestEntityTooLarge, pageTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		h.render(w, http.StatusRequestEntityTooLarge, pageTooLarge)
		return
	}
	if err != nil {
		h.render(w, http.StatusBadRequest, badRequestPage("the answer could not be read"))
		return
	}
	f, err := parseForm(r.Header.Get("Content-Type"), body)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errContentType) {
			status = http.StatusUnsupportedMediaType
		}
		h.render(w, status, badRequestPage(err.Error()))
		return
	}
	link, err := h.opts.Store.SurveyByToken(r.Context(), token)
	if h.lookupFailed(w, err) {
		return
	}
	want, err := h.csrf(r.Context(), token)
	if err != nil {
		h.opts.Log.Error("survey csrf", "err", err)
		h.render(w, http.StatusServiceUnavailable, pageError)
		return
	}
	if f.CSRF == "" || !hmac.Equal([]byte(f.CSRF), []byte(want)) {
		h.render(w, http.StatusForbidden, pageExpiredForm)
		return
	}
	if link.Answered() {
		h.render(w, http.StatusConflict, pageAnswered)
		return
	}
	if errs := f.Answer.Validate(link.Outcome); errs != nil {
		h.render(w, http.StatusUnprocessableEntity, h.company.formPage(link.Outcome, want, f.Answer, errs, ""))
		return
	}
	_, err = h.opts.Store.AnswerSurvey(r.Context(), token, f.Answer)
	var fe feedback.FieldErrors
	switch {
	case err == nil:
		h.render(w, http.StatusOK, pageThanks)
	case errors.Is(err, feedback.ErrSurveyAnswered):
		h.render(w, http.StatusConflict, pageAnswered)
	case errors.As(err, &fe):
		h.render(w, http.StatusUnprocessableEntity, h.company.formPage(link.Outcome, want, f.Answer, fe, ""))
	case errors.Is(err, feedback.ErrSurveyGone):
		h.render(w, http.StatusNotFound, pageGone)
	default:
		h.opts.Log.Error("survey answer", "err", err)
		h.render(w, http.StatusServiceUnavailable, h.company.formPage(link.Outcome, want, f.Answer, nil,
			"Your answers could not be saved just now. They are kept below: please send them again in a minute."))
	}
}

// csrf is the form's CSRF token for a survey token: HMAC-SHA256, under the
// installation's secret, of the token's hash. It is bound to the link, so a form
// from one link is refused on another, and cannot be made without the secret.
func (h *handler) csrf(ctx context.Context, token string) (string, error) {
	secret, err := h.installationSecret(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("vosbot survey csrf v1\x00"))
	m.Write(feedback.SurveyTokenHash(token))
	return hex.EncodeToString(m.Sum(nil)), nil
}

func (h *handler) installationSecret(ctx context.Context) ([]byte, error) {
	h.secretMu.Lock()
	defer h.secretMu.Unlock()
	if h.secret != nil {
		return h.secret, nil
	}
	s, err := h.opts.Store.SurveySecret(ctx)
	if err != nil {
		return nil, err
	}
	h.secret = s
	return s, nil
}
