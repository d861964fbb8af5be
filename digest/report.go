package digest

import (
	"time"

	"github.com/vosbot/vosbot/feedback"
)

// Report is one digest: every number and every quote in it comes from the store,
// computed by vosbot; nothing in it is written by a language model.
type Report struct {
	Channel  string
	Period   Period
	Location *time.Location
	// Region is the digest's filter, "" for everything.
	Region string
	// Late is set when the digest is posted after its scheduled time (vosbot was down).
	Late bool
	// Currency is the configured currency; values in others are listed apart.
	Currency string

	Outcomes map[feedback.Outcome]*OutcomeStat
	// WinRate is won / (won + lost) this period; PreviousWinRate the same over the
	// previous four periods together. Nil when there were no won or lost deals.
	WinRate         *float64
	PreviousWinRate *float64
	// History is the deals of the last 13 periods, this one last.
	History []PeriodStat

	LossThemes  []ThemeStat
	WinThemes   []ThemeStat
	Competitors []CompetitorStat
	// Disagreements are up to three deals where the rep's reasons and their words differ.
	Disagreements []Disagreement

	Teams []TeamStat
	// EscalationThemes are what the dropped balls raised in the period were about:
	// escalations counted under their dominant theme, most first.
	EscalationThemes []ThemeCount
	Overdue          []OverdueItem
	// TopPerformers is what top performers raised; nil when they raised nothing open
	// or in the period.
	TopPerformers *TopPerformerStat

	Reporters         int
	FeedbackItems     int
	EscalationsRaised int

	// LLM is the period's language-model use, nil when no model is configured.
	LLM *LLMUsage

	// Measures are the teams' revenue measures, nil when none is configured (or the
	// digest hides them).
	Measures *RevenueDrivers
	// CRM is what the CRMs reported of the deals closed in the period, nil when they
	// reported none (or the digest is filtered by region).
	CRM *CRMDeals
	// Buyers is what buyers answered to the survey, nil when no link was sent and no
	// answer came in the period.
	Buyers *BuyerVoice
}

// PeriodStat is one period's deals: counts and values in the report's currency (cents).
type PeriodStat struct {
	Start, End            time.Time
	Won, Lost, NoDecision int
	WonValue, LostValue   int64
}

// WinRate is won / (won + lost); ok is false when no deal was won or lost.
func (p PeriodStat) WinRate() (rate float64, ok bool) {
	if p.Won+p.Lost == 0 {
		return 0, false
	}
	return float64(p.Won) / float64(p.Won+p.Lost), true
}

// OutcomeStat counts one outcome's deals and their value.
type OutcomeStat struct {
	Count int
	// Value is the sum of deal values in the configured currency, in cents.
	Value int64
	// Other sums values in other currencies, in cents.
	Other map[string]int64
}

// ThemeStat is a theme's count this period and against the previous four.
type ThemeStat struct {
	Key  string
	Name string
	// Count is the items where the rep named it or the text is about it; ByRep and
	// InText split that, so a disagreement shows.
	Count  int
	ByRep  int
	InText int
	// PreviousAverage is the mean count over the previous four periods.
	PreviousAverage float64
	// Value is the deal value (in the report's currency, in cents) of the period's
	// deals of this outcome the theme came up in; OtherValues those in other currencies.
	Value       int64
	OtherValues map[string]int64
	// Counts and Values are the same over the last 13 periods, oldest first.
	Counts []int
	Values []int64
	// Verbatims are quotes that prove the theme: items where it is the dominant theme
	// of the text and the rep did not name another reason.
	Verbatims []Verbatim
}

// ThemeCount is how many records a theme was the main subject of.
type ThemeCount struct {
	Key   string
	Name  string
	Count int
}

// Trend is the change against the previous periods' average.
func (t ThemeStat) Trend() float64 { return float64(t.Count) - t.PreviousAverage }

// Verbatim is a prospect's words (or the rep's account of them).
type Verbatim struct {
	Text    string
	Account string
	// ReporterID is empty when the rep asked to stay out of digests.
	ReporterID string
}

// CompetitorStat is how we fared against a competitor this period: who beat us.
type CompetitorStat struct {
	Name string
	// Met is the period's deals it was in, of any outcome; Won those we won.
	Met int
	Won int
	// LostTo is the lost deals it won (the rep said so); LostToValue their deal value in
	// the report's currency (cents), LostToOther those in other currencies.
	LostTo      int
	LostToValue int64
	LostToOther map[string]int64
	// LostElsewhere is the lost deals it was in that someone else (or no one) won;
	// LostPresent those it was in where nobody said who won (older feedback).
	LostElsewhere int
	LostPresent   int
	NoDecision    int
	// LostToTrend is LostTo in each of the last competitorTrendPeriods periods, oldest
	// first, this one last.
	LostToTrend []int
}

