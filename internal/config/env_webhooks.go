package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultHubSpotAPIURL is HubSpot's own API.
const DefaultHubSpotAPIURL = "https://api.hubapi.com"

// minWebhookSecret is the shortest VOS_WEBHOOK_SECRET accepted: a shared HMAC key
// anyone could guess is no key.
const minWebhookSecret = 16

// Webhooks is the public listener of the CRM webhooks: where it listens, the secrets
// that verify what arrives there, and the HubSpot API the deals are read from. The
// secrets are never logged.
type Webhooks struct {
	// Addr is VOS_WEBHOOK_ADDR, "off" (the default) when there is no listener.
	Addr string
	// Secret is VOS_WEBHOOK_SECRET, the HMAC key of POST /hooks/deals.
	Secret string
	// PublicURL is VOS_PUBLIC_URL without a trailing slash, "" when unset: HubSpot's
	// signed URI is rebuilt from the request then.
	PublicURL string
	// HubSpotSecret verifies X-HubSpot-Signature-v3; HubSpotToken reads the CRM API.
	HubSpotSecret string
	HubSpotToken  string
	HubSpotAPIURL string
}

// Enabled reports whether the listener runs.
func (w Webhooks) Enabled() bool { return w.Addr != "off" }

// HubSpot reports whether POST /hooks/hubspot is served: both secret and token set.
func (w Webhooks) HubSpot() bool { return w.HubSpotSecret != "" && w.HubSpotToken != "" }

// BaseURL is where the listener is reached from outside: VOS_PUBLIC_URL, else
// http:// and VOS_WEBHOOK_ADDR (localhost for an address without a host).
func (w Webhooks) BaseURL() string {
	if w.PublicURL != "" {
		return w.PublicURL
	}
	host, port, err := net.SplitHostPort(w.Addr)
	if err != nil {
		return "http://" + w.Addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func readWebhooks(getenv func(string) string) (Webhooks, error) {
	w := Webhooks{
		Addr:          strings.TrimSpace(getenv("VOS_WEBHOOK_ADDR")),
		Secret:        getenv("VOS_WEBHOOK_SECRET"),
		PublicURL:     strings.TrimRight(strings.TrimSpace(getenv("VOS_PUBLIC_URL")), "/"),
		HubSpotSecret: strings.TrimSpace(getenv("HUBSPOT_CLIENT_SECRET")),
		HubSpotToken:  strings.TrimSpace(getenv("HUBSPOT_TOKEN")),
		HubSpotAPIURL: strings.TrimRight(strings.TrimSpace(getenv("HUBSPOT_API_URL")), "/"),
	}
	if w.Addr == "" {
		w.Addr = "off"
	}
	if w.HubSpotAPIURL == "" {
		w.HubSpotAPIURL = DefaultHubSpotAPIURL
	}
	if w.PublicURL != "" {
		u, err := url.Parse(w.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return w, fmt.Errorf("VOS_PUBLIC_URL=%q: use the public base URL of VOS_WEBHOOK_ADDR, such as https://vos.example.com", w.PublicURL)
		}
	}
	u, err := url.Parse(w.HubSpotAPIURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return w, fmt.Errorf("HUBSPOT_API_URL=%q: use a URL such as %s", w.HubSpotAPIURL, DefaultHubSpotAPIURL)
	}
	return w, nil
}

// RequireWebhooks checks what the listener needs when VOS_WEBHOOK_ADDR is set.
func (e Env) RequireWebhooks() error {
	w := e.Webhooks
	if !w.Enabled() {
		return nil
	}
	if _, _, err := net.SplitHostPort(w.Addr); err != nil {
		return fmt.Errorf("VOS_WEBHOOK_ADDR=%q: use a listen address such as :8090 (or off)", w.Addr)
	}
	if w.Secret == "" {
		return errors.New("VOS_WEBHOOK_SECRET is not set: VOS_WEBHOOK_ADDR needs the shared secret that signs POST /hooks/deals (generate one with: openssl rand -hex 32)")
	}
	if len(w.Secret) < minWebhookSecret {
		return fmt.Errorf("VOS_WEBHOOK_SECRET is %d characters: use at least %d random ones (openssl rand -hex 32)", len(w.Secret), minWebhookSecret)
	}
	if (w.HubSpotSecret == "") != (w.HubSpotToken == "") {
		return errors.New("set both HUBSPOT_CLIENT_SECRET (verifies HubSpot's webhooks) and HUBSPOT_TOKEN (reads the deals), or neither")
	}
	return nil
}
