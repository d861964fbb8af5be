package bot

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// Callback and action ids of the escalation surfaces.
const (
	escalationCommand      = "/dropped-ball"
	escalationCallback     = "dropped_ball"
	escalationNoteCallback = "escalation_note"
	escalationMoveCallback = "escalation_reassign"
	actAcknowledge         = "escalation_acknowledge"
	actResolve             = "escalation_resolve"
	actWontFix             = "escalation_wont_fix"
	actReassign            = "escalation_reassign"
	escalationHideName     = "hide_name"
	escalationSaveErrBlock = escalationHideName
)

// escalationActions maps buttons to state-machine actions.
var escalationActions = map[string]feedback.Action{
	actAcknowledge: feedback.ActionAcknowledge,
	actResolve:     feedback.ActionResolve,
	actWontFix:     feedback.ActionWontFix,
	actReassign:    feedback.ActionReassign,
}

type escalationMeta struct {
	Source       feedback.Source `json:"source"`
	EscalationID int64           `json:"escalation_id,omitempty"`
	Action       feedback.Action `json:"action,omitempty"`
	// Channel is where the button was pressed, to answer there.
	Channel string `json:"channel,omitempty"`
}

// escalationModal is the /dropped-ball form, pre-filled from the draft.
func escalationModal(d feedback.EscalationDraft, teams []feedback.Team) slack.ModalViewRequest {
	meta, _ := json.Marshal(escalationMeta{Source: d.Source})
	teamSelect := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("Choose the team"), feedback.FieldTeam)
	for _, t := range teams {
		o := blockkit.Option(t.Key, t.Name)
		teamSelect.Options = append(teamSelect.Options, o)
		if t.Key == d.Team {
			teamSelect.InitialOption = o
		}
	}
	severity := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("How bad is it?"), feedback.FieldSeverity)
	for _, s := range feedback.Severities {
		o := blockkit.Option(string(s), s.Label())
		severity.Options = append(severity.Options, o)
		if string(s) == d.Severity {
			severity.InitialOption = o
		}
	}
	hideOpt := slack.NewOptionBlockObject(escalationHideName, blockkit.Plain("Hide my name in digests"), blockkit.Plain("The team still sees who raised it, so they can follow up."))
	hide := slack.NewCheckboxGroupsBlockElement(escalationHideName, hideOpt)
	if d.HideName {
		hide.InitialOptions = []*slack.OptionBlockObject{hideOpt}
	}
	blocks := []slack.Block{
		blockkit.Context("intro", "The team you pick must acknowledge and resolve this within its SLA, in public. You'll be told what happens."),
		slack.NewInputBlock(feedback.FieldTeam, blockkit.Plain("Accountable team"), nil, teamSelect),
		textInput(feedback.FieldAccount, "Account or customer affected", "Company name", "", d.Account, false, true),
		textInput(feedback.FieldSummary, "What happened", "The invoice was sent twice and the customer is furious…", "", d.Summary, true, false),
		textInput(feedback.FieldRevenueAtRisk, "Impact: revenue at risk", "e.g. 120k or $1.2M", "Optional. The value of the deal or renewal at stake.", d.RevenueAtRisk, false, true),
		optional(slack.NewInputBlock(feedback.FieldSeverity, blockkit.Plain("Severity"), blockkit.Plain("Medium if you leave it empty."), severity)),
		textInput(feedback.FieldNeeded, "What you need and by when", "A credit note before Friday's renewal call", "", d.Needed, true, true),
		optional(slack.NewInputBlock(escalationHideName, blockkit.Plain("Privacy"), nil, hide)),
	}
	if len(teams) == 0 {
		blocks = []slack.Block{blockkit.Section("no_teams", "No teams are configured yet, so there is no one to hold accountable. Ask whoever runs vosbot to add `teams:` to its configuration.")}
		return slack.ModalViewRequest{Type: slack.VTModal, CallbackID: escalationCallback, Title: blockkit.Plain("Raise a dropped ball"), Close: blockkit.Plain("Close"), Blocks: slack.Blocks{BlockSet: blocks}}
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      escalationCallback,
		Title:           blockkit.Plain("Raise a dropped ball"),
		Submit:          blockkit.Plain("Raise it"),
		Close:           blockkit.Plain("Cancel"),
		PrivateMetadata: string(meta),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// escalationDraft reads a submitted escalation modal.
func escalationDraft(view slack.View, userID string) feedback.EscalationDraft {
	var meta escalationMeta
	_ = json.Unmarshal([]byte(view.PrivateMetadata), &meta)
	if meta.Source == "" {
		meta.Source = feedback.SourceSlashCommand
	}
	d := feedback.EscalationDraft{ReporterID: userID, Source: meta.Source, Key: view.ID}
	if view.State == nil {
		return d
	}
	v := func(id string) slack.BlockAction { return view.State.Values[id][id] }
	d.Team = v(feedback.FieldTeam).SelectedOption.Value
	d.Account = v(feedback.FieldAccount).Value
	d.Summary = v(feedback.FieldSummary).Value
	d.RevenueAtRisk = v(feedback.FieldRevenueAtRisk).Value
	d.Severity = v(feedback.FieldSeverity).SelectedOption.Value
	d.Needed = v(feedback.FieldNeeded).Value
	for _, o := range v(escalationHideName).SelectedOptions {
		if o.Value == escalationHideName {
			d.HideName = true
		}
	}
	return d
}

// noteModal asks for the note that resolving or closing an escalation must carry.
func noteModal(e feedback.Escalation, a feedback.Action, channel string) slack.ModalViewRequest {
	meta, _ := json.Marshal(escalationMeta{EscalationID: e.ID, Action: a, Channel: channel})
	title, label, submit := "Resolve", "How was it resolved?", "Resolve"
	if a == feedback.ActionWontFix {
		title, label, submit = "Won't fix", "Why won't it be fixed?", "Close it"
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: escalationNoteCallback, Title: blockkit.Plain(title), Submit: blockkit.Plain(submit), Close: blockkit.Plain("Cancel"),
		PrivateMetadata: string(meta),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			blockkit.Section("about", escalationHeadline(e)),
			textInput(feedback.FieldNote, label, "The reporter receives this note as it is.", "", "", true, false),
		}},
	}
}

