package bot

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/digest"
	"github.com/vosbot/vosbot/feedback/feedbacktest"
	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/feedback/measures/measurestest"
	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// measuresHarness is the harness with measures: the sample scorecard in New York time,
// asked Mondays at 10:00 by River's periodic jobs, with every measures job worked.
type measuresHarness struct {
	*harness
	ms *measures.Store
	sc *measures.Scorecard
}

func nyLoc(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// newMeasuresHarness starts the bot with measures at the given time (the clock stays
// there until moved): River's periodic asks run at start, as after a deploy, and ask
// for last week when the ask's time has come.
func newMeasuresHarness(t *testing.T, start time.Time) *measuresHarness {
	t.Helper()
	ny := nyLoc(t)
	org := feedbacktest.Org()
	org.Location = ny
	sched, err := cron.ParseStandard("0 10 * * MON")
	if err != nil {
		t.Fatal(err)
	}
	sc := measurestest.Scorecard(ny, digest.Schedule{Cron: sched, Location: ny})
	var ms *measures.Store
	h := startHarnessWith(t, org, pgtest.ConnString(t), nil, false, harnessExtras{start: start,
		wire: func(h *harness, log *slog.Logger, d *Deps, w *river.Workers) []*river.PeriodicJob {
			var err error
			if ms, err = measures.NewStore(h.pool, measures.StoreOptions{Now: h.clock.Now, Logger: log}); err != nil {
				t.Fatal(err)
			}
			d.Measures, d.Scorecard = ms, sc
			river.AddWorker(w, &measures.AskWorker{Store: ms, Scorecard: sc, Org: org, Log: log})
			river.AddWorker(w, &measures.RemindWorker{Store: ms, Org: org, Log: log})
			river.AddWorker(w, &measures.StreakWorker{Store: ms, Escalations: h.store, Org: org, Scorecard: sc, Log: log})
			return measures.AskJobs(sc, h.clock.Now, log)
		}})
	return &measuresHarness{harness: h, ms: ms, sc: sc}
}

// pressIn sends a block_actions press from a surface: a DM ("D…"), or the App Home
// (channel "" and a home_tab view), with a button value or a selected option.
func (h *measuresHarness) pressIn(user, channel, actionID, value string, selected bool) string {
	h.t.Helper()
	trigger := fmt.Sprintf("press-%s-%s-%d", actionID, user, time.Now().UnixNano())
	a := &slack.BlockAction{ActionID: actionID, BlockID: "b", Value: value}
	if selected {
		a.Value, a.SelectedOption = "", slack.OptionBlockObject{Value: value}
	}
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user}, TriggerID: trigger,
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{a}}}
	if channel == "" {
		cb.View = slack.View{ID: "VHOME" + user, Type: slack.VTHomeTab}
	} else {
		cb.Channel = slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: channel}}}
	}
	if _, err := h.fake.Interaction(h.ctx, cb); err != nil {
		h.t.Fatal(err)
	}
	return trigger
}

// submitMeasures submits the opened measures modal with the given field values.
func (h *measuresHarness) submitMeasures(user string, v slackfake.View, m slack.ModalViewRequest, values map[string]string) *slack.ViewSubmissionResponse {
	h.t.Helper()
	st := map[string]slack.BlockAction{}
	for k, val := range values {
		st[k] = slack.BlockAction{Value: val}
	}
	return h.submit(user, slack.View{ID: v.ID, CallbackID: m.CallbackID, PrivateMetadata: m.PrivateMetadata, State: state(st)})
}

// dmTo is the one message to a user matching keep (its latest state).
func (h *measuresHarness) dmTo(user string, keep func(slackfake.Message) bool) slackfake.Message {
	h.t.Helper()
	msgs := h.dms(user, 1, keep)
	return msgs[0]
}

// waitDM waits until a user's message ts matches cond (DMs are updated in place).
func (h *measuresHarness) waitDM(user, ts string, cond func(slackfake.Message) bool) slackfake.Message {
	h.t.Helper()
	msgs, err := h.fake.WaitMessages(h.ctx, user, 1, func(m slackfake.Message) bool { return m.TS == ts && cond(m) })
	if err != nil {
		h.t.Fatalf("DM %s to %s never matched: %v; have %+v", ts, user, err, h.fake.Messages(user))
	}
	return msgs[0]
}

func text(m slackfake.Message) string { return m.Text + readable(m.Blocks) }

