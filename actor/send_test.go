package actor_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/troupe-go/troupe/actor"
	"github.com/troupe-go/troupe/mailbox"
)

func TestStartedFirstThenMessagesInOrder(t *testing.T) {
	sys := newSystem(t)
	got := make(chan any, 16)
	pid, err := sys.SpawnFunc(recorder(got), actor.WithName("r"))
	if err != nil {
		t.Fatal(err)
	}
	if pid != (actor.PID{ID: "r"}) {
		t.Fatalf("pid = %v", pid)
	}
	for i := range 5 {
		if err := sys.Send(pid, i); err != nil {
			t.Fatal(err)
		}
	}
	if m := receive(t, got); m != (actor.Started{}) {
		t.Fatalf("first message %#v, want Started", m)
	}
	for i := range 5 {
		if m := receive(t, got); m != i {
			t.Fatalf("got %v, want %d", m, i)
		}
	}
}

func TestPerSenderOrderUnderConcurrency(t *testing.T) {
	sys := newSystem(t)
	const senders, each = 8, 2000
	next := make([]int, senders)
	done := make(chan error, 1)
	total := 0
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		m, ok := c.Message().([2]int)
		if !ok {
			return
		}
		if m[1] != next[m[0]] {
			done <- fmt.Errorf("sender %d: got %d, want %d", m[0], m[1], next[m[0]])
			return
		}
		next[m[0]]++
		if total++; total == senders*each {
			done <- nil
		}
	}, actor.WithMailboxSize(64))
	var wg sync.WaitGroup
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				if err := sys.Send(pid, [2]int{s, i}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := receive(t, done); err != nil {
		t.Fatal(err)
	}
}

func TestSpawnBadInput(t *testing.T) {
	sys := newSystem(t)
	tests := []struct {
		name  string
		spawn func() (actor.PID, error)
		want  error
	}{
		{"nil producer", func() (actor.PID, error) { return sys.Spawn(nil) }, actor.ErrNilProducer},
		{"producer returns nil", func() (actor.PID, error) {
			return sys.Spawn(func() actor.Actor { return nil })
		}, actor.ErrNilProducer},
		{"nil func", func() (actor.PID, error) { return sys.SpawnFunc(nil) }, actor.ErrNilProducer},
		{"typed nil func", func() (actor.PID, error) {
			return sys.Spawn(func() actor.Actor { return actor.ReceiveFunc(nil) })
		}, actor.ErrNilProducer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pid, err := tt.spawn()
			if !errors.Is(err, tt.want) || !pid.IsZero() {
				t.Fatalf("got %v, %v; want zero PID, %v", pid, err, tt.want)
			}
		})
	}
	t.Run("producer panics", func(t *testing.T) {
		_, err := sys.Spawn(func() actor.Actor { panic("boom") })
		if err == nil {
			t.Fatal("no error from a panicking producer")
		}
	})
	t.Run("unknown overflow", func(t *testing.T) {
		_, err := sys.SpawnFunc(func(*actor.Context) {}, actor.WithOverflow(mailbox.Overflow(42)))
		if err == nil {
			t.Fatal("no error for an unknown overflow policy")
		}
	})
	t.Run("name taken", func(t *testing.T) {
		if _, err := sys.SpawnFunc(func(*actor.Context) {}, actor.WithName("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := sys.SpawnFunc(func(*actor.Context) {}, actor.WithName("x")); !errors.Is(err, actor.ErrNameTaken) {
			t.Fatalf("second spawn = %v, want ErrNameTaken", err)
		}
	})
}

