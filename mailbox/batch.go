package mailbox

import "context"

// The batch consumer: what a single consumer that takes items in batches
// uses, as the actor runtime does. A drained batch keeps its slots until its
// items are begun, so the bound counts what the consumer holds.

// Drain removes every item in one step and returns them in order, with the
// sequence number of the first item taken (see Mark). It does not wait for
// items, only, for a moment, for the producer of the first item to finish
// writing it; items behind one still being written are left for the next
// Drain. A consumer that handles items in batches takes its
// lock once per batch instead of once per item.
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
	q.cmu.Lock()
	defer q.cmu.Unlock()
	first := q.head.Load()
	// The last batch's slots are free now: that is the only room a Drain
	// makes, since what it takes keeps its slots.
	spent := q.batch - q.begun
	q.batch, q.begun = 0, 0
	// Once the queue is closed every item reserved is awaited, for nothing
	// put may stay behind unseen. Until then the batch ends before an item
	// still being written: its producer wakes the consumer when done, and
	// waiting for it would stall on the last item of every burst.
	closed := q.closed.Load()
	r := q.cring.Load()
	if r == nil {
		r = q.fresh.Load()
	}
	r, ok := peek(r, first)
	if !ok && (!closed || first == q.tail()) {
		if q.hint.Load() {
			q.hint.Store(false)
		}
		q.out = q.out[:0]
		q.publish(spent)
		return q.out, first
	}
	if cap(q.out) < len(r.slots) {
		q.out = make([]T, 0, min(uint64(len(r.slots)), q.capacity))
	}
	out := q.out[:0]
	pos := first
	for ok {
		q.setReader(r)
		// The ring's slots are not cleared: producers overwrite them, and
		// release clears what is left when the consumer sleeps, so each
		// slot's cache line moves between cores once per item, not twice.
		for {
			s := &r.slots[pos&r.mask]
			if s.seq.Load() != pos+1 {
				break
			}
			out = append(out, s.v)
			pos++
		}
		r, ok = peek(r, pos)
	}
	if closed {
		for t := q.tail(); pos < t; pos++ {
			out = append(out, q.reader(pos).await(pos).v)
		}
	}
	q.out = out
	q.batch = pos - first
	q.head.Store(pos)
	// The first item is the one the consumer handles next: it waits no
	// longer, and its slot is free at once.
	q.begun = 1
	q.publish(spent + 1)
	return out, first
}

// publish gives back n more slots to producers, and wakes those parked in
// Put. It also ends a producer's pressure: the batch it pressed is over.
// The caller holds cmu.
func (q *Queue[T]) publish(n uint64) {
	if q.pressed.Load() {
		q.pressed.Store(false)
	}
	if n > 0 {
		q.freed.Add(n)
		q.wakeProducers()
	}
}

// settle gives back the slots of the consumer's last batch, which it is done
// with once it comes back for more. The caller holds cmu.
func (q *Queue[T]) settle() {
	if q.batch == 0 {
		return
	}
	spent := q.batch - q.begun
	q.batch, q.begun = 0, 0
	q.publish(spent)
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
	q.cmu.Lock()
	q.settle()
	for {
		if q.written() || q.woken.Load() {
			q.woken.Store(false)
			q.cmu.Unlock()
			return nil
		}
		if q.closed.Load() {
			q.cmu.Unlock()
			if q.head.Load() != q.tail() {
				return nil // items still being written: Drain awaits them
			}
			q.wakeConsumer()
			return ErrClosed
		}
		if !spun && q.waiters.Load() == 0 {
			// Spin only as the first consumer to wait: with others
			// parked, a token would go to them, and spinning beside
			// them only burns a processor.
			spun = true
			q.spin(true)
			continue
		}
		if err := q.park(ctx, true); err != nil {
			return err
		}
	}
}

// Wake makes the current or the next Wait return, so that a consumer that
// also watches another source of work (an actor's system messages) needs
// only one place to sleep.
func (q *Queue[T]) Wake() {
	q.woken.Store(true)
	q.hint.Store(true)
	q.wakeConsumer()
}

// Pending reports, without taking a lock, whether items are queued, or Wake
// or Close was called since the last Drain that found nothing. It is a hint
// for a consumer deciding whether to go idle, and can be stale by the time
// it returns.
func (q *Queue[T]) Pending() bool { return q.written() || q.hint.Load() }

// Release gives back the storage of an empty queue, for a consumer that goes
// idle without waiting in Wait. The batch Drain returned last is invalid
// afterwards.
func (q *Queue[T]) Release() {
	q.cmu.Lock()
	defer q.cmu.Unlock()
	q.settle()
	q.release(true)
}

// Storage returns how many slots the queue holds, queued or not: its rings
// and the batch buffer Drain hands out.
func (q *Queue[T]) Storage() int {
	q.cmu.Lock()
	defer q.cmu.Unlock()
	return q.storage()
}

// storage is Storage for a caller that holds cmu. Rings between the
// consumer's and the producers' are counted too: they hold items.
func (q *Queue[T]) storage() int {
	n := cap(q.out)
	r := q.cring.Load()
	if r == nil {
		r = q.fresh.Load()
	}
	last := q.ring.Load()
	for ; r != nil; r = r.next.Load() {
		n += len(r.slots)
		if r == last {
			return n
		}
	}
	if last != nil {
		n += len(last.slots)
	}
	return n
}

// Mark returns the sequence number that the next item put will carry. Items
// are numbered from 0 in the order they enter the queue; an item dropped by
// DropOldest keeps its number unused. A consumer that sees sequence numbers
// at or past a mark knows that every item queued before the mark has left.
func (q *Queue[T]) Mark() uint64 { return q.tail() }

// Held returns how many items of the last Drain's batch the consumer has
// not yet begun to handle (see Taken): they count against the capacity until
// then, or until the consumer comes back for more.
func (q *Queue[T]) Held() int {
	f := q.freed.Load()
	return int(q.head.Load() - f)
}

// Waiting returns Len plus Held: every item that counts against the
// capacity.
func (q *Queue[T]) Waiting() int {
	f := q.freed.Load()
	return int(q.tail() - f)
}

// Taken tells the queue that the consumer has begun to handle the first n
// items of the batch the last Drain returned: they no longer wait, and their
// slots are free for producers. A consumer that handles a batch one item at
// a time calls it before each, so that what it holds back never counts
// against the capacity twice. The first item counts as begun as soon as
// Drain returns it.
//
// Publishing the count to producers costs an atomic add, which would
// stall the consumer on every item; so Taken publishes it every
// publishEvery items, half-way through the batch, at its last item, and at
// every item once a producer has been refused room or had an item dropped.
// Until then producers may see up to publishEvery-1 fewer free slots than
// there are, never more: the bound holds. Producers parked in a Block Put
// are woken half-way through the batch, and when the consumer comes back for
// more: waking them for every slot would cost more than the slot.
func (q *Queue[T]) Taken(n int) {
	// The test is small enough to be inlined into the consumer's loop.
	if n >= 2 && (n%publishEvery == 0 || uint64(n) == q.batch/2 || uint64(n) == q.batch || q.pressed.Load()) {
		q.publishTaken(uint64(n))
	}
}

// publishTaken makes Taken's count visible to producers, and wakes those
// parked in Put half-way through the batch.
func (q *Queue[T]) publishTaken(n uint64) {
	if n <= q.begun || n > q.batch {
		return
	}
	q.freed.Add(n - q.begun)
	q.begun = n
	if n == q.batch/2 {
		q.wakeProducers()
	}
}

// publishEvery is how often, in items, Taken publishes its count when no
// producer is pressing.
const publishEvery = 16
