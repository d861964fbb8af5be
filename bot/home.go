package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/internal/blockkit"
)

const homeRaiseDroppedBall = "home_raise_dropped_ball"

// homeData is what one user's App Home shows.
type homeData struct {
	UserID    string
	Feedback  []feedback.Feedback
	Catalogue catalogue.Catalogue
	// OwnedTeams are the teams whose escalations the user may act on.
	OwnedTeams []string
	// TeamOpen are those teams' open escalations; Reported what the user raised.
	TeamOpen []feedback.Escalation
	Reported []feedback.Escalation
	// Emerging themes are shown to admins only.
	Emerging []catalogue.Theme
	Admin    bool
	Org      *feedback.Org
	Now      time.Time
	// Measures are the measures of the teams the user may report for.
	Measures []homeMeasures

	// Deals are the user's closed deals waiting for their feedback; UnknownOwners the
	// deals whose owner was not found in Slack (admins only).
	Deals         []feedback.Deal
	UnknownOwners []feedback.Deal
}

// homeView builds the App Home tab.
func homeView(h homeData) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		blockkit.Header("Voice of sales"),
		blockkit.Section("intro", "File what a prospect told you right after a deal closes, and raise a dropped ball when another team lets a customer down. Leadership reads both every Friday."),
		slack.NewActionBlock("home_actions",
			blockkit.Button(homeFileFeedback, "new", "File prospect feedback", slack.StylePrimary),
			blockkit.Button(homeRaiseDroppedBall, "new", "Raise a dropped ball", ""),
		),
		slack.NewDividerBlock(),
		blockkit.Section("feedback_title", "*Your latest prospect feedback*"),
	}
	if len(h.Feedback) == 0 {
		blocks = append(blocks, blockkit.Context("feedback_empty", "Nothing yet. Type `/prospect-feedback lost Acme` in any channel, or use the button above."))
	}
	for _, f := range h.Feedback {
		blocks = append(blocks, feedbackHomeItem(f, h.Catalogue))
	}
	if len(h.OwnedTeams) > 0 {
		names := make([]string, len(h.OwnedTeams))
		for i, t := range h.OwnedTeams {
			names[i] = teamName(h.Org, t)
		}
		blocks = append(blocks, slack.NewDividerBlock(), blockkit.Section("team_title", "*Open dropped balls for "+blockkit.Escape(strings.Join(names, ", "))+"*"))
		if len(h.TeamOpen) == 0 {
			blocks = append(blocks, blockkit.Context("team_empty", "None open. :tada:"))
		}
		for _, e := range h.TeamOpen {
			blocks = append(blocks, escalationHomeItem("team_", e, h.Org, h.Now, true)...)
		}
	}
	blocks = append(blocks, measuresHomeBlocks(h.Measures)...)
	blocks = append(blocks, slack.NewDividerBlock(), blockkit.Section("reported_title", "*Dropped balls you raised*"))
	if len(h.Reported) == 0 {
		blocks = append(blocks, blockkit.Context("reported_empty", "None. When another team lets a customer down, type `/dropped-ball` or use the button above."))
	}
	for _, e := range h.Reported {
		blocks = append(blocks, escalationHomeItem("", e, h.Org, h.Now, false)...)
	}
	blocks = append(blocks, dealHomeBlocks(h.Deals, h.UnknownOwners, h.Admin)...)
	if h.Admin {
		blocks = append(blocks, emergingHomeBlocks(h.Emerging, h.Catalogue)...)
	}
	// Slack allows 100 blocks in a view; the lists are capped well below.
	if len(blocks) > 100 {
		blocks = blocks[:100]
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// escalationHomeItem is one escalation in the App Home, with its buttons for owners. An
// owner who raised one against their own team sees it in both lists: list prefixes its
// block ids, which Slack wants unique in a view.
func escalationHomeItem(list string, e feedback.Escalation, cfg *feedback.Org, now time.Time, withActions bool) []slack.Block {
	text := fmt.Sprintf("*#%d · %s* · %s%s\n%s\n%s", e.ID, blockkit.Escape(teamName(cfg, e.Team)), escalationHeadline(e), topPerformerMark(e),
		blockkit.Quote(blockkit.Clip(e.Summary, 300)), statusLine(e, cfg, now))
	blocks := []slack.Block{blockkit.Section(fmt.Sprintf("%sescalation_%d_item", list, e.ID), text)}
	if withActions {
		all := escalationBlocks(e, cfg, now, true)
		if last, ok := all[len(all)-1].(*slack.ActionBlock); ok {
			blocks = append(blocks, last)
		}
	}
	return blocks
}

// The App Home's menu on a feedback item: its option values are the action and the id.
const (
	feedbackMenuAction = "feedback_menu"
	feedbackMenuEdit   = "edit:"
	feedbackMenuAsk    = "ask:"
)

func feedbackHomeItem(f feedback.Feedback, reasons catalogue.Catalogue) slack.Block {
	line := fmt.Sprintf("%s *%s* · %s · %s", outcomeEmoji(f.Outcome), blockkit.Escape(blockkit.Clip(f.Account, 120)), f.Outcome.Label(), f.CreatedAt.Format("Jan 2"))
	if f.DealValue != nil {
		line += " · " + blockkit.Escape(f.DealValue.Format(f.Currency))
	}
	if lt := lostToText(f.LostTo); lt != "" {
		line += " · lost to " + blockkit.Escape(blockkit.Clip(lt, 80))
	}
	var themes []string
	for _, t := range f.Themes {
		themes = append(themes, t.Name)
	}
	detail := "themes: being detected…"
	if len(themes) > 0 {
		detail = "themes: " + blockkit.Escape(strings.Join(themes, ", "))
	}
	if len(f.Reasons) > 0 {
		detail = "you said: " + blockkit.Escape(strings.Join(reasonNames(f.Reasons, reasons), ", ")) + " · " + detail
	}
	// Edit, and "Ask the buyer" for the buyer's own view of the deal.
	menu := slack.NewOverflowBlockElement(feedbackMenuAction,
		blockkit.Option(feedbackMenuEdit+fmt.Sprint(f.ID), "Edit"),
		blockkit.Option(feedbackMenuAsk+fmt.Sprint(f.ID), "Ask the buyer"))
	accessory := slack.NewAccessory(menu)
	if f.Source == feedback.SourceBuyerSurvey {
		// The buyer's own words: shown, never edited.
		line, accessory = ":speech_balloon: buyer's answer · "+line, nil
	}
	s := slack.NewSectionBlock(blockkit.Mrkdwn(blockkit.Clip(line+"\n"+detail, blockkit.MaxSectionText)), nil, accessory)
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
	if !blockkit.ValidID(userID) {
		return fmt.Errorf("publish home: bad user id %q", blockkit.Clip(userID, 20))
	}
	ctx, cancel := context.WithTimeout(ctx, homeTimeout)
	defer cancel()
	h := homeData{UserID: userID, Catalogue: b.catalogue(ctx), Org: b.deps.Org, Now: b.now()}
	var err error
	if h.Feedback, err = b.deps.Store.RecentFeedback(ctx, userID, 10); err != nil {
		return err
	}
	for _, t := range b.deps.Org.Teams {
		if feedback.MayAct(b.deps.Org, t.Key, userID) {
			h.OwnedTeams = append(h.OwnedTeams, t.Key)
		}
	}
	if len(h.OwnedTeams) > 0 {
		if h.TeamOpen, err = b.deps.Store.OpenEscalations(ctx, h.OwnedTeams, 15); err != nil {
			return err
		}
	}
	if h.Reported, err = b.deps.Store.ReportedEscalations(ctx, userID, 10); err != nil {
		return err
	}
	if h.Measures, err = b.homeMeasures(ctx, userID); err != nil {
		return err
	}
	if h.Admin = b.isAdmin(userID); h.Admin {
		if h.Emerging, err = b.emergingThemes(ctx); err != nil {
			return err
		}
		if h.UnknownOwners, err = b.deps.Store.UnknownOwnerDeals(ctx, 10); err != nil {
			return err
		}
	}
	if h.Deals, err = b.deps.Store.WaitingDeals(ctx, userID, 100); err != nil {
		return err
	}
	_, err = b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: homeView(h)})
	if err != nil {
		return fmt.Errorf("publish home: %w", err)
	}
	return nil
}
