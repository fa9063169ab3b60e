package actor_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/supervisor"
)

// newSystem returns a system that logs to the test's output only when the
// test fails, and is shut down when the test ends.
func newSystem(t *testing.T, opts ...actor.SystemOption) *actor.System {
	t.Helper()
	opts = append([]actor.SystemOption{actor.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)
	sys := actor.NewSystem(opts...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		sys.Shutdown(ctx)
	})
	return sys
}

// recorder is an actor that forwards every message it receives to a channel.
func recorder(ch chan<- any) func(c *actor.Context) {
	return func(c *actor.Context) { ch <- c.Message() }
}

// events collects what a system publishes.
type events struct {
	mu  sync.Mutex
	all []actor.Event
	ch  chan actor.Event
}

func subscribe(t *testing.T, sys *actor.System) *events {
	e := &events{ch: make(chan actor.Event, 1024)}
	t.Cleanup(sys.Subscribe(func(ev actor.Event) {
		e.mu.Lock()
		e.all = append(e.all, ev)
		e.mu.Unlock()
		e.ch <- ev
	}))
	return e
}

func (e *events) deadLetters() []actor.DeadLetter {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []actor.DeadLetter
	for _, ev := range e.all {
		if d, ok := ev.(actor.DeadLetter); ok {
			out = append(out, d)
		}
	}
	return out
}

// next returns the next event, failing the test if none comes.
func (e *events) next(t *testing.T) actor.Event {
	t.Helper()
	select {
	case ev := <-e.ch:
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return nil
	}
}

// receive returns the next value from ch, failing the test if none comes.
func receive[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatal("nothing received")
		var zero T
		return zero
	}
}

// blocker is an actor whose handler, on a "block" message, signals entered and
// waits until release is closed: it holds the mailbox still.
func blocker(entered chan<- struct{}, release <-chan struct{}, seen chan<- any) func(c *actor.Context) {
	return func(c *actor.Context) {
		if c.Message() == "block" {
			entered <- struct{}{}
			<-release
		}
		if seen != nil {
			seen <- c.Message()
		}
	}
}

// lockedWriter lets a test read what a logger wrote while actors write to it.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func testLogger(mu *sync.Mutex, w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{mu, w}, nil))
}

// waitFor starts sys.Wait for pid and returns once it is waiting, which
// needs a synctest bubble. The channel yields the stop reason joined with
// Wait's own error: nil for a normal stop.
func waitFor(sys *actor.System, pid actor.PID) <-chan error {
	waited := make(chan error, 1)
	go func() {
		reason, err := sys.Wait(context.Background(), pid)
		waited <- errors.Join(reason, err)
	}()
	synctest.Wait()
	return waited
}

// stopOnPanic makes the system stop, not restart, a top-level actor that
// panics: for tests of what a stop by panic looks like.
func stopOnPanic() actor.SystemOption {
	return actor.WithGuardian(supervisor.OneForOne(
		supervisor.WithDecider(func(any) supervisor.Directive { return supervisor.Stop })))
}
