package bot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/crm"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/internal/hubspotfake"
	"github.com/vosbot/vosbot/internal/slackfake"
)

const (
	hookSecret      = "whsec-e2e-0123456789abcdef"
	hubspotSecret   = "hs-client-secret-e2e"
	hubspotHookPath = "/hooks/hubspot"
)

// dealRig is the bot harness with the CRM webhook listener on a loopback HTTP server,
// a fake HubSpot, and River working the CRM queue with the HubSpot adapter.
type dealRig struct {
	*harness
	hookURL string
	hs      *hubspotfake.Server
	org     *feedback.Org
}

func dealTestOrg() *feedback.Org {
	o := feedbacktest.Org()
	o.Deals = feedback.DealPolicy{NudgeAfter: time.Hour, NudgeWithin: 336 * time.Hour, Owners: map[string]string{"mapped@acme.com": "U0MAPPED"}}
	return o
}

func newDealRig(t *testing.T) *dealRig {
	t.Helper()
	org := dealTestOrg()
	r := &dealRig{harness: newHarness(t, org), org: org, hs: hubspotfake.New(hubspotfake.Options{})}
	t.Cleanup(r.hs.Close)
	srv := httptest.NewServer(crm.NewHandler(crm.Options{Store: r.store, Org: org, Secret: hookSecret, HubSpotSecret: hubspotSecret, Log: r.bot.log}))
	t.Cleanup(srv.Close)
	r.hookURL = srv.URL
	workers := river.NewWorkers()
	river.AddWorker(workers, &crm.HubSpotWorker{Client: crm.NewHubSpotClient(r.hs.URL(), r.hs.Token(), nil), Store: r.store, Org: org,
		Log: r.bot.log, Now: time.Now, RetryAfter: func(int) time.Duration { return 100 * time.Millisecond }})
	crmJobs, err := river.NewClient(riverpgxv5.New(r.pool), &river.Config{
		Workers: workers, Queues: map[string]river.QueueConfig{feedback.QueueCRM: {MaxWorkers: 2}},
		FetchPollInterval: 50 * time.Millisecond, FetchCooldown: 10 * time.Millisecond, Logger: r.bot.log,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := crmJobs.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = crmJobs.Stop(ctx)
	})
	return r
}

// postDeal signs a deal as a CRM's HTTP callout would and posts it.
func (r *dealRig) postDeal(fields map[string]any) (int, string) {
	r.t.Helper()
	body, _ := json.Marshal(fields)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(hookSecret))
	mac.Write([]byte(ts + "." + string(body)))
	req, _ := http.NewRequest(http.MethodPost, r.hookURL+"/hooks/deals", bytes.NewReader(body))
	req.Header.Set(crm.HeaderTimestamp, ts)
	req.Header.Set(crm.HeaderSignature, "v1="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// closedDeal is a deal closed two hours before the test clock: its nudge is due.
func (r *dealRig) closedDeal(id, account, outcome string, extra map[string]any) map[string]any {
	m := map[string]any{"crm": "salesforce", "deal_id": id, "account": account, "outcome": outcome, "amount": 52000.5, "currency": "USD",
		"closed_at": r.clock.Now().Add(-2 * time.Hour).Format(time.RFC3339), "crm_url": "https://acme.my.salesforce.com/" + id}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func isNudge(m slackfake.Message) bool {
	return strings.Contains(readable(m.Blocks), dealFileAction) && strings.Contains(m.Text, "What did the buyer tell you")
}

func (r *dealRig) deal(crmName, id string) feedback.Deal {
	r.t.Helper()
	d, err := r.store.DealByCRM(r.ctx, crmName, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return d
}

// pressSelect sends a block_actions choice from a static select.
func (r *dealRig) pressSelect(user, channel, actionID, value string) {
	r.t.Helper()
	_, err := r.fake.Interaction(r.ctx, slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user}, TriggerID: "sel-" + time.Now().Format("150405.000000000"),
		Channel:        slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: channel}}},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actionID, BlockID: "b", SelectedOption: slack.OptionBlockObject{Value: value}}}},
	})
	if err != nil {
		r.t.Fatal(err)
	}
}

