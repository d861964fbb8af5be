package digest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// Rendering limits, below Slack's (50 blocks, 3,000 characters per text).
const (
	maxVerbatimChars   = 280
	maxCompetitorLines = 8
	maxOverdueLines    = 10
	textBudget         = 2900
)

// style renders the same report as Slack mrkdwn or as plain text: it owns escaping,
// emphasis and mentions.
type style struct {
	slack bool
	names map[string]string
}

func (s style) text(t string) string {
	if s.slack {
		return blockkit.Escape(t)
	}
	return t
}

func (s style) bold(t string) string {
	if s.slack {
		return "*" + t + "*"
	}
	return t
}

func (s style) mention(id string) string {
	if s.slack {
		return blockkit.Mention(id)
	}
	if name, ok := s.names[id]; ok {
		return "@" + name
	}
	return "@" + id
}

func (s style) quote(t string) string {
	t = strings.Join(strings.Fields(blockkit.Clip(t, maxVerbatimChars)), " ")
	if s.slack {
		return "> “" + blockkit.Escape(t) + "”"
	}
	return "    “" + t + "”"
}

// Content is a rendered report, shared by the Block Kit and plain-text forms.
type content struct {
	Title    string
	Subtitle string
	Sections []section
	Footer   string
}

type section struct {
	Title string
	Lines []string
}

// build lays the report out once; Blocks and PlainText only differ in style.
func build(r *Report, s style) content {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	start, end := r.Period.Start.In(loc), r.Period.End.In(loc)
	c := content{Title: fmt.Sprintf("Voice of sales · %s – %s", start.Format("Jan 2"), end.Add(-time.Second).Format("Jan 2"))}
	if r.Region != "" {
		c.Title += " · " + r.Region
	}
	c.Subtitle = fmt.Sprintf("What prospects told us and which teams kept their promises, %s to %s.", start.Format("Mon Jan 2 15:04"), end.Format("Mon Jan 2 15:04 MST"))
	if r.Late {
		c.Subtitle += " Posted late: vosbot was down at the scheduled time."
	}

	if r.Empty() {
		c.Sections = append(c.Sections, section{Title: "A quiet week", Lines: []string{
			"No prospect feedback and no dropped balls were filed this period.",
			"Right after a deal closes, type " + s.code("/prospect-feedback won Acme") + " (or lost, no-decision). When another team lets a customer down, type " + s.code("/dropped-ball") + ".",
		}})
	} else {
		c.Sections = append(c.Sections, dealsSection(r, s))
		if ts := themeSection("Why we lose", r.LossThemes, r.Currency, s); ts != nil {
			c.Sections = append(c.Sections, *ts)
		}
		if ts := themeSection("Why we win", r.WinThemes, r.Currency, s); ts != nil {
			c.Sections = append(c.Sections, *ts)
		}
		if ds := disagreementSection(r, s); ds != nil {
			c.Sections = append(c.Sections, *ds)
		}
		if cs := competitorSection(r, s); cs != nil {
			c.Sections = append(c.Sections, *cs)
		}
	}
	if bs := buyersSection(r, s); bs != nil {
		c.Sections = append(c.Sections, *bs)
	}
	if ps := promisesSection(r, s); ps != nil {
		c.Sections = append(c.Sections, *ps)
	}
	if rs := revenueSection(r, s); rs != nil {
		c.Sections = append(c.Sections, *rs)
	}
	if os := overdueSection(r, s); os != nil {
		c.Sections = append(c.Sections, *os)
	}
	foot := fmt.Sprintf("%d rep%s filed %d feedback item%s · %d dropped ball%s raised", r.Reporters, plural(r.Reporters), r.FeedbackItems, plural(r.FeedbackItems), r.EscalationsRaised, plural(r.EscalationsRaised))
	if r.LLM != nil {
		foot += fmt.Sprintf(" · language model: %d call%s, %s tokens", r.LLM.Calls, plural(r.LLM.Calls), thousands(int64(r.LLM.Tokens)))
	}
	c.Footer = foot + " · every number counted by vosbot"
	return c
}

