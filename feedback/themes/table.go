package themes

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/vosbot/vosbot/feedback/csvcell"
)

// NoTextColumnError says a CSV has no text column, naming the columns it has.
type NoTextColumnError struct{ Columns []string }

func (e *NoTextColumnError) Error() string {
	return fmt.Sprintf(`the CSV has no "text" column (columns found: %s)`, strings.Join(e.Columns, ", "))
}

// Table is a CSV read whole: its header, rows and which column holds the text.
type Table struct {
	Header []string
	Rows   [][]string
	Text   int
}

// ReadTable reads a CSV whose header has a "text" column (any case, surrounding spaces
// and a byte-order mark ignored). Rows may have any number of fields; a missing text
// field reads as empty.
func ReadTable(r io.Reader) (*Table, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, &NoTextColumnError{}
	}
	if err != nil {
		return nil, fmt.Errorf("read CSV header: %w", err)
	}
	t := &Table{Header: header, Text: -1}
	for i, h := range header {
		if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), "text") {
			t.Text = i
			break
		}
	}
	if t.Text < 0 {
		return nil, &NoTextColumnError{Columns: header}
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		t.Rows = append(t.Rows, rec)
	}
}

// Texts returns the text of every row.
func (t *Table) Texts() []string {
	out := make([]string, len(t.Rows))
	for i, r := range t.Rows {
		if t.Text < len(r) {
			out[i] = r[t.Text]
		}
	}
	return out
}

// Write writes the table with one more column, name, holding values (one per row); a
// column of that name already there is replaced instead. The rows' own cells are written
// as read (the file is the user's own: nothing is added to or hidden from it); the new
// cells, derived from the texts, are guarded so none runs as a spreadsheet formula.
// Nothing reads this output back, so nothing takes the guard off.
func (t *Table) Write(w io.Writer, name string, values []string) error {
	col := slices.Index(t.Header, name)
	header := t.Header
	if col < 0 {
		col = len(header)
		header = append(slices.Clone(header), name)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	for i, r := range t.Rows {
		rec := slices.Clone(r)
		for len(rec) <= col {
			rec = append(rec, "")
		}
		rec[col] = csvcell.Escape(values[i])
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write CSV: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

// ProgressEvery is the row count above which, and the step at which, long runs report
// progress.
const ProgressEvery = 5000

// TagAll tags every text in chunks of ProgressEvery, calling progress (may be nil)
// after each chunk on inputs over ProgressEvery rows. It returns the keys per text,
// dominant first.
func (t *Tagger) TagAll(texts []string, kind string, progress func(done, total int)) [][]string {
	out := make([][]string, len(texts))
	for start := 0; start < len(texts); start += ProgressEvery {
		end := min(start+ProgressEvery, len(texts))
		parallel(end-start, func(lo, hi int) {
			for i := start + lo; i < start+hi; i++ {
				for _, m := range t.Tag(texts[i], kind) {
					out[i] = append(out[i], m.Key)
				}
			}
		})
		if progress != nil && len(texts) > ProgressEvery {
			progress(end, len(texts))
		}
	}
	return out
}
