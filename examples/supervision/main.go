package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/supervisor"
)

// Total asks the worker for its running total; the answer is an int.
type Total struct{}

// worker adds up the integers it is sent as strings. Its total lives in the
// instance, so a restart loses it.
type worker struct{ total int }

func (w *worker) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case actor.Started:
		say("worker", "started, total %d", w.total)
	case actor.Restarting:
		say("worker", "restarting, total %d is lost", w.total)
	case actor.Stopped:
		say("worker", "stopped, total %d is lost", w.total)
	case string:
		n, err := strconv.Atoi(m)
		if err != nil {
			panic(err) // the supervisor's business, not ours
		}
		w.total += n
		say("worker", "%q: total %d", m, w.total)
	case Total:
		c.Respond(w.total)
	}
}

// reporter prints the failures and restarts the system publishes. It runs
// on the worker's goroutine, so it only prints and notes the time.
type reporter struct {
	mu       sync.Mutex
	failedAt time.Time
	restarts int
}

// immediate tells a restart without backoff (a few microseconds) from one
// that waited (25 ms at least with this strategy).
const immediate = 10 * time.Millisecond

func (r *reporter) event(ev actor.Event) {
	switch e := ev.(type) {
	case actor.ActorFailed:
		r.mu.Lock()
		r.failedAt = time.Now()
		r.mu.Unlock()
		say("failed", "%s panicked on %q: %v", e.PID.ID, e.Err.Message, e.Err.Value)
	case actor.ActorRestarted:
		r.mu.Lock()
		r.restarts++
		n, waited := r.restarts, time.Since(r.failedAt)
		r.mu.Unlock()
		when := "at once: the first restart after a quiet spell"
		if waited >= immediate {
			when = "after a backoff pause"
		}
		say("restarted", "%s, restart %d of 3 allowed in 10s, %s", e.PID.ID, n, when)
	}
}

func say(who, format string, args ...any) {
	fmt.Printf("%-10s %s\n", who, fmt.Sprintf(format, args...))
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "supervision:", err)
		os.Exit(1)
	}
}

func run() error {
	strategy := supervisor.OneForOne(
		supervisor.WithBackoff(50*time.Millisecond, time.Second),
		supervisor.WithMaxRestarts(3, 10*time.Second),
	)
	sys := actor.NewSystem(
		actor.WithGuardian(strategy),
		// Every panic is logged with its stack; the events below tell the
		// story in one line each instead.
		actor.WithLogger(slog.New(slog.DiscardHandler)),
	)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	rep := &reporter{}
	defer sys.Subscribe(rep.event)()

	fmt.Println("A worker adds up numbers and panics on anything else. Its supervisor")
	fmt.Println("restarts it, waiting 50ms..1s between restarts in a row, at most 3 in 10s.")
	fmt.Println()

	pid, err := sys.Spawn(func() actor.Actor { return &worker{} }, actor.WithName("worker"))
	if err != nil {
		return err
	}

	// The watcher learns when the worker stops for good, and only then.
	terminated := make(chan actor.Terminated, 1)
	watching := make(chan struct{})
	_, err = sys.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			c.Watch(pid)
			close(watching)
		case actor.Terminated:
			say("watcher", "%s terminated: %v", m.PID.ID, m.Reason)
			terminated <- m
		}
	}, actor.WithName("watcher"))
	if err != nil {
		return err
	}
	<-watching

	// Queued all at once: what follows a bad input waits in the mailbox
	// over the restart and is handled by the new instance.
	for _, s := range []string{"12", "7", "oops", "30", "x", "5"} {
		if err := sys.Send(pid, s); err != nil {
			return err
		}
	}
	// Handled after everything above, so every line about it is printed.
	total, err := sys.Request(ctx, pid, Total{})
	if err != nil {
		return err
	}
	say("main", "the total is %d: only what came after the last restart", total)

	fmt.Println()
	fmt.Println("Two more bad inputs: the second would be a fourth restart within 10s.")
	fmt.Println()
	for _, s := range []string{"1", "bad", "2", "worse"} {
		if err := sys.Send(pid, s); err != nil {
			return err
		}
	}
	var term actor.Terminated
	select {
	case term = <-terminated:
	case <-ctx.Done():
		return fmt.Errorf("the worker did not stop: %w", ctx.Err())
	}
	var perr *actor.PanicError
	if !errors.As(term.Reason, &perr) {
		return fmt.Errorf("the worker stopped with %v, want a panic", term.Reason)
	}
	say("main", "the worker stopped for good, on message %q", perr.Message)

	return sys.Shutdown(ctx)
}
