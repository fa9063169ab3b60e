package remote

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/troupe-go/troupe/internal/netx"
	"github.com/troupe-go/troupe/remote/wire"
)

// The troupe handshake on both sides of a connection, under the handshake
// deadline: wire.Dial for the connections this node opens, wire.Accept for
// those its Server accepts (the Server has already run the TLS handshake,
// if any). Nothing but the handshake is read before it succeeds.

// serveConn is the Server's handler: it runs the acceptor's handshake,
// TLS first when the node has it, all within one HandshakeTimeout and
// within the MaxHandshakes budget; it hands the session to its peer, and
// keeps the connection open (the Server closes it when the handler
// returns) until the session is over.
func (n *Node) serveConn(ctx context.Context, conn net.Conn) {
	if n.handshaking.Add(1) > int64(n.cfg.MaxHandshakes) {
		n.handshaking.Add(-1)
		n.hsFailures.count(errBusy)
		if n.rare.handshakes.allow() {
			n.log.Warn("remote: connection closed", "remote", netx.AddrString(conn.RemoteAddr()), "reason", errBusy, "max", n.cfg.MaxHandshakes)
		}
		return
	}
	handshaking := true
	done := func() {
		if handshaking {
			handshaking = false
			n.handshaking.Add(-1)
		}
	}
	defer done()
	deadline := time.Now().Add(n.cfg.HandshakeTimeout)
	if err := conn.SetDeadline(deadline); err != nil {
		return
	}
	var cert *x509.Certificate // the peer's, with mutual TLS
	if n.cfg.TLS != nil {
		tc := tls.Server(conn, n.cfg.TLS)
		hctx, cancel := context.WithDeadline(ctx, deadline)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			n.handshakeFailed(conn.RemoteAddr(), fmt.Errorf("%w: %w", errTLSHandshake, err))
			return
		}
		if certs := tc.ConnectionState().PeerCertificates; len(certs) > 0 {
			cert = certs[0]
		}
		conn = tc
	}
	var p *peer
	remote, err := wire.Accept(conn, n.hs, func(wp wire.Peer) error {
		hctx, cancel := context.WithDeadline(ctx, deadline)
		defer cancel()
		var err error
		p, err = n.decide(hctx, wp, cert)
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
	if errors.Is(err, wire.ErrConfirmation) {
		n.log.Debug("remote: confirmation answered", "remote", netx.AddrString(conn.RemoteAddr()), "answer", err)
		return
	}
	if err != nil {
		n.handshakeFailed(conn.RemoteAddr(), err)
		return
	}
	if err := conn.SetDeadline(time.Time{}); err != nil {
		return
	}
	done()
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
// refuses every node while this one stops, confirms a claim of an address
// this node holds something for, a live session above all (confirmClaim,
// or the peer's certificate with VerifyPeerAddress), and settles simultaneous
// connects. Two nodes that dial each other at once must end with one
// connection: as Erlang compares node names, the node with the lower
// address keeps the connection it dialled and refuses the other
// (CodeDuplicate); the higher one accepts, and the peer goroutine drops its
// own dial for it. On the lower node this decision and beginDial's exclude
// each other under p.mu: a node that has accepted the peer's dial does not
// dial it until that session is taken or failed, or the higher node would
// keep the second connection while this one keeps the first. Nothing
// queued is lost: the queue belongs to the peer, not to a connection.
func (n *Node) decide(ctx context.Context, wp wire.Peer, cert *x509.Certificate) (*peer, error) {
	if wp.Addr == n.addr {
		return nil, &wire.RefusedError{Code: wire.CodeRefused, Reason: "that is this node's own address"}
	}
	byCert := false // the claim is confirmed by the peer's certificate
	if n.cfg.VerifyPeerAddress {
		if err := certNames(cert, wp.Addr); err != nil {
			if n.rare.unconfirmed.allow() {
				n.log.Warn("remote: claim refused: unconfirmed", "claimed", logString(wp.Addr), "err", err)
			}
			return nil, &wire.RefusedError{Code: wire.CodeUnconfirmed, Reason: "the certificate does not name the address claimed"}
		}
		byCert = true
	}
	if n.life.Stopping() {
		// A new connection would replace one that is draining, cutting
		// off the peer's last Ack and leaving what it read uncertain.
		return nil, &wire.RefusedError{Code: wire.CodeShuttingDown}
	}
	p, err := n.claimPeer(wp.Addr)
	switch {
	case isStopped(err):
		return nil, &wire.RefusedError{Code: wire.CodeShuttingDown}
	case err != nil:
		return nil, &wire.RefusedError{Code: wire.CodeRefused, Reason: err.Error()}
	}
	defer p.use.RUnlock()
	for confirmed := byCert; ; confirmed = true {
		p.mu.Lock()
		ours := p.dialing || (p.sess != nil && p.sess.outbound && p.sess.remote.Incarnation == wp.Incarnation)
		if ours && n.addr < wp.Addr {
			p.mu.Unlock()
			return nil, &wire.RefusedError{Code: wire.CodeDuplicate, Reason: "the lower address keeps the connection it dialled"}
		}
		if confirmed || !p.heldLocked() {
			// Accepted: until it is adopted or fails, this node dials no
			// other connection to the peer (see connect).
			p.incoming++
			p.arrived.Store(true)
			p.mu.Unlock()
			return p, nil
		}
		p.mu.Unlock()
		// Accepting would replace a live session (or one on its way), or
		// hand over what waits for that node: not on the strength of the
		// Hello alone.
		if err := n.confirmClaim(ctx, wp); err != nil {
			if n.rare.unconfirmed.allow() {
				n.log.Warn("remote: claim refused: unconfirmed", "claimed", logString(wp.Addr), "err", err)
			}
			return nil, &wire.RefusedError{Code: wire.CodeUnconfirmed,
				Reason: "this node has a session with, or messages for, " + wp.Addr + ", and the node there did not confirm this connection"}
		}
	}
}

// heldLocked reports whether the peer holds something a connection from
// it would take over: a live session or one on its way, this node's own
// dial, messages or frames waiting, requests pending, watches. p.mu is
// held.
func (p *peer) heldLocked() bool {
	return p.sess != nil || p.incoming > 0 || p.dialing || len(p.carry) > 0 || len(p.control) > 0 ||
		len(p.pending) > 0 || len(p.watches) > 0 || p.queue.Waiting() > 0
}

// certNames checks that cert, a peer's verified certificate, names the
// host of addr, the address the peer claims.
func certNames(cert *x509.Certificate, addr string) error {
	if cert == nil {
		return errors.New("no certificate")
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	return cert.VerifyHostname(host)
}

// confirmClaim asks the node at wp.Addr whether it is dialling this one
// with the nonce of the Hello just read (docs/wire-protocol.md, section
// 3.5): only then is the connection that node's.
func (n *Node) confirmClaim(ctx context.Context, wp wire.Peer) error {
	if n.cfg.AllowDial != nil && !n.cfg.AllowDial(wp.Addr) {
		// The live session may be an inbound one: a claim does not make
		// an address one this node may dial.
		return fmt.Errorf("%w: %s", ErrDialNotAllowed, logString(wp.Addr))
	}
	conn, stop, err := n.open(ctx, wp.Addr)
	if err != nil {
		return err
	}
	defer stop()
	defer conn.Close()
	there, yes, err := wire.Confirm(conn, n.hs, wp.Nonce)
	switch {
	case err != nil:
		return err
	case there.Addr != wp.Addr:
		return fmt.Errorf("%w: dialled %q, the node there is %q", ErrBadAddress, wp.Addr, there.Addr)
	case !yes:
		return fmt.Errorf("the node at %s is not dialling this one with that Hello", wp.Addr)
	}
	return nil
}

// open connects to addr, with TLS if the node has it, within ctx: the
// connection's deadline is ctx's, and ctx's end wakes whatever waits on it
// until stop is called; stop reports whether it came first.
func (n *Node) open(ctx context.Context, addr string) (conn net.Conn, stop func() bool, err error) {
	if conn, err = n.dial(ctx, addr); err != nil {
		return nil, nil, err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// Abandoned: wake the handshake. The TLS connection that may replace
	// conn below shares raw's deadline.
	raw := conn
	stop = context.AfterFunc(ctx, func() { raw.SetDeadline(time.Unix(1, 0)) })
	if n.cfg.TLS != nil {
		tc := tls.Client(conn, n.clientTLS(addr))
		if err := tc.HandshakeContext(ctx); err != nil {
			stop()
			conn.Close()
			return nil, nil, fmt.Errorf("%w with %s: %w", errTLSHandshake, addr, err)
		}
		conn = tc
	}
	return conn, stop, nil
}

// dialPeer connects to the node at addr and runs the initiator's side of
// the handshake, all within the handshake timeout and ctx. The node there
// must call itself addr: an address is a node's identity. While the
// handshake runs, its nonce is on record, so that the node at addr can
// confirm that this connection is this node's (dialNonces).
func (n *Node) dialPeer(ctx context.Context, addr string) (net.Conn, wire.Peer, error) {
	if n.cfg.AllowDial != nil && !n.cfg.AllowDial(addr) {
		return nil, wire.Peer{}, fmt.Errorf("%w: %s", ErrDialNotAllowed, addr)
	}
	conn, stop, err := n.open(ctx, addr)
	if err != nil {
		if errors.Is(err, errTLSHandshake) {
			n.hsFailures.count(err) // a dial that fails is no handshake
		}
		return nil, wire.Peer{}, err
	}
	defer stop()
	fail := func(err error) (net.Conn, wire.Peer, error) {
		conn.Close()
		n.hsFailures.count(err)
		return nil, wire.Peer{}, err
	}
	var sent wire.Nonce
	hs := n.hs
	hs.Sent = func(nonce wire.Nonce) {
		sent = nonce
		n.nonces.add(nonce, addr)
	}
	remote, err := wire.Dial(conn, hs)
	n.nonces.remove(sent)
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

// dialNonces are the nonces of this node's handshakes under way as
// initiator, each with the address dialled: what a confirmation asks
// about.
type dialNonces struct {
	mu sync.Mutex
	m  map[wire.Nonce]string
}

func (d *dialNonces) add(n wire.Nonce, addr string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil {
		d.m = map[wire.Nonce]string{}
	}
	d.m[n] = addr
}

func (d *dialNonces) remove(n wire.Nonce) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.m, n)
}

// has answers a confirmation: whether this node is dialling addr with a
// Hello of nonce n.
func (d *dialNonces) has(addr string, n wire.Nonce) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	a, ok := d.m[n]
	return ok && a == addr
}

// handshakeFailed logs an inbound connection refused in the handshake: a
// wrong cookie or garbage is a warning, a duplicate or a node that stops
// is routine. Anyone who reaches the port can fail handshakes at will, so
// each reason is logged at most once a second; all are counted.
func (n *Node) handshakeFailed(from net.Addr, err error) {
	if !n.rare.failures[n.hsFailures.count(err)].allow() {
		return
	}
	var r *wire.RefusedError
	if errors.As(err, &r) && (r.Code == wire.CodeDuplicate || r.Code == wire.CodeShuttingDown) {
		n.log.Debug("remote: connection refused", "remote", netx.AddrString(from), "reason", err)
		return
	}
	n.log.Warn("remote: handshake failed", "remote", netx.AddrString(from), "err", err)
}
