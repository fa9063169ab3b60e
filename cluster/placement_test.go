package cluster

import (
	"fmt"
	"slices"
	"testing"

	"github.com/troupe-go/troupe/actor"
)

func candidates(addrs ...string) []candidate {
	c := make([]candidate, len(addrs))
	for i, a := range addrs {
		c[i] = newCandidate(a)
	}
	return c
}

func ownerOf(cands []candidate, id ID) string {
	i := owner(cands, hashID(id))
	if i < 0 {
		return ""
	}
	return cands[i].addr
}

func tenAddrs() []string {
	var a []string
	for i := range 10 {
		a = append(a, fmt.Sprintf("127.0.0.1:%d", 7001+i))
	}
	return a
}

func TestOwnerTable(t *testing.T) {
	room := func(n string) ID { return ID{Kind: "room", Name: n} }
	three := candidates("10.0.0.1:7001", "10.0.0.2:7001", "10.0.0.3:7001")
	tests := []struct {
		name  string
		cands []candidate
		id    ID
		want  string
	}{
		{"no members", nil, room("a"), ""},
		{"one member owns all", candidates("10.0.0.1:7001"), room("a"), "10.0.0.1:7001"},
		{"one member owns all 2", candidates("10.0.0.1:7001"), room("zzz"), "10.0.0.1:7001"},
		// Fixed answers: placement must never change between releases,
		// or members of two releases would disagree on every owner.
		{"fixed a", three, room("a"), "10.0.0.3:7001"},
		{"fixed b", three, room("b"), "10.0.0.2:7001"},
		{"fixed lobby", three, room("lobby"), "10.0.0.3:7001"},
		{"fixed general", three, room("general"), "10.0.0.1:7001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ownerOf(tt.cands, tt.id); got != tt.want {
				t.Fatalf("owner = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestOwnerVectors pins the hash, so that a change to it, which would make
// two releases disagree on every owner, fails here first.
func TestOwnerVectors(t *testing.T) {
	if got, want := hashString(""), uint64(fnvOffset); got != want {
		t.Fatalf("hashString(\"\") = %#x, want %#x", got, want)
	}
	// FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c (the published test vector).
	if got, want := hashString("a"), uint64(0xaf63dc4c8601ec8c); got != want {
		t.Fatalf("hashString(a) = %#x, want %#x", got, want)
	}
	if hashID(ID{"ab", "c"}) == hashID(ID{"a", "bc"}) {
		t.Fatal("kind and name run together")
	}
}

func TestOwnerIndependentOfOrder(t *testing.T) {
	addrs := tenAddrs()
	a := candidates(addrs...)
	r := slices.Clone(addrs)
	slices.Reverse(r)
	b := candidates(r...)
	for i := range 1000 {
		id := ID{"room", fmt.Sprint(i)}
		if x, y := ownerOf(a, id), ownerOf(b, id); x != y {
			t.Fatalf("%v: %s in one order, %s in the other", id, x, y)
		}
	}
}

// TestSpread places 1,000 identities on 10 members and reports the spread;
// each member must hold a fair share (100 ± 45, well outside what a fair
// hash gives: the standard deviation is about 9.5).
func TestSpread(t *testing.T) {
	cands := candidates(tenAddrs()...)
	count := map[string]int{}
	for i := range 1000 {
		count[ownerOf(cands, ID{"room", fmt.Sprintf("room-%d", i)})]++
	}
	var got []int
	for _, c := range cands {
		got = append(got, count[c.addr])
	}
	t.Logf("1,000 identities over 10 members: %v (min %d, max %d)", got, slices.Min(got), slices.Max(got))
	for i, n := range got {
		if n < 55 || n > 145 {
			t.Errorf("member %d holds %d identities", i, n)
		}
	}
}

// TestLeaveMovesOnlyItsOwn: when a member leaves, exactly its identities
// move, and they spread over the others.
func TestLeaveMovesOnlyItsOwn(t *testing.T) {
	addrs := tenAddrs()
	before := candidates(addrs...)
	after := candidates(slices.Delete(slices.Clone(addrs), 3, 4)...)
	gone := addrs[3]
	moved := map[string]int{}
	for i := range 1000 {
		id := ID{"room", fmt.Sprint(i)}
		b, a := ownerOf(before, id), ownerOf(after, id)
		switch {
		case b == gone:
			moved[a]++
		case a != b:
			t.Fatalf("%v moved from %s to %s though %s is still there", id, b, a, b)
		}
	}
	if len(moved) < 5 {
		t.Errorf("the leaver's identities went to %d members only: %v", len(moved), moved)
	}
}

// TestJoinTakesOnlyForItself: a member that joins takes identities from
// the others and nothing else moves.
func TestJoinTakesOnlyForItself(t *testing.T) {
	addrs := tenAddrs()
	before := candidates(addrs[:9]...)
	after := candidates(addrs...)
	taken := 0
	for i := range 1000 {
		id := ID{"room", fmt.Sprint(i)}
		b, a := ownerOf(before, id), ownerOf(after, id)
		if a != b {
			if a != addrs[9] {
				t.Fatalf("%v moved from %s to %s, not to the joiner", id, b, a)
			}
			taken++
		}
	}
	if taken < 50 || taken > 150 {
		t.Errorf("the joiner took %d of 1,000", taken)
	}
}

func TestIDValidate(t *testing.T) {
	long := func(n int) string { return string(make([]byte, n)) }
	tests := []struct {
		id ID
		ok bool
	}{
		{ID{"room", "a"}, true},
		{ID{"room", "a/b"}, true},
		{ID{"", "a"}, false},
		{ID{"room", ""}, false},
		{ID{"ro/om", "a"}, false},
		{ID{long(MaxKindLen + 1), "a"}, false},
		{ID{"room", long(MaxNameLen + 1)}, false},
		{ID{"room", long(MaxNameLen)}, true},
	}
	for _, tt := range tests {
		if err := tt.id.validate(); (err == nil) != tt.ok {
			t.Errorf("validate(%q) = %v, want ok %v", tt.id.String(), err, tt.ok)
		}
	}
}

func TestActorName(t *testing.T) {
	for _, id := range []ID{{"room", "a"}, {"room", "a/b/c"}, {"k", "x y"}} {
		got, ok := parseActorName(actorName(id))
		if !ok || got != id {
			t.Errorf("parseActorName(actorName(%v)) = %v, %v", id, got, ok)
		}
	}
	if id, ok := IdentityOf(actor.PID{Address: "x:1", ID: actorName(ID{"room", "a"})}); !ok || id != (ID{"room", "a"}) {
		t.Errorf("IdentityOf = %v, %v", id, ok)
	}
	for _, s := range []string{"", "room/a", "grain:", "grain:room", "grain:/a", "grain:room/"} {
		if id, ok := parseActorName(s); ok {
			t.Errorf("parseActorName(%q) = %v, want not ok", s, id)
		}
	}
}
