package mailbox

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// shrinkAbove is the size, in slots, above which the storage of a queue
// whose consumer has slept for tune.IdleRelease is given back: an idle queue
// keeps no more than this many slots in its ring and in its batch buffer.
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
// Producers take no lock while the queue has room: a put reserves a
// position with one compare-and-swap and writes its item. Consumers take a
// lock of their own, which producers take only to make a full queue under
// DropOldest give up its head.
//
// The zero Queue is not usable; make one with New.
type Queue[T any] struct {
	// The fields are laid out by who writes them, each group in its own
	// cache line (the struct is 192 bytes, and so aligned).

	// Read by producers on every put, written rarely.
	ring     atomic.Pointer[ring[T]] // where producers reserve; nil while the storage is given back
	capacity uint64
	waiters  atomic.Int32 // consumers parked in Get or Wait: a put must wake one
	overflow Overflow
	closed   atomic.Bool
	pressed  atomic.Bool // a producer was refused room: Taken publishes every item until the next Drain
	blocked  atomic.Bool // room != nil: a Put waits, and the consumer must wake it
	onDrop   atomic.Pointer[func(T)]
	dropped  atomic.Uint64
	ready    chan struct{} // one token wakes one parked consumer; made under mu before the first park

	// Published by the consumer once per batch and read by producers on
	// every put, beside what the consumer alone uses.
	head  atomic.Uint64           // the consumer's next position: every one before it has left the storage
	freed atomic.Uint64           // slots given back: items begun by the consumer, and items dropped
	cring atomic.Pointer[ring[T]] // the ring that holds position head, or an earlier one
	out   []T                     // the last batch Drain returned
	batch uint64                  // how many items the last Drain returned
	begun uint64                  // how many of them are counted in freed

	// The locks and what they guard.
	mu    sync.Mutex              // producers' slow path: a new ring, growth, Close, room
	cmu   sync.Mutex              // consumers; and a DropOldest put taking the head
	room  chan struct{}           // closed to wake every parked Put; nil while none waits
	fresh atomic.Pointer[ring[T]] // the ring made after the storage was given back, for the consumer
	woken atomic.Bool             // Wake was called and no Wait has returned since
	hint  atomic.Bool             // Wake or Close was called and no Drain has found nothing since
	end   atomic.Uint64           // the next position while ring is nil
	_     [16]byte
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
	return &Queue[T]{capacity: uint64(capacity), overflow: o.overflow}
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
// the item by pointer and copies it once, into its slot.
func (q *Queue[T]) put(ctx context.Context, wait bool, v *T) error {
	for {
		if r := q.ring.Load(); r != nil {
			t := r.tail.Load()
			// A sealed tail is never below the limit.
			if t < r.limit.Load() || t&sealed == 0 && t < q.raise(r) {
				if !r.tail.CompareAndSwap(t, t+1) {
					continue // another producer took t
				}
				r.write(t, v)
				q.wakeConsumer()
				return nil
			}
		}
		if err, done := q.putSlow(ctx, wait, v); done {
			return err
		}
	}
}

// raise recomputes r's limit from what the consumer has published, stores
// it and returns it: the queue holds at most capacity items past the slots
// freed, and the ring at most its size past those the consumer has left.
// freed and head only grow, so a limit computed from older values, or
// stored late, is lower than it could be, never higher.
func (q *Queue[T]) raise(r *ring[T]) uint64 {
	f, h := q.freed.Load(), q.head.Load()
	limit := min(f+q.capacity, max(h, r.base)+r.mask+1)
	if limit > r.limit.Load() {
		r.limit.Store(limit)
	}
	return limit
}

// putSlow is put on a queue that has no ring, a full ring, no room or is
// closed. It returns done false when put should try again. It is kept out of
// line, so that a put that finds room needs little stack.
//
//go:noinline
func (q *Queue[T]) putSlow(ctx context.Context, wait bool, v *T) (err error, done bool) {
	q.mu.Lock()
	for {
		if q.prepare() {
			q.mu.Unlock()
			return nil, false
		}
		if q.closed.Load() {
			q.mu.Unlock()
			return ErrClosed, true
		}
		// Full.
		if (!wait || q.overflow != Block) && q.head.Load() > q.freed.Load() && !q.pressed.Load() {
			// This item is refused or dropped while the consumer holds a
			// batch: ask it to publish every item it begins from now on,
			// so the next producer sees every slot it frees.
			q.pressed.Store(true)
		}
		switch q.overflow {
		case Reject:
			q.mu.Unlock()
			return ErrFull, true
		case DropNewest:
			q.dropped.Add(1)
			q.mu.Unlock()
			q.drop(*v)
			return nil, true
		case DropOldest:
			q.mu.Unlock()
			q.dropOldest()
			return nil, false
		}
		if !wait {
			q.mu.Unlock()
			return ErrFull, true
		}
		if q.room == nil {
			q.room = make(chan struct{})
			// A consumer that freed room before this store did not see it
			// and will not wake us: look at the room once more.
			q.blocked.Store(true)
			continue
		}
		room := q.room
		q.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err(), true
		}
		q.mu.Lock()
	}
}

