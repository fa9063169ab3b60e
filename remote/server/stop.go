package server

import (
	"context"
	"fmt"
	"time"
)

// forcedCloseWait is how long Stop and Close wait, after closing the
// connections of running handlers, for those handlers to return. gevent
// waits as long after killing its greenlets.
const forcedCloseWait = time.Second

// Stop stops the server gracefully: it stops accepting, closes the
// listener, cancels the handlers' context, and waits for the handlers to
// return until ctx is done or the stop timeout (WithStopTimeout) runs out.
// Then it closes the connections still open and waits up to one more second
// for their handlers to return (Go cannot kill a goroutine: a handler
// that ignores both its context and its closed connection is logged and
// left running). Close is the immediate stop beside it.
//
// Stop returns nil when every handler returned in time, and an error
// wrapping ErrStopTimeout when connections had to be closed. Stop is
// idempotent: later and concurrent calls wait for the first to finish (or
// for their own ctx) and return nil. Stop before Start is harmless and
// leaves the server stopped; a stopped server cannot be started again.
// Stop with a nil ctx returns ErrNilContext and changes nothing. If a Stop
// fails half-way (say the Close method of a listener given to
// NewListener panics), the next Stop or Close finishes the job.
//
// Stop waits for every handler, so a handler that wants to stop its own
// server must not call Stop or Close itself: it sets an Event given to
// StopOn, or calls Stop in a new goroutine.
func (s *Server) Stop(ctx context.Context) error {
	if ctx == nil {
		return ErrNilContext
	}
	return s.life.Stop(ctx, s.cfg.stopTimeout, s.shutdown)
}

// Close stops the server at once, as net/http's Server.Close does beside
// Shutdown: it stops accepting, closes the listener, cancels the handlers'
// context and closes every connection with no grace period, then waits for
// the accept loop and the handlers to return. It returns nil, or an error
// wrapping ErrStopTimeout if some handler, ignoring its context and its
// closed connection, was still running a second later; that handler is
// logged and left running, as by Stop.
//
// Close is idempotent, and safe at the same time as Stop: while a Stop
// waits out its grace period, Close ends that period, and both return once
// the server has stopped. Close before Start leaves the server stopped.
// After Close, Serve returns ErrClosed.
func (s *Server) Close() error {
	first, _ := s.life.Close(s.shutdown)
	s.mu.Lock()
	stuck := s.stuck
	s.mu.Unlock()
	if first && stuck > 0 {
		return stuckError(stuck)
	}
	return nil
}

// stuckError reports handlers that outlived their closed connections.
func stuckError(n int) error {
	return fmt.Errorf("%w: %d handlers still running after their connections were closed", ErrStopTimeout, n)
}

// StopOn makes the server stop (as by Stop with the default timeout) when
// ev is set, by any goroutine, at any time. An event set before Start makes
// Start return ErrClosed. A goroutine waits for ev until the server stops,
// so a server given StopOn is meant to be stopped or started. StopOn on a
// stopped server does nothing; it panics if ev is nil.
func (s *Server) StopOn(ev *Event) {
	if ev == nil {
		panic("server: StopOn with a nil event")
	}
	s.life.StopOn(ev.Done(), func() { _ = s.Stop(context.Background()) })
}

// shutdown is the body of the stop that the lifecycle runs once (again if
// a step panicked, so every step may be run twice). On a running server it
// closes the listener, cancels the handlers and drains them; it returns an
// error wrapping ErrStopTimeout if connections had to be closed under
// running handlers.
func (s *Server) shutdown() error {
	s.mu.Lock()
	started, ln := s.started, s.ln
	s.mu.Unlock()
	if !started {
		if ln != nil {
			ln.Close()
		}
		s.finish(0)
		return nil
	}
	ln.Close()
	<-s.loopDone
	s.cancel(ErrClosed)
	forced, stuck := s.drain()
	s.finish(stuck)
	s.log.Info("server: stopped", "addr", ln.Addr().String())
	if forced > 0 {
		return fmt.Errorf("%w: %d handlers were still running", ErrStopTimeout, forced)
	}
	return nil
}

// finish records the end of a shutdown for Serve and Close.
func (s *Server) finish(stuck int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stuck = stuck
	if s.serveErr == nil {
		s.serveErr = ErrClosed
	}
}

// drain waits for the handlers to return until the lifecycle forces the
// stop (Stop's ctx, the stop timeout or Close), then closes the connections left
// and waits a little for their handlers. It returns how many connections
// it closed and how many handlers were still running after the wait.
func (s *Server) drain() (forced, stuck int) {
	idle := s.conns.drain()
	select {
	case <-idle:
		return 0, 0
	case <-s.life.Forced():
	}

	forced = s.conns.closeAll()
	if forced == 0 {
		return 0, 0
	}
	if s.life.Closed() {
		s.log.Info("server: closing connections", "count", forced)
	} else {
		s.log.Warn("server: stop timed out; closing connections", "count", forced)
	}
	wait := time.NewTimer(forcedCloseWait)
	defer wait.Stop()
	select {
	case <-idle:
		return forced, 0
	case <-wait.C:
	}
	stuck = s.conns.len()
	s.log.Error("server: handlers still running after their connections were closed", "count", stuck)
	return forced, stuck
}
