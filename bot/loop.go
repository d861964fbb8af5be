package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// reporterButton handles "Yes, fixed", "Still broken", "I accept" and "Ask leadership to
// review" in the reporter's DM. Whoever presses is authorised here, from the escalation
// itself: the button's value only names which escalation and resolution it is about.
func (b *Bot) reporterButton(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	action := reporterActions[a.ActionID]
	id, round, ok := parseAnswerValue(a.Value)
	if !ok {
		b.log.Warn("reporter button with a forged or broken value refused", "value", blockkit.Clip(a.Value, 40), "user", cb.User.ID)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "That button doesn't point at a dropped ball vosbot knows. Nothing was changed.")
		return
	}
	e, err := b.deps.Store.Escalation(ctx, id)
	if err != nil {
		b.log.Warn("reporter button for an unknown escalation refused", "escalation_id", id, "user", cb.User.ID, "error", err)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "That dropped ball no longer exists. Nothing was changed.")
		return
	}
	answer := feedback.ReporterAnswer{EscalationID: id, ReporterID: cb.User.ID, Action: action, Round: round}
	if action.NeedsReply() {
		// Checked before the form opens, so nobody types into a form that cannot be sent.
		probe := answer
		probe.Reply = "…"
		if _, err := feedback.ReporterTransition(e, probe, b.now()); err != nil {
			b.refuseAnswer(ctx, cb.Channel.ID, cb.User.ID, e, action, err)
			return
		}
		b.openView(ctx, cb, replyModal(e, action, cb.Channel.ID, messageTS(cb)))
		return
	}
	b.answer(ctx, cb.Channel.ID, messageTS(cb), answer)
}

// messageTS is the message a button was pressed in ("" when Slack did not say).
func messageTS(cb slack.InteractionCallback) string {
	if cb.Container.MessageTs != "" {
		return cb.Container.MessageTs
	}
	return cb.Message.Timestamp
}

// answer applies the reporter's answer and replaces the DM's buttons with what it did.
func (b *Bot) answer(ctx context.Context, channel, ts string, a feedback.ReporterAnswer) error {
	e, ev, err := b.deps.Store.AnswerAsReporter(ctx, b.deps.Org, a)
	var refused *feedback.RefusedError
	if errors.As(err, &refused) {
		b.refuseAnswer(ctx, channel, a.ReporterID, refused.Escalation, a.Action, err)
		return err
	}
	if err != nil {
		b.log.Error("reporter's answer failed", "escalation_id", a.EscalationID, "action", a.Action, "user", a.ReporterID, "error", err)
		b.tell(ctx, channel, a.ReporterID, "Sorry, that didn't go through (the database didn't answer). Nothing changed; please press the button again.")
		return err
	}
	b.log.Info("reporter answered", "escalation_id", e.ID, "action", a.Action, "to", e.Status, "user", a.ReporterID, "event_id", ev.ID)
	text, blocks := answeredBlocks(e, a.Action)
	updated := false
	if ts != "" && isDM(channel) {
		if _, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err != nil {
			b.log.Warn("reporter's DM not updated; answering in a new message", "escalation_id", e.ID, "error", err)
		} else {
			updated = true
		}
	}
	if !updated {
		b.tell(ctx, channel, a.ReporterID, text)
	}
	if err := b.publishHome(ctx, a.ReporterID); err != nil {
		b.log.Warn("app home not refreshed", "user", a.ReporterID, "error", err)
	}
	return nil
}

// isDM reports whether a conversation is a direct message (a user id is how the DM was
// addressed): the only place whose message an answer may rewrite, never a channel post.
func isDM(channel string) bool {
	return blockkit.ValidID(channel) && (strings.HasPrefix(channel, "D") || strings.HasPrefix(channel, "U") || strings.HasPrefix(channel, "W"))
}

// refuseAnswer logs a refused answer and tells the presser why nothing changed.
func (b *Bot) refuseAnswer(ctx context.Context, channel, userID string, e feedback.Escalation, a feedback.Action, err error) {
	level := b.log.Info
	if errors.Is(err, feedback.ErrForbidden) {
		level = b.log.Warn // someone pressed a button that is not theirs
	}
	level("reporter's answer refused", "escalation_id", e.ID, "action", a, "user", userID, "reporter", e.ReporterID, "reason", err)
	b.tell(ctx, channel, userID, reporterRefusal(e, err))
}

// submitReply finishes "Still broken" and "Ask leadership to review": the words are
// required, kept byte for byte, and refused on the field when they cannot be stored or
// when the presser may not answer.
func (b *Bot) submitReply(ctx context.Context, cb slack.InteractionCallback) any {
	var meta replyMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.EscalationID <= 0 || !meta.Action.NeedsReply() {
		b.log.Warn("reporter's form with broken metadata refused", "user", cb.User.ID)
		return slack.NewErrorsViewSubmissionResponse(map[string]string{feedback.FieldReply: "This form is broken; press the button in the message again."})
	}
	var reply string
	if cb.View.State != nil {
		reply = cb.View.State.Values[feedback.FieldReply][feedback.FieldReply].Value
	}
	fieldErr := func(msg string) any {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{feedback.FieldReply: msg})
	}
	switch {
	case strings.TrimSpace(reply) == "":
		return fieldErr("Say what is still wrong: the team needs it to fix it.")
	case !utf8.ValidString(reply) || strings.ContainsRune(reply, 0):
		return fieldErr("This text has characters that cannot be stored; paste it again as plain text.")
	case utf8.RuneCountInString(reply) > feedback.MaxText:
		return fieldErr(fmt.Sprintf("This is %d characters; the limit is %d. Shorten it (nothing was cut).", utf8.RuneCountInString(reply), feedback.MaxText))
	}
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	a := feedback.ReporterAnswer{EscalationID: meta.EscalationID, ReporterID: cb.User.ID, Action: meta.Action, Round: meta.Round, Reply: reply}
	e, ev, err := b.deps.Store.AnswerAsReporter(ctx, b.deps.Org, a)
	var refused *feedback.RefusedError
	switch {
	case errors.As(err, &refused):
		level := b.log.Info
		if errors.Is(err, feedback.ErrForbidden) {
			level = b.log.Warn
		}
		level("reporter's answer refused", "escalation_id", a.EscalationID, "action", a.Action, "user", cb.User.ID, "reason", err)
		return fieldErr(blockkit.Clip(plainText(stripMentions(reporterRefusal(refused.Escalation, err))), 150))
	case errors.Is(err, feedback.ErrNotFound):
		return fieldErr("That dropped ball no longer exists. Nothing was changed.")
	case err != nil:
		b.log.Error("reporter's answer failed", "escalation_id", a.EscalationID, "error", err)
		return fieldErr("Couldn't save — nothing you typed was lost, press the button again.")
	}
	b.log.Info("reporter answered", "escalation_id", e.ID, "action", a.Action, "to", e.Status, "user", cb.User.ID, "event_id", ev.ID)
	b.goHandle(func() {
		ctx := context.WithoutCancel(ctx)
		if meta.TS != "" && isDM(meta.Channel) {
			text, blocks := answeredBlocks(e, a.Action)
			if _, _, _, err := b.api.UpdateMessageContext(ctx, meta.Channel, meta.TS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err != nil {
				b.log.Warn("reporter's DM not updated", "escalation_id", e.ID, "error", err)
			}
		}
		if err := b.publishHome(ctx, cb.User.ID); err != nil {
			b.log.Warn("app home not refreshed", "user", cb.User.ID, "error", err)
		}
	})
	return nil
}
