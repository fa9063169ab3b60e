package cluster

import (
	"sync"

	"github.com/troupe-go/troupe/actor"
)

// pidCache remembers where this member last found each identity it sent
// to. It is sharded maps of values, not a sync.Map: an entry costs about a
// third as much, which matters with many grains, and a send finds it with
// one read lock on one of 64 shards.
type pidCache struct {
	shards [cacheShards]cacheShard
}

const (
	cacheShards = 64
	// maxCachePerShard bounds the cache; past it a shard starts again
	// empty (its identities are found again on their next send).
	maxCachePerShard = 1 << 14
)

type cacheShard struct {
	mu sync.RWMutex
	m  map[ID]cacheEntry
}

// cacheEntry is where an identity was found, in view epoch; act is its
// activation when it is on this member.
type cacheEntry struct {
	pid   actor.PID
	act   *activation
	epoch uint64
}

func (c *pidCache) shard(id ID) *cacheShard {
	return &c.shards[fnvAdd(fnvOffset, id.Name)%cacheShards]
}

func (c *pidCache) load(id ID) (cacheEntry, bool) {
	s := c.shard(id)
	s.mu.RLock()
	e, ok := s.m[id]
	s.mu.RUnlock()
	return e, ok
}

func (c *pidCache) store(id ID, e cacheEntry) {
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil || len(s.m) >= maxCachePerShard {
		s.m = map[ID]cacheEntry{}
	}
	s.m[id] = e
}

// forget drops id's entry if it still holds pid.
func (c *pidCache) forget(id ID, pid actor.PID) {
	s := c.shard(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.m[id]; ok && e.pid == pid {
		delete(s.m, id)
	}
}
