package bot

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// The reporter's buttons and form: "did this fix it?".
const (
	actConfirmFixed     = "escalation_confirm"
	actStillBroken      = "escalation_still_broken"
	actAcceptWontFix    = "escalation_accept"
	actReviewWontFix    = "escalation_review"
	escalationReplyForm = "escalation_reply"
)

// reporterActions maps the reporter's buttons to their answers.
var reporterActions = map[string]feedback.Action{
	actConfirmFixed:  feedback.ActionConfirm,
	actStillBroken:   feedback.ActionReopen,
	actAcceptWontFix: feedback.ActionAccept,
	actReviewWontFix: feedback.ActionReview,
}

// answerValue is a reporter button's value: the escalation and the resolution (its
// reopened count) the question is about. It names nobody: who may answer is decided on
// the server, from the escalation.
func answerValue(e feedback.Escalation) string { return fmt.Sprintf("%d:%d", e.ID, e.Reopened) }

// parseAnswerValue reads "id:round" strictly; anything else is a forged or broken value.
func parseAnswerValue(v string) (id int64, round int, ok bool) {
	a, b, found := strings.Cut(v, ":")
	if !found || len(v) > 40 {
		return 0, 0, false
	}
	id, err := strconv.ParseInt(a, 10, 64)
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != a {
		return 0, 0, false
	}
	round, err = strconv.Atoi(b)
	if err != nil || round < 0 || strconv.Itoa(round) != b {
		return 0, 0, false
	}
	return id, round, true
}

// replyMeta is the reporter's form's private metadata.
type replyMeta struct {
	EscalationID int64           `json:"escalation_id"`
	Action       feedback.Action `json:"action"`
	Round        int             `json:"round"`
	// Channel and TS are the DM the buttons were in, to update it once answered.
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
}

// replyModal asks the reporter what is still wrong, or why leadership should look again.
func replyModal(e feedback.Escalation, a feedback.Action, channel, ts string) slack.ModalViewRequest {
	meta, _ := json.Marshal(replyMeta{EscalationID: e.ID, Action: a, Round: e.Reopened, Channel: channel, TS: ts})
	title, label, hint, submit := "Still broken", "What is still wrong?", "The owners and the escalations channel see this as you write it. It reopens the dropped ball.", "Reopen it"
	if a == feedback.ActionReview {
		title, label, hint, submit = "Ask for a review", "Why should leadership look again?", "Leadership receives this with the team's reason for not fixing it.", "Send"
	}
	return slack.ModalViewRequest{
		Type: slack.VTModal, CallbackID: escalationReplyForm, Title: blockkit.Plain(title), Submit: blockkit.Plain(submit), Close: blockkit.Plain("Cancel"),
		PrivateMetadata: string(meta),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			blockkit.Section("about", fmt.Sprintf("*Dropped ball #%d* · %s", e.ID, escalationHeadline(e))),
			textInput(feedback.FieldReply, label, "What the customer still sees…", hint, "", true, false),
		}},
	}
}

// reporterRefusal tells the presser why their answer changed nothing.
func reporterRefusal(e feedback.Escalation, err error) string {
	switch {
	case errors.Is(err, feedback.ErrForbidden):
		return fmt.Sprintf("Only the person who raised dropped ball #%d can answer this. Nothing was changed.", e.ID)
	case errors.Is(err, feedback.ErrAlreadyAnswered):
		switch {
		case e.Status == feedback.StatusConfirmed:
			return fmt.Sprintf("Dropped ball #%d is already confirmed fixed. Nothing was changed.", e.ID)
		case !e.Status.Closed():
			return fmt.Sprintf("Dropped ball #%d was already reopened: its team is on it again. Nothing was changed.", e.ID)
		case e.ReviewRequestedAt != nil:
			return fmt.Sprintf("Leadership was already asked to review dropped ball #%d. Nothing was changed.", e.ID)
		}
		return fmt.Sprintf("Dropped ball #%d was already answered. Nothing was changed.", e.ID)
	case errors.Is(err, feedback.ErrStaleQuestion):
		return fmt.Sprintf("That button is about an earlier resolution of dropped ball #%d; answer the latest message about it. Nothing was changed.", e.ID)
	case errors.Is(err, feedback.ErrQuestionClosed):
		return fmt.Sprintf("The question about dropped ball #%d is closed, and it stays as it is. If the problem is back, raise a new one with `/dropped-ball`.", e.ID)
	case errors.Is(err, feedback.ErrReplyRequired):
		return "Say what is still wrong: the team needs it to fix it."
	}
	return fmt.Sprintf("That can't be done to dropped ball #%d now (%s). Nothing was changed.", e.ID, blockkit.Escape(err.Error()))
}

// reporterWho names the reporter in public places, unless they asked not to be named.
func reporterWho(e feedback.Escalation) string {
	if e.HideName {
		return "The reporter"
	}
	return blockkit.Mention(e.ReporterID)
}