func TestSendBadInput(t *testing.T) {
	sys := newSystem(t)
	ev := subscribe(t, sys)
	pid, _ := sys.SpawnFunc(func(*actor.Context) {})
	ghost := actor.PID{ID: "ghost"}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"nil message", sys.Send(pid, nil), actor.ErrNilMessage},
		{"zero PID", sys.Send(actor.PID{}, 1), actor.ErrZeroPID},
		{"address only", sys.Send(actor.PID{Address: "127.0.0.1:1"}, 1), actor.ErrZeroPID},
		{"remote without transport", sys.Send(actor.PID{Address: "127.0.0.1:1", ID: "x"}, 1), actor.ErrNoTransport},
		{"unknown actor", sys.Send(ghost, "hello"), actor.ErrNotFound},
		{"TrySend unknown", sys.TrySend(ghost, "hello"), actor.ErrNotFound},
		{"SendContext nil ctx", sys.SendContext(nil, pid, 1), nil}, //nolint:staticcheck
		{"Stop zero PID", sys.Stop(actor.PID{}), actor.ErrZeroPID},
		{"Stop unknown", sys.Stop(ghost), actor.ErrNotFound},
		{"Poison unknown", sys.Poison(ghost), actor.ErrNotFound},
	}
	for _, tt := range tests {
		if tt.want == nil {
			if tt.err == nil {
				t.Errorf("%s: no error", tt.name)
			}
			continue
		}
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	// Each send to a missing actor is a dead letter, nothing else is.
	dl := ev.deadLetters()
	if len(dl) != 2 || dl[0].Target != ghost || dl[0].Message != "hello" || !errors.Is(dl[0].Reason, actor.ErrNotFound) {
		t.Fatalf("dead letters = %+v", dl)
	}
	if sys.DeadLetters() != 2 {
		t.Fatalf("DeadLetters() = %d, want 2", sys.DeadLetters())
	}
}

func TestTrySendOnFullMailbox(t *testing.T) {
	sys := newSystem(t)
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	pid, _ := sys.SpawnFunc(blocker(entered, release, nil), actor.WithMailboxSize(2))
	sys.Send(pid, "block")
	<-entered
	for i := range 2 {
		if err := sys.TrySend(pid, i); err != nil {
			t.Fatal(err)
		}
	}
	if err := sys.TrySend(pid, 3); !errors.Is(err, mailbox.ErrFull) {
		t.Fatalf("TrySend on full = %v, want ErrFull", err)
	}
}

