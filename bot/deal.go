package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// addDealWorkers registers the jobs that talk to reps about their closed deals.
func (b *Bot) addDealWorkers(workers *river.Workers) {
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[feedback.DealNudgeArgs]) error {
		return b.jobResult(b.nudgeDeal(ctx, job.Args))
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[feedback.DealMessageArgs]) error {
		return b.jobResult(b.refreshDealMessages(ctx, job.Args.DealID))
	}))
	river.AddWorker(workers, river.WorkFunc(func(ctx context.Context, job *river.Job[feedback.DealReminderArgs]) error {
		return b.jobResult(b.remindDeals(ctx, job.Args))
	}))
}

// nudgeDeal asks a deal's owner about it, once per deal and outcome.
func (b *Bot) nudgeDeal(ctx context.Context, args feedback.DealNudgeArgs) error {
	d, err := b.deps.Store.Deal(ctx, args.DealID)
	if err != nil {
		return err
	}
	if d.Outcome != args.Outcome || !d.Status.Open() {
		// The deal was answered, or changed outcome (its own job asks about that).
		return nil
	}
	owner, why, err := b.dealOwner(ctx, d)
	if err != nil {
		return err
	}
	if owner == "" {
		b.deals.nudges.WithLabelValues("owner_unknown").Inc()
		first, err := b.deps.Store.MarkOwnerUnknown(ctx, d.ID, why)
		if err != nil {
			return err
		}
		if first {
			b.deals.unknown.Inc()
			b.log.Warn("deal owner not found in Slack; listed for admins in App Home", "deal", d.ID, "crm", d.CRM, "why", why)
			b.refreshAdminHomes(ctx)
		}
		return nil
	}
	res, err := b.deps.Store.NudgeDeal(ctx, b.deps.Org, d.ID, args.Outcome, owner, func(d feedback.Deal) (feedback.MessageRef, error) {
		text, blocks := dealNudgeMessage(d)
		ch, ts, err := b.api.PostMessageContext(ctx, owner, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		if err != nil {
			return feedback.MessageRef{}, fmt.Errorf("nudge %s about deal %d: %w", owner, d.ID, err)
		}
		return feedback.MessageRef{ChannelID: ch, TS: ts}, nil
	})
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && unreachableUser(se.Err) {
		// The id the CRM or the configuration gave is no one Slack can write to: say so
		// to the admins rather than retrying for a day.
		b.deals.nudges.WithLabelValues("owner_unknown").Inc()
		first, merr := b.deps.Store.MarkOwnerUnknown(ctx, d.ID, fmt.Sprintf("Slack cannot write to %s (%s)", owner, se.Err))
		if merr != nil {
			return merr
		}
		if first {
			b.deals.unknown.Inc()
			b.log.Warn("deal owner cannot be written to in Slack; listed for admins in App Home", "deal", d.ID, "owner", owner, "error", se.Err)
			b.refreshAdminHomes(ctx)
		}
		return nil
	}
	if err != nil {
		return err
	}
	b.deals.nudges.WithLabelValues(string(res)).Inc()
	b.log.Info("deal nudge", "deal", d.ID, "owner", owner, "result", res, "closed_at", d.ClosedAt)
	if res == feedback.NudgeSent {
		if err := b.publishHome(ctx, owner); err != nil {
			b.log.Warn("app home not refreshed after a nudge", "user", owner, "error", err)
		}
	}
	return nil
}

// unreachableUser reports whether a chat.postMessage error means the user will never
// get the message (retrying changes nothing).
func unreachableUser(code string) bool {
	switch code {
	case "channel_not_found", "user_not_found", "account_inactive", "cannot_dm_bot", "user_disabled":
		return true
	}
	return false
}

// refreshAdminHomes shows admins a newly unknown owner.
func (b *Bot) refreshAdminHomes(ctx context.Context) {
	for _, a := range b.deps.Org.Admins {
		if err := b.publishHome(ctx, a); err != nil {
			b.log.Warn("admin app home not refreshed", "user", a, "error", err)
		}
	}
}

// refreshDealMessages replaces the buttons of every DM that asked about a deal with
// what became of it (filed, skipped), so nobody files twice from an old message.
func (b *Bot) refreshDealMessages(ctx context.Context, id int64) error {
	d, err := b.deps.Store.Deal(ctx, id)
	if err != nil {
		return err
	}
	refs, err := b.deps.Store.DealNudgeMessages(ctx, id)
	if err != nil {
		return err
	}
	text, blocks := dealAnsweredMessage(d)
	for _, r := range refs {
		_, _, _, err := b.api.UpdateMessageContext(ctx, r.ChannelID, r.TS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && (se.Err == "message_not_found" || se.Err == "channel_not_found") {
			continue // the rep deleted it: nothing to update
		}
		if err != nil {
			return fmt.Errorf("update the nudge of deal %d: %w", id, err)
		}
	}
	return nil
}

// remindDeals sends a rep the day's one list of deals still waiting for them.
func (b *Bot) remindDeals(ctx context.Context, args feedback.DealReminderArgs) error {
	n, err := b.deps.Store.RemindDeals(ctx, b.deps.Org, args.OwnerID, args.Day, func(ds []feedback.Deal) (feedback.MessageRef, error) {
		text, blocks := dealReminderMessage(ds)
		ch, ts, err := b.api.PostMessageContext(ctx, args.OwnerID, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(blocks...))
		if err != nil {
			return feedback.MessageRef{}, fmt.Errorf("remind %s of their deals: %w", args.OwnerID, err)
		}
		return feedback.MessageRef{ChannelID: ch, TS: ts}, nil
	})
	if err != nil {
		return err
	}
	if n > 0 {
		b.deals.reminders.Inc()
		b.log.Info("deal reminder sent", "user", args.OwnerID, "deals", n, "day", args.Day)
	}
	return nil
}

// dealForButton reads the deal a button names and checks the presser may act on it,
// telling them when not.
func (b *Bot) dealForButton(ctx context.Context, cb slack.InteractionCallback, value string) (feedback.Deal, bool) {
	id, err := strconv.ParseInt(value, 10, 64)
	if err != nil || id <= 0 {
		b.log.Warn("deal button with a forged or broken id refused", "value", blockkit.Clip(value, 40), "user", cb.User.ID)
		return feedback.Deal{}, false
	}
	d, err := b.deps.Store.Deal(ctx, id)
	if err != nil {
		b.log.Warn("deal button for an unknown deal", "deal", id, "user", cb.User.ID, "error", err)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "That deal is no longer known to vosbot.")
		return feedback.Deal{}, false
	}
	if !feedback.MayActOnDeal(b.deps.Org, d, cb.User.ID) {
		b.log.Warn("deal button pressed by someone else refused", "deal", id, "user", cb.User.ID, "owner", d.OwnerID)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, fmt.Sprintf("The deal %s belongs to %s: only they (or an admin) can file or skip it.",
			blockkit.Escape(blockkit.Clip(d.Account, 100)), blockkit.Mention(d.OwnerID)))
		return feedback.Deal{}, false
	}
	return d, true
}

