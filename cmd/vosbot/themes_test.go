package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vosbot/vosbot/feedback/catalogue"
	"github.com/vosbot/vosbot/internal/openaifake"
	"github.com/vosbot/vosbot/internal/pgtest"
)

func writeCSV(t *testing.T, rows [][]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("output is not CSV: %v\n%s", err, s)
	}
	return rows
}

func TestThemesTag(t *testing.T) {
	t.Parallel()
	in := writeCSV(t, [][]string{
		{"id", "text", "note"},
		{"1", "Way too expensive, the competitor undercut our price.", "keep, \"quoted\"\nnewline"},
		{"2", "Security review stalled: they wanted a SOC 2 report and SSO.", ""},
		{"3", "", "empty text"},
		{"4", "See you at lunch 🙂", "nothing"},
	})
	code, out, stderr := runVosbot(t, nil, "themes", "tag", "--input", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	rows := readCSV(t, out)
	if len(rows) != 5 || strings.Join(rows[0], ",") != "id,text,note,themes" {
		t.Fatalf("header/rows: %q", rows)
	}
	if rows[1][2] != "keep, \"quoted\"\nnewline" {
		t.Errorf("other columns changed: %q", rows[1][2])
	}
	if !strings.HasPrefix(rows[1][3], "price") || !strings.HasPrefix(rows[2][3], "security_compliance") || rows[3][3] != "" || rows[4][3] != "" {
		t.Errorf("themes = %q, %q, %q, %q", rows[1][3], rows[2][3], rows[3][3], rows[4][3])
	}

	bad := writeCSV(t, [][]string{{"body", "label"}, {"x", "y"}})
	code, _, stderr = runVosbot(t, nil, "themes", "tag", "--input", bad)
	if code != 2 || !strings.Contains(lastLine(stderr), `no "text" column (columns found: body, label)`) {
		t.Errorf("no text column: exit %d %q", code, lastLine(stderr))
	}
	code, _, stderr = runVosbot(t, nil, "themes", "cluster", "--input", bad)
	if code != 2 || !strings.Contains(lastLine(stderr), "columns found: body, label") {
		t.Errorf("cluster, no text column: exit %d %q", code, lastLine(stderr))
	}
}

func TestThemesTagWithLLM(t *testing.T) {
	t.Parallel()
	fake := openaifake.New(func(r openaifake.Request) openaifake.Reply {
		var body struct {
			Texts []struct{ ID string } `json:"texts"`
		}
		_ = json.Unmarshal([]byte(r.Body.Messages[1].Content), &body)
		var results []map[string]any
		for _, x := range body.Texts {
			results = append(results, map[string]any{"id": x.ID, "themes": []any{map[string]any{"key": "integration", "confidence": 0.8}}})
		}
		b, _ := json.Marshal(map[string]any{"results": results, "proposals": []any{}})
		return openaifake.Reply{Content: string(b)}
	})
	defer fake.Close()
	in := writeCSV(t, [][]string{{"text"}, {"Too expensive for them."}, {"Price, price, price."}})
	e := map[string]string{"OPENAI_BASE_URL": fake.URL(), "OPENAI_API_KEY": "sk-test"}
	code, out, stderr := runVosbot(t, e, "themes", "tag", "--input", in, "--offline")
	if rows := readCSV(t, out); code != 0 || rows[1][1] != "price" || len(fake.Requests()) != 0 {
		t.Errorf("--offline: exit %d, rows %q, %d model calls; %s", code, rows, len(fake.Requests()), stderr)
	}
	code, out, stderr = runVosbot(t, e, "themes", "tag", "--input", in)
	if rows := readCSV(t, out); code != 0 || rows[1][1] != "integration" || rows[2][1] != "integration" || len(fake.Requests()) == 0 {
		t.Errorf("with the model: exit %d, rows %q; %s", code, rows, stderr)
	}
}

func TestThemesCluster(t *testing.T) {
	t.Parallel()
	topics := [][]string{
		{"invoice", "billing", "charged", "refund", "payment"},
		{"salesforce", "integration", "sync", "connector", "api"},
		{"security", "review", "compliance", "audit", "encryption"},
	}
	rows := [][]string{{"text", "topic"}}
	for i := 0; len(rows) <= 5100; i++ {
		w := topics[i%3]
		rows = append(rows, []string{fmt.Sprintf("%s %s %s note %d", w[i%5], w[(i/3)%5], w[(i/7+1)%5], i), fmt.Sprint(i % 3)})
	}
	in := writeCSV(t, rows)
	code, out, stderr := runVosbot(t, nil, "themes", "cluster", "--input", in, "--k", "3", "--seed", "7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "themes: grouped into 3 (5100 rows") {
		t.Errorf("no progress lines for a large input: %s", stderr)
	}
	got := readCSV(t, out)
	if len(got) != len(rows) || strings.Join(got[0], ",") != "text,topic,theme" {
		t.Fatalf("header %q, %d rows", got[0], len(got))
	}
	labelOf := map[string]string{}
	labels := map[string]bool{}
	for _, r := range got[1:] {
		if l, ok := labelOf[r[1]]; ok && l != r[2] {
			t.Fatalf("topic %s split between %q and %q", r[1], l, r[2])
		}
		labelOf[r[1]] = r[2]
		labels[r[2]] = true
	}
	if len(labels) != 3 {
		t.Errorf("labels %v: want one per topic", labels)
	}
	_, again, _ := runVosbot(t, nil, "themes", "cluster", "--input", in, "--k", "3", "--seed", "7")
	if again != out {
		t.Error("the same input and seed gave different output")
	}
	code, _, stderr = runVosbot(t, nil, "themes", "cluster", "--input", in, "--k", "-1")
	if code != 2 || !strings.Contains(lastLine(stderr), "--k") {
		t.Errorf("--k -1: exit %d %q", code, lastLine(stderr))
	}
}

func TestThemesListAndDecide(t *testing.T) {
	t.Parallel()
	e := map[string]string{"DATABASE_URL": pgtest.ConnString(t)}
	code, out, stderr := runVosbot(t, e, "themes", "list")
	if code != 0 || !strings.Contains(out, "security_compliance") || !strings.Contains(out, "Leads and hand-offs from marketing") || !strings.Contains(out, "No emerging themes waiting.") {
		t.Errorf("list: exit %d\n%s\n%s", code, out, stderr)
	}
	code, _, stderr = runVosbot(t, e, "themes", "accept", "emerging_nope")
	if code != 2 || !strings.Contains(lastLine(stderr), "themes accept") {
		t.Errorf("accept unknown: exit %d %q", code, lastLine(stderr))
	}
	code, _, stderr = runVosbot(t, e, "themes", "merge", "emerging_nope")
	if code != 2 || !strings.Contains(lastLine(stderr), "--into") {
		t.Errorf("merge without --into: exit %d %q", code, lastLine(stderr))
	}
}

// TestAcceptedThemeImportsBack: feedback whose rep picked a theme an admin accepted is
// exported and imported back into another installation with the same catalogue, through
// the real binary; before the theme was accepted there, the import refuses that reason.
func TestAcceptedThemeImportsBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	accept := func(conn string) {
		t.Helper()
		pool, err := pgxpool.New(ctx, conn)
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Close()
		store := catalogue.NewStore(pool, nil)
		if err := store.AddEmerging(ctx, []catalogue.Emerging{{Name: "WhatsApp channel", Origin: catalogue.MethodOffline, Size: 4}}); err != nil {
			t.Fatal(err)
		}
		if code, _, stderr := runVosbot(t, map[string]string{"DATABASE_URL": conn}, "themes", "accept", catalogue.EmergingKey("WhatsApp channel")); code != 0 {
			t.Fatalf("accept: exit %d %s", code, stderr)
		}
	}
	src, dst := pgtest.ConnString(t), pgtest.ConnString(t)
	// Both installations have the catalogue synced.
	for _, c := range []string{src, dst} {
		if code, _, stderr := runVosbot(t, map[string]string{"DATABASE_URL": c}, "themes", "list"); code != 0 {
			t.Fatalf("list: exit %d %s", code, stderr)
		}
	}
	accept(src)
	key := catalogue.EmergingKey("WhatsApp channel")
	in := writeCSV(t, [][]string{{"outcome", "account", "reasons", "what_didnt"}, {"lost", "Acme", "price;" + key, "Their buyers only use WhatsApp"}})
	if code, out, stderr := runVosbot(t, map[string]string{"DATABASE_URL": src}, "import", "feedback", "--input", in, "--strict"); code != 0 {
		t.Fatalf("import with an accepted reason: exit %d\n%s\n%s", code, out, stderr)
	}
	code, export, stderr := runVosbot(t, map[string]string{"DATABASE_URL": src}, "export", "feedback")
	if code != 0 || !strings.Contains(export, key) {
		t.Fatalf("export: exit %d, %q\n%s", code, export, stderr)
	}
	file := filepath.Join(t.TempDir(), "export.csv")
	if err := os.WriteFile(file, []byte(export), 0o600); err != nil {
		t.Fatal(err)
	}
	// Not accepted there yet: the reason is refused, with the line.
	code, refusal, stderr := runVosbot(t, map[string]string{"DATABASE_URL": dst}, "import", "feedback", "--input", file, "--strict")
	if code != 1 || !strings.Contains(refusal+stderr, key) || !strings.Contains(refusal+stderr, "line 2") {
		t.Errorf("import of an unknown reason: exit %d\n%s\n%s", code, refusal, stderr)
	}
	accept(dst)
	code, out, stderr := runVosbot(t, map[string]string{"DATABASE_URL": dst}, "import", "feedback", "--input", file, "--strict")
	if code != 0 || !strings.Contains(out+stderr, "imported 1 feedback item") {
		t.Errorf("import after accepting: exit %d\n%s\n%s", code, out, stderr)
	}
}
