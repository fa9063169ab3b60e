package actortest_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
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
	probe := actortest.NewProbe(t, sys.System)
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
		probe := actortest.NewProbe(t, sys.System)
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
