package actortest_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/supervisor"
)

// Messages of a counter actor.
type (
	Add   struct{ N int }
	Get   struct{ ReplyTo actor.PID }
	Total struct{ N int }
)

// counter adds what it is sent and tells its total when asked.
func counter(c *actor.Context, total *int) {
	switch m := c.Message().(type) {
	case Add:
		*total += m.N
	case Get:
		c.Send(m.ReplyTo, Total{*total})
	}
}

// TestCounter is how a test of one actor reads: a probe receives the
// answers, and the test System checks what must not happen.
func TestCounter(t *testing.T) {
	sys := actortest.NewSystem(t)
	sys.FailOnLeftovers() // the test stops what it starts
	probe := actortest.NewProbe(t, sys)
	total := 0
	pid, err := sys.SpawnFunc(func(c *actor.Context) { counter(c, &total) })
	if err != nil {
		t.Fatal(err)
	}
	sys.Send(pid, Add{2})
	sys.Send(pid, Add{3})
	sys.Send(pid, Get{ReplyTo: probe.PID()})
	probe.ExpectMsg(Total{5})

	probe.Watch(pid)
	sys.Stop(pid)
	probe.ExpectTerminated(pid)
}

// TestTicker is a test of time: a ticker sends itself a Tick every second
// and reports the count; under synctest the test sleeps through the
// seconds at once, and the times are exact.
func TestTicker(t *testing.T) {
	type Tick struct{}
	synctest.Test(t, func(t *testing.T) {
		sys := actortest.NewSystem(t)
		probe := actortest.NewProbe(t, sys)
		n := 0
		sys.SpawnFunc(func(c *actor.Context) {
			switch c.Message().(type) {
			case actor.Started:
				c.SendEvery(time.Second, Tick{})
			case Tick:
				n++
				c.Send(probe.PID(), n)
			}
		})
		start := time.Now()
		probe.ExpectMsg(1)
		probe.ExpectMsg(2)
		probe.ExpectMsg(3)
		if d := time.Since(start); d != 3*time.Second {
			t.Fatalf("three ticks in %v, want 3s", d)
		}
	})
}

// TestSupervisionTree tests a supervisor and its child: the child's panic
// restarts it (the probe sees Started again, with the state reset), and a
// child that fails too often takes its supervisor down with it, a failure
// that escapes to the top, which this test allows.
func TestSupervisionTree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actortest.NewSystem(t, actor.WithGuardian(supervisor.OneForOne(
			supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Stop }))))
		probe := actortest.NewProbe(t, sys)
		worker := func() actor.Actor {
			total := 0
			return actor.ReceiveFunc(func(c *actor.Context) {
				switch m := c.Message().(type) {
				case actor.Started:
					c.Send(probe.PID(), "worker started")
				case Add:
					if m.N < 0 {
						panic("negative")
					}
					total += m.N
				case Get:
					c.Send(m.ReplyTo, Total{total})
				}
			})
		}
		boss, _ := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(actor.Started); ok {
				pid, _ := c.Spawn(worker, actor.WithName("worker"))
				c.Send(probe.PID(), pid)
			}
		}, actor.WithSupervisor(supervisor.OneForOne(supervisor.WithMaxRestarts(1, time.Minute))))
		child := actortest.ExpectMsgType[actor.PID](probe)
		probe.ExpectMsg("worker started")

		sys.Send(child, Add{2})
		sys.Send(child, Add{-1}) // panics: restarted with a fresh total
		probe.ExpectMsg("worker started")
		sys.Send(child, Get{ReplyTo: probe.PID()})
		probe.ExpectMsg(Total{0})

		probe.Watch(boss)
		sys.AllowEscapes()
		sys.Send(child, Add{-1}) // a second restart within the minute is one too many
		term := probe.ExpectTerminated(boss)
		var perr *actor.PanicError
		if !errors.As(term.Reason, &perr) || perr.Value != "negative" {
			t.Fatalf("the supervisor stopped with %v, want the worker's panic", term.Reason)
		}
	})
}

// TestTwoNodes asks across an in-process network, partitions it, and sees
// the watch of the remote actor end.
func TestTwoNodes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		types := remote.NewTypes()
		remote.Register[Total](types, "example.Total")
		nw := actortest.NewNetwork(t)
		a := nw.Node("a:1", remote.Config{Types: types})
		b := nw.Node("b:1", remote.Config{Types: types})
		probe := actortest.NewProbe(t, a)
		b.SpawnFunc(func(c *actor.Context) {
			if m, ok := c.Message().(Total); ok {
				c.Respond(Total{m.N * 2})
			}
		}, actor.WithName("doubler"))

		reply, err := a.Request(t.Context(), b.PID("doubler"), Total{4})
		if err != nil || reply != (Total{8}) {
			t.Fatalf("Request = %v, %v", reply, err)
		}

		probe.Watch(b.PID("doubler"))
		nw.Partition("a:1", "b:1")
		if term := probe.ExpectTerminated(b.PID("doubler")); term.Reason == nil {
			t.Fatal("a node lost is a reason")
		}
	})
}
