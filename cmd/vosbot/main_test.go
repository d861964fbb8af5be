package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/vosbot/vosbot/internal/pgtest"
	"github.com/vosbot/vosbot/internal/slackfake"
)

// TestMain doubles as the vosbot binary: with VOSBOT_AS_MAIN=1 the test binary runs
// main(), so end-to-end tests exercise the real process (signals, exit codes) without
// a separate build.
func TestMain(m *testing.M) {
	if os.Getenv("VOSBOT_AS_MAIN") == "1" {
		os.Args = append([]string{"vosbot"}, strings.Fields(os.Getenv("VOSBOT_ARGS"))...)
		main()
		return
	}
	pgtest.Main(m)
}

// vosbot starts the binary with args and an environment of exactly env.
func vosbot(t *testing.T, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = []string{"VOSBOT_AS_MAIN=1", "VOSBOT_ARGS=" + strings.Join(args, " "), "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "VOS_LOG_FORMAT=json"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// runVosbot runs the binary to completion and returns its exit code and output.
func runVosbot(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := vosbot(t, env, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// lastLine is the one-line error a failing command prints last.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func TestConfigRulesExitTwo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown key", "timezone: UTC\nchanels: [C1]\n", `vosbot.yaml:2: unknown key "chanels"`},
		{"bad cron", "digests:\n  - channel: C0LEAD\n    schedule: \"61 16 * * FRI\"\n", `vosbot.yaml:3: digests[0].schedule: invalid cron expression`},
		{"unknown timezone", "timezone: Europe/Atlantis\n", `vosbot.yaml:1: timezone: unknown timezone "Europe/Atlantis"`},
		{"duplicate team key", "teams:\n  - key: ops\n    owners: [U0A]\n  - key: ops\n    owners: [U0B]\n", `vosbot.yaml:4: teams[1].key: duplicate team key "ops"`},
		{"bad duration", "escalations:\n  remind_every: daily\n", `vosbot.yaml:2: escalations.remind_every: invalid duration "daily"`},
		{"digest without channel", "digests:\n  - schedule: \"0 9 * * MON\"\n", `vosbot.yaml:2: digests[0]: a digest needs a channel`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "vosbot.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errb bytes.Buffer
			err := run(context.Background(), []string{"migrate"}, &stdio{out: &out, err: &errb}, env(map[string]string{"VOS_CONFIG": path, "HOME": dir}))
			code := report(&errb, err)
			if code != 2 {
				t.Errorf("exit %d, want 2 (%v)", code, err)
			}
			if got := lastLine(errb.String()); !strings.Contains(got, path[:len(path)-len("vosbot.yaml")]+tt.want) {
				t.Errorf("stderr %q does not say %q", got, tt.want)
			}
		})
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestBadInputExitCodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"no command", nil, nil, 2, "no command given"},
		{"unknown command", []string{"launch"}, nil, 2, `unknown command "launch"`},
		{"unknown flag", []string{"migrate", "--fast"}, nil, 2, "flag provided but not defined: -fast"},
		{"missing bot token", []string{"run"}, map[string]string{"SLACK_APP_TOKEN": "xapp-1"}, 2, "SLACK_BOT_TOKEN is not set"},
		{"missing app token", []string{"run"}, map[string]string{"SLACK_BOT_TOKEN": "xoxb-1"}, 2, "SLACK_APP_TOKEN is not set"},
		{"unreadable config", []string{"migrate"}, map[string]string{"VOS_CONFIG": filepath.Join(dir, "nope.yaml")}, 2, filepath.Join(dir, "nope.yaml") + ": cannot read the configuration file: no such file or directory"},
		{"config is a directory", []string{"migrate"}, map[string]string{"VOS_CONFIG": dir}, 2, "is a directory"},
		{"bad log format", []string{"migrate"}, map[string]string{"VOS_LOG_FORMAT": "xml"}, 2, "VOS_LOG_FORMAT"},
		{"help", []string{"run", "--help"}, nil, 0, ""},
		{"version", []string{"version"}, nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := map[string]string{"HOME": dir}
			for k, v := range tt.env {
				e[k] = v
			}
			var out, errb bytes.Buffer
			code := report(&errb, run(context.Background(), tt.args, &stdio{out: &out, err: &errb}, env(e)))
			if code != tt.code || !strings.Contains(errb.String(), tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errb.String(), tt.code, tt.want)
			}
			if code != 0 && strings.Count(strings.TrimSpace(errb.String()), "\n") > 0 && !strings.Contains(lastLine(errb.String()), "vosbot:") {
				t.Errorf("the error is not one last line: %q", errb.String())
			}
		})
	}
}

