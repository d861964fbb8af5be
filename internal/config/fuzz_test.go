package config

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary documents to Parse: it never panics, and it either returns a
// configuration or an *Error naming the file and, for a document with content, the line
// of the problem (an operator must be able to find what to fix).
func FuzzParse(f *testing.F) {
	f.Add([]byte(validYAML))
	f.Add([]byte("timezone: UTC\nchanels: [C1]\n"))
	f.Add([]byte("digests:\n  - channel: C0LEAD\n    schedule: \"0 16 * * FRYDAY\"\n"))
	f.Add([]byte("teams:\n  - key: product\n    owners: [U0A]\n  - key: product\n    owners: [U0B]\n"))
	f.Add([]byte("escalations:\n  ack_within: 1 day\n"))
	f.Add([]byte("[1, 2]\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("---\ntimezone: UTC\n---\ncurrency: EUR\n"))
	f.Add([]byte("regions: [NA]\ndigests:\n  - channel: C0LEAD\n    schedule: \"@weekly\"\n    filter: {region: EMEA}\n"))
	f.Add([]byte("llm: {timeout: 5s, batch_size: -1, max_chars: 99999999999999999999}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data)
		if err == nil {
			if c == nil || c.Location == nil {
				t.Fatalf("no error and no usable configuration for %q", data)
			}
			return
		}
		var ce *Error
		if !errors.As(err, &ce) {
			t.Fatalf("error of type %T, want *config.Error: %v", err, err)
		}
		if ce.Path != "fuzz.yaml" || !strings.HasPrefix(err.Error(), "fuzz.yaml:") {
			t.Errorf("error does not name the file: %q", err)
		}
		if len(bytes.TrimSpace(data)) > 0 && ce.Line <= 0 {
			t.Errorf("error without a line for %q: %q", data, err)
		}
		if strings.TrimSpace(ce.Msg) == "" {
			t.Errorf("error without a reason for %q", data)
		}
	})
}
