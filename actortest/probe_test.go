package actortest_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/actortest"
)

type Pong struct{ N int }

func TestProbeExpectations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actortest.NewSystem(t)
		p := actortest.NewProbe(t, sys)
		sys.Send(p.PID(), Pong{1})
		sys.Send(p.PID(), "two")
		if m := p.ExpectMsg(Pong{1}); m.Sender != (actor.PID{}) {
			t.Fatalf("sender %v, want none", m.Sender)
		}
		if s := actortest.ExpectMsgType[string](p); s != "two" {
			t.Fatalf("got %q", s)
		}
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			if _, ok := c.Message().(Pong); ok {
				c.Respond(Pong{2})
			}
		})
		p.Watch(pid)
		sys.System.Send(pid, Pong{}) // no sender: answered to nobody
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := p.Receive(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Receive = %v, want the deadline", err)
		}
		sys.Stop(pid)
		if term := p.ExpectTerminated(pid); term.Reason != nil {
			t.Fatalf("reason %v", term.Reason)
		}
		p.ExpectNoMsg(time.Second)
	})
}

// Each expectation, when it fails, says what it wanted and what arrived.
func TestProbeFailureMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := actortest.NewSystem(t)
		f := newFakeTB(t)
		p := actortest.NewProbe(f, sys)
		other := actortest.NewProbe(t, sys)
		send := func(msgs ...any) {
			for _, m := range msgs {
				sys.Send(p.PID(), m)
			}
		}

		p.ExpectMsg(Pong{1})
		f.expectFailure(t, "want actortest_test.Pong{N:1}; nothing arrived within 10s")

		send("hi", Pong{3})
		p.ExpectMsg(Pong{1})
		f.expectFailure(t, `want actortest_test.Pong{N:1}; got string("hi") (and 1 more waiting)`)
		p.ExpectMsg(Pong{1})
		f.expectFailure(t, "want actortest_test.Pong{N:1}; got actortest_test.Pong{N:3}")

		// A message from an actor names its sender.
		fwd, _ := sys.SpawnFunc(func(c *actor.Context) {
			if m, ok := c.Message().(int); ok {
				c.Send(p.PID(), m)
			}
		})
		sys.Send(fwd, 7)
		p.ExpectMsg(8)
		f.expectFailure(t, "want int(8); got int(7) from "+fwd.String())

		actortest.ExpectMsgType[Pong](p)
		f.expectFailure(t, "want a message of type actortest_test.Pong; nothing arrived within 10s")
		send(7)
		actortest.ExpectMsgType[Pong](p)
		f.expectFailure(t, "want a message of type actortest_test.Pong; got int(7)")

		gone, _ := sys.SpawnFunc(func(*actor.Context) {})
		p.Watch(gone, other.PID())
		p.ExpectTerminated(gone)
		f.expectFailure(t, "want Terminated of "+gone.String()+"; nothing arrived within 10s")
		sys.Stop(other.PID())
		p.ExpectTerminated(gone)
		f.expectFailure(t, "want Terminated of "+gone.String()+"; got Terminated of "+other.PID().String()+" (reason: <nil>)")
		send(Pong{4})
		p.ExpectTerminated(gone)
		f.expectFailure(t, "want Terminated of "+gone.String()+"; got actortest_test.Pong{N:4}")

		go func() {
			time.Sleep(250 * time.Millisecond)
			sys.Send(p.PID(), Pong{5})
		}()
		p.ExpectNoMsg(time.Second)
		f.expectFailure(t, "want no message within 1s; got actortest_test.Pong{N:5} after 250ms")

		p.Timeout = 10 * time.Second
		p.ExpectMsg(nil)
		f.expectFailure(t, "want nil; nothing arrived within 10s")

		p.Watch(actor.PID{})
		f.expectFailure(t, "watch the zero PID: actor: zero PID")
		sys.Stop(p.PID())
		p.ExpectNoMsg(time.Second)
		p.Watch(gone)
		f.expectFailure(t, "watch: actor: not found")
	})
}

// Bad input: no System, a nil context.
func TestProbeBadInput(t *testing.T) {
	f := newFakeTB(t)
	actortest.NewProbe(f, (*actor.System)(nil))
	f.expectFailure(t, "NewProbe: nil System")
	p := actortest.NewProbe(f, nil)
	f.expectFailure(t, "NewProbe: nil System")
	p.Watch(actor.PID{ID: "x"})
	f.expectFailure(t, "Watch: the probe never started")

	sys := actortest.NewSystem(t)
	p = actortest.NewProbe(t, sys)
	if _, err := p.Receive(nil); !errors.Is(err, actor.ErrNilContext) {
		t.Fatalf("Receive(nil) = %v, want ErrNilContext", err)
	}
}