func (s style) code(t string) string {
	if s.slack {
		return "`" + blockkit.Escape(t) + "`"
	}
	return t
}

func dealsSection(r *Report, s style) section {
	if r.CRM != nil {
		return crmDealsSection(r, s)
	}
	won, lost, nd := r.outcome(feedback.Won), r.outcome(feedback.Lost), r.outcome(feedback.NoDecision)
	part := func(label string, o *OutcomeStat) string {
		p := fmt.Sprintf("%d %s", o.Count, label)
		if o.Value > 0 {
			p += " (" + compactMoney(o.Value, r.Currency)
			for _, m := range sortedCurrencies(o.Other) {
				p += ", " + compactMoney(m.cents, m.cur)
			}
			p += ")"
		}
		return p
	}
	lines := []string{fmt.Sprintf("%d deal%s closed: %s · %s · %s", r.Total(), plural(r.Total()), s.bold(part("won", won)), s.bold(part("lost", lost)), part("no decision", nd))}
	if r.WinRate != nil {
		l := fmt.Sprintf("Win rate %s", s.bold(pct(*r.WinRate)))
		if r.PreviousWinRate != nil {
			delta := math.Round((*r.WinRate - *r.PreviousWinRate) * 100)
			l += fmt.Sprintf(" (previous four periods: %s, %s)", pct(*r.PreviousWinRate), arrow(delta, "pts"))
		}
		if t := winRateTrend(r.History); t != "" {
			l += " · " + t
		}
		lines = append(lines, l)
	} else if r.Total() > 0 {
		lines = append(lines, "No deal was won or lost outright this period, so there is no win rate.")
	}
	if r.FeedbackItems == 0 {
		lines = []string{"No prospect feedback this period. Right after a deal closes, type " + s.code("/prospect-feedback lost Acme") + "."}
	}
	return section{Title: "Deals", Lines: lines}
}

type money struct {
	cur   string
	cents int64
}

func sortedCurrencies(m map[string]int64) []money {
	var out []money
	for c, v := range m {
		out = append(out, money{c, v})
	}
	slices.SortFunc(out, func(a, b money) int { return strings.Compare(a.cur, b.cur) })
	return out
}

func themeSection(title string, themes []ThemeStat, currency string, s style) *section {
	if len(themes) == 0 {
		return nil
	}
	sec := section{Title: title}
	for _, t := range themes {
		l := fmt.Sprintf("%s %s — %d deal%s", "•", s.bold(s.text(t.Name)), t.Count, plural(t.Count))
		if t.Value > 0 || len(t.OtherValues) > 0 {
			var vs []string
			if t.Value > 0 {
				vs = append(vs, compactMoney(t.Value, currency))
			}
			for _, m := range sortedCurrencies(t.OtherValues) {
				vs = append(vs, compactMoney(m.cents, m.cur))
			}
			l += ", " + strings.Join(vs, " + ")
		}
		if t.ByRep != t.Count || t.InText != t.Count {
			// Where the rep's reasons and the text disagree, say so.
			l += fmt.Sprintf(" (named by reps %d, found in their words %d)", t.ByRep, t.InText)
		}
		l += " · " + arrow(float64(t.Count)-t.PreviousAverage, "vs the previous four periods' average of "+oneDecimal(t.PreviousAverage))
		if tr := countTrend(t.Counts, "deals"); tr != "" {
			l += " · " + tr
		}
		for _, v := range t.Verbatims {
			who := "a rep who asked not to be named"
			if v.ReporterID != "" {
				who = s.mention(v.ReporterID)
			}
			l += "\n" + s.quote(v.Text) + " — " + s.text(blockkit.Clip(v.Account, 80)) + ", via " + who
		}
		sec.Lines = append(sec.Lines, l)
	}
	return &sec
}

