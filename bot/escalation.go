package bot

import (
	"context"
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

// escalationCommand opens the modal pre-filled from "/dropped-ball billing invoice sent twice".
func (b *Bot) escalationCommand(ctx context.Context, cmd slack.SlashCommand) {
	team, summary := feedback.SplitTeam(fromSlack(cmd.Text), b.deps.Org)
	b.openEscalation(ctx, cmd.TriggerID, cmd.UserID, cmd.ChannelID, feedback.EscalationDraft{Team: team, Summary: summary, Source: feedback.SourceSlashCommand})
}

func (b *Bot) openEscalation(ctx context.Context, triggerID, userID, channelID string, d feedback.EscalationDraft) {
	ctx, cancel := context.WithTimeout(ctx, viewTimeout)
	defer cancel()
	if _, err := b.api.OpenViewContext(ctx, triggerID, escalationModal(d, b.deps.Org.Teams)); err != nil {
		b.log.Error("escalation modal not opened", "user", userID, "error", err)
		b.tell(context.WithoutCancel(ctx), channelID, userID, "Sorry, the dropped-ball form didn't open ("+errorCode(err)+"). Please run the command again.")
	}
}

// submitEscalation validates and stores a new escalation; errors go back onto the form.
func (b *Bot) submitEscalation(ctx context.Context, cb slack.InteractionCallback) any {
	d := escalationDraft(cb.View, cb.User.ID)
	e, errs := d.Validate(b.deps.Org)
	if errs != nil {
		return slack.NewErrorsViewSubmissionResponse(blockErrors(errs, feedback.FieldSummary))
	}
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	saved, created, err := b.deps.Store.RaiseEscalation(ctx, b.deps.Org, e)
	if err != nil {
		b.log.Error("escalation not saved", "user", cb.User.ID, "view", cb.View.ID, "error", err)
		return slack.NewErrorsViewSubmissionResponse(map[string]string{escalationSaveErrBlock: "Couldn't save — nothing you typed was lost, press Submit again."})
	}
	b.log.Info("escalation raised", "escalation_id", saved.ID, "team", saved.Team, "user", cb.User.ID, "created", created)
	return nil
}

// escalationButton handles Acknowledge, Resolve, Won't fix and Reassign, authorising
// the presser on the server whatever the button's visibility.
func (b *Bot) escalationButton(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	action := escalationActions[a.ActionID]
	id, err := strconv.ParseInt(a.Value, 10, 64)
	if err != nil || id <= 0 {
		b.log.Warn("escalation button with a forged or broken id refused", "value", blockkit.Clip(a.Value, 40), "user", cb.User.ID)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "That button doesn't point at an escalation vosbot knows.")
		return
	}
	lookup, cancel := context.WithTimeout(ctx, lookupTimeout)
	e, err := b.deps.Store.Escalation(lookup, id)
	cancel()
	switch {
	case errors.Is(err, feedback.ErrNotFound):
		b.log.Warn("escalation button for an unknown escalation refused", "escalation_id", id, "user", cb.User.ID, "error", err)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "That escalation no longer exists.")
		return
	case err != nil:
		b.log.Error("escalation not read for a button", "escalation_id", id, "user", cb.User.ID, "error", err)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, dbDownNote)
		return
	}
	if !feedback.MayAct(b.deps.Org, e.Team, cb.User.ID) {
		b.log.Warn("escalation action by a non-owner refused", "escalation_id", id, "action", action, "user", cb.User.ID)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, fmt.Sprintf("Only the owners of %s (%s) or an admin can act on dropped ball #%d. Nothing was changed.",
			blockkit.Escape(teamName(b.deps.Org, e.Team)), mentions(feedback.WhoMayAct(b.deps.Org, e.Team)), e.ID))
		return
	}
	if _, err := feedback.Transition(e.Status, action); err != nil {
		b.refuse(ctx, cb, e, err)
		return
	}
	switch action {
	case feedback.ActionAcknowledge:
		b.applyAct(ctx, cb.Channel.ID, cb.User.ID, feedback.Act{EscalationID: id, ActorID: cb.User.ID, Action: action})
	case feedback.ActionResolve, feedback.ActionWontFix:
		b.openView(ctx, cb, noteModal(e, action, cb.Channel.ID))
	case feedback.ActionReassign:
		if otherTeams(b.deps.Org.Teams, e.Team) == 0 {
			// A button from before the other teams were removed: a select with no
			// options would not open.
			b.tell(ctx, cb.Channel.ID, cb.User.ID, fmt.Sprintf("There is no other team to reassign dropped ball #%d to. Nothing was changed.", e.ID))
			return
		}
		b.openView(ctx, cb, reassignModal(e, b.deps.Org.Teams, cb.Channel.ID))
	}
}

