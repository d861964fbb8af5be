// Package catalogue owns the theme catalogue: the one Theme type, its store (the themes
// table is the truth; the configuration seeds it at start), a cached reader, and the
// writes that tag feedback and escalations with themes.
package catalogue

import "slices"

// Record kinds a theme can apply to.
const (
	KindWon        = "won"
	KindLost       = "lost"
	KindNoDecision = "no_decision"
	KindEscalation = "escalation"
)

// Kinds are every record kind, in order.
var Kinds = []string{KindWon, KindLost, KindNoDecision, KindEscalation}

// Theme statuses.
const (
	StatusCatalogue = "catalogue"
	StatusEmerging  = "emerging"
	StatusRetired   = "retired"
	StatusMerged    = "merged"
	StatusDismissed = "dismissed"
)

// Origins of a theme.
const (
	OriginCatalogue = "catalogue" // the configuration or the built-in catalogue
	OriginAdmin     = "admin"     // an emerging theme an admin accepted
)

// Theme is one theme: the reasons a rep picks in the feedback modal and the themes
// found in text are the same list. Stored themes also carry their status and, for
// themes found by discovery, the texts they were found in.
type Theme struct {
	ID          int64  `db:"id"`
	Key         string `db:"key"`
	Name        string `db:"name"`
	Description string `db:"description"`
	// Keywords are hints for the offline engine: words and short phrases that,
	// when they appear in a text, point at this theme.
	Keywords []string `db:"keywords"`
	// AppliesTo lists the record kinds (won, lost, no_decision, escalation)
	// the theme is meant for; empty means all of them.
	AppliesTo  []string `db:"applies_to"`
	Status     string   `db:"status"`
	Origin     string   `db:"origin"`
	MergedInto *int64   `db:"merged_into"`
	// Examples are texts the theme was found in (discovery), which teach the tagger.
	Examples []string `db:"example_texts"`
	Size     int      `db:"size"`
}

// AppliesToRecord reports whether the theme may be used for a record of the
// given kind. An empty kind or an empty AppliesTo list matches everything.
func (t Theme) AppliesToRecord(kind string) bool {
	return kind == "" || len(t.AppliesTo) == 0 || slices.Contains(t.AppliesTo, kind)
}

// IsReason reports whether reps can pick the theme as the reason a deal went its way.
func (t Theme) IsReason() bool {
	return t.AppliesToRecord(KindWon) || t.AppliesToRecord(KindLost) || t.AppliesToRecord(KindNoDecision)
}

// Catalogue is the list of themes in use, in catalogue order.
type Catalogue []Theme

// Reasons are the themes reps can pick for feedback.
func (c Catalogue) Reasons() Catalogue {
	var out Catalogue
	for _, t := range c {
		if t.IsReason() {
			out = append(out, t)
		}
	}
	return out
}

// Keys are the themes' keys, in order.
func (c Catalogue) Keys() []string {
	out := make([]string, len(c))
	for i, t := range c {
		out[i] = t.Key
	}
	return out
}

// ForKind are the themes that apply to a record kind.
func (c Catalogue) ForKind(kind string) Catalogue {
	var out Catalogue
	for _, t := range c {
		if t.AppliesToRecord(kind) {
			out = append(out, t)
		}
	}
	return out
}

// Find returns the theme with the key.
func (c Catalogue) Find(key string) (Theme, bool) {
	i := slices.IndexFunc(c, func(t Theme) bool { return t.Key == key })
	if i < 0 {
		return Theme{}, false
	}
	return c[i], true
}

