package cluster

import (
	"hash/maphash"
	"sync"

	"github.com/troupe-go/troupe/internal/openset"
)

// grainTable holds the grains of this member, by actor name: sets of
// pointers (see openset.Set), each grain found by its own name. A map from an
// identity to its entry cost about 90 bytes a grain, more than the grain
// itself; here it is about 12.
type grainTable struct {
	seed   maphash.Seed
	shards [tableShards]tableShard
}

// tableShards spreads the lock of a local send's lookup; a shard starts
// with no slots.
const tableShards = 32

type tableShard struct {
	mu  sync.RWMutex
	set openset.Set[*grain]
}

func newGrainTable() *grainTable { return &grainTable{seed: maphash.MakeSeed()} }

// The hash of a name picks a shard with its low bits and a slot with the
// rest.
func (t *grainTable) shard(h uint64) *tableShard { return &t.shards[h%tableShards] }

func (t *grainTable) hashName(name string) uint64 { return maphash.String(t.seed, name) }

// slotHash is the hash a shard's set sees.
func (t *grainTable) slotHash(g *grain) uint64 { return t.hashName(g.name()) / tableShards }

// hashID hashes actorName(id) without making the string.
func (t *grainTable) hashID(id ID) uint64 {
	var h maphash.Hash
	h.SetSeed(t.seed)
	h.WriteString(grainPrefix)
	h.WriteString(id.Kind)
	h.WriteByte('/')
	h.WriteString(id.Name)
	return h.Sum64()
}

// isName reports whether name is actorName(id).
func isName(name string, id ID) bool {
	p, k := len(grainPrefix), len(id.Kind)
	return len(name) == p+k+1+len(id.Name) && name[p+k] == '/' &&
		name[p:p+k] == id.Kind && name[p+k+1:] == id.Name && name[:p] == grainPrefix
}

// byName returns the grain named name, or nil.
func (t *grainTable) byName(name string) *grain {
	h := t.hashName(name)
	s := t.shard(h)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.set.Find(h/tableShards, func(g *grain) bool { return g.name() == name })
}

// get returns the grain of id, or nil.
func (t *grainTable) get(id ID) *grain {
	h := t.hashID(id)
	s := t.shard(h)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.set.Find(h/tableShards, func(g *grain) bool { return isName(g.name(), id) })
}

// put enters g under its name, in place of any entry there: a grain
// leaves the table before its name is free for another actor (see
// grainKind.end), so there is none but g itself after a restart.
func (t *grainTable) put(g *grain) { t.insert(g, true) }

// putIfAbsent enters g unless a grain of its name is there: it returns
// that one, or nil.
func (t *grainTable) putIfAbsent(g *grain) *grain { return t.insert(g, false) }

func (t *grainTable) insert(g *grain, replace bool) *grain {
	name := g.name()
	h := t.hashName(name)
	s := t.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set.Insert(g, h/tableShards, func(e *grain) bool { return e.name() == name }, replace, t.slotHash)
}

// remove removes g, if it is still its name's entry.
func (t *grainTable) remove(g *grain) {
	h := t.hashName(g.name())
	s := t.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set.Remove(g, h/tableShards, t.slotHash)
}

// each calls f with every grain in the table, a shard at a time and
// outside the shard's lock (f may stop a grain, which removes it). It
// copies one shard's grains at a time, not the whole table: a sweep over
// many grains would otherwise make a slice of them all, each time.
func (t *grainTable) each(f func(*grain)) {
	var batch []*grain
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.RLock()
		batch = batch[:0]
		s.set.Each(func(g *grain) { batch = append(batch, g) })
		s.mu.RUnlock()
		for _, g := range batch {
			f(g)
		}
	}
	clear(batch[:cap(batch)]) // let the last shard's grains go
}

// all returns every grain in the table.
func (t *grainTable) all() []*grain {
	var out []*grain
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.RLock()
		s.set.Each(func(g *grain) { out = append(out, g) })
		s.mu.RUnlock()
	}
	return out
}

// len returns how many grains the table holds.
func (t *grainTable) len() int {
	n := 0
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.RLock()
		n += s.set.Len()
		s.mu.RUnlock()
	}
	return n
}
