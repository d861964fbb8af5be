package feedback

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DealStatus is where a closed deal stands with its owner's feedback.
type DealStatus string

// The statuses of a deal.
const (
	// DealWaiting: known, its owner not asked yet (the nudge waits for nudge_after, or
	// the owner was not found in Slack).
	DealWaiting DealStatus = "waiting"
	// DealNudged: the owner was asked and has not answered.
	DealNudged DealStatus = "nudged"
	// DealFiled: feedback names the deal.
	DealFiled DealStatus = "filed"
	// DealSkipped: the owner said there is nothing to tell (not their deal, no contact).
	DealSkipped DealStatus = "skipped"
	// DealExpired: nudge_within passed with no answer; nobody is asked any more.
	DealExpired DealStatus = "expired"
)

// Open reports whether the deal still waits for its owner's feedback.
func (s DealStatus) Open() bool { return s == DealWaiting || s == DealNudged }

// DealSource says how vosbot heard of a deal.
type DealSource string

// The ways in.
const (
	DealFromWebhook DealSource = "webhook"
	DealFromHubSpot DealSource = "hubspot"
	DealFromImport  DealSource = "import"
	DealFromDemo    DealSource = "demo"
)

// SourceDealNudge is feedback filed from a deal's nudge (the DM's button or App Home).
const SourceDealNudge Source = "deal_nudge"

// Skip reasons a rep can give instead of feedback.
const (
	SkipNotMyDeal = "not_my_deal"
	SkipNoContact = "no_contact"
)

// SkipReasons are the reasons offered with Skip, in order, with their labels.
var SkipReasons = []struct{ Key, Label string }{
	{SkipNotMyDeal, "Not my deal"},
	{SkipNoContact, "No contact with the buyer"},
}

// Deal is a closed deal vosbot heard of from a CRM: one per CRM and deal id. A later
// change of outcome (lost, then reopened and won) is a new state of the same deal.
type Deal struct {
	ID       int64
	CRM      string
	DealID   string
	Account  string
	Outcome  Outcome
	Amount   *Amount
	Currency string
	ClosedAt time.Time
	// OwnerEmail and OwnerSlackID are the owner as the CRM named them; OwnerID is the
	// Slack user that resolved to ("" until found).
	OwnerEmail   string
	OwnerSlackID string
	OwnerID      string
	// OwnerUnknown says why the owner could not be found, since OwnerUnknownAt.
	OwnerUnknownAt *time.Time
	OwnerUnknown   string
	CRMURL         string
	Status         DealStatus
	NudgedAt       *time.Time
	SkipReason     string
	Source         DealSource
	ObservedAt     time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	// FeedbackCount is how many feedback items name the deal.
	FeedbackCount int
}

// CRMName is how people write the deal's CRM.
func (d Deal) CRMName() string { return CRMName(d.CRM) }

// CRMName spells a CRM key as its vendor does ("hubspot" → "HubSpot").
func CRMName(crm string) string {
	switch crm {
	case "hubspot":
		return "HubSpot"
	case "salesforce":
		return "Salesforce"
	case "pipedrive":
		return "Pipedrive"
	case "zoho":
		return "Zoho CRM"
	case "dynamics":
		return "Dynamics 365"
	}
	return crm
}

// Value is the deal's amount formatted with its currency, "" when the CRM gave none.
func (d Deal) Value() string {
	if d.Amount == nil {
		return ""
	}
	return d.Amount.Format(d.Currency)
}

// DealPolicy is when reps are asked about their closed deals, and who owns a deal: cmd
// builds it from the configuration's deals section.
type DealPolicy struct {
	// NudgeAfter is how long after the close the owner is asked; NudgeWithin how long
	// after the close anyone is asked at all.
	NudgeAfter  time.Duration
	NudgeWithin time.Duration
	// Owners maps a CRM owner's e-mail (lower case) to a Slack user.
	Owners map[string]string
}

// Defaults of a DealPolicy left empty.
const (
	DefaultNudgeAfter  = time.Hour
	DefaultNudgeWithin = 14 * 24 * time.Hour
)

func (p DealPolicy) nudgeWithin() time.Duration {
	if p.NudgeWithin <= 0 {
		return DefaultNudgeWithin
	}
	return p.NudgeWithin
}

