package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vosbot/vosbot/internal/config"
)

var (
	codeSpan   = regexp.MustCompile("(?s)```.*?```|`[^`\n]+`")
	commandUse = regexp.MustCompile(`(?:^|[\s/])vosbot ([a-z][a-z-]*)`)
	envVar     = regexp.MustCompile(`\b(?:SLACK|VOS|OPENAI|TEST_DATABASE|DATABASE|XDG)_[A-Z_]+\b`)
)

// TestDocsNameRealCommandsAndVariables reads README.md and docs/*.md: every vosbot
// command in a code span and every environment variable mentioned must exist.
func TestDocsNameRealCommandsAndVariables(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../../docs/*.md")
	files = append(files, "../../README.md")
	if len(files) < 3 {
		t.Fatalf("docs missing: %v", files)
	}
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	readme, _ := os.ReadFile("../../README.md")
	for _, link := range []string{"docs/setup.md", "docs/operations.md", "RELIABILITY.md"} {
		if !strings.Contains(string(readme), link) {
			t.Errorf("README.md does not link %s", link)
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, span := range codeSpan.FindAllString(string(b), -1) {
			for _, m := range commandUse.FindAllStringSubmatch(span, -1) {
				if !slices.Contains(names, m[1]) {
					t.Errorf("%s mentions `vosbot %s`, which is not a command", f, m[1])
				}
			}
		}
		for _, v := range envVar.FindAllString(string(b), -1) {
			if !slices.Contains(config.Variables, v) {
				t.Errorf("%s mentions %s, which vosbot does not read", f, v)
			}
		}
	}
}
