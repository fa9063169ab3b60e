package cluster

import (
	"context"
	"testing"

	"github.com/troupe-go/troupe/actor"
)

// namedGrains spawns an actor named after each identity, with a tag and
// no hooks, and returns the tags as grains: the table knows a grain by
// its actor's name.
func namedGrains(t *testing.T, ids ...ID) []*grain {
	t.Helper()
	sys := actor.NewSystem()
	t.Cleanup(func() { sys.Shutdown(context.Background()) })
	out := make([]*grain, len(ids))
	for i, id := range ids {
		tag := actor.NewTag(nil)
		if _, err := sys.SpawnFunc(func(*actor.Context) {}, actor.WithName(actorName(id)), actor.WithTag(tag)); err != nil {
			t.Fatal(err)
		}
		out[i] = grainOf(tag)
	}
	return out
}

// TestGrainTableByIDAndName: the table finds a grain by its identity (its
// actor name hashed in pieces, never made) as by its name, and tells
// apart identities whose names share bytes.
func TestGrainTableByIDAndName(t *testing.T) {
	tb := newGrainTable()
	held := []ID{{"a", "b/c"}, {"ab", "c"}, {"a", "bc"}}
	for _, g := range namedGrains(t, held...) {
		tb.put(g)
	}
	for _, id := range held {
		if g := tb.get(id); g == nil || g.name() != actorName(id) || tb.byName(actorName(id)) != g {
			t.Fatalf("%v: found %v by identity", id, g)
		}
	}
	for _, id := range []ID{{"a", "b"}, {"echo", "x"}, {"a", "b/"}} {
		if g := tb.get(id); g != nil {
			t.Fatalf("%v: found %q", id, g.name())
		}
	}
	if n := tb.len(); n != 3 {
		t.Fatalf("%d held, want 3", n)
	}
}

// TestGrainTableEach: each visits every grain once, and f may remove
// grains from the table (a stop does) without waiting on the shard's lock.
func TestGrainTableEach(t *testing.T) {
	tb := newGrainTable()
	const n = 500
	ids := make([]ID, n)
	for i := range ids {
		ids[i] = echoID(i)
	}
	for _, g := range namedGrains(t, ids...) {
		tb.put(g)
	}
	seen := map[*grain]int{}
	tb.each(func(g *grain) {
		seen[g]++
		tb.remove(g)
	})
	if len(seen) != n {
		t.Fatalf("visited %d grains, want %d", len(seen), n)
	}
	for g, k := range seen {
		if k != 1 {
			t.Fatalf("%s visited %d times", g.name(), k)
		}
	}
	if l := tb.len(); l != 0 {
		t.Fatalf("%d left after each removed them all", l)
	}
}
