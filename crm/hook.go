package crm

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// Headers of the signed generic hook.
const (
	HeaderTimestamp = "X-Vosbot-Timestamp"
	HeaderSignature = "X-Vosbot-Signature"
)

// errUnsigned and its kin say why a request's signature was refused.
var (
	errNoSignature    = errors.New("missing " + HeaderSignature + " or " + HeaderTimestamp + ": sign the request (see docs/setup.md)")
	errBadTimestamp   = errors.New(HeaderTimestamp + " is not Unix seconds")
	errStaleTimestamp = errors.New("timestamp is more than 5 minutes away from vosbot's clock: sign with the current time (and check the sender's clock)")
	errBadSignature   = errors.New("signature does not match: sign \"<timestamp>.<raw body>\" with HMAC-SHA256 and VOS_WEBHOOK_SECRET, hex, as v1=<hex>")
)

// verifyHook checks a generic hook's signature as Stripe's are checked: the header
// X-Vosbot-Signature holds one or more "v1=<hex HMAC-SHA256 of "<timestamp>.<raw body>">"
// (comma-separated, so a secret can be rotated), compared in constant time, and the
// timestamp must be within 5 minutes of now.
func verifyHook(secret []byte, tsHeader, sigHeader string, body []byte, now time.Time) error {
	if tsHeader == "" || sigHeader == "" {
		return errNoSignature
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(tsHeader), 10, 64)
	if err != nil {
		return errBadTimestamp
	}
	if d := now.Sub(time.Unix(ts, 0)); d > SignatureWindow || d < -SignatureWindow {
		return errStaleTimestamp
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strings.TrimSpace(tsHeader)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	want := mac.Sum(nil)
	ok := false
	for _, part := range strings.Split(sigHeader, ",") {
		scheme, value, found := strings.Cut(strings.TrimSpace(part), "=")
		if !found || scheme != "v1" {
			continue
		}
		got, err := hex.DecodeString(value)
		if err == nil && hmac.Equal(got, want) {
			ok = true // keep going: the time taken does not tell which one matched
		}
	}
	if !ok {
		return errBadSignature
	}
	return nil
}

// hookBody is the JSON of POST /hooks/deals. Pointers tell a missing field from an
// empty one; deal_id and amount may be JSON numbers or strings.
// hookFields are the body's field names, exactly as INTERFACE.md spells them.
var hookFields = []string{"crm", "deal_id", "account", "outcome", "amount", "currency", "closed_at", "owner_email", "owner_slack_id", "crm_url"}

type hookBody struct {
	CRM          *string          `json:"crm"`
	DealID       *json.RawMessage `json:"deal_id"`
	Account      *string          `json:"account"`
	Outcome      *string          `json:"outcome"`
	Amount       *json.RawMessage `json:"amount"`
	Currency     *string          `json:"currency"`
	ClosedAt     *string          `json:"closed_at"`
	OwnerEmail   *string          `json:"owner_email"`
	OwnerSlackID *string          `json:"owner_slack_id"`
	CRMURL       *string          `json:"crm_url"`
}

// ParseDealHook reads the body of POST /hooks/deals into a deal as the CRM said it. It
// refuses what is not one JSON object of the documented fields (unknown ones included,
// so a misspelt field is not silently dropped) and a missing crm, deal_id, account or
// outcome; the values themselves are checked by the domain.
func ParseDealHook(body []byte) (feedback.DealInput, error) {
	var in feedback.DealInput
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var b hookBody
	if err := dec.Decode(&b); err != nil {
		return in, hookJSONError(err)
	}
	if dec.More() {
		return in, errors.New("body has more after its JSON object: send one deal per request")
	}
	if _, err := dec.Token(); err == nil {
		return in, errors.New("body has more after its JSON object: send one deal per request")
	}
	// encoding/json matches field names in any case; the contract's names are exact, and
	// a "Deal_ID" is refused by name rather than read as something it may not be.
	var raw map[string]json.RawMessage
	if json.Unmarshal(body, &raw) == nil {
		for k := range raw {
			if !slices.Contains(hookFields, k) {
				return in, fmt.Errorf("unknown field %q (known: %s; names are lower case)", k, strings.Join(hookFields, ", "))
			}
		}
	}
	var missing []string
	str := func(name string, p *string, required bool) string {
		if p == nil {
			if required {
				missing = append(missing, name)
			}
			return ""
		}
		return *p
	}
	in.CRM = str("crm", b.CRM, true)
	var err error
	if in.DealID, err = scalar("deal_id", b.DealID, false); err != nil {
		return in, err
	}
	if b.DealID == nil || string(*b.DealID) == "null" {
		missing = append(missing, "deal_id")
	}
	in.Account = str("account", b.Account, true)
	in.Outcome = str("outcome", b.Outcome, true)
	if in.Amount, err = scalar("amount", b.Amount, true); err != nil {
		return in, err
	}
	in.Currency = str("currency", b.Currency, false)
	in.ClosedAt = str("closed_at", b.ClosedAt, false)
	in.OwnerEmail = str("owner_email", b.OwnerEmail, false)
	in.OwnerSlackID = str("owner_slack_id", b.OwnerSlackID, false)
	in.CRMURL = str("crm_url", b.CRMURL, false)
	if len(missing) > 0 {
		return in, fmt.Errorf("missing field%s: %s (required: crm, deal_id, account, outcome)", plural(len(missing)), strings.Join(missing, ", "))
	}
	return in, nil
}

// scalar reads a field that may be a string or a number (a deal id from a script, an
// amount from a spreadsheet); a decimal number is kept as written.
func scalar(name string, raw *json.RawMessage, decimal bool) (string, error) {
	if raw == nil || string(*raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(*raw, &s); err == nil {
		return s, nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(*raw))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return "", fmt.Errorf("%s: must be a string or a number", name)
	}
	if !decimal {
		if _, err := strconv.ParseInt(n.String(), 10, 64); err != nil {
			return "", fmt.Errorf("%s: a number must be a whole number; send other ids as strings", name)
		}
		return n.String(), nil
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || strings.ContainsAny(n.String(), "eE") {
		return "", fmt.Errorf("%s: write the number in plain decimals, such as 52000.50", name)
	}
	return n.String(), nil
}

// hookJSONError says in one line what is wrong with a body that is not the right JSON.
func hookJSONError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("body is not valid JSON (at byte %d): %v", syntax.Offset, err)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return errors.New("body must be a JSON object")
		}
		return fmt.Errorf("%s: must be a %s", typ.Field, jsonKind(typ.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown field %s (known: crm, deal_id, account, outcome, amount, currency, closed_at, owner_email, owner_slack_id, crm_url)",
			strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.EOF):
		return errors.New("body is empty: send the deal as a JSON object")
	}
	return fmt.Errorf("body is not valid JSON: %v", err)
}

