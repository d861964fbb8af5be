package crm

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// HubSpot's signature headers.
const (
	HeaderHubSpotSignature = "X-HubSpot-Signature-v3"
	HeaderHubSpotTimestamp = "X-HubSpot-Request-Timestamp"
)

var (
	errHubSpotUnsigned  = errors.New("missing " + HeaderHubSpotSignature + " or " + HeaderHubSpotTimestamp)
	errHubSpotTimestamp = errors.New(HeaderHubSpotTimestamp + " is not Unix milliseconds")
	errHubSpotStale     = errors.New("timestamp is more than 5 minutes away from vosbot's clock")
	errHubSpotSignature = errors.New("signature does not match: check HUBSPOT_CLIENT_SECRET and VOS_PUBLIC_URL (the URI HubSpot signs is the subscription's target URL)")
)

// hubspotURIDecoding undoes the percent-encodings HubSpot decodes in the URI it signs.
var hubspotURIDecoding = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$", "%27", "'",
	"%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
	"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";",
)

// VerifyHubSpotV3 checks X-HubSpot-Signature-v3: the base64 HMAC-SHA256, keyed with
// the app's client secret, of method + URI + raw body + the timestamp header (Unix
// milliseconds), which must be within 5 minutes of now. Compared in constant time.
func VerifyHubSpotV3(clientSecret, method, uri string, body []byte, tsHeader, sigHeader string, now time.Time) error {
	if tsHeader == "" || sigHeader == "" {
		return errHubSpotUnsigned
	}
	ms, err := strconv.ParseInt(strings.TrimSpace(tsHeader), 10, 64)
	if err != nil {
		return errHubSpotTimestamp
	}
	if d := now.Sub(time.UnixMilli(ms)); d > SignatureWindow || d < -SignatureWindow {
		return errHubSpotStale
	}
	mac := hmac.New(sha256.New, []byte(clientSecret))
	mac.Write([]byte(method))
	mac.Write([]byte(hubspotURIDecoding.Replace(uri)))
	mac.Write(body)
	mac.Write([]byte(strings.TrimSpace(tsHeader)))
	got, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sigHeader))
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return errHubSpotSignature
	}
	return nil
}

// signedURI is the URI HubSpot signed: VOS_PUBLIC_URL and the request's path and query
// when it is set (a proxy in front rewrites what vosbot sees), else rebuilt from the
// request: the scheme from X-Forwarded-Proto or the connection, the host from Host.
func signedURI(publicURL string, r *http.Request) string {
	if publicURL != "" {
		return publicURL + r.URL.RequestURI()
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]); p == "http" || p == "https" {
		scheme = p
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// hubspotEvent is one notification of a HubSpot webhook batch.
type hubspotEvent struct {
	EventID          json.Number `json:"eventId"`
	SubscriptionID   json.Number `json:"subscriptionId"`
	PortalID         json.Number `json:"portalId"`
	OccurredAt       json.Number `json:"occurredAt"`
	SubscriptionType string      `json:"subscriptionType"`
	ObjectID         json.Number `json:"objectId"`
	PropertyName     string      `json:"propertyName"`
	PropertyValue    string      `json:"propertyValue"`
}

// dealProperties whose change may close a deal or change what vosbot keeps of it.
var dealProperties = map[string]bool{
	"hs_is_closed": true, "hs_is_closed_won": true, "dealstage": true, "amount": true, "closedate": true,
	"hubspot_owner_id": true, "deal_currency_code": true, "dealname": true,
}

// maxEventsPerBatch bounds a batch (HubSpot sends at most 100).
const maxEventsPerBatch = 1000

// ParseHubSpotEvents reads a webhook batch: a JSON array of events. Deal events are
// returned for recording (those that may have closed or changed a deal marked to be
// read from the API); others are counted as ignored. Duplicates across deliveries are
// recognised by their key (the attempt number is not part of it).
func ParseHubSpotEvents(body []byte) (events []feedback.CRMEvent, ignored int, err error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var raw []json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) {
			return nil, 0, errors.New("body must be a JSON array of HubSpot events")
		}
		return nil, 0, fmt.Errorf("body is not valid JSON: %v", err)
	}
	if dec.More() {
		return nil, 0, errors.New("body has more after its JSON array")
	}
	if len(raw) > maxEventsPerBatch {
		return nil, 0, fmt.Errorf("%d events in one batch: the limit is %d", len(raw), maxEventsPerBatch)
	}
	for _, r := range raw {
		var e hubspotEvent
		d := json.NewDecoder(bytes.NewReader(r))
		d.UseNumber()
		if err := d.Decode(&e); err != nil {
			ignored++
			continue
		}
		id, err := strconv.ParseInt(e.ObjectID.String(), 10, 64)
		if err != nil || id <= 0 || !strings.HasPrefix(e.SubscriptionType, "deal.") {
			ignored++
			continue
		}
		ev := feedback.CRMEvent{
			CRM: "hubspot", DealID: strconv.FormatInt(id, 10), Kind: truncate(e.SubscriptionType, 60),
			Key:   feedback.EventKey(e.SubscriptionID.String(), e.EventID.String(), e.ObjectID.String(), e.OccurredAt.String(), e.PropertyName, e.PropertyValue),
			Fetch: e.SubscriptionType == "deal.creation" || (e.SubscriptionType == "deal.propertyChange" && dealProperties[e.PropertyName]),
		}
		if ms, err := strconv.ParseInt(e.OccurredAt.String(), 10, 64); err == nil && ms > 0 {
			ev.OccurredAt = time.UnixMilli(ms).UTC()
		}
		if p, err := strconv.ParseInt(e.PortalID.String(), 10, 64); err == nil && p > 0 {
			ev.Portal = p
		}
		ev.Payload, _ = json.Marshal(e)
		events = append(events, ev)
	}
	return events, ignored, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// hubspot serves POST /hooks/hubspot: answer fast, record the events, and let a job
