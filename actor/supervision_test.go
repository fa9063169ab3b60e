package actor_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/supervisor"
)

// tally counts "inc", panics on "boom", answers "get" with its count, and
// reports its lifecycle to log.
type tally struct {
	n   int
	log func(string)
}

func (a *tally) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case actor.Started:
		a.log("started")
	case actor.Restarting:
		a.log("restarting")
	case actor.Stopped:
		a.log("stopped")
	case string:
		switch m {
		case "inc":
			a.n++
		case "boom":
			panic("boom")
		case "get":
			c.Respond(a.n)
		}
	}
}

// lifelog collects lifecycle notes from many actors, in order.
type lifelog struct {
	mu    sync.Mutex
	notes []string
	more  chan struct{}
}

func newLifelog() *lifelog { return &lifelog{more: make(chan struct{}, 1024)} }

func (l *lifelog) note(who string) func(string) {
	return func(what string) {
		l.mu.Lock()
		l.notes = append(l.notes, who+" "+what)
		l.mu.Unlock()
		l.more <- struct{}{}
	}
}

// waitFor waits until n notes have been taken and returns them.
func (l *lifelog) waitFor(t *testing.T, n int) []string {
	t.Helper()
	for {
		l.mu.Lock()
		if len(l.notes) >= n {
			out := append([]string(nil), l.notes...)
			l.mu.Unlock()
			return out
		}
		l.mu.Unlock()
		select {
		case <-l.more:
		case <-time.After(5 * time.Second):
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("waited for %d notes, have %v", n, l.notes)
		}
	}
}

func noBackoff(opts ...supervisor.Option) []supervisor.Option {
	return append([]supervisor.Option{supervisor.WithBackoff(0, 0), supervisor.WithMaxRestarts(1000, time.Minute)}, opts...)
}

func TestRestartResetsStateAndKeepsTheMailbox(t *testing.T) {
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(noBackoff()...)))
	ev := subscribe(t, sys)
	log := newLifelog()
	pid, _ := sys.Spawn(func() actor.Actor { return &tally{log: log.note("c")} })
	for _, m := range []string{"inc", "inc", "boom", "inc"} {
		sys.Send(pid, m) // "inc" after "boom" waits in the mailbox over the restart
	}
	n, err := sys.Request(context.Background(), pid, "get")
	if err != nil || n != 1 {
		t.Fatalf("count after restart = %v, %v; want 1 (fresh state, queued inc kept)", n, err)
	}
	if got := strings.Join(log.waitFor(t, 3), ", "); got != "c started, c restarting, c started" {
		t.Fatalf("lifecycle: %s", got)
	}
	var restarted actor.ActorRestarted
	for restarted.PID.IsZero() {
		if r, ok := ev.next(t).(actor.ActorRestarted); ok {
			restarted = r
		}
	}
	var perr *actor.PanicError
	if restarted.PID != pid || !errors.As(restarted.Reason, &perr) || perr.Value != "boom" {
		t.Fatalf("ActorRestarted = %+v", restarted)
	}
}

func TestResumeKeepsState(t *testing.T) {
	resume := func(any) supervisor.Directive { return supervisor.Resume }
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(supervisor.WithDecider(resume))))
	log := newLifelog()
	pid, _ := sys.Spawn(func() actor.Actor { return &tally{log: log.note("c")} })
	for _, m := range []string{"inc", "boom", "inc"} {
		sys.Send(pid, m)
	}
	if n, err := sys.Request(context.Background(), pid, "get"); err != nil || n != 2 {
		t.Fatalf("count after resume = %v, %v; want 2", n, err)
	}
	if got := strings.Join(log.waitFor(t, 1), ", "); got != "c started" {
		t.Fatalf("lifecycle: %s, want no restart", got)
	}
}

