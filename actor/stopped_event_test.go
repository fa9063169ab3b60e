package actor_test

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
)

// ActorStopped is published once per actor that stops for good, with its
// parent and the reason its watchers get.
func TestActorStoppedEvent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actortest.NewSystem(t, stopOnPanic())
		sys.AllowEscapes()
		probe := actortest.NewProbe(t, sys)
		defer sys.Subscribe(func(ev actor.Event) {
			if e, ok := ev.(actor.ActorStopped); ok && e.PID != probe.PID() {
				sys.Send(probe.PID(), e)
			}
		})()
		parent, _ := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(actor.Started); ok {
				child, _ := c.SpawnFunc(func(*actor.Context) {}, actor.WithKind("child"))
				c.Send(probe.PID(), child)
			}
			if c.Message() == "boom" {
				panic("boom")
			}
		}, actor.WithKind("parent"))
		child := actortest.ExpectMsgType[actor.PID](probe)
		sys.Send(parent, "boom")
		// The child first: a parent stops its children before itself.
		probe.ExpectMsg(actor.ActorStopped{PID: child, Parent: parent, Kind: "child"})
		e := actortest.ExpectMsgType[actor.ActorStopped](probe)
		var perr *actor.PanicError
		if e.PID != parent || !e.Parent.IsZero() || e.Kind != "parent" || !errors.As(e.Reason, &perr) || perr.Value != "boom" {
			t.Fatalf("ActorStopped = %+v, want the parent, top-level, stopped by its panic", e)
		}
		probe.ExpectNoMsg(0)
	})
}
