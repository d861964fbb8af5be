package themes

import (
	"bytes"
	"strings"
	"testing"
)

// TestTableWriteGuardsOnlyTheAddedColumn: the user's own columns come back as they were
// (it is their file: `themes tag` and `cluster` neither add nor hide what is in it), and
// the column vosbot adds, derived from the texts, never starts a spreadsheet formula.
func TestTableWriteGuardsOnlyTheAddedColumn(t *testing.T) {
	t.Parallel()
	in := "id,text,note\n1,=SUM(A1:A9) was the quote,'kept\n2,plain,@here\n"
	tab, err := ReadTable(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tab.Write(&out, "theme", []string{"-5% discount, price", "price, cost"}); err != nil {
		t.Fatal(err)
	}
	want := "id,text,note,theme\n1,=SUM(A1:A9) was the quote,'kept,\"'-5% discount, price\"\n2,plain,@here,\"price, cost\"\n"
	if out.String() != want {
		t.Errorf("wrote\n%q\nwant\n%q", out.String(), want)
	}
}
