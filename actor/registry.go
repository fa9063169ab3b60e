package actor

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// registry maps local actor IDs to their processes. sync.Map's lock-free
// reads measured faster than a sharded RWMutex map here: with many senders
// to one actor the read lock's counter became the contended line.
//
// In front of it sits hot, a table of recently resolved processes indexed
// by the address of the ID string's bytes, not by its contents: a PID that
// came from Spawn or Self shares its ID's bytes with the process, so a send
// resolves it with one load and two comparisons instead of hashing 36 bytes
// and walking the map (18 % of a one-way send's CPU, measured). An entry is
// valid while its process is registered: the address it matches is that of
// the process's own ID, which the entry keeps alive, so no other string can
// share it.
type registry struct {
	m   sync.Map
	hot [hotSlots]atomic.Pointer[process]
}

// hotSlots is the size of the front table: 8 KiB, enough for the actors a
// program sends to at a high rate; a collision costs a map lookup.
const hotSlots = 1024

func newRegistry() *registry { return &registry{} }

// hotSlot is where id's bytes would be found in hot: a multiplicative hash
// of their address.
func hotSlot(id string) uint64 {
	const bits = 10 // log2(hotSlots)
	return uint64(uintptr(unsafe.Pointer(unsafe.StringData(id)))) * 0x9E3779B97F4A7C15 >> (64 - bits)
}

// sameBytes reports whether a and b are the same bytes in memory.
func sameBytes(a, b string) bool {
	return unsafe.StringData(a) == unsafe.StringData(b) && len(a) == len(b)
}

func (r *registry) load(id string) *process {
	slot := &r.hot[hotSlot(id)]
	if p := slot.Load(); p != nil && sameBytes(p.self.ID, id) && !p.unlisted.Load() {
		return p
	}
	v, ok := r.m.Load(id)
	if !ok {
		return nil
	}
	p := v.(*process)
	if sameBytes(p.self.ID, id) {
		slot.Store(p)
		// remove may have run between the map's answer and the store: it
		// sets unlisted first, so one of us sees the other.
		if p.unlisted.Load() {
			slot.CompareAndSwap(p, nil)
		}
	}
	return p
}

// add registers p under its ID unless the ID is taken.
func (r *registry) add(p *process) bool {
	_, loaded := r.m.LoadOrStore(p.self.ID, p)
	return !loaded
}

// remove unregisters p, if its ID still names it. The table entry goes too,
// so that it keeps nothing of a stopped actor alive.
func (r *registry) remove(p *process) {
	p.unlisted.Store(true)
	r.m.CompareAndDelete(p.self.ID, p)
	r.hot[hotSlot(p.self.ID)].CompareAndSwap(p, nil)
}

// each calls f for every registered process.
func (r *registry) each(f func(*process)) {
	r.m.Range(func(_, v any) bool {
		f(v.(*process))
		return true
	})
}
