package bot

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// Callback, action and block ids of the measures surfaces.
const (
	measuresCallback   = "measures_report"
	measuresReport     = "measures_report"     // button: value "team|week"
	measuresPickWeek   = "measures_pick_week"  // App Home select of the last 13 weeks
	measuresNoteBlock  = "measures_note"       // the modal's note
	measureBlockPrefix = "measure_"            // + measure key: one input per measure
	measuresMetadata   = "vosbot_measures_ask" // marks ask DMs
	measuresReportable = measures.SeriesWeeks  // weeks an owner may report or correct from Slack
)

// reportRef is what a Report button or a week option points at.
type reportRef struct {
	Team string
	Week measures.Week
}

func (r reportRef) value() string { return r.Team + "|" + r.Week.String() }

// parseReportRef reads a button's value; ok is false for anything vosbot did not make.
func parseReportRef(v string) (reportRef, bool) {
	team, week, found := strings.Cut(v, "|")
	if !found || team == "" || len(v) > 80 {
		return reportRef{}, false
	}
	w, err := measures.ParseWeek(week)
	if err != nil || w.String() != week {
		return reportRef{}, false
	}
	return reportRef{Team: team, Week: w}, true
}

// measuresMeta is the modal's private metadata.
type measuresMeta struct {
	Team   string          `json:"team"`
	Week   string          `json:"week"`
	Source measures.Source `json:"source"`
}

// weekSpan is "Mon Nov 9 – Sun Nov 15".
func weekSpan(w measures.Week) string {
	d := w.Date()
	return d.Format("Mon Jan 2") + " – " + d.AddDate(0, 0, 6).Format("Mon Jan 2")
}

// measureTargetLine is "Invoices sent on time — target ≥ 95%".
func measureTargetLine(m measures.Measure) string {
	return "• " + blockkit.Escape(m.Name) + " — target " + blockkit.Escape(m.TargetLabel())
}

// askData is one owner's ask DM.
type askData struct {
	Ref      reportRef
	TeamName string
	Measures []measures.Measure
	Reminder bool
}

// askMessage is the DM "measures due": last week's measures, a Report button.
func askMessage(a askData) (string, []slack.Block) {
	team := blockkit.Escape(a.TeamName)
	head := fmt.Sprintf(":bar_chart: Time to report *%s*'s measures for the *%s* (%s).", team, a.Ref.Week.Label(), weekSpan(a.Ref.Week))
	text := fmt.Sprintf("%s measures for the %s are due", a.TeamName, a.Ref.Week.Label())
	if a.Reminder {
		head = fmt.Sprintf(":alarm_clock: Reminder: *%s*'s measures for the *%s* (%s) are still not reported.", team, a.Ref.Week.Label(), weekSpan(a.Ref.Week))
		text = "Reminder: " + text
	}
	lines := make([]string, len(a.Measures))
	for i, m := range a.Measures {
		lines[i] = measureTargetLine(m)
	}
	blocks := []slack.Block{
		blockkit.Section("head", head),
		blockkit.Section("measures", strings.Join(lines, "\n")),
		slack.NewActionBlock("actions", blockkit.Button(measuresReport, a.Ref.value(), "Report", slack.StylePrimary)),
		blockkit.Context("how", "One answer from any owner reports it for all of you. A week nobody reports shows as ⚪ not reported in the digest, never as zero."),
	}
	return blockkit.Escape(text), blocks
}

