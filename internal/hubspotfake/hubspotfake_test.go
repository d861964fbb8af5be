package hubspotfake

import (
	"encoding/json"
	"net/http"
	"testing"
)

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

func TestStrictAboutTheToken(t *testing.T) {
	t.Parallel()
	s := New(Options{})
	defer s.Close()
	s.PutDeal("42", map[string]string{"dealname": "Acme", "amount": "1000"})
	for _, tok := range []string{"", "pat-na1-wrong"} {
		code, body := get(t, s.URL()+"/crm/v3/objects/deals/42", tok)
		if code != http.StatusUnauthorized || body["category"] != "INVALID_AUTHENTICATION" {
			t.Errorf("token %q: %d %v", tok, code, body)
		}
	}
	code, body := get(t, s.URL()+"/crm/v3/objects/deals/42?properties=dealname,hs_is_closed", s.Token())
	props, _ := body["properties"].(map[string]any)
	if code != http.StatusOK || props["dealname"] != "Acme" || props["hs_is_closed"] != nil || props["hs_object_id"] != "42" {
		t.Errorf("deal: %d %v", code, body)
	}
	if _, asked := props["amount"]; asked {
		t.Error("a property not asked for was returned")
	}
	if code, _ := get(t, s.URL()+"/crm/v3/objects/deals/43", s.Token()); code != http.StatusNotFound {
		t.Errorf("unknown deal: %d", code)
	}
	if code, _ := get(t, s.URL()+"/crm/v3/owners/7", s.Token()); code != http.StatusNotFound {
		t.Errorf("unknown owner: %d", code)
	}
	s.PutOwner(Owner{ID: "7", Email: "jane@acme.com"})
	s.FailNext("/crm/v3/owners/", 1, http.StatusInternalServerError)
	if code, _ := get(t, s.URL()+"/crm/v3/owners/7", s.Token()); code != http.StatusInternalServerError {
		t.Errorf("injected failure: %d", code)
	}
	if code, body := get(t, s.URL()+"/crm/v3/owners/7", s.Token()); code != http.StatusOK || body["email"] != "jane@acme.com" {
		t.Errorf("owner: %d %v", code, body)
	}
	if n := len(s.Calls()); n != 7 {
		t.Errorf("%d calls recorded, want 7", n)
	}
}
