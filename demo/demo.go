// Package demo generates, deterministically, the sample organisation of `vosbot demo`:
// 40 reps, 6 accountable teams, 8 competitors, and twelve weeks of prospect feedback and
// dropped balls written in varied wording, stored through the real domain store.
package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/vosbot/vosbot/digest"
	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/measures"
)

// Org is the sample organisation.
type Org struct {
	Org *feedback.Org
	// Digest is its leadership digest: Fridays at 16:00 over the last week.
	Digest digest.Definition
	// Names maps the user ids to display names, for the plain-text digest.
	Names map[string]string
	Reps  []string
	// Scorecard is the teams' revenue measures (demo/measures.go).
	Scorecard *measures.Scorecard
}

// Size says how much to generate.
type Size struct {
	Weeks       int
	Reps        int
	Feedback    int
	Escalations int
	// BuyerAnswers are the buyers' answers to survey links reps sent.
	BuyerAnswers int
}

// Default is the demo's size.
var Default = Size{Weeks: 12, Reps: 40, Feedback: 400, Escalations: 60}

// sampleOrg is the company of the demo: six teams, New York time.
func sampleOrg(loc *time.Location) *feedback.Org {
	team := func(key, name string, ack, resolve time.Duration, owners ...string) feedback.Team {
		return feedback.Team{Key: key, Name: name, Owners: owners, AckWithin: ack, ResolveWithin: resolve}
	}
	const day = 24 * time.Hour
	return &feedback.Org{
		Location: loc,
		Admins:   []string{"U0ADMIN"},
		Escalations: feedback.EscalationPolicy{Channel: "C0ESCALATE", AckWithin: day, ResolveWithin: 5 * day, RemindEvery: day,
			EscalateAfter: 2, EscalateTo: []string{"U0VP"}, ConfirmWithin: 5 * day,
			BusinessHours: feedback.BusinessHours{Start: 9 * time.Hour, End: 18 * time.Hour,
				Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}},
		// The top quarter by won deal value over 180 days.
		TopPerformers: feedback.TopPerformerPolicy{Window: 180 * day, Share: 0.25},
		Teams: []feedback.Team{
			team("product", "Product", day, 5*day, "U0PRIYA", "U0MARCO"),
			team("engineering", "Engineering", day, 5*day, "U0KENJI"),
			team("billing", "Finance & Billing", 8*time.Hour, 5*day, "U0FATIMA"),
			team("support", "Support", day, 5*day, "U0LUCIA", "U0OMAR"),
			team("marketing", "Marketing", day, 5*day, "U0NORA"),
			team("security", "Security & Legal", day, 10*day, "U0DAVID"),
		},
		Currency: "USD",
		Regions:  []string{"NA", "EMEA", "APAC"},
	}
}

var ownerNames = map[string]string{
	"U0ADMIN": "revops", "U0PRIYA": "priya", "U0MARCO": "marco", "U0KENJI": "kenji", "U0FATIMA": "fatima",
	"U0LUCIA": "lucia", "U0OMAR": "omar", "U0NORA": "nora", "U0DAVID": "david", "U0VP": "vp-sales",
}

var firstNames = []string{"ava", "ben", "chloe", "dev", "elena", "felix", "grace", "hugo", "isla", "jonah",
	"kira", "liam", "maya", "nico", "olivia", "pablo", "quinn", "rosa", "sam", "tara",
	"uma", "victor", "wren", "xavier", "yara", "zane", "amir", "bea", "carlos", "dina",
	"emil", "farah", "gus", "hana", "ivan", "jade", "kofi", "lena", "milo", "noor"}

// NewOrg builds the organisation and its configuration.
func NewOrg(size Size) (*Org, error) {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		return nil, fmt.Errorf("demo time zone: %w", err)
	}
	sched, err := cron.ParseStandard("0 16 * * FRI")
	if err != nil {
		return nil, err
	}
	o := &Org{Org: sampleOrg(loc), Names: map[string]string{}, Scorecard: sampleScorecard(loc),
		Digest: digest.Definition{Channel: "C0LEADERSHIP", Spec: "0 16 * * FRI", Schedule: digest.Schedule{Cron: sched, Location: loc}, Lookback: digest.DefaultLookback}}
	for k, v := range ownerNames {
		o.Names[k] = v
	}
	for i := range size.Reps {
		id := fmt.Sprintf("U0REP%02d", i+1)
		o.Reps = append(o.Reps, id)
		o.Names[id] = firstNames[i%len(firstNames)]
	}
	return o, nil
}