// prepare reports whether a put may try again: there is room, after making
// a ring or a larger one where needed. It reports false when the queue is
// closed or full. The caller holds mu.
func (q *Queue[T]) prepare() bool {
	if q.closed.Load() {
		return false
	}
	r := q.ring.Load()
	if r == nil {
		r = newRing[T](q.end.Load(), min(firstRing, ringSize(q.capacity)))
		q.raise(r)
		q.fresh.Store(r) // before ring: the consumer finds it when items come
		q.ring.Store(r)
		return true
	}
	// Read after t, freed and head make "full" true at the moment they are
	// read: the tail is past t by then.
	t := r.tail.Load() // not sealed: under mu, only a closed queue's ring is
	if t < q.raise(r) {
		return true
	}
	if f := q.freed.Load(); t >= f && t-f >= q.capacity {
		return false
	}
	// The ring is full but the queue is not: continue in one twice as
	// large. The consumer finishes this one, then follows next.
	e := r.seal()
	n := newRing[T](e, 2*(r.mask+1))
	q.raise(n)
	r.next.Store(n)
	q.ring.Store(n)
	return true
}

// PutSome adds the leading items of vs that fit, in order, and returns how
// many it added: all of them, or fewer when the queue fills up, or 0 once
// it is closed. It never waits and applies no overflow policy: the caller
// hands the items left to Put or TryPut, which do. A producer with a burst
// of items reserves all that fit with one compare-and-swap.
func (q *Queue[T]) PutSome(vs []T) int {
	n := 0
	for n < len(vs) {
		if r := q.ring.Load(); r != nil {
			t := r.tail.Load()
			limit := r.limit.Load()
			if t >= limit && t&sealed == 0 {
				limit = q.raise(r)
			}
			if t < limit {
				k := min(uint64(len(vs)-n), limit-t)
				if !r.tail.CompareAndSwap(t, t+k) {
					continue
				}
				for i := range k {
					r.write(t+i, &vs[n+int(i)])
				}
				n += int(k)
				continue
			}
		}
		q.mu.Lock()
		ok := q.prepare()
		q.mu.Unlock()
		if !ok {
			break
		}
	}
	if n > 0 {
		q.wakeConsumer()
	}
	return n
}

// dropOldest makes room in a full DropOldest queue by removing the item at
// the head, which goes to OnDrop. The room it makes is anyone's: a put that
// finds it taken drops the next head.
func (q *Queue[T]) dropOldest() {
	q.cmu.Lock()
	if q.closed.Load() || q.tail()-q.freed.Load() < q.capacity {
		q.cmu.Unlock()
		return
	}
	// Full: a held batch has at most Cap-1 slots, its first item being
	// under way, so an item is queued.
	h := q.head.Load()
	s := q.reader(h).await(h)
	old := s.v
	var zero T
	s.v = zero
	q.head.Store(h + 1)
	q.freed.Add(1)
	q.dropped.Add(1)
	q.cmu.Unlock()
	q.drop(old)
}

// Get removes and returns the item at the head, waiting for one until ctx is
// done. Once the queue is closed and empty it returns ErrClosed.
func (q *Queue[T]) Get(ctx context.Context) (T, error) {
	var zero T
	if ctx == nil {
		return zero, errNilContext
	}
	spun := false // one spin, then sleep
	q.cmu.Lock()
	q.settle()
	for {
		if v, ok := q.takeOne(); ok {
			q.cmu.Unlock()
			return v, nil
		}
		if q.closed.Load() && q.head.Load() == q.tail() {
			q.cmu.Unlock()
			q.wakeConsumer() // the next one finds it closed too
			return zero, ErrClosed
		}
		if !spun && q.waiters.Load() == 0 {
			// Spin only as the first consumer to wait: with others
			// parked, a token would go to them, and spinning beside
			// them only burns a processor.
			spun = true
			q.spin(false)
			continue
		}
		if err := q.park(ctx, false); err != nil {
			return zero, err
		}
	}
}

