package mailbox

import (
	"context"
	"runtime"
	"time"

	"github.com/troupe-go/troupe/internal/tune"
)

// Waiting: consumers that spin a little and then sleep for a token, and
// producers that wait for room.

// wakeProducers wakes every Put parked for room, after the consumer has
// published room. The flag is read after that publication and set by a
// parking Put before it looks at the room a last time, so one of the two
// sees the other.
func (q *Queue[T]) wakeProducers() {
	if !q.blocked.Load() {
		return
	}
	q.mu.Lock()
	if q.room != nil {
		close(q.room)
		q.room = nil
		q.blocked.Store(false)
	}
	q.mu.Unlock()
}

// wakeConsumer wakes one parked consumer, if there is one. The count is
// read after the caller's item, Wake or Close is published, and a parking
// consumer counts itself before it looks a last time: one sees the other.
func (q *Queue[T]) wakeConsumer() {
	if q.waiters.Load() > 0 {
		q.passToken()
	}
}

// passToken wakes one parked consumer, if the token is not already waiting.
// ready is made before waiters first counts a consumer, and read after, or
// under mu.
func (q *Queue[T]) passToken() {
	if q.ready == nil {
		return
	}
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pending reports whether a consumer may find something: an item, a Wake
// (when woken counts) or a close. It needs no lock.
func (q *Queue[T]) pending(woken bool) bool {
	return q.written() || q.closed.Load() || woken && q.woken.Load()
}

// spin releases cmu and yields the processor until there may be something to
// look at, at most tune.SpinYields times, then takes cmu again. Producers
// never touch cmu, so they go on meanwhile.
func (q *Queue[T]) spin(woken bool) {
	q.cmu.Unlock()
	for i := 0; i < tune.SpinYields && !q.pending(woken); i++ {
		runtime.Gosched()
	}
	q.cmu.Lock()
}

// park sleeps until a token or ctx, with cmu released, and takes cmu again,
// except when ctx ends the wait: then it returns ctx.Err() without cmu. A
// consumer that holds more than shrinkAbove slots and sleeps for
// tune.IdleRelease gives them back; a busy one that parks briefly keeps
// them. woken says whether a Wake ends the wait.
func (q *Queue[T]) park(ctx context.Context, woken bool) error {
	if q.ready == nil {
		q.mu.Lock() // Close and Wake read it under mu
		q.ready = make(chan struct{}, 1)
		q.mu.Unlock()
	}
	ready := q.ready
	q.waiters.Add(1)
	// A put that came before the count did not see it: look once more.
	if q.pending(woken) {
		q.waiters.Add(-1)
		return nil
	}
	var idle <-chan time.Time
	if q.storage() > shrinkAbove {
		t := time.NewTimer(tune.IdleRelease)
		defer t.Stop()
		idle = t.C
	} else {
		// Let go of items the consumer is done with.
		q.release(false)
	}
	q.cmu.Unlock()
	for {
		select {
		case <-ready:
			q.cmu.Lock()
			q.waiters.Add(-1)
			return nil
		case <-ctx.Done():
			q.waiters.Add(-1)
			// A token sent for us may now be in the channel; it wakes the
			// next consumer, who looks again and finds what we leave.
			return ctx.Err()
		case <-idle:
			idle = nil
			q.cmu.Lock()
			q.release(true)
			q.cmu.Unlock()
		}
	}
}

// release clears the storage of an empty queue: it drops it when drop is
// true, and otherwise only the references its slots keep to items gone.
// It does nothing while items are queued. The caller holds cmu.
func (q *Queue[T]) release(drop bool) {
	clear(q.out[:cap(q.out)])
	if drop {
		q.out = nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	r := q.ring.Load()
	if r == nil {
		return
	}
	t := r.tail.Load()
	if t&^sealed != q.head.Load() {
		return // items are queued
	}
	if t&sealed == 0 && !r.tail.CompareAndSwap(t, t|sealed) {
		return // an item came
	}
	// Sealed and empty: no producer writes r until we unseal it.
	if drop {
		q.end.Store(t &^ sealed)
		q.ring.Store(nil)
		q.fresh.Store(nil)
		q.cring.Store(nil)
		return
	}
	r.clearSlots()
	q.setReader(r) // what came before it is spent
	if !q.closed.Load() {
		r.tail.Store(t)
	}
}
