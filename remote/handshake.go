package remote

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/troupe-go/troupe/internal/netx"
	"github.com/troupe-go/troupe/remote/wire"
)

// The troupe handshake on both sides of a connection, under the handshake
// deadline: wire.Dial for the connections this node opens, wire.Accept for
// those its Server accepts (the Server has already run the TLS handshake,
// if any). Nothing but the handshake is read before it succeeds.

// serveConn is the Server's handler: it runs the acceptor's handshake,
// hands the session to its peer, and keeps the connection open (the
// Server closes it when the handler returns) until the session is over.
func (n *Node) serveConn(ctx context.Context, conn net.Conn) {
	if err := conn.SetDeadline(time.Now().Add(n.cfg.HandshakeTimeout)); err != nil {
		return
	}
	var p *peer
	remote, err := wire.Accept(conn, n.hs, func(wp wire.Peer) error {
		var err error
		p, err = n.decide(wp)
		return err
	})
	if p != nil {
		// decide accepted it (a refusal leaves p nil): whatever happens
		// next, say when it is over.
		defer func() {
			if p != nil {
				p.incomingDone()
			}
		}()
	}
	if err != nil {
		n.handshakeFailed(conn.RemoteAddr(), err)
		return
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return
	}
	if h := n.hook.accepted; h != nil {
		h(remote.Addr)
	}
	s := newSession(p, conn, remote, false)
	select {
	case p.adopt <- s:
	case <-p.done: // the node is stopping
		return
	case <-ctx.Done():
		return
	}
	p.incomingDone()
	p = nil // done: the deferred call must not count it twice
	<-s.done
}

// decide runs once the initiator has proved it knows the cookie: it
// refuses every node while this one stops, and settles simultaneous
// connects. Two nodes that dial each other at once must end with one
// connection: as Erlang compares node names, the node with the lower
// address keeps the connection it dialled and refuses the other
// (CodeDuplicate); the higher one accepts, and the peer goroutine drops its
// own dial for it. On the lower node this decision and beginDial's exclude
// each other under p.mu: a node that has accepted the peer's dial does not
// dial it until that session is taken or failed, or the higher node would
// keep the second connection while this one keeps the first. Nothing
// queued is lost: the queue belongs to the peer, not to a connection.
func (n *Node) decide(wp wire.Peer) (*peer, error) {
	if wp.Addr == n.addr {
		return nil, &wire.RefusedError{Code: wire.CodeRefused, Reason: "that is this node's own address"}
	}
	if n.life.Stopping() {
		// A new connection would replace one that is draining, cutting
		// off the peer's last Ack and leaving what it read uncertain.
		return nil, &wire.RefusedError{Code: wire.CodeShuttingDown}
	}
	p, err := n.peerFor(wp.Addr)
	switch {
	case isStopped(err):
		return nil, &wire.RefusedError{Code: wire.CodeShuttingDown}
	case err != nil:
		return nil, &wire.RefusedError{Code: wire.CodeRefused, Reason: err.Error()}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	ours := p.dialing || (p.sess != nil && p.sess.outbound && p.sess.remote.Incarnation == wp.Incarnation)
	if ours && n.addr < wp.Addr {
		return nil, &wire.RefusedError{Code: wire.CodeDuplicate, Reason: "the lower address keeps the connection it dialled"}
	}
	// Accepted: until it is adopted or fails, this node dials no other
	// connection to the peer (see connect).
	p.incoming++
	return p, nil
}

// dialPeer connects to the node at addr and runs the initiator's side of
// the handshake, all within the handshake timeout and ctx. The node there
// must call itself addr: an address is a node's identity.
func (n *Node) dialPeer(ctx context.Context, addr string) (net.Conn, wire.Peer, error) {
	conn, err := n.dial(ctx, addr)
	if err != nil {
		return nil, wire.Peer{}, err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// Abandoned: wake the handshake. The TLS connection that may replace
	// conn below shares raw's deadline.
	raw := conn
	stop := context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	fail := func(err error) (net.Conn, wire.Peer, error) {
		conn.Close()
		n.hsFailures.count(err)
		return nil, wire.Peer{}, err
	}
	if n.cfg.TLS != nil {
		tc := tls.Client(conn, n.clientTLS(addr))
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(fmt.Errorf("%w with %s: %w", errTLSHandshake, addr, err))
		}
		conn = tc
	}
	remote, err := wire.Dial(conn, n.hs)
	if err != nil {
		return fail(err)
	}
	if remote.Addr != addr {
		return fail(fmt.Errorf("%w: dialled %q, the node there is %q", ErrBadAddress, addr, remote.Addr))
	}
	if !stop() || conn.SetDeadline(time.Time{}) != nil {
		return fail(context.Cause(ctx))
	}
	return conn, remote, nil
}

// handshakeFailed logs an inbound connection refused in the handshake: a
// wrong cookie or garbage is a warning, a duplicate or a node that stops
// is routine.
func (n *Node) handshakeFailed(from net.Addr, err error) {
	n.hsFailures.count(err)
	var r *wire.RefusedError
	if errors.As(err, &r) && (r.Code == wire.CodeDuplicate || r.Code == wire.CodeShuttingDown) {
		n.log.Debug("remote: connection refused", "remote", netx.AddrString(from), "reason", err)
		return
	}
	n.log.Warn("remote: handshake failed", "remote", netx.AddrString(from), "err", err)
}
