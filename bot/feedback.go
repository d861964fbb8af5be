package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// viewTimeout leaves room inside Slack's 3 s trigger lifetime.
const viewTimeout = 2500 * time.Millisecond

// saveTimeout bounds one write on an interactive path (a submission's save, a button's
// transition). A submission's whole handling is also bounded by ackBudget.
const saveTimeout = 2 * time.Second

// ackBudget bounds everything done before a submission's ack, from its receipt:
// validation (which may read the catalogue) and the save. Slack shows the user an error
// after 3 s without an ack, so even a database that hangs must leave time to send the
// "couldn't save" answer that keeps the modal open.
const ackBudget = 2500 * time.Millisecond

// lookupTimeout bounds a read behind a button press (the record it acts on): a database
// that hangs gets the presser a note that nothing changed, and leaves time for the modal
// the button opens inside its trigger's 3 s.
const lookupTimeout = time.Second

// homeTimeout bounds an App Home refresh: its reads and the publish.
const homeTimeout = 5 * time.Second

// dbDownNote tells someone whose press went nowhere because the database did not answer.
const dbDownNote = "Sorry, that didn't go through (the database didn't answer). Nothing changed; please try again."

// feedbackCommand opens the modal pre-filled from "/prospect-feedback lost Acme".
func (b *Bot) feedbackCommand(ctx context.Context, cmd slack.SlashCommand) {
	outcome, account := feedback.SplitOutcome(fromSlack(cmd.Text))
	d := feedback.Draft{Outcome: string(outcome), Account: account, Source: feedback.SourceSlashCommand, ReporterID: cmd.UserID}
	b.openFeedback(ctx, cmd.TriggerID, cmd.UserID, cmd.ChannelID, d, 0)
}

// permalinkTimeout bounds the permalink lookup, which comes before the modal opens and so
// inside the trigger's 3 s.
const permalinkTimeout = 700 * time.Millisecond

// feedbackShortcut opens the modal with a message as the prospect's own words.
func (b *Bot) feedbackShortcut(ctx context.Context, cb slack.InteractionCallback) {
	d := feedback.Draft{Verbatim: fromSlack(cb.Message.Text), Source: feedback.SourceMessageShortcut}
	ts := cb.Message.Timestamp
	if ts == "" {
		ts = cb.MessageTs
	}
	if blockkit.ValidID(cb.Channel.ID) && ts != "" {
		d.MessageURL = b.permalink(ctx, cb.Channel.ID, ts)
	}
	b.openFeedback(ctx, cb.TriggerID, cb.User.ID, cb.Channel.ID, d, 0)
}

// permalink asks Slack for a message's link, which only Slack knows for a thread reply,
// Enterprise Grid or GovSlack; "" when it does not answer in time (the modal opens
// without the link rather than not at all).
func (b *Bot) permalink(ctx context.Context, channel, ts string) string {
	ctx, cancel := context.WithTimeout(ctx, permalinkTimeout)
	defer cancel()
	link, err := b.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: channel, Ts: ts})
	if err != nil {
		b.log.Warn("message link not found; the feedback will not link to the message", "channel", channel, "error", err)
		return ""
	}
	return link
}

func (b *Bot) feedbackForm(ctx context.Context, d feedback.Draft, id int64) feedbackForm {
	f := feedbackForm{Draft: d, FeedbackID: id, Reasons: b.reasons(ctx), Regions: b.deps.Org.Regions, Currency: b.deps.Org.Currency}
	if id == 0 && d.DealID == 0 && d.ReporterID != "" {
		// A waiting deal of the account typed is offered to link.
		f.DealChoices = b.dealChoices(ctx, d.ReporterID, d.Account)
	}
	return f
}

func (b *Bot) openFeedback(ctx context.Context, triggerID, userID, channelID string, d feedback.Draft, id int64) {
	ctx, cancel := context.WithTimeout(ctx, viewTimeout)
	defer cancel()
	if _, err := b.api.OpenViewContext(ctx, triggerID, feedbackModal(b.feedbackForm(ctx, d, id))); err != nil {
		b.log.Error("feedback modal not opened", "user", userID, "error", err)
		b.tell(context.WithoutCancel(ctx), channelID, userID, "Sorry, the feedback form didn't open ("+errorCode(err)+"). Please run the command again.")
		return
	}
	b.log.Info("feedback modal opened", "user", userID, "source", d.Source, "editing", id)
}

