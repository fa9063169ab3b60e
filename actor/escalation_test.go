package actor_test

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/supervisor"
)

// leaf panics on "boom"; middle and top escalate; the guardian restarts top,
// whose restart stops middle and leaf; the new top makes them again.
func TestEscalationChainThreeLevels(t *testing.T) {
	escalate := supervisor.OneForOne(supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Escalate }))
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(noBackoff()...)))
	log := newLifelog()
	lifecycle := func(name string) func(c *actor.Context) {
		note := log.note(name)
		return func(c *actor.Context) {
			switch c.Message().(type) {
			case actor.Started:
				note("started")
			case actor.Restarting:
				note("restarting")
			case actor.Stopped:
				note("stopped")
			}
		}
	}
	_, err := sys.SpawnFunc(func(c *actor.Context) {
		lifecycle("top")(c)
		if _, ok := c.Message().(actor.Started); ok {
			c.SpawnFunc(func(c *actor.Context) {
				lifecycle("middle")(c)
				if _, ok := c.Message().(actor.Started); ok {
					c.SpawnFunc(func(c *actor.Context) {
						lifecycle("leaf")(c)
						if c.Message() == "boom" {
							panic("deep")
						}
					}, actor.WithName("leaf"))
				}
			}, actor.WithName("middle"), actor.WithSupervisor(escalate))
		}
	}, actor.WithName("top"), actor.WithSupervisor(escalate))
	if err != nil {
		t.Fatal(err)
	}
	log.waitFor(t, 3)
	sys.Send(actor.PID{ID: "leaf"}, "boom")
	notes := log.waitFor(t, 9)
	before, during, after := notes[:3], notes[3:6], notes[6:]
	if got := strings.Join(before, ", "); got != "top started, middle started, leaf started" {
		t.Fatalf("start: %s", got)
	}
	// An escalation asks the child to stop and fails the parent at once, so
	// top's Restarting may come before or after middle's Stopped; leaf, a
	// child of middle, always stops first, and all of it ends before the new
	// instances start.
	idx := map[string]int{}
	for i, n := range during {
		idx[n] = i + 1
	}
	if idx["leaf stopped"] == 0 || idx["middle stopped"] == 0 || idx["top restarting"] == 0 ||
		idx["leaf stopped"] > idx["middle stopped"] {
		t.Fatalf("escalation: %v", during)
	}
	if got := strings.Join(after, ", "); got != "top started, middle started, leaf started" {
		t.Fatalf("after the restart: %s", got)
	}
}

// More than n restarts within the window stops the child and fails the
// parent in turn.
func TestIntensityExceededEscalates(t *testing.T) {
	sys := newSystem(t, stopOnPanic())
	strategy := supervisor.OneForOne(supervisor.WithBackoff(0, 0), supervisor.WithMaxRestarts(2, time.Hour))
	log := newLifelog()
	parent, _ := sys.SpawnFunc(func(c *actor.Context) {
		if _, ok := c.Message().(actor.Started); ok {
			child, _ := c.Spawn(func() actor.Actor { return &tally{log: log.note("child")} }, actor.WithName("child"))
			c.Watch(child)
		}
	}, actor.WithSupervisor(strategy))
	log.waitFor(t, 1) // the child exists
	probe := actortest.NewProbe(t, sys)
	probe.Watch(parent, actor.PID{ID: "child"})
	for range 3 {
		sys.Send(actor.PID{ID: "child"}, "boom")
	}
	seen := map[actor.PID]error{}
	for range 2 {
		term := actortest.ExpectMsgType[actor.Terminated](probe)
		seen[term.PID] = term.Reason
	}
	var perr *actor.PanicError
	for _, pid := range []actor.PID{parent, {ID: "child"}} {
		if !errors.As(seen[pid], &perr) || perr.Value != "boom" {
			t.Fatalf("%v stopped with %v, want the child's panic", pid, seen[pid])
		}
	}
	if got := log.waitFor(t, 6); strings.Count(strings.Join(got, ","), "started") != 3 {
		t.Fatalf("child lifecycle %v, want 2 restarts then a stop", got)
	}
}

// A decider that panics is a bug in the supervisor: the failure escalates,
// and the process goes on.
func TestPanickingDeciderEscalates(t *testing.T) {
	sys := newSystem(t, stopOnPanic())
	bad := supervisor.OneForOne(supervisor.WithDecider(func(any) supervisor.Directive { panic("decider bug") }))
	log := newLifelog()
	parent, _ := sys.SpawnFunc(func(c *actor.Context) {
		if _, ok := c.Message().(actor.Started); ok {
			c.Spawn(func() actor.Actor { return &tally{log: log.note("kid")} }, actor.WithName("kid"))
		}
	}, actor.WithSupervisor(bad))
	log.waitFor(t, 1)
	probe := actortest.NewProbe(t, sys)
	probe.Watch(parent)
	sys.Send(actor.PID{ID: "kid"}, "boom")
	var perr *actor.PanicError
	if err := probe.ExpectTerminated(parent).Reason; !errors.As(err, &perr) || perr.Value != "boom" {
		t.Fatalf("parent stopped with %v, want the child's failure escalated", err)
	}
}

// TestNoDecisionWhileWaitingForChildren: a parent that restarts waits for
// its children to stop, and no supervisor decision may run inside that
// wait. Under RestForOne with a backoff, c fails and its restart plan waits
// out the backoff; a fails and waits its turn; then the parent fails. Its
// restart stops c, which ends the plan: a's failure was decided there, in
// the middle of the wait, and halted b (b got Restarting) before stopping it.
func TestNoDecisionWhileWaitingForChildren(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var decided atomic.Int32
		strategy := supervisor.RestForOne(supervisor.WithBackoff(time.Second, time.Second),
			supervisor.WithJitter(func() float64 { return 0 }),
			supervisor.WithDecider(func(any) supervisor.Directive { decided.Add(1); return supervisor.Restart }))
		sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(noBackoff()...)))
		log := newLifelog()
		kids := make(chan []actor.PID, 2)
		parent, err := sys.SpawnFunc(func(c *actor.Context) {
			switch c.Message().(type) {
			case actor.Started:
				var pids []actor.PID
				for _, name := range []string{"a", "b", "c"} {
					pid, _ := c.Spawn(func() actor.Actor { return &tally{log: log.note(name)} })
					pids = append(pids, pid)
				}
				kids <- pids
			case string:
				panic("boom")
			}
		}, actor.WithSupervisor(strategy))
		if err != nil {
			t.Fatal(err)
		}
		pids := <-kids
		synctest.Wait()
		sys.Send(pids[2], "boom") // c: restarted at once, the first time
		synctest.Wait()
		sys.Send(pids[2], "boom") // c: halted, restarted after the backoff
		synctest.Wait()
		sys.Send(pids[0], "boom") // a: waits for c's plan to end
		synctest.Wait()
		if n := decided.Load(); n != 2 {
			t.Fatalf("%d decisions before the parent fails, want 2", n)
		}
		sys.Send(parent, "boom")
		synctest.Wait()
		<-kids // the parent's new instance has its children
		if n := decided.Load(); n != 2 {
			t.Fatalf("%d decisions, want 2: a's failure was decided while the parent stopped its children", n)
		}
		log.mu.Lock()
		defer log.mu.Unlock()
		for _, note := range log.notes {
			if note == "b restarting" {
				t.Fatalf("b was halted for a restart while its parent stopped it: %v", log.notes)
			}
		}
	})
}