func (p DealPolicy) nudgeAfter() time.Duration {
	if p.NudgeAfter < 0 {
		return DefaultNudgeAfter
	}
	return p.NudgeAfter
}

// NudgeAt is when a deal's owner is asked.
func (p DealPolicy) NudgeAt(d Deal) time.Time { return d.ClosedAt.Add(p.nudgeAfter()) }

// ExpiresAt is when nobody is asked about the deal any more.
func (p DealPolicy) ExpiresAt(d Deal) time.Time { return d.ClosedAt.Add(p.nudgeWithin()) }

// OwnerFor is the Slack user the configuration names for a CRM owner's e-mail.
func (p DealPolicy) OwnerFor(email string) (string, bool) {
	id, ok := p.Owners[strings.ToLower(strings.TrimSpace(email))]
	return id, ok && id != ""
}

// DealInput is a closed deal as a CRM says it, before validation: the one shape every
// way in (the signed webhook, HubSpot, an import) hands to Store.ReceiveDeal.
type DealInput struct {
	CRM          string
	DealID       string
	Account      string
	Outcome      string
	Amount       string
	Currency     string
	ClosedAt     string
	OwnerEmail   string
	OwnerSlackID string
	CRMURL       string

	Source DealSource
	// Actor names who said it in the audit trail ("crm:hubspot", "import").
	Actor string
	// ObservedAt is when the CRM said it; an older message never overwrites a newer one.
	ObservedAt time.Time
	// EventKey, when set, identifies the delivery: the same key twice changes nothing.
	EventKey  string
	EventKind string
}

// Field names of a deal, as the webhook's JSON and the import's columns spell them.
const (
	DealFieldCRM          = "crm"
	DealFieldDealID       = "deal_id"
	DealFieldAccount      = "account"
	DealFieldOutcome      = "outcome"
	DealFieldAmount       = "amount"
	DealFieldCurrency     = "currency"
	DealFieldClosedAt     = "closed_at"
	DealFieldOwnerEmail   = "owner_email"
	DealFieldOwnerSlackID = "owner_slack_id"
	DealFieldCRMURL       = "crm_url"
)

// Limits of a deal's fields.
const (
	MaxDealID      = 255
	MaxDealAccount = 500
	maxEmail       = 254
	maxURL         = 2000
	// closedAtSlack is how far in the future a close may be (clocks and time zones).
	closedAtSlack = 24 * time.Hour
)

