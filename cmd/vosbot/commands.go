package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/config"
	"github.com/vosbot/vosbot/internal/database"
	"github.com/vosbot/vosbot/internal/pglocal"
)

// version is stamped at build time: -ldflags "-X main.version=v1.2.3".
var version = ""

// command is one vosbot subcommand.
type command struct {
	name    string
	args    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

func commands() []command {
	return []command{
		{"run", "", "Start the bot: Socket Mode, background workers and the health server.", cmdRun},
		{"migrate", "", "Apply pending database migrations and exit.", cmdMigrate},
		{"demo", "", "Run the whole pipeline on sample data and print the digest. The first thing to run.", cmdDemo},
		{"digest", "", "Preview or post the weekly digest, or write its charts (digest preview | post | charts).", cmdDigest},
		{"export", "", "Write feedback, escalations, measures or closed deals to stdout as CSV or JSON Lines.", cmdExport},
		{"import", "", "Load historical feedback, measure history or closed deals from a CSV.", cmdImport},
		{"measures", "", "Record (or correct) a team's weekly revenue measure (measures record).", cmdMeasures},
		{"themes", "", "Tag or cluster a CSV of texts, list the theme catalogue, decide on emerging themes.", cmdThemes},
		{"survey", "", "Print a buyer-survey link for a feedback item (survey link --feedback ID).", cmdSurvey},
		{"forget", "", "Anonymise a person's records (privacy request); needs --yes.", cmdForget},
		{"purge", "", "Delete records older than a date; needs --yes.", cmdPurge},
		{"healthcheck", "", "Exit 0 when the running vosbot answers /healthz (for container images).", cmdHealthcheck},
		{"version", "", "Print the version.", cmdVersion},
	}
}

// app is what every command shares: streams, environment, logger and configuration.
type app struct {
	io     *stdio
	getenv func(string) string
	env    config.Env
	log    *slog.Logger
	cfg    *config.Config
}

func run(ctx context.Context, args []string, io *stdio, getenv func(string) string) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		printUsage(io.out)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return errHelp
	}
	name := args[0]
	for _, c := range commands() {
		if c.name == name {
			a := &app{io: io, getenv: getenv}
			return c.run(ctx, a, args[1:])
		}
	}
	return usagef("unknown command %q: run vosbot --help for the list", name)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "vosbot: prospect feedback, dropped-ball escalations and a weekly digest, in Slack.")
	fmt.Fprintln(w, "\nUsage: vosbot <command> [flags]   (vosbot <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEnvironment: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_API_URL, DATABASE_URL, VOS_DATA_DIR,")
	fmt.Fprintln(w, "VOS_CONFIG, VOS_HTTP_ADDR, OPENAI_API_KEY, OPENAI_BASE_URL, OPENAI_MODEL, VOS_LOG_FORMAT, VOS_LOG_LEVEL,")
	fmt.Fprintln(w, "VOS_DB_WAIT, VOS_WEBHOOK_ADDR, VOS_WEBHOOK_SECRET, VOS_PUBLIC_URL, HUBSPOT_CLIENT_SECRET, HUBSPOT_TOKEN,")
	fmt.Fprintln(w, "HUBSPOT_API_URL (see README.md).")
}

// flags returns a flag set whose --help prints the command's usage on stdout.
func (a *app) flags(name, args, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(a.io.out, "Usage: %s\n\n%s\n", strings.TrimSpace("vosbot "+name+" "+args), summary)
		var flags strings.Builder
		fs.SetOutput(&flags)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
		if flags.Len() > 0 {
			fmt.Fprintf(a.io.out, "\nFlags:\n%s", flags.String())
		}
	}
	return fs
}

// parse parses flags, mapping --help to errHelp and mistakes to a usage error.
func (a *app) parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp // the flag package printed the usage
		}
		return usagef("%s: %v", fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// setup reads the environment and the configuration and builds the logger.
func (a *app) setup() error {
	env, err := config.ReadEnv(a.getenv)
	if err != nil {
		return usageError{err}
	}
	a.env = env
	a.log = newLogger(a.io.err, env.LogFormat, a.getenv("VOS_LOG_LEVEL"))
	cfg, err := env.LoadConfig()
	if err != nil {
		return usageError{err}
	}
	a.cfg = cfg
	return nil
}

// openDB opens the database (embedded or DATABASE_URL) and applies migrations.
func (a *app) openDB(ctx context.Context) (*database.DB, error) {
	db, err := database.Open(ctx, database.Options{URL: a.env.DatabaseURL, DataDir: a.env.DataDir, RetryFor: a.env.DatabaseWait, Migrate: true, Logger: a.log})
	return db, a.dbError(err)
}

// openStore opens the database and the feedback store on it; close releases both.
func (a *app) openStore(ctx context.Context) (store *feedback.Store, close func(), err error) {
	db, err := a.openDB(ctx)
	if err != nil {
		return nil, nil, err
	}
	store, err = feedback.NewStore(db.Pool, feedback.StoreOptions{Logger: a.log})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return store, db.Close, nil
}

// openInput opens --input: a file, or standard input for "-". A file that cannot be
// opened is a usage error, its message starting with prefix.
func (a *app) openInput(prefix, name string) (r io.Reader, close func(), err error) {
	if name == "-" {
		return a.io.in, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, usagef("%s: %v", prefix, err)
	}
	return f, func() { f.Close() }, nil
}

// dbError makes missing PostgreSQL binaries a usage error (exit 2: install them or set
// DATABASE_URL).
func (a *app) dbError(err error) error {
	if errors.Is(err, pglocal.ErrNoBinaries) {
		return usageError{err}
	}
	return err
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil || level == "" {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func versionString() string {
	if version != "" {
		return version
	}
	if info, ok := debug.ReadBuildInfo(); ok {
		if v := info.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}

func cmdVersion(_ context.Context, a *app, args []string) error {
	fs := a.flags("version", "", "Print the version.")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(a.io.out, "vosbot", versionString())
	return nil
}

func cmdMigrate(ctx context.Context, a *app, args []string) error {
	fs := a.flags("migrate", "", "Apply pending database migrations and exit. Safe to run from several replicas at once.")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if err := a.setup(); err != nil {
		return err
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	db.Close()
	fmt.Fprintln(a.io.out, "database schema is up to date")
	return nil
}
