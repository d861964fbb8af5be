package feedback

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxText is the longest text a field accepts, in characters; longer is refused, never cut.
const MaxText = 3000

// Source says where a record came from.
type Source string

// Where records come from.
const (
	SourceSlashCommand    Source = "slash_command"
	SourceMessageShortcut Source = "message_shortcut"
	SourceAppHome         Source = "app_home"
	SourceImport          Source = "import"
	SourceDemo            Source = "demo"
)

// Feedback is one rep's account of why a deal was won or lost.
type Feedback struct {
	ID          int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ReporterID  string
	Outcome     Outcome
	Account     string
	DealValue   *Amount
	Currency    string
	Region      string
	Competitors []string
	// LostTo is who won a lost deal: one of Competitors, LostToNone, or "" when
	// nobody said.
	LostTo string
	// Reasons are the theme keys the rep picked.
	Reasons    []string
	WhatWorked string
	WhatDidnt  string
	// Verbatim is the prospect's own words.
	Verbatim   string
	CRMURL     string
	MessageURL string
	HideName   bool
	Source     Source
	Key        string
	EditCount  int
	// DealID is the CRM deal the feedback answers (vosbot's id of it), 0 when none.
	DealID int64
	// Themes are those found in the text, dominant first.
	Themes []ThemeTag
}

// ThemeTag is a theme found in a record's text.
type ThemeTag struct {
	Key        string
	Name       string
	Method     string
	Confidence float64
}

// Text is everything the rep wrote, for theme detection.
func (f Feedback) Text() string {
	return strings.Join(nonEmpty(f.WhatWorked, f.WhatDidnt, f.Verbatim), "\n")
}

func nonEmpty(parts ...string) []string {
	out := parts[:0:0]
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// Field names, shared by validation errors and the forms that show them.
const (
	FieldOutcome     = "outcome"
	FieldAccount     = "account"
	FieldDealValue   = "deal_value"
	FieldCurrency    = "currency"
	FieldRegion      = "region"
	FieldCompetitors = "competitors"
	FieldLostTo      = "lost_to"
	FieldReasons     = "reasons"
	FieldWhatWorked  = "what_worked"
	FieldWhatDidnt   = "what_didnt"
	FieldVerbatim    = "verbatim"
	FieldCRMURL      = "crm_url"
)

// FieldErrors maps a field to what is wrong with it; empty means valid.
type FieldErrors map[string]string

// Error lists the problems in field order, for commands and logs.
func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + fe[k]
	}
	return strings.Join(parts, "; ")
}

// Rules are what the configuration allows.
type Rules struct {
	// Reasons are the valid reason keys (themes that apply to feedback).
	Reasons []string
	// Regions, when set, are the only regions accepted.
	Regions []string
	// Currency is the default currency.
	Currency string
}

// Draft is feedback as typed, before validation.
type Draft struct {
	ReporterID  string
	Outcome     string
	Account     string
	DealValue   string
	Currency    string
	Region      string
	Competitors []string
	Reasons     []string
	WhatWorked  string
	WhatDidnt   string
	Verbatim    string
	CRMURL      string
	MessageURL  string
	HideName    bool
	Source      Source
	Key         string
	CreatedAt   time.Time
	// LostTo names the competitor that won a lost deal, or "none" (LostToNone).
	LostTo string
	// DealID links the feedback to a closed deal (vosbot's id); 0 for none.
	DealID int64
}

// Validate checks a draft and returns the feedback to store, or the problems by field.
// Text is kept exactly as typed: nothing is trimmed away or cut.
func (d Draft) Validate(r Rules) (Feedback, FieldErrors) {
	errs := FieldErrors{}
	f := Feedback{
		ReporterID: d.ReporterID, Account: d.Account, Region: strings.TrimSpace(d.Region),
		WhatWorked: d.WhatWorked, WhatDidnt: d.WhatDidnt, Verbatim: d.Verbatim,
		CRMURL: strings.TrimSpace(d.CRMURL), MessageURL: d.MessageURL, HideName: d.HideName,
		Source: d.Source, Key: d.Key, CreatedAt: d.CreatedAt, DealID: d.DealID,
	}
	if o, ok := ParseOutcome(d.Outcome); ok {
		f.Outcome = o
	} else if strings.TrimSpace(d.Outcome) == "" {
		errs[FieldOutcome] = "Pick how the deal ended: Won, Lost or No decision."
	} else {
		errs[FieldOutcome] = fmt.Sprintf("%q is not an outcome: use won, lost or no_decision.", truncate(d.Outcome, 40))
	}
	if strings.TrimSpace(d.Account) == "" {
		errs[FieldAccount] = "Name the account (the prospect's company)."
	}
	texts := []struct {
		field, value string
	}{{FieldAccount, d.Account}, {FieldWhatWorked, d.WhatWorked}, {FieldWhatDidnt, d.WhatDidnt}, {FieldVerbatim, d.Verbatim}, {FieldRegion, d.Region}}
	for _, t := range texts {
		if msg := checkText(t.value); msg != "" && errs[t.field] == "" {
			errs[t.field] = msg
		}
	}
	f.Currency = strings.ToUpper(strings.TrimSpace(d.Currency))
	if f.Currency == "" {
		f.Currency = r.Currency
	}
	if !isCurrencyCode(f.Currency) && !currencyLike(f.Currency) {
		errs[FieldCurrency] = fmt.Sprintf("%q is not a currency code such as USD or EUR.", truncate(d.Currency, 10))
	}
	if strings.TrimSpace(d.DealValue) != "" {
		a, err := ParseAmount(d.DealValue)
		if err != nil {
			errs[FieldDealValue] = "Couldn't read that amount: try 50k, $1.2M, 50,000 or 1 200,50 €."
		} else {
			if a.Currency != "" {
				// A symbol typed with the number says more than the default in the picker.
				f.Currency = a.Currency
				delete(errs, FieldCurrency)
			}
			f.DealValue = &a
		}
	}
	if f.Region != "" && len(r.Regions) > 0 && !slices.Contains(r.Regions, f.Region) {
		errs[FieldRegion] = fmt.Sprintf("Pick one of: %s.", strings.Join(r.Regions, ", "))
	}
	seen := map[string]bool{}
	for _, c := range d.Competitors {
		name := CompetitorName(c)
		key := CompetitorKey(name)
		if key == "" {
			continue
		}
		if msg := checkText(c); msg != "" {
			errs[FieldCompetitors] = msg
			continue
		}
		if !seen[key] {
			seen[key] = true
			f.Competitors = append(f.Competitors, name)
		}
	}
	if msg := lostTo(d.LostTo, &f, errs); msg != "" {
		errs[FieldLostTo] = msg
	}
	for _, reason := range d.Reasons {
		if !slices.Contains(r.Reasons, reason) {
			errs[FieldReasons] = fmt.Sprintf("%q is not a reason in the theme catalogue.", truncate(reason, 40))
			continue
		}
		if !slices.Contains(f.Reasons, reason) {
			f.Reasons = append(f.Reasons, reason)
		}
	}
	if f.CRMURL != "" {
		u, err := url.Parse(f.CRMURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs[FieldCRMURL] = "Paste a full link starting with https://"
		} else if len(f.CRMURL) > 2000 {
			errs[FieldCRMURL] = "That link is longer than 2,000 characters."
		}
	}
	if f.ReporterID == "" {
		errs["reporter_id"] = "missing reporter"
	}
	if len(errs) > 0 {
		return Feedback{}, errs
	}
	return f, nil
}