func (b *Bot) openView(ctx context.Context, cb slack.InteractionCallback, view slack.ModalViewRequest) {
	ctx, cancel := context.WithTimeout(ctx, viewTimeout)
	defer cancel()
	if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, view); err != nil {
		b.log.Error("modal not opened", "callback_id", view.CallbackID, "user", cb.User.ID, "error", err)
		b.tell(context.WithoutCancel(ctx), cb.Channel.ID, cb.User.ID, "Sorry, that form didn't open ("+errorCode(err)+"). Please press the button again.")
	}
}

// applyAct moves the escalation and tells the presser when it was refused.
func (b *Bot) applyAct(ctx context.Context, channel, userID string, a feedback.Act) error {
	save, cancel := context.WithTimeout(ctx, saveTimeout)
	e, ev, err := b.deps.Store.ApplyAct(save, b.deps.Org, a)
	cancel()
	var refused *feedback.RefusedError
	if errors.As(err, &refused) {
		b.log.Info("escalation action refused", "escalation_id", a.EscalationID, "action", a.Action, "user", userID, "reason", err)
		b.tell(ctx, channel, userID, refusal(refused.Escalation, err))
		return err
	}
	if err != nil {
		b.log.Error("escalation action failed", "escalation_id", a.EscalationID, "action", a.Action, "user", userID, "error", err)
		b.tell(ctx, channel, userID, dbDownNote)
		return err
	}
	b.log.Info("escalation moved", "escalation_id", e.ID, "action", a.Action, "to", e.Status, "user", userID, "event_id", ev.ID)
	if err := b.publishHome(ctx, userID); err != nil {
		b.log.Warn("app home not refreshed", "user", userID, "error", err)
	}
	return nil
}

func (b *Bot) refuse(ctx context.Context, cb slack.InteractionCallback, e feedback.Escalation, err error) {
	b.log.Info("escalation action refused", "escalation_id", e.ID, "user", cb.User.ID, "reason", err)
	b.tell(ctx, cb.Channel.ID, cb.User.ID, refusal(e, err))
}

// refusal tells someone why nothing changed, naming who did what before them.
func refusal(e feedback.Escalation, err error) string {
	switch {
	case errors.Is(err, feedback.ErrForbidden):
		return fmt.Sprintf("You can't act on dropped ball #%d: only its team's owners or an admin can. Nothing was changed.", e.ID)
	case e.Status == feedback.StatusAcknowledged:
		return fmt.Sprintf("Dropped ball #%d was already acknowledged by %s. Nothing was changed.", e.ID, blockkit.Mention(e.OwnerID))
	case e.Status.Closed():
		return fmt.Sprintf("Dropped ball #%d is already closed (%s by %s). Nothing was changed.", e.ID, strings.ToLower(e.Status.Label()), blockkit.Mention(e.OwnerID))
	}
	return fmt.Sprintf("That can't be done to dropped ball #%d now (%s). Nothing was changed.", e.ID, blockkit.Escape(err.Error()))
}