// Builtin returns the default catalogue of INTERFACE.md, used when the
// configuration has no themes list. It returns a fresh copy on every call.
func Builtin() []Theme {
	deals := []string{KindWon, KindLost, KindNoDecision}
	return []Theme{
		{
			Key:         "price",
			Name:        "Price or packaging",
			Description: "our price, discounts, packaging, licensing model or total cost against the value seen or a competitor's offer",
			Keywords: []string{
				"price", "pricing", "expensive", "too expensive", "cheaper", "cheap", "cost", "costly",
				"discount", "discounting", "price point", "list price", "per seat", "per user", "seat price",
				"packaging", "bundle", "tier", "plan", "licensing", "license cost", "value for money",
				"total cost of ownership", "return on investment", "undercut", "price increase", "renewal price",
				"annual contract value", "overpriced", "affordable", "price tag", "quote", "commercials",
			},
			AppliesTo: deals,
		},
		{
			Key:         "missing_feature",
			Name:        "Missing feature",
			Description: "a capability the prospect needed that we lack or that is only on the roadmap, or a promised feature that slipped",
			Keywords: []string{
				"missing feature", "feature gap", "lack", "lacks", "lacking", "doesn't support", "not supported",
				"no support for", "roadmap", "feature request", "capability", "functionality", "missing",
				"reporting", "dashboards", "mobile app", "offline mode", "custom fields", "workflow", "api limits",
				"feature parity", "promised feature", "feature slipped", "not on roadmap", "gap", "couldn't do",
				"dealbreaker", "must have", "table stakes", "advanced analytics", "multi currency",
			},
		},
		{
			Key:         "integration",
			Name:        "Integrations",
			Description: "connecting with the prospect's existing tools and data: CRM, ERP, data warehouse, identity, APIs and connectors",
			Keywords: []string{
				"integration", "integrate", "integrations", "connector", "api", "webhook", "salesforce",
				"hubspot", "netsuite", "sap", "workday", "snowflake", "zapier", "slack integration",
				"sync", "data sync", "import", "export", "erp", "crm integration", "native integration",
				"marketplace", "plugin", "microsoft teams", "jira", "zendesk", "tech stack", "existing stack",
				"out of the box", "middleware", "etl", "bi tool", "tableau", "power bi",
			},
		},
		{
			Key:         "security_compliance",
			Name:        "Security and compliance",
			Description: "security review, certifications, data residency, privacy and legal terms that blocked or sped up the purchase",
			Keywords: []string{
				"security", "security review", "security questionnaire", "infosec", "compliance", "soc2", "soc 2",
				"iso 27001", "gdpr", "hipaa", "data residency", "eu hosting", "encryption", "single sign on",
				"saml", "penetration test", "pen test", "vendor risk", "privacy", "data processing agreement",
				"legal review", "redlines", "master services agreement", "audit", "certification", "ciso",
				"fedramp", "on premise", "data retention", "access control", "audit log", "procurement security",
			},
		},
		{
			Key:         "implementation",
			Name:        "Implementation effort",
			Description: "how hard, long or costly onboarding, migration, set-up and rollout looked, including services and internal resources needed",
			Keywords: []string{
				"implementation", "implement", "onboarding", "onboard", "migration", "migrate", "setup", "set up",
				"rollout", "roll out", "deployment", "deploy", "go live", "time to value", "professional services",
				"statement of work", "configuration", "customization", "change management", "training",
				"resources", "it resources", "too complex", "complexity", "learning curve", "months to implement",
				"heavy lift", "effort", "data migration", "admin overhead", "easy to set up", "quick to deploy",
			},
		},
		{
			Key:         "competitor_relationship",
			Name:        "Competitor relationship or incumbency",
			Description: "an incumbent vendor, an existing relationship, a bundled suite or a competitor's stronger ties and references",
			Keywords: []string{
				"incumbent", "incumbency", "existing vendor", "current vendor", "relationship", "long standing",
				"already using", "already uses", "switching cost", "stayed with", "renewed with", "bundled",
				"suite", "enterprise agreement", "preferred vendor", "vendor consolidation", "consolidate",
				"references", "reference customers", "went with", "chose", "competitor", "microsoft", "oracle",
				"golf buddy", "ex colleague", "loyalty", "rip and replace", "status quo", "good enough",
			},
		},
		{
			Key:         "budget_or_champion",
			Name:        "Budget frozen or champion gone",
			Description: "budget cut or frozen, spending freeze, reorganisation, or our champion or sponsor left, changed role or lost influence",
			Keywords: []string{
				"budget", "budget cut", "budget frozen", "budget freeze", "spending freeze", "hiring freeze",
				"no budget", "funding", "layoffs", "reorg", "reorganization", "restructuring", "acquired",
				"acquisition", "merger", "champion", "champion left", "sponsor", "executive sponsor",
				"economic buyer", "left the company", "new cfo", "new vp", "lost sponsor", "cost cutting",
				"cfo", "finance said no", "approval", "sign off", "signoff", "headcount",
			},
			AppliesTo: deals,
		},
		{
			Key:         "timing",
			Name:        "Timing and priorities",
			Description: "not the right time: other priorities, project pushed to next quarter or year, fiscal timing or urgency",
			Keywords: []string{
				"timing", "priority", "priorities", "not a priority", "next quarter", "next year", "next fiscal",
				"pushed", "push out", "delayed", "postponed", "on hold", "paused", "revisit", "later",
				"fiscal year", "end of quarter", "end of year", "urgency", "urgent", "deadline", "busy",
				"bandwidth", "other projects", "competing priorities", "slipped", "wait", "timeline",
				"not now", "circle back", "q1", "q2", "q3", "q4",
			},
			AppliesTo: deals,
		},
		{
			Key:         "support",
			Name:        "Support and customer success",
			Description: "responsiveness and quality of support, customer success and account management before and after the sale",
			Keywords: []string{
				"support", "support ticket", "ticket", "tickets", "unanswered", "no response", "response time",
				"slow response", "customer success", "customer success manager", "account manager",
				"escalation", "escalated", "helpdesk", "help desk", "service level agreement", "sla",
				"responsive", "unresponsive", "followed up", "follow up", "nobody answered", "chat support",
				"phone support", "onboarding call", "check in", "csm", "abandoned", "ignored",
			},
		},
		{
			Key:         "product_quality",
			Name:        "Product quality and reliability",
			Description: "bugs, outages, downtime, slowness, data loss or a trial or demo that broke or disappointed",
			Keywords: []string{
				"bug", "bugs", "buggy", "crash", "crashes", "crashed", "outage", "downtime", "down", "broken",
				"broke", "error", "errors", "slow", "performance", "latency", "unstable", "reliability",
				"reliable", "uptime", "data loss", "glitch", "glitchy", "failed", "failure", "demo failed",
				"trial issues", "proof of concept", "quality", "regression", "timeout", "ux", "clunky",
			},
		},
		{
			Key:         "billing",
			Name:        "Billing and invoicing",
			Description: "invoices, charges, credits, refunds and payment terms handled wrongly or late by finance and billing",
			Keywords: []string{
				"billing", "billed", "invoice", "invoices", "invoiced", "invoiced twice", "double billed",
				"charged twice", "wrong charge", "overcharged", "overcharge", "charge", "charges", "refund",
				"credit", "credit note", "credit memo", "payment", "payment terms", "purchase order",
				"po number", "net 30", "net 60", "collections", "dunning", "past due", "finance", "accounts payable",
				"tax", "vat", "receipt", "proration", "billing error", "wrong amount",
			},
		},
		{
			Key:         "lead_handling",
			Name:        "Leads and hand-offs from marketing",
			Description: "leads from marketing or SDRs handed over cold, late, unqualified, duplicated or without context",
			Keywords: []string{
				"lead", "leads", "inbound", "mql", "marketing qualified lead", "sales qualified", "handoff",
				"hand off", "handover", "hand over", "handed over", "routing", "lead routing", "assigned",
				"cold lead", "stale", "late", "unqualified", "not qualified", "duplicate", "duplicates",
				"sales development representative", "business development representative", "marketing",
				"webinar", "campaign", "form fill", "demo request", "no context", "follow up late", "speed to lead",
			},
		},
	}
}