// Watchers see Terminated only when the actor really stops, exactly once.
func TestWatchersDoNotSeeRestarts(t *testing.T) {
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(noBackoff()...)))
	log := newLifelog()
	pid, _ := sys.Spawn(func() actor.Actor { return &tally{log: log.note("c")} })
	got := watch(t, sys, pid)
	sys.Send(pid, "boom")
	sys.Send(pid, "boom")
	if _, err := sys.Request(context.Background(), pid, "get"); err != nil {
		t.Fatal(err)
	}
	sys.Stop(pid)
	if term := receive(t, got); term.PID != pid || term.Reason != nil {
		t.Fatalf("Terminated = %+v, want one normal stop", term)
	}
	log.waitFor(t, 6) // started, 2 x (restarting, started), stopped
	if len(got) != 0 {
		t.Fatalf("extra Terminated %+v", <-got)
	}
}

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

func TestBackoffDelayIsATimer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		strategy := supervisor.OneForOne(supervisor.WithBackoff(100*time.Millisecond, time.Second),
			supervisor.WithJitter(func() float64 { return 0 }))
		sys := newSystem(t, actor.WithGuardian(strategy))
		log := newLifelog()
		pid, _ := sys.Spawn(func() actor.Actor { return &tally{log: log.note("c")} })
		sys.Send(pid, "boom") // the first restart after a quiet period is immediate
		synctest.Wait()
		if n := len(log.waitFor(t, 3)); n != 3 {
			t.Fatalf("%d notes", n)
		}
		sys.Send(pid, "boom") // the second waits min = 100ms
		synctest.Wait()
		time.Sleep(99 * time.Millisecond)
		synctest.Wait()
		log.mu.Lock()
		early := len(log.notes)
		log.mu.Unlock()
		if early != 4 { // started, restarting, started, restarting
			t.Fatalf("%d notes at 99ms, want 4: restarted too early", early)
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if got := log.waitFor(t, 5); got[4] != "c started" {
			t.Fatalf("no restart at 100ms: %v", got)
		}
	})
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
	reasons := watch(t, sys, parent, actor.PID{ID: "child"})
	for range 3 {
		sys.Send(actor.PID{ID: "child"}, "boom")
	}
	seen := map[actor.PID]error{}
	for range 2 {
		term := receive(t, reasons)
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

func TestPanicInStartedRestartsUntilTheLimit(t *testing.T) {
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(
		supervisor.WithBackoff(0, 0), supervisor.WithMaxRestarts(3, time.Hour))))
	var mu sync.Mutex
	starts := 0
	stopped := make(chan struct{})
	sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started:
			mu.Lock()
			starts++
			mu.Unlock()
			panic("cannot start")
		case actor.Stopped:
			close(stopped)
		}
	})
	receive(t, stopped)
	mu.Lock()
	defer mu.Unlock()
	if starts != 4 {
		t.Fatalf("Started %d times, want 1 + 3 restarts", starts)
	}
}

func TestRestartStopsTheFailedInstancesChildren(t *testing.T) {
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(noBackoff()...)))
	log := newLifelog()
	gen := 0
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case actor.Started{}:
			gen++
			name := fmt.Sprintf("kid%d", gen)
			note := log.note(name)
			c.Spawn(func() actor.Actor { return &tally{log: note} })
		case "boom":
			panic("parent fails")
		}
	})
	log.waitFor(t, 1)
	sys.Send(pid, "boom")
	got := strings.Join(log.waitFor(t, 3), ", ")
	if got != "kid1 started, kid1 stopped, kid2 started" {
		t.Fatalf("children: %s", got)
	}
}

