package mailbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// shrinkAbove is the size, in slots, above which a buffer of a queue whose
// consumer has slept for tune.IdleRelease is given back: an idle queue keeps no
// more than this many slots in each of its two buffers, whatever its
// capacity.
const shrinkAbove = 64

// errNilContext is returned by the calls that wait when given a nil context.
var errNilContext = errors.New("mailbox: nil context")

// Queue is a bounded first-in first-out queue for any number of producers and
// consumers. It never holds more than Cap items, counting the batch that its
// consumer last took with Drain and has not begun to handle (see Taken), so
// a consumer that works in batches never lets 2×Cap items wait.
// Its storage grows with what is queued, not with its capacity, and is given
// back when the queue drains and its consumer waits.
//
// The zero Queue is not usable; make one with New.
type Queue[T any] struct {
	// The fields are laid out by who writes them, so that the consumer's
	// per-item Taken does not take the cache line the producers use on
	// every Put away from them. The struct is a multiple of 64 bytes, and
	// so is its allocation's alignment, so each group is one cache line.

	// Producers: read and written on every Put.
	mu       sync.Mutex
	in       []T // queued items are in[head:]; grows by doubling up to capacity
	count    int // len(in) - head
	held     int // items of the last Drain but its first: they keep their slots until Taken or the next Drain
	capacity int
	overflow Overflow
	closed   bool
	_        [6]byte

	// The consumer: written per item or per batch.
	taken   atomic.Int64 // how many of the held items the consumer has published as begun: their slots are free
	blocked atomic.Bool  // room != nil: a Put waits, and Taken must wake it
	pressed atomic.Bool  // a producer was refused room: Taken publishes every item until the next Drain
	batch   int          // how many items the last Drain returned; read by Taken
	out     []T          // the last batch Drain returned; becomes in at the next Drain
	head    int
	seq     uint64 // sequence number of the item at head: items removed so far

	// Written when the queue turns non-empty or empty, or rarely. The
	// consumer watches hint while it spins, so it stays off the producers'
	// line, which every Put writes.
	hint    atomic.Bool // set when the queue becomes non-empty, woken or closed; cleared by a Drain that leaves it empty
	woken   bool        // Wake was called and no Wait has returned since
	onDrop  atomic.Pointer[func(T)]
	dropped uint64
	waiters int           // consumers parked in Get or Wait
	ready   chan struct{} // one token wakes one parked consumer; made on first park
	room    chan struct{} // closed to wake every parked Put; nil while none waits
	_       [16]byte
}

// New returns an empty queue that holds at most capacity items. It panics if
// capacity is less than 1 or if the overflow policy is unknown: those are
// programming errors, like a negative size given to make.
func New[T any](capacity int, opts ...Option) *Queue[T] {
	if capacity < 1 {
		panic(fmt.Sprintf("mailbox: capacity %d is less than 1", capacity))
	}
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	if !o.overflow.valid() {
		panic(fmt.Sprintf("mailbox: unknown overflow policy %v", o.overflow))
	}
	q := &Queue[T]{capacity: capacity, overflow: o.overflow}
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
	return q.put(ctx, true, &v)
}

// TryPut is Put that never waits: under Block it returns ErrFull at once when
// the queue is full. The other policies behave as in Put.
func (q *Queue[T]) TryPut(v T) error {
	return q.put(context.Background(), false, &v)
}

// put waits for room, until ctx is done, only when wait is true. It takes
// the item by pointer and copies it once, into the queue: an item passed by
// value would be copied onto the stack as well, and a large one just written
// by the caller stalls the store buffer there.
func (q *Queue[T]) put(ctx context.Context, wait bool, v *T) error {
	q.mu.Lock()
	if !q.closed && q.hasRoom() {
		q.push(*v)
		q.mu.Unlock()
		return nil
	}
	return q.putFull(ctx, wait, v)
}

