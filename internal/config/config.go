// Package config loads vosbot's configuration: the YAML file of INTERFACE.md, decoded
// strictly and validated with the file and line of every mistake, and the environment.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"
)

// Defaults applied when the file leaves a key out.
const (
	DefaultTimezone      = "UTC"
	DefaultAckWithin     = 24 * time.Hour
	DefaultResolveWithin = 168 * time.Hour
	DefaultRemindEvery   = 24 * time.Hour
	DefaultLookback      = 168 * time.Hour
	DefaultCurrency      = "USD"
	DefaultLLMTimeout    = 20 * time.Second
	DefaultLLMBatchSize  = 20
	DefaultLLMMaxChars   = 2000
)

// Limits of what Slack can show: a team or region is an option of a select, which holds
// at most 100 options of at most 75 characters. Themes have no count limit (reasons are
// picked with type-ahead past 100) but their names are options too.
const (
	MaxTeams      = 100
	MaxRegions    = 100
	MaxOptionText = 75
)

// Record kinds a theme can apply to.
var recordKinds = []string{"won", "lost", "no_decision", "escalation"}

// Config is the validated configuration file.
type Config struct {
	// Path is the file the configuration was read from, "" for built-in defaults.
	Path        string
	Location    *time.Location
	Timezone    string
	Admins      []string
	Escalations Escalations
	Teams       []Team
	// Themes replaces the built-in catalogue when non-empty.
	Themes   []Theme
	Currency string
	Regions  []string
	Digests  []Digest
	LLM      LLM
	// TopPerformers says whose escalations carry a top performer's weight.
	TopPerformers TopPerformers
	// Deals is when reps are asked about their closed deals (deals:).
	Deals Deals
	// Company is how the buyer survey page names the company (company:); default "us".
	Company string
}

// DefaultCompany is the survey page's name of the company when company: is not set;
// the page then says "we".
const DefaultCompany = "us"

// MaxCompany is the longest company name, in characters.
const MaxCompany = 100

// Escalations holds the SLA defaults of dropped-ball escalations.
type Escalations struct {
	Channel       string
	AckWithin     time.Duration
	ResolveWithin time.Duration
	RemindEvery   time.Duration
	// EscalateAfter unanswered reminders, each further one also goes to EscalateTo.
	EscalateAfter int
	EscalateTo    []string
	ConfirmWithin time.Duration
	BusinessHours BusinessHours
}

// Team is a function that can be held accountable.
type Team struct {
	Key    string
	Name   string
	Owners []string
	// Channel, AckWithin and ResolveWithin override the escalations defaults when set.
	Channel       string
	AckWithin     time.Duration
	ResolveWithin time.Duration
	// Measures are the team's revenue drivers (at most two), asked for on Ask (a cron
	// expression in the configured zone; AskCron parsed).
	Measures []Measure
	Ask      string
	AskCron  cron.Schedule
}

// Theme is one entry of a configured theme catalogue.
type Theme struct {
	Key         string
	Name        string
	Description string
	Keywords    []string
	AppliesTo   []string
}

// Digest is one scheduled digest.
type Digest struct {
	Channel  string
	Schedule string
	// Cron is Schedule parsed; it yields times in the location it is given.
	Cron     cron.Schedule
	Lookback time.Duration
	Filter   Filter
	// Measures shows the teams' revenue measures (company-wide, in a regional digest
	// too); measures: false leaves them out.
	Measures bool
}

// Filter restricts a digest to matching records.
type Filter struct {
	Region string
}

// LLM tunes the optional language model; the endpoint and key come from the environment.
type LLM struct {
	Timeout   time.Duration
	BatchSize int
	MaxChars  int
}

// Team returns the team with the given key.
func (c *Config) Team(key string) (Team, bool) {
	i := slices.IndexFunc(c.Teams, func(t Team) bool { return t.Key == key })
	if i < 0 {
		return Team{}, false
	}
	return c.Teams[i], true
}

// IsAdmin reports whether the user may act on any escalation.
func (c *Config) IsAdmin(userID string) bool { return slices.Contains(c.Admins, userID) }

// Digest returns the digest posted to the given channel.
func (c *Config) Digest(channel string) (Digest, bool) {
	i := slices.IndexFunc(c.Digests, func(d Digest) bool { return d.Channel == channel })
	if i < 0 {
		return Digest{}, false
	}
	return c.Digests[i], true
}

