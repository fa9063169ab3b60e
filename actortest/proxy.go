package actortest

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Proxy is a TCP forwarder on 127.0.0.1 that stands in front of a node (or
// any TCP server) and breaks its connections on demand: the Network's
// faults, for tests over real sockets, where pipes do not serve (a node in
// another process, the kernel's own resets and half closes). A connection
// through the proxy is a link: two TCP connections and a pump each way.
//
// Nodes reach a node through its proxy when their remote.Config.Dial is a
// Proxies' Dial; they keep their own addresses as their identities.
type Proxy struct {
	t      testing.TB
	ln     net.Listener
	target string

	mu     sync.Mutex
	cond   *sync.Cond // broadcast when flows change or a link dies
	links  map[*proxyLink]struct{}
	flows  [2]flow
	refuse bool          // new connections are reset at once
	delay  time.Duration // added before each chunk is passed on
	closed bool

	accepted atomic.Int64  // links made
	dropped  atomic.Int64  // bytes swallowed
	linked   chan struct{} // poked when a link is made
	wg       sync.WaitGroup
}

// Direction names one way through a Proxy.
type Direction int

const (
	// ToTarget is the way from the dialling side to the proxied server.
	ToTarget Direction = iota
	// FromTarget is the way back.
	FromTarget
)

// flow says what a pump does with the bytes it reads.
type flow int

const (
	forward flow = iota // pass them on
	pause               // hold them, and stop reading: TCP pushes back
	drop                // swallow them
)

// proxyLink is one connection through the proxy.
type proxyLink struct {
	client, server net.Conn
	once           sync.Once
	dead           bool // under the proxy's mu
	halves         int  // directions whose input ended, under the proxy's mu
}

// NewProxy starts a proxy to target (host:port) on a free loopback port,
// closed when the test ends. It fails the test if it cannot listen.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("actortest: proxy: %v", err)
		return nil
	}
	p := &Proxy{t: t, ln: ln, target: target, links: map[*proxyLink]struct{}{}, linked: make(chan struct{}, 1)}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Addr is where the proxy listens.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.refuse || p.closed {
			p.mu.Unlock()
			abort(c)
			continue
		}
		p.mu.Unlock()
		s, err := net.DialTimeout("tcp", p.target, DefaultTimeout)
		if err != nil {
			abort(c)
			continue
		}
		l := &proxyLink{client: c, server: s}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			abort(c)
			abort(s)
			continue
		}
		p.links[l] = struct{}{}
		p.accepted.Add(1)
		p.wg.Add(2)
		p.mu.Unlock()
		select {
		case p.linked <- struct{}{}:
		default:
		}
		go p.pump(l, ToTarget, c, s)
		go p.pump(l, FromTarget, s, c)
	}
}

// pump copies src to dst as the direction's flow says, until either side
// fails or the link is cut.
func (p *Proxy) pump(l *proxyLink, dir Direction, src, dst net.Conn) {
	defer p.wg.Done()
	defer p.kill(l)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			for p.flows[dir] == pause && !l.dead {
				p.cond.Wait()
			}
			f, d, dead := p.flows[dir], p.delay, l.dead
			p.mu.Unlock()
			if dead {
				return
			}
			if d > 0 {
				time.Sleep(d) // the simulated latency: what is tested is the node's handling of it
			}
			if f == forward {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			} else {
				p.dropped.Add(int64(n))
			}
		}
		if err != nil {
			p.ended(l, dir, dst, err)
			return
		}
	}
}

// ended handles the end of one direction's input. Under a forward flow a
// half close passes on, so that a goodbye still works, and a reset resets
// the other side too; a blackhole passes nothing on, not even the end.
// The link dies when both directions have ended, or when it is cut.
func (p *Proxy) ended(l *proxyLink, dir Direction, dst net.Conn, err error) {
	p.mu.Lock()
	l.halves++
	f, both := p.flows[dir], l.halves == 2
	p.mu.Unlock()
	switch {
	case both, f == forward && !errors.Is(err, io.EOF):
		return // the deferred kill
	case f == forward:
		dst.(*net.TCPConn).CloseWrite()
	}
	p.waitDead(l)
}

