package actor_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
)

func TestPanicStopsTheActorWithItsStack(t *testing.T) {
	var log strings.Builder
	var mu sync.Mutex
	sys := newSystem(t, actor.WithLogger(testLogger(&mu, &log)), stopOnPanic())
	ev := subscribe(t, sys)
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		if c.Message() == "bad" {
			panic(errors.New("bad input"))
		}
	}, actor.WithKind("worker"))
	probe := actortest.NewProbe(t, sys)
	probe.Watch(pid)
	sys.Send(pid, "bad")
	err := probe.ExpectTerminated(pid).Reason
	var perr *actor.PanicError
	if !errors.As(err, &perr) {
		t.Fatalf("stop reason %v is not a *PanicError", err)
	}
	if perr.Message != "bad" || !strings.Contains(string(perr.Stack()), "failure_test.go") {
		t.Fatalf("PanicError lacks the message or the stack: %+v", perr)
	}
	// The stack starts at the panic, as Go's own traces do: the first frame
	// is the runtime's panic, the next the function that panicked, and none
	// is the runtime's own recovery.
	stack := string(perr.Stack())
	if first, _, _ := strings.Cut(stack, "\n"); first != "runtime.gopanic" {
		t.Fatalf("stack starts at %q, want runtime.gopanic:\n%s", first, stack)
	}
	if strings.Contains(stack, "recovered") || strings.Contains(stack, "panicError") || strings.Contains(stack, "receiveRun.func") {
		t.Fatalf("stack shows the recovery:\n%s", stack)
	}
	if err.Error() != "actor: panic: bad input" || !strings.Contains(perr.Unwrap().Error(), "bad input") {
		t.Fatalf("Error() = %q", err.Error())
	}
	failed, ok := ev.next(t).(actor.ActorFailed)
	if !ok || failed.PID != pid || failed.Kind != "worker" || failed.Err != perr {
		t.Fatalf("published %+v, want ActorFailed", failed)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(log.String(), "panic in Receive") || !strings.Contains(log.String(), "failure_test.go:") {
		t.Fatalf("panic not logged with its stack:\n%s", log.String())
	}
}

func TestPanicInLifecycleMessages(t *testing.T) {
	sys := newSystem(t)
	t.Run("Started", func(t *testing.T) {
		ev := subscribe(t, sys)
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(actor.Started); ok {
				panic("no start")
			}
		})
		failed, ok := ev.next(t).(actor.ActorFailed)
		if !ok || failed.PID != pid || failed.Err.Value != "no start" {
			t.Fatalf("event = %+v, want the panic in Started", failed)
		}
		if _, ok := failed.Err.Message.(actor.Started); !ok {
			t.Fatalf("failing message = %#v, want Started", failed.Err.Message)
		}
	})
	t.Run("Stopping", func(t *testing.T) {
		stopped := make(chan struct{})
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			switch c.Message().(type) {
			case actor.Stopping:
				panic("no stop")
			case actor.Stopped:
				close(stopped) // the stop goes on after the panic
			}
		})
		sys.Stop(pid)
		receive(t, stopped)
	})
}

func TestGoexitInReceiveStopsOnlyTheActor(t *testing.T) {
	sys := newSystem(t)
	ev := subscribe(t, sys)
	entered, release := make(chan struct{}), make(chan struct{})
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case "block":
			entered <- struct{}{}
			<-release
		case "exit":
			runtime.Goexit()
		}
	})
	probe := actortest.NewProbe(t, sys)
	probe.Watch(pid)
	// Queue the exit behind a blocked message, with two more after it, so
	// that all three are in the same batch.
	sys.Send(pid, "block")
	<-entered
	sys.Send(pid, "exit")
	sys.Send(pid, 1)
	sys.Send(pid, 2)
	close(release)
	var perr *actor.PanicError
	if err := probe.ExpectTerminated(pid).Reason; !errors.As(err, &perr) || perr.Message != "exit" {
		t.Fatalf("reason = %v, want a *PanicError for Goexit", err)
	}
	if _, ok := ev.next(t).(actor.ActorFailed); !ok {
		t.Fatal("Goexit not published as ActorFailed")
	}
	dl := ev.deadLetters()
	if len(dl) != 2 || dl[0].Message != 1 || dl[1].Message != 2 {
		t.Fatalf("dead letters = %+v, want the 2 messages after the Goexit", dl)
	}
}

// A storm of panics leaves no goroutine behind (goleak in TestMain checks)
// and the process running.
func TestPanicStorm(t *testing.T) {
	sys := newSystem(t)
	const n = 2000
	var wg sync.WaitGroup
	wg.Add(n)
	unsub := sys.Subscribe(func(ev actor.Event) {
		if _, ok := ev.(actor.ActorFailed); ok {
			wg.Done()
		}
	})
	defer unsub()
	for i := range n {
		pid, err := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(int); ok {
				panic(i)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		sys.Send(pid, i)
	}
	wg.Wait()
}

func TestSubscribers(t *testing.T) {
	sys := newSystem(t)
	var calls atomic.Int32
	unsub := sys.Subscribe(func(actor.Event) { calls.Add(1) })
	sys.Subscribe(func(actor.Event) { panic("a bad subscriber") }) // recovered
	sys.Send(actor.PID{ID: "ghost"}, 1)
	unsub()
	unsub() // twice is harmless
	sys.Send(actor.PID{ID: "ghost"}, 2)
	if calls.Load() != 1 {
		t.Fatalf("subscriber called %d times, want 1", calls.Load())
	}
	if sys.Subscribe(nil) == nil {
		t.Fatal("Subscribe(nil) returned a nil unsubscribe")
	}
}

// countingObserver counts what the runtime reports, for every kind.
type countingObserver struct {
	spawned, stopped, panicked, handled, batches, dead atomic.Int32
	kinds                                              atomic.Int32
}

func (o *countingObserver) Kind(string) actor.KindObserver  { o.kinds.Add(1); return o }
func (o *countingObserver) DeadLetter(actor.DeadLetter)     { o.dead.Add(1) }
func (o *countingObserver) ActorSpawned()                   { o.spawned.Add(1) }
func (o *countingObserver) ActorStopped(error)              { o.stopped.Add(1) }
func (o *countingObserver) ActorPanicked(*actor.PanicError) { o.panicked.Add(1) }
func (o *countingObserver) ActorRestarted()                 {}
func (o *countingObserver) MessagesHandled(n int, _ time.Duration) {
	o.handled.Add(int32(n))
	o.batches.Add(1)
}

func TestObserver(t *testing.T) {
	obs := &countingObserver{}
	sys := newSystem(t, actor.WithObserver(obs))
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case "good":
			c.Respond("ok")
		case "bad":
			panic("x")
		}
	})
	ctx := context.Background()
	if _, err := sys.Request(ctx, pid, "good"); err != nil {
		t.Fatal(err)
	}
	if _, err := sys.Request(ctx, pid, "bad"); !errors.Is(err, actor.ErrNoReply) {
		t.Fatalf("Request(bad) = %v", err)
	}
	sys.Send(actor.PID{ID: "ghost"}, 1)
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := [5]int32{obs.spawned.Load(), obs.stopped.Load(), obs.panicked.Load(), obs.handled.Load(), obs.dead.Load()}
	if got != [5]int32{1, 1, 1, 2, 1} {
		t.Fatalf("spawned, stopped, panicked, handled, dead = %v; want [1 1 1 2 1]", got)
	}
}
