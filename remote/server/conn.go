package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/internal/netx"
)

// serverConn is one accepted connection while its handler runs.
type serverConn struct {
	raw    net.Conn
	start  time.Time   // accept time; only kept for an observer
	forced atomic.Bool // closed by Stop under a running handler
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
			s.log.Error("server: handler panicked; connection closed",
				"remote", netx.AddrString(c.raw.RemoteAddr()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
		s.closeConn(c, conn, reason)
	}()
	if s.tls != nil {
		tc, err := s.handshake(ctx, c.raw)
		if err != nil {
			reason = CloseHandshake
			s.log.Debug("server: TLS handshake failed", "remote", netx.AddrString(c.raw.RemoteAddr()), "err", err)
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
