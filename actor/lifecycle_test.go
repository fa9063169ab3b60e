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
)

func TestStopJumpsTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		ev := subscribe(t, sys)
		entered, release := make(chan struct{}), make(chan struct{})
		seen := make(chan any, 16)
		pid, _ := sys.SpawnFunc(blocker(entered, release, seen))
		sys.Send(pid, "block")
		<-entered
		for i := range 3 {
			sys.Send(pid, i)
		}
		waited := waitFor(sys, pid)
		if err := sys.Stop(pid); err != nil {
			t.Fatal(err)
		}
		if err := sys.Stop(pid); err != nil { // twice is harmless
			t.Fatalf("second Stop = %v", err)
		}
		close(release)
		if err := <-waited; err != nil {
			t.Fatalf("Wait = %v, want a normal stop", err)
		}
		var got []any
		for len(seen) > 0 {
			got = append(got, <-seen)
		}
		want := []any{actor.Started{}, "block", actor.Stopping{}, actor.Stopped{}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("received %v, want %v", got, want)
		}
		dl := ev.deadLetters()
		if len(dl) != 3 || !errors.Is(dl[0].Reason, actor.ErrStopped) || dl[0].Message != 0 || dl[2].Message != 2 {
			t.Fatalf("dead letters = %+v, want the 3 queued messages", dl)
		}
		if err := sys.Stop(pid); !errors.Is(err, actor.ErrNotFound) {
			t.Fatalf("Stop after stop = %v, want ErrNotFound", err)
		}
	})
}

func TestPoisonHandlesWhatWasQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		ev := subscribe(t, sys)
		entered, release := make(chan struct{}), make(chan struct{})
		seen := make(chan any, 16)
		pid, _ := sys.SpawnFunc(blocker(entered, release, seen))
		sys.Send(pid, "block")
		<-entered
		for i := range 3 {
			sys.Send(pid, i)
		}
		if err := sys.Poison(pid); err != nil {
			t.Fatal(err)
		}
		sys.Send(pid, "after")
		waited := waitFor(sys, pid)
		close(release)
		if err := <-waited; err != nil {
			t.Fatal(err)
		}
		var got []any
		for len(seen) > 0 {
			got = append(got, <-seen)
		}
		want := []any{actor.Started{}, "block", 0, 1, 2, actor.Stopping{}, actor.Stopped{}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("received %v, want %v", got, want)
		}
		if dl := ev.deadLetters(); len(dl) != 1 || dl[0].Message != "after" {
			t.Fatalf("dead letters = %+v, want the message sent after Poison", dl)
		}
	})
}

func TestPoisonIdleActor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		pid, _ := sys.SpawnFunc(func(*actor.Context) {})
		waited := waitFor(sys, pid)
		sys.Poison(pid)
		if err := <-waited; err != nil {
			t.Fatal(err)
		}
	})
}

func TestWaitBadInput(t *testing.T) {
	sys := newSystem(t)
	pid, _ := sys.SpawnFunc(func(*actor.Context) {})
	if _, err := sys.Wait(nil, pid); err == nil { //nolint:staticcheck
		t.Error("Wait(nil ctx) = nil error")
	}
	if _, err := sys.Wait(context.Background(), actor.PID{ID: "ghost"}); !errors.Is(err, actor.ErrNotFound) {
		t.Errorf("Wait(unknown) = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := sys.Wait(ctx, pid); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait(cancelled) = %v", err)
	}
}

func TestContextCancelledAtStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		entered := make(chan struct{})
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			if c.Message() == "work" {
				close(entered)
				<-c.Context().Done() // long work that watches its context
			}
		})
		sys.Send(pid, "work")
		<-entered
		waited := waitFor(sys, pid)
		sys.Stop(pid)
		if err := <-waited; err != nil {
			t.Fatalf("Wait = %v; want a normal stop", err)
		}
	})
}

func TestHandlerIgnoringContextIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var log strings.Builder
		var mu sync.Mutex
		sys := newSystem(t, actor.WithStopGrace(100*time.Millisecond),
			actor.WithLogger(testLogger(&mu, &log)))
		entered, release := make(chan struct{}), make(chan struct{})
		pid, _ := sys.SpawnFunc(blocker(entered, release, nil))
		sys.Send(pid, "block")
		<-entered
		sys.Stop(pid)
		waited := make(chan error, 1)
		go func() { reason, _ := sys.Wait(context.Background(), pid); waited <- reason }()
		time.Sleep(150 * time.Millisecond)
		synctest.Wait()
		mu.Lock()
		logged := log.String()
		mu.Unlock()
		if !strings.Contains(logged, "ignores Context.Context") {
			t.Fatalf("no report of the slow handler; log:\n%s", logged)
		}
		close(release)
		if reason := <-waited; !errors.Is(reason, actor.ErrIgnoredStop) {
			t.Fatalf("stop reason = %v, want ErrIgnoredStop", reason)
		}
	})
}

func TestShutdownDoesNotWaitPastItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		entered, release := make(chan struct{}), make(chan struct{})
		pid, _ := sys.SpawnFunc(blocker(entered, release, nil))
		sys.Send(pid, "block")
		<-entered
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		err := sys.Shutdown(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "1 actors") {
			t.Fatalf("Shutdown = %v, want DeadlineExceeded naming 1 actor", err)
		}
		if d := time.Since(start); d != time.Second {
			t.Fatalf("Shutdown took %v, want exactly its 1s context", d)
		}
		if err := sys.Send(pid, 1); !errors.Is(err, actor.ErrSystemStopped) {
			t.Fatalf("Send after Shutdown = %v", err)
		}
		close(release) // the stuck handler returns and its goroutine ends
		synctest.Wait()
	})
}

