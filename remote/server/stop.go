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
	return s.stop(ctx, false)
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
	return s.stop(context.Background(), true)
}

// stop is Stop, or Close when now is set. The first call on a running
// server runs the shutdown and the others wait for it to end; if it ended
// without stopping the server (it panicked), the next one runs it again.
func (s *Server) stop(ctx context.Context, now bool) error {
	reports := false // this call is the Close that cut the grace period
	for {
		s.mu.Lock()
		if now && !s.closing {
			s.closing, reports = true, true
			close(s.closeNow)
		}
		switch s.state {
		case stateNew:
			s.closeUnstartedLocked()
			s.mu.Unlock()
			return nil
		case stateClosed:
			stuck := s.stuck
			s.mu.Unlock()
			if reports && stuck > 0 {
				return stuckError(stuck)
			}
			return nil
		case stateRunning:
			s.state = stateStopping
			close(s.quit)
		}
		running := s.stopping
		if running == nil {
			s.stopping = make(chan struct{})
			s.mu.Unlock()
			forced, stuck := s.shutdown(ctx)
			switch {
			case now && stuck > 0:
				return stuckError(stuck)
			case !now && forced > 0:
				return fmt.Errorf("%w: %d handlers were still running", ErrStopTimeout, forced)
			}
			return nil
		}
		s.mu.Unlock()
		select {
		case <-running:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// stuckError reports handlers that outlived their closed connections.
func stuckError(n int) error {
	return fmt.Errorf("%w: %d handlers still running after their connections were closed", ErrStopTimeout, n)
}

// StopOn makes the server stop (as by Stop with the default timeout) when
// ev is set, by any goroutine, at any time. An event set before Start makes
// Start return ErrClosed. StopOn on a stopped server does nothing;
// it panics if ev is nil.
func (s *Server) StopOn(ev *Event) {
	if ev == nil {
		panic("server: StopOn with a nil event")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateNew:
		s.events = append(s.events, ev)
	case stateRunning:
		s.watchLocked(ev)
	}
}

// closeUnstartedLocked stops a server that never ran. s.mu is held.
func (s *Server) closeUnstartedLocked() {
	s.state = stateClosed
	s.events = nil
	close(s.quit)
	s.serveErr = ErrClosed
	close(s.done)
	if s.ln != nil {
		s.ln.Close()
	}
}

// watchLocked starts the goroutine that stops the server when ev is set.
// s.mu is held and the server is running.
func (s *Server) watchLocked(ev *Event) {
	s.watchers.Add(1)
	go func() {
		select {
		case <-ev.Done():
			// Leave the group first: Stop waits for the watchers. The
			// goroutine ends when Stop returns; Stop logs its own outcome.
			s.watchers.Done()
			_ = s.Stop(context.Background())
		case <-s.quit:
			s.watchers.Done()
		}
	}()
}

// shutdown is the body of the first Stop or Close on a running server. It
// returns how many connections it closed under running handlers, and how
// many of those handlers were still running forcedCloseWait later. Every
// step may be run twice, so if one panics the deferred cleanup leaves the
// server stopping, with no shutdown running, for the next call to finish.
func (s *Server) shutdown(ctx context.Context) (forced, stuck int) {
	finished := false
	defer func() {
		s.mu.Lock()
		if finished {
			s.state = stateClosed
			s.stuck = stuck
			if s.serveErr == nil {
				s.serveErr = ErrClosed
			}
			close(s.done)
		}
		close(s.stopping)
		s.stopping = nil
		s.mu.Unlock()
	}()
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	ln.Close()
	<-s.loopDone
	s.cancel(ErrClosed)
	forced, stuck = s.drain(ctx)
	s.watchers.Wait()
	finished = true
	s.log.Info("server: stopped", "addr", ln.Addr().String())
	return forced, stuck
}

// drain waits for the handlers to return until ctx is done, the stop
// timeout runs out or Close is called, then closes the connections left
// and waits a little for their handlers. It returns how many connections
// it closed and how many handlers were still running after the wait.
func (s *Server) drain(ctx context.Context) (forced, stuck int) {
	idle := s.conns.drain()
	select {
	case <-idle:
		return 0, 0
	default:
	}
	grace := time.NewTimer(s.cfg.stopTimeout)
	defer grace.Stop()
	select {
	case <-idle:
		return 0, 0
	case <-ctx.Done():
	case <-grace.C:
	case <-s.closeNow:
	}

	forced = s.conns.closeAll()
	if forced == 0 {
		return 0, 0
	}
	select {
	case <-s.closeNow:
		s.log.Info("server: closing connections", "count", forced)
	default:
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