var (
	crmPattern     = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,39}$`)
	slackIDPattern = regexp.MustCompile(`^[UW][A-Z0-9]{2,31}$`)
)

// ValidSlackUserID reports whether s looks like a Slack user id (U… or W…).
func ValidSlackUserID(s string) bool { return slackIDPattern.MatchString(s) }

// Validate checks a deal as the CRM sent it and returns the deal to store, or what is
// wrong by field. currency is the default currency; now dates a deal without closed_at.
// Text is kept as given (an account name with Slack markup is escaped where it is shown).
func (in DealInput) Validate(currency string, now time.Time) (Deal, FieldErrors) {
	errs := FieldErrors{}
	d := Deal{
		CRM: strings.ToLower(strings.TrimSpace(in.CRM)), DealID: strings.TrimSpace(in.DealID), Account: in.Account,
		OwnerEmail: strings.ToLower(strings.TrimSpace(in.OwnerEmail)), OwnerSlackID: strings.TrimSpace(in.OwnerSlackID),
		CRMURL: strings.TrimSpace(in.CRMURL), Source: in.Source, ObservedAt: in.ObservedAt.UTC(), Status: DealWaiting,
	}
	switch {
	case d.CRM == "":
		errs[DealFieldCRM] = "missing: name the CRM, such as salesforce or hubspot"
	case !crmPattern.MatchString(d.CRM):
		errs[DealFieldCRM] = fmt.Sprintf("%q is not a CRM name: use lower-case letters, digits, '.', '_' or '-', at most 40", truncate(in.CRM, 40))
	}
	switch n := utf8.RuneCountInString(d.DealID); {
	case d.DealID == "":
		errs[DealFieldDealID] = "missing: the CRM's id of the deal"
	case !utf8.ValidString(d.DealID):
		errs[DealFieldDealID] = "has invalid UTF-8"
	case n > MaxDealID:
		errs[DealFieldDealID] = fmt.Sprintf("is %d characters long; the limit is %d", n, MaxDealID)
	case strings.IndexFunc(d.DealID, unicode.IsControl) >= 0:
		errs[DealFieldDealID] = "has control characters"
	}
	switch n := utf8.RuneCountInString(in.Account); {
	case strings.TrimSpace(in.Account) == "":
		errs[DealFieldAccount] = "missing: the buyer's company"
	case checkText(in.Account) != "":
		errs[DealFieldAccount] = strings.TrimSuffix(checkText(in.Account), ".")
	case n > MaxDealAccount:
		errs[DealFieldAccount] = fmt.Sprintf("is %d characters long; the limit is %d", n, MaxDealAccount)
	}
	if o, ok := ParseOutcome(in.Outcome); ok {
		d.Outcome = o
	} else if strings.TrimSpace(in.Outcome) == "" {
		errs[DealFieldOutcome] = "missing: won, lost or no_decision"
	} else {
		errs[DealFieldOutcome] = fmt.Sprintf("%q is not an outcome: use won, lost or no_decision", truncate(in.Outcome, 40))
	}
	d.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if d.Currency == "" {
		d.Currency = currency
	}
	if !currencyLike(d.Currency) {
		errs[DealFieldCurrency] = fmt.Sprintf("%q is not a three-letter currency code such as USD", truncate(in.Currency, 10))
	}
	if v := strings.TrimSpace(in.Amount); v != "" {
		cents, err := parseDecimalCents(v)
		if err != nil {
			errs[DealFieldAmount] = fmt.Sprintf("%q: %v", truncate(v, 40), err)
		} else {
			d.Amount = &Amount{Cents: cents, Currency: d.Currency}
		}
	}
	d.ClosedAt = now.UTC()
	if v := strings.TrimSpace(in.ClosedAt); v != "" {
		t, err := parseTime(v)
		switch {
		case err != nil:
			errs[DealFieldClosedAt] = fmt.Sprintf("%q is not a time: use RFC 3339 such as 2026-11-20T15:04:05Z, or a date such as 2026-11-20", truncate(v, 40))
		case t.After(now.Add(closedAtSlack)):
			errs[DealFieldClosedAt] = fmt.Sprintf("%s is in the future: a deal is sent once it closed", t.Format(time.RFC3339))
		default:
			d.ClosedAt = t
		}
	}
	if e := d.OwnerEmail; e != "" {
		at := strings.IndexByte(e, '@')
		if len(e) > maxEmail || at <= 0 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n<>") || !utf8.ValidString(e) {
			errs[DealFieldOwnerEmail] = fmt.Sprintf("%q is not an e-mail address", truncate(in.OwnerEmail, 60))
		}
	}
	if id := d.OwnerSlackID; id != "" && !ValidSlackUserID(id) {
		errs[DealFieldOwnerSlackID] = fmt.Sprintf("%q is not a Slack user id (like U012AB3CD)", truncate(in.OwnerSlackID, 40))
	}
	if u := d.CRMURL; u != "" {
		p, err := url.Parse(u)
		switch {
		case len(u) > maxURL:
			errs[DealFieldCRMURL] = fmt.Sprintf("is %d characters long; the limit is %d", len(u), maxURL)
		case err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "":
			errs[DealFieldCRMURL] = "is not a full link starting with https://"
		}
	}
	if len(errs) > 0 {
		return Deal{}, errs
	}
	return d, nil
}

// parseDecimalCents reads a non-negative decimal number ("50000", "1234.5", "1e3" is
// refused) in hundredths, rounding further decimals half up.
func parseDecimalCents(s string) (int64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" {
		return 0, fmt.Errorf("not a number")
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("not a plain non-negative decimal number such as 50000 or 1234.50")
			}
		}
	}
	whole = strings.TrimLeft(whole, "0")
	if len(whole) > 16 {
		return 0, fmt.Errorf("too large")
	}
	var cents int64
	for _, r := range whole {
		cents = cents*10 + int64(r-'0')
	}
	cents *= 100
	frac += "000"
	cents += int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	if frac[2] >= '5' {
		cents++
	}
	if cents > maxCents {
		return 0, fmt.Errorf("too large")
	}
	return cents, nil
}
