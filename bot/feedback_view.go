package bot

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/internal/blockkit"
)

// Callback and action ids of the feedback surfaces.
const (
	feedbackCallback     = "prospect_feedback"
	feedbackShortcut     = "prospect_feedback_from_message"
	feedbackEditAction   = "feedback_edit"
	homeFileFeedback     = "home_file_feedback"
	feedbackHideName     = "hide_name"
	feedbackHideNameOpt  = "hide"
	feedbackCommand      = "/prospect-feedback"
	feedbackSaveErrBlock = feedbackHideName
)

// feedbackForm is what the feedback modal shows.
type feedbackForm struct {
	Draft feedback.Draft
	// FeedbackID is set when editing a saved item.
	FeedbackID int64
	Reasons    catalogue.Catalogue
	Regions    []string
	Currency   string
	// Deal is the closed deal the feedback answers (filed from its nudge); DealChoices
	// are the rep's waiting deals of the account typed, offered to link.
	Deal        *feedback.Deal
	DealChoices []feedback.Deal
}

// feedbackMeta travels in the modal's private_metadata.
type feedbackMeta struct {
	Source     feedback.Source `json:"source"`
	MessageURL string          `json:"message_url,omitempty"`
	FeedbackID int64           `json:"feedback_id,omitempty"`
	DealID     int64           `json:"deal_id,omitempty"`
}

