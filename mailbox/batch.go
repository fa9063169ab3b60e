package mailbox

import "context"

// The batch consumer: what a single consumer that takes items in batches
// uses, as the actor runtime does. A drained batch keeps its slots until its
// items are begun, so the bound counts what the consumer holds.

// Drain removes every item in one step and returns them in order, with the
// sequence number of the first item taken (see Mark). It never waits. A consumer that handles items in batches
// takes the lock once per batch instead of once per item.
//
// The items taken keep their slots until the consumer says it has begun to
// handle them (Taken), or comes back for more (the next Drain, Get, TryGet
// or Wait, or Release): Put counts them against the capacity, so a consumer
// that handles a batch while producers refill the queue never has more than
// Cap items waiting, in its hand and in the queue together.
//
// The returned slice belongs to the queue: it is valid until the next Drain
// or Wait, and is meant for a single consumer. The queue keeps it between
// batches and gives it back with the rest of its storage when the consumer
// sleeps.
func (q *Queue[T]) Drain() ([]T, uint64) {
	// The consumer is done with the previous batch, which becomes the
	// producers' buffer. Its stale items are not cleared here: producers
	// overwrite them, and park clears what is left when the consumer sleeps,
	// so each slot's cache line moves between cores once per item, not twice.
	spent := q.out
	q.out = nil
	q.mu.Lock()
	defer q.mu.Unlock()
	first := q.seq
	n := q.count
	// The last batch's slots are free now: that is the only room a Drain
	// makes, since what it takes keeps its slots.
	q.unhold()
	if n == 0 {
		q.hint.Store(false)
		q.out = spent[:0]
		return q.out, first
	}
	// Take everything by swapping buffers: constant time under the lock.
	out := q.in[q.head:]
	q.out = q.in // keep the whole buffer, head included, for reuse
	q.in, q.head = spent[:0], 0
	q.count = 0
	q.took(n)
	q.hint.Store(false)
	q.seq += uint64(n)
	return out, first
}

// Wait blocks until the queue has an item, Wake is called, or ctx is done, for
// a single consumer that uses Drain or TryGet. It returns nil when the caller
// should look again, ErrClosed once the queue is closed and empty, or
// ctx.Err().
func (q *Queue[T]) Wait(ctx context.Context) error {
	if ctx == nil {
		return errNilContext
	}
	spun := false // one spin, then sleep
	q.mu.Lock()
	q.unhold()
	for {
		if q.count > 0 || q.woken {
			q.woken = false
			q.mu.Unlock()
			return nil
		}
		if q.closed {
			q.passToken()
			q.mu.Unlock()
			return ErrClosed
		}
		if !spun && q.waiters == 0 {
			// Spin only as the first consumer to wait: with others
			// parked, a token would go to them, and spinning beside
			// them only burns a processor.
			spun = true
			q.spin()
			continue
		}
		if err := q.park(ctx); err != nil {
			return err
		}
	}
}

// Wake makes the current or the next Wait return, so that a consumer that
// also watches another source of work (an actor's system messages) needs
// only one place to sleep.
func (q *Queue[T]) Wake() {
	q.mu.Lock()
	q.woken = true
	q.hint.Store(true)
	q.passToken()
	q.mu.Unlock()
}

// Pending reports, without taking the lock, whether items may have arrived
// since the last Drain emptied the queue. It is a hint for a consumer
// deciding whether to go idle, and can be stale: confirm with Len.
func (q *Queue[T]) Pending() bool { return q.hint.Load() }

// Release gives back the storage of an empty queue, for a consumer that goes
// idle without waiting in Wait. The batch Drain returned last is invalid
// afterwards.
func (q *Queue[T]) Release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.unhold()
	if q.count == 0 {
		q.in, q.head = nil, 0
	}
	q.out = nil
}

// Storage returns how many slots the queue holds, queued or not: its own
// buffer and the batch buffer Drain hands out.
func (q *Queue[T]) Storage() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return cap(q.in) + cap(q.out)
}

// Mark returns the sequence number that the next item put will carry. Items
// are numbered from 0 in the order they enter the queue; an item dropped by
// DropOldest keeps its number unused. A consumer that sees sequence numbers
// at or past a mark knows that every item queued before the mark has left.
func (q *Queue[T]) Mark() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.seq + uint64(q.count)
}

// Held returns how many items of the last Drain's batch the consumer has
// not yet begun to handle (see Taken): they count against the capacity until
// then, or until the consumer comes back for more.
func (q *Queue[T]) Held() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.held - int(q.taken.Load())
}

// Waiting returns Len plus Held, under one lock: every item that counts
// against the capacity.
func (q *Queue[T]) Waiting() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.count + q.held - int(q.taken.Load())
}

// took records a batch of n items handed to the consumer. Its first item is
// the one the consumer handles next, so it waits no longer and its slot is
// free at once; the others are held. The caller holds mu.
func (q *Queue[T]) took(n int) {
	q.batch, q.held = n, n-1
	q.wakeProducers() // for the first item's slot
}

// hasRoom reports whether one more item fits. The caller holds mu. The
// consumer's Taken count is read only when the queue looks full, so that
// producers do not share its cache line on every Put.
func (q *Queue[T]) hasRoom() bool {
	used := q.count + q.held
	return used < q.capacity || used-int(q.taken.Load()) < q.capacity
}

// Taken tells the queue that the consumer has begun to handle the first n
// items of the batch the last Drain returned: they no longer wait, and their
// slots are free for producers. A consumer that handles a batch one item at
// a time calls it before each, so that what it holds back never counts
// against the capacity twice. The first item counts as begun as soon as
// Drain returns it.
//
// Publishing the count to producers costs an atomic store, which would
// stall the consumer on every item; so Taken publishes it every
// publishEvery items, half-way through the batch, at its last item, and at
// every item once a producer has been refused room or had an item dropped.
// Until then producers may see up to publishEvery-1 fewer free slots than
// there are, never more: the bound holds. Producers parked in a Block Put
// are woken half-way through the batch, and when the consumer comes back for
// more: waking them for every slot would cost more than the slot.
func (q *Queue[T]) Taken(n int) {
	// The test is small enough to be inlined into the consumer's loop.
	if n >= 2 && (n%publishEvery == 0 || n == q.batch/2 || n == q.batch || q.pressed.Load()) {
		q.publishTaken(n)
	}
}

// publishTaken makes Taken's count visible to producers, and wakes those
// parked in Put half-way through the batch.
func (q *Queue[T]) publishTaken(n int) {
	q.taken.Store(int64(n - 1))
	if n == q.batch/2 && q.blocked.Load() {
		q.mu.Lock()
		q.wakeProducers()
		q.mu.Unlock()
	}
}

// publishEvery is how often, in items, Taken publishes its count when no
// producer is pressing.
const publishEvery = 16

// unhold gives back the slots of the consumer's last batch, which it is done
// with once it comes back for more, and wakes the producers parked in Put.
// The caller holds mu.
func (q *Queue[T]) unhold() {
	if q.held == 0 {
		return
	}
	q.held = 0
	q.taken.Store(0)
	if q.pressed.Load() {
		q.pressed.Store(false)
	}
	q.wakeProducers()
}