// Error is a configuration mistake: where it is and what to fix.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	switch {
	case e.Path == "":
		return e.Msg
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	default:
		return fmt.Sprintf("%s: %s", e.Path, e.Msg)
	}
}

// file mirrors the YAML document. Durations stay strings until validation so that a bad
// one is reported with its line, which yaml's own decoding would not give.
type file struct {
	Timezone    string   `yaml:"timezone"`
	Admins      []string `yaml:"admins"`
	Escalations struct {
		Channel       string `yaml:"channel"`
		AckWithin     string `yaml:"ack_within"`
		ResolveWithin string `yaml:"resolve_within"`
		RemindEvery   string `yaml:"remind_every"`
		// The loop: see loop.go.
		EscalateAfter *int     `yaml:"escalate_after"`
		EscalateTo    []string `yaml:"escalate_to"`
		ConfirmWithin string   `yaml:"confirm_within"`
		BusinessHours string   `yaml:"business_hours"`
		BusinessDays  []string `yaml:"business_days"`
	} `yaml:"escalations"`
	Teams []struct {
		Key           string   `yaml:"key"`
		Name          string   `yaml:"name"`
		Owners        []string `yaml:"owners"`
		Channel       string   `yaml:"channel"`
		AckWithin     string   `yaml:"ack_within"`
		ResolveWithin string   `yaml:"resolve_within"`
		// Measures: see measures.go.
		Measures []measureFile `yaml:"measures"`
	} `yaml:"teams"`
	Themes []struct {
		Key         string   `yaml:"key"`
		Name        string   `yaml:"name"`
		Description string   `yaml:"description"`
		Keywords    []string `yaml:"keywords"`
		AppliesTo   []string `yaml:"applies_to"`
	} `yaml:"themes"`
	Currency string   `yaml:"currency"`
	Company  string   `yaml:"company"`
	Regions  []string `yaml:"regions"`
	Digests  []struct {
		Channel  string `yaml:"channel"`
		Schedule string `yaml:"schedule"`
		Lookback string `yaml:"lookback"`
		Filter   struct {
			Region string `yaml:"region"`
		} `yaml:"filter"`
		Measures *bool `yaml:"measures"`
	} `yaml:"digests"`
	LLM struct {
		Timeout   string `yaml:"timeout"`
		BatchSize int    `yaml:"batch_size"`
		MaxChars  int    `yaml:"max_chars"`
	} `yaml:"llm"`
	TopPerformers topPerformersFile `yaml:"top_performers"`
	Deals         dealsFile         `yaml:"deals"`
}

// Default returns the built-in configuration used when there is no file.
func Default() *Config {
	c, err := Parse("", nil)
	if err != nil {
		panic("built-in configuration is invalid: " + err.Error())
	}
	return c
}

// Load reads and validates the file at path. A file that cannot be read is an *Error
// naming the path and the OS error.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{Path: path, Msg: "cannot read the configuration file: " + err.Error()}
	}
	return Parse(path, data)
}

var (
	userIDPattern    = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)
	channelIDPattern = regexp.MustCompile(`^[CG][A-Z0-9]{2,}$`)
	dmIDPattern      = regexp.MustCompile(`^D[A-Z0-9]{2,}$`)
	keyPattern       = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	currencyPattern  = regexp.MustCompile(`^[A-Z]{3}$`)
	yamlLinePattern  = regexp.MustCompile(`^line (\d+): (.*)$`)
	unknownField     = regexp.MustCompile(`^field (\S+) not found in type`)
)

// Parse validates a YAML document; path is only used in error messages.
func Parse(path string, data []byte) (*Config, error) {
	var root yaml.Node
	var f file
	if len(bytes.TrimSpace(data)) > 0 {
		if err := yaml.Unmarshal(data, &root); err != nil {
			return nil, yamlError(path, data, err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
			return nil, yamlError(path, data, err)
		}
	}
	v := validator{path: path, root: &root}
	return v.config(&f)
}

// yamlError turns a yaml error into an *Error with the line of its first problem. The
// few errors yaml reports without a line (bytes that are not text, a document cut short)
// get the line of the first byte that is not text, or else the last line.
func yamlError(path string, data []byte, err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if m := yamlLinePattern.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	}
	if line == 0 {
		line = unreadableLine(data)
	}
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		msg = fmt.Sprintf("unknown key %q", m[1])
	}
	return &Error{Path: path, Line: line, Msg: msg}
}