// competitorSection is who beat us: per competitor met, the deals won against it and
// lost to it (with their value), and the trend of deals it won. Deals filed before reps
// said who won count as "lost where present", never as lost to it.
func competitorSection(r *Report, s style) *section {
	if len(r.Competitors) == 0 {
		return nil
	}
	sec := section{Title: "Competitors we met"}
	for i, c := range r.Competitors {
		if i == maxCompetitorLines {
			sec.Lines = append(sec.Lines, fmt.Sprintf("and %d more", len(r.Competitors)-i))
			break
		}
		l := fmt.Sprintf("• %s — met %d: won %d, %s", s.bold(s.text(c.Name)), c.Met, c.Won, s.bold(fmt.Sprintf("lost to it %d", c.LostTo)))
		if vs := moneyList(c.LostToValue, c.LostToOther, r.Currency); vs != "" {
			l += " (" + vs + ")"
		}
		if c.LostElsewhere > 0 {
			l += fmt.Sprintf(", lost to others %d", c.LostElsewhere)
		}
		if c.LostPresent > 0 {
			l += fmt.Sprintf(", lost where present %d (winner not recorded)", c.LostPresent)
		}
		if c.NoDecision > 0 {
			l += fmt.Sprintf(", %d no decision", c.NoDecision)
		}
		if t := lostToTrend(c.LostToTrend); t != "" {
			l += " · " + t
		}
		sec.Lines = append(sec.Lines, l)
	}
	return &sec
}

// moneyList is an amount in the report's currency then those in others, never added
// together; "" when there is none.
func moneyList(cents int64, other map[string]int64, currency string) string {
	var vs []string
	if cents > 0 {
		vs = append(vs, compactMoney(cents, currency))
	}
	for _, m := range sortedCurrencies(other) {
		vs = append(vs, compactMoney(m.cents, m.cur))
	}
	return strings.Join(vs, " + ")
}

// lostToTrend is a competitor's deals won against us per period as a sparkline with the
// counts; "" when it won none of them (a flat line of zeros says nothing).
func lostToTrend(counts []int) string {
	if len(counts) < 2 || slices.Max(counts) == 0 {
		return ""
	}
	vals := make([]float64, len(counts))
	nums := make([]string, len(counts))
	for i, c := range counts {
		vals[i], nums[i] = float64(c), fmt.Sprint(c)
	}
	return fmt.Sprintf("lost to it over %d periods %s (%s)", len(counts), Sparkline(vals), strings.Join(nums, ", "))
}

func promisesSection(r *Report, s style) *section {
	if len(r.Teams) == 0 && r.TopPerformers == nil {
		return nil
	}
	sec := section{Title: "Promises to sales"}
	if tp := topPerformersLine(r.TopPerformers, s); tp != "" {
		sec.Lines = append(sec.Lines, tp)
	}
	for _, t := range r.Teams {
		l := fmt.Sprintf("• %s — raised %d", s.bold(s.text(t.Name)), t.Raised)
		if t.TopPerformerRaised > 0 {
			l += fmt.Sprintf(" (%d from top performers)", t.TopPerformerRaised)
		}
		if t.AckDecided > 0 {
			l += fmt.Sprintf(" · acknowledged in time %d/%d", t.AckOnTime, t.AckDecided)
		}
		l += fmt.Sprintf(" · resolved %d", t.Resolved)
		if t.Resolved > 0 {
			l += " (median " + humanDuration(t.MedianResolve) + ")"
		}
		l += loopCounts(t)
		if t.WontFix > 0 {
			l += fmt.Sprintf(" · won't fix %d", t.WontFix)
		}
		l += fmt.Sprintf(" · still open %d", t.StillOpen)
		if t.StillOpen > 0 {
			l += fmt.Sprintf(", oldest #%d (%s)", t.OldestOpenID, humanDuration(t.OldestOpenAge))
		}
		sec.Lines = append(sec.Lines, l)
	}
	if len(r.EscalationThemes) > 0 {
		about := make([]string, len(r.EscalationThemes))
		for i, t := range r.EscalationThemes {
			about[i] = fmt.Sprintf("%s %d", s.text(t.Name), t.Count)
		}
		sec.Lines = append(sec.Lines, "What the dropped balls were about: "+strings.Join(about, " · "))
	}
	return &sec
}

