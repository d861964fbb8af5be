package bot

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// Admin actions on emerging themes in the App Home.
const (
	themeAccept  = "theme_accept"
	themeDismiss = "theme_dismiss"
	themeMerge   = "theme_merge"
	// mergeSep joins the emerging key and the target key in a merge option's value.
	mergeSep = ">"
	// maxEmergingHome bounds the App Home's list.
	maxEmergingHome = 5
)

// emergingHomeBlocks is the admins' section: each emerging theme with its size, an
// example, and Accept, Dismiss and "Merge into…".
func emergingHomeBlocks(emerging []catalogue.Theme, cat catalogue.Catalogue) []slack.Block {
	blocks := []slack.Block{slack.NewDividerBlock(), blockkit.Section("emerging_title", "*Emerging themes* (admins): groups of feedback no catalogue theme covers.")}
	if len(emerging) == 0 {
		blocks = append(blocks, blockkit.Context("emerging_empty", "None waiting. Discovery runs every night over the last 12 weeks."))
		return blocks
	}
	for _, t := range emerging {
		text := fmt.Sprintf("*%s* · %d items", blockkit.Escape(t.Name), t.Size)
		if len(t.Examples) > 0 {
			text += "\n" + blockkit.Quote(blockkit.Clip(t.Examples[0], 200))
		}
		blocks = append(blocks, blockkit.Section("emerging_"+t.Key, text))
		elems := []slack.BlockElement{
			blockkit.Button(themeAccept, t.Key, "Accept", slack.StylePrimary),
			blockkit.Button(themeDismiss, t.Key, "Dismiss", ""),
		}
		if len(cat) > 0 {
			elems = append(elems, mergeSelect(t.Key, cat))
		}
		blocks = append(blocks, slack.NewActionBlock(emergingActionsBlock+t.Key, elems...))
	}
	return blocks
}

// emergingActionsBlock prefixes the block id of an emerging theme's actions; the rest is
// its key, which a "Merge into…" type-ahead reads back.
const emergingActionsBlock = "emerging_actions_"

// mergeSelect is "Merge into…": the catalogue at once up to Slack's 100 options, by
// type-ahead (answered by suggestMerge) past them.
func mergeSelect(key string, cat catalogue.Catalogue) *slack.SelectBlockElement {
	placeholder := slack.NewTextBlockObject(slack.PlainTextType, "Merge into…", false, false)
	list := reasonChoices(cat)
	if len(list) <= maxStaticOptions {
		opts := make([]*slack.OptionBlockObject, 0, len(list))
		for _, c := range list {
			opts = append(opts, blockkit.Option(key+mergeSep+c.Key, c.Name))
		}
		return slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, placeholder, themeMerge, opts...)
	}
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, placeholder, themeMerge)
	zero := 0
	el.MinQueryLength = &zero
	return el
}

// suggestMerge answers the "Merge into…" type-ahead of one emerging theme (named by the
// block it sits in); admins only.
func (b *Bot) suggestMerge(ctx context.Context, cb slack.InteractionCallback) slack.OptionsResponse {
	key, ok := strings.CutPrefix(cb.BlockID, emergingActionsBlock)
	if !ok || key == "" || !b.isAdmin(cb.User.ID) {
		b.log.Warn("merge suggestions refused", "user", cb.User.ID, "block_id", blockkit.Clip(cb.BlockID, 80))
		return slack.OptionsResponse{Options: []*slack.OptionBlockObject{}}
	}
	return suggestOptions(matchChoices(reasonChoices(b.reasons(ctx)), cb.Value), key+mergeSep)
}

// emergingThemes returns the largest emerging themes.
func (b *Bot) emergingThemes(ctx context.Context) ([]catalogue.Theme, error) {
	all, err := b.deps.Store.Catalogue.Themes(ctx)
	if err != nil {
		return nil, err
	}
	var out []catalogue.Theme
	for _, t := range all {
		if t.Status == catalogue.StatusEmerging {
			out = append(out, t)
		}
	}
	slices.SortStableFunc(out, func(x, y catalogue.Theme) int { return y.Size - x.Size })
	return out[:min(len(out), maxEmergingHome)], nil
}

// themeAction applies an admin's decision on an emerging theme; anyone else is told
// who may, and nothing changes.
func (b *Bot) themeAction(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	user := cb.User.ID
	save, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	if !b.isAdmin(user) {
		b.log.Info("theme action refused: not an admin", "user", user, "action", a.ActionID)
		b.tell(ctx, cb.Channel.ID, user, "Only vosbot admins can accept, merge or dismiss emerging themes. Nothing was changed.")
		return
	}
	var err error
	var key, done string
	switch a.ActionID {
	case themeAccept:
		key, done = a.Value, "accepted into the catalogue"
		err = b.deps.Store.Catalogue.Accept(save, key, "")
	case themeDismiss:
		key, done = a.Value, "dismissed"
		err = b.deps.Store.Catalogue.Dismiss(save, key)
	case themeMerge:
		from, into, ok := strings.Cut(a.SelectedOption.Value, mergeSep)
		if !ok || !slices.ContainsFunc(b.catalogue(ctx), func(t catalogue.Theme) bool { return t.Key == into }) {
			b.log.Warn("theme merge with a forged or stale option", "user", user, "value", blockkit.Clip(a.SelectedOption.Value, 100))
			b.tell(ctx, cb.Channel.ID, user, "That merge target is not a theme of the catalogue (the list may have changed since your App Home was drawn). Nothing was changed.")
			return
		}
		key, done = from, "merged into "+into
		err = b.deps.Store.Catalogue.Merge(save, from, into)
	}
	switch {
	case errors.Is(err, feedback.ErrNotFound), errors.Is(err, catalogue.ErrThemeState):
		b.tell(ctx, cb.Channel.ID, user, fmt.Sprintf("Theme `%s` is no longer waiting (another admin may have decided). Nothing was changed.", blockkit.Escape(blockkit.Clip(key, 60))))
	case err != nil:
		b.log.Error("theme action failed", "user", user, "theme", key, "error", err)
		b.tell(ctx, cb.Channel.ID, user, "That did not work ("+blockkit.Escape(errorCode(err))+"); try again in a minute.")
		return
	default:
		b.log.Info("emerging theme decided", "user", user, "theme", key, "decision", done)
		b.deps.Catalogue.Invalidate()
	}
	if err := b.publishHome(ctx, user); err != nil {
		b.log.Warn("app home not refreshed", "user", user, "error", err)
	}
}