// competitor names as reps type them: several spellings of the same eight.
var competitors = [][]string{
	{"Gong", "gong.io", "GONG"}, {"Clari", "clari"}, {"Outreach", "outreach.io"}, {"Salesloft", "SalesLoft"},
	{"HubSpot", "hubspot"}, {"Chorus", "Chorus.ai"}, {"People.ai"}, {"Apollo", "apollo.io"},
}

// competitorWeight makes a few competitors common, as in real life.
var competitorWeight = []int{30, 18, 12, 10, 8, 6, 4, 3}

// story is how reps describe a theme: the wording varies so the offline engine has to
// generalise, not match one sentence.
type story struct {
	theme string
	lost  []string
	won   []string
	// lostQuotes and wonQuotes are prospects' own words, by outcome.
	lostQuotes []string
	wonQuotes  []string
	weight     [2]int // weight among losses, among wins
	rising     bool   // more frequent in recent weeks
	reasons    bool   // reps usually tick it as a reason too
}

var stories = []story{
	{theme: "price", weight: [2]int{26, 6}, rising: true, reasons: true,
		lost: []string{"They felt we were too expensive for what they would use.", "Our quote came in 40% above the other vendor and procurement would not budge.",
			"The per-seat pricing killed it once they counted every SDR.", "Budget was fine but our list price made the CFO laugh.",
			"Discount approval took too long and they signed with the cheaper option.", "Total cost over three years was way higher than the competitor's bundle."},
		won: []string{"Our packaging let them start small and grow, which beat the others on price.", "The multi-year discount sealed it."},
		lostQuotes: []string{"Honestly, at half the price we'd have signed yesterday.", "Your product is great but I can't justify the cost to my CFO.",
			"We love it, but the pricing just doesn't work for a team our size."},
		wonQuotes: []string{"Starting with ten seats made the business case easy."}},
	{theme: "missing_feature", weight: [2]int{18, 3}, reasons: true,
		lost: []string{"No forecasting module, which was a must-have for their VP.", "They needed Spanish call transcription and we don't have it.",
			"Missing custom dashboards; their ops lead walked.", "The roadmap item they needed is two quarters out."},
		won:        []string{"The coaching scorecards were exactly the feature they were missing elsewhere."},
		lostQuotes: []string{"Come back when you have forecasting.", "Without multi-language support this is a non-starter for us."}},
	{theme: "integration", weight: [2]int{14, 8}, reasons: true,
		lost: []string{"No native Salesforce sync, and their admin refused another middleware.", "Our HubSpot integration couldn't write back to custom objects.",
			"They needed a Dynamics connector.", "The API rate limits broke their data warehouse sync in the trial."},
		won:        []string{"The Salesforce integration worked in the first hour of the trial.", "Two-way CRM sync was the deciding factor."},
		lostQuotes: []string{"If it doesn't sync with Salesforce it doesn't exist for us."},
		wonQuotes:  []string{"The integration just worked, which never happens."}},
	{theme: "security_compliance", weight: [2]int{9, 3}, reasons: true,
		lost: []string{"Security review stalled on our SOC 2 report and data residency in the EU.", "Their infosec team wanted SSO with SCIM on the base plan.",
			"Legal could not accept our DPA terms."},
		won:        []string{"We were the only vendor with EU data residency."},
		lostQuotes: []string{"Our security team needs SSO before we can go further."}},
	{theme: "implementation", weight: [2]int{7, 4}, reasons: false,
		lost: []string{"The proof of concept needed too much professional services time.", "Onboarding estimate was eight weeks; they wanted two."},
		won:  []string{"Onboarding was quick and the POC showed value in a week."}},
	{theme: "competitor_relationship", weight: [2]int{10, 2}, reasons: true,
		lost: []string{"Incumbent vendor with a long relationship and an exec sponsor.", "They renewed with the incumbent who threw in a free year.",
			"The buyer used the competitor at their last company."},
		lostQuotes: []string{"We've been with them for six years; switching is a big ask."}},
	{theme: "budget_or_champion", weight: [2]int{9, 0}, reasons: true,
		lost: []string{"Budget frozen for the rest of the year after layoffs.", "Our champion left the company mid-cycle and the new VP restarted the evaluation.",
			"Economic buyer changed and deprioritised the project."}},
	{theme: "timing", weight: [2]int{7, 2}, reasons: false,
		lost: []string{"Not a priority this quarter; revisit in Q2.", "They are in the middle of a reorg and pushed all new tools."},
		won:  []string{"They had an urgent need before their sales kickoff."}},
	{theme: "support", weight: [2]int{4, 16}, reasons: true,
		lost: []string{"References complained about slow support responses."},
		won: []string{"Their references raved about our customer success team.", "Support answered in minutes during the trial.",
			"The CSM they met was the reason they trusted us."},
		wonQuotes: []string{"Your support team answered faster than our own IT.", "The customer success people are the best I've dealt with."}},
	{theme: "product_quality", weight: [2]int{6, 14}, reasons: true,
		lost: []string{"The trial was buggy and the recorder crashed twice.", "Transcription accuracy was poor on their calls."},
		won: []string{"The product was clearly more polished and reliable than the alternatives.", "Call recording quality and accuracy blew them away.",
			"Everything just worked in the pilot."},
		lostQuotes: []string{"It crashed twice during our pilot; we can't risk that."},
		wonQuotes:  []string{"It's the first tool my reps actually like using."}},
	{theme: "lead_handling", weight: [2]int{5, 1}, reasons: false,
		lost: []string{"The inbound lead sat for a week before anyone called them back.", "Marketing handed the lead over cold with no context."}},
}

