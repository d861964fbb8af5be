package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"time"
)

var userIDPattern = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

func cmdForget(ctx context.Context, a *app, args []string) error {
	fs := a.flags("forget", "--user U… [--yes]",
		"Anonymise a person: their Slack id becomes \"forgotten\" and their free text a marker in feedback,\n"+
			"escalations and the audit trail, and copies of their words (theme examples, model errors, done\n"+
			"jobs) go; records stay, so digest numbers do not change. Prints what it will change; changes\n"+
			"nothing without --yes. The privacy log keeps a keyed hash (HMAC) of the id, never the id.")
	user := fs.String("user", "", "the person's Slack user id (U…)")
	yes := fs.Bool("yes", false, "apply the change")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if !userIDPattern.MatchString(*user) {
		return usagef("forget: --user %q is not a Slack user id (U…)", *user)
	}
	if err := a.setup(); err != nil {
		return err
	}
	store, closeStore, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	c, err := store.Forget(ctx, *user, *yes)
	if err != nil {
		return err
	}
	return a.privacyReport("forget "+*user, c, *yes)
}

func cmdPurge(ctx context.Context, a *app, args []string) error {
	fs := a.flags("purge", "--before DATE [--yes]",
		"Delete feedback and LLM usage created before DATE, and escalations raised and closed before it\n"+
			"(older ones still open are kept), and the deleted feedback's texts kept as theme examples.\n"+
			"Themes and the numbers of posted digests stay. Prints what\n"+
			"it will delete; deletes nothing without --yes. DATE is a day in the configured time zone or RFC 3339.")
	before := fs.String("before", "", "delete records older than this date")
	yes := fs.Bool("yes", false, "apply the deletion")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *before == "" {
		return usagef("purge: --before is required")
	}
	if err := a.setup(); err != nil {
		return err
	}
	cut, err := parseDate("before", *before, a.cfg.Location, false)
	if err != nil {
		return err
	}
	if cut.After(time.Now()) {
		return usagef("purge: --before %s is in the future", *before)
	}
	store, closeStore, err := a.openStore(ctx)
	if err != nil {
		return err
	}
	defer closeStore()
	c, err := store.Purge(ctx, cut, *yes)
	if err != nil {
		return err
	}
	return a.privacyReport("purge before "+cut.UTC().Format(time.RFC3339), c, *yes)
}

// privacyReport prints the counts, one per line, and whether they were applied.
func (a *app) privacyReport(what string, counts any, applied bool) error {
	b, err := json.Marshal(counts)
	if err != nil {
		return err
	}
	var m map[string]int
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	verb := "would change"
	if applied {
		verb = "changed"
	}
	fmt.Fprintf(a.io.out, "%s %s:\n", what, verb)
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(a.io.out, "  %-22s %d\n", k, m[k])
	}
	if !applied {
		fmt.Fprintln(a.io.out, "Nothing was changed. Run again with --yes to apply.")
	}
	return nil
}
