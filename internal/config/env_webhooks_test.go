package config

import (
	"strings"
	"testing"
)

func TestWebhookEnv(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{"HOME": "/h"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	e, err := ReadEnv(env())
	if err != nil || e.Webhooks.Enabled() || e.Webhooks.HubSpot() || e.Webhooks.HubSpotAPIURL != DefaultHubSpotAPIURL || e.RequireWebhooks() != nil {
		t.Fatalf("defaults = %+v, %v", e.Webhooks, err)
	}
	e, _ = ReadEnv(env("VOS_WEBHOOK_ADDR", ":8090"))
	if e.Webhooks.BaseURL() != "http://localhost:8090" {
		t.Errorf("base URL = %s", e.Webhooks.BaseURL())
	}
	e, _ = ReadEnv(env("VOS_WEBHOOK_ADDR", ":8090", "VOS_PUBLIC_URL", "https://vos.example.com/", "VOS_WEBHOOK_SECRET", strings.Repeat("s", 32),
		"HUBSPOT_CLIENT_SECRET", "cs", "HUBSPOT_TOKEN", "pat", "HUBSPOT_API_URL", "http://127.0.0.1:9/"))
	if e.Webhooks.BaseURL() != "https://vos.example.com" || !e.Webhooks.HubSpot() || e.Webhooks.HubSpotAPIURL != "http://127.0.0.1:9" || e.RequireWebhooks() != nil {
		t.Errorf("set = %+v, %v", e.Webhooks, e.RequireWebhooks())
	}
	for _, tt := range []struct {
		kv   []string
		want string
	}{
		{[]string{"VOS_WEBHOOK_ADDR", ":8090"}, "VOS_WEBHOOK_SECRET is not set"},
		{[]string{"VOS_WEBHOOK_ADDR", ":8090", "VOS_WEBHOOK_SECRET", "short"}, "at least 16"},
		{[]string{"VOS_WEBHOOK_ADDR", "8090", "VOS_WEBHOOK_SECRET", strings.Repeat("s", 32)}, "VOS_WEBHOOK_ADDR=\"8090\""},
		{[]string{"VOS_WEBHOOK_ADDR", ":8090", "VOS_WEBHOOK_SECRET", strings.Repeat("s", 32), "HUBSPOT_TOKEN", "pat"}, "both HUBSPOT_CLIENT_SECRET"},
	} {
		e, err := ReadEnv(env(tt.kv...))
		if err == nil {
			err = e.RequireWebhooks()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.kv, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), strings.Repeat("s", 32)) {
			t.Errorf("an error shows the secret: %v", err)
		}
	}
	for _, kv := range [][]string{{"VOS_PUBLIC_URL", "vos.example.com"}, {"HUBSPOT_API_URL", "ftp://x"}} {
		if _, err := ReadEnv(env(kv...)); err == nil || !strings.Contains(err.Error(), kv[0]) {
			t.Errorf("%v accepted: %v", kv, err)
		}
	}
}
