package cluster

import (
	"math/rand/v2"
	"testing"
)

// TestOpenSetModel drives an openSet and a map with the same random
// inserts and removals, under a hash that collides often, so that probes
// wrap around the slice and removals shift entries back, and checks that
// they hold the same entries after every step.
func TestOpenSetModel(t *testing.T) {
	hash := func(v uint64) uint64 { return v % 13 } // few homes: long probe runs
	eq := func(v uint64) func(uint64) bool { return func(e uint64) bool { return e == v } }
	var s openSet[uint64]
	model := map[uint64]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	grew, shrank := 0, 0
	const steps = 6000
	for step := range steps {
		v := 1 + r.Uint64N(200)
		before := len(s.slots)
		// Mostly inserts in the first half, mostly removals in the second.
		insert := r.IntN(4) > 0
		if step >= steps/2 {
			insert = r.IntN(10) == 0
		}
		if insert {
			old := s.insert(v, hash(v), eq(v), false, hash)
			if (old != 0) != model[v] {
				t.Fatalf("step %d: insert %d found %d, model has it: %v", step, v, old, model[v])
			}
			model[v] = true
		} else {
			s.remove(v, hash(v), hash)
			delete(model, v)
		}
		switch {
		case len(s.slots) > before:
			grew++
		case len(s.slots) < before:
			shrank++
		}
		if s.n != len(model) {
			t.Fatalf("step %d: %d held, want %d", step, s.n, len(model))
		}
		for m := range model {
			if s.find(hash(m), eq(m)) != m {
				t.Fatalf("step %d: %d lost", step, m)
			}
		}
		if !model[v] && s.find(hash(v), eq(v)) != 0 {
			t.Fatalf("step %d: %d found after its removal", step, v)
		}
	}
	// Empty it: it gives its slots back.
	for m := range model {
		s.remove(m, hash(m), hash)
	}
	if s.n != 0 || len(s.slots) > 8 {
		t.Fatalf("emptied: %d held in %d slots", s.n, len(s.slots))
	}
	if grew == 0 || shrank == 0 {
		t.Fatalf("grew %d, shrank %d times: the test proves little", grew, shrank)
	}
}

// TestOpenSetReplace: insert with replace swaps the matching entry; a
// removal of a value that is not the entry leaves the entry alone.
func TestOpenSetReplace(t *testing.T) {
	a, b := &grain{name: "x"}, &grain{name: "x"}
	hash := func(*grain) uint64 { return 7 }
	same := func(e *grain) bool { return e.name == "x" }
	var s openSet[*grain]
	if old := s.insert(a, 7, same, false, hash); old != nil {
		t.Fatalf("first insert found %v", old)
	}
	if old := s.insert(b, 7, same, false, hash); old != a {
		t.Fatal("putIfAbsent did not return the entry held")
	}
	if s.find(7, same) != a {
		t.Fatal("the entry changed without replace")
	}
	if old := s.insert(b, 7, same, true, hash); old != a || s.find(7, same) != b || s.n != 1 {
		t.Fatalf("replace: old %v, now %v, %d held", old, s.find(7, same), s.n)
	}
	s.remove(a, 7, hash)
	if s.find(7, same) != b {
		t.Fatal("removing a removed b")
	}
	s.remove(b, 7, hash)
	if s.find(7, same) != nil || s.n != 0 {
		t.Fatal("b still held")
	}
}

// TestGrainTableByIDAndName: the table finds a grain by its identity (its
// actor name hashed in pieces, never made) as by its name, and tells
// apart identities whose names share bytes.
func TestGrainTableByIDAndName(t *testing.T) {
	tb := newGrainTable()
	held := []ID{{"a", "b/c"}, {"ab", "c"}, {"a", "bc"}}
	for _, id := range held {
		tb.put(&grain{name: actorName(id)})
	}
	for _, id := range held {
		if g := tb.get(id); g == nil || g.name != actorName(id) || tb.byName(actorName(id)) != g {
			t.Fatalf("%v: found %v by identity", id, g)
		}
	}
	for _, id := range []ID{{"a", "b"}, {"echo", "x"}, {"a", "b/"}} {
		if g := tb.get(id); g != nil {
			t.Fatalf("%v: found %q", id, g.name)
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
	for i := range n {
		tb.put(&grain{name: actorName(echoID(i))})
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
			t.Fatalf("%s visited %d times", g.name, k)
		}
	}
	if l := tb.len(); l != 0 {
		t.Fatalf("%d left after each removed them all", l)
	}
}