// feedbackModal builds the feedback modal, pre-filled from the draft.
func feedbackModal(f feedbackForm) slack.ModalViewRequest {
	d := f.Draft
	title, submit := "Prospect feedback", "Save"
	if f.FeedbackID > 0 {
		title, submit = "Edit feedback", "Save changes"
	}
	meta, _ := json.Marshal(feedbackMeta{Source: d.Source, MessageURL: d.MessageURL, FeedbackID: f.FeedbackID, DealID: d.DealID})

	var blocks []slack.Block
	if d.MessageURL != "" {
		blocks = append(blocks, blockkit.Context("source", "From "+blockkit.Link(d.MessageURL, "this message")+"; its text is filled in as the prospect's own words."))
	}
	blocks = append(blocks, dealLinkBlocks(f)...)

	outcomes := make([]*slack.OptionBlockObject, len(feedback.Outcomes))
	var initialOutcome *slack.OptionBlockObject
	for i, o := range feedback.Outcomes {
		outcomes[i] = blockkit.Option(string(o), o.Label())
		if string(o) == d.Outcome {
			initialOutcome = outcomes[i]
		}
	}
	outcome := slack.NewRadioButtonsBlockElement(feedback.FieldOutcome, outcomes...)
	outcome.InitialOption = initialOutcome
	blocks = append(blocks, slack.NewInputBlock(feedback.FieldOutcome, blockkit.Plain("Outcome"), nil, outcome))

	blocks = append(blocks, textInput(feedback.FieldAccount, "Account", "The prospect's company", "", d.Account, false, false))

	deal := textInput(feedback.FieldDealValue, "Deal value", "e.g. 50k, $1.2M or 1 200,50 €", "Optional. A currency symbol typed here wins over the currency below.", d.DealValue, false, true)
	deal.Element.(*slack.PlainTextInputBlockElement).MaxLength = 40
	blocks = append(blocks, deal)

	currency := d.Currency
	if currency == "" {
		currency = f.Currency
	}
	codes := slices.Clone(feedback.Currencies)
	if currency != "" && !slices.Contains(codes, currency) {
		codes = append([]string{currency}, codes...)
	}
	currencyOpts := make([]*slack.OptionBlockObject, len(codes))
	currencySelect := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("Currency"), feedback.FieldCurrency)
	for i, c := range codes {
		currencyOpts[i] = blockkit.Option(c, c)
		if c == currency {
			currencySelect.InitialOption = currencyOpts[i]
		}
	}
	currencySelect.Options = currencyOpts
	blocks = append(blocks, optional(slack.NewInputBlock(feedback.FieldCurrency, blockkit.Plain("Currency"), nil, currencySelect)))

	if len(f.Regions) > 0 {
		regionSelect := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, blockkit.Plain("Choose a region"), feedback.FieldRegion)
		for _, r := range f.Regions {
			o := blockkit.Option(r, r)
			regionSelect.Options = append(regionSelect.Options, o)
			if r == d.Region {
				regionSelect.InitialOption = o
			}
		}
		blocks = append(blocks, optional(slack.NewInputBlock(feedback.FieldRegion, blockkit.Plain("Region or segment"), nil, regionSelect)))
	} else {
		blocks = append(blocks, textInput(feedback.FieldRegion, "Region or segment", "e.g. EMEA enterprise", "", d.Region, false, true))
	}

	competitors := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeExternal, blockkit.Plain("Type to search or add"), feedback.FieldCompetitors)
	zero := 0
	competitors.MinQueryLength = &zero
	for _, c := range d.Competitors {
		competitors.InitialOptions = append(competitors.InitialOptions, competitorOption(c))
	}
	blocks = append(blocks, optional(slack.NewInputBlock(feedback.FieldCompetitors, blockkit.Plain("Competitors"), blockkit.Plain("Everyone they also looked at. Pick a known name or type a new one."), competitors)))
	blocks = append(blocks, lostToInput(d.LostTo))

	if len(f.Reasons) > 0 {
		blocks = append(blocks, optional(slack.NewInputBlock(feedback.FieldReasons, blockkit.Plain("Why we won or lost"), nil, reasonsSelect(f.Reasons, d.Reasons))))
	}

	blocks = append(blocks,
		textInput(feedback.FieldWhatWorked, "What worked", "What made them lean our way", "", d.WhatWorked, true, true),
		textInput(feedback.FieldWhatDidnt, "What didn't", "What held them back", "", d.WhatDidnt, true, true),
		textInput(feedback.FieldVerbatim, "The prospect's own words", "A quote, as close to verbatim as you can", "", d.Verbatim, true, true),
	)

	crm := slack.NewURLTextInputBlockElement(blockkit.Plain("https://"), feedback.FieldCRMURL)
	crm.InitialValue = d.CRMURL
	blocks = append(blocks, optional(slack.NewInputBlock(feedback.FieldCRMURL, blockkit.Plain("CRM link"), nil, crm)))

	hideOpt := slack.NewOptionBlockObject(feedbackHideNameOpt, blockkit.Plain("Hide my name in digests"), blockkit.Plain("Your feedback still counts; the digest shows no name with it."))
	hide := slack.NewCheckboxGroupsBlockElement(feedbackHideName, hideOpt)
	if d.HideName {
		hide.InitialOptions = []*slack.OptionBlockObject{hideOpt}
	}
	blocks = append(blocks, optional(slack.NewInputBlock(feedbackHideName, blockkit.Plain("Privacy"), nil, hide)))

	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      feedbackCallback,
		Title:           blockkit.Plain(title),
		Submit:          blockkit.Plain(submit),
		Close:           blockkit.Plain("Cancel"),
		PrivateMetadata: string(meta),
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// lostToInput asks who won a lost deal. It is always shown (a modal cannot show a field
// only once Lost is picked without a views.update round trip on every outcome change) and
// optional; submitting it on a deal not lost is a field error (feedback.Draft.Validate).
func lostToInput(lostTo string) *slack.InputBlock {
	el := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal, blockkit.Plain("Type to search, or pick None"), feedback.FieldLostTo)
	zero := 0
	el.MinQueryLength = &zero
	if lostTo != "" {
		el.InitialOption = lostToOption(lostTo)
	}
	return optional(slack.NewInputBlock(feedback.FieldLostTo, blockkit.Plain("Lost to (lost deals only)"),
		blockkit.Plain("Who won it: one competitor, or None / no decision when they chose no one."), el))
}

// lostToNoneLabel is how the modal offers feedback.LostToNone.
const lostToNoneLabel = "None / no decision"

// lostToOption offers a winner: a competitor by its display name, or none.
func lostToOption(name string) *slack.OptionBlockObject {
	if name == feedback.LostToNone {
		return blockkit.Option(feedback.LostToNone, lostToNoneLabel)
	}
	return competitorOption(name)
}

// lostToSuggestions answers the "Lost to" type-ahead: None first, then the competitors
// already picked in the form, then known ones and what was typed (competitorSuggestions),
// each competitor once, at most 100.
func lostToSuggestions(typed string, picked, known []string) slack.OptionsResponse {
	var opts []*slack.OptionBlockObject
	lower := strings.ToLower(strings.Join(strings.Fields(typed), " "))
	if lower == "" || strings.Contains(strings.ToLower(lostToNoneLabel), lower) || strings.HasPrefix("no one", lower) {
		opts = append(opts, lostToOption(feedback.LostToNone))
	}
	typedKey := feedback.CompetitorKey(typed)
	seen := map[string]bool{}
	for _, p := range picked {
		// A competitor spelled like "None" would mean no one once submitted.
		if feedback.SaysNoOne(p) {
			continue
		}
		if k := feedback.CompetitorKey(p); k != "" && !seen[k] && strings.Contains(k, typedKey) {
			seen[k] = true
			opts = append(opts, competitorOption(p))
		}
	}
	for _, o := range competitorSuggestions(typed, known).Options {
		if k := feedback.CompetitorKey(o.Value); !seen[k] && !feedback.SaysNoOne(o.Value) {
			seen[k] = true
			opts = append(opts, o)
		}
	}
	if len(opts) > 100 {
		opts = opts[:100]
	}
	if opts == nil {
		opts = []*slack.OptionBlockObject{}
	}
	return slack.OptionsResponse{Options: opts}
}