// putFull is put on a queue that is closed or full, called with mu held; it
// releases mu. It is kept out of line, so that a put that finds room needs
// little stack.
//
//go:noinline
func (q *Queue[T]) putFull(ctx context.Context, wait bool, v *T) error {
	for {
		if q.closed {
			q.mu.Unlock()
			return ErrClosed
		}
		if q.hasRoom() {
			q.push(*v)
			q.mu.Unlock()
			return nil
		}
		if (!wait || q.overflow != Block) && q.held > 0 && !q.pressed.Load() {
			// This item is refused or dropped: ask the consumer to publish
			// every item it begins from now on, so the next producer sees
			// every slot it frees.
			q.pressed.Store(true)
		}
		switch q.overflow {
		case Reject:
			q.mu.Unlock()
			return ErrFull
		case DropNewest:
			q.dropped++
			q.mu.Unlock()
			q.drop(*v)
			return nil
		case DropOldest:
			// count > 0: a batch holds at most Cap-1 slots, its first
			// item being under way.
			old := q.pop()
			q.dropped++
			q.push(*v)
			q.mu.Unlock()
			q.drop(old)
			return nil
		}
		if !wait {
			q.mu.Unlock()
			return ErrFull
		}
		if q.room == nil {
			q.room = make(chan struct{})
			q.blocked.Store(true)
			// A Taken that ran before the store did not see it and will
			// not wake us: look at its count once more.
			if q.hasRoom() {
				continue
			}
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

// PutSome adds the leading items of vs that fit, in order, and returns how
// many it added: all of them, or fewer when the queue fills up, or 0 once
// it is closed. It never waits and applies no overflow policy: the caller
// hands the items left to Put or TryPut, which do. A producer with a burst
// of items takes the lock once for all that fit, not once per item.
func (q *Queue[T]) PutSome(vs []T) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return 0
	}
	n := 0
	for n < len(vs) && q.hasRoom() {
		q.push(vs[n])
		n++
	}
	return n
}

// Get removes and returns the item at the head, waiting for one until ctx is
// done. Once the queue is closed and empty it returns ErrClosed.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if ctx == nil {
		return zero, errNilContext
	}
	spun := false // one spin, then sleep
	q.mu.Lock()
	q.unhold()
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
		if !spun && q.waiters == 0 {
			// Spin only as the first consumer to wait: with others
			// parked, a token would go to them, and spinning beside
			// them only burns a processor.
			spun = true
			q.spin()
			continue
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
	q.unhold()
	if q.count == 0 {
		var zero T
		return zero, false
	}
	v := q.pop()
	q.removed()
	return v, true
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
	q.hint.Store(true)
	q.wakeProducers()
	q.passToken()
}

// OnDrop sets the callback that receives every item a drop policy removes,
// so that nothing disappears unseen, and returns q so that it chains after
// New. The compiler checks that f takes the queue's item type. It runs on
// the goroutine that called Put, after the queue's lock is released, and
// must not block for long. Without a callback dropped items are still
// counted (see Dropped); a nil f removes the callback.
func (q *Queue[T]) OnDrop(f func(item T)) *Queue[T] {
	if f == nil {
		q.onDrop.Store(nil)
	} else {
		q.onDrop.Store(&f)
	}
	return q
}

// Len returns the number of items queued, not counting those Held.
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

// push adds v at the tail and wakes a parked consumer. The caller holds mu
// and has checked that count < capacity.
func (q *Queue[T]) push(v T) {
	if len(q.in) == cap(q.in) {
		q.grow()
	}
	q.in = append(q.in, v)
	q.count++
	if q.count == 1 {
		q.hint.Store(true)
	}
	if q.waiters > 0 {
		q.passToken()
	}
}

// pop removes the head item. The caller holds mu and has checked count > 0.
func (q *Queue[T]) pop() T {
	var zero T
	v := q.in[q.head]
	q.in[q.head] = zero
	q.head++
	q.count--
	q.seq++
	if q.count == 0 {
		q.in, q.head = q.in[:0], 0
	}
	return v
}

// removed wakes the producers parked in Put now that there is room, and hands
// the consumer token on if items are left for another parked consumer.
func (q *Queue[T]) removed() {
	q.wakeProducers()
	if q.count > 0 && q.waiters > 0 {
		q.passToken()
	}
}

// grow makes room for one more item at the end of in: by moving the queued
// items to the front when items were taken from it, otherwise by doubling,
// never past capacity. It is kept out of line: inlined, it doubled push's
// stack frame, and a put runs deep in an actor's small stack.
//
//go:noinline
func (q *Queue[T]) grow() {
	if q.head > 0 {
		n := copy(q.in, q.in[q.head:])
		clear(q.in[n:])
		q.in, q.head = q.in[:n], 0
		return
	}
	n := 2 * cap(q.in)
	if n < 8 {
		n = 8
	}
	if n > q.capacity {
		n = q.capacity
	}
	in := make([]T, len(q.in), n)
	copy(in, q.in)
	q.in = in
}

// drop hands an item removed by a drop policy to OnDrop. The caller does not
// hold mu.
func (q *Queue[T]) drop(v T) {
	if f := q.onDrop.Load(); f != nil {
		(*f)(v)
	}
}
