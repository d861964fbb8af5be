package digest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
	"github.com/vosbot/vosbot/internal/goldenfile"
)

func ny() *time.Location {
	loc, _ := time.LoadLocation("America/New_York")
	return loc
}

func rate(f float64) *float64 { return &f }

// history is 13 weekly periods ending at end with these won and lost counts, oldest first.
func history(end time.Time, won, lost []int) []PeriodStat {
	out := make([]PeriodStat, len(won))
	for i := range won {
		e := end.AddDate(0, 0, -7*(len(won)-1-i))
		out[i] = PeriodStat{Start: e.AddDate(0, 0, -7).UTC(), End: e.UTC(), Won: won[i], Lost: lost[i],
			WonValue: int64(won[i]) * 12_000_000, LostValue: int64(lost[i]) * 13_000_000}
	}
	return out
}

// fixedReport is a typical week, with hostile text in every user field.
func fixedReport() *Report {
	end := time.Date(2026, 11, 20, 16, 0, 0, 0, ny())
	return &Report{
		Channel: "C0LEADERSHIP", Period: Period{Start: end.AddDate(0, 0, -7).UTC(), End: end.UTC()}, Location: ny(), Currency: "USD",
		Outcomes: map[feedback.Outcome]*OutcomeStat{
			feedback.Won:        {Count: 7, Value: 84_000_000, Other: map[string]int64{"EUR": 12_000_000}},
			feedback.Lost:       {Count: 9, Value: 120_500_000},
			feedback.NoDecision: {Count: 2},
		},
		WinRate: rate(7.0 / 16), PreviousWinRate: rate(0.5),
		History: history(end, []int{5, 6, 4, 0, 7, 8, 6, 5, 9, 7, 6, 8, 7}, []int{5, 4, 6, 0, 5, 4, 6, 7, 3, 5, 6, 6, 9}),
		LossThemes: []ThemeStat{
			{Key: "price", Name: "Price or packaging", Count: 5, ByRep: 4, InText: 3, PreviousAverage: 2.25,
				Value: 98_000_000, OtherValues: map[string]int64{"EUR": 4_000_000},
				Counts: []int{1, 2, 2, 3, 1, 0, 2, 3, 2, 2, 3, 2, 5},
				Values: []int64{1e7, 3e7, 2e7, 5e7, 1e7, 0, 4e7, 6e7, 3e7, 2e7, 7e7, 4e7, 98e6}, Verbatims: []Verbatim{
					{Text: "Half the price and we'd sign <!channel>", Account: "Acme & Sons", ReporterID: "U0AVA"},
					{Text: "Gong is cheaper\nand bundles calls", Account: "Globex", ReporterID: ""},
				}},
			{Key: "integration", Name: "Integrations", Count: 3, ByRep: 3, InText: 3, PreviousAverage: 3,
				Values: []int64{0, 0, 2e7, 2e7, 0, 1e7, 0, 0, 3e7, 1e7, 0, 2e7, 15e6}, Verbatims: []Verbatim{{Text: "No <https://evil|Salesforce> sync", Account: "Initech", ReporterID: "U0BEN"}}},
		},
		WinThemes: []ThemeStat{{Key: "support", Name: "Support and customer success", Count: 4, ByRep: 2, InText: 4, PreviousAverage: 4.5}},
		Disagreements: []Disagreement{
			{Account: "Initech <x>", ReporterID: "U0BEN", RepSays: []string{"Price or packaging"}, WordsSay: "Implementation effort"},
			{Account: "Hooli", RepSays: []string{"Price or packaging", "Timing & priorities"}, WordsSay: "Missing feature"},
		},
		Competitors: []CompetitorStat{
			{Name: "Gong", Met: 6, Won: 2, LostTo: 3, LostToValue: 45_000_000, LostToOther: map[string]int64{"EUR": 5_000_000}, LostPresent: 1, LostToTrend: []int{0, 2, 1, 3}},
			{Name: "Clari <beta>", Met: 2, Won: 1, NoDecision: 1, LostToTrend: []int{0, 0, 0, 0}},
			{Name: "Chorus", Met: 2, LostTo: 0, LostElsewhere: 1, LostPresent: 1, LostToTrend: []int{1, 0, 0, 0}},
		},
		Teams: []TeamStat{
			{Key: "product", Name: "Product", Raised: 3, AckDecided: 3, AckOnTime: 2, Resolved: 1, MedianResolve: 52 * time.Hour, StillOpen: 4, OldestOpenID: 12, OldestOpenAge: 19*24*time.Hour + 3*time.Hour,
				Reopened: 1, Escalated: 2, TopPerformerRaised: 2},
			{Key: "billing", Name: "Finance & Billing", Raised: 1, AckDecided: 1, AckOnTime: 1, Resolved: 2, MedianResolve: 5 * time.Hour, WontFix: 1, Confirmed: 1},
		},
		EscalationThemes: []ThemeCount{{Key: "billing", Name: "Billing and invoicing", Count: 2}, {Key: "lead_handling", Name: "Leads <and> hand-offs", Count: 1}},
		TopPerformers: &TopPerformerStat{Raised: 2, StillOpen: 3, Open: []OpenItem{
			{ID: 12, Team: "product", TeamName: "Product", Account: "Umbrella <@U1>", Severity: feedback.SeverityHigh, Age: 19*24*time.Hour + 3*time.Hour},
			{ID: 15, Team: "product", TeamName: "Product", Severity: feedback.SeverityMedium, Age: 26 * time.Hour},
		}},
		Overdue:   []OverdueItem{{ID: 12, Team: "product", TeamName: "Product", Account: "Umbrella <@U1>", Summary: "Promised SSO slipped   again\n<!here> and the customer is furious about it for the third time this quarter", Severity: feedback.SeverityHigh, What: "resolve", Late: 3 * 24 * time.Hour, Age: 19 * 24 * time.Hour, Owners: []string{"U0PM1"}}},
		Reporters: 11, FeedbackItems: 18, EscalationsRaised: 4,
		LLM: &LLMUsage{Calls: 3, Tokens: 12345},
	}
}

