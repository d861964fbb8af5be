package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
)

const homeRaiseDroppedBall = "home_raise_dropped_ball"

// homeData is what one user's App Home shows.
type homeData struct {
	UserID   string
	Feedback []feedback.Feedback
	Reasons  []Reason
}

// homeView builds the App Home tab.
func homeView(h homeData) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Voice of sales")),
		section("intro", "File what a prospect told you right after a deal closes, and raise a dropped ball when another team lets a customer down. Leadership reads both every Friday."),
		slack.NewActionBlock("home_actions",
			button(homeFileFeedback, "new", "File prospect feedback", slack.StylePrimary),
			button(homeRaiseDroppedBall, "new", "Raise a dropped ball", ""),
		),
		slack.NewDividerBlock(),
		section("feedback_title", "*Your latest prospect feedback*"),
	}
	if len(h.Feedback) == 0 {
		blocks = append(blocks, contextText("feedback_empty", "Nothing yet. Type `/prospect-feedback lost Acme` in any channel, or use the button above."))
	}
	for _, f := range h.Feedback {
		blocks = append(blocks, feedbackHomeItem(f, h.Reasons))
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

func feedbackHomeItem(f feedback.Feedback, reasons []Reason) slack.Block {
	line := fmt.Sprintf("%s *%s* · %s · %s", outcomeEmoji(f.Outcome), escape(clip(f.Account, 120)), f.Outcome.Label(), f.CreatedAt.Format("Jan 2"))
	if f.DealValue != nil {
		line += " · " + escape(f.DealValue.Format(f.Currency))
	}
	var themes []string
	for _, t := range f.Themes {
		themes = append(themes, t.Name)
	}
	detail := "themes: being detected…"
	if len(themes) > 0 {
		detail = "themes: " + escape(strings.Join(themes, ", "))
	}
	if len(f.Reasons) > 0 {
		detail = "you said: " + escape(strings.Join(reasonNames(f.Reasons, reasons), ", ")) + " · " + detail
	}
	s := slack.NewSectionBlock(mrkdwn(clip(line+"\n"+detail, maxSectionText)), nil,
		slack.NewAccessory(button(feedbackEditAction, fmt.Sprint(f.ID), "Edit", "")))
	s.BlockID = fmt.Sprintf("feedback_%d", f.ID)
	return s
}

func outcomeEmoji(o feedback.Outcome) string {
	switch o {
	case feedback.Won:
		return ":trophy:"
	case feedback.Lost:
		return ":x:"
	default:
		return ":hourglass:"
	}
}

// publishHome refreshes one user's App Home.
func (b *Bot) publishHome(ctx context.Context, userID string) error {
	if !validID(userID) {
		return fmt.Errorf("publish home: bad user id %q", clip(userID, 20))
	}
	items, err := b.deps.Store.RecentFeedback(ctx, userID, 10)
	if err != nil {
		return err
	}
	_, err = b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: homeView(homeData{UserID: userID, Feedback: items, Reasons: b.deps.Reasons})})
	if err != nil {
		return fmt.Errorf("publish home: %w", err)
	}
	return nil
}
