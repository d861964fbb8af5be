// Package pgtest gives each test a fresh, migrated PostgreSQL database in milliseconds:
// one server per test binary (TEST_DATABASE_URL, or a local one started with fsync off),
// one migrated template database, and a CREATE DATABASE … TEMPLATE clone per test.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/vosbot/vosbot/internal/pglocal"
	"github.com/vosbot/vosbot/internal/tcpproxy"
	"github.com/vosbot/vosbot/migrations"
)

// shared is the server of this test binary.
var shared struct {
	once     sync.Once
	err      error
	admin    string // connection string of a database we may CREATE DATABASE from
	server   *pglocal.Server
	dir      string
	template string
	seq      atomic.Int64
}

const dirPrefix = "vosbot-pgtest-"

// Main runs the tests and then stops the local server and removes its files. Use it
// from TestMain; without it the server still stops when the test binary exits.
func Main(m *testing.M) {
	code := m.Run()
	if shared.server != nil {
		_ = shared.server.Stop(context.Background())
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

func setup() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if url := os.Getenv("TEST_DATABASE_URL"); url != "" {
		shared.admin = url
	} else {
		removeAbandoned()
		dir, err := os.MkdirTemp("", dirPrefix)
		if err != nil {
			return err
		}
		shared.dir = dir
		if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
			return err
		}
		srv, err := pglocal.Start(ctx, pglocal.Options{Dir: dir, Ephemeral: true})
		if err != nil {
			return err
		}
		shared.server = srv
		shared.admin = srv.ConnString("postgres")
	}
	sum, err := migrations.Checksum()
	if err != nil {
		return err
	}
	shared.template = "vosbot_template_" + sum
	return ensureTemplate(ctx)
}

// removeAbandoned deletes the directories of test servers whose test binary is gone
// (killed before Main could clean up).
func removeAbandoned() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		if pid > 0 && syscall.Kill(pid, 0) != nil && !errors.Is(syscall.Kill(pid, 0), syscall.EPERM) {
			_ = os.RemoveAll(dir)
		}
	}
}

// ensureTemplate creates the migrated template once per schema version, even when
// several test binaries share TEST_DATABASE_URL.
func ensureTemplate(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, shared.admin)
	if err != nil {
		return fmt.Errorf("pgtest: connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7340123)`); err != nil {
		return err
	}
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, shared.template).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := shared.template + "_building"
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{building}.Sanitize()); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{building}.Sanitize()); err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, withDatabase(shared.admin, building))
	if err != nil {
		return err
	}
	_, err = migrations.Apply(ctx, pool, slog.New(slog.DiscardHandler))
	pool.Close()
	if err != nil {
		return err
	}
	// Renamed last, so a template that exists is a complete one.
	_, err = conn.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{building}.Sanitize()+` RENAME TO `+pgx.Identifier{shared.template}.Sanitize())
	return err
}

// withDatabase points a connection string (URL or keyword/value) at another database.
func withDatabase(connString, db string) string {
	if u, err := url.Parse(connString); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + db
		return u.String()
	}
	// In keyword/value strings a later key wins.
	return connString + " dbname='" + db + "'"
}

// ConnString creates a fresh migrated database for the test, dropped when it ends, and
// returns its connection string (for a vosbot subprocess, say).
func ConnString(t testing.TB) string {
	t.Helper()
	shared.once.Do(func() { shared.err = setup() })
	if shared.err != nil {
		t.Fatalf("pgtest: no test database server: %v", shared.err)
	}
	ctx := context.Background()
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), shared.seq.Add(1))
	conn, err := pgx.Connect(ctx, shared.admin)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE `+pgx.Identifier{shared.template}.Sanitize()+` STRATEGY FILE_COPY`); err != nil {
		t.Fatalf("pgtest: clone the template: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, shared.admin)
		if err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return withDatabase(shared.admin, name)
}

// New returns a pool on a fresh migrated database, closed and dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), ConnString(t))
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close) // registered after the drop, so it runs first
	return pool
}

// OwnServer starts a PostgreSQL server for the test alone, with a migrated database,
// for tests that stop and start it (the shared server serves every test of the binary).
// It returns the server, its directory and the database's connection string. The test
// may Stop the server and start it again with pglocal.Start on dir (then stopping that
// one itself); the first is stopped and the directory removed when the test ends.
func OwnServer(t testing.TB) (srv *pglocal.Server, dir, connString string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "vos-own-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err = pglocal.Start(ctx, pglocal.Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatalf("pgtest: own server: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	connString = srv.ConnString("postgres")
	pool, err := pgxpool.New(ctx, connString)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := migrations.Apply(ctx, pool, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatalf("pgtest: own server: %v", err)
	}
	return srv, dir, connString
}

// FillIdle opens every connection pool may hold and returns them to it idle, as a busy
// production pool has them when its server goes away.
func FillIdle(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	var held []*pgxpool.Conn
	defer func() {
		for _, c := range held {
			c.Release()
		}
	}()
	for range pool.Config().MaxConns {
		c, err := pool.Acquire(context.Background())
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		held = append(held, c)
	}
}

// StartAgain starts the server of an OwnServer directory after the test stopped it,
// and stops it when the test ends.
func StartAgain(t testing.TB, dir string) *pglocal.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv, err := pglocal.Start(ctx, pglocal.Options{Dir: dir, Ephemeral: true})
	if err != nil {
		t.Fatalf("pgtest: start again: %v", err)
	}
	t.Cleanup(func() { _ = srv.Stop(context.Background()) })
	return srv
}

// Proxied puts a tcpproxy in front of the database at connString, closed when the test
// ends, and returns it with a connection string that goes through it: switch it to
// blackhole mode to see what vosbot does when PostgreSQL accepts connections and never
// answers.
func Proxied(t testing.TB, connString string) (*tcpproxy.Proxy, string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(connString)
	if err != nil {
		t.Fatalf("pgtest: proxied: %v", err)
	}
	network, target := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, target = "unix", filepath.Join(cfg.Host, fmt.Sprintf(".s.PGSQL.%d", cfg.Port))
	}
	p, err := tcpproxy.Start(network, target)
	if err != nil {
		t.Fatalf("pgtest: proxied: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p, withAddress(connString, p.Addr().IP.String(), p.Addr().Port)
}

// withAddress points a connection string (URL or keyword/value) at another host and port.
func withAddress(connString, host string, port int) string {
	if u, err := url.Parse(connString); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Del("host")
		q.Del("port")
		u.RawQuery = q.Encode()
		u.Host = net.JoinHostPort(host, strconv.Itoa(port))
		return u.String()
	}
	// In keyword/value strings a later key wins.
	return fmt.Sprintf("%s host='%s' port=%d", connString, host, port)
}
