// Package tcpproxy is a proxy for tests that can be switched to blackhole mode: it goes
// on accepting connections and reading what both sides send, but forwards nothing, as
// a database does that hangs with its sockets still open (a stuck server, a network
// that drops packets). Nothing gets an error; everything waits.
package tcpproxy

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
)

// Proxy forwards connections made to Addr to its target.
type Proxy struct {
	ln      net.Listener
	network string
	target  string

	blackhole atomic.Bool
	accepted  atomic.Int64

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Start listens on a free port of 127.0.0.1 and forwards each connection to target on
// network ("tcp", or "unix" for a socket path).
func Start(network, target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tcpproxy: listen: %w", err)
	}
	p := &Proxy{ln: ln, network: network, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr is the proxy's address, host:port.
func (p *Proxy) Addr() *net.TCPAddr { return p.ln.Addr().(*net.TCPAddr) }

// Blackhole turns blackhole mode on or off. While on, bytes read from either side are
// dropped, on connections old and new; new connections are still accepted. Turned
// off, forwarding resumes (a connection that lost bytes meanwhile is in an undefined
// state, as after a real network fault; its client is expected to drop it).
func (p *Proxy) Blackhole(on bool) { p.blackhole.Store(on) }

// Accepted counts the connections accepted so far.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// Close stops listening and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	err := p.ln.Close()
	for c := range p.conns {
		_ = c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// track remembers c for Close; false when the proxy is closed already.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.accepted.Add(1)
		if !p.track(client) {
			return
		}
		p.wg.Add(1)
		go p.serve(client)
	}
}

// serve pumps one connection both ways until either side closes it.
func (p *Proxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	upstream, err := net.Dial(p.network, p.target)
	if err != nil {
		return
	}
	if !p.track(upstream) {
		return
	}
	defer p.untrack(upstream)
	done := make(chan struct{}, 2)
	go func() { p.pump(upstream, client); done <- struct{}{} }()
	go func() { p.pump(client, upstream); done <- struct{}{} }()
	<-done
	// One side is gone: close both, so the other pump ends too.
	_ = client.Close()
	_ = upstream.Close()
	<-done
}

// pump copies from src to dst, dropping what it reads while blackholed.
func (p *Proxy) pump(dst, src net.Conn) {
	buf := make([]byte, 32*1024)
	for {
		n, err := src.Read(buf)
		if n > 0 && !p.blackhole.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return // EOF, a reset or closed: the connection is over either way
		}
	}
}
