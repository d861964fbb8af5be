package crm_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/vosbot/vosbot/crm"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/hubspotfake"
)

// The v3 vectors were computed outside Go, with openssl and again with python3's hmac
// (both gave the same values):
//
//	body='[{"eventId":1,…,"changeSource":"CRM_UI"}]'   # hubspotVectorBody below
//	printf '%s' "POSThttps://vos.example.com/hooks/hubspot${body}1795618805000" |
//	  openssl dgst -sha256 -hmac 'd5f1a7c2-6b0e-4e3f-9a8d-2c1b0e7f4a35' -binary | base64
//	→ MLWKb9Ced2WG5vpDS3xil5SG8NIyNylFRWtBZ+UV9dI=
//	printf '%s' "POSThttps://vos.example.com/hooks/hubspot?portal=62515&tag=a:b${body}1795618805000" | … | base64
//	→ OkUw8dLxvG+70KJcULzviT4Eny8zTErCCE+yL4NrLUM=
//
// The second is HubSpot's rule that %3A (and the other listed escapes) in the URI are
// decoded before signing: the request comes in as …&tag=a%3Ab.
const (
	hubspotVectorSecret = "d5f1a7c2-6b0e-4e3f-9a8d-2c1b0e7f4a35"
	hubspotVectorBody   = `[{"eventId":1,"subscriptionId":1001,"portalId":62515,"appId":4001,"occurredAt":1795618800000,"subscriptionType":"deal.propertyChange","attemptNumber":0,"objectId":42,"propertyName":"hs_is_closed","propertyValue":"true","changeSource":"CRM_UI"}]`
	hubspotVectorTS     = "1795618805000"
	hubspotVectorSig    = "MLWKb9Ced2WG5vpDS3xil5SG8NIyNylFRWtBZ+UV9dI="
	hubspotVectorSigQ   = "OkUw8dLxvG+70KJcULzviT4Eny8zTErCCE+yL4NrLUM="
)

