package actor_test

// Regression tests for what a hostile try of the runtime found: each one
// failed before its fix.

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/supervisor"
)

// A handler that calls runtime.Goexit while stopping (as t.FailNow does in a
// test actor) must not wedge the stop: it completes once, the name is free
// again, later sends are refused, and Shutdown finds nothing left.
func TestGoexitWhileStoppingCompletesTheStopOnce(t *testing.T) {
	for _, during := range []string{"Stopping", "Stopped", "both"} {
		t.Run(during, func(t *testing.T) {
			sys := newSystem(t)
			var stopping, stopped atomic.Int32
			reasons := make(chan error, 2)
			defer sys.Subscribe(func(ev actor.Event) {
				if e, ok := ev.(actor.ActorStopped); ok {
					reasons <- e.Reason
				}
			})()
			pid, err := sys.SpawnFunc(func(c *actor.Context) {
				switch c.Message().(type) {
				case actor.Stopping:
					stopping.Add(1)
					if during != "Stopped" {
						runtime.Goexit()
					}
				case actor.Stopped:
					stopped.Add(1)
					if during != "Stopping" {
						runtime.Goexit()
					}
				}
			}, actor.WithName("goner"))
			if err != nil {
				t.Fatal(err)
			}
			sys.Stop(pid)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := sys.Wait(ctx, pid); err != nil && !errors.Is(err, actor.ErrNotFound) {
				t.Fatalf("Wait = %v: the stop never completed", err)
			}
			// The registry lets go of the name before Wait returns.
			if _, err := sys.SpawnFunc(func(*actor.Context) {}, actor.WithName("goner")); err != nil {
				t.Fatalf("name still taken after the stop: %v", err)
			}
			if n, m := stopping.Load(), stopped.Load(); n != 1 || (during != "Stopping" && m != 1) || m > 1 {
				t.Fatalf("Stopping delivered %d times, Stopped %d times", n, m)
			}
			// The stop keeps the reason it began with: a Goexit in a
			// stop's handler is not why the actor stopped.
			if reason := <-reasons; reason != nil {
				t.Fatalf("ActorStopped reason = %v, want nil: a normal stop", reason)
			}
			if err := sys.Stop(actor.PID{ID: "goner"}); err != nil {
				t.Fatal(err)
			}
			if err := sys.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown = %v", err)
			}
		})
	}
}

// Sends to an actor whose stop a Goexit interrupted are refused, not lost.
func TestSendAfterGoexitWhileStoppingIsRefused(t *testing.T) {
	sys := newSystem(t)
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		if _, ok := c.Message().(actor.Stopping); ok {
			runtime.Goexit()
		}
	})
	sys.Stop(pid)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := sys.Wait(ctx, pid); err != nil && !errors.Is(err, actor.ErrNotFound) {
		t.Fatalf("Wait = %v: the stop never completed", err)
	}
	if err := sys.Send(pid, 1); !errors.Is(err, actor.ErrNotFound) {
		t.Fatalf("Send = %v, want ErrNotFound", err)
	}
	if err := sys.SendContext(ctx, pid, 1); !errors.Is(err, actor.ErrNotFound) {
		t.Fatalf("SendContext = %v, want ErrNotFound at once", err)
	}
}

// The natural audit pattern, a subscriber forwarding every dead letter to an
// actor, must not recurse when that actor is gone.
func TestDeadLetterSubscriberThatSendsDoesNotRecurse(t *testing.T) {
	sys := newSystem(t)
	auditor, _ := sys.SpawnFunc(func(*actor.Context) {})
	var calls atomic.Int32
	sys.Subscribe(func(ev actor.Event) {
		if d, ok := ev.(actor.DeadLetter); ok {
			calls.Add(1)
			sys.TrySend(auditor, d)
		}
	})
	sys.Stop(auditor)
	sys.Wait(context.Background(), auditor)
	if err := sys.Send(actor.PID{ID: "ghost"}, 1); !errors.Is(err, actor.ErrNotFound) {
		t.Fatalf("Send to ghost = %v", err)
	}
	// The first dead letter is published; the forwarded one, itself a dead
	// letter that did not arrive, is counted and not published again.
	if n := calls.Load(); n != 1 {
		t.Fatalf("subscriber called %d times, want 1", n)
	}
	if n := sys.DeadLetters(); n != 2 {
		t.Fatalf("dead letters = %d, want 2", n)
	}
}

