package feedback

import (
	"io"
	"strings"
)

// TableWriter writes the exports of the domain's other packages (measures) in the same
// two formats as feedback's: RFC 4180 CSV with one header row, or JSON Lines.
type TableWriter struct {
	t   *tableWriter
	csv bool
}

// NewTableWriter starts an export with the given columns (the CSV header goes out now).
func NewTableWriter(w io.Writer, format string, cols []string) (*TableWriter, error) {
	t, err := newTableWriter(w, format, cols)
	if err != nil {
		return nil, err
	}
	return &TableWriter{t: t, csv: t.csv != nil}, nil
}

// Write writes one record (values as for feedback's export; a json.Number is written as
// a number). In CSV, text cells a spreadsheet would run as a formula are escaped
// (EscapeCell); JSON Lines are never altered.
func (w *TableWriter) Write(values ...any) error {
	if w.csv {
		for i, v := range values {
			if s, ok := v.(string); ok {
				values[i] = EscapeCell(s)
			}
		}
	}
	return w.t.write(values...)
}

// Flush writes what is buffered.
func (w *TableWriter) Flush() error { return w.t.flush() }

// EscapeCell prefixes one ' to a CSV text cell that a spreadsheet would run as a formula
// (starting with =, +, -, @, tab or carriage return) or that starts with ' itself, so
// that UnescapeCell gives back exactly what was written.
func EscapeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r'", rune(s[0])) {
		return "'" + s
	}
	return s
}

// UnescapeCell removes the one leading ' that EscapeCell added.
func UnescapeCell(s string) string { return strings.TrimPrefix(s, "'") }
