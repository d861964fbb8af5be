package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/feedback/themes"
	"github.com/vosbot/vosbot/feedback/themes/llm"
)

func cmdThemes(ctx context.Context, a *app, args []string) error {
	sub := ""
	if len(args) > 0 {
		sub, args = args[0], args[1:]
	}
	switch sub {
	case "tag":
		return themesTag(ctx, a, args)
	case "cluster":
		return themesCluster(a, args)
	case "list":
		return themesList(ctx, a, args)
	case "accept", "dismiss", "merge":
		return themesDecide(ctx, a, sub, args)
	case "", "-h", "--help", "-help", "help":
		fmt.Fprintln(a.io.out, "Usage: vosbot themes tag|cluster|list|accept|merge|dismiss (vosbot themes <what> --help for its flags)")
		if sub == "" {
			return usagef("themes: say what: tag, cluster, list, accept, merge or dismiss")
		}
		return errHelp
	}
	return usagef("themes: unknown %q: use tag, cluster, list, accept, merge or dismiss", sub)
}

// readTable opens --input (a file or - for stdin) and reads its CSV; a missing text
// column is a usage error.
func (a *app) readTable(input string) (*themes.Table, error) {
	r, closeInput, err := a.openInput("--input", input)
	if err != nil {
		return nil, err
	}
	defer closeInput()
	t, err := themes.ReadTable(r)
	var nt *themes.NoTextColumnError
	if errors.As(err, &nt) {
		return nil, usageError{fmt.Errorf("%s: %w", input, err)}
	}
	return t, err
}

func (a *app) progress(verb string) func(done, total int) {
	return func(done, total int) {
		fmt.Fprintf(a.io.err, "themes: %s %d/%d rows\n", verb, done, total)
	}
}

func themesTag(ctx context.Context, a *app, args []string) error {
	fs := a.flags("themes tag", "[--input FILE|-] [--offline]",
		"Read a CSV with a text column and write it to stdout with a themes column added: the catalogue\n"+
			"themes each text is about, dominant first, ;-joined, empty when none fits. Offline unless an\n"+
			"LLM is configured (OPENAI_API_KEY or OPENAI_BASE_URL) and --offline is not given; texts the\n"+
			"LLM cannot answer for keep the offline result.")
	input := fs.String("input", "-", "CSV file to read, - for stdin")
	offline := fs.Bool("offline", false, "never call the LLM")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if err := a.setup(); err != nil {
		return err
	}
	t, err := a.readTable(*input)
	if err != nil {
		return err
	}
	texts := t.Texts()
	cat := a.catalogue()
	keys := themes.NewTagger(cat, nil, texts).TagAll(texts, "", a.progress("tagged offline"))
	if a.env.LLMEnabled() && !*offline {
		a.tagWithLLM(ctx, texts, keys)
	}
	values := make([]string, len(keys))
	for i, k := range keys {
		values[i] = strings.Join(k, ";")
	}
	return t.Write(a.io.out, "themes", values)
}

// tagWithLLM replaces offline keys by the model's where it answered.
func (a *app) tagWithLLM(ctx context.Context, texts []string, keys [][]string) {
	tagger := a.llmTagger(nil, nil)
	items := make([]llm.Item, len(texts))
	for i, t := range texts {
		items[i] = llm.Item{ID: strconv.Itoa(i), Text: t}
	}
	batch := max(a.cfg.LLM.BatchSize, 1) * 10
	for start := 0; start < len(items); start += batch {
		end := min(start+batch, len(items))
		results, _, err := tagger.Tag(ctx, a.catalogue(), items[start:end])
		if err != nil {
			a.log.Warn("themes: the LLM failed; keeping the offline themes for these rows", "rows", fmt.Sprintf("%d-%d", start+1, end), "err", err)
		}
		for _, r := range results {
			i, err := strconv.Atoi(r.ID)
			if err != nil || i < start || i >= end {
				continue
			}
			var ks []string
			for _, m := range r.Themes {
				ks = append(ks, m.Key)
			}
			keys[i] = ks
		}
		if len(items) > themes.ProgressEvery {
			a.progress("tagged by the LLM")(end, len(items))
		}
	}
}

