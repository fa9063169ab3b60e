package mailbox

import (
	"runtime"
	"sync/atomic"
)

// The storage: items live in rings of 2^k slots. Every item put gets the
// next position (its sequence number, see Mark); a ring holds consecutive
// positions from its base on, each in slot position mod its size. A
// producer reserves a position with one compare-and-swap on its ring's
// tail, writes the item and then the slot's seq, which tells the consumer
// the item is there. A ring that must grow, be given back or close is
// sealed: its tail takes the sealed bit, after which no producer reserves
// in it, and every position reserved before is written in time.

// sealed is the bit of a ring's tail that closes it to producers.
const sealed = 1 << 63

// slot holds one item; seq is its position plus one once it is written.
type slot[T any] struct {
	seq atomic.Uint64
	v   T
}

// ring is one buffer. Producers write tail and limit; base, mask and slots
// never change, and next is set once, when the ring is sealed to grow.
type ring[T any] struct {
	tail atomic.Uint64 // the next position to reserve, with the sealed bit
	// limit is a position below which producers may reserve without
	// looking at what the consumer publishes: never past the room there
	// is, it is raised when a producer reaches it. A put then reads only
	// this cache line, which the consumer does not write.
	limit atomic.Uint64
	base  uint64 // the first position this ring holds
	mask  uint64 // len(slots)-1; len(slots) is a power of two
	next  atomic.Pointer[ring[T]]
	slots []slot[T]
}

func newRing[T any](base uint64, size uint64) *ring[T] {
	r := &ring[T]{base: base, mask: size - 1, slots: make([]slot[T], size)}
	r.tail.Store(base)
	return r
}

// seal stops reservations in r and returns the position where it ends.
func (r *ring[T]) seal() uint64 {
	for {
		t := r.tail.Load()
		if t&sealed != 0 {
			return t &^ sealed
		}
		if r.tail.CompareAndSwap(t, t|sealed) {
			return t
		}
	}
}

// end returns the position past the last one reserved in r.
func (r *ring[T]) end() uint64 { return r.tail.Load() &^ sealed }

// write stores the item of reserved position t.
func (r *ring[T]) write(t uint64, v *T) {
	s := &r.slots[t&r.mask]
	s.v = *v
	s.seq.Store(t + 1)
}

// await returns the slot of position t once its producer has written it.
// The producer reserved t a moment ago and writes it without waiting for
// anything, so the wait is short: a few loads, or a yield to let a
// producer that was preempted in between run.
func (r *ring[T]) await(t uint64) *slot[T] {
	s := &r.slots[t&r.mask]
	for i := 0; s.seq.Load() != t+1; i++ {
		if i >= awaitSpins {
			runtime.Gosched()
		}
	}
	return s
}

// awaitSpins is how many times the consumer looks at a reserved slot before
// it yields the processor to the producer that is writing it.
const awaitSpins = 64

// clearSlots drops the references of every slot's item, for the garbage
// collector. The caller has sealed r, or made it unreachable to producers.
func (r *ring[T]) clearSlots() {
	var zero T
	for i := range r.slots {
		r.slots[i].v = zero
	}
}

// ringSize returns the largest ring a queue of capacity c needs: the
// smallest power of two that holds c items.
func ringSize(c uint64) uint64 {
	n := uint64(1)
	for n < c {
		n <<= 1
	}
	return n
}

// firstRing is the size of the ring a queue starts with when items arrive.
const firstRing = 8