// loopCounts says what the reporters said of the team's fixes and what went past its
// owners, when anything did.
func loopCounts(t TeamStat) string {
	var l string
	if t.Confirmed > 0 {
		l += fmt.Sprintf(" · confirmed by the reporter %d", t.Confirmed)
	}
	if t.Reopened > 0 {
		l += fmt.Sprintf(" · reopened %d", t.Reopened)
	}
	if t.Escalated > 0 {
		l += fmt.Sprintf(" · escalated past owners %d", t.Escalated)
	}
	return l
}

// topPerformersLine counts the top performers' escalations, naming their open ones
// first. It never names a top performer, nor a rank.
func topPerformersLine(tp *TopPerformerStat, s style) string {
	if tp == nil {
		return ""
	}
	l := fmt.Sprintf("• %s — raised %d this period · still open %d", s.bold("From top performers"), tp.Raised, tp.StillOpen)
	for i, o := range tp.Open {
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		account := ""
		if strings.TrimSpace(o.Account) != "" {
			account = s.text(blockkit.Clip(o.Account, 60)) + ", "
		}
		l += fmt.Sprintf("%s#%d %s (%s%s)", sep, o.ID, s.text(o.TeamName), account, humanDuration(o.Age))
	}
	if more := tp.StillOpen - len(tp.Open); more > 0 && len(tp.Open) > 0 {
		l += fmt.Sprintf(" and %d more", more)
	}
	return l
}

func overdueSection(r *Report, s style) *section {
	if len(r.Overdue) == 0 {
		return nil
	}
	sec := section{Title: fmt.Sprintf("Overdue (%d)", len(r.Overdue))}
	for i, o := range r.Overdue {
		if i == maxOverdueLines {
			sec.Lines = append(sec.Lines, fmt.Sprintf("and %d more", len(r.Overdue)-i))
			break
		}
		owners := make([]string, len(o.Owners))
		for j, id := range o.Owners {
			owners[j] = s.mention(id)
		}
		account := ""
		if strings.TrimSpace(o.Account) != "" {
			account = " " + s.text(blockkit.Clip(o.Account, 60)) + " ·"
		}
		if what := strings.Join(strings.Fields(o.Summary), " "); what != "" {
			account += " “" + s.text(blockkit.Clip(what, 80)) + "” ·"
		}
		sec.Lines = append(sec.Lines, fmt.Sprintf("• #%d%s %s · %s · %s late to %s · %s", o.ID, account, s.text(o.TeamName), o.Severity,
			humanDuration(o.Late), o.What, strings.Join(owners, ", ")))
	}
	return &sec
}

// Blocks renders the report as Block Kit within Slack's limits, with a fallback text
// that reads well as a notification.
func Blocks(r *Report) (text string, blocks []slack.Block) {
	c := build(r, style{slack: true})
	blocks = append(blocks, blockkit.Header(c.Title), blockkit.Context("period", blockkit.Escape(c.Subtitle)))
	for i, sec := range c.Sections {
		blocks = append(blocks, slack.NewDividerBlock())
		for j, chunk := range chunks("*"+sec.Title+"*", sec.Lines) {
			// Keep room for the footer.
			if len(blocks) >= blockkit.MaxBlocks-2 {
				break
			}
			blocks = append(blocks, blockkit.Section(fmt.Sprintf("s%d_%d", i, j), chunk))
		}
	}
	blocks = append(blocks, blockkit.Context("footer", blockkit.Escape(c.Footer)))
	return fallback(r, c), blocks
}