// recipientMention mentions a user, or links a channel (escalate_to may name either).
func recipientMention(id string) string {
	if strings.HasPrefix(id, "C") || strings.HasPrefix(id, "G") {
		if blockkit.ValidID(id) {
			return "<#" + id + ">"
		}
		return "a channel"
	}
	return blockkit.Mention(id)
}

func recipientMentions(ids []string) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = recipientMention(id)
	}
	return strings.Join(parts, ", ")
}

// loopStatusNote completes the status line with the reporter's side of the loop.
func loopStatusNote(e feedback.Escalation, now time.Time) string {
	switch {
	case e.Status == feedback.StatusResolved && e.AwaitingReporter(now):
		return " · waiting for the reporter to confirm the fix"
	case e.Unconfirmed():
		return " · *unconfirmed*: the reporter did not answer"
	case e.Status == feedback.StatusWontFix && e.ConfirmedAt != nil:
		return " · accepted by the reporter"
	case e.Status == feedback.StatusWontFix && e.ReviewRequestedAt != nil:
		return " · the reporter asked leadership to review it"
	}
	return ""
}

// loopBlocks are what the channel post shows of the loop: the reporter's words when
// they reopened it or asked for a review, and that reminders went past the owners.
func loopBlocks(e feedback.Escalation, cfg *feedback.Org) []slack.Block {
	var blocks []slack.Block
	words := blockkit.Quote(blockkit.Clip(e.ReporterNote, 2800))
	switch {
	case !e.Status.Closed() && e.Reopened > 0 && strings.TrimSpace(e.ReporterNote) != "":
		times := ""
		if e.Reopened > 1 {
			times = fmt.Sprintf(" (reopened %d times)", e.Reopened)
		}
		who := "the reporter"
		if !e.HideName {
			who = blockkit.Mention(e.ReporterID)
		}
		blocks = append(blocks, blockkit.Section("still_broken", fmt.Sprintf(":leftwards_arrow_with_hook: *Still broken*, says %s%s\n%s", who, times, words)))
	case e.Status == feedback.StatusWontFix && e.ReviewRequestedAt != nil && strings.TrimSpace(e.ReporterNote) != "":
		blocks = append(blocks, blockkit.Section("review", "*Why the reporter asks for a review*\n"+words))
	}
	if e.Escalated(cfg.Escalations.EscalateAfter) {
		blocks = append(blocks, blockkit.Section("escalated", fmt.Sprintf(":rotating_light: *Escalated* to %s: %d reminders went unanswered.",
			recipientMentions(cfg.Escalations.EscalateTo), e.UnansweredReminders)))
	}
	return blocks
}

// topPerformerMark says, and only says, that a top performer raised it: never a rank.
func topPerformerMark(e feedback.Escalation) string {
	if e.TopPerformer {
		return " · :star: from a top performer"
	}
	return ""
}

// loopNotification words the events of the loop and the reminders; ok is false for the
// other events, which escalationNotification words.
func loopNotification(e feedback.Escalation, ev feedback.Event, recipient string, cfg *feedback.Org, now time.Time) (n notification, ok bool) {
	ref := fmt.Sprintf("dropped ball #%d", e.ID)
	if strings.TrimSpace(e.Account) != "" {
		ref += " (" + blockkit.Escape(blockkit.Clip(e.Account, 100)) + ")"
	}
	team := blockkit.Escape(teamName(cfg, e.Team))
	thread := recipient == feedback.RecipientThread
	mayAct := feedback.MayAct(cfg, e.Team, recipient)
	words := blockkit.Quote(blockkit.Clip(ev.Note, 2800))
	var head string
	var extra []slack.Block
	body, actions := false, false
	switch ev.Action {
	case "reminded", "escalated":
		overdue := blockkit.Escape(ev.Note)
		if ev.DueAt != nil {
			overdue += " (due " + slackDate(*ev.DueAt) + ")"
		}
		escalatedTo := ""
		if ev.Action == "escalated" {
			escalatedTo = fmt.Sprintf(" Nobody answered the reminders, so it has gone to %s as well.", recipientMentions(cfg.Escalations.EscalateTo))
		}
		switch {
		case thread:
			head = fmt.Sprintf(":alarm_clock: Reminder: this is %s. %s, please act on it or reassign it.%s", overdue, mentions(feedback.ReminderRecipients(cfg, e)), escalatedTo)
		case ev.Action == "escalated" && !isReminded(cfg, e, recipient):
			head = fmt.Sprintf(":rotating_light: Nobody has answered %s for *%s*: %d reminders so far, and it is %s. Its owners: %s.",
				ref, team, e.UnansweredReminders, overdue, mentions(feedback.ReminderRecipients(cfg, e)))
			body, actions = true, mayAct
		default:
			head = fmt.Sprintf(":alarm_clock: Your team's %s is %s.%s", ref, overdue, escalatedTo)
			body, actions = true, true
		}
	case "reopened":
		if thread {
			head = fmt.Sprintf(":leftwards_arrow_with_hook: Reopened: %s says it is still broken.\n%s", reporterWho(e), words)
			break
		}
		head = fmt.Sprintf(":leftwards_arrow_with_hook: %s says %s is *still broken*, so it is open again. Acknowledge it by %s; it must be resolved by %s.",
			blockkit.Mention(ev.ActorID), ref, slackDate(e.AckDueAt), slackDate(e.ResolveDueAt))
		extra = append(extra, blockkit.Section("reply", "*What is still wrong*\n"+words))
		body, actions = true, true
	case "confirmed":
		head = fmt.Sprintf(":tada: %s confirmed that the fix of %s held. It is closed.", blockkit.Mention(ev.ActorID), ref)
	case "review_requested":
		if thread {
			head = fmt.Sprintf(":scales: %s asked leadership (%s) to review this won't fix.", reporterWho(e), recipientMentions(cfg.Leadership()))
			break
		}
		head = fmt.Sprintf(":scales: %s asks leadership to review %s, which *%s* closed as won't fix.", blockkit.Mention(ev.ActorID), ref, team)
		if strings.TrimSpace(e.Resolution) != "" {
			extra = append(extra, blockkit.Section("note", "*The team's reason*\n"+blockkit.Quote(blockkit.Clip(e.Resolution, 2800))))
		}
		extra = append(extra, blockkit.Section("reply", "*Why they ask*\n"+words))
		body, actions = true, mayAct
	case "resolved", "wont_fix":
		if recipient != e.ReporterID || thread {
			return notification{}, false
		}
		return reporterQuestion(e, ev, ref, now), true
	default:
		return notification{}, false
	}
	blocks := append([]slack.Block{blockkit.Section("head", head)}, extra...)
	if body {
		blocks = append(blocks, escalationBlocks(e, cfg, now, actions)...)
	}
	return notification{Text: plainText(strings.SplitN(head, "\n", 2)[0]), Blocks: blocks}, true
}