// TestMeasuresAskedAtTheScheduledTime: with the clock at the ask's time, River's
// periodic ask (run at start, as after a deploy) DMs every owner of every team for last
// week, once; in the week the clocks fall back too (the week of Oct 26 has 169 hours
// and Monday 10:00 is 15:00 UTC, not 14:00).
func TestMeasuresAskedAtTheScheduledTime(t *testing.T) {
	t.Parallel()
	ny := nyLoc(t)
	for _, c := range []struct {
		name string
		at   time.Time
		week string
	}{
		{"an ordinary Monday", time.Date(2026, 11, 16, 10, 0, 5, 0, ny), "2026-11-09"},
		{"the Monday after the clocks fell back", time.Date(2026, 11, 2, 10, 0, 5, 0, ny), "2026-10-26"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := newMeasuresHarness(t, c.at)
			w := mustWeek(t, c.week)
			for _, owner := range []string{"U0PM1", "U0PM2", "U0FIN"} {
				m := h.dmTo(owner, containing("Time to report"))
				if !strings.Contains(text(m), w.Label()) || !strings.Contains(text(m), `"value":"`) {
					t.Errorf("%s was asked %q", owner, text(m))
				}
			}
			if !strings.Contains(text(h.dmTo("U0PM1", containing("Time to report"))), "Activation rate — target ≥ 40%") {
				t.Error("the DM does not list the team's measures with their targets")
			}
			for _, team := range []string{"product", "billing"} {
				a, err := h.ms.Ask(h.ctx, team, w)
				if err != nil || !a.AskedAt.Equal(c.at) {
					t.Errorf("%s ask %+v %v", team, a, err)
				}
			}
			// Asked once: a second run of the ask (another replica's start) asks nobody again.
			w2 := &measures.AskWorker{Store: h.ms, Scorecard: h.sc, Org: h.cfg, Log: slog.New(slog.DiscardHandler)}
			if err := w2.Work(h.ctx, &river.Job[measures.AskArgs]{Args: measures.AskArgs{Team: "product", Week: c.week}}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			if n := len(h.fake.Messages("U0PM1")); n != 1 {
				t.Errorf("U0PM1 got %d DMs, want 1", n)
			}
		})
	}
}

// TestMeasuresNotAskedBeforeTheirTime: at 09:59 on Monday the ask of the day has not
// come; the last one (a week ago) was made then, so nobody is asked now.
func TestMeasuresNotAskedBeforeTheirTime(t *testing.T) {
	t.Parallel()
	ny := nyLoc(t)
	sched, _ := cron.ParseStandard("0 10 * * MON")
	s := digest.Schedule{Cron: sched, Location: ny}
	cases := []struct {
		now, ask time.Time
		week     string
	}{
		{time.Date(2026, 11, 16, 9, 59, 0, 0, ny), time.Date(2026, 11, 9, 10, 0, 0, 0, ny), "2026-11-02"},
		{time.Date(2026, 11, 16, 10, 0, 0, 0, ny).Add(-100 * time.Millisecond), time.Date(2026, 11, 16, 10, 0, 0, 0, ny), "2026-11-09"}, // River's early margin
		{time.Date(2026, 11, 2, 10, 0, 0, 0, ny), time.Date(2026, 11, 2, 10, 0, 0, 0, ny), "2026-10-26"},
		{time.Date(2026, 3, 9, 10, 30, 0, 0, ny), time.Date(2026, 3, 9, 10, 0, 0, 0, ny), "2026-03-02"}, // after the clocks sprang forward
		{time.Date(2026, 11, 20, 15, 0, 0, 0, ny), time.Date(2026, 11, 16, 10, 0, 0, 0, ny), "2026-11-09"},
	}
	for _, c := range cases {
		at, ok := measures.LatestAsk(s, c.now)
		if !ok || !at.Equal(c.ask) || measures.AskedWeek(at, ny).String() != c.week {
			t.Errorf("at %s: latest ask %s (%v) for %s; want %s for %s", c.now, at, ok, measures.AskedWeek(at, ny), c.ask, c.week)
		}
	}
	// Monday 10:00 New York is 15:00 UTC in November and 14:00 UTC in October.
	if got := s.Next(time.Date(2026, 10, 27, 0, 0, 0, 0, time.UTC)); !got.Equal(time.Date(2026, 11, 2, 15, 0, 0, 0, time.UTC)) {
		t.Errorf("the ask after the clocks fell back fires at %s", got.UTC())
	}
}

