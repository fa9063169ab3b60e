package actor_test

import (
	"context"
	"testing"

	"github.com/troupe-go/troupe/actor"
)

// The Observer hears of messages once per batch, and of each kind once.
func TestObserverPerBatchAndKind(t *testing.T) {
	obs := &countingObserver{}
	sys := newSystem(t, actor.WithObserver(obs))
	entered, release := make(chan struct{}), make(chan struct{})
	pid, _ := sys.SpawnFunc(blocker(entered, release, nil), actor.WithKind("worker"))
	sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("worker"))
	sys.Send(pid, "block")
	<-entered
	const n = 500
	for i := range n {
		sys.Send(pid, i)
	}
	close(release)
	if _, err := sys.Request(context.Background(), pid, "sync"); err == nil {
		t.Fatal("blocker answered")
	}
	// A batch is reported when it ends; the actor's stop comes after.
	if err := sys.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if k := obs.kinds.Load(); k != 1 {
		t.Fatalf("Kind called %d times for one kind", k)
	}
	// "block", the n messages and "sync" were handled; the n waited while
	// the first was handled, so they came in far fewer batches.
	if h, b := obs.handled.Load(), obs.batches.Load(); h != n+2 || b > n/4 {
		t.Fatalf("handled %d in %d batches; want %d in few", h, b, n+2)
	}
}

// A Snapshot reads what waits in the mailboxes, per kind, at the moment.
func TestSnapshot(t *testing.T) {
	sys := newSystem(t)
	entered, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	pid, _ := sys.SpawnFunc(blocker(entered, release, nil), actor.WithKind("slow"), actor.WithMailboxSize(100))
	for range 3 {
		sys.SpawnFunc(func(*actor.Context) {}, actor.WithKind("idle"), actor.WithMailboxSize(10))
	}
	sys.Send(pid, "block")
	<-entered
	for i := range 7 {
		sys.Send(pid, i)
	}
	sys.Send(actor.PID{ID: "ghost"}, 1)
	snap := sys.Snapshot()
	want := []actor.KindSnapshot{
		{Kind: "idle", Alive: 3, MailboxCapacity: 30},
		{Kind: "slow", Alive: 1, MailboxDepth: 7, MailboxMax: 7, MailboxCapacity: 100},
	}
	if len(snap.Kinds) != len(want) {
		t.Fatalf("Snapshot kinds = %+v", snap.Kinds)
	}
	for i := range want {
		if snap.Kinds[i] != want[i] {
			t.Errorf("kind %d = %+v, want %+v", i, snap.Kinds[i], want[i])
		}
		if got := snap.Kind(want[i].Kind); got != want[i] {
			t.Errorf("Kind(%q) = %+v, want %+v", want[i].Kind, got, want[i])
		}
	}
	for _, name := range []string{"", "a", "ghost", "zzz"} { // before, between and after the kinds
		if got := snap.Kind(name); got != (actor.KindSnapshot{Kind: name}) {
			t.Errorf("Kind(%q) of no live actor = %+v, want a zero entry", name, got)
		}
	}
	if snap.DeadLetters != 1 {
		t.Errorf("DeadLetters = %d, want 1", snap.DeadLetters)
	}
}

// Requests are counted by how they end: answered, timed out, unanswered.
func TestSnapshotCountsRequests(t *testing.T) {
	sys := newSystem(t)
	pid, _ := sys.SpawnFunc(func(c *actor.Context) {
		if c.Message() == "ping" {
			c.Respond("pong")
		}
	})
	ctx := context.Background()
	sys.Request(ctx, pid, "ping")
	sys.Request(ctx, pid, "ignored")                 // ErrNoReply
	sys.RequestFuture(pid, "ping", 0).Result()       // times out at once
	sys.Request(ctx, actor.PID{ID: "ghost"}, "ping") // ErrNotFound, sent nowhere
	snap := sys.Snapshot()
	got := [3]uint64{snap.Requests, snap.RequestTimeouts, snap.RequestNoReplies}
	if got != [3]uint64{4, 1, 2} {
		t.Fatalf("requests, timeouts, no replies = %v; want [4 1 2]", got)
	}
}
