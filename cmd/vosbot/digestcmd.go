package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vosbot/vosbot/bot"
	"github.com/vosbot/vosbot/digest"
)

func cmdDigest(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h" || args[0] == "-help") {
			fmt.Fprintln(a.io.out, "Usage: vosbot digest preview [--channel C] [--at RFC3339]\n       vosbot digest post --channel C [--at RFC3339] [--force]\n       vosbot digest charts --channel C [--at RFC3339] --out DIR")
			return errHelp
		}
		return usagef("digest: say preview, post or charts")
	}
	switch args[0] {
	case "preview":
		return digestPreview(ctx, a, args[1:])
	case "post":
		return digestPost(ctx, a, args[1:])
	case "charts":
		return digestCharts(ctx, a, args[1:])
	}
	return usagef("digest: unknown %q: use preview, post or charts", args[0])
}

// digestFlags are the flags both digest commands share.
type digestFlags struct {
	channel *string
	at      *string
	force   *bool
}

// resolve picks the digest and its period: the channel's digest (the first configured
// when no channel is given, or a weekly default when none is), for the latest scheduled
// time at or before --at.
func (a *app) resolveDigest(f digestFlags, required bool) (digest.Definition, digest.Period, error) {
	defs := a.digests()
	var d digest.Definition
	switch {
	case *f.channel != "":
		found := false
		for _, x := range defs {
			if x.Channel == *f.channel {
				d, found = x, true
			}
		}
		if !found {
			return d, digest.Period{}, usagef("no digest is configured for channel %q; configured: %s", *f.channel, a.digestChannels())
		}
	case required:
		return d, digest.Period{}, usagef("--channel is required; configured: %s", a.digestChannels())
	case len(defs) > 0:
		d = defs[0]
	default:
		a.log.Info("no digests configured; previewing the default (Fridays 16:00, last 7 days)")
		d = digest.DefaultDefinition(a.cfg.Location)
	}
	at := time.Now()
	if *f.at != "" {
		t, err := time.Parse(time.RFC3339, *f.at)
		if err != nil {
			return d, digest.Period{}, usagef("--at %q: use RFC 3339, such as 2026-11-20T17:00:00Z", *f.at)
		}
		at = t
	}
	p, err := d.PeriodAt(at)
	if err != nil {
		return d, p, usageError{err}
	}
	return d, p, nil
}

func (a *app) digestChannels() string {
	if len(a.cfg.Digests) == 0 {
		return "none (add digests: to the configuration)"
	}
	var cs []string
	for _, d := range a.cfg.Digests {
		cs = append(cs, d.Channel)
	}
	return strings.Join(cs, ", ")
}

func digestPreview(ctx context.Context, a *app, args []string) error {
	fs := a.flags("digest preview", "[--channel C] [--at RFC3339]",
		"Print, as readable text, the digest that would be posted to channel C (default: the first\nconfigured digest) for its latest scheduled time at or before --at (default: now). Posts nothing.")
	f := digestFlags{channel: fs.String("channel", "", "the digest's channel ID"), at: fs.String("at", "", "a moment in the period, RFC 3339 (default now)")}
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if err := a.setup(); err != nil {
		return err
	}
	d, p, err := a.resolveDigest(f, false)
	if err != nil {
		return err
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := (&digest.Builder{Pool: db.Pool, Org: a.org(), LLMEnabled: a.env.LLMEnabled(), Scorecard: a.scorecard()}).Build(ctx, d, p)
	if err != nil {
		return err
	}
	fmt.Fprint(a.io.out, digest.PlainText(r, nil))
	return nil
}

func digestPost(ctx context.Context, a *app, args []string) error {
	fs := a.flags("digest post", "--channel C [--at RFC3339] [--force]",
		"Build and post the digest of channel C now (same period rule as preview) and print the\nmessage's ts, then upload its charts into the message's thread. The same channel and period\nis posted once, unless --force; run again after a failure, it posts only what is missing.")
	f := digestFlags{channel: fs.String("channel", "", "the digest's channel ID (required)"), at: fs.String("at", "", "a moment in the period, RFC 3339 (default now)"),
		force: fs.Bool("force", false, "post even if this period was posted already")}
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if err := a.setup(); err != nil {
		return err
	}
	if err := a.env.RequireSlack(false); err != nil {
		return usageError{err}
	}
	d, p, err := a.resolveDigest(f, true)
	if err != nil {
		return err
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	api := bot.NewClient(a.env.SlackBotToken, a.env.SlackAppToken, a.env.SlackAPIURL)
	poster := digest.NewPoster(db.Pool, api, &digest.Builder{Pool: db.Pool, Org: a.org(), LLMEnabled: a.env.LLMEnabled(), Scorecard: a.scorecard()}, a.log, nil)
	res, err := poster.Post(ctx, d, p, digest.PostOptions{Force: *f.force})
	if err != nil {
		return err
	}
	if !res.Posted {
		a.log.Info("this period's digest was already posted; not posting it again (use --force to)", "channel", d.Channel, "ts", res.TS)
	}
	fmt.Fprintln(a.io.out, res.TS)
	if err := poster.PostCharts(ctx, d, p, res); err != nil {
		return fmt.Errorf("the digest was posted (ts %s) but not all its charts: %w; run the same command again to post the rest", res.TS, err)
	}
	return nil
}

func digestCharts(ctx context.Context, a *app, args []string) error {
	fs := a.flags("digest charts", "--channel C [--at RFC3339] --out DIR",
		"Write the PNG charts the digest of channel C would attach (same period rule as preview), one\nfile per chart, into DIR, and print their paths.")
	f := digestFlags{channel: fs.String("channel", "", "the digest's channel ID (required)"), at: fs.String("at", "", "a moment in the period, RFC 3339 (default now)")}
	out := fs.String("out", "", "folder to write the charts into (created if missing)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usagef("digest charts: --out is required: the folder to write the PNG files into")
	}
	if err := a.setup(); err != nil {
		return err
	}
	d, p, err := a.resolveDigest(f, true)
	if err != nil {
		return err
	}
	db, err := a.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := (&digest.Builder{Pool: db.Pool, Org: a.org()}).Build(ctx, d, p)
	if err != nil {
		return err
	}
	paths, err := writeCharts(r, *out)
	if err != nil {
		return err
	}
	for _, path := range paths {
		fmt.Fprintln(a.io.out, path)
	}
	return nil
}

// writeCharts renders the report's charts into dir and returns the files' paths.
func writeCharts(r *digest.Report, dir string) ([]string, error) {
	charts, err := digest.Charts(r)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, usagef("--out %s: %v", dir, err)
	}
	var paths []string
	for _, c := range charts {
		path := filepath.Join(dir, c.Name)
		if err := os.WriteFile(path, c.PNG, 0o644); err != nil {
			return nil, fmt.Errorf("write chart: %w", err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}