func themesCluster(a *app, args []string) error {
	fs := a.flags("themes cluster", "[--input FILE|-] [--offline] [--k N] [--seed N]",
		"Read a CSV with a text column, discover groups among the texts with no catalogue, and write it\n"+
			"to stdout with a theme column added: a short label, the same for every text of a group and\n"+
			"unique per group. Texts with no words to go by get an empty theme. Always offline.")
	input := fs.String("input", "-", "CSV file to read, - for stdin")
	fs.Bool("offline", true, "accepted for symmetry with tag: discovery never calls the LLM")
	k := fs.Int("k", 0, "number of groups (0: chosen automatically)")
	seed := fs.Uint64("seed", 0, "random seed: the same input and seed give the same groups")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *k < 0 {
		return usagef("themes cluster: --k %d: use a positive number, or 0 to choose", *k)
	}
	if err := a.setup(); err != nil {
		return err
	}
	t, err := a.readTable(*input)
	if err != nil {
		return err
	}
	texts := t.Texts()
	opts := themes.ClusterOptions{K: *k, Seed: *seed}
	if len(texts) > themes.ProgressEvery {
		start := time.Now()
		opts.Progress = func(step string) {
			fmt.Fprintf(a.io.err, "themes: %s (%d rows, %.1f s)\n", step, len(texts), time.Since(start).Seconds())
		}
	}
	values := make([]string, len(texts))
	c, err := themes.Cluster(texts, opts)
	switch {
	case errors.Is(err, themes.ErrNoTexts):
		a.log.Warn("themes cluster: no text has words to group by; every theme is empty")
	case err != nil:
		return err
	default:
		for i, g := range c.Assign {
			if g >= 0 {
				values[i] = c.Labels[g]
			}
		}
		a.log.Info("themes cluster", "rows", len(texts), "groups", c.K, "k_chosen", c.Chosen)
	}
	return t.Write(a.io.out, "theme", values)
}

func themesList(ctx context.Context, a *app, args []string) error {
	fs := a.flags("themes list", "", "Print the theme catalogue (key, name, feedback items in the last 12 weeks) and the\nemerging themes waiting for an admin to accept, merge or dismiss.")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	store, closeDB, err := a.themeStore(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	counts, err := store.Catalogue.Counts(ctx, time.Now().Add(-feedback.ExampleWindow))
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(a.io.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KEY\tNAME\tLAST 12 WEEKS\tSTATUS")
	emerging := 0
	for _, c := range counts {
		status := "catalogue"
		if c.Status == catalogue.StatusEmerging {
			status = "emerging: vosbot themes accept|merge|dismiss " + c.Key
			emerging++
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", c.Key, c.Name, c.Feedback, status)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if emerging == 0 {
		fmt.Fprintln(a.io.out, "\nNo emerging themes waiting.")
	}
	return nil
}

func themesDecide(ctx context.Context, a *app, what string, args []string) error {
	usage := map[string]string{
		"accept":  "KEY [--name NAME]",
		"merge":   "KEY --into CATALOGUE_KEY",
		"dismiss": "KEY",
	}[what]
	fs := a.flags("themes "+what, usage, map[string]string{
		"accept":  "Make an emerging theme part of the catalogue, optionally renamed.",
		"merge":   "Fold a theme into a catalogue theme: its past and future tags count as the target's.",
		"dismiss": "Drop an emerging theme for good.",
	}[what])
	name := fs.String("name", "", "new name (accept)")
	into := fs.String("into", "", "catalogue theme to merge into (merge)")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := a.parse(fs, args); err != nil {
			return err
		}
		return usagef("themes %s: say which theme: vosbot themes %s %s", what, what, usage)
	}
	key := args[0]
	if err := a.parse(fs, args[1:]); err != nil {
		return err
	}
	if what == "merge" && *into == "" {
		return usagef("themes merge: --into is required")
	}
	store, closeDB, err := a.themeStore(ctx)
	if err != nil {
		return err
	}
	defer closeDB()
	switch what {
	case "accept":
		err = store.Catalogue.Accept(ctx, key, *name)
	case "merge":
		err = store.Catalogue.Merge(ctx, key, *into)
	default:
		err = store.Catalogue.Dismiss(ctx, key)
	}
	if errors.Is(err, feedback.ErrNotFound) || errors.Is(err, catalogue.ErrThemeState) {
		return usagef("themes %s: %v: only a waiting emerging theme (and, for merge, a catalogue target) can be decided; vosbot themes list shows them", what, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(a.io.out, "themes: %s %s: done\n", what, key)
	return nil
}

// themeStore opens the store with the configured catalogue synced into it.
func (a *app) themeStore(ctx context.Context) (*feedback.Store, func(), error) {
	if err := a.setup(); err != nil {
		return nil, nil, err
	}
	store, closeStore, err := a.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, _, err := store.Catalogue.Sync(ctx, a.catalogue()); err != nil {
		closeStore()
		return nil, nil, err
	}
	return store, closeStore, nil
}

// llmTagger is the configured language model; with a store, every call's token use is
// recorded in llm_usage.
func (a *app) llmTagger(store *feedback.Store, reg prometheus.Registerer) *llm.Tagger {
	opts := llm.Options{BaseURL: a.env.OpenAIBaseURL, APIKey: a.env.OpenAIKey, Model: a.env.OpenAIModel,
		Timeout: a.cfg.LLM.Timeout, BatchSize: a.cfg.LLM.BatchSize, MaxChars: a.cfg.LLM.MaxChars,
		Log: a.log.With("component", "llm"), Registry: reg}
	if store != nil {
		opts.Record = func(ctx context.Context, u llm.Usage) {
			err := store.RecordLLMUsage(ctx, feedback.LLMUsage{Model: u.Model, Purpose: u.Purpose, PromptTokens: u.PromptTokens,
				CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens, Duration: u.Duration, OK: u.OK, Error: u.Error})
			if err != nil {
				a.log.Warn("llm: token use not recorded", "err", err)
			}
		}
	}
	return llm.New(opts)
}
