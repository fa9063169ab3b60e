package cluster

import (
	"hash/maphash"
	"sync"

	"github.com/troupe-go/troupe/internal/openset"
)

// pidCache remembers which identities this member has found activated on
// which owner, so that a send to a warm identity on another member goes
// straight to its PID, which is fixed: {owner, actorName(id)}. An entry
// is a 64-bit key, a keyed hash of the identity and its owner's address:
// about 12 bytes (a slot of 8, the set half to three quarters full), where
// an entry holding the PID and the identity took over 100, which mattered
// with many grains. The grains of this member are not cached: the
// activation table finds them.
//
// Two identities whose keys collide (a chance of about n²/2⁶⁵ among n
// entries, and not one a sender can aim at: the seed is random per
// process) make one of them look activated when it may not be: a request
// to it then fails with actor.ErrNotFound and is retried after the entry
// is forgotten, and a send is a dead letter on the owner with that
// reason, as after a passivation.
type pidCache struct {
	seed   maphash.Seed
	shards [cacheShards]cacheShard
}

const (
	cacheShards = 64
	// maxCachePerShard bounds the cache; past it a shard starts again
	// empty (its identities are found again on their next send).
	maxCachePerShard = 1 << 14
)

// cacheShard is a set of keys (see openset.Set): 8 bytes a slot, where a Go
// map of them took about 33 bytes an entry. A key is never 0, which
// marks an empty slot.
type cacheShard struct {
	mu  sync.RWMutex
	set openset.Set[uint64]
}

func newPIDCache() *pidCache { return &pidCache{seed: maphash.MakeSeed()} }

// key is the entry of id activated on the member whose address hashes
// to owner (see newCandidate).
func (c *pidCache) key(id ID, owner uint64) uint64 {
	var h maphash.Hash
	h.SetSeed(c.seed)
	h.WriteString(id.Kind)
	h.WriteByte(0)
	h.WriteString(id.Name)
	return max(h.Sum64()^owner, 1)
}

// The low bits of a key pick its shard, the rest its slot.
func (c *pidCache) shard(key uint64) *cacheShard { return &c.shards[key%cacheShards] }

func slotOf(key uint64) uint64 { return key / cacheShards }

func (c *pidCache) has(key uint64) bool {
	s := c.shard(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.set.Find(slotOf(key), func(k uint64) bool { return k == key }) != 0
}

func (c *pidCache) add(key uint64) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set.Len() >= maxCachePerShard {
		s.set = openset.Set[uint64]{}
	}
	s.set.Insert(key, slotOf(key), func(k uint64) bool { return k == key }, false, slotOf)
}

func (c *pidCache) forget(key uint64) {
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set.Remove(key, slotOf(key), slotOf)
}
