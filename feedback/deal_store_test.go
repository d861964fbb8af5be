package feedback_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
)

// dealOrg is the sample organisation with the deals policy of INTERFACE.md's example.
func dealOrg() *feedback.Org {
	o := feedbacktest.Org()
	o.Deals = feedback.DealPolicy{NudgeAfter: time.Hour, NudgeWithin: 336 * time.Hour,
		Owners: map[string]string{"jane@acme.com": "U0JANE"}}
	return o
}

func dealInput(id, outcome string) feedback.DealInput {
	return feedback.DealInput{
		CRM: "salesforce", DealID: id, Account: "Acme <!channel> & Co", Outcome: outcome, Amount: "52000.50",
		Currency: "usd", ClosedAt: "2026-11-20T14:00:00Z", OwnerEmail: "Jane@Acme.com", CRMURL: "https://acme.my.salesforce.com/006" + id,
	}
}

func TestDealInputValidate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		edit  func(*feedback.DealInput)
		field string
		want  string
	}{
		{"missing crm", func(in *feedback.DealInput) { in.CRM = "" }, "crm", "missing"},
		{"crm with spaces", func(in *feedback.DealInput) { in.CRM = "sales force" }, "crm", "not a CRM name"},
		{"missing deal id", func(in *feedback.DealInput) { in.DealID = " " }, "deal_id", "missing"},
		{"5,000-character deal id", func(in *feedback.DealInput) { in.DealID = strings.Repeat("7", 5000) }, "deal_id", "is 5000 characters long; the limit is 255"},
		{"deal id with a newline", func(in *feedback.DealInput) { in.DealID = "12\n3" }, "deal_id", "control characters"},
		{"missing account", func(in *feedback.DealInput) { in.Account = "  " }, "account", "missing"},
		{"account with NUL", func(in *feedback.DealInput) { in.Account = "Acme\x00" }, "account", "NUL"},
		{"missing outcome", func(in *feedback.DealInput) { in.Outcome = "" }, "outcome", "missing"},
		{"unknown outcome", func(in *feedback.DealInput) { in.Outcome = "pending" }, "outcome", `"pending" is not an outcome`},
		{"negative amount", func(in *feedback.DealInput) { in.Amount = "-5" }, "amount", "non-negative"},
		{"amount in words", func(in *feedback.DealInput) { in.Amount = "50k" }, "amount", "plain non-negative decimal"},
		{"huge amount", func(in *feedback.DealInput) { in.Amount = "99999999999999999999" }, "amount", "too large"},
		{"currency not a code", func(in *feedback.DealInput) { in.Currency = "dollars" }, "currency", "three-letter"},
		{"closed_at not a time", func(in *feedback.DealInput) { in.ClosedAt = "yesterday" }, "closed_at", "not a time"},
		{"closed_at in the future", func(in *feedback.DealInput) { in.ClosedAt = "2026-12-25T00:00:00Z" }, "closed_at", "in the future"},
		{"bad e-mail", func(in *feedback.DealInput) { in.OwnerEmail = "jane" }, "owner_email", "not an e-mail"},
		{"bad slack id", func(in *feedback.DealInput) { in.OwnerSlackID = "<@U1>" }, "owner_slack_id", "not a Slack user id"},
		{"bad link", func(in *feedback.DealInput) { in.CRMURL = "javascript:alert(1)" }, "crm_url", "full link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := dealInput("1", "won")
			tt.edit(&in)
			_, errs := in.Validate("USD", now)
			if !strings.Contains(errs[tt.field], tt.want) {
				t.Errorf("error on %s = %q (all: %v), want it to say %q", tt.field, errs[tt.field], errs, tt.want)
			}
		})
	}
	// What is kept as given: Slack markup in the account, a currency the configuration
	// does not name, amounts rounded to the cent.
	in := dealInput("1", "Closed Won")
	in.Currency, in.Amount = "xyz", "1234.567"
	d, errs := in.Validate("USD", now)
	if errs != nil {
		t.Fatal(errs)
	}
	if d.Account != "Acme <!channel> & Co" || d.Currency != "XYZ" || d.Amount.Cents != 123457 || d.Outcome != feedback.Won ||
		d.CRM != "salesforce" || d.OwnerEmail != "jane@acme.com" {
		t.Errorf("validated %+v", d)
	}
	in = dealInput("2", "lost")
	in.ClosedAt, in.Currency, in.Amount = "", "", ""
	d, errs = in.Validate("EUR", now)
	if errs != nil || !d.ClosedAt.Equal(now) || d.Currency != "EUR" || d.Amount != nil {
		t.Errorf("defaults: %+v %v", d, errs)
	}
}

