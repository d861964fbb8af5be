package feedback

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vosbot/vosbot/feedback/csvcell"
)

// ReadCSV reads an import file the way every import does. Its header may name only
// columns among known and must name every one of required, else a *ColumnsError. Then
// row is called with each record's line number and a getter of its cells (with the one
// leading ' an export adds taken off), and refuse with each line that is not valid CSV;
// a refused line never stops the others. It stops at the first error row returns, or at
// a file it cannot read past; what names the import in errors.
func ReadCSV(r io.Reader, what string, known, required []string, row func(line int, get func(string) string) error, refuse func(RowError)) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return &ColumnsError{Missing: required}
	}
	if err != nil {
		return fmt.Errorf("%s: read header: %w", what, err)
	}
	col := map[string]int{}
	var unknown, missing []string
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if !slices.Contains(known, h) {
			unknown = append(unknown, h)
			continue
		}
		col[h] = i
	}
	for _, req := range required {
		if _, ok := col[req]; !ok {
			missing = append(missing, req)
		}
	}
	if len(unknown) > 0 || len(missing) > 0 {
		return &ColumnsError{Unknown: unknown, Missing: missing}
	}
	lastErrLine := -1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			// FieldPos panics after a failed read; the parse error knows the line.
			line := lastErrLine + 1
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			if line == lastErrLine {
				return fmt.Errorf("%s: cannot read past line %d: %w", what, line, err)
			}
			lastErrLine = line
			refuse(RowError{Line: line, Reason: "not valid CSV: " + err.Error()})
			continue
		}
		line, _ := cr.FieldPos(0)
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return csvcell.Unescape(rec[i])
			}
			return ""
		}
		if err := row(line, get); err != nil {
			return err
		}
	}
}
