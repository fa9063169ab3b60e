package remote

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// forcedCloseWait is how long Stop waits, after closing the connections of
// handlers that outlived the grace period, for those handlers to return.
// gevent waits as long after killing its greenlets.
const forcedCloseWait = time.Second

// serverConn is one accepted connection while its handler runs.
type serverConn struct {
	raw    net.Conn
	start  time.Time   // accept time; only kept for an observer
	forced atomic.Bool // closed by Stop under a running handler
}

// connSet tracks the open connections so that Stop can wait for them and
// close the ones left.
type connSet struct {
	mu       sync.Mutex
	conns    map[*serverConn]struct{}
	draining bool          // Stop is waiting; no more are added
	idle     chan struct{} // closed once draining and empty
	idleDone bool
}

func (cs *connSet) init() {
	cs.conns = make(map[*serverConn]struct{})
	cs.idle = make(chan struct{})
}

func (cs *connSet) add(c *serverConn) {
	cs.mu.Lock()
	cs.conns[c] = struct{}{}
	cs.mu.Unlock()
}

func (cs *connSet) remove(c *serverConn) {
	cs.mu.Lock()
	delete(cs.conns, c)
	cs.closeIdleLocked()
	cs.mu.Unlock()
}

func (cs *connSet) closeIdleLocked() {
	if cs.draining && len(cs.conns) == 0 && !cs.idleDone {
		cs.idleDone = true
		close(cs.idle)
	}
}

// drain marks the set as draining and returns a channel closed once it is
// empty. Nothing may be added after.
func (cs *connSet) drain() <-chan struct{} {
	cs.mu.Lock()
	cs.draining = true
	cs.closeIdleLocked()
	cs.mu.Unlock()
	return cs.idle
}

// closeAll closes every connection still in the set and says how many.
func (cs *connSet) closeAll() int {
	cs.mu.Lock()
	open := make([]*serverConn, 0, len(cs.conns))
	for c := range cs.conns {
		open = append(open, c)
	}
	cs.mu.Unlock()
	for _, c := range open {
		c.forced.Store(true)
		c.raw.Close()
	}
	return len(open)
}

func (cs *connSet) len() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.conns)
}

// spawn starts serving a connection just accepted. It runs in the accept
// loop, holding a handler slot that serveConn gives back.
func (s *Server) spawn(ctx context.Context, raw net.Conn) {
	c := &serverConn{raw: raw}
	s.conns.add(c)
	active := s.active.Add(1)
	if s.obs != nil {
		c.start = time.Now()
		s.obs.ConnAccepted(int(active))
	}
	go s.serveConn(ctx, c, *s.handler.Load())
}

// serveConn runs in the connection's own goroutine: TLS handshake, then
// the handler, then closing. It is the boundary where a handler's panic is
// recovered; the deferred cleanup also runs if the handler calls
// runtime.Goexit.
func (s *Server) serveConn(ctx context.Context, c *serverConn, h Handler) {
	conn, reason := c.raw, CloseNormal
	defer func() {
		if v := recover(); v != nil {
			reason = ClosePanic
			s.log.Error("remote: handler panicked; connection closed",
				"remote", addrString(c.raw.RemoteAddr()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
		s.closeConn(c, conn, reason)
	}()
	if s.tls != nil {
		tc, err := s.handshake(ctx, c.raw)
		if err != nil {
			reason = CloseHandshake
			s.log.Debug("remote: TLS handshake failed", "remote", addrString(c.raw.RemoteAddr()), "err", err)
			return
		}
		conn = tc
	}
	h(ctx, conn)
}

// handshake runs the TLS handshake under the handshake deadline, so a
// client that stalls costs a goroutine for a bounded time and never holds
// up accepting.
func (s *Server) handshake(ctx context.Context, raw net.Conn) (*tls.Conn, error) {
	tc := tls.Server(raw, s.tls)
	if err := raw.SetDeadline(time.Now().Add(s.cfg.handshakeTimeout)); err != nil {
		return nil, fmt.Errorf("setting the handshake deadline: %w", err)
	}
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	if err := raw.SetDeadline(time.Time{}); err != nil {
		return nil, err
	}
	return tc, nil
}

// closeConn closes a served connection and accounts for it. The set is
// left last, so that when Stop sees it empty, every report has been made
// and every slot given back.
func (s *Server) closeConn(c *serverConn, conn net.Conn, reason CloseReason) {
	conn.Close()
	active := s.active.Add(-1)
	if s.obs != nil {
		if reason == CloseNormal && c.forced.Load() {
			reason = CloseForced
		}
		s.obs.ConnClosed(reason, time.Since(c.start), int(active))
	}
	s.release()
	s.conns.remove(c)
}

// drain waits for the handlers to return until ctx is done or the stop
// timeout runs out, then closes the connections left and waits a little
// for their handlers.
func (s *Server) drain(ctx context.Context) error {
	idle := s.conns.drain()
	select {
	case <-idle:
		return nil
	default:
	}
	grace := time.NewTimer(s.cfg.stopTimeout)
	defer grace.Stop()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	case <-grace.C:
	}

	n := s.conns.closeAll()
	if n == 0 {
		return nil
	}
	s.log.Warn("remote: stop timed out; closing connections", "count", n)
	wait := time.NewTimer(forcedCloseWait)
	defer wait.Stop()
	select {
	case <-idle:
	case <-wait.C:
		s.log.Error("remote: handlers still running after their connections were closed", "count", s.conns.len())
	}
	return fmt.Errorf("%w: closed %d", ErrStopTimeout, n)
}

// addrString is a.String(), also for the nil address some net.Conn
// implementations give.
func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
