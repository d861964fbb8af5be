package feedback

import (
	"io"
)

// TableWriter writes the exports of the domain's other packages (measures) in the same
// two formats as feedback's: RFC 4180 CSV with one header row, or JSON Lines.
type TableWriter struct {
	t *tableWriter
}

// NewTableWriter starts an export with the given columns (the CSV header goes out now).
func NewTableWriter(w io.Writer, format string, cols []string) (*TableWriter, error) {
	t, err := newTableWriter(w, format, cols)
	if err != nil {
		return nil, err
	}
	return &TableWriter{t: t}, nil
}

// Write writes one record (values as for feedback's export; a json.Number is written as
// a number). In CSV, text cells a spreadsheet would run as a formula get one leading '
// (csvcell.Escape, as in every export); JSON Lines are never altered.
func (w *TableWriter) Write(values ...any) error { return w.t.write(values...) }

// Flush writes what is buffered.
func (w *TableWriter) Flush() error { return w.t.flush() }
