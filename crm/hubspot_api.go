package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/vosbot/vosbot/feedback"
)

// ErrHubSpotNotFound means HubSpot has no such deal or owner (deleted, or never was).
var ErrHubSpotNotFound = errors.New("not found in HubSpot")

// HubSpotError is an error answer of HubSpot's API.
type HubSpotError struct {
	Status   int
	Category string
	Message  string
}

func (e *HubSpotError) Error() string {
	return fmt.Sprintf("HubSpot answered %d %s: %s", e.Status, e.Category, e.Message)
}

// HubSpotClient reads deals and owners with a private-app token (scopes
// crm.objects.deals.read and crm.objects.owners.read).
type HubSpotClient struct {
	base  string
	token string
	http  *http.Client
	calls *prometheus.CounterVec
}

// NewHubSpotClient returns a client of the API at baseURL (HUBSPOT_API_URL).
func NewHubSpotClient(baseURL, token string, reg prometheus.Registerer) *HubSpotClient {
	c := &HubSpotClient{
		base: strings.TrimRight(baseURL, "/"), token: token, http: &http.Client{Timeout: 10 * time.Second},
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vosbot_hubspot_api_requests_total", Help: "Requests to HubSpot's CRM API, by call (deal, owner) and HTTP status (or error).",
		}, []string{"call", "code"}),
	}
	if reg != nil {
		reg.MustRegister(c.calls)
	}
	return c
}

// HubSpotDeal is a deal's properties as HubSpot gives them (strings, "" when null).
type HubSpotDeal struct {
	ID         string
	Properties map[string]string
}