// LostToNone is a lost deal's LostTo when no vendor won it (the buyer chose no one).
const LostToNone = "none"

// noneKeys are the ways of saying that no competitor won (CompetitorKey of "None",
// "None / no decision", "No one", …).
var noneKeys = []string{"none", "nonenodecision", "nodecision", "noone", "nobody"}

// SaysNoOne reports whether a "lost to" answer says that no vendor won ("None",
// "None / no decision", "no one", …).
func SaysNoOne(typed string) bool {
	return slices.Contains(noneKeys, CompetitorKey(CompetitorName(typed)))
}

// lostTo checks who won a lost deal and records it in f, spelled as in its competitors;
// a winner the rep did not list there is added to them (a competitor that beat us was
// met). It returns what is wrong, or "". It runs after f's outcome and competitors are
// read (errs tells whether the outcome was).
func lostTo(typed string, f *Feedback, errs FieldErrors) string {
	if strings.TrimSpace(typed) == "" {
		return ""
	}
	if msg := checkText(typed); msg != "" {
		return msg
	}
	if errs[FieldOutcome] != "" {
		return "" // the outcome's error says what to fix first
	}
	if f.Outcome != Lost {
		return fmt.Sprintf("Only a lost deal is lost to someone: this one is %s. Clear “Lost to”, or set the outcome to Lost.", strings.ToLower(f.Outcome.Label()))
	}
	name := CompetitorName(typed)
	key := CompetitorKey(name)
	switch {
	case SaysNoOne(typed):
		f.LostTo = LostToNone
		return ""
	case key == "":
		return fmt.Sprintf("%q is not a competitor's name: pick one, or “None / no decision”.", truncate(typed, 40))
	}
	for _, c := range f.Competitors {
		if CompetitorKey(c) == key {
			f.LostTo = c
			return ""
		}
	}
	f.LostTo = name
	f.Competitors = append(f.Competitors, name)
	return ""
}

// currencyLike accepts any ISO-looking code (imports may carry currencies the picker lacks).
func currencyLike(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// checkText refuses what cannot be stored exactly: too long, invalid UTF-8, NUL bytes.
func checkText(s string) string {
	switch {
	case !utf8.ValidString(s):
		return "This text has invalid characters; paste it again as plain text."
	case strings.ContainsRune(s, 0):
		return "This text contains a NUL character, which cannot be stored; remove it."
	case utf8.RuneCountInString(s) > MaxText:
		return fmt.Sprintf("This is %d characters; the limit is %d. Shorten it (nothing was cut).", utf8.RuneCountInString(s), MaxText)
	}
	return ""
}

// ToDraft turns stored feedback back into a draft, to pre-fill an edit.
func (f Feedback) ToDraft() Draft {
	d := Draft{
		ReporterID: f.ReporterID, Outcome: string(f.Outcome), Account: f.Account, Currency: f.Currency,
		Region: f.Region, Competitors: f.Competitors, LostTo: f.LostTo, Reasons: f.Reasons, WhatWorked: f.WhatWorked,
		WhatDidnt: f.WhatDidnt, Verbatim: f.Verbatim, CRMURL: f.CRMURL, MessageURL: f.MessageURL,
		HideName: f.HideName, Source: f.Source, Key: f.Key, CreatedAt: f.CreatedAt, DealID: f.DealID,
	}
	if f.DealValue != nil {
		d.DealValue = f.DealValue.String()
	}
	return d
}
