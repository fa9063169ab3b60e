package remote_test

import (
	"context"
	"errors"
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/internal/testkit"
	"github.com/troupe-go/troupe/remote"
	"github.com/troupe-go/troupe/supervisor"
)

// Watching a remote actor: a missing one is reported at once with
// ErrNotFound; a stopped one with its stop; a remote Poison follows the
// messages sent before it.
func TestNodeWatchAndStop(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	got := make(chan any, 16)
	spawn(t, b.sys, "target", collector(got))
	spawn(t, b.sys, "poisoned", collector(got))

	w := actortest.NewProbe(t, a.sys)
	w.Watch(b.pid("ghost"), b.pid("target"), b.pid("poisoned"))
	if m := w.ExpectTerminated(b.pid("ghost")); !errors.Is(m.Reason, actor.ErrNotFound) {
		t.Fatalf("Terminated = %+v, want ghost with ErrNotFound", m)
	}
	if err := a.sys.Stop(b.pid("target")); err != nil {
		t.Fatal(err)
	}
	if m := w.ExpectTerminated(b.pid("target")); m.Reason != nil {
		t.Fatalf("Terminated = %+v, want target, normal stop", m)
	}
	for i := range 3 {
		a.sys.Send(b.pid("poisoned"), Ping{N: i})
	}
	if err := a.sys.Poison(b.pid("poisoned")); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if m := testkit.Recv(t, got, "a message before the poison"); m != (Ping{N: i}) {
			t.Fatalf("got %v", m)
		}
	}
	if m := w.ExpectTerminated(b.pid("poisoned")); m.Reason != nil {
		t.Fatalf("Terminated = %+v, want poisoned, normal stop", m)
	}
}

// A remote actor's panic reaches its remote watchers as a *remote.Error.
func TestNodeWatchPanic(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	// A parent whose strategy stops a child that panics.
	stopIt := supervisor.OneForOne(supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Stop }))
	ready := make(chan struct{})
	_, err := b.sys.SpawnFunc(func(c *actor.Context) {
		if _, ok := c.Message().(actor.Started); ok {
			c.SpawnFunc(func(c *actor.Context) {
				if _, ok := c.Message().(Ping); ok {
					panic("boom")
				}
			}, actor.WithName("fragile"))
			close(ready)
		}
	}, actor.WithSupervisor(stopIt))
	if err != nil {
		t.Fatal(err)
	}
	testkit.Recv(t, ready, "the child")
	w := actortest.NewProbe(t, a.sys)
	w.Watch(b.pid("fragile"))
	// The watch and the message travel in two lanes: wait until the watch
	// is registered (a Request answered after it proves it).
	spawn(t, b.sys, "echo", echoActor)
	a.sys.Request(context.Background(), b.pid("echo"), Ping{})
	a.sys.Send(b.pid("fragile"), Ping{})
	m := actortest.ExpectMsgType[actor.Terminated](w)
	var re *remote.Error
	if !errors.As(m.Reason, &re) || re.Code.String() != "panic" {
		t.Fatalf("Terminated = %+v, want a remote panic", m)
	}
}

// A PID inside a payload keeps naming its actor on the other node: it can
// be answered, watched and stopped from there, and a PID of the receiving
// node's own actor arrives local.
func TestNodePIDsInPayloads(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	got := make(chan any, 16)
	inbox := spawn(t, a.sys, "inbox", collector(got)) // a local PID: Address ""
	local := spawn(t, b.sys, "local", collector(got))

	saw := make(chan Ask, 1)
	spawn(t, b.sys, "helper", func(c *actor.Context) {
		m, ok := c.Message().(Ask)
		if !ok {
			return
		}
		saw <- m
		c.Send(m.ReplyTo, Pong{N: 1})            // answer through the PID
		c.Send(*m.ByName["me"], Pong{N: 2})      // through a PID in a map
		c.Send(m.Others[0], Ping{N: 3})          // b's own actor, local here
		c.Watch(m.ReplyTo)                       // watch a's actor from b
		c.Stop(m.Others[1])                      // and stop one of a's
		c.Send(m.ReplyTo, Seq{From: "watching"}) // after the watch
	})
	victim := spawn(t, a.sys, "victim", func(*actor.Context) {})
	w := actortest.NewProbe(t, a.sys)
	w.Watch(victim)

	ask := Ask{ReplyTo: inbox, Others: []actor.PID{b.pid("local"), victim}, ByName: map[string]*actor.PID{"me": &inbox}}
	if err := a.sys.Send(b.pid("helper"), ask); err != nil {
		t.Fatal(err)
	}
	m := testkit.Recv(t, saw, "the Ask")
	if m.ReplyTo != a.pid("inbox") || *m.ByName["me"] != a.pid("inbox") {
		t.Fatalf("b sees ReplyTo %v, ByName %v: want %v", m.ReplyTo, *m.ByName["me"], a.pid("inbox"))
	}
	if m.Others[0] != local || m.Others[1] != a.pid("victim") {
		t.Fatalf("b sees Others %v: want [%v %v]", m.Others, local, a.pid("victim"))
	}
	want := map[any]bool{Pong{N: 1}: true, Pong{N: 2}: true, Ping{N: 3}: true, Seq{From: "watching"}: true}
	for range want {
		v := testkit.Recv(t, got, "a message")
		if !want[v] {
			t.Fatalf("unexpected %v", v)
		}
		delete(want, v)
	}
	w.ExpectTerminated(victim)
	// b watches a's inbox: stopping it tells b.
	told := make(chan actor.Terminated, 1)
	spawn(t, b.sys, "observer", func(c *actor.Context) {
		switch m := c.Message().(type) {
		case Ask:
			c.Watch(m.ReplyTo)
			c.Respond(true)
		case actor.Terminated:
			told <- m
		}
	})
	if _, err := a.sys.Request(context.Background(), b.pid("observer"), Ask{ReplyTo: inbox}); err != nil {
		t.Fatal(err)
	}
	a.sys.Stop(inbox)
	if term := testkit.Recv(t, told, "inbox's Terminated on b"); term.PID != a.pid("inbox") || term.Reason != nil {
		t.Fatalf("b got %+v", term)
	}
}

// A watcher that unwatches hears nothing more, and the other node forgets
// it.
func TestNodeUnwatch(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	spawn(t, b.sys, "target", func(*actor.Context) {})
	spawn(t, b.sys, "echo", echoActor)
	got := make(chan any, 4)
	spawn(t, a.sys, "w", func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			c.Watch(b.pid("target"))
			c.Unwatch(b.pid("target"))
			c.Watch(b.pid("echo"))
		case actor.Terminated:
			got <- m
		}
	})
	// The watch of echo was sent after the unwatch of target: once echo's
	// stop is reported, target's unwatch has been handled.
	a.sys.Request(context.Background(), b.pid("echo"), Ping{})
	b.sys.Stop(actor.PID{ID: "target"})
	b.sys.Stop(actor.PID{ID: "echo"})
	m := testkit.Recv(t, got, "Terminated").(actor.Terminated)
	if m.PID != b.pid("echo") {
		t.Fatalf("Terminated %+v, want only echo's", m)
	}
}