// eventually polls cond until it holds (a job's effect), failing after 15 s.
func (r *dealRig) eventually(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("waited 15 s for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func TestDealClosedToFeedbackEndToEnd(t *testing.T) {
	t.Parallel()
	r := newDealRig(t)
	r.fake.AddUser(slackfake.User{ID: "U0JANE", Email: "jane@acme.com"})
	fields := r.closedDeal("006A", "Acme <!channel> & Co", "lost", map[string]any{"owner_email": "Jane@Acme.com"})
	if code, out := r.postDeal(fields); code != http.StatusAccepted || !strings.Contains(out, `"change":"created"`) {
		t.Fatalf("webhook: %d %s", code, out)
	}
	// The CRM sends the same deal again (its own retry, the same second or later): still one DM.
	if code, out := r.postDeal(fields); code != http.StatusAccepted || !(strings.Contains(out, `"change":"unchanged"`) || strings.Contains(out, `"change":"duplicate"`)) {
		t.Fatalf("repeat: %d %s", code, out)
	}
	dm := r.dms("U0JANE", 1, isNudge)[0]
	if !strings.Contains(dm.Text, "Acme &lt;!channel&gt; &amp; Co") || !strings.Contains(readable(dm.Blocks), "USD 52,000.50") ||
		strings.Contains(readable(dm.Blocks), "<!channel>") {
		t.Errorf("nudge = %s / %s", dm.Text, dm.Blocks)
	}
	if n := len(r.fake.Calls("users.lookupByEmail")); n != 1 {
		t.Errorf("%d e-mail look-ups, want 1", n)
	}
	// The DM goes out inside the nudge's transaction, which commits just after.
	r.eventually("the deal nudged", func() bool { return r.deal("salesforce", "006A").Status == feedback.DealNudged })
	d := r.deal("salesforce", "006A")
	if d.OwnerID != "U0JANE" || d.NudgedAt == nil {
		t.Fatalf("deal after the nudge: %+v", d)
	}
	id := strconv.FormatInt(d.ID, 10)

	// Someone else pressing the button (a forwarded message, a forged payload) is refused.
	r.press("U0OTHER", "D0OTHER", dealFileAction, id)
	r.dms("U0OTHER", 1, containing("only they (or an admin)"))

	trigger := r.press("U0JANE", "D0JANE", dealFileAction, id)
	v, m := r.openedView(trigger)
	for block, want := range map[string]string{
		feedback.FieldOutcome: "lost", feedback.FieldAccount: "Acme <!channel> & Co", feedback.FieldDealValue: "52,000.50",
		feedback.FieldCurrency: "USD", feedback.FieldCRMURL: "https://acme.my.salesforce.com/006A",
	} {
		if got := initial(m, block); got != want {
			t.Errorf("modal %s pre-filled %q, want %q", block, got, want)
		}
	}
	var meta feedbackMeta
	if err := json.Unmarshal([]byte(m.PrivateMetadata), &meta); err != nil || meta.DealID != d.ID || meta.Source != feedback.SourceDealNudge {
		t.Errorf("modal metadata %s", m.PrivateMetadata)
	}
	st := state(map[string]slack.BlockAction{
		feedback.FieldOutcome:   {SelectedOption: slack.OptionBlockObject{Value: initial(m, feedback.FieldOutcome)}},
		feedback.FieldAccount:   {Value: initial(m, feedback.FieldAccount)},
		feedback.FieldDealValue: {Value: initial(m, feedback.FieldDealValue)},
		feedback.FieldCurrency:  {SelectedOption: slack.OptionBlockObject{Value: initial(m, feedback.FieldCurrency)}},
		feedback.FieldCRMURL:    {Value: initial(m, feedback.FieldCRMURL)},
		feedback.FieldReasons:   {SelectedOptions: []slack.OptionBlockObject{{Value: "price"}}},
		feedback.FieldWhatDidnt: {Value: "Their CFO froze the budget"},
	})
	if resp := r.submit("U0JANE", slack.View{ID: v.ID, CallbackID: feedbackCallback, PrivateMetadata: m.PrivateMetadata, State: st}); resp != nil {
		t.Fatalf("submission answered %+v", resp)
	}
	r.dms("U0JANE", 1, containing("Saved your feedback"))
	items, err := r.store.RecentFeedback(r.ctx, "U0JANE", 5)
	if err != nil || len(items) != 1 {
		t.Fatalf("feedback %v %v", items, err)
	}
	f := items[0]
	if f.DealID != d.ID || f.Source != feedback.SourceDealNudge || f.Outcome != feedback.Lost || f.DealValue.Cents != 5_200_050 || f.Account != "Acme <!channel> & Co" {
		t.Errorf("feedback %+v", f)
	}
	if d := r.deal("salesforce", "006A"); d.Status != feedback.DealFiled || d.FeedbackCount != 1 {
		t.Errorf("deal after filing: %s, %d items", d.Status, d.FeedbackCount)
	}
	// The nudge loses its buttons, so nobody files twice from it.
	r.eventually("the nudge updated", func() bool {
		for _, msg := range r.fake.Messages("U0JANE") {
			if msg.TS == dm.TS {
				return msg.Updates > 0 && !strings.Contains(readable(msg.Blocks), dealFileAction) && strings.Contains(msg.Text, "Feedback filed")
			}
		}
		return false
	})
	// Pressing File again says it is filed.
	r.press("U0JANE", "D0JANE", dealFileAction, id)
	r.dms("U0JANE", 1, containing("filed already"))
	nudges := 0
	for _, c := range r.fake.Calls("chat.postMessage") {
		if c.Param("channel") == "U0JANE" && strings.Contains(c.Param("text"), "What did the buyer tell you") {
			nudges++
		}
	}
	if nudges != 1 {
		t.Errorf("%d nudges, want 1", nudges)
	}
}

func TestDealSkip(t *testing.T) {
	t.Parallel()
	r := newDealRig(t)
	if code, out := r.postDeal(r.closedDeal("006S", "Globex", "won", map[string]any{"owner_email": "mapped@acme.com"})); code != http.StatusAccepted {
		t.Fatalf("%d %s", code, out)
	}
	dm := r.dms("U0MAPPED", 1, isNudge)[0]
	if n := len(r.fake.Calls("users.lookupByEmail")); n != 0 {
		t.Errorf("the configured owner was looked up in Slack %d times", n)
	}
	r.eventually("the deal nudged", func() bool { return r.deal("salesforce", "006S").Status == feedback.DealNudged })
	id := r.deal("salesforce", "006S").ID
	r.pressSelect("U0OTHER", "D0OTHER", dealSkipAction, fmt.Sprintf("%d:%s", id, feedback.SkipNotMyDeal))
	r.dms("U0OTHER", 1, containing("only they (or an admin)"))
	if d := r.deal("salesforce", "006S"); d.Status != feedback.DealNudged {
		t.Fatalf("skipped by someone else: %s", d.Status)
	}
	r.pressSelect("U0MAPPED", "D0MAPPED", dealSkipAction, fmt.Sprintf("%d:%s", id, feedback.SkipNotMyDeal))
	r.eventually("the deal skipped", func() bool { return r.deal("salesforce", "006S").Status == feedback.DealSkipped })
	if d := r.deal("salesforce", "006S"); d.SkipReason != feedback.SkipNotMyDeal {
		t.Errorf("skip reason %q", d.SkipReason)
	}
	r.eventually("the nudge updated", func() bool {
		for _, msg := range r.fake.Messages("U0MAPPED") {
			if msg.TS == dm.TS {
				return strings.Contains(msg.Text, "Skipped: not my deal") && !strings.Contains(readable(msg.Blocks), dealSkipAction)
			}
		}
		return false
	})
	evs, _ := r.store.DealEvents(r.ctx, id)
	if last := evs[len(evs)-1]; last.Action != "skipped" || last.ActorID != "U0MAPPED" || last.Note != "Not my deal" {
		t.Errorf("last event %+v", last)
	}
}

func TestDealOwnerNotFoundListedForAdmins(t *testing.T) {
	t.Parallel()
	r := newDealRig(t)
	for _, id := range []string{"006G1", "006G2"} {
		if code, out := r.postDeal(r.closedDeal(id, "Initech "+id, "lost", map[string]any{"owner_email": "ghost@acme.com"})); code != http.StatusAccepted {
			t.Fatalf("%d %s", code, out)
		}
	}
	r.eventually("both owners marked unknown", func() bool {
		ds, _ := r.store.UnknownOwnerDeals(r.ctx, 10)
		return len(ds) == 2
	})
	if n := len(r.fake.Calls("users.lookupByEmail")); n != 1 {
		t.Errorf("%d look-ups of the same unknown e-mail, want 1 (cached)", n)
	}
	home, err := r.fake.WaitHome(r.ctx, "U0ADMIN", func(v json.RawMessage) bool { return strings.Contains(string(v), "Initech 006G2") })
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(home), "ghost@acme.com is not the e-mail of anyone in Slack") || !strings.Contains(string(home), "deals.owners") {
		t.Errorf("admin home = %s", home)
	}
	if got := counterValue(t, r.bot.deals.unknown); got != 2 {
		t.Errorf("unknown owners counted %v, want 2", got)
	}
	for _, msg := range r.fake.Calls("chat.postMessage") {
		if strings.Contains(msg.Param("text"), "What did the buyer tell you") {
			t.Errorf("a nudge went out without an owner: %v", msg.Param("channel"))
		}
	}
}