func scheduledAt(t *testing.T, pool *pgxpool.Pool, kind string) []time.Time {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT scheduled_at FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		out = append(out, at.UTC())
	}
	return out
}

func TestReceiveDealStatesAndNudgeSchedule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	org := dealOrg()

	rec, err := s.ReceiveDeal(ctx, org, dealInput("0061", "lost"))
	if err != nil || rec.Change != feedback.DealCreated {
		t.Fatalf("first = %+v, %v", rec, err)
	}
	d := rec.Deal
	if d.Status != feedback.DealWaiting || d.OwnerID != "U0JANE" || d.Amount.Cents != 5_200_050 || d.Currency != "USD" ||
		d.Account != "Acme <!channel> & Co" || d.Source != feedback.DealFromWebhook {
		t.Errorf("stored %+v", d)
	}
	// Closed 14:00, nudged an hour later (the clock says 15:00: due now).
	if want := time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC); rec.NudgeAt == nil || !rec.NudgeAt.Equal(want) {
		t.Errorf("nudge at %v, want %s", rec.NudgeAt, want)
	}
	// The same message again changes nothing and schedules nothing more.
	again, err := s.ReceiveDeal(ctx, org, dealInput("0061", "lost"))
	if err != nil || again.Change != feedback.DealUnchanged || again.Deal.ID != d.ID || again.NudgeAt != nil {
		t.Fatalf("again = %+v, %v", again, err)
	}
	if n := jobCount(t, pool, "deal_nudge"); n != 1 {
		t.Errorf("%d nudge jobs, want 1", n)
	}
	// Reopened and won: a new state of the same deal, audited, with its own nudge.
	*now = now.Add(time.Hour)
	won := dealInput("0061", "won")
	won.ClosedAt = "2026-11-20T15:30:00Z"
	changed, err := s.ReceiveDeal(ctx, org, won)
	if err != nil || changed.Change != feedback.DealOutcomeChanged || changed.Deal.ID != d.ID || changed.Deal.Outcome != feedback.Won {
		t.Fatalf("changed = %+v, %v", changed, err)
	}
	if want := time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC); changed.NudgeAt == nil || !changed.NudgeAt.Equal(want) {
		t.Errorf("second nudge at %v, want %s", changed.NudgeAt, want)
	}
	if got := scheduledAt(t, pool, "deal_nudge"); len(got) != 2 || !got[1].Equal(time.Date(2026, 11, 20, 16, 30, 0, 0, time.UTC)) {
		t.Errorf("nudge jobs scheduled at %v", got)
	}
	var deals int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM deals`).Scan(&deals)
	if deals != 1 {
		t.Errorf("%d deals, want one per CRM and deal id", deals)
	}
	// An older message arriving late (out of order) is kept for the record only.
	late := dealInput("0061", "lost")
	late.ObservedAt = now.Add(-2 * time.Hour)
	stale, err := s.ReceiveDeal(ctx, org, late)
	if err != nil || stale.Change != feedback.DealStale || stale.Deal.Outcome != feedback.Won {
		t.Fatalf("stale = %+v, %v", stale, err)
	}
	evs, err := s.DealEvents(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range evs {
		actions = append(actions, e.Action+":"+e.ToOutcome)
	}
	if strings.Join(actions, ",") != "received:lost,outcome_changed:won,stale:lost" {
		t.Errorf("audit trail %v", actions)
	}
	// The audit trail is append-only.
	if _, err := pool.Exec(ctx, `DELETE FROM deal_events`); err == nil {
		t.Error("deal_events could be deleted")
	}
	// A deal closed longer ago than nudge_within is stored, expired, and nobody is asked.
	old := dealInput("0099", "lost")
	old.ClosedAt = "2026-10-01"
	rec, err = s.ReceiveDeal(ctx, org, old)
	if err != nil || rec.Deal.Status != feedback.DealExpired || rec.NudgeAt != nil {
		t.Fatalf("old deal = %+v, %v", rec, err)
	}
	// An invalid message stores nothing.
	bad := dealInput(strings.Repeat("x", 5000), "won")
	if _, err := s.ReceiveDeal(ctx, org, bad); err == nil {
		t.Fatal("a 5,000-character deal id was accepted")
	} else {
		var fe feedback.FieldErrors
		if !errors.As(err, &fe) || fe["deal_id"] == "" {
			t.Errorf("error %v is not a field error on deal_id", err)
		}
	}
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM deals`).Scan(&deals)
	if deals != 2 {
		t.Errorf("%d deals after a refused one, want 2", deals)
	}
}

func TestReceiveDealDeliveryOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	in := dealInput("7", "won")
	in.EventKey = "sig-1"
	if rec, err := s.ReceiveDeal(ctx, dealOrg(), in); err != nil || rec.Change != feedback.DealCreated {
		t.Fatal(rec, err)
	}
	// The same delivery, now saying lost (a forged replay inside the window could not
	// carry another body, but the key alone must decide): nothing changes.
	in.Outcome = "lost"
	rec, err := s.ReceiveDeal(ctx, dealOrg(), in)
	if err != nil || rec.Change != feedback.DealDuplicate || rec.Deal.Outcome != feedback.Won {
		t.Fatalf("repeat = %+v, %v", rec, err)
	}
	var events int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM crm_events`).Scan(&events)
	if events != 1 {
		t.Errorf("%d crm events, want 1", events)
	}
}

// sent records the DMs a nudge or reminder "sent".
type sent struct {
	n    int
	fail error
}

func (s *sent) send(feedback.Deal) (feedback.MessageRef, error) {
	if s.fail != nil {
		return feedback.MessageRef{}, s.fail
	}
	s.n++
	return feedback.MessageRef{ChannelID: "D0JANE", TS: "1.000" + string(rune('0'+s.n))}, nil
}

func TestNudgeDealOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	org := dealOrg()
	rec, err := s.ReceiveDeal(ctx, org, dealInput("1", "lost"))
	if err != nil {
		t.Fatal(err)
	}
	id := rec.Deal.ID
	var dm sent
	// Slack fails: nothing is recorded, the job's retry sends.
	dm.fail = errors.New("slack down")
	if _, err := s.NudgeDeal(ctx, org, id, feedback.Lost, "U0JANE", dm.send); err == nil {
		t.Fatal("a failed send was not an error")
	}
	if d, _ := s.Deal(ctx, id); d.Status != feedback.DealWaiting {
		t.Errorf("after a failed send the deal is %s", d.Status)
	}
	dm.fail = nil
	for i := range 3 {
		res, err := s.NudgeDeal(ctx, org, id, feedback.Lost, "U0JANE", dm.send)
		want := feedback.NudgeSent
		if i > 0 {
			want = feedback.NudgeAlready
		}
		if err != nil || res != want {
			t.Fatalf("nudge %d = %s, %v; want %s", i, res, err, want)
		}
	}
	if dm.n != 1 {
		t.Errorf("%d DMs for one deal and outcome, want 1", dm.n)
	}
	d, _ := s.Deal(ctx, id)
	if d.Status != feedback.DealNudged || d.NudgedAt == nil || d.OwnerID != "U0JANE" {
		t.Errorf("after the nudge: %+v", d)
	}
	// A job for an outcome the deal no longer has sends nothing.
	*now = now.Add(time.Minute)
	if _, err := s.ReceiveDeal(ctx, org, dealInput("1", "won")); err != nil {
		t.Fatal(err)
	}
	if res, err := s.NudgeDeal(ctx, org, id, feedback.Lost, "U0JANE", dm.send); err != nil || res != feedback.NudgeSuperseded {
		t.Errorf("old outcome's job = %s, %v", res, err)
	}
	if res, err := s.NudgeDeal(ctx, org, id, feedback.Won, "U0JANE", dm.send); err != nil || res != feedback.NudgeSent || dm.n != 2 {
		t.Errorf("new outcome's job = %s, %v, %d DMs", res, err, dm.n)
	}
	refs, err := s.DealNudgeMessages(ctx, id)
	if err != nil || len(refs) != 2 || refs[0].ChannelID != "D0JANE" {
		t.Errorf("nudge messages %+v %v", refs, err)
	}
	var rows int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM deal_nudges WHERE deal_id = $1`, id).Scan(&rows)
	if rows != 2 {
		t.Errorf("%d nudge rows, want one per outcome", rows)
	}
	// Past nudge_within, a late job expires the deal instead of asking.
	rec, err = s.ReceiveDeal(ctx, org, dealInput("2", "won"))
	if err != nil {
		t.Fatal(err)
	}
	*now = now.Add(400 * time.Hour)
	if res, err := s.NudgeDeal(ctx, org, rec.Deal.ID, feedback.Won, "U0JANE", dm.send); err != nil || res != feedback.NudgeExpired {
		t.Errorf("late job = %s, %v", res, err)
	}
	if d, _ := s.Deal(ctx, rec.Deal.ID); d.Status != feedback.DealExpired {
		t.Errorf("late deal is %s", d.Status)
	}
}