// TestMeasuresReportThroughSlack: the DM's Report opens the modal (one field per
// measure, labelled with its name, target and unit in the hint); bad numbers come back
// on their fields with what to type; a non-owner is refused; one owner's answer closes
// the ask for both owners (both DMs updated); an admin's correction from App Home is
// kept in the audit trail.
func TestMeasuresReportThroughSlack(t *testing.T) {
	t.Parallel()
	ny := nyLoc(t)
	h := newMeasuresHarness(t, time.Date(2026, 11, 16, 10, 0, 5, 0, ny))
	week := mustWeek(t, "2026-11-09")
	ask1 := h.dmTo("U0PM1", containing("Time to report"))
	ask2 := h.dmTo("U0PM2", containing("Time to report"))
	ref := "product|2026-11-09"

	// The modal.
	h.clock.Set(time.Date(2026, 11, 16, 11, 0, 0, 0, ny))
	v, m := h.openedView(h.pressIn("U0PM1", "D0PM1", measuresReport, ref, false))
	if m.CallbackID != measuresCallback || len(m.Blocks.BlockSet) != 4 {
		t.Fatalf("modal %s with %d blocks", m.CallbackID, len(m.Blocks.BlockSet))
	}
	in, ok := m.Blocks.BlockSet[1].(*slack.InputBlock)
	if !ok || in.Label.Text != "Activation rate" || !strings.Contains(in.Hint.Text, "Target ≥ 40%") || !strings.Contains(in.Hint.Text, "In %") {
		t.Errorf("first field %+v", m.Blocks.BlockSet[1])
	}

	// Bad numbers stay on their fields, with what to type; nothing is recorded.
	for _, bad := range []struct{ activation, days, want string }{
		{"lots", "", "type a number such as"},
		{"NaN", "12", "is not a number"},
		{"1e400", "12", "without an exponent"},
		{"-5%", "12", "cannot be below zero"},
		{"42 leads", "12", "is not a number"},
	} {
		resp := h.submitMeasures("U0PM1", v, m, map[string]string{"measure_activation_rate": bad.activation, "measure_days_to_value": bad.days})
		if resp == nil || resp.ResponseAction != slack.RAErrors || !strings.Contains(resp.Errors["measure_activation_rate"], bad.want) {
			t.Fatalf("%q: %+v", bad.activation, resp)
		}
		if bad.days == "" && !strings.Contains(resp.Errors["measure_days_to_value"], "Nothing was typed") {
			t.Errorf("an empty field: %+v", resp.Errors)
		}
	}
	if es, _ := h.ms.Entries(h.ctx, "product", week); len(es) != 0 {
		t.Fatalf("refused submissions recorded %+v", es)
	}

	// A non-owner pressing the button is refused; a forged submission too.
	h.pressIn("U0FIN", "D0FIN", measuresReport, ref, false)
	h.dmTo("U0FIN", containing("Only the owners of Product"))
	resp := h.submitMeasures("U0FIN", v, m, map[string]string{"measure_activation_rate": "99%", "measure_days_to_value": "1"})
	if resp == nil || !strings.Contains(resp.Errors["measure_activation_rate"], "Only the owners of Product") {
		t.Errorf("forged submission: %+v", resp)
	}

	// One owner answers: the modal closes, the values are stored, both owners' DMs say so.
	if resp := h.submitMeasures("U0PM1", v, m, map[string]string{"measure_activation_rate": "42%", "measure_days_to_value": "1,2"}); resp == nil || !strings.Contains(resp.Errors["measure_days_to_value"], "use a dot for decimals") {
		t.Fatalf("a decimal comma: %+v", resp)
	}
	if resp := h.submitMeasures("U0PM1", v, m, map[string]string{"measure_activation_rate": "42%", "measure_days_to_value": "12", measuresNoteBlock: "Onboarding <!here> redesign"}); resp != nil {
		t.Fatalf("valid report answered %+v", resp)
	}
	for _, d := range []struct {
		user string
		msg  slackfake.Message
	}{{"U0PM1", ask1}, {"U0PM2", ask2}} {
		got := h.waitDM(d.user, d.msg.TS, containing("were reported by <@U0PM1>"))
		if s := text(got); !strings.Contains(s, "✅ Activation rate: *42%*") || !strings.Contains(s, "✅ Days to first value: *12 days*") ||
			!strings.Contains(s, "&lt;!here&gt;") || strings.Contains(s, "Time to report") {
			t.Errorf("%s's DM after the answer: %s", d.user, s)
		}
	}
	a, err := h.ms.Ask(h.ctx, "product", week)
	if err != nil || a.AnsweredBy != "U0PM1" {
		t.Errorf("ask %+v %v", a, err)
	}

	// An admin corrects it from App Home: the modal is pre-filled, the earlier value kept.
	h.clock.Set(time.Date(2026, 11, 18, 9, 0, 0, 0, ny))
	v, m = h.openedView(h.pressIn("U0ADMIN", "", measuresPickWeek, ref, true))
	if initial(m, "measure_activation_rate") != "42%" || initial(m, "measure_days_to_value") != "12" {
		t.Errorf("correction modal pre-filled with %q %q", initial(m, "measure_activation_rate"), initial(m, "measure_days_to_value"))
	}
	if resp := h.submitMeasures("U0ADMIN", v, m, map[string]string{"measure_activation_rate": "38.5", "measure_days_to_value": "12", measuresNoteBlock: "Recounted"}); resp != nil {
		t.Fatalf("correction answered %+v", resp)
	}
	revs, err := h.ms.Revisions(h.ctx, "product", "activation_rate", week)
	if err != nil || len(revs) != 1 || revs[0].Value != 42 || revs[0].ReportedBy != "U0PM1" || revs[0].ReplacedBy != "U0ADMIN" || revs[0].Source != measures.SourceSlack {
		t.Errorf("audit trail %+v %v", revs, err)
	}
	es, _ := h.ms.Entries(h.ctx, "product", week)
	if len(es) != 2 || es[0].Measure != "activation_rate" || es[0].Value != 38.5 || es[0].Source != measures.SourceAppHome {
		t.Errorf("entries after the correction %+v", es)
	}
	h.waitDM("U0PM2", ask2.TS, containing("🔴 Activation rate: *38.5%*"))

	// A week beyond the last 13 cannot be reported from Slack.
	h.pressIn("U0PM1", "D0PM1", measuresReport, "product|"+week.Add(-13).String(), false)
	h.dmTo("U0PM1", containing("can't be reported from Slack"))
}

