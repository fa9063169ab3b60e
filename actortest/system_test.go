package actortest_test

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
	"github.com/troupe-go/troupe/supervisor"
)

// stopOnPanic makes the guardian stop a top-level actor that panics.
var stopOnPanic = actor.WithGuardian(supervisor.OneForOne(
	supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Stop })))

func panicky(c *actor.Context) {
	if s, ok := c.Message().(string); ok && s == "panic" {
		panic("on purpose")
	}
}

// A failure that stops a top-level actor fails the test; one that
// supervision absorbs (a restart) does not, nor one the test allows.
func TestSystemFailsOnEscapedPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTB(t)
		sys := actortest.NewSystem(f, stopOnPanic)
		p := actortest.NewProbe(t, sys)
		pid, _ := sys.SpawnFunc(panicky, actor.WithKind("panicky"))
		p.Watch(pid)
		sys.Send(pid, "panic")
		p.ExpectTerminated(pid)
		synctest.Wait()
		f.expectFailure(t, "a failure escaped supervision: "+pid.String()+" (panicky) stopped: actor: panic: on purpose", "panicky")

		sys.AllowEscapes()
		pid, _ = sys.SpawnFunc(panicky)
		p.Watch(pid)
		sys.Send(pid, "panic")
		p.ExpectTerminated(pid)
		synctest.Wait()
		f.expectNoFailure(t)
		f.cleanup()
		f.expectNoFailure(t)
	})
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTB(t)
		sys := actortest.NewSystem(f) // the default guardian restarts
		p := actortest.NewProbe(t, sys)
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			panicky(c)
			if _, ok := c.Message().(actor.Started); ok {
				c.Send(p.PID(), "started")
			}
		})
		p.ExpectMsg("started")
		sys.Send(pid, "panic")
		p.ExpectMsg("started")
		// A child stopped by its supervisor's decision is no escape either.
		parent, _ := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(actor.Started); ok {
				child, _ := c.SpawnFunc(panicky)
				c.Send(p.PID(), child)
			}
		}, actor.WithSupervisor(supervisor.OneForOne(
			supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Stop }))))
		child := actortest.ExpectMsgType[actor.PID](p)
		p.Watch(child)
		sys.Send(child, "panic")
		p.ExpectTerminated(child)
		sys.Stop(parent)
		f.cleanup()
		f.expectNoFailure(t)
		if !strings.Contains(sys.Logs(), "on purpose") {
			t.Fatalf("the log does not show the panic:\n%s", sys.Logs())
		}
	})
}

// Dead letters fail the test only once asked, and then only those not
// expected.
func TestSystemFailsOnDeadLetters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTB(t)
		sys := actortest.NewSystem(f)
		sys.Send(actor.PID{ID: "nobody"}, Pong{1})
		synctest.Wait()
		f.expectNoFailure(t)

		sys.FailOnDeadLetters(nil, func(d actor.DeadLetter) bool {
			sys.Logs() // a matcher may use the System: no lock is held
			return d.Target.ID == "expected"
		})
		sys.FailOnDeadLetters(func(d actor.DeadLetter) bool {
			sys.FailOnDeadLetters() // nor while it adds
			return false
		})
		sys.Send(actor.PID{ID: "expected"}, Pong{2})
		f.expectNoFailure(t)
		sys.Send(actor.PID{ID: "nobody"}, Pong{3})
		f.expectFailure(t, "unexpected dead letter actortest_test.Pong to nobody from (none): actor: not found: actortest_test.Pong{N:3}")

		// Messages left in mailboxes at cleanup are not checked.
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(string); ok {
				<-c.Context().Done()
			}
		})
		sys.Send(pid, "block")
		sys.Send(pid, Pong{4})
		f.cleanup()
		f.expectNoFailure(t)
	})
}

// An actor that does not stop at cleanup fails the test, and the runtime's
// log is shown.
func TestSystemFailsOnActorsLeftRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTB(t)
		sys := actortest.NewSystem(f)
		release := make(chan struct{})
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(string); ok {
				<-release // ignores its context
			}
		}, actor.WithKind("stubborn"))
		sys.Send(pid, "block")
		synctest.Wait()
		start := time.Now()
		f.cleanup()
		if waited := time.Since(start); waited != actortest.ShutdownTimeout {
			t.Fatalf("cleanup waited %v, want %v", waited, actortest.ShutdownTimeout)
		}
		f.expectFailure(t, "actors still running at cleanup: 1 stubborn", "context deadline exceeded")
		if len(f.logs) != 1 || !strings.Contains(f.logs[0], "still running at shutdown") {
			t.Fatalf("logs %q, want the runtime's log", f.logs)
		}
		close(release)
		reason, err := sys.Wait(t.Context(), pid)
		if err != nil && !errors.Is(err, actor.ErrSystemStopped) {
			t.Fatal(reason, err)
		}
	})
}

// Actors still running when the cleanup begins fail the test only once
// asked; probes do not count.
func TestSystemFailOnLeftovers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeTB(t)
		sys := actortest.NewSystem(f)
		sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("forgotten"))
		f.cleanup()
		f.expectNoFailure(t)

		f = newFakeTB(t)
		sys = actortest.NewSystem(f)
		sys.FailOnLeftovers()
		actortest.NewProbe(t, sys) // outlives the System's cleanup here
		pid, _ := sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("stopped"))
		sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("forgotten"))
		sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("forgotten"))
		sys.Stop(pid)
		synctest.Wait()
		f.cleanup()
		f.expectFailure(t, "actors left running at cleanup: 2 forgotten")
	})
}
