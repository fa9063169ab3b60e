package cluster

import (
	"testing"
	"time"
)

func TestTwoMembersRequest(t *testing.T) {
	life := newLifeLog()
	ms := startCluster(t, 2, life)
	ctx := ctxFor(t, 10*time.Second)
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
		if a.Token != b.Token || a.Node != b.Node || b.N != 2 {
			t.Fatalf("%v: two activations or lost message: %+v %+v", id, a, b)
		}
		if want := ms[0].c.view.current().ownerOf(id); a.Node != want {
			t.Fatalf("%v answered from %s, owner is %s", id, a.Node, want)
		}
	}
}