func TestSkipAndFileDeal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	org := dealOrg()
	rec, err := s.ReceiveDeal(ctx, org, dealInput("1", "lost"))
	if err != nil {
		t.Fatal(err)
	}
	id := rec.Deal.ID
	if _, err := s.SkipDeal(ctx, org, id, "U0OTHER", feedback.SkipNotMyDeal); !errors.Is(err, feedback.ErrForbidden) {
		t.Errorf("someone else's skip = %v, want forbidden", err)
	}
	if _, err := s.SkipDeal(ctx, org, id, "U0JANE", "bored"); err == nil {
		t.Error("an unknown reason was accepted")
	}
	d, err := s.SkipDeal(ctx, org, id, "U0JANE", feedback.SkipNoContact)
	if err != nil || d.Status != feedback.DealSkipped || d.SkipReason != feedback.SkipNoContact {
		t.Fatalf("skip = %+v, %v", d, err)
	}
	if _, err := s.SkipDeal(ctx, org, id, "U0JANE", feedback.SkipNoContact); !errors.Is(err, feedback.ErrDealClosed) {
		t.Errorf("second skip = %v", err)
	}

	// Two reps file on another deal: both items name it, the deal is filed.
	rec, err = s.ReceiveDeal(ctx, org, dealInput("2", "won"))
	if err != nil {
		t.Fatal(err)
	}
	for i, rep := range []string{"U0JANE", "U0SE"} {
		dr := draft("VDEAL" + rep)
		dr.ReporterID, dr.DealID, dr.Source = rep, rec.Deal.ID, feedback.SourceDealNudge
		f, errs := dr.Validate(rules)
		if errs != nil {
			t.Fatal(errs)
		}
		saved, _, err := s.SaveFeedback(ctx, f)
		if err != nil || saved.DealID != rec.Deal.ID {
			t.Fatalf("save %d = %+v, %v", i, saved, err)
		}
		got, _ := s.Feedback(ctx, saved.ID)
		if got.DealID != rec.Deal.ID || got.Source != feedback.SourceDealNudge {
			t.Errorf("read back %d: deal %d source %s", i, got.DealID, got.Source)
		}
	}
	d, _ = s.Deal(ctx, rec.Deal.ID)
	if d.Status != feedback.DealFiled || d.FeedbackCount != 2 {
		t.Errorf("deal after two items: %s, %d items", d.Status, d.FeedbackCount)
	}
	if n := jobCount(t, pool, "deal_message"); n != 3 {
		t.Errorf("%d DM refresh jobs, want one per skip or filing (3)", n)
	}
	// Feedback naming a deal that does not exist is refused whole.
	dr := draft("VNODEAL")
	dr.DealID = 999999
	f, _ := dr.Validate(rules)
	if _, _, err := s.SaveFeedback(ctx, f); !errors.Is(err, feedback.ErrNotFound) {
		t.Errorf("unknown deal = %v", err)
	}
	var n int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM feedback WHERE idempotency_key = 'VNODEAL'`).Scan(&n)
	if n != 0 {
		t.Error("feedback for an unknown deal was half-stored")
	}
}

func TestDealRemindersAndExpiry(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	org := dealOrg()
	var dm sent
	ids := map[string]int64{}
	for _, id := range []string{"a", "b", "c"} {
		in := dealInput(id, "won")
		in.OwnerEmail, in.OwnerSlackID = "", "U0MAYA"
		if id == "c" {
			in.OwnerSlackID = "U0OLIVIA"
		}
		rec, err := s.ReceiveDeal(ctx, org, in)
		if err != nil {
			t.Fatal(err)
		}
		ids[id] = rec.Deal.ID
		if _, err := s.NudgeDeal(ctx, org, rec.Deal.ID, feedback.Won, rec.Deal.OwnerID, dm.send); err != nil {
			t.Fatal(err)
		}
	}
	// Just nudged: nobody is reminded yet.
	if n, err := s.EnqueueDealReminders(ctx, org); err != nil || n != 0 {
		t.Fatalf("reminders right after the nudges = %d, %v", n, err)
	}
	*now = now.Add(18 * time.Hour)
	for range 2 {
		if n, err := s.EnqueueDealReminders(ctx, org); err != nil || n != 2 {
			t.Fatalf("reminders = %d, %v; want one per rep", n, err)
		}
	}
	if n := jobCount(t, pool, "deal_reminder"); n != 2 {
		t.Errorf("%d reminder jobs after two sweeps, want 2 (one per rep and day)", n)
	}
	var lists [][]feedback.Deal
	send := func(ds []feedback.Deal) (feedback.MessageRef, error) {
		lists = append(lists, ds)
		return feedback.MessageRef{ChannelID: "D0MAYA", TS: "2.0"}, nil
	}
	day := now.Format(time.DateOnly)
	if n, err := s.RemindDeals(ctx, org, "U0MAYA", day, send); err != nil || n != 2 {
		t.Fatalf("remind maya = %d, %v", n, err)
	}
	if n, err := s.RemindDeals(ctx, org, "U0MAYA", day, send); err != nil || n != 0 {
		t.Fatalf("second reminder the same day = %d, %v", n, err)
	}
	if len(lists) != 1 || len(lists[0]) != 2 {
		t.Errorf("maya got %d messages, want one listing both deals", len(lists))
	}
	// Olivia answered before her reminder went out: nothing is sent, and nothing is
	// claimed, so a retry finds nothing either.
	if _, err := s.SkipDeal(ctx, org, ids["c"], "U0OLIVIA", feedback.SkipNotMyDeal); err != nil {
		t.Fatal(err)
	}
	if n, err := s.RemindDeals(ctx, org, "U0OLIVIA", day, send); err != nil || n != 0 || len(lists) != 1 {
		t.Errorf("olivia's reminder = %d, %v", n, err)
	}
	// Past nudge_within the rest expire, with their events.
	*now = now.Add(336 * time.Hour)
	if n, err := s.ExpireDeals(ctx, org); err != nil || n != 2 {
		t.Fatalf("expired %d, %v", n, err)
	}
	for _, id := range []string{"a", "b"} {
		d, _ := s.Deal(ctx, ids[id])
		evs, _ := s.DealEvents(ctx, ids[id])
		if d.Status != feedback.DealExpired || evs[len(evs)-1].Action != "expired" {
			t.Errorf("deal %s: %s, last event %+v", id, d.Status, evs[len(evs)-1])
		}
	}
	if n, _ := s.ExpireDeals(ctx, org); n != 0 {
		t.Errorf("second expiry sweep expired %d", n)
	}
}

func TestOwnerUnknownListedAndRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, now := newStore(t)
	org := dealOrg()
	in := dealInput("1", "lost")
	in.OwnerEmail = "ghost@acme.com"
	rec, err := s.ReceiveDeal(ctx, org, in)
	if err != nil || rec.Deal.OwnerID != "" {
		t.Fatal(rec, err)
	}
	for i, want := range []bool{true, false} {
		first, err := s.MarkOwnerUnknown(ctx, rec.Deal.ID, "ghost@acme.com is not in Slack")
		if err != nil || first != want {
			t.Errorf("mark %d = %v, %v", i, first, err)
		}
	}
	ds, err := s.UnknownOwnerDeals(ctx, 10)
	if err != nil || len(ds) != 1 || ds[0].OwnerUnknown != "ghost@acme.com is not in Slack" {
		t.Fatalf("unknown owners %+v %v", ds, err)
	}
	// A day later the sweep tries the owner again (the configuration may name them now).
	*now = now.Add(24 * time.Hour)
	if _, err := s.EnqueueDealReminders(ctx, org); err != nil {
		t.Fatal(err)
	}
	var retries int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = 'deal_nudge' AND args->>'retry' <> ''`).Scan(&retries)
	if retries != 1 {
		t.Errorf("%d retries of the unknown owner, want 1", retries)
	}
}

func TestRecordCRMEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	evs := []feedback.CRMEvent{
		{CRM: "hubspot", Key: "e1", DealID: "10", Kind: "deal.propertyChange", Fetch: true, Portal: 62515},
		{CRM: "hubspot", Key: "e2", DealID: "10", Kind: "deal.propertyChange", Fetch: true},
		{CRM: "hubspot", Key: "e3", DealID: "11", Kind: "deal.propertyChange", Fetch: false},
	}
	rec, err := s.RecordCRMEvents(ctx, evs)
	if err != nil || rec.New != 3 || rec.Duplicates != 0 || rec.Fetches != 1 {
		t.Fatalf("first batch = %+v, %v", rec, err)
	}
	rec, err = s.RecordCRMEvents(ctx, evs[:2])
	if err != nil || rec.New != 0 || rec.Duplicates != 2 || rec.Fetches != 0 {
		t.Fatalf("repeated batch = %+v, %v", rec, err)
	}
	var queue string
	if err := pool.QueryRow(ctx, `SELECT queue FROM river_job WHERE kind = 'crm_deal_fetch'`).Scan(&queue); err != nil || queue != feedback.QueueCRM {
		t.Errorf("fetch job queue %q, %v", queue, err)
	}
}
