package feedback_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vosbot/vosbot/feedback"
)

func TestExportImportDealsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	org := dealOrg()
	accounts := []string{"=HYPERLINK(\"http://evil\")", "+1 Corp", "-minus", "@at", "\tTab", "'quoted", "Plain & <b>"}
	for i, a := range accounts {
		in := dealInput(string(rune('a'+i)), "won")
		in.Account = a
		if _, err := s.ReceiveDeal(ctx, org, in); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	n, err := s.ExportDeals(ctx, &out, feedback.FormatCSV, feedback.Period{})
	if err != nil || n != len(accounts) {
		t.Fatalf("export = %d, %v", n, err)
	}
	recs, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0][:11], ",") != "crm,deal_id,account,outcome,amount,currency,closed_at,owner_id,nudged_at,feedback_count,status" {
		t.Errorf("header %v", recs[0])
	}
	for _, r := range recs[1:] {
		if c := r[2][0]; strings.ContainsRune("=+-@\t", rune(c)) {
			t.Errorf("account cell %q would run as a formula", r[2])
		}
		if r[3] != "won" || r[4] != "52000.50" || r[5] != "USD" || r[6] != "2026-11-20T14:00:00Z" || r[7] != "U0JANE" || r[9] != "0" || r[10] != "waiting" {
			t.Errorf("row %v", r)
		}
	}
	// JSON Lines are never altered.
	var js bytes.Buffer
	if _, err := s.ExportDeals(ctx, &js, feedback.FormatJSON, feedback.Period{}); err != nil {
		t.Fatal(err)
	}
	var first map[string]any
	if err := json.Unmarshal(bytes.SplitN(js.Bytes(), []byte("\n"), 2)[0], &first); err != nil || first["account"] != accounts[0] || first["feedback_count"] != float64(0) {
		t.Errorf("first JSON line %v %v", first, err)
	}

	// The export imports back byte for byte into another database.
	s2, pool2, _ := newStore(t)
	rep, err := s2.ImportDeals(ctx, org, bytes.NewReader(out.Bytes()))
	if err != nil || rep.Created != len(accounts) || len(rep.Refused) != 0 || rep.Nudges != len(accounts) {
		t.Fatalf("import = %+v, %v", rep, err)
	}
	rows, err := pool2.Query(ctx, `SELECT account FROM deals ORDER BY deal_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		got = append(got, a)
	}
	rows.Close()
	if strings.Join(got, "|") != strings.Join(accounts, "|") {
		t.Errorf("imported accounts %q, want %q", got, accounts)
	}
	// The same file twice adds nothing.
	rep, err = s2.ImportDeals(ctx, org, bytes.NewReader(out.Bytes()))
	if err != nil || rep.Created != 0 || rep.Present != len(accounts) {
		t.Errorf("second import = %+v, %v", rep, err)
	}
	_ = pool
}

func TestImportDealsRefusesRowsByLine(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, pool, _ := newStore(t)
	file := "crm,deal_id,account,outcome,amount,currency,closed_at,owner_email\n" +
		"salesforce,1,Acme,won,1000,USD,2026-11-19,jane@acme.com\n" +
		"salesforce,2,Globex,pending,1000,USD,2026-11-19,\n" +
		"salesforce," + strings.Repeat("9", 5000) + ",Initech,lost,,,2026-11-19,\n" +
		"salesforce,4,Umbrella,lost,,JPY,,\n" +
		"salesforce,5,Hooli,no decision,77,XYZ,2026-09-01,\n"
	rep, err := s.ImportDeals(ctx, dealOrg(), strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 2 || rep.Nudges != 1 || len(rep.Refused) != 3 {
		t.Fatalf("report %+v", rep)
	}
	want := map[int]string{3: "not an outcome", 4: "limit is 255", 5: "closed_at: missing"}
	for _, r := range rep.Refused {
		if !strings.Contains(r.Reason, want[r.Line]) {
			t.Errorf("line %d refused for %q, want %q", r.Line, r.Reason, want[r.Line])
		}
	}
	// The deal closed long ago is kept in its own currency, expired, never nudged.
	d, err := s.DealByCRM(ctx, "salesforce", "5")
	if err != nil || d.Currency != "XYZ" || d.Status != feedback.DealExpired || d.Outcome != feedback.NoDecision {
		t.Errorf("old deal %+v %v", d, err)
	}
	if n := jobCount(t, pool, "deal_nudge"); n != 1 {
		t.Errorf("%d nudges, want 1", n)
	}

	_, err = s.ImportDeals(ctx, dealOrg(), strings.NewReader("crm,deal,account\nx,1,A\n"))
	var ce *feedback.ColumnsError
	if !errors.As(err, &ce) || strings.Join(ce.Unknown, ",") != "deal" || strings.Join(ce.Missing, ",") != "deal_id,outcome,closed_at" {
		t.Errorf("bad header = %v", err)
	}
}

func TestExportFeedbackNamesItsDeal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newStore(t)
	rec, err := s.ReceiveDeal(ctx, dealOrg(), dealInput("006XYZ", "lost"))
	if err != nil {
		t.Fatal(err)
	}
	dr := draft("V1")
	dr.DealID = rec.Deal.ID
	f, _ := dr.Validate(rules)
	if _, _, err := s.SaveFeedback(ctx, f); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := s.ExportFeedback(ctx, &out, feedback.FormatJSON, feedback.Period{Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil || m["deal_id"] != "006XYZ" {
		t.Errorf("exported %v %v", m, err)
	}
}
