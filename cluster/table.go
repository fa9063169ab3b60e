package cluster

import (
	"hash/maphash"
	"sync"
)

// grainTable holds the grains of this member, by actor name: open
// addressing over shards of pointers, each grain found by its own name.
// A map from an identity to its entry cost about 90 bytes a grain, more
// than the grain itself; a slot here is 8 bytes, about 14 with the room
// that keeps probes short.
type grainTable struct {
	seed   maphash.Seed
	shards [tableShards]tableShard
}

// tableShards spreads the lock of a local send's lookup; a shard starts
// with no slots.
const tableShards = 32

type tableShard struct {
	mu    sync.RWMutex
	slots []*grain // nil, or a power of two long; linear probing
	n     int      // grains held
}

func newGrainTable() *grainTable { return &grainTable{seed: maphash.MakeSeed()} }

// The hash of a name picks a shard with its low bits and a slot with the
// rest.
func (t *grainTable) hashName(name string) uint64 { return maphash.String(t.seed, name) }

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

func (t *grainTable) shard(h uint64) *tableShard { return &t.shards[h%tableShards] }

// byName returns the grain named name, or nil.
func (t *grainTable) byName(name string) *grain {
	h := t.hashName(name)
	s := t.shard(h)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.slots == nil {
		return nil
	}
	mask := uint64(len(s.slots) - 1)
	for i := h / tableShards & mask; ; i = (i + 1) & mask {
		g := s.slots[i]
		if g == nil || g.name == name {
			return g
		}
	}
}

// get returns the grain of id, or nil.
func (t *grainTable) get(id ID) *grain {
	h := t.hashID(id)
	s := t.shard(h)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.slots == nil {
		return nil
	}
	mask := uint64(len(s.slots) - 1)
	for i := h / tableShards & mask; ; i = (i + 1) & mask {
		g := s.slots[i]
		if g == nil || isName(g.name, id) {
			return g
		}
	}
}

// put enters g under its name. An entry it replaces is of a grain that is
// ending (its process has left the System, and its Stopped, still to run,
// removes only itself), or of a local sender's whose spawn will fail.
func (t *grainTable) put(g *grain) { t.insert(g, true) }

// putIfAbsent enters g unless a grain of its name is there: it returns
// that one, or nil.
func (t *grainTable) putIfAbsent(g *grain) *grain { return t.insert(g, false) }

func (t *grainTable) insert(g *grain, replace bool) *grain {
	h := t.hashName(g.name)
	s := t.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if (s.n+1)*4 > len(s.slots)*3 { // over three quarters full
		s.resize(max(8, len(s.slots)*2), t)
	}
	mask := uint64(len(s.slots) - 1)
	for i := h / tableShards & mask; ; i = (i + 1) & mask {
		switch old := s.slots[i]; {
		case old == nil:
			s.slots[i] = g
			s.n++
			return nil
		case old.name == g.name:
			if replace {
				s.slots[i] = g
			}
			return old
		}
	}
}

// remove removes g, if it is still its name's entry.
func (t *grainTable) remove(g *grain) {
	h := t.hashName(g.name)
	s := t.shard(h)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.slots == nil {
		return
	}
	mask := uint64(len(s.slots) - 1)
	i := h / tableShards & mask
	for ; s.slots[i] != g; i = (i + 1) & mask {
		if s.slots[i] == nil {
			return
		}
	}
	// Backward-shift deletion: move up the entries after i that probed
	// past it, so that no lookup stops early at the hole.
	for j := i; ; {
		s.slots[i] = nil
		for {
			j = (j + 1) & mask
			e := s.slots[j]
			if e == nil {
				s.n--
				if s.n*8 < len(s.slots) && len(s.slots) > 8 { // under an eighth: give memory back
					s.resize(len(s.slots)/2, t)
				}
				return
			}
			home := t.hashName(e.name) / tableShards & mask
			// e may fill the hole at i unless its home lies cyclically in (i, j].
			if (j > i && (home <= i || home > j)) || (j < i && home <= i && home > j) {
				s.slots[i] = e
				i = j
				break
			}
		}
	}
}

// resize moves the shard's grains to n slots.
func (s *tableShard) resize(n int, t *grainTable) {
	old := s.slots
	s.slots = make([]*grain, n)
	mask := uint64(n - 1)
	for _, g := range old {
		if g == nil {
			continue
		}
		i := t.hashName(g.name) / tableShards & mask
		for s.slots[i] != nil {
			i = (i + 1) & mask
		}
		s.slots[i] = g
	}
}

// all returns every grain in the table.
func (t *grainTable) all() []*grain {
	var out []*grain
	for i := range t.shards {
		s := &t.shards[i]
		s.mu.RLock()
		for _, g := range s.slots {
			if g != nil {
				out = append(out, g)
			}
		}
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
		n += s.n
		s.mu.RUnlock()
	}
	return n
}
