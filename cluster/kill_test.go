package cluster

import (
	"errors"
	"testing"
	"time"

	"github.com/troupe-go/troupe/remote"
)

// TestKillMember: a member process killed with SIGKILL; requests to its
// identities succeed from the others within 3 s, and none gets a wrong or
// duplicate answer.
func TestKillMember(t *testing.T) {
	if testing.Short() {
		t.Skip("a member process: not in -short")
	}
	life := newLifeLog()
	ms := startCluster(t, 2, life)
	ch := startChild(t, map[string]string{childSeeds: ms[0].c.GossipAddr()})
	waitAlive(t, ms, 3)
	ctx := ctxFor(t, 30*time.Second)
	var ids []ID
	for i := 0; len(ids) < 20; i++ {
		if id := echoID(i); ms[0].c.view.current().ownerOf(id) == ch.Node {
			ids = append(ids, id)
		}
	}
	for k, id := range ids {
		r, err := ms[k%2].c.Request(ctx, id, "x")
		if err != nil {
			t.Fatal(err)
		}
		if got := r.(echoReply).Node; got != ch.Node {
			t.Fatalf("%v answered from %s, not the child", id, got)
		}
	}
	ch.kill()
	killed := time.Now()
	var worst time.Duration
	tokens := map[ID]string{}
	for k, id := range ids {
		for {
			r, err := ms[k%2].c.Request(ctxFor(t, time.Second), id, "y")
			if err != nil {
				if !errors.Is(err, remote.ErrNodeDown) && !errors.Is(err, ErrHandoff) {
					t.Fatalf("%v: %v", id, err)
				}
				if time.Since(killed) > 3*time.Second {
					t.Fatalf("%v still failing 3 s after the kill: %v", id, err)
				}
				continue
			}
			e := r.(echoReply)
			if e.Node == ch.Node || e.N != 1 {
				t.Fatalf("%v: wrong answer %+v", id, e)
			}
			tokens[id] = e.Token
			break
		}
		worst = max(worst, time.Since(killed))
	}
	t.Logf("every identity of the killed member answered within %v of the kill", worst.Round(time.Millisecond))
	waitAlive(t, ms, 2)
	t.Logf("the killed member was out of every view %v after the kill", time.Since(killed).Round(time.Millisecond))
	if worst > 3*time.Second {
		t.Fatalf("recovery took %v", worst)
	}
	// Both survivors reach the same new activations, each message once.
	for _, id := range ids {
		for k, m := range ms {
			r, err := m.c.Request(ctx, id, "z")
			if err != nil {
				t.Fatal(err)
			}
			if e := r.(echoReply); e.Token != tokens[id] || e.N != 2+k {
				t.Fatalf("%v: %+v, want token %s and message %d", id, e, tokens[id], 2+k)
			}
		}
	}
}
