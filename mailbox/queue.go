package mailbox

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/troupe-go/troupe/internal/tune"
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
	in       []T         // queued items are in[head:]; grows by doubling up to capacity
	count    int         // len(in) - head
	held     int         // items of the last Drain but its first: they keep their slots until Taken or the next Drain
	capacity int         //
	hint     atomic.Bool // set when the queue becomes non-empty, woken or closed; cleared by a Drain that leaves it empty
	overflow Overflow
	_        [3]byte

	// The consumer: written per item or per batch.
	taken   atomic.Int64 // how many of the held items the consumer has published as begun: their slots are free
	blocked atomic.Bool  // room != nil: a Put waits, and Taken must wake it
	pressed atomic.Bool  // a producer was refused room: Taken publishes every item until the next Drain
	batch   int          // how many items the last Drain returned; read by Taken
	out     []T          // the last batch Drain returned; becomes in at the next Drain
	head    int
	seq     uint64 // sequence number of the item at head: items removed so far

	// Rarely used.
	onDrop  atomic.Pointer[func(T)]
	closed  bool
	woken   bool          // Wake was called and no Wait has returned since
	dropped uint64        //
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
	return q.put(ctx, true, v)
}

// TryPut is Put that never waits: under Block it returns ErrFull at once when
// the queue is full. The other policies behave as in Put.
func (q *Queue[T]) TryPut(v T) error {
	return q.put(context.Background(), false, v)
}

// put waits for room, until ctx is done, only when wait is true.
func (q *Queue[T]) put(ctx context.Context, wait bool, v T) error {
	q.mu.Lock()
	for {
		if q.closed {
			q.mu.Unlock()
			return ErrClosed
		}
		if q.hasRoom() {
			q.push(v)
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
			q.drop(v)
			return nil
		case DropOldest:
			// count > 0: a batch holds at most Cap-1 slots, its first
			// item being under way.
			old := q.pop()
			q.dropped++
			q.push(v)
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
		if !spun {
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

// Drain removes up to max items (all of them if max < 1) from the head in one
// step and returns them in order, with the sequence number of the first item
// taken (see Mark). It never waits. A consumer that handles items in batches
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
func (q *Queue[T]) Drain(max int) ([]T, uint64) {
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
	if max > 0 && max < n {
		// Hand out the oldest max items by copy; the rest stay queued.
		out := append(spent[:0], q.in[q.head:q.head+max]...)
		clear(q.in[q.head : q.head+max])
		q.head += max
		q.count -= max
		q.took(max)
		q.seq += uint64(max)
		q.out = out
		return out, first
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
		if !spun {
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

// wakeProducers wakes every Put parked for room. The caller holds mu.
func (q *Queue[T]) wakeProducers() {
	if q.room != nil {
		close(q.room)
		q.room = nil
		q.blocked.Store(false)
	}
}

// grow makes room for one more item at the end of in: by moving the queued
// items to the front when items were taken from it, otherwise by doubling,
// never past capacity.
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

// drop hands an item removed by a drop policy to OnDrop. The caller does not
// hold mu.
func (q *Queue[T]) drop(v T) {
	if f := q.onDrop.Load(); f != nil {
		(*f)(v)
	}
}
