package actortest

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

// Network is an in-process network of nodes for multi-node tests: each
// Node is a test System joined by package remote, and the nodes talk over
// in-memory pipes (net.Pipe) instead of TCP, so a test can run under
// testing/synctest, where heartbeats, reconnects and timeouts take no real
// time. Between any two nodes the test can break the link: Cut closes the
// connections, Partition also refuses new ones, Blackhole swallows what is
// sent both ways, Drop one way, Delay holds it back, and Stall leaves it
// unread so that the sender's writes hang; Heal ends them.
//
// A node's name is its address: give names of the form host:port ("a:1"),
// as remote requires; a PID on node "a:1" is actor.PID{Address: "a:1", ...}.
type Network struct {
	t testing.TB

	mu        sync.Mutex
	listeners map[string]*testkit.PipeListener // by node name: the node that has it now
	conns     map[*pipeConn]struct{}
	faults    map[way]fault
	refused   map[pair]bool
	changed   chan struct{} // closed and replaced when faults are healed
}

// way is one direction between two nodes: bytes from From to To.
type way struct{ from, to string }

// pair is two nodes in either order.
type pair struct{ a, b string }

func pairOf(a, b string) pair {
	if a > b {
		a, b = b, a
	}
	return pair{a, b}
}

// fault is what happens to the bytes of one way.
type fault struct {
	drop  bool          // swallowed
	delay time.Duration // held back, each chunk in turn
}

// NewNetwork returns an empty network; its nodes stop when the test ends.
func NewNetwork(t testing.TB) *Network {
	return &Network{t: t, listeners: map[string]*testkit.PipeListener{}, conns: map[*pipeConn]struct{}{},
		faults: map[way]fault{}, refused: map[pair]bool{}, changed: make(chan struct{})}
}

// Node is one node of a Network: a test System (with everything System
// checks) and its remote.Node.
type Node struct {
	*System
	Node *remote.Node
}

// Addr returns the node's address, the name it was given.
func (n *Node) Addr() string { return n.Node.Addr() }

// PID returns the PID of the actor id on this node, as other nodes
// address it.
func (n *Node) PID(id string) actor.PID { return actor.PID{Address: n.Node.Addr(), ID: id} }

// Node starts a node named name (host:port) with cfg, its System made with
// opts. cfg.Listener, Dial and Advertise are the network's; a nil Cookie
// gets a fixed one, as a pipe is not loopback. It fails the test if the
// node cannot start. The node and its System stop when the test ends.
//
// A node started under a name in use takes the address over, as a
// restarted process does: new connections reach it, while the node that
// had the name keeps the connections it has.
func (nw *Network) Node(name string, cfg remote.Config, opts ...actor.SystemOption) *Node {
	nw.t.Helper()
	ln := testkit.NewPipeListener()
	nw.mu.Lock()
	old := nw.listeners[name]
	nw.listeners[name] = ln
	nw.mu.Unlock()
	sys := NewSystem(nw.t, opts...)
	cfg.Listener, cfg.Advertise = ln, name
	cfg.Dial = func(_ context.Context, addr string) (net.Conn, error) { return nw.dial(name, addr) }
	if cfg.Cookie == nil {
		cfg.Cookie = []byte("actortest")
	}
	node, err := remote.Start(sys.System, cfg)
	if err != nil {
		nw.mu.Lock()
		if old != nil {
			nw.listeners[name] = old
		} else {
			delete(nw.listeners, name)
		}
		nw.mu.Unlock()
		nw.t.Fatalf("actortest: start node %s: %v", name, err)
		return nil
	}
	// Registered after the System's: runs first, so the node is closed
	// before its System shuts down.
	nw.t.Cleanup(func() { node.Close() })
	return &Node{System: sys, Node: node}
}

// Dial makes a connection from node from to node to, as from's node would,
// for a test that speaks (or will not speak) the protocol itself. It fails
// as a refused TCP connection does when nobody has the name to, or a
// partition is between them.
func (nw *Network) Dial(from, to string) (net.Conn, error) { return nw.dial(from, to) }

// dial connects node from to node to, unless a partition refuses it.
func (nw *Network) dial(from, to string) (net.Conn, error) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	ln := nw.listeners[to]
	if ln == nil || nw.refused[pairOf(from, to)] {
		return nil, &net.OpError{Op: "dial", Net: "pipe", Addr: pipeAddr(to), Err: syscall.ECONNREFUSED}
	}
	mine, theirs := net.Pipe()
	// Each end reads what the other sends: at the dialler's end the bytes
	// of to → from, at the listener's those of from → to.
	client := &pipeConn{Conn: mine, nw: nw, local: from, remote: to, closed: make(chan struct{})}
	server := &pipeConn{Conn: theirs, nw: nw, local: to, remote: from, closed: make(chan struct{})}
	if !ln.Queue(server) {
		mine.Close()
		theirs.Close()
		return nil, &net.OpError{Op: "dial", Net: "pipe", Addr: pipeAddr(to), Err: syscall.ECONNREFUSED}
	}
	nw.conns[client] = struct{}{}
	nw.conns[server] = struct{}{}
	return client, nil
}

