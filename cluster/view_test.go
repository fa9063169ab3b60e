package cluster

import (
	"testing"
	"time"
)

// TestViewTransitions drives a view through joins, suspicions, deaths and
// leaves, and checks the states, the owners and the events at each step.
func TestViewTransitions(t *testing.T) {
	var got []MemberEvent
	pokes := 0
	v := newView(func(e MemberEvent) { got = append(got, e) }, func() { pokes++ })
	a := Member{Addr: "a:1", Incarnation: 1, Kinds: []string{"k"}}
	b := Member{Addr: "b:1", Incarnation: 1, Kinds: []string{"k"}}
	id := ID{"k", "x"}
	state := func(addr string) MemberState {
		m, ok := v.member(addr)
		if !ok {
			return -1
		}
		return m.State
	}
	steps := []struct {
		name     string
		do       func()
		a, b     MemberState // -1: absent
		events   int         // new events
		owners   int         // alive candidates for kind k
		newEpoch bool
	}{
		{"a joins", func() { v.alive(a) }, Alive, -1, 1, 1, true},
		{"b joins", func() { v.alive(b) }, Alive, Alive, 1, 2, true},
		{"b again, unchanged", func() { v.alive(b) }, Alive, Alive, 0, 2, false},
		{"b lost by the transport", func() { v.suspect("b:1") }, Alive, Suspect, 1, 1, true},
		{"suspect again", func() { v.suspect("b:1") }, Alive, Suspect, 0, 1, false},
		{"memberlist still sees b's run", func() { v.alive(b) }, Alive, Suspect, 0, 1, false},
		{"a probe clears another run: no", func() { v.cleared("b:1", 2) }, Alive, Suspect, 0, 1, false},
		{"a probe reaches b", func() { v.cleared("b:1", 1) }, Alive, Alive, 1, 2, true},
		{"b dies", func() { v.gone("b:1", false) }, Alive, Dead, 1, 1, true},
		{"suspecting a dead member: no", func() { v.suspect("b:1") }, Alive, Dead, 0, 1, false},
		{"b comes back, new run", func() { b.Incarnation = 2; v.alive(b) }, Alive, Alive, 1, 2, true},
		{"b suspect, then a new run clears it", func() { v.suspect("b:1"); b.Incarnation = 3; v.alive(b) }, Alive, Alive, 2, 2, true},
		{"b leaves", func() { v.gone("b:1", true) }, Alive, -1, 1, 1, true},
		{"unknown member gone: nothing", func() { v.gone("c:1", false) }, Alive, -1, 0, 1, false},
	}
	for _, s := range steps {
		before, epoch := len(got), v.current().epoch
		s.do()
		if state("a:1") != s.a || state("b:1") != s.b {
			t.Fatalf("%s: a %v, b %v; want %v, %v", s.name, state("a:1"), state("b:1"), s.a, s.b)
		}
		if n := len(got) - before; n != s.events {
			t.Fatalf("%s: %d events, want %d: %+v", s.name, n, s.events, got[before:])
		}
		if n := len(v.current().byKind["k"]); n != s.owners {
			t.Fatalf("%s: %d candidates, want %d", s.name, n, s.owners)
		}
		if (v.current().epoch != epoch) != s.newEpoch {
			t.Fatalf("%s: epoch %d -> %d", s.name, epoch, v.current().epoch)
		}
		if o := v.current().ownerOf(id); o == "" {
			t.Fatalf("%s: no owner", s.name)
		}
	}
	if pokes != len(got) {
		t.Fatalf("%d pokes for %d changes", pokes, len(got))
	}
	last := got[len(got)-1]
	if last.Member.State != Left || last.Previous != Alive {
		t.Fatalf("last event %+v", last)
	}
}

// TestOwnerWithout: the previous owner is the best of the others.
func TestOwnerWithout(t *testing.T) {
	v := newView(func(MemberEvent) {}, func() {})
	for _, addr := range []string{"a:1", "b:1", "c:1"} {
		v.alive(Member{Addr: addr, Incarnation: 1, Kinds: []string{"k"}})
	}
	s := v.current()
	for i := range 200 {
		id := ID{"k", string(rune('a'+i%26)) + string(rune(i))}
		o := s.ownerOf(id)
		if got := s.ownerWithout(id, o); got == o || got == "" {
			t.Fatalf("%v: owner %s, without it %q", id, o, got)
		}
		for _, other := range []string{"a:1", "b:1", "c:1"} {
			if other != o && s.ownerWithout(id, other) != "" && s.ownerWithout(id, other) != o {
				t.Fatalf("%v: without %s, %s; want the owner %s", id, other, s.ownerWithout(id, other), o)
			}
		}
	}
	if got := s.ownerWithout(ID{"none", "x"}, "a:1"); got != "" {
		t.Fatalf("unhosted kind: %q", got)
	}
}

// TestViewReap: dead members are forgotten after a while, others never.
func TestViewReap(t *testing.T) {
	v := newView(func(MemberEvent) {}, func() {})
	for _, addr := range []string{"a:1", "b:1", "c:1"} {
		v.alive(Member{Addr: addr, Incarnation: 1, Kinds: []string{"k"}})
	}
	v.gone("b:1", false)
	v.suspect("c:1")
	epoch := v.current().epoch
	v.reap(time.Now().Add(-time.Hour)) // b died just now: kept
	if _, ok := v.member("b:1"); !ok || v.current().epoch != epoch {
		t.Fatal("b forgotten too soon")
	}
	v.reap(time.Now().Add(time.Second))
	if _, ok := v.member("b:1"); ok {
		t.Fatal("b not forgotten")
	}
	if m, ok := v.member("c:1"); !ok || m.State != Suspect {
		t.Fatal("a suspect member was forgotten")
	}
	if n := len(v.current().members); n != 2 {
		t.Fatalf("%d members in the snapshot", n)
	}
}
