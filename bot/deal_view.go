package bot

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// Action and block ids of the deal surfaces.
const (
	// dealFileAction opens the feedback modal pre-filled from the deal (value: its id).
	dealFileAction = "deal_file"
	// dealSkipAction is the Skip select; each option's value is "<deal id>:<reason>".
	dealSkipAction = "deal_skip"
	// dealLinkBlock is the feedback modal's "Closed deal" select (value: a deal id, or
	// dealLinkNone).
	dealLinkBlock = "deal_id"
	dealLinkNone  = "none"
	// maxDealsListed bounds a reminder's and App Home's lists; the rest are counted.
	maxDealsListed = 15
	maxHomeDeals   = 5
)

// dealLine is a deal in one line of mrkdwn: outcome, account, value, when and where.
func dealLine(d feedback.Deal) string {
	line := fmt.Sprintf("%s *%s* · %s", outcomeEmoji(d.Outcome), blockkit.Escape(blockkit.Clip(d.Account, 150)), d.Outcome.Label())
	if v := d.Value(); v != "" {
		line += " · " + blockkit.Escape(v)
	}
	line += " · closed " + d.ClosedAt.Format("Jan 2") + " in " + blockkit.Escape(d.CRMName())
	return line
}

// dealCRMLink links the deal's CRM record, "" without one.
func dealCRMLink(d feedback.Deal) string {
	if d.CRMURL == "" {
		return ""
	}
	return blockkit.Link(d.CRMURL, "open in "+d.CRMName())
}

// dealSkipSelect is the Skip menu of a deal, one option per reason.
func dealSkipSelect(d feedback.Deal) *slack.SelectBlockElement {
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("Skip…"), dealSkipAction)
	for _, r := range feedback.SkipReasons {
		sel.Options = append(sel.Options, blockkit.Option(fmt.Sprintf("%d:%s", d.ID, r.Key), r.Label))
	}
	return sel
}

// dealNudgeMessage is the DM that asks a deal's owner about it, right after the close.
func dealNudgeMessage(d feedback.Deal) (text string, blocks []slack.Block) {
	text = fmt.Sprintf("Deal closed: %s, %s. What did the buyer tell you?", blockkit.Escape(blockkit.Clip(d.Account, 150)), strings.ToLower(d.Outcome.Label()))
	intro := "A deal of yours just closed in " + blockkit.Escape(d.CRMName()) + ". What did the buyer tell you? Three or four answers, under 90 seconds: the form is filled in already."
	detail := dealLine(d)
	if l := dealCRMLink(d); l != "" {
		detail += "\n" + l
	}
	blocks = []slack.Block{
		blockkit.Section("intro", intro),
		blockkit.Section(fmt.Sprintf("deal_%d", d.ID), detail),
		slack.NewActionBlock(fmt.Sprintf("deal_%d_actions", d.ID),
			blockkit.Button(dealFileAction, strconv.FormatInt(d.ID, 10), "File feedback", slack.StylePrimary),
			dealSkipSelect(d)),
	}
	return text, blocks
}

// dealAnsweredMessage replaces a nudge once the deal was answered: no buttons left.
func dealAnsweredMessage(d feedback.Deal) (text string, blocks []slack.Block) {
	var status string
	switch d.Status {
	case feedback.DealFiled:
		status = ":white_check_mark: Feedback filed, thank you."
	case feedback.DealSkipped:
		status = ":fast_forward: Skipped: " + strings.ToLower(skipLabel(d.SkipReason)) + "."
	case feedback.DealExpired:
		status = "No feedback was filed in time."
	default:
		return dealNudgeMessage(d)
	}
	text = fmt.Sprintf("Deal closed: %s, %s. %s", blockkit.Escape(blockkit.Clip(d.Account, 150)), strings.ToLower(d.Outcome.Label()), status)
	blocks = []slack.Block{
		blockkit.Section(fmt.Sprintf("deal_%d", d.ID), dealLine(d)),
		blockkit.Context(fmt.Sprintf("deal_%d_status", d.ID), status),
	}
	return text, blocks
}

func skipLabel(reason string) string {
	for _, r := range feedback.SkipReasons {
		if r.Key == reason {
			return r.Label
		}
	}
	return reason
}