// isReminded reports whether the recipient gets the reminder as an owner.
func isReminded(cfg *feedback.Org, e feedback.Escalation, recipient string) bool {
	for _, id := range feedback.ReminderRecipients(cfg, e) {
		if id == recipient {
			return true
		}
	}
	return false
}

// reporterQuestion is the reporter's DM when their escalation is resolved or closed: the
// note, and while the question is open, "Yes, fixed" / "Still broken" (or "I accept" /
// "Ask leadership to review").
func reporterQuestion(e feedback.Escalation, ev feedback.Event, ref string, now time.Time) notification {
	var head, ask string
	var buttons []slack.BlockElement
	v := answerValue(e)
	if ev.Action == "resolved" {
		head = fmt.Sprintf(":white_check_mark: %s resolved your %s.", blockkit.Mention(ev.ActorID), ref)
		ask = "*Did this fix it?*"
		buttons = []slack.BlockElement{blockkit.Button(actConfirmFixed, v, "Yes, fixed", slack.StylePrimary), blockkit.Button(actStillBroken, v, "Still broken", slack.StyleDanger)}
	} else {
		head = fmt.Sprintf(":no_entry_sign: %s closed your %s as won't fix.", blockkit.Mention(ev.ActorID), ref)
		ask = "*Do you accept this?*"
		buttons = []slack.BlockElement{blockkit.Button(actAcceptWontFix, v, "I accept", ""), blockkit.Button(actReviewWontFix, v, "Ask leadership to review", "")}
	}
	blocks := []slack.Block{blockkit.Section("head", head)}
	if strings.TrimSpace(ev.Note) != "" {
		blocks = append(blocks, blockkit.Section("note", "*Their note*\n"+blockkit.Quote(blockkit.Clip(ev.Note, 2800))))
	}
	if e.AwaitingReporter(now) && e.Status == feedback.Status(ev.ToStatus) {
		blocks = append(blocks,
			blockkit.Section("ask", fmt.Sprintf("%s Only you can answer, until %s.", ask, slackDate(*e.ConfirmDueAt))),
			slack.NewActionBlock(fmt.Sprintf("answer_%d", e.ID), buttons...))
	}
	return notification{Text: plainText(head), Blocks: blocks}
}

// answeredBlocks replace the buttons of the reporter's DM once answered.
func answeredBlocks(e feedback.Escalation, a feedback.Action) (string, []slack.Block) {
	var text string
	switch a {
	case feedback.ActionConfirm:
		text = fmt.Sprintf(":tada: Thanks: dropped ball #%d is confirmed fixed, and its team was told.", e.ID)
	case feedback.ActionReopen:
		text = fmt.Sprintf(":leftwards_arrow_with_hook: Dropped ball #%d is open again; its owners have your words, and you'll hear here what happens.", e.ID)
	case feedback.ActionAccept:
		text = fmt.Sprintf("Thanks: you accepted that dropped ball #%d won't be fixed.", e.ID)
	case feedback.ActionReview:
		text = fmt.Sprintf(":scales: Leadership was asked to review dropped ball #%d, with your words.", e.ID)
	}
	return text, []slack.Block{blockkit.Section("answered", text)}
}
