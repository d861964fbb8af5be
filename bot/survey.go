package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/riverqueue/river"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
)

// surveyAsk answers "Ask the buyer": a new link for the item, sent to the rep alone.
// Only the rep who filed the item may (checked by the store, whoever sees the button).
func (b *Bot) surveyAsk(ctx context.Context, cb slack.InteractionCallback, value string) {
	user := cb.User.ID
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id <= 0 {
		b.log.Warn("survey button with a bad value", "value", value, "user", user)
		return
	}
	if b.deps.SurveyBaseURL == "" {
		b.tell(ctx, cb.Channel.ID, user, "Buyer surveys are not set up here: an admin needs to set VOS_PUBLIC_URL (and VOS_WEBHOOK_ADDR) so buyers can reach the page.")
		return
	}
	token, link, err := b.deps.Store.CreateSurveyLink(ctx, feedback.SurveyLinkRequest{FeedbackID: id, By: user})
	switch {
	case errors.Is(err, feedback.ErrForbidden):
		b.tell(ctx, cb.Channel.ID, user, "Only the rep who filed this feedback can ask its buyer.")
		return
	case errors.Is(err, feedback.ErrNotFound):
		b.tell(ctx, cb.Channel.ID, user, "That feedback no longer exists.")
		return
	case errors.Is(err, feedback.ErrSurveyOfSurvey):
		b.tell(ctx, cb.Channel.ID, user, "This is the buyer's own answer already.")
		return
	case err != nil:
		b.log.Error("survey link not made", "feedback", id, "user", user, "error", err)
		b.tell(ctx, cb.Channel.ID, user, "Sorry, the link could not be made. Try again in a moment.")
		return
	}
	text, blocks := surveyLinkMessage(feedback.SurveyURL(b.deps.SurveyBaseURL, token), link)
	// To the rep's own DM with vosbot, never a channel: the link is a credential.
	if _, _, err := b.api.PostMessageContext(ctx, user, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err != nil {
		b.log.Error("survey link not sent; revoking it", "link", link.ID, "user", user, "error", err)
		if _, rerr := b.deps.Store.RevokeSurveyLink(ctx, link.ID, user, false); rerr != nil {
			b.log.Error("unsent survey link not revoked", "link", link.ID, "error", rerr)
		}
		return
	}
	b.log.Info("survey link sent to the rep", "link", link.ID, "feedback", id, "user", user)
}

// surveyRevoke answers "Revoke this link"; only the rep who filed the item may.
func (b *Bot) surveyRevoke(ctx context.Context, cb slack.InteractionCallback, value string) {
	user := cb.User.ID
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id <= 0 {
		b.log.Warn("revoke button with a bad value", "value", value, "user", user)
		return
	}
	revoked, err := b.deps.Store.RevokeSurveyLink(ctx, id, user, false)
	switch {
	case errors.Is(err, feedback.ErrForbidden):
		b.tell(ctx, cb.Channel.ID, user, "Only the rep who filed this feedback can revoke its survey link.")
	case errors.Is(err, feedback.ErrNotFound):
		b.tell(ctx, cb.Channel.ID, user, "That survey link no longer exists.")
	case err != nil:
		b.log.Error("survey link not revoked", "link", id, "user", user, "error", err)
		b.tell(ctx, cb.Channel.ID, user, "Sorry, the link could not be revoked. Try again in a moment.")
	case revoked:
		b.tell(ctx, cb.Channel.ID, user, fmt.Sprintf("Survey link #%d is revoked: it no longer opens.", id))
	default:
		b.tell(ctx, cb.Channel.ID, user, fmt.Sprintf("Survey link #%d was revoked already.", id))
	}
}

// addSurveyWorkers registers the DM that tells a rep their buyer answered.
func (b *Bot) addSurveyWorkers(workers *river.Workers) {
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[feedback.SurveyAnsweredArgs]) error {
		return b.jobResult(b.tellSurveyAnswered(ctx, job.Args.AnswerID))
	}))
}

func (b *Bot) tellSurveyAnswered(ctx context.Context, answerID int64) error {
	r, err := b.deps.Store.SurveyReply(ctx, answerID)
	if err != nil {
		return err
	}
	rep := r.Answer.ReporterID
	if rep == feedback.Forgotten {
		return nil
	}
	text, blocks := surveyAnswerMessage(r)
	if _, _, err := b.api.PostMessageContext(ctx, rep, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...)); err != nil {
		return fmt.Errorf("tell %s of survey answer %d: %w", rep, answerID, err)
	}
	return nil
}