// dealReminderMessage is the day's one DM listing a rep's deals still without feedback.
func dealReminderMessage(ds []feedback.Deal) (text string, blocks []slack.Block) {
	n := len(ds)
	text = fmt.Sprintf("%d closed deal%s still waiting for your feedback", n, plural(n))
	blocks = append(blocks, blockkit.Section("intro", fmt.Sprintf("*%d closed deal%s still waiting for your feedback.* A minute each; the forms are filled in already.", n, plural(n))))
	for i, d := range ds {
		if i == maxDealsListed {
			blocks = append(blocks, blockkit.Context("more", fmt.Sprintf("and %d more in your App Home", n-maxDealsListed)))
			break
		}
		s := slack.NewSectionBlock(blockkit.Mrkdwn(dealLine(d)), nil,
			slack.NewAccessory(blockkit.Button(dealFileAction, strconv.FormatInt(d.ID, 10), "File feedback", "")))
		s.BlockID = fmt.Sprintf("deal_%d", d.ID)
		blocks = append(blocks, s)
	}
	blocks = append(blocks, blockkit.Context("how", "Nothing to tell on one? Skip it from your App Home."))
	return text, blocks
}

// dealHomeBlocks are the App Home's deal sections: the rep's deals waiting for their
// feedback with File and Skip, and for admins the deals whose owner was not found.
// Nothing at all when there is nothing to show.
func dealHomeBlocks(waiting, unknownOwners []feedback.Deal, admin bool) []slack.Block {
	var blocks []slack.Block
	if len(waiting) > 0 {
		blocks = append(blocks, slack.NewDividerBlock(), blockkit.Section("deals_title", "*Closed deals waiting for your feedback*"))
		for i, d := range waiting {
			if i == maxHomeDeals {
				blocks = append(blocks, blockkit.Context("deals_more", fmt.Sprintf("and %d more", len(waiting)-maxHomeDeals)))
				break
			}
			blocks = append(blocks, blockkit.Section(fmt.Sprintf("home_deal_%d", d.ID), dealLine(d)),
				slack.NewActionBlock(fmt.Sprintf("home_deal_%d_actions", d.ID),
					blockkit.Button(dealFileAction, strconv.FormatInt(d.ID, 10), "File feedback", slack.StylePrimary),
					dealSkipSelect(d)))
		}
	}
	if admin && len(unknownOwners) > 0 {
		lines := make([]string, 0, len(unknownOwners))
		for _, d := range unknownOwners {
			lines = append(lines, fmt.Sprintf("• *%s* (%s %s): %s", blockkit.Escape(blockkit.Clip(d.Account, 100)), blockkit.Escape(d.CRMName()),
				blockkit.Escape(blockkit.Clip(d.DealID, 40)), blockkit.Escape(d.OwnerUnknown)))
		}
		blocks = append(blocks, slack.NewDividerBlock(),
			blockkit.Section("deal_owners_title", "*Closed deals whose owner vosbot could not find in Slack*\nMap the owner's e-mail under `deals.owners` in the configuration, or send `owner_slack_id` from the CRM."),
			blockkit.Section("deal_owners", strings.Join(lines, "\n")))
	}
	return blocks
}

// dealOption is a deal as a choice in the feedback modal.
func dealOption(d feedback.Deal) *slack.OptionBlockObject {
	label := fmt.Sprintf("%s · %s", blockkit.Clip(d.Account, 40), d.Outcome.Label())
	if v := d.Value(); v != "" {
		label += " · " + v
	}
	label += " · " + d.ClosedAt.Format("Jan 2")
	return blockkit.Option(strconv.FormatInt(d.ID, 10), label)
}

// dealLinkBlocks are what the feedback modal shows of deals: the deal it answers (from
// a nudge or App Home), or a choice among the rep's waiting deals of the account typed.
func dealLinkBlocks(f feedbackForm) []slack.Block {
	if f.Deal != nil {
		text := "Linked to the closed deal " + dealLine(*f.Deal)
		if l := dealCRMLink(*f.Deal); l != "" {
			text += " · " + l
		}
		return []slack.Block{blockkit.Context("deal", text)}
	}
	if len(f.DealChoices) == 0 {
		return nil
	}
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("Choose a deal"), dealLinkBlock)
	for i, d := range f.DealChoices {
		if i == 99 {
			break
		}
		sel.Options = append(sel.Options, dealOption(d))
	}
	sel.InitialOption = sel.Options[0]
	sel.Options = append(sel.Options, blockkit.Option(dealLinkNone, "Don't link it to a deal"))
	hint := blockkit.Plain("Your CRM says this deal closed and is waiting for your feedback: this feedback will count for it.")
	return []slack.Block{optional(slack.NewInputBlock(dealLinkBlock, blockkit.Plain("Closed deal"), hint, sel))}
}
