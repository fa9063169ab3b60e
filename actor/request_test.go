package actor_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
)

// echo answers every string with itself.
func echo(c *actor.Context) {
	if m, ok := c.Message().(string); ok {
		c.Respond(m)
	}
}

func TestRequestAndFuture(t *testing.T) {
	sys := newSystem(t)
	pid, _ := sys.SpawnFunc(echo)
	got, err := sys.Request(context.Background(), pid, "hello")
	if err != nil || got != "hello" {
		t.Fatalf("Request = %v, %v", got, err)
	}
	f := sys.RequestFuture(pid, "again", 5*time.Second)
	<-f.Done()
	if got, err := f.Result(); err != nil || got != "again" {
		t.Fatalf("Future = %v, %v", got, err)
	}
}

func TestRequestBadInput(t *testing.T) {
	sys := newSystem(t)
	pid, _ := sys.SpawnFunc(echo)
	ghost := actor.PID{ID: "ghost"}
	if _, err := sys.Request(nil, pid, "x"); err == nil { //nolint:staticcheck
		t.Error("Request(nil ctx) = nil error")
	}
	if _, err := sys.Request(context.Background(), pid, nil); !errors.Is(err, actor.ErrNilMessage) {
		t.Errorf("Request(nil msg) = %v", err)
	}
	if _, err := sys.Request(context.Background(), ghost, "x"); !errors.Is(err, actor.ErrNotFound) {
		t.Errorf("Request(unknown) = %v", err)
	}
	if _, err := sys.RequestFuture(ghost, "x", time.Second).Result(); !errors.Is(err, actor.ErrNotFound) {
		t.Errorf("RequestFuture(unknown) = %v", err)
	}
	if _, err := sys.RequestFuture(pid, "x", 0).Result(); !errors.Is(err, actor.ErrTimeout) {
		t.Errorf("RequestFuture(timeout 0) = %v", err)
	}
}

func TestRequestTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		release := make(chan struct{})
		defer close(release)
		slow, _ := sys.SpawnFunc(func(c *actor.Context) {
			if c.Message() == "x" {
				<-release // answers only when the test ends
			}
		})
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if _, err := sys.Request(ctx, slow, "x"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Request = %v, want DeadlineExceeded", err)
		}
		start := time.Now()
		_, err := sys.RequestFuture(slow, "x", 2*time.Second).Result()
		if !errors.Is(err, actor.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Future = %v, want ErrTimeout", err)
		}
		if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
			t.Fatalf("ErrTimeout is not a net.Error timeout: %T", err)
		}
		if d := time.Since(start); d != 2*time.Second {
			t.Fatalf("future timed out after %v, want 2s", d)
		}
	})
}

// Respond is valid only during Receive, so a handler that returns without
// answering fails the request at once instead of leaving it to time out.
func TestUnansweredRequestFailsAtOnce(t *testing.T) {
	sys := newSystem(t)
	silent, _ := sys.SpawnFunc(func(*actor.Context) {})
	_, err := sys.Request(context.Background(), silent, "x")
	if !errors.Is(err, actor.ErrNoReply) {
		t.Fatalf("Request = %v, want ErrNoReply", err)
	}
}

// A request whose target stops, fails or drops it is answered with an
// error at once, never left to hang.
func TestRequestWhoseTargetDies(t *testing.T) {
	t.Run("stopped with the request queued", func(t *testing.T) {
		sys := newSystem(t)
		entered, release := make(chan struct{}), make(chan struct{})
		pid, _ := sys.SpawnFunc(blocker(entered, release, nil))
		sys.Send(pid, "block")
		<-entered
		f := sys.RequestFuture(pid, "question", time.Hour)
		sys.Stop(pid)
		close(release)
		if _, err := f.Result(); !errors.Is(err, actor.ErrNoReply) || !errors.Is(err, actor.ErrStopped) {
			t.Fatalf("Result = %v, want ErrNoReply wrapping ErrStopped", err)
		}
	})
	t.Run("panicked on the request", func(t *testing.T) {
		sys := newSystem(t)
		pid, _ := sys.SpawnFunc(func(c *actor.Context) {
			if c.Message() == "question" {
				panic("cannot answer")
			}
		})
		_, err := sys.Request(context.Background(), pid, "question")
		var perr *actor.PanicError
		if !errors.Is(err, actor.ErrNoReply) || !errors.As(err, &perr) || perr.Value != "cannot answer" {
			t.Fatalf("Request = %v, want ErrNoReply wrapping the panic", err)
		}
	})
}

func TestRespond(t *testing.T) {
	sys := newSystem(t)
	ev := subscribe(t, sys)
	got := make(chan error, 4)
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch c.Message() {
		case "told":
			got <- c.Respond("nobody asked")
		case "asked":
			got <- c.Respond(1)
			got <- c.Respond(2) // answered already
		}
	})
	sys.Send(pid, "told")
	if err := receive(t, got); !errors.Is(err, actor.ErrNoSender) {
		t.Fatalf("Respond without sender = %v", err)
	}
	if d, ok := ev.next(t).(actor.DeadLetter); !ok || d.Message != "nobody asked" {
		t.Fatalf("unanswerable response not a dead letter: %+v", d)
	}
	reply, err := sys.Request(context.Background(), pid, "asked")
	if reply != 1 || err != nil {
		t.Fatalf("Request = %v, %v", reply, err)
	}
	if err := receive(t, got); err != nil {
		t.Fatalf("first Respond = %v", err)
	}
	if err := receive(t, got); !errors.Is(err, actor.ErrAnswered) {
		t.Fatalf("second Respond = %v, want ErrAnswered", err)
	}
}

// TestRequestCancelledAsAnswered: when the context ends while the answer
// is being written, Request returns the answer or the context's error,
// never a nil answer with a nil error. It used to read the future's result
// without waiting for the answer that won the race to be written (the race
// detector found it in the cluster's tests).
func TestRequestCancelledAsAnswered(t *testing.T) {
	sys := newSystem(t)
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		if f, ok := c.Message().(func()); ok {
			f() // cancel the request's context as its answer is given
			c.Respond("answer")
		}
	})
	for range 2000 {
		ctx, cancel := context.WithCancel(context.Background())
		got, err := sys.Request(ctx, pid, func() { go cancel() })
		cancel()
		if err == nil && got != "answer" || err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("Request = %v, %v", got, err)
		}
	}
}
