// Package hubspotfake is a fake HubSpot for tests: a local HTTP server answering the
// CRM API calls vosbot makes (GET /crm/v3/objects/deals/{id}, GET /crm/v3/owners/{id})
// as HubSpot does, strict about the private-app token, and a sender of webhook
// deliveries signed with X-HubSpot-Signature-v3 as HubSpot signs them.
package hubspotfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options configure a Server.
type Options struct {
	// Token is the private-app token the API accepts. Default "pat-na1-test".
	Token string
	// Portal is the HubSpot account id put in webhook events. Default 62515.
	Portal int64
}

// Server is a running fake HubSpot.
type Server struct {
	opts Options
	http *httptest.Server

	mu       sync.Mutex
	deals    map[string]map[string]string
	owners   map[string]Owner
	calls    []Call
	failures []failure
}

// Owner is a HubSpot user who can own deals.
type Owner struct {
	ID        string
	Email     string
	FirstName string
	LastName  string
}

// Call is one API request the fake received.
type Call struct {
	Method string
	Path   string
	Query  string
	Auth   string
	Status int
	At     time.Time
}

type failure struct {
	prefix string
	status int
}

// New starts a fake HubSpot on 127.0.0.1.
func New(opts Options) *Server {
	if opts.Token == "" {
		opts.Token = "pat-na1-test"
	}
	if opts.Portal == 0 {
		opts.Portal = 62515
	}
	s := &Server{opts: opts, deals: map[string]map[string]string{}, owners: map[string]Owner{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /crm/v3/objects/deals/{id}", s.serveDeal)
	mux.HandleFunc("GET /crm/v3/owners/{id}", s.serveOwner)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.record(r, http.StatusNotFound)
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to route request: "+r.Method+" "+r.URL.Path)
	})
	s.http = httptest.NewServer(mux)
	return s
}

// Close stops the server.
func (s *Server) Close() { s.http.Close() }

// URL is the API base, for HUBSPOT_API_URL.
func (s *Server) URL() string { return s.http.URL }

// Token is the accepted private-app token.
func (s *Server) Token() string { return s.opts.Token }

// Portal is the account id of the fake's events.
func (s *Server) Portal() int64 { return s.opts.Portal }

// PutDeal stores (or replaces) a deal's properties, as strings like HubSpot's.
func (s *Server) PutDeal(id string, props map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := map[string]string{}
	for k, v := range props {
		p[k] = v
	}
	p["hs_object_id"] = id
	s.deals[id] = p
}

// PutOwner stores an owner.
func (s *Server) PutOwner(o Owner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.owners[o.ID] = o
}

// FailNext makes the next n requests whose path starts with prefix answer status
// (500, 502, 429…) with HubSpot's error body.
func (s *Server) FailNext(prefix string, n, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures = append(s.failures, failure{prefix, status})
	}
}

// Calls returns the requests received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Server) record(r *http.Request, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Auth: r.Header.Get("Authorization"), Status: status, At: time.Now()})
}

// check applies what every API call goes through: injected failures, then the token.
func (s *Server) check(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	for i, f := range s.failures {
		if strings.HasPrefix(r.URL.Path, f.prefix) {
			s.failures = append(s.failures[:i:i], s.failures[i+1:]...)
			s.mu.Unlock()
			s.record(r, f.status)
			if f.status == http.StatusTooManyRequests {
				w.Header().Set("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
				w.Header().Set("X-HubSpot-RateLimit-Remaining", "0")
				writeError(w, f.status, "RATE_LIMITS", "You have reached your ten_secondly_rolling limit.")
				return false
			}
			writeError(w, f.status, "INTERNAL_ERROR", "internal error")
			return false
		}
	}
	s.mu.Unlock()
	auth := r.Header.Get("Authorization")
	token, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || token == "" {
		s.record(r, http.StatusUnauthorized)
		writeError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
			"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
		return false
	}
	if token != s.opts.Token {
		s.record(r, http.StatusUnauthorized)
		writeError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION", "The OAuth token used to make this call expired or is invalid.")
		return false
	}
	return true
}

var numericID = regexp.MustCompile(`^[0-9]{1,19}$`)

// defaultDealProperties are returned whatever was asked, as HubSpot does.
var defaultDealProperties = []string{"createdate", "hs_lastmodifieddate", "hs_object_id"}

func (s *Server) serveDeal(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r) {
		return
	}
	id := r.PathValue("id")
	s.mu.Lock()
	props, ok := s.deals[id]
	s.mu.Unlock()
	if !numericID.MatchString(id) || !ok {
		s.record(r, http.StatusNotFound)
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
		return
	}
	out := map[string]any{}
	var want []string
	if p := r.URL.Query().Get("properties"); p != "" {
		want = strings.Split(p, ",")
	}
	for _, k := range append(want, defaultDealProperties...) {
		if v, ok := props[k]; ok {
			out[k] = v
		} else if k != "" {
			out[k] = nil // HubSpot answers a requested property without a value as null
		}
	}
	s.record(r, http.StatusOK)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "properties": out, "archived": false,
		"createdAt": "2026-11-01T09:00:00.000Z", "updatedAt": time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
	})
}

func (s *Server) serveOwner(w http.ResponseWriter, r *http.Request) {
	if !s.check(w, r) {
		return
	}
	id := r.PathValue("id")
	if q := r.URL.Query().Get("idProperty"); q != "" && q != "id" {
		s.record(r, http.StatusBadRequest)
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "the fake only knows idProperty=id")
		return
	}
	s.mu.Lock()
	o, ok := s.owners[id]
	s.mu.Unlock()
	if !ok {
		s.record(r, http.StatusNotFound)
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "resource not found")
		return
	}
	s.record(r, http.StatusOK)
	userID, _ := strconv.ParseInt(o.ID, 10, 64)
	writeJSON(w, http.StatusOK, map[string]any{
		"id": o.ID, "email": o.Email, "firstName": o.FirstName, "lastName": o.LastName, "userId": userID + 1000,
		"type": "PERSON", "archived": false, "createdAt": "2025-01-01T00:00:00.000Z", "updatedAt": "2025-01-01T00:00:00.000Z",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, category, msg string) {
	writeJSON(w, status, map[string]any{"status": "error", "message": msg, "correlationId": "0a1b2c3d-fake", "category": category})
}

// Event is one webhook notification as HubSpot sends it.
type Event struct {
	EventID          int64  `json:"eventId"`
	SubscriptionID   int64  `json:"subscriptionId"`
	PortalID         int64  `json:"portalId"`
	AppID            int64  `json:"appId"`
	OccurredAt       int64  `json:"occurredAt"`
	SubscriptionType string `json:"subscriptionType"`
	AttemptNumber    int    `json:"attemptNumber"`
	ObjectID         int64  `json:"objectId"`
	PropertyName     string `json:"propertyName,omitempty"`
	PropertyValue    string `json:"propertyValue,omitempty"`
	ChangeSource     string `json:"changeSource"`
}

// ClosedEvent is the deal.propertyChange HubSpot sends when a deal's hs_is_closed
// turns true.
func (s *Server) ClosedEvent(eventID, dealID int64, at time.Time) Event {
	return Event{EventID: eventID, SubscriptionID: 1001, PortalID: s.opts.Portal, AppID: 4001, OccurredAt: at.UnixMilli(),
		SubscriptionType: "deal.propertyChange", ObjectID: dealID, PropertyName: "hs_is_closed", PropertyValue: "true", ChangeSource: "CRM_UI"}
}

// SignV3 is X-HubSpot-Signature-v3 as HubSpot computes it: base64 of HMAC-SHA256, keyed
// with the app's client secret, of method + URI + body + timestamp (milliseconds).
func SignV3(clientSecret, method, uri string, body []byte, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte(method + uri))
	mac.Write(body)
	mac.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Deliver POSTs a batch of events to url as HubSpot does, signed with clientSecret at
// time at; signedURI is the URI HubSpot signs (the subscription's target URL).
func Deliver(ctx context.Context, url, signedURI, clientSecret string, at time.Time, events []Event) (*http.Response, []byte, error) {
	body, err := json.Marshal(events)
	if err != nil {
		return nil, nil, err
	}
	ts := strconv.FormatInt(at.UnixMilli(), 10)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/) (namespace: webhooks-nio)")
	req.Header.Set("X-HubSpot-Request-Timestamp", ts)
	req.Header.Set("X-HubSpot-Signature-v3", SignV3(clientSecret, http.MethodPost, signedURI, body, ts))
	req.Header.Set("X-HubSpot-Signature-Version", "v3")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("deliver: %w", err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp, b.Bytes(), nil
}
