package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// TestSIGTERMDuringDigestPost stops `vosbot digest post` with SIGTERM while its
// chat.postMessage is in flight (Slack is slow to answer but does post), restarts it at
// at once, and checks the channel holds exactly one digest for the period, the one the
// restarted run reports. Before the post was seen through after a stop, the restart
// came before Slack had finished the first post, did not find it, and posted a second.
func TestSIGTERMDuringDigestPost(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(slackfake.Options{Logf: t.Logf})
	defer fake.Close()
	fake.Delay("chat.postMessage", 1500*time.Millisecond)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "vosbot.yaml")
	if err := os.WriteFile(cfg, []byte("timezone: UTC\ndigests:\n  - channel: C0LEAD\n    schedule: \"0 16 * * FRI\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dbURL := pgtest.ConnString(t)
	e := map[string]string{"DATABASE_URL": dbURL, "VOS_CONFIG": cfg, "SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_API_URL": fake.APIURL()}
	args := []string{"digest", "post", "--channel", "C0LEAD", "--at", "2026-11-23T10:00:00Z"}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	first := vosbot(t, e, args...)
	var out1, err1 bytes.Buffer
	first.Stdout, first.Stderr = &out1, &err1
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := fake.WaitCalls(ctx, "chat.postMessage", 1); err != nil {
		_ = first.Process.Kill()
		t.Fatal(err)
	}
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	werr := first.Wait()
	code1 := 0
	if ee, ok := werr.(*exec.ExitError); ok {
		code1 = ee.ExitCode()
	}
	t.Logf("first run, stopped with SIGTERM mid-post: exit %d, stdout %q\n%s", code1, out1.String(), err1.String())

	code, ts, stderr := runVosbot(t, e, args...)
	if code != 0 {
		t.Fatalf("restart: exit %d\n%s", code, stderr)
	}
	ts = strings.TrimSpace(ts)
	// One post was ever sent: the restart found the first one instead of posting again.
	if n := len(fake.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d chat.postMessage calls, want 1", n)
	}
	if _, err := fake.WaitMessages(ctx, "C0LEAD", 1, nil); err != nil {
		t.Fatal(err)
	}
	msgs := digestPosts(fake, "C0LEAD")
	if len(msgs) != 1 {
		t.Fatalf("%d digest messages in the channel after SIGTERM and restart, want 1", len(msgs))
	}
	if msgs[0].TS != ts {
		t.Errorf("the restart reports ts %q, the channel holds %q", ts, msgs[0].TS)
	}
	if code1 == 0 && strings.TrimSpace(out1.String()) != ts {
		t.Errorf("the first run exited 0 reporting %q, not the message %q", out1.String(), ts)
	}
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var posted int
	var recorded *string
	if err := conn.QueryRow(ctx, `SELECT count(*), max(message_ts) FROM digest_runs WHERE channel_id = 'C0LEAD' AND status = 'posted'`).Scan(&posted, &recorded); err != nil {
		t.Fatal(err)
	}
	if posted != 1 || recorded == nil || *recorded != ts {
		t.Errorf("%d posted runs recording %v, want 1 recording %q", posted, recorded, ts)
	}
}
