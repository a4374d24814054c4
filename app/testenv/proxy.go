package testenv

import (
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// Proxy forwards TCP connections to a real server until it is cut, so a test can make
// PostgreSQL, Redis or MinIO disappear and return without touching the shared servers.
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
	sent   atomic.Int64 // bytes from clients to the server
	marks  []mark       // who waits for how many bytes
}

type mark struct {
	n    int64
	done chan struct{}
}

// Sent is how many bytes clients sent through the proxy.
func (p *Proxy) Sent() int64 { return p.sent.Load() }

// SentAtLeast returns a channel closed once clients have sent n bytes through the proxy:
// a test cuts the line at a known point of a stream instead of sleeping and hoping.
func (p *Proxy) SentAtLeast(n int64) <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := make(chan struct{})
	if p.sent.Load() >= n {
		close(done)
	} else {
		p.marks = append(p.marks, mark{n, done})
	}
	return done
}

// count adds what a client sent and wakes the marks it passed.
func (p *Proxy) count(n int) {
	total := p.sent.Add(int64(n))
	p.mu.Lock()
	defer p.mu.Unlock()
	kept := p.marks[:0]
	for _, m := range p.marks {
		if total >= m.n {
			close(m.done)
		} else {
			kept = append(kept, m)
		}
	}
	p.marks = kept
}

// NewProxy listens on a free loopback port and forwards to target.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.accept()
	t.Cleanup(func() { _ = ln.Close(); p.Cut() })
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every open connection and refuses new ones until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		_ = c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

// Restore lets connections through again.
func (p *Proxy) Restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func (p *Proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go pipe(up, countingReader{c, p})
		go pipe(c, up)
	}
}

func pipe(dst net.Conn, src io.Reader) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	if c, ok := src.(io.Closer); ok {
		_ = c.Close()
	}
}

// countingReader counts what it reads; it has no WriteTo, so io.Copy goes through Read.
type countingReader struct {
	c net.Conn
	p *Proxy
}

func (r countingReader) Read(b []byte) (int, error) {
	n, err := r.c.Read(b)
	r.p.count(n)
	return n, err
}

func (r countingReader) Close() error { return r.c.Close() }
