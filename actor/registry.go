package actor

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/troupe-go/troupe/internal/openset"
)

// registry maps local actor IDs to their processes: a set of processes per
// shard, found by the hash of their ID, under a read-write lock, with hot
// in front of it. A sync.Map took 120 bytes per actor (an entry, its boxed
// key, its share of the trie), a fifth of an idle actor; a plain map took
// 27 to 55 (its 24-byte slot, a control byte and its room to grow: 52 with
// 33,000 actors in a System, 35 with 100,000); the set takes 11 to 16 (an
// 8-byte slot, half to three quarters full), since a process holds its
// own ID. Its lock-free reads mattered
// when every send hashed its way through it: with many senders to one
// actor, a read lock's counter was the contended line. Sends now resolve
// through hot, so the shards serve the cold lookups, spawns and stops.
//
// hot is a table of recently resolved processes indexed by the address of
// the ID string's bytes, not by its contents: a PID that came from Spawn or
// Self shares its ID's bytes with the process, so a send resolves it with
// one load and two comparisons instead of hashing 36 bytes and walking a
// map (18 % of a one-way send's CPU, measured). An entry is valid while its
// process is registered: the address it matches is that of the process's
// own ID, which the entry keeps alive, so no other string can share it.
type registry struct {
	hot    [hotSlots]atomic.Pointer[process]
	seed   maphash.Seed
	shards [registryShards]shard
}

// shard is one part of the registry, alone on its cache lines.
type shard struct {
	mu  sync.RWMutex
	set openset.Set[*process]
	_   [64 - 24 - 32]byte
}

// registryShards spreads spawns, stops and cold lookups over as many locks.
const registryShards = 32

// hotSlots is the size of the front table: 8 KiB, enough for the actors a
// program sends to at a high rate; a collision costs a map lookup.
const hotSlots = 1024

func newRegistry() *registry { return &registry{seed: maphash.MakeSeed()} }

// The hash of an ID picks a shard with its low bits and a slot with the
// rest.
func (r *registry) shard(id string) (*shard, uint64) {
	h := maphash.String(r.seed, id)
	return &r.shards[h%registryShards], h / registryShards
}

// slotHash is the hash of p's ID as its shard's set sees it.
func (r *registry) slotHash(p *process) uint64 {
	return maphash.String(r.seed, p.self.ID) / registryShards
}

// find returns the process registered as id in sh, whose set sees id's
// hash as h; sh must be locked.
func (sh *shard) find(id string, h uint64) *process {
	return sh.set.Find(h, func(p *process) bool { return p.self.ID == id })
}

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
	sh, h := r.shard(id)
	sh.mu.RLock()
	p := sh.find(id, h)
	sh.mu.RUnlock()
	if p == nil {
		return nil
	}
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
	id := p.self.ID
	sh, h := r.shard(id)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	return sh.set.Insert(p, h, func(e *process) bool { return e.self.ID == id }, false, r.slotHash) == nil
}

// remove unregisters p, if its ID still names it. The table entry goes too,
// so that it keeps nothing of a stopped actor alive.
func (r *registry) remove(p *process) {
	p.unlisted.Store(true)
	sh, h := r.shard(p.self.ID)
	sh.mu.Lock()
	sh.set.Remove(p, h, r.slotHash) // only p itself: a later actor of its ID stays
	sh.mu.Unlock()
	r.hot[hotSlot(p.self.ID)].CompareAndSwap(p, nil)
}

// each calls f for every registered process. It copies each shard before
// calling f, which may stop actors and so remove them.
func (r *registry) each(f func(*process)) {
	var ps []*process
	for i := range r.shards {
		sh := &r.shards[i]
		sh.mu.RLock()
		sh.set.Each(func(p *process) { ps = append(ps, p) })
		sh.mu.RUnlock()
		for _, p := range ps {
			f(p)
		}
		clear(ps)
		ps = ps[:0]
	}
}
