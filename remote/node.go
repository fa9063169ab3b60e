package remote

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote/wire"
)

// A Node joins an actor.System to the network: it carries what the System
// sends to the actors of other nodes, and delivers what other nodes send to
// its own. Make one with Start; stop it with Stop, Close or StopOn. The
// System and its local actors go on after the node stops.
//
// Between two nodes there is one TCP (or TLS) connection, dialled by the
// first that has something to send, or accepted through the node's Server.
// What one node sends to another goes through one bounded queue per peer
// and one writer, so the messages of one sender to one actor arrive in the
// order they were sent; none arrives twice; a message that cannot be
// carried is refused with an error or becomes a dead letter, never lost
// unseen.
type Node struct {
	sys  *actor.System
	link *actor.Link
	cfg  Config
	addr string // the address peers dial, and the Address of our actors there
	hs   wire.HandshakeConfig
	srv  *Server
	log  *slog.Logger
	dial dialFunc // net.Dialer unless a test replaces it
	hook testHooks

	kinds       kindTable     // what other nodes may spawn here (RegisterKind)
	reqID       atomic.Uint64 // the last request id handed out
	hsFailures  handshakeFailures
	nonces      dialNonces // of the handshakes this node has under way as initiator
	rare        struct{ watches, handshakes, access rareLog }
	handshaking atomic.Int64                     // inbound handshakes in progress, TLS included
	peers       atomic.Pointer[map[string]*peer] // copy on write, under mu

	quit  chan struct{} // closed when Stop or Close begins: drain, accept no more
	force chan struct{} // closed when the stop may no longer wait: close at once
	done  chan struct{} // closed when the node has stopped

	stopping atomic.Bool // quit is closed; read on every send
	watchers sync.WaitGroup
	retiring sync.WaitGroup // the goroutines of peers that left the table

	mu       sync.Mutex
	quitting bool // quit is closed
	forced   bool // force is closed
	ending   bool // a Stop is running the shutdown
	err      error
}

// dialFunc opens a connection to a node's address.
type dialFunc func(ctx context.Context, addr string) (net.Conn, error)

// testHooks hold a node's goroutines at the points where a simultaneous
// connect races, so that a test can play the interleavings in the order it
// chooses. Each is nil outside tests, and set before the node has a peer.
type testHooks struct {
	dial     func(addr string) // a peer's goroutine has decided to dial addr, and has not begun
	accepted func(addr string) // addr's dial passed the handshake here, not yet handed to its peer
}

// Start joins sys to the network as cfg says: it listens, installs the
// node as sys's Transport (see actor.System.SetTransport), and serves the
// connections of other nodes. From then on a PID whose Address names
// another node reaches that node's actor.
//
// Start returns an error wrapping ErrInvalidConfig or ErrInsecure for a
// Config that cannot work, the listener's error (an address in use), or
// actor.ErrTransportSet if sys already has a Transport.
func Start(sys *actor.System, cfg Config) (*Node, error) {
	return start(sys, cfg, nil, nil)
}

