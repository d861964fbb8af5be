package survey_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vosbot/vosbot/survey"
)

// chromiumPath finds Debian's chromium (installed by .ci/run). Without one the browser
// test is skipped on a developer's machine and fails in CI.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("no chromium binary on PATH: .ci/run installs Debian's chromium (apt-get install -y chromium)")
	}
	t.Skip("no chromium binary on PATH (apt-get install -y chromium to run the real-browser test); CI runs it")
	return ""
}

// TestRealBrowser opens a survey link in headless Chromium, checks every input has a
// label and nothing was logged as an error (a CSP violation would be), fills the form
// as a buyer would, submits, sees the thank-you page and finds the answer stored.
func TestRealBrowser(t *testing.T) {
	t.Parallel()
	path := chromiumPath(t)
	e := newEnv(t, survey.Options{Company: "Initech"})
	token, _ := e.link("won")

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	defer cancelTimeout()

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, "console: "+string(ev.Type))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, "log: "+ev.Entry.Text+" "+ev.Entry.URL)
			}
		}
	}); err != nil {
		t.Fatalf("start the browser: %v", err)
	}

	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("browser, %s: %v", what, err)
		}
	}
	run("open the link", chromedp.Navigate(e.srv.URL+"/s/"+token), chromedp.WaitVisible(chromedp.ID("chose_us")))
	title, err := chromedp.Run(ctx, chromedp.Title())
	if err != nil {
		t.Fatal(err)
	}
	// Every input a buyer can use has a label (hidden fields aside).
	unlabelled, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('input:not([type=hidden]), textarea, select'))
		.filter(el => !el.labels || el.labels.length === 0 || el.labels[0].textContent.trim() === '')
		.map(el => el.name + '#' + (el.id || '?'))`))
	if err != nil {
		t.Fatal(err)
	}
	// The stylesheet loaded under the CSP (the submit button is styled by it).
	stylesheetApplied, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('button')).backgroundColor === 'rgb(29, 78, 216)'`))
	if err != nil {
		t.Fatal(err)
	}
	run("fill the form",
		chromedp.SendKeys(chromedp.ID("chose_us"), "Your onboarding plan <b>was</b> concrete"),
		chromedp.SendKeys(chromedp.ID("nearly_stopped"), "The security review"),
		chromedp.Click(chromedp.CSS(`label[for="ease-8"]`)),
		chromedp.Click(chromedp.ID("may_quote")),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
	)
	run("wait for the thank-you page", chromedp.WaitNotPresent(chromedp.CSS(`form`)), chromedp.WaitVisible(chromedp.CSS(`h1`)))
	thanks, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`h1`)))
	if err != nil {
		t.Fatal(err)
	}
	if title != "A few questions from Initech" || strings.TrimSpace(thanks) != "Thank you" {
		t.Fatalf("title %q, after submit %q", title, thanks)
	}
	if len(unlabelled) > 0 {
		t.Errorf("inputs without a label: %v", unlabelled)
	}
	if !stylesheetApplied {
		t.Error("the stylesheet did not apply (blocked by the CSP?)")
	}
	mu.Lock()
	if len(problems) > 0 {
		t.Errorf("console errors or warnings: %v", problems)
	}
	mu.Unlock()
	if n := e.answers(); n != 1 {
		t.Fatalf("%d answers stored", n)
	}
	r := storedReply(t, e)
	if r.Answer.WhatWorked != "Your onboarding plan <b>was</b> concrete" || r.Answer.WhatDidnt != "The security review" ||
		r.Ease == nil || *r.Ease != 8 || !r.MayQuote {
		t.Fatalf("stored %+v (ease %v)", r, r.Ease)
	}
}
