package actor

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// Future is the pending answer to a request. It is completed once: by the
// target's Context.Respond, by an error when the target cannot answer, or by
// ErrTimeout.
type Future struct {
	done  chan struct{}
	state atomic.Bool
	timer atomic.Pointer[time.Timer]
	value any
	err   error
}

func newFuture() *Future { return &Future{done: make(chan struct{})} }

// Done returns a channel closed when the future is complete.
func (f *Future) Done() <-chan struct{} { return f.done }

// Result waits for the future to complete and returns the answer or the
// error.
func (f *Future) Result() (any, error) {
	<-f.done
	return f.value, f.err
}

// complete sets the result once; it reports whether this call did.
func (f *Future) complete(v any, err error) bool {
	if !f.state.CompareAndSwap(false, true) {
		return false
	}
	f.value, f.err = v, err
	close(f.done)
	if t := f.timer.Load(); t != nil {
		t.Stop()
	}
	return true
}

// Request sends msg to pid and waits for the answer the actor gives with
// Context.Respond, until ctx is done. If the actor stops, fails or drops the
// request first, the error wraps ErrNoReply.
func (s *System) Request(ctx context.Context, pid PID, msg any) (any, error) {
	if ctx == nil {
		return nil, errors.New("actor: nil context")
	}
	f := newFuture()
	if err := s.send(ctx, pid, msg, PID{}, f); err != nil {
		return nil, err
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		if f.complete(nil, ctx.Err()) {
			return nil, ctx.Err()
		}
	}
	return f.value, f.err
}

// RequestFuture sends msg to pid and returns at once with a future for the
// answer, which completes with ErrTimeout if none comes within timeout. It
// never waits for room in the mailbox: a send that fails (mailbox.ErrFull,
// ErrNotFound, ...) completes the future with its error.
func (s *System) RequestFuture(pid PID, msg any, timeout time.Duration) *Future {
	f := newFuture()
	if timeout <= 0 {
		f.complete(nil, ErrTimeout)
		return f
	}
	f.timer.Store(time.AfterFunc(timeout, func() { f.complete(nil, ErrTimeout) }))
	if err := s.send(noWait, pid, msg, PID{}, f); err != nil {
		f.complete(nil, err)
	}
	return f
}
