package tcpproxy

import (
	"bufio"
	"errors"
	"net"
	"testing"
	"time"
)

// echo serves line echo on 127.0.0.1 until the test ends.
func echo(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					if _, err := c.Write([]byte(line)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// roundTrip writes a line and reads the answer, waiting at most wait.
func roundTrip(c net.Conn, r *bufio.Reader, line string, wait time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(wait))
	if _, err := c.Write([]byte(line + "\n")); err != nil {
		return "", err
	}
	got, err := r.ReadString('\n')
	if len(got) > 0 {
		got = got[:len(got)-1]
	}
	return got, err
}

func TestProxyForwardsBlackholesAndHeals(t *testing.T) {
	t.Parallel()
	p, err := Start("tcp", echo(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })

	old, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	oldR := bufio.NewReader(old)
	if got, err := roundTrip(old, oldR, "hello", 5*time.Second); err != nil || got != "hello" {
		t.Fatalf("through the proxy: %q, %v", got, err)
	}

	p.Blackhole(true)
	// A connection made while blackholed is accepted, and then nothing comes back.
	fresh, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatalf("blackholed proxy refused a connection: %v", err)
	}
	defer fresh.Close()
	for name, c := range map[string]net.Conn{"open before": old, "opened during": fresh} {
		r := oldR
		if c == fresh {
			r = bufio.NewReader(fresh)
		}
		got, err := roundTrip(c, r, "lost", 300*time.Millisecond)
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("connection %s while blackholed: %q, %v; want a timeout and nothing back", name, got, err)
		}
	}

	p.Blackhole(false)
	healed, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer healed.Close()
	if got, err := roundTrip(healed, bufio.NewReader(healed), "again", 5*time.Second); err != nil || got != "again" {
		t.Fatalf("after healing: %q, %v", got, err)
	}
	if n := p.Accepted(); n != 3 {
		t.Errorf("accepted %d connections, want 3", n)
	}
}

func TestProxyToUnixSocket(t *testing.T) {
	t.Parallel()
	path := t.TempDir() + "/s"
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, _ = c.Write([]byte("hi\n"))
			_ = c.Close()
		}
	}()
	p, err := Start("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	got, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || got != "hi\n" {
		t.Fatalf("%q, %v", got, err)
	}
}

func TestCloseEndsConnections(t *testing.T) {
	t.Parallel()
	p, err := Start("tcp", echo(t))
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	if _, err := roundTrip(c, r, "x", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := roundTrip(c, r, "y", 5*time.Second); err == nil {
		t.Fatal("a connection survived Close")
	}
}