// TestMeasuresReminderAfterHalfADay: owners still silent twelve hours after the ask are
// reminded once; the reminder is updated with the ask when one answers.
func TestMeasuresReminderAfterHalfADay(t *testing.T) {
	t.Parallel()
	ny := nyLoc(t)
	asked := time.Date(2026, 11, 16, 10, 0, 5, 0, ny)
	h := newMeasuresHarness(t, asked)
	h.dmTo("U0PM1", containing("Time to report"))
	h.dmTo("U0FIN", containing("Time to report"))
	// Billing answers in the morning.
	h.clock.Set(asked.Add(time.Hour))
	v, m := h.openedView(h.pressIn("U0FIN", "D0FIN", measuresReport, "billing|2026-11-09", false))
	if resp := h.submitMeasures("U0FIN", v, m, map[string]string{"measure_invoices_on_time": "97"}); resp != nil {
		t.Fatalf("%+v", resp)
	}
	// The periodic sweep's work, run at the times the test sets.
	sweeper := &measures.RemindWorker{Store: h.ms, Org: h.cfg, Log: slog.New(slog.DiscardHandler)}
	sweep := func() {
		t.Helper()
		if err := sweeper.Work(h.ctx, &river.Job[measures.RemindArgs]{}); err != nil {
			t.Fatal(err)
		}
	}
	h.clock.Set(asked.Add(11 * time.Hour))
	sweep()
	time.Sleep(300 * time.Millisecond)
	if n := len(h.fake.Messages("U0PM1")); n != 1 {
		t.Fatalf("reminded before half a day: %d DMs", n)
	}
	h.clock.Set(asked.Add(12*time.Hour + time.Minute))
	sweep()
	r1 := h.dmTo("U0PM1", containing("Reminder:"))
	h.dmTo("U0PM2", containing("Reminder:"))
	if !strings.Contains(text(r1), "still not reported") {
		t.Errorf("reminder %s", text(r1))
	}
	sweep()
	time.Sleep(300 * time.Millisecond)
	if n := len(h.fake.Messages("U0PM1")); n != 2 {
		t.Errorf("U0PM1 has %d DMs, want the ask and one reminder", n)
	}
	if n := len(h.fake.Messages("U0FIN")); n != 1 {
		t.Errorf("the owner who answered was reminded (%d DMs)", n)
	}
	// PM2 answers: the ask and the reminder of both owners say so.
	v, m = h.openedView(h.pressIn("U0PM2", "D0PM2", measuresReport, "product|2026-11-09", false))
	if resp := h.submitMeasures("U0PM2", v, m, map[string]string{"measure_activation_rate": "44", "measure_days_to_value": "9.5"}); resp != nil {
		t.Fatalf("%+v", resp)
	}
	for _, u := range []string{"U0PM1", "U0PM2"} {
		for _, msg := range h.fake.Messages(u) {
			h.waitDM(u, msg.TS, containing("were reported by <@U0PM2>"))
		}
	}
}

