package server

import (
	"context"
	"errors"
	"net"
	"time"
)

// acceptLoop accepts connections until the server stops (it returns nil)
// or the listener fails for good (it returns the error). Temporary errors,
// such as running out of file descriptors, are retried after the backoff's
// pause, which grows with each error in a row and resets after a success.
func (s *Server) acceptLoop(ctx context.Context, ln net.Listener) error {
	fails := 0 // temporary errors in a row
	for {
		if !s.acquire() {
			return nil
		}
		conn, err := ln.Accept()
		if err != nil {
			s.release()
			select {
			case <-s.life.Quit():
				return nil // Stop closed the listener
			default:
			}
			if !isTemporary(err) {
				return err
			}
			fails++
			delay := s.backoff.Delay(fails)
			s.acceptRetry(err, delay)
			if !s.pause(delay) {
				return nil
			}
			continue
		}
		fails = 0
		s.spawn(ctx, conn)
	}
}

// acceptRetry reports a temporary accept error that will be retried.
// Retrying is the loop's decision; this only tells the operator.
func (s *Server) acceptRetry(err error, delay time.Duration) {
	s.log.Warn("server: accept error; retrying", "err", err, "delay", delay)
	if s.obs != nil {
		s.obs.AcceptError(err, delay)
	}
}

// pause waits d, or less if the server stops; it reports whether the loop
// should go on.
func (s *Server) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.life.Quit():
		return false
	}
}

// acquire takes a handler slot before accepting, so that while the pool is
// full connections stay in the kernel's backlog. It reports false if the
// server stopped while it waited.
func (s *Server) acquire() bool {
	if s.sem == nil {
		return true
	}
	select {
	case s.sem <- struct{}{}:
		return true
	default:
	}
	var since time.Time
	if s.obs != nil {
		s.obs.PoolFull(cap(s.sem))
		since = time.Now()
	}
	select {
	case s.sem <- struct{}{}:
		if s.obs != nil {
			s.obs.PoolResumed(time.Since(since))
		}
		return true
	case <-s.life.Quit():
		if s.obs != nil {
			s.obs.PoolResumed(time.Since(since)) // the pause is over: a gauge of it must say so
		}
		return false
	}
}

// release gives back a handler slot.
func (s *Server) release() {
	if s.sem != nil {
		<-s.sem
	}
}

// isTemporary reports whether an accept error is worth retrying. The
// standard library marks EMFILE, ENFILE, ECONNABORTED and the like so.
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}