// reassignModal moves an escalation to another team.
func reassignModal(e feedback.Escalation, teams []feedback.Team, channel string) slack.ModalViewRequest {
	meta, _ := json.Marshal(escalationMeta{EscalationID: e.ID, Action: feedback.ActionReassign, Channel: channel})
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("Choose the team"), feedback.FieldTeam)
	for _, t := range teams {
		if t.Key != e.Team {
			sel.Options = append(sel.Options, blockkit.Option(t.Key, t.Name))
		}
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: escalationMoveCallback, Title: blockkit.Plain("Reassign"), Submit: blockkit.Plain("Reassign"), Close: blockkit.Plain("Cancel"),
		PrivateMetadata: string(meta),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			blockkit.Section("about", escalationHeadline(e)),
			slack.NewInputBlock(feedback.FieldTeam, blockkit.Plain("Move it to"), blockkit.Plain("Its acknowledgement clock starts again for that team."), sel),
			textInput(feedback.FieldNote, "Why", "Tell the new team and the reporter why", "", "", true, true),
		}},
	}
}

// otherTeams counts the teams an escalation of team could be reassigned to.
func otherTeams(teams []feedback.Team, team string) int {
	n := 0
	for _, t := range teams {
		if t.Key != team {
			n++
		}
	}
	return n
}

// escalationHeadline is the one-line description of an escalation.
func escalationHeadline(e feedback.Escalation) string {
	account := "a customer"
	if strings.TrimSpace(e.Account) != "" {
		account = "*" + blockkit.Escape(blockkit.Clip(e.Account, 150)) + "*"
	}
	line := fmt.Sprintf("%s %s severity · %s", severityEmoji(e.Severity), e.Severity.Label(), account)
	if e.RevenueAtRisk != nil {
		line += " · " + blockkit.Escape(e.RevenueAtRisk.Format(e.Currency)) + " at risk"
	}
	return line
}

func severityEmoji(s feedback.Severity) string {
	switch s {
	case feedback.SeverityCritical:
		return ":red_circle:"
	case feedback.SeverityHigh:
		return ":large_orange_circle:"
	case feedback.SeverityMedium:
		return ":large_yellow_circle:"
	}
	return ":white_circle:"
}

// slackDate renders a time in each reader's own time zone, with a UTC fallback.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("Jan 2 15:04 UTC"))
}

func teamName(cfg *feedback.Org, key string) string {
	if t, ok := cfg.Team(key); ok {
		return t.Name
	}
	return key
}