// Children stop before their parent, in reverse spawn order; Shutdown stops
// every top-level actor that way and waits for all.
func TestChildrenStopBeforeParents(t *testing.T) {
	sys := newSystem(t)
	var mu sync.Mutex
	var order []string
	note := func(name string) func(c *actor.Context) {
		return func(c *actor.Context) {
			if _, ok := c.Message().(actor.Stopped); ok {
				mu.Lock()
				order = append(order, name)
				mu.Unlock()
			}
		}
	}
	ready := make(chan []actor.PID, 1)
	_, err := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started:
			for _, name := range []string{"a", "b", "c"} {
				if _, err := c.SpawnFunc(note(name), actor.WithName(name)); err != nil {
					t.Error(err)
				}
			}
			ready <- c.Children()
		case actor.Stopped:
			mu.Lock()
			order = append(order, "parent")
			mu.Unlock()
		}
	}, actor.WithName("parent"))
	if err != nil {
		t.Fatal(err)
	}
	kids := receive(t, ready)
	if fmt.Sprint(kids) != "[a b c]" {
		t.Fatalf("Children() = %v", kids)
	}
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(order); got != "[c b a parent]" {
		t.Fatalf("stop order %s, want [c b a parent]", got)
	}
}

func TestChildKnowsParentAndLeavesChildrenWhenItStops(t *testing.T) {
	sys := newSystem(t)
	got := make(chan any, 4)
	parent, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			child, _ := c.SpawnFunc(func(c *actor.Context) {
				if _, ok := c.Message().(actor.Started); ok {
					got <- c.Parent()
				}
			})
			c.Watch(child)
			c.Stop(child)
		case actor.Terminated:
			got <- len(c.Children())
			_ = m
		}
	})
	if p := receive(t, got); p != parent {
		t.Fatalf("child's Parent() = %v, want %v", p, parent)
	}
	// Terminated comes after the child's own stop, and the child has then
	// left the parent's list.
	if n := receive(t, got); n != 0 {
		t.Fatalf("parent has %d children after its only child stopped", n)
	}
}

func TestWatch(t *testing.T) {
	sys := newSystem(t, stopOnPanic())
	got := make(chan actor.Terminated, 4)
	target, _ := sys.SpawnFunc(func(c *actor.Context) {
		if c.Message() == "die" {
			panic("on purpose")
		}
	})
	ghost := actor.PID{ID: "ghost"}
	watcher, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			c.Watch(target)
			c.Watch(target) // twice is once
			c.Watch(ghost)
			if err := c.Watch(actor.PID{}); !errors.Is(err, actor.ErrZeroPID) {
				t.Errorf("Watch(zero) = %v", err)
			}
		case actor.Terminated:
			got <- m
		case string:
			sys.Send(target, "die")
		}
	})
	first := receive(t, got)
	if first.PID != ghost || !errors.Is(first.Reason, actor.ErrNotFound) {
		t.Fatalf("Terminated for a dead PID = %+v", first)
	}
	sys.Send(watcher, "go")
	second := receive(t, got)
	var perr *actor.PanicError
	if second.PID != target || !errors.As(second.Reason, &perr) || perr.Value != "on purpose" {
		t.Fatalf("Terminated = %+v, want the target's panic", second)
	}
	// Exactly once: stop the watcher and make sure nothing else arrived.
	sys.Stop(watcher)
	sys.Wait(context.Background(), watcher)
	if len(got) != 0 {
		t.Fatalf("extra Terminated: %+v", <-got)
	}
}

func TestUnwatch(t *testing.T) {
	sys := newSystem(t)
	got := make(chan any, 4)
	target, _ := sys.SpawnFunc(func(*actor.Context) {})
	watcher, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message().(type) {
		case actor.Started:
			c.Watch(target)
			c.Unwatch(target)
			c.Unwatch(target) // harmless
			c.Stop(target)
		case actor.Terminated:
			got <- c.Message()
		case string:
			got <- "done"
		}
	})
	sys.Wait(context.Background(), target)
	sys.Send(watcher, "flush")
	if m := receive(t, got); m != "done" {
		t.Fatalf("got %v after Unwatch, want nothing", m)
	}
}

func TestSpawnInsideStoppingActorIsRefused(t *testing.T) {
	sys := newSystem(t)
	got := make(chan error, 1)
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		if _, ok := c.Message().(actor.Stopping); ok {
			_, err := c.SpawnFunc(func(*actor.Context) {})
			got <- err
		}
	})
	sys.Stop(pid)
	if err := receive(t, got); !errors.Is(err, actor.ErrStopping) {
		t.Fatalf("Spawn while stopping = %v", err)
	}
}

// A parent whose own handler is idle is not blamed for a child that ignores
// its context: only the child's stop reason says so.
func TestSlowChildDoesNotBlameItsParent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t, actor.WithStopGrace(100*time.Millisecond))
		entered, release := make(chan struct{}), make(chan struct{})
		parent, _ := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(actor.Started); ok {
				child, _ := c.SpawnFunc(blocker(entered, release, nil))
				c.Send(child, "block")
			}
		})
		<-entered
		probe := actortest.NewProbe(t, sys)
		probe.Watch(parent)
		synctest.Wait()
		sys.Stop(parent)
		time.Sleep(time.Second) // well past the grace
		close(release)
		if err := probe.ExpectTerminated(parent).Reason; err != nil {
			t.Fatalf("parent's stop reason = %v, want nil", err)
		}
	})
}