// answeredMessage replaces the ask DMs once an owner answered: who, and the values.
func answeredMessage(ref reportRef, teamName string, ms []measures.Measure, entries []measures.Entry, by string, at time.Time) (string, []slack.Block) {
	var lines []string
	for _, m := range ms {
		line := "⚪ " + blockkit.Escape(m.Name) + ": not reported"
		for _, e := range entries {
			if e.Measure == m.Key {
				v := e.Value
				line = fmt.Sprintf("%s %s: *%s* (target %s)", m.StatusOf(&v).Mark(), blockkit.Escape(m.Name), blockkit.Escape(m.Format(v)), blockkit.Escape(m.TargetLabel()))
			}
		}
		lines = append(lines, line)
	}
	head := fmt.Sprintf(":white_check_mark: *%s*'s measures for the *%s* were reported by %s on %s.", blockkit.Escape(teamName), ref.Week.Label(), blockkit.Mention(by), slackDate(at))
	blocks := []slack.Block{
		blockkit.Section("head", head),
		blockkit.Section("values", strings.Join(lines, "\n")),
	}
	for _, e := range entries {
		if strings.TrimSpace(e.Note) != "" {
			blocks = append(blocks, blockkit.Section("note", "*Note*\n"+blockkit.Quote(blockkit.Clip(e.Note, 1000))))
			break
		}
	}
	blocks = append(blocks, slack.NewActionBlock("actions", blockkit.Button(measuresReport, ref.value(), "Correct", "")),
		blockkit.Context("how", "A correction keeps the earlier value in the audit trail."))
	text := fmt.Sprintf("%s measures for the %s were reported", teamName, ref.Week.Label())
	return blockkit.Escape(text), blocks
}

// inputValue is a stored value as the modal pre-fills it: exact, and read back as itself.
func inputValue(m measures.Measure, v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if strings.TrimSpace(m.Unit) == "%" {
		s += "%"
	}
	return s
}

// valueHint says what the number is measured against and how to type it.
func valueHint(m measures.Measure) string {
	dir := "higher is better"
	if m.Better == measures.Lower {
		dir = "lower is better"
	}
	unit := ""
	if u := strings.TrimSpace(m.Unit); u != "" {
		unit = " In " + u + "."
	}
	return blockkit.Clip(fmt.Sprintf("Target %s (%s).%s Type it as you would say it: 95, 95%%, 1,200, 1.2k or 3.5m.", m.TargetLabel(), dir, unit), 2000)
}

// measuresModalData is what the report modal shows.
type measuresModalData struct {
	Ref      reportRef
	TeamName string
	Measures []measures.Measure
	// Entries are the week's values already reported (a correction pre-fills them).
	Entries []measures.Entry
	Source  measures.Source
}

// measuresModal has one number field per measure (labelled with its name, the target and
// unit as hint) and a note.
func measuresModal(d measuresModalData) slack.ModalViewRequest {
	meta, _ := json.Marshal(measuresMeta{Team: d.Ref.Team, Week: d.Ref.Week.String(), Source: d.Source})
	blocks := []slack.Block{
		blockkit.Context("about", fmt.Sprintf("*%s* · %s (%s)", blockkit.Escape(d.TeamName), d.Ref.Week.Label(), weekSpan(d.Ref.Week))),
	}
	byKey := map[string]measures.Entry{}
	var earlier []string
	note := ""
	for _, e := range d.Entries {
		byKey[e.Measure] = e
		if note == "" {
			note = e.Note
		}
	}
	for _, m := range d.Measures {
		if e, ok := byKey[m.Key]; ok {
			earlier = append(earlier, fmt.Sprintf("%s %s by %s", blockkit.Escape(m.Name), blockkit.Escape(m.Format(e.Value)), blockkit.Mention(e.ReportedBy)))
		}
	}
	if len(earlier) > 0 {
		blocks = append(blocks, blockkit.Context("earlier", "Reported already: "+strings.Join(earlier, "; ")+". What you submit replaces it; the earlier value is kept in the audit trail."))
	}
	for _, m := range d.Measures {
		el := slack.NewPlainTextInputBlockElement(blockkit.Plain(placeholder(m)), measureBlockPrefix+m.Key)
		el.MaxLength = 40
		if e, ok := byKey[m.Key]; ok {
			el.InitialValue = inputValue(m, e.Value)
		}
		blocks = append(blocks, slack.NewInputBlock(measureBlockPrefix+m.Key, blockkit.Plain(blockkit.Clip(m.Name, 2000)), blockkit.Plain(valueHint(m)), el))
	}
	blocks = append(blocks, textInputMax(measuresNoteBlock, "Note", "What explains the week (optional)", "Shown with the values to the other owners.", note, measures.MaxNote))
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: measuresCallback, Title: blockkit.Plain("Report measures"),
		Submit: blockkit.Plain("Report"), Close: blockkit.Plain("Cancel"), PrivateMetadata: string(meta),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// placeholder is an example value in the measure's own terms.
func placeholder(m measures.Measure) string {
	ex := measures.FormatNumber(m.Target)
	if strings.TrimSpace(m.Unit) == "%" {
		ex += "%"
	}
	return "e.g. " + ex
}

// textInputMax is an optional multi-line text input with its own length limit.
func textInputMax(id, label, placeholder, hint, initial string, max int) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(blockkit.Plain(placeholder), id)
	el.Multiline, el.MaxLength = true, max
	el.InitialValue = blockkit.Clip(initial, max)
	b := slack.NewInputBlock(id, blockkit.Plain(label), blockkit.Plain(hint), el)
	b.Optional = true
	return b
}