// Cut closes every connection between a and b, in both directions, as a
// reset would. The nodes may connect again at once.
func (nw *Network) Cut(a, b string) {
	nw.mu.Lock()
	var cut []*pipeConn
	p := pairOf(a, b)
	for c := range nw.conns {
		if pairOf(c.local, c.remote) == p {
			cut = append(cut, c)
		}
	}
	nw.mu.Unlock()
	for _, c := range cut {
		c.Close()
	}
}

// Partition cuts a from b and refuses their new connections until Heal.
func (nw *Network) Partition(a, b string) {
	nw.mu.Lock()
	nw.refused[pairOf(a, b)] = true
	nw.mu.Unlock()
	nw.Cut(a, b)
}

// Blackhole swallows everything a and b send each other, on the
// connections they have and the ones they make, until Heal: the
// connections stay open, and only the heartbeats can tell.
func (nw *Network) Blackhole(a, b string) {
	nw.Drop(a, b)
	nw.Drop(b, a)
}

// Drop swallows everything from sends to to, until Heal: one direction
// only.
func (nw *Network) Drop(from, to string) {
	nw.setFault(from, to, func(f *fault) { f.drop = true })
}

// Delay holds back what from sends to to by d, until Heal. Chunks are
// held one after another, so a busy link slows down as well.
func (nw *Network) Delay(from, to string, d time.Duration) {
	nw.setFault(from, to, func(f *fault) { f.delay = d })
}

// Stall leaves unread what from sends to to on the connections they have
// now, until Heal: from's writes hang, as to a peer that stopped reading,
// and its queue for to fills up. Connections made afterwards are not
// stalled: a new run of to reads again.
func (nw *Network) Stall(from, to string) {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	for c := range nw.conns {
		if c.local == from && c.remote == to {
			c.stalled.Store(true)
		}
	}
}

func (nw *Network) setFault(from, to string, set func(*fault)) {
	nw.mu.Lock()
	f := nw.faults[way{from, to}]
	set(&f)
	nw.faults[way{from, to}] = f
	nw.mu.Unlock()
}

// Heal ends every fault between a and b, both ways: what is sent passes
// again, and new connections are accepted.
func (nw *Network) Heal(a, b string) {
	nw.mu.Lock()
	delete(nw.faults, way{a, b})
	delete(nw.faults, way{b, a})
	delete(nw.refused, pairOf(a, b))
	p := pairOf(a, b)
	for c := range nw.conns {
		if pairOf(c.local, c.remote) == p {
			c.stalled.Store(false)
		}
	}
	close(nw.changed) // stalled writes look again
	nw.changed = make(chan struct{})
	nw.mu.Unlock()
}

// fault returns the fault of w.
func (nw *Network) fault(w way) fault {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	return nw.faults[w]
}

// healed returns a channel closed at the next Heal.
func (nw *Network) healed() <-chan struct{} {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	return nw.changed
}

func (nw *Network) forget(c *pipeConn) {
	nw.mu.Lock()
	delete(nw.conns, c)
	nw.mu.Unlock()
}

// pipeConn is one end of a connection, at node local. Drop and Delay act
// where bytes are read: dropped bytes are read and thrown away, so the
// sender never blocks on them; delayed ones are returned late. Stall acts
// where they are written.
type pipeConn struct {
	net.Conn
	nw            *Network
	local, remote string
	once          sync.Once
	closed        chan struct{}
	stalled       atomic.Bool // writes hang until Heal
}

func (c *pipeConn) Read(b []byte) (int, error) {
	for {
		n, err := c.Conn.Read(b)
		if err != nil {
			return n, err
		}
		f := c.nw.fault(way{from: c.remote, to: c.local})
		if f.drop {
			continue
		}
		if f.delay > 0 {
			time.Sleep(f.delay)
		}
		return n, nil
	}
}

func (c *pipeConn) Write(b []byte) (int, error) {
	for {
		healed := c.nw.healed()
		if !c.stalled.Load() {
			return c.Conn.Write(b)
		}
		select {
		case <-healed:
		case <-c.closed:
			return 0, net.ErrClosed
		}
	}
}

func (c *pipeConn) Close() error {
	c.once.Do(func() {
		close(c.closed)
		c.nw.forget(c)
	})
	return c.Conn.Close()
}

func (c *pipeConn) LocalAddr() net.Addr  { return pipeAddr(c.local) }
func (c *pipeConn) RemoteAddr() net.Addr { return pipeAddr(c.remote) }

// pipeAddr is a node's name as a net.Addr.
type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }
