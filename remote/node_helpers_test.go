package remote_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
)

// Messages the node tests send.
type (
	Ping struct{ N int }
	Pong struct{ N int }
	Seq  struct {
		From string
		N    int
	}
	// Ask carries a PID for the other side to use.
	Ask struct {
		ReplyTo actor.PID
		Text    string
		Others  []actor.PID
		ByName  map[string]*actor.PID
	}
	Secret struct{ Text string } // registered on one side only in some tests
	Tagged struct {              // not a plain struct: msgpack codes it
		N    int
		Tags []string
	}
)

// testTypes returns a registry with every test message.
func testTypes() *remote.Types {
	types := remote.NewTypes()
	remote.Register[Ping](types, "test.Ping")
	remote.Register[Pong](types, "test.Pong")
	remote.Register[Seq](types, "test.Seq")
	remote.Register[Ask](types, "test.Ask")
	remote.Register[Secret](types, "test.Secret")
	remote.Register[Tagged](types, "test.Tagged")
	return types
}

// testNode is one System joined to the network.
type testNode struct {
	sys  *actor.System
	node *remote.Node
	logs *testkit.LogBuffer
	sunk atomic.Uint64 // Seq messages the sink of sinkAndEcho got
}

// pid names the actor id on this node, as other nodes address it.
func (tn *testNode) pid(id string) actor.PID {
	return actor.PID{Address: tn.node.Addr(), ID: id}
}

// startNode starts a System and a node on 127.0.0.1:0 with cfg, both
// stopped when the test ends. A nil Types gets testTypes.
func startNode(t testing.TB, cfg remote.Config) *testNode {
	t.Helper()
	return startNodeDialing(t, cfg, nil)
}

// startNodeDialing is startNode with the node's dials made by dial (nil:
// the node's own).
func startNodeDialing(t testing.TB, cfg remote.Config, dial func(ctx context.Context, addr string) (net.Conn, error)) *testNode {
	t.Helper()
	return startNodeWith(t, actor.NewSystem(actor.WithLogger(slog.New(slog.DiscardHandler))), cfg, dial)
}

// startNodeOn is startNode on a System of the test's own.
func startNodeOn(t testing.TB, sys *actor.System, cfg remote.Config) *testNode {
	t.Helper()
	return startNodeWith(t, sys, cfg, nil)
}

func startNodeWith(t testing.TB, sys *actor.System, cfg remote.Config, dial func(ctx context.Context, addr string) (net.Conn, error)) *testNode {
	t.Helper()
	tn := &testNode{logs: new(testkit.LogBuffer), sys: sys}
	if cfg.Types == nil {
		cfg.Types = testTypes()
	}
	if cfg.Logger == nil {
		cfg.Logger = tn.logs.Logger()
	}
	var err error
	if tn.node, err = remote.StartWith(tn.sys, cfg, nil, dial); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		tn.node.Close()
		ctx, cancel := context.WithTimeout(context.Background(), testkit.WaitLimit)
		defer cancel()
		tn.sys.Shutdown(ctx)
	})
	return tn
}

// startNodes starts n nodes with the same cfg.
func startNodes(t testing.TB, n int, cfg remote.Config) []*testNode {
	t.Helper()
	nodes := make([]*testNode, n)
	for i := range nodes {
		nodes[i] = startNode(t, cfg)
	}
	return nodes
}

// spawn starts an actor named id whose Receive is f, failing the test on
// error.
func spawn(t testing.TB, sys *actor.System, id string, f func(c *actor.Context), opts ...actor.Option) actor.PID {
	t.Helper()
	pid, err := sys.SpawnFunc(f, append(opts, actor.WithName(id))...)
	if err != nil {
		t.Fatalf("spawn %s: %v", id, err)
	}
	return pid
}

// collector is an actor body that hands every user message to a channel.
func collector(ch chan<- any) func(c *actor.Context) {
	return func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started, actor.Stopping, actor.Stopped:
		default:
			ch <- c.Message()
		}
	}
}

// echo answers every message with itself.
func echoActor(c *actor.Context) {
	switch m := c.Message().(type) {
	case actor.Started, actor.Stopping, actor.Stopped:
	case Ping:
		c.Respond(Pong(m))
	default:
		c.Respond(m)
	}
}

// deadLetters subscribes to sys's dead letters.
func deadLetters(t testing.TB, sys *actor.System) <-chan actor.DeadLetter {
	ch := make(chan actor.DeadLetter, 1024)
	unsub := sys.Subscribe(func(ev actor.Event) {
		if d, ok := ev.(actor.DeadLetter); ok {
			select {
			case ch <- d:
			default:
			}
		}
	})
	t.Cleanup(unsub)
	return ch
}

// waitDeadLetter waits for a dead letter whose reason wraps want.
func waitDeadLetter(t testing.TB, ch <-chan actor.DeadLetter, want error) actor.DeadLetter {
	t.Helper()
	for {
		d := testkit.Recv(t, ch, "a dead letter")
		if errors.Is(d.Reason, want) {
			return d
		}
	}
}

// settledStats returns a's counters for the peer at addr once nothing is
// queued or in the writer's hands: a message can be answered before the
// writer that wrote it has counted it.
func settledStats(t testing.TB, a *testNode, addr string) remote.PeerStats {
	t.Helper()
	deadline := time.Now().Add(testkit.WaitLimit)
	for {
		s := statsOf(a, addr)
		if s.Queued == 0 && s.InFlight == 0 {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("still queued: %+v", s)
		}
		time.Sleep(time.Millisecond)
	}
}

// statsOf returns a's counters for the peer at addr.
func statsOf(a *testNode, addr string) remote.PeerStats {
	for _, s := range a.node.Stats() {
		if s.Addr == addr {
			return s
		}
	}
	return remote.PeerStats{Addr: addr}
}