func TestDealOwnerSlackCannotReach(t *testing.T) {
	t.Parallel()
	r := newDealRig(t)
	r.fake.SetChannelError("U0LEFT", "account_inactive")
	if code, out := r.postDeal(r.closedDeal("006X", "Vandelay", "won", map[string]any{"owner_slack_id": "U0LEFT"})); code != http.StatusAccepted {
		t.Fatalf("%d %s", code, out)
	}
	r.eventually("the owner marked unknown", func() bool {
		ds, _ := r.store.UnknownOwnerDeals(r.ctx, 10)
		return len(ds) == 1 && strings.Contains(ds[0].OwnerUnknown, "Slack cannot write to U0LEFT (account_inactive)")
	})
	var state string
	var attempt int
	r.eventually("the nudge job finished", func() bool {
		_ = r.pool.QueryRow(r.ctx, `SELECT state, attempt FROM river_job WHERE kind = 'deal_nudge'`).Scan(&state, &attempt)
		return state != "running" && state != "available"
	})
	if state != "completed" || attempt != 1 {
		t.Errorf("nudge job %s after %d attempts, want completed at once (retrying changes nothing)", state, attempt)
	}
}

func TestDealReminderListsAndExpiry(t *testing.T) {
	t.Parallel()
	r := newDealRig(t)
	for i, owner := range []string{"U0MAYA", "U0MAYA", "U0MAYA", "U0OLIVIA"} {
		id := fmt.Sprintf("006R%d", i)
		if code, out := r.postDeal(r.closedDeal(id, "Account "+id, "won", map[string]any{"owner_slack_id": owner})); code != http.StatusAccepted {
			t.Fatalf("%d %s", code, out)
		}
	}
	r.dms("U0MAYA", 3, isNudge)
	r.dms("U0OLIVIA", 1, isNudge)
	r.eventually("the four deals nudged", func() bool {
		var n int
		_ = r.pool.QueryRow(r.ctx, `SELECT count(*) FROM deals WHERE status = 'nudged'`).Scan(&n)
		return n == 4
	})
	// The next weekday's reminder, 18 hours later: one DM per rep listing all their deals.
	r.clock.Set(r.clock.Now().Add(18 * time.Hour))
	for range 2 { // a second sweep the same day (another replica) sends nothing more
		if n, err := r.store.EnqueueDealReminders(r.ctx, r.org); err != nil || n != 2 {
			t.Fatalf("reminders enqueued %d, %v", n, err)
		}
	}
	reminder := r.dms("U0MAYA", 1, containing("still waiting for your feedback"))[0]
	if !strings.HasPrefix(reminder.Text, "3 closed deals") || strings.Count(readable(reminder.Blocks), dealFileAction) != 3 {
		t.Errorf("maya's reminder = %s / %s", reminder.Text, reminder.Blocks)
	}
	r.dms("U0OLIVIA", 1, containing("1 closed deal still waiting"))
	r.eventually("the reminder jobs done", func() bool {
		var n int
		_ = r.pool.QueryRow(r.ctx, `SELECT count(*) FROM river_job WHERE kind = 'deal_reminder' AND state <> 'completed'`).Scan(&n)
		return n == 0
	})
	count := func(user string) int {
		n := 0
		for _, m := range r.fake.Messages(user) {
			if strings.Contains(m.Text, "still waiting for your feedback") {
				n++
			}
		}
		return n
	}
	if count("U0MAYA") != 1 || count("U0OLIVIA") != 1 {
		t.Errorf("reminders: maya %d, olivia %d; want one each", count("U0MAYA"), count("U0OLIVIA"))
	}
	// Two weeks after the close nobody is asked any more.
	r.clock.Set(r.clock.Now().Add(14 * 24 * time.Hour))
	if n, err := r.store.ExpireDeals(r.ctx, r.org); err != nil || n != 4 {
		t.Fatalf("expired %d, %v", n, err)
	}
	if ds, _ := r.store.WaitingDeals(r.ctx, "U0MAYA", 10); len(ds) != 0 {
		t.Errorf("maya still has %d waiting deals", len(ds))
	}
	if n, _ := r.store.EnqueueDealReminders(r.ctx, r.org); n != 0 {
		t.Errorf("%d reminders about expired deals", n)
	}
}

