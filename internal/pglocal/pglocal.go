// Package pglocal runs a private PostgreSQL server from the binaries installed on the
// machine, listening only on a Unix socket in its own directory: vosbot's embedded
// default database and the server its tests use.
//
// The server is started as a child process that receives SIGINT (a fast, clean
// shutdown) when vosbot dies, even by kill -9, so no PostgreSQL process outlives the
// process that started it. A second process on the same directory attaches to the
// running server instead of starting another, and leaves it running when it exits.
package pglocal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrNoBinaries means no PostgreSQL server binaries were found on this machine.
var ErrNoBinaries = errors.New("PostgreSQL server binaries (initdb, postgres) not found: install them (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql) or set DATABASE_URL")

// Port names the socket file (.s.PGSQL.5432); no TCP port is opened.
const Port = 5432

// superuser is the role initdb creates; connections over the private socket use it.
const superuser = "postgres"

// Options configure Start.
type Options struct {
	// Dir holds everything: Dir/pg is the data directory and the socket's directory,
	// Dir/postgres.log the server's log.
	Dir string
	// Ephemeral trades durability for speed (fsync off): for test servers only.
	Ephemeral bool
	// StartTimeout bounds initdb plus start-up (crash recovery can be slow). Default 2 min.
	StartTimeout time.Duration
	Logger       *slog.Logger
}

// Server is a running local PostgreSQL.
type Server struct {
	dir     string
	dataDir string
	owned   bool
	cmd     *exec.Cmd
	exited  chan struct{}
	exitErr error
	log     *slog.Logger
}

// DataDir is the PostgreSQL data directory, which also holds the socket.
func (s *Server) DataDir() string { return s.dataDir }

// Owned reports whether this process started the server (and so stops it).
func (s *Server) Owned() bool { return s.owned }

// ConnString returns a keyword/value connection string for database dbname.
func (s *Server) ConnString(dbname string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", quoteDSN(s.dataDir), Port, superuser, quoteDSN(dbname))
}

func quoteDSN(v string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(v) + "'"
}

// Start attaches to the server already running in opts.Dir or starts one, creating the
// cluster on first use.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("pglocal: no directory given")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()

	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("pglocal: %w", err)
	}
	s := &Server{dir: dir, dataDir: filepath.Join(dir, "pg"), log: opts.Logger}
	// The socket path must fit in sun_path (108 bytes on Linux).
	if n := len(filepath.Join(s.dataDir, fmt.Sprintf(".s.PGSQL.%d", Port))); n > 100 {
		return nil, fmt.Errorf("pglocal: the data directory %s is too deep for a Unix socket path (%d bytes, at most 100): choose a shorter VOS_DATA_DIR", dir, n)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pglocal: create %s: %w", dir, err)
	}

	unlock, err := lockDir(ctx, filepath.Join(dir, "pg.lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()

	if ok, err := s.attach(ctx); err != nil || ok {
		return s, err
	}

	existing := ""
	if v, err := os.ReadFile(filepath.Join(s.dataDir, "PG_VERSION")); err == nil {
		existing = strings.TrimSpace(string(v))
	}
	bin, err := FindBinaries(existing)
	if err != nil {
		return nil, err
	}
	as, err := serverUser(dir)
	if err != nil {
		return nil, err
	}
	if existing == "" {
		if err := s.initdb(ctx, bin, as, opts.Ephemeral); err != nil {
			return nil, err
		}
	}
	if err := s.start(ctx, bin, as, opts.Ephemeral); err != nil {
		return nil, err
	}
	return s, nil
}

// attach reports whether a healthy server already runs on this data directory, clearing
// a stale pid file left by a crash.
func (s *Server) attach(ctx context.Context) (bool, error) {
	pidFile := filepath.Join(s.dataDir, "postmaster.pid")
	data, err := os.ReadFile(pidFile)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("pglocal: read %s: %w", pidFile, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(data), "\n", 2)[0]))
	if pid > 0 && s.isOurPostmaster(pid) {
		// Wait for it to accept connections: it may be starting or recovering.
		if err := s.waitReady(ctx, nil); err != nil {
			return false, fmt.Errorf("pglocal: a PostgreSQL server (pid %d) runs on %s but does not answer: %w", pid, s.dataDir, err)
		}
		s.log.Info("using the embedded PostgreSQL already running", "data_dir", s.dataDir, "pid", pid)
		return true, nil
	}
	// Dead, or the pid now belongs to another process (common after a container restart):
	// PostgreSQL itself would refuse to start in the second case.
	s.log.Warn("removing a stale PostgreSQL pid file left by a crash", "file", pidFile, "pid", pid)
	for _, f := range []string{pidFile, filepath.Join(s.dataDir, fmt.Sprintf(".s.PGSQL.%d.lock", Port))} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("pglocal: remove stale %s: %w", f, err)
		}
	}
	return false, nil
}

