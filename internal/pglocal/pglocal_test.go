package pglocal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// shortTempDir keeps the socket path short enough for sun_path.
func shortTempDir(t *testing.T) string {
	dir, err := os.MkdirTemp("", "pglocal-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

func query(t *testing.T, s *Server, sql string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	var out string
	if err := conn.QueryRow(ctx, sql).Scan(&out); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	// A zombie is dead for our purposes.
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	return err != nil || !strings.Contains(string(stat), ") Z ")
}

func TestStartAttachStop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := shortTempDir(t)

	s, err := Start(ctx, Options{Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	if !s.Owned() {
		t.Fatal("the first Start must own the server")
	}
	t.Cleanup(func() { _ = s.Stop(context.Background()) })
	if got := query(t, s, "SELECT current_setting('listen_addresses')"); got != "" {
		t.Errorf("listen_addresses = %q, want no TCP", got)
	}
	if got := query(t, s, "SELECT current_setting('unix_socket_directories')"); got != s.DataDir() {
		t.Errorf("socket directory = %q, want %q", got, s.DataDir())
	}
	if got := query(t, s, "SELECT current_setting('fsync')"); got != "on" {
		t.Errorf("fsync = %q, want on for a durable server", got)
	}
	conn, err := pgx.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE TABLE kept AS SELECT 'still here' AS v"); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)

	// A second process on the same directory attaches and does not stop the server.
	other, err := Start(ctx, Options{Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("second Start: %v", err)
	}
	if other.Owned() {
		t.Fatal("the second Start must attach, not own")
	}
	if err := other.Stop(ctx); err != nil {
		t.Fatalf("non-owner Stop: %v", err)
	}
	if got := query(t, s, "SELECT v FROM kept"); got != "still here" {
		t.Fatalf("after non-owner Stop: %q", got)
	}

	pid := s.cmd.Process.Pid
	if err := s.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if alive(pid) {
		t.Fatalf("postgres pid %d still alive after Stop", pid)
	}
	if _, err := os.Stat(filepath.Join(s.DataDir(), "postmaster.pid")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("postmaster.pid left after a clean stop: %v", err)
	}

	// Data survives a restart; no second initdb.
	again, err := Start(ctx, Options{Dir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("restart: %v", err)
	}
	defer again.Stop(ctx)
	if got := query(t, again, "SELECT v FROM kept"); got != "still here" {
		t.Fatalf("after restart: %q", got)
	}
}

func TestStalePidFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := shortTempDir(t)
	s, err := Start(ctx, Options{Dir: dir, Ephemeral: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	// A pid file naming a live process that is not PostgreSQL (here: this test), as after
	// a container restart reused the pid. PostgreSQL alone would refuse to start.
	pidFile := filepath.Join(s.DataDir(), "postmaster.pid")
	stale := fmt.Sprintf("%d\n%s\n1700000000\n5432\n%s\n\n  1234567   7\nready   \n", os.Getpid(), s.DataDir(), s.DataDir())
	if err := os.WriteFile(pidFile, []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	recovered, err := Start(ctx, Options{Dir: dir, Ephemeral: true, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("Start with a stale pid file: %v", err)
	}
	defer recovered.Stop(ctx)
	if !recovered.Owned() {
		t.Fatal("a stale pid file must not be mistaken for a running server")
	}
	if got := query(t, recovered, "SELECT 'up'"); got != "up" {
		t.Fatal(got)
	}
}

// TestHelperProcess is not a test: TestNoServerOutlivesKill runs it in a child process
// that starts a server, prints its pid and waits to be killed.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv("PGLOCAL_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process only")
	}
	s, err := Start(context.Background(), Options{Dir: dir, Ephemeral: true})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("pid", s.cmd.Process.Pid)
	time.Sleep(time.Minute)
	os.Exit(0)
}

func TestNoServerOutlivesKill(t *testing.T) {
	t.Parallel()
	dir := shortTempDir(t)
	start := func() (*exec.Cmd, int) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), "PGLOCAL_HELPER_DIR="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, err := bufio.NewReader(out).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "pid ") {
			t.Fatalf("helper said %q, %v", line, err)
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
		return cmd, pid
	}
	for round := range 2 {
		cmd, pgPid := start()
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		deadline := time.Now().Add(20 * time.Second)
		for alive(pgPid) {
			if time.Now().After(deadline) {
				_ = syscall.Kill(pgPid, syscall.SIGKILL)
				t.Fatalf("round %d: postgres pid %d outlived its kill -9'd parent", round, pgPid)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func TestFindBinaries(t *testing.T) {
	t.Parallel()
	bin, err := FindBinaries("")
	if err != nil {
		t.Fatalf("FindBinaries: %v", err)
	}
	major, err := majorVersion(bin)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := FindBinaries(major); err != nil || got == "" {
		t.Errorf("FindBinaries(%s) = %q, %v", major, got, err)
	}
	if _, err := FindBinaries("9"); err == nil || !strings.Contains(err.Error(), "created by PostgreSQL 9") {
		t.Errorf("FindBinaries(9) = %v, want a version mismatch error", err)
	}
}

func TestCanTraverse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	private := filepath.Join(dir, "private", "data")
	if err := os.MkdirAll(private, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "private"), 0o700); err != nil {
		t.Fatal(err)
	}
	uid := uint32(os.Getuid())
	if !canTraverse(private, uid, nil) {
		t.Error("the owner must be able to traverse")
	}
	if canTraverse(private, uid+12345, nil) {
		t.Error("a stranger must not traverse a 0700 directory")
	}
	if canTraverse(filepath.Join(dir, "missing"), uid, nil) {
		t.Error("a missing path is not traversable")
	}
}

func TestSocketPathTooLong(t *testing.T) {
	t.Parallel()
	_, err := Start(context.Background(), Options{Dir: "/tmp/" + strings.Repeat("d", 120)})
	if err == nil || !strings.Contains(err.Error(), "too deep for a Unix socket") {
		t.Fatalf("Start = %v", err)
	}
}

// BenchmarkFirstStart measures the embedded server's first start: initdb (synced, as in
// production) plus start-up, then a clean stop.
func BenchmarkFirstStart(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		dir, err := os.MkdirTemp("", "pglocal-bench-")
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		s, err := Start(context.Background(), Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = s.Stop(context.Background())
		_ = os.RemoveAll(dir)
		b.StartTimer()
	}
}

// BenchmarkLaterStart measures a start on an existing cluster (the common case).
func BenchmarkLaterStart(b *testing.B) {
	dir, err := os.MkdirTemp("", "pglocal-bench-")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := Start(context.Background(), Options{Dir: dir})
	if err != nil {
		b.Fatal(err)
	}
	_ = s.Stop(context.Background())
	for b.Loop() {
		s, err := Start(context.Background(), Options{Dir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		_ = s.Stop(context.Background())
		b.StartTimer()
	}
}