// dropped balls, by team.
var escalationStories = map[string][]string{
	"product":     {"Promised the forecasting beta to {a} for the renewal; the date slipped again without telling us.", "Roadmap commitment in the contract for {a} is late and nobody owns it."},
	"engineering": {"Outage during {a}'s executive demo; no incident update for two hours.", "Data export bug has blocked {a} for a week."},
	"billing":     {"{a} was invoiced twice this month and is threatening to churn.", "Credit note for {a} promised three weeks ago still not issued.", "Wrong currency on {a}'s invoice."},
	"support":     {"Ticket from {a} open nine days with no reply.", "{a}'s admin was told to 'check the docs' on a real bug."},
	"marketing":   {"Inbound lead from {a} routed to the wrong region and went cold.", "Webinar lead list for {a} handed over without contact details."},
	"security":    {"Security questionnaire for {a} stuck with legal for three weeks.", "DPA redlines for {a} unanswered before their board meeting."},
}

var accounts = []string{"Acme Corp", "Globex", "Initech", "Umbrella Health", "Hooli", "Vandelay Industries", "Stark Logistics",
	"Wayne Freight", "Soylent Foods", "Tyrell Systems", "Cyberdyne", "Wonka Retail", "Pied Piper", "Massive Dynamic",
	"Nakatomi Trading", "Oscorp", "Gringotts Bank", "Monarch Solutions", "Aperture Labs", "Black Mesa", "Dunder Mifflin",
	"Sterling Cooper", "Prestige Worldwide", "Bluth Company", "Los Pollos", "Krusty Brands", "Duff Beverages", "Blue Sun",
	"Weyland Corp", "Rekall", "Virtucon", "Stratton Oakmont", "Gekko & Co", "Paper Street Soap", "Octan Energy",
	"Ollivanders", "Mooby's", "Big Kahuna", "Ecorp", "Wernham Hogg"}