// dealFile opens the feedback modal pre-filled from the deal and linked to it.
func (b *Bot) dealFile(ctx context.Context, cb slack.InteractionCallback, value string) {
	d, ok := b.dealForButton(ctx, cb, value)
	if !ok {
		return
	}
	if d.Status == feedback.DealFiled {
		b.tell(ctx, cb.Channel.ID, cb.User.ID, fmt.Sprintf("Feedback on %s is filed already: change it with Edit on its confirmation or in your App Home.",
			blockkit.Escape(blockkit.Clip(d.Account, 100))))
		return
	}
	draft := feedback.Draft{Outcome: string(d.Outcome), Account: d.Account, Currency: d.Currency, CRMURL: d.CRMURL,
		Source: feedback.SourceDealNudge, DealID: d.ID}
	if d.Amount != nil {
		draft.DealValue = d.Amount.Format("")
	}
	form := b.feedbackForm(ctx, draft, 0)
	form.Deal = &d
	vctx, cancel := context.WithTimeout(ctx, viewTimeout)
	defer cancel()
	if _, err := b.api.OpenViewContext(vctx, cb.TriggerID, feedbackModal(form)); err != nil {
		b.log.Error("deal feedback modal not opened", "user", cb.User.ID, "deal", d.ID, "error", err)
		b.tell(context.WithoutCancel(ctx), cb.Channel.ID, cb.User.ID, "Sorry, the feedback form didn't open ("+errorCode(err)+"). Press the button again.")
		return
	}
	b.log.Info("deal feedback modal opened", "user", cb.User.ID, "deal", d.ID)
}

// dealSkip records that the owner has nothing to file for the deal, and why.
func (b *Bot) dealSkip(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	idText, reason, _ := strings.Cut(a.SelectedOption.Value, ":")
	d, ok := b.dealForButton(ctx, cb, idText)
	if !ok {
		return
	}
	_, err := b.deps.Store.SkipDeal(ctx, b.deps.Org, d.ID, cb.User.ID, reason)
	switch {
	case errors.Is(err, feedback.ErrDealClosed):
		b.tell(ctx, cb.Channel.ID, cb.User.ID, fmt.Sprintf("The deal %s is %s already.", blockkit.Escape(blockkit.Clip(d.Account, 100)), d.Status))
		return
	case err != nil:
		b.log.Error("deal not skipped", "deal", d.ID, "user", cb.User.ID, "error", err)
		b.tell(ctx, cb.Channel.ID, cb.User.ID, "Sorry, that didn't work. Try again in a moment.")
		return
	}
	b.log.Info("deal skipped", "deal", d.ID, "user", cb.User.ID, "reason", reason)
	if err := b.publishHome(ctx, cb.User.ID); err != nil {
		b.log.Warn("app home not refreshed after a skip", "user", cb.User.ID, "error", err)
	}
}

// dealLinkProblem checks that a submission may name its deal: it exists and the
// submitter owns it (or is an admin). It returns what to show on the form, "" when fine.
func (b *Bot) dealLinkProblem(ctx context.Context, userID string, dealID int64) string {
	d, err := b.deps.Store.Deal(ctx, dealID)
	if errors.Is(err, feedback.ErrNotFound) {
		return "That deal is no longer known to vosbot: choose another, or don't link it."
	}
	if err != nil {
		return "Couldn't check the deal — nothing you typed was lost, press Submit again."
	}
	if !feedback.MayActOnDeal(b.deps.Org, d, userID) {
		return "Only the deal's owner (or an admin) can link feedback to it."
	}
	return ""
}

// dealChoices are the rep's waiting deals of the account typed after the command.
func (b *Bot) dealChoices(ctx context.Context, userID, account string) []feedback.Deal {
	if strings.TrimSpace(account) == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	ds, err := b.deps.Store.DealsForAccount(ctx, userID, account)
	if err != nil {
		b.log.Warn("deals of the account not read; the modal opens without them", "user", userID, "error", err)
		return nil
	}
	return ds
}