func TestRenderGolden(t *testing.T) {
	t.Parallel()
	r := fixedReport()
	text, blocks := Blocks(r)
	goldenfile.JSON(t, "digest_week", map[string]any{"text": text, "blocks": blocks})
	goldenfile.File(t, "digest_week.golden.txt", []byte(PlainText(r, map[string]string{"U0AVA": "ava", "U0PM1": "priya"})))

	late := fixedReport()
	late.Late, late.Region, late.LLM = true, "EMEA", nil
	goldenfile.File(t, "digest_week_late_region.golden.txt", []byte(PlainText(late, nil)))

	empty := &Report{Channel: "C0LEADERSHIP", Period: r.Period, Location: ny(), Currency: "USD", Outcomes: map[feedback.Outcome]*OutcomeStat{},
		Teams: []TeamStat{{Key: "product", Name: "Product"}}}
	text, blocks = Blocks(empty)
	goldenfile.JSON(t, "digest_empty", map[string]any{"text": text, "blocks": blocks})
	goldenfile.File(t, "digest_empty.golden.txt", []byte(PlainText(empty, nil)))
}

// hugeReport has far more of everything than a message can hold.
func hugeReport() *Report {
	r := fixedReport()
	long := strings.Repeat("This prospect had a lot to say about our pricing page. ", 80)
	r.LossThemes, r.WinThemes = nil, nil
	for i := range topThemes {
		ts := ThemeStat{Key: fmt.Sprint("t", i), Name: strings.Repeat("Very long theme name ", 10), Count: 400 - i, ByRep: 300, InText: 350, PreviousAverage: 100}
		for range verbatimsByTheme {
			ts.Verbatims = append(ts.Verbatims, Verbatim{Text: long, Account: strings.Repeat("Account ", 30), ReporterID: "U0AVA"})
		}
		r.LossThemes = append(r.LossThemes, ts)
		r.WinThemes = append(r.WinThemes, ts)
	}
	r.Competitors = nil
	for i := range 60 {
		r.Competitors = append(r.Competitors, CompetitorStat{Name: fmt.Sprint("Competitor ", i), Met: 100 - i, Won: 10, LostTo: 50, LostToValue: 1e11,
			LostToOther: map[string]int64{"EUR": 1e10, "GBP": 1e9}, LostElsewhere: 20, LostPresent: 20, NoDecision: 10 - i%10, LostToTrend: []int{i, 40, 50 - i%7, 50}})
	}
	r.Teams = nil
	for i := range 40 {
		r.Teams = append(r.Teams, TeamStat{Key: fmt.Sprint("team", i), Name: strings.Repeat("Team ", 10) + fmt.Sprint(i), Raised: 50, AckDecided: 50, AckOnTime: 20, Resolved: 30, MedianResolve: 40 * time.Hour, StillOpen: 100, OldestOpenID: 9999, OldestOpenAge: 90 * 24 * time.Hour})
	}
	r.Overdue = nil
	for i := range maxOverdue {
		r.Overdue = append(r.Overdue, OverdueItem{ID: int64(i + 1), TeamName: "Product", Account: strings.Repeat("A", 200), Severity: feedback.SeverityCritical, What: "acknowledge", Late: time.Hour, Owners: []string{"U0PM1", "U0PM2", "U0PM3"}})
	}
	r.FeedbackItems, r.Reporters = 100_000, 900
	return r
}