// audit wraps a dead letter, so the runtime cannot tell by its type that
// forwarding it failed.
type audit struct{ d actor.DeadLetter }

// A subscriber that wraps what it forwards still cannot recurse without end:
// the nesting is cut, and what is cut is counted.
func TestWrappedDeadLetterForwardingIsBounded(t *testing.T) {
	sys := newSystem(t)
	var calls atomic.Int32
	sys.Subscribe(func(ev actor.Event) {
		if d, ok := ev.(actor.DeadLetter); ok {
			calls.Add(1)
			sys.TrySend(actor.PID{ID: "gone-auditor"}, audit{d})
		}
	})
	sys.Send(actor.PID{ID: "ghost"}, 1)
	n := calls.Load()
	if n < 2 || n > actor.MaxPublishDepth {
		t.Fatalf("subscriber called %d times, want 2..%d", n, actor.MaxPublishDepth)
	}
	if got := sys.DeadLetters(); got != uint64(n)+1 {
		t.Fatalf("dead letters = %d, want %d (every one counted)", got, n+1)
	}
}

// panickyObserver writes to a nil map in every method; with kind "boom" it
// panics in Kind itself.
type panickyObserver struct{ m map[string]int }

func (o *panickyObserver) Kind(k string) actor.KindObserver {
	if k == "boom" {
		panic("no observer for you")
	}
	return o
}
func (o *panickyObserver) DeadLetter(actor.DeadLetter)        { o.m["dead"]++ }
func (o *panickyObserver) ActorSpawned()                      { o.m["spawned"]++ }
func (o *panickyObserver) ActorStopped(error)                 { o.m["stopped"]++ }
func (o *panickyObserver) ActorPanicked(*actor.PanicError)    { o.m["panicked"]++ }
func (o *panickyObserver) ActorRestarted()                    { o.m["restarted"]++ }
func (o *panickyObserver) MessagesHandled(int, time.Duration) { o.m["handled"]++ }

func TestPanickingObserverIsRecovered(t *testing.T) {
	var mu sync.Mutex
	var log bytes.Buffer
	sys := newSystem(t, actor.WithObserver(&panickyObserver{}), actor.WithLogger(testLogger(&mu, &log)))
	pid, err := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case "boom":
			panic("boom")
		case "ping":
			c.Respond("pong")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 100 {
		if r, err := sys.Request(ctx, pid, "ping"); err != nil || r != "pong" {
			t.Fatalf("Request = %v, %v", r, err)
		}
	}
	sys.Send(pid, "boom") // panicked, then restarted
	if r, err := sys.Request(ctx, pid, "ping"); err != nil || r != "pong" {
		t.Fatalf("Request after a restart = %v, %v", r, err)
	}
	sys.Send(actor.PID{ID: "ghost"}, 1)
	if _, err := sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("boom")); err != nil {
		t.Fatalf("Spawn with an observer that panics in Kind = %v", err)
	}
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(log.String(), "observer panicked"); n < 1 || n > 6 {
		t.Fatalf("observer panics logged %d times, want a few (rate-limited):\n%s", n, log.String())
	}
}

