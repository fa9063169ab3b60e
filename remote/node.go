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
	"github.com/troupe-go/troupe/internal/lifecycle"
	"github.com/troupe-go/troupe/remote/server"
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
	srv  *server.Server
	log  *slog.Logger
	dial dialFunc // net.Dialer unless a test replaces it
	hook testHooks

	kinds      kindTable     // what other nodes may spawn here (RegisterKind)
	reqID      atomic.Uint64 // the last request id handed out
	hsFailures handshakeFailures
	encoders   encoderPool // weigh the payloads msgpack encodes (outbytes.go)
	nonces     dialNonces  // of the handshakes this node has under way as initiator
	rare       struct {
		watches, handshakes, access, unconfirmed, queueBytes, inboundBytes rareLog
		failures                                                           [len(handshakeReasons)]rareLog
	}
	handshaking atomic.Int64                     // inbound handshakes in progress, TLS included
	peers       atomic.Pointer[map[string]*peer] // copy on write, under mu

	// life is the node's stop: Quit when Stop or Close begins (drain,
	// accept no more), Forced when the stop may no longer wait (close at
	// once), Done when the node has stopped. Stopping is read on every send.
	life     *lifecycle.Lifecycle
	retiring sync.WaitGroup // the goroutines of peers that left the table

	mu sync.Mutex // guards the peer table's writes, against the stop's start
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

// start is Start with a listener and a dial function that tests may give
// (nil: cfg's).
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
		ln = cfg.Listener
	}
	if dial == nil {
		dial = cfg.Dial
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
		hs:   wire.HandshakeConfig{Cookie: cfg.Cookie, Addr: addr, Incarnation: inc},
		life: lifecycle.New(),
	}
	n.hs.Confirmed = n.nonces.has
	n.encoders.max = cfg.MaxFrameSize
	n.peers.Store(&map[string]*peer{})
	if n.link, err = sys.SetTransport(addr, transport{n}); err != nil {
		ln.Close()
		return nil, err
	}
	// The node runs TLS itself (serveConn), so that TLS and the troupe
	// handshake share one HandshakeTimeout and the MaxHandshakes budget.
	opts := []server.Option{server.WithLogger(cfg.Logger), server.WithMaxConns(max(cfg.MaxConns, 0)),
		server.WithHandshakeTimeout(cfg.HandshakeTimeout), server.WithStopTimeout(0)}
	n.srv = server.NewListener(ln, n.serveConn, opts...)
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

// System returns the System the node joins to the network, for packages
// built on the node (cluster).
func (n *Node) System() *actor.System { return n.sys }

// Done returns a channel that is closed once the node has stopped, by
// Stop, Close or a StopOn event.
func (n *Node) Done() <-chan struct{} { return n.life.Done() }

// Stop stops the node gracefully: it refuses new sends to other nodes
// (ErrNodeStopped) and new connections, writes what each peer's queue
// holds, says goodbye with a Close frame, and waits for each peer to close
// its side, until ctx is done or Config.StopTimeout has passed. Then it
// closes what is left: messages still queued become dead letters
// (ErrNodeStopped), pending requests fail and watches of remote actors end
// (ErrNodeDown). Finally it stops the server and uninstalls the Transport:
// PIDs of other nodes then get actor.ErrNoTransport. The System and its
// local actors go on.
//
// Stop returns nil when everything was written in time, and an error
// wrapping ErrStopTimeout when the grace period ended first. It is
// idempotent: later and concurrent calls wait for the first (or for their
// own ctx) and return nil. A nil ctx is actor.ErrNilContext.
func (n *Node) Stop(ctx context.Context) error {
	if ctx == nil {
		return actor.ErrNilContext
	}
	return n.life.Stop(ctx, n.cfg.StopTimeout, n.shutdown)
}

// Close stops the node at once: as Stop with a context already done, and
// no error for it. It returns once every connection is closed and every
// goroutine of the node has returned.
func (n *Node) Close() error {
	n.life.Close(n.shutdown)
	return nil
}

// StopOn makes the node stop, as Stop does, when ev is set, by any
// goroutine, at any time. It panics if ev is nil.
func (n *Node) StopOn(ev *server.Event) {
	if ev == nil {
		panic("remote: StopOn with a nil event")
	}
	n.life.StopOn(ev.Done(), func() {
		if err := n.Stop(context.Background()); err != nil {
			n.log.Warn("remote: node stop on event", "err", err)
		}
	})
}

// shutdown is the body of the stop, run once by the lifecycle: each peer
// drains until the stop is forced, then the server and the Transport go.
func (n *Node) shutdown() error {
	// Taking mu orders this after any peerFor that saw the node running:
	// no peer is added once the stop has begun.
	n.mu.Lock()
	peers := *n.peers.Load()
	n.mu.Unlock()
	var err error
	for _, p := range peers {
		select {
		case <-p.done:
			continue
		case <-n.life.Forced():
			if err == nil && !n.life.Closed() {
				err = fmt.Errorf("%w: %d peers still writing", ErrStopTimeout, countLive(peers))
			}
		}
		<-p.done
	}
	n.retiring.Wait()
	n.srv.Close()
	n.link.Detach()
	n.log.Info("remote: node stopped", "addr", n.addr)
	return err
}

// countLive counts the peers whose goroutines are still running.
func countLive(peers map[string]*peer) int {
	live := 0
	for _, p := range peers {
		select {
		case <-p.done:
		default:
			live++
		}
	}
	return live
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
	if n.life.Stopping() {
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
