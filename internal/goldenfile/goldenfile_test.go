package goldenfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that keeps what a comparison reported.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "testdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "testdata", "x.golden.json"), []byte("{\n  \"a\": \"<b>\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	same := &recorder{TB: t}
	JSON(same, "x", map[string]string{"a": "<b>"})
	if len(same.errors) != 0 {
		t.Errorf("equal output reported: %v", same.errors)
	}
	other := &recorder{TB: t}
	JSON(other, "x", map[string]string{"a": "<c>"})
	if len(other.errors) != 1 || !strings.Contains(other.errors[0], "differs") {
		t.Errorf("different output not reported: %v", other.errors)
	}
	if d := firstDiff([]byte("a\nb\n"), []byte("a\nc\n")); !strings.Contains(d, "line 2") {
		t.Errorf("firstDiff = %q", d)
	}
}
