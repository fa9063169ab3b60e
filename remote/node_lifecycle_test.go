package remote_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"go.uber.org/goleak"

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
		w := watcher(t, a.sys, b.pid("echo"))
		if graceful {
			a.node.Stop(context.Background())
		} else {
			a.node.Close()
		}
		m := recv(t, w, "Terminated")
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