func mentions(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = blockkit.Mention(id)
	}
	return strings.Join(parts, ", ")
}

// reporterLine names the reporter, unless they asked to stay out of public view.
func reporterLine(e feedback.Escalation) string {
	if e.ReporterID == feedback.ReporterVosbot {
		return "Raised by vosbot: a measure missed its target weeks running"
	}
	if e.HideName {
		return "Raised by a rep who asked not to be named"
	}
	return "Raised by " + blockkit.Mention(e.ReporterID)
}

// statusLine says where the escalation stands and who must move next.
func statusLine(e feedback.Escalation, cfg *feedback.Org, now time.Time) string {
	switch e.Status {
	case feedback.StatusOpen:
		s := fmt.Sprintf("*Open* · waiting for %s to acknowledge by %s", mentions(ownersOf(cfg, e.Team)), slackDate(e.AckDueAt))
		if e.Overdue(now) != "" {
			s = ":alarm_clock: " + s + " · *overdue*"
		}
		return s
	case feedback.StatusAcknowledged:
		s := fmt.Sprintf("*Acknowledged* by %s · to resolve by %s", blockkit.Mention(e.OwnerID), slackDate(e.ResolveDueAt))
		if e.Overdue(now) != "" {
			s = ":alarm_clock: " + s + " · *overdue*"
		}
		return s
	case feedback.StatusResolved:
		return fmt.Sprintf(":white_check_mark: *Resolved* by %s on %s", blockkit.Mention(e.OwnerID), slackDate(*e.ResolvedAt)) + loopStatusNote(e, now)
	case feedback.StatusConfirmed:
		return fmt.Sprintf(":white_check_mark: *Confirmed fixed* by the reporter on %s (resolved by %s on %s)", slackDate(*e.ConfirmedAt), blockkit.Mention(e.OwnerID), slackDate(*e.ResolvedAt))
	case feedback.StatusWontFix:
		return fmt.Sprintf(":no_entry_sign: *Won't fix*, closed by %s on %s", blockkit.Mention(e.OwnerID), slackDate(*e.ResolvedAt)) + loopStatusNote(e, now)
	}
	return string(e.Status)
}

// ownersOf are the team's owners, or the admins for a team no longer configured.
func ownersOf(cfg *feedback.Org, team string) []string {
	if t, ok := cfg.Team(team); ok {
		return t.Owners
	}
	return cfg.Admins
}

// escalationBlocks shows an escalation; with actions, the buttons that fit its status.
func escalationBlocks(e feedback.Escalation, cfg *feedback.Org, now time.Time, withActions bool) []slack.Block {
	blocks := []slack.Block{
		blockkit.Header(fmt.Sprintf("Dropped ball #%d · %s", e.ID, teamName(cfg, e.Team))),
		blockkit.Section("headline", escalationHeadline(e)),
		blockkit.Section("summary", "*What happened*\n"+blockkit.Quote(blockkit.Clip(e.Summary, 2800))),
	}
	if strings.TrimSpace(e.Needed) != "" {
		blocks = append(blocks, blockkit.Section("needed", "*What they need*\n"+blockkit.Quote(blockkit.Clip(e.Needed, 2800))))
	}
	blocks = append(blocks, blockkit.Section("status", statusLine(e, cfg, now)))
	blocks = append(blocks, loopBlocks(e, cfg)...)
	if e.Status.Closed() && strings.TrimSpace(e.Resolution) != "" {
		blocks = append(blocks, blockkit.Section("resolution", "*Note*\n"+blockkit.Quote(blockkit.Clip(e.Resolution, 2800))))
	}
	blocks = append(blocks, blockkit.Context("context", fmt.Sprintf("%s on %s%s · acknowledge by %s · resolve by %s",
		reporterLine(e), slackDate(e.CreatedAt), topPerformerMark(e), slackDate(e.AckDueAt), slackDate(e.ResolveDueAt))))
	if withActions && !e.Status.Closed() {
		id := strconv.FormatInt(e.ID, 10)
		var buttons []slack.BlockElement
		if e.Status == feedback.StatusOpen {
			buttons = append(buttons, blockkit.Button(actAcknowledge, id, "Acknowledge", slack.StylePrimary))
		}
		buttons = append(buttons,
			blockkit.Button(actResolve, id, "Resolve", ""),
			blockkit.Button(actWontFix, id, "Won't fix", slack.StyleDanger),
		)
		if otherTeams(cfg.Teams, e.Team) > 0 {
			buttons = append(buttons, blockkit.Button(actReassign, id, "Reassign", ""))
		}
		blocks = append(blocks, slack.NewActionBlock(fmt.Sprintf("escalation_%d", e.ID), buttons...))
	}
	return blocks
}