// TestRenderWithinSlackLimits checks every limit on a huge week and that shortening
// says what it left out.
func TestRenderWithinSlackLimits(t *testing.T) {
	t.Parallel()
	for name, r := range map[string]*Report{"typical": fixedReport(), "huge": hugeReport()} {
		text, blocks := Blocks(r)
		if len(blocks) > blockkit.MaxBlocks {
			t.Errorf("%s: %d blocks", name, len(blocks))
		}
		if n := utf8.RuneCountInString(text); n == 0 || n > 3000 {
			t.Errorf("%s: fallback text of %d characters", name, n)
		}
		all, _ := json.Marshal(blocks)
		var raw []map[string]any
		_ = json.Unmarshal(all, &raw)
		for i, b := range raw {
			for _, txt := range texts(b) {
				if n := utf8.RuneCountInString(txt); n > 3000 {
					t.Errorf("%s: block %d text has %d characters", name, i, n)
				}
			}
			if b["type"] == "header" {
				if n := utf8.RuneCountInString(b["text"].(map[string]any)["text"].(string)); n > 150 {
					t.Errorf("%s: header of %d characters", name, n)
				}
			}
		}
	}
	_, blocks := Blocks(hugeReport())
	all, _ := json.Marshal(blocks)
	for _, want := range []string{"and 52 more", "and 15 more"} {
		if !strings.Contains(string(all), want) {
			t.Errorf("huge week does not say %q", want)
		}
	}
	goldenfile.JSON(t, "digest_huge", blocks)
}

func texts(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["text"].(string); ok {
			out = append(out, s)
		}
		for _, child := range x {
			out = append(out, texts(child)...)
		}
	case []any:
		for _, child := range x {
			out = append(out, texts(child)...)
		}
	}
	return out
}

func TestRenderEscapes(t *testing.T) {
	t.Parallel()
	text, blocks := Blocks(fixedReport())
	all, _ := json.Marshal([]any{text, blocks})
	s := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(all))
	for _, bad := range []string{"<!channel>", "<https://evil", "<@U1>", "<beta>"} {
		if strings.Contains(s, bad) {
			t.Errorf("unescaped %q in the digest", bad)
		}
	}
	for _, want := range []string{"&lt;!channel&gt;", "Acme &amp; Sons", "<@U0PM1>", "a rep who asked not to be named"} {
		if !strings.Contains(s, want) {
			t.Errorf("digest lacks %q", want)
		}
	}
	var _ slack.Block = blockkit.Header("x")
}
