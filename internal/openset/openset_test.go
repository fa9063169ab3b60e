package openset_test

import (
	"math/rand/v2"
	"testing"

	"github.com/troupe-go/troupe/internal/openset"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestModel drives a Set and a map with the same random
// inserts and removals, under a hash that collides often, so that probes
// wrap around the slice and removals shift entries back, and checks that
// they hold the same entries after every step.
func TestModel(t *testing.T) {
	hash := func(v uint64) uint64 { return v % 13 } // few homes: long probe runs
	eq := func(v uint64) func(uint64) bool { return func(e uint64) bool { return e == v } }
	var s openset.Set[uint64]
	model := map[uint64]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	grew, shrank := 0, 0
	const steps = 6000
	for step := range steps {
		v := 1 + r.Uint64N(200)
		before := s.Slots()
		// Mostly inserts in the first half, mostly removals in the second.
		insert := r.IntN(4) > 0
		if step >= steps/2 {
			insert = r.IntN(10) == 0
		}
		if insert {
			old := s.Insert(v, hash(v), eq(v), false, hash)
			if (old != 0) != model[v] {
				t.Fatalf("step %d: insert %d found %d, model has it: %v", step, v, old, model[v])
			}
			model[v] = true
		} else {
			s.Remove(v, hash(v), hash)
			delete(model, v)
		}
		switch {
		case s.Slots() > before:
			grew++
		case s.Slots() < before:
			shrank++
		}
		if s.Len() != len(model) {
			t.Fatalf("step %d: %d held, want %d", step, s.Len(), len(model))
		}
		for m := range model {
			if s.Find(hash(m), eq(m)) != m {
				t.Fatalf("step %d: %d lost", step, m)
			}
		}
		if !model[v] && s.Find(hash(v), eq(v)) != 0 {
			t.Fatalf("step %d: %d found after its removal", step, v)
		}
	}
	// Empty it: it gives its slots back.
	for m := range model {
		s.Remove(m, hash(m), hash)
	}
	if s.Len() != 0 || s.Slots() > 8 {
		t.Fatalf("emptied: %d held in %d slots", s.Len(), s.Slots())
	}
	if grew == 0 || shrank == 0 {
		t.Fatalf("grew %d, shrank %d times: the test proves little", grew, shrank)
	}
}

// TestReplace: insert with replace swaps the matching entry; a
// removal of a value that is not the entry leaves the entry alone.
func TestReplace(t *testing.T) {
	a, b := &entry{name: "x"}, &entry{name: "x"}
	hash := func(*entry) uint64 { return 7 }
	same := func(e *entry) bool { return e.name == "x" }
	var s openset.Set[*entry]
	if old := s.Insert(a, 7, same, false, hash); old != nil {
		t.Fatalf("first insert found %v", old)
	}
	if old := s.Insert(b, 7, same, false, hash); old != a {
		t.Fatal("putIfAbsent did not return the entry held")
	}
	if s.Find(7, same) != a {
		t.Fatal("the entry changed without replace")
	}
	if old := s.Insert(b, 7, same, true, hash); old != a || s.Find(7, same) != b || s.Len() != 1 {
		t.Fatalf("replace: old %v, now %v, %d held", old, s.Find(7, same), s.Len())
	}
	s.Remove(a, 7, hash)
	if s.Find(7, same) != b {
		t.Fatal("removing a removed b")
	}
	s.Remove(b, 7, hash)
	if s.Find(7, same) != nil || s.Len() != 0 {
		t.Fatal("b still held")
	}
}

// entry is a value held by pointer, as the registry's processes are.
type entry struct{ name string }