// lostToText says who won a lost deal, for the rep's confirmation and App Home; "" when
// nobody said.
func lostToText(lostTo string) string {
	switch lostTo {
	case "":
		return ""
	case feedback.LostToNone:
		return "no one (none / no decision)"
	}
	return lostTo
}

// reasonsSelect offers the reasons: all at once up to Slack's 100 options, by type-ahead
// (answered by onSuggestion) past them, as accepted themes can make the list grow.
func reasonsSelect(reasons catalogue.Catalogue, picked []string) *slack.MultiSelectBlockElement {
	list := reasonChoices(reasons)
	if len(list) <= maxStaticOptions {
		el := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeStatic, blockkit.Plain("Pick the reasons"), feedback.FieldReasons)
		for _, c := range list {
			el.Options = append(el.Options, blockkit.Option(c.Key, c.Name))
		}
		el.InitialOptions = choiceOptions(list, picked, "")
		return el
	}
	el := slack.NewOptionsMultiSelectBlockElement(slack.MultiOptTypeExternal, blockkit.Plain("Type to search the reasons"), feedback.FieldReasons)
	zero := 0
	el.MinQueryLength = &zero
	el.InitialOptions = choiceOptions(list, picked, "")
	return el
}

func textInput(id, label, placeholder, hint, initial string, multiline, isOptional bool) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(blockkit.Plain(placeholder), id)
	el.Multiline = multiline
	el.MaxLength = feedback.MaxText
	// An initial value over the limit would make Slack refuse to open the modal.
	el.InitialValue = blockkit.Clip(initial, feedback.MaxText)
	var h *slack.TextBlockObject
	if hint != "" {
		h = blockkit.Plain(hint)
	}
	b := slack.NewInputBlock(id, blockkit.Plain(label), h, el)
	b.Optional = isOptional
	return b
}

func optional(b *slack.InputBlock) *slack.InputBlock {
	b.Optional = true
	return b
}

// competitorOption offers a competitor; the value is its display name.
func competitorOption(name string) *slack.OptionBlockObject {
	return blockkit.Option(blockkit.Clip(name, blockkit.MaxOptionValue), name)
}

// competitorSuggestions answers a competitors type-ahead: known names matching what was
// typed, and what was typed itself when it is new.
func competitorSuggestions(typed string, known []string) slack.OptionsResponse {
	var opts []*slack.OptionBlockObject
	typedKey := feedback.CompetitorKey(typed)
	exists := false
	for _, k := range known {
		if feedback.CompetitorKey(k) == typedKey {
			exists = true
		}
	}
	if typedKey != "" && !exists {
		name := feedback.CompetitorName(typed)
		opts = append(opts, slack.NewOptionBlockObject(blockkit.Clip(name, blockkit.MaxOptionValue), blockkit.Plain(blockkit.Clip("Add “"+name+"”", blockkit.MaxOptionText)), nil))
	}
	for _, k := range known {
		opts = append(opts, competitorOption(k))
	}
	if len(opts) > 100 {
		opts = opts[:100]
	}
	return slack.OptionsResponse{Options: opts}
}

