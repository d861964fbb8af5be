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
				"price", "pricing", "priced", "expensive", "too expensive", "cheaper", "cheap", "cheapest", "cost",
				"costly", "discount", "discounting", "price point", "list price", "per seat", "per user", "seat price",
				"price per seat", "packaging", "bundle", "tier", "licensing", "licence", "license cost",
				"value for money", "total cost of ownership", "return on investment", "undercut", "price increase",
				"renewal price", "price war", "annual contract value", "overpriced", "affordable", "price tag",
				"quote", "quoted", "commercials", "fee", "fees", "lower price", "price sensitive", "money",
				"most expensive",
			},
			AppliesTo: deals,
		},
		{
			Key:         "missing_feature",
			Name:        "Missing feature",
			Description: "a capability the prospect needed that we lack or that is only on the roadmap, or a promised feature that slipped",
			Keywords: []string{
				"missing feature", "feature", "features", "feature gap", "product gap", "lack", "lacks", "lacking",
				"doesn't support", "not supported", "no support for", "roadmap", "feature request", "capability",
				"functionality", "missing", "requirement", "requirements", "reporting", "dashboards", "mobile app",
				"offline mode", "custom fields", "custom objects", "workflow", "bulk edit", "bulk actions",
				"permissions", "localization", "api limits", "feature parity", "promised feature", "feature slipped",
				"not on roadmap", "general availability", "coming soon", "gap", "couldn't do", "dealbreaker",
				"must have", "table stakes", "advanced analytics", "multi currency",
			},
		},
		{
			Key:         "integration",
			Name:        "Integrations",
			Description: "connecting with the prospect's existing tools and data: CRM, ERP, data warehouse, identity, APIs and connectors",
			Keywords: []string{
				"integration", "integrate", "integrations", "integrated", "connector", "connectors", "api", "webhook",
				"webhooks", "salesforce", "hubspot", "netsuite", "sap", "workday", "snowflake", "zapier",
				"slack integration", "sync", "syncing", "data sync", "native integration", "natively", "field mapping",
				"erp", "crm integration", "marketplace", "plugin", "microsoft teams", "google workspace", "outlook",
				"dynamics", "azure ad", "active directory", "jira", "zendesk", "shopify", "quickbooks", "tech stack",
				"existing stack", "out of the box", "middleware", "etl", "bi tool", "tableau", "power bi", "looker",
				"api docs", "two way sync", "one way sync", "plug into", "teams app",
			},
		},
		{
			Key:         "security_compliance",
			Name:        "Security and compliance",
			Description: "security review, certifications, data residency, privacy and legal terms that blocked or sped up the purchase",
			Keywords: []string{
				"security", "security review", "sec review", "security questionnaire", "vendor questionnaire",
				"questionnaire", "infosec", "compliance", "soc2", "soc 2", "iso 27001", "gdpr", "hipaa",
				"business associate agreement", "data residency", "eu hosting", "encryption", "customer managed keys",
				"single sign on", "saml", "scim", "penetration test", "pen test", "vendor risk", "risk assessment",
				"risk review", "third party risk", "security assessment", "privacy", "personal data",
				"data protection", "data processing agreement", "legal review", "legal", "redlines",
				"master services agreement", "limitation of liability", "liability", "indemnity", "audit log",
				"audit trail", "certification", "ciso", "fedramp", "on premise", "data retention", "access control",
				"procurement security", "regulated", "security team",
			},
		},
		{
			Key:         "implementation",
			Name:        "Implementation effort",
			Description: "how hard, long or costly onboarding, migration, set-up and rollout looked, including services and internal resources needed",
			Keywords: []string{
				"implementation", "implement", "implementing", "implementation fee", "implementation consultant",
				"onboarding", "onboard", "onboarding plan", "migration", "migrate", "data migration", "setup",
				"set up", "rollout", "roll out", "phased rollout", "deployment", "deploy", "go live", "deployed",
				"time to value", "professional services", "statement of work", "configuration", "change management",
				"training", "it resources", "project kickoff", "implementation kickoff", "onboarding kickoff", "project plan", "consultant", "too complex", "complexity",
				"learning curve", "months to implement", "heavy lift", "effort", "admin overhead", "easy to set up",
				"quick to deploy", "implementation team", "kick off",
			},
		},
		{
			Key:         "competitor_relationship",
			Name:        "Competitor relationship or incumbency",
			Description: "an incumbent vendor, an existing relationship, a bundled suite or a competitor's stronger ties and references",
			Keywords: []string{
				"incumbent", "incumbency", "existing vendor", "current vendor", "old vendor", "previous vendor",
				"current provider", "relationship", "long standing", "already using", "already uses", "switching cost",
				"stayed with", "renewed with", "displace", "displaced", "displacement", "bundled", "suite",
				"ecosystem", "enterprise agreement", "enterprise license agreement", "preferred vendor",
				"vendor consolidation", "consolidate", "standardised", "references", "reference customers",
				"went with", "competitor", "microsoft", "oracle", "reference calls", "golf buddy", "ex colleague",
				"former colleague", "loyalty", "rip and replace", "status quo", "good enough",
			},
			AppliesTo: deals,
		},
		{
			Key:         "budget_or_champion",
			Name:        "Budget frozen or champion gone",
			Description: "budget cut or frozen, spending freeze, reorganisation, or our champion or sponsor left, changed role or lost influence",
			Keywords: []string{
				"budget", "budget cut", "budget frozen", "budget freeze", "spending freeze", "hiring freeze",
				"no budget", "budget cycle", "spend", "spending", "funding", "layoffs", "reorg", "reorganization",
				"restructuring", "acquired", "acquisition", "merger", "private equity", "champion", "champion left",
				"sponsor", "executive sponsor", "exec sponsor", "economic buyer", "left the company", "new cfo",
				"new vp", "new leadership", "lost sponsor", "cost cutting", "cfo", "finance said no", "sign off",
				"signoff", "headcount", "advocate", "laid off",
			},
			AppliesTo: deals,
		},
		{
			Key:         "timing",
			Name:        "Timing and priorities",
			Description: "not the right time: other priorities, project pushed to next quarter or year, fiscal timing or urgency",
			Keywords: []string{
				"timing", "bad timing", "wrong time", "priority", "priorities", "not a priority",
				"competing priorities", "deprioritized", "deprioritised", "next quarter", "next year", "next fiscal",
				"fiscal year", "new fiscal year", "push out", "delayed", "postponed", "on hold", "paused", "revisit",
				"later", "circle back", "end of quarter", "end of year", "urgency", "urgent", "deadline", "bandwidth",
				"other projects", "change freeze", "planning cycle", "timeline", "not now", "contract ended", "q1",
				"q2", "q3", "q4", "h1", "h2", "other priorities",
			},
			AppliesTo: deals,
		},
		{
			Key:         "support",
			Name:        "Support and customer success",
			Description: "responsiveness and quality of support, customer success and account management before and after the sale",
			Keywords: []string{
				"support", "support ticket", "ticket", "tickets", "unanswered", "no response", "response time",
				"response times", "slow response", "reply", "responded", "responsive", "unresponsive", "followed up",
				"follow up", "nobody answered", "answer", "customer success", "customer success manager",
				"account manager", "account management", "helpdesk", "help desk", "service level agreement", "sla",
				"chat support", "live chat", "phone support", "onboarding call", "check in", "csm", "voicemail", "p1",
				"p2", "sev1", "auto closed", "abandoned", "ignored", "support experience", "support team", "no reply",
			},
		},
		{
			Key:         "product_quality",
			Name:        "Product quality and reliability",
			Description: "bugs, outages, downtime, slowness, data loss or a trial or demo that broke or disappointed",
			Keywords: []string{
				"bug", "bugs", "buggy", "crash", "crashes", "crashed", "crashing", "outage", "outages", "downtime",
				"down", "broken", "broke", "error", "errors", "slow", "performance", "latency", "unstable",
				"stability", "reliability", "reliable", "uptime", "incident", "incidents", "status page", "data loss",
				"glitch", "glitchy", "failure", "demo failed", "trial issues", "quality", "regression", "timeout",
				"stopped working", "clunky", "ux", "usability", "user experience", "went down",
			},
		},
		{
			Key:         "billing",
			Name:        "Billing and invoicing",
			Description: "invoices, charges, credits, refunds and payment terms handled wrongly or late by finance and billing",
			Keywords: []string{
				"billing", "billed", "invoice", "invoices", "invoiced", "invoicing", "invoiced twice", "double billed",
				"charged twice", "wrong charge", "overcharged", "overcharge", "charge", "charges", "charged", "refund",
				"credit", "credit note", "credit memo", "chargeback", "disputed", "payment", "payments",
				"payment terms", "annual upfront", "purchase order", "po number", "net 30", "net 60", "collections",
				"dunning", "past due", "late fee", "accounts payable", "accounts receivable", "tax", "vat",
				"sales tax", "tax exempt", "receipt", "receipts", "proration", "billing error", "wrong amount",
				"auto renewal", "credit card", "non payment", "overage", "usage charges",
			},
		},
		{
			Key:         "lead_handling",
			Name:        "Leads and hand-offs from marketing",
			Description: "leads from marketing or SDRs handed over cold, late, unqualified, duplicated or without context",
			Keywords: []string{
				"lead", "leads", "inbound", "mql", "mqls", "marketing qualified lead", "sales qualified", "handoff",
				"hand off", "handover", "hand over", "handed over", "routing", "lead routing", "assigned",
				"round robin", "cold lead", "stale", "late", "untouched", "unqualified", "not qualified",
				"duplicate leads", "sales development representative", "business development representative",
				"marketing", "webinar", "campaign", "event leads", "trade show", "form fill", "demo request",
				"demo requests", "no context", "follow up late", "speed to lead", "ideal customer profile",
				"no discovery",
			},
		},
	}
}
