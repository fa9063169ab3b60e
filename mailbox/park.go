package mailbox

import (
	"context"
	"runtime"
	"time"

	"github.com/troupe-go/troupe/internal/tune"
)

// Waiting: consumers that spin a little and then sleep for a token, and
// producers that wait for room.

// wakeProducers wakes every Put parked for room. The caller holds mu.
func (q *Queue[T]) wakeProducers() {
	if q.room != nil {
		close(q.room)
		q.room = nil
		q.blocked.Store(false)
	}
}

// passToken wakes one parked consumer, if the token is not already waiting.
func (q *Queue[T]) passToken() {
	if q.ready == nil {
		return
	}
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// spin releases mu and yields the processor until the hint says there may be
// something to look at, at most tune.SpinYields times, then takes mu again. It
// does not touch the lock while it waits, so the producers have it to
// themselves.
func (q *Queue[T]) spin() {
	q.hint.Store(false)
	q.mu.Unlock()
	for i := 0; i < tune.SpinYields && !q.hint.Load(); i++ {
		runtime.Gosched()
	}
	q.mu.Lock()
}

// park releases mu, sleeps until a token or ctx, and takes mu again, except
// when ctx ends the wait: then it returns ctx.Err() without mu. A consumer
// that holds more than shrinkAbove slots and sleeps for tune.IdleRelease gives
// them back; a busy one that parks briefly keeps them.
func (q *Queue[T]) park(ctx context.Context) error {
	if q.ready == nil {
		q.ready = make(chan struct{}, 1)
	}
	ready := q.ready
	q.waiters++
	var idle <-chan time.Time
	if cap(q.in) > shrinkAbove || cap(q.out) > shrinkAbove {
		t := time.NewTimer(tune.IdleRelease)
		defer t.Stop()
		idle = t.C
	} else {
		// Let go of items the consumer is done with and of stale ones
		// past the end of the producers' buffer.
		clear(q.out[:cap(q.out)])
		clear(q.in[len(q.in):cap(q.in)])
	}
	q.mu.Unlock()
	for {
		select {
		case <-ready:
			q.mu.Lock()
			q.waiters--
			return nil
		case <-ctx.Done():
			q.mu.Lock()
			q.waiters--
			// A token sent for us may now be in the channel; it wakes the next
			// consumer, who looks again and finds what we leave.
			q.mu.Unlock()
			return ctx.Err()
		case <-idle:
			idle = nil
			q.mu.Lock()
			if q.count == 0 {
				q.in, q.head = nil, 0
			}
			q.out = nil
			q.mu.Unlock()
		}
	}
}