// unreadableLine is the line of the first byte of data that YAML refuses as text
// (invalid UTF-8, a control character), or the last line when there is none.
func unreadableLine(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if (r == utf8.RuneError && size == 1) || (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	if len(data) > 0 && data[len(data)-1] == '\n' {
		line--
	}
	return max(line, 1)
}

type validator struct {
	path string
	root *yaml.Node
}

// fail reports a problem at a key path such as "teams", 2, "key"; the line is that of the
// deepest node found along the path.
func (v validator) fail(at []any, format string, args ...any) error {
	return &Error{Path: v.path, Line: v.line(at...), Msg: pathString(at) + ": " + fmt.Sprintf(format, args...)}
}

func (v validator) line(at ...any) int {
	n := v.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, step := range at {
		var next *yaml.Node
		switch s := step.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == s {
						line = n.Content[i].Line
						next = n.Content[i+1]
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && s < len(n.Content) {
				next = n.Content[s]
				line = next.Line
			}
		}
		if next == nil {
			break
		}
		n = next
	}
	return line
}

func pathString(at []any) string {
	var b strings.Builder
	for _, step := range at {
		switch s := step.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s)
		case int:
			fmt.Fprintf(&b, "[%d]", s)
		}
	}
	return b.String()
}

func (v validator) duration(at []any, s string, def time.Duration) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return def, nil
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return 0, v.fail(at, "invalid duration %q: use Go durations such as 24h, 90m or 168h", s)
	}
	if d <= 0 {
		return 0, v.fail(at, "duration %q must be positive", s)
	}
	return d, nil
}