func TestSlashCommandOffersWaitingDeal(t *testing.T) {
	t.Parallel()
	r := newDealRig(t)
	if code, out := r.postDeal(r.closedDeal("006L", "Acme Inc.", "lost", map[string]any{"owner_slack_id": "U0REP"})); code != http.StatusAccepted {
		t.Fatalf("%d %s", code, out)
	}
	r.dms("U0REP", 1, isNudge)
	d := r.deal("salesforce", "006L")
	_, trigger := r.slash("/prospect-feedback", "U0REP", "lost ACME")
	v, m := r.openedView(trigger)
	if got := initial(m, dealLinkBlock); got != strconv.FormatInt(d.ID, 10) {
		t.Fatalf("deal offered %q, want %d: %s", got, d.ID, v.Body)
	}
	// Another rep typing the same account is not offered someone else's deal.
	_, trigger = r.slash("/prospect-feedback", "U0OTHER", "lost Acme")
	if _, m2 := r.openedView(trigger); initial(m2, dealLinkBlock) != "" {
		t.Error("another rep was offered the deal")
	}
	st := feedbackState("lost", "ACME")
	st.Values[dealLinkBlock] = map[string]slack.BlockAction{dealLinkBlock: {SelectedOption: slack.OptionBlockObject{Value: strconv.FormatInt(d.ID, 10)}}}
	// A forged submission by another rep naming the deal is refused on the form.
	if resp := r.submit("U0OTHER", slack.View{ID: "VFORGED", CallbackID: feedbackCallback, PrivateMetadata: `{"source":"slash_command"}`, State: st}); resp == nil || resp.Errors[dealLinkBlock] == "" {
		t.Fatalf("forged link answered %+v", resp)
	}
	if resp := r.submit("U0REP", slack.View{ID: v.ID, CallbackID: feedbackCallback, PrivateMetadata: m.PrivateMetadata, State: st}); resp != nil {
		t.Fatalf("submission answered %+v", resp)
	}
	items, _ := r.store.RecentFeedback(r.ctx, "U0REP", 5)
	if len(items) != 1 || items[0].DealID != d.ID || items[0].Source != feedback.SourceSlashCommand {
		t.Fatalf("feedback %+v", items)
	}
	if d := r.deal("salesforce", "006L"); d.Status != feedback.DealFiled {
		t.Errorf("deal %s", d.Status)
	}
}