// submitEscalationAct finishes Resolve / Won't fix (the note is required and goes to the
// reporter) and Reassign.
func (b *Bot) submitEscalationAct(ctx context.Context, cb slack.InteractionCallback) any {
	var meta escalationMeta
	if err := json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta); err != nil || meta.EscalationID <= 0 {
		b.log.Warn("escalation modal with broken metadata", "user", cb.User.ID)
		return nil
	}
	v := func(id string) slack.BlockAction {
		if cb.View.State == nil {
			return slack.BlockAction{}
		}
		return cb.View.State.Values[id][id]
	}
	a := feedback.Act{EscalationID: meta.EscalationID, ActorID: cb.User.ID, Action: meta.Action, Note: v(feedback.FieldNote).Value}
	if cb.View.CallbackID == escalationMoveCallback {
		a.Action, a.ToTeam = feedback.ActionReassign, v(feedback.FieldTeam).SelectedOption.Value
	}
	if a.Action.NeedsNote() && strings.TrimSpace(a.Note) == "" {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{feedback.FieldNote: "Write a note: the reporter receives it."})
	}
	if len([]rune(a.Note)) > feedback.MaxText {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{feedback.FieldNote: fmt.Sprintf("The limit is %d characters (nothing was cut).", feedback.MaxText)})
	}
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	e, _, err := b.deps.Store.ApplyAct(ctx, b.deps.Org, a)
	var refused *feedback.RefusedError
	switch {
	case errors.As(err, &refused):
		b.log.Info("escalation action refused", "escalation_id", a.EscalationID, "action", a.Action, "user", cb.User.ID, "reason", err)
		field := feedback.FieldNote
		if a.Action == feedback.ActionReassign {
			field = feedback.FieldTeam
		}
		return slack.NewErrorsViewSubmissionResponse(map[string]string{field: blockkit.Clip(plainText(stripMentions(refusal(refused.Escalation, err))), 150)})
	case err != nil:
		b.log.Error("escalation action failed", "escalation_id", a.EscalationID, "error", err)
		return slack.NewErrorsViewSubmissionResponse(map[string]string{feedback.FieldNote: "Couldn't save — nothing you typed was lost, press Submit again."})
	}
	b.log.Info("escalation moved", "escalation_id", e.ID, "action", a.Action, "to", e.Status, "user", cb.User.ID)
	b.goHandle(func() {
		if err := b.publishHome(context.WithoutCancel(ctx), cb.User.ID); err != nil {
			b.log.Warn("app home not refreshed", "user", cb.User.ID, "error", err)
		}
	})
	return nil
}

// stripMentions turns <@U…> into @U… for plain-text places such as form errors.
func stripMentions(s string) string {
	return strings.NewReplacer("<@", "@", ">", "").Replace(s)
}

// postEscalation puts the escalation in its channel or updates it there in place,
// re-posting it when the message was deleted. The store holds the message's lock
// meanwhile, so a raise and a quick acknowledgement never post it twice. On a retry
// (retried: an earlier attempt failed) a first post looks in the channel before posting:
// the earlier attempt may have posted and lost Slack's answer.
func (b *Bot) postEscalation(ctx context.Context, id int64, retried bool) error {
	return b.deps.Store.WithMessage(ctx, id, func(e feedback.Escalation) (feedback.MessageRef, error) {
		channel := e.ChannelID
		if channel == "" {
			channel = b.escalationChannel(e.Team)
		}
		if channel == "" {
			return feedback.MessageRef{}, nil // no channel configured: owners are told by DM only
		}
		if e.MessageTS == "" && retried {
			if ts := b.findEscalationPost(ctx, channel, e); ts != "" {
				b.log.Info("escalation message found already posted; recording it", "escalation_id", e.ID, "channel", channel, "ts", ts)
				return feedback.MessageRef{ChannelID: channel, TS: ts}, nil
			}
		}
		opts := []slack.MsgOption{
			slack.MsgOptionText(escalationText(e, b.deps.Org), false),
			slack.MsgOptionBlocks(escalationBlocks(e, b.deps.Org, b.now(), true)...),
		}
		if e.MessageTS != "" {
			_, _, _, err := b.api.UpdateMessageContext(ctx, e.ChannelID, e.MessageTS, opts...)
			if err == nil {
				return feedback.MessageRef{ChannelID: e.ChannelID, TS: e.MessageTS}, nil
			}
			if code := errorCode(err); code != "message_not_found" && code != "cant_update_message" && code != "channel_not_found" {
				return feedback.MessageRef{}, fmt.Errorf("update escalation %d message: %w", e.ID, err)
			}
			b.log.Warn("escalation message gone, posting it again", "escalation_id", e.ID, "channel", e.ChannelID)
			if configured := b.escalationChannel(e.Team); configured != "" {
				channel = configured
			}
		}
		opts = append(opts, slack.MsgOptionMetadata(slack.SlackMetadata{EventType: escalationMetadataEvent,
			EventPayload: map[string]any{"escalation_id": strconv.FormatInt(e.ID, 10)}}))
		_, ts, err := b.api.PostMessageContext(ctx, channel, opts...)
		if err != nil {
			return feedback.MessageRef{}, fmt.Errorf("post escalation %d to %s: %w", e.ID, channel, err)
		}
		return feedback.MessageRef{ChannelID: channel, TS: ts}, nil
	})
}

