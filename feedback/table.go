package feedback

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vosbot/vosbot/feedback/csvcell"
)

// Export formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json"
)

// listSeparator joins list columns (competitors, reasons, themes) in CSV.
const listSeparator = ";"

// tableWriter writes records as RFC 4180 CSV with one header row, or as JSON Lines
// whose keys are the CSV's column names and whose list columns are arrays.
type tableWriter struct {
	cols []string
	csv  *csv.Writer
	w    io.Writer
	buf  bytes.Buffer
}

func newTableWriter(w io.Writer, format string, cols []string) (*tableWriter, error) {
	t := &tableWriter{cols: cols, w: w}
	switch format {
	case "", FormatCSV:
		t.csv = csv.NewWriter(w)
		if err := t.csv.Write(cols); err != nil {
			return nil, err
		}
	case FormatJSON:
	default:
		return nil, fmt.Errorf("unknown format %q: use csv or json", format)
	}
	return t, nil
}

// write writes one record; values line up with the columns and may be string,
// []string, bool, int64, *Amount, time.Time or *time.Time (nil pointers are empty).
func (t *tableWriter) write(values ...any) error {
	if len(values) != len(t.cols) {
		return fmt.Errorf("export: %d values for %d columns", len(values), len(t.cols))
	}
	if t.csv != nil {
		rec := make([]string, len(values))
		for i, v := range values {
			rec[i] = csvValue(v)
		}
		return t.csv.Write(rec)
	}
	t.buf.Reset()
	t.buf.WriteByte('{')
	for i, v := range values {
		if i > 0 {
			t.buf.WriteByte(',')
		}
		key, _ := json.Marshal(t.cols[i])
		t.buf.Write(key)
		t.buf.WriteByte(':')
		val, err := json.Marshal(jsonValue(v))
		if err != nil {
			return err
		}
		t.buf.Write(val)
	}
	t.buf.WriteString("}\n")
	_, err := t.w.Write(t.buf.Bytes())
	return err
}

func (t *tableWriter) flush() error {
	if t.csv != nil {
		t.csv.Flush()
		return t.csv.Error()
	}
	return nil
}

// csvValue is a value as a CSV cell. Text (and lists, joined) is guarded against running
// as a spreadsheet formula (csvcell.Escape; ReadImport takes the guard off); numbers,
// times and booleans never start like a formula.
func csvValue(v any) string {
	switch x := v.(type) {
	case string:
		return csvcell.Escape(x)
	case []string:
		return csvcell.Escape(strings.Join(x, listSeparator))
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case *Amount:
		if x == nil {
			return ""
		}
		return x.String()
	case time.Time:
		return formatTime(x)
	case *time.Time:
		if x == nil {
			return ""
		}
		return formatTime(*x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func jsonValue(v any) any {
	switch x := v.(type) {
	case []string:
		if x == nil {
			return []string{}
		}
		return x
	case *Amount:
		if x == nil {
			return nil
		}
		return json.Number(x.String())
	case time.Time:
		return formatTime(x)
	case *time.Time:
		if x == nil {
			return nil
		}
		return formatTime(*x)
	}
	return v
}

// formatTime is RFC 3339 in UTC, to the second.
func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// splitList reads a ;-joined list column.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, listSeparator) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
