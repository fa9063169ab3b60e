package remote_test

import (
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/remote"
)

// The reader delivers in batches, one target at a time: runs of messages
// to two actors, one with a mailbox far smaller than a run, arrive all and
// in order, and a Poison sent after them stops its actor only after the
// last of them.
func TestNodeBurstsAcrossTargets(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	const runs, run = 40, 100
	small, big := make(chan any, runs*run), make(chan any, runs*run)
	spawn(t, b.sys, "small", collector(small), actor.WithMailboxSize(4))
	spawn(t, b.sys, "big", collector(big))
	w := watcher(t, a.sys, b.pid("small"))
	for r := range runs {
		for i := range run {
			to := b.pid("big")
			if r%2 == 1 { // the last run goes to small, just before its Poison
				to = b.pid("small")
			}
			if err := a.sys.Send(to, Seq{From: "a", N: r/2*run + i}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := a.sys.Poison(b.pid("small")); err != nil {
		t.Fatal(err)
	}
	for name, ch := range map[string]chan any{"small": small, "big": big} {
		for want := range runs / 2 * run {
			if m := recv(t, ch, "a message to "+name).(Seq); m.N != want {
				t.Fatalf("%s got %d, want %d", name, m.N, want)
			}
		}
	}
	if m := recv(t, w, "Terminated"); m.PID != b.pid("small") || m.Reason != nil {
		t.Fatalf("Terminated = %+v, want small, a normal stop", m)
	}
	if s := settledStats(t, a, b.node.Addr()); s.Sent != runs*run || s.Delivered != s.Sent {
		t.Fatalf("stats %+v", s)
	}
}