// escalationMetadataEvent marks an escalation's channel message, so that a post whose
// answer was lost can be found instead of posted again.
const escalationMetadataEvent = "vosbot_escalation"

// findEscalationPost looks for the escalation's message among the channel's messages
// since it was raised, page after page (a busy channel may hold hundreds after it); ""
// when it is not there or the channel cannot be read.
func (b *Bot) findEscalationPost(ctx context.Context, channel string, e feedback.Escalation) string {
	params := &slack.GetConversationHistoryParameters{
		ChannelID: channel, Limit: 200, IncludeAllMetadata: true,
		Oldest: fmt.Sprintf("%d.000000", e.CreatedAt.Add(-time.Hour).Unix()),
	}
	want := strconv.FormatInt(e.ID, 10)
	for range historyPages {
		h, err := b.api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			b.log.Warn("could not read the channel to check for an earlier post; posting", "escalation_id", e.ID, "channel", channel, "error", err)
			return ""
		}
		for _, m := range h.Messages {
			if m.Metadata.EventType == escalationMetadataEvent && m.Metadata.EventPayload["escalation_id"] == want {
				return m.Timestamp
			}
		}
		if !h.HasMore || h.ResponseMetaData.NextCursor == "" {
			return ""
		}
		params.Cursor = h.ResponseMetaData.NextCursor
	}
	return ""
}

// historyPages bounds an escalation post lookup to the channel's latest 20,000 messages.
const historyPages = 100

// escalationChannel is where a team's escalations are posted.
func (b *Bot) escalationChannel(team string) string {
	if t, ok := b.deps.Org.Team(team); ok && t.Channel != "" {
		return t.Channel
	}
	return b.deps.Org.Escalations.Channel
}

// notifyEscalation delivers one event to one recipient (a user, or the message thread).
func (b *Bot) notifyEscalation(ctx context.Context, args feedback.EscalationNotifyArgs) error {
	e, err := b.deps.Store.Escalation(ctx, args.EscalationID)
	if err != nil {
		return err
	}
	ev, err := b.deps.Store.Event(ctx, args.EventID)
	if err != nil {
		return err
	}
	n := escalationNotification(e, ev, args.Recipient, b.deps.Org, b.now())
	opts := []slack.MsgOption{slack.MsgOptionText(n.Text, false), slack.MsgOptionBlocks(n.Blocks...)}
	target := args.Recipient
	if args.Recipient == feedback.RecipientThread {
		if e.MessageTS == "" {
			if b.escalationChannel(e.Team) != "" {
				// Its post job has not finished yet: try again shortly.
				return fmt.Errorf("escalation %d is not posted yet", e.ID)
			}
			return nil // no channel: the DMs carry the reminder
		}
		target = e.ChannelID
		opts = append(opts, slack.MsgOptionTS(e.MessageTS))
	} else if !blockkit.ValidID(target) {
		b.log.Warn("escalation notification to an invalid recipient dropped", "recipient", blockkit.Clip(target, 20))
		return nil
	}
	if _, _, err := b.api.PostMessageContext(ctx, target, opts...); err != nil {
		return fmt.Errorf("notify %s of escalation %d event %d: %w", args.Recipient, e.ID, ev.ID, err)
	}
	// escalate_to may name a channel, which has no App Home.
	if args.Recipient != feedback.RecipientThread && !strings.HasPrefix(args.Recipient, "C") && !strings.HasPrefix(args.Recipient, "G") {
		if err := b.publishHome(ctx, args.Recipient); err != nil {
			b.log.Warn("app home not refreshed", "user", args.Recipient, "error", err)
		}
	}
	return nil
}