// start is Start with a listener and a dial function that tests may give.
func start(sys *actor.System, cfg Config, ln net.Listener, dial dialFunc) (*Node, error) {
	if sys == nil {
		return nil, fmt.Errorf("%w: nil System", ErrInvalidConfig)
	}
	cfg = cfg.defaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	inc, err := wire.NewIncarnation(nil)
	if err != nil {
		return nil, err
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", cfg.Addr); err != nil {
			return nil, err
		}
	}
	addr := cfg.Advertise
	if addr == "" {
		addr = ln.Addr().String()
	}
	if dial == nil {
		d := &net.Dialer{}
		dial = func(ctx context.Context, addr string) (net.Conn, error) { return d.DialContext(ctx, "tcp", addr) }
	}
	n := &Node{
		sys: sys, cfg: cfg, addr: addr, log: cfg.Logger, dial: dial,
		hs:    wire.HandshakeConfig{Cookie: cfg.Cookie, Addr: addr, Incarnation: inc},
		quit:  make(chan struct{}),
		force: make(chan struct{}),
		done:  make(chan struct{}),
	}
	n.hs.Confirmed = n.nonces.has
	n.peers.Store(&map[string]*peer{})
	if n.link, err = sys.SetTransport(addr, transport{n}); err != nil {
		ln.Close()
		return nil, err
	}
	// The node runs TLS itself (serveConn), so that TLS and the troupe
	// handshake share one HandshakeTimeout and the MaxHandshakes budget.
	opts := []ServerOption{WithLogger(cfg.Logger), WithMaxConns(max(cfg.MaxConns, 0)),
		WithHandshakeTimeout(cfg.HandshakeTimeout), WithStopTimeout(0)}
	n.srv = NewServerListener(ln, n.serveConn, opts...)
	if err := n.srv.Start(); err != nil {
		n.link.Detach()
		n.srv.Close()
		return nil, err
	}
	n.log.Info("remote: node started", "addr", addr, "tls", cfg.TLS != nil)
	return n, nil
}

// Addr returns the node's address: what other nodes dial, and the Address
// that PIDs of this node's actors carry elsewhere. With port 0 in
// Config.Addr it holds the port actually bound.
func (n *Node) Addr() string { return n.addr }

// Done returns a channel that is closed once the node has stopped, by
// Stop, Close or a StopOn event.
func (n *Node) Done() <-chan struct{} { return n.done }

// Stop stops the node gracefully: it refuses new sends to other nodes
// (ErrNodeStopped) and new connections, writes what each peer's queue
// holds, says goodbye with a Close frame, and waits for each peer to close
// its side, until ctx is done. Then it closes what is left: messages still
// queued become dead letters (ErrNodeStopped), pending requests fail and
// watches of remote actors end (ErrNodeDown). Finally it stops the server
// and uninstalls the Transport: PIDs of other nodes then get
// actor.ErrNoTransport. The System and its local actors go on.
//
// Stop returns nil when everything was written in time, and an error
// wrapping ErrStopTimeout when ctx ended first. It is idempotent: later
// and concurrent calls wait for the first (or for their own ctx) and
// return nil. A nil ctx is ErrNilContext.
func (n *Node) Stop(ctx context.Context) error {
	if ctx == nil {
		return ErrNilContext
	}
	return n.stop(ctx, false)
}

// Close stops the node at once: as Stop with a context already done, and
// no error for it. It returns once every connection is closed and every
// goroutine of the node has returned.
func (n *Node) Close() error {
	n.stop(context.Background(), true)
	return nil
}