func (v validator) userIDs(at []any, ids []string) error {
	seen := map[string]bool{}
	for i, id := range ids {
		if !userIDPattern.MatchString(id) {
			return v.fail(append(at, i), "%q is not a Slack user ID (like U012AB3CD; find it in the person's profile under \"Copy member ID\")", id)
		}
		if seen[id] {
			return v.fail(append(at, i), "%q is listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

// channelID accepts a public (C…) or private (G…) channel. A direct message (D…) is
// refused: escalations and digests are posted in public, and a DM's id belongs to one
// installation's conversation with one person.
func (v validator) channelID(at []any, id string) error {
	if dmIDPattern.MatchString(id) {
		return v.fail(at, "%q is a direct message, not a channel: escalations and digests are posted in a channel everyone concerned can read; use the channel's ID (C… or G…, at the bottom of the channel's details)", id)
	}
	if !channelIDPattern.MatchString(id) {
		return v.fail(at, "%q is not a Slack channel ID (like C012AB3CD; find it at the bottom of the channel's details)", id)
	}
	return nil
}

func (v validator) config(f *file) (*Config, error) {
	c := &Config{Path: v.path, Timezone: strings.TrimSpace(f.Timezone)}
	if c.Timezone == "" {
		c.Timezone = DefaultTimezone
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || c.Timezone == "Local" {
		return nil, v.fail([]any{"timezone"}, "unknown timezone %q: use an IANA name such as Europe/Paris or America/New_York", f.Timezone)
	}
	c.Location = loc

	if err := v.userIDs([]any{"admins"}, f.Admins); err != nil {
		return nil, err
	}
	c.Admins = f.Admins

	e := f.Escalations
	c.Escalations.Channel = e.Channel
	if e.Channel != "" {
		if err := v.channelID([]any{"escalations", "channel"}, e.Channel); err != nil {
			return nil, err
		}
	}
	if c.Escalations.AckWithin, err = v.duration([]any{"escalations", "ack_within"}, e.AckWithin, DefaultAckWithin); err != nil {
		return nil, err
	}
	if c.Escalations.ResolveWithin, err = v.duration([]any{"escalations", "resolve_within"}, e.ResolveWithin, DefaultResolveWithin); err != nil {
		return nil, err
	}
	if c.Escalations.RemindEvery, err = v.duration([]any{"escalations", "remind_every"}, e.RemindEvery, DefaultRemindEvery); err != nil {
		return nil, err
	}
	if c.Escalations.ResolveWithin < c.Escalations.AckWithin {
		return nil, v.fail([]any{"escalations", "resolve_within"}, "resolve_within (%s) is shorter than ack_within (%s)", c.Escalations.ResolveWithin, c.Escalations.AckWithin)
	}
	if err := v.loop(f, c); err != nil {
		return nil, err
	}

	if len(f.Teams) > MaxTeams {
		return nil, v.fail([]any{"teams", MaxTeams}, "%d teams: a Slack select offers at most %d, so /dropped-ball could not list them all", len(f.Teams), MaxTeams)
	}
	teamAt := map[string]int{}
	for i, t := range f.Teams {
		at := []any{"teams", i}
		if t.Key == "" {
			return nil, v.fail(at, "a team needs a key")
		}
		if !keyPattern.MatchString(t.Key) {
			return nil, v.fail(append(at, "key"), "team key %q must be lower case letters, digits, - or _ (it is typed after /dropped-ball)", t.Key)
		}
		if first, dup := teamAt[t.Key]; dup {
			return nil, v.fail(append(at, "key"), "duplicate team key %q (first defined in teams[%d])", t.Key, first)
		}
		teamAt[t.Key] = i
		team := Team{Key: t.Key, Name: strings.TrimSpace(t.Name), Owners: t.Owners, Channel: t.Channel}
		if team.Name == "" {
			team.Name = t.Key
		}
		if n := utf8.RuneCountInString(team.Name); n > MaxOptionText {
			return nil, v.fail(append(at, "name"), "team name of %d characters: Slack shows at most %d in the team picker", n, MaxOptionText)
		}
		if len(t.Owners) == 0 {
			return nil, v.fail(at, "team %q needs at least one owner (owners: [U…])", t.Key)
		}
		if err := v.userIDs(append(at, "owners"), t.Owners); err != nil {
			return nil, err
		}
		if t.Channel != "" {
			if err := v.channelID(append(at, "channel"), t.Channel); err != nil {
				return nil, err
			}
		}
		if team.AckWithin, err = v.duration(append(at, "ack_within"), t.AckWithin, c.Escalations.AckWithin); err != nil {
			return nil, err
		}
		if team.ResolveWithin, err = v.duration(append(at, "resolve_within"), t.ResolveWithin, c.Escalations.ResolveWithin); err != nil {
			return nil, err
		}
		if team.ResolveWithin < team.AckWithin {
			return nil, v.fail(append(at, "resolve_within"), "resolve_within (%s) is shorter than ack_within (%s)", team.ResolveWithin, team.AckWithin)
		}
		if team.Measures, team.Ask, team.AskCron, err = v.measures(at, t.Key, t.Measures); err != nil {
			return nil, err
		}
		c.Teams = append(c.Teams, team)
	}

	themeAt := map[string]int{}
	for i, t := range f.Themes {
		at := []any{"themes", i}
		if !keyPattern.MatchString(t.Key) || strings.Contains(t.Key, "-") {
			return nil, v.fail(append(at, "key"), "theme key %q must be lower case letters, digits or _", t.Key)
		}
		if first, dup := themeAt[t.Key]; dup {
			return nil, v.fail(append(at, "key"), "duplicate theme key %q (first defined in themes[%d])", t.Key, first)
		}
		themeAt[t.Key] = i
		if strings.TrimSpace(t.Name) == "" {
			return nil, v.fail(at, "theme %q needs a name", t.Key)
		}
		if n := utf8.RuneCountInString(strings.TrimSpace(t.Name)); n > MaxOptionText {
			return nil, v.fail(append(at, "name"), "theme name of %d characters: Slack shows at most %d in the reasons picker", n, MaxOptionText)
		}
		for j, k := range t.AppliesTo {
			if !slices.Contains(recordKinds, k) {
				return nil, v.fail(append(at, "applies_to", j), "unknown record kind %q: use %s", k, strings.Join(recordKinds, ", "))
			}
		}
		applies := t.AppliesTo
		if len(applies) == 0 {
			applies = slices.Clone(recordKinds)
		}
		c.Themes = append(c.Themes, Theme{Key: t.Key, Name: strings.TrimSpace(t.Name), Description: strings.TrimSpace(t.Description), Keywords: t.Keywords, AppliesTo: applies})
	}

	c.Currency = strings.TrimSpace(f.Currency)
	if c.Currency == "" {
		c.Currency = DefaultCurrency
	}
	if !currencyPattern.MatchString(c.Currency) {
		return nil, v.fail([]any{"currency"}, "%q is not an ISO 4217 currency code such as USD or EUR", f.Currency)
	}

	c.Company = strings.TrimSpace(f.Company)
	if c.Company == "" {
		c.Company = DefaultCompany
	}
	if n := utf8.RuneCountInString(c.Company); n > MaxCompany || strings.ContainsFunc(c.Company, unicode.IsControl) {
		return nil, v.fail([]any{"company"}, "the company name must be one line of at most %d characters (it has %d)", MaxCompany, n)
	}

	if len(f.Regions) > MaxRegions {
		return nil, v.fail([]any{"regions", MaxRegions}, "%d regions: a Slack select offers at most %d", len(f.Regions), MaxRegions)
	}
	for i, r := range f.Regions {
		r = strings.TrimSpace(r)
		if r == "" {
			return nil, v.fail([]any{"regions", i}, "empty region")
		}
		if n := utf8.RuneCountInString(r); n > MaxOptionText {
			return nil, v.fail([]any{"regions", i}, "region of %d characters: Slack shows at most %d in the region picker", n, MaxOptionText)
		}
		if slices.Contains(c.Regions, r) {
			return nil, v.fail([]any{"regions", i}, "region %q is listed twice", r)
		}
		c.Regions = append(c.Regions, r)
	}

	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
	for i, d := range f.Digests {
		at := []any{"digests", i}
		if d.Channel == "" {
			return nil, v.fail(at, "a digest needs a channel")
		}
		if err := v.channelID(append(at, "channel"), d.Channel); err != nil {
			return nil, err
		}
		if _, dup := c.Digest(d.Channel); dup {
			return nil, v.fail(append(at, "channel"), "channel %s already has a digest; one digest per channel", d.Channel)
		}
		if strings.TrimSpace(d.Schedule) == "" {
			return nil, v.fail(at, "a digest needs a schedule (5-field cron such as \"0 16 * * FRI\")")
		}
		if strings.Contains(d.Schedule, "TZ=") {
			return nil, v.fail(append(at, "schedule"), "set the time zone with the top-level timezone key, not in the schedule")
		}
		sched, err := parser.Parse(d.Schedule)
		if err != nil {
			return nil, v.fail(append(at, "schedule"), "invalid cron expression %q: %v", d.Schedule, err)
		}
		lookback, err := v.duration(append(at, "lookback"), d.Lookback, DefaultLookback)
		if err != nil {
			return nil, err
		}
		if d.Filter.Region != "" && len(c.Regions) > 0 && !slices.Contains(c.Regions, d.Filter.Region) {
			return nil, v.fail(append(at, "filter", "region"), "region %q is not one of regions: %s", d.Filter.Region, strings.Join(c.Regions, ", "))
		}
		c.Digests = append(c.Digests, Digest{Channel: d.Channel, Schedule: d.Schedule, Cron: sched, Lookback: lookback, Filter: Filter{Region: d.Filter.Region},
			Measures: d.Measures == nil || *d.Measures})
	}

	if c.LLM.Timeout, err = v.duration([]any{"llm", "timeout"}, f.LLM.Timeout, DefaultLLMTimeout); err != nil {
		return nil, err
	}
	c.LLM.BatchSize, c.LLM.MaxChars = f.LLM.BatchSize, f.LLM.MaxChars
	if c.LLM.BatchSize == 0 {
		c.LLM.BatchSize = DefaultLLMBatchSize
	}
	if c.LLM.BatchSize < 1 || c.LLM.BatchSize > 100 {
		return nil, v.fail([]any{"llm", "batch_size"}, "batch_size %d must be between 1 and 100", f.LLM.BatchSize)
	}
	if c.LLM.MaxChars == 0 {
		c.LLM.MaxChars = DefaultLLMMaxChars
	}
	if c.LLM.MaxChars < 100 {
		return nil, v.fail([]any{"llm", "max_chars"}, "max_chars %d must be at least 100", f.LLM.MaxChars)
	}
	if c.Deals, err = v.deals(f.Deals, parser); err != nil {
		return nil, err
	}
	return c, nil
}
