package remote_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

// The fault-injection proxy: a TCP forwarder on 127.0.0.1 that stands
// between the nodes of a test and breaks their connections on demand.
// Nodes keep their own address as their identity (Advertise is the address
// they bound) and reach each other through the proxies because their dial
// function, given to remote.StartWith, swaps the address dialled for its
// proxy's. A connection through a proxy is a link: two TCP connections and
// a pump each way.

// Direction names one way through a proxy.
type direction int

const (
	toTarget   direction = iota // from the dialling node to the proxied one
	fromTarget                  // back
)

// flow says what a pump does with the bytes it reads.
type flow int

const (
	forward flow = iota // pass them on
	pause               // hold them, and stop reading: TCP pushes back
	drop                // swallow them
)

// faultProxy forwards the connections made to its address to target.
type faultProxy struct {
	ln     net.Listener
	target string

	mu     sync.Mutex
	cond   *sync.Cond // broadcast when flows change or a link closes
	links  map[*proxyLink]struct{}
	flows  [2]flow
	refuse bool          // new connections are closed at once
	delay  time.Duration // added before each chunk is passed on
	closed bool

	accepted atomic.Int64  // links made
	linked   chan struct{} // poked when a link is made
	wg       sync.WaitGroup
}

// proxyLink is one connection through the proxy.
type proxyLink struct {
	client, server net.Conn
	once           sync.Once
	dead           bool // under the proxy's mu
	halves         int  // directions whose input ended, under the proxy's mu
}

// newFaultProxy starts a proxy to target on a free loopback port, closed
// when the test ends.
func newFaultProxy(t testing.TB, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{ln: ln, target: target, links: map[*proxyLink]struct{}{}, linked: make(chan struct{}, 1)}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Addr is where the proxy listens.
func (p *faultProxy) Addr() string { return p.ln.Addr().String() }

func (p *faultProxy) accept() {
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
		s, err := net.DialTimeout("tcp", p.target, testkit.WaitLimit)
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
		go p.pump(l, toTarget, c, s)
		go p.pump(l, fromTarget, s, c)
	}
}

// pump copies src to dst as the direction's flow says, until either side
// fails or the link is cut.
func (p *faultProxy) pump(l *proxyLink, dir direction, src, dst net.Conn) {
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
// the other side too; a partition passes nothing on, not even the end.
// The link dies when both directions have ended, or when it is cut.
func (p *faultProxy) ended(l *proxyLink, dir direction, dst net.Conn, err error) {
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
func (p *faultProxy) waitDead(l *proxyLink) {
	p.mu.Lock()
	for !l.dead {
		p.cond.Wait()
	}
	p.mu.Unlock()
}

// kill closes both ends of l with a reset, as a crashed host or a broken
// path would.
func (p *faultProxy) kill(l *proxyLink) {
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
func (p *faultProxy) Cut() int {
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

// SetFlow sets what happens to the bytes going one way, on every link,
// live or new.
func (p *faultProxy) SetFlow(dir direction, f flow) {
	p.mu.Lock()
	p.flows[dir] = f
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Blackhole swallows everything both ways, on live links and new ones,
// which the proxy still accepts: a partition, as silent as a real one.
// Heal ends it.
func (p *faultProxy) Blackhole() {
	p.SetFlow(toTarget, drop)
	p.SetFlow(fromTarget, drop)
}

// Heal forwards both ways again.
func (p *faultProxy) Heal() {
	p.SetFlow(toTarget, forward)
	p.SetFlow(fromTarget, forward)
}

// Refuse makes the proxy reset the connections it accepts from now on,
// while on is true: the node behind it looks down.
func (p *faultProxy) Refuse(on bool) {
	p.mu.Lock()
	p.refuse = on
	p.mu.Unlock()
}

// SetDelay delays each chunk passed on by d, both ways.
func (p *faultProxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// Links returns how many links the proxy has made so far.
func (p *faultProxy) Links() int64 { return p.accepted.Load() }

// waitLinks waits until the proxy has made n links.
func (p *faultProxy) waitLinks(t testing.TB, n int64) {
	t.Helper()
	for p.accepted.Load() < n {
		testkit.Recv(t, p.linked, "a link through the proxy")
	}
}

func (p *faultProxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.ln.Close()
	p.Cut()
	p.wg.Wait()
}

// proxyNet lets the nodes of a test dial each other through proxies.
type proxyNet struct {
	mu  sync.Mutex
	via map[string]*faultProxy // node address → the proxy in front of it
}

func newProxyNet() *proxyNet { return &proxyNet{via: map[string]*faultProxy{}} }

// dial is the nodes' dial function: the proxy's address for a node that
// has one, the node's own otherwise.
func (pn *proxyNet) dial(ctx context.Context, addr string) (net.Conn, error) {
	pn.mu.Lock()
	if p := pn.via[addr]; p != nil {
		addr = p.Addr()
	}
	pn.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr)
}

// node starts a node on 127.0.0.1:0 that dials through the net, with a
// proxy in front of it, both stopped when the test ends. A nil Types gets
// testTypes.
func (pn *proxyNet) node(t testing.TB, cfg remote.Config) (*testNode, *faultProxy) {
	t.Helper()
	tn := startNodeDialing(t, cfg, pn.dial)
	return tn, pn.proxy(t, tn.node.Addr())
}

// proxy puts a new proxy in front of the node at addr.
func (pn *proxyNet) proxy(t testing.TB, addr string) *faultProxy {
	p := newFaultProxy(t, addr)
	pn.mu.Lock()
	pn.via[addr] = p
	pn.mu.Unlock()
	return p
}
