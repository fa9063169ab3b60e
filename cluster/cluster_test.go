package cluster

import (
	"testing"
	"time"
)

// TestTwoMembersRequest: requests from either member reach the same
// activation of an identity, on the member that owns it, while the views
// agree.
func TestTwoMembersRequest(t *testing.T) {
	life := newLifeLog()
	ms := startCluster(t, 2, life)
	doubted := watchDoubts(ms)
	ctx := ctxFor(t, 10*time.Second)
	excused := 0
	for i := range 20 {
		id := echoID(i)
		r1, err := ms[0].c.Request(ctx, id, "a")
		if err != nil {
			t.Fatal(err)
		}
		r2, err := ms[1].c.Request(ctx, id, "b")
		if err != nil {
			t.Fatal(err)
		}
		a, b := r1.(echoReply), r2.(echoReply)
		want := ms[0].c.view.current().ownerOf(id)
		if a.Token == b.Token && a.Node == b.Node && b.N == 2 && a.Node == want {
			continue
		}
		// A view that doubted a member placed the identity without it.
		if !doubted.of(a.Node, b.Node) {
			t.Fatalf("%v: two activations, a lost message or the wrong owner (%s), though no view ever doubted a member: %+v %+v\n%v", id, want, a, b, doubted)
		}
		excused++
		t.Logf("%v: answered %+v then %+v after a view doubted a member (a starved host):\n%v", id, a, b, doubted)
	}
	if excused > 0 {
		t.Logf("%d of 20 identities excused", excused)
	}
}

// TestTenMembers: ten members on loopback all see ten; 1,000 identities
// spread over them; requests from every member reach the same activation;
// when one member is closed its identities answer from others and the
// rest never move.
func TestTenMembers(t *testing.T) {
	if testing.Short() {
		t.Skip("ten members: not in -short")
	}
	life := newLifeLog()
	ms := startCluster(t, 10, life)
	// Every change of every view from now on: only a member doubted (see
	// doubts) may explain an identity that moved.
	doubted := watchDoubts(ms).of
	ctx := ctxFor(t, 60*time.Second)
	const n = 1000
	first := make([]echoReply, n)
	spread := map[string]int{}
	for i := range n {
		r, err := ms[i%10].c.Request(ctx, echoID(i), "hello")
		if err != nil {
			t.Fatalf("%v: %v", echoID(i), err)
		}
		first[i] = r.(echoReply)
		spread[first[i].Node]++
	}
	var counts []int
	for _, m := range ms {
		counts = append(counts, spread[m.c.Addr()])
	}
	t.Logf("1,000 identities over 10 members: %v", counts)
	// Every member reaches the same activation of a sample of identities.
	for i := 0; i < n; i += 37 {
		for _, m := range ms {
			r, err := m.c.Request(ctx, echoID(i), "again")
			if err != nil {
				t.Fatal(err)
			}
			if got := r.(echoReply); got.Token != first[i].Token {
				t.Fatalf("%v: member %s reached activation %s on %s, first was %s on %s",
					echoID(i), m.c.Addr(), got.Token, got.Node, first[i].Token, first[i].Node)
			}
		}
	}
	// Single activation holds while the views agree; a member falsely
	// suspected on a starved host makes them disagree for a while.
	if d := life.duplicates(); d != 0 {
		var all []string
		for _, m := range ms {
			all = append(all, m.c.Addr())
		}
		if !doubted(all...) {
			t.Fatalf("%d duplicate activations, though no view ever doubted a member", d)
		}
		t.Logf("%d duplicate activations after a member was suspected (a starved host)", d)
	}

	gone := ms[3]
	gone.close()
	rest := append(append([]*member{}, ms[:3]...), ms[4:]...)
	waitAlive(t, rest, 9)
	moved, excused := 0, 0
	for i := range n {
		r, err := rest[i%9].c.Request(ctx, echoID(i), "after")
		if err != nil {
			t.Fatalf("%v after the close: %v", echoID(i), err)
		}
		got := r.(echoReply)
		switch {
		case first[i].Node == gone.c.Addr():
			if got.Node == gone.c.Addr() {
				t.Fatalf("%v answered from the closed member", echoID(i))
			}
			moved++
		case got.Token != first[i].Token && doubted(first[i].Node, got.Node):
			excused++ // a view doubted one of the two: a move is what should follow
		case got.Token != first[i].Token:
			t.Fatalf("%v moved from %s to %s though no view ever doubted either", echoID(i), first[i].Node, got.Node)
		}
	}
	t.Logf("%d identities of the closed member answered from others", moved)
	if excused > 0 {
		t.Logf("%d identities moved after a member was suspected (a starved host)", excused)
	}
	if moved != spread[gone.c.Addr()] {
		t.Fatalf("moved %d, the closed member owned %d", moved, spread[gone.c.Addr()])
	}
}
