package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
)

func TestHomeEmergingGolden(t *testing.T) {
	t.Parallel()
	emerging := []catalogue.Theme{
		{Key: "emerging_whatsapp_channel", Name: "whatsapp, channel, <!channel>", Size: 12, Examples: []string{"They need WhatsApp & SMS <@U1>"}},
		{Key: "emerging_brazil_hosting", Name: "Data residency in Brazil", Size: 4},
	}
	golden(t, "home_admin_emerging", homeView(homeData{UserID: "U0ADMIN", Admin: true, Emerging: emerging, Catalogue: testReasons, Org: testConfig(t)}))
	golden(t, "home_admin_no_emerging", homeView(homeData{UserID: "U0ADMIN", Admin: true, Catalogue: testReasons, Org: testConfig(t)}))
	// Past 100 catalogue themes, "Merge into…" is a type-ahead.
	golden(t, "home_admin_many_themes", homeView(homeData{UserID: "U0ADMIN", Admin: true, Emerging: emerging[1:], Catalogue: manyReasons(101), Org: testConfig(t)}))
}

func themeStatus(t *testing.T, h *harness, key string) string {
	t.Helper()
	var status string
	if err := h.pool.QueryRow(h.ctx, `SELECT status FROM themes WHERE key = $1`, key).Scan(&status); err != nil {
		t.Fatal(err)
	}
	return status
}

// pressSelect sends a block_actions static select choice.
func (h *harness) pressSelect(user, actionID, value string) {
	h.t.Helper()
	_, err := h.fake.Interaction(h.ctx, slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user}, TriggerID: "select-" + time.Now().Format("150405.000000000"),
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actionID, BlockID: "b",
			SelectedOption: slack.OptionBlockObject{Value: value}}}},
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func TestEmergingThemesFromAppHome(t *testing.T) {
	t.Parallel()
	h := newHarness(t, feedbackOrg)
	cat := []struct{ key, name string }{{"price", "Price or packaging"}, {"missing_feature", "Missing feature"}, {"integration", "Integrations"}}
	for _, c := range cat {
		if _, err := h.pool.Exec(h.ctx, `INSERT INTO themes (key, name, status, origin, created_at, updated_at) VALUES ($1, $2, 'catalogue', 'catalogue', now(), now()) ON CONFLICT DO NOTHING`, c.key, c.name); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.store.Catalogue.AddEmerging(h.ctx, []catalogue.Emerging{
		{Name: "whatsapp channel", Size: 9, Examples: []string{"WhatsApp is how their buyers talk"}, Origin: catalogue.MethodOffline},
		{Name: "per seat pricing", Size: 5, Origin: catalogue.MethodOffline},
		{Name: "brazil hosting", Size: 3, Origin: catalogue.MethodLLM},
	}); err != nil {
		t.Fatal(err)
	}
	wa, seat, br := catalogue.EmergingKey("whatsapp channel"), catalogue.EmergingKey("per seat pricing"), catalogue.EmergingKey("brazil hosting")

	// Admins see the section; reps do not.
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": "U0ADMIN", "channel": "D0ADMIN", "tab": "home"}); err != nil {
		t.Fatal(err)
	}
	home, err := h.fake.WaitHome(h.ctx, "U0ADMIN", func(v json.RawMessage) bool { return strings.Contains(string(v), "Emerging themes") })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(home), "whatsapp channel") || !strings.Contains(string(home), themeMerge) {
		t.Errorf("admin home lacks the emerging theme or its actions: %s", home)
	}
	if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": "U0REP", "channel": "D0REP", "tab": "home"}); err != nil {
		t.Fatal(err)
	}
	repHome, err := h.fake.WaitHome(h.ctx, "U0REP", func(json.RawMessage) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(repHome), "Emerging themes") {
		t.Errorf("a rep sees the admins' section: %s", repHome)
	}

	// A rep pressing a forged Accept is told who may, and nothing changes.
	h.press("U0REP", "D0REP", themeAccept, wa)
	h.dms("U0REP", 1, containing("Only vosbot admins"))
	if s := themeStatus(t, h, wa); s != catalogue.StatusEmerging {
		t.Fatalf("after a rep's press the theme is %s", s)
	}
	// The admin accepts one, dismisses one and merges one into a catalogue theme.
	h.press("U0ADMIN", "D0ADMIN", themeAccept, wa)
	h.press("U0ADMIN", "D0ADMIN", themeDismiss, br)
	h.pressSelect("U0ADMIN", themeMerge, seat+mergeSep+"price")
	want := map[string]string{wa: catalogue.StatusCatalogue, br: catalogue.StatusDismissed, seat: catalogue.StatusMerged}
	deadline := time.Now().Add(10 * time.Second)
	for key, status := range want {
		for themeStatus(t, h, key) != status && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := themeStatus(t, h, key); got != status {
			t.Errorf("%s: status %s, want %s", key, got, status)
		}
	}
	// Pressing Accept again on a decided theme changes nothing and says so.
	h.press("U0ADMIN", "D0ADMIN", themeAccept, br)
	h.dms("U0ADMIN", 1, containing("no longer waiting"))
	if s := themeStatus(t, h, br); s != catalogue.StatusDismissed {
		t.Errorf("a dismissed theme became %s", s)
	}
	// The accepted theme is one of the catalogue now: reps can pick it as a reason.
	_, trigger := h.slash(feedbackCommand, "U0REP", "lost Initech")
	view, _ := h.openedView(trigger)
	if !strings.Contains(string(view.Body), wa) {
		t.Fatalf("the modal does not offer the accepted theme %s", wa)
	}
	st := feedbackState("lost", "Initech")
	st.Values[feedback.FieldReasons] = map[string]slack.BlockAction{feedback.FieldReasons: {SelectedOptions: []slack.OptionBlockObject{{Value: wa}}}}
	if resp := h.submit("U0REP", slack.View{ID: view.ID, CallbackID: feedbackCallback, State: st}); resp != nil {
		t.Fatalf("submission with the accepted theme refused: %+v", resp)
	}
	var reasons []string
	if err := h.pool.QueryRow(h.ctx, `SELECT reasons FROM feedback WHERE account = 'Initech'`).Scan(&reasons); err != nil || len(reasons) != 1 || reasons[0] != wa {
		t.Errorf("stored reasons = %v, %v", reasons, err)
	}

	// A forged merge into something outside the catalogue, or without a target, is
	// refused: the admin is told nothing changed (the handler's last word, so the
	// statuses are final when it arrives), and nothing did.
	for i, forged := range []string{seat + mergeSep + "nope", seat, mergeSep + "price" + mergeSep} {
		if _, err := h.pool.Exec(h.ctx, `UPDATE themes SET status = 'emerging', merged_into = NULL WHERE key = $1`, seat); err != nil {
			t.Fatal(err)
		}
		h.pressSelect("U0ADMIN", themeMerge, forged)
		h.dms("U0ADMIN", i+1, containing("That merge target is not a theme of the catalogue"))
		if s := themeStatus(t, h, seat); s != catalogue.StatusEmerging {
			t.Errorf("the forged merge %q changed the emerging theme to %s", forged, s)
		}
		var merged int
		if err := h.pool.QueryRow(h.ctx, `SELECT count(*) FROM themes WHERE merged_into IS NOT NULL AND key <> $1`, seat).Scan(&merged); err != nil || merged != 0 {
			t.Errorf("the forged merge %q merged %d other themes (%v)", forged, merged, err)
		}
	}
}
