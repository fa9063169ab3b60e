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
	done   chan struct{} // closed at completion; nil for a Reply made by NewReply
	state  atomic.Bool   // completed
	timer  atomic.Pointer[time.Timer]
	onDone atomic.Pointer[func()] // run once at completion (Reply.OnDone)
	then   func(v any, err error) // where the answer goes instead of done (NewReply)
	stats  *requestStats          // counts how it ended; nil for a Reply made by NewReply
	value  any
	err    error
}

func newFuture() *Future { return &Future{done: make(chan struct{})} }

// requestStats counts the requests made with System.Request and
// RequestFuture, by how they ended: read by Snapshot, for metrics.
type requestStats struct {
	total, timeouts, noReplies atomic.Uint64
}

func (r *requestStats) ended(err error) {
	r.total.Add(1)
	switch {
	case err == nil:
	case errors.Is(err, context.DeadlineExceeded): // ErrTimeout is one too
		r.timeouts.Add(1)
	case errors.Is(err, ErrNoReply):
		r.noReplies.Add(1)
	}
}

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
	if !f.claim() {
		return false
	}
	f.finish(v, err)
	return true
}

// claim makes the caller the one completion of f, if none has been made.
// The result is set by finish, after it: until then a loser of the claim
// must wait for done, not read value and err.
func (f *Future) claim() bool { return f.state.CompareAndSwap(false, true) }

// finish sets the result of a claimed future and runs what waits for it.
func (f *Future) finish(v any, err error) {
	f.value, f.err = v, err
	if f.stats != nil {
		f.stats.ended(err)
	}
	if f.then != nil {
		f.then(v, err)
	} else {
		close(f.done)
	}
	if t := f.timer.Load(); t != nil {
		t.Stop()
	}
	// Load first: a Swap is a locked instruction, and most futures never
	// get an OnDone. OnDone stores before it reads state, and state was set
	// before this load, so one of the two sees the other.
	if f.onDone.Load() != nil {
		if fn := f.onDone.Swap(nil); fn != nil {
			(*fn)()
		}
	}
}

// Reply is the answering end of a request, for a Transport: the request's
// caller waits on its Future, and whoever holds the Reply completes it. The
// zero Reply stands for a plain send, which awaits no answer.
type Reply struct{ f *Future }

// NewReply returns a Reply whose answer is handed to then, once, instead of
// to a waiting caller: a Transport makes one for a request that arrived from
// another node, and sends the answer back from then. then runs on the
// goroutine that answers, often the target actor's, so it must not block.
func NewReply(then func(v any, err error)) Reply {
	if then == nil {
		return Reply{}
	}
	return Reply{f: &Future{then: then}}
}

// IsZero reports whether r awaits no answer.
func (r Reply) IsZero() bool { return r.f == nil }

// Complete answers the request with v, or fails it with err. Only the first
// completion counts, whoever makes it (the answer, a timeout, the caller's
// context); Complete reports whether this one did.
func (r Reply) Complete(v any, err error) bool {
	if r.f == nil {
		return false
	}
	return r.f.complete(v, err)
}

// OnDone makes fn run once the request is complete, by whatever means: at
// once if it already is. A Transport uses it to forget a request whose
// caller stopped waiting (its context ended, its timeout passed).
func (r Reply) OnDone(fn func()) {
	if r.f == nil || fn == nil {
		return
	}
	r.f.onDone.Store(&fn)
	// complete sets state before it takes onDone: if it ran before the
	// store, it did not see fn, and state tells us to run it here. The
	// swap and the CAS let only one of us run it.
	if r.f.state.Load() && r.f.onDone.CompareAndSwap(&fn, nil) {
		fn()
	}
}

// Request sends msg to pid and waits for the answer the actor gives with
// Context.Respond, until ctx is done. If the actor stops, fails or drops the
// request first, the error wraps ErrNoReply.
func (s *System) Request(ctx context.Context, pid PID, msg any) (any, error) {
	if ctx == nil {
		return nil, ErrNilContext
	}
	f := newFuture()
	f.stats = &s.requests
	if err := s.send(ctx, true, pid, msg, nil, f); err != nil {
		f.complete(nil, err) // a Transport may hold it: let it forget
		return nil, err
	}
	select {
	case <-f.done:
	case <-ctx.Done():
		if f.complete(nil, ctx.Err()) {
			return nil, ctx.Err()
		}
		// The answer won the race: it is being written; done closes after.
		<-f.done
	}
	return f.value, f.err
}

// RequestFuture sends msg to pid and returns at once with a future for the
// answer, which completes with ErrTimeout if none comes within timeout. It
// never waits for room in the mailbox: a send that fails (mailbox.ErrFull,
// ErrNotFound, ...) completes the future with its error.
func (s *System) RequestFuture(pid PID, msg any, timeout time.Duration) *Future {
	f := newFuture()
	f.stats = &s.requests
	if timeout <= 0 {
		f.complete(nil, ErrTimeout)
		return f
	}
	f.timer.Store(time.AfterFunc(timeout, func() { f.complete(nil, ErrTimeout) }))
	if err := s.send(context.Background(), false, pid, msg, nil, f); err != nil {
		f.complete(nil, err)
	}
	return f
}