// homeMeasures is one team's measures in an owner's App Home.
type homeMeasures struct {
	Team     string
	TeamName string
	// Series are the team's measures' last 13 weeks, ending with the last complete week.
	Series []measureSeries
	// Last is the latest complete week.
	Last measures.Week
}

type measureSeries struct {
	Measure measures.Measure
	Series  measures.Series
}

// measuresHomeBlocks show an owner their teams' measures with sparklines, a Report
// button for last week and a choice of the last 13 weeks to report or correct.
func measuresHomeBlocks(teams []homeMeasures) []slack.Block {
	var blocks []slack.Block
	for _, t := range teams {
		blocks = append(blocks, slack.NewDividerBlock(), blockkit.Section("measures_"+t.Team+"_title", "*Measures of "+blockkit.Escape(t.TeamName)+"*"))
		lastReported := len(t.Series) > 0
		for _, ms := range t.Series {
			m, s := ms.Measure, ms.Series
			p := s.Last()
			latest := "⚪ not reported"
			if p.Value != nil {
				latest = p.Status.Mark() + " " + blockkit.Escape(m.Format(*p.Value))
			} else {
				lastReported = false
			}
			line := fmt.Sprintf("*%s* · target %s\n`%s` · %s: %s", blockkit.Escape(m.Name), blockkit.Escape(m.TargetLabel()), s.Sparkline(), t.Last.Label(), latest)
			if a := s.Average(measures.AverageWeeks); a != nil {
				line += " · 4-wk avg " + blockkit.Escape(m.Format(*a))
			}
			if st := s.Streak().String(); st != "" {
				line += " · " + st
			}
			blocks = append(blocks, blockkit.Section("measure_"+t.Team+"_"+m.Key, line))
		}
		label, style := "Report "+t.Last.Label(), slack.StylePrimary
		if lastReported {
			label, style = "Correct "+t.Last.Label(), ""
		}
		weeks := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("Report or correct another week"), measuresPickWeek)
		for i := range measuresReportable {
			w := t.Last.Add(-i)
			weeks.Options = append(weeks.Options, blockkit.Option(reportRef{Team: t.Team, Week: w}.value(), weekOptionText(w, t.Series)))
		}
		blocks = append(blocks, slack.NewActionBlock("measures_"+t.Team+"_actions",
			blockkit.Button(measuresReport, reportRef{Team: t.Team, Week: t.Last}.value(), label, style), weeks))
	}
	return blocks
}

// weekOptionText is "Week of Nov 9 · ✅ ✅" (the status of each measure that week).
func weekOptionText(w measures.Week, series []measureSeries) string {
	var marks []string
	for _, ms := range series {
		for _, p := range ms.Series {
			if p.Week == w {
				marks = append(marks, p.Status.Mark())
			}
		}
	}
	return "W" + strings.TrimPrefix(w.Label(), "w") + " · " + strings.Join(marks, " ")
}
