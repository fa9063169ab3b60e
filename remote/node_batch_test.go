package remote_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/internal/testkit"
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
	w := actortest.NewProbe(t, a.sys)
	w.Watch(b.pid("small"))
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
			if m := testkit.Recv(t, ch, "a message to "+name).(Seq); m.N != want {
				t.Fatalf("%s got %d, want %d", name, m.N, want)
			}
		}
	}
	if m := w.ExpectTerminated(b.pid("small")); m.Reason != nil {
		t.Fatalf("Terminated = %+v, want small, a normal stop", m)
	}
	if s := settledStats(t, a, b.node.Addr()); s.Sent != runs*run || s.Delivered != s.Sent {
		t.Fatalf("stats %+v", s)
	}
}

// Messages to more actors than the reader batches for at once, interleaved
// one by one from two senders, arrive all, each sender's in order at each
// actor; Poisons sent last stop each actor after its last message.
func TestNodeInterleavedTargets(t *testing.T) {
	nodes := startNodes(t, 2, remote.Config{})
	a, b := nodes[0], nodes[1]
	const targets, each = 6, 300 // each sender sends each target each messages
	chans := make([]chan any, targets)
	pids := make([]actor.PID, targets)
	for i := range targets {
		chans[i] = make(chan any, 2*each)
		id := fmt.Sprint("t", i)
		spawn(t, b.sys, id, collector(chans[i]), actor.WithMailboxSize(8))
		pids[i] = b.pid(id)
	}
	w := actortest.NewProbe(t, a.sys)
	w.Watch(pids...)
	var wg sync.WaitGroup
	for _, from := range []string{"x", "y"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				for _, to := range pids {
					if err := a.sys.Send(to, Seq{From: from, N: n}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	for _, to := range pids {
		if err := a.sys.Poison(to); err != nil {
			t.Fatal(err)
		}
	}
	for i, ch := range chans {
		next := map[string]int{}
		for range 2 * each {
			m := testkit.Recv(t, ch, "a message").(Seq)
			if m.N != next[m.From] {
				t.Fatalf("t%d from %s: got %d, want %d", i, m.From, m.N, next[m.From])
			}
			next[m.From]++
		}
	}
	stopped := map[actor.PID]bool{}
	for range targets {
		m := actortest.ExpectMsgType[actor.Terminated](w)
		if m.Reason != nil || stopped[m.PID] {
			t.Fatalf("Terminated = %+v", m)
		}
		stopped[m.PID] = true
	}
	if s := settledStats(t, a, b.node.Addr()); s.Delivered != 2*targets*each || s.Delivered != s.Sent {
		t.Fatalf("stats %+v", s)
	}
}