// HubSpotOwner is a HubSpot user who owns deals.
type HubSpotOwner struct {
	ID        string `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
}

// dealReadProperties are the properties vosbot reads of a deal.
var dealReadProperties = []string{"dealname", "amount", "deal_currency_code", "closedate", "hs_is_closed", "hs_is_closed_won", "hubspot_owner_id", "dealstage"}

// Deal reads one deal.
func (c *HubSpotClient) Deal(ctx context.Context, id string) (HubSpotDeal, error) {
	var body struct {
		ID         string             `json:"id"`
		Properties map[string]*string `json:"properties"`
	}
	q := url.Values{"properties": {strings.Join(dealReadProperties, ",")}}
	if err := c.get(ctx, "deal", "/crm/v3/objects/deals/"+url.PathEscape(id)+"?"+q.Encode(), &body); err != nil {
		return HubSpotDeal{}, fmt.Errorf("HubSpot deal %s: %w", id, err)
	}
	d := HubSpotDeal{ID: body.ID, Properties: map[string]string{}}
	for k, v := range body.Properties {
		if v != nil {
			d.Properties[k] = *v
		}
	}
	return d, nil
}

// Owner reads one owner by its id (a deal's hubspot_owner_id).
func (c *HubSpotClient) Owner(ctx context.Context, id string) (HubSpotOwner, error) {
	var o HubSpotOwner
	if err := c.get(ctx, "owner", "/crm/v3/owners/"+url.PathEscape(id)+"?idProperty=id", &o); err != nil {
		return HubSpotOwner{}, fmt.Errorf("HubSpot owner %s: %w", id, err)
	}
	return o, nil
}

func (c *HubSpotClient) get(ctx context.Context, call, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.calls.WithLabelValues(call, "error").Inc()
		return err
	}
	defer resp.Body.Close()
	c.calls.WithLabelValues(call, strconv.Itoa(resp.StatusCode)).Inc()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNotFound {
		return ErrHubSpotNotFound
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Message  string `json:"message"`
			Category string `json:"category"`
		}
		_ = json.Unmarshal(b, &e)
		return &HubSpotError{Status: resp.StatusCode, Category: e.Category, Message: e.Message}
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("unreadable answer: %w", err)
	}
	return nil
}

// HubSpotWorker works the reads of HubSpot deals (feedback.CRMFetchArgs): each reads the
// deal as HubSpot has it now, whatever the order its events came in, and hands a
// closed one to the domain. A failing API is retried by the job; the nudge stays one
// per deal and outcome however often the deal is read.
type HubSpotWorker struct {
	river.WorkerDefaults[feedback.CRMFetchArgs]
	// Client is nil when HubSpot is not configured.
	Client *HubSpotClient
	Store  interface {
		ReceiveDeal(ctx context.Context, org *feedback.Org, in feedback.DealInput) (feedback.DealReceipt, error)
		DealReopened(ctx context.Context, crm, dealID, actor string) (bool, error)
	}
	Org *feedback.Org
	Log *slog.Logger
	// Now dates what HubSpot said; RetryAfter spaces retries (nil: River's backoff).
	Now        func() time.Time
	RetryAfter func(attempt int) time.Duration
}

// NextRetry spaces retries as configured, or leaves it to River.
func (w *HubSpotWorker) NextRetry(job *river.Job[feedback.CRMFetchArgs]) time.Time {
	if w.RetryAfter == nil {
		return time.Time{}
	}
	return time.Now().Add(w.RetryAfter(job.Attempt))
}

// Timeout bounds one read (two API calls and a transaction).
func (w *HubSpotWorker) Timeout(*river.Job[feedback.CRMFetchArgs]) time.Duration {
	return 30 * time.Second
}

// Work reads the deal and its owner and stores a closed deal.
func (w *HubSpotWorker) Work(ctx context.Context, job *river.Job[feedback.CRMFetchArgs]) error {
	a := job.Args
	if a.CRM != "hubspot" {
		return river.JobCancel(fmt.Errorf("no adapter reads deals from %q", a.CRM))
	}
	if w.Client == nil {
		return river.JobCancel(errors.New("HubSpot is not configured (HUBSPOT_TOKEN): the deal cannot be read"))
	}
	d, err := w.Client.Deal(ctx, a.DealID)
	if errors.Is(err, ErrHubSpotNotFound) {
		w.Log.Info("HubSpot deal no longer exists; nothing stored", "hubspot_deal", a.DealID)
		return river.JobCancel(err)
	}
	if err != nil {
		return w.retry(err)
	}
	p := d.Properties
	if p["hs_is_closed"] != "true" {
		known, err := w.Store.DealReopened(ctx, "hubspot", a.DealID, "crm:hubspot")
		if err != nil {
			return err
		}
		w.Log.Info("HubSpot deal is not closed; nothing stored", "hubspot_deal", a.DealID, "known_before", known, "stage", p["dealstage"])
		return nil
	}
	var email string
	if owner := p["hubspot_owner_id"]; owner != "" {
		o, err := w.Client.Owner(ctx, owner)
		switch {
		case errors.Is(err, ErrHubSpotNotFound):
			w.Log.Warn("HubSpot deal's owner not found in HubSpot", "hubspot_deal", a.DealID, "owner", owner)
		case err != nil:
			return w.retry(err)
		default:
			email = o.Email
		}
	}
	outcome := "lost"
	if p["hs_is_closed_won"] == "true" {
		outcome = "won"
	}
	in := feedback.DealInput{
		CRM: "hubspot", DealID: a.DealID, Account: p["dealname"], Outcome: outcome, Amount: p["amount"],
		Currency: p["deal_currency_code"], ClosedAt: p["closedate"], OwnerEmail: email,
		Source: feedback.DealFromHubSpot, Actor: "crm:hubspot", ObservedAt: w.now(),
	}
	if a.Portal > 0 {
		in.CRMURL = fmt.Sprintf("https://app.hubspot.com/contacts/%d/record/0-3/%s", a.Portal, url.PathEscape(a.DealID))
	}
	rec, err := w.Store.ReceiveDeal(ctx, w.Org, in)
	var fe feedback.FieldErrors
	if errors.As(err, &fe) {
		// Nothing in HubSpot will change by retrying: say what is wrong, store nothing.
		w.Log.Error("HubSpot deal cannot be stored; fix it in HubSpot", "hubspot_deal", a.DealID, "problems", fe.Error())
		return river.JobCancel(fe)
	}
	if err != nil {
		return err
	}
	w.Log.Info("HubSpot deal received", "hubspot_deal", a.DealID, "deal", rec.Deal.ID, "change", rec.Change, "outcome", rec.Deal.Outcome)
	return nil
}

// retry waits out a rate limit; anything else is retried on the job's schedule.
func (w *HubSpotWorker) retry(err error) error {
	var he *HubSpotError
	if errors.As(err, &he) {
		switch {
		case he.Status == http.StatusTooManyRequests:
			w.Log.Warn("HubSpot rate limit; waiting", "error", err)
			return river.JobSnooze(10 * time.Second)
		case he.Status == http.StatusUnauthorized || he.Status == http.StatusForbidden:
			w.Log.Error("HubSpot refused the token: check HUBSPOT_TOKEN and the private app's scopes (crm.objects.deals.read, crm.objects.owners.read)", "error", err)
		}
	}
	return err
}

func (w *HubSpotWorker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}