// TeamStat is one accountable team's promises to sales.
type TeamStat struct {
	Key  string
	Name string
	// Raised this period; of those whose acknowledgement is decided (acknowledged, or
	// due before the period ended), AckDecided, and AckOnTime within the SLA.
	Raised     int
	AckDecided int
	AckOnTime  int
	// Resolved and WontFix this period, whenever raised; MedianResolve over Resolved.
	Resolved      int
	WontFix       int
	MedianResolve time.Duration
	// StillOpen at the period's end, and the oldest of them.
	StillOpen     int
	OldestOpenID  int64
	OldestOpenAge time.Duration
	// The loop, from the period's audit trail: fixes their reporter Reopened (they did
	// not hold) and Confirmed, and escalations Escalated past the owners.
	Reopened  int
	Confirmed int
	Escalated int
	// TopPerformerRaised of Raised came from top performers.
	TopPerformerRaised int
}

// OverdueItem is an open escalation past a due time at the period's end.
type OverdueItem struct {
	ID       int64
	Team     string
	TeamName string
	Account  string
	// Summary is what happened, as the reporter wrote it.
	Summary  string
	Severity feedback.Severity
	// What is "acknowledge" or "resolve"; Late is how long past due.
	What string
	Late time.Duration
	Age  time.Duration
	// Owners are mentioned: the owner who acknowledged it, else the team's owners.
	Owners []string
}

// LLMUsage is the period's language-model token use.
type LLMUsage struct {
	Calls  int
	Tokens int
}

// Empty reports whether nothing happened in the period.
func (r *Report) Empty() bool {
	return r.FeedbackItems == 0 && r.EscalationsRaised == 0 && len(r.Overdue) == 0 && r.CRM == nil
}

// Total is the number of deals of every outcome.
func (r *Report) Total() int {
	n := 0
	for _, o := range r.Outcomes {
		n += o.Count
	}
	return n
}

func (r *Report) outcome(o feedback.Outcome) *OutcomeStat {
	if s, ok := r.Outcomes[o]; ok {
		return s
	}
	return &OutcomeStat{}
}

// Summary is the report's numbers without names or text, kept with the posted digest
// (purging old records does not change what a past digest said).
func (r *Report) Summary() map[string]any {
	outcomes := map[string]int{}
	for o, s := range r.Outcomes {
		outcomes[string(o)] = s.Count
	}
	themes := func(ts []ThemeStat) map[string]int {
		m := map[string]int{}
		for _, t := range ts {
			m[t.Key] = t.Count
		}
		return m
	}
	teams := map[string]map[string]int{}
	for _, t := range r.Teams {
		teams[t.Key] = map[string]int{"raised": t.Raised, "ack_on_time": t.AckOnTime, "ack_decided": t.AckDecided,
			"resolved": t.Resolved, "wont_fix": t.WontFix, "still_open": t.StillOpen,
			"reopened": t.Reopened, "confirmed": t.Confirmed, "escalated": t.Escalated, "top_performer": t.TopPerformerRaised}
	}
	s := map[string]any{
		"outcomes": outcomes, "loss_themes": themes(r.LossThemes), "win_themes": themes(r.WinThemes), "teams": teams,
		"overdue": len(r.Overdue), "reporters": r.Reporters, "feedback_items": r.FeedbackItems, "escalations_raised": r.EscalationsRaised,
	}
	if r.WinRate != nil {
		s["win_rate"] = *r.WinRate
	}
	if r.TopPerformers != nil {
		s["top_performers"] = map[string]int{"raised": r.TopPerformers.Raised, "still_open": r.TopPerformers.StillOpen}
	}
	if m := revenueSummary(r); m != nil {
		s["measures"] = m
	}
	if c := r.CRM; c != nil {
		crm := map[string]any{"closed": c.Closed, "with_feedback": c.WithFeedback, "value_cents": c.Value, "value_with_feedback_cents": c.ValueWithFeedback}
		if c.WinRate != nil {
			crm["win_rate"] = *c.WinRate
		}
		s["crm_deals"] = crm
	}
	return s
}