// demoLostTo is who won a lost deal, as its rep says: most name the winner, usually the
// competitor listed first; deals lost to a frozen budget or bad timing went to no one,
// and some reps name a winner they did not list. "" is a rep who did not say.
func demoLostTo(r *rand.Rand, theme string, listed []string) string {
	switch {
	case r.IntN(100) < 15:
		return ""
	case theme == "budget_or_champion" || theme == "timing":
		return feedback.LostToNone
	case len(listed) > 0 && r.IntN(10) < 7:
		return listed[0]
	case len(listed) > 0:
		return pick(r, listed)
	case r.IntN(10) < 6:
		c := competitors[weighted(r, competitorWeight)]
		return c[r.IntN(len(c))]
	}
	return feedback.LostToNone
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted picks an index with the given weights.
func weighted(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

// stillBroken is what reporters say when a fix did not hold.
var stillBroken = []string{
	"The customer got the same wrong invoice again this morning.",
	"Still broken: their admin cannot log in since yesterday.",
	"They say nobody called them back, and the renewal is on Friday.",
	"The credit note never arrived.",
}

// Result says what Generate stored.
type Result struct {
	Feedback    int
	Escalations int
	// End is the end of the latest full week (the digest's period end).
	End time.Time
	// BuyerAnswers are the buyers' answers to survey links reps sent.
	BuyerAnswers int
}

// Generate stores the organisation's twelve weeks ending at the latest Friday 16:00
// before now, through the store (whose clock it moves). The same seed gives the same data.
// The dropped balls live their whole loop: reminders swept twice a working day (and
// escalated when nobody answers), reporters confirming most fixes, reopening some and
// leaving a few unconfirmed, and accepting or asking leadership to review a won't fix.
func Generate(ctx context.Context, store *feedback.Store, setNow func(time.Time), org *Org, size Size, now time.Time, seed uint64) (Result, error) {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	// Who won each lost deal draws from its own source, so the rest of the story stays
	// the same with or without it.
	rl := rand.New(rand.NewPCG(seed^0x1057, seed))
	cfg := org.Org
	loc := cfg.Location
	// The latest Friday 16:00 at or before now.
	end := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 16, 0, 0, 0, loc)
	for end.Weekday() != time.Friday || end.After(now) {
		end = end.AddDate(0, 0, -1)
	}
	start := end.AddDate(0, 0, -7*size.Weeks)
	span := end.Sub(start)
	res := Result{End: end}

	reasonKeys := make([]string, len(stories))
	for i, s := range stories {
		reasonKeys[i] = s.theme
	}
	rules := feedback.Rules{Reasons: reasonKeys, Regions: cfg.Regions, Currency: cfg.Currency}
	var lostW, wonW []int
	for _, s := range stories {
		lostW, wonW = append(lostW, s.weight[0]), append(wonW, s.weight[1])
	}

	// Feedback, in time order so the store's clock only moves forward.
	times := make([]time.Time, size.Feedback)
	for i := range times {
		// Later weeks are a little busier (the habit is catching on): a mix of an even
		// spread and a linearly growing one.
		f := r.Float64()
		if r.IntN(10) < 3 {
			f = math.Sqrt(f)
		}
		times[i] = start.Add(time.Duration(f * float64(span)))
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	var filed []feedback.Feedback
	for i, at := range times {
		week := int(at.Sub(start) / (7 * 24 * time.Hour))
		outcome := []string{"won", "lost", "no_decision"}[weighted(r, []int{38, 50, 12})]
		weights := lostW
		if outcome == "won" {
			weights = wonW
		}
		// Rising themes gain weight in the last weeks.
		boosted := slices.Clone(weights)
		for j, s := range stories {
			if s.rising && week >= size.Weeks-3 {
				boosted[j] *= 3
			}
		}
		primary := stories[weighted(r, boosted)]
		secondary := stories[weighted(r, boosted)]
		d := feedback.Draft{
			ReporterID: pick(r, org.Reps), Outcome: outcome, Account: pick(r, accounts),
			Region: cfg.Regions[weighted(r, []int{55, 30, 15})], Source: feedback.SourceDemo,
			Key: fmt.Sprintf("demo-feedback-%d", i), CreatedAt: at, HideName: r.IntN(10) == 0,
		}
		if r.IntN(4) > 0 {
			d.DealValue = fmt.Sprintf("%dk", []int{12, 25, 40, 60, 85, 120, 180, 250, 400}[r.IntN(9)])
		}
		for k := range r.IntN(3) {
			c := competitors[weighted(r, competitorWeight)]
			d.Competitors = append(d.Competitors, c[(i+k)%len(c)])
		}
		text := func(s story) string {
			switch {
			case outcome == "won" && len(s.won) > 0:
				return pick(r, s.won)
			case outcome != "won" && len(s.lost) > 0:
				return pick(r, s.lost)
			}
			return ""
		}
		main, extra := text(primary), ""
		if secondary.theme != primary.theme && r.IntN(3) == 0 {
			extra = text(secondary)
		}
		body := strings.TrimSpace(main + " " + extra)
		if outcome == "won" {
			d.WhatWorked = body
			if r.IntN(2) == 0 {
				d.WhatDidnt = "Procurement took longer than planned."
			}
		} else {
			d.WhatDidnt = body
			if r.IntN(3) == 0 {
				d.WhatWorked = "The demo landed well with the end users."
			}
		}
		quotes := primary.lostQuotes
		if outcome == "won" {
			quotes = primary.wonQuotes
		}
		if len(quotes) > 0 && r.IntN(3) == 0 {
			d.Verbatim = pick(r, quotes)
		}
		// Reps tick the reason most of the time, and sometimes one that the text does not show.
		if primary.reasons && r.IntN(5) > 0 {
			d.Reasons = append(d.Reasons, primary.theme)
		}
		if r.IntN(8) == 0 {
			d.Reasons = append(d.Reasons, pick(r, reasonKeys))
		}
		slices.Sort(d.Reasons)
		d.Reasons = slices.Compact(d.Reasons)
		if outcome == "lost" {
			d.LostTo = demoLostTo(rl, primary.theme, d.Competitors)
		}
		f, errs := d.Validate(rules)
		if errs != nil {
			return res, fmt.Errorf("demo feedback %d: %v", i, errs)
		}
		setNow(at)
		saved, _, err := store.SaveFeedback(ctx, f)
		if err != nil {
			return res, err
		}
		filed = append(filed, saved)
		res.Feedback++
	}

	// Dropped balls, each with a plausible history: most handled, some late, a few open.
	type step struct {
		at     time.Time
		id     int64
		actor  string
		action feedback.Action
		note   string
		toTeam string
		// round is the resolution a reporter's answer is about; sweep runs the reminders.
		round int
		sweep bool
	}
	var steps []step
	teams := cfg.Teams
	// The reporters' answers draw from their own source, so the owners' story (who
	// acknowledges, resolves or ignores what) stays the same with or without them.
	ra := rand.New(rand.NewPCG(seed^0x5eed, seed))
	for i := range size.Escalations {
		at := start.Add(time.Duration(r.Float64() * float64(span)))
		team := teams[weighted(r, []int{16, 12, 14, 10, 8, 6})]
		account := pick(r, accounts)
		summary := strings.ReplaceAll(pick(r, escalationStories[team.Key]), "{a}", account)
		d := feedback.EscalationDraft{ReporterID: pick(r, org.Reps), Team: team.Key, Account: account, Summary: summary,
			Severity: string(feedback.Severities[weighted(r, []int{15, 40, 35, 10})]), Source: feedback.SourceDemo,
			Key: fmt.Sprintf("demo-escalation-%d", i), HideName: r.IntN(8) == 0}
		if r.IntN(2) == 0 {
			d.RevenueAtRisk = fmt.Sprintf("%dk", []int{20, 50, 90, 150, 300}[r.IntN(5)])
		}
		if r.IntN(2) == 0 {
			d.Needed = "An answer the customer can rely on, before the end of the week."
		}
		e, errs := d.Validate(cfg)
		if errs != nil {
			return res, fmt.Errorf("demo escalation %d: %v", i, errs)
		}
		setNow(at)
		saved, _, err := store.RaiseEscalation(ctx, cfg, e)
		if err != nil {
			return res, err
		}
		res.Escalations++
		owner := pick(r, team.Owners)
		age := end.Sub(at)
		ack := time.Duration((0.1 + r.Float64()*1.6) * float64(team.AckWithin))
		switch roll := r.IntN(20); {
		case roll < 2 && age > 3*24*time.Hour:
			// Ignored: still open and overdue.
		case roll < 4:
			steps = append(steps, step{at: at.Add(ack), id: saved.ID, actor: owner, action: feedback.ActionAcknowledge})
		case roll < 5:
			other := teams[(slices.IndexFunc(teams, func(t feedback.Team) bool { return t.Key == team.Key })+1)%len(teams)]
			steps = append(steps, step{at: at.Add(ack / 2), id: saved.ID, actor: owner, action: feedback.ActionReassign, toTeam: other.Key, note: "This belongs with " + other.Name + "."})
		case roll < 6:
			steps = append(steps, step{at: at.Add(ack), id: saved.ID, actor: owner, action: feedback.ActionWontFix, note: "Working as contracted; we explained it to the customer."})
		default:
			resolved := at.Add(ack + time.Duration((0.2+r.Float64()*1.3)*float64(team.ResolveWithin-team.AckWithin)))
			steps = append(steps,
				step{at: at.Add(ack), id: saved.ID, actor: owner, action: feedback.ActionAcknowledge},
				step{at: resolved, id: saved.ID, actor: owner, action: feedback.ActionResolve, note: "Fixed and confirmed with the customer."})
			// The reporter's answer to "did this fix it?": one fix in five does not hold, one
			// is never answered.
			answered := resolved.Add(time.Duration(2+ra.IntN(60)) * time.Hour)
			switch i % 5 {
			case 0, 1, 3:
				steps = append(steps, step{at: answered, id: saved.ID, actor: d.ReporterID, action: feedback.ActionConfirm})
			case 2:
				steps = append(steps,
					step{at: answered, id: saved.ID, actor: d.ReporterID, action: feedback.ActionReopen, note: pick(ra, stillBroken)},
					step{at: answered.Add(time.Duration(24+ra.IntN(72)) * time.Hour), id: saved.ID, actor: owner, action: feedback.ActionResolve,
						note: "Fixed at the root this time; checked with the customer."},
				)
				if ra.IntN(2) == 0 {
					steps = append(steps, step{at: answered.Add(5 * 24 * time.Hour), id: saved.ID, actor: d.ReporterID, action: feedback.ActionConfirm, round: 1})
				}
			default:
				// No answer: it stays resolved, unconfirmed once the window closes.
			}
		}
		if last := len(steps) - 1; last >= 0 && steps[last].id == saved.ID && steps[last].action == feedback.ActionWontFix {
			w := steps[last]
			answer := step{at: w.at.Add(time.Duration(3+ra.IntN(40)) * time.Hour), id: saved.ID, actor: d.ReporterID, action: feedback.ActionAccept}
			if ra.IntN(3) == 0 {
				answer.action, answer.note = feedback.ActionReview, "The customer was promised this in writing by our account team."
			}
			steps = append(steps, answer)
		}
	}
	// Reminders are swept at 10:00 and 15:00 on every day (outside business hours the
	// sweep sends nothing, as in production).
	for day := start; day.Before(end); day = day.AddDate(0, 0, 1) {
		for _, h := range []int{10, 15} {
			steps = append(steps, step{at: time.Date(day.Year(), day.Month(), day.Day(), h, 0, 0, 0, loc), sweep: true})
		}
	}
	slices.SortStableFunc(steps, func(a, b step) int { return a.at.Compare(b.at) })
	for _, s := range steps {
		if s.at.After(end) {
			continue // the future has not happened yet
		}
		setNow(s.at)
		var err error
		switch {
		case s.sweep:
			if _, err = store.SendDueReminders(ctx, cfg); err == nil {
				_, err = store.ExpireConfirmations(ctx)
			}
		case slices.Contains(feedback.ReporterActions, s.action):
			_, _, err = store.AnswerAsReporter(ctx, cfg, feedback.ReporterAnswer{EscalationID: s.id, ReporterID: s.actor, Action: s.action, Round: s.round, Reply: s.note})
		default:
			_, _, err = store.ApplyAct(ctx, cfg, feedback.Act{EscalationID: s.id, ActorID: s.actor, Action: s.action, Note: s.note, ToTeam: s.toTeam})
		}
		if err != nil {
			return res, fmt.Errorf("demo escalation %d: %w", s.id, err)
		}
	}
	setNow(end)
	if _, err := store.ExpireConfirmations(ctx); err != nil {
		return res, fmt.Errorf("demo: %w", err)
	}
	// Buyers answer the surveys some reps sent, from their own source so the rest of the
	// story stays the same with or without them.
	n, err := buyerAnswers(ctx, store, setNow, filed, end, seed)
	if err != nil {
		return res, fmt.Errorf("demo surveys: %w", err)
	}
	res.BuyerAnswers = n
	return res, nil
}