// chunks packs a title and lines into texts under Slack's 3,000 characters, never
// splitting a line, and says how many lines did not fit after a few chunks.
func chunks(title string, lines []string) []string {
	var out []string
	cur := title
	for i, l := range lines {
		l = blockkit.Clip(l, textBudget-100)
		if len(cur)+1+len(l) > textBudget {
			out = append(out, cur)
			if len(out) == 4 {
				return append(out, fmt.Sprintf("and %d more", len(lines)-i))
			}
			cur = l
			continue
		}
		cur += "\n" + l
	}
	return append(out, cur)
}

// fallback is the notification text: the headline numbers.
func fallback(r *Report, c content) string {
	if r.Empty() {
		t := c.Title + ": a quiet week, nothing was filed."
		if rf := revenueFallback(r); rf != "" {
			t += " " + rf + "."
		}
		return blockkit.Escape(t)
	}
	won, lost, nd := r.outcome(feedback.Won), r.outcome(feedback.Lost), r.outcome(feedback.NoDecision)
	t := fmt.Sprintf("%s: %d deals (%d won, %d lost, %d no decision)", c.Title, r.Total(), won.Count, lost.Count, nd.Count)
	if r.WinRate != nil {
		t += ", win rate " + pct(*r.WinRate)
	}
	if r.CRM != nil {
		t = crmFallback(c.Title, r.CRM)
	}
	if len(r.LossThemes) > 0 {
		t += fmt.Sprintf(". Top reason we lose: %s (%d)", r.LossThemes[0].Name, r.LossThemes[0].Count)
	}
	if len(r.Overdue) > 0 {
		t += fmt.Sprintf(". %d dropped ball%s overdue", len(r.Overdue), plural(len(r.Overdue)))
	}
	if rf := revenueFallback(r); rf != "" {
		t += ". " + rf
	}
	return blockkit.Escape(t + ".")
}

// PlainText renders the report for a terminal (digest preview, demo); names maps user
// ids to display names where known.
func PlainText(r *Report, names map[string]string) string {
	c := build(r, style{names: names})
	var b strings.Builder
	b.WriteString(c.Title + "\n")
	b.WriteString(strings.Repeat("=", len([]rune(c.Title))) + "\n")
	b.WriteString(c.Subtitle + "\n")
	for _, sec := range c.Sections {
		b.WriteString("\n" + sec.Title + "\n")
		b.WriteString(strings.Repeat("-", len([]rune(sec.Title))) + "\n")
		for _, l := range sec.Lines {
			b.WriteString(l + "\n")
		}
	}
	b.WriteString("\n" + c.Footer + "\n")
	return b.String()
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", f*100) }

func oneDecimal(f float64) string {
	s := fmt.Sprintf("%.1f", f)
	return strings.TrimSuffix(s, ".0")
}

// arrow shows a change: ▲ +3 / ▼ −2 / ► no change.
func arrow(delta float64, what string) string {
	switch {
	case delta >= 0.05:
		return "▲ +" + oneDecimal(delta) + " " + what
	case delta <= -0.05:
		return "▼ −" + oneDecimal(-delta) + " " + what
	}
	return "► unchanged " + what
}

func thousands(n int64) string { return feedback.Amount{Cents: n * 100}.Format("") }

// compactMoney writes amounts as people say them: USD 1.2M, USD 350k, USD 900.
func compactMoney(cents int64, cur string) string {
	v := float64(cents) / 100
	var s string
	switch {
	case v >= 1e9:
		s = oneDecimal(v/1e9) + "B"
	case v >= 1e6:
		s = oneDecimal(v/1e6) + "M"
	case v >= 1e3:
		s = fmt.Sprintf("%.0fk", v/1e3)
	default:
		s = fmt.Sprintf("%.0f", v)
	}
	return cur + " " + s
}

// humanDuration is a short age: 3d 4h, 5h 10m, 25m.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days := int(d / (24 * time.Hour))
	hours := int((d % (24 * time.Hour)) / time.Hour)
	mins := int((d % time.Hour) / time.Minute)
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, hours)
	case hours > 0:
		return fmt.Sprintf("%dh %dm", hours, mins)
	}
	return fmt.Sprintf("%dm", mins)
}