// feedbackDraft reads a submitted feedback modal back into a draft.
func feedbackDraft(view slack.View, userID string) (feedback.Draft, feedbackMeta) {
	var meta feedbackMeta
	_ = json.Unmarshal([]byte(view.PrivateMetadata), &meta)
	if meta.Source == "" {
		meta.Source = feedback.SourceSlashCommand
	}
	d := feedback.Draft{
		ReporterID: userID,
		Source:     meta.Source,
		MessageURL: meta.MessageURL,
		Key:        view.ID,
		DealID:     meta.DealID,
	}
	if view.State == nil {
		return d, meta
	}
	if id, err := strconv.ParseInt(view.State.Values[dealLinkBlock][dealLinkBlock].SelectedOption.Value, 10, 64); err == nil && id > 0 && d.DealID == 0 {
		d.DealID = id
	}
	v := func(id string) slack.BlockAction { return view.State.Values[id][id] }
	d.Outcome = v(feedback.FieldOutcome).SelectedOption.Value
	d.Account = v(feedback.FieldAccount).Value
	d.DealValue = v(feedback.FieldDealValue).Value
	d.Currency = v(feedback.FieldCurrency).SelectedOption.Value
	d.Region = v(feedback.FieldRegion).Value
	if d.Region == "" {
		d.Region = v(feedback.FieldRegion).SelectedOption.Value
	}
	for _, o := range v(feedback.FieldCompetitors).SelectedOptions {
		d.Competitors = append(d.Competitors, o.Value)
	}
	d.LostTo = v(feedback.FieldLostTo).SelectedOption.Value
	for _, o := range v(feedback.FieldReasons).SelectedOptions {
		d.Reasons = append(d.Reasons, o.Value)
	}
	d.WhatWorked = v(feedback.FieldWhatWorked).Value
	d.WhatDidnt = v(feedback.FieldWhatDidnt).Value
	d.Verbatim = v(feedback.FieldVerbatim).Value
	d.CRMURL = v(feedback.FieldCRMURL).Value
	for _, o := range v(feedbackHideName).SelectedOptions {
		if o.Value == feedbackHideNameOpt {
			d.HideName = true
		}
	}
	return d, meta
}

// feedbackSummary is the rep's confirmation of what was saved, with an Edit button.
func feedbackSummary(f feedback.Feedback, edited bool, reasons catalogue.Catalogue) (text string, blocks []slack.Block) {
	verb := "Saved"
	if edited {
		verb = "Updated"
	}
	head := fmt.Sprintf("%s your feedback on *%s*: %s", verb, blockkit.Escape(blockkit.Clip(f.Account, 200)), f.Outcome.Label())
	if f.DealValue != nil {
		head += ", " + blockkit.Escape(f.DealValue.Format(f.Currency))
	}
	if f.Region != "" {
		head += " · " + blockkit.Escape(f.Region)
	}
	text = fmt.Sprintf("%s your feedback on %s (%s)", verb, blockkit.Escape(blockkit.Clip(f.Account, 200)), f.Outcome.Label())
	blocks = append(blocks, blockkit.Section("summary", head))

	var lines []string
	if len(f.Competitors) > 0 {
		lines = append(lines, "*Competitors:* "+blockkit.Escape(strings.Join(f.Competitors, ", ")))
	}
	if lt := lostToText(f.LostTo); lt != "" {
		lines = append(lines, "*Lost to:* "+blockkit.Escape(lt))
	}
	if len(f.Reasons) > 0 {
		lines = append(lines, "*Why:* "+blockkit.Escape(strings.Join(reasonNames(f.Reasons, reasons), ", ")))
	}
	if len(lines) > 0 {
		blocks = append(blocks, blockkit.Section("facts", strings.Join(lines, "\n")))
	}
	for _, part := range []struct{ id, label, text string }{
		{"what_worked", "What worked", f.WhatWorked},
		{"what_didnt", "What didn't", f.WhatDidnt},
		{"verbatim", "In their words", f.Verbatim},
	} {
		if strings.TrimSpace(part.text) != "" {
			blocks = append(blocks, blockkit.Section(part.id, "*"+part.label+"*\n"+blockkit.Quote(blockkit.Clip(part.text, 2500))))
		}
	}
	var notes []string
	if f.CRMURL != "" {
		notes = append(notes, blockkit.Link(f.CRMURL, "CRM record"))
	}
	if f.HideName {
		notes = append(notes, "your name is hidden in digests")
	}
	if f.EditCount > 0 {
		notes = append(notes, fmt.Sprintf("edited %d time%s", f.EditCount, plural(f.EditCount)))
	}
	notes = append(notes, fmt.Sprintf("feedback #%d", f.ID))
	blocks = append(blocks, blockkit.Context("notes", strings.Join(notes, " · ")))
	buttons := []slack.BlockElement{blockkit.Button(feedbackEditAction, fmt.Sprint(f.ID), "Edit", "")}
	if f.Source != feedback.SourceBuyerSurvey {
		buttons = append(buttons, blockkit.Button(surveyAskAction, fmt.Sprint(f.ID), "Ask the buyer", ""))
	}
	blocks = append(blocks, slack.NewActionBlock("actions", buttons...))
	return text, blocks
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// reasonNames spells reason keys as the catalogue names them.
func reasonNames(keys []string, reasons catalogue.Catalogue) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k
		for _, r := range reasons {
			if r.Key == k {
				out[i] = r.Name
			}
		}
	}
	return out
}
