package actor

import (
	"hash/maphash"
	"sync"
)

// registryShards spreads actors over independently locked maps, so that
// spawns and lookups of different actors do not contend.
const registryShards = 64

// registry maps local actor IDs to their processes. Typed string keys hash
// faster than sync.Map's interface keys, and lookups, the hot path of every
// send, only take a shard's read lock.
type registry struct {
	seed   maphash.Seed
	shards [registryShards]registryShard
}

type registryShard struct {
	mu sync.RWMutex
	m  map[string]*process
	_  [64 - 32]byte // keep shards on separate cache lines
}

func newRegistry() *registry {
	r := &registry{seed: maphash.MakeSeed()}
	for i := range r.shards {
		r.shards[i].m = make(map[string]*process)
	}
	return r
}

func (r *registry) shard(id string) *registryShard {
	return &r.shards[maphash.String(r.seed, id)%registryShards]
}

func (r *registry) load(id string) *process {
	s := r.shard(id)
	s.mu.RLock()
	p := s.m[id]
	s.mu.RUnlock()
	return p
}

// add registers p under its ID unless the ID is taken.
func (r *registry) add(p *process) bool {
	s := r.shard(p.pid.ID)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, taken := s.m[p.pid.ID]; taken {
		return false
	}
	s.m[p.pid.ID] = p
	return true
}

// remove unregisters p, if its ID still names it.
func (r *registry) remove(p *process) {
	s := r.shard(p.pid.ID)
	s.mu.Lock()
	if s.m[p.pid.ID] == p {
		delete(s.m, p.pid.ID)
	}
	s.mu.Unlock()
}

// each calls f for every registered process, shard by shard, without
// holding a lock while f runs.
func (r *registry) each(f func(*process)) {
	var batch []*process
	for i := range r.shards {
		s := &r.shards[i]
		s.mu.RLock()
		batch = batch[:0]
		for _, p := range s.m {
			batch = append(batch, p)
		}
		s.mu.RUnlock()
		for _, p := range batch {
			f(p)
		}
	}
}
