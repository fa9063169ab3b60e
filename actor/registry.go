package actor

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"unsafe"
)

// registry maps local actor IDs to their processes: a map per shard under
// a read-write lock, with hot in front of it. A sync.Map took 120 bytes per
// actor (an entry, its boxed key, its share of the trie), a fifth of an
// idle actor; a plain map takes about 35. Its lock-free reads mattered
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
	mu sync.RWMutex
	m  map[string]*process
	_  [64 - 32]byte
}

// registryShards spreads spawns, stops and cold lookups over as many locks.
const registryShards = 32

// hotSlots is the size of the front table: 8 KiB, enough for the actors a
// program sends to at a high rate; a collision costs a map lookup.
const hotSlots = 1024

func newRegistry() *registry { return &registry{seed: maphash.MakeSeed()} }

func (r *registry) shard(id string) *shard {
	return &r.shards[maphash.String(r.seed, id)%registryShards]
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
	sh := r.shard(id)
	sh.mu.RLock()
	p := sh.m[id]
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
	sh := r.shard(p.self.ID)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m[p.self.ID] != nil {
		return false
	}
	if sh.m == nil {
		sh.m = make(map[string]*process)
	}
	sh.m[p.self.ID] = p
	return true
}

// remove unregisters p, if its ID still names it. The table entry goes too,
// so that it keeps nothing of a stopped actor alive.
func (r *registry) remove(p *process) {
	p.unlisted.Store(true)
	sh := r.shard(p.self.ID)
	sh.mu.Lock()
	if sh.m[p.self.ID] == p {
		delete(sh.m, p.self.ID)
	}
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
		for _, p := range sh.m {
			ps = append(ps, p)
		}
		sh.mu.RUnlock()
		for _, p := range ps {
			f(p)
		}
		clear(ps)
		ps = ps[:0]
	}
}
