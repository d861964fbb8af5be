package crm_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vosbot/vosbot/crm"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

const secret = "whsec-test-0123456789abcdef"

// listener is the webhook listener on a real loopback HTTP server with a real store.
type listener struct {
	url   string
	pool  *pgxpool.Pool
	store *feedback.Store
	reg   *prometheus.Registry
	now   time.Time
	deals *feedback.Org
}

func (l *listener) org() *feedback.Org { return l.deals }

func newListener(t testing.TB, opts crm.Options) *listener {
	t.Helper()
	l := &listener{pool: pgtest.New(t), reg: prometheus.NewRegistry(), now: time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)}
	var err error
	l.store, err = feedback.NewStore(l.pool, feedback.StoreOptions{Now: func() time.Time { return l.now }})
	if err != nil {
		t.Fatal(err)
	}
	org := feedbacktest.Org()
	org.Deals = feedback.DealPolicy{NudgeAfter: time.Hour, NudgeWithin: 336 * time.Hour}
	opts.Store, opts.Org, opts.Registry = l.store, org, l.reg
	l.deals = org
	if opts.Secret == "" {
		opts.Secret = secret
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return l.now }
	}
	srv := httptest.NewServer(crm.NewHandler(opts))
	t.Cleanup(srv.Close)
	l.url = srv.URL
	return l
}

