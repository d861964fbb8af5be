package crm_test

import (
	"encoding/json"
	"testing"
	"unicode/utf8"

	"github.com/vosbot/vosbot/crm"
)

// FuzzParseDealHook: any body never panics the parser; what it accepts has every
// required field present, and the same deal written back as JSON parses to the same
// thing (nothing is invented or dropped on the way).
func FuzzParseDealHook(f *testing.F) {
	for _, s := range []string{
		`{"crm":"salesforce","deal_id":"006A","account":"Acme","outcome":"won"}`,
		`{"crm":"hubspot","deal_id":42,"account":"A <!channel>","outcome":"lost","amount":52000.5,"currency":"EUR","closed_at":"2026-11-20T14:00:00Z","owner_email":"a@b.c","owner_slack_id":"U1","crm_url":"https://x"}`,
		`{"crm":"x","deal_id":"1","account":"A","outcome":"won","amount":"1e3"}`,
		`{"crm":"x","deal_id":1.5,"account":"A","outcome":"won"}`,
		`{"crm":"x","deal_id":null,"account":"A","outcome":"won"}`,
		`{"crm":"x"} {"crm":"y"}`, `[]`, `null`, `"x"`, `{"crm":1}`, `{"amount":{}}`, ``, `{`,
		"{\"crm\":\"\xff\",\"deal_id\":\"1\",\"account\":\"A\",\"outcome\":\"won\"}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := crm.ParseDealHook(body)
		if err != nil {
			if err.Error() == "" || !utf8.ValidString(err.Error()) && utf8.Valid(body) {
				t.Fatalf("unhelpful error %q", err)
			}
			return
		}
		if in.DealID == "" && string(body) != "" {
			// deal_id present but "" is the domain's to refuse; present it must be.
			var m map[string]json.RawMessage
			if json.Unmarshal(body, &m) == nil && m["deal_id"] == nil {
				t.Fatalf("accepted without deal_id: %s", body)
			}
		}
		again, err := json.Marshal(map[string]string{
			"crm": in.CRM, "deal_id": in.DealID, "account": in.Account, "outcome": in.Outcome, "amount": in.Amount,
			"currency": in.Currency, "closed_at": in.ClosedAt, "owner_email": in.OwnerEmail, "owner_slack_id": in.OwnerSlackID, "crm_url": in.CRMURL,
		})
		if err != nil {
			t.Fatal(err)
		}
		in2, err := crm.ParseDealHook(again)
		if err != nil {
			t.Fatalf("written back %s: %v", again, err)
		}
		if utf8.Valid(body) && in2 != in {
			t.Fatalf("round trip changed the deal:\n%+v\n%+v", in, in2)
		}
	})
}

// FuzzParseHubSpotEvents: any body never panics, and every event returned is a deal's.
func FuzzParseHubSpotEvents(f *testing.F) {
	f.Add([]byte(`[{"eventId":1,"subscriptionId":2,"portalId":3,"occurredAt":4,"subscriptionType":"deal.propertyChange","objectId":42,"propertyName":"hs_is_closed","propertyValue":"true"}]`))
	f.Add([]byte(`[{"objectId":"x"},{"objectId":-1,"subscriptionType":"deal.creation"},1,null]`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, _, err := crm.ParseHubSpotEvents(body)
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.CRM != "hubspot" || e.DealID == "" || e.Key == "" || e.DealID[0] == '-' || e.DealID[0] == '0' {
				t.Fatalf("event %+v", e)
			}
		}
	})
}