// submitFeedback validates and stores a submission; errors go back onto the form.
func (b *Bot) submitFeedback(ctx context.Context, cb slack.InteractionCallback) any {
	d, meta := feedbackDraft(cb.View, cb.User.ID)
	f, errs := d.Validate(b.rules(ctx))
	if errs != nil {
		return slack.NewErrorsViewSubmissionResponse(blockErrors(errs, feedback.FieldAccount))
	}
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	if f.DealID != 0 && meta.FeedbackID == 0 {
		if msg := b.dealLinkProblem(ctx, cb.User.ID, f.DealID); msg != "" {
			block := feedbackSaveErrBlock
			if meta.DealID == 0 {
				block = dealLinkBlock
			}
			return slack.NewErrorsViewSubmissionResponse(map[string]string{block: msg})
		}
	}
	var err error
	if meta.FeedbackID > 0 {
		var changed bool
		_, changed, err = b.deps.Store.EditFeedback(ctx, meta.FeedbackID, cb.User.ID, cb.View.ID, b.isAdmin(cb.User.ID), f)
		switch {
		case errors.Is(err, feedback.ErrForbidden):
			return slack.NewErrorsViewSubmissionResponse(map[string]string{feedbackSaveErrBlock: "Only the rep who filed this feedback (or an admin) can edit it."})
		case errors.Is(err, feedback.ErrNotFound):
			return slack.NewErrorsViewSubmissionResponse(map[string]string{feedbackSaveErrBlock: "This feedback no longer exists, so it can't be edited."})
		case err == nil:
			b.log.Info("feedback edited", "feedback_id", meta.FeedbackID, "user", cb.User.ID, "changed", changed)
		}
	} else {
		var saved feedback.Feedback
		var created bool
		saved, created, err = b.deps.Store.SaveFeedback(ctx, f)
		if err == nil {
			b.log.Info("feedback saved", "feedback_id", saved.ID, "user", cb.User.ID, "created", created, "source", f.Source)
		}
	}
	if err != nil {
		b.log.Error("feedback not saved", "user", cb.User.ID, "view", cb.View.ID, "error", err)
		return slack.NewErrorsViewSubmissionResponse(map[string]string{feedbackSaveErrBlock: "Couldn't save — nothing you typed was lost, press Submit again."})
	}
	return nil
}

// blockErrors maps field errors to the blocks that show them (block ids are field
// names); an error on a field without a block goes to fallback.
func blockErrors(errs feedback.FieldErrors, fallback string) map[string]string {
	out := map[string]string{}
	for field, msg := range errs {
		switch field {
		case "reporter_id":
			field = fallback
		}
		out[field] = blockkit.Clip(msg, 150)
	}
	return out
}

func (b *Bot) suggestCompetitors(ctx context.Context, typed string) slack.OptionsResponse {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	known, err := b.deps.Store.Competitors(ctx, typed, 20)
	if err != nil {
		// Still offer what was typed: a new name needs no database.
		b.log.Warn("competitor suggestions failed", "error", err)
	}
	return competitorSuggestions(typed, known)
}

// suggestLostTo answers the "Lost to" type-ahead, with the competitors the rep already
// picked in the form first when Slack sent the form's state along.
func (b *Bot) suggestLostTo(ctx context.Context, cb slack.InteractionCallback) slack.OptionsResponse {
	var picked []string
	if cb.View.State != nil {
		for _, o := range cb.View.State.Values[feedback.FieldCompetitors][feedback.FieldCompetitors].SelectedOptions {
			picked = append(picked, o.Value)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	known, err := b.deps.Store.Competitors(ctx, cb.Value, 20)
	if err != nil {
		b.log.Warn("competitor suggestions failed", "error", err)
	}
	return lostToSuggestions(cb.Value, picked, known)
}

// editFeedback reopens a saved item for its reporter (or an admin).
func (b *Bot) editFeedback(ctx context.Context, cb slack.InteractionCallback, value string) {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id <= 0 {
		b.log.Warn("edit button with a forged or broken id refused", "value", blockkit.Clip(value, 40), "user", cb.User.ID)
		return
	}
	lookup, cancel := context.WithTimeout(ctx, lookupTimeout)
	f, err := b.deps.Store.Feedback(lookup, id)
	cancel()
	switch {
	case errors.Is(err, feedback.ErrNotFound):
		b.log.Warn("edit of unknown feedback refused", "feedback_id", id, "user", cb.User.ID, "error", err)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "That feedback no longer exists.")
		return
	case err != nil:
		b.log.Error("feedback not read for editing", "feedback_id", id, "user", cb.User.ID, "error", err)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, dbDownNote)
		return
	}
	if f.Source == feedback.SourceBuyerSurvey {
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "This is the buyer's own answer to your survey: nobody at the company edits it.")
		return
	}
	if f.ReporterID != cb.User.ID && !b.isAdmin(cb.User.ID) {
		b.log.Warn("edit by someone else refused", "feedback_id", id, "user", cb.User.ID)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, fmt.Sprintf("Only %s, who filed it, or an admin can edit this feedback.", blockkit.Mention(f.ReporterID)))
		return
	}
	b.openFeedback(ctx, cb.TriggerID, cb.User.ID, cb.Channel.ID, f.ToDraft(), f.ID)
}

// tell sends a user a short note they alone see: ephemeral in a channel, else a DM.
func (b *Bot) tell(ctx context.Context, channelID, userID, text string) {
	var err error
	if blockkit.ValidID(channelID) && !strings.HasPrefix(channelID, "D") {
		_, err = b.api.PostEphemeralContext(ctx, channelID, userID, slack.MsgOptionText(text, false))
	}
	if err != nil || !blockkit.ValidID(channelID) || strings.HasPrefix(channelID, "D") {
		_, _, err = b.api.PostMessageContext(ctx, userID, slack.MsgOptionText(text, false))
	}
	if err != nil {
		b.log.Warn("could not tell the user", "user", userID, "error", err)
	}
}

// errorCode is the short Slack error code of err, for people.
func errorCode(err error) string {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "Slack was slow to answer"
	}
	return "unexpected error"
}
