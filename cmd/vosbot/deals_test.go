package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

func TestDealsImportExportCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := filepath.Join(dir, "deals.csv")
	recent := time.Now().UTC().Add(-2 * time.Hour).Format(time.RFC3339)
	if err := os.WriteFile(in, []byte("crm,deal_id,account,outcome,amount,currency,closed_at,owner_id\n"+
		"salesforce,006A,=cmd|' /C calc'!A0,won,1000,USD,"+recent+",U0REP\n"+
		"salesforce,006B,Globex,maybe,,,"+recent+",\n"+
		"salesforce,006C,Initech,lost,,JPY,2026-01-05,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": pgtest.ConnString(t)}
	code, out, stderr := runVosbot(t, env, "import", "deals", "--input", in)
	if code != 0 || !strings.Contains(out, "imported 2 new deals, 0 updated, 0 already present, 1 refused; 1 owner will be asked for feedback") ||
		!strings.Contains(out, `line 3 refused: outcome: "maybe" is not an outcome`) {
		t.Fatalf("import: %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = runVosbot(t, env, "import", "deals", "--input", in)
	if code != 0 || !strings.Contains(out, "imported 0 new deals, 0 updated, 2 already present, 1 refused") {
		t.Errorf("second import: %d %s", code, out)
	}
	code, out, stderr = runVosbot(t, env, "export", "deals")
	if code != 0 {
		t.Fatalf("export: %d %s", code, stderr)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("export CSV: %v\n%s", err, out)
	}
	if strings.Join(recs[0][:11], ",") != "crm,deal_id,account,outcome,amount,currency,closed_at,owner_id,nudged_at,feedback_count,status" {
		t.Errorf("header %v", recs[0])
	}
	// Ordered by close: Initech (January, expired, in its own currency), then Acme.
	if recs[1][1] != "006C" || recs[1][5] != "JPY" || recs[1][10] != "expired" || recs[2][2] != "'=cmd|' /C calc'!A0" || recs[2][7] != "U0REP" || recs[2][10] != "waiting" {
		t.Errorf("rows %v", recs[1:])
	}
	code, out, _ = runVosbot(t, env, "export", "deals", "--format", "json", "--since", "2026-06-01")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"account":"=cmd|' /C calc'!A0"`) {
		t.Errorf("json export since June: %d %s", code, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	_ = os.WriteFile(bad, []byte("crm,id,account\n"), 0o600)
	if code, _, stderr := runVosbot(t, env, "import", "deals", "--input", bad); code != 2 || !strings.Contains(lastLine(stderr), "unknown columns: id; missing required columns: deal_id, outcome, closed_at") {
		t.Errorf("bad header: %d %s", code, stderr)
	}
}

func TestRunServesTheWebhooks(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(slackfake.Options{Logf: t.Logf, PingInterval: time.Second})
	defer fake.Close()
	httpAddr, hookAddr := freeAddr(t), freeAddr(t)
	secret := strings.Repeat("k", 32)
	env := map[string]string{
		"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_APP_TOKEN": fake.AppToken(), "SLACK_API_URL": fake.APIURL(),
		"DATABASE_URL": pgtest.ConnString(t), "VOS_HTTP_ADDR": httpAddr, "VOS_WEBHOOK_ADDR": hookAddr,
	}
	// Without its secret the listener does not start: exit 2, saying what to set.
	if code, _, stderr := runVosbot(t, env, "run"); code != 2 || !strings.Contains(lastLine(stderr), "VOS_WEBHOOK_SECRET is not set") {
		t.Fatalf("no secret: %d %s", code, stderr)
	}
	env["VOS_WEBHOOK_SECRET"] = secret
	cmd, logs := startRun(t, env, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	waitHTTP(t, "http://"+httpAddr+"/readyz", 200)

	post := func(body []byte, sign bool) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, "http://"+hookAddr+"/hooks/deals", bytes.NewReader(body))
		if sign {
			ts := strconv.FormatInt(time.Now().Unix(), 10)
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write([]byte(ts + "." + string(body)))
			req.Header.Set("X-Vosbot-Timestamp", ts)
			req.Header.Set("X-Vosbot-Signature", "v1="+hex.EncodeToString(mac.Sum(nil)))
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	deal := []byte(`{"crm":"salesforce","deal_id":"006RUN","account":"Acme","outcome":"won","amount":1000,"closed_at":"` +
		time.Now().UTC().Add(-2*time.Hour).Format(time.RFC3339) + `","owner_slack_id":"U0REP"}`)
	if code, out := post(deal, false); code != http.StatusUnauthorized {
		t.Errorf("unsigned: %d %s", code, out)
	}
	if code, out := post(deal, true); code != http.StatusAccepted {
		t.Fatalf("signed: %d %s", code, out)
	}
	msgs, err := fake.WaitMessages(ctx, "U0REP", 1, func(m slackfake.Message) bool { return strings.Contains(m.Text, "Deal closed: Acme") })
	if err != nil || len(msgs) != 1 {
		t.Fatalf("no nudge: %v", err)
	}
	// Only the hooks are served on the public listener; metrics stay on VOS_HTTP_ADDR.
	if resp, err := http.Get("http://" + hookAddr + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the public listener: %v %v", resp, err)
	}
	// The nudge is counted once its transaction commits, just after the DM.
	var metrics string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if metrics = waitHTTP(t, "http://"+httpAddr+"/metrics", 200); strings.Contains(metrics, `vosbot_deal_nudges_total{result="sent"} 1`) {
			break
		}
	}
	for _, want := range []string{`vosbot_webhook_refusals_total{endpoint="deals",reason="no_signature"} 1`, `vosbot_webhook_deals_total{change="created"} 1`,
		`vosbot_deal_nudges_total{result="sent"} 1`, `vosbot_deal_owner_lookups_total{result="found",source="stored"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the webhook secret was logged")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after SIGTERM")
	}
}