func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1; the wait is shortened from the default 30 s.
	start := time.Now()
	code, _, stderr := runVosbot(t, map[string]string{"DATABASE_URL": "postgres://vosbot:secret-password@127.0.0.1:1/vosbot?sslmode=disable", "VOS_DB_WAIT": "2s"}, "migrate")
	if code != 1 || !strings.Contains(lastLine(stderr), "database unreachable after 2s") {
		t.Errorf("exit %d, %q", code, lastLine(stderr))
	}
	if took := time.Since(start); took < 2*time.Second || took > 20*time.Second {
		t.Errorf("gave up after %s, want about 2 s of retries", took)
	}
	if strings.Contains(stderr, "secret-password") {
		t.Error("the database password was logged")
	}
	if !strings.Contains(stderr, "retrying") {
		t.Error("no retry was logged")
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// logLines collects a process's stderr lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) collect(r io.Reader, t *testing.T) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		l.mu.Lock()
		l.lines = append(l.lines, sc.Text())
		l.mu.Unlock()
	}
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

func waitHTTP(t *testing.T, url string, status int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == status {
				return string(body)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never answered %d (last: %v)", url, status, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunEndToEnd(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(slackfake.Options{Logf: t.Logf, PingInterval: time.Second})
	defer fake.Close()
	addr := freeAddr(t)
	cmd, logs := startRun(t, map[string]string{
		"SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_APP_TOKEN": fake.AppToken(), "SLACK_API_URL": fake.APIURL(),
		"DATABASE_URL": pgtest.ConnString(t), "VOS_HTTP_ADDR": addr,
	}, fake)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	waitHTTP(t, "http://"+addr+"/healthz", 200)
	if body := waitHTTP(t, "http://"+addr+"/readyz", 200); !strings.Contains(body, "ready") {
		t.Errorf("/readyz = %q", body)
	}
	ack, err := fake.SlashCommand(ctx, slack.SlashCommand{Command: "/prospect-feedback", Text: "lost Acme", UserID: "U0REP", ChannelID: "C1"})
	if err != nil {
		t.Fatalf("slash command not acked: %v", err)
	}
	t.Logf("ack latency %s", ack.Latency)
	if _, err := fake.WaitCalls(ctx, "views.open", 1); err != nil {
		t.Fatal(err)
	}

	fake.Disconnect("refresh_requested")
	deadline := time.Now().Add(20 * time.Second)
	for fake.Connections() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("no reconnection after disconnect")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := fake.SlashCommand(ctx, slack.SlashCommand{Command: "/dropped-ball", UserID: "U0REP", ChannelID: "C1"}); err != nil {
		t.Fatalf("not acked after reconnect: %v", err)
	}
	metrics := waitHTTP(t, "http://"+addr+"/metrics", 200)
	for _, want := range []string{`vosbot_envelopes_total{type="slash_commands"} 2`, "vosbot_ack_latency_seconds_bucket", "vosbot_db_pool_max_connections", "vosbot_slack_connections_total 2"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
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
	if !strings.Contains(logs.String(), "vosbot stopped") {
		t.Error("no clean stop logged")
	}
}

// TestEmbeddedDatabase covers the default database: migrate twice on an empty
// directory, then a kill -9 of a running vosbot leaves no PostgreSQL behind and the
// next start recovers.
func TestEmbeddedDatabase(t *testing.T) {
	t.Parallel()
	dataDir, err := os.MkdirTemp("", "vosbot-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dataDir)
	e := map[string]string{"VOS_DATA_DIR": dataDir}
	for i := range 2 {
		code, stdout, stderr := runVosbot(t, e, "migrate")
		if code != 0 || !strings.Contains(stdout, "up to date") {
			t.Fatalf("migrate #%d: exit %d\n%s", i+1, code, stderr)
		}
		if i == 1 && strings.Contains(stderr, "applied migration") {
			t.Error("the second migrate applied something")
		}
	}

	fake := slackfake.New(slackfake.Options{Logf: t.Logf})
	defer fake.Close()
	cmd := vosbot(t, map[string]string{"VOS_DATA_DIR": dataDir, "SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_APP_TOKEN": fake.AppToken(),
		"SLACK_API_URL": fake.APIURL(), "VOS_HTTP_ADDR": "off"}, "run")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := fake.WaitConnected(ctx, 1); err != nil {
		_ = cmd.Process.Kill()
		t.Fatal(err)
	}
	pidFile := filepath.Join(dataDir, "pg", "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var pgPid int
	fmt.Sscan(string(b), &pgPid)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for syscall.Kill(pgPid, 0) == nil && !zombie(pgPid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pgPid, syscall.SIGKILL)
			t.Fatalf("PostgreSQL (pid %d) outlived the kill -9'd vosbot", pgPid)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, _, stderr := runVosbot(t, e, "migrate")
	if code != 0 {
		t.Fatalf("start after kill -9: exit %d\n%s", code, stderr)
	}
}

func zombie(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err == nil && strings.Contains(string(stat), ") Z ")
}

func TestDigestCommands(t *testing.T) {
	t.Parallel()
	fake := slackfake.New(slackfake.Options{Logf: t.Logf})
	defer fake.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "vosbot.yaml")
	if err := os.WriteFile(cfg, []byte("timezone: Europe/Paris\ndigests:\n  - channel: C0LEAD\n    schedule: \"0 16 * * FRI\"\n  - channel: C0EMEA\n    schedule: \"0 9 * * MON\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := map[string]string{"DATABASE_URL": pgtest.ConnString(t), "VOS_CONFIG": cfg, "SLACK_BOT_TOKEN": fake.BotToken(), "SLACK_API_URL": fake.APIURL()}

	code, out, stderr := runVosbot(t, e, "digest", "preview", "--at", "2026-11-23T10:00:00Z")
	if code != 0 || !strings.Contains(out, "Voice of sales · Nov 13 – Nov 20") || !strings.Contains(out, "Fri Nov 20 16:00 CET") {
		t.Errorf("preview: exit %d\n%s\n%s", code, out, stderr)
	}
	code, out, _ = runVosbot(t, e, "digest", "preview", "--channel", "C0EMEA", "--at", "2026-11-23T10:00:00Z")
	if code != 0 || !strings.Contains(out, "Mon Nov 16 09:00 to Mon Nov 23 09:00") {
		t.Errorf("EMEA preview: exit %d\n%s", code, out)
	}
	code, _, stderr = runVosbot(t, e, "digest", "post", "--channel", "C0NOPE")
	if code != 2 || !strings.Contains(lastLine(stderr), "configured: C0LEAD, C0EMEA") {
		t.Errorf("unknown channel: exit %d %q", code, lastLine(stderr))
	}
	code, _, stderr = runVosbot(t, e, "digest", "preview", "--at", "yesterday")
	if code != 2 || !strings.Contains(lastLine(stderr), "--at") {
		t.Errorf("bad --at: exit %d %q", code, lastLine(stderr))
	}

	code, ts1, stderr := runVosbot(t, e, "digest", "post", "--channel", "C0LEAD", "--at", "2026-11-23T10:00:00Z")
	if code != 0 || strings.TrimSpace(ts1) == "" {
		t.Fatalf("post: exit %d %q\n%s", code, ts1, stderr)
	}
	code, ts2, _ := runVosbot(t, e, "digest", "post", "--channel", "C0LEAD", "--at", "2026-11-24T10:00:00Z")
	if code != 0 || ts2 != ts1 || len(digestPosts(fake, "C0LEAD")) != 1 {
		t.Errorf("same period posted twice: %q then %q, %d messages", ts1, ts2, len(digestPosts(fake, "C0LEAD")))
	}
	// Its charts went into its thread, once, though the command ran twice.
	if files := fake.Files("C0LEAD"); len(files) != 3 || files[0].Shared.ThreadTS != strings.TrimSpace(ts1) {
		t.Errorf("charts in the digest's thread: %d files (want 3)", len(files))
	}
	code, ts3, _ := runVosbot(t, e, "digest", "post", "--channel", "C0LEAD", "--at", "2026-11-24T10:00:00Z", "--force")
	if code != 0 || ts3 == ts1 || len(digestPosts(fake, "C0LEAD")) != 2 || len(fake.Files("C0LEAD")) != 6 {
		t.Errorf("--force: %q, %d messages, %d files", ts3, len(digestPosts(fake, "C0LEAD")), len(fake.Files("C0LEAD")))
	}
	charts := filepath.Join(dir, "charts")
	code, out, stderr = runVosbot(t, e, "digest", "charts", "--channel", "C0LEAD", "--at", "2026-11-23T10:00:00Z", "--out", charts)
	paths := strings.Fields(out)
	if code != 0 || len(paths) != 3 {
		t.Fatalf("charts: exit %d %q\n%s", code, out, stderr)
	}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil || img.Bounds().Dx() != 800 || img.Bounds().Dy() != 450 {
			t.Errorf("%s: %v, %v", p, err, img)
		}
	}
	code, _, stderr = runVosbot(t, e, "digest", "charts", "--channel", "C0LEAD")
	if code != 2 || !strings.Contains(lastLine(stderr), "--out") {
		t.Errorf("charts without --out: exit %d %q", code, lastLine(stderr))
	}
}

// digestPosts are the channel's messages that are not replies in a thread.
func digestPosts(fake *slackfake.Server, channel string) []slackfake.Message {
	var out []slackfake.Message
	for _, m := range fake.Messages(channel) {
		if m.ThreadTS == "" && !m.Deleted {
			out = append(out, m)
		}
	}
	return out
}

// startRun starts `vosbot run` with env and waits until it is connected to fake; its
// logs are collected, and printed and the process killed when the test ends.
func startRun(t *testing.T, env map[string]string, fake *slackfake.Server) (*exec.Cmd, *logLines) {
	t.Helper()
	cmd := vosbot(t, env, "run")
	stderr, _ := cmd.StderrPipe()
	logs := &logLines{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go logs.collect(stderr, t)
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		t.Logf("vosbot logs:\n%s", logs.String())
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := fake.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	return cmd, logs
}