// sign is the hook's signature computed here, apart from the code under test.
func sign(ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

func (l *listener) post(t testing.TB, path string, body []byte, headers map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, l.url+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

func (l *listener) signed(t testing.TB, body []byte) (int, string) {
	ts := strconv.FormatInt(l.now.Unix(), 10)
	return l.post(t, "/hooks/deals", body, map[string]string{crm.HeaderTimestamp: ts, crm.HeaderSignature: sign(ts, body)})
}

func (l *listener) count(t testing.TB, sql string) int {
	t.Helper()
	var n int
	if err := l.pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHookSignatureVector checks the signature against a value computed outside Go:
//
//	printf '%s' '1795618805.{"crm":"salesforce","deal_id":"0065g00000XyZ1","account":"Acme","outcome":"won"}' |
//	  openssl dgst -sha256 -hmac 'whsec-test-0123456789abcdef'
func TestHookSignatureVector(t *testing.T) {
	t.Parallel()
	const want = "86d668af17976eefbe0d2482301f0548d0cf04d9953a77be51ff3df3970e2a14"
	body := []byte(`{"crm":"salesforce","deal_id":"0065g00000XyZ1","account":"Acme","outcome":"won"}`)
	if got := sign("1795618805", body); got != "v1="+want {
		t.Fatalf("the test's own signer gives %s", got)
	}
	l := newListener(t, crm.Options{})
	l.now = time.Unix(1795618805, 0).Add(4 * time.Minute)
	for _, sig := range []string{"v1=" + want, "v1=" + strings.Repeat("0", 64) + ", v1=" + want} {
		code, out := l.post(t, "/hooks/deals", body, map[string]string{crm.HeaderTimestamp: "1795618805", crm.HeaderSignature: sig})
		if code != http.StatusAccepted {
			t.Errorf("signature %q: %d %s", sig, code, out)
		}
	}
}

func TestHookRefusesAndStoresNothing(t *testing.T) {
	t.Parallel()
	l := newListener(t, crm.Options{})
	good := []byte(`{"crm":"salesforce","deal_id":"006A","account":"Acme","outcome":"won","amount":52000.5,"owner_email":"jane@acme.com"}`)
	ts := strconv.FormatInt(l.now.Unix(), 10)
	stale := strconv.FormatInt(l.now.Add(-6*time.Minute).Unix(), 10)
	signedWith := func(ts string, body []byte) map[string]string {
		return map[string]string{crm.HeaderTimestamp: ts, crm.HeaderSignature: sign(ts, body)}
	}
	big := append([]byte(`{"crm":"salesforce","deal_id":"006B","account":"`), bytes.Repeat([]byte("x"), 70<<10)...)
	big = append(big, `","outcome":"won"}`...)
	huge := bytes.Repeat([]byte("x"), 10<<20)
	longID := []byte(`{"crm":"salesforce","deal_id":"` + strings.Repeat("9", 5000) + `","account":"Acme","outcome":"won"}`)
	tests := []struct {
		name    string
		body    []byte
		headers map[string]string
		code    int
		says    string
		reason  string
	}{
		{"unsigned", good, nil, 401, "missing X-Vosbot-Signature", "no_signature"},
		{"wrong signature", good, map[string]string{crm.HeaderTimestamp: ts, crm.HeaderSignature: sign(ts, []byte("other body"))}, 401, "does not match", "bad_signature"},
		{"signed by another secret", good, map[string]string{crm.HeaderTimestamp: ts, crm.HeaderSignature: "v1=" + strings.Repeat("ab", 32)}, 401, "does not match", "bad_signature"},
		{"stale timestamp", good, signedWith(stale, good), 401, "more than 5 minutes", "stale_timestamp"},
		{"timestamp in ms", good, signedWith(ts+"000", good), 401, "more than 5 minutes", "stale_timestamp"},
		{"timestamp not a number", good, signedWith("yesterday", good), 401, "not Unix seconds", "bad_timestamp"},
		{"bad JSON", []byte(`{"crm":"salesforce",`), signedWith(ts, []byte(`{"crm":"salesforce",`)), 400, "not valid JSON", "bad_json"},
		{"not an object", []byte(`["won"]`), signedWith(ts, []byte(`["won"]`)), 400, "must be a JSON object", "bad_json"},
		{"missing field", []byte(`{"crm":"salesforce","deal_id":"006C","outcome":"won"}`), signedWith(ts, []byte(`{"crm":"salesforce","deal_id":"006C","outcome":"won"}`)), 400, "missing field: account", "bad_json"},
		{"misspelt field", []byte(`{"crm":"x","deal_id":"1","account":"A","outcome":"won","owner_mail":"a@b.c"}`), signedWith(ts, []byte(`{"crm":"x","deal_id":"1","account":"A","outcome":"won","owner_mail":"a@b.c"}`)), 400, `unknown field "owner_mail"`, "bad_json"},
		{"unknown outcome", []byte(`{"crm":"x","deal_id":"1","account":"A","outcome":"pending"}`), signedWith(ts, []byte(`{"crm":"x","deal_id":"1","account":"A","outcome":"pending"}`)), 400, `outcome: "pending" is not an outcome`, "bad_field"},
		{"deal id of 5,000 characters", longID, signedWith(ts, longID), 400, "deal_id: is 5000 characters long; the limit is 255", "bad_field"},
		{"body over 64 KiB", big, signedWith(ts, big), 413, "limit is 65536", "too_large"},
		{"10 MB body", huge, signedWith(ts, huge), 413, "limit is 65536", "too_large"},
	}
	for _, tt := range tests {
		code, out := l.post(t, "/hooks/deals", tt.body, tt.headers)
		var e map[string]string
		if json.Unmarshal([]byte(out), &e) != nil || e["error"] == "" || strings.Contains(out, "\n") {
			t.Errorf("%s: answer %q is not one line of JSON with an error", tt.name, out)
		}
		if code != tt.code || !strings.Contains(e["error"], tt.says) {
			t.Errorf("%s: %d %s, want %d saying %q", tt.name, code, out, tt.code, tt.says)
		}
		if n := (refusals(l.reg, "deals", tt.reason)); n < 1 {
			t.Errorf("%s: refusal %s not counted", tt.name, tt.reason)
		}
	}
	if n := l.count(t, `SELECT (SELECT count(*) FROM deals) + (SELECT count(*) FROM crm_events) + (SELECT count(*) FROM river_job)`); n != 0 {
		t.Errorf("refused requests stored %d rows", n)
	}
	// A 10 MB body declared up front is refused before it is read.
	if got := (refusals(l.reg, "deals", "too_large")); got != 2 {
		t.Errorf("too_large counted %v times, want 2", got)
	}
}

func refusals(reg *prometheus.Registry, endpoint, reason string) float64 {
	return counterValue(reg, "vosbot_webhook_refusals_total", map[string]string{"endpoint": endpoint, "reason": reason})
}

// counterValue reads one counter series of a registry (0 when it has none).
func counterValue(reg *prometheus.Registry, name string, labels map[string]string) float64 {
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue series
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestHookAcceptsOnceAndInOrder(t *testing.T) {
	t.Parallel()
	l := newListener(t, crm.Options{})
	body := []byte(`{"crm":"salesforce","deal_id":"006A","account":"Acme <!channel> & Co","outcome":"lost","amount":"52000.50","currency":"jpy","closed_at":"2026-11-25T13:00:00Z","owner_email":"jane@acme.com","crm_url":"https://acme.my.salesforce.com/006A"}`)
	ts := strconv.FormatInt(l.now.Unix(), 10)
	headers := map[string]string{crm.HeaderTimestamp: ts, crm.HeaderSignature: sign(ts, body)}
	code, out := l.post(t, "/hooks/deals", body, headers)
	if code != http.StatusAccepted || !strings.Contains(out, `"change":"created"`) || !strings.Contains(out, `"nudge_at":"2026-11-25T15:00:00Z"`) {
		t.Fatalf("first: %d %s", code, out)
	}
	// The same signed request again (a sender's retry, or a replay inside the window):
	// accepted, nothing new.
	code, out = l.post(t, "/hooks/deals", body, headers)
	if code != http.StatusAccepted || !strings.Contains(out, `"change":"duplicate"`) {
		t.Fatalf("replay: %d %s", code, out)
	}
	// The same deal signed anew: unchanged.
	l.now = l.now.Add(time.Minute)
	if code, out = l.signed(t, body); code != http.StatusAccepted || !strings.Contains(out, `"change":"unchanged"`) {
		t.Fatalf("resent: %d %s", code, out)
	}
	// Reopened and won, then the old "lost" message arrives late (signed earlier).
	won := bytes.Replace(body, []byte(`"lost"`), []byte(`"won"`), 1)
	l.now = l.now.Add(time.Minute)
	if code, out = l.signed(t, won); !strings.Contains(out, `"change":"outcome_changed"`) {
		t.Fatalf("won: %d %s", code, out)
	}
	oldTS := strconv.FormatInt(l.now.Add(-90*time.Second).Unix(), 10)
	lateBody := append(bytes.TrimSuffix(body, []byte("}")), []byte(`,"owner_slack_id":"U0JANE"}`)...)
	code, out = l.post(t, "/hooks/deals", lateBody, map[string]string{crm.HeaderTimestamp: oldTS, crm.HeaderSignature: sign(oldTS, lateBody)})
	if code != http.StatusAccepted || !strings.Contains(out, `"change":"stale"`) {
		t.Fatalf("late: %d %s", code, out)
	}
	d, err := l.store.DealByCRM(context.Background(), "salesforce", "006A")
	if err != nil {
		t.Fatal(err)
	}
	if d.Outcome != feedback.Won || d.Account != "Acme <!channel> & Co" || d.Currency != "JPY" || d.Amount.Cents != 5_200_050 || d.OwnerSlackID != "" {
		t.Errorf("stored %+v", d)
	}
	if n := l.count(t, `SELECT count(*) FROM river_job WHERE kind = 'deal_nudge'`); n != 2 {
		t.Errorf("%d nudge jobs, want one per outcome (2)", n)
	}
	if n := l.count(t, `SELECT count(*) FROM deals`); n != 1 {
		t.Errorf("%d deals", n)
	}
	for change, want := range map[string]float64{"created": 1, "duplicate": 1, "unchanged": 1, "outcome_changed": 1, "stale": 1} {
		if got := counterValue(l.reg, "vosbot_webhook_deals_total", map[string]string{"change": change}); got != want {
			t.Errorf("deals{change=%s} = %v, want %v", change, got, want)
		}
	}
}

func TestListenerRateLimit(t *testing.T) {
	t.Parallel()
	l := newListener(t, crm.Options{Rate: 1, Burst: 2})
	var codes []int
	for range 4 {
		code, _ := l.post(t, "/hooks/deals", []byte(`{}`), nil)
		codes = append(codes, code)
	}
	if fmt.Sprint(codes) != "[401 401 429 429]" {
		t.Errorf("codes %v, want two through to the signature check, then 429", codes)
	}
	req, _ := http.NewRequest(http.MethodPost, l.url+"/hooks/deals", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After: %d %v", resp.StatusCode, resp.Header)
	}
}

func TestOnlyTheHooksAreServed(t *testing.T) {
	t.Parallel()
	l := newListener(t, crm.Options{})
	for _, tt := range []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/hooks/deals", http.StatusMethodNotAllowed},
		{http.MethodGet, "/metrics", http.StatusNotFound},
		{http.MethodGet, "/healthz", http.StatusNotFound},
		{http.MethodPost, "/hooks/hubspot", http.StatusNotFound}, // HubSpot not configured
	} {
		req, _ := http.NewRequest(tt.method, l.url+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, resp.StatusCode, tt.code)
		}
	}
}
