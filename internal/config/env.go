package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Env is what vosbot reads from the environment: secrets and where things are.
type Env struct {
	SlackBotToken string
	SlackAppToken string
	// SlackAPIURL is the Web API base URL, always ending in "/".
	SlackAPIURL   string
	DatabaseURL   string
	DataDir       string
	ConfigPath    string
	HTTPAddr      string
	OpenAIKey     string
	OpenAIBaseURL string
	OpenAIModel   string
	LogFormat     string
	// DatabaseWait bounds the wait for an unreachable database (VOS_DB_WAIT, default 30 s).
	DatabaseWait time.Duration
	// Webhooks are the public listener's settings (VOS_WEBHOOK_*, VOS_PUBLIC_URL, HUBSPOT_*).
	Webhooks Webhooks
}

// Variables lists every environment variable vosbot reads (documentation is checked
// against it).
var Variables = []string{
	"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_API_URL", "DATABASE_URL", "VOS_DATA_DIR", "VOS_CONFIG",
	"VOS_HTTP_ADDR", "OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL", "VOS_LOG_FORMAT", "VOS_LOG_LEVEL",
	"VOS_DB_WAIT", "XDG_DATA_HOME", "HOME",
	"VOS_WEBHOOK_ADDR", "VOS_WEBHOOK_SECRET", "VOS_PUBLIC_URL", "HUBSPOT_CLIENT_SECRET", "HUBSPOT_TOKEN", "HUBSPOT_API_URL",
	// Tests only: a PostgreSQL server to use instead of starting one.
	"TEST_DATABASE_URL",
}

// DefaultSlackAPIURL is Slack's own Web API.
const DefaultSlackAPIURL = "https://slack.com/api/"

// ReadEnv reads the environment through getenv (os.Getenv in production).
func ReadEnv(getenv func(string) string) (Env, error) {
	var err error
	e := Env{
		SlackBotToken: strings.TrimSpace(getenv("SLACK_BOT_TOKEN")),
		SlackAppToken: strings.TrimSpace(getenv("SLACK_APP_TOKEN")),
		SlackAPIURL:   strings.TrimSpace(getenv("SLACK_API_URL")),
		DatabaseURL:   strings.TrimSpace(getenv("DATABASE_URL")),
		DataDir:       strings.TrimSpace(getenv("VOS_DATA_DIR")),
		ConfigPath:    strings.TrimSpace(getenv("VOS_CONFIG")),
		HTTPAddr:      strings.TrimSpace(getenv("VOS_HTTP_ADDR")),
		OpenAIKey:     strings.TrimSpace(getenv("OPENAI_API_KEY")),
		OpenAIBaseURL: strings.TrimSpace(getenv("OPENAI_BASE_URL")),
		OpenAIModel:   strings.TrimSpace(getenv("OPENAI_MODEL")),
		LogFormat:     strings.TrimSpace(getenv("VOS_LOG_FORMAT")),
	}
	if e.SlackAPIURL == "" {
		e.SlackAPIURL = DefaultSlackAPIURL
	}
	if !strings.HasSuffix(e.SlackAPIURL, "/") {
		e.SlackAPIURL += "/"
	}
	if e.HTTPAddr == "" {
		e.HTTPAddr = ":8080"
	}
	e.DatabaseWait = 30 * time.Second
	if v := strings.TrimSpace(getenv("VOS_DB_WAIT")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return e, fmt.Errorf("VOS_DB_WAIT=%q: use a duration such as 30s", v)
		}
		e.DatabaseWait = d
	}
	if e.Webhooks, err = readWebhooks(getenv); err != nil {
		return e, err
	}
	switch e.LogFormat {
	case "", "text", "json":
	default:
		return e, fmt.Errorf("VOS_LOG_FORMAT=%q: use text or json", e.LogFormat)
	}
	if e.DataDir == "" {
		base := getenv("XDG_DATA_HOME")
		if base == "" {
			home := getenv("HOME")
			if home == "" {
				return e, errors.New("cannot place the embedded database: set VOS_DATA_DIR, HOME or DATABASE_URL")
			}
			base = filepath.Join(home, ".local", "share")
		}
		e.DataDir = filepath.Join(base, "vosbot")
	}
	if !filepath.IsAbs(e.DataDir) {
		abs, err := filepath.Abs(e.DataDir)
		if err != nil {
			return e, fmt.Errorf("VOS_DATA_DIR=%q: %w", e.DataDir, err)
		}
		e.DataDir = abs
	}
	return e, nil
}

// LLMEnabled reports whether an OpenAI-compatible endpoint is configured.
func (e Env) LLMEnabled() bool { return e.OpenAIKey != "" || e.OpenAIBaseURL != "" }

// RequireSlack checks the tokens a Slack connection needs; appToken is false for
// commands that only call the Web API.
func (e Env) RequireSlack(appToken bool) error {
	if e.SlackBotToken == "" {
		return errors.New("SLACK_BOT_TOKEN is not set: set it to the bot token (xoxb-…) from the Slack app's OAuth & Permissions page")
	}
	if !strings.HasPrefix(e.SlackBotToken, "xoxb-") {
		return errors.New("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
	}
	if !appToken {
		return nil
	}
	if e.SlackAppToken == "" {
		return errors.New("SLACK_APP_TOKEN is not set: set it to an app-level token (xapp-…) with the connections:write scope")
	}
	if !strings.HasPrefix(e.SlackAppToken, "xapp-") {
		return errors.New("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
	}
	return nil
}

// LoadConfig reads the configuration named by VOS_CONFIG, else vosbot.yaml in the working
// directory if present, else the built-in defaults.
func (e Env) LoadConfig() (*Config, error) {
	if e.ConfigPath != "" {
		return Load(e.ConfigPath)
	}
	if _, err := os.Stat("vosbot.yaml"); err == nil {
		return Load("vosbot.yaml")
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, &Error{Path: "vosbot.yaml", Msg: "cannot read the configuration file: " + err.Error()}
	}
	return Default(), nil
}