// TestMeasuresAppHome: an owner's App Home shows their team's measures with sparklines
// and a Report button; another team's owner does not see them.
func TestMeasuresAppHome(t *testing.T) {
	t.Parallel()
	ny := nyLoc(t)
	h := newMeasuresHarness(t, time.Date(2026, 11, 20, 15, 0, 0, 0, ny))
	for i, v := range []float64{97, 93, 96} {
		if _, err := h.ms.Record(h.ctx, h.sc, measures.Report{Team: "billing", Week: mustWeek(t, "2026-11-09").Add(i - 2),
			Values: map[string]float64{"invoices_on_time": v}, ReporterID: "U0FIN", Source: measures.SourceCLI}); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"U0FIN", "U0PM1"} {
		if _, err := h.fake.Event(h.ctx, map[string]any{"type": "app_home_opened", "user": u, "tab": "home"}); err != nil {
			t.Fatal(err)
		}
	}
	home, err := h.fake.WaitHome(h.ctx, "U0FIN", func(json.RawMessage) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	s := readable(home)
	for _, want := range []string{"*Measures of Finance &amp; Billing*", "`··········█▁▆`", "week of Nov 9: ✅ 96%", "Correct week of Nov 9", `"value":"billing|2026-08-17"`} {
		if !strings.Contains(s, want) {
			t.Errorf("billing owner's App Home lacks %q", want)
		}
	}
	other, err := h.fake.WaitHome(h.ctx, "U0PM1", func(json.RawMessage) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(other), "Invoices sent on time") || !strings.Contains(string(other), "Report week of Nov 9") {
		t.Errorf("product owner's App Home: %s", other)
	}
}

// TestMeasureMissesRaiseADroppedBall: billing's invoices escalate after 3 misses in a
// row: nothing after 2, then a dropped ball against billing raised by vosbot, posted
// with its buttons, its owner told, nobody told as its reporter; not again as the run
// goes on.
func TestMeasureMissesRaiseADroppedBall(t *testing.T) {
	t.Parallel()
	ny := nyLoc(t)
	h := newMeasuresHarness(t, time.Date(2026, 11, 20, 15, 0, 0, 0, ny))
	miss := func(week string) {
		t.Helper()
		if _, err := h.ms.Record(h.ctx, h.sc, measures.Report{Team: "billing", Week: mustWeek(t, week),
			Values: map[string]float64{"invoices_on_time": 90}, ReporterID: "U0FIN", Source: measures.SourceCLI}); err != nil {
			t.Fatal(err)
		}
	}
	miss("2026-10-26")
	miss("2026-11-02")
	waitJobs := func() {
		t.Helper()
		for {
			var n int
			_ = h.pool.QueryRow(h.ctx, `SELECT count(*) FROM river_job WHERE kind = 'measures_streak' AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&n)
			if n == 0 {
				return
			}
			select {
			case <-h.ctx.Done():
				t.Fatal("streak checks never ran")
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	waitJobs()
	if posts := h.channelPosts(0); len(posts) != 0 {
		t.Fatalf("a dropped ball after 2 misses: %+v", posts)
	}
	miss("2026-11-09")
	post := h.channelPost(containing(actAcknowledge))
	s := text(post)
	for _, want := range []string{"Dropped ball #1 · Finance &amp; Billing", "Invoices sent on time missed its target (≥ 95%) 3 weeks running", "Raised by vosbot"} {
		if !strings.Contains(s, want) {
			t.Errorf("the post lacks %q: %s", want, s)
		}
	}
	h.dms("U0FIN", 1, containing("which you own"))
	miss("2026-11-16")
	waitJobs()
	time.Sleep(200 * time.Millisecond)
	if posts := h.channelPosts(0); len(posts) != 1 {
		t.Errorf("%d dropped balls for one run of misses", len(posts))
	}
	var n int
	_ = h.pool.QueryRow(h.ctx, `SELECT count(*) FROM river_job WHERE kind = 'escalation_notify' AND args->>'recipient' = 'vosbot'`).Scan(&n)
	if n != 0 {
		t.Error("vosbot was notified as a reporter")
	}
}
