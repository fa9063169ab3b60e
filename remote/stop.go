package remote

import (
	"context"
	"fmt"
	"time"
)

// forcedCloseWait is how long Stop waits, after closing the connections of
// handlers that outlived the grace period, for those handlers to return.
// gevent waits as long after killing its greenlets.
const forcedCloseWait = time.Second

// Stop stops the server gracefully: it stops accepting, closes the
// listener, cancels the handlers' context, and waits for the handlers to
// return until ctx is done or the stop timeout (WithStopTimeout) runs out.
// Then it closes the connections still open and waits up to one more second
// for their handlers to return (Go cannot kill a goroutine: a handler
// that ignores both its context and its closed connection is logged and
// left running).
//
// Stop returns nil when every handler returned in time, and an error
// wrapping ErrStopTimeout when connections had to be closed. Stop is
// idempotent: later and concurrent calls wait for the first to finish (or
// for their own ctx) and return nil. Stop before Start is harmless and
// leaves the server stopped; a stopped server cannot be started again.
//
// Stop waits for every handler, so a handler that wants to stop its own
// server must not call Stop itself: it sets an Event given to StopOn, or
// calls Stop in a new goroutine.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	switch s.state {
	case stateNew:
		s.closeUnstartedLocked()
		s.mu.Unlock()
		return nil
	case stateStopping, stateClosed:
		s.mu.Unlock()
		select {
		case <-s.done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.state = stateStopping
	close(s.quit)
	s.mu.Unlock()
	return s.shutdown(ctx)
}

// StopOn makes the server stop (as by Stop with the default timeout) when
// ev is set, by any goroutine, at any time. An event set before Start makes
// Start return ErrServerClosed. StopOn on a stopped server does nothing;
// it panics if ev is nil.
func (s *Server) StopOn(ev *Event) {
	if ev == nil {
		panic("remote: StopOn with a nil event")
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
	s.serveErr = ErrServerClosed
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

// shutdown is the body of the first Stop on a running server.
func (s *Server) shutdown(ctx context.Context) error {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	ln.Close()
	<-s.loopDone
	s.cancel(ErrServerClosed)
	err := s.drain(ctx)
	s.watchers.Wait()

	s.mu.Lock()
	s.state = stateClosed
	if s.serveErr == nil {
		s.serveErr = ErrServerClosed
	}
	s.mu.Unlock()
	close(s.done)
	s.log.Info("remote: server stopped", "addr", ln.Addr().String())
	return err
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
	return fmt.Errorf("%w: %d handlers were still running", ErrStopTimeout, n)
}
