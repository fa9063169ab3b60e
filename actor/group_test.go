package actor_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/supervisor"
)

func TestGroupStrategiesOrder(t *testing.T) {
	for _, tt := range []struct {
		strategy *supervisor.Strategy
		want     string
	}{
		{supervisor.AllForOne(noBackoff()...),
			"c restarting, b restarting, a restarting, a started, b started, c started"},
		{supervisor.RestForOne(noBackoff()...),
			"c restarting, b restarting, b started, c started"},
		{supervisor.OneForOne(noBackoff()...),
			"b restarting, b started"},
	} {
		t.Run(tt.strategy.Kind().String(), func(t *testing.T) {
			sys := newSystem(t)
			log := newLifelog()
			sys.SpawnFunc(func(c *actor.Context) {
				if _, ok := c.Message().(actor.Started); ok {
					for _, name := range []string{"a", "b", "c"} {
						note := log.note(name)
						c.Spawn(func() actor.Actor { return &tally{log: note} }, actor.WithName(name))
					}
				}
			}, actor.WithSupervisor(tt.strategy))
			log.waitFor(t, 3)
			sys.Send(actor.PID{ID: "b"}, "boom")
			n := 3 + strings.Count(tt.want, ",") + 1
			notes := log.waitFor(t, n)
			if got := strings.Join(notes[3:], ", "); got != tt.want {
				t.Fatalf("after b failed:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// A group restart starts each sibling only when the one before has run its
// Started: their Started handlers never overlap.
func TestGroupRestartStartsOneAtATime(t *testing.T) {
	sys := newSystem(t)
	log := newLifelog()
	slowStart := func(name string) func(c *actor.Context) {
		note := log.note(name)
		return func(c *actor.Context) {
			switch c.Message() {
			case actor.Started{}:
				note("begin")
				for range 100 {
					runtime.Gosched() // give a sibling every chance to overlap
				}
				note("end")
			case "boom":
				panic("boom")
			}
		}
	}
	sys.SpawnFunc(func(c *actor.Context) {
		if _, ok := c.Message().(actor.Started); ok {
			for _, name := range []string{"a", "b", "c"} {
				c.SpawnFunc(slowStart(name), actor.WithName(name))
			}
		}
	}, actor.WithSupervisor(supervisor.AllForOne(noBackoff()...)))
	log.waitFor(t, 6)
	sys.Send(actor.PID{ID: "a"}, "boom")
	got := strings.Join(log.waitFor(t, 12)[6:], ", ")
	if got != "a begin, a end, b begin, b end, c begin, c end" {
		t.Fatalf("restart starts: %s", got)
	}
}
