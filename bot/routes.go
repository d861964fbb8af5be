package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// Deps are the domain services the Slack handlers call.
type Deps struct{}

// onSlashCommand runs after the ack.
func (b *Bot) onSlashCommand(ctx context.Context, cmd slack.SlashCommand) {
	switch cmd.Command {
	default:
		b.log.Warn("unknown slash command", "command", cmd.Command, "user", cmd.UserID)
	}
}

// onViewSubmission runs before the ack; its result is the ack's payload (nil closes the modal).
func (b *Bot) onViewSubmission(ctx context.Context, cb slack.InteractionCallback) any {
	switch cb.View.CallbackID {
	default:
		b.log.Warn("submission of an unknown view", "callback_id", cb.View.CallbackID, "user", cb.User.ID)
		return nil
	}
}

// onInteraction handles button presses, shortcuts and closed views after the ack.
func (b *Bot) onInteraction(ctx context.Context, cb slack.InteractionCallback) {
	b.log.Warn("unhandled interaction", "type", cb.Type, "callback_id", cb.CallbackID, "user", cb.User.ID)
}

// onEvent handles Events API events after the ack.
func (b *Bot) onEvent(ctx context.Context, ev slackevents.EventsAPIEvent) {
	b.log.Debug("unhandled event", "type", ev.InnerEvent.Type)
}
