package actortest_test

import (
	"errors"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/remote"
)

// Ping travels between the nodes of the tests.
type Ping struct{ N int }

func pingTypes() *remote.Types {
	types := remote.NewTypes()
	remote.Register[Ping](types, "actortest.Ping")
	return types
}

// duo is two connected nodes, a and b, with a probe named "probe" on
// each, and a probe of a's NodeUp and NodeDown events.
type duo struct {
	nw      *actortest.Network
	a, b    *actortest.Node
	pa, pb  *actortest.Probe
	aEvents *actortest.Probe
}

// twoNodes starts a and b and connects them: a's first message reaches b.
func twoNodes(t *testing.T) *duo {
	d := &duo{nw: actortest.NewNetwork(t)}
	d.a = d.nw.Node("a:1", remote.Config{Types: pingTypes()})
	d.b = d.nw.Node("b:1", remote.Config{Types: pingTypes()})
	d.pa = actortest.NewProbe(t, d.a, actor.WithName("probe"))
	d.pb = actortest.NewProbe(t, d.b, actor.WithName("probe"))
	d.aEvents = actortest.NewProbe(t, d.a)
	t.Cleanup(d.a.Subscribe(func(ev actor.Event) {
		switch e := ev.(type) {
		case actor.NodeUp:
			d.a.Send(d.aEvents.PID(), "up "+e.Address)
		case actor.NodeDown:
			d.a.Send(d.aEvents.PID(), "down "+e.Address)
		}
	}))
	d.a.Send(d.b.PID("probe"), Ping{0})
	d.pb.ExpectMsg(Ping{0})
	d.aEvents.ExpectMsg("up b:1")
	return d
}

func TestNetworkCarriesMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		a, b, pa, pb := d.a, d.b, d.pa, d.pb
		a.Send(b.PID("probe"), Ping{1})
		pb.ExpectMsg(Ping{1})
		b.Send(a.PID("probe"), Ping{2})
		pa.ExpectMsg(Ping{2})
		if a.Addr() != "a:1" || b.PID("x") != (actor.PID{Address: "b:1", ID: "x"}) {
			t.Fatalf("addresses %s, %v", a.Addr(), b.PID("x"))
		}
	})
}

// A cut closes the connection; the next message connects again.
func TestNetworkCut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		nw, a, b, pb, events := d.nw, d.a, d.b, d.pb, d.aEvents
		nw.Cut("a:1", "b:1")
		events.ExpectMsg("down b:1")
		a.Send(b.PID("probe"), Ping{2})
		pb.ExpectMsg(Ping{2})
		events.ExpectMsg("up b:1")
	})
}

// A partition refuses new connections until it heals; what was queued
// meanwhile arrives then.
func TestNetworkPartition(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		nw, a, b, pb, events := d.nw, d.a, d.b, d.pb, d.aEvents
		nw.Partition("a:1", "b:1")
		events.ExpectMsg("down b:1")
		a.Send(b.PID("probe"), Ping{2})
		pb.ExpectNoMsg(time.Second)
		nw.Heal("a:1", "b:1")
		pb.ExpectMsg(Ping{2})
	})
}

// A blackhole keeps the connection open and swallows everything: the
// heartbeats find the peer down.
func TestNetworkBlackhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		nw, a, b, pb, events := d.nw, d.a, d.b, d.pb, d.aEvents
		start := time.Now()
		nw.Blackhole("a:1", "b:1")
		a.Send(b.PID("probe"), Ping{2})
		events.ExpectMsg("down b:1")
		if d := time.Since(start); d < remote.DefaultHeartbeatTimeout || d > 2*remote.DefaultHeartbeatTimeout {
			t.Fatalf("down after %v, want about the heartbeat timeout %v", d, remote.DefaultHeartbeatTimeout)
		}
		pb.ExpectNoMsg(time.Second)
	})
}

// Drop is one way: b still reaches a while a's messages vanish.
func TestNetworkDropOneWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		nw, a, b, pa, pb := d.nw, d.a, d.b, d.pa, d.pb
		nw.Drop("a:1", "b:1")
		a.Send(b.PID("probe"), Ping{2})
		b.Send(a.PID("probe"), Ping{3})
		pa.ExpectMsg(Ping{3})
		pb.ExpectNoMsg(500 * time.Millisecond)
	})
}

