package mailbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// shrinkAbove is the ring size above which a queue gives its storage back
// when its consumer goes to sleep on an empty queue: an idle queue then holds
// no more than this many slots, whatever its capacity.
const shrinkAbove = 64

// errNilContext is returned by the calls that wait when given a nil context.
var errNilContext = errors.New("mailbox: nil context")

// Queue is a bounded first-in first-out queue for any number of producers and
// consumers. It never holds more than Cap items. Its storage grows with what
// is queued, not with its capacity, and is given back when the queue drains
// and its consumer waits.
//
// The zero Queue is not usable; make one with New.
type Queue[T any] struct {
	mu       sync.Mutex
	ring     []T // grows by doubling up to capacity
	head     int // index in ring of the oldest item
	count    int
	capacity int
	overflow Overflow
	onDrop   func(T)
	closed   bool

	seq     uint64 // sequence number of the item at head: items removed so far
	dropped uint64

	waiters int           // consumers parked in Get or Wait
	woken   bool          // Wake was called and no Wait has returned since
	ready   chan struct{} // one token wakes one parked consumer; made on first park
	room    chan struct{} // closed to wake every parked Put; nil while none waits
}

// New returns an empty queue that holds at most capacity items. It panics if
// capacity is less than 1, if the overflow policy is unknown, or if the
// WithOnDrop callback takes another type than T: those are programming
// errors, like a negative size given to make.
func New[T any](capacity int, opts ...Option) *Queue[T] {
	if capacity < 1 {
		panic(fmt.Sprintf("mailbox: capacity %d is less than 1", capacity))
	}
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	if !o.overflow.valid() {
		panic(fmt.Sprintf("mailbox: unknown overflow policy %v", o.overflow))
	}
	q := &Queue[T]{capacity: capacity, overflow: o.overflow}
	if o.onDrop != nil {
		f, ok := o.onDrop.(func(T))
		if !ok {
			panic(fmt.Sprintf("mailbox: OnDrop callback is %T, want func(%T)", o.onDrop, *new(T)))
		}
		q.onDrop = f
	}
	return q
}

// Put adds v at the tail. When the queue is full, what happens depends on the
// overflow policy: Block waits for room until ctx is done (returning
// ctx.Err()), Reject returns ErrFull, DropNewest hands v to OnDrop and
// DropOldest hands the head item to OnDrop and queues v; both return nil.
// Put returns ErrClosed once the queue is closed.
func (q *Queue[T]) Put(ctx context.Context, v T) error {
	if ctx == nil {
		return errNilContext
	}
	return q.put(ctx, v)
}

// TryPut is Put that never waits: under Block it returns ErrFull at once when
// the queue is full. The other policies behave as in Put.
func (q *Queue[T]) TryPut(v T) error {
	return q.put(nil, v)
}

// put waits for room only when ctx is not nil.
func (q *Queue[T]) put(ctx context.Context, v T) error {
	q.mu.Lock()
	for {
		if q.closed {
			q.mu.Unlock()
			return ErrClosed
		}
		if q.count < q.capacity {
			q.push(v)
			q.mu.Unlock()
			return nil
		}
		switch q.overflow {
		case Reject:
			q.mu.Unlock()
			return ErrFull
		case DropNewest:
			q.dropped++
			q.mu.Unlock()
			q.drop(v)
			return nil
		case DropOldest:
			old := q.pop()
			q.dropped++
			q.push(v)
			q.mu.Unlock()
			q.drop(old)
			return nil
		}
		if ctx == nil {
			q.mu.Unlock()
			return ErrFull
		}
		if q.room == nil {
			q.room = make(chan struct{})
		}
		room := q.room
		q.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		}
		q.mu.Lock()
	}
}

// Get removes and returns the item at the head, waiting for one until ctx is
// done. Once the queue is closed and empty it returns ErrClosed.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if ctx == nil {
		return zero, errNilContext
	}
	q.mu.Lock()
	for {
		if q.count > 0 {
			v := q.pop()
			q.removed()
			q.mu.Unlock()
			return v, nil
		}
		if q.closed {
			q.passToken()
			q.mu.Unlock()
			return zero, ErrClosed
		}
		if err := q.park(ctx); err != nil {
			return zero, err
		}
	}
}