func jsonKind(k string) string {
	if k == "ptr" {
		return "string"
	}
	return k
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// deals serves POST /hooks/deals: body limit, signature, parse, then the domain.
func (h *handler) deals(w http.ResponseWriter, r *http.Request) {
	const ep = "deals"
	body, ok := h.readBody(w, r, ep)
	if !ok {
		return
	}
	ts, sig := r.Header.Get(HeaderTimestamp), r.Header.Get(HeaderSignature)
	if err := verifyHook([]byte(h.opts.Secret), ts, sig, body, h.opts.Now()); err != nil {
		reason := map[error]string{errNoSignature: "no_signature", errBadTimestamp: "bad_timestamp",
			errStaleTimestamp: "stale_timestamp", errBadSignature: "bad_signature"}[err]
		h.opts.Log.Warn("webhook refused", "endpoint", ep, "reason", reason, "remote", r.RemoteAddr)
		h.refuse(w, ep, http.StatusUnauthorized, reason, err.Error())
		return
	}
	in, err := ParseDealHook(body)
	if err != nil {
		h.refuse(w, ep, http.StatusBadRequest, "bad_json", err.Error())
		return
	}
	unix, _ := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
	in.Source, in.ObservedAt = feedback.DealFromWebhook, time.Unix(unix, 0)
	// The same signed delivery twice (a retry, or a replay inside the window) is one.
	in.EventKey, in.EventKind = "hook:"+feedback.EventKey(strings.TrimSpace(ts), string(body)), "webhook"
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	rec, err := h.opts.Store.ReceiveDeal(ctx, h.opts.Org, in)
	var fe feedback.FieldErrors
	if errors.As(err, &fe) {
		h.refuse(w, ep, http.StatusBadRequest, "bad_field", fe.Error())
		return
	}
	if err != nil {
		h.opts.Log.Error("webhook deal not stored", "error", err)
		h.refuse(w, ep, http.StatusServiceUnavailable, "store_failed", "the deal could not be stored now; send it again")
		return
	}
	h.m.deals.WithLabelValues(string(rec.Change)).Inc()
	out := map[string]any{"status": "accepted", "change": rec.Change, "deal_status": rec.Deal.Status}
	if rec.NudgeAt != nil {
		out["nudge_at"] = rec.NudgeAt.UTC().Format(time.RFC3339)
	}
	h.opts.Log.Info("deal received", "crm", rec.Deal.CRM, "deal", rec.Deal.ID, "change", rec.Change)
	writeJSON(w, http.StatusAccepted, out)
}