// Delay holds each way's bytes back by the time given.
func TestNetworkDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		nw, a, b, pb := d.nw, d.a, d.b, d.pb
		nw.Delay("a:1", "b:1", 200*time.Millisecond)
		start := time.Now()
		a.Send(b.PID("probe"), Ping{2})
		pb.ExpectMsg(Ping{2})
		if d := time.Since(start); d != 200*time.Millisecond {
			t.Fatalf("arrived after %v, want 200ms", d)
		}
		nw.Heal("a:1", "b:1")
		start = time.Now()
		a.Send(b.PID("probe"), Ping{3})
		pb.ExpectMsg(Ping{3})
		if d := time.Since(start); d != 0 {
			t.Fatalf("arrived after %v once healed, want at once", d)
		}
	})
}

// A remote watch sees the node go down.
func TestNetworkWatchAcrossNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		nw, b, pa := d.nw, d.b, d.pa
		pid, _ := b.SpawnFunc(func(*actor.Context) {}, actor.WithName("target"))
		pa.Watch(b.PID(pid.ID))
		nw.Partition("a:1", "b:1")
		term := pa.ExpectTerminated(b.PID("target"))
		if term.Reason == nil {
			t.Fatal("a lost node is reported with a reason")
		}
	})
}

// Bad input: a name that is no address, a dial to nobody.
func TestNetworkBadInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTB(t)
		nw := actortest.NewNetwork(f)
		a := nw.Node("a:1", remote.Config{Types: pingTypes()})
		if _, err := nw.Dial("a:1", "nobody:1"); !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("Dial to nobody = %v, want ECONNREFUSED", err)
		}
		if n := nw.Node("nocolon", remote.Config{}); n != nil {
			t.Fatal("a node with a bad name started")
		}
		f.expectFailure(t, "start node nocolon", "not host:port")
		// Nobody at the address: the message waits for a connection, then
		// becomes a dead letter once the node gives up.
		a.FailOnDeadLetters(func(d actor.DeadLetter) bool { return d.Target.Address == "nobody:1" })
		if err := a.Send(actor.PID{Address: "nobody:1", ID: "x"}, Ping{1}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(remote.DefaultReconnectGiveUp + time.Second)
		f.cleanup()
		f.expectNoFailure(t)
	})
}

// A node started under a name in use takes the address over: new
// connections reach it, while the old one keeps its own.
func TestNetworkNodeRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		fresh := d.nw.Node("b:1", remote.Config{Types: pingTypes()})
		probe := actortest.NewProbe(t, fresh, actor.WithName("fresh"))
		fresh.Send(d.a.PID("probe"), Ping{1}) // the fresh node dials a
		d.pa.ExpectMsg(Ping{1})
		d.a.Send(fresh.PID("fresh"), Ping{2}) // a's connection to b:1 is the fresh one's now
		probe.ExpectMsg(Ping{2})
	})
}

// A raw connection made with Dial reaches the node, which closes it when
// no handshake comes.
func TestNetworkDial(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		conn, err := d.nw.Dial("x:1", "b:1")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if conn.LocalAddr().String() != "x:1" || conn.RemoteAddr().String() != "b:1" {
			t.Fatalf("addresses %v, %v", conn.LocalAddr(), conn.RemoteAddr())
		}
		if _, err := conn.Read(make([]byte, 1)); err == nil {
			t.Fatal("a connection without a handshake stays open")
		}
	})
}

// Stall leaves one way unread: the sender's writes hang, nothing arrives,
// and everything arrives once healed.
func TestNetworkStall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		d.nw.Stall("a:1", "b:1")
		d.a.Send(d.b.PID("probe"), Ping{1})
		d.b.Send(d.a.PID("probe"), Ping{2})
		d.pa.ExpectMsg(Ping{2})
		d.pb.ExpectNoMsg(500 * time.Millisecond)
		d.nw.Heal("a:1", "b:1")
		d.pb.ExpectMsg(Ping{1})
	})
}

// A timer may aim at an actor of another node: the tick crosses the
// network as a plain message, from the actor that made the timer.
func TestNetworkTimerToAnotherNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := twoNodes(t)
		start := time.Now()
		owner, _ := d.a.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(actor.Started); ok {
				c.SendAfterTo(d.b.PID("probe"), time.Second, Ping{1})
				c.SendAfterTo(d.b.PID("probe"), 2*time.Second, Ping{2}).Stop()
			}
		})
		if m := d.pb.ExpectMsg(Ping{1}); m.Sender != d.a.PID(owner.ID) {
			t.Fatalf("sender %v, want the timer's owner on a", m.Sender)
		}
		if since := time.Since(start); since != time.Second {
			t.Fatalf("arrived after %v, want 1s", since)
		}
		d.pb.ExpectNoMsg(time.Minute)
	})
}