// isOurPostmaster reports whether pid is a live PostgreSQL serving this data directory.
func (s *Server) isOurPostmaster(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if cwd, err := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid)); err == nil {
		want, _ := filepath.EvalSymlinks(s.dataDir)
		return cwd == want || cwd == s.dataDir
	}
	// No /proc (macOS) or no permission: trust a process that answers on our socket.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.ping(ctx) == nil
}

// runAs is the identity the server runs under.
type runAs struct {
	cred *syscall.Credential
	// caps are ambient capabilities: CAP_DAC_READ_SEARCH when the postgres user cannot
	// otherwise reach a data directory under a private parent such as /root.
	caps []uintptr
	uid  int
	gid  int
}

const capDACReadSearch = 2

// serverUser picks the user the server runs as: ourselves, or postgres when we are root
// because initdb and postgres refuse to run as root.
func serverUser(dir string) (runAs, error) {
	if os.Geteuid() != 0 {
		return runAs{uid: -1, gid: -1}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return runAs{}, fmt.Errorf("pglocal: running as root, the embedded PostgreSQL must run as the postgres user, which does not exist (%v): install PostgreSQL from your distribution's packages, run vosbot as a normal user, or set DATABASE_URL", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	var groups []uint32
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.Atoi(g); err == nil {
				groups = append(groups, uint32(n))
			}
		}
	}
	as := runAs{uid: uid, gid: gid, cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: groups}}
	if !canTraverse(dir, uint32(uid), append(groups, uint32(gid))) {
		as.caps = []uintptr{capDACReadSearch}
	}
	return as, nil
}

