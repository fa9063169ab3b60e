package actor_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
)

// bulky is an actor with state worth freeing.
type bulky struct {
	buf    [64 << 10]byte
	target actor.PID
}

func (b *bulky) Receive(c *actor.Context) {
	if _, ok := c.Message().(actor.Started); ok {
		c.Send(b.target, "from bulky")
	}
}

// An envelope points at its sender's PID inside the sender's process, so a
// message still queued keeps that struct alive after the sender has
// stopped: it must keep nothing more, not the user's actor.
func TestStoppedSenderIsNotRetainedByItsQueuedMessages(t *testing.T) {
	sys := newSystem(t)
	hold := make(chan struct{})
	defer close(hold)
	blocked := make(chan struct{})
	target, err := sys.SpawnFunc(func(c *actor.Context) {
		if c.Message() == "block" {
			close(blocked)
			<-hold
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := sys.Send(target, "block"); err != nil {
		t.Fatal(err)
	}
	<-blocked // from now on the target's mailbox keeps what it is sent

	freed := make(chan struct{})
	sender, err := sys.Spawn(func() actor.Actor {
		b := &bulky{target: target}
		runtime.AddCleanup(b, func(ch chan struct{}) { close(ch) }, freed)
		return b
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Watched before the stop, which may end before a Wait could begin.
	probe := actortest.NewProbe(t, sys)
	probe.Watch(sender)
	// Started sends; then the stop. Poison waits for Started to have run.
	if err := sys.Poison(sender); err != nil {
		t.Fatal(err)
	}
	if m := probe.ExpectTerminated(sender); m.Reason != nil {
		t.Fatalf("Terminated = %+v, want the sender, a normal stop", m)
	}
	for {
		runtime.GC()
		select {
		case <-freed:
			return
		case <-ctx.Done():
			t.Fatal("the stopped sender's actor is still reachable from the message it sent")
		case <-time.After(10 * time.Millisecond):
		}
	}
}