// A storm of failures: every one restarts the actor, nothing leaks
// (goleak in TestMain), and the process goes on.
func TestPanicStormOfRestarts(t *testing.T) {
	const failures = 10000
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(
		supervisor.WithBackoff(0, 0), supervisor.WithMaxRestarts(failures, time.Hour))))
	obs := 0
	var mu sync.Mutex
	unsub := sys.Subscribe(func(ev actor.Event) {
		if _, ok := ev.(actor.ActorRestarted); ok {
			mu.Lock()
			obs++
			mu.Unlock()
		}
	})
	defer unsub()
	pid, _ := sys.Spawn(func() actor.Actor { return &tally{log: func(string) {}} })
	for range failures {
		if err := sys.Send(pid, "boom"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sys.Request(context.Background(), pid, "get"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if obs != failures {
		t.Fatalf("%d restarts published, want %d", obs, failures)
	}
}

// quitter stops itself on "quit".
func quitter(note func(string)) func(c *actor.Context) {
	return func(c *actor.Context) {
		switch c.Message() {
		case actor.Started{}:
			note("started")
		case actor.Stopped{}:
			note("stopped")
		case "quit":
			c.Stop(c.Self())
		}
	}
}

// A child that stops itself is restarted only if its supervisor's restart
// type is Permanent, as in OTP; Transient, the default, lets it go.
func TestPermanentChildIsRestartedWhenItStopsItself(t *testing.T) {
	for _, tt := range []struct {
		restart supervisor.RestartType
		want    string
	}{
		{supervisor.Permanent, "kid started, kid started"},
		{supervisor.Transient, "kid started, kid stopped"},
	} {
		t.Run(tt.restart.String(), func(t *testing.T) {
			sys := newSystem(t)
			log := newLifelog()
			strategy := supervisor.OneForOne(append(noBackoff(), supervisor.WithRestartType(tt.restart))...)
			sys.SpawnFunc(func(c *actor.Context) {
				if _, ok := c.Message().(actor.Started); ok {
					c.SpawnFunc(quitter(log.note("kid")), actor.WithName("kid"))
				}
			}, actor.WithSupervisor(strategy))
			log.waitFor(t, 1)
			sys.Send(actor.PID{ID: "kid"}, "quit")
			if got := strings.Join(log.waitFor(t, 2), ", "); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestPermanentTopLevelActorIsRestarted(t *testing.T) {
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(
		append(noBackoff(), supervisor.WithRestartType(supervisor.Permanent))...)))
	log := newLifelog()
	pid, _ := sys.SpawnFunc(quitter(log.note("top")))
	log.waitFor(t, 1)
	sys.Send(pid, "quit")
	if got := strings.Join(log.waitFor(t, 2), ", "); got != "top started, top started" {
		t.Fatalf("got %s", got)
	}
	// A stop from outside is never a reason to restart.
	sys.Stop(pid)
	if got := log.waitFor(t, 3); got[2] != "top stopped" {
		t.Fatalf("got %v", got)
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
	terms := watch(t, sys, parent)
	sys.Send(actor.PID{ID: "kid"}, "boom")
	var perr *actor.PanicError
	if err := receive(t, terms).Reason; !errors.As(err, &perr) || perr.Value != "boom" {
		t.Fatalf("parent stopped with %v, want the child's failure escalated", err)
	}
}

// A new instance starts with no watches: it hears nothing of the children
// its predecessor watched and the restart stopped.
func TestRestartForgetsTheOldInstancesWatches(t *testing.T) {
	sys := newSystem(t, actor.WithGuardian(supervisor.OneForOne(noBackoff()...)))
	got := make(chan any, 8)
	gen := 0
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			gen++
			if gen == 1 {
				kid, _ := c.SpawnFunc(func(*actor.Context) {})
				c.Watch(kid)
			}
		case actor.Terminated:
			got <- m
		case string:
			if m == "boom" {
				panic("boom")
			}
			c.Respond(gen)
		}
	})
	sys.Send(pid, "boom")
	if g, err := sys.Request(context.Background(), pid, "gen"); err != nil || g != 2 {
		t.Fatalf("Request = %v, %v; want generation 2", g, err)
	}
	if len(got) != 0 {
		t.Fatalf("new instance got %+v for its predecessor's child", <-got)
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