// canTraverse reports whether uid (with groups) may search every directory down to dir.
func canTraverse(dir string, uid uint32, groups []uint32) bool {
	for p := dir; ; p = filepath.Dir(p) {
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil {
			return false
		}
		var bit uint32
		switch {
		case st.Uid == uid:
			bit = 0o100
		case slices.Contains(groups, st.Gid):
			bit = 0o010
		default:
			bit = 0o001
		}
		if st.Mode&bit == 0 {
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

func (as runAs) attr(setpgid bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Credential: as.cred, AmbientCaps: as.caps, Setpgid: setpgid}
	return a
}

func (as runAs) chown(path string) error {
	if as.cred == nil {
		return nil
	}
	return os.Chown(path, as.uid, as.gid)
}

func (s *Server) initdb(ctx context.Context, bin string, as runAs, ephemeral bool) error {
	started := time.Now()
	tmp := s.dataDir + ".initdb"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("pglocal: clear %s: %w", tmp, err)
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("pglocal: %w", err)
	}
	if err := as.chown(tmp); err != nil {
		return fmt.Errorf("pglocal: give %s to the postgres user: %w", tmp, err)
	}
	args := []string{"-D", tmp, "-U", superuser, "--auth=trust", "--encoding=UTF8", "--locale=C"}
	if ephemeral {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	cmd.SysProcAttr = as.attr(false)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pglocal: initdb %s failed: %w: %s", s.dataDir, err, lastLines(out.String(), 10))
	}
	// Rename last so a crash during initdb leaves no half-made cluster behind.
	if err := os.Rename(tmp, s.dataDir); err != nil {
		return fmt.Errorf("pglocal: %w", err)
	}
	s.log.Info("created the embedded PostgreSQL cluster", "data_dir", s.dataDir, "took", time.Since(started).Round(time.Millisecond).String())
	return nil
}

func (s *Server) start(ctx context.Context, bin string, as runAs, ephemeral bool) error {
	started := time.Now()
	logPath := filepath.Join(s.dir, "postgres.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("pglocal: open %s: %w", logPath, err)
	}
	logStart, _ := logFile.Seek(0, io.SeekEnd)
	settings := []string{
		"listen_addresses=",
		"unix_socket_directories=" + s.dataDir,
		"unix_socket_permissions=0700",
		"port=" + strconv.Itoa(Port),
		"max_connections=200",
	}
	if ephemeral {
		settings = append(settings, "fsync=off", "synchronous_commit=off", "full_page_writes=off")
	}
	args := []string{"-D", s.dataDir}
	for _, kv := range settings {
		args = append(args, "-c", kv)
	}
	// Not CommandContext: the server must outlive the start-up context.
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group keeps a terminal's Ctrl-C from killing it before vosbot has
	// closed its connections; the parent-death signal stops it if vosbot dies.
	cmd.SysProcAttr = as.attr(true)
	cmd.SysProcAttr.Pdeathsig = syscall.SIGINT
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("pglocal: start postgres: %w", err)
	}
	_ = logFile.Close() // the child holds its own descriptor
	s.cmd, s.owned, s.exited = cmd, true, make(chan struct{})
	go func() {
		s.exitErr = cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(ctx, s.exited); err != nil {
		_ = s.stop(10 * time.Second)
		return fmt.Errorf("pglocal: PostgreSQL did not start: %w; its log (%s) says:\n%s", err, logPath, lastLines(readFrom(logPath, logStart), 15))
	}
	s.log.Info("started the embedded PostgreSQL", "data_dir", s.dataDir, "pid", cmd.Process.Pid, "took", time.Since(started).Round(time.Millisecond).String())
	return nil
}

func (s *Server) ping(ctx context.Context) error {
	conn, err := pgconn.Connect(ctx, s.ConnString("postgres"))
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// waitReady polls until the server accepts connections, it exits, or ctx ends.
func (s *Server) waitReady(ctx context.Context, exited <-chan struct{}) error {
	var last error
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		last = s.ping(attempt)
		cancel()
		if last == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("postgres exited: %v", s.exitErr)
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), last)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// Stop shuts the server down if this process started it; otherwise it does nothing.
func (s *Server) Stop(ctx context.Context) error {
	if !s.owned || s.cmd == nil {
		return nil
	}
	unlock, err := lockDir(ctx, filepath.Join(s.dir, "pg.lock"))
	if err != nil {
		return err
	}
	defer unlock()
	return s.stop(15 * time.Second)
}

// stop asks for a fast shutdown, then an immediate one, then kills.
func (s *Server) stop(grace time.Duration) error {
	for _, step := range []struct {
		sig  syscall.Signal
		wait time.Duration
	}{{syscall.SIGINT, grace}, {syscall.SIGQUIT, 5 * time.Second}, {syscall.SIGKILL, 5 * time.Second}} {
		if err := s.cmd.Process.Signal(step.sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
			return fmt.Errorf("pglocal: signal postgres: %w", err)
		}
		select {
		case <-s.exited:
			s.owned = false
			s.log.Info("stopped the embedded PostgreSQL", "data_dir", s.dataDir)
			return nil
		case <-time.After(step.wait):
			s.log.Warn("PostgreSQL is slow to stop", "signal", step.sig.String())
		}
	}
	return errors.New("pglocal: postgres did not stop")
}

// FindBinaries returns the directory holding initdb and postgres: pg_config --bindir,
// then PATH, then /usr/lib/postgresql/*/bin (newest first). With preferMajor set (the
// PG_VERSION of an existing cluster), only binaries of that major version are accepted.
func FindBinaries(preferMajor string) (string, error) {
	var candidates []string
	if pgConfig, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.Command(pgConfig, "--bindir").Output(); err == nil {
			candidates = append(candidates, strings.TrimSpace(string(out)))
		}
	}
	for _, name := range []string{"postgres", "initdb"} {
		if p, err := exec.LookPath(name); err == nil {
			if real, err := filepath.EvalSymlinks(p); err == nil {
				candidates = append(candidates, filepath.Dir(real))
			}
			candidates = append(candidates, filepath.Dir(p))
		}
	}
	globbed, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(globbed, func(a, b string) int { return versionOf(b) - versionOf(a) })
	candidates = append(candidates, globbed...)
	candidates = append(candidates, "/usr/local/pgsql/bin", "/opt/homebrew/bin", "/usr/local/bin")

	var mismatch []string
	for _, dir := range candidates {
		if !isExec(filepath.Join(dir, "initdb")) || !isExec(filepath.Join(dir, "postgres")) {
			continue
		}
		if preferMajor == "" {
			return dir, nil
		}
		major, err := majorVersion(dir)
		if err == nil && major == preferMajor {
			return dir, nil
		}
		mismatch = append(mismatch, fmt.Sprintf("%s (version %s)", dir, major))
	}
	if len(mismatch) > 0 {
		return "", fmt.Errorf("the embedded database was created by PostgreSQL %s but only %s are installed: install PostgreSQL %s, or move the data directory aside to start afresh", preferMajor, strings.Join(mismatch, ", "), preferMajor)
	}
	return "", ErrNoBinaries
}

var versionPattern = regexp.MustCompile(`\(PostgreSQL\) (\d+)`)

func majorVersion(bin string) (string, error) {
	out, err := exec.Command(filepath.Join(bin, "postgres"), "--version").Output()
	if err != nil {
		return "", err
	}
	m := versionPattern.FindSubmatch(out)
	if m == nil {
		return "", fmt.Errorf("unrecognised version %q", out)
	}
	return string(m[1]), nil
}

func versionOf(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// lockDir takes an exclusive advisory lock on path, so that two processes starting at
// once agree on who starts the server.
func lockDir(ctx context.Context, path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("pglocal: open lock %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN); _ = f.Close() }, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, fmt.Errorf("pglocal: lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("pglocal: waiting for another vosbot to finish starting the database: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func readFrom(path string, offset int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return ""
	}
	b, _ := io.ReadAll(io.LimitReader(f, 1<<20))
	return string(b)
}

func lastLines(s string, n int) string {
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