func TestHubSpotDealNudgesItsOwner(t *testing.T) {
	t.Parallel()
	r := newDealRig(t)
	r.fake.AddUser(slackfake.User{ID: "U0JANE", Email: "jane@acme.com"})
	r.hs.PutOwner(hubspotfake.Owner{ID: "501", Email: "jane@acme.com"})
	r.hs.PutDeal("4242", map[string]string{"dealname": "Hooli", "amount": "90000", "closedate": r.clock.Now().Add(-3 * time.Hour).Format(time.RFC3339),
		"hs_is_closed": "true", "hs_is_closed_won": "true", "hubspot_owner_id": "501"})
	// HubSpot's API fails twice before answering: the read is retried, one DM.
	r.hs.FailNext("/crm/v3/objects/deals/", 2, http.StatusBadGateway)
	ev := r.hs.ClosedEvent(1, 4242, time.Now())
	for range 2 { // delivered twice, as HubSpot does when an answer is slow
		resp, body, err := hubspotfake.Deliver(r.ctx, r.hookURL+hubspotHookPath, r.hookURL+hubspotHookPath, hubspotSecret, time.Now(), []hubspotfake.Event{ev})
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("delivery: %v %v %s", resp, err, body)
		}
	}
	dm := r.dms("U0JANE", 1, isNudge)[0]
	if !strings.Contains(dm.Text, "Hooli") || !strings.Contains(readable(dm.Blocks), "USD 90,000") || !strings.Contains(readable(dm.Blocks), "HubSpot") {
		t.Errorf("nudge %s %s", dm.Text, dm.Blocks)
	}
	time.Sleep(300 * time.Millisecond)
	if n := len(r.fake.Messages("U0JANE")); n != 1 {
		t.Errorf("%d DMs, want 1", n)
	}
}

