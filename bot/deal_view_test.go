package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

func sampleDeal(id int64, status feedback.DealStatus) feedback.Deal {
	return feedback.Deal{
		ID: id, CRM: "salesforce", DealID: "0065g00000XyZ1", Account: "Acme <!channel> & Co", Outcome: feedback.Lost,
		Amount: &feedback.Amount{Cents: 5_200_050}, Currency: "USD", ClosedAt: time.Date(2026, 11, 20, 14, 0, 0, 0, time.UTC),
		OwnerEmail: "jane@acme.com", OwnerID: "U0JANE", CRMURL: "https://acme.my.salesforce.com/0065g00000XyZ1?a=1&b=2", Status: status,
	}
}

func TestDealViewsGolden(t *testing.T) {
	t.Parallel()
	text, blocks := dealNudgeMessage(sampleDeal(9, feedback.DealWaiting))
	golden(t, "deal_nudge_dm", map[string]any{"text": text, "blocks": blocks})
	filed := sampleDeal(9, feedback.DealFiled)
	text, blocks = dealAnsweredMessage(filed)
	golden(t, "deal_nudge_dm_filed", map[string]any{"text": text, "blocks": blocks})
	skipped := sampleDeal(9, feedback.DealSkipped)
	skipped.SkipReason = feedback.SkipNoContact
	text, blocks = dealAnsweredMessage(skipped)
	golden(t, "deal_nudge_dm_skipped", map[string]any{"text": text, "blocks": blocks})

	var many []feedback.Deal
	for i := range 17 {
		d := sampleDeal(int64(100+i), feedback.DealNudged)
		if i%2 == 1 {
			d.Outcome, d.Amount, d.CRM, d.CRMURL = feedback.Won, nil, "hubspot", ""
		}
		many = append(many, d)
	}
	text, blocks = dealReminderMessage(many)
	golden(t, "deal_reminder_dm", map[string]any{"text": text, "blocks": blocks})
	if len(blocks) > 50 {
		t.Errorf("reminder of 17 deals has %d blocks", len(blocks))
	}

	unknown := sampleDeal(12, feedback.DealWaiting)
	unknown.OwnerID, unknown.OwnerUnknown = "", "ghost@acme.com is not the e-mail of anyone in Slack"
	golden(t, "home_deals_admin", homeView(homeData{UserID: "U0ADMIN", Catalogue: testReasons, Org: testConfig(t), Admin: true,
		Deals: many[:7], UnknownOwners: []feedback.Deal{unknown}}))

	nudged := sampleDeal(9, feedback.DealNudged)
	golden(t, "feedback_modal_deal", feedbackModal(feedbackForm{Draft: feedback.Draft{Outcome: "lost", Account: nudged.Account, DealValue: "52,000.50",
		Currency: "USD", CRMURL: nudged.CRMURL, Source: feedback.SourceDealNudge, DealID: 9}, Reasons: testReasons, Currency: "EUR", Deal: &nudged}))
	golden(t, "feedback_modal_deal_choice", feedbackModal(feedbackForm{Draft: feedback.Draft{Outcome: "lost", Account: "acme", Source: feedback.SourceSlashCommand},
		Reasons: testReasons, Currency: "USD", DealChoices: []feedback.Deal{nudged}}))
}

// TestDealViewsEscape: an account with Slack markup reaches no message as markup.
func TestDealViewsEscape(t *testing.T) {
	t.Parallel()
	d := sampleDeal(9, feedback.DealNudged)
	d.Account, d.DealID, d.OwnerUnknown = "<!channel> <@U0CEO> <https://evil|click> & co", "<!here>", "<!everyone>"
	var parts []any
	text, blocks := dealNudgeMessage(d)
	parts = append(parts, text, blocks)
	text, blocks = dealReminderMessage([]feedback.Deal{d})
	parts = append(parts, text, blocks)
	parts = append(parts, dealHomeBlocks([]feedback.Deal{d}, []feedback.Deal{d}, true))
	for _, p := range parts {
		b, _ := json.Marshal(p)
		s := readable(b)
		for _, bad := range []string{"<!channel>", "<@U0CEO>", "<https://evil", "<!here>", "<!everyone>"} {
			if strings.Contains(s, bad) {
				t.Errorf("%s reached a message unescaped: %s", bad, s)
			}
		}
	}
}