func TestRejectPolicyBoundIsExact(t *testing.T) {
	sys := newSystem(t)
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	pid, _ := sys.SpawnFunc(blocker(entered, release, nil),
		actor.WithMailboxSize(4), actor.WithOverflow(mailbox.Reject))
	sys.Send(pid, "block")
	<-entered
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for range 8 {
		wg.Go(func() {
			for i := range 10 {
				if sys.Send(pid, i) == nil {
					mu.Lock()
					accepted++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if accepted != 4 {
		t.Fatalf("accepted %d messages into a mailbox of 4", accepted)
	}
}

func TestSendBlocksForRoomAndSendContextGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sys := newSystem(t)
		entered, release := make(chan struct{}), make(chan struct{})
		seen := make(chan any, 8)
		pid, _ := sys.SpawnFunc(blocker(entered, release, seen), actor.WithMailboxSize(1))
		sys.Send(pid, "block")
		<-entered
		sys.Send(pid, "queued")
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := sys.SendContext(ctx, pid, "late"); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("SendContext on full = %v, want DeadlineExceeded", err)
		}
		sent := make(chan error)
		go func() { sent <- sys.Send(pid, "waits") }()
		synctest.Wait()
		select {
		case err := <-sent:
			t.Fatalf("Send on full returned %v without waiting", err)
		default:
		}
		close(release)
		if err := <-sent; err != nil {
			t.Fatal(err)
		}
		for _, want := range []any{actor.Started{}, "block", "queued", "waits"} {
			if got := <-seen; got != want {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
	})
}

func TestDropPoliciesMakeDeadLetters(t *testing.T) {
	for _, tt := range []struct {
		policy  mailbox.Overflow
		dropped any
	}{
		{mailbox.DropNewest, 2},
		{mailbox.DropOldest, 1},
	} {
		t.Run(tt.policy.String(), func(t *testing.T) {
			sys := newSystem(t)
			ev := subscribe(t, sys)
			entered, release := make(chan struct{}), make(chan struct{})
			pid, _ := sys.SpawnFunc(blocker(entered, release, nil),
				actor.WithMailboxSize(1), actor.WithOverflow(tt.policy))
			sys.Send(pid, "block")
			<-entered
			if err := sys.Send(pid, 1); err != nil {
				t.Fatal(err)
			}
			if err := sys.Send(pid, 2); err != nil {
				t.Fatalf("Send under %v = %v, want nil", tt.policy, err)
			}
			close(release)
			d, ok := ev.next(t).(actor.DeadLetter)
			if !ok || d.Message != tt.dropped || d.Target != pid || !errors.Is(d.Reason, mailbox.ErrDropped) {
				t.Fatalf("event = %+v, want dead letter of %v", d, tt.dropped)
			}
		})
	}
}

func TestAfterShutdownEveryCallSaysStopped(t *testing.T) {
	sys := newSystem(t)
	pid, _ := sys.SpawnFunc(func(*actor.Context) {})
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, spawnErr := sys.SpawnFunc(func(*actor.Context) {})
	_, reqErr := sys.Request(ctx, pid, 1)
	_, waitErr := sys.Wait(ctx, pid)
	_, futErr := sys.RequestFuture(pid, 1, time.Second).Result()
	for name, err := range map[string]error{
		"Send": sys.Send(pid, 1), "TrySend": sys.TrySend(pid, 1),
		"SendContext": sys.SendContext(ctx, pid, 1), "Spawn": spawnErr,
		"Request": reqErr, "RequestFuture": futErr, "Wait": waitErr,
		"Stop": sys.Stop(pid), "Poison": sys.Poison(pid), "Shutdown": sys.Shutdown(ctx),
	} {
		if !errors.Is(err, actor.ErrSystemStopped) {
			t.Errorf("%s after Shutdown = %v, want ErrSystemStopped", name, err)
		}
	}
}

func TestContextSendFromActor(t *testing.T) {
	sys := newSystem(t)
	got := make(chan any, 4)
	b, _ := sys.SpawnFunc(func(c *actor.Context) {
		if m, ok := c.Message().(string); ok {
			got <- c.Sender()
			c.Respond(m + "!")
		}
	})
	a, _ := sys.SpawnFunc(func(c *actor.Context) {
		switch m := c.Message().(type) {
		case actor.Started:
			if err := c.Request(b, "hi"); err != nil {
				got <- err
			}
		case string:
			got <- m
			got <- c.Sender()
		}
	})
	if s := receive(t, got); s != a {
		t.Fatalf("b saw sender %v, want %v", s, a)
	}
	if m := receive(t, got); m != "hi!" {
		t.Fatalf("a got %v, want hi!", m)
	}
	if s := receive(t, got); s != b {
		t.Fatalf("a saw sender %v, want %v", s, b)
	}
}

// TestNameReusedAfterStop sends with one PID value to an actor, to nothing
// once it has stopped, and to its successor of the same name: the PID must
// resolve afresh each time, however the runtime caches the lookup.
func TestNameReusedAfterStop(t *testing.T) {
	sys := newSystem(t)
	first := make(chan any, 4)
	pid, err := sys.SpawnFunc(recorder(first), actor.WithName("reused"))
	if err != nil {
		t.Fatal(err)
	}
	<-first       // Started
	for range 3 { // resolved more than once: the cache is warm
		if err := sys.Send(pid, "one"); err != nil {
			t.Fatal(err)
		}
		if m := <-first; m != "one" {
			t.Fatalf("first actor got %v", m)
		}
	}
	sys.Stop(pid)
	if _, err := sys.Wait(context.Background(), pid); err != nil && !errors.Is(err, actor.ErrNotFound) {
		t.Fatal(err)
	}
	if err := sys.Send(pid, "lost"); !errors.Is(err, actor.ErrNotFound) {
		t.Fatalf("Send to a stopped actor = %v, want ErrNotFound", err)
	}
	second := make(chan any, 4)
	if _, err := sys.SpawnFunc(recorder(second), actor.WithName("reused")); err != nil {
		t.Fatal(err)
	}
	<-second // Started
	if err := sys.Send(pid, "two"); err != nil {
		t.Fatal(err)
	}
	if m := <-second; m != "two" {
		t.Fatalf("second actor got %v", m)
	}
}