// waitDead waits until the link is killed (by the other pump or a cut).
func (p *Proxy) waitDead(l *proxyLink) {
	p.mu.Lock()
	for !l.dead {
		p.cond.Wait()
	}
	p.mu.Unlock()
}

// kill closes both ends of l with a reset, as a crashed host or a broken
// path would.
func (p *Proxy) kill(l *proxyLink) {
	l.once.Do(func() {
		p.mu.Lock()
		l.dead = true
		delete(p.links, l)
		p.cond.Broadcast()
		p.mu.Unlock()
		abort(l.client)
		abort(l.server)
	})
}

// abort closes c at once with a reset, losing whatever it still buffers.
func abort(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	c.Close()
}

// Cut resets every live link and returns how many there were. New
// connections are made as before.
func (p *Proxy) Cut() int {
	p.mu.Lock()
	live := make([]*proxyLink, 0, len(p.links))
	for l := range p.links {
		live = append(live, l)
	}
	p.mu.Unlock()
	for _, l := range live {
		p.kill(l)
	}
	return len(live)
}

// setFlow sets what happens to the bytes going one way, on every link,
// live or new.
func (p *Proxy) setFlow(dir Direction, f flow) {
	p.mu.Lock()
	p.flows[dir] = f
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Blackhole swallows everything both ways, on live links and new ones,
// which the proxy still accepts: a partition, as silent as a real one.
func (p *Proxy) Blackhole() {
	p.setFlow(ToTarget, drop)
	p.setFlow(FromTarget, drop)
}

// Drop swallows everything going dir, on live links and new ones.
func (p *Proxy) Drop(dir Direction) { p.setFlow(dir, drop) }

// Stall stops reading what goes dir, on live links and new ones: the
// sender's writes hang once the kernel's buffers are full, as with a peer
// that stopped reading.
func (p *Proxy) Stall(dir Direction) { p.setFlow(dir, pause) }

// Delay holds back each chunk by d before passing it on, both ways.
// Chunks are held one after another, so a busy link slows down as well.
func (p *Proxy) Delay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// Partition cuts the live links and resets new connections until Heal:
// the server behind the proxy looks down.
func (p *Proxy) Partition() {
	p.mu.Lock()
	p.refuse = true
	p.mu.Unlock()
	p.Cut()
}

// Heal ends every fault: both ways forward again without delay, and new
// connections are accepted.
func (p *Proxy) Heal() {
	p.mu.Lock()
	p.flows = [2]flow{forward, forward}
	p.delay = 0
	p.refuse = false
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Dropped returns how many bytes the proxy has swallowed so far (Drop,
// Blackhole).
func (p *Proxy) Dropped() int64 { return p.dropped.Load() }

// Links returns how many links the proxy has made so far.
func (p *Proxy) Links() int64 { return p.accepted.Load() }

// WaitLinks waits until the proxy has made n links, failing the test if
// that takes longer than DefaultTimeout.
func (p *Proxy) WaitLinks(n int64) {
	p.t.Helper()
	deadline := time.After(DefaultTimeout)
	for p.accepted.Load() < n {
		select {
		case <-p.linked:
		case <-deadline:
			p.t.Fatalf("actortest: proxy to %s: %d links made, want %d", p.target, p.accepted.Load(), n)
			return
		}
	}
}

func (p *Proxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.Cut()
	p.wg.Wait()
}

// Proxies routes the dials of nodes through the proxies put in front of
// their targets. Its zero value is ready; give its Dial to every node as
// remote.Config.Dial.
type Proxies struct {
	mu  sync.Mutex
	via map[string]*Proxy // target address → the proxy in front of it
}

// Front puts a new proxy in front of addr: dials to addr go through it from
// now on.
func (ps *Proxies) Front(t testing.TB, addr string) *Proxy {
	t.Helper()
	p := NewProxy(t, addr)
	if p == nil {
		return nil
	}
	ps.mu.Lock()
	if ps.via == nil {
		ps.via = map[string]*Proxy{}
	}
	ps.via[addr] = p
	ps.mu.Unlock()
	return p
}

// Dial connects to addr over TCP, through its proxy if it has one.
func (ps *Proxies) Dial(ctx context.Context, addr string) (net.Conn, error) {
	ps.mu.Lock()
	if p := ps.via[addr]; p != nil {
		addr = p.Addr()
	}
	ps.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}
