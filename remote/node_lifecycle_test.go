package remote_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

// When the local node stops, its own watchers of remote actors are told
// why: the reason wraps ErrNodeStopped (and ErrNodeDown), not the end of
// the connection that the stop caused.
func TestNodeStopTellsLocalWatchers(t *testing.T) {
	for _, graceful := range []bool{true, false} {
		nodes := startNodes(t, 2, remote.Config{})
		a, b := nodes[0], nodes[1]
		spawn(t, b.sys, "echo", echoActor)
		stillServes(t, a, b)
		w := actortest.NewProbe(t, a.sys)
		w.Watch(b.pid("echo"))
		if graceful {
			a.node.Stop(context.Background())
		} else {
			a.node.Close()
		}
		m := actortest.ExpectMsgType[actor.Terminated](w)
		if !errors.Is(m.Reason, remote.ErrNodeStopped) || !errors.Is(m.Reason, remote.ErrNodeDown) {
			t.Fatalf("graceful %v: Terminated reason %q, want ErrNodeStopped and ErrNodeDown", graceful, m.Reason)
		}
	}
}

// 100 cycles of connect, cut and reconnect through the proxy leave no
// goroutine behind and the peer table at one entry.
func TestNodeReconnectCyclesLeakNothing(t *testing.T) {
	const cycles = 100
	before := goleak.IgnoreCurrent()
	t.Run("cycles", func(t *testing.T) {
		pn := newProxyNet()
		a, _ := pn.node(t, quickReconnect)
		b, proxy := pn.node(t, quickReconnect)
		spawn(t, b.sys, "echo", echoActor)
		events := nodeEvents(t, a.sys)
		base := 0
		for i := range cycles {
			stillServes(t, a, b)
			if i == 1 {
				base = runtime.NumGoroutine()
			}
			proxy.Cut()
			waitNodeDown(t, events, b.node.Addr())
		}
		stillServes(t, a, b)
		if st := a.node.Stats(); len(st) != 1 || st[0].Connects != cycles+1 {
			t.Fatalf("stats after %d cycles: %+v", cycles, st)
		}
		if n := runtime.NumGoroutine(); n > base+8 {
			t.Fatalf("%d goroutines after %d cycles, %d after the first", n, cycles, base)
		}
	})
	goleak.VerifyNone(t, before)
}

// waitPeers waits until a's peer table holds n peers.
func waitPeers(t testing.TB, a *testNode, n int) {
	t.Helper()
	deadline := time.Now().Add(testkit.WaitLimit)
	for len(a.node.Stats()) != n {
		if time.Now().After(deadline) {
			t.Fatalf("peers %+v, want %d", a.node.Stats(), n)
		}
		time.Sleep(time.Millisecond) // no event says a peer left the table
	}
}

// A peer down for ReconnectGiveUp with nothing queued leaves the peer
// table, whether it was never reached or went away; a later send to its
// address makes a new one.
func TestNodeForgetsPeers(t *testing.T) {
	cfg := quickReconnect
	cfg.ReconnectGiveUp = 200 * time.Millisecond
	a := startNode(t, cfg)
	dead := deadLetters(t, a.sys)
	var gone []string
	for range 5 { // nodes that lived and stopped
		b := startNode(t, cfg)
		spawn(t, b.sys, "echo", echoActor)
		stillServes(t, a, b)
		b.node.Close()
		gone = append(gone, b.node.Addr())
	}
	if err := a.sys.Send(actor.PID{Address: gone[0], ID: "echo"}, Ping{}); err != nil {
		t.Fatal(err) // queued for a node that is no more: a dead letter after the give-up
	}
	waitDeadLetter(t, dead, remote.ErrNodeUnreachable)
	waitPeers(t, a, 0)

	b := startNode(t, cfg)
	spawn(t, b.sys, "echo", echoActor)
	stillServes(t, a, b)
	if st := a.node.Stats(); len(st) != 1 || st[0].Addr != b.node.Addr() {
		t.Fatalf("peers %+v", st)
	}
}