func TestImportedDealsNudged(t *testing.T) {
	t.Parallel()
	r := newDealRig(t)
	recent := r.clock.Now().Add(-5 * time.Hour).Format(time.RFC3339)
	file := "crm,deal_id,account,outcome,amount,currency,closed_at,owner_id\n" +
		"pipedrive,77,Umbrella,no_decision,1000,EUR," + recent + ",U0REP\n" +
		"pipedrive,78,Old Corp,lost,1000,EUR,2026-09-01,U0REP\n"
	rep, err := r.store.ImportDeals(r.ctx, r.org, strings.NewReader(file))
	if err != nil || rep.Created != 2 || rep.Nudges != 1 {
		t.Fatalf("import %+v %v", rep, err)
	}
	dm := r.dms("U0REP", 1, isNudge)[0]
	if !strings.Contains(dm.Text, "Umbrella") || !strings.Contains(readable(dm.Blocks), "EUR 1,000") {
		t.Errorf("nudge %s %s", dm.Text, dm.Blocks)
	}
	home, err := r.fake.WaitHome(r.ctx, "U0REP", func(v json.RawMessage) bool {
		return strings.Contains(string(v), "Closed deals waiting for your feedback")
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(home), "Umbrella") || strings.Contains(string(home), "Old Corp") || !strings.Contains(string(home), dealSkipAction) {
		t.Errorf("home %s", home)
	}
}

// counterValue reads a counter, through a registry of its own.
func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil || len(mfs) != 1 || len(mfs[0].GetMetric()) != 1 {
		t.Fatalf("gather: %v %v", mfs, err)
	}
	return mfs[0].GetMetric()[0].GetCounter().GetValue()
}