// escalationText is the notification text of the channel message.
func escalationText(e feedback.Escalation, cfg *feedback.Org) string {
	account := ""
	if strings.TrimSpace(e.Account) != "" {
		account = " for " + blockkit.Escape(blockkit.Clip(e.Account, 100))
	}
	return fmt.Sprintf("Dropped ball #%d%s · %s · %s", e.ID, account, blockkit.Escape(teamName(cfg, e.Team)), e.Status.Label())
}

// notification is a message to one person (or the escalation's thread) about an event.
type notification struct {
	Text   string        `json:"text"`
	Blocks []slack.Block `json:"blocks"`
}

// escalationNotification words an event for its recipient: the reporter hears what
// happened and the note; owners get the escalation with its buttons.
func escalationNotification(e feedback.Escalation, ev feedback.Event, recipient string, cfg *feedback.Org, now time.Time) notification {
	if n, ok := loopNotification(e, ev, recipient, cfg, now); ok {
		return n
	}
	ref := fmt.Sprintf("dropped ball #%d", e.ID)
	if strings.TrimSpace(e.Account) != "" {
		ref += " (" + blockkit.Escape(blockkit.Clip(e.Account, 100)) + ")"
	}
	team := blockkit.Escape(teamName(cfg, e.Team))
	var head string
	withBody := true
	switch {
	case recipient == feedback.RecipientThread:
		head = fmt.Sprintf(":alarm_clock: Reminder: this is %s. %s, please act on it or reassign it.", blockkit.Escape(ev.Note), mentions(feedback.ReminderRecipients(cfg, e)))
		withBody = false
	case ev.Action == "raised" && recipient == e.ReporterID:
		head = fmt.Sprintf("Thanks. Your %s is with *%s*. They must acknowledge it by %s and resolve it by %s; you'll hear here when they do.", ref, team, slackDate(e.AckDueAt), slackDate(e.ResolveDueAt))
		withBody = false
	case ev.Action == "raised":
		head = fmt.Sprintf("A new %s was raised for *%s*, which you own. Acknowledge it by %s.", ref, team, slackDate(e.AckDueAt))
	case ev.Action == "reassigned" && recipient != e.ReporterID:
		head = fmt.Sprintf("%s reassigned %s to *%s*, which you own. Acknowledge it by %s.", blockkit.Mention(ev.ActorID), ref, team, slackDate(e.AckDueAt))
	case ev.Action == "reassigned":
		head = fmt.Sprintf("Your %s was reassigned by %s to *%s*, which must acknowledge it by %s.", ref, blockkit.Mention(ev.ActorID), team, slackDate(e.AckDueAt))
		withBody = false
	case ev.Action == "acknowledged":
		head = fmt.Sprintf("%s acknowledged your %s and owns it now. Resolution is due by %s.", blockkit.Mention(ev.ActorID), ref, slackDate(e.ResolveDueAt))
		withBody = false
	case ev.Action == "resolved":
		head = fmt.Sprintf(":white_check_mark: %s resolved your %s.", blockkit.Mention(ev.ActorID), ref)
		withBody = false
	case ev.Action == "wont_fix":
		head = fmt.Sprintf(":no_entry_sign: %s closed your %s as won't fix.", blockkit.Mention(ev.ActorID), ref)
		withBody = false
	default:
		head = fmt.Sprintf("Update on %s: %s.", ref, blockkit.Escape(ev.Action))
		withBody = false
	}
	blocks := []slack.Block{blockkit.Section("head", head)}
	if strings.TrimSpace(ev.Note) != "" && ev.Action != "reminded" && recipient != feedback.RecipientThread {
		blocks = append(blocks, blockkit.Section("note", "*Their note*\n"+blockkit.Quote(blockkit.Clip(ev.Note, 2800))))
	}
	if withBody {
		blocks = append(blocks, escalationBlocks(e, cfg, now, true)...)
	}
	return notification{Text: plainText(head), Blocks: blocks}
}

// plainText strips the mrkdwn emphasis from a line for notification text; escaping and
// mentions stay as they are.
func plainText(s string) string {
	return strings.ReplaceAll(s, "*", "")
}
