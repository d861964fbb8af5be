package bot

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/measures"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// Deps are the domain services and settings the Slack handlers use.
type Deps struct {
	Store *feedback.Store
	Org   *feedback.Org
	// Catalogue reads the theme catalogue: the reasons reps pick and the rules they are
	// validated by come from it.
	Catalogue *catalogue.Reader
	// Measures and Scorecard are the teams' revenue measures; nil: no measures.
	Measures  *measures.Store
	Scorecard *measures.Scorecard
	// SurveyBaseURL is where buyers reach the survey page (VOS_PUBLIC_URL); "": the
	// "Ask the buyer" button says surveys are not set up.
	SurveyBaseURL string
}

// onSlashCommand runs after the ack.
func (b *Bot) onSlashCommand(ctx context.Context, cmd slack.SlashCommand) {
	switch cmd.Command {
	case feedbackCommand:
		b.feedbackCommand(ctx, cmd)
	case escalationCommand:
		b.escalationCommand(ctx, cmd)
	default:
		b.log.Warn("unknown slash command", "command", cmd.Command, "user", cmd.UserID)
	}
}

// onViewSubmission runs before the ack; its result is the ack's payload (nil closes the modal).
func (b *Bot) onViewSubmission(ctx context.Context, cb slack.InteractionCallback) any {
	switch cb.View.CallbackID {
	case feedbackCallback:
		return b.submitFeedback(ctx, cb)
	case escalationCallback:
		return b.submitEscalation(ctx, cb)
	case escalationNoteCallback, escalationMoveCallback:
		return b.submitEscalationAct(ctx, cb)
	case escalationReplyForm:
		return b.submitReply(ctx, cb)
	case measuresCallback:
		return b.submitMeasures(ctx, cb)
	default:
		b.log.Warn("submission of an unknown view", "callback_id", cb.View.CallbackID, "user", cb.User.ID)
		return nil
	}
}

// onSuggestion answers a type-ahead; its result is the ack's payload.
func (b *Bot) onSuggestion(ctx context.Context, cb slack.InteractionCallback) any {
	switch cb.ActionID {
	case feedback.FieldCompetitors:
		return b.suggestCompetitors(ctx, cb.Value)
	case feedback.FieldLostTo:
		return b.suggestLostTo(ctx, cb)
	case feedback.FieldReasons:
		return suggestOptions(matchChoices(reasonChoices(b.reasons(ctx)), cb.Value), "")
	case themeMerge:
		return b.suggestMerge(ctx, cb)
	default:
		b.log.Warn("suggestions asked for an unknown element", "action_id", cb.ActionID)
		return slack.OptionsResponse{Options: []*slack.OptionBlockObject{}}
	}
}

// onInteraction handles button presses, shortcuts and closed views after the ack.
func (b *Bot) onInteraction(ctx context.Context, cb slack.InteractionCallback) {
	switch cb.Type {
	case slack.InteractionTypeMessageAction:
		if cb.CallbackID == feedbackShortcut {
			b.feedbackShortcut(ctx, cb)
			return
		}
	case slack.InteractionTypeBlockActions:
		for _, a := range cb.ActionCallback.BlockActions {
			b.onBlockAction(ctx, cb, a)
		}
		return
	case slack.InteractionTypeViewClosed:
		return
	}
	b.log.Warn("unhandled interaction", "type", cb.Type, "callback_id", cb.CallbackID, "user", cb.User.ID)
}

func (b *Bot) onBlockAction(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	switch a.ActionID {
	case feedbackEditAction:
		b.editFeedback(ctx, cb, a.Value)
	case feedbackMenuAction:
		// Each choice goes through the same handler, and the same checks, as its button.
		v := a.SelectedOption.Value
		if id, ok := strings.CutPrefix(v, feedbackMenuEdit); ok {
			b.editFeedback(ctx, cb, id)
		} else if id, ok := strings.CutPrefix(v, feedbackMenuAsk); ok {
			b.surveyAsk(ctx, cb, id)
		} else {
			b.log.Warn("feedback menu with an unknown choice", "user", cb.User.ID, "value", blockkit.Clip(v, 60))
		}
	case homeFileFeedback:
		b.openFeedback(ctx, cb.TriggerID, cb.User.ID, "", feedback.Draft{Source: feedback.SourceAppHome}, 0)
	case homeRaiseDroppedBall:
		b.openEscalation(ctx, cb.TriggerID, cb.User.ID, "", feedback.EscalationDraft{Source: feedback.SourceAppHome})
	case actAcknowledge, actResolve, actWontFix, actReassign:
		b.escalationButton(ctx, cb, a)
	case actConfirmFixed, actStillBroken, actAcceptWontFix, actReviewWontFix:
		b.reporterButton(ctx, cb, a)
	case themeAccept, themeDismiss, themeMerge:
		b.themeAction(ctx, cb, a)
	case measuresReport, measuresPickWeek:
		b.measuresButton(ctx, cb, a)
	case dealFileAction:
		b.dealFile(ctx, cb, a.Value)
	case dealSkipAction:
		b.dealSkip(ctx, cb, a)
	case surveyAskAction:
		b.surveyAsk(ctx, cb, a.Value)
	case surveyRevokeAction:
		b.surveyRevoke(ctx, cb, a.Value)
	default:
		b.log.Warn("unknown button", "action_id", a.ActionID, "user", cb.User.ID)
	}
}

// onEvent handles Events API events after the ack.
func (b *Bot) onEvent(ctx context.Context, ev slackevents.EventsAPIEvent) {
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab == "" || e.Tab == "home" {
			if err := b.publishHome(ctx, e.User); err != nil {
				b.log.Warn("app home not refreshed", "user", e.User, "error", err)
			}
		}
	default:
		b.log.Debug("unhandled event", "type", ev.InnerEvent.Type)
	}
}

// isAdmin reports whether the user may act on anything.
func (b *Bot) isAdmin(userID string) bool { return b.deps.Org.IsAdmin(userID) }