// StopOn makes the node stop, as Stop does within Config.StopTimeout, when
// ev is set, by any goroutine, at any time. It panics if ev is nil.
func (n *Node) StopOn(ev *Event) {
	if ev == nil {
		panic("remote: StopOn with a nil event")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.quitting {
		return
	}
	n.watchers.Add(1)
	go func() {
		select {
		case <-ev.Done():
			n.watchers.Done() // Stop waits for the watchers
			ctx, cancel := context.WithTimeout(context.Background(), n.cfg.StopTimeout)
			defer cancel()
			if err := n.Stop(ctx); err != nil {
				n.log.Warn("remote: node stop on event", "err", err)
			}
		case <-n.quit:
			n.watchers.Done()
		}
	}()
}

// stop is Stop, or Close when now is set. The first call runs the
// shutdown; the others wait for it.
func (n *Node) stop(ctx context.Context, now bool) error {
	n.mu.Lock()
	if !n.quitting {
		n.quitting = true
		n.stopping.Store(true)
		close(n.quit)
	}
	if now {
		n.forceLocked()
	}
	first := !n.ending
	n.ending = true
	n.mu.Unlock()
	if !first {
		select {
		case <-n.done:
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	}

	var err error
	for _, p := range *n.peers.Load() { // no peer is added once quit is closed
		select {
		case <-p.done:
			continue
		case <-ctx.Done():
			err = fmt.Errorf("%w: %w", ErrStopTimeout, ctx.Err())
			n.mu.Lock()
			n.forceLocked()
			n.mu.Unlock()
		case <-n.force:
		}
		<-p.done
	}
	n.watchers.Wait()
	n.retiring.Wait()
	n.srv.Close()
	n.link.Detach()
	n.log.Info("remote: node stopped", "addr", n.addr)
	close(n.done)
	return err
}

// forceLocked ends the grace period of a stop. n.mu is held.
func (n *Node) forceLocked() {
	if !n.forced {
		n.forced = true
		close(n.force)
	}
}

// peerFor returns the peer of the node at addr, making it on first use.
func (n *Node) peerFor(addr string) (*peer, error) {
	if p := (*n.peers.Load())[addr]; p != nil {
		if p.claimed.Load() {
			p.claimed.Store(false) // this node uses it: it stays as any other
		}
		return p, nil
	}
	if n.cfg.AllowDial != nil && !n.cfg.AllowDial(addr) {
		return nil, fmt.Errorf("%w: %s", ErrDialNotAllowed, logString(addr))
	}
	return n.makePeer(addr, false)
}

// claimPeer returns the peer at addr for an inbound connection that
// claims that address, read-locked against its retirement as usePeer's
// is: the caller calls p.use.RUnlock once it has counted the connection
// in p.incoming. A peer it makes is claimed: it goes away with its
// connection unless this node uses it meanwhile.
func (n *Node) claimPeer(addr string) (p *peer, err error) {
	for {
		if p = (*n.peers.Load())[addr]; p == nil {
			if p, err = n.makePeer(addr, true); err != nil {
				return nil, err
			}
		}
		p.use.RLock()
		if !p.retired {
			return p, nil
		}
		p.use.RUnlock()
	}
}

// makePeer returns the peer at addr, making it if there is none, within
// MaxPeers.
func (n *Node) makePeer(addr string, claimed bool) (*peer, error) {
	if addr == n.addr {
		return nil, fmt.Errorf("%w: %q is this node", ErrBadAddress, addr)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil || len(addr) > wire.MaxAddrLen {
		return nil, fmt.Errorf("%w: %q", ErrBadAddress, logString(addr))
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.quitting {
		return nil, ErrNodeStopped
	}
	old := *n.peers.Load()
	if p := old[addr]; p != nil {
		return p, nil
	}
	if len(old) >= n.cfg.MaxPeers {
		return nil, fmt.Errorf("%w: %d known, %s refused", ErrTooManyPeers, len(old), logString(addr))
	}
	p := newPeer(n, addr)
	p.claimed.Store(claimed)
	next := make(map[string]*peer, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[addr] = p
	n.peers.Store(&next)
	go p.run()
	return p, nil
}

// usePeer returns the peer at addr, as peerFor does, read-locked against
// its retirement until the caller calls p.use.RUnlock. (A release func
// returned here would be a method value: an allocation per send.)
func (n *Node) usePeer(addr string) (p *peer, err error) {
	for {
		if p, err = n.peerFor(addr); err != nil {
			return nil, err
		}
		p.use.RLock()
		if !p.retired {
			return p, nil
		}
		p.use.RUnlock() // it left the table: the next peerFor makes another
	}
}

// lookupPeer returns the peer at addr if there is one.
func (n *Node) lookupPeer(addr string) *peer { return (*n.peers.Load())[addr] }

// nextRequestID returns a request id unique on this node.
func (n *Node) nextRequestID() uint64 { return n.reqID.Add(1) }

// clientTLS returns the TLS config for dialling addr.
func (n *Node) clientTLS(addr string) *tls.Config {
	c := n.cfg.TLS.Clone()
	if c.ServerName == "" {
		if host, _, err := net.SplitHostPort(addr); err == nil {
			c.ServerName = host
		}
	}
	return c
}

// isStopped reports whether err says the node is stopping.
func isStopped(err error) bool { return errors.Is(err, ErrNodeStopped) }