// read each deal from the CRM API.
func (h *handler) hubspot(w http.ResponseWriter, r *http.Request) {
	const ep = "hubspot"
	if h.opts.HubSpotSecret == "" {
		h.refuse(w, ep, http.StatusNotFound, "not_configured", "HubSpot is not configured here (HUBSPOT_CLIENT_SECRET and HUBSPOT_TOKEN)")
		return
	}
	body, ok := h.readBody(w, r, ep)
	if !ok {
		return
	}
	uri := signedURI(h.opts.PublicURL, r)
	err := VerifyHubSpotV3(h.opts.HubSpotSecret, r.Method, uri, body, r.Header.Get(HeaderHubSpotTimestamp), r.Header.Get(HeaderHubSpotSignature), h.opts.Now())
	if err != nil {
		reason := map[error]string{errHubSpotUnsigned: "no_signature", errHubSpotTimestamp: "bad_timestamp",
			errHubSpotStale: "stale_timestamp", errHubSpotSignature: "bad_signature"}[err]
		h.opts.Log.Warn("webhook refused", "endpoint", ep, "reason", reason, "signed_uri", uri, "remote", r.RemoteAddr)
		h.refuse(w, ep, http.StatusUnauthorized, reason, err.Error())
		return
	}
	events, ignored, err := ParseHubSpotEvents(body)
	if err != nil {
		h.refuse(w, ep, http.StatusBadRequest, "bad_json", err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	rec, err := h.opts.Store.RecordCRMEvents(ctx, events)
	if err != nil {
		h.opts.Log.Error("HubSpot events not recorded", "events", len(events), "error", err)
		h.refuse(w, ep, http.StatusServiceUnavailable, "store_failed", "the events could not be stored now; HubSpot will send them again")
		return
	}
	h.m.events.WithLabelValues("new").Add(float64(rec.New))
	h.m.events.WithLabelValues("duplicate").Add(float64(rec.Duplicates))
	h.m.events.WithLabelValues("ignored").Add(float64(ignored))
	writeJSON(w, http.StatusOK, map[string]int{"new": rec.New, "duplicates": rec.Duplicates, "ignored": ignored, "deals_to_read": rec.Fetches})
}