// TryGet removes and returns the item at the head, if there is one.
func (q *Queue[T]) TryGet() (T, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.count == 0 {
		var zero T
		return zero, false
	}
	v := q.pop()
	q.removed()
	return v, true
}

// Drain removes up to max items (all of them if max < 1) from the head in one
// step, appends them to buf in order and returns it, with the sequence number
// of the first item taken (see Mark). It never waits. A consumer that handles
// items in batches takes the lock once per batch instead of once per item.
func (q *Queue[T]) Drain(buf []T, max int) ([]T, uint64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	first := q.seq
	n := q.count
	if max > 0 && max < n {
		n = max
	}
	if n == 0 {
		return buf, first
	}
	var zero T
	for i := 0; i < n; i++ {
		buf = append(buf, q.ring[q.head])
		q.ring[q.head] = zero
		q.head++
		if q.head == len(q.ring) {
			q.head = 0
		}
	}
	q.count -= n
	q.seq += uint64(n)
	q.removed()
	return buf, first
}

// Wait blocks until the queue has an item, Wake is called, or ctx is done, for
// a single consumer that uses Drain or TryGet. It returns nil when the caller
// should look again, ErrClosed once the queue is closed and empty, or
// ctx.Err().
func (q *Queue[T]) Wait(ctx context.Context) error {
	if ctx == nil {
		return errNilContext
	}
	q.mu.Lock()
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
	q.passToken()
	q.mu.Unlock()
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

// Close stops the queue from taking new items and wakes every waiting Put,
// Get and Wait. Items already queued can still be taken. Close is idempotent.
func (q *Queue[T]) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed = true
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
	q.passToken()
}

// Len returns the number of items queued.
func (q *Queue[T]) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.count
}

// Cap returns the capacity given to New.
func (q *Queue[T]) Cap() int { return q.capacity }

// Dropped returns how many items the drop policies have removed so far.
func (q *Queue[T]) Dropped() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// Overflow returns the queue's overflow policy.
func (q *Queue[T]) Overflow() Overflow { return q.overflow }

// push adds v at the tail, growing the ring if needed, and wakes a parked
// consumer. The caller holds mu and has checked that count < capacity.
func (q *Queue[T]) push(v T) {
	if q.count == len(q.ring) {
		q.grow()
	}
	i := q.head + q.count
	if i >= len(q.ring) {
		i -= len(q.ring)
	}
	q.ring[i] = v
	q.count++
	if q.waiters > 0 {
		q.passToken()
	}
}

// pop removes the head item. The caller holds mu and has checked count > 0.
func (q *Queue[T]) pop() T {
	var zero T
	v := q.ring[q.head]
	q.ring[q.head] = zero
	q.head++
	if q.head == len(q.ring) {
		q.head = 0
	}
	q.count--
	q.seq++
	return v
}

// removed wakes the producers parked in Put now that there is room, and hands
// the consumer token on if items are left for another parked consumer.
func (q *Queue[T]) removed() {
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
	if q.count > 0 && q.waiters > 0 {
		q.passToken()
	}
}

func (q *Queue[T]) grow() {
	n := 2 * len(q.ring)
	if n < 8 {
		n = 8
	}
	if n > q.capacity {
		n = q.capacity
	}
	ring := make([]T, n)
	k := copy(ring, q.ring[q.head:])
	copy(ring[k:], q.ring[:q.head])
	q.ring = ring
	q.head = 0
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

// park releases mu, sleeps until a token or ctx, and takes mu again, except
// when ctx ends the wait: then it returns ctx.Err() without mu.
func (q *Queue[T]) park(ctx context.Context) error {
	if q.count == 0 && len(q.ring) > shrinkAbove {
		q.ring, q.head = nil, 0
	}
	if q.ready == nil {
		q.ready = make(chan struct{}, 1)
	}
	ready := q.ready
	q.waiters++
	q.mu.Unlock()
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
	}
}

// drop hands an item removed by a drop policy to OnDrop. The caller does not
// hold mu.
func (q *Queue[T]) drop(v T) {
	if q.onDrop != nil {
		q.onDrop(v)
	}
}