func TestHubSpotV3Vector(t *testing.T) {
	t.Parallel()
	at := time.UnixMilli(1795618805000).Add(2 * time.Minute)
	body := []byte(hubspotVectorBody)
	tests := []struct {
		name, secret, uri, ts, sig string
		now                        time.Time
		ok                         bool
	}{
		{"the vector", hubspotVectorSecret, "https://vos.example.com/hooks/hubspot", hubspotVectorTS, hubspotVectorSig, at, true},
		{"escaped URI decoded as HubSpot does", hubspotVectorSecret, "https://vos.example.com/hooks/hubspot?portal=62515&tag=a%3Ab", hubspotVectorTS, hubspotVectorSigQ, at, true},
		{"another secret", "other", "https://vos.example.com/hooks/hubspot", hubspotVectorTS, hubspotVectorSig, at, false},
		{"another URI", hubspotVectorSecret, "http://vos.example.com/hooks/hubspot", hubspotVectorTS, hubspotVectorSig, at, false},
		{"another timestamp", hubspotVectorSecret, "https://vos.example.com/hooks/hubspot", "1795618805001", hubspotVectorSig, at, false},
		{"older than 5 minutes", hubspotVectorSecret, "https://vos.example.com/hooks/hubspot", hubspotVectorTS, hubspotVectorSig, at.Add(4 * time.Minute), false},
		{"not base64", hubspotVectorSecret, "https://vos.example.com/hooks/hubspot", hubspotVectorTS, "%%%", at, false},
	}
	for _, tt := range tests {
		err := crm.VerifyHubSpotV3(tt.secret, "POST", tt.uri, body, tt.ts, tt.sig, tt.now)
		if (err == nil) != tt.ok {
			t.Errorf("%s: %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	// The fake HubSpot's signer agrees with the vector too.
	if got := hubspotfake.SignV3(hubspotVectorSecret, "POST", "https://vos.example.com/hooks/hubspot", body, hubspotVectorTS); got != hubspotVectorSig {
		t.Errorf("fake signs %s", got)
	}
}

type pgxTx = pgx.Tx

// hubspotRig is the listener with HubSpot on, the fake HubSpot, and River working the
// CRM queue with the HubSpot adapter.
type hubspotRig struct {
	*listener
	hs   *hubspotfake.Server
	jobs *river.Client[pgxTx]
	logs *lockedLog
}

func newHubSpotRig(t *testing.T) *hubspotRig {
	t.Helper()
	hs := hubspotfake.New(hubspotfake.Options{})
	t.Cleanup(hs.Close)
	l := newListener(t, crm.Options{HubSpotSecret: hubspotVectorSecret, PublicURL: "https://vos.example.com"})
	r := &hubspotRig{listener: l, hs: hs, logs: &lockedLog{}}
	log := slog.New(slog.NewTextHandler(r.logs, nil))
	workers := river.NewWorkers()
	river.AddWorker(workers, &crm.HubSpotWorker{
		Client: crm.NewHubSpotClient(hs.URL(), hs.Token(), nil), Store: l.store, Org: l.org(), Log: log,
		Now: time.Now, RetryAfter: func(int) time.Duration { return 100 * time.Millisecond },
	})
	var err error
	r.jobs, err = river.NewClient(riverpgxv5.New(l.pool), &river.Config{
		Logger: slog.New(slog.DiscardHandler), Workers: workers,
		Queues:            map[string]river.QueueConfig{feedback.QueueCRM: {MaxWorkers: 4}},
		FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond,
		RescueStuckJobsAfter: time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.jobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.jobs.Stop(ctx)
	})
	return r
}

type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// deliver sends a signed batch as HubSpot does, at the listener's clock.
func (r *hubspotRig) deliver(t *testing.T, events ...hubspotfake.Event) (int, map[string]any) {
	t.Helper()
	resp, body, err := hubspotfake.Deliver(context.Background(), r.url+"/hooks/hubspot", "https://vos.example.com/hooks/hubspot", hubspotVectorSecret, r.now, events)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	return resp.StatusCode, m
}

// waitJobs waits until no CRM read is left to do.
func (r *hubspotRig) waitJobs(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if r.count(t, `SELECT count(*) FROM river_job WHERE queue = 'crm' AND state NOT IN ('completed', 'cancelled', 'discarded')`) == 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("CRM reads still pending; log:\n%s", r.logs)
}

func TestHubSpotEndToEnd(t *testing.T) {
	t.Parallel()
	r := newHubSpotRig(t)
	r.now = time.Now().UTC().Truncate(time.Second)
	ctx := context.Background()
	r.hs.PutOwner(hubspotfake.Owner{ID: "501", Email: "Jane@Acme.com", FirstName: "Jane"})
	closed := r.now.Add(-2 * time.Hour).Format("2006-01-02T15:04:05.000Z")
	r.hs.PutDeal("42", map[string]string{"dealname": "Acme <@U0CEO> renewal", "amount": "52000.5", "deal_currency_code": "EUR",
		"closedate": closed, "hs_is_closed": "true", "hs_is_closed_won": "false", "hubspot_owner_id": "501", "dealstage": "closedlost"})
	r.hs.PutDeal("43", map[string]string{"dealname": "Open deal", "hs_is_closed": "false", "dealstage": "appointmentscheduled"})
	r.hs.PutDeal("44", map[string]string{"dealname": "Nobody's deal", "hs_is_closed": "true", "hs_is_closed_won": "true", "closedate": closed, "hubspot_owner_id": "999"})

	// The CRM API fails twice on the first read: the job retries.
	r.hs.FailNext("/crm/v3/objects/deals/42", 2, http.StatusInternalServerError)
	ev := r.hs.ClosedEvent(7001, 42, r.now.Add(-time.Second))
	code, out := r.deliver(t, ev, r.hs.ClosedEvent(7002, 43, r.now), r.hs.ClosedEvent(7003, 44, r.now),
		hubspotfake.Event{EventID: 7004, SubscriptionType: "contact.creation", ObjectID: 9, OccurredAt: r.now.UnixMilli()})
	if code != http.StatusOK || out["new"] != float64(3) || out["ignored"] != float64(1) || out["deals_to_read"] != float64(3) {
		t.Fatalf("delivery: %d %v", code, out)
	}
	// HubSpot delivers the same event again (its retry, attempt 1) and, out of order, an
	// older change of the same deal: recorded once, each read takes the deal as it is.
	again := ev
	again.AttemptNumber = 1
	older := ev
	older.EventID, older.PropertyName, older.PropertyValue, older.OccurredAt = 6999, "amount", "40000", r.now.Add(-time.Hour).UnixMilli()
	code, out = r.deliver(t, again, older)
	if code != http.StatusOK || out["new"] != float64(1) || out["duplicates"] != float64(1) {
		t.Fatalf("repeat: %d %v", code, out)
	}
	r.waitJobs(t)

	d, err := r.store.DealByCRM(ctx, "hubspot", "42")
	if err != nil {
		t.Fatalf("deal 42 not stored: %v\n%s", err, r.logs)
	}
	if d.Outcome != feedback.Lost || d.Account != "Acme <@U0CEO> renewal" || d.Currency != "EUR" || d.Amount.Cents != 5_200_050 ||
		d.OwnerEmail != "jane@acme.com" || d.CRMURL != "https://app.hubspot.com/contacts/62515/record/0-3/42" || d.Source != feedback.DealFromHubSpot {
		t.Errorf("deal 42 = %+v", d)
	}
	if _, err := r.store.DealByCRM(ctx, "hubspot", "43"); err == nil {
		t.Error("a deal that is not closed was stored")
	}
	if !strings.Contains(r.logs.String(), "HubSpot deal is not closed; nothing stored") {
		t.Errorf("no clear word on the open deal:\n%s", r.logs)
	}
	// An owner HubSpot does not know: stored without one, for the nudge to report.
	d44, err := r.store.DealByCRM(ctx, "hubspot", "44")
	if err != nil || d44.OwnerEmail != "" || d44.Outcome != feedback.Won {
		t.Errorf("deal 44 = %+v, %v", d44, err)
	}
	// Failed twice, read three times and twice more for the later events: one nudge.
	if n := r.count(t, `SELECT count(*) FROM river_job WHERE kind = 'deal_nudge'`); n != 2 {
		t.Errorf("%d nudge jobs for deals 42 and 44, want 2", n)
	}
	reads := 0
	for _, c := range r.hs.Calls() {
		if c.Path == "/crm/v3/objects/deals/42" {
			reads++
			if c.Auth != "Bearer "+r.hs.Token() {
				t.Errorf("read without the token: %q", c.Auth)
			}
		}
	}
	if reads != 4 {
		t.Errorf("deal 42 read %d times, want 4 (2 failures, then one read per new event)", reads)
	}
	if n := r.count(t, `SELECT count(*) FROM crm_events`); n != 4 {
		t.Errorf("%d events recorded, want 4", n)
	}
}

func TestHubSpotRefusals(t *testing.T) {
	t.Parallel()
	r := newHubSpotRig(t)
	r.now = time.Now().UTC()
	body := []byte(`[{"eventId":1,"objectId":42,"subscriptionType":"deal.creation"}]`)
	ts := strconv.FormatInt(r.now.UnixMilli(), 10)
	sig := hubspotfake.SignV3(hubspotVectorSecret, "POST", "https://vos.example.com/hooks/hubspot", body, ts)
	stale := strconv.FormatInt(r.now.Add(-6*time.Minute).UnixMilli(), 10)
	for _, tt := range []struct {
		name    string
		body    []byte
		headers map[string]string
		code    int
	}{
		{"unsigned", body, nil, 401},
		{"v3 signed for another URL", body, map[string]string{crm.HeaderHubSpotTimestamp: ts, crm.HeaderHubSpotSignature: hubspotfake.SignV3(hubspotVectorSecret, "POST", "https://evil.example.com/hooks/hubspot", body, ts)}, 401},
		{"replayed after 5 minutes", body, map[string]string{crm.HeaderHubSpotTimestamp: stale, crm.HeaderHubSpotSignature: hubspotfake.SignV3(hubspotVectorSecret, "POST", "https://vos.example.com/hooks/hubspot", body, stale)}, 401},
		{"not an array", []byte(`{"objectId":42}`), map[string]string{crm.HeaderHubSpotTimestamp: ts, crm.HeaderHubSpotSignature: hubspotfake.SignV3(hubspotVectorSecret, "POST", "https://vos.example.com/hooks/hubspot", []byte(`{"objectId":42}`), ts)}, 400},
		{"valid", body, map[string]string{crm.HeaderHubSpotTimestamp: ts, crm.HeaderHubSpotSignature: sig}, 200},
	} {
		code, out := r.post(t, "/hooks/hubspot", tt.body, tt.headers)
		if code != tt.code {
			t.Errorf("%s: %d %s, want %d", tt.name, code, out, tt.code)
		}
	}
	if n := r.count(t, `SELECT count(*) FROM crm_events`); n != 1 {
		t.Errorf("%d events stored, want only the valid one", n)
	}
}
