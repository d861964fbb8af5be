package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const validYAML = `timezone: America/New_York
admins: [U0ADMIN]

escalations:
  channel: C0ESCALATIONS
  ack_within: 24h
  resolve_within: 168h
  remind_every: 24h

teams:
  - key: product
    name: Product
    owners: [U0PRODUCT]
  - key: billing
    name: Finance & Billing
    owners: [U0FINANCE]
    ack_within: 4h

themes:
  - key: price
    name: Price or packaging
    description: our price, discounts, packaging or total cost against value or competitors
    keywords: [price, expensive, discount, cost]
    applies_to: [won, lost, no_decision, escalation]

currency: USD
regions: [NA, EMEA, APAC]

digests:
  - channel: C0LEADERSHIP
    schedule: "0 16 * * FRI"
    lookback: 168h
  - channel: C0EMEA
    schedule: "0 9 * * MON"
    filter: {region: EMEA}
`

func TestParseValid(t *testing.T) {
	t.Parallel()
	c, err := Parse("vosbot.yaml", []byte(validYAML))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if c.Location.String() != "America/New_York" {
		t.Errorf("location = %s", c.Location)
	}
	if len(c.Teams) != 2 || c.Teams[1].Name != "Finance & Billing" {
		t.Fatalf("teams = %+v", c.Teams)
	}
	if c.Teams[1].AckWithin != 4*time.Hour || c.Teams[1].ResolveWithin != 168*time.Hour {
		t.Errorf("billing SLAs = %s / %s, want the 4h override and the 168h default", c.Teams[1].AckWithin, c.Teams[1].ResolveWithin)
	}
	if c.Teams[0].AckWithin != 24*time.Hour {
		t.Errorf("product ack = %s", c.Teams[0].AckWithin)
	}
	if len(c.Digests) != 2 || c.Digests[1].Filter.Region != "EMEA" || c.Digests[1].Lookback != DefaultLookback {
		t.Fatalf("digests = %+v", c.Digests)
	}
	// The schedule is parsed: Friday 16:00 in New York after Monday 2026-11-23 is 2026-11-27.
	from := time.Date(2026, 11, 23, 0, 0, 0, 0, c.Location)
	if got, want := c.Digests[0].Cron.Next(from), time.Date(2026, 11, 27, 16, 0, 0, 0, c.Location); !got.Equal(want) {
		t.Errorf("next digest = %s, want %s", got, want)
	}
	if !c.IsAdmin("U0ADMIN") || c.IsAdmin("U0PRODUCT") {
		t.Error("IsAdmin wrong")
	}
	if len(c.Themes) != 1 || len(c.Themes[0].AppliesTo) != 4 {
		t.Errorf("themes = %+v", c.Themes)
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c := Default()
	if c.Timezone != "UTC" || c.Currency != "USD" || c.Escalations.AckWithin != DefaultAckWithin ||
		c.Escalations.ResolveWithin != DefaultResolveWithin || c.Escalations.RemindEvery != DefaultRemindEvery ||
		len(c.Digests) != 0 || len(c.Themes) != 0 || c.LLM.BatchSize != DefaultLLMBatchSize {
		t.Errorf("defaults = %+v", c)
	}
	empty, err := Parse("x.yaml", []byte("# only a comment\n"))
	if err != nil || empty.Currency != "USD" || empty.Company != DefaultCompany {
		t.Errorf("comment-only file: %v %+v", err, empty)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		line int
		want string
	}{
		{"unknown top-level key", "timezone: UTC\nchanels: [C1]\n", 2, `unknown key "chanels"`},
		{"unknown nested key", "teams:\n  - key: a\n    owners: [U0A]\n    onwers: [U0B]\n", 4, `unknown key "onwers"`},
		{"bad cron", "digests:\n  - channel: C0LEAD\n    schedule: \"0 16 * * FRYDAY\"\n", 3, `digests[0].schedule: invalid cron expression "0 16 * * FRYDAY"`},
		{"cron with six fields", "digests:\n  - channel: C0LEAD\n    schedule: \"0 0 16 * * FRI\"\n", 3, `invalid cron expression`},
		{"unknown timezone", "timezone: Mars/Olympus\n", 1, `timezone: unknown timezone "Mars/Olympus"`},
		{"duplicate team key", "teams:\n  - key: product\n    owners: [U0A]\n  - key: product\n    owners: [U0B]\n", 4, `teams[1].key: duplicate team key "product" (first defined in teams[0])`},
		{"bad duration", "escalations:\n  ack_within: 1 day\n", 2, `escalations.ack_within: invalid duration "1 day"`},
		{"negative duration", "escalations:\n  remind_every: -1h\n", 2, `must be positive`},
		{"bad team duration", "teams:\n  - key: a\n    owners: [U0A]\n    resolve_within: soon\n", 4, `teams[0].resolve_within: invalid duration "soon"`},
		{"bad lookback", "digests:\n  - channel: C0LEAD\n    schedule: \"@weekly\"\n    lookback: week\n", 4, `digests[0].lookback: invalid duration "week"`},
		{"digest without channel", "digests:\n  - schedule: \"0 16 * * FRI\"\n", 2, `digests[0]: a digest needs a channel`},
		{"digest channel name", "digests:\n  - channel: \"#leadership\"\n    schedule: \"@weekly\"\n", 2, `is not a Slack channel ID`},
		{"digest without schedule", "digests:\n  - channel: C0LEAD\n", 2, `a digest needs a schedule`},
		{"two digests one channel", "digests:\n  - channel: C0LEAD\n    schedule: \"@weekly\"\n  - channel: C0LEAD\n    schedule: \"@daily\"\n", 4, `already has a digest`},
		{"filter region not listed", "regions: [NA]\ndigests:\n  - channel: C0LEAD\n    schedule: \"@weekly\"\n    filter: {region: EMEA}\n", 5, `region "EMEA" is not one of regions: NA`},
		{"team without owners", "teams:\n  - key: product\n", 2, `needs at least one owner`},
		{"owner not a user id", "teams:\n  - key: product\n    owners: [alice]\n", 3, `teams[0].owners[0]: "alice" is not a Slack user ID`},
		{"bad team key", "teams:\n  - key: Product Team\n    owners: [U0A]\n", 2, `team key "Product Team" must be lower case`},
		{"admin not a user id", "admins: [bob]\n", 1, `admins[0]: "bob" is not a Slack user ID`},
		{"bad currency", "currency: dollars\n", 1, `currency: "dollars" is not an ISO 4217`},
		{"company on two lines", "company: \"Acme\\nInc\"\n", 1, `company: the company name must be one line`},
		{"company too long", "company: " + strings.Repeat("a", 101) + "\n", 1, `at most 100 characters (it has 101)`},
		{"duplicate theme", "themes:\n  - key: price\n    name: Price\n  - key: price\n    name: Cost\n", 4, `duplicate theme key "price"`},
		{"theme applies to unknown", "themes:\n  - key: price\n    name: Price\n    applies_to: [won, maybe]\n", 4, `unknown record kind "maybe"`},
		{"resolve shorter than ack", "escalations:\n  ack_within: 48h\n  resolve_within: 24h\n", 3, `resolve_within (24h0m0s) is shorter than ack_within (48h0m0s)`},
		{"wrong type", "admins: U0ADMIN\n", 1, `cannot unmarshal`},
		{"not yaml", "teams: [\n", 1, `did not find expected`},
		{"tz inside schedule", "digests:\n  - channel: C0LEAD\n    schedule: \"CRON_TZ=UTC 0 16 * * FRI\"\n", 3, `top-level timezone key`},
		{"llm batch size", "llm:\n  batch_size: 500\n", 2, `batch_size 500 must be between 1 and 100`},
		{"DM as escalation channel", "escalations:\n  channel: D0ABC123\n", 2, `escalations.channel: "D0ABC123" is a direct message, not a channel`},
		{"DM as team channel", "teams:\n  - key: a\n    owners: [U0A]\n    channel: D0ABC123\n", 4, `teams[0].channel: "D0ABC123" is a direct message`},
		{"DM as digest channel", "digests:\n  - channel: D0ABC123\n    schedule: \"@weekly\"\n", 2, `digests[0].channel: "D0ABC123" is a direct message`},
		{"101 teams", manyTeams(101), 202, `101 teams: a Slack select offers at most 100`},
		{"team name over 75", "teams:\n  - key: a\n    owners: [U0A]\n  - key: b\n    name: " + strings.Repeat("n", 76) + "\n    owners: [U0B]\n", 5, `teams[1].name: team name of 76 characters`},
		{"region of 200 characters", "regions:\n  - NA\n  - " + strings.Repeat("é", 200) + "\n", 3, `regions[1]: region of 200 characters: Slack shows at most 75`},
		{"101 regions", "regions: [" + manyRegions(101) + "]\n", 1, `101 regions`},
		{"theme name over 75", "themes:\n  - key: price\n    name: " + strings.Repeat("p", 76) + "\n", 3, `themes[0].name: theme name of 76 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse("conf/vosbot.yaml", []byte(tt.yaml))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse error = %v, want a *config.Error", err)
			}
			if ce.Path != "conf/vosbot.yaml" || ce.Line != tt.line {
				t.Errorf("at %s:%d, want conf/vosbot.yaml:%d (%v)", ce.Path, ce.Line, tt.line, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "conf/vosbot.yaml:") {
				t.Errorf("error %q does not start with the file name", err)
			}
		})
	}
}

func TestLoadUnreadable(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "missing.yaml")
	_, err := Load(path)
	var ce *Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "no such file or directory") {
		t.Fatalf("Load missing = %v", err)
	}
	dir := t.TempDir()
	_, err = Load(dir)
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("Load directory = %v", err)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	t.Parallel()
	c, err := Load(filepath.Join("..", "..", "deploy", "vosbot.example.yaml"))
	if err != nil {
		t.Fatalf("deploy/vosbot.example.yaml: %v", err)
	}
	if len(c.Teams) == 0 || len(c.Digests) == 0 {
		t.Errorf("example documents no teams or digests: %+v", c)
	}
}

func TestReadEnv(t *testing.T) {
	t.Parallel()
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	e, err := ReadEnv(env("HOME", "/home/rep"))
	if err != nil {
		t.Fatal(err)
	}
	if e.DataDir != "/home/rep/.local/share/vosbot" || e.HTTPAddr != ":8080" || e.SlackAPIURL != DefaultSlackAPIURL || e.LLMEnabled() {
		t.Errorf("defaults = %+v", e)
	}
	e, _ = ReadEnv(env("HOME", "/home/rep", "XDG_DATA_HOME", "/data", "SLACK_API_URL", "http://127.0.0.1:9/api", "OPENAI_BASE_URL", "http://llm"))
	if e.DataDir != "/data/vosbot" || e.SlackAPIURL != "http://127.0.0.1:9/api/" || !e.LLMEnabled() {
		t.Errorf("overrides = %+v", e)
	}
	if _, err := ReadEnv(env("HOME", "/h", "VOS_LOG_FORMAT", "xml")); err == nil || !strings.Contains(err.Error(), "VOS_LOG_FORMAT") {
		t.Errorf("bad log format: %v", err)
	}

	tokens := []struct {
		bot, app string
		needApp  bool
		want     string
	}{
		{"", "", false, "SLACK_BOT_TOKEN is not set"},
		{"xoxp-user", "", false, "SLACK_BOT_TOKEN must be a bot token"},
		{"xoxb-1", "", false, ""},
		{"xoxb-1", "", true, "SLACK_APP_TOKEN is not set"},
		{"xoxb-1", "xoxb-2", true, "SLACK_APP_TOKEN must be an app-level token"},
		{"xoxb-1", "xapp-2", true, ""},
	}
	for _, tt := range tokens {
		err := Env{SlackBotToken: tt.bot, SlackAppToken: tt.app}.RequireSlack(tt.needApp)
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("RequireSlack(%q, %q, %v) = %v, want %q", tt.bot, tt.app, tt.needApp, err, tt.want)
		}
	}
}

func TestLoadConfigFromEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "v.yaml")
	if err := os.WriteFile(path, []byte("currency: EUR\ncompany: \" Acme & <Sons> \"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Env{ConfigPath: path}.LoadConfig()
	if err != nil || c.Currency != "EUR" || c.Path != path || c.Company != "Acme & <Sons>" {
		t.Fatalf("LoadConfig = %+v, %v", c, err)
	}
}

// manyTeams is a teams list of n teams, two lines each after the "teams:" line.
func manyTeams(n int) string {
	var b strings.Builder
	b.WriteString("teams:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - key: t%d\n    owners: [U0A]\n", i)
	}
	return b.String()
}

func manyRegions(n int) string {
	r := make([]string, n)
	for i := range r {
		r[i] = fmt.Sprintf("R%d", i)
	}
	return strings.Join(r, ", ")
}

// TestLimitsAreInclusive: exactly 100 teams and regions, and names of 75 characters, fit.
func TestLimitsAreInclusive(t *testing.T) {
	t.Parallel()
	y := manyTeams(100) + "regions: [" + manyRegions(99) + ", " + strings.Repeat("é", 75) + "]\n"
	c, err := Parse("x.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Teams) != 100 || len(c.Regions) != 100 {
		t.Errorf("%d teams, %d regions", len(c.Teams), len(c.Regions))
	}
}