// A request or send whose context is already done must not be delivered:
// the caller is told it failed, so the handler must not run.
func TestDoneContextDeliversNothing(t *testing.T) {
	sys := newSystem(t)
	var ran atomic.Int32
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case "withdraw":
			ran.Add(1)
			c.Respond("ok")
		case "count":
			c.Respond(ran.Load())
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 1000 {
		if _, err := sys.Request(ctx, pid, "withdraw"); !errors.Is(err, context.Canceled) {
			t.Fatalf("Request with a cancelled context = %v", err)
		}
		if err := sys.SendContext(ctx, pid, "withdraw"); !errors.Is(err, context.Canceled) {
			t.Fatalf("SendContext with a cancelled context = %v", err)
		}
	}
	n, err := sys.Request(context.Background(), pid, "count")
	if err != nil || n != int32(0) {
		t.Fatalf("handler ran %v times (%v), want 0", n, err)
	}
	if d := sys.DeadLetters(); d != 0 {
		t.Fatalf("%d dead letters, want none: nothing was sent", d)
	}
}

type nilActor struct{}

func (*nilActor) Receive(*actor.Context) {}

type mapActor map[string]int

func (mapActor) Receive(*actor.Context) {}

func TestSpawnRefusesTypedNilActors(t *testing.T) {
	sys := newSystem(t)
	for name, p := range map[string]actor.Producer{
		"pointer": func() actor.Actor { var a *nilActor; return a },
		"map":     func() actor.Actor { var a mapActor; return a },
	} {
		if _, err := sys.Spawn(p); !errors.Is(err, actor.ErrNilProducer) {
			t.Errorf("%s: Spawn = %v, want ErrNilProducer", name, err)
		}
	}
}

// A flood of panics is logged at a limited rate: the first with its stack,
// then a count; every panic is still published.
func TestPanicLoggingIsRateLimited(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var log bytes.Buffer
		sys := newSystem(t, actor.WithLogger(testLogger(&mu, &log)), actor.WithGuardian(supervisor.OneForOne(
			supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Resume }))))
		var failed atomic.Int32
		sys.Subscribe(func(ev actor.Event) {
			if _, ok := ev.(actor.ActorFailed); ok {
				failed.Add(1)
			}
		})
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			if c.Message() == "bad" {
				panic("bad message")
			}
		})
		const n = 10000
		for range n {
			sys.Send(pid, "bad")
		}
		if _, err := sys.Request(context.Background(), pid, "sync"); !errors.Is(err, actor.ErrNoReply) {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second) // two report intervals pass
		sys.Send(pid, "bad")
		sys.Request(context.Background(), pid, "sync")
		if f := failed.Load(); f != n+1 {
			t.Fatalf("%d ActorFailed events, want %d", f, n+1)
		}
		mu.Lock()
		defer mu.Unlock()
		logged := log.String()
		if lines := strings.Count(logged, "\n"); lines > 5 {
			t.Fatalf("%d log lines for %d panics, want a few:\n%.2000s", lines, n+1, logged)
		}
		if strings.Count(logged, "stack=") != 1 {
			t.Fatalf("want the stack once, with the first panic:\n%.2000s", logged)
		}
		if !strings.Contains(logged, "suppressed="+itoa(n-1)) {
			t.Fatalf("want a count of the %d panics not logged:\n%.2000s", n-1, logged)
		}
	})
}

// After a Shutdown whose context ran out, a second one with more time waits
// for what the first left running.
func TestSecondShutdownWaitsForWhatTheFirstLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		entered, release := make(chan struct{}), make(chan struct{})
		pid, _ := sys.SpawnFunc(blocker(entered, release, nil))
		sys.Send(pid, "block")
		<-entered
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := sys.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("first Shutdown = %v", err)
		}
		waited := waitFor(sys, pid)
		go func() {
			time.Sleep(time.Second)
			close(release)
		}()
		if err := sys.Shutdown(context.Background()); err != nil {
			t.Fatalf("second Shutdown = %v, want nil once the actor is gone", err)
		}
		// The handler outlived the stop grace, and its reason says so.
		if err := <-waited; !errors.Is(err, actor.ErrIgnoredStop) {
			t.Fatalf("Wait after the first Shutdown = %v, want ErrIgnoredStop", err)
		}
		if err := sys.Shutdown(context.Background()); !errors.Is(err, actor.ErrSystemStopped) {
			t.Fatalf("third Shutdown = %v, want ErrSystemStopped", err)
		}
	})
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}
