package bot

import (
	"testing"

	"github.com/vosbot/vosbot/internal/goldenfile"
)

// golden compares v, as indented JSON, with testdata/<name>.golden.json (-update rewrites it).
func golden(t *testing.T, name string, v any) {
	t.Helper()
	goldenfile.JSON(t, name, v)
}
