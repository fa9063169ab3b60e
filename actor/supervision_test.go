package actor_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
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
	probe := actortest.NewProbe(t, sys)
	probe.Watch(pid)
	sys.Send(pid, "boom")
	sys.Send(pid, "boom")
	if _, err := sys.Request(context.Background(), pid, "get"); err != nil {
		t.Fatal(err)
	}
	sys.Stop(pid)
	if term := probe.ExpectTerminated(pid); term.Reason != nil {
		t.Fatalf("Terminated = %+v, want one normal stop", term)
	}
	log.waitFor(t, 6)    // started, 2 x (restarting, started), stopped
	probe.ExpectNoMsg(0) // no second Terminated
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
