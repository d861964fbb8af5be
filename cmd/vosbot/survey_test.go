package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/feedback"
	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/survey"
)

// TestSurveyLinkCommand: `vosbot survey link` prints a URL on VOS_PUBLIC_URL whose
// token opens the item's survey; bad input exits 2 with what to fix.
func TestSurveyLinkCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	conn := pgtest.ConnString(t)
	vars := map[string]string{"DATABASE_URL": conn, "HOME": dir, "VOS_LOG_FORMAT": "json", "VOS_PUBLIC_URL": "https://vos.example.com/"}
	vos := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := report(&errb, run(ctx, args, &stdio{in: strings.NewReader(""), out: &out, err: &errb}, env(vars)))
		return code, out.String(), errb.String()
	}
	if code, _, errs := vos("migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errs)
	}
	pool, err := pgxpool.New(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store, err := feedback.NewStore(pool, feedback.StoreOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, errs := feedback.Draft{ReporterID: "U0REP", Outcome: "lost", Account: "Acme", Source: feedback.SourceSlashCommand, Key: "V1",
		WhatDidnt: "price"}.Validate(feedback.Rules{Currency: "USD"})
	if errs != nil {
		t.Fatal(errs)
	}
	saved, _, err := store.SaveFeedback(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	code, out, stderr := vos("survey", "link", "--feedback", strconv.FormatInt(saved.ID, 10), "--expires", "48h")
	if code != 0 || !strings.HasPrefix(out, "https://vos.example.com/s/") {
		t.Fatalf("survey link: %d %q %s", code, out, stderr)
	}
	token := strings.TrimSpace(strings.TrimPrefix(out, "https://vos.example.com/s/"))
	l, err := store.SurveyByToken(ctx, token)
	if err != nil || l.FeedbackID != saved.ID || l.ExpiresAt.Sub(l.CreatedAt).Hours() != 48 {
		t.Fatalf("link = %+v, %v", l, err)
	}
	srv := httptest.NewServer(survey.NewHandler(survey.Options{Store: store}))
	defer srv.Close()
	res, err := http.Get(srv.URL + "/s/" + token)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET the printed link: %v %v", res, err)
	}
	res.Body.Close()

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"survey", "link"}, "--feedback is required"},
		{[]string{"survey", "link", "--feedback", "abc"}, `--feedback "abc" is not a feedback id`},
		{[]string{"survey", "link", "--feedback", "999999"}, "no feedback item 999999"},
		{[]string{"survey", "link", "--feedback", "1", "--expires", "10000h"}, "--expires 10000h0m0s: use a duration between 1m and 2160h0m0s"},
		{[]string{"survey", "send", "--feedback", "1"}, `unknown "send"`},
	} {
		code, _, stderr := vos(bad.args...)
		if code != 2 || !strings.Contains(stderr, bad.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", bad.args, code, stderr, bad.want)
		}
	}
	delete(vars, "VOS_PUBLIC_URL")
	if code, _, stderr := vos("survey", "link", "--feedback", strconv.FormatInt(saved.ID, 10)); code != 2 || !strings.Contains(stderr, "set VOS_PUBLIC_URL") {
		t.Errorf("without a public URL: %d %q", code, stderr)
	}
}