// TryGet removes and returns the item at the head, if there is one.
func (q *Queue[T]) TryGet() (T, bool) {
	q.cmu.Lock()
	defer q.cmu.Unlock()
	q.settle()
	return q.takeOne()
}

// takeOne removes the head item, if any, and frees its slot at once. The
// caller holds cmu and has settled the last batch.
func (q *Queue[T]) takeOne() (T, bool) {
	var zero T
	h := q.head.Load()
	if !q.written() && (!q.closed.Load() || h == q.tail()) {
		// Empty, or its head still being written: its producer wakes a
		// parked consumer when done. Once closed, every item reserved
		// is awaited, for nothing put may stay behind unseen.
		return zero, false
	}
	s := q.reader(h).await(h)
	v := s.v
	s.v = zero
	q.head.Store(h + 1)
	q.freed.Add(1)
	q.wakeProducers()
	if q.written() && q.waiters.Load() > 0 {
		q.passToken() // items are left for another parked consumer
	}
	return v, true
}

// Close stops the queue from taking new items and wakes every waiting Put,
// Get and Wait. Items already queued can still be taken. Close is idempotent.
func (q *Queue[T]) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed.Load() {
		return
	}
	// Seal first: a consumer that sees closed knows every item to come.
	if r := q.ring.Load(); r != nil {
		r.seal()
	}
	q.closed.Store(true)
	q.hint.Store(true)
	if q.room != nil {
		close(q.room)
		q.room = nil
		q.blocked.Store(false)
	}
	q.passToken()
}

// OnDrop sets the callback that receives every item a drop policy removes,
// so that nothing disappears unseen, and returns q so that it chains after
// New. The compiler checks that f takes the queue's item type. It runs on
// the goroutine that called Put, after the queue's locks are released, and
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
	h := q.head.Load()
	return int(q.tail() - h)
}

// Cap returns the capacity given to New.
func (q *Queue[T]) Cap() int { return int(q.capacity) }

// Dropped returns how many items the drop policies have removed so far.
func (q *Queue[T]) Dropped() uint64 { return q.dropped.Load() }

// Overflow returns the queue's overflow policy.
func (q *Queue[T]) Overflow() Overflow { return q.overflow }

// tail returns the position the next item put will take.
func (q *Queue[T]) tail() uint64 {
	if r := q.ring.Load(); r != nil {
		return r.end()
	}
	return q.end.Load()
}

// reader returns the ring that holds position pos, which is reserved:
// the consumer moves on to the next ring when it reaches a sealed one's end.
// The caller holds cmu.
func (q *Queue[T]) reader(pos uint64) *ring[T] {
	r := q.cring.Load()
	if r == nil {
		r = q.fresh.Load()
	}
	r = follow(r, pos)
	q.setReader(r)
	return r
}

// setReader records r as the ring the consumer reads. The caller holds cmu.
func (q *Queue[T]) setReader(r *ring[T]) {
	if r != q.cring.Load() {
		q.cring.Store(r)
		// The consumer keeps its ring from here. No ring is made while
		// cmu is held and the queue has a ring, so no new fresh is lost.
		if q.fresh.Load() != nil {
			q.fresh.Store(nil)
		}
	}
}

// follow returns the ring that holds position pos, starting from r.
func follow[T any](r *ring[T], pos uint64) *ring[T] {
	for r != nil {
		t := r.tail.Load()
		if t&sealed == 0 || pos < t&^sealed {
			break
		}
		r = r.next.Load()
	}
	return r
}

// written reports whether the item at the head is there to take: reserved
// and written. An item still being written does not count: its producer
// wakes the consumer when it is done. It needs no lock.
func (q *Queue[T]) written() bool {
	r := q.cring.Load()
	if r == nil {
		r = q.fresh.Load()
	}
	_, ok := peek(r, q.head.Load())
	return ok
}

// peek returns the ring that holds position pos, starting from r, and
// whether the item there is written. It reads the slot, not the tail, so
// that a consumer looking for items does not take the producers' cache
// line from them: a slot's seq is pos+1 only in the ring that holds pos.
// The tail is read only where a ring was sealed and another follows.
func peek[T any](r *ring[T], pos uint64) (*ring[T], bool) {
	for r != nil {
		if r.slots[pos&r.mask].seq.Load() == pos+1 {
			return r, true
		}
		n := r.next.Load()
		if n == nil || pos < r.end() {
			return r, false
		}
		r = n
	}
	return nil, false
}

// drop hands an item removed by a drop policy to OnDrop. The caller holds
// no lock.
func (q *Queue[T]) drop(v T) {
	if f := q.onDrop.Load(); f != nil {
		(*f)(v)
	}
}
